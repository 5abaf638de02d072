import { describe, expect, it } from "vitest";
import { checkComparable, jsonDifferences } from "../../../src/compare/comparable.js";
import { diffRuns, type DiffResult, type FigureDiff } from "../../../src/compare/diff.js";
import { parseFailOn } from "../../../src/compare/fail-on.js";
import { figureDirection, isTiming } from "../../../src/compare/figures.js";
import { renderDiff } from "../../../src/compare/render.js";
import { ConfigError } from "../../../src/errors.js";
import { NO_DIFFERENCE } from "../../../src/metrics/compare.js";
import { fakeRun, growing } from "./helpers.js";

function figure(d: DiffResult, name: string, group = ""): FigureDiff {
  const s = d.scenarios.find((x) => x.group === group)!;
  const f = s.figures.find((x) => x.figure === name);
  if (!f) throw new Error(`no ${name} in ${s.figures.map((x) => x.figure).join(", ")}`);
  return f;
}

describe("parseFailOn", () => {
  it("reads a relative bound with a + sign, an absolute one, and seconds as ms", () => {
    expect(parseFailOn("ttft.p90 > +10%")).toMatchObject({ metric: "ttft.p90", op: ">", value: 0.1, relative: true });
    expect(parseFailOn("output_tps.mean < -5%")).toMatchObject({ op: "<", value: -0.05, relative: true });
    expect(parseFailOn("e2e.p50 >= 200ms")).toMatchObject({ value: 200, relative: false, unit: "ms" });
    expect(parseFailOn("e2e.p50 > 0.5 s")).toMatchObject({ value: 500, relative: false, unit: "ms" });
    expect(parseFailOn("success_rate < -0.01")).toMatchObject({ value: -0.01, relative: false });
    expect(parseFailOn("success_rate < -0.01").unit).toBeUndefined();
  });

  it("refuses what is not a bound, saying the form", () => {
    expect(() => parseFailOn("ttft.p90 is slow")).toThrow(ConfigError);
    expect(() => parseFailOn("ttft.p90 > ++10%")).toThrow(/--fail-on "ttft.p90 > \+\+10%": expected a bound on the change B vs A/);
  });
});

describe("figures", () => {
  it("know which way is better", () => {
    expect(figureDirection("ttft.p90")).toBe("lower");
    expect(figureDirection("ttft_miss.continued.mean")).toBe("lower");
    expect(figureDirection("e2e_output_tps.mean")).toBe("higher");
    expect(figureDirection("success_rate")).toBe("higher");
    expect(figureDirection("score.mean")).toBe("higher");
    expect(figureDirection("degradation.ttft")).toBe("lower");
    expect(figureDirection("prompt_tokens.max")).toBe("neutral");
    expect(isTiming("ttft.p50", "ms")).toBe(true);
    expect(isTiming("degradation.ttft", "ratio")).toBe(false);
  });
});

describe("comparability", () => {
  it("lists the leaves that differ", () => {
    expect(jsonDifferences({ a: 1, b: { c: [1, 2], d: "x" } }, { a: 1, b: { c: [1, 3] }, e: true })).toEqual([
      { path: "b.c", a: [1, 2], b: [1, 3] },
      { path: "b.d", a: "x", b: undefined },
      { path: "e", a: undefined, b: true },
    ]);
  });

  it("thresholds and windows may differ; turns may not; a model difference is said", () => {
    const a = fakeRun({ sessions: growing(2, 6) });
    const b = fakeRun({ sessions: growing(2, 6), scenario: { thresholds: ["ttft.p90 < 1"], windows: [[1, 3], [4, 6]] }, model: "other" });
    const ok = checkComparable(a, b);
    expect(ok.problems).toEqual([]);
    expect(ok.notes.join("\n")).toContain('different models: "m" in A, "other" in B');
    const c = fakeRun({ sessions: growing(2, 5) });
    const bad = checkComparable(a, c);
    expect(bad.problems.join("\n")).toContain('scenario "conversation" ran a different workload: turns 6 in A, 5 in B');
    const d = fakeRun({ sessions: growing(2, 6), suite: "other" });
    expect(checkComparable(a, d).problems).toEqual(['different suites: A ran "s", B ran "other"']);
    const e = fakeRun({ sessions: growing(2, 6), stream: false });
    expect(checkComparable(a, e).problems.join("\n")).toContain("streamed in A but not in B");
  });
});

describe("diffRuns on synthetic runs", () => {
  it("the same records: every tested figure is no difference beyond noise, paired by request id", () => {
    const a = fakeRun({ sessions: growing(4, 8) });
    const b = fakeRun({ sessions: growing(4, 8) });
    const d = diffRuns(a, b, { failOn: ["ttft.p50 > +10%"] });
    expect(d.comparable).toBe(true);
    expect(d.refused).toBe(false);
    const s = d.scenarios[0]!;
    expect(s).toMatchObject({ scenario: "conversation", group: "", paired: true });
    expect(s.pairing).toBe("paired by request id (32 requests in both runs)");
    const tested = s.figures.filter((f) => f.test !== "none");
    expect(tested.length).toBeGreaterThan(10);
    for (const f of tested) expect(f.word).toBe(NO_DIFFERENCE);
    expect(figure(d, "ttft.p50")).toMatchObject({ a: figure(d, "ttft.p50").b, change: 0, test: "wilcoxon", paired: true, n: { a: 32, b: 32, pairs: 32 } });
    // The records give the same TTFT figures as results.json.
    expect(figure(d, "ttft.mean").a).toBeCloseTo(a.previous!.scenarios[0]!.metrics["ttft.mean"]!.value!, 9);
    expect(d.failOn).toEqual([
      { expression: "ttft.p50 > +10%", status: "pass", scenario: "conversation", figure: "ttft.p50", change: 0, reason: "relative change +0.0 % is within the bound" },
    ]);
    expect(d.failed).toBe(false);
  });

  it("B 20 % slower on every request: slower, with a paired interval around +20 %; --fail-on fails", () => {
    const a = fakeRun({ sessions: growing(4, 8, 1, 3) });
    const b = fakeRun({ sessions: growing(4, 8, 1.2, 3) });
    const d = diffRuns(a, b, { failOn: ["ttft.p50 > +10%", "ttft.p50 > +50%", "ttft.p99 > +10%"] });
    const p50 = figure(d, "ttft.p50");
    expect(p50.word).toBe("slower");
    expect(p50.significant).toBe(true);
    expect(p50.pValue).toBeLessThan(0.001);
    expect(p50.relative).toBeGreaterThan(0.15);
    expect(p50.relativeCi!.lower).toBeGreaterThan(0.1);
    expect(p50.relativeCi!.upper).toBeLessThan(0.3);
    // Asked for by --fail-on: computed too.
    expect(figure(d, "ttft.p99").word).toBe("slower");
    expect(d.failOn.map((o) => o.status)).toEqual(["fail", "pass", "fail"]);
    expect(d.failed).toBe(true);
    // Output tok/s is untouched (same tokens, same decode time), and E2E = TTFT + 200 ms grows less.
    expect(figure(d, "output_tps.mean").word).toBe(NO_DIFFERENCE);
    expect(figure(d, "e2e.p50").word).toBe("slower");
    // The reverse direction is faster.
    expect(figure(diffRuns(b, a), "ttft.p50").word).toBe("faster");
  });

  it("a bound in ms reads the absolute change; a unit that does not fit is refused", () => {
    const a = fakeRun({ sessions: growing(4, 8, 1, 3) });
    const b = fakeRun({ sessions: growing(4, 8, 1.2, 3) });
    const d = diffRuns(a, b, { failOn: ["ttft.p50 > 20ms", "ttft.p50 > 200ms"] });
    expect(d.failOn.map((o) => o.status)).toEqual(["fail", "pass"]);
    expect(() => diffRuns(a, b, { failOn: ["success_rate < -5 ms"] })).toThrow(/success_rate is in fraction, not ms/);
    expect(() => diffRuns(a, b, { failOn: ["nope.p50 > +1%"] })).toThrow(/no figure "nope.p50" in both runs; figures compared: ttft.p50/);
    // A scenario prefix names the scenario.
    expect(diffRuns(a, b, { failOn: ["conversation.ttft.p50 > +10%"] }).failed).toBe(true);
  });

  it("a figure without a test is not judged by a bound", () => {
    const a = fakeRun({ sessions: growing(4, 8) });
    const b = fakeRun({ sessions: growing(4, 8, 2) });
    const d = diffRuns(a, b, { failOn: ["prompt_tokens.max > +0%", "ttft_slope_ms_per_1k > +1%"] });
    expect(figure(d, "prompt_tokens.max").word).toBe("not tested");
    expect(d.failOn.map((o) => o.status)).toEqual(["not_tested", "not_tested"]);
    expect(d.failOn[1]!.reason).toContain("cannot be tested (a single value per run: no spread to test): the bound is not judged");
    expect(d.failed).toBe(false);
  });

  it("runs whose requests differ are compared unpaired, and say so", () => {
    const a = fakeRun({ sessions: growing(4, 8) });
    const b = fakeRun({ sessions: growing(4, 8, 1.3), drop: ["conversation/i1/t8"] });
    const d = diffRuns(a, b);
    const s = d.scenarios[0]!;
    expect(s.paired).toBe(false);
    expect(s.pairing).toBe("unpaired: the runs' requests differ (1 only in A, 0 only in B)");
    expect(figure(d, "ttft.p50")).toMatchObject({ test: "mann-whitney", paired: false, n: { a: 32, b: 31 } });
  });

  it("success rates are compared as two proportions", () => {
    const ok = growing(4, 8);
    const failing = growing(4, 8).map((s, i) => s.map((t, k) => ({ ...t, ok: !(k % 2 === 1 && i < 3) })));
    const d = diffRuns(fakeRun({ sessions: ok }), fakeRun({ sessions: failing }));
    const sr = figure(d, "success_rate");
    expect(sr).toMatchObject({ test: "two proportions", a: 1, n: { a: 32, b: 32 }, significant: true, word: "worse" });
    expect(sr.b).toBeCloseTo(20 / 32, 12);
    expect(sr.ci!.upper).toBeLessThan(0);
  });

  it("degradation is compared from each run's interval", () => {
    const flat = growing(4, 9).map((s) => s.map((t, k) => ({ ttft: 100 + ((k * 7) % 5) })));
    const worse = growing(4, 9).map((s) => s.map((t, k) => ({ ttft: (100 + ((k * 7) % 5)) * (k >= 6 ? 1.5 : 1) })));
    const d = diffRuns(fakeRun({ sessions: flat }), fakeRun({ sessions: worse }));
    const deg = figure(d, "degradation.ttft");
    expect(deg.test).toBe("intervals");
    expect(deg.word).toBe("worse");
    expect(deg.b! - deg.a!).toBeGreaterThan(0.4);
  });

  it("not comparable: refused with the reason, compared when forced", () => {
    const a = fakeRun({ sessions: growing(3, 6) });
    const c = fakeRun({ sessions: growing(3, 5, 2) });
    const refused = diffRuns(a, c, { failOn: ["ttft.p50 > +10%"] });
    expect(refused).toMatchObject({ comparable: false, refused: true, forced: false, scenarios: [], failed: false });
    expect(refused.problems[0]).toContain("turns 6 in A, 5 in B");
    const forced = diffRuns(a, c, { force: true, failOn: ["ttft.p50 > +10%"] });
    expect(forced).toMatchObject({ comparable: false, refused: false, forced: true });
    expect(forced.scenarios[0]!.paired).toBe(false);
    expect(figure(forced, "ttft.p50").word).toBe("slower");
    expect(forced.failed).toBe(true);
    expect(renderDiff(forced, "text")).toContain("NOT COMPARABLE, compared because forced:");
  });

  it("is deterministic for a seed", () => {
    const a = fakeRun({ sessions: growing(4, 8, 1, 5) });
    const b = fakeRun({ sessions: growing(4, 8, 1.05, 5) });
    expect(diffRuns(a, b, { seed: 3 }).scenarios).toEqual(diffRuns(a, b, { seed: 3 }).scenarios);
    expect(() => diffRuns(a, b, { alpha: 0.7 })).toThrow(ConfigError);
  });
});

describe("rendering", () => {
  it("text: an aligned table per scenario, the bounds and a result line", () => {
    const a = fakeRun({ sessions: growing(4, 8, 1, 3) });
    const b = fakeRun({ sessions: growing(4, 8, 1.2, 3) });
    const txt = renderDiff(diffRuns(a, b, { failOn: ["ttft.p50 > +10%"] }), "text");
    expect(txt).toContain("conversation: paired by request id (32 requests in both runs)");
    const lines = txt.split("\n");
    const head = lines.find((l) => l.startsWith("figure"))!;
    const row = lines.find((l) => l.startsWith("ttft.p50 "))!;
    expect(row.indexOf("ms")).toBeGreaterThan(0);
    // Columns line up: the word column starts at the same place in the header and in the row.
    expect(row.indexOf("slower")).toBe(head.indexOf("word"));
    expect(txt).toContain("FAIL: ttft.p50 > +10% (conversation): relative change +");
    expect(txt).toMatch(/Result: .*slower.*FAILED/);
  });

  it("Markdown escapes what it did not write; JSON is the DiffResult", () => {
    const a = fakeRun({ sessions: growing(2, 6), model: "evil | *model* <b>" });
    const b = fakeRun({ sessions: growing(2, 6) });
    const d = diffRuns(a, b);
    const md = renderDiff(d, "md");
    expect(md).toContain("# shakedown diff: B against A");
    expect(md).toContain("| `ttft.p50` |");
    expect(md).not.toMatch(/[^\\]<b>/);
    expect(md).toContain("evil \\| \\*model\\* \\<b>");
    expect(JSON.parse(renderDiff(d, "json"))).toEqual(JSON.parse(JSON.stringify(d)));
  });
});
