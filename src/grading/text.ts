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
    return { term, matches: findTerm(term, folded, 50) };
  });
}

function matchEvidence(text: string, h: TermHit, kind: string, perTerm = 3): Evidence[] {
  return h.matches.slice(0, perTerm).map((m) => {
    const syn = h.term.alternatives.length > 1 ? ` (synonym '${m.alternative}')` : "";
    return evidence(text, m.start, m.end, `${kind} ${label(h.term)}${syn}`);
  });
}

/**
 * The longest chain of terms found in the listed order (each match starting after the
 * previous one), greedily: the terms of the chain, in order.
 */
function orderedChain(list: TermHit[]): TermHit[] {
  const chain: TermHit[] = [];
  let after = -1;
  for (const h of list) {
    const m = h.matches.find((x) => x.start > after);
    if (!m) continue;
    chain.push(h);
    after = m.start;
  }
  return chain;
}

/** Grades a text criterion on one text. */
export function gradeText(c: TextCriterion, text: string): GradeResult {
  const noTerms = (c.all?.length ?? 0) === 0 && (c.any?.length ?? 0) === 0 && (c.none?.length ?? 0) === 0;
  if (noTerms) return errorResult(c, "the criterion lists no terms (all, any or none)");
  let folded: MappedText;
  let all: TermHit[];
  let any: TermHit[];
  let none: TermHit[];
  let against: TermHit[];
  try {
    folded = fold(text);
    all = hits(c.all ?? [], folded);
    any = hits(c.any ?? [], folded);
    none = hits(c.none ?? [], folded);
    against = hits(c.against ?? [], folded);
  } catch (e) {
    return errorResult(c, `bad term: ${(e as Error).message}`);
  }
  const parts: { pass: boolean; score: number; text: string }[] = [];
  const ev: Evidence[] = [];
  if (all.length > 0) {
    const found = all.filter((h) => h.matches.length > 0);
    const missing = all.filter((h) => h.matches.length === 0);
    if (c.ordered === true) {
      const chain = orderedChain(all);
      const outOfOrder = found.filter((h) => !chain.includes(h));
      parts.push({
        pass: missing.length === 0 && outOfOrder.length === 0,
        score: chain.length / all.length,
        text: `all, in order: ${chain.length}/${all.length} terms found in the listed order${missing.length > 0 ? `, missing ${missing.map((h) => label(h.term)).join(", ")}` : ""}${outOfOrder.length > 0 ? `, out of order ${outOfOrder.map((h) => label(h.term)).join(", ")}` : ""}`,
      });
    } else {
      parts.push({
        pass: missing.length === 0,
        score: found.length / all.length,
        text: `all: ${found.length}/${all.length} terms found${missing.length > 0 ? `, missing ${missing.map((h) => label(h.term)).join(", ")}` : ""}`,
      });
    }
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
  // The last statement decides: a match of an `against` term after every match of the
  // criterion's own terms contradicts them (a hypothesis in the working does not count).
  const positive = parts.length;
  let contradicted = false;
  if (against.length > 0) {
    const last = (list: TermHit[]) => {
      let best: { h: TermHit; start: number; end: number } | undefined;
      for (const h of list) for (const m of h.matches) if (!best || m.start > best.start) best = { h, start: m.start, end: m.end };
      return best;
    };
    const own = last([...all, ...any]);
    const contra = last(against);
    if (contra && (!own || contra.start > own.start)) {
      contradicted = true;
      const quoteOf = (x: { start: number; end: number }) => JSON.stringify(text.slice(x.start, x.end));
      parts.push({
        pass: false,
        score: 0,
        text: `the answer's last word contradicts it: ${quoteOf(contra)} (${label(contra.h.term)})${own ? ` comes after ${quoteOf(own)}` : ""}`,
      });
      ev.push(evidence(text, contra.start, contra.end, `contradicts (${label(contra.h.term)})`));
    }
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
  // Forbidden terms and contradictions veto, they never earn credit: with terms to find, the
  // score is theirs, times the share of forbidden terms absent, and 0 when contradicted (a
  // refusal that avoids the wrong answer scores 0, not half).
  const mean = (list: typeof parts) => list.reduce((s, p) => s + p.score, 0) / list.length;
  const noneScore = none.length > 0 ? (parts[parts.length - 1]?.score ?? 1) : 1;
  const score = positive > 0 ? (contradicted ? 0 : mean(parts.slice(0, positive)) * noneScore) : mean(parts);
  ev.sort((a, b) => a.start - b.start);
  return result(c, { pass, score, reason: parts.map((p) => `${p.pass ? "✓" : "✗"} ${p.text}`).join("; "), evidence: ev });
}
