/**
 * Folding for matching, with an offset map back to the original text.
 *
 * A MappedText is a rewritten string whose every character remembers the span of the
 * original it came from, so a match found in the folded text is reported as evidence in
 * the text the model wrote. Folding: lower case, accents stripped (NFD + combining marks
 * removed: "Étape" ≡ "etape"), typographic quotes and dashes made ASCII, ligatures
 * spelled out (œ → oe), invisible characters dropped, whitespace runs made one space.
 *
 * Terms (strings from the criteria) are matched on folded text, word-boundary aware
 * (Unicode letters and digits), tolerant of whitespace and punctuation between words
 * ("to-do" ≡ "todo" ≡ "to do"), with a simple plural tolerance (see compileTerm).
 */

export interface MappedText {
  /** The text that was rewritten. */
  readonly original: string;
  /** The rewritten text. */
  readonly text: string;
  /** starts[i], ends[i]: the span of `original` that character i of `text` came from. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** A span of the original text. */
export interface Span {
  start: number;
  end: number;
}

/** The identity map of a string. */
export function identity(text: string): MappedText {
  const starts = new Array<number>(text.length);
  const ends = new Array<number>(text.length);
  for (let i = 0; i < text.length; i++) {
    starts[i] = i;
    ends[i] = i + 1;
  }
  return { original: text, text, starts, ends };
}

/**
 * The span of the original text that [start, end) of the rewritten text came from.
 * Always inside the original: 0 ≤ start ≤ end ≤ original.length.
 */
export function toOriginal(m: MappedText, start: number, end: number): Span {
  const n = m.text.length;
  const s = Math.max(0, Math.min(start, n));
  const e = Math.max(s, Math.min(end, n));
  if (n === 0) return { start: 0, end: 0 };
  if (e === s) {
    const at = s < n ? (m.starts[s] ?? 0) : m.original.length;
    return { start: at, end: at };
  }
  const os = m.starts[s] ?? 0;
  const oe = m.ends[e - 1] ?? m.original.length;
  return { start: Math.min(os, oe), end: Math.max(os, oe) };
}

/** Builds a MappedText piece by piece over a base MappedText (composition of maps). */
export class MappedBuilder {
  private readonly parts: string[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private lastWasSpace = false;

  constructor(private readonly base: MappedText) {}

  /** Appends `out`, every character of which comes from base.text[from, to). */
  push(out: string, from: number, to: number): void {
    if (out.length === 0) return;
    const span = toOriginal(this.base, from, to);
    for (let i = 0; i < out.length; i++) {
      this.starts.push(span.start);
      this.ends.push(span.end);
    }
    this.parts.push(out);
    this.lastWasSpace = false;
  }

  /** Appends one space for a whitespace run: consecutive calls extend the same space. */
  pushSpace(from: number, to: number): void {
    const span = toOriginal(this.base, from, to);
    if (this.lastWasSpace && this.ends.length > 0) {
      this.ends[this.ends.length - 1] = Math.max(this.ends[this.ends.length - 1] ?? 0, span.end);
      return;
    }
    this.starts.push(span.start);
    this.ends.push(span.end);
    this.parts.push(" ");
    this.lastWasSpace = true;
  }

  build(): MappedText {
    return { original: this.base.original, text: this.parts.join(""), starts: this.starts, ends: this.ends };
  }
}

const SPACE_RE = /^[\s\p{Zs}]$/u;
const INVISIBLE_RE = /^[\u00ad\u200b-\u200d\u2060\ufeff]$/u;
const MARK_RE = /\p{M}/gu;

const SPECIAL_FOLDS: Readonly<Record<string, string>> = {
  "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "`": "'", "´": "'",
  "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
  "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "⁃": "-",
  "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss",
  "ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl",
  "…": "...", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
};

/** Folds one character (a code point) for matching. */
export function foldChar(ch: string): string {
  const special = SPECIAL_FOLDS[ch];
  if (special !== undefined) return special;
  return ch.normalize("NFD").toLowerCase().replace(MARK_RE, "").normalize("NFC");
}

/** Folds a text for matching (see the module comment); `input` may itself be mapped. */
export function fold(input: string | MappedText): MappedText {
  const base = typeof input === "string" ? identity(input) : input;
  const b = new MappedBuilder(base);
  const t = base.text;
  let i = 0;
  while (i < t.length) {
    const cp = t.codePointAt(i) ?? 0;
    const len = cp > 0xffff ? 2 : 1;
    const ch = t.slice(i, i + len);
    if (SPACE_RE.test(ch)) b.pushSpace(i, i + len);
    else if (!INVISIBLE_RE.test(ch)) b.push(foldChar(ch), i, i + len);
    i += len;
  }
  return b.build();
}

/** Folds a short string without keeping the map (terms, names). */
export function foldString(s: string): string {
  return fold(s).text.trim();
}

// ---------------------------------------------------------------------------------------
// Terms

/** A compiled term: one or several alternatives; a match of any alternative counts. */
export interface CompiledTerm {
  /** How the term reads in reasons: "React" or "postgres|postgresql". */
  label: string;
  alternatives: CompiledAlternative[];
}

export type CompiledAlternative =
  | { kind: "words"; source: string; re: RegExp }
  | { kind: "regex"; source: string; re: RegExp };

/** A term written /…/flags is a regular expression on the original text. */
export const REGEX_TERM_RE = /^\/(.+)\/([dgimsuyv]*)$/s;

const ALNUM_RE = /[\p{L}\p{N}]/u;
const LETTERS_RE = /^\p{L}+$/u;
const DIGITS_RE = /^\p{Nd}+$/u;
const DIGIT_RE = /^\p{Nd}$/u;
/** Characters that join the words of a term and may be replaced by any separator. */
const JOINER_RE = /[\s\-_/.,:;'"·]/u;

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/**
 * Plural tolerance on one folded word: `jour` also matches `jours`, `jours` also `jour`,
 * `bateau` `bateaux`, `index` `indexes`, `journal` `journaux`. Short words (< 3 letters)
 * and words that are not all letters are matched as written.
 */
function wordPattern(word: string): string {
  if (!LETTERS_RE.test(word) || word.length < 3) return escapeRegex(word);
  if (word.length >= 4 && word.endsWith("s") && !/(?:ss|us|is)$/.test(word)) return `${escapeRegex(word.slice(0, -1))}s?`;
  if (/(?:au|eu|ou)$/.test(word)) return `${escapeRegex(word)}[sx]?`;
  if (/(?:s|x|z|ch|sh)$/.test(word)) return `${escapeRegex(word)}(?:es)?`;
  if (word.length >= 4 && word.endsWith("al")) return `${escapeRegex(word.slice(0, -2))}(?:al|aux|als)`;
  return `${escapeRegex(word)}s?`;
}

/** Compiles one alternative (a string) of a term; throws on an invalid /regex/. */
export function compileAlternative(source: string): CompiledAlternative {
  const rx = REGEX_TERM_RE.exec(source.trim());
  if (rx) {
    const flags = new Set((rx[2] ?? "").split(""));
    flags.add("g");
    flags.delete("y");
    return { kind: "regex", source, re: new RegExp(rx[1] ?? "", [...flags].join("")) };
  }
  const folded = foldString(source);
  if (folded.length === 0) throw new Error(`empty term ${JSON.stringify(source)}`);
  // Tokens: runs of letters/digits, single other characters; joiners become separators.
  const pieces: string[] = [];
  let i = 0;
  let pendingGap = false;
  let first = true;
  const chars = [...folded];
  const last = chars.length - 1;
  let lastWord = "";
  while (i < chars.length) {
    const ch = chars[i] ?? "";
    if (ALNUM_RE.test(ch)) {
      let word = "";
      while (i < chars.length && ALNUM_RE.test(chars[i] ?? "")) word += chars[i++];
      // Between two runs of digits a joiner is a decimal or thousands separator: "18.5"
      // matches "18,5" but neither "185" nor "18 5".
      const digits = DIGITS_RE.test(word) && DIGITS_RE.test(lastWord);
      if (!first) pieces.push(digits && pendingGap ? "[.,]" : pendingGap ? "[^\\p{L}\\p{N}]{0,4}" : "\\s*");
      pieces.push(wordPattern(word));
      pendingGap = false;
      first = false;
      lastWord = word;
      continue;
    }
    const edge = i === 0 || i === last;
    if (JOINER_RE.test(ch) && !edge) {
      // Only "." and "," join two numbers; any other joiner ends the number.
      if (ch !== "." && ch !== ",") lastWord = "";
      pendingGap = true;
      i++;
      continue;
    }
    lastWord = "";
    if (!first) pieces.push(pendingGap ? "[^\\p{L}\\p{N}]{0,4}" : "\\s*");
    pieces.push(escapeRegex(ch));
    pendingGap = false;
    first = false;
    i++;
  }
  // A number is whole: "17" is not found in "17.5" or "0.17", nor "180" in "1180".
  const head = DIGIT_RE.test(chars[0] ?? "") ? "(?<![\\p{L}\\p{N}]|\\d[.,])" : ALNUM_RE.test(chars[0] ?? "") ? "(?<![\\p{L}\\p{N}])" : "";
  const tail = DIGIT_RE.test(chars[last] ?? "") ? "(?![\\p{L}\\p{N}]|[.,]\\d)" : ALNUM_RE.test(chars[last] ?? "") ? "(?![\\p{L}\\p{N}])" : "";
  return { kind: "words", source, re: new RegExp(`${head}${pieces.join("")}${tail}`, "gu") };
}

/** Compiles a criterion term (a string or synonyms); throws on an invalid /regex/. */
export function compileTerm(term: string | readonly string[]): CompiledTerm {
  const list = typeof term === "string" ? [term] : [...term];
  return { label: list.join("|"), alternatives: list.map(compileAlternative) };
}

/** A match of a term in the original text. */
export interface TermMatch extends Span {
  /** The alternative (synonym) that matched, as written in the criterion. */
  alternative: string;
}

/**
 * Every match of a term, as spans of the original text, in text order (at most `limit`).
 * `folded` must be fold(original) (pass it in when matching many terms on one text).
 */
export function findTerm(term: CompiledTerm, folded: MappedText, limit = 50): TermMatch[] {
  const out: TermMatch[] = [];
  for (const alt of term.alternatives) {
    const hay = alt.kind === "regex" ? folded.original : folded.text;
    alt.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let n = 0;
    while ((m = alt.re.exec(hay)) !== null && n < limit) {
      if (m[0].length === 0) {
        alt.re.lastIndex++;
        continue;
      }
      const span = alt.kind === "regex" ? { start: m.index, end: m.index + m[0].length } : toOriginal(folded, m.index, m.index + m[0].length);
      out.push({ ...span, alternative: alt.source });
      n++;
    }
  }
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  return out.slice(0, limit);
}
