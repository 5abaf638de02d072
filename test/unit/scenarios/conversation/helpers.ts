/** Synthetic conversation-scenario records on a fake performance.now() clock: TTFT and E2E as asked. */
import type { ChatResult } from "../../../../src/client/types.js";
import { conversationScenarioSchema, type ConversationScenarioConfig } from "../../../../src/config/schema.js";
import type { AnalysisInput } from "../../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../../src/store/records.js";

export function conversationConfig(over: Record<string, unknown> = {}): ConversationScenarioConfig {
  return conversationScenarioSchema.parse({ kind: "conversation", ...over });
}

export interface TurnSpec {
  ttft: number;
  /** E2E latency (default TTFT + 200 ms). */
  e2e?: number;
  /** Output tokens (default 50). */
  output?: number;
  ok?: boolean;
}

/** A session's turns from its TTFTs (E2E = TTFT + 200 ms, 50 output tokens). */
export const ttfts = (xs: readonly number[]): TurnSpec[] => xs.map((ttft) => ({ ttft }));

export class ConversationRecords {
  at = 1_000;
  readonly records: RequestRecord[] = [];
  constructor(readonly name = "conversation") {}

  /** Adds one session's turns; `sweep` names sessions as a concurrency sweep does ("conversation/c5/s3"). */
  session(level: number, index: number, turns: readonly TurnSpec[], sweep = level > 1): RequestRecord[] {
    const id = sweep ? `${this.name}/c${level}/s${index}` : `${this.name}/i${index}`;
    const out = turns.map((spec, k) => this.turn(id, level, index, k + 1, spec));
    return out;
  }

  turn(session: string, level: number, iteration: number, turn: number, spec: TurnSpec): RequestRecord {
    const ok = spec.ok ?? true;
    const e2e = spec.e2e ?? spec.ttft + 200;
    const output = spec.output ?? 50;
    const prompt = 100 + 150 * turn;
    const result: ChatResult = {
      ok,
      startedAtEpochMs: 1_700_000_000_000 + this.at,
      sentPerfMs: this.at,
      stream: true,
      t: ok
        ? { firstByte: spec.ttft - 1, firstContent: spec.ttft, lastToken: e2e - 1, lastByte: e2e }
        : { lastByte: 5 },
      chunkTimes: ok ? [spec.ttft, (spec.ttft + e2e - 1) / 2, e2e - 1] : [],
      chunkTokens: [],
      content: ok ? "An answer." : "",
      reasoning: "",
      toolCalls: [],
      continuousUsage: false,
      ...(ok ? { usage: { promptTokens: prompt, completionTokens: output, totalTokens: prompt + output } } : {}),
      ...(ok ? {} : { error: { kind: "http_status" as const, status: 500, message: "boom" } }),
    };
    const rec: RequestRecord = {
      v: 1,
      id: `${session}/t${turn}`,
      scenario: this.name,
      kind: "conversation",
      session,
      iteration,
      turn,
      concurrency: level,
      newMessages: [{ role: "user", content: `turn ${turn}` }],
      messageCount: 2 * turn,
      params: { model: "m", maxTokens: 256, temperature: 0.7, stream: true },
      result,
    };
    this.records.push(rec);
    this.at += e2e + 10;
    return rec;
  }

  input(): AnalysisInput {
    return { records: this.records, target: { url: "http://x/v1", model: "m", simulated: false, models: [] }, server: [], reviews: {} };
  }
}

/** 15 TTFTs around `base` (a small fixed jitter), windows [1,5] [6,10] [11,15]. */
export function flat(base: number): number[] {
  const jitter = [-1, 1, 0, 2, -1, 0, 1, -2, 1, 0, -1, 1, 0, 1, -1];
  return jitter.map((j) => base + j);
}

/**
 * The wobble: a session of 15 turns whose first window averages 40.2 ms and whose
 * last window averages 48.4 ms because of two slow turns (+20.4 %, +8.2 ms).
 */
export const WOBBLE = [39, 41, 40, 42, 39, 40, 41, 39, 40, 41, 40, 62, 41, 58, 41];
