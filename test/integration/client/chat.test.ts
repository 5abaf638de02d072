/** The client over real HTTP against a scripted local server. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClient, type ChatClient, type Endpoint } from "../../../src/client/index.js";
import type { ChatCallOptions } from "../../../src/client/types.js";
import { contentChunk, DONE, finishChunk, reply, startScriptedServer, usageChunk, type ScriptedServer } from "../../helpers/scripted-server.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const fixture = (rel: string): string => readFileSync(FIXTURES + rel, "utf8");
const timeouts = { connectMs: 2000, firstByteMs: 5000, betweenTokensMs: 5000, totalMs: 20000 };
const call: ChatCallOptions = { model: "test-model", messages: [{ role: "user", content: "hi" }], stream: true };

let server: ScriptedServer;
let client: ChatClient;
const endpoint = (extra: Partial<Endpoint> = {}): Endpoint => ({ baseUrl: server.baseUrl, timeouts, ...extra });

beforeAll(async () => {
  server = await startScriptedServer(() => reply.sse([contentChunk("hi"), finishChunk(), DONE]));
});
afterAll(async () => {
  await server.close();
});
afterEach(async () => {
  await client?.close();
  server.requests.length = 0;
});

describe("chat over HTTP", () => {
  it.each([
    ["vllm/reasoning_field.sse", "\n\n2 + 2 = **4**.", "Okay, the user asks for 2+2."],
    ["vllm/think_inline.sse", "\n\nThe answer is 4.", "\nOkay, 2+2 is 4.\n"],
    ["vllm/think_close_only.sse", "\n\n42.", "Let me check: 6*7=42.\n"],
    ["vllm/continuous_usage.sse", "Hello! How can I help?", ""],
    ["llama-server/chat_stream_usage.txt", "cuatroprintStats commemor", ""],
  ])("replays %s event by event", async (file, content, reasoning) => {
    const pieces = fixture(file).split(/(?<=\n\n)/);
    server.handle(() => reply.sse(pieces, { gapMs: 1 }));
    client = createClient(endpoint());
    const r = await client.chat(call);
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    expect(r.httpStatus).toBe(200);
    expect(r.content).toBe(content);
    expect(r.reasoning).toBe(reasoning);
  });

  it("timestamps are ordered and a 50 ms wait before the first token shows in TTFT", async () => {
    server.handle(() => [
      { head: 200, headers: { "content-type": "text/event-stream" } },
      { sleep: 50 },
      { write: contentChunk("a") },
      { sleep: 10 },
      { write: contentChunk("b") },
      { sleep: 10 },
      { write: finishChunk() },
      { write: usageChunk(3, 2) },
      { sleep: 10 },
      { write: DONE },
      { end: true },
    ]);
    client = createClient(endpoint());
    const r = await client.chat(call);
    expect(r.ok).toBe(true);
    const t = r.t;
    expect(t.firstByte).toBeDefined();
    expect(t.firstByte!).toBeLessThanOrEqual(t.firstChunk!);
    expect(t.firstChunk!).toBeLessThanOrEqual(t.firstContent!);
    expect(t.firstContent!).toBeLessThanOrEqual(t.lastToken!);
    expect(t.lastToken!).toBeLessThanOrEqual(t.lastByte!);
    expect(t.firstContent!).toBeGreaterThanOrEqual(50);
    expect(r.chunkTimes).toHaveLength(2);
    expect(r.chunkTimes[1]! - r.chunkTimes[0]!).toBeGreaterThan(0);
    expect(r.usage).toEqual({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    expect(r.sentPerfMs).toBeGreaterThan(0);
    expect(Math.abs(r.startedAtEpochMs - Date.now())).toBeLessThan(60_000);
  });

  // regression: undici frees a socket one event-loop turn after a response, so back-to-back
  // sequential calls alternated between two sockets until chat() yielded that turn
  it("reuses one keep-alive connection for sequential requests", async () => {
    server.handle(() => reply.sse([contentChunk("x"), finishChunk(), DONE]));
    client = createClient(endpoint());
    const before = server.connections;
    for (let i = 0; i < 5; i++) expect((await client.chat(call)).ok).toBe(true);
    const nonStream = reply.json(200, { id: "c", choices: [{ index: 0, message: { role: "assistant", content: "y" }, finish_reason: "stop" }] });
    server.handle(() => nonStream);
    expect((await client.chat({ ...call, stream: false })).content).toBe("y");
    expect(server.connections - before).toBe(1);
    expect(new Set(server.requests.map((q) => q.connection)).size).toBe(1);
  });

  it("opens parallel connections for concurrent requests", async () => {
    server.handle(() => reply.sse([contentChunk("x"), finishChunk(), DONE], { firstDelayMs: 30 }));
    client = createClient(endpoint());
    const rs = await Promise.all(Array.from({ length: 8 }, () => client.chat(call)));
    expect(rs.every((r) => r.ok)).toBe(true);
    expect(new Set(server.requests.map((q) => q.connection)).size).toBe(8);
  });

  it("sends the documented body, path and headers", async () => {
    server.handle(() => reply.sse([contentChunk("x"), DONE]));
    client = createClient(endpoint({ baseUrl: `${server.baseUrl}/`, apiKey: "sk-body-test-123456" }));
    const tools = [{ type: "function" as const, function: { name: "f", parameters: { type: "object" } } }];
    await client.chat({ ...call, maxTokens: 16, temperature: 0, seed: 3, tools, continuousUsage: true, extraBody: { ignore_eos: true } });
    const q = server.requests[0]!;
    expect(q.method).toBe("POST");
    expect(q.path).toBe("/v1/chat/completions");
    expect(q.headers.authorization).toBe("Bearer sk-body-test-123456");
    expect(q.headers["content-type"]).toBe("application/json");
    expect(q.json).toEqual({
      model: "test-model",
      messages: call.messages,
      stream: true,
      max_tokens: 16,
      temperature: 0,
      seed: 3,
      tools,
      stream_options: { include_usage: true, continuous_usage_stats: true },
      ignore_eos: true,
    });
  });

  it("sends no Authorization header without a key", async () => {
    server.handle(() => reply.sse([contentChunk("x"), DONE]));
    client = createClient(endpoint());
    await client.chat(call);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("retries once without continuous_usage_stats after a 400 that names it, and remembers", async () => {
    server.handle((q) => {
      const so = (q.json as { stream_options?: { continuous_usage_stats?: boolean } }).stream_options;
      if (so?.continuous_usage_stats) {
        return reply.json(400, { object: "error", message: "[{'type': 'extra_forbidden', 'loc': ('body', 'stream_options', 'continuous_usage_stats')}]", type: "BadRequestError", code: 400 });
      }
      return reply.sse([contentChunk("ok"), finishChunk(), usageChunk(1, 1), DONE]);
    });
    client = createClient(endpoint());
    const r1 = await client.chat({ ...call, continuousUsage: true });
    expect(r1.ok).toBe(true);
    expect(r1.content).toBe("ok");
    expect(server.requests).toHaveLength(2);
    const r2 = await client.chat({ ...call, continuousUsage: true });
    expect(r2.ok).toBe(true);
    expect(server.requests).toHaveLength(3);
    expect((server.requests[2]!.json as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });

  it("drops stream_options altogether when the server rejects it", async () => {
    server.handle((q) =>
      (q.json as { stream_options?: unknown }).stream_options !== undefined
        ? reply.json(400, { error: { message: "Unrecognized request argument supplied: stream_options" } })
        : reply.sse([contentChunk("ok"), DONE]),
    );
    client = createClient(endpoint());
    expect((await client.chat(call)).ok).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect((await client.chat(call)).ok).toBe(true);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry other 400s", async () => {
    server.handle(() => reply.json(400, { error: { message: "max_tokens must be at least 1" } }));
    client = createClient(endpoint());
    const r = await client.chat({ ...call, continuousUsage: true });
    expect(r.error?.kind).toBe("http_status");
    expect(server.requests).toHaveLength(1);
  });

  it("never lets the API key out: an error body echoing the header is redacted", async () => {
    const key = "sk-super-secret-key-42";
    server.handle((q) => reply.json(401, { error: { message: `invalid authorization header: ${q.headers.authorization}` }, echo: q.headers }));
    client = createClient(endpoint({ apiKey: key }));
    const r = await client.chat(call);
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("http_status");
    expect(r.error?.status).toBe(401);
    expect(r.error?.message).toContain("[REDACTED]");
    expect(JSON.stringify(r)).not.toContain(key);
    server.handle((q) => reply.sse([contentChunk(`you sent ${q.headers.authorization}`), `data: {"oops ${q.headers.authorization}\n\n`]));
    const r2 = await client.chat(call);
    expect(r2.error?.kind).toBe("malformed_event");
    expect(JSON.stringify(r2)).not.toContain(key);
    await expect(client.listModels()).rejects.toSatisfy((e: unknown) => !String((e as Error).message).includes(key));
  });

  it("non-streamed: content, usage, firstByte and lastByte but no token timestamps", async () => {
    server.handle(() => reply.json(200, JSON.parse(fixture("llama-server/chat_nonstream_default.txt"))));
    client = createClient(endpoint());
    const r = await client.chat({ ...call, stream: false });
    expect(r.ok).toBe(true);
    expect(r.stream).toBe(false);
    expect(r.usage?.cachedTokens).toBe(6);
    expect(r.t.firstByte).toBeDefined();
    expect(r.t.lastByte).toBeDefined();
    expect(r.t.firstContent).toBeUndefined();
    expect(r.chunkTimes).toEqual([]);
  });

  it("a JSON answer to a stream request keeps the content and says what happened", async () => {
    server.handle(() => reply.json(200, { id: "c", choices: [{ index: 0, message: { role: "assistant", content: "whole" }, finish_reason: "stop" }] }));
    client = createClient(endpoint());
    const r = await client.chat(call);
    expect(r.ok).toBe(false);
    expect(r.content).toBe("whole");
    expect(r.error?.kind).toBe("malformed_event");
    expect(r.error?.message).toContain("application/json");
  });

  it("a multi-byte character split across TCP writes survives", async () => {
    const bytes = new TextEncoder().encode(contentChunk("日本🙂"));
    const i = bytes.indexOf(0xf0); // first byte of the emoji
    server.handle(() => reply.sse([bytes.subarray(0, i + 2), bytes.subarray(i + 2), DONE], { gapMs: 5 }));
    client = createClient(endpoint());
    const r = await client.chat(call);
    expect(r.content).toBe("日本🙂");
  });

  it("listModels reads /models", async () => {
    server.handle(() => reply.json(200, { object: "list", data: [{ id: "a", object: "model", max_model_len: 32768, owned_by: "vllm" }] }));
    client = createClient(endpoint());
    expect(await client.listModels()).toEqual([{ id: "a", maxModelLen: 32768, ownedBy: "vllm" }]);
    expect(server.requests[0]!.path).toBe("/v1/models");
  });
});
