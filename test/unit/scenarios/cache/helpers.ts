/** Synthetic cache-scenario records and server snapshots, on a fake performance.now() clock. */
import type { ChatResult } from "../../../../src/client/types.js";
import { cacheScenarioSchema, type CacheScenarioConfig } from "../../../../src/config/schema.js";
import type { NormalizedMetrics, ServerSnapshot } from "../../../../src/monitor/types.js";
import type { AnalysisInput } from "../../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../../src/store/records.js";
import { documentPrompt } from "../../../../src/scenarios/cache/prompts.js";

export function cacheConfig(over: Partial<CacheScenarioConfig> = {}): CacheScenarioConfig {
  return { ...cacheScenarioSchema.parse({ kind: "cache" }), ...over };
}

export interface RecOptions {
  ttft: number;
  prompt?: number;
  /** usage cached_tokens; absent when undefined. */
  cached?: number;
  ok?: boolean;
  content?: string;
  noUsage?: boolean;
}

/** Builds records one after another on a fake clock; `at` is the time after the last one. */
export class Timeline {
  at = 1_000;
  readonly records: RequestRecord[] = [];
  readonly server: ServerSnapshot[] = [];

  add(probe: string, role: "miss" | "hit" | "warm", iteration: number, o: RecOptions): RequestRecord {
    const ok = o.ok ?? true;
    const result: ChatResult = {
      ok,
      startedAtEpochMs: 1_700_000_000_000 + this.at,
      sentPerfMs: this.at,
      stream: true,
      t: ok ? { firstByte: o.ttft - 1, firstContent: o.ttft, lastToken: o.ttft + 40, lastByte: o.ttft + 41 } : { lastByte: 5 },
      chunkTimes: ok ? [o.ttft, o.ttft + 20, o.ttft + 40] : [],
      chunkTokens: [],
      content: ok ? "An answer." : "",
      reasoning: "",
      toolCalls: [],
      continuousUsage: false,
      ...(ok && !o.noUsage
        ? { usage: { promptTokens: o.prompt ?? 2000, completionTokens: 3, totalTokens: (o.prompt ?? 2000) + 3, ...(o.cached !== undefined ? { cachedTokens: o.cached } : {}) } }
        : {}),
      ...(ok ? {} : { error: { kind: "http_status" as const, status: 500, message: "boom" } }),
    };
    const content = o.content ?? (probe === "shared_prefix" ? documentPrompt("doc ".repeat(100), "What now?", role === "miss" ? "before" : "after", "[request 0123456789ab]") : "[request x] text");
    const rec: RequestRecord = {
      v: 1,
      id: `cache/${probe}/r${iteration}/${role}`,
      scenario: "cache",
      kind: "cache",
      session: probe,
      iteration,
      probe,
      role,
      newMessages: [{ role: "user", content }],
      messageCount: 1,
      params: { model: "m", maxTokens: 16, temperature: 0, stream: true },
      result,
    };
    this.records.push(rec);
    this.at += o.ttft + 100;
    return rec;
  }

  /** A snapshot now (counters are cumulative). */
  snap(values: Omit<NormalizedMetrics, "server">): ServerSnapshot {
    const s: ServerSnapshot = { t: this.at, epochMs: 1_700_000_000_000 + this.at, values: { server: "vllm", ...values } };
    this.server.push(s);
    this.at += 5;
    return s;
  }

  input(): AnalysisInput {
    return { records: this.records, target: { url: "http://x/v1", model: "m", simulated: false, models: [] }, server: this.server, reviews: {} };
  }
}

/** Adds `pairs` miss/hit pairs with the given TTFTs (cycled). */
export function pairs(
  tl: Timeline,
  probe: string,
  miss: number[],
  hit: number[],
  o: { prompt?: number; missCached?: number; hitCached?: number; noUsage?: boolean } = {},
): void {
  const n = Math.max(miss.length, hit.length);
  for (let i = 0; i < n; i++) {
    const base = { ...(o.prompt !== undefined ? { prompt: o.prompt } : {}), ...(o.noUsage ? { noUsage: true } : {}) };
    tl.add(probe, "miss", i + 1, { ttft: miss[i % miss.length]!, ...base, ...(o.missCached !== undefined ? { cached: o.missCached } : {}) });
    tl.add(probe, "hit", i + 1, { ttft: hit[i % hit.length]!, ...base, ...(o.hitCached !== undefined ? { cached: o.hitCached } : {}) });
  }
}
