/**
 * The simulator's tokenizer: a deterministic regular-expression tokenizer that behaves
 * roughly like a BPE tokenizer on English text (about 4 characters a token). It is not
 * any real model's tokenizer; it only has to be stable, cheap and plausible.
 *
 * Rules, applied left to right:
 *  1. special tokens are one token each: <|im_start|>, <|im_end|>, <think>, </think>,
 *     <tool_call>, </tool_call>;
 *  2. a run of letters, with at most one leading space, is one token when it has at most
 *     6 letters; longer runs are cut into pieces of 4 letters (the first piece keeps the
 *     space). Runs with non-ASCII letters are cut every 2 letters;
 *  3. digits, with at most one leading space, in groups of up to 3;
 *  4. any other visible character (punctuation, symbols), with at most one leading space,
 *     is one token;
 *  5. a run of whitespace that does not precede a word is one token.
 * Token ids are the FNV-1a hash of the token text (special tokens have fixed ids).
 */
import { fnv1a32 } from "./hash.js";

export const SPECIAL_TOKENS: Readonly<Record<string, number>> = {
  "<|im_start|>": 151644,
  "<|im_end|>": 151645,
  "<tool_call>": 151657,
  "</tool_call>": 151658,
  "<think>": 151667,
  "</think>": 151668,
};

const TOKEN_RE =
  /<\|im_start\|>|<\|im_end\|>|<\/?think>|<\/?tool_call>| ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]|\s+/gu;
const ASCII_LETTERS = /^ ?[A-Za-z]+$/;
const SHORT_WORD = 6;
const PIECE = 4;
const NON_ASCII_PIECE = 2;

/** Splits text into token strings; joining them gives the text back exactly. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(TOKEN_RE)) {
    const tok = match[0];
    const first = tok.charCodeAt(0);
    const isLetterRun = tok.length > 1 && /\p{L}$/u.test(tok) && !(tok in SPECIAL_TOKENS);
    if (!isLetterRun) {
      out.push(tok);
      continue;
    }
    const lead = first === 32 ? " " : "";
    const letters = lead ? tok.slice(1) : tok;
    const chars = Array.from(letters);
    const ascii = ASCII_LETTERS.test(tok);
    if (ascii && chars.length <= SHORT_WORD) {
      out.push(tok);
      continue;
    }
    const size = ascii ? PIECE : NON_ASCII_PIECE;
    for (let i = 0; i < chars.length; i += size) {
      const piece = chars.slice(i, i + size).join("");
      out.push(i === 0 ? lead + piece : piece);
    }
  }
  return out;
}

/** The id of one token string. */
export function tokenId(token: string): number {
  return SPECIAL_TOKENS[token] ?? fnv1a32(token);
}

/** Token ids of a text. */
export function encode(text: string): number[] {
  return tokenize(text).map(tokenId);
}

/** Number of tokens in a text. */
export function countTokens(text: string): number {
  return tokenize(text).length;
}
