/**
 * HTTP client hot-path benchmark: undici `request()` (per-client Agent) vs Node's global
 * `fetch`, on the streaming path the chat client uses (SSE bytes → TextDecoder →
 * eventsource-parser → JSON.parse).
 *
 *   npx tsx bench/http-client.ts [--seconds 3] [--rounds 2]
 *
 * A minimal HTTP server runs in a child process (so its CPU does not compete with the
 * client's event loop) and streams pre-built SSE chunks as fast as the socket takes them.
 * Contenders: undici request() read with on('data') and with for-await, global fetch read
 * with a stream reader (all three with the same minimal consumer), and the shipped client
 * end to end (createClient().chat(): timing, watchdog, SSE, assembly into a ChatResult).
 * Two workloads, each run for every contender, alternating, `rounds` times:
 *   - long streams: 8 concurrent requests of 2 000 chunk events each → events/s;
 *   - short streams: 64 concurrent requests of 8 events each → requests/s.
 * Prints medians side by side and the ratio undici / fetch. Not a pass/fail test.
 */
import { spawn } from "node:child_process";
import { createParser } from "eventsource-parser";
import { Agent } from "undici";
import { createClient, type ChatClient } from "../src/client/index.js";

const SERVER_SOURCE = String.raw`
const http = require("node:http");
const chunk = (i) => "data: " + JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model: "m",
  choices: [{ index: 0, delta: { content: "tok" + i + " " }, finish_reason: null }] }) + "\n\n";
const cache = new Map();
function events(n) {
  let list = cache.get(n);
  if (!list) { list = []; for (let i = 0; i < n; i++) list.push(Buffer.from(chunk(i))); list.push(Buffer.from("data: [DONE]\n\n")); cache.set(n, list); }
  return list;
}
const server = http.createServer((req, res) => {
  let raw = "";
  req.on("data", (c) => { raw += c; });
  req.on("end", () => {
    let n = Number(new URL(req.url, "http://x").searchParams.get("n") || "0");
    if (!n) { try { n = JSON.parse(raw).n || 10; } catch { n = 10; } }
    const list = events(n);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let i = 0;
    const pump = () => {
      while (i < list.length) { if (!res.write(list[i++])) { res.once("drain", pump); return; } }
      res.end();
    };
    pump();
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\n"));
`;

interface Consumer {
  push(bytes: Uint8Array): void;
  events: number;
}

const STREAM_OPT = { stream: true } as const;

/** The same consumer for every contender: streaming UTF-8 decode, SSE framing, JSON.parse. */
function makeConsumer(): Consumer {
  const decoder = new TextDecoder();
  const c: Consumer = {
    events: 0,
    push(bytes) {
      parser.feed(decoder.decode(bytes, STREAM_OPT));
    },
  };
  const parser = createParser({
    onEvent(ev) {
      if (ev.data !== "[DONE]") JSON.parse(ev.data);
      c.events++;
    },
  });
  return c;
}

type Contender = (path: string) => Promise<number>;

/** The shipped client end to end (timing, SSE, assembly into a ChatResult); events ≈ token chunks + usage/[DONE]. */
function shakedownClient(client: ChatClient): Contender {
  return async (path) => {
    const n = Number(new URL(path, "http://x").searchParams.get("n"));
    const r = await client.chat({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true, extraBody: { n } });
    if (!r.ok) throw new Error(r.error?.message);
    return r.chunkTimes.length + 1; // + [DONE], like the raw consumers count it
  };
}

const BODY = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true });

function undiciOnData(agent: Agent, origin: string): Contender {
  return async (path) => {
    const res = await agent.request({ origin, path, method: "POST", headers: { "content-type": "application/json" }, body: BODY });
    const c = makeConsumer();
    await new Promise<void>((resolve, reject) => {
      res.body.on("data", (b: Buffer) => c.push(b));
      res.body.once("end", resolve);
      res.body.once("error", reject);
    });
    return c.events;
  };
}

function undiciForAwait(agent: Agent, origin: string): Contender {
  return async (path) => {
    const res = await agent.request({ origin, path, method: "POST", headers: { "content-type": "application/json" }, body: BODY });
    const c = makeConsumer();
    for await (const b of res.body) c.push(b as Buffer);
    return c.events;
  };
}

function globalFetch(origin: string): Contender {
  return async (path) => {
    const res = await fetch(origin + path, { method: "POST", headers: { "content-type": "application/json" }, body: BODY });
    const c = makeConsumer();
    const body = res.body;
    if (!body) throw new Error("no body");
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      c.push(value);
    }
    return c.events;
  };
}

/** Runs `concurrency` loops of back-to-back requests for `seconds`; returns events and requests. */
async function drive(run: Contender, path: string, concurrency: number, seconds: number): Promise<{ events: number; requests: number; elapsedS: number }> {
  const end = performance.now() + seconds * 1000;
  let events = 0;
  let requests = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const n = await run(path); // not `events += await …`: that reads `events` before the await
      events += n;
      requests++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { events, requests, elapsedS: (performance.now() - t0) / 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

async function main(): Promise<void> {
  const seconds = arg("seconds", 3);
  const rounds = arg("rounds", 2);
  const child = spawn(process.execPath, ["-e", SERVER_SOURCE], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    child.once("error", reject);
  });
  const origin = `http://127.0.0.1:${port}`;
  const agent = new Agent({ connections: 1024, keepAliveTimeout: 4000, headersTimeout: 0, bodyTimeout: 0 });
  // the shipped client posts to {base}/chat/completions; it passes n in the body (extraBody)
  const client = createClient({ baseUrl: `${origin}/v1`, timeouts: { connectMs: 5000, firstByteMs: 0, betweenTokensMs: 0, totalMs: 0 } });
  const contenders: [string, Contender][] = [
    ["undici.request (on data)", undiciOnData(agent, origin)],
    ["undici.request (for await)", undiciForAwait(agent, origin)],
    ["global fetch", globalFetch(origin)],
    ["shakedown client.chat()", shakedownClient(client)],
  ];
  const workloads = [
    { name: "long streams (c=8, 2000 events)", path: "/v1/chat/completions?n=2000", concurrency: 8, unit: "events/s" as const },
    { name: "short streams (c=64, 8 events)", path: "/v1/chat/completions?n=8", concurrency: 64, unit: "req/s" as const },
  ];
  console.log(`node ${process.version}, ${seconds}s per measurement, ${rounds} rounds, server in a child process`);
  try {
    for (const w of workloads) {
      // warm-up: open connections and JIT every path
      for (const [, run] of contenders) await drive(run, w.path, w.concurrency, 0.5);
      const rates = new Map<string, number[]>();
      const evRates = new Map<string, number[]>();
      for (let r = 0; r < rounds; r++) {
        for (const [name, run] of contenders) {
          const m = await drive(run, w.path, w.concurrency, seconds);
          (rates.get(name) ?? rates.set(name, []).get(name)!).push(m.requests / m.elapsedS);
          (evRates.get(name) ?? evRates.set(name, []).get(name)!).push(m.events / m.elapsedS);
        }
      }
      console.log(`\n${w.name}`);
      const base = median(w.unit === "req/s" ? rates.get("global fetch")! : evRates.get("global fetch")!);
      for (const [name] of contenders) {
        const req = median(rates.get(name)!);
        const ev = median(evRates.get(name)!);
        const main = w.unit === "req/s" ? req : ev;
        console.log(
          `  ${name.padEnd(28)} ${Math.round(ev).toLocaleString("en-US").padStart(11)} events/s ${Math.round(req).toLocaleString("en-US").padStart(8)} req/s   ×${(main / base).toFixed(2)} vs fetch`,
        );
      }
    }
  } finally {
    await agent.close();
    await client.close();
    child.kill();
  }
}

await main();
