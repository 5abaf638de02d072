/**
 * Text grader: terms that must all appear (`all`), of which at least `min_matches` must
 * appear (`any`), or that must not appear (`none`). A term is a string or a list of
 * synonyms, matched on folded text (see normalize.ts); a term written /…/flags is a
 * regular expression on the original text.
 */
import type { Term, TextCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { errorResult, evidence, result } from "./evidence.js";
import { compileTerm, findTerm, fold, type CompiledTerm, type MappedText, type TermMatch } from "./normalize.js";

interface TermHit {
  term: CompiledTerm;
  matches: TermMatch[];
}

function label(t: CompiledTerm): string {
  return `'${t.label}'`;
}

function hits(terms: Term[], folded: MappedText): TermHit[] {
  return terms.map((t) => {
    const term = compileTerm(t);
    return { term, matches: findTerm(term, folded, 5) };
  });
}

function matchEvidence(text: string, h: TermHit, kind: string, perTerm = 3): Evidence[] {
  return h.matches.slice(0, perTerm).map((m) => {
    const syn = h.term.alternatives.length > 1 ? ` (synonym '${m.alternative}')` : "";
    return evidence(text, m.start, m.end, `${kind} ${label(h.term)}${syn}`);
  });
}

/** Grades a text criterion on one text. */
export function gradeText(c: TextCriterion, text: string): GradeResult {
  const noTerms = (c.all?.length ?? 0) === 0 && (c.any?.length ?? 0) === 0 && (c.none?.length ?? 0) === 0;
  if (noTerms) return errorResult(c, "the criterion lists no terms (all, any or none)");
  let folded: MappedText;
  let all: TermHit[];
  let any: TermHit[];
  let none: TermHit[];
  try {
    folded = fold(text);
    all = hits(c.all ?? [], folded);
    any = hits(c.any ?? [], folded);
    none = hits(c.none ?? [], folded);
  } catch (e) {
    return errorResult(c, `bad term: ${(e as Error).message}`);
  }
  const parts: { pass: boolean; score: number; text: string }[] = [];
  const ev: Evidence[] = [];
  if (all.length > 0) {
    const found = all.filter((h) => h.matches.length > 0);
    const missing = all.filter((h) => h.matches.length === 0);
    parts.push({
      pass: missing.length === 0,
      score: found.length / all.length,
      text: `all: ${found.length}/${all.length} terms found${missing.length > 0 ? `, missing ${missing.map((h) => label(h.term)).join(", ")}` : ""}`,
    });
    for (const h of found) ev.push(...matchEvidence(text, h, "found", 1));
  }
  if (any.length > 0) {
    const min = c.min_matches ?? 1;
    const found = any.filter((h) => h.matches.length > 0);
    const missing = any.filter((h) => h.matches.length === 0);
    parts.push({
      pass: found.length >= min,
      score: Math.min(1, found.length / min),
      text: `any: ${found.length} of ${any.length} terms found (${found.map((h) => label(h.term)).join(", ") || "none"}), wanted at least ${min}${found.length < min && missing.length > 0 ? `; not found: ${missing.map((h) => label(h.term)).join(", ")}` : ""}`,
    });
    for (const h of found) ev.push(...matchEvidence(text, h, "found", 1));
  }
  if (none.length > 0) {
    const present = none.filter((h) => h.matches.length > 0);
    parts.push({
      pass: present.length === 0,
      score: 1 - present.length / none.length,
      text: present.length === 0 ? `none: no forbidden term among ${none.length}` : `none: forbidden ${present.map((h) => label(h.term)).join(", ")} found`,
    });
    for (const h of present) ev.push(...matchEvidence(text, h, "forbidden", 3));
  }
  const pass = parts.every((p) => p.pass);
  const score = parts.reduce((s, p) => s + p.score, 0) / parts.length;
  ev.sort((a, b) => a.start - b.start);
  return result(c, { pass, score, reason: parts.map((p) => `${p.pass ? "✓" : "✗"} ${p.text}`).join("; "), evidence: ev });
}
