/** The stream state machine on hand-made event sequences and on arbitrary splits of recordings. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyResponse, newResult } from "../../../src/client/assemble.js";
import { feed, fixtureBytes, splitAt, timeless } from "./helpers.js";

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const usageOnly = (p: number, c: number): string =>
  `data: ${JSON.stringify({ id: "c1", choices: [], usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } })}\n\n`;
const DONE = "data: [DONE]\n\n";

describe("StreamAssembler", () => {
  it("orders timestamps: firstChunk ≤ firstContent ≤ lastToken", () => {
    const r = feed([chunk({ role: "assistant", content: "" }), chunk({ content: "a" }), chunk({ content: "b" }), chunk({}, {}, "stop"), DONE]);
    expect(r.t).toEqual({ firstChunk: 1, firstContent: 2, firstAnswer: 2, lastToken: 3 });
    expect(r.chunkTimes).toEqual([2, 3]);
  });

  it("usage on the finish chunk (no separate usage chunk) is read, and is not continuous usage", () => {
    const r = feed([chunk({ content: "a" }), chunk({ content: "b" }), chunk({}, { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }, "stop"), DONE]);
    expect(r.usage).toEqual({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    expect(r.continuousUsage).toBe(false);
    expect(r.chunkTokens).toEqual([]);
  });

  it("usage only on the last token chunk is not continuous usage either (chunkTokens stay aligned or empty)", () => {
    const r = feed([chunk({ content: "a" }), chunk({ content: "b" }, { usage: { prompt_tokens: 3, completion_tokens: 2 } }, "stop"), DONE]);
    expect(r.continuousUsage).toBe(false);
    expect(r.chunkTokens).toEqual([]);
    expect(r.usage?.completionTokens).toBe(2);
  });

  it("continuous usage counts increments on token chunks; increments on empty chunks roll into the next token chunk", () => {
    const u = (c: number): Record<string, unknown> => ({ usage: { prompt_tokens: 5, completion_tokens: c, total_tokens: 5 + c } });
    const r = feed([chunk({ role: "assistant", content: "" }, u(0)), chunk({ content: "a" }, u(1)), chunk({ content: "" }, u(2)), chunk({ content: "b" }, u(3)), chunk({}, u(4), "stop"), usageOnly(5, 4), DONE]);
    expect(r.continuousUsage).toBe(true);
    expect(r.chunkTokens).toEqual([1, 2]);
    expect(r.usage?.completionTokens).toBe(4);
  });

  it("firstAnswer is the first content after reasoning; firstContent before reasoning is not the answer", () => {
    const r = feed([chunk({ content: "x" }), chunk({ reasoning: "r" }), chunk({ content: "y" }), DONE]);
    expect(r.t.firstContent).toBe(1);
    expect(r.t.firstReasoning).toBe(2);
    expect(r.t.firstAnswer).toBe(3);
  });

  it("reasoning that consumed all tokens leaves firstAnswer unset", () => {
    const r = feed([chunk({ reasoning: "thinking" }), chunk({}, {}, "length"), DONE]);
    expect(r.t.firstReasoning).toBe(1);
    expect(r.t.firstAnswer).toBeUndefined();
    expect(r.t.firstContent).toBeUndefined();
    expect(r.finishReason).toBe("length");
  });

  it("an unclosed <think> at the end is all reasoning", () => {
    const r = feed([chunk({ content: "<think>" }), chunk({ content: "still" }), chunk({ content: " going</th" }), chunk({}, {}, "length"), DONE]);
    expect(r.reasoning).toBe("still going</th");
    expect(r.content).toBe("");
    expect(r.reasoningSource).toBe("think_tag");
  });

  it("a malformed event stops the stream and keeps what came before", () => {
    const r = feed([chunk({ content: "a" }), "data: {not json\n\n", chunk({ content: "b" }), DONE]);
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("malformed_event");
    expect(r.error?.message).toContain("{not json");
    expect(r.content).toBe("a");
  });

  it("a body ending without [DONE] is stream_cut, even after finish_reason and usage", () => {
    const r = feed([chunk({ content: "a" }), chunk({}, {}, "stop"), usageOnly(2, 1)]);
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("stream_cut");
    expect(r.error?.message).toContain("finish_reason=stop and usage");
    expect(r.content).toBe("a");
    expect(r.usage?.completionTokens).toBe(1);
  });

  it("half an event at the end of a cut body is stream_cut, not malformed", () => {
    const r = feed([chunk({ content: "a" }), 'data: {"id":"c1","choi']);
    expect(r.error?.kind).toBe("stream_cut");
    expect(r.content).toBe("a");
  });

  it("an empty body is stream_cut", () => {
    const r = feed([]);
    expect(r.error?.kind).toBe("stream_cut");
    expect(r.error?.message).toContain("without any event");
  });

  it("events after [DONE] are ignored", () => {
    const r = feed([chunk({ content: "a" }), DONE, chunk({ content: "b" })]);
    expect(r.ok).toBe(true);
    expect(r.content).toBe("a");
  });

  it("redacts a long API key from model text", () => {
    const key = "sk-test-0123456789abcdef";
    const r = feed([chunk({ content: `echo ${key}` }), DONE], key);
    expect(r.content).toBe("echo [REDACTED]");
  });

  it("yields the same result for any split of a recorded stream (property)", () => {
    for (const f of ["vllm/think_inline.sse", "vllm/think_close_only.sse", "vllm/tool_calls_parallel.sse", "vllm/continuous_usage.sse", "llama-server/chat_stream_usage.txt"]) {
      const bytes = fixtureBytes(f);
      const whole = timeless(feed([bytes]));
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 60 }), (cuts) => {
          expect(timeless(feed(splitAt(bytes, cuts)))).toEqual(whole);
        }),
        { numRuns: 100 },
      );
    }
  });
});

describe("applyResponse (non-streamed)", () => {
  it("splits an inline <think> block out of content", () => {
    const r = newResult(false, 0, 0);
    applyResponse(r, { id: "x", choices: [{ index: 0, message: { role: "assistant", content: "<think>\nhm\n</think>\n\nYes." }, finish_reason: "stop" }] });
    expect(r.reasoning).toBe("\nhm\n");
    expect(r.content).toBe("\n\nYes.");
    expect(r.reasoningSource).toBe("think_tag");
  });

  it("a bare </think> in content (reasoning started in the prompt)", () => {
    const r = newResult(false, 0, 0);
    applyResponse(r, { choices: [{ index: 0, message: { role: "assistant", content: "hm</think>Yes." }, finish_reason: "stop" }] });
    expect(r.reasoning).toBe("hm");
    expect(r.content).toBe("Yes.");
  });

  it("reasoning_content field, arguments given as an object", () => {
    const r = newResult(false, 0, 0);
    applyResponse(r, {
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, reasoning_content: "why", tool_calls: [{ id: "t", type: "function", function: { name: "f", arguments: { a: 1 } } }] },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3, completion_tokens_details: { reasoning_tokens: 1 } },
    });
    expect(r.reasoning).toBe("why");
    expect(r.reasoningSource).toBe("reasoning_content");
    expect(r.toolCalls).toEqual([{ id: "t", type: "function", function: { name: "f", arguments: '{"a":1}' } }]);
    expect(r.usage?.reasoningTokens).toBe(1);
  });

  it("reports a response without choices or with an error object", () => {
    expect(applyResponse(newResult(false, 0, 0), { id: "x" })?.kind).toBe("malformed_event");
    expect(applyResponse(newResult(false, 0, 0), { error: { message: "boom", code: 503 } })).toMatchObject({ kind: "server_error", status: 503 });
  });
});

describe("choices", () => {
  it("assembles choice 0 only when a server interleaves several choices (n > 1)", () => {
    const c = (index: number, content: string): string => `data: ${JSON.stringify({ id: "c", choices: [{ index, delta: { content }, finish_reason: null }] })}\n\n`;
    const r = feed([c(0, "a"), c(1, "X"), c(0, "b"), c(1, "Y"), DONE]);
    expect(r.content).toBe("ab");
    expect(r.chunkTimes).toEqual([1, 3]);
  });
});
