/**
 * The GPUs over a span of the run (a scenario, a soak window): per GPU and in total. Pure.
 *
 * Every figure carries its n (the samples, or ticks, it rests on). Absent values (a source
 * that does not report a figure) are left out of that figure, never counted as 0.
 *
 * - utilization: mean, p50 and max of the samples (total: all GPUs' samples pooled);
 * - memory used: first, last, max, mean, and its least-squares slope in MiB per hour with a
 *   95 % confidence interval (olsTrend): a leak estimate. No slope from fewer than 3 samples
 *   or a span under 3 sampling intervals. The total is the sum over the GPUs at each tick;
 * - power: mean and max (total: the sum over the GPUs at each tick);
 * - energy, joules: the difference of the cumulative energy counter when every sample has
 *   it and it never goes back (energySource "counter"), else the trapezoid integral of power
 *   over time ("power"); both cover the first to the last sample of the span. The total uses
 *   one method for every GPU (the counter if all have it, else power if all have it, else
 *   none). With opts.outputTokens, joules per output token (total only): the mean power
 *   times the whole span asked for, over the tokens (the samples miss the span's edges);
 * - temperature: mean, max; SM clock: mean, min;
 * - throttle reasons: the share of the samples that report reasons in which each was active.
 *
 * A tick is the samples of one sampling instant (one per GPU): samples sorted by time, a new
 * tick when a GPU repeats or the time moves on by more than half the sampling interval.
 * Total memory and power use only the ticks that have every GPU of the span.
 */
import { percentile } from "../../metrics/summary.js";
import { olsTrend } from "../../metrics/trend-tests.js";
import type { GpuSample } from "./types.js";

export interface GpuMeanMax {
  n: number;
  mean: number;
  max: number;
}

export interface GpuUtilizationStats extends GpuMeanMax {
  p50: number;
}

export interface GpuMemorySlope {
  /** Samples (or total ticks) the line rests on. */
  n: number;
  /** Least-squares slope of memory used, MiB per hour; positive: growing. */
  mibPerHour: number;
  /** Its confidence interval (Student t, n − 2 degrees of freedom). */
  lowerMiBPerHour: number;
  upperMiBPerHour: number;
  confidence: number;
  /** Two-sided p-value of "no trend". */
  pValue: number;
  r2: number;
  /** Time between the first and the last point, ms. */
  spanMs: number;
}

export interface GpuMemoryStats {
  n: number;
  first: number;
  last: number;
  max: number;
  mean: number;
  /** Absent with too few points or too short a span. */
  slope?: GpuMemorySlope;
}

export interface GpuEnergy {
  /** Samples it rests on. */
  n: number;
  joules: number;
  /** counter: the cumulative energy counter's difference; power: ∫ power dt (trapezoids). */
  energySource: "counter" | "power";
  /** First to last sample used, ms. */
  spanMs: number;
  /** Mean power over the span, W (joules / seconds). */
  meanW?: number;
  outputTokens?: number;
  /**
   * Total only: mean power × the whole span asked for (the scenario's) / its output tokens.
   * Absent when the samples cover less than half of that span.
   */
  joulesPerOutputToken?: number;
}

export interface GpuClockStats {
  n: number;
  mean: number;
  min: number;
}

export interface GpuThrottleShare {
  reason: string;
  /** Samples in which it was active. */
  n: number;
  /** n / the samples that report reasons, 0..1. */
  share: number;
}

export interface GpuThrottleStats {
  /** Samples that report throttle reasons. */
  n: number;
  /** Samples with no reason active. */
  none: number;
  /** Most frequent first. */
  reasons: GpuThrottleShare[];
}

export interface GpuFigures {
  /** Samples in the span. */
  n: number;
  /** performance.now() ms of the first and last sample in the span. */
  firstT: number;
  lastT: number;
  utilization?: GpuUtilizationStats;
  memoryUtilization?: GpuMeanMax;
  memoryUsedMiB?: GpuMemoryStats;
  powerW?: GpuMeanMax;
  energy?: GpuEnergy;
  temperatureC?: GpuMeanMax;
  smClockMHz?: GpuClockStats;
  throttle?: GpuThrottleStats;
}

export interface GpuOneSummary extends GpuFigures {
  gpu: number;
  name?: string;
  uuid?: string;
  memoryTotalMiB?: number;
  powerLimitW?: number;
  /** Median time between two samples, ms (absent with one sample). */
  intervalMs?: number;
}

export interface GpuTotalSummary extends GpuFigures {
  /** GPUs in the span. */
  gpuCount: number;
  /** Ticks with every GPU (what total memory and power rest on). */
  ticks: number;
  memoryTotalMiB?: number;
}

export interface GpuSpanSummary {
  /** The span asked for, performance.now() ms. */
  fromT: number;
  toT: number;
  gpus: GpuOneSummary[];
  total: GpuTotalSummary;
}

export interface GpuSummaryOptions {
  /** Output tokens generated over the span (for joules per output token). */
  outputTokens?: number;
  /** Confidence of the memory slope's interval (default 0.95). */
  confidence?: number;
}

const MS_PER_HOUR = 3_600_000;
/** A slope needs at least this many sampling intervals of span. */
const MIN_SLOPE_INTERVALS = 3;

function finite(v: number | undefined): v is number {
  return typeof v === "number" && Number.isFinite(v);
}

function meanMax(values: readonly number[]): GpuMeanMax | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
  }
  return { n: values.length, mean: sum / values.length, max };
}

function utilizationStats(values: readonly number[]): GpuUtilizationStats | undefined {
  const mm = meanMax(values);
  if (!mm) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return { ...mm, p50: percentile(sorted, 50) as number };
}

function clockStats(values: readonly number[]): GpuClockStats | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
  }
  return { n: values.length, mean: sum / values.length, min };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Median gap between consecutive times (sorted), ms. */
function medianInterval(ts: readonly number[]): number | undefined {
  const gaps: number[] = [];
  for (let i = 1; i < ts.length; i++) gaps.push((ts[i] as number) - (ts[i - 1] as number));
  return median(gaps.filter((g) => g > 0));
}

/** Memory figures of a time series (sorted by t). */
function memoryStats(points: readonly { t: number; v: number }[], confidence: number): GpuMemoryStats | undefined {
  if (points.length === 0) return undefined;
  const values = points.map((p) => p.v);
  const mm = meanMax(values) as GpuMeanMax;
  const out: GpuMemoryStats = { n: points.length, first: values[0] as number, last: values[values.length - 1] as number, max: mm.max, mean: mm.mean };
  const slope = memorySlope(points, confidence);
  if (slope) out.slope = slope;
  return out;
}

function memorySlope(points: readonly { t: number; v: number }[], confidence: number): GpuMemorySlope | undefined {
  if (points.length < 3) return undefined;
  const t0 = (points[0] as { t: number }).t;
  const spanMs = (points[points.length - 1] as { t: number }).t - t0;
  const interval = medianInterval(points.map((p) => p.t));
  if (interval === undefined || !(spanMs >= MIN_SLOPE_INTERVALS * interval)) return undefined;
  const fit = olsTrend(
    points.map((p) => (p.t - t0) / MS_PER_HOUR),
    points.map((p) => p.v),
    confidence,
  );
  if (!fit) return undefined;
  return {
    n: fit.n,
    mibPerHour: fit.slope,
    lowerMiBPerHour: fit.slopeLower,
    upperMiBPerHour: fit.slopeUpper,
    confidence: fit.confidence,
    pValue: fit.pValue,
    r2: fit.r2,
    spanMs,
  };
}

/** ∫ power dt over samples sorted by t (trapezoids), or undefined with fewer than 2 readings. */
function powerEnergy(samples: readonly GpuSample[]): GpuEnergy | undefined {
  const pts = samples.filter((s) => finite(s.powerW));
  if (pts.length < 2) return undefined;
  let joules = 0;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1] as GpuSample;
    const b = pts[i] as GpuSample;
    joules += (((a.powerW as number) + (b.powerW as number)) / 2) * ((b.t - a.t) / 1000);
  }
  const spanMs = (pts[pts.length - 1] as GpuSample).t - (pts[0] as GpuSample).t;
  return withMean({ n: pts.length, joules, energySource: "power", spanMs });
}

/** The counter's difference when every sample has it and it never goes back; else undefined. */
function counterEnergy(samples: readonly GpuSample[]): GpuEnergy | undefined {
  if (samples.length < 2 || !samples.every((s) => finite(s.energyJ))) return undefined;
  for (let i = 1; i < samples.length; i++) {
    if ((samples[i] as GpuSample).energyJ! < (samples[i - 1] as GpuSample).energyJ!) return undefined; // reset (driver reload)
  }
  const first = samples[0] as GpuSample;
  const last = samples[samples.length - 1] as GpuSample;
  return withMean({ n: samples.length, joules: last.energyJ! - first.energyJ!, energySource: "counter", spanMs: last.t - first.t });
}

function withMean(e: GpuEnergy): GpuEnergy {
  if (e.spanMs > 0) e.meanW = e.joules / (e.spanMs / 1000);
  return e;
}

function throttleStats(samples: readonly GpuSample[]): GpuThrottleStats | undefined {
  const reporting = samples.filter((s) => Array.isArray(s.throttleReasons));
  if (reporting.length === 0) return undefined;
  const counts = new Map<string, number>();
  let none = 0;
  for (const s of reporting) {
    const reasons = new Set(s.throttleReasons);
    if (reasons.size === 0) none++;
    for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  }
  const reasons = [...counts]
    .map(([reason, n]) => ({ reason, n, share: n / reporting.length }))
    .sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason));
  return { n: reporting.length, none, reasons };
}

const values = (samples: readonly GpuSample[], key: keyof GpuSample): number[] =>
  samples.map((s) => s[key]).filter((v): v is number => finite(v as number | undefined));

/** Figures every level shares (utilization, temperature, clocks, throttle), over samples sorted by t. */
function pooledFigures(samples: readonly GpuSample[]): GpuFigures {
  const out: GpuFigures = { n: samples.length, firstT: (samples[0] as GpuSample).t, lastT: (samples[samples.length - 1] as GpuSample).t };
  const util = utilizationStats(values(samples, "utilization"));
  if (util) out.utilization = util;
  const memUtil = meanMax(values(samples, "memoryUtilization"));
  if (memUtil) out.memoryUtilization = memUtil;
  const temp = meanMax(values(samples, "temperatureC"));
  if (temp) out.temperatureC = temp;
  const sm = clockStats(values(samples, "smClockMHz"));
  if (sm) out.smClockMHz = sm;
  const th = throttleStats(samples);
  if (th) out.throttle = th;
  return out;
}

function lastDefined<K extends keyof GpuSample>(samples: readonly GpuSample[], key: K): GpuSample[K] | undefined {
  for (let i = samples.length - 1; i >= 0; i--) {
    const v = (samples[i] as GpuSample)[key];
    if (v !== undefined) return v;
  }
  return undefined;
}

function oneGpu(gpu: number, samples: readonly GpuSample[], confidence: number): GpuOneSummary {
  const out: GpuOneSummary = { gpu, ...pooledFigures(samples) };
  const name = lastDefined(samples, "name");
  if (name !== undefined) out.name = name;
  const uuid = lastDefined(samples, "uuid");
  if (uuid !== undefined) out.uuid = uuid;
  const total = lastDefined(samples, "memoryTotalMiB");
  if (total !== undefined) out.memoryTotalMiB = total;
  const limit = lastDefined(samples, "powerLimitW");
  if (limit !== undefined) out.powerLimitW = limit;
  const interval = medianInterval(samples.map((s) => s.t));
  if (interval !== undefined) out.intervalMs = interval;
  const mem = memoryStats(
    samples.filter((s) => finite(s.memoryUsedMiB)).map((s) => ({ t: s.t, v: s.memoryUsedMiB as number })),
    confidence,
  );
  if (mem) out.memoryUsedMiB = mem;
  const power = meanMax(values(samples, "powerW"));
  if (power) out.powerW = power;
  const energy = counterEnergy(samples) ?? powerEnergy(samples);
  if (energy) out.energy = energy;
  return out;
}

/** Samples sorted by t, cut into ticks (one sample per GPU each). */
function ticksOf(sorted: readonly GpuSample[], intervalMs: number | undefined): GpuSample[][] {
  const ticks: GpuSample[][] = [];
  let cur: GpuSample[] = [];
  let start = 0;
  const maxSpread = intervalMs === undefined ? Infinity : intervalMs / 2;
  for (const s of sorted) {
    if (cur.length > 0 && (cur.some((c) => c.gpu === s.gpu) || s.t - start > maxSpread)) {
      ticks.push(cur);
      cur = [];
    }
    if (cur.length === 0) start = s.t;
    cur.push(s);
  }
  if (cur.length > 0) ticks.push(cur);
  return ticks;
}

function sumOf(tick: readonly GpuSample[], key: "memoryUsedMiB" | "powerW"): number | undefined {
  let sum = 0;
  for (const s of tick) {
    const v = s[key];
    if (!finite(v)) return undefined;
    sum += v;
  }
  return sum;
}

function totalFigures(
  sorted: readonly GpuSample[],
  perGpu: readonly GpuOneSummary[],
  byGpu: ReadonlyMap<number, GpuSample[]>,
  confidence: number,
  outputTokens: number | undefined,
  spanMs: number,
): GpuTotalSummary {
  const gpuCount = perGpu.length;
  const intervals = perGpu.map((g) => g.intervalMs).filter(finite);
  const ticks = ticksOf(sorted, median(intervals)).filter((tk) => tk.length === gpuCount);
  const out: GpuTotalSummary = { ...pooledFigures(sorted), gpuCount, ticks: ticks.length };

  const totals = perGpu.map((g) => g.memoryTotalMiB);
  if (totals.every(finite)) out.memoryTotalMiB = (totals as number[]).reduce((a, b) => a + b, 0);

  const tickT = (tk: readonly GpuSample[]) => tk.reduce((a, s) => a + s.t, 0) / tk.length;
  const memPoints: { t: number; v: number }[] = [];
  const powers: number[] = [];
  for (const tk of ticks) {
    const m = sumOf(tk, "memoryUsedMiB");
    if (m !== undefined) memPoints.push({ t: tickT(tk), v: m });
    const p = sumOf(tk, "powerW");
    if (p !== undefined) powers.push(p);
  }
  const mem = memoryStats(memPoints, confidence);
  if (mem) out.memoryUsedMiB = mem;
  const power = meanMax(powers);
  if (power) out.powerW = power;

  // one method for every GPU: the counter if all have it, else power if all have it
  const pick = (f: (s: readonly GpuSample[]) => GpuEnergy | undefined): GpuEnergy[] | undefined => {
    const list: GpuEnergy[] = [];
    for (const g of perGpu) {
      const e = f(byGpu.get(g.gpu) ?? []);
      if (!e) return undefined;
      list.push(e);
    }
    return list;
  };
  const parts = pick(counterEnergy) ?? pick(powerEnergy);
  if (parts && parts.length > 0) {
    const energy: GpuEnergy = {
      n: parts.reduce((a, e) => a + e.n, 0),
      joules: parts.reduce((a, e) => a + e.joules, 0),
      energySource: (parts[0] as GpuEnergy).energySource,
      spanMs: Math.max(...parts.map((e) => e.spanMs)),
    };
    withMean(energy);
    // The samples cover the span less its edges (the first sample comes up to an interval
    // after the span's start): joules per token takes the mean power over the whole span,
    // given the samples cover at least half of it.
    if (outputTokens !== undefined && outputTokens > 0 && energy.meanW !== undefined && spanMs > 0 && energy.spanMs >= spanMs / 2) {
      energy.outputTokens = outputTokens;
      energy.joulesPerOutputToken = (energy.meanW * (spanMs / 1000)) / outputTokens;
    }
    out.energy = energy;
  }
  return out;
}

/**
 * The GPUs over fromT ≤ t ≤ toT (performance.now() ms, the clock of the request records);
 * undefined when no sample falls in the span.
 */
export function summarizeGpu(samples: readonly GpuSample[], fromT: number, toT: number, opts: GpuSummaryOptions = {}): GpuSpanSummary | undefined {
  const confidence = opts.confidence ?? 0.95;
  const inSpan = samples.filter((s) => finite(s.t) && Number.isInteger(s.gpu) && s.t >= fromT && s.t <= toT);
  if (inSpan.length === 0) return undefined;
  const sorted = [...inSpan].sort((a, b) => a.t - b.t || a.gpu - b.gpu);
  const byGpu = new Map<number, GpuSample[]>();
  for (const s of sorted) {
    let list = byGpu.get(s.gpu);
    if (!list) byGpu.set(s.gpu, (list = []));
    list.push(s);
  }
  const gpus = [...byGpu.keys()].sort((a, b) => a - b).map((g) => oneGpu(g, byGpu.get(g) as GpuSample[], confidence));
  return { fromT, toT, gpus, total: totalFigures(sorted, gpus, byGpu, confidence, opts.outputTokens, toT - fromT) };
}
