import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SseDecoder } from "../../../src/client/sse.js";
import { fixtureBytes, splitAt } from "./helpers.js";

function collect(pieces: (string | Uint8Array)[]): { data: string[]; atEnd: boolean[] } {
  const data: string[] = [];
  const atEnd: boolean[] = [];
  const d = new SseDecoder((x, end) => {
    data.push(x);
    atEnd.push(end);
  });
  for (const p of pieces) typeof p === "string" ? d.pushText(p) : d.push(p);
  d.end();
  return { data, atEnd };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("SseDecoder", () => {
  it("delivers several events from one chunk", () => {
    expect(collect(["data: a\n\ndata: b\n\ndata: [DONE]\n\n"]).data).toEqual(["a", "b", "[DONE]"]);
  });

  it("joins an event split across chunks, even inside the field name", () => {
    expect(collect(["da", "ta: {\"x\"", ":1}\n", "\ndata: [DO", "NE]\n\n"]).data).toEqual(['{"x":1}', "[DONE]"]);
  });

  it("accepts CRLF and CR line ends, including CR and LF in different chunks", () => {
    expect(collect(["data: a\r\n\r\ndata: b\r", "\n\r\n", "data: c\r\rdata: [DONE]\r\n\r\n"]).data).toEqual([
      "a",
      "b",
      "c",
      "[DONE]",
    ]);
  });

  it("skips comments and keep-alive pings, and ignores event/id fields", () => {
    expect(collect([": ping\n\n", "event: message\nid: 7\ndata: a\n\n", ":\n\ndata: [DONE]\n\n"]).data).toEqual(["a", "[DONE]"]);
  });

  it("delivers a final [DONE] that lacks its trailing newlines, flagged atEnd", () => {
    const out = collect(["data: a\n\n", "data: [DONE]"]);
    expect(out.data).toEqual(["a", "[DONE]"]);
    expect(out.atEnd).toEqual([false, true]);
    expect(collect(["data: a\n\ndata: [DONE]\n"]).data).toEqual(["a", "[DONE]"]);
  });

  it("keeps a multi-byte UTF-8 character split across chunks", () => {
    const bytes = enc('data: {"c":"€ 日本 🙂"}\n\n');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(collect(splitAt(bytes, [cut])).data).toEqual(['{"c":"€ 日本 🙂"}']);
    }
  });

  it("yields the same events for any split of a recorded stream (property)", () => {
    const files = ["llama-server/chat_stream_usage.txt", "vllm/think_inline.sse", "vllm/tool_calls_parallel.sse"];
    for (const f of files) {
      const bytes = fixtureBytes(f);
      const whole = collect([bytes]).data;
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
          expect(whole.length).toBeGreaterThan(3);
          expect(collect(splitAt(bytes, cuts)).data).toEqual(whole);
        }),
        { numRuns: 150 },
      );
    }
  });

  it("byte-at-a-time decoding of a UTF-8 heavy stream is exact", () => {
    const bytes = fixtureBytes("llama-server/chat_nonstream_default.txt");
    const text = new TextDecoder().decode(bytes);
    const sse = enc(`data: ${text}\n\n`);
    const one = Array.from(sse, (b) => Uint8Array.of(b));
    expect(collect(one).data).toEqual([text]);
  });
});
