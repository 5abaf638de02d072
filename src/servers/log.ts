/**
 * A started server's log file, and what is read back from it for messages.
 *
 * The server writes into the file itself: its stdout and stderr are the file (opened for
 * appending), not pipes through shakedown. So shakedown's event loop never handles a chatty
 * server's output while it measures, and the log is whole even if shakedown is killed.
 * Only the file's last 64 KB is ever read back, when a message needs it (a failed start, a
 * crash): the last meaningful line, and out-of-memory evidence.
 * Without a log path, a temporary file is used and removed when the server is stopped.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { printable } from "../config/file-check.js";

/** Bytes of the log's end read back for messages and out-of-memory detection. */
export const TAIL_BYTES = 64 * 1024;
/** Characters of the log's end kept in a ServerStartError. */
export const ERROR_TAIL_CHARS = 2048;
/** Lines shakedown writes into a server's log start with this. */
export const NOTE_PREFIX = "[shakedown ";

/** A server's log file: shakedown's notes in it, the server's output straight into it, its end read back. */
export class ServerLog {
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly temporary: boolean,
  ) {
    this.fd = fd;
  }

  /** Opens (creates, appends to) the log; its folder is created. Throws the fs error. */
  static open(path: string | undefined): ServerLog {
    const temporary = path === undefined;
    const file = path ?? join(tmpdir(), `shakedown-server-${process.pid}-${randomBytes(6).toString("hex")}.log`);
    mkdirSync(dirname(file), { recursive: true });
    return new ServerLog(file, openSync(file, "a", 0o644), temporary);
  }

  /** The descriptor a child writes to (undefined once closed). */
  get descriptor(): number | undefined {
    return this.fd;
  }

  /** Appends "[shakedown <ISO time>] text" as one line (never throws). */
  note(text: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${NOTE_PREFIX}${new Date().toISOString()}] ${text.replace(/\n/g, "\n    ")}\n`);
    } catch {
      // a full disk must not turn a stop into a failure
    }
  }

  /** The log's last `bytes` (default 64 KB) as text; "" when it cannot be read. */
  tail(bytes = TAIL_BYTES): string {
    let fd: number | undefined;
    try {
      fd = openSync(this.path, "r");
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      let read = 0;
      while (read < buf.length) {
        const n = readSync(fd, buf, read, buf.length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      let text = buf.subarray(0, read).toString("utf8");
      // A cut first line (and a cut UTF-8 character) is dropped.
      if (start > 0) text = text.slice(text.indexOf("\n") + 1);
      return text;
    } catch {
      return "";
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Closes shakedown's descriptor (the server's own copies are the server's). Idempotent. */
  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  /** Closes, and removes the file when it was a temporary one. */
  dispose(): void {
    this.close();
    if (this.temporary) rmSync(this.path, { force: true });
  }
}

// ESC [ … letter (colours, cursor moves) and ESC ] … BEL (titles): a terminal's, not the text's.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?/g;

function cleanLines(tail: string): string[] {
  return tail
    .replace(ANSI, "")
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith(NOTE_PREFIX));
}

const MEANINGFUL = /error|exception|fatal|fail|not found|denied|cannot|can't|unable|invalid|refused|killed|abort|panic|no such|unrecognized|usage:/i;
/** Lines that end a Python traceback or a shutdown without saying anything. */
const NOISE = /^(\^+|~+|-+|=+|\.\.\.|\}|\]|\)|Traceback \(most recent call last\):)$/;

/**
 * The line of a log that best says why a server stopped: the last line that names an error
 * (error, exception, fatal, not found, …), else the last non-empty line; shakedown's own
 * notes and terminal colours left out. Printable and cut to `max` characters.
 */
export function lastMeaningfulLine(tail: string, max = 240): string | undefined {
  const lines = cleanLines(tail).filter((l) => !NOISE.test(l));
  let found: string | undefined;
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 400; i--) {
    if (MEANINGFUL.test(lines[i] as string)) {
      found = lines[i];
      break;
    }
  }
  found ??= lines[lines.length - 1];
  return found === undefined ? undefined : printable(found, { max });
}

/** Out-of-memory patterns, most specific first. */
const OOM_PATTERNS: readonly RegExp[] = [/CUDA out of memory/i, /OutOfMemoryError/, /OOMKilled/, /Cannot allocate memory/i, /out of memory/i];

/** The log line that names an out-of-memory condition (the last such line), printable and cut; undefined when none does. */
export function oomEvidence(tail: string, max = 200): string | undefined {
  const lines = cleanLines(tail);
  for (const re of OOM_PATTERNS) {
    for (let i = lines.length - 1; i >= 0; i--) {
      if (re.test(lines[i] as string)) return printable(lines[i] as string, { max });
    }
  }
  return undefined;
}

/** The log's end for an error: the last ERROR_TAIL_CHARS characters, control bytes escaped (newlines kept). */
export function errorTail(tail: string): string {
  const cut = tail.length > ERROR_TAIL_CHARS ? tail.slice(tail.length - ERROR_TAIL_CHARS) : tail;
  return printable(cut.replace(ANSI, ""), { keepNewlines: true });
}
