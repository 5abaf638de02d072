/**
 * Tolerant comparison of a model's call with the expected one (BFCL's AST match, made
 * lenient where that is safe and explained where it fails).
 *
 * Rules (docs/tool-checks.md has the examples):
 *   - strings: folded (case, accents, typographic quotes and dashes, ligatures) and
 *     whitespace ignored: "Saint-Étienne" ≡ "saint-etienne", "3 - 2" ≡ "3-2";
 *   - numbers: equal within 1e-9 relative, or within the matcher's absolute `tolerance`;
 *     10 ≡ 10.0;
 *   - safe coercion only: a string that is exactly a decimal number matches that number
 *     ("10" ≡ 10, " 2.50 " ≡ 2.5), "true"/"false" (any case) match the booleans; never
 *     "ten" ≡ 10, "" ≡ 0, 1 ≡ true, "yes" ≡ true, "10 km" ≡ 10, "007" ≡ 7;
 *   - `any`: one of the listed values; `contains`: free text holding every term (a term may
 *     be synonyms), matched like the text grader's terms; `optional`: may be absent (null
 *     counts as absent); `absent`: must not be given;
 *   - lists: same length, element by element, in order; nested objects: key by key with the
 *     same rules; keys the expectation does not name are ignored (schema_valid judges them).
 * Pure; nothing here does I/O.
 */
import { compileTerm, findTerm, fold, foldString } from "../normalize.js";
import { clip } from "../evidence.js";
import { callLabel, isPlainObject, parseArguments, show, showCall, type ParsedArguments } from "./args.js";
import type { ArgExpectation, ArgMatcherObject, ArgValue, ExpectedToolCall, MadeCall, MatchResult, StepMatch } from "./types.js";

const MATCHER_KEYS = new Set(["value", "any", "tolerance", "contains", "optional", "absent"]);
/**
 * A string that is exactly a decimal number (what may be read as that number). A leading
 * zero ("007", "01234") makes it an identifier (a code, a zip), not a number.
 */
const NUMBER_TEXT_RE = /^[+-]?(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_TEXT_RE = /^(?:true|false)$/i;
/** Default relative tolerance for numbers. */
export const RELATIVE_TOLERANCE = 1e-9;

/** `x` is a matcher object (all its keys are matcher keys), not a nested object value. */
export function isMatcher(x: unknown): x is ArgMatcherObject {
  return isPlainObject(x) && Object.keys(x).every((k) => MATCHER_KEYS.has(k));
}

/** Two numbers are equal: within 1e-9 relative, or within `tolerance` (absolute). */
export function numbersMatch(actual: number, expected: number, tolerance = 0): boolean {
  if (actual === expected) return true;
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return false;
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  // A hair of slack on the absolute tolerance so that 20.01 is within 0.01 of 20 in binary floating point.
  const slack = tolerance > 0 ? 1e-9 * Math.max(scale, tolerance) : 0;
  return Math.abs(actual - expected) <= tolerance + RELATIVE_TOLERANCE * scale + slack;
}

/** The number a value stands for, when it safely stands for one (a number, or a string that is exactly a decimal number). */
function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string") {
    const t = v.trim();
    if (NUMBER_TEXT_RE.test(t)) return Number(t);
  }
  return undefined;
}

function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && BOOLEAN_TEXT_RE.test(v.trim())) return v.trim().toLowerCase() === "true";
  return undefined;
}

/**
 * A string folded for equality: case, accents, quotes, dashes folded; whitespace removed.
 * Upper-cased first, so that letters whose lower case is not unique (ı, ſ, ς) fold alike.
 */
export function foldForEquality(s: string): string {
  return foldString(s.toUpperCase()).replace(/\s+/g, "");
}

/** A scalar expectation against a value, with safe coercion. */
function scalarMatches(expected: string | number | boolean | null, actual: unknown, tolerance: number): boolean {
  if (expected === null) return actual === null;
  if (typeof expected === "number") {
    const n = asNumber(actual);
    return n !== undefined && numbersMatch(n, expected, tolerance);
  }
  if (typeof expected === "boolean") return asBoolean(actual) === expected;
  // expected is a string
  if (typeof actual === "string") return foldForEquality(actual) === foldForEquality(expected);
  if (typeof actual === "number") {
    const n = asNumber(expected);
    return n !== undefined && numbersMatch(actual, n, tolerance);
  }
  if (typeof actual === "boolean") return BOOLEAN_TEXT_RE.test(expected.trim()) && asBoolean(expected) === actual;
  return false;
}

/** How an argument path reads in a reason: 'city', 'location.city', 'stops[2]'. */
function label(path: string): string {
  return `'${path}'`;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

/** How an expectation reads in a reason. */
export function describeExpectation(e: ArgExpectation): string {
  if (isMatcher(e)) {
    const parts: string[] = [];
    const values = [...(e.value !== undefined ? [e.value] : []), ...(e.any ?? [])];
    if (values.length === 1) parts.push(show(values[0], 60));
    else if (values.length > 1) parts.push(`one of ${values.map((v) => show(v, 40)).join(" | ")}`);
    if (e.tolerance !== undefined && values.some((v) => typeof v === "number")) parts.push(`± ${e.tolerance}`);
    if (e.contains) parts.push(`text with ${e.contains.map((t) => `'${typeof t === "string" ? t : t.join("|")}'`).join(", ")}`);
    if (e.absent) return "(absent)";
    if (parts.length === 0) parts.push("any value");
    if (e.optional) parts.push("(optional)");
    return parts.join(" ");
  }
  return show(e, 60);
}

/** Reasons an expectation is not met by a present value (empty: it is met). */
function matchValue(expected: ArgExpectation, actual: unknown, path: string, tolerance: number): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${label(path)}: got ${show(actual)}, expected a list ${show(expected)}`];
    if (actual.length !== expected.length) return [`${label(path)}: got a list of ${actual.length} ${show(actual)}, expected ${expected.length} ${show(expected)}`];
    return expected.flatMap((e, i) => matchPresent(e, actual[i], `${path}[${i}]`, tolerance));
  }
  if (isMatcher(expected)) return matchMatcher(expected, actual, path, tolerance);
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return [`${label(path)}: got ${show(actual)}, expected an object ${show(expected)}`];
    return matchRecord(expected as Record<string, ArgExpectation>, actual, path, tolerance);
  }
  return scalarMatches(expected, actual, tolerance) ? [] : [`${label(path)}: got ${show(actual)}, expected ${show(expected)}`];
}

/** A value that must be there (element of a list): undefined is "missing". */
function matchPresent(expected: ArgExpectation, actual: unknown, path: string, tolerance: number): string[] {
  if (actual === undefined) return [`${label(path)}: missing, expected ${describeExpectation(expected)}`];
  return matchValue(expected, actual, path, tolerance);
}

function matchMatcher(m: ArgMatcherObject, actual: unknown, path: string, outerTolerance: number): string[] {
  const tolerance = m.tolerance ?? outerTolerance;
  const reasons: string[] = [];
  const values: ArgValue[] = [...(m.value !== undefined ? [m.value] : []), ...(m.any ?? [])];
  if (values.length > 0) {
    const ok = values.some((v) => matchValue(v as ArgExpectation, actual, path, tolerance).length === 0);
    if (!ok) {
      if (values.length === 1) {
        const sub = matchValue(values[0] as ArgExpectation, actual, path, tolerance);
        const tol = tolerance > 0 && typeof values[0] === "number" ? ` ± ${tolerance}` : "";
        reasons.push(sub.length === 1 && tol === "" ? (sub[0] ?? "") : `${label(path)}: got ${show(actual)}, expected ${show(values[0])}${tol}`);
      } else {
        const tol = tolerance > 0 && values.some((v) => typeof v === "number") ? ` (± ${tolerance})` : "";
        reasons.push(`${label(path)}: got ${show(actual)}, expected one of ${values.map((v) => show(v, 40)).join(" | ")}${tol}`);
      }
    }
  }
  if (m.contains && m.contains.length > 0) {
    const text = typeof actual === "string" ? actual : typeof actual === "number" || typeof actual === "boolean" ? String(actual) : undefined;
    if (text === undefined) reasons.push(`${label(path)}: got ${show(actual)}, expected text containing ${m.contains.map(termLabel).join(", ")}`);
    else {
      const folded = fold(text);
      const missing: string[] = [];
      for (const t of m.contains) {
        let found: boolean;
        try {
          found = findTerm(compileTerm(t), folded, 1).length > 0;
        } catch (e) {
          reasons.push(`${label(path)}: the term ${termLabel(t)} is invalid (${e instanceof Error ? e.message : String(e)}): fix the case`);
          continue;
        }
        if (!found) missing.push(termLabel(t));
      }
      if (missing.length > 0) reasons.push(`${label(path)}: ${show(clip(text, 120), 140)} lacks ${missing.join(", ")}`);
    }
  }
  return reasons;
}

function termLabel(t: string | readonly string[]): string {
  return `'${typeof t === "string" ? t : t.join("|")}'`;
}

function matchRecord(expected: Readonly<Record<string, ArgExpectation>>, actual: Readonly<Record<string, unknown>>, prefix: string, tolerance: number): string[] {
  const reasons: string[] = [];
  for (const [key, e] of Object.entries(expected)) {
    const path = join(prefix, key);
    const has = Object.prototype.hasOwnProperty.call(actual, key) && actual[key] !== undefined;
    const v = has ? actual[key] : undefined;
    if (isMatcher(e)) {
      if (e.absent) {
        if (has && v !== null) reasons.push(`${label(path)}: must not be given, got ${show(v)}`);
        continue;
      }
      if (!has || v === null) {
        if (!e.optional) reasons.push(`${label(path)}: missing${v === null ? " (null)" : ""}, expected ${describeExpectation(e)}`);
        continue;
      }
      reasons.push(...matchMatcher(e, v, path, tolerance));
      continue;
    }
    if (!has) {
      reasons.push(`${label(path)}: missing, expected ${describeExpectation(e)}`);
      continue;
    }
    reasons.push(...matchValue(e, v, path, tolerance));
  }
  return reasons;
}

/**
 * The arguments a model gave against what the case expects; `reasons` says each mismatch
 * (empty when it passes). Arguments the expectation does not name are ignored.
 */
export function matchArguments(expected: Readonly<Record<string, ArgExpectation>>, actual: Readonly<Record<string, unknown>>): MatchResult {
  const reasons = matchRecord(expected, actual, "", 0);
  return { pass: reasons.length === 0, reasons };
}

// ---------------------------------------------------------------------------------------
// Steps

/** How an expected call reads: `get_weather(city: "Paris", days: 3)`. */
export function describeCall(e: ExpectedToolCall): string {
  const args = Object.entries(e.arguments ?? {}).map(([k, v]) => `${k}: ${describeExpectation(v)}`);
  return `${e.name}(${args.join(", ")})`;
}

interface Pairing {
  /** made index per expected index, -1 when unmatched */
  byExpected: number[];
  /** expected index per made index, -1 when unmatched */
  byMade: number[];
}

/** A maximum matching of expected to made calls (Kuhn's augmenting paths): order of either list cannot change how many match. */
function maximumMatching(ok: boolean[][], nExpected: number, nMade: number): Pairing {
  const byMade = new Array<number>(nMade).fill(-1);
  const byExpected = new Array<number>(nExpected).fill(-1);
  const augment = (e: number, seen: boolean[]): boolean => {
    for (let m = 0; m < nMade; m++) {
      if (!ok[e]?.[m] || seen[m]) continue;
      seen[m] = true;
      const other = byMade[m] ?? -1;
      if (other < 0 || augment(other, seen)) {
        byMade[m] = e;
        byExpected[e] = m;
        return true;
      }
    }
    return false;
  };
  for (let e = 0; e < nExpected; e++) augment(e, new Array<boolean>(nMade).fill(false));
  return { byExpected, byMade };
}

/**
 * One assistant turn's calls against the step's expected calls. Each expected call needs a
 * distinct made call with the same name whose arguments match; any order unless `ordered`
 * (then the made calls must come in the listed order); a call the step does not expect
 * fails it. An empty `expected` means no call should be made.
 */
export function matchStep(expected: readonly ExpectedToolCall[], made: readonly MadeCall[], ordered: boolean): StepMatch {
  const parsed: ParsedArguments[] = made.map((c) => parseArguments(c.arguments));
  const results: (MatchResult | undefined)[][] = expected.map((e) =>
    made.map((c, j) => {
      const p = parsed[j];
      if (c.name !== e.name || !p?.ok) return undefined;
      return matchArguments(e.arguments ?? {}, p.value);
    }),
  );
  const ok = results.map((row) => row.map((r) => r?.pass === true));
  const pairing = maximumMatching(ok, expected.length, made.length);
  const complete = pairing.byExpected.every((m) => m >= 0) && made.length === expected.length;
  const inOrder = complete && expected.every((_, i) => ok[i]?.[i] === true);
  const pass = ordered ? inOrder : complete;

  const notes = new Map<number, string>();
  const evidenceOf = (): string[] =>
    made.map((c, j) => {
      const e = pairing.byMade[j] ?? -1;
      const p = parsed[j];
      const exp = expected[e];
      const note = exp ? `matches expected #${e + 1} ${describeCall(exp)}` : (notes.get(j) ?? (p && !p.ok ? `arguments ${p.error}` : "no expected call matches it"));
      return `#${j + 1} ${showCall(c)}: ${note}`;
    });

  if (pass) return { pass, reasons: [], evidence: evidenceOf() };
  const reasons: string[] = [];
  if (complete && ordered && !inOrder) {
    reasons.push(`the calls match but not in the required order: expected ${expected.map((e) => e.name).join(", ")}; made ${made.map((c) => c.name).join(", ")}`);
    return { pass, reasons, evidence: evidenceOf() };
  }
  if (expected.length > 0 && made.length === 0) {
    reasons.push(`no call made; expected ${expected.map(describeCall).join(", ")}`);
    return { pass, reasons, evidence: [] };
  }
  expected.forEach((e, i) => {
    if ((pairing.byExpected[i] ?? -1) >= 0) return;
    // The closest free call with that name: its differences explain the miss.
    let best = -1;
    let bestReasons: string[] = [];
    made.forEach((c, j) => {
      if ((pairing.byMade[j] ?? -1) >= 0 || c.name !== e.name || notes.has(j)) return;
      const p = parsed[j];
      const rs = p?.ok ? (results[i]?.[j]?.reasons ?? []) : [`arguments ${p?.error ?? "unreadable"}`];
      if (best < 0 || rs.length < bestReasons.length) {
        best = j;
        bestReasons = rs;
      }
    });
    if (best >= 0) {
      const c = made[best];
      notes.set(best, `closest to expected #${i + 1} ${describeCall(e)}, but ${bestReasons.join("; ")}`);
      reasons.push(`expected ${describeCall(e)}; ${c ? callLabel(c, best) : "the call"} differs: ${bestReasons.join("; ")}`);
      return;
    }
    const sameName = made.findIndex((c) => c.name === e.name);
    const caseOnly = made.find((c) => c.name !== e.name && c.name.toLowerCase() === e.name.toLowerCase());
    if (caseOnly) reasons.push(`expected ${describeCall(e)}; ${caseOnly.name} was called instead (function names must match exactly)`);
    else if (sameName >= 0) reasons.push(`expected ${describeCall(e)}; every ${e.name} call made already matches another expected call`);
    else reasons.push(`expected ${describeCall(e)}: not called (made: ${made.map((c) => c.name).join(", ") || "none"})`);
  });
  made.forEach((c, j) => {
    if ((pairing.byMade[j] ?? -1) >= 0 || notes.has(j)) return;
    notes.set(j, expected.length === 0 ? "no call was expected" : "unexpected: the step does not expect it");
    reasons.push(expected.length === 0 ? `no call was expected, but ${callLabel(c, j)} was made: ${showCall(c, 120)}` : `unexpected call ${callLabel(c, j)}: ${showCall(c, 120)}`);
  });
  return { pass, reasons, evidence: evidenceOf() };
}
