/**
 * Two cells of a grid on one figure, with the statistics `shakedown diff` uses
 * (src/metrics/compare.ts), and the grid's stricter rule for calling it a difference
 * (docs/grid.md): a change is reported only when
 *   (a) its test is significant at alpha after Holm's adjustment over the pairs of that figure,
 *       and its interval excludes 0 the same way;
 *   (b) it goes the same way in every repeat both cells have (each repeat's own statistic);
 *   (c) with two repeats or more, its interval lies beyond the noise floor: the largest
 *       difference between two repeats of either cell (the same configuration twice).
 * Otherwise it is "no difference beyond noise", with the first condition that failed.
 */
import {
  compareEstimates,
  compareProportions,
  compareSamples,
  deriveSeed,
  holmAdjust,
  intervalSign,
  changeWord,
  NO_DIFFERENCE,
  type Interval,
} from "../metrics/compare.js";
import { combineEstimates, statisticOf, type FigureSpec, type VisitValues } from "./compare-figures.js";
import type { CellFigure, GridPair } from "./compare-types.js";

export interface PairInput {
  spec: FigureSpec;
  a: { id: string; byRepeat: ReadonlyMap<number, VisitValues>; figure: CellFigure };
  b: { id: string; byRepeat: ReadonlyMap<number, VisitValues>; figure: CellFigure };
  alpha: number;
  seed: number;
  iterations: number;
}

/** A pair before Holm's adjustment: the test's sign kept for the decision. */
export interface RawPair extends GridPair {
  /** +1 B higher, −1 lower, 0 neither (the test's own direction). */
  testSign: number;
  /** Values per cell of a run-level figure, for "too few repeats". */
  runValues?: number;
  minP?: number;
}

function sameIds(a: readonly string[], b: readonly string[]): { same: boolean; onlyA: number; onlyB: number } {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== a.length || sb.size !== b.length) return { same: false, onlyA: 0, onlyB: 0 };
  const onlyA = a.filter((x) => !sb.has(x)).length;
  const onlyB = b.filter((x) => !sa.has(x)).length;
  return { same: onlyA === 0 && onlyB === 0 && a.length > 0, onlyA, onlyB };
}

/** C(n, k) as a double. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return c;
}

function base(input: PairInput, repeats: number[]): RawPair {
  return {
    figure: input.spec.key,
    a: input.a.id,
    b: input.b.id,
    repeats,
    test: "none",
    paired: false,
    pairing: "",
    n: { a: 0, b: 0 },
    perRepeat: [],
    significant: false,
    beyondNoise: false,
    word: "not tested",
    notes: [],
    sentence: "",
    testSign: 0,
  };
}

function setChange(p: RawPair, a: number | undefined, b: number | undefined): void {
  if (a !== undefined) p.valueA = a;
  if (b !== undefined) p.valueB = b;
  if (a !== undefined && b !== undefined) {
    p.change = b - a;
    if (a !== 0) p.relative = b / a - 1;
  }
}

/** Compares cell B with cell A on one figure, over the repeats both have (no Holm yet). */
export function comparePair(input: PairInput): RawPair {
  const { spec, a, b } = input;
  const repeats = [...a.byRepeat.keys()].filter((r) => b.byRepeat.has(r)).sort((x, y) => x - y);
  const p = base(input, repeats);
  const floorA = a.figure.repeatSpread;
  const floorB = b.figure.repeatSpread;
  if (floorA !== undefined || floorB !== undefined) p.noiseFloor = Math.max(floorA ?? 0, floorB ?? 0);
  if (repeats.length === 0) {
    p.reason = { code: "not_tested", why: "no repeat in which both cells measured it" };
    return p;
  }
  const onlyOne = [...a.byRepeat.keys(), ...b.byRepeat.keys()].filter((r) => !repeats.includes(r));
  if (onlyOne.length > 0) {
    p.notes.push(`compared on the repeat${repeats.length === 1 ? "" : "s"} both cells have (${repeats.join(", ")}); repeat${new Set(onlyOne).size === 1 ? "" : "s"} ${[...new Set(onlyOne)].sort((x, y) => x - y).join(", ")} measured in one cell only`);
  }
  const seed = deriveSeed(input.seed, `pair/${spec.key}/${a.id}/${b.id}`);
  const va = repeats.map((r) => a.byRepeat.get(r)!);
  const vb = repeats.map((r) => b.byRepeat.get(r)!);

  switch (spec.source) {
    case "requests":
    case "per-task": {
      const statistic = spec.statistic ?? "mean";
      // Paired when, in every repeat, both cells measured the same requests (ids), each once.
      let paired = true;
      const mismatch: string[] = [];
      repeats.forEach((r, i) => {
        const x = va[i]!;
        const y = vb[i]!;
        if (x.source !== y.source || (x.source !== "requests" && x.source !== "per-task") || (y.source !== "requests" && y.source !== "per-task")) return;
        const s = sameIds(x.ids, y.ids);
        if (!s.same) {
          paired = false;
          mismatch.push(`repeat ${r}: ${s.onlyA} only in A, ${s.onlyB} only in B`);
        }
      });
      const xs: number[] = [];
      const ys: number[] = [];
      let pairs = 0;
      repeats.forEach((r, i) => {
        const x = va[i]!;
        const y = vb[i]!;
        if ((x.source !== "requests" && x.source !== "per-task") || (y.source !== "requests" && y.source !== "per-task")) return;
        let ra: number[];
        let rb: number[];
        if (paired) {
          ra = [];
          rb = [];
          for (const [id, v] of x.values) {
            const w = y.values.get(id);
            if (w !== undefined) {
              ra.push(v);
              rb.push(w);
            }
          }
          pairs += ra.length;
        } else {
          ra = [...x.values.values()];
          rb = [...y.values.values()];
        }
        xs.push(...ra);
        ys.push(...rb);
        const sa = statisticOf(ra, statistic);
        const sb = statisticOf(rb, statistic);
        p.perRepeat.push({ repeat: r, ...(sa !== undefined ? { a: sa } : {}), ...(sb !== undefined ? { b: sb } : {}), ...(sa !== undefined && sb !== undefined ? { change: sb - sa } : {}) });
      });
      const unit = spec.source === "per-task" ? "task run" : "request";
      p.paired = paired;
      p.pairing = paired
        ? `paired by ${unit} (${pairs} pair${pairs === 1 ? "" : "s"} over ${repeats.length} repeat${repeats.length === 1 ? "" : "s"})`
        : `unpaired: the cells' ${unit}s differ (${mismatch.join("; ")})`;
      p.n = paired ? { a: xs.length, b: ys.length, pairs } : { a: xs.length, b: ys.length };
      const cmp = compareSamples(xs, ys, {
        paired,
        alpha: input.alpha,
        seed,
        iterations: input.iterations,
        statistics: [statistic],
        direction: spec.direction,
        timing: spec.timing,
      });
      if (!cmp) {
        setChange(p, statisticOf(xs, statistic), statisticOf(ys, statistic));
        p.reason = { code: "not_tested", why: `fewer than 2 ${paired ? "pairs" : "values in a cell"}` };
        return p;
      }
      const s = cmp.statistics[0]!;
      p.test = cmp.test.test;
      p.testSign = cmp.test.sign;
      setChange(p, s.a, s.b);
      if (s.ci) p.ci = s.ci;
      if (s.relativeCi) p.relativeCi = s.relativeCi;
      p.pValue = s.pValue;
      if (cmp.test.exact) p.notes.push("exact distribution of the test");
      else if (cmp.test.approximate) p.notes.push("normal approximation on few values");
      return p;
    }
    case "proportion": {
      let xA = 0;
      let nA = 0;
      let xB = 0;
      let nB = 0;
      repeats.forEach((r, i) => {
        const x = va[i]!;
        const y = vb[i]!;
        if (x.source !== "proportion" || y.source !== "proportion") return;
        xA += x.x;
        nA += x.n;
        xB += y.x;
        nB += y.n;
        p.perRepeat.push({ repeat: r, a: x.x / x.n, b: y.x / y.n, change: y.x / y.n - x.x / x.n });
      });
      p.pairing = `two proportions (${xA}/${nA} against ${xB}/${nB})`;
      p.n = { a: nA, b: nB };
      if (nA === 0 || nB === 0) {
        p.reason = { code: "not_tested", why: "no case run counted" };
        return p;
      }
      const c = compareProportions(xA, nA, xB, nB, { alpha: input.alpha, direction: spec.direction });
      p.test = "two proportions";
      p.testSign = Math.sign(c.z);
      setChange(p, c.a, c.b);
      p.ci = c.ci;
      if (c.relativeCi) p.relativeCi = c.relativeCi;
      p.pValue = c.pValue;
      return p;
    }
    case "estimate": {
      const ea = va.flatMap((v) => (v.source === "estimate" ? [v.estimate] : []));
      const eb = vb.flatMap((v) => (v.source === "estimate" ? [v.estimate] : []));
      repeats.forEach((r, i) => {
        const x = va[i]!;
        const y = vb[i]!;
        if (x.source !== "estimate" || y.source !== "estimate") return;
        p.perRepeat.push({ repeat: r, a: x.estimate.estimate, b: y.estimate.estimate, change: y.estimate.estimate - x.estimate.estimate });
      });
      p.pairing = "each visit's estimate and interval, averaged per cell";
      p.n = { a: ea.length, b: eb.length };
      const confidence = 1 - input.alpha;
      const ca = combineEstimates(ea, confidence);
      const cb = combineEstimates(eb, confidence);
      const c = ca && cb ? compareEstimates(ca, cb, { alpha: input.alpha, direction: spec.direction, timing: spec.timing }) : undefined;
      if (!c) {
        p.reason = { code: "not_tested", why: "no interval to compare" };
        return p;
      }
      p.test = "intervals";
      p.testSign = Math.sign(c.change);
      setChange(p, c.a, c.b);
      p.ci = c.ci;
      p.pValue = c.pValue;
      p.notes.push("normal approximation from the visits' bootstrap intervals");
      return p;
    }
    case "run": {
      const xs: number[] = [];
      const ys: number[] = [];
      repeats.forEach((r, i) => {
        const x = va[i]!;
        const y = vb[i]!;
        if (x.source !== "run" || y.source !== "run") return;
        xs.push(x.value);
        ys.push(y.value);
        p.perRepeat.push({ repeat: r, a: x.value, b: y.value, change: y.value - x.value });
      });
      const mean = (v: number[]) => (v.length ? v.reduce((s, z) => s + z, 0) / v.length : undefined);
      setChange(p, mean(xs), mean(ys));
      p.pairing = "one value per visit: the visits of each cell, unpaired";
      p.n = { a: xs.length, b: ys.length };
      p.runValues = Math.min(xs.length, ys.length);
      if (xs.length < 3 || ys.length < 3) {
        p.reason = { code: "too_few_repeats", values: Math.min(xs.length, ys.length) };
        return p;
      }
      const cmp = compareSamples(xs, ys, { paired: false, alpha: input.alpha, seed, iterations: input.iterations, statistics: ["mean"], direction: spec.direction, timing: spec.timing });
      if (!cmp) {
        p.reason = { code: "too_few_repeats", values: Math.min(xs.length, ys.length) };
        return p;
      }
      const s = cmp.statistics[0]!;
      p.test = "mann-whitney";
      p.testSign = cmp.test.sign;
      if (s.ci) p.ci = s.ci;
      if (s.relativeCi) p.relativeCi = s.relativeCi;
      p.pValue = s.pValue;
      // The smallest two-sided p the exact Mann-Whitney test can give with these sample sizes.
      p.minP = Math.min(1, 2 / choose(xs.length + ys.length, Math.min(xs.length, ys.length)));
      return p;
    }
  }
}

function beyondFloor(p: GridPair, points: boolean, floor: number): boolean {
  const ci: Interval | undefined = points ? p.ci : p.relativeCi;
  if (!ci) return false;
  return ci.lower > floor || ci.upper < -floor;
}

/**
 * Holm's adjustment over the pairs of each figure, then the decision: significant (a), the
 * same way in every repeat (b), beyond the noise floor (c). Fills pAdjusted, significant,
 * sameWayEveryRepeat, beyondNoise, word, better and reason.
 */
export function decidePairs(raw: RawPair[], specs: readonly FigureSpec[], alpha: number): GridPair[] {
  const byFigure = new Map<string, RawPair[]>();
  for (const p of raw) {
    const list = byFigure.get(p.figure);
    if (list) list.push(p);
    else byFigure.set(p.figure, [p]);
  }
  for (const [figure, list] of byFigure) {
    const spec = specs.find((s) => s.key === figure)!;
    const tested = list.filter((p) => p.pValue !== undefined);
    const adjusted = holmAdjust(tested.map((p) => p.pValue as number));
    tested.forEach((p, i) => (p.pAdjusted = adjusted[i]));
    for (const p of list) decide(p, spec, alpha, tested.length);
  }
  return raw.map(({ testSign: _s, runValues: _r, minP: _m, ...rest }) => rest);
}

function decide(p: RawPair, spec: FigureSpec, alpha: number, family: number): void {
  if (p.reason) {
    // Not tested: no values, or too few repeats for a figure of one value per visit.
    p.word = "not tested";
    return;
  }
  const side = intervalSign(p.ci);
  p.significant = p.pAdjusted !== undefined && p.pAdjusted < alpha && side !== 0 && side === p.testSign;
  if (p.perRepeat.some((r) => r.change !== undefined)) {
    p.sameWayEveryRepeat = p.perRepeat.every((r) => r.change !== undefined && Math.sign(r.change) === (side || Math.sign(p.change ?? 0)));
  }
  p.word = NO_DIFFERENCE;
  if (!p.significant) {
    // Holm compares the smallest p of the family with alpha / m: with p ≥ alpha / m out of reach, no pair can be significant.
    const reachable = p.minP !== undefined ? Math.min(1, p.minP * Math.max(1, family)) : undefined;
    p.reason =
      reachable !== undefined && reachable >= alpha
        ? { code: "too_few_repeats", values: p.runValues ?? 0, minP: reachable, ...(family > 1 ? { pairs: family } : {}) }
        : { code: "not_significant", ...(p.pAdjusted !== undefined ? { pAdjusted: p.pAdjusted } : {}), alpha, intervalHoldsZero: side === 0 };
    return;
  }
  if (p.sameWayEveryRepeat === false) {
    const against = p.perRepeat.filter((r) => r.change === undefined || Math.sign(r.change) !== side).length;
    p.reason = { code: "inconsistent_repeats", repeats: p.perRepeat.length, against };
    return;
  }
  if (p.noiseFloor !== undefined && !beyondFloor(p, spec.points, p.noiseFloor)) {
    p.reason = { code: "within_noise", floor: p.noiseFloor, points: spec.points };
    return;
  }
  p.beyondNoise = true;
  p.word = changeWord(spec.direction, side, true, spec.timing);
  if (spec.direction !== "neutral") p.better = (spec.direction === "lower" ? side < 0 : side > 0) ? p.b : p.a;
}
