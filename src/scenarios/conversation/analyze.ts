/**
 * Analysis of the conversation scenario: a pure function over request records.
 * Figures are defined in docs/metrics.md.
 */
import type { ConversationScenarioConfig } from "../../config/schema.js";
import { parseThreshold } from "../../config/thresholds.js";
import {
  summarize,
  deriveRequestMetrics,
  windowMeans,
  defaultWindows,
  degradation,
  growthExplainedByPrompt,
  evaluate,
  overallStatus,
  type Summary,
  type RequestMetrics,
} from "../../metrics/index.js";
import type { RequestRecord } from "../../store/records.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import type { Threshold } from "../../config/thresholds.js";
import type { Verdict, VerdictStatus } from "../../metrics/index.js";
import { concurrencyLevels } from "./driver.js";
import { collectErrors, requestSpan, summaryMetrics } from "../common.js";

/** What the seed report (Phase 2.2) printed, for the side-by-side comparison. */
export const SEED_PHASE_2_2 = {
  /** Its "TTFT moyen global": the full time of a non-streamed ~150-token reply. */
  reportedTtftMs: 3480.54,
  reportedTtftStdMs: 114.07,
  tokensPerSecond: 43.3,
  worstDegradation: 0.137,
  turns: 15,
  iterations: 3,
} as const;

/** Everything measured at one concurrency level. */
export interface ConversationLevelDetail {
  concurrency: number;
  sessions: number;
  tokenSource: "usage" | "chunks" | "mixed" | "none";
  /** First send to last byte of the level's requests. */
  wallMs?: number;
  /** Σ output tokens of ok requests / wallMs: what the server delivered to all sessions together. */
  totalOutputTps?: number;
  overall: {
    ttft?: Summary;
    ttfc?: Summary;
    ttfa?: Summary;
    e2e?: Summary;
    tpot?: Summary;
    itl?: Summary;
    outputTps?: Summary;
    e2eOutputTps?: Summary;
    promptTokens?: Summary;
    outputTokens?: Summary;
    cachedTokens?: Summary;
  };
  perIteration: {
    iteration: number;
    session: string;
    requests: number;
    ok: number;
    windowTtftMeans: (number | undefined)[];
    degradation?: number;
    durationMs?: number;
    outputTpsMean?: number;
    e2eMean?: number;
  }[];
  perWindow: {
    window: [number, number];
    n: number;
    ttft?: Summary;
    e2e?: Summary;
    promptTokensMean?: number;
    cachedTokensMean?: number;
  }[];
  perTurn: { turn: number; n: number; ttft?: Summary; e2eMean?: number; promptTokensMean?: number; cachedTokensMean?: number }[];
  trend?: { slopeMsPer1k: number; r2: number; n: number; explainedShare?: number };
}

export interface ConversationLevel {
  concurrency: number;
  metrics: Record<string, MetricValue>;
  verdicts: Verdict[];
  status: VerdictStatus;
  requests: { total: number; ok: number; failed: number };
  detail: ConversationLevelDetail;
}

export interface ConversationDetail {
  turns: number;
  iterations: number;
  windows: [number, number][];
  /** One entry per concurrency level, in the order run. */
  levels: ConversationLevel[];
  /** Highest level whose every threshold passed, when it is a sweep (more than one level). */
  maxConcurrencyWithinThresholds?: number;
  seed: typeof SEED_PHASE_2_2;
}

export const CONVERSATION_METRICS = [
  ...["mean", "std", "min", "max", "p50", "p90", "p95", "p99"].flatMap((s) => [`ttft.${s}`, `e2e.${s}`]),
  ...["mean", "p50", "p90", "p99"].flatMap((s) => [`tpot.${s}`, `itl.${s}`, `ttfa.${s}`]),
  "output_tps.mean",
  "output_tps.min",
  "output_tps.p50",
  "e2e_output_tps.mean",
  "total_output_tps",
  "max_concurrency_within_thresholds",
  "degradation.ttft",
  "degradation.ttft_max",
  "degradation.e2e",
  "success_rate",
  "ttft_slope_ms_per_1k",
  "prompt_tokens.max",
  "cached_tokens.mean",
] as const;

/** The seed report's thresholds (Phase 2.2). */
export const CONVERSATION_DEFAULT_THRESHOLDS = [
  "ttft.mean < 4000",
  "ttft.std < 200",
  "output_tps.mean > 35",
  "degradation.ttft_max < 20%",
  "success_rate > 95%",
] as const;

interface Row {
  rec: RequestRecord;
  m: RequestMetrics;
}

function mean(xs: (number | undefined)[]): number | undefined {
  return summarize(xs.filter((x): x is number => x !== undefined))?.mean;
}

function analyzeLevel(
  config: ConversationScenarioConfig,
  concurrency: number,
  rows: Row[],
  windows: [number, number][],
  thresholds: Threshold[],
): ConversationLevel {
  const okRows = rows.filter((r) => r.rec.result.ok);
  const pick = (rs: Row[], f: (m: RequestMetrics) => number | undefined) =>
    rs.map((r) => f(r.m)).filter((x): x is number => x !== undefined && Number.isFinite(x));

  const overall: ConversationLevelDetail["overall"] = {
    ttft: summarize(pick(okRows, (m) => m.ttftMs)),
    ttfc: summarize(pick(okRows, (m) => m.ttfcMs)),
    ttfa: summarize(pick(okRows, (m) => m.ttfaMs)),
    e2e: summarize(pick(okRows, (m) => m.e2eMs)),
    tpot: summarize(pick(okRows, (m) => m.tpotMs)),
    itl: summarize(okRows.flatMap((r) => r.m.itlMs)),
    outputTps: summarize(pick(okRows, (m) => m.outputTps)),
    e2eOutputTps: summarize(pick(okRows, (m) => m.e2eOutputTps)),
    promptTokens: summarize(pick(okRows, (m) => m.promptTokens)),
    outputTokens: summarize(pick(okRows, (m) => m.outputTokens)),
    cachedTokens: summarize(pick(okRows, (m) => m.cachedTokens)),
  };

  const sources = new Set(okRows.map((r) => r.m.outputTokensSource));
  const tokenSource: ConversationLevelDetail["tokenSource"] =
    sources.size === 0 ? "none" : sources.size > 1 ? "mixed" : (([...sources][0] ?? "none") as "usage" | "chunks");

  const sessions = [...new Set(rows.map((r) => r.rec.session ?? ""))];
  const perIteration: ConversationLevelDetail["perIteration"] = sessions.map((session) => {
    const rs = rows.filter((r) => (r.rec.session ?? "") === session);
    const ok = rs.filter((r) => r.rec.result.ok);
    const wm = windowMeans(
      ok.flatMap((r) => (r.m.ttftMs !== undefined ? [{ turn: r.rec.turn ?? 0, value: r.m.ttftMs }] : [])),
      windows,
    );
    const sessionSpan = requestSpan(rs.map((r) => r.rec));
    const first = wm[0]?.mean;
    const last = wm[wm.length - 1]?.mean;
    return {
      iteration: rs[0]?.rec.iteration ?? 0,
      session,
      requests: rs.length,
      ok: ok.length,
      windowTtftMeans: wm.map((w) => w.mean),
      degradation: first !== undefined && last !== undefined ? degradation(first, last) : undefined,
      durationMs: sessionSpan ? sessionSpan.end - sessionSpan.start : undefined,
      outputTpsMean: mean(ok.map((r) => r.m.outputTps)),
      e2eMean: mean(ok.map((r) => r.m.e2eMs)),
    };
  });

  const inWindow = (w: [number, number]) => okRows.filter((r) => (r.rec.turn ?? 0) >= w[0] && (r.rec.turn ?? 0) <= w[1]);
  const perWindow: ConversationLevelDetail["perWindow"] = windows.map((w) => {
    const rs = inWindow(w);
    return {
      window: w,
      n: rs.length,
      ttft: summarize(pick(rs, (m) => m.ttftMs)),
      e2e: summarize(pick(rs, (m) => m.e2eMs)),
      promptTokensMean: mean(rs.map((r) => r.m.promptTokens)),
      cachedTokensMean: mean(rs.map((r) => r.m.cachedTokens)),
    };
  });

  const perTurn: ConversationLevelDetail["perTurn"] = [];
  for (let t = 1; t <= config.turns; t++) {
    const rs = okRows.filter((r) => r.rec.turn === t);
    if (rs.length === 0 && !rows.some((r) => r.rec.turn === t)) continue;
    perTurn.push({
      turn: t,
      n: rs.length,
      ttft: summarize(pick(rs, (m) => m.ttftMs)),
      e2eMean: mean(rs.map((r) => r.m.e2eMs)),
      promptTokensMean: mean(rs.map((r) => r.m.promptTokens)),
      cachedTokensMean: mean(rs.map((r) => r.m.cachedTokens)),
    });
  }

  const fitPoints = okRows.flatMap((r) =>
    r.m.ttftMs !== undefined && r.m.promptTokens !== undefined
      ? [{ promptTokens: r.m.promptTokens, ttftMs: r.m.ttftMs, turn: r.rec.turn ?? 0 }]
      : [],
  );
  const growth = growthExplainedByPrompt(fitPoints, windows);
  const trend = growth
    ? { slopeMsPer1k: growth.slopeMsPer1k, r2: growth.r2, n: growth.n, explainedShare: growth.explainedShare }
    : undefined;

  const firstW = perWindow[0];
  const lastW = perWindow[perWindow.length - 1];
  const pooledDeg =
    firstW?.ttft && lastW?.ttft && perWindow.length > 1 ? degradation(firstW.ttft.mean, lastW.ttft.mean) : undefined;
  const pooledE2eDeg =
    firstW?.e2e && lastW?.e2e && perWindow.length > 1 ? degradation(firstW.e2e.mean, lastW.e2e.mean) : undefined;
  const iterDegs = perIteration.map((p) => p.degradation).filter((d): d is number => d !== undefined);

  const levelSpan = requestSpan(rows.map((r) => r.rec));
  const wallMs = levelSpan ? levelSpan.end - levelSpan.start : undefined;
  const outputTokens = okRows.reduce((a, r) => a + (r.m.outputTokens ?? 0), 0);
  const totalOutputTps = wallMs && wallMs > 0 && okRows.length ? outputTokens / (wallMs / 1000) : undefined;

  const metrics: Record<string, MetricValue> = {
    ...summaryMetrics("ttft", overall.ttft, "ms"),
    ...summaryMetrics("e2e", overall.e2e, "ms"),
    ...summaryMetrics("tpot", overall.tpot, "ms"),
    ...summaryMetrics("itl", overall.itl, "ms"),
    ...summaryMetrics("ttfa", overall.ttfa, "ms"),
    "output_tps.mean": { value: overall.outputTps?.mean, n: overall.outputTps?.n ?? 0, unit: "tok/s" },
    "output_tps.min": { value: overall.outputTps?.min, n: overall.outputTps?.n ?? 0, unit: "tok/s" },
    "output_tps.p50": { value: overall.outputTps?.p50, n: overall.outputTps?.n ?? 0, unit: "tok/s" },
    "e2e_output_tps.mean": { value: overall.e2eOutputTps?.mean, n: overall.e2eOutputTps?.n ?? 0, unit: "tok/s" },
    "degradation.ttft": { value: pooledDeg, n: (firstW?.n ?? 0) + (lastW?.n ?? 0), unit: "ratio" },
    "degradation.ttft_max": {
      value: iterDegs.length && perWindow.length > 1 ? Math.max(...iterDegs) : undefined,
      n: iterDegs.length,
      unit: "ratio",
    },
    "degradation.e2e": { value: pooledE2eDeg, n: (firstW?.n ?? 0) + (lastW?.n ?? 0), unit: "ratio" },
    success_rate: { value: rows.length ? okRows.length / rows.length : undefined, n: rows.length, unit: "fraction" },
    ttft_slope_ms_per_1k: { value: trend?.slopeMsPer1k, n: trend?.n ?? 0, unit: "ms/1k tokens" },
    "prompt_tokens.max": { value: overall.promptTokens?.max, n: overall.promptTokens?.n ?? 0, unit: "tokens" },
    "cached_tokens.mean": { value: overall.cachedTokens?.mean, n: overall.cachedTokens?.n ?? 0, unit: "tokens" },
    total_output_tps: { value: totalOutputTps, n: okRows.length, unit: "tok/s" },
  };

  const verdicts = thresholds.map((th) => {
    const mv = metrics[th.metric];
    return evaluate(th, { value: mv?.value, n: mv?.n });
  });
  return {
    concurrency,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    requests: { total: rows.length, ok: okRows.length, failed: rows.length - okRows.length },
    detail: {
      concurrency,
      sessions: sessions.length,
      tokenSource,
      ...(wallMs !== undefined ? { wallMs } : {}),
      ...(totalOutputTps !== undefined ? { totalOutputTps } : {}),
      overall,
      perIteration,
      perWindow,
      perTurn,
      trend,
    },
  };
}

/** Thresholds about the sweep as a whole rather than one level. */
const SWEEP_METRICS = new Set(["max_concurrency_within_thresholds"]);

export function analyzeConversation(config: ConversationScenarioConfig, input: AnalysisInput): ScenarioResult<ConversationDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  const rows: Row[] = mine.map((rec) => ({ rec, m: deriveRequestMetrics(rec.result) }));
  const windows = config.windows ?? defaultWindows(config.turns);
  const thresholds = (config.thresholds ?? CONVERSATION_DEFAULT_THRESHOLDS).map((s) => parseThreshold(s));
  const levelThresholds = thresholds.filter((t) => !SWEEP_METRICS.has(t.metric));
  const sweepThresholds = thresholds.filter((t) => SWEEP_METRICS.has(t.metric));

  const planned = concurrencyLevels(config);
  const seen = [...new Set(rows.map((r) => r.rec.concurrency ?? 1))];
  const levelsRun = planned.filter((c) => seen.includes(c));
  const levels = levelsRun.map((c) =>
    analyzeLevel(
      config,
      c,
      rows.filter((r) => (r.rec.concurrency ?? 1) === c),
      windows,
      levelThresholds,
    ),
  );
  const sweep = planned.length > 1;
  let maxWithin: number | undefined;
  for (const l of levels) if (l.status === "pass" && (maxWithin === undefined || l.concurrency > maxWithin)) maxWithin = l.concurrency;

  // The scenario's figures are its first level's (the whole run when there is one level).
  const first = levels[0];
  const metrics: Record<string, MetricValue> = {
    ...(first?.metrics ?? {}),
    max_concurrency_within_thresholds: { value: sweep ? maxWithin : undefined, n: sweep ? levels.length : 0, unit: "sessions" },
  };
  const sweepVerdicts = sweepThresholds.map((th) => evaluate(th, { value: metrics[th.metric]?.value, n: levels.length }));
  const verdicts = [...(first?.verdicts ?? []), ...sweepVerdicts];

  const okRows = rows.filter((r) => r.rec.result.ok);
  const notes: string[] = [];
  const tokenSources = new Set(levels.map((l) => l.detail.tokenSource));
  if (tokenSources.has("chunks") || tokenSources.has("mixed"))
    notes.push(
      "The server sent no usage for some or all requests: output tokens were counted from streamed chunks (an estimate; a chunk may carry several tokens).",
    );
  if (okRows.length > 0 && !okRows.some((r) => r.m.cachedTokens !== undefined))
    notes.push(
      "The server reported no cached prompt tokens (usage.prompt_tokens_details.cached_tokens). vLLM needs --enable-prompt-tokens-details; SGLang --enable-cache-report.",
    );
  if (!config.thresholds) notes.push("Thresholds are the seed report's defaults (Phase 2.2).");
  if (mine.length > 0 && !mine.some((r) => r.result.stream))
    notes.push("Requests were not streamed: TTFT, TPOT, ITL and output tok/s cannot be measured; only E2E latency is.");
  if (sweep)
    notes.push(
      `Concurrency sweep: the synthesis and its verdicts are those of the first level (${planned[0]}); every level is judged against the same thresholds in the sweep table.`,
    );
  if (levels.some((l) => l.concurrency > 1))
    notes.push(
      "At concurrency C, C sessions run at once and each of the C slots runs `iterations` sessions in turn; a script used twice gets its session id in front of its first message so that sessions do not share cached prefixes (beyond the system prompt).",
    );

  const status = sweep
    ? sweepVerdicts.some((v) => v.status === "fail") || first?.status === "fail"
      ? "fail"
      : overallStatus(verdicts)
    : overallStatus(verdicts);

  let headline: string | undefined;
  if (sweep) {
    const breaking = levels.find((l) => l.status === "fail" && (maxWithin === undefined || l.concurrency > maxWithin));
    const broken = breaking?.verdicts.filter((v) => v.status === "fail").map((v) => v.metric);
    headline =
      (maxWithin !== undefined
        ? `holds ${maxWithin} concurrent ${config.turns}-turn conversation${maxWithin > 1 ? "s" : ""} within thresholds`
        : "no concurrency level met every threshold") + (breaking ? `; ${breaking.concurrency} breaks ${broken?.join(", ")}` : "");
  }

  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status,
    ...(headline ? { headline } : {}),
    detail: {
      turns: config.turns,
      iterations: config.iterations,
      windows,
      levels,
      ...(sweep && maxWithin !== undefined ? { maxConcurrencyWithinThresholds: maxWithin } : {}),
      seed: SEED_PHASE_2_2,
    },
    requests: { total: rows.length, ok: okRows.length, failed: rows.length - okRows.length },
    errors: collectErrors(mine),
    notes,
  };
}
