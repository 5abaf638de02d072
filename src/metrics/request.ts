/**
 * Per-request figures derived from one ChatResult (docs/metrics.md defines each one).
 * Pure: reads the timestamps and counts the client measured, never invents a value — a
 * figure whose inputs are missing is undefined.
 *
 * Timestamps are ms since `sent` (performance.now() in the client, just before the request
 * was handed to the HTTP stack), so every figure below is a duration from the send.
 */
import type { ChatResult } from "../client/types.js";
import { finiteValues, summarize, successRate, type Summary, type SuccessRate } from "./summary.js";

/**
 * Where the output-token count came from, best first:
 * - "usage": the server's own count (`usage.completion_tokens`, or the sum of the per-chunk
 *   counts of continuous usage stats when the final usage is missing);
 * - "tokenizer": a local tokenizer re-encoding the received text (supplied by the caller);
 * - "chunks": the number of token-bearing chunks — an estimate (a chunk may carry several
 *   tokens, e.g. speculative decoding or stream intervals, and servers may drop
 *   whitespace-only or end-of-sequence tokens from the stream).
 */
export type TokenCountSource = "usage" | "tokenizer" | "chunks";

export interface RequestMetrics {
  ok: boolean;
  stream: boolean;
  /**
   * Time to first token: first token-bearing chunk (content, reasoning or tool call).
   * Undefined for non-streamed requests and when no token arrived.
   */
  ttftMs?: number;
  /** Time to first chunk: first SSE event with a non-empty `choices` (vLLM bench's "TTFT"; counts the role-only chunk). */
  ttfcMs?: number;
  /** Time to first answer token: first content (or tool call) after the reasoning; equals TTFT without reasoning. */
  ttfaMs?: number;
  /** Response headers received (time to first byte). */
  firstByteMs?: number;
  /** End-to-end latency: last byte of the response body. For a failed request: when the body ended, if it did. */
  e2eMs?: number;
  /** E2E − TTFT: the decode phase as seen by the client (ok streamed requests). */
  decodeMs?: number;
  outputTokens?: number;
  outputTokensSource?: TokenCountSource;
  /** True unless the count came from the server's usage. */
  outputTokensEstimated?: boolean;
  promptTokens?: number;
  /** usage.prompt_tokens_details.cached_tokens (prompt tokens served from the prefix cache). */
  cachedTokens?: number;
  /** usage.completion_tokens_details.reasoning_tokens. */
  reasoningTokens?: number;
  /** Time per output token after the first: (E2E − TTFT)/(out − 1), out > 1. */
  tpotMs?: number;
  /** Output tokens per second after the first: (out − 1)/((E2E − TTFT)/1000), out > 1 and E2E > TTFT. */
  outputTps?: number;
  /** Output tokens per second over the whole request: out/(E2E/1000) — what the seed report called tok/s. */
  e2eOutputTps?: number;
  /** Gaps between consecutive token-bearing chunks (ms); empty when fewer than 2 chunks. */
  itlMs: number[];
  /** Number of token-bearing chunks received. */
  chunks: number;
}

export interface DeriveOptions {
  /**
   * Output tokens counted by a local tokenizer over the received text (content + reasoning
   * + tool-call arguments). Used when the server gave no usage; preferred over a chunk count.
   */
  localOutputTokens?: number;
}

function isNum(x: number | undefined): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** Smallest of the defined, finite values; undefined when none. */
function earliest(...xs: (number | undefined)[]): number | undefined {
  let best: number | undefined;
  for (const x of xs) if (isNum(x) && (best === undefined || x < best)) best = x;
  return best;
}

function nonNegativeInt(x: number | undefined): number | undefined {
  return isNum(x) && x >= 0 ? x : undefined;
}

/** Output-token count by precedence: server usage, continuous usage, local tokenizer, chunk count. */
function countOutputTokens(
  r: ChatResult,
  opts: DeriveOptions,
): { n: number; source: TokenCountSource } | undefined {
  const usage = nonNegativeInt(r.usage?.completionTokens);
  if (usage !== undefined) return { n: usage, source: "usage" };
  if (r.chunkTokens.length > 0 && r.chunkTokens.length === r.chunkTimes.length) {
    const per = finiteValues(r.chunkTokens);
    if (per.length === r.chunkTokens.length) return { n: per.reduce((a, b) => a + b, 0), source: "usage" };
  }
  const local = nonNegativeInt(opts.localOutputTokens);
  if (local !== undefined) return { n: local, source: "tokenizer" };
  if (r.stream && r.chunkTimes.length > 0) return { n: r.chunkTimes.length, source: "chunks" };
  return undefined;
}

/**
 * Per-request figures of one exchange.
 *
 * - Non-streamed results: E2E and token counts only; TTFT, TTFC, TTFA, TPOT, output tok/s
 *   and ITL do not exist (undefined / empty), never a fake value.
 * - Failed results (ok = false): what exists (TTFT if a token arrived, E2E if the body
 *   ended, the tokens received); no TPOT, output tok/s or decode time, which describe a
 *   complete response.
 */
export function deriveRequestMetrics(r: ChatResult, opts: DeriveOptions = {}): RequestMetrics {
  const t = r.t;
  const m: RequestMetrics = { ok: r.ok, stream: r.stream, itlMs: [], chunks: r.stream ? r.chunkTimes.length : 0 };

  if (isNum(t.firstByte)) m.firstByteMs = t.firstByte;
  if (isNum(t.lastByte)) m.e2eMs = t.lastByte;

  const promptTokens = nonNegativeInt(r.usage?.promptTokens);
  if (promptTokens !== undefined) m.promptTokens = promptTokens;
  const cached = nonNegativeInt(r.usage?.cachedTokens);
  if (cached !== undefined) m.cachedTokens = cached;
  const reasoningTokens = nonNegativeInt(r.usage?.reasoningTokens);
  if (reasoningTokens !== undefined) m.reasoningTokens = reasoningTokens;

  const out = countOutputTokens(r, opts);
  if (out) {
    m.outputTokens = out.n;
    m.outputTokensSource = out.source;
    m.outputTokensEstimated = out.source !== "usage";
  }

  if (r.stream) {
    const ttft = earliest(t.firstContent, t.firstReasoning, t.firstToolCall, r.chunkTimes[0]);
    if (ttft !== undefined) m.ttftMs = ttft;
    if (isNum(t.firstChunk)) m.ttfcMs = t.firstChunk;

    // Time to first answer: the client's firstAnswer (content after the reasoning), or a tool
    // call that came after the reasoning; without any reasoning, the first content/tool call.
    const reasoned = isNum(t.firstReasoning);
    const toolAfterReasoning =
      isNum(t.firstToolCall) && (!reasoned || (t.firstToolCall as number) >= (t.firstReasoning as number))
        ? t.firstToolCall
        : undefined;
    const ttfa = reasoned
      ? earliest(t.firstAnswer, toolAfterReasoning)
      : earliest(t.firstAnswer, t.firstContent, t.firstToolCall);
    if (ttfa !== undefined) m.ttfaMs = ttfa;

    const times = r.chunkTimes;
    for (let i = 1; i < times.length; i++) {
      const gap = (times[i] as number) - (times[i - 1] as number);
      if (Number.isFinite(gap)) m.itlMs.push(gap);
    }
  }

  if (r.ok) {
    const { ttftMs: ttft, e2eMs: e2e, outputTokens: n } = m;
    if (isNum(ttft) && isNum(e2e) && e2e >= ttft) {
      const decode = e2e - ttft;
      m.decodeMs = decode;
      if (isNum(n) && n > 1) {
        m.tpotMs = decode / (n - 1);
        if (decode > 0) m.outputTps = (n - 1) / (decode / 1000);
      }
    }
    if (isNum(e2e) && e2e > 0 && isNum(n)) m.e2eOutputTps = n / (e2e / 1000);
  }
  return m;
}

/** Summaries over a set of requests, as the conversation report prints them. */
export interface RequestAggregate {
  /** Every request, ok or not. */
  success: SuccessRate;
  /** The summaries below rest on ok requests only. */
  ttftMs?: Summary;
  ttfcMs?: Summary;
  ttfaMs?: Summary;
  e2eMs?: Summary;
  tpotMs?: Summary;
  /** Pooled: every chunk gap of every ok request. */
  itlMs?: Summary;
  outputTps?: Summary;
  e2eOutputTps?: Summary;
  promptTokens?: Summary;
  outputTokens?: Summary;
  cachedTokens?: Summary;
  /** How many ok requests took their output-token count from each source. */
  outputTokensSources: Record<TokenCountSource, number>;
  /** Σ cached / Σ prompt over ok requests reporting both; undefined when none did. */
  cachedFraction?: number;
}

/** Aggregates per-request metrics (success rate over all; distributions over ok requests). */
export function aggregateRequests(ms: readonly RequestMetrics[]): RequestAggregate {
  const ok = ms.filter((m) => m.ok);
  const sources: Record<TokenCountSource, number> = { usage: 0, tokenizer: 0, chunks: 0 };
  let cachedSum = 0;
  let promptSum = 0;
  let withCache = 0;
  for (const m of ok) {
    if (m.outputTokensSource) sources[m.outputTokensSource]++;
    if (isNum(m.cachedTokens) && isNum(m.promptTokens)) {
      cachedSum += m.cachedTokens;
      promptSum += m.promptTokens;
      withCache++;
    }
  }
  const agg: RequestAggregate = { success: successRate(ms), outputTokensSources: sources };
  const put = <K extends keyof RequestAggregate>(k: K, s: RequestAggregate[K] | undefined): void => {
    if (s !== undefined) agg[k] = s;
  };
  put("ttftMs", summarize(ok.map((m) => m.ttftMs)));
  put("ttfcMs", summarize(ok.map((m) => m.ttfcMs)));
  put("ttfaMs", summarize(ok.map((m) => m.ttfaMs)));
  put("e2eMs", summarize(ok.map((m) => m.e2eMs)));
  put("tpotMs", summarize(ok.map((m) => m.tpotMs)));
  put("itlMs", summarize(ok.flatMap((m) => m.itlMs)));
  put("outputTps", summarize(ok.map((m) => m.outputTps)));
  put("e2eOutputTps", summarize(ok.map((m) => m.e2eOutputTps)));
  put("promptTokens", summarize(ok.map((m) => m.promptTokens)));
  put("outputTokens", summarize(ok.map((m) => m.outputTokens)));
  put("cachedTokens", summarize(ok.map((m) => m.cachedTokens)));
  if (withCache > 0 && promptSum > 0) agg.cachedFraction = cachedSum / promptSum;
  return agg;
}
