/**
 * The grid comparison's pure parts on synthetic inputs: Holm's adjustment against known values
 * (R's p.adjust / statsmodels' multipletests), dominance, the Pareto front and the champion
 * (ties, non-transitive cases), and the rule that makes a pair "beyond noise": significance
 * after Holm, the same way in every repeat, beyond the noise floor; run-level figures with too
 * few repeats; one repeat.
 */
import { describe, expect, it } from "vitest";
import { holmAdjust, NO_DIFFERENCE } from "../../../src/metrics/compare.js";
import { cellFigure, figureSpecs, type FigureSpec, type VisitValues } from "../../../src/grid/compare-figures.js";
import { comparePair, decidePairs } from "../../../src/grid/compare-pairs.js";
import { pairSentence, plain, quoted, winnerView, type SentenceCtx } from "../../../src/grid/compare-sentences.js";
import type { GridFigure, GridPair } from "../../../src/grid/compare-types.js";
import { dominates, findChampion, paretoFront, type DominanceInput, type Outcome } from "../../../src/grid/pareto.js";
import { validateSuiteObject } from "../../../src/config/load.js";

describe("holmAdjust", () => {
  it("matches p.adjust(p, 'holm')", () => {
    // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
    const out = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 12));
    // R: p.adjust(c(0.5, 0.2), "holm") = 0.5 0.4
    const two = holmAdjust([0.5, 0.2]);
    expect(two[0]).toBeCloseTo(0.5, 12);
    expect(two[1]).toBeCloseTo(0.4, 12);
    // capped at 1, and monotone in the sorted order
    expect(holmAdjust([0.6, 0.7])).toEqual([1, 1]);
    // one test: unchanged
    expect(holmAdjust([0.037])).toEqual([0.037]);
  });

  it("leaves non-finite entries alone and does not count them", () => {
    const out = holmAdjust([Number.NaN, 0.01, 0.02]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBeCloseTo(0.02, 12);
    expect(out[2]).toBeCloseTo(0.02, 12);
    expect(holmAdjust([])).toEqual([]);
  });
});

// ───────────────────────────── dominance ─────────────────────────────

function input(cells: string[], table: Record<string, Record<string, Outcome>>): DominanceInput {
  // table[objective]["x>y"] = outcome of x against y; the reverse is implied.
  const flip: Record<Outcome, Outcome> = { better: "worse", worse: "better", tie: "tie" };
  return {
    cells,
    objectives: Object.keys(table),
    outcome(o, x, y) {
      const t = table[o]!;
      if (t[`${x}>${y}`]) return t[`${x}>${y}`];
      if (t[`${y}>${x}`]) return flip[t[`${y}>${x}`]!];
      return undefined;
    },
  };
}

describe("Pareto front and champion", () => {
  it("dominates: better on one objective, worse on none; a tie or an unknown is neither", () => {
    const d = input(["A", "B", "C"], {
      latency: { "A>B": "better", "A>C": "better", "B>C": "tie" },
      throughput: { "A>B": "tie", "A>C": "worse" },
    });
    expect(dominates(d, "A", "B")).toBe(true);
    expect(dominates(d, "B", "A")).toBe(false);
    expect(dominates(d, "A", "C")).toBe(false); // better on latency, worse on throughput
    expect(dominates(d, "C", "A")).toBe(false);
    expect(dominates(d, "B", "C")).toBe(false); // tie, and unknown on throughput
    expect(dominates(d, "A", "A")).toBe(false);
    const f = paretoFront(d);
    expect(f.front).toEqual(["A", "C"]);
    expect(f.dominatedBy).toEqual({ A: [], B: ["A"], C: [] });
    expect(findChampion(d)).toEqual({ why: "no_dominant", front: ["A", "C"], notDominated: { A: ["C"], C: ["A", "B"] } });
  });

  it("a champion dominates every other cell", () => {
    const d = input(["A", "B", "C"], {
      latency: { "A>B": "better", "A>C": "tie", "B>C": "tie" },
      quality: { "A>B": "tie", "A>C": "better", "B>C": "tie" },
    });
    expect(findChampion(d)).toEqual({ cell: "A" });
    expect(paretoFront(d).front).toEqual(["A"]);
  });

  it("ties everywhere: every cell on the front, no champion", () => {
    const d = input(["A", "B"], { latency: { "A>B": "tie" }, throughput: { "A>B": "tie" } });
    expect(paretoFront(d).front).toEqual(["A", "B"]);
    expect(findChampion(d)).toMatchObject({ why: "no_dominant", front: ["A", "B"] });
  });

  it("not transitive: A beats B, B beats C, A ties C — the front is A alone, yet A is no champion", () => {
    const d = input(["A", "B", "C"], { latency: { "A>B": "better", "B>C": "better", "A>C": "tie" } });
    expect(paretoFront(d).front).toEqual(["A"]);
    expect(findChampion(d)).toMatchObject({ why: "no_dominant", front: ["A"], notDominated: { A: ["C"] } });
  });

  it("one cell or none: no champion, said why", () => {
    expect(findChampion(input(["A"], { latency: {} }))).toEqual({ why: "single_cell" });
    expect(findChampion(input([], { latency: {} }))).toEqual({ why: "no_cells" });
  });
});

// ───────────────────────────── pairs ─────────────────────────────

const suite = validateSuiteObject(
  {
    name: "s",
    target: { url: "http://127.0.0.1:8000/v1" },
    scenarios: [
      { kind: "conversation", turns: 4, iterations: 2 },
      { kind: "load", mode: "closed", concurrency: 2, requests: 10 },
    ],
  },
  "test suite",
);
const specs = suite.scenarios.flatMap(figureSpecs);
const spec = (key: string): FigureSpec => specs.find((f) => f.key === key)!;
const TTFT = spec("conversation/ttft.p90");
const THROUGHPUT = spec("load/throughput");

/** Per-request values of one visit: `n` requests, value i = f(i). */
function requests(n: number, f: (i: number) => number): VisitValues {
  const values = new Map<string, number>();
  for (let i = 0; i < n; i++) values.set(`conversation/i${i}`, f(i));
  return { source: "requests", values, ids: [...values.keys()] };
}

/** A deterministic jitter in [−1, 1]. */
const jitter = (i: number, k = 1) => Math.sin(i * 12.9898 * k) ;

function cell(id: string, f: FigureSpec, visits: Record<number, VisitValues>) {
  const byRepeat = new Map(Object.entries(visits).map(([r, v]) => [Number(r), v] as const));
  return { id, byRepeat, figure: cellFigure(f, byRepeat, { alpha: 0.05, seed: 1, iterations: 400, cell: id }) };
}

function decide(f: FigureSpec, a: ReturnType<typeof cell>, b: ReturnType<typeof cell>): GridPair {
  const raw = comparePair({ spec: f, a, b, alpha: 0.05, seed: 1, iterations: 400 });
  return decidePairs([raw], [f], 0.05)[0]!;
}

const ctx = (repeats: number): SentenceCtx => ({
  cell: (id) => quoted(id),
  figure: (key) => specs.find((f) => f.key === key) as GridFigure | undefined,
  multiScenario: false,
  repeats,
  confidence: 0.95,
});

describe("a pair beyond noise", () => {
  it("B consistently 20 % slower in both repeats: beyond noise, A better, the sentence says so", () => {
    const base = (r: number) => (i: number) => 100 + 10 * r + 5 * jitter(i, r);
    const a = cell("A", TTFT, { 1: requests(30, base(1)), 2: requests(30, base(2)) });
    const b = cell("B", TTFT, { 1: requests(30, (i) => base(1)(i) * 1.2), 2: requests(30, (i) => base(2)(i) * 1.2) });
    const p = decide(TTFT, a, b);
    expect(p).toMatchObject({ paired: true, test: "wilcoxon", significant: true, sameWayEveryRepeat: true, beyondNoise: true, word: "slower", better: "A" });
    expect(p.reason).toBeUndefined();
    expect(p.relative).toBeCloseTo(0.2, 6);
    expect(p.noiseFloor).toBeGreaterThan(0);
    expect(p.noiseFloor).toBeLessThan(0.15);
    const v = winnerView(p, TTFT)!;
    // A against B: A / B − 1 = 1 / 1.2 − 1 = −16.7 %: "16.7 % faster"
    expect(v.winner).toBe("A");
    expect(v.magnitude).toBeCloseTo(1 - 1 / 1.2, 6);
    expect(plain(pairSentence(p, ctx(2)))).toMatch(/^"A" is 16\.7 % faster than "B" on p90 TTFT \(95 % CI \d+\.\d to \d+\.\d %, p < 0\.001, every repeat\)\.$/);
  });

  it("significant but the other way in one repeat: no difference beyond noise", () => {
    const a = cell("A", TTFT, { 1: requests(40, (i) => 100 + 5 * jitter(i)), 2: requests(40, (i) => 100 + 5 * jitter(i, 2)) });
    // repeat 1: B 50 % slower; repeat 2: B 2 % faster. Pooled: B slower, significantly.
    const b = cell("B", TTFT, { 1: requests(40, (i) => (100 + 5 * jitter(i)) * 1.5), 2: requests(40, (i) => (100 + 5 * jitter(i, 2)) * 0.98) });
    const p = decide(TTFT, a, b);
    expect(p.significant).toBe(true);
    expect(p.sameWayEveryRepeat).toBe(false);
    expect(p.beyondNoise).toBe(false);
    expect(p.word).toBe(NO_DIFFERENCE);
    expect(p.reason).toEqual({ code: "inconsistent_repeats", repeats: 2, against: 1 });
    expect(p.sentence).toBe("");
    expect(plain(pairSentence(p, ctx(2)))).toBe('"A" and "B": no difference beyond noise on p90 TTFT (significant but not the same way in every repeat (1 of 2 the other way)).');
  });

  it("smaller than the spread between two repeats of one cell: within noise", () => {
    // A's repeats differ by 30 % (the machine drifted); B is A + 5 % in every request.
    const a = cell("A", TTFT, { 1: requests(40, (i) => 100 + 3 * jitter(i)), 2: requests(40, (i) => 130 + 3 * jitter(i, 2)) });
    const b = cell("B", TTFT, { 1: requests(40, (i) => (100 + 3 * jitter(i)) * 1.05), 2: requests(40, (i) => (130 + 3 * jitter(i, 2)) * 1.05) });
    const p = decide(TTFT, a, b);
    expect(p.significant).toBe(true);
    expect(p.sameWayEveryRepeat).toBe(true);
    expect(p.beyondNoise).toBe(false);
    expect(p.reason?.code).toBe("within_noise");
    expect(p.noiseFloor).toBeGreaterThan(0.25);
    expect(plain(pairSentence(p, ctx(2)))).toMatch(/no difference beyond noise on p90 TTFT \(smaller than the difference between two repeats of one cell \(±\d+\.\d %\)\)\.$/);
  });

  it("one repeat: no noise floor, and the sentence says the drift is not measured", () => {
    const a = cell("A", TTFT, { 1: requests(30, (i) => 100 + 5 * jitter(i)) });
    const b = cell("B", TTFT, { 1: requests(30, (i) => (100 + 5 * jitter(i)) * 1.3) });
    const p = decide(TTFT, a, b);
    expect(p.noiseFloor).toBeUndefined();
    expect(p.beyondNoise).toBe(true);
    expect(plain(pairSentence(p, ctx(1)))).toMatch(/; one repeat: drift of the machine between cells not measured\)\.$/);
  });

  it("requests that differ between cells are compared unpaired (Mann-Whitney), said so", () => {
    const a = cell("A", TTFT, { 1: requests(20, (i) => 100 + i) });
    const other = requests(20, (i) => 140 + i);
    const shifted: VisitValues = { source: "requests", values: new Map([...(other as { values: Map<string, number> }).values].map(([k, v]) => [`x-${k}`, v])), ids: [] };
    (shifted as { ids: string[] }).ids = [...(shifted as { values: Map<string, number> }).values.keys()];
    const b = cell("B", TTFT, { 1: shifted });
    const p = decide(TTFT, a, b);
    expect(p.paired).toBe(false);
    expect(p.test).toBe("mann-whitney");
    expect(p.pairing).toMatch(/^unpaired: the cells' requests differ \(repeat 1: 20 only in A, 20 only in B\)$/);
  });

  it("a cell with fewer repeats: the pair uses the repeats both have, and says so", () => {
    const a = cell("A", TTFT, { 1: requests(30, (i) => 100 + jitter(i)), 2: requests(30, (i) => 101 + jitter(i, 2)) });
    const b = cell("B", TTFT, { 1: requests(30, (i) => 150 + jitter(i)) });
    const p = decide(TTFT, a, b);
    expect(p.repeats).toEqual([1]);
    expect(p.notes).toContain("compared on the repeat both cells have (1); repeat 2 measured in one cell only");
    expect(plain(pairSentence(p, ctx(2)))).toMatch(/; one repeat both cells have: drift of the machine between cells not measured\)\.$/);
  });
});

describe("run-level figures (one value per visit)", () => {
  const run = (v: number): VisitValues => ({ source: "run", value: v });

  it("fewer than 3 visits per cell: too few repeats to test", () => {
    const a = cell("A", THROUGHPUT, { 1: run(10), 2: run(10.2) });
    const b = cell("B", THROUGHPUT, { 1: run(20), 2: run(20.5) });
    const p = decide(THROUGHPUT, a, b);
    expect(p).toMatchObject({ test: "none", beyondNoise: false, word: "not tested", reason: { code: "too_few_repeats", values: 2 } });
    expect(p.valueA).toBeCloseTo(10.1, 9);
    expect(plain(pairSentence(p, ctx(2)))).toBe('"A" and "B": too few repeats to test throughput (2 values per cell, at least 3 needed).');
    expect(a.figure.ci).toBeUndefined();
  });

  it("3 visits per cell: Mann-Whitney cannot reach 0.05 (smallest p = 0.1), said so", () => {
    const a = cell("A", THROUGHPUT, { 1: run(10), 2: run(10.2), 3: run(10.1) });
    const b = cell("B", THROUGHPUT, { 1: run(20), 2: run(20.5), 3: run(20.2) });
    const p = decide(THROUGHPUT, a, b);
    expect(p.test).toBe("mann-whitney");
    expect(p.pValue).toBeCloseTo(0.1, 9);
    expect(p.word).toBe(NO_DIFFERENCE);
    expect(p.reason).toEqual({ code: "too_few_repeats", values: 3, minP: 0.1 });
    expect(plain(pairSentence(p, ctx(3)))).toContain("too few repeats to test: with 3 values per cell the smallest possible p is 0.100");
  });

  it("4 visits per cell, clearly apart: beyond noise", () => {
    const a = cell("A", THROUGHPUT, { 1: run(10), 2: run(10.2), 3: run(10.1), 4: run(10.3) });
    const b = cell("B", THROUGHPUT, { 1: run(20), 2: run(20.5), 3: run(20.2), 4: run(20.4) });
    const p = decide(THROUGHPUT, a, b);
    expect(p.beyondNoise).toBe(true);
    expect(p.better).toBe("B");
    expect(plain(pairSentence(p, ctx(4)))).toMatch(/^"B" is better than "A" on throughput: \d+\.\d % higher \(95 % CI .*, p = 0\.029, every repeat\)\.$/);
  });
});

describe("Holm across the pairs of a figure", () => {
  it("adjusts the p-values of every pair of one figure together", () => {
    const mk = (id: string, k: number) => cell(id, TTFT, { 1: requests(8, (i) => 100 * k + i + jitter(i)) });
    const a = mk("A", 1);
    const b = mk("B", 1.02);
    const c = mk("C", 1.04);
    const raw = [
      comparePair({ spec: TTFT, a, b, alpha: 0.05, seed: 1, iterations: 200 }),
      comparePair({ spec: TTFT, a, b: c, alpha: 0.05, seed: 1, iterations: 200 }),
      comparePair({ spec: TTFT, a: b, b: c, alpha: 0.05, seed: 1, iterations: 200 }),
    ];
    const ps = raw.map((p) => p.pValue!);
    const pairs = decidePairs(raw, [TTFT], 0.05);
    expect(pairs.map((p) => p.pAdjusted)).toEqual(holmAdjust(ps));
    // 8 pairs all the same way: exact Wilcoxon p = 2/256 each; × 3 after Holm = 0.0234 < 0.05
    expect(pairs.every((p) => p.pAdjusted! > p.pValue!)).toBe(true);
  });
});
