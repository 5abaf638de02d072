/** Helpers shared by the scenario kinds: sending a request the target's way, and analysis bits. */
import type { ChatResult } from "../client/index.js";
import type { Summary } from "../metrics/index.js";
import type { RequestRecord } from "../store/records.js";
import type { WireMessage, WireTool } from "../wire/openai.js";
import type { MetricValue, ScenarioContext } from "./types.js";

export interface SamplingParams {
  maxTokens: number;
  temperature: number;
  seed?: number;
  tools?: WireTool[];
  /** Overrides the target's streaming setting (e.g. a non-streamed comparison request). */
  stream?: boolean;
}

/**
 * Sends one chat completion with the target's settings (model, streaming, usage options,
 * extra body, the run's stop signal). Returns the result and the parameters to record.
 */
export async function sendChat(
  ctx: ScenarioContext,
  messages: WireMessage[],
  p: SamplingParams,
): Promise<{ result: ChatResult; params: RequestRecord["params"] }> {
  const seed = p.seed !== undefined ? { seed: p.seed } : {};
  const stream = p.stream ?? ctx.target.stream;
  const result = await ctx.client.chat({
    model: ctx.targetInfo.model,
    messages,
    stream,
    ...(p.tools ? { tools: p.tools } : {}),
    maxTokens: p.maxTokens,
    temperature: p.temperature,
    ...seed,
    continuousUsage: ctx.target.continuous_usage,
    ...(ctx.target.extra_body ? { extraBody: ctx.target.extra_body } : {}),
    signal: ctx.signal,
  });
  return {
    result,
    params: { model: ctx.targetInfo.model, maxTokens: p.maxTokens, temperature: p.temperature, ...seed, stream },
  };
}

/**
 * First send and last byte of some requests, on the performance.now() clock (loops, not
 * Math.min(...xs): a load run may hold more records than a call has room for arguments).
 */
export function requestSpan(records: readonly RequestRecord[]): { start: number; end: number } | undefined {
  if (records.length === 0) return undefined;
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const s = r.result.sentPerfMs;
    const e = s + (r.result.t.lastByte ?? 0);
    if (s < start) start = s;
    if (e > end) end = e;
  }
  return { start, end };
}

/** Exposes a summary as named figures: `${prefix}.mean`, `${prefix}.p90`, … */
export function summaryMetrics(prefix: string, s: Summary | undefined, unit: MetricValue["unit"]): Record<string, MetricValue> {
  const n = s?.n ?? 0;
  const out: Record<string, MetricValue> = {};
  for (const stat of ["mean", "std", "min", "max", "p50", "p90", "p95", "p99"] as const) {
    out[`${prefix}.${stat}`] = { value: s?.[stat], n, unit };
  }
  return out;
}

/** Failed requests grouped by error kind, with one example message each. */
export function collectErrors(records: RequestRecord[]): { kind: string; count: number; example: string }[] {
  const by = new Map<string, { kind: string; count: number; example: string }>();
  for (const r of records) {
    const e = r.result.error;
    if (!e) continue;
    const key = e.kind === "http_status" ? `http_${e.status ?? "?"}` : e.kind === "server_error" ? `server_error_${e.status ?? "?"}` : e.kind;
    const cur = by.get(key);
    if (cur) cur.count++;
    else by.set(key, { kind: key, count: 1, example: e.message });
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}
