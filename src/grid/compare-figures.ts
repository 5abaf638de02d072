/**
 * The figures a grid compares, and their values in each visit and each cell.
 *
 * Every cell runs the same suite, so every visit has the same scenarios by name. Each
 * scenario kind has a short list of headline figures (figureSpecs). A visit's values come from
 * the scenario's group "" (src/compare/samples.ts scenarioGroups, as `shakedown diff` reads a
 * run): per-request values by record id, a reasoning task's score by record id, a rate's counts,
 * a figure's own interval, or one value per run. A cell pools its done visits: per-request
 * values are keyed `r<repeat>:<record id>`, so that two cells pair request by request within a
 * repeat (same suite, same seeds: same record ids).
 *
 * Pure: the caller reads the run folders.
 */
import type { ConversationScenarioConfig, LoadScenarioConfig, ScenarioConfig } from "../config/schema.js";
import { figureDirection, isTiming } from "../compare/figures.js";
import type { RecordGroup } from "../compare/samples.js";
import { bootstrapCI, arithmeticMean } from "../metrics/bootstrap.js";
import { deriveSeed, parseStatistic, wilsonInterval, type EstimateWithInterval, type Interval } from "../metrics/compare.js";
import { percentile } from "../metrics/summary.js";
import { normalQuantile } from "../metrics/trend-tests.js";
import type { MetricValue } from "../scenarios/types.js";
import type { RequestRecord } from "../store/records.js";
import type { CellFigure, GridFigure, GridFigureSource, RepeatValue } from "./compare-types.js";

/** A figure to compare, with how to read it from a scenario's group. */
export interface FigureSpec extends GridFigure {
  /** requests: the base in RecordGroup.values ("ttft", "ttft_hit.continued"); per-task / proportion / estimate / run: the metric's name. */
  from: string;
  /** requests and per-task: the statistic ("p50", "p90", "mean"). */
  statistic?: string;
  /** requests: which records count (a conversation's continued turns). */
  filter?: (r: RequestRecord) => boolean;
}

/** One visit's values of one figure. */
export type VisitValues =
  | { source: "requests" | "per-task"; values: Map<string, number>; ids: string[] }
  | { source: "proportion"; x: number; n: number }
  | { source: "estimate"; estimate: EstimateWithInterval }
  | { source: "run"; value: number };

const TURN_FIGURES: Record<string, { label: string; filter: (r: RequestRecord) => boolean }> = {
  // Records' turns are 1-based (src/scenarios/conversation/driver.ts): turn 1 is the session's first request.
  "ttft.continued": { label: "TTFT of continued turns", filter: (r) => (r.turn ?? 1) > 1 },
  "ttft.first_turn": { label: "TTFT of first turns", filter: (r) => (r.turn ?? 1) === 1 },
};

const REQUEST_LABELS: Record<string, string> = {
  ttft: "TTFT",
  e2e: "E2E latency",
  tpot: "time per output token",
  output_tps: "output tok/s per request",
};

const OTHER_LABELS: Record<string, string> = {
  "degradation.ttft": "TTFT degradation over turns",
  "score.mean": "mean score",
  call_accuracy: "tool-call accuracy",
  throughput: "throughput",
  goodput: "goodput",
  max_throughput: "maximum throughput",
  max_goodput: "maximum goodput",
  max_concurrency_within_thresholds: "most sessions at once within thresholds",
};

function spec(scenario: ScenarioConfig, figure: string, source: GridFigureSource, unit: MetricValue["unit"], label: string, extra: Partial<FigureSpec> = {}): FigureSpec {
  const direction = figureDirection(figure);
  return {
    key: `${scenario.name}/${figure}`,
    scenario: scenario.name,
    kind: scenario.kind,
    figure,
    label,
    unit,
    direction,
    timing: isTiming(figure, unit),
    source,
    points: unit === "fraction" || unit === "ratio",
    from: extra.from ?? figure,
    ...extra,
  };
}

/** A per-request figure: "ttft" + "p90" → "p90 TTFT"; "ttft.continued" + "p50" → "p50 TTFT of continued turns". */
function requestSpec(scenario: ScenarioConfig, base: string, statistic: string, unit: MetricValue["unit"] = "ms"): FigureSpec {
  const turn = TURN_FIGURES[base];
  const hit = /^ttft_hit\.(.+)$/.exec(base);
  const name = turn?.label ?? (hit ? `TTFT of cache hits (probe ${hit[1]})` : (REQUEST_LABELS[base] ?? base));
  return spec(scenario, `${base}.${statistic}`, "requests", unit, `${statistic} ${name}`, {
    from: turn ? "ttft" : base,
    statistic,
    ...(turn ? { filter: turn.filter } : {}),
  });
}

function otherSpec(scenario: ScenarioConfig, figure: string, source: GridFigureSource, unit: MetricValue["unit"]): FigureSpec {
  return spec(scenario, figure, source, unit, OTHER_LABELS[figure] ?? figure, source === "per-task" ? { statistic: "mean" } : {});
}

/**
 * The headline figures of a scenario (docs/grid.md): a short list per kind.
 * - conversation: p50 TTFT of continued turns (where a prefix cache acts) and of first turns,
 *   p90 TTFT, p50 E2E, p50 TPOT, TTFT degradation over turns; a sweep adds its capacity;
 * - cache: p50 TTFT of the hits of each probe;
 * - reasoning: p50 E2E, mean score;
 * - tools: tool-call accuracy;
 * - load: p90 TTFT, p50 E2E, p50 output tok/s, throughput and goodput (a sweep: its maximum throughput and goodput);
 * - soak: p90 TTFT, p50 TPOT.
 */
export function figureSpecs(sc: ScenarioConfig): FigureSpec[] {
  switch (sc.kind) {
    case "conversation": {
      const c = sc as ConversationScenarioConfig;
      const out: FigureSpec[] = [];
      if (c.turns > 1) out.push(requestSpec(sc, "ttft.continued", "p50"), requestSpec(sc, "ttft.first_turn", "p50"));
      out.push(requestSpec(sc, "ttft", "p90"), requestSpec(sc, "e2e", "p50"), requestSpec(sc, "tpot", "p50"));
      if (c.turns > 1) out.push(otherSpec(sc, "degradation.ttft", "estimate", "ratio"));
      if (Array.isArray(c.concurrency) && c.concurrency.length > 1) out.push(otherSpec(sc, "max_concurrency_within_thresholds", "run", "sessions"));
      return out;
    }
    case "cache":
      return sc.probes.map((p) => requestSpec(sc, `ttft_hit.${p}`, "p50"));
    case "reasoning":
      return [requestSpec(sc, "e2e", "p50"), otherSpec(sc, "score.mean", "per-task", "fraction")];
    case "tools":
      return [otherSpec(sc, "call_accuracy", "proportion", "fraction")];
    case "load": {
      const l = sc as LoadScenarioConfig;
      if (l.mode === "sweep") return [otherSpec(sc, "max_throughput", "run", "req/s"), otherSpec(sc, "max_goodput", "run", "req/s")];
      return [
        requestSpec(sc, "ttft", "p90"),
        requestSpec(sc, "e2e", "p50"),
        requestSpec(sc, "output_tps", "p50", "tok/s"),
        otherSpec(sc, "throughput", "run", "req/s"),
        otherSpec(sc, "goodput", "run", "req/s"),
      ];
    }
    case "soak":
      return [requestSpec(sc, "ttft", "p90"), requestSpec(sc, "tpot", "p50")];
  }
}

/** p50 of per-request output tok/s: the throughput objective of a suite without a load scenario. */
export function outputTpsSpec(sc: ScenarioConfig): FigureSpec {
  return requestSpec(sc, "output_tps", "p50", "tok/s");
}

/** A rate's successes and attempts from its value and n (x = value·n must be a whole number). */
function countsOf(m: MetricValue | undefined): { x: number; n: number } | undefined {
  const v = m?.value;
  if (!m || v === undefined || !Number.isFinite(v) || v < 0 || v > 1 || !(m.n >= 1) || !Number.isInteger(m.n)) return undefined;
  const x = v * m.n;
  return Math.abs(x - Math.round(x)) < 1e-6 * Math.max(1, m.n) ? { x: Math.round(x), n: m.n } : undefined;
}

/** One visit's values of a figure from the scenario's group ""; undefined when the visit has none. */
export function visitValues(f: FigureSpec, g: RecordGroup | undefined): VisitValues | undefined {
  if (!g) return undefined;
  switch (f.source) {
    case "requests": {
      const all = g.values.get(f.from);
      const recs = f.filter ? g.records.filter(f.filter) : g.records;
      const ids = recs.map((r) => r.id);
      const keep = f.filter ? new Set(ids) : undefined;
      const values = new Map<string, number>();
      for (const [id, v] of all ?? []) if (!keep || keep.has(id)) values.set(id, v);
      if (values.size === 0) return undefined;
      // A cache probe's group holds misses and hits: its ids for pairing are those of the probe's role.
      const pairIds = f.from.startsWith("ttft_hit.") || f.from.startsWith("ttft_miss.") ? pairIdsOfProbe(f.from, g) : ids;
      return { source: "requests", values, ids: pairIds };
    }
    case "per-task": {
      const m = g.perRecord[f.from];
      if (!m || m.size === 0) return undefined;
      return { source: "per-task", values: new Map(m), ids: [...m.keys()] };
    }
    case "proportion": {
      const c = countsOf(g.metrics[f.from]);
      return c ? { source: "proportion", ...c } : undefined;
    }
    case "estimate": {
      const e = g.estimates[f.from];
      return e ? { source: "estimate", estimate: e } : undefined;
    }
    case "run": {
      const v = g.metrics[f.from]?.value;
      return v !== undefined && Number.isFinite(v) ? { source: "run", value: v } : undefined;
    }
  }
}

function pairIdsOfProbe(base: string, g: RecordGroup): string[] {
  const [kind, probe] = base.split(".") as [string, string];
  const role = kind === "ttft_hit" ? "hit" : "miss";
  return g.records.filter((r) => (r.probe ?? r.session) === probe && r.role === role).map((r) => r.id);
}

// ─────────────────────────────── statistics ───────────────────────────────

/** A statistic ("p50", "p90", "mean") of values; undefined when there are none. */
export function statisticOf(values: readonly number[], statistic: string): number | undefined {
  if (values.length === 0) return undefined;
  const st = parseStatistic(statistic);
  if (st === undefined) throw new RangeError(`unknown statistic "${statistic}"`);
  if (st === "mean") return arithmeticMean(values);
  return percentile([...values].sort((a, b) => a - b), st);
}

function statisticFn(statistic: string): (xs: readonly number[]) => number {
  const st = parseStatistic(statistic);
  if (st === "mean" || st === undefined) return arithmeticMean;
  return (xs) => percentile(Float64Array.from(xs).sort() as unknown as number[], st) as number;
}

/** The standard error an interval stands for (its width / (2·z)). */
function seOf(e: EstimateWithInterval): number {
  return Math.max(0, e.upper - e.lower) / (2 * normalQuantile(1 - (1 - e.confidence) / 2));
}

/**
 * Several visits' estimates of one figure as one: their mean, with the standard error of a
 * mean of independent estimates (√Σ seᵢ² / k) and a normal interval at `confidence`.
 */
export function combineEstimates(es: readonly EstimateWithInterval[], confidence: number): EstimateWithInterval | undefined {
  if (es.length === 0) return undefined;
  const k = es.length;
  const estimate = es.reduce((s, e) => s + e.estimate, 0) / k;
  const se = Math.sqrt(es.reduce((s, e) => s + seOf(e) ** 2, 0)) / k;
  const half = normalQuantile(1 - (1 - confidence) / 2) * se;
  if (!Number.isFinite(estimate) || !Number.isFinite(half)) return undefined;
  return { estimate, lower: estimate - half, upper: estimate + half, confidence };
}

/** The largest difference between two repeats: max / min − 1 (positive values), or max − min in points. */
export function repeatSpread(values: readonly number[], points: boolean): number | undefined {
  if (values.length < 2) return undefined;
  const max = Math.max(...values);
  const min = Math.min(...values);
  if (points) return max - min;
  if (!(min > 0)) return undefined;
  return max / min - 1;
}

/** One visit's value of a figure (the statistic of its requests, its rate, its estimate, its value) and what it rests on. */
export function visitValue(f: FigureSpec, v: VisitValues | undefined): { value?: number; n: number } {
  if (!v) return { n: 0 };
  switch (v.source) {
    case "requests":
    case "per-task": {
      const xs = [...v.values.values()];
      const value = statisticOf(xs, f.statistic ?? "mean");
      return value !== undefined ? { value, n: xs.length } : { n: xs.length };
    }
    case "proportion":
      return { value: v.x / v.n, n: v.n };
    case "estimate":
      return { value: v.estimate.estimate, n: 1 };
    case "run":
      return { value: v.value, n: 1 };
  }
}

/** A cell's figure from its visits' values (by repeat, in repeat order). */
export function cellFigure(
  f: FigureSpec,
  byRepeat: ReadonlyMap<number, VisitValues>,
  opts: { alpha: number; seed: number; iterations: number; cell: string },
): CellFigure {
  const confidence = 1 - opts.alpha;
  const repeats = [...byRepeat.keys()].sort((a, b) => a - b);
  const perRepeat: RepeatValue[] = repeats.map((r) => ({ repeat: r, ...visitValue(f, byRepeat.get(r)) }));
  const spreadValues = perRepeat.flatMap((p) => (p.value !== undefined ? [p.value] : []));
  const spread = repeatSpread(spreadValues, f.points);
  const out: CellFigure = { figure: f.key, n: 0, perRepeat, ...(spread !== undefined ? { repeatSpread: spread } : {}) };
  const seed = deriveSeed(opts.seed, `cell/${opts.cell}/${f.key}`);
  const visits = repeats.map((r) => byRepeat.get(r)!);
  switch (f.source) {
    case "requests":
    case "per-task": {
      const xs = visits.flatMap((v) => (v.source === "requests" || v.source === "per-task" ? [...v.values.values()] : []));
      out.n = xs.length;
      const value = statisticOf(xs, f.statistic ?? "mean");
      if (value === undefined) return { ...out, note: "no value" };
      out.value = value;
      const ci = bootstrapCI(xs, statisticFn(f.statistic ?? "mean"), { confidence, seed, iterations: opts.iterations });
      if (ci) out.ci = { lower: ci.lower, upper: ci.upper };
      return out;
    }
    case "proportion": {
      let x = 0;
      let n = 0;
      for (const v of visits) if (v.source === "proportion") ((x += v.x), (n += v.n));
      out.n = n;
      if (n === 0) return { ...out, note: "no value" };
      out.value = x / n;
      out.ci = wilsonInterval(x, n, confidence);
      return out;
    }
    case "estimate": {
      const es = visits.flatMap((v) => (v.source === "estimate" ? [v.estimate] : []));
      const c = combineEstimates(es, confidence);
      out.n = es.length;
      if (!c) return { ...out, note: "no value" };
      out.value = c.estimate;
      out.ci = { lower: c.lower, upper: c.upper };
      out.note = es.length > 1 ? `the mean of ${es.length} visits' estimates, with their intervals combined` : "the visit's own estimate and interval";
      return out;
    }
    case "run": {
      const xs = visits.flatMap((v) => (v.source === "run" ? [v.value] : []));
      out.n = xs.length;
      if (xs.length === 0) return { ...out, note: "no value" };
      out.value = arithmeticMean(xs);
      if (xs.length >= 3) {
        const ci = bootstrapCI(xs, arithmeticMean, { confidence, seed, iterations: opts.iterations });
        if (ci) out.ci = { lower: ci.lower, upper: ci.upper };
        out.note = `the mean of ${xs.length} visits (one value per visit)`;
      } else {
        out.note = `the mean of ${xs.length} visit${xs.length === 1 ? "" : "s"} (one value per visit): too few for an interval`;
      }
      return out;
    }
  }
}

export type { Interval };
