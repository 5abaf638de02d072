/** The client on real llama-server recordings (test/fixtures/llama-server, see its README). */
import { describe, expect, it } from "vitest";
import { applyResponse, newResult } from "../../../src/client/assemble.js";
import { httpStatusError } from "../../../src/client/classify.js";
import { parseModelList } from "../../../src/client/models.js";
import { mapUsage } from "../../../src/client/usage.js";
import { feed, fixture, fixtureBytes } from "./helpers.js";

function httpBody(raw: string): { headers: string; body: string } {
  const i = raw.indexOf("\r\n\r\n");
  return { headers: raw.slice(0, i), body: raw.slice(i + 4) };
}

describe("llama-server recordings", () => {
  it("chat_stream_usage: content, final usage chunk with cached tokens, timings, [DONE]", () => {
    const r = feed([fixtureBytes("llama-server/chat_stream_usage.txt")]);
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(r.content).toBe("cuatroprintStats commemor");
    expect(r.reasoning).toBe("");
    expect(r.finishReason).toBe("length");
    expect(r.usage).toEqual({ promptTokens: 9, completionTokens: 3, totalTokens: 12, cachedTokens: 3 });
    expect(r.serverTimings).toMatchObject({ cache_n: 3, prompt_n: 6, predicted_n: 3, predicted_ms: 10.474 });
    expect(r.chunkTimes).toHaveLength(3);
    expect(r.continuousUsage).toBe(false);
    expect(r.chunkTokens).toEqual([]);
    expect(r.responseId).toBe("chatcmpl-O0JyefboGsZt4GzN4YftBLAJ9DVyMSBf");
    expect(r.responseModel).toBe("qwen3-tiny-random");
    // one chunk per piece in feed(): role chunk, 3 tokens, finish, usage all in piece 1
    expect(r.t.firstChunk).toBe(1);
    expect(r.t.firstContent).toBe(1);
    expect(r.t.firstAnswer).toBe(1);
    expect(r.t.firstReasoning).toBeUndefined();
  });

  it("chat_stream_nousage: no usage, timings from the finish chunk", () => {
    const r = feed([fixture("llama-server/chat_stream_nousage.txt")]);
    expect(r.ok).toBe(true);
    expect(r.content).toBe("Configs拆迁Inicial");
    expect(r.usage).toBeUndefined();
    expect(r.finishReason).toBe("length");
    expect(r.serverTimings).toMatchObject({ cache_n: 8, prompt_n: 1, predicted_n: 3 });
  });

  it("immediate_eos_stream: no content token, but a finish and usage counting the EOS", () => {
    const r = feed([fixture("llama-server/immediate_eos_stream.txt")]);
    expect(r.ok).toBe(true);
    expect(r.content).toBe("");
    expect(r.chunkTimes).toEqual([]);
    expect(r.t.firstChunk).toBe(1); // the role chunk has choices
    expect(r.t.firstContent).toBeUndefined();
    expect(r.t.lastToken).toBeUndefined();
    expect(r.finishReason).toBe("stop");
    expect(r.usage).toEqual({ promptTokens: 9, completionTokens: 1, totalTokens: 10, cachedTokens: 8 });
    expect(r.serverTimings?.predicted_n).toBe(1);
  });

  it("tools_prefill_eos_stream: a tool call whose arguments come in one delta", () => {
    const r = feed([fixture("llama-server/tools_prefill_eos_stream.txt")]);
    expect(r.ok).toBe(true);
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([
      {
        id: "7A2BFhRdaub7PwdcixLrbRZZcI74cStS",
        type: "function",
        function: { name: "get_weather", arguments: '{"city": "Paris", "unit": "celsius"}' },
      },
    ]);
    expect(r.t.firstToolCall).toBe(1);
    expect(r.chunkTimes).toHaveLength(1);
    expect(r.usage?.cachedTokens).toBe(211);
  });

  it("v1_completions_stream: legacy `text` chunks, usage and timings on the finish chunk", () => {
    const r = feed([fixture("llama-server/v1_completions_stream.txt")]);
    expect(r.ok).toBe(true);
    expect(r.content).toBe("不要太aside enfants");
    expect(r.finishReason).toBe("length");
    expect(r.usage).toEqual({ promptTokens: 4, completionTokens: 3, totalTokens: 7, cachedTokens: 0 });
    expect(r.continuousUsage).toBe(false);
    expect(r.serverTimings?.prompt_n).toBe(4);
  });

  it("chat_nonstream_default: content, usage with cached tokens, timings", () => {
    const r = newResult(false, 0, 0);
    expect(applyResponse(r, JSON.parse(fixture("llama-server/chat_nonstream_default.txt")))).toBeUndefined();
    expect(r.content.startsWith("い TTCplusRecognition-extraWoman")).toBe(true);
    expect(r.finishReason).toBe("length");
    expect(r.usage).toEqual({ promptTokens: 25, completionTokens: 16, totalTokens: 41, cachedTokens: 6 });
    expect(r.serverTimings).toMatchObject({ cache_n: 6, prompt_n: 19, predicted_n: 16 });
    expect(r.responseId).toBe("chatcmpl-ubeP08acJnrGTsDymRtpTAN588qzlMnz");
    expect(r.chunkTimes).toEqual([]);
  });

  it("tools_prefill_eos_nonstream: tool calls, empty content", () => {
    const r = newResult(false, 0, 0);
    expect(applyResponse(r, JSON.parse(fixture("llama-server/tools_prefill_eos_nonstream.json")))).toBeUndefined();
    expect(r.content).toBe("");
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([
      { id: "68GlvQ6Q7MYptSUafBrBH4WJIb7rx4lq", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris", "unit": "celsius"}' } },
    ]);
  });

  it("prompt_cache: cached_tokens of every recorded turn", () => {
    const lines = fixture("llama-server/prompt_cache.txt").trim().split("\n");
    const cached = lines.map((l) => {
      const usage = JSON.parse(/usage: (\{.*?\}\}) \|/.exec(l)![1]!);
      return mapUsage(usage)?.cachedTokens;
    });
    expect(cached).toEqual([1, 281, 282, 0]);
  });

  it("ctx_overflow: 400 with the server's message, streamed or not, and the hint that -c is split among the -np slots", () => {
    const lines = fixture("llama-server/ctx_overflow.txt").split("\n");
    const bodies = lines.filter((l) => l.startsWith("400 ")).map((l) => l.slice(l.indexOf("{")));
    expect(bodies).toHaveLength(2);
    for (const b of bodies) {
      const e = httpStatusError(400, b, undefined);
      expect(e.kind).toBe("http_status");
      expect(e.status).toBe(400);
      expect(e.message).toBe(
        "HTTP 400: request (6008 tokens) exceeds the available context size (4096 tokens), try increasing it. " +
          "Hint: llama-server divides -c among its -np slots: each conversation has n_ctx = c / np tokens (4096 here); " +
          "start it with a larger -c or fewer slots (-np), or send shorter conversations.",
      );
      expect(e.bodyExcerpt).toBe(b);
    }
  });

  it("get_v1_models: model id, per-slot context, owner", () => {
    const { headers, body } = httpBody(fixture("llama-server/get_v1_models.txt"));
    expect(headers).toContain("Server: llama.cpp");
    expect(parseModelList(JSON.parse(body))).toEqual([{ id: "qwen3-tiny-random", maxModelLen: 4096, ownedBy: "llamacpp" }]);
  });

  it("get_health and metrics are not model lists", () => {
    expect(parseModelList(JSON.parse(httpBody(fixture("llama-server/get_health.txt")).body))).toBeUndefined();
    expect(httpBody(fixture("llama-server/metrics.txt")).body).toContain("llamacpp:prompt_tokens_total");
  });
});
