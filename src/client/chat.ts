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
import { BODY_EXCERPT_MAX, classifyThrown, errorCodes, httpStatusError, redact, timeoutError } from "./classify.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import { DeferredParser } from "./deferred-parse.js";
import { ChatStream } from "./stream.js";
import { traceSocket, type SocketTrace } from "./socket-reuse.js";
import type { ChatCallOptions, ChatResult, ClassifiedError, ErrorKind, ResponseLimits, Timeouts } from "./types.js";
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
  limits: ResponseLimits;
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

/** Results of attempts that failed before any response byte on a reused connection (see chatExchange). */
const neverReachedServer = new WeakSet<ChatResult>();

/** Socket errors of a connection the server closed under a request. */
const CLOSED_CODES = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE"]);

/**
 * Runs one chat completion. Never throws: a failed exchange is ok:false with a classified
 * error and everything received so far. A 400 that blames continuous_usage_stats (or
 * stream_options) is retried once without it, and the client remembers.
 */
export async function chatExchange(tr: ChatTransport, opts: ChatCallOptions): Promise<ChatResult> {
  const body = buildChatBody(opts, tr.dialect);
  const json = JSON.stringify(body);
  let r = await exchangeOnce(tr, opts, json);
  if (neverReachedServer.has(r) && !opts.signal?.aborted) {
    // Written onto a kept-alive socket the server had already closed (llama.cpp closes after
    // each stream): not one byte came back, so the server never processed it. Send it again;
    // the dead socket is gone from the pool, so this goes out on a fresh connection.
    const first = r.error!;
    r = await exchangeOnce(tr, opts, json);
    r.retried = { error: first, reason: "reused_connection_closed" };
  }
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
  let socket: SocketTrace = {};
  const limits = tr.limits;
  /** Body bytes received so far, against limits.maxBytes. */
  let received = 0;
  const overLimit = (bytes: number): boolean => {
    received += bytes;
    if (received <= limits.maxBytes && r.chunkTimes.length <= limits.maxTokens) return false;
    stopKind ??= "response_too_large";
    return true;
  };
  try {
    const pending = traceSocket(
      () =>
        tr.dispatcher.request({
          origin: ep.origin,
          path: `${ep.basePath}/chat/completions`,
          method: "POST",
          headers: ep.jsonHeaders,
          body: json,
          signal: ac.signal,
          headersTimeout: 0,
          bodyTimeout: 0,
        }),
    );
    socket = pending.trace;
    const res = await pending.result;
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
      let parseCrash: unknown;
      const parser = new DeferredParser(
        (b, at) => {
          const events = cs.dataEvents;
          let going: boolean;
          try {
            going = cs.push(b, at);
          } catch (e) {
            // A parser bug must cost this stream, never the process (this runs in a setImmediate).
            parseCrash = e;
            return false;
          }
          // Only data events keep a stream alive: SSE comments (llama.cpp's `:` pings every 30 s)
          // and empty events are not tokens, so a stalled stream still hits betweenTokensMs.
          if (cs.dataEvents !== events) dog.activity(at);
          return going;
        },
        () => stopReading(),
      );
      try {
        await pump(
          body,
          (b) => {
            const now = performance.now() - sent;
            dog.started(now);
            if (overLimit(b.length)) {
              parser.add(b.subarray(0, Math.max(0, b.length - (received - limits.maxBytes))), now);
              return false;
            }
            parser.add(b, now);
            return !parser.stopped;
          },
          (stop) => (stopReading = stop),
        );
      } finally {
        // Whatever ended the body (its end, a timeout, a cut), what arrived is parsed.
        parser.drain();
      }
      if (parseCrash !== undefined) {
        r.t.lastByte = performance.now() - sent;
        r.error = { kind: "malformed_event", message: `the client could not parse the stream (${redact(String((parseCrash as Error).message ?? parseCrash), secret)})` };
      } else if (stopKind === "response_too_large") {
        r.t.lastByte = performance.now() - sent;
        r.error = tooLarge(received, r, limits);
      } else if (cs.error) {
        r.error = cs.error;
      } else {
        const end = performance.now() - sent;
        r.t.lastByte = end;
        r.error = cs.end(end);
      }
    } else {
      const text = await readText(body, sent, dog, limits.maxBytes, () => {
        stopKind = "response_too_large";
      });
      r.t.lastByte = performance.now() - sent;
      if (stopKind === "response_too_large") {
        r.content = redact(text, secret);
        r.error = tooLarge(Buffer.byteLength(text), r, limits);
      } else r.error = parseWhole(r, text, secret);
      if (r.error === undefined && opts.stream) {
        r.error = {
          kind: "malformed_event",
          message: "a stream was requested but the server answered application/json instead of text/event-stream (is `stream` supported?)",
        };
      }
    }
  } catch (err) {
    r.error = stopKind === "response_too_large" ? tooLarge(received, r, limits) : failure(err, stopKind, r, tr, sent);
    if (
      socket.reused === true &&
      r.httpStatus === undefined &&
      stopKind === undefined &&
      errorCodes(err).some((c) => CLOSED_CODES.has(c))
    ) {
      neverReachedServer.add(r);
    }
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

/** The error for a response cut at the client's cap; what arrived before the cap is kept. */
function tooLarge(bytes: number, r: ChatResult, limits: ResponseLimits): ClassifiedError {
  const what =
    r.chunkTimes.length > limits.maxTokens
      ? `more than ${limits.maxTokens} token chunks (target.response_limits.max_tokens)`
      : `more than ${limits.maxBytes} bytes (target.response_limits.max_bytes)`;
  return {
    kind: "response_too_large",
    message: `the response grew past ${what}: cut after ${bytes} bytes and ${r.chunkTimes.length} token chunks, which are kept (an endless or runaway answer)`,
  };
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

/**
 * Reads a whole body as UTF-8, feeding the watchdog. Past `max` bytes it stops: with
 * `onOverflow`, reading stops there (the response is too large); without, the rest is read
 * and dropped (an error body, of which an excerpt is enough).
 */
async function readText(body: Readable, sent: number, dog: Watchdog, max: number, onOverflow?: () => void): Promise<string> {
  const decoder = new TextDecoder("utf-8");
  let out = "";
  let kept = 0;
  await pump(body, (b) => {
    dog.activity(performance.now() - sent);
    if (kept < max) {
      const part = kept + b.length <= max ? b : b.subarray(0, max - kept);
      kept += part.length;
      out += decoder.decode(part, { stream: true });
      if (part.length < b.length && onOverflow) {
        onOverflow();
        return false;
      }
    } else if (onOverflow) {
      onOverflow();
      return false;
    }
    return true;
  });
  return out + decoder.decode();
}
