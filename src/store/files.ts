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

/**
 * Appends one JSON line per call with a synchronous write, so a record is on disk as soon
 * as its request ends and survives a crash or Ctrl-C of the process. Records are small
 * compared with the time a request takes; a later load scenario may batch them.
 */
export class JsonlWriter {
  private fd: number | undefined;
  count = 0;
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, "a");
  }
  append(value: unknown): void {
    if (this.fd === undefined) throw new Error(`JSONL writer for ${this.path} is closed`);
    writeSync(this.fd, JSON.stringify(value) + "\n");
    this.count++;
  }
  close(): void {
    if (this.fd === undefined) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
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
