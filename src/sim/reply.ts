/**
 * Seeded, readable, English-like reply text. It reads like plain prose about systems and
 * measurement, and it is obviously not a model's answer: sentences are filled from small
 * word lists and a few sentence shapes. The same seed gives the same text.
 */
import { Rng } from "./hash.js";
import { tokenize } from "./tokenizer.js";

type Noun = readonly [singular: string, plural: string];
type Verb = readonly [base: string, third: string];

const NOUNS: readonly Noun[] = [
  ["server", "servers"], ["request", "requests"], ["answer", "answers"], ["model", "models"],
  ["cache", "caches"], ["queue", "queues"], ["batch", "batches"], ["token", "tokens"],
  ["report", "reports"], ["test", "tests"], ["team", "teams"], ["result", "results"],
  ["number", "numbers"], ["window", "windows"], ["message", "messages"], ["step", "steps"],
  ["plan", "plans"], ["record", "records"], ["table", "tables"], ["chart", "charts"],
  ["user", "users"], ["system", "systems"], ["node", "nodes"], ["block", "blocks"],
  ["stream", "streams"], ["limit", "limits"], ["budget", "budgets"], ["question", "questions"],
  ["idea", "ideas"], ["change", "changes"], ["version", "versions"], ["error", "errors"],
  ["sample", "samples"], ["prompt", "prompts"], ["reply", "replies"], ["turn", "turns"],
  ["engine", "engines"], ["service", "services"], ["metric", "metrics"], ["signal", "signals"],
  ["file", "files"], ["folder", "folders"], ["threshold", "thresholds"], ["trend", "trends"],
  ["layer", "layers"], ["choice", "choices"], ["detail", "details"], ["method", "methods"],
];

const ADJECTIVES: readonly string[] = [
  "small", "large", "quick", "slow", "steady", "careful", "simple", "clear", "recent", "early",
  "late", "stable", "busy", "quiet", "useful", "honest", "short", "long", "warm", "cold",
  "shared", "local", "remote", "typical", "rare", "common", "full", "empty", "new", "old",
  "open", "narrow", "wide", "known", "hidden", "fair", "strict", "loose", "calm", "exact",
];

const VERBS: readonly Verb[] = [
  ["read", "reads"], ["send", "sends"], ["keep", "keeps"], ["hold", "holds"], ["check", "checks"],
  ["measure", "measures"], ["compare", "compares"], ["count", "counts"], ["follow", "follows"],
  ["store", "stores"], ["reach", "reaches"], ["change", "changes"], ["explain", "explains"],
  ["show", "shows"], ["build", "builds"], ["wait for", "waits for"], ["return", "returns"],
  ["use", "uses"], ["move", "moves"], ["shape", "shapes"], ["track", "tracks"], ["load", "loads"],
  ["find", "finds"], ["skip", "skips"], ["split", "splits"], ["join", "joins"], ["trust", "trusts"],
];

const ADVERBS: readonly string[] = [
  "quickly", "slowly", "often", "rarely", "always", "usually", "gently", "clearly", "again",
  "early", "later", "together", "first", "still", "mostly", "carefully",
];

const DEGREES: readonly string[] = ["mostly", "rarely", "always", "usually", "often", "still", "quite", "fairly"];

const PREPOSITIONS: readonly string[] = [
  "in", "on", "after", "before", "with", "without", "behind", "near", "under", "across", "through",
];

const OPENERS: readonly string[] = [
  "In practice", "For a start", "As a rule", "Most of the time", "On a busy day", "In short",
  "At first", "Over time", "In this case", "By design",
];

const REASONING_OPENERS: readonly string[] = [
  "Let me think about this.", "Okay, first I should look at the question.",
  "Let me work through it step by step.", "Hmm, let me check what is asked.",
];

function withArticle(word: string): string {
  return `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
}

type Filler = (rng: Rng) => string;

const SHAPES: readonly Filler[] = [
  (r) => `The ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[1]} the ${r.pick(NOUNS)[0]} ${r.pick(PREPOSITIONS)} the ${r.pick(NOUNS)[0]}.`,
  (r) => `Each ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[1]} ${withArticle(r.pick(ADJECTIVES))} ${r.pick(NOUNS)[0]}, so the ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[1]} ${r.pick(ADVERBS)}.`,
  (r) => `${r.pick(OPENERS)}, ${withArticle(r.pick(ADJECTIVES))} ${r.pick(NOUNS)[0]} can ${r.pick(VERBS)[0]} the ${r.pick(NOUNS)[0]} without ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[1]}.`,
  (r) => `When the ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[1]} ${r.pick(ADVERBS)}, the ${r.pick(NOUNS)[1]} ${r.pick(VERBS)[0]} the ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[0]}.`,
  (r) => `This ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[1]} how the ${r.pick(NOUNS)[1]} ${r.pick(VERBS)[0]} ${r.pick(ADVERBS)}.`,
  (r) => `Most ${r.pick(NOUNS)[1]} ${r.pick(VERBS)[0]} the ${r.pick(NOUNS)[0]} ${r.pick(ADVERBS)}; the ${r.pick(NOUNS)[0]} still ${r.pick(VERBS)[1]} its ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[0]}.`,
  (r) => `First, ${r.pick(VERBS)[0]} the ${r.pick(NOUNS)[0]}; then ${r.pick(VERBS)[0]} the ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[1]}.`,
  (r) => `Why does the ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[0]} the ${r.pick(NOUNS)[0]}? Because the ${r.pick(NOUNS)[1]} ${r.pick(VERBS)[0]} it ${r.pick(ADVERBS)}.`,
  (r) => `${capitalize(withArticle(r.pick(ADJECTIVES)))} ${r.pick(NOUNS)[0]} is ${r.pick(DEGREES)} ${r.pick(ADJECTIVES)}, and it ${r.pick(VERBS)[1]} ${r.int(90) + 2} ${r.pick(NOUNS)[1]}.`,
  (r) => `The ${r.pick(NOUNS)[1]} ${r.pick(PREPOSITIONS)} the ${r.pick(NOUNS)[0]} ${r.pick(VERBS)[0]} ${r.pick(ADJECTIVES)} ${r.pick(NOUNS)[1]} ${r.pick(ADVERBS)}.`,
];

function capitalize(s: string): string {
  return s.length > 0 ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

/** One sentence. */
export function sentence(rng: Rng): string {
  return capitalize(rng.pick(SHAPES)(rng));
}

/** Token strings of generated prose and the token positions where sentences end. */
export interface Prose {
  tokens: string[];
  /** Token counts at the end of each sentence (ascending). */
  sentenceEnds: number[];
}

/**
 * Generates at least `minTokens` tokens of prose, sentence by sentence, with a paragraph
 * break every few sentences. `opener` (optional) starts the text.
 */
export function generateProse(rng: Rng, minTokens: number, opener?: string): Prose {
  const tokens: string[] = [];
  const sentenceEnds: number[] = [];
  let inParagraph = 0;
  let paragraphLength = 3 + rng.int(3);
  let first = true;
  const add = (text: string): void => {
    for (const t of tokenize(text)) tokens.push(t);
    sentenceEnds.push(tokens.length);
  };
  if (opener !== undefined) {
    add(opener);
    first = false;
    inParagraph = 1;
  }
  while (tokens.length < minTokens) {
    const s = sentence(rng);
    let sep = first ? "" : " ";
    if (!first && inParagraph >= paragraphLength) {
      sep = "\n\n";
      inParagraph = 0;
      paragraphLength = 3 + rng.int(3);
    }
    add(sep + s);
    first = false;
    inParagraph += 1;
  }
  return { tokens, sentenceEnds };
}

/** A reasoning opener sentence (used for the reasoning block). */
export function reasoningOpener(rng: Rng): string {
  return rng.pick(REASONING_OPENERS);
}

/** A length drawn from a truncated normal around `mean` with spread (max − min) / 4. */
export function sampleLength(rng: Rng, dist: { mean: number; min: number; max: number }): number {
  const sd = Math.max(0, (dist.max - dist.min) / 4);
  const v = Math.round(dist.mean + sd * rng.normal());
  return Math.min(dist.max, Math.max(dist.min, v));
}

/**
 * Picks the natural length of a reply: the sentence end nearest to `target`, kept inside
 * [min, max] when a sentence end falls there, else `target` itself.
 */
export function naturalLength(prose: Prose, target: number, min: number, max: number): number {
  let best = -1;
  let bestDist = Infinity;
  for (const end of prose.sentenceEnds) {
    if (end < min || end > max) continue;
    const d = Math.abs(end - target);
    if (d < bestDist) {
      best = end;
      bestDist = d;
    }
  }
  return best > 0 ? best : target;
}
