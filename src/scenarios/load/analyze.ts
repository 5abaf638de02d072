/**
 * Analysis of the load scenario: a pure function over request records.
 *
 * - Exclusion windows: requests whose send (the intended send in open loop) falls in the
 *   first `warmup_s` or the last `cooldown_s` seconds of the sending span are left out of
 *   every figure except the success rate, and counted.
 * - Open loop: latencies are measured from the intended send time as well as from the actual
 *   send (TTFT from intended = actual send + TTFT − intended send), so a late client or a
 *   full concurrency cap cannot hide queueing (no coordinated omission). SLOs and goodput use
 *   the figures from the intended send.
 * - Findings (findings.ts, each a stated rule): the server did not keep up with the arrivals
 *   (saturated: the headline's finding), the client was the cause of its own lateness
 *   (client-limited), the client's calibrated noise floor at the stage's own concurrency
 *   is large beside the TTFT measured, and prompt and reply lengths against those asked.
 * - A sweep analyses each stage under the config it ran with and says what all stages share
 *   once, at the sweep's level.
 */
import type { LoadScenarioConfig } from "../../config/schema.js";
import { parseThreshold } from "../../config/thresholds.js";
import { deriveRequestMetrics, evaluate, overallStatus, summarize, type RequestMetrics, type Summary } from "../../metrics/index.js";
import type { ServerSnapshot } from "../../monitor/types.js";
import type { LoadStage, RequestRecord } from "../../store/records.js";
import { arrivalSchedule } from "../../workload/arrivals.js";
import type { Calibration } from "../../calibrate/index.js";
import { calibrationLevels, floorAt, type FloorEstimate } from "../../calibrate/floor.js";
import { SKIP_REASONS, type DatasetInfo } from "../../workload/datasets.js";
import { collectErrors, summaryMetrics } from "../common.js";
import { inFlightLimit } from "./driver.js";
import {
  CLIENT_LAG_MATERIAL_SHARE,
  CLIENT_LATE_SHARE,
  clientLimitFinding,
  lengthFigures,
  saturationFinding,
  type ClientLimitFinding,
  type LengthFigures,
  type SaturationFinding,
} from "./findings.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";

/** A send later than this after its intended time counts as a late send. */
export const LATE_SEND_MS = 1;

/** The figures of one stage (a non-sweep scenario, or each stage of a sweep). */
export const LOAD_STAGE_METRICS = [
  ...["mean", "std", "min", "max", "p50", "p90", "p95", "p99"].flatMap((s) => [
    `ttft.${s}`,
    `e2e.${s}`,
    `tpot.${s}`,
    `itl.${s}`,
    `ttft_from_intended.${s}`,
    `e2e_from_intended.${s}`,
    `client_lag.${s}`,
  ]),
  "slot_wait.p99",
  "late_sends",
  "slot_waits",
  "not_sent",
  "excluded",
  "achieved_rate",
  "rate_error",
  "throughput",
  "output_tps_total",
  "goodput",
  "goodput_fraction",
  "success_rate",
  "client_limited",
  "saturated",
  "completion_ratio",
  "in_flight.mean",
  "prompt_tokens.mean",
  "output_tokens.mean",
  "prompt_length_error",
  "output_length_error",
] as const;

/** The figures of a sweep as a whole. */
export const LOAD_SWEEP_METRICS = [
  "sync_rate",
  "max_throughput",
  "max_goodput",
  "stages",
  "rate_error",
  "client_limited",
  "saturated",
  "success_rate",
  "prompt_length_error",
  "output_length_error",
] as const;

export const LOAD_METRICS = [...new Set([...LOAD_STAGE_METRICS, ...LOAD_SWEEP_METRICS])];

export const LOAD_DEFAULT_THRESHOLDS = ["success_rate > 99%"] as const;

export type SloName = "ttft_ms" | "tpot_ms" | "e2e_ms";

export interface LoadDetail {
  sweep?: false;
  mode: Exclude<LoadScenarioConfig["mode"], "sweep">;
  open: boolean;
  concurrency: number;
  /** Open loop: the target rate (req/s) and, for gamma, its shape. */
  targetRate?: number;
  burstiness?: number;
  /** Sends per second the client achieved over the measured requests. */
  achievedRate?: number;
  /** Requests the schedule held (open loop: those due before duration_s), and how many were sent. */
  planned: number;
  sent: number;
  notSent: number;
  exclusions: { rampUpS: number; warmupS: number; cooldownS: number; rampUp: number; warmup: number; cooldown: number; measured: number };
  /** From the first measured send to the last measured reply's end (ms): the span of the rates below. */
  busySpanMs?: number;
  /** Requests in flight at the server, on average over the busy span (Σ request durations / span); closed loop: about its concurrency. */
  inFlightMean?: number;
  latency: {
    ttft?: Summary;
    e2e?: Summary;
    tpot?: Summary;
    itl?: Summary;
    /** Open loop only. */
    ttftFromIntended?: Summary;
    e2eFromIntended?: Summary;
  };
  clientLag?: Summary;
  /** Lag not spent waiting for a slot: the dispatcher's own lateness. */
  dispatchLag?: Summary;
  slotWait?: Summary;
  lateSends: number;
  slotWaits: number;
  maxClientLagMs: number;
  /** The client-limited rule's figures (open loop). */
  clientLimit?: ClientLimitFinding;
  clientLimited: boolean;
  /** Whether the server kept up with the arrivals (open loop). */
  saturation?: SaturationFinding;
  slo: Partial<Record<SloName, number>>;
  /** Measured requests that succeeded and met every SLO, and misses per SLO (a request may miss several). */
  good?: number;
  misses: Record<SloName, number>;
  goodput?: number;
  goodputFraction?: number;
  throughput?: number;
  outputTpsTotal?: number;
  tokens: {
    /** The server's counts (usage), means over the measured successful requests. */
    promptMean?: number;
    outputMean?: number;
    /** Reply length asked (max_tokens with min_tokens/ignore_eos), mean. */
    outputAsked: number;
    /** Requests whose reply had exactly the length asked, of those with a count. */
    outputExact?: { n: number; of: number };
    /** Prompt tokens the dataset's tokenizer counted on the contents, mean (exact tokenizers only). */
    inputMean?: number;
    /** usage.prompt_tokens − the dataset's count: the chat template's tokens (constant when the tokenizer is the model's). */
    templateOverhead?: Summary;
  };
  /** Prompt and reply lengths against those asked (findings.ts, lengthFigures). */
  lengths: LengthFigures;
  /** Output chunks per second the client took in over the busy span (measured requests). */
  chunksPerSec?: number;
  /** The client's self-calibration before the run, and how this stage compares with it. */
  calibration?: CalibrationView;
  /** Where the prompts came from (attachments.json), when the run recorded it. */
  dataset?: DatasetInfo;
  /** What this stage's records say that is this stage's own (saturation, client-limited, noise floor…), also in `notes`. */
  findings: string[];
}

/** What the pre-run calibration found, or why it did not run, and the stage's place against it. */
export interface CalibrationView {
  result?: Calibration;
  error?: string;
  /** The client-added TTFT floor at the stage's own concurrency (measured, interpolated, or the nearest level). */
  floor?: FloorEstimate;
  /** The run's chunk rate over the capacity measured (a lower bound when the simulator limited it). */
  capacityShare?: number;
  /** The floor's p99 at the stage's concurrency over the stage's TTFT p50. */
  floorShare?: number;
  /** True when the stage came near the client's measured capacity or its TTFTs near the noise floor. */
  beyond: boolean;
}

/** A run asking more than this share of the calibrated capacity is near the client's limit. */
export const CAPACITY_WARN_SHARE = 0.5;
/** A client-added TTFT p99 above this share of the run's TTFT p50 makes TTFT differences noise. */
export const FLOOR_WARN_SHARE = 0.1;

type CalibrationAttachment = Calibration | { error: string };

/** The calibration attached to a scenario's run, if any. */
function calibrationOf(input: AnalysisInput, name: string): CalibrationAttachment | undefined {
  return input.attachments?.[name]?.["calibration"] as CalibrationAttachment | undefined;
}

const BASIS_TEXT: Record<FloorEstimate["basis"], (f: FloorEstimate) => string> = {
  measured: (f) => `calibrated at ${f.from[0]} in flight`,
  interpolated: (f) => `interpolated between the levels calibrated at ${f.from.join(" and ")} in flight`,
  above: (f) => `calibrated at ${f.from[0]} in flight, fewer than the stage's ${fmtCount(f.concurrency)}: a lower bound`,
  below: (f) => `calibrated at ${f.from[0]} in flight, more than the stage's ${fmtCount(f.concurrency)}: an upper bound`,
};

/**
 * Compares a stage with the calibration at its own concurrency: the floor there (measured or
 * interpolated), its share of the stage's TTFT median, and the stage's share of the client's
 * capacity; the findings they call for. A floor known only from a higher level (an upper
 * bound) warns of nothing.
 */
function calibrationView(att: CalibrationAttachment | undefined, concurrency: number | undefined, chunksPerSec: number | undefined, ttftP50: number | undefined): { view?: CalibrationView; findings: string[] } {
  if (!att) return { findings: [] };
  if ("error" in att) return { view: { error: att.error, beyond: false }, findings: [] };
  const findings: string[] = [];
  const cap = att.capacity.chunksPerSec;
  const capacityShare = chunksPerSec !== undefined && cap > 0 ? chunksPerSec / cap : undefined;
  const floor = concurrency !== undefined ? floorAt(att, concurrency) : undefined;
  const floorShare = floor !== undefined && ttftP50 !== undefined && ttftP50 > 0 ? floor.p99 / ttftP50 : undefined;
  if (capacityShare !== undefined && capacityShare > CAPACITY_WARN_SHARE)
    findings.push(
      `NEAR THE CLIENT'S CAPACITY: the run took in ${fmt(chunksPerSec)} chunks/s, ${fmt(capacityShare * 100)} % of the ${fmt(cap)} chunks/s the client sustained in calibration${att.capacity.limitedBy === "server" ? " (a lower bound: the server, not the client, set that pace)" : ""}. Near its limit the client's own queueing enters the latencies; spread the load over more client processes or machines.`,
    );
  if (floor !== undefined && floorShare !== undefined && floorShare > FLOOR_WARN_SHARE && floor.basis !== "below")
    findings.push(
      `The client adds up to ${fmt(floor.p99)} ms to a TTFT at p99 at ${fmtCount(floor.concurrency)} in flight (${BASIS_TEXT[floor.basis](floor)}), ${fmt(floorShare * 100)} % of the TTFT median measured: TTFT differences smaller than that are the client's noise, not the server's.`,
    );
  return {
    view: {
      result: att,
      ...(floor ? { floor } : {}),
      ...(capacityShare !== undefined ? { capacityShare } : {}),
      ...(floorShare !== undefined ? { floorShare } : {}),
      beyond: findings.length > 0,
    },
    findings,
  };
}

interface Row {
  rec: RequestRecord;
  m: RequestMetrics;
  /** Send time relative to the start (intended in open loop, actual in closed loop), ms. */
  rel: number;
}

// Loops, not Math.min(...xs): a load run may hold more records than a call has room for arguments.
function minOf(xs: number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const x of xs) if (x < m) m = x;
  return m;
}

function maxOf(xs: number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const x of xs) if (x > m) m = x;
  return m;
}

function finite(xs: (number | undefined)[]): number[] {
  return xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
}

/** A sweep's stages and the figures that sum it up. */
export interface LoadSweepDetail {
  sweep: true;
  arrival: LoadScenarioConfig["sweep"]["arrival"];
  ratesAsked: number;
  /** Completed requests/s of the synchronous stage (1 in flight) and of the throughput stage. */
  syncRate?: number;
  maxThroughput?: number;
  /** The best goodput of any stage, and which. */
  maxGoodput?: { value: number; stage: string };
  /** The highest-rate open-loop stage the server kept up with, and the first it did not. */
  keptUp?: { stage: string; rate: number };
  /** `allFaster`: every faster stage saturated too. */
  firstSaturated?: { stage: string; rate: number; allFaster: boolean };
  stages: { stage: LoadStage; result: ScenarioResult<LoadDetail> }[];
  /** Prompt and reply lengths over every stage (the same dataset). */
  lengths: LengthFigures;
  dataset?: DatasetInfo;
  /** The client's pre-run calibration (each stage compares itself with it at its own concurrency). */
  calibration?: Calibration | { error: string };
}

export type LoadResultDetail = LoadDetail | LoadSweepDetail;

/** A single-stage load config: a non-sweep scenario as it is. */
type StageConfig = LoadScenarioConfig & { mode: LoadDetail["mode"] };

/** The config a sweep stage ran under (its mode, rate and concurrency), for analysing it alone. */
export function stageConfig(config: LoadScenarioConfig, stage: LoadStage): StageConfig {
  return { ...config, mode: stage.mode, rate: stage.rate ?? config.rate, concurrency: stage.concurrency };
}

/** Completed requests per second of a stage's measured requests (the sweep's anchors). */
export function stageThroughput(config: LoadScenarioConfig, stage: LoadStage, records: RequestRecord[]): number | undefined {
  return analyzeStage(stageConfig(config, stage), records).detail.throughput;
}

/** Requests the schedule holds before the duration bound (all of them without one). */
function plannedRequests(config: StageConfig): number {
  if (config.duration_s === undefined || config.mode === "closed") return config.requests;
  const limit = config.duration_s * 1000;
  const schedule = arrivalSchedule({
    mode: config.mode,
    rate: config.rate,
    burstiness: config.burstiness,
    requests: config.requests,
    seed: config.seed,
    rampUpMs: config.ramp_up_s * 1000,
  });
  return schedule.filter((t) => t < limit).length;
}

/** What a stage's analysis reads besides its records. */
interface StageContext {
  calibration?: CalibrationAttachment;
  dataset?: DatasetInfo;
  /** The server-metrics timeline (empty when not scraped). */
  server?: readonly ServerSnapshot[];
  cutByStop?: number;
  /** A sweep's stage: what every stage shares (lengths of the one dataset) is said by the sweep, once. */
  inSweep?: boolean;
}

export function analyzeLoad(config: LoadScenarioConfig, input: AnalysisInput): ScenarioResult<LoadResultDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  // Requests the run's stop cut short were sent: they count against not_sent, in no figure.
  const cut = (input.stopped ?? []).filter((r) => r.scenario === config.name);
  const calibration = calibrationOf(input, config.name);
  const dataset = input.attachments?.[config.name]?.["dataset"] as DatasetInfo | undefined;
  const sctx: StageContext = { ...(calibration ? { calibration } : {}), ...(dataset ? { dataset } : {}), server: input.server };
  const result = config.mode === "sweep" ? analyzeSweep(config, mine, sctx, cut) : analyzeStage(config as StageConfig, mine, { ...sctx, cutByStop: cut.length });
  if (!dataset) return result;
  return { ...result, detail: { ...result.detail, dataset }, notes: [...datasetNotes(dataset), ...result.notes] };
}

/** What the report says of the requests' source: the file, what was skipped and why, the source's own remarks. */
export function datasetNotes(d: DatasetInfo): string[] {
  const from = d.source === "synthetic" ? "synthetic prompts" : `${d.source} file ${d.path ?? ""}`.trim();
  const skipped = Object.entries(d.skipped).filter(([, n]) => n > 0);
  const by = d.tokenizer === "server" ? `the server's own tokenizer (${d.tokenizerVia ?? "/tokenize"})` : `the ${d.tokenizer} tokenizer`;
  return [
    `Requests: ${from}, token counts by ${by}${d.exactCounts ? " (exact)" : d.notes.some((n) => n.startsWith("LENGTHS ARE ESTIMATES")) ? " (estimates)" : " — ESTIMATES (4 characters a token), not exact lengths"}; ${d.used} distinct prompt(s)${d.source !== "synthetic" ? ` of ${d.entries} entries` : ""}.` +
      (skipped.length ? ` Skipped: ${skipped.map(([k, n]) => `${n} ${SKIP_REASONS[k as keyof typeof SKIP_REASONS] ?? k}`).join(", ")}.` : "") +
      (d.templateTokens ? ` The chat template adds ${d.templateTokens.count} tokens to each prompt (measured through ${d.templateTokens.via}).` : ""),
    ...d.notes,
  ];
}

/** Lengths of the successful requests among `rows`. */
function lengthsOf(rows: readonly { rec: RequestRecord; m: RequestMetrics }[], outputDefault: number, dataset?: DatasetInfo): LengthFigures {
  return lengthFigures(
    rows.map(({ rec, m }) => ({
      ...(rec.inputTokensAsked !== undefined ? { promptAsked: rec.inputTokensAsked } : rec.inputTokens !== undefined ? { promptAsked: rec.inputTokens } : {}),
      ...(rec.inputTokens !== undefined ? { promptCounted: rec.inputTokens } : {}),
      ...(m.promptTokens !== undefined ? { promptServer: m.promptTokens } : {}),
      outputAsked: rec.params.maxTokens ?? outputDefault,
      ...(m.outputTokens !== undefined ? { outputServer: m.outputTokens } : {}),
    })),
    dataset?.templateTokens?.count,
  );
}

/** Off by more than this share on average, a length is a finding. */
export const LENGTH_WARN_SHARE = 0.02;

/** The findings on lengths: prompts or replies off what was asked. */
function lengthFindings(l: LengthFigures, dataset?: DatasetInfo): string[] {
  const out: string[] = [];
  const p = l.prompt;
  if (p && Math.abs(p.error) > LENGTH_WARN_SHARE) {
    const template = p.template ? ` (the server's count less ${p.template.count} tokens of chat template, ${p.template.basis === "measured" ? "measured through the server" : "inferred"})` : " (the server's count, chat template included: its size is unknown)";
    const why =
      dataset && !dataset.exactCounts
        ? ` The prompts were sized by the ${dataset.tokenizer} tokenizer's estimate (4 characters a token): name the model's tokenizer (dataset.tokenizer) or use a server with /tokenize for exact lengths.`
        : " The dataset's tokenizer is not the served model's: set dataset.tokenizer (server: the server's own).";
    out.push(`PROMPT LENGTHS OFF: prompts were ${fmt(p.counted)} tokens on average${template} where ${fmt(p.asked)} were asked (${signedPct(p.error)}; exact in ${p.exact} of ${p.n}).${why}`);
  }
  return out;
}

function signedPct(x: number): string {
  const v = x * 100;
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(1)} %`;
}

/** One stage (the whole of a non-sweep scenario): `mine` are its records. */
function analyzeStage(config: StageConfig, mine: RequestRecord[], sctx: StageContext = {}): ScenarioResult<LoadDetail> {
  const cutByStop = sctx.cutByStop ?? 0;
  const open = config.mode !== "closed";
  const sendOf = (r: RequestRecord) => (open ? (r.intendedSendPerfMs ?? r.result.sentPerfMs) : r.result.sentPerfMs);
  const start = mine.length ? minOf(mine.map(sendOf)) : 0;
  const rows: Row[] = mine.map((rec) => ({ rec, m: deriveRequestMetrics(rec.result), rel: sendOf(rec) - start }));

  // Exclusion windows over the sending span.
  const end = rows.length ? maxOf(rows.map((r) => r.rel)) : 0;
  const rampMs = config.ramp_up_s * 1000;
  const warmupMs = config.warmup_s * 1000;
  const cooldownMs = config.cooldown_s * 1000;
  // Send times are performance.now() values minus a start: a schedule offset of exactly 390 ms
  // can come out as 390.00000000006. Boundaries are compared a nanosecond wide, so a request
  // on a boundary falls on the same side whatever the clock's origin.
  const EPS = 1e-6;
  const inRamp = (r: Row) => r.rel < rampMs - EPS;
  const inWarmup = (r: Row) => !inRamp(r) && r.rel < rampMs + warmupMs - EPS;
  const inCooldown = (r: Row) => !inRamp(r) && !inWarmup(r) && cooldownMs > 0 && r.rel > end - cooldownMs + EPS;
  const measured = rows.filter((r) => !inRamp(r) && !inWarmup(r) && !inCooldown(r));
  const okRows = measured.filter((r) => r.rec.result.ok);
  const exclusions = {
    rampUpS: config.ramp_up_s,
    warmupS: config.warmup_s,
    cooldownS: config.cooldown_s,
    rampUp: rows.filter(inRamp).length,
    warmup: rows.filter(inWarmup).length,
    cooldown: rows.filter(inCooldown).length,
    measured: measured.length,
  };

  // Latency from the actual send (the client's timestamps) and, open loop, from the intended send.
  const lagOf = (r: Row) => (open && r.rec.intendedSendPerfMs !== undefined ? r.rec.result.sentPerfMs - r.rec.intendedSendPerfMs : undefined);
  const plus = (x: number | undefined, lag: number | undefined) => (x !== undefined && lag !== undefined ? x + lag : undefined);
  const ttftIntended = (r: Row) => plus(r.m.ttftMs, lagOf(r));
  const e2eIntended = (r: Row) => plus(r.m.e2eMs, lagOf(r));
  const latency: LoadDetail["latency"] = {
    ttft: summarize(okRows.map((r) => r.m.ttftMs)),
    e2e: summarize(okRows.map((r) => r.m.e2eMs)),
    tpot: summarize(okRows.map((r) => r.m.tpotMs)),
    itl: summarize(okRows.flatMap((r) => r.m.itlMs)),
    ...(open ? { ttftFromIntended: summarize(okRows.map(ttftIntended)), e2eFromIntended: summarize(okRows.map(e2eIntended)) } : {}),
  };

  // Client lag: every measured send, failed ones included (the client sent them late all the same).
  const lags = finite(measured.map(lagOf));
  const clientLag = open ? summarize(lags) : undefined;
  const slotWaitsMs = finite(measured.map((r) => r.rec.slotWaitMs));
  const ownLags = open ? finite(measured.map((r) => plus(lagOf(r), -(r.rec.slotWaitMs ?? 0)))) : [];
  const dispatchLag = open ? summarize(ownLags) : undefined;
  const lateSends = lags.filter((l) => l > LATE_SEND_MS).length;
  const clientLimit = open && clientLag ? clientLimitFinding(ownLags, config.max_client_lag_ms, latency.ttft?.p50, latency.e2e?.p50) : undefined;
  const clientLimited = clientLimit?.limited ?? false;

  // Rates: the send rate, then completions, goodput and tokens over the measured requests' busy span.
  const sends = measured.map((r) => r.rec.result.sentPerfMs);
  const firstSend = sends.length ? minOf(sends) : undefined;
  const lastSend = sends.length ? maxOf(sends) : undefined;
  const achievedRate =
    sends.length > 1 && firstSend !== undefined && lastSend !== undefined && lastSend > firstSend
      ? ((sends.length - 1) * 1000) / (lastSend - firstSend)
      : undefined;
  const endOf = (r: RequestRecord) => r.result.sentPerfMs + (r.result.t.lastByte ?? 0);
  const ends = measured.map((r) => endOf(r.rec));
  const busySpanMs = measured.length && firstSend !== undefined ? maxOf(ends) - firstSend : undefined;
  const perSecond = (count: number) => (busySpanMs !== undefined && busySpanMs > 0 ? (count * 1000) / busySpanMs : undefined);
  const inFlightMean = busySpanMs !== undefined && busySpanMs > 0 ? measured.reduce((a, r) => a + (r.rec.result.t.lastByte ?? 0), 0) / busySpanMs : undefined;

  // Did the server keep up with the arrivals? (open loop; findings.ts) A request arrives when the
  // client had it ready: its actual send less any wait for a slot (that wait is the server's
  // doing; the client's own lateness is not, and is not counted against the server).
  const offeredAt = (r: Row) => r.rec.result.sentPerfMs - (r.rec.slotWaitMs ?? 0);
  const offeredMeasured = open ? measured.filter((r) => r.rec.intendedSendPerfMs !== undefined).map(offeredAt) : [];
  const saturation =
    offeredMeasured.length > 1
      ? saturationFinding(
          rows.map((r) => ({ arrived: offeredAt(r), sent: r.rec.result.sentPerfMs, ended: endOf(r.rec), slotWait: r.rec.slotWaitMs !== undefined })),
          minOf(offeredMeasured),
          maxOf(offeredMeasured),
          sctx.server ?? [],
        )
      : undefined;
  const saturated = saturation?.saturated ?? false;

  // SLOs: a good request succeeded and met every SLO set (latencies from the intended send in open loop).
  const slo: LoadDetail["slo"] = {};
  for (const k of ["ttft_ms", "tpot_ms", "e2e_ms"] as const) if (config.slo[k] !== undefined) slo[k] = config.slo[k];
  const hasSlo = Object.keys(slo).length > 0;
  const misses: Record<SloName, number> = { ttft_ms: 0, tpot_ms: 0, e2e_ms: 0 };
  let good = 0;
  for (const r of okRows) {
    const ttft = open ? ttftIntended(r) : r.m.ttftMs;
    const e2e = open ? e2eIntended(r) : r.m.e2eMs;
    // A reply of one token has no time per output token: it cannot miss a TPOT objective.
    const tpotOk = r.m.tpotMs !== undefined ? r.m.tpotMs <= slo.tpot_ms! : (r.m.outputTokens ?? 0) <= 1;
    const ok = {
      ttft_ms: slo.ttft_ms === undefined || (ttft !== undefined && ttft <= slo.ttft_ms),
      tpot_ms: slo.tpot_ms === undefined || tpotOk,
      e2e_ms: slo.e2e_ms === undefined || (e2e !== undefined && e2e <= slo.e2e_ms),
    };
    for (const k of ["ttft_ms", "tpot_ms", "e2e_ms"] as const) if (!ok[k]) misses[k]++;
    if (ok.ttft_ms && ok.tpot_ms && ok.e2e_ms) good++;
  }
  const goodput = hasSlo ? perSecond(good) : undefined;
  const goodputFraction = hasSlo && measured.length ? good / measured.length : undefined;
  const throughput = perSecond(okRows.length);
  const outputTokens = okRows.reduce((a, r) => a + (r.m.outputTokens ?? 0), 0);
  const outputTpsTotal = okRows.length ? perSecond(outputTokens) : undefined;
  const chunksPerSec = okRows.length ? perSecond(okRows.reduce((a, r) => a + r.m.chunks, 0)) : undefined;
  const promptMean = summarize(okRows.map((r) => r.m.promptTokens))?.mean;
  const outputMean = summarize(okRows.map((r) => r.m.outputTokens))?.mean;
  const asked = (r: Row) => r.rec.params.maxTokens ?? config.output_tokens;
  const outputAsked = okRows.length ? okRows.reduce((a, r) => a + asked(r), 0) / okRows.length : config.output_tokens;
  const counted = okRows.filter((r) => r.m.outputTokens !== undefined);
  const outputExact = counted.length ? { n: counted.filter((r) => r.m.outputTokens === asked(r)).length, of: counted.length } : undefined;
  const inputMean = summarize(okRows.map((r) => r.rec.inputTokens))?.mean;
  const templateOverhead = summarize(okRows.map((r) => (r.rec.inputTokens !== undefined && r.m.promptTokens !== undefined ? r.m.promptTokens - r.rec.inputTokens : undefined)));
  const lengths = lengthsOf(okRows, config.output_tokens, sctx.dataset);

  const planned = plannedRequests(config);
  const allOk = mine.filter((r) => r.result.ok).length;
  const targetRate = open ? config.rate : undefined;
  const n = measured.length;
  const metrics: Record<string, MetricValue> = {
    ...summaryMetrics("ttft", latency.ttft, "ms"),
    ...summaryMetrics("e2e", latency.e2e, "ms"),
    ...summaryMetrics("tpot", latency.tpot, "ms"),
    ...summaryMetrics("itl", latency.itl, "ms"),
    ...summaryMetrics("ttft_from_intended", latency.ttftFromIntended, "ms"),
    ...summaryMetrics("e2e_from_intended", latency.e2eFromIntended, "ms"),
    ...summaryMetrics("client_lag", clientLag, "ms"),
    "slot_wait.p99": { value: open ? (summarize(slotWaitsMs)?.p99 ?? 0) : undefined, n: open ? n : 0, unit: "ms" },
    late_sends: { value: open ? lateSends : undefined, n: open ? lags.length : 0, unit: "count" },
    slot_waits: { value: open ? slotWaitsMs.length : undefined, n: open ? n : 0, unit: "count" },
    not_sent: { value: Math.max(0, planned - mine.length - cutByStop), n: planned, unit: "count" },
    excluded: { value: exclusions.rampUp + exclusions.warmup + exclusions.cooldown, n: rows.length, unit: "count" },
    achieved_rate: { value: achievedRate, n, unit: "req/s" },
    rate_error: { value: achievedRate !== undefined && targetRate !== undefined ? achievedRate / targetRate - 1 : undefined, n: open ? n : 0, unit: "ratio" },
    throughput: { value: throughput, n: okRows.length, unit: "req/s" },
    output_tps_total: { value: outputTpsTotal, n: okRows.length, unit: "tok/s" },
    goodput: { value: goodput, n: hasSlo ? n : 0, unit: "req/s" },
    goodput_fraction: { value: goodputFraction, n: hasSlo ? n : 0, unit: "fraction" },
    success_rate: { value: mine.length ? allOk / mine.length : undefined, n: mine.length, unit: "fraction" },
    client_limited: { value: clientLimit ? (clientLimited ? 1 : 0) : undefined, n: clientLimit?.sends ?? 0, unit: "count" },
    saturated: { value: saturation ? (saturated ? 1 : 0) : undefined, n: saturation?.arrivals ?? 0, unit: "count" },
    completion_ratio: {
      value: saturation && saturation.arrivals > 0 ? saturation.completions / saturation.arrivals : undefined,
      n: saturation?.arrivals ?? 0,
      unit: "fraction",
    },
    "in_flight.mean": { value: inFlightMean, n, unit: "count" },
    "prompt_tokens.mean": { value: promptMean, n: okRows.length, unit: "tokens" },
    "output_tokens.mean": { value: outputMean, n: okRows.length, unit: "tokens" },
    prompt_length_error: { value: lengths.prompt?.error, n: lengths.prompt?.n ?? 0, unit: "ratio" },
    output_length_error: { value: lengths.output?.error, n: lengths.output?.n ?? 0, unit: "ratio" },
  };

  const thresholds = (config.thresholds ?? LOAD_DEFAULT_THRESHOLDS).map((s) => parseThreshold(s));
  const verdicts = thresholds.map((th) => evaluate(th, { value: metrics[th.metric]?.value, n: metrics[th.metric]?.n }));

  // Findings: what this stage's records say that is its own. The saturation first: it is the finding.
  const findings: string[] = [];
  if (saturation?.saturated) findings.push(saturationText(saturation, inFlightLimit(config)));
  if (clientLimit && clientLag) {
    if (clientLimited) findings.push(clientLimitedText(clientLimit, config.max_client_lag_ms));
    else if (clientLimit.frequent)
      findings.push(
        `${clientLimit.late} of ${clientLimit.sends} sends left more than ${fmt(config.max_client_lag_ms)} ms late by the client's own doing (slot waits excluded; p95 ${fmt(clientLimit.ownP95)} ms), under ${fmt(CLIENT_LAG_MATERIAL_SHARE * 100)} % of the ${clientLimit.reference?.name ?? "latency"} median (${fmt(clientLimit.reference?.p50)} ms): not client-limited, the percentiles are the server's within that.`,
      );
  }
  if (slotWaitsMs.length > 0 && !saturated)
    findings.push(
      `${slotWaitsMs.length} of ${n} sends waited for one of the ${inFlightLimit(config)} in-flight slots (p99 ${fmt(summarize(slotWaitsMs)?.p99)} ms) while the requests outstanding did not keep growing: the cap was reached in bursts. The figures from the intended send include those waits; raise concurrency unless the cap models a gateway.`,
    );
  if (mine.length + cutByStop < planned)
    findings.push(`${planned - mine.length - cutByStop} of ${planned} planned requests were not sent (the run was stopped${config.duration_s !== undefined ? " or duration_s ended it" : ""}).`);
  const excluded = exclusions.rampUp + exclusions.warmup + exclusions.cooldown;
  // A sweep says its windows once (each stage's n gives what remains).
  if (excluded > 0 && !sctx.inSweep)
    findings.push(
      `${excluded} of ${rows.length} requests excluded from the figures: ${exclusions.rampUp} sent during the ${config.ramp_up_s} s ramp-up, ${exclusions.warmup} in the ${config.warmup_s} s warm-up after it, ${exclusions.cooldown} in the last ${config.cooldown_s} s (cool-down); the figures rest on ${n}. The success rate counts every request.`,
    );
  if (outputMean !== undefined && outputMean < outputAsked * 0.9)
    findings.push(
      `Replies averaged ${fmt(outputMean)} output tokens where ${fmt(outputAsked)} were asked: the server may ignore min_tokens/ignore_eos (set target.extra_body to its own way of fixing the length).`,
    );
  if (!sctx.inSweep) findings.push(...lengthFindings(lengths, sctx.dataset));
  if (!sctx.inSweep && templateOverhead && templateOverhead.max - templateOverhead.min > 2)
    findings.push(
      `The server counted ${fmt(templateOverhead.min)} to ${fmt(templateOverhead.max)} prompt tokens more than the dataset's tokenizer: a chat template adds a constant number, so a varying difference means the tokenizer is not the served model's (set dataset.tokenizer).`,
    );
  // The client's load: its concurrency (closed loop) or the mean in flight (open loop; at least the one request in flight).
  const stageConcurrency = open ? (inFlightMean !== undefined ? Math.max(1, inFlightMean) : undefined) : inFlightLimit(config);
  const cal = calibrationView(sctx.calibration, stageConcurrency, chunksPerSec, latency.ttft?.p50);
  findings.push(...cal.findings);

  // Notes: how the stage ran (said once for a whole sweep), then its findings.
  const notes: string[] = [];
  if (open)
    notes.push(
      `Open loop (${config.mode}${config.mode === "gamma" ? `, burstiness ${config.burstiness}` : ""}) at ${config.rate} req/s, at most ${inFlightLimit(config)} in flight: latencies are given from the intended send time (what a user arriving on schedule waits, queueing in the client included) and from the actual send; SLOs and goodput use the former.`,
    );
  else notes.push(`Closed loop: ${inFlightLimit(config)} requests in flight, each sent when the previous one of its slot ended; it cannot show queueing beyond that concurrency (coordinated omission), so latencies are from the actual send.`);
  notes.push(...findings);
  if (!hasSlo) notes.push("No SLO set (slo.ttft_ms, slo.tpot_ms, slo.e2e_ms): goodput is not measured.");
  if (mine.length > 0 && !mine.some((r) => r.result.stream)) notes.push("Requests were not streamed: TTFT, TPOT and ITL cannot be measured; only E2E latency is.");
  if (!config.thresholds) notes.push(`Thresholds are the defaults (${LOAD_DEFAULT_THRESHOLDS.join(", ")}).`);
  if (sctx.calibration && "error" in sctx.calibration) notes.push(`Client calibration failed (${sctx.calibration.error}): the run has no measured noise floor.`);

  const p99 = open ? latency.ttftFromIntended?.p99 : latency.ttft?.p99;
  const headline = mine.length
    ? (saturated && saturation
        ? `sent ${config.mode} load at ${fmt(achievedRate)} req/s (${config.rate} req/s asked), and the server did not keep up: ${fmt(saturation.completionRate)} req/s completed for ${fmt(saturation.arrivalRate)} arriving, requests outstanding grew to ${saturation.outstandingMax}${saturation.backlogIn === "slots" ? ` (waiting in the client for one of the ${inFlightLimit(config)} in-flight slots)` : saturation.serverQueue && saturation.serverQueue.max > 0 ? ` (its own queue up to ${fmtCount(saturation.serverQueue.max)})` : ""}`
        : open
          ? `sent ${config.mode} load at ${fmt(achievedRate)} req/s (${config.rate} req/s asked)`
          : `kept ${inFlightLimit(config)} requests in flight at ${fmt(achievedRate)} req/s`) +
      (p99 !== undefined ? `, TTFT p99 ${fmt(p99)} ms${open ? " from the intended send" : ""}` : "") +
      (goodput !== undefined ? `, goodput ${fmt(goodput)} req/s (${fmt((goodputFraction ?? 0) * 100)} % within SLOs)` : "") +
      (clientLimited ? " — CLIENT-LIMITED: the client's own lateness is in these percentiles" : "")
    : undefined;

  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    ...(headline ? { headline } : {}),
    detail: {
      mode: config.mode,
      open,
      concurrency: inFlightLimit(config),
      ...(open ? { targetRate: config.rate } : {}),
      ...(config.mode === "gamma" ? { burstiness: config.burstiness } : {}),
      ...(achievedRate !== undefined ? { achievedRate } : {}),
      planned,
      sent: mine.length + cutByStop,
      notSent: Math.max(0, planned - mine.length - cutByStop),
      exclusions,
      ...(busySpanMs !== undefined ? { busySpanMs } : {}),
      ...(inFlightMean !== undefined ? { inFlightMean } : {}),
      latency,
      ...(clientLag ? { clientLag } : {}),
      ...(dispatchLag ? { dispatchLag } : {}),
      ...(slotWaitsMs.length ? { slotWait: summarize(slotWaitsMs)! } : {}),
      lateSends,
      slotWaits: slotWaitsMs.length,
      maxClientLagMs: config.max_client_lag_ms,
      ...(clientLimit ? { clientLimit } : {}),
      clientLimited,
      ...(saturation ? { saturation } : {}),
      slo,
      ...(hasSlo ? { good } : {}),
      misses,
      ...(goodput !== undefined ? { goodput } : {}),
      ...(goodputFraction !== undefined ? { goodputFraction } : {}),
      ...(throughput !== undefined ? { throughput } : {}),
      ...(outputTpsTotal !== undefined ? { outputTpsTotal } : {}),
      tokens: {
        ...(promptMean !== undefined ? { promptMean } : {}),
        ...(outputMean !== undefined ? { outputMean } : {}),
        outputAsked,
        ...(outputExact ? { outputExact } : {}),
        ...(inputMean !== undefined ? { inputMean } : {}),
        ...(templateOverhead ? { templateOverhead } : {}),
      },
      lengths,
      ...(chunksPerSec !== undefined ? { chunksPerSec } : {}),
      ...(cal.view ? { calibration: cal.view } : {}),
      findings,
    },
    requests: { total: mine.length, ok: allOk, failed: mine.length - allOk },
    errors: collectErrors(mine),
    notes,
  };
}

/** The saturation finding in words. */
function saturationText(s: SaturationFinding, cap: number): string {
  const where =
    s.backlogIn === "slots"
      ? ` The backlog waited in the client for one of the ${cap} in-flight slots: those waits are the server's slowness at ${cap} in flight, not the client's (raise concurrency to see whether the server does more in parallel).`
      : "";
  const queue = s.serverQueue ? ` The server's own queue (requests waiting, /metrics) went from ${fmt(s.serverQueue.first)} to ${fmt(s.serverQueue.last)} on average between the first and last quarter of the sending span (max ${fmtCount(s.serverQueue.max)}).` : "";
  return `SERVER SATURATED: in the second half of the sending span ${s.arrivals} requests arrived (${fmt(s.arrivalRate)} req/s) and ${s.completions} ended (${fmt(s.completionRate)} req/s); the requests outstanding grew from ${s.outstandingMid} to ${s.outstandingEnd} (max ${s.outstandingMax}).${queue}${where} The server cannot sustain this rate: its latencies grow with the run's length, so the percentiles describe this run, not a steady state.`;
}

/** The client-limited finding in words. */
function clientLimitedText(c: ClientLimitFinding, limitMs: number): string {
  return `CLIENT-LIMITED: ${c.late} of ${c.sends} sends (at least ${fmt(c.lateShareLow * 100)} % at 95 % confidence, over the ${fmt(CLIENT_LATE_SHARE * 100)} % allowed) left more than max_client_lag_ms (${fmt(limitMs)} ms) late by the client's own doing (slot waits excluded), p95 ${fmt(c.ownP95)} ms${c.reference ? `, ${fmt(((c.ownP95 ?? 0) / c.reference.p50) * 100)} % of the ${c.reference.name} median (${fmt(c.reference.p50)} ms)` : ""}: the latency percentiles hold the client's delays. The client could not keep up with the schedule: add workers, or spread the load over several machines.`;
}

function fmt(v: number | undefined): string {
  return v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** A number of requests in flight: whole when it is, else one decimal. */
function fmtCount(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** A sweep: each stage analysed alone under the config it ran with, then summed up; what the stages share is said once. */
function analyzeSweep(config: LoadScenarioConfig, mine: RequestRecord[], sctx: StageContext, cut: RequestRecord[] = []): ScenarioResult<LoadSweepDetail> {
  // Stages in the order they ran (records are appended as requests end, stage after stage).
  const byStage = new Map<string, { stage: LoadStage; records: RequestRecord[] }>();
  for (const r of mine) {
    if (!r.stage) continue;
    let g = byStage.get(r.stage.name);
    if (!g) byStage.set(r.stage.name, (g = { stage: r.stage, records: [] }));
    g.records.push(r);
  }
  const stages = [...byStage.values()].map(({ stage, records }) => ({
    stage,
    result: analyzeStage(stageConfig(config, stage), records, { ...sctx, inSweep: true, cutByStop: cut.filter((r) => r.stage?.name === stage.name).length }),
  }));
  const calibration = sctx.calibration;
  const find = (name: string) => stages.find((s) => s.stage.name === name);
  const syncRate = find("synchronous")?.result.detail.throughput;
  const maxThroughput = find("throughput")?.result.detail.throughput;
  let maxGoodput: LoadSweepDetail["maxGoodput"];
  for (const s of stages) {
    const g = s.result.detail.goodput;
    if (g !== undefined && (maxGoodput === undefined || g > maxGoodput.value)) maxGoodput = { value: g, stage: s.stage.name };
  }
  const openStages = stages.filter((s) => s.stage.mode !== "closed");
  const rateErrors = openStages.map((s) => s.result.metrics["rate_error"]?.value).filter((v): v is number => v !== undefined);
  const worstRateError = rateErrors.length ? rateErrors.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a)) : undefined;
  const limited = openStages.filter((s) => s.result.detail.clientLimited);
  const saturatedStages = openStages.filter((s) => s.result.detail.saturation?.saturated);
  const byRate = [...openStages].sort((a, b) => (a.stage.rate ?? 0) - (b.stage.rate ?? 0));
  const firstSat = byRate.find((s) => s.result.detail.saturation?.saturated);
  // Saturated from a rate on (every faster stage too), or only at some stages.
  const satFrom = firstSat !== undefined && byRate.slice(byRate.indexOf(firstSat)).every((s) => s.result.detail.saturation?.saturated);
  const keptUpStage = [...byRate].reverse().find((s) => s.result.detail.saturation && !s.result.detail.saturation.saturated && (!firstSat || (s.stage.rate ?? 0) < (firstSat.stage.rate ?? 0)));
  const ok = mine.filter((r) => r.result.ok).length;
  const hasSlo = config.slo.ttft_ms !== undefined || config.slo.tpot_ms !== undefined || config.slo.e2e_ms !== undefined;
  const lengths = lengthsOf(
    mine.filter((r) => r.result.ok).map((rec) => ({ rec, m: deriveRequestMetrics(rec.result) })),
    config.output_tokens,
    sctx.dataset,
  );

  const metrics: Record<string, MetricValue> = {
    sync_rate: { value: syncRate, n: find("synchronous")?.result.requests.ok ?? 0, unit: "req/s" },
    max_throughput: { value: maxThroughput, n: find("throughput")?.result.requests.ok ?? 0, unit: "req/s" },
    max_goodput: { value: maxGoodput?.value, n: hasSlo ? stages.length : 0, unit: "req/s" },
    stages: { value: stages.length, n: stages.length, unit: "count" },
    rate_error: { value: worstRateError, n: rateErrors.length, unit: "ratio" },
    client_limited: { value: openStages.length ? limited.length : undefined, n: openStages.length, unit: "count" },
    saturated: { value: openStages.length ? saturatedStages.length : undefined, n: openStages.length, unit: "count" },
    success_rate: { value: mine.length ? ok / mine.length : undefined, n: mine.length, unit: "fraction" },
    prompt_length_error: { value: lengths.prompt?.error, n: lengths.prompt?.n ?? 0, unit: "ratio" },
    output_length_error: { value: lengths.output?.error, n: lengths.output?.n ?? 0, unit: "ratio" },
  };
  const thresholds = (config.thresholds ?? LOAD_DEFAULT_THRESHOLDS).map((s) => parseThreshold(s));
  const verdicts = thresholds.map((th) => evaluate(th, { value: metrics[th.metric]?.value, n: metrics[th.metric]?.n }));

  // Said once for every stage: how the sweep ran, what is common; each stage's own findings are in its detail (the report lists them by stage).
  const notes: string[] = [
    `Sweep: a synchronous stage (1 request in flight), a throughput stage (${config.sweep.max_concurrency} in flight), then ${config.sweep.rates} ${config.sweep.arrival} open-loop stage(s) at rates evenly spaced between the two; ${config.requests} requests a stage${config.duration_s !== undefined ? ` or ${config.duration_s} s` : ""}. Closed-loop stages' latencies are from the actual send; open-loop stages' from the intended send as well (what a user arriving on schedule waits), and their SLOs and goodput use the latter.`,
  ];
  const rateStages = openStages.length;
  if (syncRate !== undefined && maxThroughput !== undefined && rateStages === 0 && maxThroughput <= syncRate)
    notes.push(`The throughput stage completed no more requests per second (${fmt(maxThroughput)}) than the synchronous one (${fmt(syncRate)}): the server does not gain from concurrency, so no rate lies between them.`);
  if (config.requests < 2 * config.sweep.max_concurrency)
    notes.push(`The throughput stage sent ${config.requests} requests for ${config.sweep.max_concurrency} in flight: it may have ended before the server reached a steady state, so its maximum may be low (raise requests or duration_s).`);
  if (calibration && "error" in calibration) notes.push(`Client calibration failed (${calibration.error}): the run has no measured noise floor.`);
  else if (calibration)
    notes.push(
      `Each stage is compared with the client's calibration at its own concurrency (closed loop: its concurrency; open loop: the mean number in flight), calibrated at ${calibrationLevels(calibration).map((l) => l.concurrency).join(", ")} in flight and interpolated between: the Client table gives each stage's floor.`,
    );
  if (saturatedStages.length)
    notes.push(
      `The server did not keep up with ${saturatedStages.map((s) => `${s.stage.name} (${fmt(s.stage.rate)} req/s)`).join(", ")}: requests arrived faster than they ended and piled up; those stages' latencies grow with their length and describe that run, not a steady state.`,
    );
  if (limited.length) notes.push(`Client-limited (the client's own lateness is in their percentiles): ${limited.map((s) => s.stage.name).join(", ")}.`);
  if (mine.length > 0 && stages.length < 2 + config.sweep.rates && rateStages > 0) notes.push(`${stages.length} of ${2 + config.sweep.rates} stages ran (the run was stopped).`);
  const ex = stages.reduce(
    (a, s) => {
      const e = s.result.detail.exclusions;
      return { rampUp: a.rampUp + e.rampUp, warmup: a.warmup + e.warmup, cooldown: a.cooldown + e.cooldown };
    },
    { rampUp: 0, warmup: 0, cooldown: 0 },
  );
  if (ex.rampUp + ex.warmup + ex.cooldown > 0) {
    const windows = [
      config.ramp_up_s > 0 ? `${ex.rampUp} sent in a stage's ${config.ramp_up_s} s ramp-up` : "",
      config.warmup_s > 0 ? `${ex.warmup} in its ${config.warmup_s} s warm-up` : "",
      config.cooldown_s > 0 ? `${ex.cooldown} in its last ${config.cooldown_s} s (cool-down)` : "",
    ].filter(Boolean);
    notes.push(`${ex.rampUp + ex.warmup + ex.cooldown} requests excluded from the figures over all stages: ${windows.join(", ")}; each stage's n is what remains. The success rate counts every request.`);
  }
  notes.push(...lengthFindings(lengths, sctx.dataset));
  if (!hasSlo) notes.push("No SLO set (slo.ttft_ms, slo.tpot_ms, slo.e2e_ms): goodput is not measured.");
  if (mine.length > 0 && !mine.some((r) => r.result.stream)) notes.push("Requests were not streamed: TTFT, TPOT and ITL cannot be measured; only E2E latency is.");
  if (!config.thresholds) notes.push(`Thresholds are the defaults (${LOAD_DEFAULT_THRESHOLDS.join(", ")}).`);

  const headline = mine.length
    ? `swept from ${fmt(syncRate)} req/s (synchronous) to ${fmt(maxThroughput)} req/s (maximum throughput) with ${rateStages} rate stage(s) between` +
      (firstSat
        ? `; the server kept up ${keptUpStage ? `to ${fmt(keptUpStage.stage.rate)} req/s (${keptUpStage.stage.name})` : "with none of them"} and ${satFrom ? `saturated from ${fmt(firstSat.stage.rate)} req/s (${firstSat.stage.name})` : `saturated at ${saturatedStages.map((s) => `${fmt(s.stage.rate)} req/s (${s.stage.name})`).join(", ")} but not at every faster rate`}`
        : "") +
      (maxGoodput ? `; best goodput ${fmt(maxGoodput.value)} req/s (${maxGoodput.stage})` : "") +
      (limited.length ? ` — ${limited.length} stage(s) CLIENT-LIMITED` : "")
    : undefined;
  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    ...(headline ? { headline } : {}),
    detail: {
      sweep: true,
      arrival: config.sweep.arrival,
      ratesAsked: config.sweep.rates,
      ...(syncRate !== undefined ? { syncRate } : {}),
      ...(maxThroughput !== undefined ? { maxThroughput } : {}),
      ...(maxGoodput ? { maxGoodput } : {}),
      ...(keptUpStage ? { keptUp: { stage: keptUpStage.stage.name, rate: keptUpStage.stage.rate ?? 0 } } : {}),
      ...(firstSat ? { firstSaturated: { stage: firstSat.stage.name, rate: firstSat.stage.rate ?? 0, allFaster: satFrom } } : {}),
      ...(calibration ? { calibration } : {}),
      stages,
      lengths,
    },
    requests: { total: mine.length, ok, failed: mine.length - ok },
    errors: collectErrors(mine),
    notes,
  };
}
