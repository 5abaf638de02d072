/**
 * report.html in a run folder: written by a normal run beside report.md (the summary points
 * at it first), re-rendered by `shakedown report DIR` (the built CLI: npm run build), with
 * results.json embedded as it is in the folder; a failed write of report.html fails `report`
 * as a failed write of report.md would (exit 74) and costs neither results.json nor report.md.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../../cli/helpers.js";
import { tempDir, runDirs } from "../../helpers/tmp.js";
import { scanHtml } from "../../helpers/html-scan.js";

const work = tempDir();
// Two turns of one conversation on the fast simulator; a threshold that cannot flake.
const quick = ["--scenario", "conversation", "--profile", "fast", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", "--set", 'conversation.thresholds=["success_rate > 95%"]'];

function onlyRunDir(parent: string): string {
  const dirs = runDirs(parent);
  expect(dirs).toHaveLength(1);
  return join(parent, dirs[0]!);
}

/** The results embedded in a report.html. */
function embedded(dir: string): unknown {
  const scan = scanHtml(readFileSync(join(dir, "report.html"), "utf8"));
  expect(scan.problems).toEqual([]);
  expect(scan.scripts.map((s) => s.attrs)).toEqual([{ type: "application/json", id: "results" }]);
  return JSON.parse(scan.scripts[0]!.content);
}

describe("report.html in a run folder", () => {
  let run: CliResult;
  let dir: string;
  beforeAll(async () => {
    run = await runCli(["run", ...quick, "--out", join(work, "runs")]);
    dir = onlyRunDir(join(work, "runs"));
  }, 60_000);

  it("a simulator run writes it beside report.md, and the summary points at it first", () => {
    expect(run.stderr).not.toMatch(/warning|internal error/);
    expect(run.code).toBe(0);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(embedded(dir)).toEqual(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));
    const scan = scanHtml(html);
    expect(scan.tags.filter((t) => t.name === "section" && !t.closing && t.attrs.class?.split(" ").includes("scenario"))).toHaveLength(1);
    // Charts drawn (none failed), the timeline among them.
    const figures = scan.tags.filter((t) => t.name === "figure" && !t.closing);
    expect(figures.length).toBeGreaterThan(1);
    expect(figures.filter((f) => f.attrs.class?.includes("failed"))).toEqual([]);
    expect(scan.tags.filter((t) => t.name === "svg" && !t.closing).length).toBe(figures.length);
    const report = run.stdout.split("\n").find((l) => l.trim().startsWith("report:"));
    expect(report).toMatch(/report: \S+report\.html .*\S+report\.md$/);
  });

  it("`shakedown report DIR` re-renders it, and writes it where it was missing", async () => {
    rmSync(join(dir, "report.html"));
    const r = await runCli(["report", dir]);
    expect(r.stderr).not.toMatch(/warning|internal error/);
    expect(r.code).toBe(0);
    expect(embedded(dir)).toEqual(JSON.parse(readFileSync(join(dir, "results.json"), "utf8")));
    expect(r.stdout).toMatch(/report: \S+report\.html/);
  }, 60_000);

  it("a report.html that cannot be written fails `report` with 74, after results.json and report.md are written", async () => {
    const copy = join(work, "copy");
    cpSync(dir, copy, { recursive: true, filter: (src) => !/report\.(html|md)$|results\.json$/.test(src) });
    // report.html is a folder: the atomic rename over it fails.
    mkdirSync(join(copy, "report.html"));
    const r = await runCli(["report", copy]);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("report.html");
    expect(JSON.parse(readFileSync(join(copy, "results.json"), "utf8"))).toMatchObject({ runId: (embedded(dir) as { runId: string }).runId });
    expect(readFileSync(join(copy, "report.md"), "utf8")).toContain("# shakedown report");
    expect(statSync(join(copy, "report.html")).isDirectory()).toBe(true);
  }, 60_000);
});
