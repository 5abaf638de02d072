/** Every ErrorKind, produced by a real exchange; partial data is kept on every failure. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Endpoint, type Timeouts } from "../../../src/client/index.js";
import type { ChatCallOptions, ChatResult } from "../../../src/client/types.js";
import {
  closedPort,
  contentChunk,
  DONE,
  ev,
  finishChunk,
  reply,
  startBlockedListener,
  startScriptedServer,
  usageChunk,
  type ScriptedServer,
} from "../../helpers/scripted-server.js";

const generous: Timeouts = { connectMs: 2000, firstByteMs: 5000, betweenTokensMs: 5000, totalMs: 20000 };
const call: ChatCallOptions = { model: "m", messages: [{ role: "user", content: "hi" }], stream: true };

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer(() => reply.sse([DONE]));
});
afterAll(async () => {
  await server.close();
});

async function once(opts: { baseUrl?: string; timeouts?: Partial<Timeouts>; call?: Partial<ChatCallOptions>; apiKey?: string } = {}): Promise<ChatResult> {
  const ep: Endpoint = { baseUrl: opts.baseUrl ?? server.baseUrl, timeouts: { ...generous, ...opts.timeouts } };
  if (opts.apiKey) ep.apiKey = opts.apiKey;
  const client = createClient(ep);
  try {
    return await client.chat({ ...call, ...opts.call });
  } finally {
    await client.close().catch(() => undefined);
  }
}

describe("error kinds", () => {
  it("connect_refused", async () => {
    const r = await once({ baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("connect_refused");
    expect(r.error?.message).toContain("127.0.0.1");
    expect(r.httpStatus).toBeUndefined();
  });

  it("dns", async () => {
    const r = await once({ baseUrl: "http://no-such-host.invalid:8000/v1" });
    expect(r.error?.kind).toBe("dns");
  });

  it("connect_timeout", async () => {
    const blocked = await startBlockedListener();
    try {
      const r = await once({ baseUrl: `http://127.0.0.1:${blocked.port}/v1`, timeouts: { connectMs: 150 } });
      expect(r.error?.kind).toBe("connect_timeout");
    } finally {
      await blocked.close();
    }
  });

  it("timeout_first_byte: no headers at all", async () => {
    server.handle(() => [{ hang: true }]);
    const r = await once({ timeouts: { firstByteMs: 100 } });
    expect(r.error?.kind).toBe("timeout_first_byte");
    expect(r.error?.message).toContain("100 ms");
    expect(r.httpStatus).toBeUndefined();
  });

  it("timeout_first_byte: headers at once but no event (vLLM sends headers before prefill)", async () => {
    server.handle(() => [{ head: 200, headers: { "content-type": "text/event-stream" } }, { hang: true }]);
    const r = await once({ timeouts: { firstByteMs: 100, betweenTokensMs: 5000 } });
    expect(r.error?.kind).toBe("timeout_first_byte");
    expect(r.httpStatus).toBe(200);
    expect(r.t.firstByte).toBeDefined();
  });

  it("timeout_between_tokens: keeps the tokens received before the stall", async () => {
    server.handle(() => [...reply.sse([contentChunk("a"), contentChunk("b")], { end: false }), { hang: true }]);
    const r = await once({ timeouts: { betweenTokensMs: 120 } });
    expect(r.error?.kind).toBe("timeout_between_tokens");
    expect(r.content).toBe("ab");
    expect(r.chunkTimes).toHaveLength(2);
    expect(r.t.firstContent).toBeDefined();
  });

  it("timeout_total: a stream that never stops", async () => {
    const steps = reply.sse(Array.from({ length: 200 }, (_, i) => contentChunk(`t${i} `)), { gapMs: 20, end: false });
    server.handle(() => steps);
    const r = await once({ timeouts: { totalMs: 250, betweenTokensMs: 1000 } });
    expect(r.error?.kind).toBe("timeout_total");
    expect(r.content.length).toBeGreaterThan(0);
  });

  it("http_status: the server's message, the status, a bounded excerpt", async () => {
    const body = { error: { code: 400, message: "request (6008 tokens) exceeds the available context size (4096 tokens), try increasing it", type: "exceed_context_size_error" } };
    server.handle(() => reply.json(400, body));
    const r = await once();
    expect(r.error).toMatchObject({ kind: "http_status", status: 400 });
    // llama.cpp's context overflow gets the hint that -c is split among the slots (no n_ctx in this body).
    expect(r.error?.message).toBe(
      `HTTP 400: ${body.error.message}. Hint: llama-server divides -c among its -np slots: each conversation has n_ctx = c / np tokens; start it with a larger -c or fewer slots (-np), or send shorter conversations.`,
    );
    expect(r.httpStatus).toBe(400);
    server.handle(() => [{ head: 503, headers: { "content-type": "text/plain" } }, { write: "overloaded ".repeat(500) }, { end: true }]);
    const r2 = await once();
    expect(r2.error?.status).toBe(503);
    expect(r2.error?.bodyExcerpt?.length).toBe(2000);
  });

  it("server_error: an error event inside a 200 stream", async () => {
    server.handle(() => reply.sse([contentChunk("a"), ev({ error: { message: "engine dead", type: "InternalServerError", param: null, code: 500 } }), DONE]));
    const r = await once();
    expect(r.httpStatus).toBe(200);
    expect(r.error).toMatchObject({ kind: "server_error", status: 500 });
    expect(r.content).toBe("a");
  });

  it("stream_cut: a body that ends without [DONE] after finish_reason and usage", async () => {
    server.handle(() => reply.sse([contentChunk("a"), finishChunk("stop"), usageChunk(2, 1)]));
    const r = await once();
    expect(r.error?.kind).toBe("stream_cut");
    expect(r.error?.message).toContain("without data: [DONE] after finish_reason=stop and usage");
    expect(r.content).toBe("a");
    expect(r.finishReason).toBe("stop");
    expect(r.t.lastByte).toBeDefined();
  });

  it("stream_cut: the connection dies mid-stream", async () => {
    server.handle(() => [...reply.sse([contentChunk("a"), contentChunk("b")], { end: false, gapMs: 5 }), { sleep: 10 }, { cut: true }]);
    const r = await once();
    expect(r.error?.kind).toBe("stream_cut");
    expect(r.content).toBe("ab");
    expect(r.chunkTimes).toHaveLength(2);
  });

  it("malformed_event: stops at a non-JSON event and keeps what came before", async () => {
    server.handle(() => reply.sse([contentChunk("a"), "data: <html>oops</html>\n\n", contentChunk("b"), DONE]));
    const r = await once();
    expect(r.error?.kind).toBe("malformed_event");
    expect(r.content).toBe("a");
  });

  it("malformed_event: a non-streamed body that is not JSON", async () => {
    server.handle(() => [{ head: 200, headers: { "content-type": "text/html" } }, { write: "<html>proxy login</html>" }, { end: true }]);
    const r = await once({ call: { stream: false } });
    expect(r.error?.kind).toBe("malformed_event");
  });

  it("aborted: by the caller's signal mid-stream, keeping partial content", async () => {
    server.handle(() => [...reply.sse([contentChunk("a")], { end: false }), { hang: true }]);
    const ac = new AbortController();
    const client = createClient({ baseUrl: server.baseUrl, timeouts: generous });
    const p = client.chat({ ...call, signal: ac.signal });
    await new Promise((res) => setTimeout(res, 80));
    ac.abort();
    const r = await p;
    await client.close();
    expect(r.error?.kind).toBe("aborted");
    expect(r.content).toBe("a");
  });

  it("aborted: an already-aborted signal sends nothing", async () => {
    const before = server.requests.length;
    const r = await once({ call: { signal: AbortSignal.abort() } });
    expect(r.error?.kind).toBe("aborted");
    expect(server.requests.length).toBe(before);
  });

  it("network: the server closes the connection before answering", async () => {
    server.handle(() => [{ cut: true }]);
    const r = await once();
    expect(r.error?.kind).toBe("network");
    expect(r.httpStatus).toBeUndefined();
  });

  it("chat never throws, even for a bad target", async () => {
    await expect(once({ baseUrl: "http://127.0.0.1:1/v1" })).resolves.toMatchObject({ ok: false });
  });
});
