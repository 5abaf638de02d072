/**
 * Small file helpers: atomic writes, an append-only JSONL writer and its reader.
 *
 * Failures (disk full, permission lost, I/O error) become StorageErrors whose message names
 * the file and says the cause in words ("disk full writing …/results.json (ENOSPC); …").
 */
import * as nodeFsModule from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, join, basename } from "node:path";
import { threadId } from "node:worker_threads";
import { StorageError } from "../errors.js";

/**
 * The file-system calls the writers use: node:fs by default, a stand-in in tests (to fail
 * a write after so many bytes, as a full disk does).
 */
export interface StoreFs {
  mkdirSync(path: string, options: { recursive: true }): unknown;
  openSync(path: string, flags: string, mode?: number): number;
  /** Writes up to `length` bytes of `buffer` from `offset`; returns how many it wrote (possibly fewer). */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number };
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeFs: StoreFs = {
  mkdirSync: (path, options) => nodeFsModule.mkdirSync(path, options),
  openSync: (path, flags, mode) => nodeFsModule.openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => nodeFsModule.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => nodeFsModule.fsyncSync(fd),
  ftruncateSync: (fd, length) => nodeFsModule.ftruncateSync(fd, length),
  fstatSync: (fd) => nodeFsModule.fstatSync(fd),
  closeSync: (fd) => nodeFsModule.closeSync(fd),
  renameSync: (from, to) => nodeFsModule.renameSync(from, to),
  unlinkSync: (path) => nodeFsModule.unlinkSync(path),
};

/** errno codes a user can act on, in words. */
const CAUSES: Record<string, string> = {
  ENOSPC: "disk full",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
  EIO: "I/O error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
  ENFILE: "too many open files",
  ENOENT: "folder missing",
  ENOTDIR: "a parent is not a folder",
  EISDIR: "the path is a folder",
};

function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * A StorageError for a failed file operation: "disk full writing /runs/x/results.json (ENOSPC)"
 * then `tail` ("; results.json was not replaced"). The original error is its `cause`.
 */
export function storageError(doing: string, path: string, e: unknown, tail = ""): StorageError {
  const code = errnoCode(e);
  const words = code !== undefined ? CAUSES[code] : undefined;
  const head =
    words !== undefined
      ? `${words} ${doing} ${path} (${code})`
      : `${doing} ${path} failed (${code !== undefined ? `${code}: ` : ""}${e instanceof Error ? e.message : String(e)})`;
  const err = new StorageError(head + tail);
  err.cause = e;
  return err;
}

/** A write(2) that wrote nothing and reported no error: treated as a failure, never looped on. */
class NoProgressError extends Error {
  constructor(left: number) {
    super(`the system wrote 0 of ${left} bytes`);
  }
}

/**
 * Writes all of `buf` (write(2) may write fewer bytes than asked: a disk filling up writes what
 * fits, then fails). Returns how many bytes reached the file, and the error that stopped it.
 */
function writeAll(fs: StoreFs, fd: number, buf: Uint8Array): { written: number; error?: unknown } {
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      return { written: off, error: e };
    }
    if (!(n > 0)) return { written: off, error: new NoProgressError(buf.length - off) };
    off += n;
  }
  return { written: off };
}

/**
 * Writes a whole file atomically: a temporary file beside it, written in full, fsynced,
 * then renamed over it, so a reader sees the old file or the new one, never half of one.
 * On failure the temporary file is removed, the file is left as it was, and a StorageError
 * says why ("disk full writing …/results.json (ENOSPC); results.json was not replaced", or
 * "…; nothing was written" when there was no such file).
 *
 * (write-file-atomic 7's sync API is not used: it issues one write(2) and ignores a short
 * count, so on a disk that fills up mid-file it renames a truncated file over the good one.)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, fs: StoreFs = nodeFs): void {
  const dir = dirname(path);
  const name = basename(path);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw storageError("creating the folder of", path, e);
  }
  const tmp = join(dir, `.${name}.${process.pid}.${threadId}.${randomBytes(4).toString("hex")}.tmp`);
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  let doing = "writing";
  try {
    fd = fs.openSync(tmp, "w", 0o666);
    const w = writeAll(fs, fd, buf);
    if (w.error !== undefined) throw w.error;
    doing = "syncing";
    fs.fsyncSync(fd);
    const open = fd;
    fd = undefined;
    doing = "writing";
    fs.closeSync(open);
    doing = "renaming a temporary file to";
    fs.renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // the write's error is the one to report
      }
    }
    let left = "";
    try {
      fs.unlinkSync(tmp);
    } catch (u) {
      if (errnoCode(u) !== "ENOENT") left = `; the temporary file ${tmp} could not be removed`;
    }
    const kept = nodeFsModule.existsSync(path) ? `${name} was not replaced` : "nothing was written";
    throw storageError(doing, path, e, `; ${kept}${left}`);
  }
  // The rename is durable once the folder is synced; best effort (not every system allows it).
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // the file itself is complete and synced
  }
}

export function writeJsonAtomic(path: string, value: unknown, fs: StoreFs = nodeFs): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n", fs);
}

/** Bytes queued before a write, at most (about 20-60 records of a load run). */
const MAX_PENDING_CHARS = 64 * 1024;
/** How long a line waits for its batch, at most (ms). */
const FLUSH_MS = 50;

export interface JsonlWriterOptions {
  /**
   * Called once, with the writer's `failure`, when a write first fails (from append(), the
   * batch timer, close() or the 'exit' hook). It must not throw (what it throws is ignored).
   */
  onError?: (err: StorageError) => void;
  /** For tests: the file-system calls to use. */
  fs?: StoreFs;
}

/**
 * An append-only JSONL file. append() serialises the value at once (a few µs to tens of µs
 * a record, spread over the run as requests end) and queues the line; the lines go to the
 * file in one synchronous write per batch (every FLUSH_MS, or at MAX_PENDING_CHARS), so
 * no write system call sits between a response's chunks and no batch blocks the event loop
 * for long. close() writes what is queued and fsyncs; a process that exits without close()
 * (an uncaught error) still writes the queue from an 'exit' hook, so only a kill -9 can lose
 * the last FLUSH_MS of lines.
 *
 * A failed write (disk full, I/O error) never throws from append(), the timer or the exit
 * hook. The file is cut back to its last complete line (only whole records stay in it,
 * `written` of them), `failure` holds a StorageError ("disk full writing …/records.jsonl
 * (ENOSPC); 1234 records kept, later records are not written"), onError gets it once, and
 * from then on nothing more is written: later appends are only counted (`lost`). It does
 * not try again when space comes back: a file with a hole in the middle would look whole.
 * Opening the file (constructor) throws a StorageError at once.
 */
export class JsonlWriter {
  private fd: number | undefined;
  private pending = "";
  private pendingLines = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onExit = () => this.flush();
  private readonly fs: StoreFs;
  private readonly onError: ((err: StorageError) => void) | undefined;
  /** Size of the file after the last complete batch. */
  private size: number;
  /** Values appended (written, queued or lost). */
  count = 0;
  /** Records whole in the file: what a reader gets back. */
  written = 0;
  /** The first write failure, if any; once set, nothing more is written. */
  failure: StorageError | undefined;

  constructor(
    readonly path: string,
    opts: JsonlWriterOptions = {},
  ) {
    this.fs = opts.fs ?? nodeFs;
    this.onError = opts.onError;
    try {
      this.fs.mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      throw storageError("creating the folder of", path, e);
    }
    try {
      this.fd = this.fs.openSync(path, "a");
    } catch (e) {
      throw storageError("opening", path, e);
    }
    try {
      this.size = this.fs.fstatSync(this.fd).size;
    } catch (e) {
      try {
        this.fs.closeSync(this.fd);
      } catch {
        // the fstat error is the one to report
      }
      throw storageError("opening", path, e);
    }
    process.on("exit", this.onExit);
  }

  /** Appended values that will never reach the file (after a failure). */
  get lost(): number {
    return this.failure ? this.count - this.written : 0;
  }

  append(value: unknown): void {
    if (this.fd === undefined) throw new Error(`JSONL writer for ${this.path} is closed`);
    this.count++;
    if (this.failure) return;
    this.pending += JSON.stringify(value) + "\n";
    this.pendingLines++;
    if (this.pending.length >= MAX_PENDING_CHARS) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes every queued line now. Never throws: a failure goes to `failure` and onError. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.fd === undefined || this.pending.length === 0 || this.failure) return;
    const buf = Buffer.from(this.pending, "utf8");
    const lines = this.pendingLines;
    this.pending = "";
    this.pendingLines = 0;
    const w = writeAll(this.fs, this.fd, buf);
    if (w.error === undefined) {
      this.size += buf.length;
      this.written += lines;
      return;
    }
    // Keep the whole lines that made it; cut off the part of a line that did not.
    const whole = buf.subarray(0, w.written);
    const keep = whole.lastIndexOf(0x0a) + 1;
    let kept = 0;
    for (let i = 0; i < keep; i++) if (whole[i] === 0x0a) kept++;
    this.written += kept;
    let torn = "";
    if (keep < w.written) {
      try {
        this.fs.ftruncateSync(this.fd, this.size + keep);
      } catch {
        torn = " (its last line is cut off; readers skip it)";
      }
    }
    this.size += keep;
    try {
      this.fs.fsyncSync(this.fd);
    } catch {
      // the records kept are in the page cache; the failure is already being reported
    }
    this.fail(storageError("writing", this.path, w.error, `; ${this.written} records kept${torn}, later records are not written`));
  }

  /**
   * Writes what is queued, fsyncs and closes the file. Never throws because of a write
   * failure, earlier or now: it returns the failure (the same StorageError as `failure`,
   * already given to onError), or undefined when every record appended is in the file.
   * Calling it again returns the same.
   */
  close(): StorageError | undefined {
    if (this.fd === undefined) return this.failure;
    this.flush();
    const fd = this.fd;
    this.fd = undefined;
    process.off("exit", this.onExit);
    if (!this.failure) {
      try {
        this.fs.fsyncSync(fd);
      } catch (e) {
        this.fail(storageError("syncing", this.path, e, `; the last of its ${this.written} records may not be on disk`));
      }
    }
    try {
      this.fs.closeSync(fd);
    } catch (e) {
      if (!this.failure) this.fail(storageError("closing", this.path, e, `; the last of its ${this.written} records may not be on disk`));
    }
    return this.failure;
  }

  private fail(err: StorageError): void {
    if (this.failure) return;
    this.failure = err;
    this.pending = "";
    this.pendingLines = 0;
    try {
      this.onError?.(err);
    } catch {
      // a reporting callback must not turn a kept failure into an uncaught exception
    }
  }
}

/** A line of a JSONL file left out when reading it back. */
export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  /**
   * torn: the last line, cut off (no end of line after it: the writer stopped mid-write);
   * corrupt: a line that is not valid JSON, or not what the file holds.
   */
  reason: "torn" | "corrupt";
  /** Why, in words: "not valid JSON", "not a request record", … */
  detail: string;
}

export interface JsonlContent<T> {
  /** Every valid line, in file order. */
  items: T[];
  /** Lines left out, in file order (blank lines are not counted). */
  skipped: SkippedLine[];
  /** The last line was torn (kept for readers of the older shape; also in `skipped`). */
  tornTail: boolean;
}

/**
 * Reads a JSONL file (a missing file reads as empty; other read errors are thrown). Every
 * line that parses, and passes `check` when given (it returns why a value is not acceptable,
 * or undefined), is kept; the others are skipped and listed with their line numbers: a torn
 * last line (no end of line after it: the writer stopped mid-write) or a corrupt line.
 */
export function readJsonl<T>(path: string, check?: (value: unknown) => string | undefined): JsonlContent<T> {
  if (!nodeFsModule.existsSync(path)) return { items: [], skipped: [], tornTail: false };
  const lines = nodeFsModule.readFileSync(path, "utf8").split("\n");
  const items: T[] = [];
  const skipped: SkippedLine[] = [];
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    // split() leaves the text after the last "\n" last: non-empty, it is an unfinished line.
    const unterminated = i === lines.length - 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (unterminated) {
        tornTail = true;
        skipped.push({ line: i + 1, reason: "torn", detail: "the last line, cut off mid-write" });
      } else {
        skipped.push({ line: i + 1, reason: "corrupt", detail: "not valid JSON" });
      }
      continue;
    }
    const bad = check?.(value);
    if (bad !== undefined) {
      skipped.push({ line: i + 1, reason: "corrupt", detail: bad });
      continue;
    }
    items.push(value as T);
  }
  return { items, skipped, tornTail };
}

/**
 * Skipped lines in a few words for a console line each: consecutive lines with the same
 * reason form a range ("lines 3-7 (not valid JSON)"); many ranges are summed up with the
 * first few named.
 */
export function describeSkippedLines(file: string, skipped: SkippedLine[], maxRanges = 5): string[] {
  if (skipped.length === 0) return [];
  const ranges: { from: number; to: number; detail: string }[] = [];
  for (const s of skipped) {
    const last = ranges[ranges.length - 1];
    if (last && last.to === s.line - 1 && last.detail === s.detail) last.to = s.line;
    else ranges.push({ from: s.line, to: s.line, detail: s.detail });
  }
  const span = (r: { from: number; to: number }) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`);
  if (ranges.length <= maxRanges) {
    return ranges.map((r) => `${file}: ${r.from === r.to ? "line" : "lines"} ${span(r)} skipped (${r.detail})`);
  }
  const byDetail = new Map<string, number>();
  for (const s of skipped) byDetail.set(s.detail, (byDetail.get(s.detail) ?? 0) + 1);
  const why = [...byDetail].map(([d, n]) => `${n} ${d}`).join(", ");
  return [`${file}: ${skipped.length} lines skipped (${why}); the first: ${ranges.slice(0, maxRanges).map(span).join(", ")}, …`];
}
