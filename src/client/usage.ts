/** Maps the wire `usage` object to the client's Usage (absent or null fields stay absent). */
import type { WireUsage } from "../wire/openai.js";
import type { Usage } from "./types.js";

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** Converts OpenAI usage (with vLLM / llama.cpp details) to Usage; undefined when not an object. */
export function mapUsage(w: WireUsage | null | undefined): Usage | undefined {
  if (w === null || w === undefined || typeof w !== "object") return undefined;
  const u: Usage = {};
  const p = num(w.prompt_tokens);
  const c = num(w.completion_tokens);
  const t = num(w.total_tokens);
  const cached = num(w.prompt_tokens_details?.cached_tokens);
  const reasoning = num(w.completion_tokens_details?.reasoning_tokens);
  if (p !== undefined) u.promptTokens = p;
  if (c !== undefined) u.completionTokens = c;
  if (t !== undefined) u.totalTokens = t;
  if (cached !== undefined) u.cachedTokens = cached;
  if (reasoning !== undefined) u.reasoningTokens = reasoning;
  return u;
}

/**
 * A llama.cpp `timings` object if `v` is one, else undefined. Only its finite numbers are kept
 * (a string, a nested object or an overflowing 1e400 would not survive records.jsonl as a number).
 */
export function asTimings(v: unknown): Record<string, number> | undefined {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k !== "__proto__" && typeof x === "number" && Number.isFinite(x)) out[k] = x;
  }
  return out;
}
