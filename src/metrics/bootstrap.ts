/**
 * Bootstrap confidence intervals (percentile method) with a seeded PRNG, so the same data
 * and seed always give the same interval: reports are reproducible and re-rendering a run
 * folder offline prints the same numbers.
 */
import { percentile } from "./summary.js";

/** mulberry32: a small, fast 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seed used when none is given: results are deterministic by default. */
export const DEFAULT_BOOTSTRAP_SEED = 0x5eed;

export interface BootstrapOptions {
  /** Resamples (default 2000). */
  iterations?: number;
  /** Two-sided confidence level in (0, 1) (default 0.95). */
  confidence?: number;
  /** PRNG seed (default DEFAULT_BOOTSTRAP_SEED). */
  seed?: number;
}

export interface ConfidenceInterval {
  /** The statistic on the original sample(s). */
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  /** Resamples whose statistic was finite (those that were not are dropped). */
  iterations: number;
  /** Sample size(s) the interval rests on: [n] for one sample, [nA, nB] for a ratio. */
  n: number[];
}

function resolve(opts: BootstrapOptions): { iterations: number; confidence: number; seed: number } {
  const iterations = Math.floor(opts.iterations ?? 2000);
  const confidence = opts.confidence ?? 0.95;
  if (!(iterations >= 1)) throw new RangeError(`bootstrap iterations must be ≥ 1, got ${opts.iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return { iterations, confidence, seed: opts.seed ?? DEFAULT_BOOTSTRAP_SEED };
}

function finite(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v));
}

/** Fills `into` with a resample (with replacement) of `from`. */
function resample(from: readonly number[], into: number[], rand: () => number): void {
  const n = from.length;
  for (let i = 0; i < n; i++) into[i] = from[Math.floor(rand() * n)] as number;
}

function interval(
  estimate: number,
  stats: number[],
  confidence: number,
  n: number[],
): ConfidenceInterval | undefined {
  if (stats.length === 0) return undefined;
  stats.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  const lo = percentile(stats, alpha * 100) as number;
  const hi = percentile(stats, (1 - alpha) * 100) as number;
  return { estimate, lower: lo, upper: hi, confidence, iterations: stats.length, n };
}

/** Plain arithmetic mean (NaN for an empty array); the default bootstrap statistic. */
export function arithmeticMean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Percentile-bootstrap confidence interval of `statistic` over `values`: resample with
 * replacement `iterations` times, compute the statistic on each resample, and take the
 * (1−c)/2 and 1−(1−c)/2 percentiles of those statistics (linear interpolation).
 * Non-finite values are dropped first; undefined when none remain or when the statistic is
 * not finite on the original sample. The array passed to `statistic` is reused between
 * calls: the statistic must not keep it.
 */
export function bootstrapCI(
  values: readonly number[],
  statistic: (sample: readonly number[]) => number = arithmeticMean,
  opts: BootstrapOptions = {},
): ConfidenceInterval | undefined {
  const { iterations, confidence, seed } = resolve(opts);
  const xs = finite(values);
  if (xs.length === 0) return undefined;
  const estimate = statistic(xs);
  if (!Number.isFinite(estimate)) return undefined;
  const rand = mulberry32(seed);
  const buf = new Array<number>(xs.length).fill(0);
  const stats: number[] = [];
  for (let i = 0; i < iterations; i++) {
    resample(xs, buf, rand);
    const s = statistic(buf);
    if (Number.isFinite(s)) stats.push(s);
  }
  return interval(estimate, stats, confidence, [xs.length]);
}

/**
 * Confidence interval of mean(a) / mean(b) for two independent samples (e.g. cache speedup =
 * TTFT(miss) / TTFT(hit): ratioCI(missTtfts, hitTtfts)). Each resample draws a and b
 * independently with replacement; resamples with mean(b) = 0 are dropped. Undefined when
 * either sample is empty or mean(b) = 0.
 */
export function ratioCI(
  a: readonly number[],
  b: readonly number[],
  opts: BootstrapOptions = {},
): ConfidenceInterval | undefined {
  const { iterations, confidence, seed } = resolve(opts);
  const xa = finite(a);
  const xb = finite(b);
  if (xa.length === 0 || xb.length === 0) return undefined;
  const mb = arithmeticMean(xb);
  if (mb === 0) return undefined;
  const estimate = arithmeticMean(xa) / mb;
  if (!Number.isFinite(estimate)) return undefined;
  const rand = mulberry32(seed);
  const ba = new Array<number>(xa.length).fill(0);
  const bb = new Array<number>(xb.length).fill(0);
  const stats: number[] = [];
  for (let i = 0; i < iterations; i++) {
    resample(xa, ba, rand);
    resample(xb, bb, rand);
    const d = arithmeticMean(bb);
    if (d === 0) continue;
    const r = arithmeticMean(ba) / d;
    if (Number.isFinite(r)) stats.push(r);
  }
  return interval(estimate, stats, confidence, [xa.length, xb.length]);
}
