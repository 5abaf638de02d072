/**
 * Request sources of the load scenario: synthetic prompts of exact token lengths, a
 * ShareGPT JSON file (vLLM's `--dataset-name sharegpt`), or a JSONL file of prompts.
 *
 * `loadDataset(cfg, requests)` does all the work up front (before the clock starts) and
 * returns `{ get, info }`: `get(i)` gives request i, deterministically by seed, and is cheap
 * (no tokenizing; microseconds), so the driver may call it just before sending each request;
 * `info` says what was read, used and skipped (and why), for the report.
 *
 * - synthetic: each prompt is a string of whole words, every one a single token with or
 *   without its leading space in the named tokenizer. The tokenizers' pre-tokenizer (the
 *   GPT-4-style split regex of Qwen3 and Llama 3) cuts the text before every " word", and
 *   BPE never merges across those cuts, so a prompt of n words is exactly n tokens, by
 *   construction, with no encoding per request. The loader still checks it: it re-encodes a
 *   few prompts in full, and should any count differ (a future tokenizer) it switches to
 *   fitting every prompt by re-encoding (adding or removing filler words until the count
 *   is exact; slower: a few ms a prompt of 1k tokens). Layout of a prompt:
 *   `[shared prefix: prefix_tokens words][nonce: L words][filler]`. The nonce writes the
 *   request index in base V, least significant digit first (V = 237 words in Qwen3 and
 *   Llama 3; L = the fewest words that number `requests` indexes), so two prompts share
 *   nothing past the prefix but at most L − 1 nonce tokens, and no prefix cache serves one
 *   from another. Indexes past V^L wrap (duplicates). With `approx` the lengths are
 *   estimates (4 characters a token), as the old `prompts.ts` did.
 * - sharegpt: the file is one JSON array. It is scanned in chunks (never read whole: the
 *   650 MB ShareGPT_V3 would not fit one JavaScript string), keeping only each entry's byte
 *   span (≈ 30 bytes an entry); entries are then read, parsed and tokenized in seeded
 *   shuffled order until `requests` of them pass the filters, so the cost grows with the
 *   requests used, not the file. Tokenizing is ≈ 3-7 µs a token (≈ 2-4 s for 1000
 *   requests of ShareGPT). Prompt = the first human turn; outputTokens = the token length
 *   of the first reply after it.
 * - jsonl: read in 4 MiB chunks and validated whole (every line is checked, so a bad line
 *   anywhere is reported); entries are held in memory; only the ones used are tokenized.
 *
 * `validateDataset(cfg, requests)` runs before the run connects to the target (the load
 * scenario's validate): synchronous, no tokenizer loaded, it checks the file (file-check.ts:
 * a regular file, within FILE_LIMITS, not binary) and every entry, so a bad dataset in the
 * last scenario of a suite fails before the first request. What it read (the ShareGPT index,
 * the JSONL entries) is kept for loadDataset while the file's size and time are unchanged.
 *
 * File sources cycle when `requests` exceeds the usable entries: request i is entry
 * (i mod used) of the seeded shuffle, and repeats of a prompt can hit a prefix cache
 * (`info.notes` says so). Every user mistake throws ConfigError (file:line where there is
 * one). Token counts here size the workload; the server's usage is what the report counts.
 */
import { isUtf8 } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import { checkUserFile, FILE_LIMITS, firstInvalidUtf8, printable, type UserFileSpec } from "../config/file-check.js";
import { ConfigError } from "../errors.js";
import { mulberry32 } from "../metrics/bootstrap.js";
import type { WireMessage } from "../wire/openai.js";
import { APPROX_CHARS_PER_TOKEN, approxTokenizer, loadTokenizer, type TextTokenizer, type TokenCounter, type TokenizerName } from "./tokenizers.js";

export const DATASET_SOURCES = ["synthetic", "sharegpt", "jsonl"] as const;
export type DatasetSource = (typeof DATASET_SOURCES)[number];

export interface DatasetRequest {
  messages: WireMessage[];
  /** Prompt tokens as counted by the tokenizer on the message contents (no chat template), when a real tokenizer counted them. */
  inputTokens?: number;
  /** Synthetic prompts: the prompt length asked (input_tokens with its spread), whatever the tokenizer (approx: an estimate). */
  askedInputTokens?: number;
  /** Reply length to ask (max_tokens; with min_tokens + ignore_eos for exact lengths); undefined = the scenario's output_tokens. */
  outputTokens?: number;
}

export interface SyntheticDatasetConfig {
  source: "synthetic";
  input_tokens: number;
  output_tokens: number;
  tokenizer: TokenizerName;
  /** Uniform spread of the input length: [n·(1−s), n·(1+s)], 0 ≤ s < 1 (vLLM's range ratio). Default 0. */
  input_spread?: number;
  output_spread?: number;
  seed: number;
  /** A prefix of this many tokens shared by every prompt (to exercise a prefix cache). Default 0. */
  prefix_tokens?: number;
}

export interface ShareGptDatasetConfig {
  source: "sharegpt";
  path: string;
  seed: number;
  /** Skip entries whose prompt has more tokens than this. */
  max_input_tokens?: number;
  /** Skip entries whose reply has more tokens than this. */
  max_output_tokens?: number;
  /** Counts tokens for the filters and the reply lengths; default approx. */
  tokenizer?: TokenizerName;
}

export interface JsonlDatasetConfig {
  source: "jsonl";
  path: string;
  seed: number;
  /** Counts prompt tokens (inputTokens); default approx (no counts). */
  tokenizer?: TokenizerName;
}

export type DatasetConfig = SyntheticDatasetConfig | ShareGptDatasetConfig | JsonlDatasetConfig;

/** What a dataset read, used and skipped, for the report. */
export interface DatasetInfo {
  source: DatasetSource;
  /** The file, for file sources. */
  path?: string;
  tokenizer: TokenizerName;
  /** Where a `server` tokenizer counted (its /tokenize endpoint). */
  tokenizerVia?: string;
  /** True when inputTokens are exact counts by a real tokenizer (false: estimates or none). */
  exactCounts: boolean;
  /**
   * The chat template's tokens around one user message, measured through the server before
   * the run (added by the load driver when the server can tell): usage.prompt_tokens minus
   * this is the prompt's own length as the server counted it.
   */
  templateTokens?: { count: number; via: string };
  /** Entries in the file (synthetic: the requests asked for). */
  entries: number;
  /** Entries looked at to fill the requests (ShareGPT stops once it has enough). */
  examined: number;
  /** Distinct entries the requests use (requests past this cycle over them). */
  used: number;
  /** Entries left out, by reason (see SKIP_REASONS). */
  skipped: Record<string, number>;
  /** Plain-language remarks worth a line in the report. */
  notes: string[];
}

export interface LoadedDataset {
  /** Request i (any i ≥ 0; deterministic by seed). Cheap: no tokenizing. */
  get(index: number): DatasetRequest;
  info: DatasetInfo;
}

/** Why an entry was skipped (keys of DatasetInfo.skipped). */
export const SKIP_REASONS = {
  too_few_turns: "fewer than 2 turns",
  no_prompt_reply: "no human turn followed by a reply",
  empty_text: "empty prompt or reply",
  prompt_too_short: "prompt under 4 tokens",
  output_too_short: "reply under 4 tokens",
  prompt_too_long: "prompt over max_input_tokens",
  output_too_long: "reply over max_output_tokens",
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

/** vLLM's shortest prompt and reply kept from ShareGPT (is_valid_sequence's min_len). */
export const SHAREGPT_MIN_TOKENS = 4;

const CODE = "SHAKEDOWN_DATASET_INVALID";

/** What a dataset may need beyond its config. */
export interface DatasetOptions {
  /** Counts tokens for `tokenizer: server` (the served model's tokenizer through its /tokenize). */
  counter?: TokenCounter;
}

/**
 * Counts tokens for a dataset: a local tokenizer (synchronous, `tok`) or the server's
 * (asynchronous, `counter`); `countMany` works with both.
 */
interface Counting {
  name: TokenizerName;
  exact: boolean;
  /** The local tokenizer; undefined for the server's. */
  tok?: TextTokenizer;
  countMany(texts: readonly string[]): Promise<number[]>;
  via?: string;
  /** What caches of its answers are keyed by (the counter or the tokenizer): one per process, not per load. */
  key: object;
}

async function counting(name: TokenizerName, opts: DatasetOptions): Promise<Counting> {
  if (name === "server") {
    const counter = opts.counter;
    if (!counter) throw new Error("dataset: tokenizer server needs the server's /tokenize (no token counter was given)");
    return { name, exact: true, countMany: (texts) => counter.countMany(texts), via: counter.via, key: counter };
  }
  const tok = await loadTokenizer(name);
  return { name, exact: tok.exact, tok, countMany: async (texts) => texts.map((t) => tok.count(t)), key: tok };
}

/** Loads a dataset (see the file's comment). Throws ConfigError on any bad input. */
export async function loadDataset(cfg: DatasetConfig, requests: number, opts: DatasetOptions = {}): Promise<LoadedDataset> {
  if (!Number.isInteger(requests) || requests < 1) throw new RangeError(`requests must be a positive integer, got ${requests}`);
  if (!Number.isInteger(cfg.seed)) throw new ConfigError(`dataset: seed must be an integer, got ${cfg.seed}`, CODE);
  const loaded =
    cfg.source === "synthetic" ? await loadSynthetic(cfg, requests, opts) : cfg.source === "sharegpt" ? await loadShareGpt(cfg, requests, opts) : await loadJsonl(cfg, requests, opts);
  const get = loaded.get;
  return {
    info: loaded.info,
    get(index) {
      if (!Number.isInteger(index) || index < 0) throw new RangeError(`dataset request index must be a non-negative integer, got ${index}`);
      return get(index);
    },
  };
}

/** A dataset config as known before the run: the tokenizer may still be "auto" (it needs the served model's name). */
export type DatasetCheckConfig = WithTokenizerChoice<DatasetConfig>;
type WithTokenizerChoice<C> = C extends unknown ? Omit<C, "tokenizer"> & { tokenizer?: TokenizerName | "auto" } : never;

/**
 * Checks a dataset before the run starts, synchronously and without loading a tokenizer,
 * so that a bad dataset fails before the first request of the suite (not when its scenario
 * comes): the knobs of a synthetic dataset (and that its prompts can hold the shared prefix
 * and the nonce), and for file sources the whole file (file-check.ts's checks, then every
 * entry, and at least one usable prompt). What it read is kept for loadDataset when the
 * file has not changed. Throws ConfigError.
 */
export function validateDataset(cfg: DatasetCheckConfig, requests: number): void {
  if (!Number.isInteger(cfg.seed)) throw new ConfigError(`dataset: seed must be an integer, got ${cfg.seed}`, CODE);
  if (cfg.source === "synthetic") validateSynthetic(cfg, requests);
  else if (cfg.source === "sharegpt") validateShareGpt(cfg);
  else validateJsonl(cfg);
}

// ───────────────────────────── seeded helpers ─────────────────────────────

/** A 32-bit integer hash (a murmur3 finaliser): well-mixed seeds for per-index streams. */
function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** A uniform in [0, 1) for (seed, stream, index), with no state: any index, any order. */
function uniformAt(seed: number, stream: number, index: number): number {
  return mix32(mix32(mix32(seed >>> 0) ^ stream) ^ (index >>> 0)) / 4294967296;
}

/** Shuffles in place, seeded (Fisher-Yates), and returns the array. */
function shuffleInPlace<A extends { [i: number]: unknown; length: number }>(xs: A, seed: number): A {
  const rand = mulberry32(seed ^ 0x5ca1ab1e);
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = xs[i];
    xs[i] = xs[j];
    xs[j] = t;
  }
  return xs;
}

/** A seeded permutation of 0..n−1. */
function shuffledIndexes(n: number, seed: number): Uint32Array {
  return shuffleInPlace(Uint32Array.from({ length: n }, (_, i) => i), seed);
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  return shuffleInPlace(xs.slice(), seed);
}

/** Integer length in [floor(n(1−s)), ceil(n(1+s))], uniform (vLLM's random dataset). */
function spreadRange(n: number, spread: number, min: number): [number, number] {
  return [Math.max(min, Math.floor(n * (1 - spread))), Math.max(min, Math.ceil(n * (1 + spread)))];
}

function cyclingNote(used: number, requests: number): string[] {
  if (requests <= used) return [];
  const times = (requests / used).toFixed(1);
  return [`${used} usable entries for ${requests} requests: each prompt is sent about ${times} times, and repeats can be served by a prefix cache`];
}

// ───────────────────────────── synthetic ─────────────────────────────

/**
 * Common English words, lowercase letters only. Those that are one token both alone and
 * after a space in the tokenizer at hand make the vocabulary (237 of 243 in Qwen3 and Llama 3).
 */
const WORDS = (
  "the of and to in is was for on that with as by at from it be this are or an not which have has had but were " +
  "their they one all its been more also can there when who would other into time some what first new only after " +
  "may most over years two these any than such about used between many where both during through before made year " +
  "well then under while three city state people work world part found because each same since area life known " +
  "including later him them few very based using own high long way group along four among family school country war " +
  "number small national age water system point form show story play place great home team game south north east " +
  "west early late name music day hand line light road power office house head body side market case field idea " +
  "order party level view model request server token batch cache block queue load step time page data table list " +
  "river stone green blue red black white open close start end left right top bottom round square paper glass " +
  "summer winter spring autumn morning evening night garden window door floor wall bridge street train plane ship " +
  "bread milk apple coffee tea sugar salt fire wind rain snow cloud sun moon star tree flower grass bird fish horse " +
  "dog cat mouse book letter word sound voice song dance picture color plan rule test price cost value money bank"
).split(" ");

/** The smallest number of words of base `v` that write every index below `requests`. */
function nonceLength(requests: number, v: number): number {
  let len = 1;
  let span = v;
  while (span < requests) {
    len++;
    span *= v;
  }
  return len;
}

interface SyntheticPlan {
  /** Prompt tokens of request i. */
  inputAt(i: number): number;
  outputAt(i: number): number;
  minInput: number;
  maxInput: number;
}

function syntheticPlan(cfg: Pick<SyntheticDatasetConfig, "input_spread" | "output_spread" | "input_tokens" | "output_tokens" | "seed">): SyntheticPlan {
  const inSpread = cfg.input_spread ?? 0;
  const outSpread = cfg.output_spread ?? 0;
  for (const [k, v] of [["input_spread", inSpread], ["output_spread", outSpread]] as const) {
    if (!(v >= 0 && v < 1)) throw new ConfigError(`dataset: ${k} must be at least 0 and below 1 (a fraction of the length), got ${v}`, CODE);
  }
  for (const [k, v] of [["input_tokens", cfg.input_tokens], ["output_tokens", cfg.output_tokens]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`dataset: ${k} must be a positive integer, got ${v}`, CODE);
  }
  const [inLo, inHi] = spreadRange(cfg.input_tokens, inSpread, 1);
  const [outLo, outHi] = spreadRange(cfg.output_tokens, outSpread, 1);
  const seed = cfg.seed;
  return {
    inputAt: (i) => (inLo === inHi ? inLo : inLo + Math.floor(uniformAt(seed, 0x11, i) * (inHi - inLo + 1))),
    outputAt: (i) => (outLo === outHi ? outLo : outLo + Math.floor(uniformAt(seed, 0x22, i) * (outHi - outLo + 1))),
    minInput: inLo,
    maxInput: inHi,
  };
}

/** The words of `count` seeded draws from `vocab`. */
function drawWords(vocab: readonly string[], count: number, rand: () => number): string[] {
  return Array.from({ length: count }, () => vocab[Math.floor(rand() * vocab.length)]!);
}

async function loadSynthetic(cfg: SyntheticDatasetConfig, requests: number, opts: DatasetOptions): Promise<LoadedDataset> {
  const plan = syntheticPlan(cfg);
  const prefixTokens = cfg.prefix_tokens ?? 0;
  if (!Number.isInteger(prefixTokens) || prefixTokens < 0) throw new ConfigError(`dataset: prefix_tokens must be a non-negative integer, got ${prefixTokens}`, CODE);
  const c = await counting(cfg.tokenizer, opts);
  const info: DatasetInfo = {
    source: "synthetic", tokenizer: c.name, ...(c.via ? { tokenizerVia: c.via } : {}), exactCounts: c.exact, entries: requests, examined: requests, used: requests, skipped: {}, notes: [],
  };
  const make = c.tok
    ? c.tok.exact
      ? exactSynthetic(c.tok, cfg, plan, prefixTokens, requests, info)
      : approxSynthetic(cfg, plan, prefixTokens, requests)
    : await serverSynthetic(c, cfg, plan, prefixTokens, requests, info);
  return { get: make, info };
}

/**
 * A synthetic dataset's knobs, checked before the run. The nonce check uses the most words
 * a vocabulary can have (every distinct word of WORDS), so its nonce length is a lower
 * bound: what fails here fails at load too; a borderline case is caught by the load.
 * With the approx tokenizer, prompts are sized in characters and the load does not refuse.
 */
function validateSynthetic(cfg: DatasetCheckConfig & { source: "synthetic" }, requests: number): void {
  const plan = syntheticPlan(cfg);
  const prefixTokens = cfg.prefix_tokens ?? 0;
  if (!Number.isInteger(prefixTokens) || prefixTokens < 0) throw new ConfigError(`dataset: prefix_tokens must be a non-negative integer, got ${prefixTokens}`, CODE);
  if (cfg.tokenizer === "approx") return;
  // (auto and server may end up exact: the check holds for any vocabulary, see above.)
  const nonceLen = nonceLength(requests, new Set(WORDS).size);
  const fixed = prefixTokens + nonceLen;
  if (plan.minInput < fixed) {
    throw new ConfigError(
      `dataset: prompts of ${plan.minInput} tokens (input_tokens with its spread) cannot hold the shared prefix (${prefixTokens} tokens) and the ${nonceLen}-token nonce that keeps ${requests} prompts distinct; raise input_tokens to at least ${fixed}, or lower prefix_tokens or input_spread`,
      CODE,
    );
  }
}

const vocabularies = new WeakMap<TextTokenizer, string[]>();

/** Words that are a single token both alone and after a space: joined by spaces, n words = n tokens. */
function singleTokenWords(tok: TextTokenizer): string[] {
  let v = vocabularies.get(tok);
  if (!v) {
    v = WORDS.filter((w, i) => WORDS.indexOf(w) === i && tok.count(w) === 1 && tok.count(" " + w) === 1);
    vocabularies.set(tok, v);
  }
  return v;
}

/**
 * The word-built prompts of a vocabulary of single-token words: `build(index, n)` is n tokens
 * by construction (when the tokenizer splits at " word" boundaries), `text(index, k)` the
 * prompt with k filler words (for fitting by re-encoding otherwise).
 */
interface SyntheticBuilder {
  /** Tokens every prompt holds before its filler: the shared prefix and the nonce. */
  fixed: number;
  fillerCount: number;
  build(index: number, n: number): string;
  text(index: number, fillerWords: number): string;
}

function syntheticBuilder(vocab: readonly string[], tokName: TokenizerName, cfg: SyntheticDatasetConfig, plan: SyntheticPlan, prefixTokens: number, requests: number): SyntheticBuilder {
  if (vocab.length < 32) throw new Error(`tokenizer ${tokName}: only ${vocab.length} single-token words; synthetic prompts need a vocabulary`);
  const nonceVocab = shuffled(vocab, cfg.seed ^ 0x6e6f6e63);
  const v = nonceVocab.length;
  const nonceLen = nonceLength(requests, v);
  const fixed = prefixTokens + nonceLen;
  if (plan.minInput < fixed) {
    throw new ConfigError(
      `dataset: prompts of ${plan.minInput} tokens (input_tokens with its spread) cannot hold the shared prefix (${prefixTokens} tokens) and the ${nonceLen}-token nonce that keeps ${requests} prompts distinct; raise input_tokens to at least ${fixed}, or lower prefix_tokens or input_spread`,
      CODE,
    );
  }
  const rand = mulberry32(cfg.seed ^ 0x7e47);
  // Every piece is " word" (leading space); the content drops the very first space.
  const prefix = prefixTokens > 0 ? " " + drawWords(vocab, prefixTokens, rand).join(" ") : "";
  const fillerCount = plan.maxInput - fixed;
  const filler = drawWords(vocab, fillerCount, rand);
  // offsets[k] = length of the filler's first k words, each with its leading space.
  const offsets = new Uint32Array(fillerCount + 1);
  for (let k = 0; k < fillerCount; k++) offsets[k + 1] = offsets[k]! + 1 + filler[k]!.length;
  const fillerText = fillerCount > 0 ? " " + filler.join(" ") : "";
  const salt = Array.from({ length: nonceLen }, (_, j) => Math.floor(uniformAt(cfg.seed, 0x33 + j, 0) * v));

  const nonce = (index: number): string => {
    let s = "";
    let x = index;
    for (let j = 0; j < nonceLen; j++) {
      s += " " + nonceVocab[(x + salt[j]!) % v]!;
      x = Math.floor(x / v);
    }
    return s;
  };
  const text = (index: number, k: number): string => (prefix + nonce(index) + fillerText.slice(0, offsets[k]!)).slice(1);
  return { fixed, fillerCount, text, build: (index, n) => text(index, n - fixed) };
}

/** The prompts whose counts check the construction: the longest, the shortest, one between. */
function samplePrompts(plan: SyntheticPlan, requests: number): [number, number][] {
  const mid = Math.floor(requests / 2);
  return [[0, plan.maxInput], [requests - 1, plan.minInput], [mid, plan.inputAt(mid)]];
}

const FIT_NOTE = (name: string) => `the ${name} tokenizer does not split these prompts at word boundaries; each prompt is fitted by re-encoding it (slower)`;

function exactSynthetic(tok: TextTokenizer, cfg: SyntheticDatasetConfig, plan: SyntheticPlan, prefixTokens: number, requests: number, info: DatasetInfo): (i: number) => DatasetRequest {
  const b = syntheticBuilder(singleTokenWords(tok), tok.name, cfg, plan, prefixTokens, requests);
  // The construction is exact by the pre-tokenizer's rule; check it on a few prompts anyway.
  const fits = samplePrompts(plan, requests).every(([i, n]) => tok.count(b.build(i, n)) === n);
  if (!fits) info.notes.push(FIT_NOTE(tok.name));

  /** Re-encodes and adds or drops filler words until the prompt is n tokens. */
  const fit = (index: number, n: number): string => {
    let words = Math.min(n - b.fixed, b.fillerCount);
    let count = tok.count(b.text(index, words));
    for (let tries = 0; count !== n && tries < 64; tries++) {
      words = Math.max(0, Math.min(b.fillerCount, words + (n - count)));
      count = tok.count(b.text(index, words));
    }
    if (count !== n) throw new Error(`synthetic prompt ${index}: could not fit ${n} ${tok.name} tokens (got ${count})`);
    return b.text(index, words);
  };

  return (index) => {
    const n = plan.inputAt(index);
    const content = fits ? b.build(index, n) : fit(index, n);
    return { messages: [{ role: "user", content }], inputTokens: n, askedInputTokens: n, outputTokens: plan.outputAt(index) };
  };
}

const serverVocabularies = new WeakMap<object, Promise<string[]>>();

/** The single-token words of the server's tokenizer (alone and after a space), asked once per counter. */
function serverSingleTokenWords(c: Counting): Promise<string[]> {
  let p = serverVocabularies.get(c.key);
  if (!p) {
    const words = [...new Set(WORDS)];
    p = c.countMany([...words, ...words.map((w) => " " + w)]).then((counts) => words.filter((_, i) => counts[i] === 1 && counts[words.length + i] === 1));
    p.catch(() => serverVocabularies.delete(c.key));
    serverVocabularies.set(c.key, p);
  }
  return p;
}

/**
 * Synthetic prompts sized by the server's tokenizer: the same construction, its vocabulary
 * chosen by the server's counts and checked on a few prompts; should the server's tokenizer
 * not split at word boundaries, every prompt is fitted before the run (counts through the
 * server, all prompts of a round at once, at most 64 rounds) and its filler length kept.
 */
async function serverSynthetic(c: Counting, cfg: SyntheticDatasetConfig, plan: SyntheticPlan, prefixTokens: number, requests: number, info: DatasetInfo): Promise<(i: number) => DatasetRequest> {
  const b = syntheticBuilder(await serverSingleTokenWords(c), c.name, cfg, plan, prefixTokens, requests);
  const samples = samplePrompts(plan, requests);
  const counts = await c.countMany(samples.map(([i, n]) => b.build(i, n)));
  const fits = samples.every(([, n], k) => counts[k] === n);
  let fillerWords: Uint32Array | undefined;
  if (!fits) {
    info.notes.push(FIT_NOTE(c.name));
    fillerWords = new Uint32Array(requests);
    const want = Array.from({ length: requests }, (_, i) => plan.inputAt(i));
    for (let i = 0; i < requests; i++) fillerWords[i] = Math.min(want[i]! - b.fixed, b.fillerCount);
    let open = Array.from({ length: requests }, (_, i) => i);
    for (let round = 0; open.length > 0 && round < 64; round++) {
      const got = await c.countMany(open.map((i) => b.text(i, fillerWords![i]!)));
      const next: number[] = [];
      open.forEach((i, k) => {
        const diff = want[i]! - got[k]!;
        if (diff === 0) return;
        fillerWords![i] = Math.max(0, Math.min(b.fillerCount, fillerWords![i]! + diff));
        next.push(i);
      });
      open = next;
    }
    if (open.length > 0) throw new Error(`synthetic prompt ${open[0]}: could not fit ${want[open[0]!]} tokens by the server's tokenizer`);
  }
  return (index) => {
    const n = plan.inputAt(index);
    // Indexes past the prompts fitted (a stage sending more than planned) are built without fitting.
    const k = fillerWords && index < fillerWords.length ? fillerWords[index]! : n - b.fixed;
    return { messages: [{ role: "user", content: b.text(index, k) }], inputTokens: n, askedInputTokens: n, outputTokens: plan.outputAt(index) };
  };
}

/** Estimated lengths: about 4 characters a token; the shared prefix, the nonce words, then filler. */
function approxSynthetic(cfg: SyntheticDatasetConfig, plan: SyntheticPlan, prefixTokens: number, requests: number): (i: number) => DatasetRequest {
  const rand = mulberry32(cfg.seed ^ 0x7e47);
  const chars = (tokens: number): number => tokens * APPROX_CHARS_PER_TOKEN;
  const wordsText = (len: number): string => {
    let s = "";
    while (s.length < len + 1) s += " " + WORDS[Math.floor(rand() * WORDS.length)]!;
    return s.slice(1, len + 1);
  };
  const prefix = prefixTokens > 0 ? wordsText(chars(prefixTokens) - 1) + " " : "";
  const filler = wordsText(chars(plan.maxInput));
  const nonceVocab = shuffled([...new Set(WORDS)], cfg.seed ^ 0x6e6f6e63);
  const v = nonceVocab.length;
  const nonceLen = nonceLength(requests, v);
  const salt = Array.from({ length: nonceLen }, (_, j) => Math.floor(uniformAt(cfg.seed, 0x33 + j, 0) * v));
  return (index) => {
    let nonce = "";
    for (let j = 0, x = index; j < nonceLen; j++, x = Math.floor(x / v)) nonce += nonceVocab[(x + salt[j]!) % v]! + " ";
    const n = plan.inputAt(index);
    const room = Math.max(0, chars(n) - prefix.length - nonce.length);
    return { messages: [{ role: "user", content: prefix + nonce + filler.slice(0, room) }], askedInputTokens: n, outputTokens: plan.outputAt(index) };
  };
}

// ───────────────────────────── file helpers ─────────────────────────────

const SHAREGPT_SHAPE = 'a ShareGPT file is one JSON array: [{"id": …, "conversations": [{"from": "human", "value": …}, {"from": "gpt", "value": …}]}, …]';

/** What each file source is, for file-check.ts (datasets may be large: their limits are FILE_LIMITS.sharegpt and .jsonl). */
function fileSpec(source: "sharegpt" | "jsonl"): UserFileSpec {
  const fix = "check the dataset path (relative paths are from the current directory)";
  return source === "sharegpt"
    ? { what: "ShareGPT dataset", maxBytes: FILE_LIMITS.sharegpt, expected: SHAREGPT_SHAPE, code: CODE, fix }
    : { what: "JSONL dataset", maxBytes: FILE_LIMITS.jsonl, expected: `a JSONL dataset has one prompt a line: ${JSONL_HELP}`, code: CODE, fix };
}

/**
 * Checks the path (a regular file, not too large, not binary: file-check.ts) and returns a
 * stamp (size and modification time) that says whether an earlier read of it still holds.
 */
function checkDatasetFile(path: string, source: "sharegpt" | "jsonl"): string {
  const f = checkUserFile(path, fileSpec(source));
  return `${resolvePath(path)}\0${f.size}\0${f.mtimeMs}`;
}

/**
 * What validateDataset read, by file stamp, so that the load does not read it again: the
 * ShareGPT index (small: three numbers an entry), the JSONL entries (taken by the first
 * load that uses them, so they are not held for the whole run).
 */
const validatedIndexes = new Map<string, ArrayIndex>();
/** ShareGPT files whose every entry was checked (by stamp and length filters): a second scenario on the same file is not checked again. */
const validatedShareGpt = new Set<string>();
const validatedJsonl = new Map<string, JsonlEntry[]>();

/** One line of JSON.parse's complaint, with any control character of the file escaped. */
function jsonReason(err: unknown): string {
  return printable((err as Error).message, { max: 200 });
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "string") return "a string";
  return typeof x === "object" ? "an object" : `a ${typeof x}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

// ───────────────────────────── ShareGPT ─────────────────────────────

/** Byte spans of the elements of the file's top-level JSON array, with their first lines. */
interface ArrayIndex {
  starts: number[];
  ends: number[];
  lines: number[];
}

const BYTE = {
  lf: 0x0a, cr: 0x0d, tab: 0x09, space: 0x20, quote: 0x22, backslash: 0x5c, comma: 0x2c,
  lbrace: 0x7b, rbrace: 0x7d, lbracket: 0x5b, rbracket: 0x5d,
} as const;

const isSpace = (b: number): boolean => b === BYTE.space || b === BYTE.lf || b === BYTE.cr || b === BYTE.tab;

/**
 * Scans a file holding one JSON array of objects, chunk by chunk (`feed`), and records
 * where each element starts and ends. It follows strings and nesting only; each element's
 * own syntax is checked when it is parsed. UTF-8 continuation bytes are ≥ 0x80, so they
 * never look like a quote or a bracket. Fed by a synchronous reader (validateDataset) or
 * an asynchronous one (loadDataset).
 */
class JsonArrayScanner {
  readonly out: ArrayIndex = { starts: [], ends: [], lines: [] };
  private pos = 0;
  private line = 1;
  private state: "before" | "array" | "after" = "before";
  private depth = 0;
  private inString = false;
  private escape = false;
  private first = true;

  constructor(private readonly path: string) {}

  /** Scans the next `view.length` bytes of the file. */
  feed(view: Buffer): void {
    const bytesRead = view.length;
    const path = printable(this.path);
    let i = 0;
    if (this.first && bytesRead >= 3 && view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf) i = 3; // BOM
    this.first = false;
    const out = this.out;
    const pos = this.pos;
    let { line, depth, inString, escape, state } = this;
    // Next quote and backslash at or after i, found natively and cached (strings are most of the bytes).
    let nextQuote = -1;
    let nextBackslash = -1;
    while (i < bytesRead) {
      if (inString) {
        if (escape) {
          escape = false;
          i++;
          continue;
        }
        if (nextQuote < i) nextQuote = view.indexOf(BYTE.quote, i) >>> 0; // -1 → 2^32 − 1: past the chunk
        if (nextBackslash < i) nextBackslash = view.indexOf(BYTE.backslash, i) >>> 0;
        if (nextBackslash < nextQuote && nextBackslash < bytesRead) {
          escape = true;
          i = nextBackslash + 1;
        } else if (nextQuote < bytesRead) {
          inString = false;
          i = nextQuote + 1;
        } else i = bytesRead; // the string goes on in the next chunk
        continue;
      }
      const b = view[i]!;
      i++;
      if (b === BYTE.lf) line++;
      if (depth >= 2) {
        if (b === BYTE.quote) inString = true;
        else if (b === BYTE.lbrace || b === BYTE.lbracket) depth++;
        else if (b === BYTE.rbrace || b === BYTE.rbracket) {
          depth--;
          if (depth === 1) out.ends.push(pos + i);
        }
        continue;
      }
      if (isSpace(b)) continue;
      if (state === "before") {
        if (b === BYTE.lbracket) {
          state = "array";
          depth = 1;
          continue;
        }
        const what = b === BYTE.lbrace ? "a JSON object" : "not a JSON array";
        throw new ConfigError(
          `${path}:${line}: ${what}; ${SHAREGPT_SHAPE}` +
            (b === BYTE.lbrace ? ' (one JSON object a line is the jsonl source: {"prompt": …} or {"messages": […]})' : ""),
          CODE,
        );
      }
      if (state === "after") throw new ConfigError(`${path}:${line}: unexpected content after the closing "]" of the array`, CODE);
      // depth 1: between elements of the top-level array.
      if (b === BYTE.comma) continue;
      if (b === BYTE.rbracket) {
        state = "after";
        depth = 0;
        continue;
      }
      if (b === BYTE.lbrace) {
        out.starts.push(pos + i - 1);
        out.lines.push(line);
        depth = 2;
        continue;
      }
      throw new ConfigError(`${path}:${line}: entry ${out.starts.length + 1} is not an object; each ShareGPT entry is {"id": …, "conversations": [{"from": …, "value": …}, …]}`, CODE);
    }
    Object.assign(this, { line, depth, inString, escape, state });
    this.pos += bytesRead;
  }

  /** The index, once the whole file was fed. */
  finish(): ArrayIndex {
    const path = printable(this.path);
    if (this.state === "before") throw new ConfigError(`${path}: empty file; a ShareGPT file is one JSON array of conversations`, CODE);
    if (this.state === "array") throw new ConfigError(`${path}:${this.line}: the file ends inside the JSON array (truncated? a download cut short?)`, CODE);
    const out = this.out;
    if (out.starts.length === 0) throw new ConfigError(`${path}: the array is empty; a ShareGPT file holds conversations`, CODE);
    if (out.ends.length !== out.starts.length) throw new ConfigError(`${path}:${out.lines[out.lines.length - 1]}: the last entry is not closed`, CODE);
    return out;
  }
}

const SCAN_CHUNK = 4 << 20;

async function indexJsonArray(path: string): Promise<ArrayIndex> {
  const scanner = new JsonArrayScanner(path);
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(SCAN_CHUNK);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      scanner.feed(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return scanner.finish();
}

function indexJsonArraySync(path: string, fd: number): ArrayIndex {
  const scanner = new JsonArrayScanner(path);
  const buf = Buffer.allocUnsafe(SCAN_CHUNK);
  for (let pos = 0; ; ) {
    const bytesRead = readSync(fd, buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    scanner.feed(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return scanner.finish();
}

/** Speakers of a prompt, and of a reply, in ShareGPT files (ShareGPT_V3 has human, gpt, system, chatgpt, bing, bard). */
const HUMAN_FROM = new Set(["human", "user"]);
const REPLY_FROM = new Set(["gpt", "assistant", "chatgpt", "bing", "bard", "model"]);

type ShareGptPick = { prompt: string; reply: string } | { skip: SkipReason };

/** The first human turn and the first reply after it, or why the entry has none. */
function pickTurns(entry: unknown, where: string, n: number): ShareGptPick {
  if (!isRecord(entry)) throw new ConfigError(`${where}: entry ${n} is ${describe(entry)}, not an object; each ShareGPT entry is {"id": …, "conversations": […]}`, CODE);
  const conv = entry["conversations"];
  if (!Array.isArray(conv)) {
    throw new ConfigError(`${where}: entry ${n} has no "conversations" array (found ${conv === undefined ? "nothing" : describe(conv)}); each ShareGPT entry is {"id": …, "conversations": [{"from": "human", "value": …}, {"from": "gpt", "value": …}]}`, CODE);
  }
  conv.forEach((t, k) => {
    if (!isRecord(t) || typeof t["from"] !== "string" || typeof t["value"] !== "string") {
      throw new ConfigError(`${where}: entry ${n}, turn ${k + 1}: expected {"from": "<speaker>", "value": "<text>"}, found ${printable(JSON.stringify(t) ?? String(t), { max: 80 })}`, CODE);
    }
  });
  const turns = conv as { from: string; value: string }[];
  if (turns.length < 2) return { skip: "too_few_turns" };
  const h = turns.findIndex((t) => HUMAN_FROM.has(t.from.toLowerCase()));
  const r = h < 0 ? -1 : turns.findIndex((t, k) => k > h && REPLY_FROM.has(t.from.toLowerCase()));
  if (h < 0 || r < 0) return { skip: "no_prompt_reply" };
  const prompt = turns[h]!.value;
  const reply = turns[r]!.value;
  if (prompt.trim() === "" || reply.trim() === "") return { skip: "empty_text" };
  return { prompt, reply };
}

function checkShareGptLimits(cfg: { max_input_tokens?: number; max_output_tokens?: number }): void {
  for (const k of ["max_input_tokens", "max_output_tokens"] as const) {
    const v = cfg[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= SHAREGPT_MIN_TOKENS)) throw new ConfigError(`dataset: ${k} must be an integer of at least ${SHAREGPT_MIN_TOKENS}, got ${v}`, CODE);
  }
}

/** One ShareGPT entry, parsed; `where` is path:line. Throws ConfigError when it is not JSON (or, with `strict`, not UTF-8). */
function parseShareGptEntry(bytes: Buffer, where: string, n: number, strict = false): unknown {
  if (strict && !isUtf8(bytes)) throw new ConfigError(`${where}: entry ${n} is not UTF-8 text (byte ${describeBadByte(bytes)}); save the file as UTF-8`, CODE);
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new ConfigError(`${where}: entry ${n} is not valid JSON (${jsonReason(err)})`, CODE);
  }
}

function describeBadByte(bytes: Buffer): string {
  const at = firstInvalidUtf8(bytes);
  return at < 0 ? "?" : `0x${bytes[at]!.toString(16).toUpperCase().padStart(2, "0")}`;
}

function noUsableConversation(path: string, total: number, skipped: Record<string, number>): ConfigError {
  const why = Object.entries(skipped).map(([r, c]) => `${c} ${SKIP_REASONS[r as SkipReason]}`).join(", ");
  return new ConfigError(`${printable(path)}: no usable conversation among ${total} entries (skipped: ${why}); check the file, or loosen max_input_tokens / max_output_tokens`, CODE);
}

/**
 * Checks a whole ShareGPT file before the run: the array, every entry (UTF-8, JSON, the
 * ShareGPT shape), and at least one entry with a prompt and a reply; with the approx
 * tokenizer, one that passes the length filters too (a real tokenizer's filters are applied
 * by the load: loading one takes a second). Sequential reads of 4 MiB; the index is kept
 * for the load.
 */
function validateShareGpt(cfg: DatasetCheckConfig & { source: "sharegpt" }): void {
  const stamp = checkDatasetFile(cfg.path, "sharegpt");
  checkShareGptLimits(cfg);
  const checked = `${stamp}\0${cfg.tokenizer === "approx" ? `${cfg.max_input_tokens}\0${cfg.max_output_tokens}` : ""}`;
  if (validatedShareGpt.has(checked)) return;
  const fd = openSync(cfg.path, "r");
  try {
    const index = validatedIndexes.get(stamp) ?? indexJsonArraySync(cfg.path, fd);
    const approx = cfg.tokenizer === "approx" ? approxTokenizer() : undefined;
    const total = index.starts.length;
    const skipped: Record<string, number> = {};
    let usable = 0;
    let buf = Buffer.allocUnsafe(SCAN_CHUNK);
    let winStart = 0;
    let winEnd = 0;
    for (let e = 0; e < total; e++) {
      const start = index.starts[e]!;
      const end = index.ends[e]!;
      if (end > winEnd) {
        if (buf.length < end - start) buf = Buffer.allocUnsafe(end - start);
        let n = 0;
        while (n < buf.length) {
          const r = readSync(fd, buf, n, buf.length - n, start + n);
          if (r === 0) break;
          n += r;
        }
        winStart = start;
        winEnd = start + n;
        if (end > winEnd) throw new ConfigError(`${printable(cfg.path)}: the file changed while it was read`, CODE);
      }
      const where = `${printable(cfg.path)}:${index.lines[e]}`;
      const pick = pickTurns(parseShareGptEntry(buf.subarray(start - winStart, end - winStart), where, e + 1, true), where, e + 1);
      const outcome = "skip" in pick ? pick.skip : approx ? judgeLengths(pick, { input: approx.count(pick.prompt), output: approx.count(pick.reply) }, false, cfg) : undefined;
      if (typeof outcome === "string") skipped[outcome] = (skipped[outcome] ?? 0) + 1;
      else usable++;
    }
    if (usable === 0) throw noUsableConversation(cfg.path, total, skipped);
    validatedIndexes.set(stamp, index);
    validatedShareGpt.add(checked);
  } finally {
    closeSync(fd);
  }
}

/** Entries counted at once through the server's tokenizer (a local one counts one at a time). */
const SERVER_COUNT_BATCH = 64;

async function loadShareGpt(cfg: ShareGptDatasetConfig, requests: number, opts: DatasetOptions): Promise<LoadedDataset> {
  const stamp = checkDatasetFile(cfg.path, "sharegpt");
  checkShareGptLimits(cfg);
  const index = validatedIndexes.get(stamp) ?? (await indexJsonArray(cfg.path));
  const total = index.starts.length;

  const c = await counting(cfg.tokenizer ?? "approx", opts);
  const batchSize = c.tok ? 1 : SERVER_COUNT_BATCH;
  const order = shuffledIndexes(total, cfg.seed);
  const skipped: Record<string, number> = {};
  const used: DatasetRequest[] = [];
  let examined = 0;
  const fh = await open(cfg.path, "r");
  try {
    let buf = Buffer.allocUnsafe(1 << 16);
    for (let k = 0; k < total && used.length < requests; ) {
      // A batch of entries read and parsed in order, their texts counted at once, judged in order.
      const batch: ShareGptPick[] = [];
      for (; k < total && batch.length < batchSize; k++) {
        const e = order[k]!;
        const start = index.starts[e]!;
        const len = index.ends[e]! - start;
        if (buf.length < len) buf = Buffer.allocUnsafe(len);
        await fh.read(buf, 0, len, start);
        const where = `${printable(cfg.path)}:${index.lines[e]}`;
        batch.push(pickTurns(parseShareGptEntry(buf.subarray(0, len), where, e + 1), where, e + 1));
      }
      const texts = batch.flatMap((p) => ("skip" in p ? [] : [p.prompt, p.reply]));
      const counts = await c.countMany(texts);
      let at = 0;
      for (const pick of batch) {
        if (used.length >= requests) break;
        examined++;
        let outcome: DatasetRequest | SkipReason;
        if ("skip" in pick) outcome = pick.skip;
        else {
          outcome = judgeLengths(pick, { input: counts[at]!, output: counts[at + 1]! }, c.exact, cfg);
          at += 2;
        }
        if (typeof outcome === "string") {
          skipped[outcome] = (skipped[outcome] ?? 0) + 1;
          continue;
        }
        used.push(outcome);
      }
    }
  } finally {
    await fh.close();
  }
  if (used.length === 0) throw noUsableConversation(cfg.path, total, skipped);
  const info: DatasetInfo = {
    source: "sharegpt", path: cfg.path, tokenizer: c.name, ...(c.via ? { tokenizerVia: c.via } : {}), exactCounts: c.exact, entries: total, examined, used: used.length, skipped,
    notes: [...(c.exact ? [] : ["reply lengths are estimates (4 characters a token); name a tokenizer for exact ones"]), ...cyclingNote(used.length, requests)],
  };
  return { get: (i) => used[i % used.length]!, info };
}

/** vLLM's filters on one ShareGPT pair, given its prompt's and reply's token counts: the request, or the reason to skip it. */
function judgeLengths(
  pair: { prompt: string; reply: string },
  counts: { input: number; output: number },
  exact: boolean,
  cfg: { max_input_tokens?: number; max_output_tokens?: number },
): DatasetRequest | SkipReason {
  const inputTokens = counts.input;
  if (inputTokens < SHAREGPT_MIN_TOKENS) return "prompt_too_short";
  if (cfg.max_input_tokens !== undefined && inputTokens > cfg.max_input_tokens) return "prompt_too_long";
  const outputTokens = counts.output;
  if (outputTokens < SHAREGPT_MIN_TOKENS) return "output_too_short";
  if (cfg.max_output_tokens !== undefined && outputTokens > cfg.max_output_tokens) return "output_too_long";
  const req: DatasetRequest = { messages: [{ role: "user", content: pair.prompt }], outputTokens };
  if (exact) req.inputTokens = inputTokens;
  return req;
}

// ───────────────────────────── JSONL ─────────────────────────────

const JSONL_ROLES = new Set(["system", "user", "assistant"]);
const JSONL_HELP = 'each line is {"prompt": "…"} or {"messages": [{"role": "user", "content": "…"}]}, with an optional "output_tokens"';

interface JsonlEntry {
  messages: WireMessage[];
  outputTokens?: number;
}

/** One JSONL line to a request; throws ConfigError naming path:line. */
function parseJsonlLine(text: string, where: string): JsonlEntry {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${where}: not JSON (${jsonReason(e)}); ${JSONL_HELP}`, CODE);
  }
  if (!isRecord(x)) throw new ConfigError(`${where}: ${describe(x)}, not a JSON object; ${JSONL_HELP}`, CODE);
  const hasPrompt = "prompt" in x;
  const hasMessages = "messages" in x;
  if (hasPrompt === hasMessages) throw new ConfigError(`${where}: ${hasPrompt ? 'both "prompt" and "messages"; give one' : 'neither "prompt" nor "messages"'}; ${JSONL_HELP}`, CODE);

  let messages: WireMessage[];
  if (hasPrompt) {
    const p = x["prompt"];
    if (typeof p !== "string" || p.trim() === "") throw new ConfigError(`${where}: "prompt" must be a non-empty string, found ${typeof p === "string" ? "an empty one" : describe(p)}`, CODE);
    messages = [{ role: "user", content: p }];
  } else {
    const ms = x["messages"];
    if (!Array.isArray(ms) || ms.length === 0) throw new ConfigError(`${where}: "messages" must be a non-empty array of {"role", "content"}, found ${Array.isArray(ms) ? "an empty array" : describe(ms)}`, CODE);
    messages = ms.map((m, k): WireMessage => {
      const at = `${where}: messages[${k}]`;
      if (!isRecord(m)) throw new ConfigError(`${at} is ${describe(m)}, not {"role", "content"}`, CODE);
      const role = m["role"];
      if (typeof role !== "string" || !JSONL_ROLES.has(role)) throw new ConfigError(`${at}: role must be "system", "user" or "assistant", found ${role === undefined ? "nothing" : printable(JSON.stringify(role) ?? String(role), { max: 80 })}`, CODE);
      const content = m["content"];
      if (typeof content !== "string") throw new ConfigError(`${at}: content must be a string (plain text; content parts are not supported), found ${describe(content)}`, CODE);
      const out: WireMessage = { role: role as WireMessage["role"], content };
      if (typeof m["name"] === "string") out.name = m["name"];
      return out;
    });
    if (!messages.some((m) => m.role === "user")) throw new ConfigError(`${where}: "messages" has no user message`, CODE);
  }

  const entry: JsonlEntry = { messages };
  const keys = (["output_tokens", "max_tokens"] as const).filter((k) => x[k] !== undefined);
  if (keys.length === 2) throw new ConfigError(`${where}: both "output_tokens" and "max_tokens"; give one`, CODE);
  if (keys.length === 1) {
    const v = x[keys[0]!];
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1)) throw new ConfigError(`${where}: "${keys[0]}" must be a positive integer, found ${printable(JSON.stringify(v) ?? String(v), { max: 80 })}`, CODE);
    entry.outputTokens = v;
  }
  return entry;
}

/**
 * Reads a JSONL file whole, line by line, in chunks of 4 MiB: every line is checked
 * (UTF-8, JSON, the entry's shape), so a bad line anywhere is reported with its number.
 */
function readJsonlEntries(path: string): JsonlEntry[] {
  const shown = printable(path);
  const entries: JsonlEntry[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(SCAN_CHUNK);
    let carry = "";
    let line = 0;
    const take = (raw: string): void => {
      line++;
      const text = line === 1 ? raw.replace(/^\uFEFF/, "") : raw;
      if (text.trim() === "") return;
      entries.push(parseJsonlLine(text.endsWith("\r") ? text.slice(0, -1) : text, `${shown}:${line}`));
    };
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      let chunk: string;
      try {
        chunk = decoder.decode(buf.subarray(0, n), { stream: n > 0 });
      } catch {
        const lineOfBad = line + 1 + (carry.match(/\n/g)?.length ?? 0) + countLf(buf.subarray(0, Math.max(0, firstInvalidUtf8(buf.subarray(0, n), true))));
        throw new ConfigError(`${shown}:${lineOfBad}: not UTF-8 text; save the file as UTF-8`, CODE);
      }
      const text = carry + chunk;
      let from = 0;
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", from)) {
        take(text.slice(from, nl));
        from = nl + 1;
      }
      carry = text.slice(from);
      if (n === 0) break;
      pos += n;
    }
    if (carry !== "") take(carry);
  } finally {
    closeSync(fd);
  }
  if (entries.length === 0) throw new ConfigError(`${shown}: no prompts (the file is blank); ${JSONL_HELP}`, CODE);
  return entries;
}

function countLf(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Checks a whole JSONL file before the run (every line); the entries are kept for the load. */
function validateJsonl(cfg: DatasetCheckConfig & { source: "jsonl" }): void {
  const stamp = checkDatasetFile(cfg.path, "jsonl");
  if (!validatedJsonl.has(stamp)) validatedJsonl.set(stamp, readJsonlEntries(cfg.path));
}

async function loadJsonl(cfg: JsonlDatasetConfig, requests: number, opts: DatasetOptions): Promise<LoadedDataset> {
  const stamp = checkDatasetFile(cfg.path, "jsonl");
  const entries = validatedJsonl.get(stamp) ?? readJsonlEntries(cfg.path);
  validatedJsonl.delete(stamp);

  const c = await counting(cfg.tokenizer ?? "approx", opts);
  const order = shuffledIndexes(entries.length, cfg.seed);
  const usedCount = Math.min(entries.length, requests);
  const picked = Array.from({ length: usedCount }, (_, k) => entries[order[k]!]!);
  // Every message's content counted at once (the server's tokenizer: concurrently), summed per entry.
  const counts = c.exact ? await c.countMany(picked.flatMap((e) => e.messages.map((m) => m.content ?? ""))) : [];
  const used: DatasetRequest[] = [];
  let at = 0;
  for (const e of picked) {
    const req: DatasetRequest = { messages: e.messages };
    if (c.exact) {
      let sum = 0;
      for (let j = 0; j < e.messages.length; j++) sum += counts[at++]!;
      req.inputTokens = sum;
    }
    if (e.outputTokens !== undefined) req.outputTokens = e.outputTokens;
    used.push(req);
  }
  const info: DatasetInfo = {
    source: "jsonl", path: cfg.path, tokenizer: c.name, ...(c.via ? { tokenizerVia: c.via } : {}), exactCounts: c.exact, entries: entries.length, examined: entries.length, used: usedCount, skipped: {},
    notes: cyclingNote(usedCount, requests),
  };
  return { get: (i) => used[i % usedCount]!, info };
}
