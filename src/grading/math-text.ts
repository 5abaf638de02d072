/**
 * Text as the numeric and interval graders read it: fenced code blanked out, HTML
 * entities and LaTeX commands turned into the symbols they print (&lt; → <, \leq → ≤,
 * \in → ∈, \text{km} → km), bold and code markers dropped, <= and >= made ≤ and ≥,
 * typographic minus signs made "-", non-breaking spaces made spaces. Case and accents
 * are kept. Every character maps back to the original (see MappedText).
 *
 * Numbers: "1,000" and "1,000.5" (English thousands), "1 000" and "1 000,5" (French
 * grouping and decimal comma), "10,5" and "10.5", "1.000.000", "-3", "1e6"; a unit may
 * follow ("12 km", "45 €", "3 h", "25 %") or a currency sign come first ("$45", "€45").
 */
import { blankFences } from "./markdown.js";
import { MappedBuilder, foldString, identity, type MappedText } from "./normalize.js";

interface Rule {
  re: RegExp;
  /** The replacement, or the capture group whose characters are kept one by one. */
  to: string | { keep: number };
}

const RULES: Rule[] = [
  { re: /&lt;/y, to: "<" },
  { re: /&gt;/y, to: ">" },
  { re: /&le;/y, to: "≤" },
  { re: /&ge;/y, to: "≥" },
  { re: /&amp;/y, to: "&" },
  { re: /&nbsp;/y, to: " " },
  { re: /&minus;/y, to: "-" },
  { re: /&isin;/y, to: "∈" },
  { re: /&infin;/y, to: "∞" },
  { re: /&#0*60;/y, to: "<" },
  { re: /&#0*62;/y, to: ">" },
  { re: /\\(?:leqslant|leq|le)(?![a-zA-Z])/y, to: "≤" },
  { re: /\\(?:geqslant|geq|ge)(?![a-zA-Z])/y, to: "≥" },
  { re: /\\lt(?![a-zA-Z])/y, to: "<" },
  { re: /\\gt(?![a-zA-Z])/y, to: ">" },
  { re: /\\in(?![a-zA-Z])/y, to: "∈" },
  { re: /\\infty(?![a-zA-Z])/y, to: "∞" },
  { re: /\\(?:times|cdot)(?![a-zA-Z])/y, to: "×" },
  { re: /\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])/y, to: "" },
  { re: /\\(?:text|mathrm|textbf|mathbf|mbox|operatorname|textit|mathit)\s*\{([^{}]*)\}/y, to: { keep: 1 } },
  { re: /\\[,;:! ]/y, to: " " },
  { re: /\\[()[\]]/y, to: "" },
  { re: /\\[{}]/y, to: "" },
  { re: /\*\*|__/y, to: "" },
  { re: /`/y, to: "" },
  { re: /<=|=</y, to: "≤" },
  { re: />=/y, to: "≥" },
];
const TRIGGERS = new Set(["&", "\\", "*", "_", "`", "<", ">", "="]);
const CHAR_MAP: Readonly<Record<string, string>> = {
  "−": "-", "‐": "-", "‑": "-", "–": "-", "‒": "-",
  "⩽": "≤", "≦": "≤", "⩾": "≥", "≧": "≥",
  "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2002": " ", "\u2003": " ",
  "\u200b": "", "\u00ad": "", "\ufeff": "",
  "’": "'", "‘": "'",
};

const mathCache = { text: "", mapped: identity("") };

/** The math view of a text (memoised for the last text). */
export function mathText(original: string): MappedText {
  if (mathCache.text === original && original.length > 0) return mathCache.mapped;
  const blanked = blankFences(original);
  const base: MappedText = { ...identity(blanked), original };
  const b = new MappedBuilder(base);
  const t = blanked;
  let i = 0;
  outer: while (i < t.length) {
    const ch = t[i] ?? "";
    if (TRIGGERS.has(ch)) {
      for (const rule of RULES) {
        rule.re.lastIndex = i;
        const m = rule.re.exec(t);
        if (!m) continue;
        if (typeof rule.to === "string") {
          b.push(rule.to, i, i + m[0].length);
        } else {
          const g = m[rule.to.keep] ?? "";
          const gStart = i + m[0].indexOf(g);
          for (let k = 0; k < g.length; k++) b.push(g[k] ?? "", gStart + k, gStart + k + 1);
        }
        i += m[0].length;
        continue outer;
      }
    }
    const mapped = CHAR_MAP[ch];
    b.push(mapped ?? ch, i, i + 1);
    i++;
  }
  const mapped = b.build();
  mathCache.text = original;
  mathCache.mapped = mapped;
  return mapped;
}

// ---------------------------------------------------------------------------------------
// Numbers

export interface NumberToken {
  value: number;
  /** Span of the number (sign included, unit excluded) in the math text. */
  start: number;
  end: number;
  /** The unit as written and its canonical form, when one follows (or "$"/"€" precedes). */
  unit?: string;
  unitCanon?: string;
  /** End of the number and its unit. */
  endWithUnit: number;
  /** A letter is glued to the number and is no known unit ("2C", "3x"): not a plain value. */
  glued: boolean;
}

// Grouped digits are bounded ({1,5} groups) so that no pattern can scan a long run of
// "123 456 789 …" again from every position (quadratic time on hostile text).
const NUMBER_SOURCE =
  "(?:\\d{1,3}(?:,\\d{3}){1,5}(?:\\.\\d+)?|\\d{1,3}(?: \\d{3}){1,5}(?:,\\d+)?(?!\\d)|\\d{1,3}(?:\\.\\d{3}){2,5}(?:,\\d+)?|\\d{1,40}(?:[.,]\\d{1,40})?)(?:[eE][-+]?\\d{1,4})?";
const NUMBER_RE = new RegExp(`(?<![\\p{L}\\p{N}_]|\\p{N}[.,])${NUMBER_SOURCE}(?!\\p{N})`, "gu");
const NUMBER_STICKY = new RegExp(`${NUMBER_SOURCE}(?!\\p{N})`, "uy");
export const NUMBER_PATTERN = NUMBER_SOURCE;

/** Canonical unit names and how answers write them (folded). */
const UNIT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  "%": ["%", "pourcent", "pour cent", "pourcents", "percent", "per cent", "pct"],
  "‰": ["‰"],
  "€": ["€", "eur", "euro", "euros"],
  $: ["$", "usd", "dollar", "dollars"],
  "£": ["£", "gbp", "livre", "livres", "pound", "pounds"],
  km: ["km", "kilometre", "kilometres", "kilometer", "kilometers"],
  m: ["m", "metre", "metres", "meter", "meters"],
  cm: ["cm", "centimetre", "centimetres", "centimeter", "centimeters"],
  mm: ["mm", "millimetre", "millimetres", "millimeter", "millimeters"],
  mi: ["mi", "mile", "miles"],
  "km/h": ["km/h", "kmh", "km.h-1"],
  "m/s": ["m/s"],
  h: ["h", "hr", "hrs", "heure", "heures", "hour", "hours"],
  min: ["min", "mins", "mn", "minute", "minutes"],
  s: ["s", "sec", "secs", "seconde", "secondes", "second", "seconds"],
  ms: ["ms", "milliseconde", "millisecondes", "millisecond", "milliseconds"],
  day: ["j", "jour", "jours", "day", "days", "d"],
  week: ["semaine", "semaines", "sem", "week", "weeks", "wk"],
  month: ["mois", "month", "months"],
  year: ["an", "ans", "annee", "annees", "year", "years", "yr", "yrs"],
  kg: ["kg", "kilo", "kilos", "kilogramme", "kilogrammes", "kilogram", "kilograms"],
  g: ["g", "gramme", "grammes", "gram", "grams"],
  l: ["l", "litre", "litres", "liter", "liters"],
  ml: ["ml", "millilitre", "millilitres", "milliliter", "milliliters"],
  "°c": ["°c", "°", "degres", "degrees", "celsius"],
  "tok/s": ["tok/s", "tokens/s", "token/s"],
  "m²": ["m²", "m2", "metre carre", "metres carres", "square meter", "square meters", "square metre", "square metres", "sq m"],
  "m³": ["m³", "m3", "metre cube", "metres cubes", "cubic meter", "cubic meters"],
  "km²": ["km²", "km2"],
  "cm²": ["cm²", "cm2"],
  "l/h": ["l/h", "litres/h", "litre/h", "litres par heure", "liters per hour"],
  gb: ["go", "gb", "gib"],
  mb: ["mo", "mb", "mib"],
};
const UNIT_LOOKUP = new Map<string, string>();
for (const [canon, list] of Object.entries(UNIT_ALIASES)) for (const a of list) UNIT_LOOKUP.set(a, canon);

/** The canonical form of a unit as written ("Heures" → "h", "EUR" → "€"); unknown units fold to themselves. */
export function canonicalUnit(unit: string): string {
  const f = foldString(unit).replace(/\s+/g, " ").replace(/\.$/, "");
  return UNIT_LOOKUP.get(f) ?? f;
}

/** Whether a written unit is one of the known ones. */
export function isKnownUnit(unit: string): boolean {
  return UNIT_LOOKUP.has(foldString(unit).replace(/\s+/g, " ").replace(/\.$/, ""));
}

const UNIT_AFTER_RE = /^( ?)(%|‰|€|\$|£|°\s?[cC]|°|pour cent|per cent|[\p{L}µ][\p{L}]*[²³]?(?:\/[\p{L}]+[²³]?)?)(?![\p{L}\p{N}])/u;

/** Parses the digits of a number as written. */
export function parseNumber(raw: string): number {
  let s = raw.replace(/ /g, "");
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(s)) s = s.replace(/,/g, "");
  else if (/^\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?/.test(s)) s = s.replace(/\./g, "").replace(",", ".");
  else s = s.replace(",", ".");
  return Number(s);
}

function numberFromMatch(t: string, m: RegExpExecArray): NumberToken {
  let start = m.index;
  let value = parseNumber(m[0]);
  const signCh = t[start - 1];
  if ((signCh === "-" || signCh === "+") && !/[\p{L}\p{N})\]}]/u.test(t[start - 2] ?? "")) {
    start--;
    if (signCh === "-") value = -value;
  }
  const end = m.index + m[0].length;
  const tok: NumberToken = { value, start, end, endWithUnit: end, glued: false };
  const before = t[start - 1] ?? "";
  if ((before === "$" || before === "€" || before === "£") && tok.value >= 0) {
    tok.unit = before;
    tok.unitCanon = canonicalUnit(before);
    tok.start = start - 1;
  }
  const after = UNIT_AFTER_RE.exec(t.slice(end, end + 24));
  if (after) {
    const word = after[2] ?? "";
    // Known units, and unit-shaped words ("L/h", "m²", "tok/s") even when unknown.
    const known = isKnownUnit(word) || /[/²³]/.test(word);
    if (known) {
      tok.unit = word;
      tok.unitCanon = canonicalUnit(word);
      tok.endWithUnit = end + after[0].length;
    } else if (after[1] === "" && /^\p{L}/u.test(word)) {
      tok.glued = true;
    }
  }
  return tok;
}

/** Every number of a math text, in order. */
export function findNumbers(t: string, from = 0, to = t.length): NumberToken[] {
  const out: NumberToken[] = [];
  NUMBER_RE.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = NUMBER_RE.exec(t)) !== null && m.index < to) {
    if (m.index + m[0].length > to) break;
    out.push(numberFromMatch(t, m));
  }
  return out;
}

/** The number starting at `i` (after spaces, then an optional currency sign and sign), if any. */
export function numberAt(t: string, i: number): NumberToken | undefined {
  let k = i;
  while (k < t.length && t[k] === " ") k++;
  if (t[k] === "$" || t[k] === "€" || t[k] === "£") k++;
  if (t[k] === "-" || t[k] === "+") k++;
  const before = t[k - 1] ?? "";
  if (/[\p{L}\p{N}_]/u.test(before) || (/[.,]/.test(before) && /\p{N}/u.test(t[k - 2] ?? ""))) return undefined;
  NUMBER_STICKY.lastIndex = k;
  const m = NUMBER_STICKY.exec(t);
  return m ? numberFromMatch(t, m) : undefined;
}

const OPERATOR_WORDS = /(?:^|[\s(])(?:fois|times|plus|moins|minus|divis\p{L}*|multipli\p{L}*|over|sur|x|de|of|mod|modulo)(?=$|[\s)])|[×*/+^÷·=<>≤≥\d-]/u;

/**
 * A plain value at the start of a clause segment: a number, its unit, at most three
 * words that are no operators ("10", "10 km", "45 €", "10 pommes"), nothing else.
 */
export function plainValue(t: string, from: number, to: number): NumberToken | undefined {
  let i = from;
  while (i < to && /[\s:]/.test(t[i] ?? "")) i++;
  const tok = numberAt(t, i);
  if (!tok || tok.glued || tok.end > to) return undefined;
  const unitEnd = Math.min(tok.endWithUnit, to);
  const rest = t
    .slice(unitEnd, to)
    .replace(/[\s.,;:!?)\]}"'»*_$€£]+$/u, "")
    .trim();
  if (rest === "") return tok;
  if (OPERATOR_WORDS.test(` ${rest}`)) return undefined;
  const words = rest.split(/\s+/).filter((w) => w.length > 0);
  return words.length <= 3 && words.every((w) => /^[\p{L}'’]+$/u.test(w)) ? tok : undefined;
}

const CLAUSE_END_RE =
  /\n|;|,\s|\.\s|\.$|\(|\[(?!\s*\d)|\?|!|\||:\s|\s(?:et|and|donc|so|car|because|mais|but|ou|or|puisque|since|alors|then|soit|i\.e\.|avec|with|lorsque|when|quand|si|if|pour|for)\s/iu;

/** Where the clause starting at `from` ends (at most 160 characters on). */
export function clauseEnd(t: string, from: number): number {
  const window = t.slice(from, from + 160);
  const m = CLAUSE_END_RE.exec(window);
  return from + (m ? m.index : window.length);
}

const OPERATOR_WORD_SET = new Set(["fois", "times", "plus", "moins", "minus", "over", "sur", "x", "de", "of", "mod", "modulo", "divided", "multiplied", "divise", "divisé", "multiplie", "multiplié"]);

/** Words of a segment that are prose: two letters or more, no operator words. */
function proseWords(s: string): number {
  return (s.match(/\p{L}{2,}/gu) ?? []).filter((w) => !OPERATOR_WORD_SET.has(w.toLowerCase())).length;
}

/**
 * The final value of a clause such as "2 × C = 2 × 5 = 10": segments between "=" signs
 * are read left to right; expressions are skipped, plain values remembered, and a value
 * followed by prose ("10 est bien le double de C = 5") ends the chain with that value.
 * Undefined when the clause states no plain value.
 */
export function clauseValue(t: string, from: number, to: number = clauseEnd(t, from)): NumberToken | undefined {
  const cuts: number[] = [from];
  for (let i = from; i < to; i++) if (t[i] === "=" || t[i] === "≈") cuts.push(i + 1);
  let remembered: NumberToken | undefined;
  for (let k = 0; k < cuts.length; k++) {
    const s = cuts[k] ?? from;
    const e = k + 1 < cuts.length ? (cuts[k + 1] ?? to) - 1 : to;
    const v = plainValue(t, s, e);
    if (v) {
      remembered = v;
      continue;
    }
    let i = s;
    while (i < e && /[\s:]/.test(t[i] ?? "")) i++;
    const lead = numberAt(t, i);
    if (lead && !lead.glued && proseWords(t.slice(lead.endWithUnit, e)) >= 2) return lead;
  }
  return remembered;
}
