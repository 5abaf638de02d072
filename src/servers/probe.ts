/**
 * Questions asked of a running server around a grid's runs: empty your prefix cache (so each
 * measured run starts cold), and what is your effective configuration (kept with the cell,
 * so a report says what was really measured, whatever the command line meant to set).
 * Neither ever throws: a server that does not know the question simply has no answer.
 */
import { redact } from "../client/redact.js";
import { printable } from "../config/file-check.js";
import { parseMetricsText } from "../monitor/parse.js";
import { dropAgent, httpExchange, shortAgent } from "./http.js";

/** The server's origin: baseUrl without a trailing /v1 (and slashes). */
function originOf(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "").replace(/\/v1$/, "");
}

const RESET_TIMEOUT_MS = 10_000;

/**
 * Empties the server's prefix cache before a measured run: POST <origin>/reset_prefix_cache
 * (vLLM; only served with VLLM_SERVER_DEV_MODE=1), else POST <origin>/flush_cache (SGLang).
 * Returns "reset" (a 2xx), "not supported" (both answered 404 or 405), or "failed: <status or
 * error>" ("failed: HTTP 400 (Failed to reset prefix cache: …)") — never throws. The whole
 * exchange takes at most timeoutMs (default and ceiling 10 s). origin = baseUrl minus a
 * trailing /v1. An apiKey is sent as a Bearer token.
 */
export async function resetPrefixCache(baseUrl: string, opts: { apiKey?: string; timeoutMs?: number } = {}): Promise<string> {
  const origin = originOf(baseUrl);
  const budget = Math.min(RESET_TIMEOUT_MS, Math.max(1, opts.timeoutMs ?? RESET_TIMEOUT_MS));
  const until = performance.now() + budget;
  const agent = shortAgent(budget);
  try {
    for (const path of ["/reset_prefix_cache", "/flush_cache"]) {
      const left = until - performance.now();
      if (left <= 0) return `failed: no answer within ${budget} ms`;
      const r = await httpExchange(agent, `${origin}${path}`, { method: "POST", timeoutMs: left, maxBytes: 4096, ...(opts.apiKey ? { apiKey: opts.apiKey } : {}) });
      if (!r.ok) return `failed: ${path}: ${r.reason}`;
      if (r.status >= 200 && r.status < 300) return "reset";
      if (r.status === 404 || r.status === 405) continue;
      const detail = printable(redact(errorDetail(r.body), opts.apiKey), { max: 160 });
      return `failed: ${path} answered HTTP ${r.status}${detail ? ` (${detail})` : ""}`;
    }
    return "not supported";
  } finally {
    dropAgent(agent);
  }
}

/** The message of an error body: JSON {message}, {error: {message}}, {detail}, or the text. */
function errorDetail(body: string): string {
  const text = body.trim();
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const err = v.error;
    if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") return (err as { message: string }).message;
    for (const k of ["message", "detail", "error"]) if (typeof v[k] === "string") return v[k] as string;
  } catch {
    // not JSON
  }
  return text;
}

/** What a server says of its own configuration (each part absent when it does not say). */
export interface EffectiveConfig {
  /** GET /version (vLLM, SGLang): {"version": "0.11.0"}. */
  version?: string;
  /** GET /v1/models: the served models, and their context length where the server says it (vLLM's max_model_len). */
  models?: { id: string; maxModelLen?: number }[];
  /** GET /metrics: the labels of vllm:cache_config_info (block_size, enable_prefix_caching, num_gpu_blocks, gpu_memory_utilization, …). */
  cacheConfig?: Record<string, string>;
  /** GET /props (llama.cpp's llama-server): total_slots, n_ctx, model_path (its file name), build_info. */
  llamaProps?: Record<string, string | number>;
  /** When it was asked (ISO 8601). */
  probedAt: string;
}

const PROBE_TIMEOUT_MS = 3_000;
const MAX_BODY = 1024 * 1024;
const MAX_STRING = 200;
const MAX_MODELS = 64;

function asObject(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function finiteNumber(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * What the server says of its own configuration, whatever server it is: GET /version (vLLM
 * {version}), GET /props (llama.cpp: total_slots, n_ctx of default_generation_settings,
 * model_path's file name, build_info), GET /v1/models (ids, max_model_len), GET /metrics
 * (the labels of vllm:cache_config_info as a flat object). The four are asked at once, each
 * with its own timeout (default 3 s); a failed one is absent. Bodies are read up to 1 MB
 * (a longer one counts as failed); strings are escaped (printable), cut to 200 characters,
 * and cleared of the API key. Never throws.
 */
export async function effectiveConfig(baseUrl: string, opts: { apiKey?: string; timeoutMs?: number } = {}): Promise<EffectiveConfig> {
  const origin = originOf(baseUrl);
  const timeoutMs = Math.max(1, opts.timeoutMs ?? PROBE_TIMEOUT_MS);
  const agent = shortAgent(timeoutMs, 4);
  const text = (s: string): string => printable(redact(s, opts.apiKey), { max: MAX_STRING });
  const get = async (url: string): Promise<string | undefined> => {
    try {
      const r = await httpExchange(agent, url, { timeoutMs, maxBytes: MAX_BODY, ...(opts.apiKey ? { apiKey: opts.apiKey } : {}) });
      return r.ok && r.status >= 200 && r.status < 300 && !r.truncated ? r.body : undefined;
    } catch {
      return undefined;
    }
  };
  const json = async (url: string): Promise<Record<string, unknown> | undefined> => {
    const body = await get(url);
    if (body === undefined) return undefined;
    try {
      return asObject(JSON.parse(body));
    } catch {
      return undefined;
    }
  };
  try {
    const [version, props, models, metrics] = await Promise.all([
      json(`${origin}/version`),
      json(`${origin}/props`),
      json(`${baseUrl.replace(/\/+$/, "")}/models`),
      get(`${origin}/metrics`),
    ]);
    const out: EffectiveConfig = { probedAt: new Date().toISOString() };
    if (typeof version?.version === "string") out.version = text(version.version);

    const list = models !== undefined && Array.isArray(models.data) ? models.data : undefined;
    if (list !== undefined) {
      const found: { id: string; maxModelLen?: number }[] = [];
      for (const m of list.slice(0, MAX_MODELS)) {
        const o = asObject(m);
        if (o === undefined || typeof o.id !== "string") continue;
        const len = finiteNumber(o.max_model_len);
        found.push({ id: text(o.id), ...(len !== undefined ? { maxModelLen: len } : {}) });
      }
      if (found.length > 0) out.models = found;
    }

    if (metrics !== undefined) {
      const sample = parseMetricsText(metrics).samples.get("vllm:cache_config_info")?.[0];
      if (sample !== undefined) {
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(sample.labels)) labels[text(k)] = text(v);
        out.cacheConfig = labels;
      }
    }

    if (props !== undefined) {
      const p: Record<string, string | number> = {};
      const slots = finiteNumber(props.total_slots);
      if (slots !== undefined) p.total_slots = slots;
      const nCtx = finiteNumber(asObject(props.default_generation_settings)?.n_ctx) ?? finiteNumber(props.n_ctx);
      if (nCtx !== undefined) p.n_ctx = nCtx;
      if (typeof props.model_path === "string" && props.model_path !== "") p.model_path = text(props.model_path.split(/[/\\]/).pop() ?? props.model_path);
      if (typeof props.build_info === "string") p.build_info = text(props.build_info);
      if (Object.keys(p).length > 0) out.llamaProps = p;
    }
    return out;
  } catch {
    return { probedAt: new Date().toISOString() };
  } finally {
    dropAgent(agent);
  }
}
