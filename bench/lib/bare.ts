/**
 * The bare reader: the practical limit of a Node client on one core. undici `request()` on
 * a keep-alive Agent, the body read with on('data') and only counted: no SSE framing, no
 * JSON, no timestamps beyond the first chunk's. Closed loop: `concurrency` loops of
 * back-to-back requests, each with the same pre-serialised body.
 *
 * With `parse: true` it is the parsing reader instead: the least any client that reads the
 * tokens must do (streaming TextDecoder, eventsource-parser, JSON.parse of every event),
 * and nothing more (no timestamps per chunk, no assembly, no record).
 */
import type { Readable } from "node:stream";
import { createParser } from "eventsource-parser";
import { Agent } from "undici";

export interface BareOptions {
  origin: string;
  /** e.g. /v1/chat/completions */
  path: string;
  /** The request body, serialised once. */
  body: string;
  concurrency: number;
  /** Stop sending after this long (ms); requests in flight end. */
  durationMs: number;
  /** Send at most this many requests in all (default unbounded). */
  maxRequests?: number;
  /** Decode, frame and JSON.parse every SSE event (the parsing reader). */
  parse?: boolean;
  /** Loop k starts k/concurrency of the way through this many ms (like the load scenario's ramp_up_s). */
  rampMs?: number;
}

export interface BareRun {
  requests: number;
  failures: number;
  /** Body chunks (on('data') calls) and bytes received. */
  chunks: number;
  bytes: number;
  /** SSE events parsed (parsing reader only). */
  events: number;
  /** First send → last body end (performance.now() ms). */
  spanMs: number;
  /**
   * Per request: response id (the x-request-id header, else the first event's "id", read
   * with one regular expression), send time (performance.now()), epoch ms of the first
   * body chunk, TTFT (ms since send).
   */
  firstChunks: { id: string; sentPerfMs: number; seenEpochMs: number; ttftMs: number }[];
}

const STREAM = { stream: true } as const;
const ID_RE = /"id":"([^"]+)"/;
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

export function bareAgent(connections = 1024): Agent {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000, headersTimeout: 0, bodyTimeout: 0 });
}

export async function bareClosedLoop(agent: Agent, o: BareOptions): Promise<BareRun> {
  const out: BareRun = { requests: 0, failures: 0, chunks: 0, bytes: 0, events: 0, spanMs: 0, firstChunks: [] };
  const max = o.maxRequests ?? Number.POSITIVE_INFINITY;
  let sent = 0;
  const t0 = performance.now();
  const stopAt = t0 + o.durationMs;
  let lastEnd = t0;
  const one = async (): Promise<void> => {
    const sentAt = performance.now();
    const res = await agent.request({ origin: o.origin, path: o.path, method: "POST", headers: HEADERS, body: o.body });
    const idh = res.headers["x-request-id"];
    const id = Array.isArray(idh) ? (idh[0] ?? "") : (idh ?? "");
    let first = true;
    const decoder = o.parse ? new TextDecoder() : undefined;
    const parser = o.parse
      ? createParser({
          onEvent(ev) {
            if (ev.data !== "[DONE]") JSON.parse(ev.data);
            out.events++;
          },
        })
      : undefined;
    await new Promise<void>((resolve, reject) => {
      const body = res.body as unknown as Readable;
      body.on("data", (b: Buffer) => {
        if (first) {
          first = false;
          const now = performance.now();
          const rid = id !== "" ? id : (ID_RE.exec(b.toString("latin1", 0, 200))?.[1] ?? "");
          out.firstChunks.push({ id: rid, sentPerfMs: sentAt, seenEpochMs: performance.timeOrigin + now, ttftMs: now - sentAt });
        }
        out.chunks++;
        out.bytes += b.length;
        if (parser) parser.feed(decoder!.decode(b, STREAM));
      });
      body.once("end", resolve);
      body.once("error", reject);
    });
    if (res.statusCode !== 200) out.failures++;
    out.requests++;
    const end = performance.now();
    if (end > lastEnd) lastEnd = end;
  };
  const loop = async (k: number): Promise<void> => {
    if (o.rampMs) await new Promise<void>((r) => setTimeout(r, (k * o.rampMs!) / o.concurrency));
    while (sent < max && performance.now() < stopAt) {
      sent++;
      try {
        await one();
      } catch {
        out.failures++;
      }
      // like the shipped client: let undici free the socket before the next send
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, k) => loop(k)));
  out.spanMs = lastEnd - t0;
  return out;
}
