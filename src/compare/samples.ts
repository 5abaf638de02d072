/**
 * A scenario's records cut into the groups a comparison sets side by side — a concurrency
 * level of a conversation sweep, a stage of a load sweep, or the scenario whole — each with
 * the per-request values of its figures (by record id, so that two runs of one plan pair), the
 * scenario's own figures from results.json, and the evidence some of them carry.
 *
 * The records kept are those the scenario's analysis measures: requests cut by the run's
 * stop, judge exchanges, cache warm-ups, soak canaries and a load test's ramp-up, warm-up and
 * cool-down are left out, as they are from every figure of the run.
 */
import type { CacheScenarioConfig, ConversationScenarioConfig, LoadScenarioConfig, ScenarioConfig } from "../config/schema.js";
import type { EstimateWithInterval } from "../metrics/compare.js";
import type { DegradationEvidence } from "../metrics/degradation.js";
import { deriveRequestMetrics, type RequestMetrics } from "../metrics/request.js";
import type { ConversationDetail } from "../scenarios/conversation/analyze.js";
import type { LoadResultDetail } from "../scenarios/load/analyze.js";
import type { ReasoningDetail } from "../scenarios/reasoning/analyze.js";
import type { MetricValue, ScenarioResult } from "../scenarios/types.js";
import type { RequestRecord } from "../store/records.js";
import { REQUEST_FIGURES } from "./figures.js";

export interface RecordGroup {
  /** "" for the group whose figures are the scenario's; else e.g. "c5", "stage rate-2". */
  key: string;
  /** How the reports name it: "" for the scenario itself, "5 sessions at once", "stage rate-2". */
  label: string;
  /** The records measured (ok or not). */
  records: RequestRecord[];
  /** Per-request values of ok requests: figure base ("ttft", "ttft_miss.continued") → record id → value. */
  values: Map<string, Map<string, number>>;
  /** Units of the bases in `values`. */
  units: Map<string, MetricValue["unit"]>;
  /** Some request reasoned (its time to first answer token differs from its TTFT). */
  reasoned: boolean;
  /** The group's figures as the run's analysis gave them (results.json). */
  metrics: Record<string, MetricValue>;
  /** Figures that come with an interval of their own (degradation). */
  estimates: Record<string, EstimateWithInterval>;
  /** Figures that are means of a per-record value (a reasoning task's score): figure → record id → value. */
  perRecord: Record<string, Map<string, number>>;
}

/** A request the run's stop cut short (Ctrl-C, the target gone): in no figure. */
function stoppedByRun(r: RequestRecord): boolean {
  return r.result.error?.kind === "aborted";
}

function put(values: Map<string, Map<string, number>>, base: string, id: string, v: number | undefined): void {
  if (v === undefined || !Number.isFinite(v)) return;
  let m = values.get(base);
  if (!m) values.set(base, (m = new Map()));
  m.set(id, v);
}

function meanOf(xs: readonly number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** The standard per-request figures of ok requests (streamed ones only when any was streamed: a non-streamed E2E is another figure). */
function requestValues(records: readonly RequestRecord[]): Pick<RecordGroup, "values" | "units" | "reasoned"> {
  const values = new Map<string, Map<string, number>>();
  const anyStreamed = records.some((r) => r.result.stream);
  let reasoned = false;
  for (const r of records) {
    if (!r.result.ok || (anyStreamed && !r.result.stream)) continue;
    const m: RequestMetrics = deriveRequestMetrics(r.result);
    put(values, "ttft", r.id, m.ttftMs);
    put(values, "ttfa", r.id, m.ttfaMs);
    put(values, "e2e", r.id, m.e2eMs);
    put(values, "tpot", r.id, m.tpotMs);
    put(values, "itl", r.id, meanOf(m.itlMs));
    put(values, "output_tps", r.id, m.outputTps);
    put(values, "e2e_output_tps", r.id, m.e2eOutputTps);
    if (m.ttfaMs !== undefined && m.ttftMs !== undefined && m.ttfaMs !== m.ttftMs) reasoned = true;
  }
  const units = new Map<string, MetricValue["unit"]>(Object.entries(REQUEST_FIGURES));
  return { values, units, reasoned };
}

function group(key: string, label: string, records: RequestRecord[], metrics: Record<string, MetricValue> = {}): RecordGroup {
  return { key, label, records, ...requestValues(records), metrics, estimates: {}, perRecord: {} };
}

function estimateOf(e: DegradationEvidence | undefined): EstimateWithInterval | undefined {
  if (!e?.ci) return undefined;
  return { estimate: e.estimate, lower: e.ci.lower, upper: e.ci.upper, confidence: e.ci.confidence };
}

function withDegradation(g: RecordGroup, d: ConversationDetail["levels"][number]["detail"]["degradation"] | undefined): RecordGroup {
  const ttft = estimateOf(d?.ttft);
  const e2e = estimateOf(d?.e2e);
  if (ttft) g.estimates["degradation.ttft"] = ttft;
  if (e2e) g.estimates["degradation.e2e"] = e2e;
  return g;
}

function conversationGroups(cfg: ConversationScenarioConfig, result: ScenarioResult | undefined, mine: RequestRecord[]): RecordGroup[] {
  const planned = Array.isArray(cfg.concurrency) ? cfg.concurrency : [cfg.concurrency];
  const seen = new Set(mine.map((r) => r.concurrency ?? 1));
  const levels = planned.filter((c) => seen.has(c));
  const detail = result?.detail as ConversationDetail | undefined;
  return levels.map((c, i) => {
    const level = detail?.levels?.find((l) => l.concurrency === c);
    const records = mine.filter((r) => (r.concurrency ?? 1) === c);
    // The scenario's figures are its first level's.
    const g = i === 0 ? group("", "", records, result?.metrics) : group(`c${c}`, `${c} session${c === 1 ? "" : "s"} at once`, records, level?.metrics);
    return withDegradation(g, level?.detail?.degradation);
  });
}

function cacheGroups(cfg: CacheScenarioConfig, result: ScenarioResult | undefined, mine: RequestRecord[]): RecordGroup[] {
  const measured = mine.filter((r) => r.role === "miss" || r.role === "hit");
  const g = group("", "", measured, result?.metrics);
  // Latencies of a cache probe are its misses' and its hits' TTFTs, never pooled.
  g.values = new Map();
  g.units = new Map();
  g.reasoned = false;
  for (const probe of cfg.probes) {
    for (const role of ["miss", "hit"] as const) {
      const base = `ttft_${role}.${probe}`;
      g.units.set(base, "ms");
      for (const r of measured) {
        if ((r.probe ?? r.session) !== probe || r.role !== role || !r.result.ok) continue;
        put(g.values, base, r.id, deriveRequestMetrics(r.result).ttftMs);
      }
    }
  }
  return [g];
}

/**
 * The load analysis's measured requests: those sent after the ramp-up and the warm-up and
 * before the cool-down (times from the intended send in an open loop), as analyzeStage cuts them.
 */
function loadMeasured(cfg: LoadScenarioConfig, mode: string, records: RequestRecord[]): RequestRecord[] {
  if (records.length === 0) return records;
  const open = mode !== "closed";
  const sendOf = (r: RequestRecord) => (open ? (r.intendedSendPerfMs ?? r.result.sentPerfMs) : r.result.sentPerfMs);
  const start = Math.min(...records.map(sendOf));
  const rel = records.map((r) => sendOf(r) - start);
  const end = Math.max(...rel);
  const EPS = 1e-6;
  const rampMs = cfg.ramp_up_s * 1000;
  const warmupMs = cfg.warmup_s * 1000;
  const cooldownMs = cfg.cooldown_s * 1000;
  return records.filter((_, i) => {
    const t = rel[i] as number;
    if (t < rampMs + warmupMs - EPS) return false;
    return !(cooldownMs > 0 && t > end - cooldownMs + EPS);
  });
}

function loadGroups(cfg: LoadScenarioConfig, result: ScenarioResult | undefined, mine: RequestRecord[]): RecordGroup[] {
  if (cfg.mode !== "sweep") return [group("", "", loadMeasured(cfg, cfg.mode, mine), result?.metrics)];
  // A sweep: its own figures, then one group per stage, in the order they ran.
  const detail = result?.detail as LoadResultDetail | undefined;
  const stages = detail && "stages" in detail ? detail.stages : [];
  const names = [...new Set(mine.flatMap((r) => (r.stage ? [r.stage.name] : [])))];
  const groups = [group("", "", [], result?.metrics)];
  for (const name of names) {
    const recs = mine.filter((r) => r.stage?.name === name);
    const mode = recs[0]?.stage?.mode ?? "closed";
    groups.push(group(`stage ${name}`, `stage ${name}`, loadMeasured(cfg, mode, recs), stages.find((s) => s.stage.name === name)?.result.metrics));
  }
  return groups;
}

/** The groups of one scenario of a run. `result` is the scenario's entry of results.json (absent when it has none). */
export function scenarioGroups(cfg: ScenarioConfig, result: ScenarioResult | undefined, records: readonly RequestRecord[]): RecordGroup[] {
  const mine = records.filter((r) => r.scenario === cfg.name && !stoppedByRun(r));
  switch (cfg.kind) {
    case "conversation":
      return conversationGroups(cfg, result, mine);
    case "cache":
      return cacheGroups(cfg, result, mine);
    case "load":
      return loadGroups(cfg, result, mine);
    case "reasoning": {
      const g = group("", "", mine.filter((r) => r.role !== "judge"), result?.metrics);
      const runs = (result?.detail as ReasoningDetail | undefined)?.runs ?? [];
      if (runs.length) g.perRecord["score.mean"] = new Map(runs.filter((r) => Number.isFinite(r.finalScore)).map((r) => [r.recordId, r.finalScore]));
      return [g];
    }
    case "soak":
      return [group("", "", mine.filter((r) => r.probe !== "canary"), result?.metrics)];
    case "tools":
      return [group("", "", mine, result?.metrics)];
  }
}
