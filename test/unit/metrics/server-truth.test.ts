/**
 * Issue 11 item 9: llama.cpp returns its own `timings` with every response; the report
 * compares them with the client's figures on the same requests instead of saying the
 * server's TTFT is "not exposed".
 */
import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../src/client/types.js";
import { readServerTimings, summarizeServerTruth } from "../../../src/metrics/server-truth.js";
import { renderServerTruthSection } from "../../../src/report/server-truth.js";

/** A streamed llama-server response: TTFT, E2E, counts and the server's timings. */
function llama(o: { prompt: number; cache: number; promptMs: number; ttft: number; out: number; predictedMs: number; e2e?: number; stream?: boolean; ok?: boolean }): ChatResult {
  const stream = o.stream ?? true;
  // the client sees the decode a little later than the server measures it
  const e2e = o.e2e ?? o.ttft + o.predictedMs * ((o.out - 1) / o.out) + 1;
  return {
    ok: o.ok ?? true,
    startedAtEpochMs: 0,
    sentPerfMs: 0,
    stream,
    t: stream ? { firstByte: o.ttft, firstContent: o.ttft, lastToken: e2e - 1, lastByte: e2e } : { firstByte: e2e, lastByte: e2e },
    chunkTimes: stream ? [o.ttft, e2e - 1] : [],
    chunkTokens: [],
    content: "x",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    usage: { promptTokens: o.prompt + o.cache, completionTokens: o.out, totalTokens: o.prompt + o.cache + o.out, cachedTokens: o.cache },
    serverTimings: {
      cache_n: o.cache,
      prompt_n: o.prompt,
      prompt_ms: o.promptMs,
      prompt_per_token_ms: o.promptMs / o.prompt,
      prompt_per_second: (o.prompt / o.promptMs) * 1000,
      predicted_n: o.out,
      predicted_ms: o.predictedMs,
      predicted_per_token_ms: o.predictedMs / o.out,
      predicted_per_second: (o.out / o.predictedMs) * 1000,
    },
  };
}

describe("readServerTimings", () => {
  it("reads llama.cpp's fields and ignores the rest", () => {
    expect(readServerTimings({ cache_n: 3, prompt_n: 609, prompt_ms: 25.1, predicted_n: 64, predicted_ms: 80, predicted_per_second: 800, other: 1 })).toEqual({
      cacheN: 3,
      promptN: 609,
      promptMs: 25.1,
      predictedN: 64,
      predictedMs: 80,
      predictedPerSecond: 800,
    });
    expect(readServerTimings({ predicted_n: 10, predicted_ms: 20 })?.predictedPerSecond).toBe(500);
    expect(readServerTimings(undefined)).toBeUndefined();
    expect(readServerTimings({})).toBeUndefined();
  });
});

describe("summarizeServerTruth", () => {
  // client TTFT − prompt_ms = 6 ms + 9 ms per 1 000 prompt tokens (template and tokenization)
  const prompts = [60, 500, 1000, 2000, 3000, 3500];
  const results = prompts.map((p, i) =>
    llama({ prompt: i === 0 ? p : 20, cache: i === 0 ? 0 : p - 20, promptMs: 5 + i, ttft: 5 + i + 6 + (9 * p) / 1000, out: 64, predictedMs: 80 }),
  );

  it("compares each request with its own timings: TTFT − prompt_ms and its slope, tok/s, counts", () => {
    const t = summarizeServerTruth(results)!;
    expect(t.source).toBe("llamacpp_timings");
    expect(t.requests).toBe(6);
    expect(t.without).toBe(0);
    expect(t.ttftMinusPromptMs?.n).toBe(6);
    expect(t.ttftMinusPromptMs?.min).toBeCloseTo(6 + 0.54, 9);
    expect(t.ttftMinusPromptMs?.max).toBeCloseTo(6 + 31.5, 9);
    expect(t.ttftMinusPromptMs?.fit?.slopeMsPer1k).toBeCloseTo(9, 9);
    expect(t.ttftMinusPromptMs?.fit?.interceptMs).toBeCloseTo(6, 9);
    // client: 63 tokens in (E2E − TTFT) = 80·63/64 + 1 ms; server: 64 in 80 ms
    const rel = 63 / ((80 * 63) / 64 + 1) / (64 / 80) - 1;
    expect(t.outputTpsRelative?.median).toBeCloseTo(rel, 9);
    expect(t.outputTokens).toMatchObject({ n: 6, equal: 6, min: 0, max: 0 });
    expect(t.promptTokens).toMatchObject({ n: 6, equal: 6 });
    expect(t.cachedTokens).toMatchObject({ n: 6, equal: 6 });
  });

  it("counts a disagreement, leaves failed requests out and non-streamed ones out of TTFT and tok/s", () => {
    const off = llama({ prompt: 100, cache: 0, promptMs: 5, ttft: 12, out: 64, predictedMs: 80 });
    off.usage!.completionTokens = 63;
    const t = summarizeServerTruth([
      ...results,
      off,
      llama({ prompt: 100, cache: 0, promptMs: 5, ttft: 12, out: 64, predictedMs: 80, stream: false }),
      llama({ prompt: 100, cache: 0, promptMs: 5, ttft: 12, out: 64, predictedMs: 80, ok: false }),
      { ...results[0]!, serverTimings: undefined },
    ])!;
    expect(t.requests).toBe(8);
    expect(t.without).toBe(1);
    expect(t.ttftMinusPromptMs?.n).toBe(7);
    expect(t.outputTokens).toMatchObject({ n: 8, equal: 7, min: -1, max: 0 });
  });

  it("is undefined when no response carried timings (vLLM, SGLang, the simulator)", () => {
    expect(summarizeServerTruth(results.map((r) => ({ ...r, serverTimings: undefined })))).toBeUndefined();
    expect(summarizeServerTruth([])).toBeUndefined();
  });
});

describe("renderServerTruthSection", () => {
  it("a compact table of summary rows, and says the TTFT difference is server-side work, not the client's overhead", () => {
    const prompts = [60, 500, 1000, 2000, 3000, 3500];
    const t = summarizeServerTruth(prompts.map((p) => llama({ prompt: p, cache: 0, promptMs: 5, ttft: 5 + 6 + (9 * p) / 1000, out: 64, predictedMs: 80 })))!;
    const md = renderServerTruthSection(t);
    expect(md.startsWith("### Server-side truth per request (llama.cpp `timings`)\n")).toBe(true);
    expect(md).toContain("| Per request, same requests | n | Median | p90 | Range | Reading |");
    expect(md).toMatch(/\| TTFT: client − server prompt_ms \| 6 \| \+\d+\.\d ms \| \+\d+\.\d ms \| \+6\.5 ms … \+37\.5 ms \| \+9\.0 ms per 1 000 prompt tokens \(fit over 6, r² 1\.00\) \|/);
    expect(md).toMatch(/\| Output tok\/s: client ÷ server predicted_per_second − 1 \| 6 \| −1\.\d % \|/);
    expect(md).toContain("| Output tokens: usage − predicted_n | 6 | 0 | 0 | 0 | equal on 6 of 6 |");
    expect(md).toContain("| Prompt tokens: usage − (prompt_n + cache_n) | 6 | 0 | 0 | 0 | equal on 6 of 6 |");
    expect(md).toContain("It is not the client's overhead.");
    expect(md).not.toMatch(/client overhead|not exposed/);
    // one summary row per comparison, never one per request
    expect(md.split("\n").filter((l) => l.startsWith("| ")).length).toBe(2 + 5);
  });
});
