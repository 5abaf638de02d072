/**
 * Error classification for one exchange: thrown network errors, HTTP error statuses,
 * in-stream error events, timeouts. Every message passes through redact() so the API key
 * never leaves the client in an error, in any spelling a server may echo it (redact.ts).
 */
import { redact } from "./redact.js";
import type { ClassifiedError, ErrorKind, Timeouts } from "./types.js";

/** Longest body excerpt kept on an error. */
export const BODY_EXCERPT_MAX = 2000;

export { redact } from "./redact.js";

/** The `code` of an error or of its causes (undici wraps system errors; happy eyeballs aggregates them). */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === null || typeof e !== "object" || depth > 5 || seen.has(e)) return;
    seen.add(e);
    const rec = e as { code?: unknown; cause?: unknown; errors?: unknown; name?: unknown };
    if (typeof rec.code === "string") codes.push(rec.code);
    if (rec.name === "AbortError") codes.push("ABORT_ERR");
    visit(rec.cause, depth + 1);
    if (Array.isArray(rec.errors)) for (const x of rec.errors) visit(x, depth + 1);
  };
  visit(err, 0);
  return codes;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const inner = cause instanceof Error && cause.message && cause.message !== err.message ? ` (${cause.message})` : "";
    return `${err.message || err.name}${inner}`;
  }
  return String(err);
}

/** Where the failure happened, for thrown errors. */
export interface ThrownContext {
  /** Response headers had been received. */
  headersReceived: boolean;
  /** Host and port (never credentials), for the message. */
  target: string;
  secret?: string | undefined;
}

const DNS_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EAI_NODATA"]);
const CUT_CODES = new Set([
  "UND_ERR_SOCKET",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_CLOSED",
]);

/** Classifies an error thrown by the HTTP stack. */
export function classifyThrown(err: unknown, ctx: ThrownContext): ClassifiedError {
  const codes = errorCodes(err);
  const has = (c: string): boolean => codes.includes(c);
  const detail = redact(messageOf(err), ctx.secret);
  let kind: ErrorKind;
  let message: string;
  if (has("ECONNREFUSED")) {
    kind = "connect_refused";
    message = `connection refused by ${ctx.target}: nothing listens there`;
  } else if (codes.some((c) => DNS_CODES.has(c))) {
    kind = "dns";
    message = `cannot resolve the host of ${ctx.target}`;
  } else if (has("UND_ERR_CONNECT_TIMEOUT") || (!ctx.headersReceived && (has("ETIMEDOUT") || has("ECONNABORTED")))) {
    kind = "connect_timeout";
    message = `connecting to ${ctx.target} timed out`;
  } else if (has("UND_ERR_HEADERS_TIMEOUT")) {
    kind = "timeout_first_byte";
    message = `no response headers from ${ctx.target} in time`;
  } else if (has("UND_ERR_BODY_TIMEOUT")) {
    kind = "timeout_between_tokens";
    message = `the response body from ${ctx.target} stalled`;
  } else if (has("ABORT_ERR") || has("UND_ERR_ABORTED") || has("UND_ERR_ABORT")) {
    kind = "aborted";
    message = "request aborted by the caller";
  } else if (ctx.headersReceived && (codes.some((c) => CUT_CODES.has(c)) || codes.some((c) => c.startsWith("HPE_")))) {
    kind = "stream_cut";
    message = `the connection to ${ctx.target} closed before the response ended`;
  } else {
    kind = "network";
    message = `network error talking to ${ctx.target}`;
  }
  return { kind, message: `${message} (${detail})` };
}

/** The error for an expired client-side deadline. */
export function timeoutError(kind: ErrorKind, t: Timeouts): ClassifiedError {
  switch (kind) {
    case "timeout_first_byte":
      return { kind, message: `no response byte within ${t.firstByteMs} ms of sending (timeouts.firstByteMs)` };
    case "timeout_between_tokens":
      return { kind, message: `the stream was silent for more than ${t.betweenTokensMs} ms (timeouts.betweenTokensMs)` };
    case "timeout_total":
      return { kind, message: `the exchange took longer than ${t.totalMs} ms (timeouts.totalMs)` };
    case "aborted":
      return { kind, message: "request aborted by the caller" };
    default:
      return { kind, message: kind };
  }
}

/** The message of an OpenAI-style error JSON (`{error:{message}}`, `{message}`, `{detail}`), if any. */
export function errorMessageFromBody(body: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  return errorMessageFromJson(j);
}

/** Same as errorMessageFromBody for parsed JSON. */
export function errorMessageFromJson(j: unknown): string | undefined {
  if (j === null || typeof j !== "object") return undefined;
  const rec = j as { error?: unknown; message?: unknown; detail?: unknown };
  const e = rec.error;
  if (typeof e === "string") return e;
  if (e !== null && typeof e === "object") {
    const m = (e as { message?: unknown }).message;
    if (typeof m === "string") return m;
  }
  if (typeof rec.message === "string") return rec.message;
  if (typeof rec.detail === "string") return rec.detail;
  if (Array.isArray(rec.detail)) {
    try {
      return JSON.stringify(rec.detail);
    } catch {
      return "(an error detail too deeply nested to show)";
    }
  }
  return undefined;
}

function excerpt(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * What to do about a known server error, from its JSON body, or undefined. llama.cpp's
 * `exceed_context_size_error` names the slot's context (n_ctx), which is `-c` divided among
 * the `-np` slots, not the model's: a user who started the server with `-c 16384 -np 4` reads
 * "4096 tokens" and does not know why.
 */
export function errorHint(body: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(body);
  } catch {
    return undefined;
  }
  const e = j !== null && typeof j === "object" ? (j as { error?: unknown }).error : undefined;
  if (e === null || typeof e !== "object") return undefined;
  const rec = e as { type?: unknown; n_ctx?: unknown };
  if (rec.type !== "exceed_context_size_error") return undefined;
  const nCtx = typeof rec.n_ctx === "number" && Number.isInteger(rec.n_ctx) && rec.n_ctx > 0 ? rec.n_ctx : undefined;
  return (
    `llama-server divides -c among its -np slots: each conversation has n_ctx = c / np tokens${nCtx !== undefined ? ` (${nCtx} here)` : ""}; ` +
    "start it with a larger -c or fewer slots (-np), or send shorter conversations"
  );
}

/** Classifies a non-2xx response: status, message from the error JSON (and a hint when one is known), redacted body excerpt. */
export function httpStatusError(status: number, body: string, secret: string | undefined): ClassifiedError {
  const clean = redact(body, secret);
  const fromJson = errorMessageFromBody(clean);
  const text = fromJson ?? clean.trim();
  const hint = errorHint(clean);
  const message = (text.length > 0 ? `HTTP ${status}: ${excerpt(text, 500)}` : `HTTP ${status} with an empty body`) + (hint ? `. Hint: ${hint}.` : "");
  const err: ClassifiedError = { kind: "http_status", status, message };
  if (clean.length > 0) err.bodyExcerpt = clean.slice(0, BODY_EXCERPT_MAX);
  return err;
}

/**
 * An error object sent with HTTP 200: inside a stream (vLLM: `data: {"error": {...}}` then
 * `[DONE]`) or as a whole body. Classified as server_error with the code the server put in
 * the error (`code`), or 500.
 */
export function streamErrorEvent(data: string, j: unknown, secret: string | undefined, inStream = true): ClassifiedError {
  const rec = (j ?? {}) as { error?: { code?: unknown } | string; code?: unknown };
  const inner = typeof rec.error === "object" && rec.error !== null ? rec.error.code : rec.code;
  const asNumber = typeof inner === "number" ? inner : typeof inner === "string" && /^\d{3}$/.test(inner) ? Number(inner) : NaN;
  // Only an HTTP-like status is kept: 1e400, 2.5 or -1 from a hostile server mean nothing.
  const code = Number.isInteger(asNumber) && asNumber >= 100 && asNumber <= 599 ? asNumber : 500;
  const msg = redact(errorMessageFromJson(j) ?? "error event", secret);
  return {
    kind: "server_error",
    status: code,
    message: `the server answered HTTP 200 but sent an error${inStream ? " inside the stream" : ""} (error code ${code}): ${excerpt(msg, 500)}`,
    bodyExcerpt: redact(data, secret).slice(0, BODY_EXCERPT_MAX),
  };
}

/** A data event that is not JSON. */
export function malformedEvent(data: string, secret: string | undefined): ClassifiedError {
  return {
    kind: "malformed_event",
    message: `a stream event is not JSON: ${excerpt(redact(data, secret), 200)}`,
    bodyExcerpt: redact(data, secret).slice(0, BODY_EXCERPT_MAX),
  };
}
