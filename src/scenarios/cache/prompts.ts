/**
 * The texts the cache probes send: the shared document (built-in runbook or a file), the
 * filler prompts of the continued and independent probes, the short questions, and the
 * nonces that make a prompt unique from its first token.
 *
 * Prefix caches (vLLM's block hashes, SGLang's radix tree, llama.cpp's slot cache) match a
 * prompt from its first token: a unique nonce at the very start makes everything after it
 * a miss, whatever follows. Lengths are planned at about 4 characters per token; the true
 * counts come back in usage.prompt_tokens and are what the report shows.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { readDataText } from "../../config/data-file.js";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import { PACKAGE_ROOT } from "../../version.js";

/** Planning estimate; the report uses the server's own counts. */
export const CHARS_PER_TOKEN = 4;

export const BUILTIN_CACHE_DIR = join(PACKAGE_ROOT, "suites", "cache");
export const BUILTIN_DOCUMENT = join(BUILTIN_CACHE_DIR, "runbook.md");
const QUESTIONS_FILE = join(BUILTIN_CACHE_DIR, "questions.yaml");

const questionsSchema = z.object({
  document_questions: z.array(z.string().min(1)).min(2),
  follow_ups: z.array(z.string().min(1)).min(1),
});
export type CacheQuestions = z.infer<typeof questionsSchema>;

/** The built-in questions (suites/cache/questions.yaml). */
export function loadQuestions(): CacheQuestions {
  const r = questionsSchema.safeParse(parse(readFileSync(QUESTIONS_FILE, "utf8")));
  if (!r.success) throw new Error(`${QUESTIONS_FILE}: not a cache question list (${r.error.message})`);
  return r.data;
}

/** The shared document: the file the suite names (relative to the working directory), else the built-in runbook. */
export function loadDocument(path: string | undefined): { text: string; source: string } {
  if (path === undefined) return { text: readFileSync(BUILTIN_DOCUMENT, "utf8"), source: "built-in runbook (suites/cache/runbook.md)" };
  const full = resolve(path);
  if (!existsSync(full) || statSync(full).isDirectory()) {
    throw new ConfigError(`document "${path}" is not a readable file (looked for ${full}). Give a text file, or leave document out to use the built-in runbook.`);
  }
  const text = readDataText(full, "cache document", "the document is a text file whose text is the shared prefix (or leave document out to use the built-in runbook)");
  if (text.trim().length === 0) throw new ConfigError(`document "${path}" is empty (only blank space); give a text file, or leave document out to use the built-in runbook.`);
  return { text, source: path };
}

/** Cuts text to at most `maxChars`, at the last sentence or word boundary when one is near. */
export function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars);
  const sentence = Math.max(head.lastIndexOf(". "), head.lastIndexOf(".\n"));
  if (sentence >= maxChars * 0.9) return head.slice(0, sentence + 1);
  const space = head.lastIndexOf(" ");
  return space > 0 ? head.slice(0, space) : head;
}

/** The document cut to the token budget (a shorter document is kept whole). */
export function documentForBudget(text: string, prefixTokens: number): string {
  return cutText(text.trim(), prefixTokens * CHARS_PER_TOKEN);
}

function paragraphs(text: string): string[] {
  const ps = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return ps.length > 0 ? ps : [text.trim()];
}

/**
 * A filler text of about `prefixTokens` tokens for request number `k`: the source's
 * paragraphs rotated to start at a different place for each k (and repeated when the source
 * is short), so that two prompts share no long run of text even past their nonces.
 */
export function fillerText(source: string, prefixTokens: number, k: number): string {
  const ps = paragraphs(source);
  const budget = prefixTokens * CHARS_PER_TOKEN;
  const start = (k * 7) % ps.length;
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < budget; i++) {
    const p = ps[(start + i) % ps.length] ?? "";
    parts.push(p);
    len += p.length + 2;
    if (i > 10_000) break;
  }
  return cutText(parts.join("\n\n"), budget);
}

/** A token sequence no earlier prompt can have started with. */
export function nonce(): string {
  return `[request ${randomBytes(6).toString("hex")}]`;
}

/** The i-th question (0-based), unique for any i: the list is reused with a numbered suffix. */
export function pickQuestion(list: readonly string[], i: number): string {
  const q = list[i % list.length] ?? "Summarise the text in one sentence.";
  const round = Math.floor(i / list.length);
  return round === 0 ? q : `${q} (variant ${round + 1})`;
}

export const CONTINUED_INSTRUCTION = "Summarise the three most important points of these notes in one sentence.";
export const INDEPENDENT_INSTRUCTION = "Summarise these notes in one sentence.";
export const DOCUMENT_INTRO = "Read this document, then answer the question after it in one sentence.";
export const WARM_QUESTION = "What is this document about?";

/** A prompt of the continued or independent probe: the nonce first, then the text, then the instruction. */
export function noncePrompt(text: string, instruction: string, n: string = nonce()): string {
  return `${n}\n\n${text}\n\n${instruction}`;
}

/** The document part of a shared_prefix prompt, identical in every request that shares it. */
export function documentBlock(document: string): string {
  return `${DOCUMENT_INTRO}\n\n<document>\n${document}\n</document>\n\n`;
}

/**
 * A shared_prefix prompt. Every request carries a nonce, so no two prompts are identical
 * and misses and hits have the same length: the miss puts it before the document (nothing
 * can be reused), the hit and the warm request after it (the document can be).
 */
export function documentPrompt(document: string, question: string, placement: "before" | "after", n: string = nonce()): string {
  return placement === "before"
    ? `${n}\n${documentBlock(document)}Question: ${question}`
    : `${documentBlock(document)}${n}\nQuestion: ${question}`;
}

/** What follows the document in a shared_prefix prompt (nonce and question of a hit), for the analysis. */
export function afterDocument(content: string): string | undefined {
  const marker = "\n</document>\n\n";
  const at = content.lastIndexOf(marker);
  return at < 0 ? undefined : content.slice(at + marker.length);
}

/**
 * Tokens a chat template adds after the last user message (ChatML: <|im_end|>, newline,
 * <|im_start|>, "assistant", newline), counted with the question as what a shared_prefix
 * hit cannot reuse.
 */
export const TEMPLATE_TAIL_TOKENS = 5;

/** Planning estimate of a text's tokens. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}
