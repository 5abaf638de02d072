/**
 * The final answer uses the tool results: every term (a value only a tool result gives,
 * synonyms allowed) appears in the answer, folded like the text grader's terms. Inline
 * `<think>` reasoning is not part of the answer.
 */
import { clip, withoutThink } from "../evidence.js";
import { compileTerm, findTerm, fold } from "../normalize.js";
import type { Term, ToolCheck } from "./types.js";

function termLabel(t: Term): string {
  return typeof t === "string" ? t : t.join("|");
}

export function checkFinalAnswer(answer: string, terms: readonly Term[]): ToolCheck {
  const text = withoutThink(answer);
  if (terms.length === 0) return { check: "final_answer", pass: true, reason: "no terms to check", evidence: [] };
  if (text.trim() === "") {
    return { check: "final_answer", pass: false, reason: `no final answer (empty text); expected ${terms.map((t) => `'${termLabel(t)}'`).join(", ")}`, evidence: [] };
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
  parts.push(`answer: ${JSON.stringify(clip(text.replace(/\s+/g, " ").trim(), 160))}`);
  return { check: "final_answer", pass: false, reason: parts.join("; "), evidence };
}
