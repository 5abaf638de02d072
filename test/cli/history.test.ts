/**
 * `shakedown history` through the built binary (npm run build first), on two tiny simulator
 * runs indexed by the test with indexRun: the table of runs, a figure over time with its
 * labels and sparkline, JSON, --target, --set-baseline, --rebuild, and the refusals (bad
 * flags, no database, a corrupt one).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { historyPath, indexRun, resolveRunRef } from "../../src/store/history.js";
import type { RunResults } from "../../src/store/run-folder.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const work = tempDir("shakedown-history-cli-");
const out = join(work, "runs");
const quick = ["run", "--scenario", "conversation", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", "--profile", "fast", "--out", out];
let first = "";
let second = "";

function results(dir: string): RunResults {
  return JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as RunResults;
}

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const r = await runCliInProcess(quick);
    expect(r.code, r.stderr).toBe(0);
    // Run folders are named by the second they start in.
    if (i === 0) await new Promise((res) => setTimeout(res, 1100));
  }
  const dirs = readdirSync(out, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(out, d.name))
    .sort();
  expect(dirs).toHaveLength(2);
  [first, second] = dirs as [string, string];
  // Whatever the run command indexed itself, the test indexes the runs on a fresh database.
  for (const ext of ["", "-wal", "-shm"]) rmSync(historyPath(out) + ext, { force: true });
  indexRun(first, results(first), { label: "baseline" });
  indexRun(second, results(second), { label: "v0.11.2" });
}, 60_000);

describe("shakedown history", () => {
  it("lists the runs newest first: started, label, suite, target, model, status, folder", async () => {
    const r = await runCli(["history", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^started \(UTC\)\s+label\s+suite\s+target\s+model\s+status\s+folder$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+v0\.11\.2\s+conversation\s+simulator\s+shakedown-sim\s+pass\s+/);
    expect(lines[1]).toContain(second);
    expect(lines[2]).toMatch(/\s+baseline\s+conversation\s+simulator\s+/);
    expect((await runCliInProcess(["history", "--out", out, "--limit", "1"])).stdout).toMatch(/newest 1 shown; --limit N for more/);
  });

  it("--figure ttft.p90: the figure oldest first with the labels and a sparkline; --json", async () => {
    const r = await runCliInProcess(["history", "--out", out, "--figure", "ttft.p90"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("ttft.p90 (scenario conversation, ms), oldest first");
    expect(lines[1]).toMatch(/^started \(UTC\)\s+value\s+n\s+label\s+run$/);
    expect(lines[2]).toMatch(/\d ms\s+2\s+baseline\s+\d{8}T\d{6}Z-conversation$/);
    expect(lines[3]).toMatch(/\d ms\s+2\s+v0\.11\.2\s+\d{8}T\d{6}Z-conversation$/);
    expect(lines[4]).toMatch(/^trend: [▁▂▃▄▅▆▇█]{2} {2}\(min [\d.]+ ms, max [\d.]+ ms\)$/);

    const one = await runCliInProcess(["history", "--out", out, "--figure", "ttft.p90", "--limit", "1"]);
    expect(one.stdout).toMatch(/\s+v0\.11\.2\s+\d{8}T\d{6}Z-conversation\n\(newest 1 run shown; --limit N for more\)\n$/);

    const j = await runCliInProcess(["history", "--out", out, "--figure", "ttft.p90", "--json"]);
    expect(j.code).toBe(0);
    const series = JSON.parse(j.stdout) as { figure: string; scenario: string; unit: string; points: { label?: string; value?: number; n: number; dir: string }[] };
    expect(series).toMatchObject({ figure: "ttft.p90", scenario: "conversation", unit: "ms" });
    expect(series.points.map((p) => [p.label, p.dir, p.n])).toEqual([
      ["baseline", first, 2],
      ["v0.11.2", second, 2],
    ]);
    expect(series.points.every((p) => typeof p.value === "number" && p.value > 0)).toBe(true);
  });

  it("--json lists the runs; --target filters them (simulator: the embedded simulator)", async () => {
    const j = await runCliInProcess(["history", "--out", out, "--json", "--target", "simulator"]);
    expect(j.code).toBe(0);
    const runs = (JSON.parse(j.stdout) as { database: string; runs: { dir: string; label?: string; simulated: boolean; target: string }[] }).runs;
    expect(runs.map((e) => [e.dir, e.label, e.simulated])).toEqual([
      [second, "v0.11.2", true],
      [first, "baseline", true],
    ]);
    expect(runs[0]!.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const none = await runCliInProcess(["history", "--out", out, "--target", "http://gpu-box:8000/v1"]);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^no runs of target http:\/\/gpu-box:8000\/v1 in /);
  });

  it("--set-baseline moves `baseline`; --rebuild keeps labels and the baseline, and says why it skips a folder", async () => {
    const s = await runCliInProcess(["history", "--out", out, "--set-baseline", "last"]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/^baseline: /);
    expect(s.stdout.split("\n")[1]).toMatch(/v0\.11\.2 \(baseline\)/);
    expect(resolveRunRef("baseline", { outDir: out })).toBe(second);

    mkdirSync(join(out, "not-a-run"), { recursive: true });
    const r = await runCliInProcess(["history", "--out", out, "--rebuild"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/rebuilt .*history\.sqlite: 2 runs indexed, 1 folder skipped\n {2}skipped .*not-a-run: not a run folder \(no run\.json\)\n/);
    expect(r.stdout).toMatch(/v0\.11\.2 \(baseline\)/);
    expect(r.stdout).toMatch(/\s+baseline\s+conversation/);
    expect(resolveRunRef("baseline", { outDir: out })).toBe(second);
    rmSync(join(out, "not-a-run"), { recursive: true });
  });

  it("exit 2: bad flags, an unknown figure, no database (saying what to do)", async () => {
    for (const args of [
      ["--limit", "0"],
      ["--scenario", "conversation"],
      ["--figure", "ttft.p9"],
      ["--bogus"],
    ]) {
      const r = await runCliInProcess(["history", "--out", out, ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
    expect((await runCliInProcess(["history", "--out", out, "--figure", "ttft.p9"])).stderr).toMatch(/no indexed run has the figure ttft\.p9; figures recorded: .*ttft\.p90/);
    const both = await runCliInProcess(["history", "--out", out, "--watch", "--figure", "ttft.p90"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--watch lists the cycles of shakedown watch; --figure and --scenario show a figure of the runs: give one or the other/);
    const empty = join(work, "empty");
    mkdirSync(empty, { recursive: true });
    const r = await runCliInProcess(["history", "--out", empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no run history at .*history\.sqlite: runs are added to it as they finish .*; to index the run folders already in .*: shakedown history --rebuild --out /);
    expect(existsSync(historyPath(empty))).toBe(false);
  });

  it("a corrupt database: says to rebuild, and --rebuild moves it aside", async () => {
    const other = join(work, "corrupt");
    mkdirSync(other, { recursive: true });
    writeFileSync(historyPath(other), "not a database ".repeat(300));
    const r = await runCliInProcess(["history", "--out", other]);
    expect(r.code).toBe(74);
    expect(r.stderr).toMatch(/is not a readable SQLite database .*shakedown history --rebuild --out .* moves it aside/);
    const b = await runCliInProcess(["history", "--out", other, "--rebuild"]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/moved aside to .*history\.sqlite\.corrupt-\d{8}T\d{6}Z/);
    expect(b.stdout).toMatch(/^no runs in /);
  });
});
