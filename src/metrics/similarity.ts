/**
 * How far apart two answers are, token by token: a soak test repeats canary prompts at
 * temperature 0 and compares each answer with the first, so a server whose output drifts
 * (a changed kernel, a corrupted cache, a swapped model) shows up even when it stays fast.
 *
 * Tokens are words, numbers and single punctuation marks as Unicode word segmentation
 * (UAX #29, `Intl.Segmenter`) finds them: "naïve", "don't", "3.14", "1,000", each of
 * "日本語" / "の" (ICU's dictionary splits scripts written without spaces), "👍🏽", ".".
 * They are compared as written: case, accents and Unicode normalisation count.
 * Whitespace is not a token; it only makes `exact` false and can move `firstDifference`.
 * The longest common subsequence comes from the `diff` package (Myers' algorithm).
 */
import { diffArrays } from "diff";

export interface TextComparison {
  exact: boolean;
  /** 2·LCS / (|a| + |b|) over tokens (words, numbers and single punctuation marks, Unicode-aware); 1 when both are empty. */
  similarity: number;
  tokensA: number;
  tokensB: number;
  /** 0-based token index of the first difference; undefined when exact. */
  firstDifference?: number;
  /**
   * Set when the texts differ in more tokens than the edit budget (see compareTexts): the
   * diff stopped early and `similarity` is an upper bound, 1 − (budget + 1)/(|a| + |b|).
   */
  approximate?: true;
}

export interface CompareOptions {
  /**
   * Most token insertions + deletions the diff explores before it gives up (default:
   * max(1 000, 20 % of |a| + |b|)). Myers' algorithm costs about O((|a| + |b|)·D + D²) for D
   * edits, so this bounds the time of comparing two unrelated texts.
   */
  maxEdits?: number;
}

/** Tokens of a text and, for each, the whitespace just before it; `trailing` is what follows the last one. */
interface Tokenized {
  tokens: string[];
  gaps: string[];
  trailing: string;
}

let segmenter: Intl.Segmenter | undefined;

const WHITESPACE = /^\s+$/u;

/**
 * Splits a text into tokens: word-like segments (words, numbers) as they are, every other
 * segment that is not whitespace (a punctuation mark, a symbol, an emoji) as one token.
 * Locale "en" is fixed so the result does not depend on the machine's locale.
 */
export function tokenize(text: string): string[] {
  return segment(text).tokens;
}

function segment(text: string): Tokenized {
  segmenter ??= new Intl.Segmenter("en", { granularity: "word" });
  const tokens: string[] = [];
  const gaps: string[] = [];
  let gap = "";
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike && WHITESPACE.test(s.segment)) {
      gap += s.segment;
      continue;
    }
    tokens.push(s.segment);
    gaps.push(gap);
    gap = "";
  }
  return { tokens, gaps, trailing: gap };
}

/** Default edit budget: max(1 000, 20 % of the tokens of both texts). */
function defaultMaxEdits(total: number): number {
  return Math.max(1000, Math.ceil(0.2 * total));
}

/**
 * Compares two texts token by token.
 *
 * - exact: a === b (code units, whitespace included).
 * - similarity: 2·LCS/(|a| + |b|), the LCS taken over tokens (see tokenize) by diffArrays;
 *   1 when neither text has a token (even if their whitespace differs), 0 when only one has.
 *   Symmetric, in [0, 1].
 * - firstDifference: the first index i where token i, or the whitespace before it, differs
 *   between the two texts; the shorter token count when one token list is a prefix of the
 *   other or only trailing whitespace differs. Undefined when exact.
 * - Cost: tokenizing is linear. The diff is O((|a| + |b|)·D + D²) for D token edits: for
 *   near-identical answers it is about linear; two unrelated 3 000-token answers would take
 *   seconds, so the diff stops after `maxEdits` edits (default max(1 000, 20 % of
 *   |a| + |b|): tens of milliseconds up to ~5 000 tokens, ~0.2 s at 10 000), and the result
 *   is then marked `approximate` with the upper bound 1 − (maxEdits + 1)/(|a| + |b|)
 *   (≤ 0.8 with the default) as similarity.
 * Throws RangeError when maxEdits is not a non-negative integer.
 */
export function compareTexts(a: string, b: string, opts: CompareOptions = {}): TextComparison {
  const ta = segment(a);
  const tb = segment(b);
  const na = ta.tokens.length;
  const nb = tb.tokens.length;
  const total = na + nb;
  const exact = a === b;
  const out: TextComparison = { exact, similarity: 1, tokensA: na, tokensB: nb };
  if (exact) return out;
  out.firstDifference = firstDifference(ta, tb);
  if (total === 0) return out;

  const maxEdits = opts.maxEdits ?? defaultMaxEdits(total);
  if (!(Number.isInteger(maxEdits) && maxEdits >= 0)) {
    throw new RangeError(`maxEdits must be a non-negative integer, got ${maxEdits}`);
  }
  const changes = diffArrays(ta.tokens, tb.tokens, { maxEditLength: maxEdits });
  if (changes === undefined) {
    out.similarity = Math.max(0, 1 - (maxEdits + 1) / total);
    out.approximate = true;
    return out;
  }
  let lcs = 0;
  for (const c of changes) if (!c.added && !c.removed) lcs += c.value.length;
  out.similarity = (2 * lcs) / total;
  return out;
}

function firstDifference(a: Tokenized, b: Tokenized): number {
  const n = Math.min(a.tokens.length, b.tokens.length);
  for (let i = 0; i < n; i++) {
    if (a.tokens[i] !== b.tokens[i] || a.gaps[i] !== b.gaps[i]) return i;
  }
  return n;
}
