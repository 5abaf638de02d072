/** The client on vLLM-shaped streams (test/fixtures/vllm, hand-written from vLLM's documented shapes). */
import { describe, expect, it } from "vitest";
import { applyResponse, newResult } from "../../../src/client/assemble.js";
import { feed, fixture } from "./helpers.js";

/** One SSE event per piece, so chunk i arrives at time i+1. */
function events(rel: string): string[] {
  return fixture(rel)
    .split(/(?<=\n\n)/)
    .filter((s) => s.length > 0);
}

describe("vLLM streams", () => {
  it("reasoning field then content, final usage chunk", () => {
    const r = feed(events("vllm/reasoning_field.sse"));
    expect(r.ok).toBe(true);
    expect(r.reasoning).toBe("Okay, the user asks for 2+2.");
    expect(r.reasoningSource).toBe("reasoning");
    expect(r.content).toBe("\n\n2 + 2 = **4**.");
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toEqual({ promptTokens: 18, completionTokens: 22, totalTokens: 40 });
    // role chunk at 1, reasoning 2..11, content 12..20, finish 21, usage 22, [DONE] 23
    expect(r.t.firstChunk).toBe(1);
    expect(r.t.firstReasoning).toBe(2);
    expect(r.t.firstContent).toBe(12);
    expect(r.t.firstAnswer).toBe(12);
    expect(r.t.lastToken).toBe(20);
    expect(r.chunkTimes).toHaveLength(19);
    expect(r.continuousUsage).toBe(false);
  });

  it("reasoning_content variant with cached tokens", () => {
    const r = feed(events("vllm/reasoning_content.sse"));
    expect(r.ok).toBe(true);
    expect(r.reasoningSource).toBe("reasoning_content");
    expect(r.reasoning).toBe("Okay, the user asks for 2+2.");
    expect(r.content).toBe("\n\n2 + 2 = **4**.");
    expect(r.usage).toEqual({ promptTokens: 1042, completionTokens: 22, totalTokens: 1064, cachedTokens: 1024 });
  });

  it("both reasoning fields with the same text are not counted twice", () => {
    const r = feed(events("vllm/reasoning_dual_field.sse"));
    expect(r.reasoning).toBe("Okay, the user asks for 2+2.");
    expect(r.reasoningSource).toBe("reasoning");
  });

  it("inline <think> with split tags: reasoning split out, content is the answer", () => {
    const r = feed(events("vllm/think_inline.sse"));
    expect(r.ok).toBe(true);
    expect(r.reasoningSource).toBe("think_tag");
    expect(r.reasoning).toBe("\nOkay, 2+2 is 4.\n");
    expect(r.content).toBe("\n\nThe answer is 4.");
    // chunks: role 1, "<th" 2, "ink>" 3, "\n" 4 … ".\n" 12, "</" 13, "think" 14, ">" 15, "\n\n" 16
    expect(r.t.firstChunk).toBe(1);
    expect(r.chunkTimes[0]).toBe(2); // the tag itself is a token
    expect(r.t.firstReasoning).toBe(4);
    expect(r.t.firstContent).toBe(16);
    expect(r.t.firstAnswer).toBe(16);
    expect(r.chunkTimes).toHaveLength(20);
  });

  it("stream starting inside reasoning (only </think>): earlier text becomes reasoning, timestamps move", () => {
    const r = feed(events("vllm/think_close_only.sse"));
    expect(r.ok).toBe(true);
    expect(r.reasoning).toBe("Let me check: 6*7=42.\n");
    expect(r.content).toBe("\n\n42.");
    expect(r.reasoningSource).toBe("think_tag");
    expect(r.t.firstReasoning).toBe(2);
    expect(r.t.firstContent).toBe(13);
    expect(r.t.firstAnswer).toBe(13);
  });

  it("continuous usage: per-chunk token increments, flag set", () => {
    const r = feed(events("vllm/continuous_usage.sse"));
    expect(r.ok).toBe(true);
    expect(r.content).toBe("Hello! How can I help?");
    expect(r.continuousUsage).toBe(true);
    expect(r.chunkTokens).toEqual([1, 1, 2, 1, 1, 1]);
    expect(r.chunkTimes).toHaveLength(6);
    expect(r.usage).toEqual({ promptTokens: 12, completionTokens: 8, totalTokens: 20 });
  });

  it("parallel tool calls with fragments split mid-JSON, id '' and repeated ids", () => {
    const r = feed(events("vllm/tool_calls_parallel.sse"));
    expect(r.ok).toBe(true);
    expect(r.finishReason).toBe("tool_calls");
    expect(r.content).toBe("");
    expect(r.toolCalls).toEqual([
      { id: "chatcmpl-tool-a1b2c3d4e5f6", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris", "unit": "celsius"}' } },
      { id: "chatcmpl-tool-f6e5d4c3b2a1", type: "function", function: { name: "get_time", arguments: '{"timezone": "Europe/Paris"}' } },
    ]);
    for (const c of r.toolCalls) expect(() => JSON.parse(c.function.arguments)).not.toThrow();
    expect(r.t.firstToolCall).toBe(2);
    expect(r.usage?.completionTokens).toBe(41);
  });

  it("an error event mid-stream: ok false, partial content kept, server's code and message", () => {
    const r = feed(events("vllm/error_midstream.sse"));
    expect(r.ok).toBe(false);
    expect(r.content).toBe("Once upon a");
    expect(r.chunkTimes).toHaveLength(3);
    expect(r.error?.kind).toBe("server_error");
    expect(r.error?.status).toBe(500);
    expect(r.error?.message).toContain("Request failed with an internal error during generation");
    expect(r.error?.message).toContain("inside the stream");
  });

  it("non-streamed response with the reasoning field", () => {
    const r = newResult(false, 0, 0);
    expect(applyResponse(r, JSON.parse(fixture("vllm/nonstream_reasoning.json")))).toBeUndefined();
    expect(r.reasoning).toBe("Okay, the user asks for 2+2.");
    expect(r.reasoningSource).toBe("reasoning");
    expect(r.content).toBe("\n\n2 + 2 = **4**.");
    expect(r.usage).toEqual({ promptTokens: 18, completionTokens: 22, totalTokens: 40 });
    expect(r.toolCalls).toEqual([]);
  });

  it("non-streamed tool calls", () => {
    const r = newResult(false, 0, 0);
    expect(applyResponse(r, JSON.parse(fixture("vllm/nonstream_tool_calls.json")))).toBeUndefined();
    expect(r.content).toBe("");
    expect(r.toolCalls.map((c) => c.function.name)).toEqual(["get_weather", "get_time"]);
  });
});
