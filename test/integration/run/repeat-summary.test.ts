/**
 * The repeat summary's arithmetic and rules, on hand-made results: Student's t interval over
 * the run values, cut to the figure's range; verdict stability; runs left out; the exit code
 * as the worst of the runs'.
 */
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { describe, expect, it } from "vitest";
import type { Suite } from "../../../src/config/schema.js";
import type { Verdict } from "../../../src/metrics/index.js";
import { betweenRunStats, renderRepeatMarkdown, summarizeRepeat, unitBounds, worstExitCode } from "../../../src/run/repeat.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RunResults, RunStatus } from "../../../src/store/run-folder.js";

function sc(name: string, ttftP90: number | undefined, verdictStatus: Verdict["status"], status: ScenarioResult["status"] = verdictStatus): ScenarioResult {
  return {
    name,
    kind: "conversation",
    metrics: {
      "ttft.p90": { ...(ttftP90 !== undefined ? { value: ttftP90 } : {}), n: 10, unit: "ms" },
      success_rate: { value: 1, n: 10, unit: "fraction" },
      "e2e.p90": { value: 500, n: 10, unit: "ms" },
    },
    verdicts: [{ threshold: "ttft.p90 < 120", metric: "ttft.p90", op: "<", limit: 120, value: ttftP90, n: 10, status: verdictStatus }],
    status,
    detail: {},
    requests: { total: 10, ok: 10, failed: 0 },
    errors: [],
    notes: [],
  };
}

function results(i: number, scenarios: ScenarioResult[], status: RunStatus, complete = true): RunResults {
  return {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0" },
    runId: `2026010${i}T000000Z-s`,
    startedAt: `2026-01-0${i}T00:00:00.000Z`,
    suite: { name: "s", scenarios: [{ name: "a", kind: "conversation" }, { name: "b", kind: "conversation" }] } as unknown as Suite,
    target: { url: "http://x/v1", model: "m", simulated: false, models: [] },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    complete,
    status,
    records: { file: "records.jsonl", count: 20, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios,
    renderedAt: "x",
  };
}

describe("betweenRunStats", () => {
  it("is Student's t over the run values", () => {
    const s = betweenRunStats([100, 110, 120]);
    expect(s.mean).toBe(110);
    expect(s.sd).toBeCloseTo(10, 12);
    // t(0.975, 2) = 4.302653; 4.302653 × 10 / √3 = 24.841
    expect(s.ci95!.halfWidth).toBeCloseTo(24.8414, 3);
    expect(s.ci95!.low).toBeCloseTo(85.1586, 3);
    expect(s.cv).toBeCloseTo(10 / 110, 12);
    // t(0.975, 4) = 2.776445
    expect(betweenRunStats([1, 2, 3, 4, 5]).ci95!.halfWidth).toBeCloseTo((2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
  });

  it("one value: a mean, no interval; equal values: a zero-width interval", () => {
    expect(betweenRunStats([5])).toEqual({ mean: 5, min: 5, max: 5 });
    expect(betweenRunStats([5, 5, 5]).ci95).toEqual({ low: 5, high: 5, halfWidth: 0 });
  });

  it("is cut to what the figure can be: no latency under 0 ms, no fraction over 1", () => {
    const ms = betweenRunStats([35, 9, 4.4], 0.95, unitBounds("ms"));
    expect(ms.ci95!.low).toBe(0);
    expect(ms.ci95!.clipped).toBe(true);
    expect(ms.ci95!.high).toBeCloseTo(ms.mean! + ms.ci95!.halfWidth, 9);
    const frac = betweenRunStats([1, 0.9, 1], 0.95, unitBounds("fraction"));
    expect(frac.ci95!.high).toBe(1);
    // A change (ratio) can be negative: not cut.
    expect(betweenRunStats([0.1, -0.3, 0.2], 0.95, unitBounds("ratio")).ci95!.clipped).toBeUndefined();
  });
});

describe("summarizeRepeat", () => {
  it("counts the verdicts per run, leaves out scenarios that did not run to their end, keeps round order", () => {
    const runs = [
      { results: results(1, [sc("a", 100, "pass"), sc("b", 90, "pass")], "pass"), exitCode: 0 },
      { results: results(2, [sc("a", 130, "fail"), sc("b", 95, "pass")], "fail"), exitCode: 1 },
      { results: results(3, [sc("a", 110, "pass"), sc("b", undefined, "pass", "incomplete")], "incomplete", false), exitCode: 130 },
    ];
    const s = summarizeRepeat({ repeat: 4, runs, startedAt: "a", endedAt: "b", complete: false, stopped: "interrupted" });
    expect(s).toMatchObject({ repeat: 4, rounds: 3, complete: false, status: "incomplete", stopped: "interrupted" });
    expect(s.runs.map((r) => [r.round, r.status, r.exitCode])).toEqual([
      [1, "pass", 0],
      [2, "fail", 1],
      [3, "incomplete", 130],
    ]);
    const [a, b] = s.scenarios;
    expect(a!.counted).toEqual([1, 2, 3]);
    const ttft = a!.figures.find((f) => f.metric === "ttft.p90")!;
    expect(ttft.values).toEqual([100, 130, 110]);
    expect(ttft.samples).toEqual([10, 10, 10]);
    expect(a!.verdicts).toEqual([
      { threshold: "ttft.p90 < 120", metric: "ttft.p90", statuses: ["pass", "fail", "pass"], of: 3, passed: 2, failed: 1, inconclusive: 0, notMeasured: 0, stable: false },
    ]);
    expect(b!.counted).toEqual([1, 2]);
    expect(b!.excluded).toEqual([{ round: 3, why: "stopped before its end" }]);
    expect(b!.figures.find((f) => f.metric === "ttft.p90")!.values).toEqual([90, 95, null]);
    expect(b!.verdicts[0]).toMatchObject({ passed: 2, of: 2, stable: true });
    // The thresholds' metric first, then the kind's key figures that were measured.
    expect(a!.figures.map((f) => f.metric)).toEqual(["ttft.p90", "e2e.p90", "success_rate"]);
  });

  it("a complete repeat's status is the worst run's", () => {
    const runs = [
      { results: results(1, [sc("a", 100, "pass"), sc("b", 90, "pass")], "pass"), exitCode: 0 },
      { results: results(2, [sc("a", 100, "inconclusive"), sc("b", 90, "pass")], "inconclusive"), exitCode: 5 },
    ];
    expect(summarizeRepeat({ repeat: 2, runs, startedAt: "a", endedAt: "b", complete: true }).status).toBe("inconclusive");
  });

  it("repeat.md keeps a hostile scenario name inside its heading and cells", () => {
    const evil = "x | y\n# heading <script>";
    const r = results(1, [sc(evil, 100, "pass")], "pass");
    (r.suite as unknown as { scenarios: { name: string; kind: string }[] }).scenarios = [{ name: evil, kind: "conversation" }];
    const md = renderRepeatMarkdown(summarizeRepeat({ repeat: 1, runs: [{ results: r, exitCode: 0 }], startedAt: "a", endedAt: "b", complete: true }));
    const tree = fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    const nodes: Nodes[] = [];
    const walk = (n: Nodes) => {
      nodes.push(n);
      if ("children" in n) for (const c of n.children) walk(c as Nodes);
    };
    walk(tree);
    // No HTML, one level-1 heading, and the name whole in one code span (folded to one line).
    expect(nodes.filter((n) => n.type === "html")).toEqual([]);
    expect(nodes.filter((n) => n.type === "heading" && n.depth === 1)).toHaveLength(1);
    expect(nodes.some((n) => n.type === "inlineCode" && n.value === "x | y # heading <script>")).toBe(true);
    expect(md).toContain("— (one run)");
  });
});

describe("worstExitCode", () => {
  it("orders the user's stop, the tool's failures, then the verdicts", () => {
    expect(worstExitCode([0, 1, 0])).toBe(1);
    expect(worstExitCode([0, 5])).toBe(5);
    expect(worstExitCode([5, 1])).toBe(1);
    expect(worstExitCode([1, 130])).toBe(130);
    expect(worstExitCode([1, 3])).toBe(3);
    expect(worstExitCode([3, 74, 70])).toBe(70);
    expect(worstExitCode([])).toBe(0);
  });
});
