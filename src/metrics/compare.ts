/**
 * Two-sample comparison: is B different from A beyond noise, by how much, and in which
 * direction? The statistics behind `shakedown diff` (docs/diff.md) and the grid's pairwise
 * comparisons. Pure functions, deterministic for a given input and seed.
 *
 * - Rank tests: Mann-Whitney U for two independent samples, Wilcoxon signed-rank for paired
 *   ones (the same request in both runs). Both use the normal approximation with the tie
 *   correction of the variance and a continuity correction when the smaller sample (Mann-
 *   Whitney) or the number of non-zero differences (Wilcoxon) is at least 8 (SMALL_SAMPLE);
 *   below that they use the exact distribution when there are no ties (and, for Wilcoxon, no
 *   zero differences), and otherwise still the normal approximation, flagged `exact: false`
 *   with `approximate: true`.
 * - Bootstrap (percentile method, seeded mulberry32 as in bootstrap.ts) of the change of a
 *   statistic (median, mean, any percentile) B − A and of its relative change B / A − 1:
 *   independent resamples of A and B, or, paired, resamples of the pairs (both values of a
 *   pair drawn together, so what the pairs share cancels out). A resample is kept as counts
 *   per value and read in value order, O(n) instead of a sort: 2 000 resamples of 10 000
 *   requests take under a second.
 * - Proportions (a success rate): Newcombe's hybrid score interval (his method 10, from two
 *   Wilson intervals) of the difference, the Katz log interval of the ratio, and the pooled
 *   two-proportion z test.
 * - Two estimates that only come with their own intervals: a normal approximation from the
 *   intervals' widths.
 *
 * A change counts ("faster", "slower", "better", "worse", "higher", "lower") only when the test
 * is significant at alpha AND the (1 − alpha) interval of the change excludes 0, both in the
 * same direction; otherwise it is "no difference beyond noise".
 *
 * The normal distribution comes from simple-statistics through trend-tests.ts
 * (normalTwoSidedP, normalQuantile): no hand-rolled CDF.
 */
import { DEFAULT_BOOTSTRAP_SEED, mulberry32 } from "./bootstrap.js";
import { percentile } from "./summary.js";
import { normalQuantile, normalTwoSidedP } from "./trend-tests.js";

/** Samples at least this large get the normal approximation; smaller ones the exact distribution (no ties). */
export const SMALL_SAMPLE = 8;

/** Default significance level. */
export const DEFAULT_ALPHA = 0.05;

/** Default bootstrap resamples. */
export const DEFAULT_ITERATIONS = 2000;

/** Which way is better for a figure: latencies are better lower, rates and scores higher. */
export type Direction = "lower" | "higher" | "neutral";

export const NO_DIFFERENCE = "no difference beyond noise";

export type ChangeWord = "faster" | "slower" | "better" | "worse" | "higher" | "lower" | typeof NO_DIFFERENCE | "not tested";

export interface Interval {
  lower: number;
  upper: number;
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

function finite(xs: readonly number[]): number[] {
  return xs.filter((x) => Number.isFinite(x));
}

// ───────────────────────────────── ranks ─────────────────────────────────

/** Mid-ranks (1-based; ties share the mean of their ranks) and Σ(t³ − t) over groups of ties. */
export function midRanks(values: readonly number[]): { ranks: number[]; tieTerm: number; ties: boolean } {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
  const ranks = new Array<number>(n).fill(0);
  let tieTerm = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && values[order[j] as number] === values[order[i] as number]) j++;
    const t = j - i;
    const rank = (i + 1 + j) / 2; // mean of ranks i+1 … j
    for (let k = i; k < j; k++) ranks[order[k] as number] = rank;
    if (t > 1) tieTerm += t * t * t - t;
    i = j;
  }
  return { ranks, tieTerm, ties: tieTerm > 0 };
}

/** z with a continuity correction of ½ towards 0 (never past it), sign kept. */
function correctedZ(deviation: number, sd: number): number {
  if (!(sd > 0)) return 0;
  return (Math.sign(deviation) * Math.max(0, Math.abs(deviation) - 0.5)) / sd;
}

// ───────────────────────────── Mann-Whitney U ─────────────────────────────

export interface MannWhitney {
  test: "mann-whitney";
  nA: number;
  nB: number;
  /** U of B: the pairs (a, b) with b > a, plus half those with b = a. */
  u: number;
  /** U / (nA·nB): P(B > A) + ½ P(B = A), 0.5 when neither tends to be larger. */
  probabilityBGreater: number;
  /** Normal approximation's z (continuity- and tie-corrected); 0 when every value is equal. Absent when exact. */
  z?: number;
  /** Two-sided p-value. */
  pValue: number;
  exact: boolean;
  /** Normal approximation on a sample smaller than SMALL_SAMPLE (ties prevented the exact one). */
  approximate: boolean;
  ties: boolean;
  /** Which way B lies: +1 larger, −1 smaller, 0 neither. */
  sign: number;
}

/** Counts of the k-subsets of {1..N} by their sum (index: sum); doubles, which hold C(N, k) closely enough for a p-value. */
function subsetSumCounts(N: number, k: number): number[] {
  const maxSum = (k * (2 * N - k + 1)) / 2;
  // dp[j][s]: j-subsets of the ranks seen so far with sum s
  const dp: Float64Array[] = Array.from({ length: k + 1 }, () => new Float64Array(maxSum + 1));
  (dp[0] as Float64Array)[0] = 1;
  for (let r = 1; r <= N; r++) {
    for (let j = Math.min(k, r); j >= 1; j--) {
      const to = dp[j] as Float64Array;
      const from = dp[j - 1] as Float64Array;
      const top = Math.min(maxSum, (j * (2 * r - j + 1)) / 2);
      for (let s = top; s >= r; s--) to[s] = (to[s] as number) + (from[s - r] as number);
    }
  }
  return Array.from(dp[k] as Float64Array);
}

/** Exact two-sided p of the U of a sample of size m against one of size n (m + n distinct values): 2·min(P(U ≤ u), P(U ≥ u)). */
function exactMannWhitneyP(u: number, m: number, n: number): number {
  const counts = subsetSumCounts(m + n, m);
  const offset = (m * (m + 1)) / 2; // U = rank sum − m(m+1)/2
  let total = 0;
  let le = 0;
  let ge = 0;
  counts.forEach((c, s) => {
    if (c === 0) return;
    const us = s - offset;
    total += c;
    if (us <= u + 1e-9) le += c;
    if (us >= u - 1e-9) ge += c;
  });
  return Math.min(1, (2 * Math.min(le, ge)) / total);
}

/**
 * Mann-Whitney U test of B against A (two-sided), non-finite values dropped; undefined when
 * either sample is empty. With the smaller sample ≥ SMALL_SAMPLE, or with ties: normal
 * approximation, mean nA·nB/2, variance nA·nB/12·((N + 1) − Σ(t³ − t)/(N(N − 1))), z with a
 * continuity correction of ½ (scipy.stats.mannwhitneyu(b, a, method="asymptotic")). Smaller
 * samples without ties: the exact distribution of U (scipy's method="exact").
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitney | undefined {
  const xa = finite(a);
  const xb = finite(b);
  const nA = xa.length;
  const nB = xb.length;
  if (nA === 0 || nB === 0) return undefined;
  const N = nA + nB;
  const { ranks, tieTerm, ties } = midRanks([...xa, ...xb]);
  let rB = 0;
  for (let i = nA; i < N; i++) rB += ranks[i] as number;
  const u = rB - (nB * (nB + 1)) / 2;
  const mu = (nA * nB) / 2;
  const sign = Math.sign(u - mu);
  const base = { test: "mann-whitney" as const, nA, nB, u, probabilityBGreater: u / (nA * nB), ties, sign };
  if (Math.min(nA, nB) < SMALL_SAMPLE && !ties && N <= 1000) {
    // The distribution of U is symmetric, so the smaller sample's U gives the same p (and a cheaper count).
    const pValue = nB <= nA ? exactMannWhitneyP(u, nB, nA) : exactMannWhitneyP(nA * nB - u, nA, nB);
    return { ...base, pValue, exact: true, approximate: false };
  }
  const variance = ((nA * nB) / 12) * (N + 1 - (N > 1 ? tieTerm / (N * (N - 1)) : 0));
  const sd = Math.sqrt(Math.max(0, variance));
  const z = correctedZ(u - mu, sd);
  const pValue = sd > 0 ? normalTwoSidedP(z) : 1;
  return { ...base, z, pValue, exact: false, approximate: Math.min(nA, nB) < SMALL_SAMPLE };
}

// ─────────────────────────── Wilcoxon signed-rank ───────────────────────────

export interface Wilcoxon {
  test: "wilcoxon";
  /** Pairs with both values finite. */
  pairs: number;
  /** Pairs with a zero difference: dropped before ranking (Wilcoxon's own convention). */
  zeros: number;
  /** Non-zero differences ranked. */
  n: number;
  /** Sum of the ranks of |d| over positive differences d = b − a. */
  wPlus: number;
  wMinus: number;
  z?: number;
  pValue: number;
  exact: boolean;
  approximate: boolean;
  ties: boolean;
  /** +1 when B tends to be larger than A, −1 smaller, 0 neither. */
  sign: number;
}

/** Exact two-sided p of W+ for n distinct non-zero |d|: 2·min(P(W ≤ w), P(W ≥ w)) over the 2ⁿ sign patterns. */
function exactWilcoxonP(w: number, n: number): number {
  const max = (n * (n + 1)) / 2;
  const counts = new Float64Array(max + 1);
  counts[0] = 1;
  for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s] = (counts[s] as number) + (counts[s - r] as number);
  let total = 0;
  let le = 0;
  let ge = 0;
  counts.forEach((c, s) => {
    total += c;
    if (s <= w + 1e-9) le += c;
    if (s >= w - 1e-9) ge += c;
  });
  return Math.min(1, (2 * Math.min(le, ge)) / total);
}

/**
 * Wilcoxon signed-rank test of the paired differences b[i] − a[i] (two-sided). Pairs with a
 * non-finite value are dropped, then zero differences (zero_method "wilcox"); undefined when
 * no pair is left, a RangeError when the lengths differ. With
 * n ≥ SMALL_SAMPLE non-zero differences, or ties among |d|: normal approximation, mean
 * n(n + 1)/4, variance n(n + 1)(2n + 1)/24 − Σ(t³ − t)/48, continuity correction ½
 * (scipy.stats.wilcoxon(b − a, correction=True, method="approx")); fewer without ties: the
 * exact distribution. When every difference is zero: p = 1.
 */
export function wilcoxonSignedRank(a: readonly number[], b: readonly number[]): Wilcoxon | undefined {
  if (a.length !== b.length) throw new RangeError(`wilcoxonSignedRank: ${a.length} values in A but ${b.length} in B`);
  const d: number[] = [];
  let pairs = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    pairs++;
    if (y - x !== 0) d.push(y - x);
  }
  if (pairs === 0) return undefined;
  const n = d.length;
  const zeros = pairs - n;
  if (n === 0) {
    return { test: "wilcoxon", pairs, zeros, n, wPlus: 0, wMinus: 0, z: 0, pValue: 1, exact: false, approximate: false, ties: false, sign: 0 };
  }
  const { ranks, tieTerm, ties } = midRanks(d.map(Math.abs));
  let wPlus = 0;
  for (let i = 0; i < n; i++) if ((d[i] as number) > 0) wPlus += ranks[i] as number;
  const total = (n * (n + 1)) / 2;
  const wMinus = total - wPlus;
  const mu = total / 2;
  const sign = Math.sign(wPlus - mu);
  const base = { test: "wilcoxon" as const, pairs, zeros, n, wPlus, wMinus, ties, sign };
  if (n < SMALL_SAMPLE && !ties) return { ...base, pValue: exactWilcoxonP(wPlus, n), exact: true, approximate: false };
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  const sd = Math.sqrt(Math.max(0, variance));
  const z = correctedZ(wPlus - mu, sd);
  return { ...base, z, pValue: sd > 0 ? normalTwoSidedP(z) : 1, exact: false, approximate: n < SMALL_SAMPLE };
}

// ──────────────────────────────── bootstrap ────────────────────────────────

/** "mean", "median" (= p50) or "pNN" (a percentile 0-100, e.g. p90, p99.9). */
export type SampleStatistic = string;

/** The percentile a statistic names (50 for "median"), "mean", or undefined when it is neither. */
export function parseStatistic(s: string): number | "mean" | undefined {
  if (s === "mean") return "mean";
  if (s === "median") return 50;
  const m = /^p(\d{1,3}(?:\.\d+)?)$/.exec(s);
  if (!m) return undefined;
  const p = Number(m[1]);
  return p >= 0 && p <= 100 ? p : undefined;
}

/** True when a statistic can be computed on a sample of values (mean, median, pNN). */
export function isSampleStatistic(s: string): boolean {
  return parseStatistic(s) !== undefined;
}

type ParsedStatistic = number | "mean";

function parseOrThrow(s: string): ParsedStatistic {
  const parsed = parseStatistic(s);
  if (parsed === undefined) throw new RangeError(`unknown statistic "${s}" (mean, median or pNN)`);
  return parsed;
}

/** numpy's linear interpolation between the order statistics at ⌊h⌋ and ⌊h⌋ + 1 (as summary.ts percentile). */
function interpolate(lo: number, hi: number, frac: number): number {
  if (frac === 0) return lo;
  return Math.min(hi, Math.max(lo, lo + frac * (hi - lo)));
}

/**
 * A sample as the bootstrap sees it: its values in ascending order and, for each position in
 * that order, the index of the value in the input. A resample is then a count per input index,
 * and its statistics are read by walking the counts in value order: O(n) a resample, where
 * sorting every resample would be O(n log n).
 */
class CountedSample {
  readonly n: number;
  readonly sorted: Float64Array;
  private readonly order: Int32Array;
  constructor(values: readonly number[]) {
    this.n = values.length;
    const order = Int32Array.from({ length: this.n }, (_, i) => i).sort((i, j) => (values[i] as number) - (values[j] as number));
    this.order = order;
    this.sorted = Float64Array.from(order, (i) => values[i] as number);
  }

  /** The statistics of the sample itself. */
  statistics(stats: readonly ParsedStatistic[]): number[] {
    const xs = this.sorted as unknown as number[]; // percentile() reads indices and length only
    return stats.map((st) => (st === "mean" ? arithmeticMeanOf(this.sorted) : (percentile(xs, st) as number)));
  }

  /** The statistics of a resample given by `counts` (times each input index was drawn; they sum to n). */
  resampled(counts: Int32Array, stats: readonly ParsedStatistic[], out: number[]): void {
    const n = this.n;
    // Ranks (0-based, in the resample's order) each percentile needs: ⌊h⌋ and ⌊h⌋ + 1.
    const wanted: number[] = [];
    for (const st of stats) {
      if (st === "mean") continue;
      const h = ((n - 1) * st) / 100;
      const lo = Math.floor(h);
      wanted.push(lo, Math.min(lo + 1, n - 1));
    }
    const ranks = [...new Set(wanted)].sort((x, y) => x - y);
    const at = new Map<number, number>();
    let sum = 0;
    let seen = 0;
    let next = 0;
    for (let j = 0; j < n; j++) {
      const c = counts[this.order[j] as number] as number;
      if (c === 0) continue;
      const v = this.sorted[j] as number;
      sum += c * v;
      seen += c;
      while (next < ranks.length && (ranks[next] as number) < seen) at.set(ranks[next++] as number, v);
    }
    stats.forEach((st, k) => {
      if (st === "mean") {
        out[k] = sum / n;
        return;
      }
      const h = ((n - 1) * st) / 100;
      const lo = Math.floor(h);
      const a = at.get(lo) as number;
      out[k] = lo >= n - 1 ? a : interpolate(a, at.get(lo + 1) as number, h - lo);
    });
  }
}

function arithmeticMeanOf(xs: Float64Array): number {
  let t = 0;
  for (let i = 0; i < xs.length; i++) t += xs[i] as number;
  return t / xs.length;
}

export interface BootstrapChangeOptions {
  /** Resample pairs (a[i], b[i]) together; a and b must then have the same length. */
  paired?: boolean;
  iterations?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
  seed?: number;
}

export interface StatisticChange {
  statistic: string;
  a: number;
  b: number;
  /** b − a */
  change: number;
  /** b / a − 1; absent when a = 0. */
  relative?: number;
  /** Percentile-bootstrap interval of the change; absent when no resample gave a finite one. */
  ci?: Interval;
  /** Of the relative change (resamples where A's statistic is 0 are dropped). */
  relativeCi?: Interval;
}

function percentileInterval(stats: number[], confidence: number): Interval | undefined {
  if (stats.length === 0) return undefined;
  stats.sort((x, y) => x - y);
  const tail = ((1 - confidence) / 2) * 100;
  return { lower: percentile(stats, tail) as number, upper: percentile(stats, 100 - tail) as number };
}

/**
 * The change B − A of each statistic with its percentile-bootstrap interval, and the relative
 * change B / A − 1 with its own. Unpaired: A and B are resampled independently (each with
 * replacement, to its own size). Paired: the pair indices are resampled and both values of a
 * pair go together. Non-finite values are dropped first (paired: the pairs holding one).
 * Empty when either side has nothing left. Deterministic for a given seed.
 */
export function bootstrapChange(
  a: readonly number[],
  b: readonly number[],
  statistics: readonly string[],
  opts: BootstrapChangeOptions = {},
): StatisticChange[] {
  const iterations = Math.floor(opts.iterations ?? DEFAULT_ITERATIONS);
  const confidence = opts.confidence ?? 0.95;
  if (!(iterations >= 1)) throw new RangeError(`bootstrap iterations must be ≥ 1, got ${opts.iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const parsed = statistics.map(parseOrThrow);
  let xa: number[];
  let xb: number[];
  if (opts.paired) {
    if (a.length !== b.length) throw new RangeError(`paired bootstrap: ${a.length} values in A but ${b.length} in B`);
    xa = [];
    xb = [];
    for (let i = 0; i < a.length; i++) {
      if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
        xa.push(a[i] as number);
        xb.push(b[i] as number);
      }
    }
  } else {
    xa = finite(a);
    xb = finite(b);
  }
  const nA = xa.length;
  const nB = xb.length;
  if (nA === 0 || nB === 0) return [];
  const sampleA = new CountedSample(xa);
  const sampleB = new CountedSample(xb);
  const estA = sampleA.statistics(parsed);
  const estB = sampleB.statistics(parsed);
  const est = parsed.map((_, s) => ({ a: estA[s] as number, b: estB[s] as number }));

  const rand = mulberry32(opts.seed ?? DEFAULT_BOOTSTRAP_SEED);
  const countsA = new Int32Array(nA);
  // Paired: one draw of pair indices serves both samples.
  const countsB = opts.paired ? countsA : new Int32Array(nB);
  const statA = new Array<number>(parsed.length).fill(0);
  const statB = new Array<number>(parsed.length).fill(0);
  const diffs: number[][] = parsed.map(() => []);
  const rels: number[][] = parsed.map(() => []);
  for (let it = 0; it < iterations; it++) {
    countsA.fill(0);
    for (let k = 0; k < nA; k++) {
      const i = Math.floor(rand() * nA);
      countsA[i] = (countsA[i] as number) + 1;
    }
    if (!opts.paired) {
      countsB.fill(0);
      for (let k = 0; k < nB; k++) {
        const i = Math.floor(rand() * nB);
        countsB[i] = (countsB[i] as number) + 1;
      }
    }
    sampleA.resampled(countsA, parsed, statA);
    sampleB.resampled(countsB, parsed, statB);
    for (let s = 0; s < parsed.length; s++) {
      const sa = statA[s] as number;
      const sb = statB[s] as number;
      const d = sb - sa;
      if (Number.isFinite(d)) (diffs[s] as number[]).push(d);
      if (sa !== 0) {
        const r = sb / sa - 1;
        if (Number.isFinite(r)) (rels[s] as number[]).push(r);
      }
    }
  }
  return statistics.map((statistic, s) => {
    const { a: sa, b: sb } = est[s] as { a: number; b: number };
    const out: StatisticChange = { statistic, a: sa, b: sb, change: sb - sa };
    if (sa !== 0) out.relative = sb / sa - 1;
    const ci = percentileInterval(diffs[s] as number[], confidence);
    if (ci) out.ci = ci;
    const relativeCi = sa !== 0 ? percentileInterval(rels[s] as number[], confidence) : undefined;
    if (relativeCi) out.relativeCi = relativeCi;
    return out;
  });
}

// ──────────────────────────────── the word ────────────────────────────────

/**
 * The word for a change: `sign` +1 when B is higher, −1 lower. Latencies (lower is better,
 * `timing`) are faster / slower; other figures with a better side are better / worse; a
 * neutral figure (a token count) is higher / lower. Not significant: "no difference beyond noise".
 */
export function changeWord(direction: Direction, sign: number, significant: boolean, timing = false): ChangeWord {
  if (!significant || sign === 0) return NO_DIFFERENCE;
  if (direction === "neutral") return sign > 0 ? "higher" : "lower";
  const better = direction === "lower" ? sign < 0 : sign > 0;
  if (timing && direction === "lower") return better ? "faster" : "slower";
  return better ? "better" : "worse";
}

/** −1, 0 or +1: which side of 0 an interval lies wholly on (0 when it holds 0 or is missing). */
export function intervalSign(ci: Interval | undefined): number {
  if (!ci) return 0;
  if (ci.lower > 0) return 1;
  if (ci.upper < 0) return -1;
  return 0;
}

// ──────────────────────────── two samples, whole ────────────────────────────

export interface CompareOptions {
  /** a[i] and b[i] are the same unit measured twice (the same request in both runs). */
  paired?: boolean;
  /** Significance level (default 0.05); the intervals are at 1 − alpha. */
  alpha?: number;
  seed?: number;
  iterations?: number;
  /** Statistics compared (default ["p50", "mean"]). */
  statistics?: readonly string[];
  direction?: Direction;
  /** A duration (lower is faster): words faster / slower. */
  timing?: boolean;
}

export interface StatisticComparison extends StatisticChange {
  /** The rank test's two-sided p-value (one test for the sample, shared by its statistics). */
  pValue: number;
  /** Test significant at alpha, interval of the change clear of 0, both the same way. */
  significant: boolean;
  word: ChangeWord;
}

export interface SampleComparison {
  paired: boolean;
  alpha: number;
  confidence: number;
  /** Values compared: [nA, nB]; paired: pairs kept, twice. */
  n: [number, number];
  test: MannWhitney | Wilcoxon;
  statistics: StatisticComparison[];
}

/**
 * Compares two samples: the rank test (Wilcoxon signed-rank when paired, Mann-Whitney
 * otherwise) and, for each statistic, the bootstrap interval of its change at 1 − alpha. A
 * statistic's change is significant when the test's p < alpha, the interval excludes 0, and
 * the test and the interval point the same way. Undefined with fewer than 2 finite values
 * (pairs) on a side: no spread to test.
 */
export function compareSamples(a: readonly number[], b: readonly number[], opts: CompareOptions = {}): SampleComparison | undefined {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  checkAlpha(alpha);
  const paired = opts.paired ?? false;
  const statistics = opts.statistics ?? ["p50", "mean"];
  let xa: number[];
  let xb: number[];
  if (paired) {
    if (a.length !== b.length) throw new RangeError(`compareSamples (paired): ${a.length} values in A but ${b.length} in B`);
    xa = [];
    xb = [];
    a.forEach((x, i) => {
      const y = b[i] as number;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xa.push(x);
        xb.push(y);
      }
    });
  } else {
    xa = finite(a);
    xb = finite(b);
  }
  if (xa.length < 2 || xb.length < 2) return undefined;
  const test = paired ? (wilcoxonSignedRank(xa, xb) as Wilcoxon) : (mannWhitneyU(xa, xb) as MannWhitney);
  const confidence = 1 - alpha;
  const changes = bootstrapChange(xa, xb, statistics, {
    paired,
    confidence,
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.iterations !== undefined ? { iterations: opts.iterations } : {}),
  });
  const direction = opts.direction ?? "neutral";
  return {
    paired,
    alpha,
    confidence,
    n: [xa.length, xb.length],
    test,
    statistics: changes.map((c) => {
      const side = intervalSign(c.ci);
      const significant = test.pValue < alpha && side !== 0 && side === test.sign;
      return { ...c, pValue: test.pValue, significant, word: changeWord(direction, side, significant, opts.timing) };
    }),
  };
}

// ──────────────────────────────── proportions ────────────────────────────────

function checkCount(name: string, x: number, n: number): void {
  if (!(Number.isInteger(x) && Number.isInteger(n) && n > 0 && x >= 0 && x <= n)) {
    throw new RangeError(`${name}: expected integer counts 0 ≤ x ≤ n, n > 0, got ${x}/${n}`);
  }
}

/** Wilson score interval of a proportion x/n at `confidence` (scipy binomtest(x, n).proportion_ci(method="wilson")). */
export function wilsonInterval(x: number, n: number, confidence = 0.95): Interval {
  checkCount("wilsonInterval", x, n);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (1998, method 10) of pB − pA from the Wilson intervals
 * (lA, uA) and (lB, uB): [d − √((pB − lB)² + (uA − pA)²), d + √((uB − pB)² + (pA − lA)²)].
 */
export function newcombeInterval(xA: number, nA: number, xB: number, nB: number, confidence = 0.95): Interval {
  const pA = xA / nA;
  const pB = xB / nB;
  const wa = wilsonInterval(xA, nA, confidence);
  const wb = wilsonInterval(xB, nB, confidence);
  const d = pB - pA;
  return {
    lower: d - Math.sqrt((pB - wb.lower) ** 2 + (wa.upper - pA) ** 2),
    upper: d + Math.sqrt((wb.upper - pB) ** 2 + (pA - wa.lower) ** 2),
  };
}

/**
 * Katz's log interval of the ratio pB / pA, returned as an interval of pB / pA − 1:
 * exp(ln(pB/pA) ± z·√(1/xB − 1/nB + 1/xA − 1/nA)) − 1 (scipy.stats.contingency.relative_risk).
 * Undefined when xA or xB is 0 (the log is not defined).
 */
export function katzRelativeInterval(xA: number, nA: number, xB: number, nB: number, confidence = 0.95): Interval | undefined {
  checkCount("katzRelativeInterval", xA, nA);
  checkCount("katzRelativeInterval", xB, nB);
  if (xA === 0 || xB === 0) return undefined;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const lr = Math.log(xB / nB / (xA / nA));
  const se = Math.sqrt(Math.max(0, 1 / xB - 1 / nB + 1 / xA - 1 / nA));
  return { lower: Math.exp(lr - z * se) - 1, upper: Math.exp(lr + z * se) - 1 };
}

export interface ProportionComparison {
  a: number;
  b: number;
  change: number;
  relative?: number;
  ci: Interval;
  relativeCi?: Interval;
  /** Pooled two-proportion z test, two-sided; 1 when both proportions are 0 or both 1. */
  pValue: number;
  z: number;
  n: [number, number];
  significant: boolean;
  word: ChangeWord;
}

/**
 * Two proportions xA/nA and xB/nB (success counts over attempts): the difference with
 * Newcombe's interval, the relative change with Katz's, and the pooled z test
 * z = (pB − pA)/√(p̄(1 − p̄)(1/nA + 1/nB)). Significant when p < alpha and Newcombe's
 * interval (at 1 − alpha) excludes 0.
 */
export function compareProportions(
  xA: number,
  nA: number,
  xB: number,
  nB: number,
  opts: { alpha?: number; direction?: Direction } = {},
): ProportionComparison {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  checkAlpha(alpha);
  checkCount("compareProportions (A)", xA, nA);
  checkCount("compareProportions (B)", xB, nB);
  const pA = xA / nA;
  const pB = xB / nB;
  const pooled = (xA + xB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  const z = se > 0 ? (pB - pA) / se : 0;
  const pValue = se > 0 ? normalTwoSidedP(z) : 1;
  const confidence = 1 - alpha;
  const ci = newcombeInterval(xA, nA, xB, nB, confidence);
  const relativeCi = katzRelativeInterval(xA, nA, xB, nB, confidence);
  const side = intervalSign(ci);
  const significant = pValue < alpha && side !== 0 && side === Math.sign(z);
  return {
    a: pA,
    b: pB,
    change: pB - pA,
    ...(pA !== 0 ? { relative: pB / pA - 1 } : {}),
    ci,
    ...(relativeCi ? { relativeCi } : {}),
    pValue,
    z,
    n: [nA, nB],
    significant,
    word: changeWord(opts.direction ?? "neutral", side, significant),
  };
}

// ──────────────────────── two estimates with intervals ────────────────────────

export interface EstimateWithInterval {
  estimate: number;
  lower: number;
  upper: number;
  /** The interval's two-sided confidence level. */
  confidence: number;
}

export interface EstimateComparison {
  a: number;
  b: number;
  change: number;
  relative?: number;
  ci: Interval;
  pValue: number;
  z: number;
  significant: boolean;
  word: ChangeWord;
}

/**
 * Two independent estimates that come only with their own intervals (a degradation figure and
 * its bootstrap interval, from each run): each standard error is taken as the interval's
 * width / (2·z_{(1+c)/2}), so se = √(seA² + seB²), z = (b − a)/se, and the change's interval
 * is (b − a) ± z_{1−α/2}·se. An approximation: it treats the intervals as symmetric normal
 * ones. Significant when p < alpha (the interval then excludes 0). Undefined when an interval
 * is not finite; two zero-width intervals give p = 0 for a change, 1 for none.
 */
export function compareEstimates(
  a: EstimateWithInterval,
  b: EstimateWithInterval,
  opts: { alpha?: number; direction?: Direction; timing?: boolean } = {},
): EstimateComparison | undefined {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  checkAlpha(alpha);
  const all = [a.estimate, a.lower, a.upper, b.estimate, b.lower, b.upper];
  if (!all.every(Number.isFinite)) return undefined;
  const seOf = (e: EstimateWithInterval): number => Math.max(0, e.upper - e.lower) / (2 * normalQuantile(1 - (1 - e.confidence) / 2));
  const se = Math.sqrt(seOf(a) ** 2 + seOf(b) ** 2);
  const change = b.estimate - a.estimate;
  const z = se > 0 ? change / se : change === 0 ? 0 : Math.sign(change) * Infinity;
  const pValue = se > 0 ? normalTwoSidedP(z) : change === 0 ? 1 : 0;
  const half = normalQuantile(1 - alpha / 2) * se;
  const ci = { lower: change - half, upper: change + half };
  const side = intervalSign(ci) || (se === 0 ? Math.sign(change) : 0);
  const significant = pValue < alpha && side !== 0;
  return {
    a: a.estimate,
    b: b.estimate,
    change,
    ...(a.estimate !== 0 ? { relative: b.estimate / a.estimate - 1 } : {}),
    ci,
    pValue,
    z,
    significant,
    word: changeWord(opts.direction ?? "neutral", side, significant, opts.timing),
  };
}

// ────────────────────────────────── seeds ──────────────────────────────────

/** A seed for one figure: the base seed mixed with a label (FNV-1a), so figures draw different streams, reproducibly. */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// ─────────────────────────── multiple comparisons ───────────────────────────

/**
 * Holm's step-down adjustment of p-values for a family of tests (Holm 1979): with the m
 * finite p-values sorted p₍₁₎ ≤ … ≤ p₍ₘ₎, p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎), returned in
 * the input's order (statsmodels' multipletests(p, method="holm")[1]). A test is significant
 * at alpha for the family when its adjusted p < alpha; the family-wise error rate stays ≤ alpha.
 * Non-finite entries are left as they are and do not count in m.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const out = [...pValues];
  const idx = pValues.map((p, i) => ({ p, i })).filter((x) => Number.isFinite(x.p));
  idx.sort((x, y) => x.p - y.p || x.i - y.i);
  const m = idx.length;
  let running = 0;
  idx.forEach(({ p, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[i] = running;
  });
  return out;
}
