/**
 * Synthetic prompts of the load scenario: about `input_tokens` tokens each (≈ 4 characters
 * a token, an English-like estimate; the server's usage gives the true count), deterministic
 * by seed. Each prompt starts with a nonce unique to the request, so no two prompts share a
 * prefix and no prefix cache can serve one from another.
 */
import { mulberry32 } from "../../metrics/bootstrap.js";

const WORDS = [
  "the", "model", "serves", "a", "request", "under", "load", "and", "each", "token",
  "is", "timed", "from", "when", "it", "was", "meant", "to", "leave", "queue",
  "batch", "cache", "block", "decode", "step", "with", "more", "than", "one", "server",
] as const;

/** Characters per token assumed when sizing prompts. */
export const CHARS_PER_TOKEN = 4;

/** The shared body of the prompts (deterministic by seed), about `chars` characters long. */
export function fillerText(chars: number, seed: number): string {
  const rand = mulberry32(seed ^ 0x10ad);
  const parts: string[] = [];
  let len = 0;
  while (len < chars) {
    const w = WORDS[Math.floor(rand() * WORDS.length)]!;
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(" ").slice(0, Math.max(0, chars));
}

/** Builds request i's prompt: a unique nonce, then the filler, about `inputTokens` tokens in all. */
export function promptFactory(inputTokens: number, seed: number): (index: number) => string {
  const target = inputTokens * CHARS_PER_TOKEN;
  // The nonce takes about 24 characters; the filler fills the rest (at least a few words).
  const filler = fillerText(Math.max(8, target - 24), seed);
  const salt = (mulberry32(seed)() * 0xffffffff) >>> 0;
  return (index) => `[r${index} ${salt.toString(16).padStart(8, "0")}] ${filler}`;
}
