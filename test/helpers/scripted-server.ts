/**
 * A tiny scriptable HTTP server on port 0 for client tests: each test says, per request,
 * what to send and when (status, headers, body pieces, delays, a cut connection).
 * Records every request (with its parsed JSON body) and counts TCP connections.
 *
 * Also startBlockedListener(): a port that accepts no connections at all (its accept queue
 * is full and its process blocked), for connect-timeout tests.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

/** One request as the server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  /** Which TCP connection carried it (1, 2, …). */
  connection: number;
}

/** One step of a scripted response. */
export type Step =
  | { head: number; headers?: Record<string, string> }
  | { write: string | Uint8Array }
  | { sleep: number }
  | { end: true }
  /** Destroy the socket (a cut connection). */
  | { cut: true }
  /** Send nothing more and never end (the client must time out). */
  | { hang: true };

export type Handler = (req: SeenRequest) => Step[] | Promise<Step[]>;

export interface ScriptedServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** origin + "/v1" */
  baseUrl: string;
  port: number;
  requests: SeenRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Replaces the handler. */
  handle(h: Handler): void;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits at least `ms` by the high-resolution clock (a timer may fire up to 1 ms early). */
async function sleepAtLeast(ms: number): Promise<void> {
  const until = performance.now() + ms;
  await sleep(ms);
  while (performance.now() < until) await sleep(1);
}

/** Response helpers for handlers. */
export const reply = {
  /** A complete JSON response. */
  json(status: number, body: unknown, headers: Record<string, string> = {}): Step[] {
    return [
      { head: status, headers: { "content-type": "application/json", ...headers } },
      { write: typeof body === "string" ? body : JSON.stringify(body) },
      { end: true },
    ];
  },
  /** A 200 SSE stream of the given raw pieces (each written separately), then end. */
  sse(pieces: (string | Uint8Array)[], opts: { gapMs?: number; firstDelayMs?: number; end?: boolean } = {}): Step[] {
    const steps: Step[] = [{ head: 200, headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } }];
    if (opts.firstDelayMs) steps.push({ sleep: opts.firstDelayMs });
    pieces.forEach((p, i) => {
      if (i > 0 && opts.gapMs) steps.push({ sleep: opts.gapMs });
      steps.push({ write: p });
    });
    if (opts.end !== false) steps.push({ end: true });
    return steps;
  },
};

/** `data: <json>\n\n` */
export function ev(obj: unknown): string {
  return `data: ${typeof obj === "string" ? obj : JSON.stringify(obj)}\n\n`;
}

/** A minimal chat chunk with a content delta (or other delta fields). */
export function contentChunk(content: string, extra: Record<string, unknown> = {}): string {
  return ev({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra,
  });
}

/** A finish chunk with an empty delta. */
export function finishChunk(reason = "stop", extra: Record<string, unknown> = {}): string {
  return ev({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, delta: {}, finish_reason: reason }],
    ...extra,
  });
}

/** A usage-only chunk (`choices: []`). */
export function usageChunk(prompt: number, completion: number): string {
  return ev({
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1,
    model: "test-model",
    choices: [],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  });
}

export const DONE = "data: [DONE]\n\n";

/** Starts a scripted server on 127.0.0.1, port 0. */
export async function startScriptedServer(initial: Handler): Promise<ScriptedServer> {
  let handler = initial;
  let connections = 0;
  const requests: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer();
  server.keepAliveTimeout = 30_000;
  server.on("connection", (s: net.Socket) => {
    connections++;
    (s as net.Socket & { connId?: number }).connId = connections;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const seen: SeenRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
        json,
        connection: (req.socket as net.Socket & { connId?: number }).connId ?? 0,
      };
      requests.push(seen);
      void run(seen, res);
    });
  });

  async function run(seen: SeenRequest, res: http.ServerResponse): Promise<void> {
    let steps: Step[];
    try {
      steps = await handler(seen);
    } catch (e) {
      steps = reply.json(500, { error: { message: String(e) } });
    }
    for (const step of steps) {
      if (res.destroyed) return;
      if ("head" in step) {
        res.writeHead(step.head, step.headers ?? {});
        res.flushHeaders();
      } else if ("write" in step) {
        res.write(step.write);
      } else if ("sleep" in step) {
        await sleepAtLeast(step.sleep);
      } else if ("end" in step) {
        res.end();
      } else if ("cut" in step) {
        res.socket?.destroy();
        return;
      } else if ("hang" in step) {
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    baseUrl: `${origin}/v1`,
    port,
    requests,
    get connections() {
      return connections;
    },
    handle(h) {
      handler = h;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing is listening on (a server was started there and closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A port where connecting hangs: a child process listens with backlog 1 and blocks its event
 * loop (so it never accepts); two filler connections fill the accept queue, after which the
 * kernel drops new SYNs and a client's connect() waits until its own timeout.
 */
export async function startBlockedListener(): Promise<{ port: number; close(): Promise<void> }> {
  const src = `
    const net = require("node:net");
    const s = net.createServer();
    s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
      process.stdout.write(s.address().port + "\\n", () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
      });
    });`;
  const child = spawn(process.execPath, ["-e", src], { stdio: ["ignore", "pipe", "ignore"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim())));
    child.once("error", reject);
  });
  await sleep(50);
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    fillers.push(s);
  }
  await sleep(100);
  return {
    port,
    async close() {
      for (const s of fillers) s.destroy();
      child.kill("SIGKILL");
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once("exit", () => resolve())));
    },
  };
}
