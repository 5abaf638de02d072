/**
 * GET {base}/models: the served models, with typed errors a user can act on
 * (UnreachableError → exit 3, AuthError → exit 2). Used by preflight and listModels.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { AuthError, UnreachableError } from "../errors.js";
import { classifyThrown, errorMessageFromBody, redact, timeoutError } from "./classify.js";
import type { ResolvedEndpoint } from "./endpoint.js";
import type { ErrorKind, Timeouts } from "./types.js";
import { Watchdog } from "./watchdog.js";

/** One served model. */
export interface ModelInfo {
  id: string;
  /** Longest context per request: vLLM `max_model_len`, llama.cpp `meta.n_ctx` (per slot). */
  maxModelLen?: number;
  ownedBy?: string;
}

/** The model list and what the server said about itself. */
export interface ModelListing {
  models: ModelInfo[];
  /** The `Server` response header (e.g. "llama.cpp", "uvicorn"). */
  serverHeader?: string;
  /** The JSON body, verbatim. */
  raw: unknown;
}

/** How to word the errors (the env variable holding the key, if the caller knows it). */
export interface ModelsErrorContext {
  apiKeyEnv?: string | undefined;
  /**
   * Where a key is configured, for "no key was sent" (default: the target's `--api-key-env`
   * flag and `target.api_key_env`; a judge says `judge.api_key_env`).
   */
  keySetting?: string | undefined;
}

/** Where the target's key is named: the flag first (what a newcomer types), then the suite key. */
export const TARGET_KEY_SETTING = "--api-key-env VARIABLE_NAME (or target.api_key_env in a suite)";

const SUFFIX_HINT = "Check the host and port, that the server is running, and that the base URL ends with the API prefix /v1 (for example http://127.0.0.1:8000/v1).";

/** Parses an OpenAI model list (also llama.cpp's, which adds `models` and `meta`). */
export function parseModelList(j: unknown): ModelInfo[] | undefined {
  if (j === null || typeof j !== "object") return undefined;
  const data = (j as { data?: unknown }).data;
  if (!Array.isArray(data)) return undefined;
  const out: ModelInfo[] = [];
  for (const m of data as unknown[]) {
    if (m === null || typeof m !== "object") continue;
    const rec = m as { id?: unknown; max_model_len?: unknown; owned_by?: unknown; meta?: { n_ctx?: unknown } | null };
    if (typeof rec.id !== "string") continue;
    const info: ModelInfo = { id: rec.id };
    const len = typeof rec.max_model_len === "number" ? rec.max_model_len : rec.meta?.n_ctx;
    if (typeof len === "number" && Number.isFinite(len) && len > 0) info.maxModelLen = len;
    if (typeof rec.owned_by === "string") info.ownedBy = rec.owned_by;
    out.push(info);
  }
  return out;
}

function headerValue(h: Dispatcher.ResponseData["headers"], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** GET {base}/models. Throws UnreachableError or AuthError with a message that says how to fix it. */
export async function fetchModels(
  dispatcher: Dispatcher,
  ep: ResolvedEndpoint,
  timeouts: Timeouts,
  ctx: ModelsErrorContext = {},
): Promise<ModelListing> {
  const url = `${ep.display}/models`;
  const sent = performance.now();
  let stopKind: ErrorKind | undefined;
  const ac = new AbortController();
  const dog = new Watchdog(sent, timeouts, (k) => {
    stopKind ??= k;
    ac.abort();
  });
  let status: number;
  let serverHeader: string | undefined;
  let text = "";
  try {
    const res = await dispatcher.request({
      origin: ep.origin,
      path: `${ep.basePath}/models`,
      method: "GET",
      headers: ep.getHeaders,
      signal: ac.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    status = res.statusCode;
    const server = headerValue(res.headers, "server");
    serverHeader = server === undefined ? undefined : redact(server, ep.apiKey);
    const body = res.body as unknown as Readable;
    const decoder = new TextDecoder();
    for await (const chunk of body) {
      dog.activity(performance.now() - sent);
      if (text.length < 4 * 1024 * 1024) text += decoder.decode(chunk as Buffer, { stream: true });
    }
    text += decoder.decode();
  } catch (err) {
    const e =
      stopKind !== undefined
        ? timeoutError(stopKind, timeouts)
        : classifyThrown(err, { headersReceived: false, target: ep.hostPort, secret: ep.apiKey });
    throw new UnreachableError(`cannot reach ${url}: ${e.message}. ${SUFFIX_HINT}`);
  } finally {
    dog.stop();
  }
  text = redact(text, ep.apiKey);
  if (status === 401 || status === 403) {
    const detail = errorMessageFromBody(text);
    const how =
      ep.apiKey === undefined
        ? ctx.apiKeyEnv
          ? `no key was sent: the variable ${ctx.apiKeyEnv} is empty or unset`
          : `no key was sent: put the key in an environment variable and name it with ${ctx.keySetting ?? TARGET_KEY_SETTING}`
        : ctx.apiKeyEnv
          ? `check the value of the environment variable ${ctx.apiKeyEnv}`
          : "check the API key";
    throw new AuthError(`${url} refused the API key (HTTP ${status}${detail ? `: ${detail}` : ""}); ${how}.`);
  }
  if (status < 200 || status >= 300) {
    const detail = errorMessageFromBody(text) ?? text.trim().slice(0, 200);
    throw new UnreachableError(
      `GET ${url} answered HTTP ${status}${detail ? ` (${detail})` : ""}: not an OpenAI-compatible API there. ${SUFFIX_HINT}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UnreachableError(`GET ${url} did not answer JSON, so this is not an OpenAI-compatible API. ${SUFFIX_HINT}`);
  }
  const models = parseModelList(raw);
  if (models === undefined) {
    throw new UnreachableError(`GET ${url} answered JSON without a "data" model list: not an OpenAI-compatible API. ${SUFFIX_HINT}`);
  }
  const out: ModelListing = { models, raw };
  if (serverHeader !== undefined) out.serverHeader = serverHeader;
  return out;
}
