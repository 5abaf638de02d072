/**
 * Descriptive statistics of a sample: count, mean, sample standard deviation, extremes and
 * percentiles. Pure functions, no I/O.
 *
 * Percentiles use linear interpolation between closest ranks, numpy's default
 * (`np.percentile(a, p)`, method "linear", Hyndman & Fan type 7), which is what
 * `vllm bench serve` reports, so our p50/p90/p99 of the same samples equal vLLM's.
 */
import { mean as ssMean, sampleStandardDeviation } from "simple-statistics";

export interface Summary {
  /** Number of samples the figures rest on (after NaN/undefined/±Infinity were dropped). */
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1); 0 when n = 1. */
  std: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** The percentiles a Summary carries. */
export const SUMMARY_PERCENTILES = [50, 90, 95, 99] as const;

/** Keeps finite numbers only (drops undefined, null, NaN and ±Infinity). */
export function finiteValues(values: readonly (number | undefined | null)[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (typeof v === "number" && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/**
 * The p-th percentile (0 ≤ p ≤ 100) of an ascending-sorted array, numpy's "linear" method:
 * h = (n − 1)·p/100, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
 * Example: percentile([1, 2, 3, 4], 90) = 3.7. Returns undefined for an empty array.
 * The caller guarantees the order; it is not checked (O(1)).
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const n = sorted.length;
  if (n === 0) return undefined;
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo >= n - 1) return sorted[n - 1] as number;
  const b = sorted[lo + 1] as number;
  const frac = h - lo;
  if (frac === 0) return a;
  // Clamped to [a, b] so rounding can never break monotonicity in p.
  return Math.min(b, Math.max(a, a + frac * (b - a)));
}

/**
 * Fewest samples for the p-th percentile to be more than the sample maximum in disguise:
 * ⌈100 / (100 − p)⌉ (p99 → 100, p95 → 20, p90 → 10, p50 → 2). Below it, reports print the
 * value but flag it ("p99 of 40 samples").
 */
export function minSamplesForPercentile(p: number): number {
  if (!(p >= 0 && p < 100)) return Number.POSITIVE_INFINITY;
  return Math.ceil(100 / (100 - p) - 1e-9);
}

/** True when a percentile of n samples should be flagged as resting on too few samples. */
export function isPercentileFlagged(n: number, p: number): boolean {
  return n < minSamplesForPercentile(p);
}

/**
 * Summary of a sample. Non-finite values (undefined, null, NaN, ±Infinity) are dropped
 * first; an empty sample gives undefined (never zeros).
 */
export function summarize(values: readonly (number | undefined | null)[]): Summary | undefined {
  const xs = finiteValues(values);
  const n = xs.length;
  if (n === 0) return undefined;
  xs.sort((a, b) => a - b);
  const pct = (p: number): number => percentile(xs, p) as number;
  const min = xs[0] as number;
  const max = xs[n - 1] as number;
  return {
    n,
    // Clamped: a floating-point mean of equal values can land one ulp outside [min, max].
    mean: Math.min(max, Math.max(min, ssMean(xs))),
    std: n > 1 ? sampleStandardDeviation(xs) : 0,
    min,
    max,
    p50: pct(50),
    p90: pct(90),
    p95: pct(95),
    p99: pct(99),
  };
}

/** Mean of the finite values, undefined when there are none. */
export function meanOf(values: readonly (number | undefined | null)[]): number | undefined {
  const xs = finiteValues(values);
  return xs.length === 0 ? undefined : ssMean(xs);
}

export interface SuccessRate {
  /** Requests attempted. */
  n: number;
  /** Requests that ended with ok = true. */
  ok: number;
  /** ok / n as a fraction in [0, 1]; undefined when n = 0. */
  rate?: number;
}

/** Success rate of a set of results (fraction, not percent). */
export function successRate(results: readonly { ok: boolean }[]): SuccessRate {
  const n = results.length;
  let ok = 0;
  for (const r of results) if (r.ok) ok++;
  return n === 0 ? { n, ok } : { n, ok, rate: ok / n };
}
