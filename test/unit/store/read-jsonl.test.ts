/** Issue 10, item 7: readJsonl keeps every valid line and lists the lines it skipped. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { describeSkippedLines, readJsonl, type SkippedLine } from "../../../src/store/files.js";
import { skippedLinesNote } from "../../../src/store/run-folder.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readJsonl", () => {
  it("a corrupt middle line is skipped with its line number; the lines after it are kept", () => {
    const r = readJsonl<{ i: number }>(file("a.jsonl", '{"i":1}\n{"i":2\n\n{"i":3}\n'));
    expect(r.items).toEqual([{ i: 1 }, { i: 3 }]);
    expect(r.skipped).toEqual([{ line: 2, reason: "corrupt", detail: "not valid JSON" }]);
    expect(r.tornTail).toBe(false);
  });

  it("a torn last line (no end of line after it) is told apart from a corrupt one", () => {
    const torn = readJsonl(file("b.jsonl", '{"i":1}\n{"i":2}\n{"i":'));
    expect(torn.items).toHaveLength(2);
    expect(torn.tornTail).toBe(true);
    expect(torn.skipped).toEqual([{ line: 3, reason: "torn", detail: "the last line, cut off mid-write" }]);
    // Complete (it ends with a newline) but not JSON: corrupt, not torn.
    const bad = readJsonl(file("c.jsonl", '{"i":1}\nnot json\n'));
    expect(bad.tornTail).toBe(false);
    expect(bad.skipped).toEqual([{ line: 2, reason: "corrupt", detail: "not valid JSON" }]);
  });

  it("a check rejects valid JSON that is not what the file holds", () => {
    const r = readJsonl(file("d.jsonl", '{"id":"a"}\n42\nnull\n{"id":"b"}\n'), (v) => (typeof v === "object" && v !== null ? undefined : "not a record"));
    expect(r.items).toEqual([{ id: "a" }, { id: "b" }]);
    expect(r.skipped.map((s) => [s.line, s.detail])).toEqual([
      [2, "not a record"],
      [3, "not a record"],
    ]);
  });

  it("a missing file reads as empty", () => {
    expect(readJsonl(join(dir, "nope.jsonl"))).toEqual({ items: [], skipped: [], tornTail: false });
  });
});

describe("describeSkippedLines", () => {
  const corrupt = (line: number): SkippedLine => ({ line, reason: "corrupt", detail: "not valid JSON" });
  it("one console line per range of lines", () => {
    expect(describeSkippedLines("records.jsonl", [corrupt(3), corrupt(4), corrupt(5), corrupt(9), { line: 12, reason: "torn", detail: "the last line, cut off mid-write" }])).toEqual([
      "records.jsonl: lines 3-5 skipped (not valid JSON)",
      "records.jsonl: line 9 skipped (not valid JSON)",
      "records.jsonl: line 12 skipped (the last line, cut off mid-write)",
    ]);
  });
  it("many ranges: a count and the first few", () => {
    const many = Array.from({ length: 40 }, (_, i) => corrupt(2 * i + 1));
    expect(describeSkippedLines("records.jsonl", many)).toEqual(["records.jsonl: 40 lines skipped (40 not valid JSON); the first: 1, 3, 5, 7, 9, …"]);
  });
});

describe("skippedLinesNote (report.md's 'Requests recorded')", () => {
  it("says nothing for a clean file, keeps the torn-tail wording, counts skipped lines", () => {
    expect(skippedLinesNote({ file: "records.jsonl", count: 5, tornTail: false })).toBe("");
    expect(skippedLinesNote({ file: "records.jsonl", count: 5, tornTail: true })).toBe(", last line torn and skipped");
    expect(skippedLinesNote({ file: "records.jsonl", count: 5, tornTail: false, skippedLines: 1, skipped: [{ line: 3, reason: "corrupt", detail: "x" }] })).toBe(
      ", 1 unreadable line skipped (line 3)",
    );
    const skipped = Array.from({ length: 30 }, (_, i): SkippedLine => ({ line: i + 2, reason: "corrupt", detail: "x" })).slice(0, 20);
    expect(skippedLinesNote({ file: "records.jsonl", count: 5, tornTail: false, skippedLines: 30, skipped })).toBe(", 30 unreadable lines skipped (lines 2, 3, 4, 5, 6, …)");
  });
});
