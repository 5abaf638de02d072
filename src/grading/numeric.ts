/**
 * Numeric grader: finds the value an answer gives (for a named variable, or its final
 * answer) and compares it with the expected number within a tolerance.
 *
 * Candidates (in the math view of the text, fenced code excluded, see math-text.ts):
 *   - assignment: "A = 10", "A=10", "A := 10", "A ≈ 10", "A → 10", "A : 10", "A vaut 10",
 *     "A est égal à 10", "A est de 10", "A equals 10", "A is 10", "A is equal to 10";
 *     a chain "A = 2 × C = 2 × 5 = 10" gives its last plain value (10); "A = 2C" gives none;
 *   - reverse: "10 pour A", "10 for A";
 *   - boxed: "\boxed{10}", "\boxed{A = 10}";
 *   - anchor: "Answer: 10", "Final answer: 10", "The answer is 10", "Réponse : 10",
 *     "La réponse est 10", "Résultat : 10", "Solution : 10";
 *   - bold: a bold span holding only a value ("**10**", "**45 €**");
 *   - last number: the last number of the text (only without a variable, as a last resort).
 * Which candidate is used, first tier that has one, the LAST in the text within a tier:
 *   with a variable: statements about it in an answer region (after "Réponse :", under a
 *   "Conclusion" heading, inside \boxed or bold), then any statement about it, then
 *   anchors and boxed values that name no variable;
 *   without: boxed and anchors, then bold values, then assignments, then the last number.
 * So a wrong final value fails even when the right one appears in the working.
 */
import type { NumericCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { evidence, quote, result } from "./evidence.js";
import { boldSpans } from "./markdown.js";
import { canonicalUnit, clauseEnd, clauseValue, findNumbers, mathText, plainValue, type NumberToken } from "./math-text.js";
import { toOriginal, type MappedText } from "./normalize.js";

export type NumericRule = "assignment" | "reverse" | "boxed" | "anchor" | "bold" | "last_number";

export interface NumericCandidate {
  value: number;
  unit?: string;
  unitCanon?: string;
  rule: NumericRule;
  /** The variable the statement names, when it names one. */
  variable?: string;
  /** In an answer region: after an answer anchor, under a conclusion heading, in \boxed or bold. */
  anchored: boolean;
  /** Stated as the final answer: after an answer anchor ("Réponse :") or in \boxed. */
  final: boolean;
  /** The statement ("A = 2 × 5 = 10") and the value ("10"), in the original text. */
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/** A variable name as a word: case-sensitive for one letter ("A" is not "a"), else not. */
export function variableRegex(v: string, sticky = false): RegExp {
  const name = v.trim();
  const flags = `${sticky ? "y" : "g"}u${name.length === 1 ? "" : "i"}`;
  return new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegex(name)}(?![\\p{L}\\p{N}_'’])`, flags);
}

const OP_RE =
  /\s*(?:(?:donc|alors|ainsi|finalement|bien|so|thus|therefore|then|now)\s+)?(?::=|=>|=|≈|≃|→|⇒|:(?!=)|vaut(?:\s+donc)?|valait|vaudra|est\s+(?:donc\s+|bien\s+|alors\s+)?[ée]gale?\s+[àa]|est\s+de|est|fait|[ée]gale?|equals|is\s+equal\s+to|is|was|will\s+be)(?![\p{L}])\s*(?:(?:donc|alors|bien|then|therefore|thus|exactly|exactement|environ|approximately|about)\s+)?/iuy;
const REVERSE_RE = /\s*(?:pour|for)\s+(?:la\s+variable\s+|the\s+variable\s+|variable\s+)?/iuy;
const GENERIC_ASSIGN_RE = /(?<![\p{L}\p{N}_])([A-Za-z][A-Za-z0-9_]{0,15})\s*(?:=|≈|:=)(?!=)/gu;
const ANCHOR_RE =
  /(?<![\p{L}])(?:(?:the\s+)?(?:final\s+)?answer\s+is|la\s+r[ée]ponse\s+(?:finale\s+)?est|(?:final\s+answer|answer|r[ée]ponse\s+finale|r[ée]ponse|r[ée]sultat\s+final|r[ée]sultat|result|solution|conclusion)\s*(?:finale?\s*)?(?:[:=→]|\s-\s))/giu;
const ANCHOR_LINE_RE =
  /^[ \t>#*_-]*(?:\d+[.)]\s*)?(?:final\s+answer|answer|r[ée]ponse(?:\s+finale)?|r[ée]sultats?(?:\s+finale?s?)?|results?|solution|conclusions?|en\s+r[ée]sum[ée]|summary|r[ée]sum[ée]|in\s+summary)[\s:*_]*$/gimu;

/** The [start, end) range of math-text indices whose characters come from [origStart, origEnd). */
export function mathRange(m: MappedText, origStart: number, origEnd: number): { start: number; end: number } {
  // starts[] never decreases: binary search the first character at or after origStart.
  let lo = 0;
  let hi = m.text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((m.starts[mid] ?? 0) < origStart) lo = mid + 1;
    else hi = mid;
  }
  let e = lo;
  while (e < m.text.length && (m.starts[e] ?? 0) < origEnd) e++;
  return { start: lo, end: e };
}

interface Region {
  start: number;
  end: number;
}

/** Answer regions of the math text: after anchors, under answer headings, inside \boxed. */
function answerRegions(t: string): { regions: Region[]; anchors: Region[]; boxed: Region[] } {
  const regions: Region[] = [];
  const anchors: Region[] = [];
  const boxed: Region[] = [];
  const paragraphEnd = (from: number, max: number) => {
    const m = /\n[ \t]*\n/.exec(t.slice(from, from + max));
    return m ? from + m.index : Math.min(t.length, from + max);
  };
  ANCHOR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ANCHOR_RE.exec(t)) !== null) {
    const end = m.index + m[0].length;
    anchors.push({ start: m.index, end });
    regions.push({ start: m.index, end: paragraphEnd(end, 300) });
  }
  ANCHOR_LINE_RE.lastIndex = 0;
  while ((m = ANCHOR_LINE_RE.exec(t)) !== null) {
    const end = m.index + m[0].length;
    if (m[0].trim() === "") {
      ANCHOR_LINE_RE.lastIndex++;
      continue;
    }
    const h = /\n\s{0,3}#/.exec(t.slice(end, end + 800));
    regions.push({ start: m.index, end: h ? end + h.index : Math.min(t.length, end + 800) });
  }
  const boxRe = /\\(?:boxed|fbox)\s*\{/g;
  while ((m = boxRe.exec(t)) !== null) {
    let depth = 1;
    let i = m.index + m[0].length;
    const limit = Math.min(t.length, i + 400);
    for (; i < limit && depth > 0; i++) {
      if (t[i] === "{") depth++;
      else if (t[i] === "}") depth--;
    }
    const inner = { start: m.index + m[0].length, end: depth === 0 ? i - 1 : i };
    boxed.push(inner);
    regions.push({ start: m.index, end: i });
  }
  return { regions, anchors, boxed };
}

function within(r: readonly Region[], start: number, end: number): boolean {
  return r.some((x) => start >= x.start && end <= x.end);
}

/** Every candidate value of a text, in text order (see the module comment). */
export function extractNumericCandidates(text: string, variable?: string): NumericCandidate[] {
  const m = mathText(text);
  const t = m.text;
  const out: NumericCandidate[] = [];
  const { regions, anchors, boxed } = answerRegions(t);
  const bold = boldSpans(text);
  const inBold = (s: number, e: number) => {
    const o = toOriginal(m, s, e);
    return bold.some((b) => o.start >= b.start && o.end <= b.end);
  };
  const add = (rule: NumericRule, stmtStart: number, tok: NumberToken, name?: string) => {
    const stmt = toOriginal(m, stmtStart, tok.endWithUnit);
    const val = toOriginal(m, tok.start, tok.endWithUnit);
    const c: NumericCandidate = {
      value: tok.value,
      rule,
      anchored: within(regions, stmtStart, tok.endWithUnit) || inBold(stmtStart, tok.endWithUnit),
      final: rule === "anchor" || rule === "boxed",
      start: stmt.start,
      end: stmt.end,
      valueStart: val.start,
      valueEnd: val.end,
    };
    if (tok.unit !== undefined) c.unit = tok.unit;
    if (tok.unitCanon !== undefined) c.unitCanon = tok.unitCanon;
    if (name !== undefined) c.variable = name;
    out.push(c);
  };

  if (variable !== undefined && variable.trim() !== "") {
    const vre = variableRegex(variable);
    let v: RegExpExecArray | null;
    while ((v = vre.exec(t)) !== null) {
      // "X = T / U = 1.58" is about X: a name right after an operator is not a subject.
      const lineHead = t.slice(t.lastIndexOf("\n", v.index - 1) + 1, v.index);
      const bullet = /^\s*(?:[-*+•]|\d{1,3}[.)])?\s*[*_$(]*\s*$/.test(lineHead);
      if (!bullet && /[=/×*+^÷·≈<>≤≥-]\s*[*_$(]*\s*$/.test(lineHead.slice(-8))) continue;
      OP_RE.lastIndex = v.index + v[0].length;
      const op = OP_RE.exec(t);
      if (!op) continue;
      const from = op.index + op[0].length;
      const tok = clauseValue(t, from);
      if (tok) add("assignment", v.index, tok, variable.trim());
    }
    // Summary tables: | A | 10 | (the variable alone in a cell, the value in the next).
    const row = new RegExp(`^[ \\t]*\\|?[ \\t]*${variableRegex(variable).source}[ \\t]*\\|([^|\\n]*)`, `gm${variableRegex(variable).flags.replace("g", "")}`);
    while ((v = row.exec(t)) !== null) {
      const cellStart = v.index + v[0].length - (v[1] ?? "").length;
      const tok = clauseValue(t, cellStart, v.index + v[0].length);
      if (tok) add("assignment", v.index + (v[0].length - v[0].trimStart().length), tok, variable.trim());
    }
    const vSticky = variableRegex(variable, true);
    for (const tok of findNumbers(t)) {
      REVERSE_RE.lastIndex = tok.endWithUnit;
      const r = REVERSE_RE.exec(t);
      if (!r) continue;
      vSticky.lastIndex = r.index + r[0].length;
      if (vSticky.exec(t)) add("reverse", tok.start, tok, variable.trim());
    }
  } else {
    let g: RegExpExecArray | null;
    GENERIC_ASSIGN_RE.lastIndex = 0;
    while ((g = GENERIC_ASSIGN_RE.exec(t)) !== null) {
      const tok = clauseValue(t, g.index + g[0].length);
      if (tok) add("assignment", g.index, tok, g[1]);
    }
  }

  // Anchors and boxed values: the clause's final value; the variable it names, if any.
  const named = (from: number, to: number): string | undefined => {
    const a = /([A-Za-z][A-Za-z0-9_]{0,15})\s*(?:=|≈)/u.exec(t.slice(from, to));
    return a?.[1];
  };
  for (const a of anchors) {
    const end = clauseEnd(t, a.end);
    const tok = clauseValue(t, a.end, end);
    if (tok) add("anchor", a.start, tok, named(a.end, tok.start));
  }
  for (const b of boxed) {
    const end = Math.min(b.end, clauseEnd(t, b.start));
    const tok = clauseValue(t, b.start, end);
    if (tok) add("boxed", b.start, tok, named(b.start, tok.start));
  }
  for (const b of bold) {
    const r = mathRange(m, b.start, b.end);
    const tok = plainValue(t, r.start, r.end);
    if (tok) add("bold", r.start, tok);
  }
  const nums = findNumbers(t).filter((n) => !n.glued);
  const last = nums[nums.length - 1];
  if (last) add("last_number", last.start, last);

  // One candidate per value span: the most specific rule wins.
  const rank: Record<NumericRule, number> = { assignment: 0, reverse: 1, boxed: 2, anchor: 3, bold: 4, last_number: 5 };
  out.sort((x, y) => x.valueStart - y.valueStart || rank[x.rule] - rank[y.rule]);
  const seen = new Map<number, NumericCandidate>();
  const kept: NumericCandidate[] = [];
  for (const c of out) {
    const prev = seen.get(c.valueStart);
    if (prev) {
      if (prev.variable === undefined && c.variable !== undefined) prev.variable = c.variable;
      prev.anchored ||= c.anchored;
      prev.final ||= c.final;
      continue;
    }
    seen.set(c.valueStart, c);
    kept.push(c);
  }
  return kept;
}

const DOLLAR = canonicalUnit("$");

/** Whether a name written in the answer is the criterion's variable (one letter: case matters). */
export function sameVariable(written: string | undefined, name: string | undefined): boolean {
  if (written === undefined || name === undefined) return false;
  return name.length === 1 ? written === name : written.toLowerCase() === name.toLowerCase();
}

function unitOk(c: NumericCandidate, want: string | undefined): boolean {
  if (want === undefined || c.unitCanon === undefined) return true;
  const w = canonicalUnit(want);
  if (c.unitCanon === DOLLAR && w !== DOLLAR) return true; // "$" may be LaTeX math, not dollars
  return c.unitCanon === w;
}

/** The candidate the grader uses, and the tier it came from. */
export function selectCandidate(
  all: NumericCandidate[],
  variable: string | undefined,
  unit?: string,
): { chosen?: NumericCandidate; tier: string; considered: NumericCandidate[]; otherUnit: NumericCandidate[] } {
  const otherUnit = all.filter((c) => !unitOk(c, unit));
  const cands = all.filter((c) => unitOk(c, unit));
  const hasVar = variable !== undefined && variable.trim() !== "";
  const name = variable?.trim();
  const tiers: { tier: string; pool: NumericCandidate[] }[] = hasVar
    ? [
        { tier: `the last statement about ${name ?? ""} in an answer region`, pool: cands.filter((c) => sameVariable(c.variable, name) && c.anchored) },
        { tier: `the last statement about ${name ?? ""}`, pool: cands.filter((c) => sameVariable(c.variable, name)) },
        { tier: `the last final answer naming no variable (no statement about ${name ?? ""})`, pool: cands.filter((c) => c.final && c.variable === undefined) },
      ]
    : [
        { tier: "the last final answer (boxed or after an answer anchor)", pool: cands.filter((c) => c.final) },
        { tier: "the last bold value", pool: cands.filter((c) => c.rule === "bold") },
        { tier: "the last assignment", pool: cands.filter((c) => c.rule === "assignment") },
        { tier: "the last number of the text", pool: cands.filter((c) => c.rule === "last_number") },
      ];
  for (const { tier, pool } of tiers) {
    const chosen = pool[pool.length - 1];
    if (chosen) return { chosen, tier, considered: pool, otherUnit };
  }
  return { tier: "none", considered: [], otherUnit };
}

/** Whether a value matches the expectation within the criterion's tolerances. */
export function withinTolerance(value: number, expect: number, tolerance = 0, relTolerance = 0): boolean {
  const allowed = Math.max(tolerance, relTolerance * Math.abs(expect), 1e-9 * Math.max(1, Math.abs(expect)));
  return Math.abs(value - expect) <= allowed;
}

function matches(c: NumericCandidate, crit: NumericCriterion): boolean {
  if (withinTolerance(c.value, crit.expect, crit.tolerance, crit.rel_tolerance)) return true;
  // "25 %" may mean 0.25 when the criterion does not ask for percent.
  return c.unitCanon === "%" && crit.unit === undefined && withinTolerance(c.value / 100, crit.expect, crit.tolerance, crit.rel_tolerance);
}

function show(c: NumericCandidate): string {
  return `${c.value}${c.unit !== undefined ? ` ${c.unit}` : ""}`;
}

/** Grades a numeric criterion on one text. */
export function gradeNumeric(c: NumericCriterion, text: string): GradeResult {
  const name = c.variable?.trim();
  const all = extractNumericCandidates(text, name);
  const { chosen, tier, considered, otherUnit } = selectCandidate(all, name, c.unit);
  const tol = Math.max(c.tolerance ?? 0, (c.rel_tolerance ?? 0) * Math.abs(c.expect));
  const want = `${name !== undefined ? `${name} = ` : ""}${c.expect}${c.unit !== undefined ? ` ${c.unit}` : ""}${tol > 0 ? ` ± ${tol}` : ""}`;
  if (!chosen) {
    const seen = findNumbers(mathText(text).text)
      .slice(-5)
      .map((n) => String(n.value));
    const units = otherUnit.length > 0 ? `; values in another unit: ${otherUnit.map(show).join(", ")}` : "";
    const what = name !== undefined ? `no value stated for ${name} ("${name} = …", "${name} vaut …", "… pour ${name}")` : "no final value found";
    return result(c, {
      pass: false,
      score: 0,
      reason: `${what}; expected ${want}${seen.length > 0 ? `; last numbers in the text: ${seen.join(", ")}` : ""}${units}`,
      evidence: otherUnit.slice(-3).map((o) => evidence(text, o.start, o.end, `value in another unit: ${show(o)}`)),
    });
  }
  const ok = matches(chosen, c);
  const ev: Evidence[] = [evidence(text, chosen.start, chosen.end, `used (${chosen.rule}): ${show(chosen)}`)];
  const earlier = considered.filter((x) => x !== chosen);
  const earlierDiff = earlier.filter((x) => x.value !== chosen.value);
  for (const e of earlier.slice(-4)) ev.push(evidence(text, e.start, e.end, `earlier (${e.rule}): ${show(e)}, not used: a later statement wins`));
  const other = earlierDiff.length > 0 ? `; earlier values not used: ${[...new Set(earlierDiff.map(show))].join(", ")}` : "";
  const n = considered.length > 1 ? ` (${considered.length} candidates in that tier)` : "";
  return result(c, {
    pass: ok,
    score: ok ? 1 : 0,
    reason: `${ok ? "✓" : "✗"} read ${show(chosen)} from ${quote(text.slice(chosen.start, chosen.end))}, ${tier}${n}; expected ${want}${other}`,
    evidence: ev,
  });
}

