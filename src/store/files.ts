/** Small file helpers: atomic writes and an append-only JSONL writer. */
import { mkdirSync, openSync, closeSync, writeSync, fsyncSync, renameSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, basename } from "node:path";

/** Writes a whole file atomically (temp file + rename), so a reader never sees half of it. */
export function writeFileAtomic(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** Bytes queued before a write, at most (about 20-60 records of a load run). */
const MAX_PENDING_CHARS = 64 * 1024;
/** How long a line waits for its batch, at most (ms). */
const FLUSH_MS = 50;

/**
 * An append-only JSONL file. append() serialises the value at once (a few µs to tens of µs
 * a record, spread over the run as requests end) and queues the line; the lines go to the
 * file in one synchronous write per batch (every FLUSH_MS, or at MAX_PENDING_CHARS), so
 * no write system call sits between a response's chunks and no batch blocks the event loop
 * for long. close() writes what is queued and fsyncs; a process that exits without close()
 * (an uncaught error) still writes the queue from an 'exit' hook, so only a kill -9 can lose
 * the last FLUSH_MS of lines.
 */
export class JsonlWriter {
  private fd: number | undefined;
  private pending = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onExit = () => this.flush();
  count = 0;
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
    process.on("exit", this.onExit);
  }
  append(value: unknown): void {
    if (this.fd === undefined) throw new Error(`JSONL writer for ${this.path} is closed`);
    this.pending += JSON.stringify(value) + "\n";
    this.count++;
    if (this.pending.length >= MAX_PENDING_CHARS) this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }
  /** Writes every queued line now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.fd === undefined || this.pending.length === 0) return;
    const text = this.pending;
    this.pending = "";
    writeSync(this.fd, text);
  }
  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
      process.off("exit", this.onExit);
    }
  }
}

/**
 * Reads a JSONL file. A torn last line (the process died mid-write) is skipped and
 * reported; a bad line elsewhere is an error carrying its line number.
 */
export function readJsonl<T>(path: string): { items: T[]; tornTail: boolean } {
  if (!existsSync(path)) return { items: [], tornTail: false };
  const lines = readFileSync(path, "utf8").split("\n");
  const items: T[] = [];
  let tornTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      items.push(JSON.parse(line) as T);
    } catch {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === "");
      if (isLast) {
        tornTail = true;
      } else {
        throw new Error(`${path}:${i + 1}: not valid JSON`);
      }
    }
  }
  return { items, tornTail };
}
