/** file-check.ts: what a file a user gave must be before it is parsed, and how a refusal reads. */
import { existsSync, mkdirSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkUserFile,
  FILE_LIMITS,
  firstInvalidUtf8,
  formatBytes,
  magicGuess,
  printable,
  readUserText,
  sniffContent,
  type UserFileSpec,
} from "../../../src/config/file-check.js";
import { loadSuiteFile } from "../../../src/config/load.js";
import { RunFolderError, ShakedownError } from "../../../src/errors.js";
import { loadOverrides } from "../../../src/review/overrides.js";
import { cpuStopwatch } from "../../helpers/cpu.js";
import { tempDir } from "../../helpers/tmp.js";
import { configError } from "./helpers.js";

const dir = tempDir("shakedown-file-check-");
const SPEC: UserFileSpec = { what: "test file", maxBytes: 1024, expected: "a test file is YAML text" };

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** No C0 or C1 control character but line feeds (and then only where the message has several lines). */
function expectNoControl(message: string, oneLine = true): void {
  expect(message).not.toMatch(oneLine ? /[\u0000-\u001f\u007f-\u009f]/ : /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
}

const GZIP = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x00, 0x0d, 0x0a, 0xff]);

describe("sniffContent and magicGuess", () => {
  it.each([
    ["gzip", GZIP, /gzip-compressed data \(decompress it first: gunzip\)/],
    ["zip", Buffer.from("PK\x03\x04\x14\x00\x00\x00\x08\x00", "latin1"), /a zip archive/],
    ["PDF", Buffer.from("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\n", "latin1"), /a PDF document/],
    ["PNG", Buffer.from("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "latin1"), /a PNG image/],
    ["JPEG", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]), /a JPEG image/],
    ["ELF", Buffer.from("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "latin1"), /an ELF executable/],
    ["SQLite", Buffer.from("SQLite format 3\x00\x10\x00\x01\x01", "latin1"), /an SQLite database/],
    ["GGUF", Buffer.from("GGUF\x03\x00\x00\x00\x00\x00\x00\x00", "latin1"), /a GGUF model file/],
    ["safetensors", Buffer.concat([Buffer.from([0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), Buffer.from('{"__metadata__":{}}')]), /a safetensors file/],
    ["xz", Buffer.from("\xfd7zXZ\x00\x00\x04", "latin1"), /xz-compressed/],
    ["zstd", Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x00, 0x00, 0x00]), /zstd-compressed/],
    ["bzip2", Buffer.from("BZh91AY&SY\x00\x00\xff\x80", "latin1"), /bzip2-compressed/],
    ["pickle", Buffer.from([0x80, 0x04, 0x95, 0x00, 0x00, 0x00]), /Python pickle data/],
    ["UTF-16 with a BOM", Buffer.from("\ufeffname: x\nscenarios: []\n", "utf16le"), /UTF-16 text \(save it as UTF-8\)/],
    ["UTF-16 without a BOM", Buffer.from("name: x\nscenarios: []\n", "utf16le"), /UTF-16 text/],
    ["random bytes with NULs", Buffer.from([0x01, 0x00, 0x93, 0x11, 0x00, 0xfe, 0x42]), /binary data \(it holds NUL bytes\)/],
    ["control characters", Buffer.from("a\x01b\x02c\x03d\x04e\x05f\x06g\x07h\x08", "latin1"), /binary data \(\d+% of its first bytes are control characters\)/],
    ["Latin-1 text", Buffer.from("name: café au lait, crème brûlée\n", "latin1"), /text in an encoding other than UTF-8 \(Latin-1 or Windows-1252\?\), byte 0xE9 at line 1, column 10/],
  ])("%s is binary, with a guess", (_name, bytes, guess) => {
    const s = sniffContent(bytes, true);
    expect(s.binary).toBe(true);
    if (s.binary) expect(s.guess).toMatch(guess);
  });

  it.each([
    ["YAML", "name: x\nscenarios:\n  - kind: conversation\n"],
    ["UTF-8 with accents and emoji", "name: déjà vu ✓ 🚀\n"],
    ["a UTF-8 byte order mark", "\ufeffname: x\n"],
    ["a log with ANSI colours", "\x1b[31mred\x1b[0m and more text to read here, and more, and more, and more\n"],
    ["a form feed", "page one\fpage two, with a lot more text after it so it is a small share\n"],
    ["text starting with magic-looking letters", "MZ is a name; GGUF and PAR1 and RIFF are words here\n"],
  ])("%s is text", (_name, text) => {
    expect(sniffContent(Buffer.from(text), true)).toEqual({ binary: false });
  });

  it("a UTF-8 sequence cut at the end of the head is fine, unless the head is the whole file", () => {
    const cut = Buffer.from("abc ✓").subarray(0, 5); // the check mark's first two bytes
    expect(sniffContent(cut, false)).toEqual({ binary: false });
    expect(sniffContent(cut, true).binary).toBe(true);
  });

  it("magic bytes alone decide only for formats that are never text", () => {
    expect(magicGuess(Buffer.from("MZ"))).toMatch(/Windows executable/);
    expect(sniffContent(Buffer.from("MZ: a YAML key\n"), true)).toEqual({ binary: false });
    expect(sniffContent(Buffer.from("%PDF-1.4 plain ascii\n"), true)).toMatchObject({ binary: true, guess: "a PDF document" });
  });
});

describe("firstInvalidUtf8", () => {
  it.each([
    ["ascii", [0x61, 0x62], -1],
    ["two-byte", [0xc3, 0xa9], -1],
    ["four-byte", [0xf0, 0x9f, 0x9a, 0x80], -1],
    ["lone continuation", [0x61, 0x80], 1],
    ["overlong", [0xc0, 0xaf], 0],
    ["overlong three-byte", [0xe0, 0x80, 0xaf], 0],
    ["surrogate", [0xed, 0xa0, 0x80], 0],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["bad continuation", [0xe2, 0x28, 0xa1], 0],
    ["cut at the end", [0x61, 0xe2, 0x9c], 1],
  ])("%s", (_name, bytes, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
  });
  it("a cut sequence at the end is fine in a head", () => {
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x9c]), true)).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x41]), true)).toBe(1);
  });
});

describe("printable and formatBytes", () => {
  it("escapes control characters, separators and bidirectional overrides", () => {
    expect(printable("a\x1b[31mb\x00c\x07\x7f\u0085")).toBe("a\\x1b[31mb\\x00c\\x07\\x7f\\x85");
    expect(printable("line\nnext\r\tx")).toBe("line\\nnext\\r\\tx");
    expect(printable("line\nnext", { keepNewlines: true })).toBe("line\nnext");
    expect(printable("evil\u202etxt.yaml\u2028")).toBe("evil\\u202etxt.yaml\\u2028");
    expect(printable("déjà vu ✓ 🚀")).toBe("déjà vu ✓ 🚀");
    expect(printable("abcdef", { max: 3 })).toBe("abc…");
  });
  it("says sizes as people read them", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(FILE_LIMITS.text)).toBe("8 MB");
    expect(formatBytes(200 * 1024 * 1024)).toBe("200 MB");
    expect(formatBytes(650_002_371)).toBe("620 MB");
    expect(formatBytes(FILE_LIMITS.sharegpt)).toBe("4 GB");
  });
});

describe("checkUserFile and readUserText", () => {
  it("reads a good file", () => {
    const p = file("good.yaml", "\ufeffname: déjà\n");
    expect(readUserText(p, SPEC)).toBe("name: déjà\n");
    expect(checkUserFile(p, SPEC)).toMatchObject({ path: p, size: 16 });
  });

  it("refuses a missing file, naming where it looked", () => {
    const e = configError(() => readUserText("no/such/file.yaml", { ...SPEC, fix: "check the path" }));
    expect(e.message).toMatch(/^test file not found: no\/such\/file\.yaml \(looked at \/.*no\/such\/file\.yaml\); check the path$/);
  });

  it("refuses a directory", () => {
    expect(configError(() => readUserText(dir, SPEC)).message).toBe(`${dir} is a directory; give the path of a test file`);
  });

  it("refuses /dev/zero and /dev/null without reading them", () => {
    for (const dev of ["/dev/zero", "/dev/null", "/dev/urandom"]) {
      if (!existsSync(dev)) continue;
      expect(configError(() => readUserText(dev, SPEC)).message).toBe(`${dev} is not a regular file (a character device, such as /dev/zero or a terminal); give the path of a test file`);
    }
  });

  it("refuses a FIFO without opening it (opening one would block)", () => {
    const fifo = join(dir, "pipe.yaml");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return; // no mkfifo here
    }
    expect(configError(() => readUserText(fifo, SPEC)).message).toMatch(/pipe\.yaml is not a regular file \(a named pipe \(FIFO\)\)/);
  });

  it("refuses /proc and /sys entries (they say size 0 and have content), also through a link", () => {
    if (!existsSync("/proc/self/status")) return;
    expect(configError(() => readUserText("/proc/self/status", SPEC)).message).toMatch(/^\/proc\/self\/status is a \/proc entry .*not a regular file/);
    const link = join(dir, "proc-link.yaml");
    symlinkSync("/proc/self/status", link);
    expect(configError(() => readUserText(link, SPEC)).message).toMatch(/proc-link\.yaml is a \/proc entry/);
  });

  it("refuses an empty file, saying what it should hold; allowEmpty reads it as empty", () => {
    const p = file("empty.yaml", "");
    expect(configError(() => readUserText(p, SPEC)).message).toBe(`${p}: the file is empty; a test file is YAML text`);
    expect(readUserText(p, { ...SPEC, allowEmpty: true })).toBe("");
  });

  it("refuses a file over the limit before reading it, with its size, the limit and what it seems to be", () => {
    const json = file("big.json", `[${'{"a": "b"},'.repeat(200)}{}]`);
    const e = configError(() => readUserText(json, SPEC));
    expect(e.message).toBe(`${json}: 2.2 KB, larger than the 1 KB a test file may be (it was not read); it seems to be JSON text. A test file is YAML text`);
    const sparse = join(dir, "sparse.yaml");
    writeFileSync(sparse, "");
    truncateSync(sparse, 5 * 1024 * 1024);
    expect(configError(() => readUserText(sparse, SPEC)).message).toMatch(/sparse\.yaml: 5 MB, larger than the 1 KB a test file may be \(it was not read\); it seems to be binary data \(it holds NUL bytes\)/);
  });

  it("refuses binary content with a guess, and never echoes its bytes", () => {
    const p = file("data.yaml", GZIP);
    const e = configError(() => readUserText(p, SPEC));
    expect(e.message).toBe(`${p}: not a text file: it seems to be gzip-compressed data (decompress it first: gunzip). A test file is YAML text`);
    expectNoControl(e.message);
  });

  it("refuses text that is not UTF-8 past the first 8 KiB, with the byte's line and column", () => {
    const p = file("late-latin1.yaml", Buffer.concat([Buffer.from("x: y\n".repeat(2000)), Buffer.from("name: caf\xe9\n", "latin1")]));
    const e = configError(() => readUserText(p, { ...SPEC, maxBytes: FILE_LIMITS.text }));
    expect(e.message).toBe(`${p}: not UTF-8 text (byte 0xE9 at line 2001, column 10); save it as UTF-8. A test file is YAML text`);
  });

  it("refuses a control character in a text file at its line and column, escaped", () => {
    const p = file("esc.yaml", 'name: x\nturns:\n  - "hi \x1b[31mthere"\n');
    const e = configError(() => readUserText(p, SPEC));
    expect(e.message).toBe(`${p}:3:9: control character U+001B (ESC) in the text; a test file is plain text (remove it, or save the file again as plain UTF-8)`);
    for (const c of ["\x00", "\x07", "\x7f", "\u0090"]) {
      const q = file("ctl.yaml", `a: b\nc: d${c}\n` + "padding text ".repeat(50));
      expectNoControl(configError(() => readUserText(q, SPEC)).message);
    }
  });

  it("escapes a file name with control characters", () => {
    const p = file("evil\x1b[2Jname\n.yaml", GZIP);
    const e = configError(() => readUserText(p, SPEC));
    expect(e.message).toContain("evil\\x1b[2Jname\\n.yaml");
    expectNoControl(e.message);
  });

  it("uses the caller's error class and code", () => {
    const p = file("bin2.yaml", GZIP);
    let thrown: unknown;
    try {
      readUserText(p, { ...SPEC, error: (m) => new RunFolderError(m) });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(RunFolderError);
    expect((thrown as ShakedownError).exitCode).toBe(2);
    expect(configError(() => readUserText(p, { ...SPEC, code: "SHAKEDOWN_X" })).code).toBe("SHAKEDOWN_X");
  });

  it("refuses a file it may not read", () => {
    if (process.getuid?.() === 0) return; // root reads everything
    const p = file("locked.yaml", "a: b\n");
    execFileSync("chmod", ["000", p]);
    expect(configError(() => readUserText(p, SPEC)).message).toBe(`cannot read test file ${p}: permission denied`);
  });
});

describe("the suite loader uses it", () => {
  it("a 200 MB suite is refused without reading it", () => {
    const p = join(dir, "huge-suite.json");
    writeFileSync(p, '{"name": "x", "scenarios": [');
    truncateSync(p, 200 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const cpu = cpuStopwatch();
    const e = configError(() => loadSuiteFile(p));
    expect(cpu()).toBeLessThan(1000); // CPU time: a busy machine cannot add to it
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(e.message).toBe(
      `${p}: 200 MB, larger than the 8 MB a suite file may be (it was not read); it seems to be binary data (it holds NUL bytes). A suite is a YAML mapping with at least "scenarios:" (see docs/configuration.md)`,
    );
  });

  it("a large JSON or JSONL suite says what it looks like", () => {
    const p = join(dir, "big-suite.json");
    writeFileSync(p, `{"scenarios": [${'{"kind": "conversation"},\n'.repeat(400_000)}{}]}`);
    expect(configError(() => loadSuiteFile(p)).message).toMatch(/big-suite\.json: 9\.\d MB, larger than the 8 MB a suite file may be \(it was not read\); it seems to be JSON text\./);
    const q = join(dir, "big-suite.jsonl");
    writeFileSync(q, '{"prompt": "hello there"}\n'.repeat(400_000));
    expect(configError(() => loadSuiteFile(q)).message).toMatch(/big-suite\.jsonl: 9\.\d MB, .*; it seems to be JSON Lines text\./);
  });

  it.each([
    ["gzip", GZIP, /not a text file: it seems to be gzip-compressed data/],
    ["PNG", Buffer.from("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "latin1"), /not a text file: it seems to be a PNG image/],
    ["UTF-16", Buffer.from("\ufeffscenarios:\n  - kind: conversation\n", "utf16le"), /not a text file: it seems to be UTF-16 text \(save it as UTF-8\)/],
    ["random", Buffer.from([0x17, 0x00, 0xaa, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x08, 0xff, 0x00]), /not a text file: it seems to be binary data/],
  ])("a %s file as the suite is refused in one line", (name, bytes, message) => {
    const p = file(`suite-${name}.yaml`, bytes);
    const e = configError(() => loadSuiteFile(p));
    expect(e.message).toMatch(message);
    expect(e.message.split("\n")).toHaveLength(1);
    expectNoControl(e.message);
  });

  it("/dev/zero, a directory, an empty file as the suite", () => {
    if (existsSync("/dev/zero")) expect(configError(() => loadSuiteFile("/dev/zero")).message).toMatch(/^\/dev\/zero is not a regular file \(a character device/);
    const sub = join(dir, "suites-dir");
    mkdirSync(sub);
    writeFileSync(join(sub, "a.yaml"), "scenarios: [{kind: conversation}]\n");
    expect(configError(() => loadSuiteFile(sub)).message).toBe(`${sub} is a directory; give the path of a suite file such as ${join(sub, "a.yaml")}`);
    expect(configError(() => loadSuiteFile(file("empty-suite.yaml", ""))).message).toMatch(/empty-suite\.yaml: the file is empty; a suite is a YAML mapping with at least "scenarios:"/);
  });
});

describe("review overrides use it", () => {
  it("an empty file is no overrides; a binary one is refused as a run folder error", () => {
    const run = join(dir, "run");
    mkdirSync(join(run, "review"), { recursive: true });
    writeFileSync(join(run, "review", "overrides.yaml"), "");
    expect(loadOverrides(run)).toEqual({});
    writeFileSync(join(run, "review", "overrides.yaml"), GZIP);
    expect(() => loadOverrides(run)).toThrow(RunFolderError);
    expect(() => loadOverrides(run)).toThrow(/overrides\.yaml: not a text file: it seems to be gzip-compressed data/);
  });
});
