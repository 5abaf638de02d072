/**
 * Server-side truth per request: what the server itself says it did for each response,
 * compared with what the client measured on the same request. llama.cpp's llama-server
 * returns a `timings` object with every completion (kept verbatim in
 * ChatResult.serverTimings): prompt_n / cache_n (prompt tokens computed / reused from the
 * cache), prompt_ms (from the moment a slot starts on the request to the end of the prompt
 * decode), predicted_n / predicted_ms / predicted_per_second (generation).
 *
 * Every comparison is over the same requests, so unlike a server histogram over a window
 * it never mixes populations. Pure: ChatResults in, a summary out (docs/server-metrics.md,
 * "Server-side truth per request").
 */
import type { ChatResult } from "../client/types.js";
import { deriveRequestMetrics } from "./request.js";
import { percentile } from "./summary.js";
import { linearFit } from "./trend.js";

/** llama.cpp's `timings`, read (absent fields stay undefined). */
export interface ServerTimings {
  /** Prompt tokens computed (the cached ones excluded). */
  promptN?: number;
  /** Prompt tokens reused from the slot's cache. */
  cacheN?: number;
  /** Prompt decode time, from the moment a slot starts on the request. */
  promptMs?: number;
  predictedN?: number;
  predictedMs?: number;
  predictedPerSecond?: number;
}

const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);

/** The fields of a `timings` object shakedown compares; undefined when none is there. */
export function readServerTimings(raw: Record<string, number> | undefined): ServerTimings | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const t: ServerTimings = {};
  const set = (key: keyof ServerTimings, v: unknown) => {
    const x = num(v);
    if (x !== undefined) t[key] = x;
  };
  set("promptN", raw["prompt_n"]);
  set("cacheN", raw["cache_n"]);
  set("promptMs", raw["prompt_ms"]);
  set("predictedN", raw["predicted_n"]);
  set("predictedMs", raw["predicted_ms"]);
  const perSecond = num(raw["predicted_per_second"]);
  if (perSecond !== undefined) t.predictedPerSecond = perSecond;
  else if (t.predictedN !== undefined && t.predictedMs !== undefined && t.predictedMs > 0) t.predictedPerSecond = (t.predictedN / t.predictedMs) * 1000;
  return Object.keys(t).length > 0 ? t : undefined;
}

/** Median, p90 and extremes of one per-request difference. */
export interface DifferenceSummary {
  /** Requests the figure rests on. */
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** A count compared with the server's, request by request. */
export interface CountAgreement extends DifferenceSummary {
  /** Requests on which the two counts are equal. */
  equal: number;
}

export interface ServerTruthSummary {
  /** Where the server's per-request figures came from. */
  source: "llamacpp_timings";
  /** Successful requests that carried the server's timings. */
  requests: number;
  /** Successful requests that did not (the server left them out, or they were not completions). */
  without: number;
  /**
   * Client TTFT − prompt_ms, ms (streamed requests). Not the client's overhead: prompt_ms
   * starts only when a slot starts on the request, after the server's HTTP handling, chat
   * template and tokenization (and any wait for a free slot).
   */
  ttftMinusPromptMs?: DifferenceSummary & {
    /** Least-squares line of the difference against the request's prompt tokens (prompt_n + cache_n). */
    fit?: { slopeMsPer1k: number; interceptMs: number; r2: number; n: number };
  };
  /** Client output tok/s ÷ the server's predicted_per_second − 1 (streamed requests with more than one output token). */
  outputTpsRelative?: DifferenceSummary;
  /** usage.completion_tokens − predicted_n. */
  outputTokens?: CountAgreement;
  /** usage.prompt_tokens − (prompt_n + cache_n). */
  promptTokens?: CountAgreement;
  /** usage cached_tokens − cache_n. */
  cachedTokens?: CountAgreement;
}

function differences(xs: readonly number[]): DifferenceSummary | undefined {
  if (xs.length === 0) return undefined;
  const sorted = [...xs].sort((a, b) => a - b);
  return { n: xs.length, median: percentile(sorted, 50)!, p90: percentile(sorted, 90)!, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

function agreement(pairs: readonly [number, number][]): CountAgreement | undefined {
  const d = differences(pairs.map(([client, server]) => client - server));
  return d ? { ...d, equal: pairs.filter(([client, server]) => client === server).length } : undefined;
}

/**
 * Compares, request by request, the client's figures with the server's own timings. Failed
 * requests are left out. Undefined when no successful request carried timings.
 */
export function summarizeServerTruth(results: readonly ChatResult[]): ServerTruthSummary | undefined {
  const ok = results.filter((r) => r.ok);
  const ttftDiff: number[] = [];
  const ttftPrompt: number[] = [];
  const tpsRel: number[] = [];
  const output: [number, number][] = [];
  const prompt: [number, number][] = [];
  const cached: [number, number][] = [];
  let withTimings = 0;
  for (const r of ok) {
    const t = readServerTimings(r.serverTimings);
    if (!t) continue;
    withTimings++;
    const m = deriveRequestMetrics(r);
    const serverPrompt = t.promptN !== undefined && t.cacheN !== undefined ? t.promptN + t.cacheN : undefined;
    if (m.ttftMs !== undefined && t.promptMs !== undefined) {
      ttftDiff.push(m.ttftMs - t.promptMs);
      ttftPrompt.push(serverPrompt ?? m.promptTokens ?? Number.NaN);
    }
    if (m.outputTps !== undefined && !m.outputTokensEstimated && t.predictedPerSecond !== undefined && t.predictedPerSecond > 0) {
      tpsRel.push(m.outputTps / t.predictedPerSecond - 1);
    }
    const usage = r.usage;
    if (usage?.completionTokens !== undefined && t.predictedN !== undefined) output.push([usage.completionTokens, t.predictedN]);
    if (usage?.promptTokens !== undefined && serverPrompt !== undefined) prompt.push([usage.promptTokens, serverPrompt]);
    if (usage?.cachedTokens !== undefined && t.cacheN !== undefined) cached.push([usage.cachedTokens, t.cacheN]);
  }
  if (withTimings === 0) return undefined;
  const out: ServerTruthSummary = { source: "llamacpp_timings", requests: withTimings, without: ok.length - withTimings };
  const ttft = differences(ttftDiff);
  if (ttft) {
    const fit = linearFit(ttftPrompt, ttftDiff);
    out.ttftMinusPromptMs = fit ? { ...ttft, fit: { slopeMsPer1k: fit.slope * 1000, interceptMs: fit.intercept, r2: fit.r2, n: fit.n } } : ttft;
  }
  const tps = differences(tpsRel);
  if (tps) out.outputTpsRelative = tps;
  const o = agreement(output);
  if (o) out.outputTokens = o;
  const p = agreement(prompt);
  if (p) out.promptTokens = p;
  const c = agreement(cached);
  if (c) out.cachedTokens = c;
  return out;
}
