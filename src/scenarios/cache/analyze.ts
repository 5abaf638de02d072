/**
 * Analysis of the cache scenario: a pure function over request records and the server's
 * metrics timeline. Per probe: TTFT of misses and hits, the speedup TTFT(miss)/TTFT(hit)
 * with a bootstrap 95 % interval, and the cache truth three ways (what the client expected
 * to be reusable, what usage says was cached, what the server's counters say), compared.
 */
import { CACHE_PROBES, type CacheScenarioConfig } from "../../config/schema.js";
import { parseThreshold } from "../../config/thresholds.js";
import {
  deriveRequestMetrics,
  evaluate,
  overallStatus,
  ratioCI,
  summarize,
  type ConfidenceInterval,
  type RequestMetrics,
  type Summary,
} from "../../metrics/index.js";
import { summarizeWindow } from "../../monitor/index.js";
import type { ServerSnapshot, ServerWindowSummary } from "../../monitor/types.js";
import type { RequestRecord } from "../../store/records.js";
import { collectErrors, requestSpan } from "../common.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import type { CacheProbe } from "./driver.js";
import { afterDocument, estimateTokens, TEMPLATE_TAIL_TOKENS } from "./prompts.js";

/** vLLM's default KV block size: cached_tokens is a whole number of blocks. */
export const BLOCK_TOKENS = 16;

export const CACHE_DEFAULT_THRESHOLDS = ["speedup.shared_prefix >= 1.5"] as const;

export const CACHE_METRICS: readonly string[] = [
  ...CACHE_PROBES.flatMap((p) => [
    `speedup.${p}`,
    `speedup_ci_low.${p}`,
    `ttft_miss.${p}.mean`,
    `ttft_hit.${p}.mean`,
    `cached_tokens_hit.${p}.mean`,
    `server_hit_rate.${p}`,
  ]),
  "success_rate",
];

export const USAGE_FLAGS =
  "vLLM needs --enable-prompt-tokens-details, SGLang --enable-cache-report; llama.cpp's llama-server reports it by itself";

export interface CacheRoleStats {
  /** Requests recorded in this role (ok or not). */
  n: number;
  ok: number;
  ttft?: Summary;
  promptTokens?: Summary;
  /** usage cached_tokens over the ok requests that reported it. */
  cachedTokens?: Summary;
  /** Ok requests whose usage carried cached_tokens. */
  cachedReported: number;
}

export type SpeedupReading = "speedup" | "no_measurable_speedup" | "slowdown" | "not_measured";
export type TruthSource = "expected" | "usage" | "server";

/** The one measured hit rate a probe reports, and whose figure it is. */
export interface MeasuredHitRate {
  rate: number;
  source: "server" | "usage";
}

export interface CacheTruth {
  /** (a) Mean reusable prefix the client expected on hits, tokens (0 for the control). */
  expectedHitMean?: number;
  /** True when (a) rests partly on a 4-characters-a-token estimate (shared_prefix's question; any probe without prompt_tokens in usage). */
  expectedEstimated: boolean;
  /** Σ over the probe's ok requests (misses expect 0). */
  expectedTotal?: number;
  /** Σ prompt tokens over the probe's ok requests (usage). */
  promptTotal?: number;
  /** (b) usage cached_tokens. */
  usage: { reported: boolean; hitMean?: number; missMean?: number; total?: number };
  /** (c) the server's counters diffed over the probe's time span. */
  server?: {
    hits?: number;
    queries?: number;
    /** Δhits / Δqueries over the window (never the server's own rolling rate). */
    hitRate?: number;
    preemptions?: number;
    promptTokens?: number;
    from: number;
    to: number;
    samples: number;
  };
  /** Why (c) is missing. */
  serverMissing?: string;
  /**
   * Hit rates over the probe, misses and hits together (Σ cached / Σ prompt). `expected` is
   * what a perfect prefix cache gives for the probe's design: the prompt tokens the client
   * sent twice / every prompt token sent (≈ 50 % when half the requests are misses);
   * `expectedUpTo`, on `continued`, adds the miss's reply, which a cache that keeps generated
   * tokens reuses too. `usage` and `server` are the measured ones; `measured` is the one
   * the report shows (the server's counters, else usage).
   */
  hitRate: { expected?: number; expectedUpTo?: number; usage?: number; server?: number; measured?: MeasuredHitRate };
  agreement: "agree" | "disagree" | "partial";
  /** Which source looks off, when two agree and one does not. */
  off?: TruthSource;
  findings: string[];
}

export interface CacheProbeDetail {
  probe: CacheProbe;
  /** Pairs planned. */
  repetitions: number;
  miss: CacheRoleStats;
  hit: CacheRoleStats;
  /** shared_prefix's warm request (excluded from every figure). */
  warm?: { n: number; ok: number; ttftMs?: number; promptTokens?: number };
  speedup?: ConfidenceInterval;
  reading: SpeedupReading;
  truth: CacheTruth;
}

export interface CachingState {
  enabled?: boolean;
  source: "config" | "counters" | "usage" | "none";
  text: string;
}

export interface CacheDetail {
  repetitions: number;
  prefixTokens: number;
  maxTokens: number;
  document: string;
  probes: CacheProbeDetail[];
  caching: CachingState;
  usageReported: boolean;
  serverScraped: boolean;
  /** The thresholds applied (the suite's, or the defaults for the probes run). */
  thresholds: string[];
  defaultThresholds: boolean;
}

interface Row {
  rec: RequestRecord;
  m: RequestMetrics;
}

const isNum = (x: number | undefined): x is number => typeof x === "number" && Number.isFinite(x);

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function roleStats(rows: Row[]): CacheRoleStats {
  const ok = rows.filter((r) => r.rec.result.ok);
  const cached = ok.map((r) => r.m.cachedTokens).filter(isNum);
  const s: CacheRoleStats = { n: rows.length, ok: ok.length, cachedReported: cached.length };
  const ttft = summarize(ok.map((r) => r.m.ttftMs));
  if (ttft) s.ttft = ttft;
  const prompt = summarize(ok.map((r) => r.m.promptTokens));
  if (prompt) s.promptTokens = prompt;
  const c = summarize(cached);
  if (c) s.cachedTokens = c;
  return s;
}

export function readSpeedup(ci: ConfidenceInterval | undefined): SpeedupReading {
  if (!ci) return "not_measured";
  if (ci.lower > 1) return "speedup";
  if (ci.upper < 1) return "slowdown";
  return "no_measurable_speedup";
}

/** The reusable prefix (tokens) the client expected for one ok request. */
function expectedFor(probe: CacheProbe, row: Row, missOf: Map<number, Row>): { tokens?: number; estimated: boolean } {
  if (row.rec.role !== "hit" || probe === "independent") return { tokens: 0, estimated: false };
  if (probe === "continued") {
    const miss = missOf.get(row.rec.iteration ?? -1);
    if (!miss) return { estimated: false };
    if (isNum(miss.m.promptTokens)) return { tokens: miss.m.promptTokens, estimated: false };
    const text = miss.rec.newMessages.map((m) => (typeof m.content === "string" ? m.content : "")).join("");
    return { tokens: estimateTokens(text) + TEMPLATE_TAIL_TOKENS, estimated: true };
  }
  // shared_prefix: the hit's prompt minus what follows the document (nonce, question, the template's tail).
  const last = row.rec.newMessages[row.rec.newMessages.length - 1];
  const content = typeof last?.content === "string" ? last.content : "";
  const after = afterDocument(content) ?? "";
  const rest = estimateTokens(after) + TEMPLATE_TAIL_TOKENS;
  if (isNum(row.m.promptTokens)) return { tokens: Math.max(0, row.m.promptTokens - rest), estimated: true };
  return { tokens: Math.max(0, estimateTokens(content) - estimateTokens(after)), estimated: true };
}

/** The probe's time span: first send to last byte of its measured requests. */
function span(rows: Row[]): { start: number; end: number } | undefined {
  return requestSpan(rows.map((r) => r.rec));
}

/**
 * The snapshots that bracket [start, end]: the last good one taken at or before the start
 * and the first good one at or after the end, so the counters' difference covers exactly
 * the requests in between (probes run one request at a time).
 */
export function bracket(server: readonly ServerSnapshot[], start: number, end: number): { from: number; to: number } | undefined {
  let from: number | undefined;
  let to: number | undefined;
  for (const s of server) {
    if (s.error !== undefined || !s.values) continue;
    if (s.t <= start && (from === undefined || s.t > from)) from = s.t;
    if (s.t >= end && (to === undefined || s.t < to)) to = s.t;
  }
  return from !== undefined && to !== undefined ? { from, to } : undefined;
}

function serverWindow(server: readonly ServerSnapshot[], b: { from: number; to: number }): ServerWindowSummary | undefined {
  const w: ServerWindowSummary | undefined = summarizeWindow([...server], b.from, b.to);
  return w;
}

const fmtTok = (x: number | undefined): string => (isNum(x) ? `${Math.round(x)}` : "—");

/** Whether two token totals agree, given how each is known to round. */
function close(x: number, y: number, slack: number): boolean {
  return Math.abs(x - y) <= slack + 0.03 * Math.max(Math.abs(x), Math.abs(y));
}

const LESS_REUSE_CAUSES =
  "prefix caching off, a KV budget too small (the prefix is evicted before it is reused), the chat template rendering the resent text differently (e.g. reasoning dropped from the history), or requests spread over replicas without sticky routing";
const MORE_REUSE_CAUSES =
  "something before the nonce is shared (a fixed system prompt in the chat template; a block or two is normal), or the server reuses chunks that are not a prefix (llama.cpp --cache-reuse)";

function serverVsUsage(b: number, c: number, preemptions: number | undefined): string {
  return c > b
    ? `The server's counters show more cached tokens (${fmtTok(c)}) than usage (${fmtTok(b)}): vLLM counts a request's prefix lookup again each time its KV allocation is retried (cache full, preemption${isNum(preemptions) && preemptions > 0 ? `: ${preemptions} preemption(s) in the window` : ""}), and other clients' requests in the same window count too; usage is the per-request figure to trust here.`
    : `The server's counters show fewer cached tokens (${fmtTok(c)}) than usage (${fmtTok(b)}): a scrape may have raced the probe's last request, or the server runs several engines or replicas and /metrics answered for one of them; usage is the per-request figure to trust here.`;
}

function compareTruth(
  probe: CacheProbe,
  t: Omit<CacheTruth, "agreement" | "findings" | "off">,
  okRequests: number,
  okHits: number,
  maxTokens: number,
): Pick<CacheTruth, "agreement" | "findings" | "off"> {
  const findings: string[] = [];
  const a = t.expectedTotal;
  const b = t.usage.reported ? t.usage.total : undefined;
  const c = t.server?.hits;
  // cached_tokens counts whole blocks (down to a block less than the expected prefix per
  // request); on the continued probe the reply's own blocks may be reused too.
  const expectSlack = okRequests * BLOCK_TOKENS + (probe === "continued" ? okHits * maxTokens : 0) + 8;
  const ab = a !== undefined && b !== undefined ? close(a, b, expectSlack) : undefined;
  const ac = a !== undefined && c !== undefined ? close(a, c, expectSlack) : undefined;
  const bc = b !== undefined && c !== undefined ? close(b, c, BLOCK_TOKENS) : undefined;

  if (!t.usage.reported) findings.push(`Usage carried no cached_tokens (absent: ${USAGE_FLAGS}).`);
  if (t.serverMissing) findings.push(`Server counters: ${t.serverMissing}.`);
  if (isNum(t.usage.missMean) && t.usage.missMean > 2 * BLOCK_TOKENS) {
    findings.push(`Misses report ${fmtTok(t.usage.missMean)} cached tokens on average where none were expected: ${MORE_REUSE_CAUSES}.`);
  }
  if (isNum(t.server?.queries) && isNum(t.promptTotal) && (t.server?.queries ?? 0) > t.promptTotal * 1.03 + BLOCK_TOKENS) {
    findings.push(
      `The server counted ${fmtTok(t.server?.queries)} queried tokens for ${fmtTok(t.promptTotal)} prompt tokens sent: retried allocations (counted again) or other clients' traffic inflate its counters in this window.`,
    );
  }

  if (t.server?.queries === 0 && isNum(t.promptTotal) && t.promptTotal > 0) {
    findings.push("The server looked up no prompt token in its prefix cache during the probe (its query counter did not move): prefix caching is off.");
  }
  const known = [ab, ac, bc].filter((x): x is boolean => x !== undefined);
  if (known.length === 0) {
    if (a !== undefined) findings.push("Only the client's expectation is known: nothing from the server confirms what it reused.");
    return { agreement: "partial", findings };
  }
  const list = [a !== undefined ? `expected ${fmtTok(a)}` : "", b !== undefined ? `usage ${fmtTok(b)}` : "", c !== undefined ? `server ${fmtTok(c)}` : ""]
    .filter(Boolean)
    .join(", ");
  if (known.every((x) => x)) {
    findings.push(`${known.length === 3 ? "The three sources agree" : "The sources available agree"} (${list} cached tokens over the probe).`);
    if (a !== undefined && b !== undefined && a - b >= 1) {
      findings.push(`Usage is ${fmtTok(a - b)} tokens below the expectation: cached_tokens counts whole KV blocks (${BLOCK_TOKENS} tokens in vLLM by default), so up to a block less per request is normal.`);
    }
    return { agreement: known.length === 3 ? "agree" : "partial", findings };
  }

  // Three sources, two agreeing: the third is off.
  let off: TruthSource | undefined;
  if (known.length === 3) {
    if (ab && !ac && !bc) off = "server";
    else if (ac && !ab && !bc) off = "usage";
    else if (bc && !ab && !ac) off = "expected";
  }
  if (off === "server" && b !== undefined && c !== undefined) findings.push(serverVsUsage(b, c, t.server?.preemptions));
  else if (off === "usage" && a !== undefined && b !== undefined) {
    findings.push(
      `Usage is off: it reports ${fmtTok(b)} cached tokens where the expectation and the server's counters agree on about ${fmtTok(a)}; the server fills cached_tokens inconsistently (${b < a ? "it may leave out part of the hit" : "it may count tokens the counters did not"}), so trust the counters here.`,
    );
  } else if (off === "expected" && a !== undefined && b !== undefined) {
    findings.push(
      b < a
        ? `Usage and the server's counters agree (${fmtTok(b)} / ${fmtTok(c)}) on less reuse than the client expected (${fmtTok(a)}): the server really did not reuse the prefix. Known causes: ${LESS_REUSE_CAUSES}.`
        : `Usage and the server's counters agree (${fmtTok(b)} / ${fmtTok(c)}) on more reuse than the client expected (${fmtTok(a)}): ${MORE_REUSE_CAUSES}.`,
    );
  } else {
    // Two sources that disagree, or three that all disagree: describe each failed pair.
    if (bc === false && b !== undefined && c !== undefined) findings.push(serverVsUsage(b, c, t.server?.preemptions));
    const measured = b ?? c;
    const which = b !== undefined ? "usage" : "the server's counters";
    if (a !== undefined && measured !== undefined && (b !== undefined ? ab === false : ac === false)) {
      findings.push(
        measured < a
          ? `${which === "usage" ? "Usage" : "The server's counters"} show${which === "usage" ? "s" : ""} less reuse (${fmtTok(measured)}) than the client expected (${fmtTok(a)}); beyond a block per request this is not rounding. Known causes: ${LESS_REUSE_CAUSES}.`
          : `${which === "usage" ? "Usage" : "The server's counters"} show${which === "usage" ? "s" : ""} more reuse (${fmtTok(measured)}) than the client expected (${fmtTok(a)}): ${MORE_REUSE_CAUSES}.`,
      );
    }
  }
  return { agreement: "disagree", findings, ...(off ? { off } : {}) };
}

function truthFor(
  probe: CacheProbe,
  rows: Row[],
  server: readonly ServerSnapshot[],
  maxTokens: number,
): CacheTruth {
  const ok = rows.filter((r) => r.rec.result.ok);
  const missOf = new Map<number, Row>();
  for (const r of ok) if (r.rec.role === "miss") missOf.set(r.rec.iteration ?? -1, r);

  const exp = ok.map((r) => ({ row: r, e: expectedFor(probe, r, missOf) }));
  const hitExp = exp.filter((x) => x.row.rec.role === "hit").map((x) => x.e.tokens);
  const expectedKnown = exp.every((x) => isNum(x.e.tokens));
  const expectedEstimated = exp.some((x) => x.e.estimated);
  const prompts = ok.map((r) => r.m.promptTokens);
  const promptTotal = prompts.every(isNum) && prompts.length > 0 ? sum(prompts as number[]) : undefined;
  const expectedTotal = expectedKnown && exp.length > 0 ? sum(exp.map((x) => x.e.tokens as number)) : undefined;

  const cachedHit = ok.filter((r) => r.rec.role === "hit").map((r) => r.m.cachedTokens).filter(isNum);
  const cachedMiss = ok.filter((r) => r.rec.role === "miss").map((r) => r.m.cachedTokens).filter(isNum);
  const reported = ok.length > 0 && ok.every((r) => isNum(r.m.cachedTokens));
  const usage: CacheTruth["usage"] = { reported };
  if (cachedHit.length) usage.hitMean = sum(cachedHit) / cachedHit.length;
  if (cachedMiss.length) usage.missMean = sum(cachedMiss) / cachedMiss.length;
  if (reported) usage.total = sum(ok.map((r) => r.m.cachedTokens as number));

  const base: Omit<CacheTruth, "agreement" | "findings" | "off"> = {
    expectedEstimated,
    usage,
    hitRate: {},
  };
  const hitExpKnown = hitExp.filter(isNum);
  if (hitExpKnown.length) base.expectedHitMean = sum(hitExpKnown) / hitExpKnown.length;
  if (expectedTotal !== undefined) base.expectedTotal = expectedTotal;
  if (promptTotal !== undefined) base.promptTotal = promptTotal;
  if (promptTotal !== undefined && promptTotal > 0) {
    if (expectedTotal !== undefined) base.hitRate.expected = expectedTotal / promptTotal;
    if (usage.total !== undefined) base.hitRate.usage = usage.total / promptTotal;
    if (probe === "continued" && expectedTotal !== undefined) {
      // The hit resends the miss's reply too: a cache that keeps generated tokens reuses it.
      const replies = ok.filter((r) => r.rec.role === "hit").map((r) => missOf.get(r.rec.iteration ?? -1)?.m.outputTokens);
      if (replies.every(isNum)) base.hitRate.expectedUpTo = (expectedTotal + sum(replies as number[])) / promptTotal;
    }
  }

  const sp = span(rows);
  if (server.length === 0) base.serverMissing = "not scraped (the target exposes no /metrics, or the monitor was off)";
  else if (!sp) base.serverMissing = "no request to window";
  else {
    const b = bracket(server, sp.start, sp.end);
    const w = b ? serverWindow(server, b) : undefined;
    if (!b || !w) base.serverMissing = "no successful scrape before and after the probe";
    else {
      const hits = w.deltas.prefixCacheHits ?? w.deltas.promptTokensCached;
      const queries = w.deltas.prefixCacheQueries;
      const s: NonNullable<CacheTruth["server"]> = { from: b.from, to: b.to, samples: w.samples };
      if (isNum(hits)) s.hits = hits;
      if (isNum(queries)) s.queries = queries;
      const rate = isNum(w.prefixCacheHitRate) ? w.prefixCacheHitRate : isNum(hits) && isNum(queries) && queries > 0 ? hits / queries : undefined;
      if (isNum(rate)) s.hitRate = rate;
      if (isNum(w.deltas.preemptions)) s.preemptions = w.deltas.preemptions;
      if (isNum(w.deltas.promptTokens)) s.promptTokens = w.deltas.promptTokens;
      if (!isNum(hits) && !isNum(queries)) base.serverMissing = "the server exposes no prefix-cache counters";
      else base.server = s;
      if (isNum(rate)) base.hitRate.server = rate;
    }
  }
  // One measured figure: the server's counters, else usage's cached_tokens.
  if (isNum(base.hitRate.server)) base.hitRate.measured = { rate: base.hitRate.server, source: "server" };
  else if (isNum(base.hitRate.usage)) base.hitRate.measured = { rate: base.hitRate.usage, source: "usage" };
  const okHits = ok.filter((r) => r.rec.role === "hit").length;
  return { ...base, ...compareTruth(probe, base, ok.length, okHits, maxTokens) };
}

function probeDetail(probe: CacheProbe, rows: Row[], config: CacheScenarioConfig, server: readonly ServerSnapshot[]): CacheProbeDetail {
  const measured = rows.filter((r) => r.rec.role === "miss" || r.rec.role === "hit");
  const miss = roleStats(measured.filter((r) => r.rec.role === "miss"));
  const hit = roleStats(measured.filter((r) => r.rec.role === "hit"));
  const okTtft = (role: string) =>
    measured.filter((r) => r.rec.role === role && r.rec.result.ok).map((r) => r.m.ttftMs).filter(isNum);
  const speedup = ratioCI(okTtft("miss"), okTtft("hit"));
  const d: CacheProbeDetail = {
    probe,
    repetitions: config.repetitions,
    miss,
    hit,
    reading: readSpeedup(speedup),
    truth: truthFor(probe, measured, server, config.max_tokens),
  };
  if (speedup) d.speedup = speedup;
  const warm = rows.filter((r) => r.rec.role === "warm");
  if (warm.length > 0) {
    const w = warm[0];
    d.warm = { n: warm.length, ok: warm.filter((r) => r.rec.result.ok).length };
    if (w && isNum(w.m.ttftMs)) d.warm.ttftMs = w.m.ttftMs;
    if (w && isNum(w.m.promptTokens)) d.warm.promptTokens = w.m.promptTokens;
  }
  return d;
}

/** Whether prefix caching looks enabled: the server's config, else its counters, else usage. */
export function cachingState(probes: readonly CacheProbeDetail[], server: readonly ServerSnapshot[]): CachingState {
  let configured: boolean | undefined;
  for (const s of server) if (s.values?.prefixCachingEnabled !== undefined) configured = s.values.prefixCachingEnabled;
  if (configured !== undefined) {
    return {
      enabled: configured,
      source: "config",
      text: `Prefix caching is ${configured ? "enabled" : "disabled"} in the server's configuration (vllm:cache_config_info, enable_prefix_caching).`,
    };
  }
  const withServer = probes.filter((p) => p.truth.server !== undefined);
  const hits = sum(withServer.map((p) => p.truth.server?.hits ?? 0));
  const queries = sum(withServer.map((p) => p.truth.server?.queries ?? 0));
  if (hits > 0) {
    return { enabled: true, source: "counters", text: `Prefix caching looks enabled: the server counted ${Math.round(hits)} prefix-cache hit tokens during the probes.` };
  }
  const cached = sum(probes.map((p) => p.truth.usage.total ?? (p.truth.usage.hitMean ?? 0) + (p.truth.usage.missMean ?? 0)));
  if (cached > 0) {
    return { enabled: true, source: "usage", text: `Prefix caching looks enabled: usage reported ${Math.round(cached)} cached prompt tokens during the probes.` };
  }
  if (withServer.length > 0 && withServer.some((p) => p.truth.server?.queries !== undefined) && queries === 0) {
    return {
      enabled: false,
      source: "counters",
      text: "Prefix caching looks disabled: the server looked up no prompt token in a prefix cache during the probes (its query counter did not move).",
    };
  }
  return {
    source: "none",
    text: "Cannot tell whether prefix caching is enabled: the server exposes neither its cache configuration nor prefix-cache counters, and usage reported no cached tokens.",
  };
}

const x2 = (v: number): string => `×${v.toFixed(2)}`;

const pct1 = (v: number): string => `${(v * 100).toFixed(1)} %`;

/** The hit rate a perfect prefix cache gives for the probe: "≈ 50.3 %", "50.0–52.1 %". */
export function expectedHitRateText(t: Pick<CacheTruth, "hitRate" | "expectedEstimated">): string | undefined {
  const e = t.hitRate.expected;
  if (!isNum(e)) return undefined;
  const approx = t.expectedEstimated ? "≈ " : "";
  const up = t.hitRate.expectedUpTo;
  return isNum(up) && up - e >= 0.0005 ? `${approx}${(e * 100).toFixed(1)}–${pct1(up)}` : `${approx}${pct1(e)}`;
}

/**
 * One short sentence (the report cuts it at 160 characters): the speedup of the main probe
 * (shared_prefix, else the first measured) with its interval and its measured hit rate
 * beside what a perfect cache gives for the probe, then the other probes' point estimates.
 */
export function headlineOf(probes: readonly CacheProbeDetail[]): string | undefined {
  const measured = probes.filter((d) => d.speedup);
  const main = measured.find((d) => d.probe === "shared_prefix") ?? measured.find((d) => d.probe !== "independent") ?? measured[0];
  if (!main?.speedup) return undefined;
  const s = main.speedup;
  const hit = main.truth.hitRate.measured;
  const possible = expectedHitRateText(main.truth);
  const rate = hit ? `, hit rate ${pct1(hit.rate)}${possible ? ` of a possible ${possible}` : ""}` : "";
  const label = (d: CacheProbeDetail) => (d.probe === "independent" ? "the control" : d.probe);
  const others = measured.filter((d) => d !== main).map((d) => `${x2(d.speedup?.estimate ?? NaN)} on ${label(d)}`);
  const noSpeedup = main.reading === "no_measurable_speedup" ? "no measurable speedup, " : "";
  return `measured TTFT miss/hit ${x2(s.estimate)} on ${label(main)} (${noSpeedup}95 % CI ${x2(s.lower)}–${x2(s.upper)}${rate})${others.length ? `, ${others.join(", ")}` : ""}`;
}

/** Thresholds when the suite gives none: the shared-prefix speedup, else the continued one. */
export function defaultThresholdsFor(config: CacheScenarioConfig): string[] {
  if (config.probes.includes("shared_prefix")) return [...CACHE_DEFAULT_THRESHOLDS];
  if (config.probes.includes("continued")) return ["speedup.continued >= 1.5"];
  return ["success_rate > 95%"];
}

export function analyzeCache(config: CacheScenarioConfig, input: AnalysisInput): ScenarioResult<CacheDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  const rows: Row[] = mine.map((rec) => ({ rec, m: deriveRequestMetrics(rec.result) }));
  const measured = rows.filter((r) => r.rec.role === "miss" || r.rec.role === "hit");
  const okMeasured = measured.filter((r) => r.rec.result.ok);
  const probes = config.probes.map((p) => probeDetail(p, rows.filter((r) => (r.rec.probe ?? r.rec.session) === p), config, input.server));

  const metrics: Record<string, MetricValue> = {};
  for (const d of probes) {
    const p = d.probe;
    const n = (d.speedup?.n ?? []).reduce((a, b) => a + b, 0);
    metrics[`speedup.${p}`] = { value: d.speedup?.estimate, n, unit: "x" };
    metrics[`speedup_ci_low.${p}`] = { value: d.speedup?.lower, n, unit: "x" };
    metrics[`ttft_miss.${p}.mean`] = { value: d.miss.ttft?.mean, n: d.miss.ttft?.n ?? 0, unit: "ms" };
    metrics[`ttft_hit.${p}.mean`] = { value: d.hit.ttft?.mean, n: d.hit.ttft?.n ?? 0, unit: "ms" };
    metrics[`cached_tokens_hit.${p}.mean`] = { value: d.hit.cachedTokens?.mean, n: d.hit.cachedTokens?.n ?? 0, unit: "tokens" };
    metrics[`server_hit_rate.${p}`] = {
      value: d.truth.server?.hitRate,
      n: d.truth.server?.hitRate !== undefined ? d.miss.ok + d.hit.ok : 0,
      unit: "fraction",
    };
  }
  metrics.success_rate = { value: measured.length ? okMeasured.length / measured.length : undefined, n: measured.length, unit: "fraction" };

  const thresholdTexts = config.thresholds ?? defaultThresholdsFor(config);
  const verdicts = thresholdTexts.map((s) => {
    const th = parseThreshold(s);
    const mv = metrics[th.metric];
    return evaluate(th, { value: mv?.value, n: mv?.n });
  });

  const caching = cachingState(probes, input.server);
  const usageReported = okMeasured.some((r) => isNum(r.m.cachedTokens));
  const notes: string[] = [];
  const warm = rows.filter((r) => r.rec.role === "warm");
  if (warm.length > 0) {
    notes.push(
      `${warm.length} warm request(s) loaded the shared document into the server's cache before the shared_prefix pairs; recorded in records.jsonl, excluded from every figure.`,
    );
  }
  if (!usageReported && okMeasured.length > 0) notes.push(`The server reported no cached prompt tokens (usage.prompt_tokens_details.cached_tokens): ${USAGE_FLAGS}.`);
  if (input.server.length === 0) notes.push("The server's /metrics were not scraped: the cache truth rests on the client's expectation and usage only.");
  if (!config.thresholds) notes.push(`Thresholds are the defaults for the probes run (${thresholdTexts.join(", ")}).`);
  if (!mine.some((r) => r.result.stream)) notes.push("Requests were not streamed: TTFT, hence the speedup, cannot be measured.");
  for (const v of verdicts) {
    const p = /^speedup\.(.+)$/.exec(v.metric)?.[1];
    const d = probes.find((x) => x.probe === p);
    if (v.status === "pass" && d?.speedup && (v.op === ">=" || v.op === ">") && d.speedup.lower < v.limit) {
      notes.push(
        `The ${p} speedup passes its threshold (${v.threshold}) on the point estimate, but its 95 % interval reaches down to ${d.speedup.lower.toFixed(2)}: more repetitions would settle it.`,
      );
    }
  }
  const control = probes.find((d) => d.probe === "independent");
  if (control?.reading === "speedup" || control?.reading === "slowdown") {
    notes.push(
      `The independent control, which nothing can reuse, shows a measurable ${control.reading === "speedup" ? "speedup" : "slowdown"} (×${control.speedup?.estimate.toFixed(2)}): something other than the prefix cache (drift, another load on the server, the nonce failing) moves TTFT between the two arms; read the other probes with that in mind.`,
    );
  }

  const probeRows = rows.filter((r) => r.rec.role === "miss" || r.rec.role === "hit" || r.rec.role === "warm");
  const sp = span(probeRows);
  let server: ServerWindowSummary | undefined;
  const whole = sp && input.server.length > 0 ? bracket(input.server, sp.start, sp.end) : undefined;
  if (whole) server = serverWindow(input.server, whole);

  const result: ScenarioResult<CacheDetail> = {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    detail: {
      repetitions: config.repetitions,
      prefixTokens: config.prefix_tokens,
      maxTokens: config.max_tokens,
      document: config.document ?? "built-in runbook (suites/cache/runbook.md)",
      probes,
      caching,
      usageReported,
      serverScraped: input.server.length > 0,
      thresholds: thresholdTexts,
      defaultThresholds: !config.thresholds,
    },
    requests: { total: measured.length, ok: okMeasured.length, failed: measured.length - okMeasured.length },
    errors: collectErrors(probeRows.map((r) => r.rec)),
    notes,
  };
  if (server) result.server = server;
  const headline = headlineOf(probes);
  if (headline) result.headline = headline;
  return result;
}
