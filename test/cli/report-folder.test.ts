/**
 * Issue 10, item 7: `shakedown report DIR` on damaged run folders. It must never replace a
 * run's results with an empty report, must re-render from every readable record and name
 * what it skipped, and must exit 4 for a run that did not finish.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir, runDirs } from "../helpers/tmp.js";
import { fillDisk, tinyTmpfs } from "../helpers/tmpfs.js";
import { afterTurns, runCli, runCliInProcess, type CliResult } from "./helpers.js";

const work = tempDir();
// `report` runs through the CLI's entry point in this process (runCliInProcess: the same code,
// exit codes and console lines as the binary, without a Node start each); the killed run,
// and the report on it, use the real binary in child processes.
const quick = ["--profile", "fast", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", "--set", 'conversation.thresholds=["success_rate > 95%"]'];
let base = "";
let copies = 0;

/** A fresh copy of the finished run folder (6 records: warm-up, 2 turns, 3 reasoning tasks). */
function copyRun(): string {
  const dir = join(work, `copy-${++copies}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

const read = (dir: string, f: string) => readFileSync(join(dir, f));
const lines = (dir: string) => readFileSync(join(dir, "records.jsonl"), "utf8").split("\n");

function expectOneLineError(r: CliResult): void {
  expect(r.stdout).toBe("");
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^shakedown: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

interface Results {
  complete: boolean;
  status: string;
  interruption?: string;
  records: { count: number; tornTail: boolean; skippedLines?: number; skipped?: { line: number; reason: string }[] };
}
const results = (dir: string) => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;

beforeAll(async () => {
  const out = join(work, "base");
  const r = await runCliInProcess(["run", ...quick, "--out", out]);
  expect(r.code, r.stderr).toBe(0);
  base = join(out, runDirs(out)[0]!);
  expect(lines(base).filter((l) => l !== "")).toHaveLength(6);
}, 60_000);

describe("shakedown report on a damaged run folder", () => {
  it("report on a folder without records.jsonl refuses and keeps results.json and report.md", async () => {
    const dir = copyRun();
    rmSync(join(dir, "records.jsonl"));
    const before = { results: read(dir, "results.json"), report: read(dir, "report.md"), files: readdirSync(dir) };
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(2);
    expectOneLineError(r);
    expect(r.stderr).toContain("records.jsonl is missing, so the run cannot be re-analysed; results.json and report.md are left unchanged");
    expect(read(dir, "results.json").equals(before.results)).toBe(true);
    expect(read(dir, "report.md").equals(before.report)).toBe(true);
    expect(readdirSync(dir)).toEqual(before.files);
  });

  it("report on an empty records.jsonl while results.json counted records refuses and keeps the files", async () => {
    const dir = copyRun();
    writeFileSync(join(dir, "records.jsonl"), "");
    const before = { results: read(dir, "results.json"), report: read(dir, "report.md") };
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(2);
    expectOneLineError(r);
    expect(r.stderr).toContain("records.jsonl holds no record (it is empty) while results.json counted 6");
    expect(read(dir, "results.json").equals(before.results)).toBe(true);
    expect(read(dir, "report.md").equals(before.report)).toBe(true);
  });

  it("a records.jsonl with no readable line refuses too", async () => {
    const dir = copyRun();
    writeFileSync(join(dir, "records.jsonl"), "garbage\n\0\0\0\n");
    const before = read(dir, "results.json");
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("none of its 2 lines is a readable record");
    expect(read(dir, "results.json").equals(before)).toBe(true);
  });

  it("a corrupt middle line is skipped and named on the console, the rest re-rendered", async () => {
    const dir = copyRun();
    const l = lines(dir);
    l[2] = '{"v":1,"id":"conversation/i1/t2", "scenario": tru';
    writeFileSync(join(dir, "records.jsonl"), l.join("\n"));
    const r = await runCliInProcess(["report", dir]);
    expect(r.stderr).toContain("shakedown: records.jsonl: line 3 skipped (not valid JSON)\n");
    expect(r.code).toBe(0);
    const res = results(dir);
    expect(res.records).toMatchObject({ count: 5, tornTail: false, skippedLines: 1, skipped: [{ line: 3, reason: "corrupt" }] });
    expect(res.status).toBe("pass");
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("| Requests recorded | 5 (records.jsonl), 1 unreadable line skipped (line 3) |");
  });

  it("a torn last line is named on the console", async () => {
    const dir = copyRun();
    const text = readFileSync(join(dir, "records.jsonl"), "utf8");
    // The process stopped in the middle of writing the 6th line.
    writeFileSync(join(dir, "records.jsonl"), text.slice(0, text.length - 200));
    const r = await runCliInProcess(["report", dir]);
    expect(r.stderr).toContain("shakedown: records.jsonl: line 6 skipped (the last line, cut off mid-write)\n");
    expect(r.code).not.toBe(2);
    const res = results(dir);
    expect(res.records).toMatchObject({ count: 5, tornTail: true, skippedLines: 1 });
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("| Requests recorded | 5 (records.jsonl), last line torn and skipped |");
  });

  it("an unreadable server-metrics.jsonl line or attachments.json is skipped with a note; the records are re-rendered", async () => {
    const dir = copyRun();
    const sm = readFileSync(join(dir, "server-metrics.jsonl"), "utf8").split("\n");
    expect(sm.length).toBeGreaterThan(2);
    sm.splice(1, 0, "{not json");
    writeFileSync(join(dir, "server-metrics.jsonl"), sm.join("\n"));
    writeFileSync(join(dir, "attachments.json"), "[1, 2");
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("shakedown: server-metrics.jsonl: line 2 skipped (not valid JSON)\n");
    expect(r.stderr).toMatch(/shakedown: attachments\.json is unreadable \([^\n]*\): rendered without it/);
    expect(results(dir).records.count).toBe(6);
  });

  it("an unreadable results.json is re-rendered as incomplete, with a note", async () => {
    const dir = copyRun();
    writeFileSync(join(dir, "results.json"), '{"complete": tr');
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/shakedown: results\.json is unreadable \(.*\): whether the run finished is unknown/);
    expect(results(dir)).toMatchObject({ complete: false, status: "incomplete", records: { count: 6 } });
    expect(results(dir).interruption).toMatch(/^results\.json was unreadable/);
  });

  it("exit code of report on a killed run is 4", async () => {
    // A kill -9 mid-run: records.jsonl holds what ended, no results.json, no report.md.
    const out = join(work, "killed");
    mkdirSync(out, { recursive: true });
    const run = await runCli(
      ["run", "--profile", "seed", "--time-scale", "0.2", "--set", "conversation.turns=15", "--set", "conversation.iterations=3", "--out", out],
      {
        onStart: afterTurns(2, (child) => child.kill("SIGKILL")),
      },
    );
    expect(run.signal).toBe("SIGKILL");
    const dir = join(out, runDirs(out)[0]!);
    expect(readdirSync(dir)).not.toContain("results.json");
    const r = await runCli(["report", dir]);
    expect(r.code).toBe(4);
    const res = results(dir);
    expect(res).toMatchObject({ complete: false, status: "incomplete", interruption: "the run ended before writing results.json (crash or kill)" });
    expect(res.records.count).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("Incomplete run");

    // A run stopped before its end (results.complete false) exits 4 as well, not 130.
    const stopped = copyRun();
    const prev = JSON.parse(readFileSync(join(stopped, "results.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(stopped, "results.json"), JSON.stringify({ ...prev, complete: false, interruption: "interrupted by SIGINT" }));
    const r2 = await runCliInProcess(["report", stopped]);
    expect(r2.code).toBe(4);
  }, 60_000);

  it("records.jsonl missing and no results either (stopped before recording anything): an empty incomplete report, exit 4", async () => {
    const dir = copyRun();
    for (const f of ["records.jsonl", "results.json", "report.md"]) rmSync(join(dir, f));
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("records.jsonl is missing and the run wrote no results: it stopped before recording anything (nothing measured)");
    expect(results(dir)).toMatchObject({ complete: false, status: "incomplete", records: { count: 0 } });
  });
});

describe("shakedown report on a full disk", () => {
  const fs = tinyTmpfs(1024, "the CLI test of `report` on a full disk");

  it.skipIf(fs.dir === undefined)("ENOSPC writing results.json: exit 74, one line, results.json and report.md unchanged, no temp file", async () => {
    const dir = join(fs.dir!, "run");
    cpSync(base, dir, { recursive: true });
    fillDisk(fs.dir!);
    const before = { results: read(dir, "results.json"), report: read(dir, "report.md"), files: readdirSync(dir) };
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(74);
    expectOneLineError(r);
    expect(r.stderr).toBe(`shakedown: disk full writing ${join(dir, "results.json")} (ENOSPC); results.json was not replaced\n`);
    expect(read(dir, "results.json").equals(before.results)).toBe(true);
    expect(read(dir, "report.md").equals(before.report)).toBe(true);
    expect(readdirSync(dir)).toEqual(before.files);
  });
});
