import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../src/client/types.js";
import { aggregateRequests, deriveRequestMetrics } from "../../../src/metrics/index.js";

function result(over: Partial<ChatResult> = {}): ChatResult {
  return {
    ok: true,
    startedAtEpochMs: 1_700_000_000_000,
    sentPerfMs: 1000,
    stream: true,
    httpStatus: 200,
    t: {},
    chunkTimes: [],
    chunkTokens: [],
    content: "",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    ...over,
  };
}

/** A streamed answer: headers at 90, role chunk at 100, 5 content chunks 120..200, end at 205. */
const plain = result({
  t: { firstByte: 90, firstChunk: 100, firstContent: 120, lastToken: 200, lastByte: 205 },
  chunkTimes: [120, 140, 160, 180, 200],
  content: "hello there my friend",
  usage: { promptTokens: 50, completionTokens: 6, totalTokens: 56, cachedTokens: 32 },
  finishReason: "stop",
});

describe("deriveRequestMetrics — streamed, with usage", () => {
  const m = deriveRequestMetrics(plain);
  it("uses the first token-bearing chunk for TTFT and the first chunk for TTFC", () => {
    expect(m.ttftMs).toBe(120);
    expect(m.ttfcMs).toBe(100);
    expect(m.firstByteMs).toBe(90);
    expect(m.ttfaMs).toBe(120);
  });
  it("uses the last byte for E2E", () => {
    expect(m.e2eMs).toBe(205);
    expect(m.decodeMs).toBe(85);
  });
  it("takes output tokens from usage", () => {
    expect(m.outputTokens).toBe(6);
    expect(m.outputTokensSource).toBe("usage");
    expect(m.outputTokensEstimated).toBe(false);
    expect(m.promptTokens).toBe(50);
    expect(m.cachedTokens).toBe(32);
  });
  it("computes TPOT, output tok/s and E2E tok/s", () => {
    expect(m.tpotMs).toBeCloseTo(85 / 5, 12); // (205 − 120)/(6 − 1)
    expect(m.outputTps).toBeCloseTo(5 / 0.085, 9); // (6 − 1)/0.085 s
    expect(m.e2eOutputTps).toBeCloseTo(6 / 0.205, 9);
    expect(1000 / (m.tpotMs as number)).toBeCloseTo(m.outputTps as number, 9);
  });
  it("lists gaps between token-bearing chunks as ITL", () => {
    expect(m.itlMs).toEqual([20, 20, 20, 20]);
    expect(m.chunks).toBe(5);
  });
});

describe("deriveRequestMetrics — token counting precedence", () => {
  const noUsage = result({ ...plain, usage: undefined });
  it("falls back to the chunk count, marked as an estimate", () => {
    const m = deriveRequestMetrics(noUsage);
    expect(m.outputTokens).toBe(5);
    expect(m.outputTokensSource).toBe("chunks");
    expect(m.outputTokensEstimated).toBe(true);
    expect(m.tpotMs).toBeCloseTo(85 / 4, 12);
    expect(m.promptTokens).toBeUndefined();
  });
  it("prefers a local tokenizer count over the chunk count", () => {
    const m = deriveRequestMetrics(noUsage, { localOutputTokens: 7 });
    expect(m.outputTokens).toBe(7);
    expect(m.outputTokensSource).toBe("tokenizer");
    expect(m.outputTokensEstimated).toBe(true);
  });
  it("prefers server usage over a local tokenizer count", () => {
    const m = deriveRequestMetrics(plain, { localOutputTokens: 7 });
    expect(m.outputTokens).toBe(6);
    expect(m.outputTokensSource).toBe("usage");
  });
  it("sums continuous-usage per-chunk counts when the final usage is missing", () => {
    const m = deriveRequestMetrics(result({ ...noUsage, chunkTokens: [1, 2, 1, 1, 2], continuousUsage: true }));
    expect(m.outputTokens).toBe(7);
    expect(m.outputTokensSource).toBe("usage");
  });
  it("ignores per-chunk counts that do not line up with the chunks", () => {
    const m = deriveRequestMetrics(result({ ...noUsage, chunkTokens: [1, 2] }));
    expect(m.outputTokensSource).toBe("chunks");
  });
});

describe("deriveRequestMetrics — reasoning first", () => {
  const r = result({
    t: { firstChunk: 95, firstReasoning: 110, firstContent: 400, firstAnswer: 400, lastToken: 600, lastByte: 610 },
    chunkTimes: [110, 130, 150, 400, 500, 600],
    reasoning: "let me think",
    content: "42",
    usage: { promptTokens: 20, completionTokens: 11, reasoningTokens: 8 },
  });
  const m = deriveRequestMetrics(r);
  it("counts the first reasoning token as the first token", () => {
    expect(m.ttftMs).toBe(110);
    expect(m.ttfcMs).toBe(95);
  });
  it("reports the time to first answer after the reasoning", () => {
    expect(m.ttfaMs).toBe(400);
    expect(m.reasoningTokens).toBe(8);
  });
  it("measures decode from the first reasoning token", () => {
    expect(m.tpotMs).toBeCloseTo((610 - 110) / 10, 12);
    expect(m.itlMs).toEqual([20, 20, 250, 100, 100]);
  });
  it("has no answer time when reasoning used every token", () => {
    const cut = deriveRequestMetrics(
      result({ t: { firstChunk: 95, firstReasoning: 110, lastByte: 300 }, chunkTimes: [110, 200, 290], finishReason: "length" }),
    );
    expect(cut.ttftMs).toBe(110);
    expect(cut.ttfaMs).toBeUndefined();
  });
  it("takes a tool call after the reasoning as the answer", () => {
    const tool = deriveRequestMetrics(
      result({ t: { firstChunk: 95, firstReasoning: 110, firstToolCall: 350, lastByte: 400 }, chunkTimes: [110, 350] }),
    );
    expect(tool.ttftMs).toBe(110);
    expect(tool.ttfaMs).toBe(350);
  });
  it("takes a tool call as the first token when there is no reasoning", () => {
    const tool = deriveRequestMetrics(result({ t: { firstChunk: 95, firstToolCall: 130, lastByte: 160 }, chunkTimes: [130, 150] }));
    expect(tool.ttftMs).toBe(130);
    expect(tool.ttfaMs).toBe(130);
  });
});

describe("deriveRequestMetrics — non-streamed", () => {
  const m = deriveRequestMetrics(
    result({
      stream: false,
      t: { firstByte: 3400, lastByte: 3480 },
      content: "a full answer",
      usage: { promptTokens: 120, completionTokens: 150 },
    }),
  );
  it("has E2E and tokens but no TTFT, TPOT or ITL", () => {
    expect(m.e2eMs).toBe(3480);
    expect(m.outputTokens).toBe(150);
    expect(m.ttftMs).toBeUndefined();
    expect(m.ttfcMs).toBeUndefined();
    expect(m.ttfaMs).toBeUndefined();
    expect(m.tpotMs).toBeUndefined();
    expect(m.outputTps).toBeUndefined();
    expect(m.decodeMs).toBeUndefined();
    expect(m.itlMs).toEqual([]);
    expect(m.chunks).toBe(0);
  });
  it("gives the seed report's tok/s (tokens over the full response time)", () => {
    expect(m.e2eOutputTps).toBeCloseTo(150 / 3.48, 9);
  });
  it("has no token count without usage or a tokenizer", () => {
    const bare = deriveRequestMetrics(result({ stream: false, t: { lastByte: 100 } }));
    expect(bare.outputTokens).toBeUndefined();
    expect(bare.outputTokensSource).toBeUndefined();
    expect(bare.e2eOutputTps).toBeUndefined();
  });
});

describe("deriveRequestMetrics — edge cases", () => {
  it("leaves TPOT and output tok/s undefined for a one-token answer", () => {
    const m = deriveRequestMetrics(
      result({ t: { firstChunk: 10, firstContent: 20, lastByte: 25 }, chunkTimes: [20], usage: { completionTokens: 1 } }),
    );
    expect(m.ttftMs).toBe(20);
    expect(m.tpotMs).toBeUndefined();
    expect(m.outputTps).toBeUndefined();
    expect(m.decodeMs).toBe(5);
  });
  it("gives TPOT 0 but no output tok/s when every token arrived in one chunk at the end", () => {
    const m = deriveRequestMetrics(
      result({ t: { firstContent: 20, lastByte: 20 }, chunkTimes: [20], usage: { completionTokens: 4 } }),
    );
    expect(m.tpotMs).toBe(0);
    expect(m.outputTps).toBeUndefined();
  });
  it("reports no TTFT for an immediate end of stream (no token)", () => {
    const m = deriveRequestMetrics(result({ t: { firstByte: 5, firstChunk: 6, lastByte: 8 }, usage: { completionTokens: 1 } }));
    expect(m.ttftMs).toBeUndefined();
    expect(m.ttfcMs).toBe(6);
    expect(m.e2eMs).toBe(8);
    expect(m.tpotMs).toBeUndefined();
  });
});

describe("deriveRequestMetrics — failed", () => {
  it("keeps only what exists for a refused connection", () => {
    const m = deriveRequestMetrics(
      result({ ok: false, httpStatus: undefined, error: { kind: "connect_refused", message: "ECONNREFUSED" } }),
    );
    expect(m.ok).toBe(false);
    expect(m.ttftMs).toBeUndefined();
    expect(m.e2eMs).toBeUndefined();
    expect(m.outputTokens).toBeUndefined();
    expect(m.itlMs).toEqual([]);
  });
  it("keeps TTFT and received chunks of a cut stream, but no rates", () => {
    const m = deriveRequestMetrics(
      result({
        ok: false,
        t: { firstChunk: 100, firstContent: 120, lastByte: 180 },
        chunkTimes: [120, 150, 180],
        error: { kind: "stream_cut", message: "socket closed" },
      }),
    );
    expect(m.ttftMs).toBe(120);
    expect(m.e2eMs).toBe(180);
    expect(m.outputTokens).toBe(3);
    expect(m.outputTokensSource).toBe("chunks");
    expect(m.itlMs).toEqual([30, 30]);
    expect(m.tpotMs).toBeUndefined();
    expect(m.outputTps).toBeUndefined();
    expect(m.decodeMs).toBeUndefined();
    expect(m.e2eOutputTps).toBeUndefined();
  });
});

describe("aggregateRequests", () => {
  it("summarizes ok requests and counts every request in the success rate", () => {
    const a = deriveRequestMetrics(plain);
    const b = deriveRequestMetrics(
      result({
        t: { firstChunk: 150, firstContent: 180, lastByte: 300 },
        chunkTimes: [180, 240, 300],
        usage: { promptTokens: 150, completionTokens: 3, cachedTokens: 48 },
      }),
    );
    const c = deriveRequestMetrics(result({ ...plain, usage: undefined }));
    const failed = deriveRequestMetrics(result({ ok: false, error: { kind: "http_status", message: "500", status: 500 } }));
    const agg = aggregateRequests([a, b, c, failed]);
    expect(agg.success).toEqual({ n: 4, ok: 3, rate: 0.75 });
    expect(agg.ttftMs?.n).toBe(3);
    expect(agg.ttftMs?.mean).toBeCloseTo((120 + 180 + 120) / 3, 12);
    expect(agg.itlMs?.n).toBe(4 + 2 + 4);
    expect(agg.outputTokensSources).toEqual({ usage: 2, tokenizer: 0, chunks: 1 });
    expect(agg.cachedFraction).toBeCloseTo((32 + 48) / (50 + 150), 12);
    expect(agg.promptTokens?.n).toBe(2);
  });
  it("gives only a success rate for no requests", () => {
    const agg = aggregateRequests([]);
    expect(agg.success).toEqual({ n: 0, ok: 0 });
    expect(agg.ttftMs).toBeUndefined();
    expect(agg.cachedFraction).toBeUndefined();
  });
});
