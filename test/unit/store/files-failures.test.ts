/**
 * Issue 10, item 5: a full disk (or another write failure) while appending records or
 * writing results. Each failure is tested with an injected file system (runs everywhere)
 * and, where the machine can mount one, on a real tmpfs that fills up; /dev/full too.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StorageError, EXIT } from "../../../src/errors.js";
import { JsonlWriter, nodeFs, readJsonl, writeFileAtomic, writeJsonAtomic, type StoreFs } from "../../../src/store/files.js";
import { tempDir } from "../../helpers/tmp.js";
import { fillDisk, tinyTmpfs } from "../../helpers/tmpfs.js";

function errno(code: string, syscall = "write"): Error {
  return Object.assign(new Error(`${code}: simulated, ${syscall}`), { code, syscall });
}

/**
 * node:fs with a disk that holds `budget` more bytes: a write that does not fit writes what
 * fits (a short count, as write(2) does), the next one fails with ENOSPC.
 */
function diskWithRoom(budget: number, over: Partial<StoreFs> = {}): StoreFs & { calls: string[] } {
  let left = budget;
  const calls: string[] = [];
  return {
    ...nodeFs,
    writeSync(fd, buf, off, len) {
      calls.push(`write ${len}`);
      if (left <= 0) throw errno("ENOSPC");
      const n = Math.min(len, left);
      left -= n;
      return nodeFs.writeSync(fd, buf, off, n);
    },
    ftruncateSync(fd, len) {
      calls.push(`ftruncate ${len}`);
      nodeFs.ftruncateSync(fd, len);
    },
    ...over,
    calls,
  };
}

/** fn throws a StorageError (exit 74) with exactly this message. */
function expectStorageError(fn: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(StorageError);
  expect((thrown as StorageError).exitCode).toBe(EXIT.io);
  expect((thrown as StorageError).message).toBe(message);
}

const record = (i: number) => ({ id: `s/r${i}`, scenario: "s", result: { ok: true }, pad: "x".repeat(100) });
const lineBytes = JSON.stringify(record(0)).length + 1;

/** The file ends at the end of a line and every line is a record. */
function expectWholeLines(path: string, n: number): void {
  const text = readFileSync(path, "utf8");
  expect(text === "" || text.endsWith("\n")).toBe(true);
  const read = readJsonl<{ id: string }>(path);
  expect(read.skipped).toEqual([]);
  expect(read.items.map((r) => r.id)).toEqual(Array.from({ length: n }, (_, i) => `s/r${i}`));
}

describe("JsonlWriter on a full disk (injected)", () => {
  it("ENOSPC while appending records: no uncaught exception, N records kept, no torn line", async () => {
    const path = join(tempDir(), "records.jsonl");
    // Room for 7 whole lines and half of the 8th.
    const fs = diskWithRoom(7 * lineBytes + Math.floor(lineBytes / 2));
    const errors: StorageError[] = [];
    const w = new JsonlWriter(path, { fs, onError: (e) => errors.push(e) });
    for (let i = 0; i < 10; i++) w.append(record(i));
    // The batch is written from the writer's timer: a throw there would be an uncaught exception.
    await new Promise((r) => setTimeout(r, 150));
    expect(errors).toHaveLength(1);
    const err = errors[0]!;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.exitCode).toBe(EXIT.io);
    expect(err.code).toBe("SHAKEDOWN_STORAGE");
    expect(err.message).toBe(`disk full writing ${path} (ENOSPC); 7 records kept, later records are not written`);
    expect(w.failure).toBe(err);
    expect(w.written).toBe(7);
    // The half line was cut off: the file ends with the 7th record.
    expect(fs.calls).toContain(`ftruncate ${7 * lineBytes}`);
    expectWholeLines(path, 7);

    // Later appends are counted, never written, never thrown.
    w.append(record(10));
    w.append(record(11));
    expect(w.count).toBe(12);
    expect(w.lost).toBe(5);
    // close() does not throw: it returns the failure (already reported once).
    expect(w.close()).toBe(err);
    expect(w.close()).toBe(err);
    expect(errors).toHaveLength(1);
    expectWholeLines(path, 7);
  });

  it("a batch that fails after whole lines keeps them (they are counted, not cut)", () => {
    const path = join(tempDir(), "records.jsonl");
    const fs = diskWithRoom(3 * lineBytes);
    const w = new JsonlWriter(path, { fs });
    for (let i = 0; i < 5; i++) w.append(record(i));
    w.flush();
    expect(w.failure?.message).toMatch(/; 3 records kept/);
    expect(fs.calls.some((c) => c.startsWith("ftruncate"))).toBe(false);
    expectWholeLines(path, 3);
    expect(w.close()).toBe(w.failure);
  });

  it("an earlier batch on disk stays; the failed one is cut back to its last whole line", () => {
    const path = join(tempDir(), "records.jsonl");
    const fs = diskWithRoom(4 * lineBytes + 10);
    const w = new JsonlWriter(path, { fs });
    w.append(record(0));
    w.append(record(1));
    w.flush();
    expect(w.failure).toBeUndefined();
    for (let i = 2; i < 6; i++) w.append(record(i));
    w.flush();
    expect(w.written).toBe(4);
    expect(statSync(path).size).toBe(4 * lineBytes);
    expectWholeLines(path, 4);
    w.close();
  });

  it("when the file cannot be cut back, the torn line is reported and readers skip it", () => {
    const path = join(tempDir(), "records.jsonl");
    const fs = diskWithRoom(2 * lineBytes + 5, {
      ftruncateSync() {
        throw errno("EIO", "ftruncate");
      },
    });
    const w = new JsonlWriter(path, { fs });
    for (let i = 0; i < 3; i++) w.append(record(i));
    w.flush();
    expect(w.failure?.message).toBe(`disk full writing ${path} (ENOSPC); 2 records kept (its last line is cut off; readers skip it), later records are not written`);
    const read = readJsonl<{ id: string }>(path);
    expect(read.items).toHaveLength(2);
    expect(read.tornTail).toBe(true);
    expect(read.skipped).toEqual([{ line: 3, reason: "torn", detail: "the last line, cut off mid-write" }]);
    w.close();
  });

  it("a write that makes no progress is a failure, not an endless loop", () => {
    const path = join(tempDir(), "records.jsonl");
    const w = new JsonlWriter(path, { fs: { ...nodeFs, writeSync: () => 0 } });
    w.append(record(0));
    expect(() => w.flush()).not.toThrow();
    expect(w.failure?.message).toMatch(/^writing .*records\.jsonl failed \(the system wrote 0 of \d+ bytes\); 0 records kept/);
    w.close();
  });

  it("an fsync failure at close() is returned, not thrown; a throwing onError is contained", () => {
    const path = join(tempDir(), "records.jsonl");
    let calls = 0;
    const w = new JsonlWriter(path, {
      fs: {
        ...nodeFs,
        fsyncSync() {
          throw errno("EIO", "fsync");
        },
      },
      onError: () => {
        calls++;
        throw new Error("reporter bug");
      },
    });
    w.append(record(0));
    const failure = w.close();
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure?.message).toBe(`I/O error syncing ${path} (EIO); the last of its 1 records may not be on disk`);
    expect(calls).toBe(1);
  });

  it("a writer that cannot open its file throws a StorageError at once", () => {
    const dir = tempDir();
    expectStorageError(
      () =>
        new JsonlWriter(join(dir, "records.jsonl"), {
          fs: {
            ...nodeFs,
            openSync() {
              throw errno("EACCES", "open");
            },
          },
        }),
      `permission denied opening ${join(dir, "records.jsonl")} (EACCES)`);
  });

  it("append after close() is a programming error and throws", () => {
    const w = new JsonlWriter(join(tempDir(), "r.jsonl"));
    w.close();
    expect(() => w.append({})).toThrow(/closed/);
  });
});

describe("atomic writes on a full disk (injected)", () => {
  it("ENOSPC writing results.json: StorageError, no temp file left", () => {
    const dir = tempDir();
    const path = join(dir, "results.json");
    writeFileSync(path, '{"old":true}\n');
    // A short write first (what fits), then ENOSPC: the loop must not stop at the short count.
    const fs = diskWithRoom(1000);
    let thrown: unknown;
    try {
      writeJsonAtomic(path, { pad: "y".repeat(5000) }, fs);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(StorageError);
    expect((thrown as StorageError).exitCode).toBe(EXIT.io);
    expect((thrown as StorageError).message).toBe(`disk full writing ${path} (ENOSPC); results.json was not replaced`);
    expect(fs.calls.length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(path, "utf8")).toBe('{"old":true}\n');
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });

  it("permission denied writing report.md: StorageError naming the file", () => {
    const dir = tempDir();
    const path = join(dir, "report.md");
    const fs: StoreFs = {
      ...nodeFs,
      openSync(p, flags, mode) {
        if (p.endsWith(".tmp")) throw errno("EACCES", "open");
        return nodeFs.openSync(p, flags, mode);
      },
    };
    expectStorageError(() => writeFileAtomic(path, "# report\n", fs), `permission denied writing ${path} (EACCES); nothing was written`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a failed rename removes the temporary file", () => {
    const dir = tempDir();
    const path = join(dir, "results.json");
    const fs: StoreFs = {
      ...nodeFs,
      renameSync() {
        throw errno("EIO", "rename");
      },
    };
    expectStorageError(() => writeFileAtomic(path, "{}\n", fs), `I/O error renaming a temporary file to ${path} (EIO); nothing was written`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("a temporary file that cannot be removed is named in the message", () => {
    const dir = tempDir();
    const path = join(dir, "results.json");
    const fs: StoreFs = {
      ...diskWithRoom(10),
      unlinkSync() {
        throw errno("EIO", "unlink");
      },
    };
    expect(() => writeFileAtomic(path, "x".repeat(100), fs)).toThrow(/; nothing was written; the temporary file .*\.results\.json\.\d+\.\d+\.[0-9a-f]+\.tmp could not be removed$/);
  });

  it("writes a whole file and leaves nothing else", () => {
    const dir = tempDir();
    const path = join(dir, "results.json");
    writeJsonAtomic(path, { a: 1 });
    writeJsonAtomic(path, { a: 2 });
    expect(readFileSync(path, "utf8")).toBe('{\n  "a": 2\n}\n');
    expect(readdirSync(dir)).toEqual(["results.json"]);
  });
});

describe("/dev/full (writes fail with ENOSPC)", () => {
  const hasDevFull = process.platform === "linux" && existsSync("/dev/full");
  if (!hasDevFull) console.warn("NOTICE: skipping the /dev/full test: no /dev/full on this machine.");

  it.skipIf(!hasDevFull)("a process whose records cannot be written exits normally: no uncaught exception from the timer or the exit hook", () => {
    const script = `
      import { JsonlWriter } from ${JSON.stringify(join(process.cwd(), "src/store/files.ts"))};
      const errors = [];
      const w = new JsonlWriter("/dev/full", { onError: (e) => errors.push(e.message) });
      w.append({ i: 0 });
      await new Promise((r) => setTimeout(r, 150));
      w.append({ i: 1 });
      // left unclosed: the exit hook runs and must not throw either
      console.log(JSON.stringify({ errors, written: w.written, lost: w.lost }));
      const w2 = new JsonlWriter("/dev/full");
      w2.append({ i: 2 });
      process.exitCode = 5;
    `;
    let out = "";
    let status = 0;
    try {
      out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "pipe" }).toString();
    } catch (e) {
      status = (e as { status: number }).status;
      out = String((e as { stdout: Buffer }).stdout);
      expect(String((e as { stderr: Buffer }).stderr)).not.toMatch(/Error|at /);
    }
    expect(status).toBe(5);
    expect(JSON.parse(out)).toEqual({ errors: ["disk full writing /dev/full (ENOSPC); 0 records kept, later records are not written"], written: 0, lost: 2 });
  });
});

describe("a real full file system (tmpfs)", () => {
  const fs = tinyTmpfs(64, "the tmpfs tests of JsonlWriter and writeFileAtomic");

  it.skipIf(fs.dir === undefined)("ENOSPC while appending records: N records kept, no torn line (tmpfs)", () => {
    const path = join(fs.dir!, "records.jsonl");
    const errors: StorageError[] = [];
    const w = new JsonlWriter(path, { onError: (e) => errors.push(e) });
    // ~1 kB records, 64 kB of room: the disk fills mid-batch, mid-line.
    const rec = (i: number) => ({ id: `s/r${i}`, scenario: "s", result: { ok: true }, pad: "z".repeat(1000 + (i % 7)) });
    for (let i = 0; i < 200; i++) w.append(rec(i));
    expect(w.close()).toBe(errors[0]);
    expect(errors).toHaveLength(1);
    const kept = w.written;
    expect(kept).toBeGreaterThan(30);
    expect(kept).toBeLessThan(70);
    expect(errors[0]!.message).toBe(`disk full writing ${path} (ENOSPC); ${kept} records kept, later records are not written`);
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const read = readJsonl<{ id: string }>(path);
    expect(read.skipped).toEqual([]);
    expect(read.items.map((r) => r.id)).toEqual(Array.from({ length: kept }, (_, i) => `s/r${i}`));
    execFileSync("rm", ["-f", path]);
  });

  it.skipIf(fs.dir === undefined)("ENOSPC writing results.json: StorageError, the old file intact, no temp file left (tmpfs)", () => {
    // write-file-atomic 7 renamed a truncated file over the old one here (a short write it did not check).
    const dir = join(fs.dir!, "run");
    const path = join(dir, "results.json");
    writeJsonAtomic(path, { old: true });
    const before = readFileSync(path, "utf8");
    expectStorageError(() => writeJsonAtomic(path, { pad: "r".repeat(100_000) }), `disk full writing ${path} (ENOSPC); results.json was not replaced`);
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(dir)).toEqual(["results.json"]);
    // A second file: the folder is full to the last page, the temp file cannot even take a byte.
    fillDisk(fs.dir!);
    expect(() => writeFileAtomic(join(dir, "report.md"), "# r\n")).toThrow(StorageError);
    expect(readdirSync(dir)).toEqual(["results.json"]);
    execFileSync("rm", ["-rf", dir, join(fs.dir!, "filler")]);
  });
});
