/**
 * One small HTTP exchange with a server being started or probed: a timeout for the whole
 * exchange, the body read up to a cap, every failure turned into a short reason. Never throws.
 */
import { Agent, request, type Dispatcher } from "undici";
import { errorCodes } from "../monitor/fetch-page.js";

/** An answer (any status; the body up to the cap), or why there was none ("connection refused", "no answer within 2000 ms"). */
export type HttpOutcome =
  | { ok: true; status: number; body: string; truncated: boolean; contentType: string }
  | { ok: false; reason: string; refused: boolean };

/** One exchange: method (GET), Bearer key, timeout of the whole exchange, body cap. */
export interface HttpOptions {
  method?: "GET" | "POST";
  apiKey?: string;
  timeoutMs: number;
  /** Bytes of the body kept (the rest is not read). 0: the body is dropped. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** An agent for a few exchanges with one server; destroy it after. */
export function shortAgent(timeoutMs: number, connections = 1): Agent {
  return new Agent({
    connections,
    keepAliveTimeout: 1_000,
    keepAliveMaxTimeout: 1_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
}

/** Closes an agent without waiting for anything (never throws). */
export function dropAgent(agent: Agent): void {
  agent.destroy().catch(() => undefined);
}

/** One request through `agent`; never throws. */
export async function httpExchange(agent: Dispatcher, url: string, o: HttpOptions): Promise<HttpOutcome> {
  const headers: Record<string, string> = { accept: "application/json, text/plain;q=0.9, */*;q=0.1" };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  const timeout = AbortSignal.timeout(Math.max(1, Math.ceil(o.timeoutMs)));
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout;
  try {
    const res = await request(url, { method: o.method ?? "GET", headers, dispatcher: agent, signal });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    if (o.maxBytes <= 0) await res.body.dump();
    else {
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        if (size + b.length > o.maxBytes) {
          chunks.push(b.subarray(0, o.maxBytes - size));
          size = o.maxBytes;
          truncated = true;
          res.body.destroy();
          break;
        }
        chunks.push(b);
        size += b.length;
      }
    }
    const type = res.headers["content-type"];
    return {
      ok: true,
      status: res.statusCode,
      body: Buffer.concat(chunks).toString("utf8"),
      truncated,
      contentType: Array.isArray(type) ? type.join(", ") : (type ?? ""),
    };
  } catch (err) {
    const codes = errorCodes(err);
    const has = (c: string): boolean => codes.includes(c);
    if (has("ECONNREFUSED")) return { ok: false, reason: "connection refused", refused: true };
    if (timeout.aborted || has("TimeoutError") || has("UND_ERR_CONNECT_TIMEOUT") || has("UND_ERR_HEADERS_TIMEOUT") || has("UND_ERR_BODY_TIMEOUT")) {
      return { ok: false, reason: `no answer within ${Math.round(o.timeoutMs)} ms`, refused: false };
    }
    if (has("AbortError")) return { ok: false, reason: "cancelled", refused: false };
    if (has("ENOTFOUND") || has("EAI_AGAIN")) return { ok: false, reason: "host name not resolved", refused: false };
    if (has("ECONNRESET") || has("UND_ERR_SOCKET")) return { ok: false, reason: "connection closed without an answer", refused: false };
    const code = codes.find((c) => /^[A-Z_]+$/.test(c));
    return { ok: false, reason: code ? `request failed (${code})` : "request failed", refused: false };
  }
}
