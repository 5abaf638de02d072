/**
 * One GET of a Prometheus-style text page (a server's /metrics, a DCGM exporter's): the body
 * capped, the API key (sent only in the Authorization header) redacted from what came back,
 * and every failure turned into a reason a person can act on. Never throws. Shared by the
 * server-metrics monitor and the GPU sampler's DCGM source.
 */
import { Agent, request } from "undici";
import { redact } from "../client/redact.js";

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type FetchedPage =
  | { ok: true; text: string; contentType: string }
  | { ok: false; reason: string; status?: number };

export interface FetchPageOptions {
  apiKey?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** What to add when nothing listens at the address ("is dcgm-exporter running?"). */
  refusedHint?: string;
  /** The reason for a 401/403, by whether a key was sent. */
  unauthorized?: (status: number, keySent: boolean) => string;
  /** The verb in the last-resort message: "cannot scrape …". */
  verb?: string;
}

/** The URL as shown in messages: no credentials, no query. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

/** Every `code` and `name` along an error's causes (undici nests the socket's error). */
export function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown): void => {
    if (typeof e !== "object" || e === null || seen.has(e)) return;
    seen.add(e);
    const r = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof r.code === "string") out.push(r.code);
    if (typeof r.name === "string") out.push(r.name);
    visit(r.cause);
    if (Array.isArray(r.errors)) for (const x of r.errors) visit(x);
  };
  visit(err);
  return out;
}

/** An agent for polling one page: one connection, kept alive between polls. */
export function pollingAgent(timeoutMs: number): Agent {
  return new Agent({
    connections: 1,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs },
  });
}

export async function fetchPage(agent: Agent, url: string, o: FetchPageOptions): Promise<FetchedPage> {
  const shown = displayUrl(url);
  const headers: Record<string, string> = { accept: "text/plain;version=0.0.4;q=1, */*;q=0.1" };
  if (o.apiKey) headers.authorization = `Bearer ${o.apiKey}`;
  try {
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const res = await request(url, { method: "GET", headers, dispatcher: agent, signal: o.signal ? AbortSignal.any([o.signal, timeout]) : timeout });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      const status = res.statusCode;
      if ((status === 401 || status === 403) && o.unauthorized) return { ok: false, status, reason: o.unauthorized(status, Boolean(o.apiKey)) };
      return { ok: false, status, reason: `${shown} answered HTTP ${status}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        return { ok: false, reason: `${shown} sent more than ${MAX_BODY_BYTES / 1024 / 1024} MiB: not a metrics page` };
      }
      chunks.push(b);
    }
    const type = res.headers["content-type"];
    // A hostile or careless server may echo the key into a label or a comment: never keep it.
    return { ok: true, text: redact(Buffer.concat(chunks).toString("utf8"), o.apiKey), contentType: Array.isArray(type) ? type.join(", ") : (type ?? "none") };
  } catch (err) {
    const codes = errorCodes(err);
    const has = (c: string): boolean => codes.includes(c);
    let host = shown;
    try {
      host = new URL(url).host;
    } catch {
      // keep the shown form
    }
    if (has("ECONNREFUSED")) return { ok: false, reason: `connection refused by ${host}: nothing listens there${o.refusedHint ? ` (${o.refusedHint})` : ""}` };
    if (has("TimeoutError") || has("UND_ERR_CONNECT_TIMEOUT") || has("UND_ERR_HEADERS_TIMEOUT") || has("UND_ERR_BODY_TIMEOUT")) {
      return { ok: false, reason: `${shown} did not answer within ${o.timeoutMs} ms` };
    }
    if (has("AbortError")) return { ok: false, reason: `the request to ${shown} was cancelled` };
    if (has("ENOTFOUND") || has("EAI_AGAIN")) return { ok: false, reason: `cannot resolve the host of ${shown}` };
    const code = codes.find((c) => /^[A-Z_]+$/.test(c));
    return { ok: false, reason: `${o.verb ?? "cannot read"} ${shown}${code ? ` (${code})` : ""}` };
  }
}
