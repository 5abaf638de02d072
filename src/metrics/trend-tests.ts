/**
 * Trend tests for a figure measured window after window (a soak test's TTFT p90 per minute,
 * its output tok/s, its error count…): does it drift over time, with evidence beyond noise?
 *
 * - olsTrend: least-squares line, its slope's Student-t confidence interval and p-value.
 *   Parametric: assumes independent, roughly normal residuals of constant spread.
 * - mannKendall: rank-based test of a monotonic trend (robust to outliers and skew), with
 *   Theil-Sen's slope and its distribution-free confidence interval.
 * - changePoints: steps in the mean (a server that got slower at minute 37 and stayed so),
 *   found by binary segmentation and kept only when a seeded permutation test agrees.
 *
 * All three assume the windows are independent given the trend; windows that are
 * autocorrelated (a slow minute tends to follow a slow minute) make p-values too small.
 * Pure functions, deterministic for a given input (the permutations use a seeded PRNG).
 *
 * Distributions come from packages: Student t from @stdlib (cdf, quantile); the normal from
 * simple-statistics' `errorFunction` (Numerical Recipes' erfc approximation, relative error
 * < 1.2e-7 in the tail) rather than its `cumulativeStdNormalProbability`, which reads a
 * 4-decimal table and floors two-sided p-values at 0.002.
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { errorFunction, probit } from "simple-statistics";
import { DEFAULT_BOOTSTRAP_SEED, mulberry32 } from "./bootstrap.js";

// ───────────────────────────── shared helpers ─────────────────────────────

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
}

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
}

/** The pairs (xs[i], ys[i]) with both coordinates finite, in input order. Throws if lengths differ. */
function finitePairs(name: string, xs: readonly number[], ys: readonly number[]): [number, number][] {
  if (xs.length !== ys.length) throw new RangeError(`${name}: ${xs.length} xs but ${ys.length} ys`);
  const pts: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) pts.push([x, y]);
  }
  return pts;
}

/**
 * Two-sided normal tail P(|Z| ≥ |z|) = erfc(|z|/√2). simple-statistics' errorFunction returns
 * 1 − erfc for x ≥ 0, so 1 − errorFunction(x) recovers erfc with an absolute error of about
 * 1e-16 on top of the approximation's 1.2e-7 relative error.
 */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return Math.min(1, Math.max(0, 1 - errorFunction(Math.abs(z) / Math.SQRT2)));
}

/**
 * Standard normal quantile Φ⁻¹(p) for p in (0, 1). simple-statistics' probit is an
 * approximation good to about 3e-3 (probit(0.975) = 1.9572 instead of 1.95996); three Newton
 * steps on Φ(z) = (1 + erf(z/√2))/2, with the same package's errorFunction, bring it to the
 * accuracy of that erf (≈ 1e-7).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  let z = probit(p);
  for (let i = 0; i < 3; i++) {
    const cdf = (1 + errorFunction(z / Math.SQRT2)) / 2;
    const pdf = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
    if (!(pdf > 0)) break;
    z -= (cdf - p) / pdf;
  }
  return z;
}

/** Median of an ascending-sorted, non-empty array (mean of the middle two when the length is even). */
function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Sizes of the groups of equal values (only groups of 2 or more). */
function tieGroups(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const groups: number[] = [];
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++;
    else {
      if (run > 1) groups.push(run);
      run = 1;
    }
  }
  return groups;
}

// ─────────────────────────────── OLS trend ───────────────────────────────

export interface OlsTrend {
  n: number;
  slope: number;
  intercept: number;
  /** Two-sided confidence interval of the slope (Student t, n − 2 degrees of freedom). */
  slopeLower: number;
  slopeUpper: number;
  confidence: number;
  /** Standard error of the slope. */
  se: number;
  /** Two-sided p-value of slope = 0 (t test). */
  pValue: number;
  r2: number;
}

/**
 * Least-squares line with its slope's CI; undefined with < 3 finite pairs or all x equal.
 * Throws RangeError if lengths differ.
 *
 * Pairs with a non-finite coordinate are dropped (n counts the pairs kept). With
 * Sxx = Σ(x − x̄)², the slope is Σ(x − x̄)(y − ȳ)/Sxx, se = √(SSres/(n − 2)/Sxx), the
 * interval is slope ± t_{(1+c)/2, n−2}·se and the p-value is 2·P(T_{n−2} ≥ |slope/se|)
 * (sums are centred first, so large x such as epoch milliseconds keep their precision).
 * A perfect fit has se = 0: the interval collapses onto the slope and the p-value is 0 for a
 * non-zero slope, 1 for a flat line. r² follows linearFit (1 when every y is equal).
 * Throws RangeError when confidence is not in (0, 1).
 */
export function olsTrend(xs: readonly number[], ys: readonly number[], confidence = 0.95): OlsTrend | undefined {
  checkConfidence(confidence);
  const pts = finitePairs("olsTrend", xs, ys);
  const n = pts.length;
  if (n < 3) return undefined;
  let mx = 0;
  let my = 0;
  for (const [x, y] of pts) {
    mx += x;
    my += y;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of pts) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let ssRes = 0;
  for (const [x, y] of pts) ssRes += (y - my - slope * (x - mx)) ** 2;
  const df = n - 2;
  const se = Math.sqrt(ssRes / df / sxx);
  const r2 = syy === 0 ? 1 : Math.min(1, Math.max(0, 1 - ssRes / syy));
  let pValue: number;
  let half: number;
  if (se === 0) {
    pValue = slope === 0 ? 1 : 0;
    half = 0;
  } else {
    pValue = Math.min(1, 2 * tCdf(-Math.abs(slope / se), df));
    half = tQuantile((1 + confidence) / 2, df) * se;
  }
  return { n, slope, intercept, slopeLower: slope - half, slopeUpper: slope + half, confidence, se, pValue, r2 };
}

// ────────────────────────────── Mann-Kendall ──────────────────────────────

export interface MannKendall {
  n: number;
  s: number;
  variance: number;
  z: number;
  pValue: number;
  /** Kendall's tau-b of y against x (order). */
  tau: number;
  /** Theil-Sen slope (median of pairwise slopes, in y per x unit) with its CI (Gilbert 1987 / Sen 1968, at `confidence`). */
  senSlope: number;
  senLower?: number;
  senUpper?: number;
  direction: "increasing" | "decreasing" | "none"; // at significance alpha
}

/**
 * Mann-Kendall trend test on ys ordered by xs (xs: times, used for order and for Sen's
 * slope), with the tie correction of the variance and the continuity correction of z.
 * Undefined with n < 3.
 *
 * - Undefined also when every x is equal (no order, no slope). Pairs with a non-finite
 *   coordinate are dropped; n counts the pairs kept. Throws
 *   RangeError if the lengths differ or alpha / confidence are not in (0, 1).
 * - S = Σ_{i<j} sign(x_j − x_i)·sign(y_j − y_i), so the input need not be sorted. Equal x
 *   (two windows with the same time) give that pair 0, as in Kendall's tau-b.
 * - Var(S) is Kendall's variance with ties in y (groups of size u) and in x (size t):
 *   [n(n−1)(2n+5) − Σt(t−1)(2t+5) − Σu(u−1)(2u+5)]/18
 *   + Σt(t−1)(t−2)·Σu(u−1)(u−2)/(9n(n−1)(n−2)) + Σt(t−1)·Σu(u−1)/(2n(n−1));
 *   with distinct times this is the usual tie-corrected Mann-Kendall variance.
 * - z = (S − sign(S))/√Var(S) (continuity correction), 0 when S = 0 or Var(S) = 0 (all y
 *   equal); pValue = 2·(1 − Φ(|z|)), the normal approximation (fair from n ≈ 10; for
 *   smaller n it is approximate).
 * - tau = S/√((n₀ − n_x)(n₀ − n_y)), n₀ = n(n−1)/2, n_x and n_y the tied pairs in x and y;
 *   0 when either variable is constant.
 * - senSlope: median of (y_j − y_i)/(x_j − x_i) over pairs with x_j ≠ x_i. Its CI follows
 *   Gilbert (1987, §16.5): C = z_{(1+c)/2}·√Var(S), M₁ = (N′ − C)/2, M₂ = (N′ + C)/2 over the
 *   N′ ordered slopes; the limits are the M₁-th and (M₂ + 1)-th smallest, with M₁ and M₂ + 1
 *   rounded to the nearest rank (as R trend::sens.slope and scipy.stats.theilslopes do).
 *   senLower / senUpper are undefined when a rank falls outside 1..N′ (too few points for
 *   that confidence: the interval is unbounded).
 * - direction: "increasing" / "decreasing" when pValue < alpha (default 0.05), else "none".
 *
 * Cost: O(n²) time and memory for the N′ ≤ n(n−1)/2 pairwise slopes plus their sort
 * (n = 120 windows: 7 140 slopes; n = 1 440, a day of minutes: ≈ 1 M slopes, about 0.1 s).
 */
export function mannKendall(
  xs: readonly number[],
  ys: readonly number[],
  opts: { alpha?: number; confidence?: number } = {},
): MannKendall | undefined {
  const alpha = opts.alpha ?? 0.05;
  const confidence = opts.confidence ?? 0.95;
  checkAlpha(alpha);
  checkConfidence(confidence);
  const pts = finitePairs("mannKendall", xs, ys);
  const n = pts.length;
  if (n < 3) return undefined;
  const x0 = (pts[0] as [number, number])[0];
  if (pts.every(([x]) => x === x0)) return undefined;

  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    const [xi, yi] = pts[i] as [number, number];
    for (let j = i + 1; j < n; j++) {
      const [xj, yj] = pts[j] as [number, number];
      const dx = xj - xi;
      const dy = yj - yi;
      s += Math.sign(dx) * Math.sign(dy);
      if (dx !== 0) slopes.push(dy / dx);
    }
  }

  const tx = tieGroups(pts.map(([x]) => x));
  const ty = tieGroups(pts.map(([, y]) => y));
  const sum = (g: number[], f: (t: number) => number): number => g.reduce((a, t) => a + f(t), 0);
  const v0 = n * (n - 1) * (2 * n + 5);
  const vt = (t: number): number => t * (t - 1) * (2 * t + 5);
  let variance = (v0 - sum(tx, vt) - sum(ty, vt)) / 18;
  variance +=
    (sum(tx, (t) => t * (t - 1) * (t - 2)) * sum(ty, (t) => t * (t - 1) * (t - 2))) / (9 * n * (n - 1) * (n - 2));
  variance += (sum(tx, (t) => t * (t - 1)) * sum(ty, (t) => t * (t - 1))) / (2 * n * (n - 1));
  if (variance < 0) variance = 0; // rounding only; the formula is ≥ 0

  const z = s === 0 || variance === 0 ? 0 : (s - Math.sign(s)) / Math.sqrt(variance);
  const pValue = variance === 0 ? 1 : normalTwoSidedP(z);

  const n0 = (n * (n - 1)) / 2;
  const nx = sum(tx, (t) => (t * (t - 1)) / 2);
  const ny = sum(ty, (t) => (t * (t - 1)) / 2);
  const tauDen = Math.sqrt((n0 - nx) * (n0 - ny));
  const tau = tauDen > 0 ? s / tauDen : 0;

  slopes.sort((a, b) => a - b);
  const out: MannKendall = {
    n,
    s,
    variance,
    z,
    pValue,
    tau,
    senSlope: medianOfSorted(slopes), // not empty: some x differ
    direction: pValue < alpha ? (s > 0 ? "increasing" : "decreasing") : "none",
  };
  const nSlopes = slopes.length;
  const c = normalQuantile((1 + confidence) / 2) * Math.sqrt(variance);
  const lowerRank = Math.round((nSlopes - c) / 2);
  const upperRank = Math.round((nSlopes + c) / 2) + 1;
  if (lowerRank >= 1 && upperRank <= nSlopes) {
    out.senLower = slopes[lowerRank - 1] as number;
    out.senUpper = slopes[upperRank - 1] as number;
  }
  return out;
}

// ────────────────────────────── change points ──────────────────────────────

export interface ChangePoint {
  /** Index of the first point of the new segment. */
  index: number;
  before: { mean: number; n: number };
  after: { mean: number; n: number };
  /** after.mean − before.mean, and that over before.mean (undefined when before.mean is 0). */
  shift: number;
  relativeShift?: number;
  /** Permutation p-value of the split within its segment. */
  pValue: number;
}

export interface ChangePointOptions {
  /** A split is kept when its permutation p-value is below this (default 0.01). */
  alpha?: number;
  /** Fewest points on each side of a split (default 2). */
  minSegment?: number;
  /** Most change points returned (default 5). */
  maxChanges?: number;
  /** Permutations per tested segment (default 999: p-values down to 0.001). */
  permutations?: number;
  /** PRNG seed (default DEFAULT_BOOTSTRAP_SEED). */
  seed?: number;
}

/**
 * Best split of the centred values c[0..m): the k (minSegment ≤ k ≤ m − minSegment, first
 * index of the right part) maximising the CUSUM statistic |Σ_{i<k} c_i| / √(k(m−k)/m), which
 * equals |mean(left) − mean(right)|·√(k(m−k)/m) and whose square is the drop in the sum of
 * squares the split buys (the least-squares split). The first maximum wins.
 */
function cusumSplit(c: ArrayLike<number>, minSegment: number): { k: number; stat: number } {
  const m = c.length;
  let partial = 0;
  let best = -1;
  let bestK = minSegment;
  for (let k = 1; k <= m - minSegment; k++) {
    partial += c[k - 1] as number;
    if (k < minSegment) continue;
    const stat = Math.abs(partial) / Math.sqrt((k * (m - k)) / m);
    if (stat > best) {
      best = stat;
      bestK = k;
    }
  }
  return { k: bestK, stat: best };
}

interface Candidate {
  /** Split position, as an index into the finite values. */
  k: number;
  pValue: number;
  /** Statistic over the segment's standard deviation: orders candidates with equal p. */
  score: number;
}

/** Seed of one segment's permutations: a function of the seed and the segment only. */
function segmentSeed(seed: number, start: number, end: number): number {
  return (seed ^ Math.imul(start + 1, 0x9e3779b1) ^ Math.imul(end + 1, 0x85ebca77)) >>> 0;
}

/**
 * Tests the best split of values[start, end): the maximum CUSUM over all admissible splits
 * against the same maximum over `permutations` random reorderings of the segment (Fisher-Yates
 * with mulberry32), p = (1 + #{permuted ≥ observed}) / (1 + permutations). Taking the maximum
 * in every permutation accounts for having searched all split positions. Undefined when the
 * segment is too short to split or constant.
 */
function testSegment(
  values: readonly number[],
  start: number,
  end: number,
  minSegment: number,
  permutations: number,
  seed: number,
): Candidate | undefined {
  const m = end - start;
  if (m < 2 * minSegment) return undefined;
  let mean = 0;
  for (let i = start; i < end; i++) mean += values[i] as number;
  mean /= m;
  const c = new Float64Array(m);
  let ss = 0;
  for (let i = 0; i < m; i++) {
    c[i] = (values[start + i] as number) - mean;
    ss += (c[i] as number) ** 2;
  }
  if (!(ss > 0)) return undefined;
  const observed = cusumSplit(c, minSegment);
  // Equal up to rounding counts as "as extreme": sums of reordered values differ in the last bits.
  const threshold = observed.stat * (1 - 1e-9);
  const rand = mulberry32(segmentSeed(seed, start, end));
  let asExtreme = 0;
  for (let b = 0; b < permutations; b++) {
    for (let i = m - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = c[i] as number;
      c[i] = c[j] as number;
      c[j] = t;
    }
    if (cusumSplit(c, minSegment).stat >= threshold) asExtreme++;
  }
  const sd = Math.sqrt(ss / (m - 1));
  return { k: start + observed.k, pValue: (1 + asExtreme) / (1 + permutations), score: observed.stat / sd };
}

function checkInteger(name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}

/**
 * Change points in the mean by binary segmentation with the CUSUM statistic; each split is
 * kept only when a seeded permutation test (src/metrics/bootstrap.ts mulberry32) gives
 * p < alpha. Returned sorted by index.
 *
 * - Non-finite values are dropped first; `index` and the segments refer to positions in the
 *   original array (a change right after a dropped value is reported at the next finite one),
 *   `n` counts finite values only.
 * - Binary segmentation: the whole series is one segment; each segment's best split (see
 *   cusumSplit; at least minSegment points each side) gets a permutation p-value. Among the
 *   segments, the split with the smallest p (then the largest statistic in units of the
 *   segment's standard deviation, then the leftmost) is accepted if p < alpha, its segment is
 *   replaced by its two halves, and so on until no split has p < alpha or maxChanges are found.
 *   Each segment is tested once, so at most 2·maxChanges + 1 tests run.
 * - before / after are the means of the final segments on either side of the change (up to
 *   the neighbouring change points), not of the halves at the time of the split.
 * - Each split is tested at alpha on its own: with several changes the family-wise error is
 *   not controlled. The permutation test assumes exchangeable values within a segment;
 *   autocorrelated windows make p-values too small. A constant segment is never split.
 * - Deterministic: each segment's permutations are seeded from `seed` and its bounds.
 * - Cost: one test is O(m·(permutations + 1)) for a segment of m points; n = 120 windows
 *   with the defaults is at most 11 tests of ≤ 120 points × 1 000 orderings ≈ 1.3 M steps
 *   (a few milliseconds). Memory O(n).
 * - Throws RangeError when alpha is not in (0, 1), minSegment < 1, maxChanges < 0 or
 *   permutations < 1 (the last three must be integers).
 */
export function changePoints(ys: readonly number[], opts: ChangePointOptions = {}): ChangePoint[] {
  const alpha = opts.alpha ?? 0.01;
  const minSegment = opts.minSegment ?? 2;
  const maxChanges = opts.maxChanges ?? 5;
  const permutations = opts.permutations ?? 999;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  checkAlpha(alpha);
  checkInteger("minSegment", minSegment, 1);
  checkInteger("maxChanges", maxChanges, 0);
  checkInteger("permutations", permutations, 1);

  const values: number[] = [];
  const origin: number[] = [];
  ys.forEach((y, i) => {
    if (Number.isFinite(y)) {
      values.push(y);
      origin.push(i);
    }
  });

  interface Segment {
    start: number;
    end: number;
    candidate?: Candidate | undefined;
    tested: boolean;
  }
  let segments: Segment[] = [{ start: 0, end: values.length, tested: false }];
  const found: { k: number; pValue: number }[] = [];
  while (found.length < maxChanges) {
    let best: Segment | undefined;
    for (const seg of segments) {
      if (!seg.tested) {
        seg.candidate = testSegment(values, seg.start, seg.end, minSegment, permutations, seed);
        seg.tested = true;
      }
      const c = seg.candidate;
      if (!c || !(c.pValue < alpha)) continue;
      const b = best?.candidate;
      if (!b || c.pValue < b.pValue || (c.pValue === b.pValue && c.score > b.score)) best = seg;
    }
    const cand = best?.candidate;
    if (!best || !cand) break;
    found.push({ k: cand.k, pValue: cand.pValue });
    const split = best;
    segments = segments.flatMap((seg) =>
      seg === split
        ? [
            { start: seg.start, end: cand.k, tested: false },
            { start: cand.k, end: seg.end, tested: false },
          ]
        : [seg],
    );
  }

  found.sort((a, b) => a.k - b.k);
  const bounds = [0, ...found.map((f) => f.k), values.length];
  const segMean = (from: number, to: number): { mean: number; n: number } => {
    let s = 0;
    for (let i = from; i < to; i++) s += values[i] as number;
    return { mean: s / (to - from), n: to - from };
  };
  return found.map((f, i) => {
    const before = segMean(bounds[i] as number, f.k);
    const after = segMean(f.k, bounds[i + 2] as number);
    const shift = after.mean - before.mean;
    const cp: ChangePoint = { index: origin[f.k] as number, before, after, shift, pValue: f.pValue };
    if (before.mean !== 0) cp.relativeShift = shift / before.mean;
    return cp;
  });
}
