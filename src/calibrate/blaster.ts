/**
 * The blaster: an OpenAI-compatible-enough server that streams pre-built SSE as fast as it
 * can, so that what is measured is the client, not the server. Calibration's capacity pass
 * and bench/load.ts use it (each in a process of its own).
 *
 * - GET /v1/models: one model ("blaster").
 * - POST /v1/chat/completions, streamed: `max_tokens` token chunks shaped like vLLM's (with
 *   per-chunk usage when `stream_options.continuous_usage_stats` is asked), a finish chunk,
 *   a usage chunk and `data: [DONE]`. The first chunk carries the response's unique id (also
 *   sent as the `x-request-id` header); every later chunk is a pre-built buffer.
 *
 * How the chunks leave (`mode`):
 *   - "burst": the headers and first chunk in one write, the rest of the response in one
 *     more write: the cheapest a server can be (the client reads many events per read);
 *   - "per-event": one event per write, streams served round-robin, one event each per
 *     event-loop turn, like an engine emitting one token per stream per step with no step
 *     time: the client does about one read per event, as against a real server under load.
 *   - holdMs > 0: after the first chunk each stream waits holdMs before the rest (that many
 *     streams in flight at once, for memory measurements).
 *
 * Ground truth: the instant (high-resolution epoch ms) each response's first chunk was
 * handed to the kernel (the socket is uncorked right after the write), per response id.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type BlasterWriteMode = "burst" | "per-event";

export interface BlasterConfig {
  mode: BlasterWriteMode;
  holdMs: number;
}

export interface Blaster {
  port: number;
  config: BlasterConfig;
  /** Response id → first-chunk flush (epoch ms) since the last call, then forgotten. */
  takeTruth(): [string, number][];
  stats(): { holding: number; served: number; rotation: number };
  close(): Promise<void>;
}

const MODEL = "blaster";
const CREATED = 1_700_000_000;
const FIXED_ID = "chatcmpl-b00000000";

interface Body {
  tokens: number;
  continuous: boolean;
  promptTokens: number;
}

interface Prebuilt {
  /** Events after the first, one buffer each. */
  events: Buffer[];
  /** The same, concatenated. */
  whole: Buffer;
}

function tokenChunk(id: string, index: number, b: Body, role: boolean): string {
  const delta = role ? `{"role":"assistant","content":" tok"}` : `{"content":" tok"}`;
  const usage = b.continuous
    ? `,"usage":{"prompt_tokens":${b.promptTokens},"total_tokens":${b.promptTokens + index + 1},"completion_tokens":${index + 1}}`
    : "";
  return `data: {"id":"${id}","object":"chat.completion.chunk","created":${CREATED},"model":"${MODEL}","choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}]${usage}}\n\n`;
}

const cache = new Map<string, Prebuilt>();

function prebuilt(b: Body): Prebuilt {
  const key = `${b.tokens}/${b.continuous}/${b.promptTokens}`;
  let p = cache.get(key);
  if (!p) {
    const events: Buffer[] = [];
    for (let i = 1; i < b.tokens; i++) events.push(Buffer.from(tokenChunk(FIXED_ID, i, b, false)));
    const usage = `{"prompt_tokens":${b.promptTokens},"total_tokens":${b.promptTokens + b.tokens},"completion_tokens":${b.tokens}}`;
    events.push(
      Buffer.from(
        `data: {"id":"${FIXED_ID}","object":"chat.completion.chunk","created":${CREATED},"model":"${MODEL}","choices":[{"index":0,"delta":{"content":""},"logprobs":null,"finish_reason":"length","stop_reason":null}]${b.continuous ? `,"usage":${usage}` : ""}}\n\n`,
      ),
    );
    events.push(Buffer.from(`data: {"id":"${FIXED_ID}","object":"chat.completion.chunk","created":${CREATED},"model":"${MODEL}","choices":[],"usage":${usage}}\n\n`));
    events.push(Buffer.from("data: [DONE]\n\n"));
    p = { events, whole: Buffer.concat(events) };
    cache.set(key, p);
  }
  return p;
}

function parseBody(raw: string): Body {
  let j: { max_tokens?: unknown; stream_options?: { continuous_usage_stats?: unknown }; messages?: { content?: unknown }[] } = {};
  try {
    j = JSON.parse(raw) as typeof j;
  } catch {
    // a bad body gets the default reply
  }
  const tokens = typeof j.max_tokens === "number" && j.max_tokens >= 1 ? Math.floor(j.max_tokens) : 16;
  let chars = 0;
  for (const m of j.messages ?? []) if (typeof m.content === "string") chars += m.content.length;
  return { tokens, continuous: j.stream_options?.continuous_usage_stats === true, promptTokens: Math.max(1, Math.round(chars / 4)) };
}

const MODELS = JSON.stringify({ object: "list", data: [{ id: MODEL, object: "model", created: CREATED, owned_by: "shakedown-blaster", max_model_len: 32768 }] });

/** Starts a blaster on 127.0.0.1 (a free port unless given). */
export async function startBlaster(initial: Partial<BlasterConfig> = {}, port = 0): Promise<Blaster> {
  const config: BlasterConfig = { mode: "burst", holdMs: 0, ...initial };
  let truth: [string, number][] = [];
  let nextId = 1;
  let holding = 0;
  let served = 0;

  // Per-event round robin: one event to every stream in the rotation each turn.
  const rotation: { res: ServerResponse; events: Buffer[]; i: number }[] = [];
  let turnScheduled = false;
  const scheduleTurn = (): void => {
    if (turnScheduled) return;
    turnScheduled = true;
    setImmediate(turn);
  };
  function turn(): void {
    turnScheduled = false;
    for (let k = 0; k < rotation.length; ) {
      const s = rotation[k]!;
      s.res.write(s.events[s.i++]!);
      if (s.i >= s.events.length) {
        s.res.end();
        rotation[k] = rotation[rotation.length - 1]!;
        rotation.pop();
      } else k++;
    }
    if (rotation.length > 0) scheduleTurn();
  }

  const rest = (res: ServerResponse, p: Prebuilt): void => {
    if (config.mode === "burst") res.end(p.whole);
    else {
      rotation.push({ res, events: p.events, i: 0 });
      scheduleTurn();
    }
  };

  const chat = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      const b = parseBody(Buffer.concat(parts).toString("utf8"));
      const p = prebuilt(b);
      const id = `chatcmpl-b${(nextId++).toString(36).padStart(8, "0")}`;
      served++;
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": id });
      res.write(tokenChunk(id, 0, b, true));
      // node:http corks the socket on write() until process.nextTick: uncork now, so the
      // headers and first chunk reach the kernel before the ground-truth timestamp is taken.
      res.socket?.uncork();
      truth.push([id, performance.timeOrigin + performance.now()]);
      if (config.holdMs > 0) {
        holding++;
        setTimeout(() => {
          holding--;
          rest(res, p);
        }, config.holdMs);
      } else rest(res, p);
    });
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "POST" && path === "/v1/chat/completions") return chat(req, res);
    if (path === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(MODELS);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(`{"error":{"message":"not found","type":"NotFoundError","code":404}}`);
  });
  server.keepAliveTimeout = 60_000;
  server.maxRequestsPerSocket = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    config,
    takeTruth() {
      const out = truth;
      truth = [];
      return out;
    },
    stats: () => ({ holding, served, rotation: rotation.length }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
