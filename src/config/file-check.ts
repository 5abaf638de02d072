/**
 * Checks a file a user gave (a suite, a conversation script, a task or tool pack, a cache
 * document, a dataset, review overrides) before it is parsed, so that a wrong path fails
 * in one clear line instead of hanging, running out of memory or dumping control bytes:
 *
 * - not a regular file (a folder, a FIFO, a device such as /dev/zero, a /proc or /sys
 *   entry) → refused, without opening it (opening a FIFO would block);
 * - larger than the limit of its kind → refused before it is read, with its size, the
 *   limit and what it seems to be;
 * - empty → refused, saying what the file should hold;
 * - binary (NUL bytes, many control characters or bytes that are not UTF-8 in its first
 *   8 KiB) → refused with a guess of what it is from its magic bytes (gzip, zip, PDF, PNG,
 *   ELF, SQLite, GGUF, safetensors, …, else "binary data");
 * - text files read whole (readUserText): every byte must be UTF-8, and control
 *   characters other than tab and line breaks are refused at their line and column.
 *
 * Every refusal is one line (a ConfigError, exit 2, unless the caller gives its own error
 * class), and text from the file or its name is escaped (`printable`), never echoed raw.
 */
import { closeSync, constants, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { ConfigError, type ShakedownError } from "../errors.js";

const MiB = 1024 * 1024;

/** Largest file accepted, by kind. */
export const FILE_LIMITS = {
  /** Suites, conversation scripts, task and tool packs, answer banks, cache documents, review overrides: read whole. */
  text: 8 * MiB,
  /** A ShareGPT JSON dataset: scanned in chunks, never held whole (ShareGPT_V3 is 650 MB). */
  sharegpt: 4096 * MiB,
  /** A JSONL dataset: every entry is held in memory. */
  jsonl: 1024 * MiB,
} as const;

/** Bytes looked at to tell text from binary. */
export const SNIFF_BYTES = 8192;

/** What a file is expected to be, for the checks and their messages. */
export interface UserFileSpec {
  /** What the file is, in messages: "suite file", "conversation script", "ShareGPT dataset". */
  what: string;
  /** Largest size accepted, in bytes (FILE_LIMITS). */
  maxBytes: number;
  /** What a good file holds, said after a refusal of its content: "a suite is a YAML file". */
  expected: string;
  /** Error code of the ConfigError. */
  code?: string;
  /** More words after "… is a directory; give the path of a <what>" (such as files found in it). */
  inDirectory?: (dir: string) => string;
  /** Said at the end of a refusal of the path itself (missing, unreadable, not a file). */
  fix?: string;
  /** An empty file is fine (it reads as ""): for files where empty means "nothing", such as review overrides. */
  allowEmpty?: boolean;
  /** The error thrown (default: ConfigError, exit 2). */
  error?: (message: string, code?: string) => ShakedownError;
}

export interface CheckedFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** The first bytes of the file (up to SNIFF_BYTES). */
  head: Buffer;
}

/** Checks that `path` is a regular, non-empty, not-too-large text file (see the module's comment). Reads only its head. */
export function checkUserFile(path: string, spec: UserFileSpec): CheckedFile {
  const fail: (message: string) => never = failWith(spec);
  const shown = printable(path);
  const st = statOrFail(path, spec);
  if (st.isDirectory()) fail(`${shown} is a directory; give the path of a ${spec.what}${spec.inDirectory?.(path) ?? ""}`);
  if (!st.isFile()) fail(`${shown} is not a regular file (${nodeKind(st)}); give the path of a ${spec.what}${tail(spec.fix)}`);
  const pseudo = pseudoFileRoot(path);
  if (pseudo) fail(`${shown} is a ${pseudo} entry (a view of the kernel's state), not a regular file; give the path of a ${spec.what}`);

  const fd = openOrFail(path, spec);
  try {
    const head = readHead(fd);
    if (st.size === 0) {
      if (head.length > 0) fail(`${shown} reports a size of 0 but has content (a pseudo-file?); give the path of a regular ${spec.what}`);
      if (!spec.allowEmpty) fail(`${shown}: the file is empty; ${spec.expected}`);
    }
    if (st.size > spec.maxBytes) {
      const sniffed = sniffContent(head, head.length >= st.size);
      const seems = sniffed.binary ? sniffed.guess : textGuess(head);
      // Exact byte counts when the rounded sizes would read the same ("1 GB, larger than the 1 GB").
      const exact = formatBytes(st.size) === formatBytes(spec.maxBytes);
      const size = exact ? `${st.size} bytes` : formatBytes(st.size);
      const limit = exact ? `${spec.maxBytes} bytes` : formatBytes(spec.maxBytes);
      fail(`${shown}: ${size}, larger than the ${limit} a ${spec.what} may be (it was not read); it seems to be ${seems}. ${capitalise(spec.expected)}`);
    }
    const sniffed = sniffContent(head, head.length >= st.size);
    if (sniffed.binary) fail(binaryMessage(shown, sniffed, spec));
    return { path, size: st.size, mtimeMs: st.mtimeMs, head };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a text file whole after checkUserFile's checks: UTF-8 throughout, no control
 * characters other than tab and line breaks (YAML forbids them, and they would reach
 * messages and prompts). A UTF-8 byte order mark is dropped.
 */
export function readUserText(path: string, spec: UserFileSpec): string {
  const fail: (message: string) => never = failWith(spec);
  const shown = printable(path);
  const checked = checkUserFile(path, spec);
  const fd = openOrFail(path, spec);
  let bytes: Buffer;
  try {
    // Read at most one byte past the limit, whatever stat said (a file can grow).
    const cap = spec.maxBytes + 1;
    bytes = Buffer.allocUnsafe(Math.min(cap, Math.max(checked.size, SNIFF_BYTES)));
    let n = 0;
    for (;;) {
      if (n === bytes.length) {
        if (bytes.length >= cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, bytes.length * 2));
        bytes.copy(bigger, 0, 0, n);
        bytes = bigger;
      }
      const r = readSync(fd, bytes, n, bytes.length - n, n);
      if (r === 0) break;
      n += r;
    }
    if (n > spec.maxBytes) fail(`${shown}: larger than the ${formatBytes(spec.maxBytes)} a ${spec.what} may be (it grew while read); ${spec.expected}`);
    bytes = bytes.subarray(0, n);
  } catch (e) {
    throw isShakedown(e) ? e : ioError(path, e, spec);
  } finally {
    closeSync(fd);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    fail(notUtf8Message(shown, bytes, spec));
  }
  const bad = firstControl(text);
  if (bad >= 0) {
    const { line, col } = lineCol(text, bad);
    fail(`${shown}:${line}:${col}: control character ${charName(text.codePointAt(bad)!)} in the text; a ${spec.what} is plain text (remove it, or save the file again as plain UTF-8)`);
  }
  return text;
}

// ───────────────────────────── content ─────────────────────────────

export type Sniffed = { binary: false } | { binary: true; guess: string };

/**
 * Tells binary from text by the first bytes of a file: NUL bytes, more than 5% control
 * characters, or bytes that are not UTF-8 (a sequence cut at the end of `head` is fine
 * unless `whole`) make it binary, with a guess of what it is.
 */
export function sniffContent(head: Buffer, whole: boolean): Sniffed {
  if (head.length === 0) return { binary: false };
  // Signatures made of text characters say "binary" only for formats that are never text.
  const magic = magicGuess(head);
  if (magic && (starts(head, "%PDF-") || starts(head, "GIF87a") || starts(head, "GIF89a"))) return { binary: true, guess: magic };
  let why: string | undefined;
  if (utf16Like(head)) why = "UTF-16 text (save it as UTF-8)";
  else if (head.includes(0)) why = "binary data (it holds NUL bytes)";
  else {
    let controls = 0;
    for (const b of head) if (isControlByte(b)) controls++;
    if (controls > head.length * 0.05) why = `binary data (${Math.round((100 * controls) / head.length)}% of its first bytes are control characters)`;
    else {
      const invalid = firstInvalidUtf8(head, !whole);
      if (invalid >= 0) {
        why = mostlyPrintable(head)
          ? `text in an encoding other than UTF-8 (Latin-1 or Windows-1252?), byte ${hex(head[invalid]!)} at ${lineColBytes(head, invalid)}; save it as UTF-8`
          : "binary data (not UTF-8)";
      }
    }
  }
  if (why === undefined) return { binary: false };
  return { binary: true, guess: magic ?? why };
}

const MAGIC: [(b: Buffer) => boolean, string][] = [
  [(b) => b[0] === 0x1f && b[1] === 0x8b, "gzip-compressed data (decompress it first: gunzip)"],
  [(b) => starts(b, "PK\x03\x04") || starts(b, "PK\x05\x06") || starts(b, "PK\x07\x08"), "a zip archive (or a file in a zip container: xlsx, docx, jar; unzip it first)"],
  [(b) => starts(b, "%PDF-"), "a PDF document"],
  [(b) => starts(b, "\x89PNG\r\n\x1a\n"), "a PNG image"],
  [(b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff, "a JPEG image"],
  [(b) => starts(b, "GIF87a") || starts(b, "GIF89a"), "a GIF image"],
  [(b) => starts(b, "RIFF") && b.length >= 12 && b.toString("latin1", 8, 12) === "WEBP", "a WebP image"],
  [(b) => starts(b, "RIFF"), "a RIFF file (WAV audio or AVI video)"],
  [(b) => starts(b, "\x7fELF"), "an ELF executable or library"],
  [(b) => starts(b, "MZ"), "a Windows executable"],
  [(b) => [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(b.length >= 4 ? b.readUInt32BE(0) : -1), "a Mach-O executable (or a Java class)"],
  [(b) => starts(b, "SQLite format 3\x00"), "an SQLite database"],
  [(b) => starts(b, "BZh"), "bzip2-compressed data (decompress it first: bunzip2)"],
  [(b) => starts(b, "\xfd7zXZ\x00"), "xz-compressed data (decompress it first: unxz)"],
  [(b) => b.length >= 4 && b.readUInt32LE(0) === 0xfd2fb528, "zstd-compressed data (decompress it first: unzstd)"],
  [(b) => starts(b, "7z\xbc\xaf\x27\x1c"), "a 7-Zip archive"],
  [(b) => b.length >= 262 && b.toString("latin1", 257, 262) === "ustar", "a tar archive (extract it first: tar -xf)"],
  [(b) => starts(b, "GGUF"), "a GGUF model file"],
  [(b) => b.length >= 10 && b.readUInt32LE(4) === 0 && b[8] === 0x7b && b[9] === 0x22, "a safetensors file (model weights)"],
  [(b) => starts(b, "PAR1"), "a Parquet file (convert it to JSONL first)"],
  [(b) => starts(b, "ARROW1"), "an Arrow file (convert it to JSONL first)"],
  [(b) => starts(b, "\x89HDF\r\n\x1a\n"), "an HDF5 file"],
  [(b) => starts(b, "\x93NUMPY"), "a NumPy array file"],
  [(b) => b[0] === 0x80 && b[1] !== undefined && b[1] >= 2 && b[1] <= 5, "Python pickle data"],
  [(b) => starts(b, "\x00asm"), "a WebAssembly module"],
  [(b) => starts(b, "OggS") || starts(b, "fLaC") || starts(b, "ID3"), "an audio file"],
  [(b) => b.length >= 8 && b.toString("latin1", 4, 8) === "ftyp", "an MP4 or QuickTime video"],
  [(b) => starts(b, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "a legacy Microsoft Office document"],
  [(b) => starts(b, "\xff\xfe\x00\x00") || starts(b, "\x00\x00\xfe\xff"), "UTF-32 text (save it as UTF-8)"],
  [(b) => starts(b, "\xff\xfe") || starts(b, "\xfe\xff"), "UTF-16 text (save it as UTF-8)"],
];

/** What the magic bytes at the start of a file say it is, if they say anything. */
export function magicGuess(head: Buffer): string | undefined {
  for (const [test, what] of MAGIC) if (test(head)) return what;
  return undefined;
}

/** True when `b` starts with the bytes of `sig` (one byte a character). */
function starts(b: Buffer, sig: string): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig.charCodeAt(i)) return false;
  return true;
}

/** UTF-16 without a byte order mark: ASCII text with every other byte NUL. */
function utf16Like(b: Buffer): boolean {
  const n = Math.min(b.length, 512) & ~1;
  if (n < 8) return false;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenZero++;
    if (b[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  return (evenZero > half * 0.8 && oddZero < half * 0.1) || (oddZero > half * 0.8 && evenZero < half * 0.1);
}

/** A C0 control byte other than tab, line feed, form feed, carriage return and escape (ANSI colours in a log are text), or DEL. */
function isControlByte(b: number): boolean {
  return (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b) || b === 0x7f;
}

/** Text in another encoding (Latin-1, Windows-1252) has few bytes ≥ 0x80; binary data has about half. */
function mostlyPrintable(b: Buffer): boolean {
  let high = 0;
  for (const x of b) if (x >= 0x80) high++;
  return high <= b.length * 0.3;
}

/** What a text file's first bytes look like, for a refusal by size. */
function textGuess(head: Buffer): string {
  const s = head.toString("utf8").replace(/^\uFEFF/, "").trimStart();
  if (s.startsWith("[") || s.startsWith("{")) {
    const lines = s.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > 1 && lines.slice(0, Math.min(3, lines.length - 1)).every(isJsonObject)) return "JSON Lines text";
    return "JSON text";
  }
  if (/^(---|%YAML|#|[\w"'-][^\n]*:)/.test(s)) return "YAML text";
  if (s.startsWith("<")) return "XML or HTML text";
  return "text";
}

function isJsonObject(line: string): boolean {
  try {
    const x: unknown = JSON.parse(line);
    return typeof x === "object" && x !== null && !Array.isArray(x);
  } catch {
    return false;
  }
}

/**
 * Offset of the first byte that is not valid UTF-8, or -1. With `partialEnd`, a sequence
 * cut off by the end of the buffer is not counted (the buffer is the head of a file).
 */
export function firstInvalidUtf8(b: Uint8Array, partialEnd = false): number {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const x = b[i]!;
    if (x < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let min: number;
    if (x >= 0xc2 && x <= 0xdf) (len = 2), (min = 0x80);
    else if (x >= 0xe0 && x <= 0xef) (len = 3), (min = 0x800);
    else if (x >= 0xf0 && x <= 0xf4) (len = 4), (min = 0x10000);
    else return i;
    if (i + len > n) {
      for (let k = i + 1; k < n; k++) if ((b[k]! & 0xc0) !== 0x80) return i;
      return partialEnd ? -1 : i;
    }
    let cp = x & (0xff >> (len + 1));
    for (let k = 1; k < len; k++) {
      const c = b[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return -1;
}

/** Characters not allowed in a text file read whole: C0 controls but tab, LF, CR; DEL; C1 controls but NEL. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;

function firstControl(text: string): number {
  const m = CONTROL.exec(text);
  return m ? m.index : -1;
}

function lineCol(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < index; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: index - start + 1 };
}

function lineColBytes(b: Buffer, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (b[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return `line ${line}, column ${offset - start + 1}`;
}

function notUtf8Message(shown: string, bytes: Buffer, spec: UserFileSpec): string {
  const at = firstInvalidUtf8(bytes);
  const where = at >= 0 ? ` (byte ${hex(bytes[at]!)} at ${lineColBytes(bytes, at)})` : "";
  return `${shown}: not UTF-8 text${where}; save it as UTF-8. ${capitalise(spec.expected)}`;
}

function binaryMessage(shown: string, sniffed: { guess: string }, spec: UserFileSpec): string {
  if (sniffed.guess.startsWith("text in an encoding")) return `${shown}: not UTF-8 text: it seems to be ${sniffed.guess}. ${capitalise(spec.expected)}`;
  return `${shown}: not a text file: it seems to be ${sniffed.guess}. ${capitalise(spec.expected)}`;
}

// ───────────────────────────── the path ─────────────────────────────

function statOrFail(path: string, spec: UserFileSpec): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw ioError(path, e, spec);
  }
}

function openOrFail(path: string, spec: UserFileSpec): number {
  try {
    // Non-blocking: a FIFO that appeared after the stat must not hang the process.
    return openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw ioError(path, e, spec);
  }
}

function readHead(fd: number): Buffer {
  const buf = Buffer.allocUnsafe(SNIFF_BYTES);
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, n);
    if (r === 0) break;
    n += r;
  }
  return buf.subarray(0, n);
}

/** "/proc" or "/sys" when the path (links followed) is inside one of them. */
function pseudoFileRoot(path: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    real = resolvePath(path);
  }
  const m = /^\/(proc|sys)(\/|$)/.exec(real);
  return m ? `/${m[1]}` : undefined;
}

function nodeKind(st: Stats): string {
  if (st.isCharacterDevice()) return "a character device, such as /dev/zero or a terminal";
  if (st.isBlockDevice()) return "a block device (a disk)";
  if (st.isFIFO()) return "a named pipe (FIFO)";
  if (st.isSocket()) return "a socket";
  return "not a file";
}

function ioError(path: string, err: unknown, spec: UserFileSpec): ShakedownError {
  const make = spec.error ?? ((m: string, c?: string) => new ConfigError(m, c));
  const shown = printable(path);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") return make(`${spec.what} not found: ${shown} (looked at ${printable(resolvePath(path))})${tail(spec.fix)}`, spec.code);
  if (code === "EACCES" || code === "EPERM") return make(`cannot read ${spec.what} ${shown}: permission denied${tail(spec.fix)}`, spec.code);
  if (code === "ELOOP") return make(`cannot read ${spec.what} ${shown}: a loop of symbolic links${tail(spec.fix)}`, spec.code);
  if (code === "EISDIR") return make(`${shown} is a directory; give the path of a ${spec.what}`, spec.code);
  if (code === "EAGAIN" || code === "EWOULDBLOCK") return make(`${shown} is not a regular file (nothing to read yet: a pipe or a device?); give the path of a ${spec.what}`, spec.code);
  const reason = err instanceof Error ? err.message : String(err);
  return make(`cannot read ${spec.what} ${shown}: ${printable(reason)}${tail(spec.fix)}`, spec.code);
}

function failWith(spec: UserFileSpec): (message: string) => never {
  return (message) => {
    throw spec.error ? spec.error(message, spec.code) : new ConfigError(message, spec.code);
  };
}

function isShakedown(e: unknown): e is ShakedownError {
  return e instanceof Error && "exitCode" in e && "code" in e && typeof (e as { exitCode: unknown }).exitCode === "number";
}

// ───────────────────────────── words ─────────────────────────────

/** Sizes as people read them: 512 bytes, 12 KB, 8 MB, 4 GB (powers of 1024, at most one decimal). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? "" : "s"}`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = v >= 100 || Number.isInteger(v) ? Math.round(v).toString() : v.toFixed(1).replace(/\.0$/, "");
  return `${s} ${units[u]}`;
}

function hex(b: number): string {
  return `0x${b.toString(16).toUpperCase().padStart(2, "0")}`;
}

const CONTROL_NAMES: Record<number, string> = { 0: "NUL", 7: "BEL", 8: "BS", 0x0b: "VT", 0x0c: "FF", 0x1b: "ESC", 0x7f: "DEL" };

function charName(cp: number): string {
  const name = CONTROL_NAMES[cp];
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}${name ? ` (${name})` : ""}`;
}

function tail(fix: string | undefined): string {
  return fix ? `; ${fix}` : "";
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * Makes text from a file or a path safe to print on one line of a terminal: control
 * characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides are
 * written as escapes (\n, \t, \x1b, \u202e). With `keepNewlines`, line feeds stay.
 * With `max`, longer text is cut with "…".
 */
export function printable(text: string, opts: { keepNewlines?: boolean; max?: number } = {}): string {
  const cut = opts.max !== undefined && text.length > opts.max ? `${text.slice(0, opts.max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === "\n") return opts.keepNewlines ? c : "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const cp = c.charCodeAt(0);
    return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u${cp.toString(16).padStart(4, "0")}`;
  });
}
