/**
 * Issue 10, client side: SSE comments are not tokens, a kept-alive socket the server closed
 * is not the server's failure, a response has a cap. Small servers that misbehave on purpose.
 */
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createClient, type Endpoint, type Timeouts } from "../../../src/client/index.js";
import type { ChatCallOptions } from "../../../src/client/types.js";
import { contentChunk, DONE, finishChunk, reply, startScriptedServer, type ScriptedServer, type Step } from "../../helpers/scripted-server.js";

const generous: Timeouts = { connectMs: 2000, firstByteMs: 5000, betweenTokensMs: 5000, totalMs: 20000 };
const call: ChatCallOptions = { model: "m", messages: [{ role: "user", content: "hi" }], stream: true };
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
});

function clientFor(baseUrl: string, extra: Partial<Endpoint> = {}) {
  const client = createClient({ baseUrl, timeouts: generous, ...extra });
  closers.push(() => client.close());
  return client;
}

describe("SSE comments are not tokens", () => {
  it("a stream that sends only `:` pings (and blank lines) after its first token times out between tokens, not at the total timeout", async () => {
    const pings: Step[] = [];
    // 8 s of pings (more on a busy machine, whose timers run late): a watchdog that took them
    // for tokens would wait them out; the right one gives up 400 ms after the token.
    for (let i = 0; i < 160; i++) pings.push({ sleep: 50 }, { write: ":\n\n" }, { write: "\n" });
    const server: ScriptedServer = await startScriptedServer(() => [...reply.sse([contentChunk("one")], { end: false }), ...pings, { hang: true }]);
    closers.push(() => server.close());
    const client = clientFor(server.baseUrl, { timeouts: { ...generous, betweenTokensMs: 400, totalMs: 30_000 } });
    const started = performance.now();
    const r = await client.chat(call);
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("timeout_between_tokens");
    expect(r.content).toBe("one");
    expect(performance.now() - started).toBeLessThan(5_000); // the pings went on for 8 s
  });

  it("data events keep a slow stream alive (the watchdog still counts real events)", async () => {
    const slow: Step[] = [];
    // 1 s of stream in gaps of 100 ms against a 600 ms limit: a watchdog that ignored the events
    // would fire; the margin over a gap leaves room for a stall of this process (the server and
    // the client share it) on a busy machine.
    for (let i = 0; i < 10; i++) slow.push({ sleep: 100 }, { write: contentChunk(`w${i}`) });
    const server = await startScriptedServer(() => [...reply.sse([], { end: false }), ...slow, { write: finishChunk() }, { write: DONE }, { end: true }]);
    closers.push(() => server.close());
    const r = await clientFor(server.baseUrl, { timeouts: { ...generous, betweenTokensMs: 600 } }).chat(call);
    expect(r.error).toBeUndefined();
    expect(r.content).toBe("w0w1w2w3w4w5w6w7w8w9");
  });
});

/**
 * A raw HTTP/1.1 server that answers the first request of each connection with a complete
 * streamed response, announcing keep-alive, and closes the connection without a byte when a
 * second request arrives on it: as llama-server does, seen from a client that reused the
 * socket before the close reached it.
 */
async function startCloseAfterStream(opts: { answerFirst: boolean }): Promise<{ baseUrl: string; connections: () => number; answered: () => number; close(): Promise<void> }> {
  let connections = 0;
  let answered = 0;
  const sockets = new Set<net.Socket>();
  const body = contentChunk("hello") + finishChunk() + DONE;
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
    let seen = 0;
    let buf = "";
    s.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      // one request = headers + a body of content-length bytes
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        seen++;
        if (seen === 1 && opts.answerFirst) {
          answered++;
          const chunk = Buffer.from(body);
          s.write(
            `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nKeep-Alive: timeout=5, max=100\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
          );
        } else {
          s.destroy();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    connections: () => connections,
    answered: () => answered,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("a reused connection the server had closed", () => {
  it("spurious 'other side closed': a request that never reached the server (reset before any byte on a reused socket) is sent again on a fresh connection, and the retry is recorded", async () => {
    const server = await startCloseAfterStream({ answerFirst: true });
    closers.push(() => server.close());
    const client = clientFor(server.baseUrl);
    const first = await client.chat(call);
    expect(first.ok).toBe(true);
    expect(first.retried).toBeUndefined();
    const second = await client.chat(call);
    expect(second.error).toBeUndefined();
    expect(second.content).toBe("hello");
    expect(second.retried?.reason).toBe("reused_connection_closed");
    expect(second.retried?.error.kind).toBe("network");
    expect(server.answered()).toBe(2);
    expect(server.connections()).toBe(2);
  });

  it("a fresh connection closed without a byte is the server's failure: not sent again", async () => {
    const server = await startCloseAfterStream({ answerFirst: false });
    closers.push(() => server.close());
    const r = await clientFor(server.baseUrl).chat(call);
    expect(r.ok).toBe(false);
    expect(r.retried).toBeUndefined();
    expect(server.connections()).toBe(1);
  });
});

describe("response caps", () => {
  it("a non-streamed body past max_bytes is cut and recorded as response_too_large with its first bytes", async () => {
    const big = "x".repeat(300_000);
    const server = await startScriptedServer(() => [{ head: 200, headers: { "content-type": "application/json" } }, { write: `{"choices":[{"message":{"content":"${big}`}, { hang: true }]);
    closers.push(() => server.close());
    const r = await clientFor(server.baseUrl, { limits: { maxBytes: 100_000, maxTokens: 1000 } }).chat({ ...call, stream: false });
    expect(r.error?.kind).toBe("response_too_large");
    expect(r.content.length).toBe(100_000);
  });

  it("a stream past max_tokens chunks is cut, the tokens before the cap kept", async () => {
    const steps: Step[] = [{ head: 200, headers: { "content-type": "text/event-stream" } }];
    for (let i = 0; i < 300; i++) steps.push({ write: contentChunk("t") }, { sleep: 1 });
    steps.push({ hang: true });
    const server = await startScriptedServer(() => steps);
    closers.push(() => server.close());
    const r = await clientFor(server.baseUrl, { limits: { maxBytes: 1e9, maxTokens: 50 } }).chat(call);
    expect(r.error?.kind).toBe("response_too_large");
    expect(r.error?.message).toMatch(/max_tokens/);
    expect(r.chunkTimes.length).toBeGreaterThan(50);
    expect(r.chunkTimes.length).toBeLessThan(300);
  });
});
