/**
 * A started server's log file, and what is read back from it for messages.
 *
 * The server writes into the file itself: its stdout and stderr are the file (opened for
 * appending), not pipes through shakedown. So shakedown's event loop never handles a chatty
 * server's output while it measures, and the log is whole even if shakedown is killed.
 * Only the file's last 64 KB is ever read back, when a message needs it (a failed start, a
 * crash): the last meaningful line, and out-of-memory evidence.
 * Without a log path, a temporary file is used and removed when the server is stopped.
 *
 * Secrets (the API key a server is started with, a token in its env) never stay in the log:
 * every text read back is redacted, and the file is rewritten redacted when the server stops
 * (vLLM prints its arguments, `--api-key` included, when it starts).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
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
    private readonly clean: (text: string) => string,
  ) {
    this.fd = fd;
  }

  /** Opens (creates, appends to) the log; its folder is created. Throws the fs error. `redact` removes the secrets from text. */
  static open(path: string | undefined, redact: (text: string) => string = (t) => t): ServerLog {
    const temporary = path === undefined;
    const file = path ?? join(tmpdir(), `shakedown-server-${process.pid}-${randomBytes(6).toString("hex")}.log`);
    mkdirSync(dirname(file), { recursive: true });
    return new ServerLog(file, openSync(file, "a", 0o644), temporary, redact);
  }

  /** The descriptor a child writes to (undefined once closed). */
  get descriptor(): number | undefined {
    return this.fd;
  }

  /** Appends "[shakedown <ISO time>] text" as one line (never throws). */
  note(text: string): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${NOTE_PREFIX}${new Date().toISOString()}] ${this.clean(text).replace(/\n/g, "\n    ")}\n`);
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
      return this.clean(text);
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

  /** Closes, and removes the file when it was a temporary one, else rewrites it without the secrets. */
  dispose(): void {
    this.close();
    if (this.temporary) rmSync(this.path, { force: true });
    else redactFileSync(this.path, this.clean);
  }
}

/** Bytes read at a time when a log is rewritten redacted. */
const REDACT_CHUNK = 1 << 20;

/**
 * Rewrites a file with `redact` applied, line by line (a secret holds no line break), through a
 * temporary file renamed over it — only when something was redacted: a file without a secret
 * is left byte for byte. Never throws (a log that cannot be rewritten stays as it is).
 */
export function redactFileSync(path: string, redact: (text: string) => string): void {
  const tmp = `${path}.redacting`;
  let input: number | undefined;
  let output: number | undefined;
  let changed = false;
  try {
    input = openSync(path, "r");
    output = openSync(tmp, "w", 0o644);
    const decoder = new StringDecoder("utf8");
    const buf = Buffer.alloc(REDACT_CHUNK);
    let carry = "";
    let pos = 0;
    const emit = (text: string): void => {
      const clean = redact(text);
      if (clean !== text) changed = true;
      writeSync(output as number, clean);
    };
    for (let n = readSync(input, buf, 0, buf.length, pos); n > 0; n = readSync(input, buf, 0, buf.length, pos)) {
      pos += n;
      const text = carry + decoder.write(buf.subarray(0, n));
      // Whole lines now; a line longer than 8 chunks goes out as it is (a secret across that cut is not found).
      const cut = text.length > 8 * REDACT_CHUNK ? text.length : text.lastIndexOf("\n") + 1;
      carry = text.slice(cut);
      emit(text.slice(0, cut));
    }
    emit(carry + decoder.end());
    closeSync(output);
    output = undefined;
    if (changed) renameSync(tmp, path);
  } catch {
    // the log keeps what it has
  } finally {
    if (input !== undefined) closeSync(input);
    if (output !== undefined) closeSync(output);
    rmSync(tmp, { force: true }); // gone after the rename; else the attempt's leftover
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
