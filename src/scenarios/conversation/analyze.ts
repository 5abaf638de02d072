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
  compare,
  overallStatus,
  judgedWithClient,
  type ClientVerdict,
  type Summary,
  type RequestMetrics,
} from "../../metrics/index.js";
import type { RequestRecord } from "../../store/records.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import type { Threshold } from "../../config/thresholds.js";
import type { Verdict, VerdictStatus } from "../../metrics/index.js";
import {
  DEFAULT_DEGRADATION_FLOOR_MS,
  degradationEvidence,
  degradationVerdict,
  worstSessionVerdict,
  type DegradationEvidence,
} from "../../metrics/degradation.js";
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
  /** One entry per session, in order (by iteration, i.e. session number within the level). */
  perIteration: {
    iteration: number;
    session: string;
    requests: number;
    ok: number;
    windowTtftMeans: (number | undefined)[];
    degradation?: number;
    /** The TTFT degradation with its interval and its change in ms (docs/metrics.md, "Degradation against noise"). */
    degradationEvidence?: DegradationEvidence;
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
  /**
   * The degradation figures with their evidence, as the verdicts took them: pooled TTFT and
   * E2E, and the session the worst-session figure (degradation.ttft_max) was judged on.
   */
  degradation: {
    ttft?: DegradationEvidence;
    e2e?: DegradationEvidence;
    worstSession?: { session: string; iteration: number; evidence: DegradationEvidence };
  };
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
  /**
   * Sweeps (more than one level): the highest level L such that every level asked up to L
   * passed every threshold; 0 when the lowest level asked did not.
   */
  maxConcurrencyWithinThresholds?: number;
  /**
   * Sweeps: levels above this one do not gate the scenario (they are exploration), because a
   * `max_concurrency_within_thresholds >= N` threshold sets the capacity asked for; absent
   * when every level gates.
   */
  gatingUpTo?: number;
  /** The absolute change (ms) under which a breached degradation threshold passes as noise. */
  degradationFloorMs: number;
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

/**
 * The default thresholds: the seed report's Phase 2.2 gates, on the figures it measured and on
 * the true ones. Its "TTFT moyen < 4000 ms" was the full response time of a turn (E2E) and
 * its "Tokens/sec > 35" output tokens over that time (E2E output tok/s): both are gated as
 * such, and true TTFT and decode speed get the same limits. Its spread (< 200 ms) and
 * degradation (< 20 %) gates apply to true TTFT, the degradation one against noise.
 */
export const CONVERSATION_DEFAULT_THRESHOLDS = [
  "e2e.mean < 4000",
  "e2e_output_tps.mean > 35",
  "ttft.mean < 4000",
  "ttft.std < 200",
  "output_tps.mean > 35",
  "degradation.ttft_max < 20%",
  "success_rate > 95%",
] as const;

/** The note that says what the default thresholds gate and how they map to the seed's figures. */
export const DEFAULT_THRESHOLDS_NOTE =
  "Default thresholds, from the seed report's Phase 2.2 gates. The seed's “TTFT moyen < 4000 ms” was the full response time of a turn and its “Tokens/sec > 35” output tokens over that time: they are gated as such, `e2e.mean < 4000` (E2E latency of a turn) and `e2e_output_tps.mean > 35` (output tokens / E2E). True TTFT and decode speed keep the same limits (`ttft.mean < 4000`, `output_tps.mean > 35`; the seed never measured them): TTFT is part of E2E and decode speed leaves out the wait for the first token, so these are the looser gates, and when one of the two above fails they say whether the first token or the decode is at fault. Its spread gate applies to true TTFT (`ttft.std < 200`), its stability gate to the TTFT degradation of the worst session, judged against noise (`degradation.ttft_max < 20%`), and `success_rate > 95%`.";

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
  floorMs: number,
  client?: ClientVerdict,
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

  // Degradation compares the first and the last window (none with a single window).
  const firstWin = windows.length > 1 ? windows[0] : undefined;
  const lastWin = windows.length > 1 ? windows[windows.length - 1] : undefined;
  const endValues = (rs: Row[], f: (m: RequestMetrics) => number | undefined): [number[], number[]] | undefined => {
    if (!firstWin || !lastWin) return undefined;
    const at = (w: [number, number]) => pick(rs.filter((r) => (r.rec.turn ?? 0) >= w[0] && (r.rec.turn ?? 0) <= w[1]), f);
    return [at(firstWin), at(lastWin)];
  };
  const evidenceOf = (rs: Row[], f: (m: RequestMetrics) => number | undefined): DegradationEvidence | undefined => {
    const ends = endValues(rs, f);
    return ends ? degradationEvidence(ends[0], ends[1]) : undefined;
  };

  // Sessions in order: by their number within the level, then by id.
  const sessions = [...new Set(rows.map((r) => r.rec.session ?? ""))]
    .map((session) => ({ session, rs: rows.filter((r) => (r.rec.session ?? "") === session) }))
    .sort((a, b) => (a.rs[0]?.rec.iteration ?? 0) - (b.rs[0]?.rec.iteration ?? 0) || a.session.localeCompare(b.session, "en", { numeric: true }));
  const perIteration: ConversationLevelDetail["perIteration"] = sessions.map(({ session, rs }) => {
    const ok = rs.filter((r) => r.rec.result.ok);
    const wm = windowMeans(
      ok.flatMap((r) => (r.m.ttftMs !== undefined ? [{ turn: r.rec.turn ?? 0, value: r.m.ttftMs }] : [])),
      windows,
    );
    const sessionSpan = requestSpan(rs.map((r) => r.rec));
    const first = wm[0]?.mean;
    const last = wm[wm.length - 1]?.mean;
    const ev = evidenceOf(ok, (m) => m.ttftMs);
    return {
      iteration: rs[0]?.rec.iteration ?? 0,
      session,
      requests: rs.length,
      ok: ok.length,
      windowTtftMeans: wm.map((w) => w.mean),
      degradation: first !== undefined && last !== undefined && wm.length > 1 ? degradation(first, last) : undefined,
      ...(ev ? { degradationEvidence: ev } : {}),
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

  // Degradation thresholds are judged with their interval and the floor; the others as measured.
  const ttftEvidence = evidenceOf(okRows, (m) => m.ttftMs);
  const e2eEvidence = evidenceOf(okRows, (m) => m.e2eMs);
  const sessionEvidence = perIteration.map((p) => ({ label: `session ${p.iteration}`, evidence: p.degradationEvidence }));
  let worstIndex: number | undefined;
  const verdicts = thresholds.map((th) => {
    const mv = metrics[th.metric];
    switch (th.metric) {
      case "degradation.ttft":
        return degradationVerdict(th, ttftEvidence, floorMs, mv?.n);
      case "degradation.e2e":
        return degradationVerdict(th, e2eEvidence, floorMs, mv?.n);
      case "degradation.ttft_max": {
        const { verdict, decisive } = worstSessionVerdict(th, sessionEvidence, floorMs);
        worstIndex ??= decisive;
        return verdict;
      }
      default:
        return evaluate(th, { value: mv?.value, n: mv?.n });
    }
  });
  // A timing verdict failed while the client was overloaded is inconclusive, here as at the top.
  const judged = client ? verdicts.map((v) => judgedWithClient(v, metrics[v.metric]?.unit, client)) : verdicts;
  // Without a threshold on it, the worst session is the one with the largest degradation.
  if (worstIndex === undefined) {
    perIteration.forEach((p, i) => {
      const e = p.degradationEvidence?.estimate;
      if (e !== undefined && (worstIndex === undefined || e > (perIteration[worstIndex]?.degradationEvidence?.estimate ?? -Infinity))) worstIndex = i;
    });
  }
  const worst = worstIndex !== undefined ? perIteration[worstIndex] : undefined;
  return {
    concurrency,
    metrics,
    verdicts: judged,
    status: overallStatus(judged),
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
      degradation: {
        ...(ttftEvidence ? { ttft: ttftEvidence } : {}),
        ...(e2eEvidence ? { e2e: e2eEvidence } : {}),
        ...(worst?.degradationEvidence
          ? { worstSession: { session: worst.session, iteration: worst.iteration, evidence: worst.degradationEvidence } }
          : {}),
      },
    },
  };
}

/** Thresholds about the sweep as a whole rather than one level. */
const SWEEP_METRICS = new Set(["max_concurrency_within_thresholds"]);

const SEVERITY: Record<VerdictStatus, number> = { not_measured: 0, pass: 1, inconclusive: 2, fail: 3 };

/**
 * One verdict per threshold over the levels that gate: the worst of the levels' verdicts, taken
 * at the lowest level where it is that bad, and saying at which levels ("at 5, 10 sessions at
 * once: …"). A pass is the first level's, as are the synthesis figures.
 */
function rollUpVerdicts(gating: ConversationLevel[], count: number): Verdict[] {
  const out: Verdict[] = [];
  for (let i = 0; i < count; i++) {
    const vs = gating.flatMap((l) => {
      const v = l.verdicts[i];
      return v ? [{ c: l.concurrency, v }] : [];
    });
    const first = vs[0];
    if (!first) continue;
    const worst = Math.max(...vs.map((x) => SEVERITY[x.v.status]));
    if (worst <= SEVERITY.pass) {
      out.push(first.v);
      continue;
    }
    const at = vs.filter((x) => SEVERITY[x.v.status] === worst);
    const pick = at[0]!;
    out.push({
      ...pick.v,
      reason: `at ${at.map((x) => x.c).join(", ")} session${at.length === 1 && pick.c === 1 ? "" : "s"} at once${pick.v.reason ? `: ${pick.v.reason}` : ""}`,
    });
  }
  return out;
}

/** The thresholds of a level that did not pass, by status. */
function brokenAt(l: ConversationLevel, status: "fail" | "inconclusive"): string[] {
  return l.verdicts.filter((v) => v.status === status).map((v) => v.threshold);
}

/**
 * The sweep's sentence: the capacity held, then the first level that did not hold and what
 * it broke, then the other levels that failed or were inconclusive. Levels above `gatingUpTo`
 * are said not to gate.
 */
export function sweepHeadline(
  levels: readonly ConversationLevel[],
  turns: number,
  maxWithin: number | undefined,
  gatingUpTo?: number,
): string {
  const asc = [...levels].sort((a, b) => a.concurrency - b.concurrency);
  const parts: string[] = [
    maxWithin !== undefined && maxWithin > 0
      ? `holds ${maxWithin} concurrent ${turns}-turn conversation${maxWithin > 1 ? "s" : ""} within every threshold`
      : "no level asked met every threshold",
  ];
  const beyond = (c: number) => (gatingUpTo !== undefined && c > gatingUpTo ? ` (above the ${gatingUpTo} asked for: not gating)` : "");
  const bad = asc.filter((l) => l.status === "fail" || l.status === "inconclusive");
  const head = bad[0];
  if (head) {
    parts.push(
      head.status === "fail"
        ? `at ${head.concurrency} it breaks ${brokenAt(head, "fail").join(", ")}${beyond(head.concurrency)}`
        : `at ${head.concurrency} it is inconclusive on ${brokenAt(head, "inconclusive").join(", ")} (${
            head.verdicts.some((v) => v.status === "inconclusive" && v.reason?.startsWith("client overloaded")) ? "the client was overloaded" : "not distinguishable from noise"
          })${beyond(head.concurrency)}`,
    );
    const rest = bad.slice(1);
    const fails = rest.filter((l) => l.status === "fail").map((l) => l.concurrency);
    const inconclusive = rest.filter((l) => l.status === "inconclusive").map((l) => l.concurrency);
    if (fails.length) parts.push(`it fails at ${fails.join(", ")} too`);
    if (inconclusive.length) parts.push(`it is inconclusive at ${inconclusive.join(", ")}`);
  }
  return parts.join("; ");
}

export function analyzeConversation(config: ConversationScenarioConfig, input: AnalysisInput): ScenarioResult<ConversationDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  const rows: Row[] = mine.map((rec) => ({ rec, m: deriveRequestMetrics(rec.result) }));
  const windows = config.windows ?? defaultWindows(config.turns);
  const thresholds = (config.thresholds ?? CONVERSATION_DEFAULT_THRESHOLDS).map((s) => parseThreshold(s));
  const levelThresholds = thresholds.filter((t) => !SWEEP_METRICS.has(t.metric));
  const sweepThresholds = thresholds.filter((t) => SWEEP_METRICS.has(t.metric));
  const floorMs = config.degradation_floor_ms ?? DEFAULT_DEGRADATION_FLOOR_MS;

  const planned = concurrencyLevels(config);
  const seen = [...new Set(rows.map((r) => r.rec.concurrency ?? 1))];
  const levelsRun = planned.filter((c) => seen.includes(c));
  const client = input.clientVerdict?.(config.name);
  const levels = levelsRun.map((c) =>
    analyzeLevel(
      config,
      c,
      rows.filter((r) => (r.rec.concurrency ?? 1) === c),
      windows,
      levelThresholds,
      floorMs,
      client,
    ),
  );
  const sweep = planned.length > 1;

  // Capacity: every level asked up to it passed (a level that failed or was inconclusive ends it).
  const ascending = [...levels].sort((a, b) => a.concurrency - b.concurrency);
  let maxWithin: number | undefined = ascending.length ? 0 : undefined;
  for (const l of ascending) {
    if (l.status !== "pass") break;
    maxWithin = l.concurrency;
  }
  const breakingLevel = ascending.find((l) => l.status !== "pass");

  // A capacity threshold (max_concurrency_within_thresholds >= N) sets how far the levels gate:
  // up to the lowest level asked that would meet it; the levels above are exploration.
  const capacityAsked = sweepThresholds.filter((t) => t.op === ">" || t.op === ">=");
  let gatingUpTo: number | undefined;
  if (sweep && capacityAsked.length) {
    gatingUpTo = ascending.map((l) => l.concurrency).find((c) => capacityAsked.every((t) => compare(c, t.op, t.value)));
  }
  const gating = levels.filter((l) => gatingUpTo === undefined || l.concurrency <= gatingUpTo);

  // The scenario's figures are its first level's (the whole run when there is one level).
  const first = levels[0];
  const metrics: Record<string, MetricValue> = {
    ...(first?.metrics ?? {}),
    max_concurrency_within_thresholds: { value: sweep ? maxWithin : undefined, n: sweep ? levels.length : 0, unit: "sessions" },
  };
  const sweepVerdicts = sweepThresholds.map((th) => {
    const v = evaluate(th, { value: metrics[th.metric]?.value, n: levels.length });
    // A capacity missed because a level within it was inconclusive is itself inconclusive.
    if (v.status === "fail" && breakingLevel?.status === "inconclusive" && capacityAsked.includes(th))
      return { ...v, status: "inconclusive" as const, reason: `the level at ${breakingLevel.concurrency} is inconclusive (${brokenAt(breakingLevel, "inconclusive").join(", ")})` };
    return v;
  });
  // In a sweep, each threshold's verdict is the worst over the levels that gate.
  const levelVerdicts = sweep ? rollUpVerdicts(gating, levelThresholds.length) : (first?.verdicts ?? []);
  const verdicts = [...levelVerdicts, ...sweepVerdicts];

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
  if (!config.thresholds) notes.push(DEFAULT_THRESHOLDS_NOTE);
  if (windows.length > 1)
    notes.push(
      `Degradation is judged against noise: a breached degradation threshold fails only when the figure's 95 % bootstrap interval (each end window resampled 2 000 times, seeded) lies wholly beyond the limit and the window means moved by at least ${floorMs} ms (\`degradation_floor_ms\`); a breach under the floor passes as noise, and one over the floor whose interval does not clear the limit is inconclusive (docs/metrics.md).`,
    );
  if (mine.length > 0 && !mine.some((r) => r.result.stream))
    notes.push("Requests were not streamed: TTFT, TPOT, ITL and output tok/s cannot be measured; only E2E latency is.");
  if (sweep)
    notes.push(
      `Concurrency sweep: the synthesis figures are those of the first level (${planned[0]}); every level is judged against the same thresholds (the sweep table), and each verdict of the synthesis is the worst over the levels ${
        gatingUpTo !== undefined ? `up to ${gatingUpTo} (the capacity asked for; the levels above are exploration and do not gate)` : "asked for"
      }, naming the levels where it is that bad.`,
    );
  if (levels.some((l) => l.concurrency > 1))
    notes.push(
      "At concurrency C, C sessions run at once and each of the C slots runs `iterations` sessions in turn; a script used twice gets its session id in front of its first message so that sessions do not share cached prefixes (beyond the system prompt).",
    );

  const status = overallStatus(verdicts);
  const headline = sweep && levels.length ? sweepHeadline(levels, config.turns, maxWithin, gatingUpTo) : undefined;

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
      ...(gatingUpTo !== undefined ? { gatingUpTo } : {}),
      degradationFloorMs: floorMs,
      seed: SEED_PHASE_2_2,
    },
    requests: { total: rows.length, ok: okRows.length, failed: rows.length - okRows.length },
    errors: collectErrors(mine),
    notes,
  };
}
