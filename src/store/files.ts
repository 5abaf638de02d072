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

/** Lines batched before a write, at most. */
const MAX_PENDING = 256;
/** How long a line waits for its batch, at most (ms). */
const FLUSH_MS = 50;

/**
 * An append-only JSONL file. append() only queues the value: serialising and writing happen
 * in batches (every FLUSH_MS, or at MAX_PENDING lines), off the path between a response's
 * chunks, with one synchronous write per batch. close() writes what is queued and fsyncs;
 * a process that exits without close() (an uncaught error) still writes the queue from an
 * 'exit' hook, so only a kill -9 can lose the last FLUSH_MS of lines.
 */
export class JsonlWriter {
  private fd: number | undefined;
  private pending: unknown[] = [];
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
    this.pending.push(value);
    this.count++;
    if (this.pending.length >= MAX_PENDING) this.flush();
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
    const batch = this.pending;
    this.pending = [];
    let text = "";
    for (const v of batch) text += JSON.stringify(v) + "\n";
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
