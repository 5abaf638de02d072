/**
 * The soak scenario's plan: its duration and windows, the request mix, the short prompts and
 * the canaries. Pure: the driver and the analysis read the same plan, so a run folder
 * re-analysed offline cuts the same windows.
 */
import type { SoakScenarioConfig } from "../../config/schema.js";
import { parseDuration } from "../../config/duration.js";
import { ConfigError } from "../../errors.js";
import { mulberry32 } from "../../metrics/bootstrap.js";

/** Most requests a paced soak may plan: the schedule is computed up front and every record is kept. */
export const MAX_PACED_REQUESTS = 1_000_000;
/** Fewest windows a trend can rest on. */
export const MIN_WINDOWS = 3;
/** Soaks shorter than this get a twelfth of their length as the window, not one minute. */
const AUTO_WINDOW_MS = 60_000;
const AUTO_WINDOWS = 12;

export type SoakMixKind = "conversation" | "short" | "reasoning";

export interface SoakPlan {
  durationMs: number;
  windowMs: number;
  /** Number of full windows the duration holds (a last, shorter one is reported apart). */
  windows: number;
  /** Canary rounds start at 0 and every canaryEveryMs; undefined when canaries are off. */
  canaryEveryMs?: number;
  canaryPrompts: string[];
  /** Cumulative mix weights, in SOAK_MIX order, normalised to end at 1. */
  mix: { kind: SoakMixKind; upTo: number }[];
}

/** Canary prompts: short, with one expected answer a deterministic server repeats word for word. */
export const DEFAULT_CANARY_PROMPTS = [
  "List the first ten prime numbers, separated by commas, and nothing else.",
  "In one sentence, explain what a hash table is.",
  "Translate into French: 'The server has been running for twelve hours.'",
] as const;

function duration(value: string | number, what: string, scenario: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(`scenario "${scenario}": ${what} "${String(value)}" is not a duration; write e.g. "90s", "30m", "2h", "1h30m".`);
  return ms;
}

/** Resolves and checks the plan; throws ConfigError with what to change. */
export function soakPlan(config: SoakScenarioConfig): SoakPlan {
  const durationMs = duration(config.duration, "duration", config.name);
  const windowMs =
    config.window !== undefined
      ? duration(config.window, "window", config.name)
      : durationMs >= AUTO_WINDOWS * AUTO_WINDOW_MS
        ? AUTO_WINDOW_MS
        : durationMs / AUTO_WINDOWS;
  const windows = Math.floor(durationMs / windowMs + 1e-9);
  if (windows < MIN_WINDOWS) {
    throw new ConfigError(
      `scenario "${config.name}": a ${String(config.window)} window leaves ${windows} window(s) in a ${String(config.duration)} soak; a trend needs at least ${MIN_WINDOWS}: shorten the window (at most ${Math.floor(durationMs / MIN_WINDOWS / 1000)} s) or lengthen the soak.`,
    );
  }
  if (config.rate !== undefined && (config.rate * durationMs) / 1000 > MAX_PACED_REQUESTS) {
    throw new ConfigError(
      `scenario "${config.name}": ${config.rate} req/s for ${String(config.duration)} is ${Math.round((config.rate * durationMs) / 1000)} requests; a paced soak plans at most ${MAX_PACED_REQUESTS} (every record is kept for the analysis): lower the rate, shorten the soak, or use a fixed concurrency.`,
    );
  }
  let canaryEveryMs: number | undefined;
  if (config.canary.enabled) {
    canaryEveryMs = config.canary.every !== undefined ? duration(config.canary.every, "canary.every", config.name) : windowMs;
    if (canaryEveryMs > durationMs / 2) {
      throw new ConfigError(`scenario "${config.name}": canaries every ${String(config.canary.every)} run fewer than twice in a ${String(config.duration)} soak; nothing could be compared. Send them more often, or set canary.enabled: false.`);
    }
  }
  const weights: [SoakMixKind, number][] = [
    ["conversation", config.mix.conversation],
    ["short", config.mix.short],
    ["reasoning", config.mix.reasoning],
  ];
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let acc = 0;
  const mix = weights
    .filter(([, w]) => w > 0)
    .map(([kind, w]) => {
      acc += w / total;
      return { kind, upTo: acc };
    });
  const last = mix[mix.length - 1];
  if (last) last.upTo = 1;
  return {
    durationMs,
    windowMs,
    windows,
    ...(canaryEveryMs !== undefined ? { canaryEveryMs } : {}),
    canaryPrompts: config.canary.prompts ?? [...DEFAULT_CANARY_PROMPTS],
    mix,
  };
}

/** The mix kind of request i: a seeded draw per index, so the mix does not depend on timing. */
export function mixKindOf(plan: SoakPlan, seed: number, i: number): SoakMixKind {
  const u = mulberry32((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0)();
  for (const m of plan.mix) if (u < m.upTo) return m.kind;
  return (plan.mix[plan.mix.length - 1] as { kind: SoakMixKind }).kind;
}

const SHORT_TOPICS = [
  "a binary search",
  "the difference between TCP and UDP",
  "why the sky is blue",
  "how a compiler optimises a loop",
  "what a mutex protects",
  "the water cycle",
  "how HTTP caching works",
  "what an index does in a database",
  "the rules of chess castling",
  "how vaccines train the immune system",
  "what a load balancer does",
  "the causes of inflation",
] as const;

/**
 * A short single-turn prompt of about `tokens` tokens (4 characters a token): a question on
 * one of a dozen topics, numbered so no two prompts are identical, padded with context.
 */
export function shortPrompt(i: number, tokens: number): string {
  const topic = SHORT_TOPICS[i % SHORT_TOPICS.length] as string;
  let text = `Request ${i + 1}. Explain ${topic} briefly, for a colleague who asked in passing.`;
  const pad = " Keep it practical and concrete, and mention one common mistake.";
  while (text.length + pad.length <= tokens * 4) text += pad;
  return text;
}
