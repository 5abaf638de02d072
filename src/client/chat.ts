/**
 * One chat-completion exchange over HTTP: request body, timing, body pumping, errors.
 *
 * HTTP stack: undici `Dispatcher.request()` on a dedicated keep-alive Agent, body read with
 * `on('data')`. Measured with bench/http-client.ts (server in a child process streaming
 * pre-built SSE chunks; the same TextDecoder + eventsource-parser + JSON.parse consumer for
 * every contender; Node 20.20 on a 2-core sandbox; medians of 3-4 rounds × 3 s; 4 runs):
 *   short streams (64 concurrent, 8 events):   undici.request 6.4-10.9 k req/s vs fetch
 *     1.3-1.7 k req/s → ×4.9-6.3 in every run (fetch's per-request cost dominates);
 *   long streams (8 concurrent, 2 000 events): undici.request 159-289 k events/s vs fetch
 *     167-207 k → ×0.95-1.4: server-bound on 2 cores, within noise.
 *   The whole client (createClient().chat(): watchdog, SSE, assembly) did 5.9-6.6 k req/s
 *   and 182-187 k events/s in the same runs. `for await` over the body was no faster.
 *
 * Hot path per received chunk: one performance.now(), a watchdog store, TextDecoder,
 * eventsource-parser, JSON.parse per event, and string appends; no per-chunk timers or closures.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { applyResponse, newResult } from "./assemble.js";
import { BODY_EXCERPT_MAX, classifyThrown, httpStatusError, redact, timeoutError } from "./classify.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import { DeferredParser } from "./deferred-parse.js";
import { ChatStream } from "./stream.js";
import type { ChatCallOptions, ChatResult, ClassifiedError, ErrorKind, Timeouts } from "./types.js";
import { Watchdog } from "./watchdog.js";

/** What a client learned about its server's dialect (kept for the client's lifetime). */
export interface DialectState {
  /** The server refused `stream_options.continuous_usage_stats` with a 400: don't ask again. */
  continuousUsageRejected: boolean;
  /** The server refused `stream_options` altogether with a 400: don't send it again. */
  streamOptionsRejected: boolean;
}

/** Everything an exchange needs from its client. */
export interface ChatTransport {
  dispatcher: Dispatcher;
  endpoint: ResolvedEndpoint;
  timeouts: Timeouts;
  dialect: DialectState;
}

/** Longest error body kept (the excerpt on the error is shorter still). */
const ERROR_BODY_MAX = 64 * 1024;

/** Builds the request body; `extraBody` is merged last. */
export function buildChatBody(opts: ChatCallOptions, dialect: DialectState): Record<string, unknown> {
  const body: Record<string, unknown> = { model: opts.model, messages: opts.messages, stream: opts.stream };
  if (opts.maxTokens !== undefined) body.max_tokens = opts.maxTokens;
  if (opts.temperature !== undefined) body.temperature = opts.temperature;
  if (opts.seed !== undefined) body.seed = opts.seed;
  if (opts.tools !== undefined) body.tools = opts.tools;
  if (opts.stream && !dialect.streamOptionsRejected) {
    body.stream_options =
      opts.continuousUsage && !dialect.continuousUsageRejected
        ? { include_usage: true, continuous_usage_stats: true }
        : { include_usage: true };
  }
  if (opts.extraBody) Object.assign(body, opts.extraBody);
  return body;
}

const STREAM_OPTIONS_RE = /continuous_usage_stats|stream_options/;

/**
 * Runs one chat completion. Never throws: a failed exchange is ok:false with a classified
 * error and everything received so far. A 400 that blames continuous_usage_stats (or
 * stream_options) is retried once without it, and the client remembers.
 */
export async function chatExchange(tr: ChatTransport, opts: ChatCallOptions): Promise<ChatResult> {
  const body = buildChatBody(opts, tr.dialect);
  const r = await exchangeOnce(tr, opts, JSON.stringify(body));
  const e = r.error;
  if (!opts.stream || e?.kind !== "http_status" || r.httpStatus !== 400) return r;
  const text = `${e.bodyExcerpt ?? ""} ${e.message}`;
  if (!STREAM_OPTIONS_RE.test(text)) return r;
  const so = body.stream_options as { continuous_usage_stats?: boolean } | undefined;
  if (so?.continuous_usage_stats) tr.dialect.continuousUsageRejected = true;
  else if (so !== undefined) tr.dialect.streamOptionsRejected = true;
  else return r;
  return exchangeOnce(tr, opts, JSON.stringify(buildChatBody(opts, tr.dialect)));
}

function isJsonType(headers: Dispatcher.ResponseData["headers"]): boolean {
  const ct = headers["content-type"];
  const v = Array.isArray(ct) ? ct[0] : ct;
  return typeof v === "string" && v.toLowerCase().startsWith("application/json");
}

/** An error for a body that closed without 'end' or 'error'. */
function closedEarly(): Error {
  return Object.assign(new Error("the response body closed before its end"), { code: "UND_ERR_SOCKET" });
}

/**
 * Pumps a body: `onChunk` gets every chunk and returns false to stop reading (the body is
 * then destroyed). Resolves at the body's end or when stopped; rejects on a body error.
 * `onStart` receives a function that stops reading from outside a chunk (deferred parsing).
 */
function pump(body: Readable, onChunk: (b: Buffer) => boolean, onStart?: (stop: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve();
      else reject(err);
    };
    const stop = (): void => {
      settle();
      body.destroy();
    };
    onStart?.(stop);
    body.on("data", (b: Buffer) => {
      if (settled) return;
      if (!onChunk(b)) stop();
    });
    body.once("end", () => settle());
    body.once("error", (err) => settle(err));
    body.once("close", () => {
      if (!settled) settle(closedEarly()); // 'close' follows every 'end': build the error only when needed
    });
  });
}

async function exchangeOnce(tr: ChatTransport, opts: ChatCallOptions, json: string): Promise<ChatResult> {
  const ep = tr.endpoint;
  const secret = ep.apiKey;
  const startedAtEpochMs = Date.now();
  const sent = performance.now();
  const r = newResult(opts.stream, startedAtEpochMs, sent);
  const signal = opts.signal;
  if (signal?.aborted) {
    r.error = timeoutError("aborted", tr.timeouts);
    return r;
  }
  let stopKind: ErrorKind | undefined;
  const ac = new AbortController();
  const dog = new Watchdog(sent, tr.timeouts, (kind) => {
    stopKind ??= kind;
    ac.abort();
  });
  const onAbort = (): void => {
    stopKind ??= "aborted";
    ac.abort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  let stream: ChatStream | undefined;
  try {
    const res = await tr.dispatcher.request({
      origin: ep.origin,
      path: `${ep.basePath}/chat/completions`,
      method: "POST",
      headers: ep.jsonHeaders,
      body: json,
      signal: ac.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    r.t.firstByte = performance.now() - sent;
    r.httpStatus = res.statusCode;
    const body = res.body as unknown as Readable;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await readText(body, sent, dog, ERROR_BODY_MAX);
      r.t.lastByte = performance.now() - sent;
      r.error = httpStatusError(res.statusCode, text, secret);
    } else if (opts.stream && !isJsonType(res.headers)) {
      const cs = new ChatStream(r, secret);
      stream = cs;
      // Reads are timestamped as they arrive and parsed once the I/O phase is over (deferred-parse.ts).
      let stopReading = (): void => undefined;
      const parser = new DeferredParser((b, at) => cs.push(b, at), () => stopReading());
      try {
        await pump(
          body,
          (b) => {
            const now = performance.now() - sent;
            dog.activity(now);
            parser.add(b, now);
            return !parser.stopped;
          },
          (stop) => (stopReading = stop),
        );
      } finally {
        // Whatever ended the body (its end, a timeout, a cut), what arrived is parsed.
        parser.drain();
      }
      if (cs.error) {
        r.error = cs.error;
      } else {
        const end = performance.now() - sent;
        r.t.lastByte = end;
        r.error = cs.end(end);
      }
    } else {
      const text = await readText(body, sent, dog, Infinity);
      r.t.lastByte = performance.now() - sent;
      r.error = parseWhole(r, text, secret);
      if (r.error === undefined && opts.stream) {
        r.error = {
          kind: "malformed_event",
          message: "a stream was requested but the server answered application/json instead of text/event-stream (is `stream` supported?)",
        };
      }
    }
  } catch (err) {
    r.error = failure(err, stopKind, r, tr, sent);
  } finally {
    dog.stop();
    signal?.removeEventListener("abort", onAbort);
    stream?.finish();
  }
  r.ok = r.error === undefined;
  // undici frees a keep-alive socket one event-loop turn after the response completes
  // (setImmediate); yielding that turn lets a caller's next request reuse the same socket
  // instead of opening another. All timestamps are already taken.
  await yieldTurn();
  return r;
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function failure(err: unknown, stopKind: ErrorKind | undefined, r: ChatResult, tr: ChatTransport, sent: number): ClassifiedError {
  if (stopKind !== undefined) return timeoutError(stopKind, tr.timeouts);
  const e = classifyThrown(err, {
    headersReceived: r.httpStatus !== undefined,
    target: tr.endpoint.hostPort,
    secret: tr.endpoint.apiKey,
  });
  if (e.kind === "stream_cut") r.t.lastByte = performance.now() - sent;
  return e;
}

function parseWhole(r: ChatResult, text: string, secret: string | undefined): ClassifiedError | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    const clean = redact(text, secret);
    return {
      kind: "malformed_event",
      message: `the response body is not JSON: ${clean.slice(0, 200)}`,
      bodyExcerpt: clean.slice(0, BODY_EXCERPT_MAX),
    };
  }
  return applyResponse(r, j, secret);
}

/** Reads a whole body as UTF-8 (keeping at most `max` bytes), feeding the watchdog. */
async function readText(body: Readable, sent: number, dog: Watchdog, max: number): Promise<string> {
  const decoder = new TextDecoder("utf-8");
  let out = "";
  let kept = 0;
  await pump(body, (b) => {
    dog.activity(performance.now() - sent);
    if (kept < max) {
      const part = kept + b.length <= max ? b : b.subarray(0, max - kept);
      kept += part.length;
      out += decoder.decode(part, { stream: true });
    }
    return true;
  });
  return out + decoder.decode();
}
