/** The target endpoint: base URL, key, timeouts; and its resolved, ready-to-send form. */
import { Agent } from "undici";
import { ConfigError } from "../errors.js";
import type { ResponseLimits, Timeouts } from "./types.js";

/** Where and how to reach an OpenAI-compatible server. */
export interface Endpoint {
  /** Base URL including the API prefix, e.g. http://127.0.0.1:5002/v1 (a trailing slash is tolerated). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set; never written into results or errors. */
  apiKey?: string;
  timeouts: Timeouts;
  /** Caps on one response (default DEFAULT_RESPONSE_LIMITS). */
  limits?: ResponseLimits;
  /** Most connections the client opens to the server (default 1024); more requests wait in the client. */
  maxConnections?: number;
}

/** Default connection cap of a client's pool (sized for concurrency up to ~1024). */
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** The endpoint parsed once, so requests do no URL work. */
export interface ResolvedEndpoint {
  /** scheme://host:port */
  origin: string;
  /** Path prefix without trailing slash, e.g. "/v1" (may be ""). */
  basePath: string;
  /** The base URL as shown to people: no credentials, no trailing slash. */
  display: string;
  /** host:port, for messages. */
  hostPort: string;
  /** Request headers for JSON POSTs (with the Authorization header when a key is set). */
  jsonHeaders: Record<string, string>;
  /** Request headers for GETs. */
  getHeaders: Record<string, string>;
  apiKey: string | undefined;
}

const KEY_HINT = "put the key in an environment variable and name it with --api-key-env (target.api_key_env)";

/**
 * Why a server URL cannot be used as written, or undefined: credentials (user:password@) and
 * query strings are not sent by shakedown (requests go to BASE/chat/completions) and would
 * be written into the run folder. The message never repeats the URL.
 */
export function urlCredentialProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined; // not a URL at all: the caller says so
  }
  if (url.username !== "" || url.password !== "") {
    return `the URL holds credentials (user:password@host), which would not be sent and would be written into the run folder: remove them and ${KEY_HINT}`;
  }
  if (url.search !== "" || raw.includes("?")) {
    return `the URL has a query string (?…), which would not be sent (requests go to BASE/chat/completions) and would be written into the run folder: remove it; for a key, ${KEY_HINT}`;
  }
  if (url.hash !== "" || raw.includes("#")) return "the URL has a fragment (#…): remove it";
  return undefined;
}

/** The URL with any user:password@, query and fragment cut off, for messages about a URL that was refused. */
export function urlForDisplay(raw: string): string {
  return raw.replace(/^((?:[a-z][a-z0-9+.-]*:)?\/\/)?[^/?#]*@/i, "$1").replace(/[?#].*$/s, "");
}

/** Parses and checks the base URL; throws ConfigError (exit 2) when it is not a usable http(s) URL. */
export function resolveEndpoint(e: Endpoint): ResolvedEndpoint {
  let url: URL;
  try {
    url = new URL(e.baseUrl);
  } catch {
    throw new ConfigError(
      `the target URL "${urlForDisplay(e.baseUrl)}" is not a URL: give the server's base URL with its API prefix, for example http://127.0.0.1:8000/v1`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`the target URL "${url.protocol}//${url.host}${url.pathname}" must start with http:// or https://`);
  }
  const problem = urlCredentialProblem(e.baseUrl);
  if (problem !== undefined) throw new ConfigError(`the target URL ${urlForDisplay(e.baseUrl)}: ${problem}`);
  const basePath = url.pathname.replace(/\/+$/, "");
  const apiKey = e.apiKey !== undefined && e.apiKey !== "" ? e.apiKey : undefined;
  const auth: Record<string, string> = apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {};
  return {
    origin: url.origin,
    basePath,
    display: `${url.origin}${basePath}`,
    hostPort: url.host,
    jsonHeaders: { "content-type": "application/json", accept: "application/json, text/event-stream", ...auth },
    getHeaders: { accept: "application/json", ...auth },
    apiKey,
  };
}

/** A dedicated keep-alive pool for one client. */
export function createAgent(e: Endpoint): Agent {
  const connectMs = e.timeouts.connectMs;
  return new Agent({
    connections: e.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    pipelining: 1,
    // below the 5 s idle timeout of uvicorn (vLLM) and llama.cpp, so the client never
    // sends on a connection the server is closing (POSTs are not retried)
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    // the client enforces its own first-byte / between-tokens / total deadlines
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: { timeout: Number.isFinite(connectMs) && connectMs > 0 ? connectMs : 0 },
  });
}
