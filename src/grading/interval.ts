/**
 * Interval grader: finds the interval an answer gives for a variable and compares it with
 * the expected one. Forms read (in the math view: "&lt;" is "<", "\leq" is "≤", "<=" is "≤"):
 *   - chain: "5 < B < 10", "5 ≤ B ≤ 10", "10 > B > 5";
 *   - set: "B ∈ ]5;10[", "B ∈ ]5, 10[", "B ∈ (5, 10)", "B ∈ [5, 10)", "B in (5, 10)",
 *     "B appartient à ]5 ; 10[", "l'intervalle de B est ]5;10[";
 *   - words: "B est compris entre 5 et 10", "B est strictement entre 5 et 10",
 *     "entre 5 et 10 (exclus)", "entre 5 exclu et 10 inclus", "B between 5 and 10",
 *     "strictly between 5 and 10", "between 5 and 10 inclusive";
 *   - two bounds: "B > 5 et B < 10", "5 < B and B < 10", "B > 5 et < 10",
 *     "B est supérieur à 5 et inférieur à 10", "B greater than 5 and less than 10",
 *     "B ≥ 6, B ≤ 9", "au moins 5 et au plus 10".
 * Openness: symbols and brackets state it; "strictement", "strictly", "exclus",
 * "exclusive", "non inclus" mean open; "inclus", "inclusive", "compris" (after the
 * bounds), "bornes incluses" mean closed; a bare "entre 5 et 10" / "between 5 and 10"
 * states none, and then only the bounds are compared (the reason says so).
 * The last interval stated about the variable is used. A different interval fails;
 * right bounds with the wrong openness score 0.5 and fail; a single value ("B = 7") or
 * one bound ("B > 5") fails, and the reason says which was found.
 */
import type { IntervalCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { evidence, quote, result } from "./evidence.js";
import { NUMBER_PATTERN, mathText, parseNumber } from "./math-text.js";
import { toOriginal } from "./normalize.js";
import { extractNumericCandidates, sameVariable, variableRegex, withinTolerance } from "./numeric.js";

export type IntervalForm = "chain" | "set" | "words" | "inequalities";

export interface IntervalCandidate {
  low: number;
  high: number;
  /** undefined: the answer did not say whether the bound is included. */
  lowInclusive?: boolean;
  highInclusive?: boolean;
  form: IntervalForm;
  /** The variable the statement is about, when it names one. */
  variable?: string;
  /** Span of the statement in the original text. */
  start: number;
  end: number;
}

export interface HalfBound {
  side: "low" | "high";
  value: number;
  inclusive: boolean;
  variable: string;
  start: number;
  end: number;
}

const BOUND = `([-+]?\\s?∞|[-+]?(?:${NUMBER_PATTERN}))`;
const IDENT = "[\\p{L}_][\\p{L}\\p{N}_]{0,15}";
const OP_WORDS: { re: RegExp; op: "<" | ">" | "≤" | "≥" }[] = [
  { re: /^strictement\s+sup[ée]rieure?s?\s+[àa]$/iu, op: ">" },
  { re: /^sup[ée]rieure?s?\s+ou\s+[ée]gale?s?\s+[àa]$/iu, op: "≥" },
  { re: /^sup[ée]rieure?s?\s+[àa]$/iu, op: ">" },
  { re: /^strictement\s+inf[ée]rieure?s?\s+[àa]$/iu, op: "<" },
  { re: /^inf[ée]rieure?s?\s+ou\s+[ée]gale?s?\s+[àa]$/iu, op: "≤" },
  { re: /^inf[ée]rieure?s?\s+[àa]$/iu, op: "<" },
  { re: /^(?:strictement\s+)?plus\s+grande?s?\s+que$/iu, op: ">" },
  { re: /^(?:strictement\s+)?plus\s+petite?s?\s+que$/iu, op: "<" },
  { re: /^(?:greater|larger|bigger|more)\s+than\s+or\s+equal\s+to$/iu, op: "≥" },
  { re: /^(?:strictly\s+)?(?:greater|larger|bigger|more)\s+than$/iu, op: ">" },
  { re: /^(?:less|smaller|lower)\s+than\s+or\s+equal\s+to$/iu, op: "≤" },
  { re: /^(?:strictly\s+)?(?:less|smaller|lower)\s+than$/iu, op: "<" },
  { re: /^(?:at\s+least|au\s+moins|au\s+minimum|no\s+less\s+than)$/iu, op: "≥" },
  { re: /^(?:at\s+most|au\s+plus|au\s+maximum|no\s+more\s+than)$/iu, op: "≤" },
];
const OP_SOURCE =
  "(<|>|≤|≥|strictement\\s+sup[ée]rieure?s?\\s+[àa]|sup[ée]rieure?s?\\s+ou\\s+[ée]gale?s?\\s+[àa]|sup[ée]rieure?s?\\s+[àa]|strictement\\s+inf[ée]rieure?s?\\s+[àa]|inf[ée]rieure?s?\\s+ou\\s+[ée]gale?s?\\s+[àa]|inf[ée]rieure?s?\\s+[àa]|(?:strictement\\s+)?plus\\s+grande?s?\\s+que|(?:strictement\\s+)?plus\\s+petite?s?\\s+que|(?:greater|larger|bigger|more)\\s+than\\s+or\\s+equal\\s+to|(?:strictly\\s+)?(?:greater|larger|bigger|more)\\s+than|(?:less|smaller|lower)\\s+than\\s+or\\s+equal\\s+to|(?:strictly\\s+)?(?:less|smaller|lower)\\s+than|at\\s+least|au\\s+moins|au\\s+minimum|no\\s+less\\s+than|at\\s+most|au\\s+plus|au\\s+maximum|no\\s+more\\s+than)";
const COPULA = "(?:\\s+(?:est|is|must\\s+be|doit\\s+[êe]tre|sera|will\\s+be|reste|remains|strictement|strictly|donc|so))*";
const QUAL =
  "strictement|strictly|exclusivement|exclusively|exclusive|exclus(?:es?)?|exclue?s?|non\\s+(?:inclus|compris)(?:es?)?|not\\s+included|excluded|ouverte?s?|inclusivement|inclusively|inclusive|inclus(?:es?)?|included|comprise?s?|ferm[ée]e?s?|closed";
const EXCL_RE = /^(?:strictement|strictly|exclusivement|exclusively|exclusive|exclus|exclue?s?|non\s|not\s|excluded|ouvert)/iu;

function toOp(s: string): "<" | ">" | "≤" | "≥" {
  if (s === "<" || s === ">" || s === "≤" || s === "≥") return s;
  const norm = s.replace(/\s+/g, " ").trim();
  for (const w of OP_WORDS) if (w.re.test(norm)) return w.op;
  return "<";
}

function bound(s: string): number {
  const t = s.replace(/\s+/g, "");
  if (t.includes("∞")) return t.startsWith("-") ? -Infinity : Infinity;
  const neg = t.startsWith("-");
  const v = parseNumber(t.replace(/^[-+]/, ""));
  return neg ? -v : v;
}

function inclusiveOf(q: string | undefined): boolean | undefined {
  if (q === undefined || q.trim() === "") return undefined;
  return !EXCL_RE.test(q.trim());
}

/** Intervals and one-sided bounds stated in a text, in text order. */
export function extractIntervals(text: string, variable?: string): { intervals: IntervalCandidate[]; halves: HalfBound[] } {
  const m = mathText(text);
  const t = m.text;
  const hasVar = variable !== undefined && variable.trim() !== "";
  const name = variable?.trim();
  const V = hasVar ? variableRegex(name ?? "").source : IDENT;
  const vFlags = hasVar && (name ?? "").length === 1 ? "gu" : "giu";
  const intervals: IntervalCandidate[] = [];
  const halves: HalfBound[] = [];
  const span = (s: number, e: number) => toOriginal(m, s, e);
  const push = (c: Omit<IntervalCandidate, "start" | "end">, s: number, e: number) => {
    let { low, high, lowInclusive, highInclusive } = c;
    if (low > high) {
      [low, high] = [high, low];
      [lowInclusive, highInclusive] = [highInclusive, lowInclusive];
    }
    const cand: IntervalCandidate = { ...c, low, high, ...span(s, e) };
    if (lowInclusive === undefined) delete cand.lowInclusive;
    else cand.lowInclusive = lowInclusive;
    if (highInclusive === undefined) delete cand.highInclusive;
    else cand.highInclusive = highInclusive;
    intervals.push(cand);
  };
  const lead = "(?<![\\p{L}\\p{N}_.,])";
  let r: RegExpExecArray | null;

  // Chains: 5 < B < 10, 10 > B > 5.
  const chainUp = new RegExp(`${lead}${BOUND}\\s*(<|≤)\\s*(${V})\\s*(<|≤)\\s*${BOUND}`, vFlags);
  while ((r = chainUp.exec(t)) !== null) {
    push({ low: bound(r[1] ?? ""), high: bound(r[5] ?? ""), lowInclusive: r[2] === "≤", highInclusive: r[4] === "≤", form: "chain", variable: r[3] ?? "" }, r.index, r.index + r[0].length);
  }
  const chainDown = new RegExp(`${lead}${BOUND}\\s*(>|≥)\\s*(${V})\\s*(>|≥)\\s*${BOUND}`, vFlags);
  while ((r = chainDown.exec(t)) !== null) {
    push({ low: bound(r[5] ?? ""), high: bound(r[1] ?? ""), lowInclusive: r[4] === "≥", highInclusive: r[2] === "≥", form: "chain", variable: r[3] ?? "" }, r.index, r.index + r[0].length);
  }

  // Sets: [a, b], ]a; b[, (a, b), [a, b)… named by what precedes them.
  const setRe = new RegExp(`([\\[\\]\\(])\\s*${BOUND}\\s*[;,]\\s*${BOUND}\\s*([\\[\\]\\)])`, "gu");
  const attrRe = new RegExp(
    `(?:(?<![\\p{L}\\p{N}_])(${IDENT})\\s*(?:∈|=|\\||\\bin\\b|appartient\\s+[àa]|est\\s+dans|se\\s+trouve\\s+dans|is\\s+in|lies\\s+in|belongs\\s+to)|(?:intervalle|interval|range|plage)\\s+(?:de|of|for|pour)\\s+(${IDENT})\\s*(?::|=|est|is)?)\\s*(?:l'intervalle|the\\s+(?:open\\s+|closed\\s+|half-open\\s+)?interval|l'ensemble|the\\s+range)?\\s*$`,
    "iu",
  );
  const keywordRe = /(?:∈|intervalle|interval|range|plage|r[ée]ponse|answer|result|r[ée]sultat)[^\n]{0,12}$/iu;
  while ((r = setRe.exec(t)) !== null) {
    const lineStart = t.lastIndexOf("\n", r.index) + 1;
    const before = t.slice(Math.max(lineStart, r.index - 60), r.index);
    const a = attrRe.exec(before);
    const named = a ? (a[1] ?? a[2]) : undefined;
    if (!a && !keywordRe.test(before)) continue; // a tuple, a citation, not an interval
    const open = r[1] ?? "[";
    const close = r[4] ?? "]";
    const stmtStart = a ? r.index - before.length + a.index : r.index;
    const c: Omit<IntervalCandidate, "start" | "end"> = {
      low: bound(r[2] ?? ""),
      high: bound(r[3] ?? ""),
      lowInclusive: open === "[",
      highInclusive: close === "]",
      form: "set",
    };
    if (named !== undefined) c.variable = named;
    push(c, stmtStart, r.index + r[0].length);
  }

  // Words: (B est) (strictement) (compris) entre a (exclu) et b (inclus) (, bornes exclues).
  const wordsRe = new RegExp(
    `(?:(strictement|strictly)\\s+)?(?:(?:compris(?:es?)?|comprise|situ[ée]e?s?)\\s+)?(?:entre|between)\\s+(?:les\\s+valeurs\\s+|the\\s+values\\s+)?${BOUND}(?:\\s*\\(?\\s*(${QUAL})\\s*\\)?)?\\s+(?:et|and|&)\\s+${BOUND}(?:\\s*\\(?\\s*(${QUAL})\\s*\\)?)?`,
    "giu",
  );
  const trailingRe = new RegExp(
    `^\\s*[,(]?\\s*(?:(?:les|the|both)\\s+)?(?:(?:deux\\s+)?bornes?\\s+|endpoints?\\s+|bounds?\\s+|limits?\\s+|valeurs?\\s+|values?\\s+)?(?:sont\\s+|are\\s+|[ée]tant\\s+|being\\s+)?(${QUAL})(?![\\p{L}])`,
    "iu",
  );
  const varAny = new RegExp(V, vFlags);
  const otherLetter = /(?<![\p{L}\p{N}_])[A-Z](?![\p{L}\p{N}_'’])/gu;
  while ((r = wordsRe.exec(t)) !== null) {
    const end = r.index + r[0].length;
    let lowQ = r[3];
    let highQ = r[5];
    let stmtEnd = end;
    if (highQ === undefined) {
      const tr = trailingRe.exec(t.slice(end, end + 50));
      if (tr) {
        highQ = tr[1];
        stmtEnd = end + tr[0].length;
      }
    }
    // One qualifier after both bounds speaks for both ("entre 5 et 10 exclus").
    if (lowQ === undefined && highQ !== undefined) lowQ = highQ;
    let lowInc = inclusiveOf(lowQ);
    let highInc = inclusiveOf(highQ);
    // "strictement" before, or anywhere earlier in the sentence ("B est strictement compris entre").
    const sentenceStart = Math.max(t.lastIndexOf("\n", r.index), t.lastIndexOf(". ", r.index), t.lastIndexOf(";", r.index), r.index - 80) + 1;
    const before = t.slice(sentenceStart, r.index);
    // A negated statement ("B n'est pas compris entre 5 et 10", "B is not between…") states no interval.
    if (/(?:\bnot|n['’]t|\bnever|\bpas|\bjamais)\s+(?:(?:forc[ée]ment|n[ée]cessairement|necessarily|really|vraiment)\s+)?(?:(?:lie|lies|located|situ[ée]e?s?)\s+)?$/iu.test(before)) continue;
    if (r[1] !== undefined || /(?:strictement|strictly)\s*(?:compris(?:es?)?\s*)?$/iu.test(before)) {
      lowInc = false;
      highInc = false;
    }
    // Who it is about: the last variable named before it in the sentence.
    let named: string | undefined;
    let namedAt = -1;
    varAny.lastIndex = 0;
    let v: RegExpExecArray | null;
    while ((v = varAny.exec(before)) !== null) {
      named = v[0];
      namedAt = v.index;
    }
    otherLetter.lastIndex = 0;
    let o: RegExpExecArray | null;
    let other: string | undefined;
    while ((o = otherLetter.exec(before)) !== null) {
      if (o.index > namedAt && o[0] !== named && (!hasVar || o[0] !== name)) other = o[0];
    }
    const c: Omit<IntervalCandidate, "start" | "end"> = { low: bound(r[2] ?? ""), high: bound(r[4] ?? ""), form: "words" };
    if (lowInc !== undefined) c.lowInclusive = lowInc;
    if (highInc !== undefined) c.highInclusive = highInc;
    if (hasVar) {
      if (other !== undefined) c.variable = other;
      else if (named !== undefined) c.variable = named;
    }
    push(c, hasVar && named !== undefined && other === undefined ? sentenceStart + namedAt : r.index, stmtEnd);
  }

  // One-sided bounds, then pairs of them: B > 5 et B < 10; B > 5 et < 10.
  const singleA = new RegExp(`(?<![\\p{L}\\p{N}_])(${V})${COPULA}\\s*${OP_SOURCE}\\s*${BOUND}`, "giu");
  const singleB = new RegExp(`${lead}${BOUND}\\s*(<|>|≤|≥)\\s*(${V})(?![\\p{L}\\p{N}_])`, vFlags);
  const elliptic = new RegExp(`^\\s*(?:,|et|and|&&|∧|mais|but)\\s*(?:(?:strictement|strictly)\\s+)?(?:(?:est|is)\\s+)?${OP_SOURCE}\\s*${BOUND}`, "iu");
  const sideOf = (op: "<" | ">" | "≤" | "≥", varFirst: boolean): { side: "low" | "high"; inclusive: boolean } => {
    const greater = op === ">" || op === "≥";
    const inclusive = op === "≤" || op === "≥";
    return { side: greater === varFirst ? "low" : "high", inclusive };
  };
  const varOk = (s: string) => (hasVar ? ((name ?? "").length === 1 ? s === name : s.toLowerCase() === (name ?? "").toLowerCase()) : true);
  while ((r = singleA.exec(t)) !== null) {
    const who = r[1] ?? "";
    if (!varOk(who)) continue;
    const op = toOp(r[2] ?? "<");
    const sd = sideOf(op, true);
    const end = r.index + r[0].length;
    halves.push({ ...sd, value: bound(r[3] ?? ""), variable: who, ...span(r.index, end) });
    const e = elliptic.exec(t.slice(end, end + 60));
    if (e) {
      const op2 = toOp(e[1] ?? "<");
      const sd2 = sideOf(op2, true);
      halves.push({ ...sd2, value: bound(e[2] ?? ""), variable: who, ...span(r.index, end + e[0].length) });
    }
  }
  while ((r = singleB.exec(t)) !== null) {
    const who = r[3] ?? "";
    if (!varOk(who)) continue;
    const sd = sideOf(toOp(r[2] ?? "<"), false);
    halves.push({ ...sd, value: bound(r[1] ?? ""), variable: who, ...span(r.index, r.index + r[0].length) });
  }
  halves.sort((a, b) => a.start - b.start || a.end - b.end);
  const joiner = /^[\s,;]*(?:(?:et|and|&&|∧|mais|but)\s*)?(?:(?:aussi|also|donc|so)\s+)?[\s,;]*$/iu;
  for (let i = 0; i + 1 < halves.length; i++) {
    const a = halves[i];
    const b = halves[i + 1];
    if (!a || !b || a.side === b.side || a.variable !== b.variable) continue;
    const gap = b.start >= a.end ? text.slice(a.end, b.start) : "";
    const sameStatement = b.start < a.end && b.start >= a.start; // "B > 5 et < 10": the second half spans the first
    if (!sameStatement && (gap.length > 40 || !joiner.test(gap))) continue;
    const low = a.side === "low" ? a : b;
    const high = a.side === "low" ? b : a;
    const start = Math.min(a.start, b.start);
    const end = Math.max(a.end, b.end);
    intervals.push({ low: low.value, high: high.value, lowInclusive: low.inclusive, highInclusive: high.inclusive, form: "inequalities", variable: a.variable, start, end });
  }

  // One candidate per statement: drop those inside another's span (a chain is also two halves).
  intervals.sort((x, y) => x.start - y.start || y.end - x.end);
  const kept: IntervalCandidate[] = [];
  for (const c of intervals) {
    const inside = kept.some((k) => c.start >= k.start && c.end <= k.end);
    if (!inside) kept.push(c);
  }
  return { intervals: kept, halves };
}

function show(low: number, high: number, li: boolean | undefined, hi: boolean | undefined): string {
  const l = li === undefined ? "⟨" : li ? "[" : "(";
  const h = hi === undefined ? "⟩" : hi ? "]" : ")";
  return `${l}${low}, ${high}${h}`;
}

function integerSet(low: number, high: number, li: boolean, hi: boolean): [number, number] {
  const lo = Number.isInteger(low) ? (li ? low : low + 1) : Math.ceil(low);
  const up = Number.isInteger(high) ? (hi ? high : high - 1) : Math.floor(high);
  return [lo, up];
}

/** Compares a stated interval with the criterion's. */
export function compareInterval(c: IntervalCandidate, crit: IntervalCriterion): { pass: boolean; score: number; why: string } {
  const wantLi = crit.low_inclusive ?? false;
  const wantHi = crit.high_inclusive ?? false;
  if (crit.integer === true) {
    const want = integerSet(crit.low, crit.high, wantLi, wantHi);
    const options: [boolean, boolean][] = [];
    for (const li of c.lowInclusive === undefined ? [true, false] : [c.lowInclusive])
      for (const hi of c.highInclusive === undefined ? [true, false] : [c.highInclusive]) options.push([li, hi]);
    const ok = options.some(([li, hi]) => {
      const got = integerSet(c.low, c.high, li, hi);
      return got[0] === want[0] && got[1] === want[1];
    });
    return ok
      ? { pass: true, score: 1, why: `the same integers, ${want[0]} to ${want[1]}` }
      : { pass: false, score: 0, why: `not the integers ${want[0]} to ${want[1]}` };
  }
  const boundsOk = withinTolerance(c.low, crit.low) && withinTolerance(c.high, crit.high);
  if (!boundsOk) return { pass: false, score: 0, why: "different bounds" };
  const liOk = c.lowInclusive === undefined || c.lowInclusive === wantLi;
  const hiOk = c.highInclusive === undefined || c.highInclusive === wantHi;
  if (!liOk || !hiOk) return { pass: false, score: 0.5, why: "right bounds, wrong openness" };
  const unstated = c.lowInclusive === undefined || c.highInclusive === undefined;
  return { pass: true, score: 1, why: unstated ? "bounds match; the answer does not say whether they are included" : "bounds and openness match" };
}

/** Grades an interval criterion on one text. */
export function gradeInterval(c: IntervalCriterion, text: string): GradeResult {
  const name = c.variable?.trim();
  const hasVar = name !== undefined && name !== "";
  const { intervals, halves } = extractIntervals(text, name);
  const want = show(c.low, c.high, c.low_inclusive ?? false, c.high_inclusive ?? false);
  const about = hasVar ? intervals.filter((i) => sameVariable(i.variable, name)) : intervals;
  const unnamed = hasVar ? intervals.filter((i) => i.variable === undefined) : [];
  const pool = about.length > 0 ? about : unnamed;
  const chosen = pool[pool.length - 1];
  const label = hasVar ? `${name} ∈ ${want}` : want;
  if (!chosen) {
    const singles = hasVar ? extractNumericCandidates(text, name).filter((x) => sameVariable(x.variable, name) && (x.rule === "assignment" || x.rule === "reverse")) : [];
    const ev: Evidence[] = [];
    let found = "no interval found";
    const lastSingle = singles[singles.length - 1];
    if (lastSingle) {
      found = `a single value, not an interval: ${quote(text.slice(lastSingle.start, lastSingle.end))}`;
      ev.push(evidence(text, lastSingle.start, lastSingle.end, "single value"));
    } else if (halves.length > 0) {
      const h = halves[halves.length - 1];
      if (h) {
        found = `only one bound: ${quote(text.slice(h.start, h.end))}`;
        ev.push(evidence(text, h.start, h.end, `${h.side} bound only`));
      }
    }
    const others = intervals.filter((i) => !pool.includes(i));
    if (others.length > 0) found += `; intervals about other variables: ${others.map((o) => `${o.variable ?? "?"} ∈ ${show(o.low, o.high, o.lowInclusive, o.highInclusive)}`).join(", ")}`;
    return result(c, { pass: false, score: 0, reason: `✗ ${found}; expected ${label}`, evidence: ev });
  }
  const cmp = compareInterval(chosen, c);
  const got = show(chosen.low, chosen.high, chosen.lowInclusive, chosen.highInclusive);
  const ev: Evidence[] = [evidence(text, chosen.start, chosen.end, `used (${chosen.form}): ${got}`)];
  for (const e of pool.slice(0, -1).slice(-3)) ev.push(evidence(text, e.start, e.end, `earlier (${e.form}): ${show(e.low, e.high, e.lowInclusive, e.highInclusive)}, not used`));
  const src = about.length > 0 ? `the last interval stated for ${name ?? "the variable"}` : hasVar ? `an interval naming no variable (none names ${name})` : "the last interval stated";
  return result(c, {
    pass: cmp.pass,
    score: cmp.score,
    reason: `${cmp.pass ? "✓" : "✗"} read ${got} from ${quote(text.slice(chosen.start, chosen.end))}, ${src}${pool.length > 1 ? ` (${pool.length} stated)` : ""}; expected ${label}: ${cmp.why}`,
    evidence: ev,
  });
}
