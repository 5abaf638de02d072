/**
 * The final answer uses the tool results: every term (a value only a tool result gives,
 * synonyms allowed) appears in the answer, folded like the text grader's terms. Inline
 * `<think>` reasoning is not part of the answer. With the case's language and prompt, the
 * answer must be prose in that language (word salad fails whatever words it holds), and what
 * it copies from the prompt does not count (prose.ts).
 */
import { clip, withoutThink } from "../evidence.js";
import { compileTerm, findTerm, fold } from "../normalize.js";
import { blankSpans, promptEchoSpans, readProse, type ProseLanguage } from "../prose.js";
import type { Term, ToolCheck } from "./types.js";

function termLabel(t: Term): string {
  return typeof t === "string" ? t : t.join("|");
}

export interface FinalAnswerOptions {
  /** The case's language: an answer whose prose is not in it (word salad, another script) fails. */
  language?: ProseLanguage;
  /** The case's prompt: what the answer copies from it does not count. */
  prompt?: string;
}

export function checkFinalAnswer(answer: string, terms: readonly Term[], options: FinalAnswerOptions = {}): ToolCheck {
  const sent = withoutThink(answer);
  if (terms.length === 0) return { check: "final_answer", pass: true, reason: "no terms to check", evidence: [] };
  const expected = terms.map((t) => `'${termLabel(t)}'`).join(", ");
  if (sent.trim() === "") {
    return { check: "final_answer", pass: false, reason: `no final answer (empty text); expected ${expected}`, evidence: [] };
  }
  const quoted = `answer: ${JSON.stringify(clip(sent.replace(/\s+/g, " ").trim(), 160))}`;
  const echo = options.prompt !== undefined ? promptEchoSpans(sent, options.prompt) : [];
  const text = echo.length > 0 ? blankSpans(sent, echo) : sent;
  if (text.trim().replace(/[\p{P}\p{S}\s]/gu, "") === "") {
    return { check: "final_answer", pass: false, reason: `the answer only repeats the prompt; expected ${expected}; ${quoted}`, evidence: [] };
  }
  if (options.language !== undefined) {
    const prose = readProse(text, options.language);
    if (!prose.ok) return { check: "final_answer", pass: false, reason: `the answer is not coherent text in the case's language: ${prose.reason}; ${quoted}`, evidence: [] };
  }
  const folded = fold(text);
  const evidence: string[] = [];
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const t of terms) {
    let hit;
    try {
      hit = findTerm(compileTerm(t), folded, 1)[0];
    } catch (e) {
      invalid.push(`'${termLabel(t)}' (${e instanceof Error ? e.message : String(e)})`);
      continue;
    }
    if (!hit) {
      missing.push(`'${termLabel(t)}'`);
      continue;
    }
    const synonym = typeof t === "string" ? "" : ` (synonym '${hit.alternative}')`;
    evidence.push(`'${termLabel(t)}'${synonym} at ${hit.start}-${hit.end}: ${JSON.stringify(clip(text.slice(hit.start, hit.end)))}`);
  }
  const found = terms.length - missing.length - invalid.length;
  if (missing.length === 0 && invalid.length === 0) {
    return { check: "final_answer", pass: true, reason: `the answer contains all ${terms.length} expected term(s)`, evidence };
  }
  const parts = [`${found} of ${terms.length} expected term(s) in the answer`];
  if (missing.length > 0) parts.push(`missing ${missing.join(", ")}`);
  if (invalid.length > 0) parts.push(`invalid term(s) ${invalid.join(", ")}: fix the case`);
  parts.push(quoted);
  return { check: "final_answer", pass: false, reason: parts.join("; "), evidence };
}
