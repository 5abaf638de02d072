/**
 * Arrival schedules of open-loop load: when each request is meant to be sent, computed up
 * front from a seed (pure, no clock). Offsets are ms from the start of the run; the first
 * request is due at 0.
 *
 * - constant: one request every 1/rate;
 * - poisson: exponential inter-arrivals of mean 1/rate (a Poisson process);
 * - gamma: gamma inter-arrivals of shape `burstiness` and scale 1/(rate·burstiness), mean
 *   1/rate and coefficient of variation 1/√burstiness (1 = Poisson, < 1 burstier, > 1 more
 *   regular), as vLLM's `--burstiness`.
 *
 * Random gaps are rescaled so that the n gaps add up to exactly n/rate (vLLM does the
 * same): the schedule's mean rate is the target rate whatever the seed, and only the
 * shape of the arrivals is random.
 */
import { mulberry32 } from "../metrics/bootstrap.js";

export const ARRIVAL_MODES = ["constant", "poisson", "gamma"] as const;
export type ArrivalMode = (typeof ARRIVAL_MODES)[number];

export interface ArrivalOptions {
  mode: ArrivalMode;
  /** Requests per second (> 0). */
  rate: number;
  /** Gamma shape (> 0); ignored by constant and poisson. Default 1. */
  burstiness?: number;
  /** Number of requests in the schedule. */
  requests: number;
  seed: number;
  /** The rate rises linearly from 0 to `rate` over this many ms (default 0: no ramp). */
  rampUpMs?: number;
}

/** A uniform in the open interval (0, 1): never 0, so logs stay finite. */
function openUniform(rand: () => number): number {
  let u = rand();
  while (u === 0) u = rand();
  return u;
}

/** Standard normal by Box-Muller (one of the pair; simplicity over speed). */
export function normalSample(rand: () => number): number {
  const u = openUniform(rand);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential of mean 1. */
export function exponentialSample(rand: () => number): number {
  return -Math.log(openUniform(rand));
}

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (2000), "A simple method for generating gamma
 * variables". For shape < 1 it draws Gamma(shape + 1) and multiplies by U^(1/shape)
 * (the paper's boost). Multiply by a scale for Gamma(shape, scale).
 */
export function gammaSample(shape: number, rand: () => number): number {
  if (!(shape > 0) || !Number.isFinite(shape)) throw new RangeError(`gamma shape must be a positive number, got ${shape}`);
  if (shape < 1) return gammaSample(shape + 1, rand) * Math.pow(openUniform(rand), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalSample(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rand);
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * The inter-arrival gaps (ms) of a schedule: n gaps, gap i separating request i from
 * request i + 1 (the last one closes the schedule). They add up to n/rate seconds.
 */
export function interArrivalGaps(opts: ArrivalOptions): number[] {
  const { mode, rate, requests: n } = opts;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a positive number, got ${rate}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`requests must be a non-negative integer, got ${n}`);
  const meanMs = 1000 / rate;
  if (mode === "constant") return Array.from({ length: n }, () => meanMs);
  const rand = mulberry32(opts.seed);
  const shape = opts.burstiness ?? 1;
  const raw =
    mode === "poisson"
      ? Array.from({ length: n }, () => exponentialSample(rand))
      : Array.from({ length: n }, () => gammaSample(shape, rand) / shape);
  const sum = raw.reduce((a, b) => a + b, 0);
  // Rescaled so the gaps total exactly n/rate: the seed shapes the arrivals, not the rate.
  const k = sum > 0 ? (n * meanMs) / sum : 0;
  return raw.map((g) => (sum > 0 ? g * k : meanMs));
}

/**
 * Maps an offset of a steady schedule onto a ramped one. A rate rising linearly from 0 to r
 * over R ms has the cumulative intensity Λ(t) = r·t²/(2R) up to R, then r·R/2 + r·(t − R);
 * the steady schedule's offset s stands for Λ = r·s, so the ramped offset is Λ⁻¹(r·s):
 * √(2·R·s) while s < R/2, then s + R/2. The arrivals keep their random shape (a Poisson
 * process stays a Poisson process of the ramped intensity) and the first R ms hold R/2 ms
 * worth of requests at the full rate.
 */
export function rampedOffset(steadyMs: number, rampUpMs: number): number {
  if (rampUpMs <= 0) return steadyMs;
  return steadyMs < rampUpMs / 2 ? Math.sqrt(2 * rampUpMs * steadyMs) : steadyMs + rampUpMs / 2;
}

/** Send offsets (ms from the start) of each request: 0, then the running sum of the gaps, ramped if asked. */
export function arrivalSchedule(opts: ArrivalOptions): number[] {
  const gaps = interArrivalGaps(opts);
  const ramp = opts.rampUpMs ?? 0;
  const out = new Array<number>(gaps.length);
  let t = 0;
  for (let i = 0; i < gaps.length; i++) {
    out[i] = rampedOffset(t, ramp);
    t += gaps[i]!;
  }
  return out;
}

/** How long a schedule of `requests` at `rate` lasts (ms): requests/rate, the sum of its gaps. */
export function scheduleSpanMs(rate: number, requests: number): number {
  return (requests * 1000) / rate;
}
