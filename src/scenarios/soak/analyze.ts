/**
 * Analysis of a soak: the records cut into consecutive time windows, one row of figures per
 * window, a trend test per figure (least-squares slope with its interval and Mann-Kendall's
 * test, both at the scenario's alpha), change points on the window series, canary answers
 * compared with their first, and the stability word (stable / drifting / degrading) with the
 * evidence for it. Pure: everything comes from the run folder.
 */
import type { SoakScenarioConfig } from "../../config/schema.js";
import { gradeRules, taskScore } from "../../grading/grade.js";
import {
  compare,
  deriveRequestMetrics,
  evaluate,
  overallStatus,
  percentile,
  summarize,
  type RequestMetrics,
  type Summary,
  type Threshold,
  type Verdict,
} from "../../metrics/index.js";
import { changePoints, mannKendall, olsTrend } from "../../metrics/trend-tests.js";
import { compareTexts } from "../../metrics/similarity.js";
import { parseThreshold } from "../../config/thresholds.js";
import type { GpuSample } from "../../monitor/gpu/index.js";
import { summarizeServerProcess } from "../../monitor/process.js";
import type { RequestRecord } from "../../store/records.js";
import { collectErrors, requestSpan, summaryMetrics } from "../common.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import { fmtDuration } from "../../report/format.js";
import type { SoakAttachment } from "./driver.js";
import { soakPlan, type SoakMixKind } from "./plan.js";

const HOUR_MS = 3_600_000;

/** A window's figures. Times are ms from the soak's start. */
export interface SoakWindow {
  index: number;
  startMs: number;
  endMs: number;
  /** The last window, cut short by the soak's end or its stop: shown, left out of the trends. */
  partial?: boolean;
  requests: number;
  ok: number;
  failed: number;
  timeouts: number;
  ttftP50?: number;
  ttftP90?: number;
  e2eP50?: number;
  e2eP90?: number;
  tpotP50?: number;
  /** Output tokens of the requests sent in the window, over the window's length (tok/s). */
  outputTps?: number;
  errorRate?: number;
  /** Mean reasoning score of the window's graded answers, and how many. */
  score?: number;
  scored: number;
  /** GPU means over the window's samples (all GPUs: utilisation averaged, memory and power summed). */
  gpuUtilization?: number;
  gpuMemoryMiB?: number;
  gpuPowerW?: number;
  /** Server resident memory (MB) at the window's last scrape. */
  serverRssMb?: number;
}

export const TREND_FIGURES = ["ttft_p90", "ttft_p50", "e2e_p90", "tpot_p50", "output_tps", "error_rate", "score", "gpu_memory", "server_rss"] as const;
export type TrendFigure = (typeof TREND_FIGURES)[number];

interface FigureInfo {
  label: string;
  unit: "ms" | "tok/s" | "fraction" | "score" | "MiB" | "MB";
  /** Which way is worse; "up" for latencies, errors and memory. */
  worse: "up" | "down";
  /** Relative change (latencies, rates, memory) or absolute (error rate, score). */
  change: "relative" | "absolute";
  of(w: SoakWindow): number | undefined;
  /** Whether a significant worsening is a drift of the server (memory figures are reported apart, as leaks). */
  drift: boolean;
}

export const FIGURES: Record<TrendFigure, FigureInfo> = {
  ttft_p90: { label: "TTFT p90", unit: "ms", worse: "up", change: "relative", of: (w) => w.ttftP90, drift: true },
  ttft_p50: { label: "TTFT p50", unit: "ms", worse: "up", change: "relative", of: (w) => w.ttftP50, drift: true },
  e2e_p90: { label: "E2E p90", unit: "ms", worse: "up", change: "relative", of: (w) => w.e2eP90, drift: true },
  tpot_p50: { label: "TPOT p50", unit: "ms", worse: "up", change: "relative", of: (w) => w.tpotP50, drift: true },
  output_tps: { label: "output tok/s", unit: "tok/s", worse: "down", change: "relative", of: (w) => w.outputTps, drift: true },
  error_rate: { label: "error rate", unit: "fraction", worse: "up", change: "absolute", of: (w) => w.errorRate, drift: true },
  score: { label: "reasoning score", unit: "score", worse: "down", change: "absolute", of: (w) => w.score, drift: true },
  gpu_memory: { label: "GPU memory used", unit: "MiB", worse: "up", change: "relative", of: (w) => w.gpuMemoryMiB, drift: false },
  server_rss: { label: "server resident memory", unit: "MB", worse: "up", change: "relative", of: (w) => w.serverRssMb, drift: false },
};

export interface FigureTrend {
  figure: TrendFigure;
  /** Full windows the trend rests on. */
  n: number;
  /** The fitted line at the first and the last window's middle. */
  fittedStart?: number;
  fittedEnd?: number;
  /** Fitted change from the first window's middle to the last's: a fraction (relative) or in the figure's unit (absolute), with the interval the slope's gives. */
  change?: { estimate: number; lower: number; upper: number; kind: "relative" | "absolute" };
  /** Least-squares slope per hour, with its interval at 1 − alpha. */
  slopePerHour?: number;
  slopeLowerPerHour?: number;
  slopeUpperPerHour?: number;
  mannKendallP?: number;
  tau?: number;
  /** Both tests agree at alpha: Mann-Kendall p < alpha and the slope's interval excludes 0. */
  significant: boolean;
  /** Which way a significant trend goes, for this figure ("worse" is up for latencies). */
  direction: "worse" | "better" | "none";
  /** Shifts in the window means (binary segmentation, permutation test at alpha). */
  shifts: { atMs: number; windowIndex: number; before: number; after: number; relativeShift?: number; pValue: number }[];
}

export interface CanaryDrift {
  /** 1-based canary number and its prompt. */
  canary: number;
  prompt: string;
  /** Rounds sent, answered, and compared with the first answer. */
  sent: number;
  answered: number;
  compared: number;
  identical: number;
  changed: number;
  minSimilarity?: number;
  firstAnswer?: string;
  /** The first answer that changed (similarity under the bound). */
  firstChange?: { round: number; atMs: number; similarity: number; answer: string; firstDifference?: number };
}

export type SoakStability = "stable" | "drifting" | "degrading" | "not_measured";

export interface SoakDetail {
  plan: { durationMs: number; windowMs: number; windows: number; mode: "closed" | "paced"; concurrency?: number; rate?: number; mix: { kind: SoakMixKind; share: number }[]; alpha: number; driftFloor: number };
  /** How long requests were sent for (shorter than planned when stopped). */
  measuredMs: number;
  windows: SoakWindow[];
  trends: FigureTrend[];
  stability: SoakStability;
  /** The sentences behind the stability word, most important first. */
  evidence: string[];
  canaries: CanaryDrift[];
  byKind: { kind: SoakMixKind; requests: number; ok: number; ttft?: Summary; e2e?: Summary }[];
}

export const SOAK_METRICS = [
  ...["ttft", "e2e", "tpot"].flatMap((p) => ["mean", "std", "min", "max", "p50", "p90", "p95", "p99"].map((s) => `${p}.${s}`)),
  "output_tps",
  "success_rate",
  "error_rate",
  "timeouts",
  "windows",
  "score.mean",
  ...TREND_FIGURES.map((f) => `drift.${f}`),
  "canary.changed",
  "canary.match_rate",
  "canary.similarity_min",
  "server.rss_slope_mb_per_h",
  "server.restarts",
  "gpu.memory_slope_mib_per_h",
] as const;

export const SOAK_DEFAULT_THRESHOLDS = ["drift.ttft_p90 < 10%", "drift.e2e_p90 < 10%", "drift.tpot_p50 < 10%", "success_rate > 99%", "canary.changed <= 0"] as const;

function isTimeout(rec: RequestRecord): boolean {
  return rec.result.error?.kind.includes("timeout") ?? false;
}

function p(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  return percentile([...values].sort((a, b) => a - b), q);
}

function mean(values: number[]): number | undefined {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}

interface Row {
  rec: RequestRecord;
  m: RequestMetrics;
  /** ms from the soak's start to the request's send (its intended send in the paced mode). */
  at: number;
  score?: number;
}

function scoreOf(rec: RequestRecord): number | undefined {
  const task = rec.task;
  if (!task || !rec.result.ok) return undefined;
  const r = rec.result;
  const grades = gradeRules(task.criteria, { answer: r.content, reasoning: r.reasoning, truncated: r.finishReason === "length", language: task.language, prompt: task.prompt });
  return taskScore(task.criteria, grades, task.pass_score).score;
}

/** GPU samples of one window, pooled: utilisation averaged over GPUs, memory and power summed per tick. */
function gpuOfWindow(samples: readonly GpuSample[], from: number, to: number): Pick<SoakWindow, "gpuUtilization" | "gpuMemoryMiB" | "gpuPowerW"> {
  const inWin = samples.filter((s) => s.t >= from && s.t < to);
  if (inWin.length === 0) return {};
  const gpus = new Set(inWin.map((s) => s.gpu)).size;
  const util = mean(inWin.flatMap((s) => (s.utilization !== undefined ? [s.utilization] : [])));
  const mem = mean(inWin.flatMap((s) => (s.memoryUsedMiB !== undefined ? [s.memoryUsedMiB] : [])));
  const power = mean(inWin.flatMap((s) => (s.powerW !== undefined ? [s.powerW] : [])));
  return {
    ...(util !== undefined ? { gpuUtilization: util } : {}),
    ...(mem !== undefined ? { gpuMemoryMiB: mem * gpus } : {}),
    ...(power !== undefined ? { gpuPowerW: power * gpus } : {}),
  };
}

function windowOf(index: number, startMs: number, endMs: number, rows: Row[], input: AnalysisInput, startPerf: number, partial: boolean): SoakWindow {
  const ok = rows.filter((r) => r.rec.result.ok);
  const num = (f: (m: RequestMetrics) => number | undefined) => ok.flatMap((r) => {
    const v = f(r.m);
    return v !== undefined && Number.isFinite(v) ? [v] : [];
  });
  const outputTokens = num((m) => m.outputTokens).reduce((a, b) => a + b, 0);
  const scores = rows.flatMap((r) => (r.score !== undefined ? [r.score] : []));
  const from = startPerf + startMs;
  const to = startPerf + endMs;
  const scrapes = input.server.filter((s) => s.t >= from && s.t < to && s.values?.processResidentMemoryBytes !== undefined);
  const lastScrape = scrapes[scrapes.length - 1];
  const w: SoakWindow = {
    index,
    startMs,
    endMs,
    ...(partial ? { partial } : {}),
    requests: rows.length,
    ok: ok.length,
    failed: rows.length - ok.length,
    timeouts: rows.filter((r) => isTimeout(r.rec)).length,
    scored: scores.length,
    ...gpuOfWindow(input.gpu ?? [], from, to),
  };
  const set = <K extends keyof SoakWindow>(k: K, v: SoakWindow[K] | undefined) => {
    if (v !== undefined) w[k] = v;
  };
  set("ttftP50", p(num((m) => m.ttftMs), 50));
  set("ttftP90", p(num((m) => m.ttftMs), 90));
  set("e2eP50", p(num((m) => m.e2eMs), 50));
  set("e2eP90", p(num((m) => m.e2eMs), 90));
  set("tpotP50", p(num((m) => m.tpotMs), 50));
  if (ok.length > 0) set("outputTps", outputTokens / ((endMs - startMs) / 1000));
  if (rows.length > 0) set("errorRate", (rows.length - ok.length) / rows.length);
  set("score", mean(scores));
  if (lastScrape) set("serverRssMb", (lastScrape.values?.processResidentMemoryBytes as number) / 1e6);
  return w;
}

/** The trend of one figure over the full windows. */
export function figureTrend(figure: TrendFigure, windows: readonly SoakWindow[], alpha: number): FigureTrend {
  const info = FIGURES[figure];
  const pts = windows.filter((w) => !w.partial).flatMap((w) => {
    const v = info.of(w);
    return v !== undefined && Number.isFinite(v) ? [{ w, x: (w.startMs + w.endMs) / 2 / HOUR_MS, y: v }] : [];
  });
  const out: FigureTrend = { figure, n: pts.length, significant: false, direction: "none", shifts: [] };
  if (pts.length < 3) return out;
  const xs = pts.map((q) => q.x);
  const ys = pts.map((q) => q.y);
  const fit = olsTrend(xs, ys, 1 - alpha);
  const mk = mannKendall(xs, ys, { alpha });
  if (mk) {
    out.mannKendallP = mk.pValue;
    out.tau = mk.tau;
  }
  if (fit) {
    const x0 = xs[0] as number;
    const x1 = xs[xs.length - 1] as number;
    out.slopePerHour = fit.slope;
    out.slopeLowerPerHour = fit.slopeLower;
    out.slopeUpperPerHour = fit.slopeUpper;
    const base = fit.intercept + fit.slope * x0;
    out.fittedStart = base;
    out.fittedEnd = fit.intercept + fit.slope * x1;
    const span = x1 - x0;
    if (info.change === "absolute") {
      out.change = { estimate: fit.slope * span, lower: fit.slopeLower * span, upper: fit.slopeUpper * span, kind: "absolute" };
    } else if (base > 0) {
      out.change = { estimate: (fit.slope * span) / base, lower: (fit.slopeLower * span) / base, upper: (fit.slopeUpper * span) / base, kind: "relative" };
    }
    out.significant = mk !== undefined && mk.pValue < alpha && (fit.slopeLower > 0 || fit.slopeUpper < 0);
    if (out.significant) {
      const up = fit.slope > 0;
      out.direction = (up && info.worse === "up") || (!up && info.worse === "down") ? "worse" : "better";
    }
  }
  out.shifts = changePoints(ys, { alpha }).map((c) => {
    const w = (pts[c.index] as { w: SoakWindow }).w;
    return { atMs: w.startMs, windowIndex: w.index, before: c.before.mean, after: c.after.mean, ...(c.relativeShift !== undefined ? { relativeShift: c.relativeShift } : {}), pValue: c.pValue };
  });
  return out;
}

function canaryDrift(records: RequestRecord[], prompts: string[], minSimilarity: number, startPerf: number): CanaryDrift[] {
  return prompts.map((prompt, k) => {
    const rs = records.filter((r) => r.session === `canary${k + 1}`).sort((a, b) => (a.iteration ?? 0) - (b.iteration ?? 0));
    const answered = rs.filter((r) => r.result.ok);
    const first = answered[0];
    const out: CanaryDrift = { canary: k + 1, prompt, sent: rs.length, answered: answered.length, compared: 0, identical: 0, changed: 0 };
    if (!first) return out;
    out.firstAnswer = first.result.content;
    let min: number | undefined;
    for (const r of answered.slice(1)) {
      const c = compareTexts(first.result.content, r.result.content);
      out.compared++;
      if (c.exact) out.identical++;
      min = min === undefined ? c.similarity : Math.min(min, c.similarity);
      if (c.similarity < minSimilarity) {
        out.changed++;
        out.firstChange ??= {
          round: r.iteration ?? 0,
          atMs: r.result.sentPerfMs - startPerf,
          similarity: c.similarity,
          answer: r.result.content,
          ...(c.firstDifference !== undefined ? { firstDifference: c.firstDifference } : {}),
        };
      }
    }
    if (min !== undefined) out.minSimilarity = min;
    return out;
  });
}

function fmtChange(t: FigureTrend): string {
  const c = t.change;
  if (!c) return "";
  const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)} %`;
  if (c.kind === "relative") return `${pct(c.estimate)} (CI ${pct(c.lower)} to ${pct(c.upper)})`;
  const unit = FIGURES[t.figure].unit;
  const v = (x: number) => (unit === "fraction" ? `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(2)} points` : `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`);
  return `${v(c.estimate)} (CI ${v(c.lower)} to ${v(c.upper)})`;
}

/** "TTFT p90 rose 38.0 % (CI 31 % to 45 %) over 2 h 00 min; shift at 1 h 12 min (+20 %)". */
export function describeTrend(t: FigureTrend, fmtTime: (ms: number) => string, spanMs: number): string {
  const info = FIGURES[t.figure];
  const verb = t.slopePerHour === undefined ? "" : t.slopePerHour >= 0 ? "rose" : "fell";
  const parts: string[] = [];
  if (t.change) parts.push(`${info.label} ${verb} ${fmtChange(t)} over ${fmtTime(spanMs)}${t.significant ? "" : " (not significant)"}`);
  for (const s of t.shifts) {
    parts.push(`shift at ${fmtTime(s.atMs)}${s.relativeShift !== undefined ? ` (${s.relativeShift >= 0 ? "+" : "−"}${Math.abs(s.relativeShift * 100).toFixed(0)} %)` : ""}`);
  }
  return parts.join("; ");
}

function driftVerdict(th: Threshold, t: FigureTrend | undefined): Verdict {
  const v = evaluate(th, t?.change ? { value: t.change.estimate, n: t.n } : { n: t?.n ?? 0 });
  if (!t?.change || v.status !== "fail") {
    if (v.status === "pass" && t?.significant) v.reason = `the trend is significant but within the limit (${fmtChange(t)})`;
    return v;
  }
  if (!t.significant) {
    v.status = "pass";
    v.reason = `no trend beyond noise (Mann-Kendall p = ${t.mannKendallP?.toFixed(3) ?? "—"}, slope interval includes 0): the estimate ${fmtChange(t)} is not evidence of drift`;
    return v;
  }
  // Significant and the estimate is beyond the limit: a fail needs the whole interval beyond it.
  const wholly = compare(t.change.lower, th.op, th.value) === false && compare(t.change.upper, th.op, th.value) === false;
  if (!wholly) {
    v.status = "inconclusive";
    v.reason = `the trend is significant but its interval (${fmtChange(t)}) reaches the limit`;
  }
  return v;
}

export function analyzeSoak(config: SoakScenarioConfig, input: AnalysisInput): ScenarioResult<SoakDetail> {
  const plan = soakPlan(config);
  const all = input.records.filter((r) => r.scenario === config.name);
  const mixRecs = all.filter((r) => r.probe !== "canary");
  const canaryRecs = all.filter((r) => r.probe === "canary");
  const att = input.attachments?.[config.name]?.soak as SoakAttachment | undefined;
  const span = requestSpan(all);
  const startPerf = att?.startPerfMs ?? span?.start ?? 0;
  const rows: Row[] = mixRecs.map((rec) => {
    const score = rec.probe === "reasoning" ? scoreOf(rec) : undefined;
    return { rec, m: deriveRequestMetrics(rec.result), at: (rec.intendedSendPerfMs ?? rec.result.sentPerfMs) - startPerf, ...(score !== undefined ? { score } : {}) };
  });

  // Windows: consecutive, from the soak's start; the last one holds what was sent after the
  // last full window (cut by the stop, or a duration that is not a multiple of the window).
  // The soak ran to its span's end (the executor's span attachment; a stopped soak's ends at
  // the stop), or, without it, at least to its last send.
  const lastSend = rows.reduce((a, r) => Math.max(a, r.at), 0);
  const spanEnd = (input.attachments?.[config.name]?.span as { endPerfMs?: number } | undefined)?.endPerfMs;
  const measuredMs = Math.min(plan.durationMs, Math.max(lastSend, spanEnd !== undefined ? spanEnd - startPerf : 0));
  const full = Math.min(plan.windows, Math.floor(measuredMs / plan.windowMs + 1e-9));
  const windows: SoakWindow[] = [];
  for (let i = 0; i < full; i++) {
    const a = i * plan.windowMs;
    const b = a + plan.windowMs;
    windows.push(windowOf(i, a, b, rows.filter((r) => r.at >= a && r.at < b), input, startPerf, false));
  }
  const tailStart = full * plan.windowMs;
  const tail = rows.filter((r) => r.at >= tailStart);
  if (tail.length > 0) windows.push(windowOf(full, tailStart, Math.max(measuredMs, tailStart + 1), tail, input, startPerf, true));

  const trends = TREND_FIGURES.map((f) => figureTrend(f, windows, config.alpha));
  const trend = (f: TrendFigure) => trends.find((t) => t.figure === f);
  const canaries = canaryDrift(canaryRecs, plan.canaryPrompts, config.canary.min_similarity, startPerf);
  const proc = summarizeServerProcess(input.server, startPerf, startPerf + plan.durationMs + plan.windowMs);

  // Overall figures.
  const ok = rows.filter((r) => r.rec.result.ok);
  const pick = (f: (m: RequestMetrics) => number | undefined) => ok.flatMap((r) => {
    const v = f(r.m);
    return v !== undefined && Number.isFinite(v) ? [v] : [];
  });
  const ttft = summarize(pick((m) => m.ttftMs));
  const e2e = summarize(pick((m) => m.e2eMs));
  const tpot = summarize(pick((m) => m.tpotMs));
  const outTokens = pick((m) => m.outputTokens).reduce((a, b) => a + b, 0);
  const scores = rows.flatMap((r) => (r.score !== undefined ? [r.score] : []));
  const compared = canaries.reduce((a, c) => a + c.compared, 0);
  const identical = canaries.reduce((a, c) => a + c.identical, 0);
  const minSims = canaries.flatMap((c) => (c.minSimilarity !== undefined ? [c.minSimilarity] : []));
  const fullWindows = windows.filter((w) => !w.partial).length;
  const metrics: Record<string, MetricValue> = {
    ...summaryMetrics("ttft", ttft, "ms"),
    ...summaryMetrics("e2e", e2e, "ms"),
    ...summaryMetrics("tpot", tpot, "ms"),
    output_tps: { value: measuredMs > 0 && ok.length > 0 ? outTokens / (measuredMs / 1000) : undefined, n: ok.length, unit: "tok/s" },
    success_rate: { value: rows.length ? ok.length / rows.length : undefined, n: rows.length, unit: "fraction" },
    error_rate: { value: rows.length ? (rows.length - ok.length) / rows.length : undefined, n: rows.length, unit: "fraction" },
    timeouts: { value: rows.filter((r) => isTimeout(r.rec)).length, n: rows.length, unit: "count" },
    windows: { value: fullWindows, n: fullWindows, unit: "count" },
    "score.mean": { value: mean(scores), n: scores.length, unit: "fraction" },
    "canary.changed": { value: canaries.reduce((a, c) => a + c.changed, 0), n: compared, unit: "count" },
    "canary.match_rate": { value: compared ? identical / compared : undefined, n: compared, unit: "fraction" },
    "canary.similarity_min": { value: minSims.length ? Math.min(...minSims) : undefined, n: compared, unit: "fraction" },
    "server.rss_slope_mb_per_h": { value: proc?.rssSlopeMbPerHour?.estimate, n: proc?.rssSlopeMbPerHour?.n ?? 0, unit: "count" },
    "server.restarts": { value: proc ? proc.restarts.length : undefined, n: proc?.n ?? 0, unit: "count" },
  };
  for (const t of trends) {
    metrics[`drift.${t.figure}`] = { value: t.change?.estimate, n: t.n, unit: t.change?.kind === "absolute" && FIGURES[t.figure].unit !== "fraction" ? "count" : "ratio" };
  }
  const gpuMem = trend("gpu_memory");
  metrics["gpu.memory_slope_mib_per_h"] = { value: gpuMem?.slopePerHour, n: gpuMem?.n ?? 0, unit: "count" };

  // Verdicts: drift thresholds are judged with their trend's significance and interval.
  const thresholds = (config.thresholds ?? [...SOAK_DEFAULT_THRESHOLDS]).map(parseThreshold);
  const verdicts = thresholds.map((th) => {
    if (th.metric.startsWith("drift.")) return driftVerdict(th, trend(th.metric.slice("drift.".length) as TrendFigure));
    const mv = metrics[th.metric];
    return evaluate(th, mv ? { ...(mv.value !== undefined ? { value: mv.value } : {}), n: mv.n } : { n: 0 });
  });

  // Stability, with the evidence.
  const fmtTime = (ms: number) => fmtDuration(ms);
  const spanMs = Math.max(0, (fullWindows - 1) * plan.windowMs);
  const evidence: string[] = [];
  const failedDrift = verdicts.filter((v) => v.metric.startsWith("drift.") && v.status === "fail");
  for (const v of failedDrift) {
    const t = trend(v.metric.slice("drift.".length) as TrendFigure);
    if (t) evidence.push(`${describeTrend(t, fmtTime, spanMs)}: beyond the limit (${v.threshold}).`);
  }
  const material = (t: FigureTrend) => t.change !== undefined && (t.change.kind === "absolute" ? t.change.estimate !== 0 : Math.abs(t.change.estimate) >= config.drift_floor);
  const drifting = trends.filter((t) => FIGURES[t.figure].drift && t.significant && material(t) && !failedDrift.some((v) => v.metric === `drift.${t.figure}`));
  for (const t of drifting) evidence.push(`${describeTrend(t, fmtTime, spanMs)}.`);
  const shifted = trends.filter((t) => FIGURES[t.figure].drift && !t.significant && t.shifts.some((s) => s.relativeShift === undefined || Math.abs(s.relativeShift) >= config.drift_floor));
  for (const t of shifted) evidence.push(`${FIGURES[t.figure].label}: ${describeTrend(t, fmtTime, spanMs)}.`);
  const changedCanaries = canaries.filter((c) => c.changed > 0);
  for (const c of changedCanaries) {
    const f = c.firstChange;
    evidence.push(`canary ${c.canary}'s answer changed${f ? ` at ${fmtTime(f.atMs)} (round ${f.round}, similarity ${f.similarity.toFixed(2)} to its first answer)` : ""}; ${c.changed} of ${c.compared} later answers differ.`);
  }
  const leaks = trends.filter((t) => !FIGURES[t.figure].drift && t.significant && t.direction === "worse" && material(t));
  for (const t of leaks) evidence.push(`${FIGURES[t.figure].label} grew ${t.slopePerHour?.toFixed(1)} ${FIGURES[t.figure].unit}/h (CI ${t.slopeLowerPerHour?.toFixed(1)} to ${t.slopeUpperPerHour?.toFixed(1)}): a leak estimate.`);
  if (proc && proc.restarts.length > 0) evidence.push(`the server restarted ${proc.restarts.length} time(s) during the soak (first at ${fmtTime(proc.restarts[0]?.atMs ?? 0)}).`);

  const stability: SoakStability =
    fullWindows < 3
      ? "not_measured"
      : failedDrift.length > 0
        ? "degrading"
        : drifting.length + shifted.length + changedCanaries.length + leaks.length + (proc?.restarts.length ?? 0) > 0
          ? "drifting"
          : "stable";
  if (stability === "stable") evidence.push(`no figure moved by ${(config.drift_floor * 100).toFixed(0)} % or more beyond noise over ${fullWindows} windows of ${fmtTime(plan.windowMs)} (trend tests at alpha ${config.alpha})${canaryRecs.length > 0 ? ", no canary answer changed" : ""}${proc?.uptimeStartH !== undefined ? ", no restart" : ""}.`);
  if (stability === "not_measured") evidence.push(`only ${fullWindows} full window(s) were measured; a trend needs at least 3.`);

  const byKind = (["conversation", "short", "reasoning"] as const).flatMap((kind) => {
    const rs = rows.filter((r) => r.rec.probe === kind);
    if (rs.length === 0) return [];
    const k = rs.filter((r) => r.rec.result.ok);
    const vals = (f: (m: RequestMetrics) => number | undefined) => k.flatMap((r) => {
      const v = f(r.m);
      return v !== undefined ? [v] : [];
    });
    const t = summarize(vals((m) => m.ttftMs));
    const e = summarize(vals((m) => m.e2eMs));
    return [{ kind, requests: rs.length, ok: k.length, ...(t ? { ttft: t } : {}), ...(e ? { e2e: e } : {}) }];
  });

  const notes: string[] = [
    `Windows of ${fmtTime(plan.windowMs)} from the soak's start; a request belongs to the window it was sent in. A trend is significant when Mann-Kendall's test gives p < ${config.alpha} and the least-squares slope's ${((1 - config.alpha) * 100).toFixed(0)} % interval excludes 0; a drift threshold fails only when its trend is significant and the interval of the change lies wholly beyond the limit (docs/soak.md).`,
  ];
  if (windows.some((w) => w.partial)) notes.push("The last window is shorter than the others: it is shown, and left out of the trends.");
  if (canaryRecs.length > 0) notes.push(`Canaries are sent at temperature 0 with seed ${config.canary.seed}; an answer counts as changed when its token-level similarity to the canary's first answer is under ${config.canary.min_similarity}. Some servers are not bit-exact at temperature 0 when the batch changes (vLLM without batch-invariant kernels): read small similarity drops with that in mind.`);

  const status = overallStatus(verdicts);
  const headline =
    stability === "not_measured"
      ? `ran too short to judge: ${fullWindows} full window(s), a trend needs 3`
      : `was ${stability} over ${fmtTime(measuredMs)} (${rows.length} requests in ${fullWindows} windows)${stability !== "stable" && evidence[0] ? `: ${evidence[0].replace(/\.$/, "")}` : ""}`;
  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: status === "pass" && stability === "not_measured" ? "not_measured" : status,
    detail: {
      plan: {
        durationMs: plan.durationMs,
        windowMs: plan.windowMs,
        windows: plan.windows,
        mode: config.rate !== undefined ? "paced" : "closed",
        ...(config.rate !== undefined ? { rate: config.rate } : { concurrency: config.concurrency }),
        mix: plan.mix.map((m, i) => ({ kind: m.kind, share: m.upTo - (i > 0 ? (plan.mix[i - 1]?.upTo ?? 0) : 0) })),
        alpha: config.alpha,
        driftFloor: config.drift_floor,
      },
      measuredMs,
      windows,
      trends,
      stability,
      evidence,
      canaries,
      byKind,
    },
    ...(proc ? { serverProcess: proc } : {}),
    requests: { total: rows.length + canaryRecs.length, ok: ok.length + canaryRecs.filter((r) => r.result.ok).length, failed: rows.length - ok.length + canaryRecs.filter((r) => !r.result.ok).length },
    errors: collectErrors(all),
    notes,
    headline,
  };
}
