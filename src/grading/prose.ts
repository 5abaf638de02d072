/**
 * Is an answer prose in the asked language, and is it more than the prompt said back?
 *
 * A random-weight model writes multilingual word salad; keyword graders find "docker" and
 * "testing" in it and give it credit (issue 11: 67 % on a plan made of noise). Two checks
 * run before any criterion is credited (grade.ts applies them when the task's language and
 * prompt are known):
 *
 *   - `readProse`: the prose (code blocks, inline code and URLs left out) must be written in
 *     the task's language. English and French prose is about 35-55 % function words ("the",
 *     "of", "and" / "le", "de", "et"); a terse plan in a table still has 10 % or more; word
 *     salad has almost none. Text mostly in another script (Cyrillic, CJK, Arabic…) or that
 *     reads as the other language fails too. Short prose (under 12 words) is not judged:
 *     there is too little to tell, and a terse answer (`A = 10`) is not noise.
 *   - `promptEchoSpans`: stretches of the answer copied from the prompt (8 or more words in a
 *     row, or a code block the prompt already holds) are what the model was told, not what
 *     it found. They are blanked before grading (offsets kept), so a criterion is never met
 *     by repeating the question.
 *
 * Pure and deterministic; word lists are data below.
 */
import { scanMarkdown } from "./markdown.js";

export type ProseLanguage = "en" | "fr";

const LANGUAGE_NAMES: Record<ProseLanguage, string> = { en: "English", fr: "French" };
const EXAMPLES: Record<ProseLanguage, string> = { en: "the, of, and", fr: "le, de, et" };

// Closed-class words: determiners, pronouns, prepositions, conjunctions, auxiliaries and the
// commonest adverbs. Folded (lower case, no accents), two letters or more.
const FUNCTION_WORDS: Record<ProseLanguage, ReadonlySet<string>> = {
  en: new Set(
    (
      "the an of to in on at for with from by and or but nor is are was were be been being it its this that these those as not no " +
      "we you they he she our your their my his her him them us me can will would should must may might do does did done has have had " +
      "if then so than into onto over under about after before between through during without within each every all any some which " +
      "who whom whose what when where why how there here also only just more most such other very both either neither because while " +
      "until since per via up out off again once own same too yet one two first next last let us am shall could"
    ).split(" "),
  ),
  fr: new Set(
    (
      "le la les un une des du de au aux et ou mais donc ni car est sont etait etaient ete etre ont avait avoir il elle ils elles on " +
      "nous vous je tu ce cet cette ces ca cela ceci son sa ses leur leurs mon ma mes ton ta tes notre votre nos vos qui que qu quoi " +
      "dont ou pour par avec sans dans sur sous en ne pas plus moins tres se si comme puis aussi tout tous toute toutes chaque entre " +
      "avant apres vers chez lors fait faut peut doit sera seront sont soit deux premier premiere ensuite enfin alors ainsi y lui " +
      "meme quand bien deja encore avez ai as sommes etes vont va"
    ).split(" "),
  ),
};

/** Fewer words than this: too little prose to judge its language. */
export const PROSE_MIN_WORDS = 12;
/** Below this share of the asked language's function words, prose is not that language. */
export const PROSE_MIN_FUNCTION_SHARE = 0.06;
/** Above this share of words in a non-Latin script, the text is in another script. */
export const PROSE_MAX_FOREIGN_SHARE = 0.3;
/** A stretch of this many words or more copied from the prompt is an echo. */
export const ECHO_MIN_WORDS = 8;

export interface ProseReading {
  ok: boolean;
  /** Why not (empty when ok), in words a reviewer can check. */
  reason: string;
  /** Words read (Latin words of two letters or more, plus words in other scripts). */
  words: number;
  /** Share of the words that are function words of the asked language / of the other one. */
  asked: number;
  other: number;
  /** Share of the words in a non-Latin script. */
  foreign: number;
}

const CJK_RE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const WORD_RE = /[\p{L}\p{M}]+/gu;
const LATIN_RE = /^[\p{Script=Latin}\p{M}]+$/u;

function foldWord(w: string): string {
  return w.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The prose of a Markdown text: fenced code, inline code, URLs and LaTeX commands blanked. */
export function proseOf(text: string): string {
  const { lines } = scanMarkdown(text);
  const out = lines.map((l) => (l.inFence ? "" : l.text));
  return out
    .join("\n")
    .replace(/`[^`\n]*`/g, " ")
    .replace(/\bhttps?:\/\/\S+/g, " ")
    .replace(/\\[A-Za-z]+/g, " ");
}

/** Words of a text, by kind. */
function countWords(prose: string, language: ProseLanguage): { words: number; asked: number; other: number; foreign: number; latin: number } {
  const otherLang: ProseLanguage = language === "en" ? "fr" : "en";
  let latin = 0;
  let foreign = 0;
  let asked = 0;
  let other = 0;
  for (const m of prose.matchAll(WORD_RE)) {
    const w = m[0];
    if (LATIN_RE.test(w)) {
      if (w.length < 2) continue;
      latin++;
      const f = foldWord(w);
      if (FUNCTION_WORDS[language].has(f)) asked++;
      if (FUNCTION_WORDS[otherLang].has(f)) other++;
      continue;
    }
    // Scripts written without spaces: every character is a word.
    let cjk = 0;
    for (const ch of w) if (CJK_RE.test(ch)) cjk++;
    if (cjk > 0) foreign += cjk;
    else if ([...w].length >= 2) foreign++;
  }
  return { words: latin + foreign, asked, other, foreign, latin };
}

/**
 * Reads the prose of an answer (code blocks and inline code left out) and says whether it is
 * written in `language`. Too little prose to tell is ok.
 */
export function readProse(text: string, language: ProseLanguage): ProseReading {
  const c = countWords(proseOf(text), language);
  const asked = c.latin > 0 ? c.asked / c.latin : 0;
  const other = c.latin > 0 ? c.other / c.latin : 0;
  const foreign = c.words > 0 ? c.foreign / c.words : 0;
  const base = { words: c.words, asked, other, foreign };
  const name = LANGUAGE_NAMES[language];
  const otherName = LANGUAGE_NAMES[language === "en" ? "fr" : "en"];
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  if (c.words >= 8 && foreign > PROSE_MAX_FOREIGN_SHARE) {
    return { ...base, ok: false, reason: `${pct(foreign)} of its ${c.words} words are in a non-Latin script: it is not ${name} prose` };
  }
  if (c.latin < PROSE_MIN_WORDS) return { ...base, ok: true, reason: "" };
  if (other >= 0.12 && other > asked * 1.5) {
    return { ...base, ok: false, reason: `it reads as ${otherName} (${pct(other)} ${otherName} function words, ${pct(asked)} ${name}); the task asks in ${name}` };
  }
  if (asked < PROSE_MIN_FUNCTION_SHARE) {
    return {
      ...base,
      ok: false,
      reason: `only ${pct(asked)} of its ${c.latin} words are ${name} function words (${EXAMPLES[language]}…; ${name} prose has ${pct(PROSE_MIN_FUNCTION_SHARE)} or more): it is not ${name} prose`,
    };
  }
  return { ...base, ok: true, reason: "" };
}

// ---------------------------------------------------------------------------------------
// Echo of the prompt

interface Token {
  word: string;
  start: number;
  end: number;
}

function tokens(text: string, skipFences = false): Token[] {
  const out: Token[] = [];
  const fenced = skipFences ? scanMarkdown(text).blocks : [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (fenced.some((b) => m.index >= b.start && m.index < b.end)) continue;
    out.push({ word: foldWord(m[0]), start: m.index, end: m.index + m[0].length });
  }
  return out;
}

function normCode(code: string): string {
  return code.replace(/\s+/g, " ").trim();
}

/**
 * Spans of `answer` copied from `prompt`: runs of ECHO_MIN_WORDS words or more of its prose
 * that occur in the same order in the prompt (folded: case and accents ignored, punctuation
 * skipped), and fenced code blocks whose whole code the prompt holds (code that reuses the
 * prompt's signature is the model's own). Sorted, not overlapping.
 */
export function promptEchoSpans(answer: string, prompt: string, minWords = ECHO_MIN_WORDS): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  const p = tokens(prompt);
  // Prose only: code that reuses the prompt's names and signature is the model's own code.
  const a = tokens(answer, true);
  if (p.length >= minWords && a.length >= minWords) {
    const grams = new Set<string>();
    for (let i = 0; i + minWords <= p.length; i++) grams.add(p.slice(i, i + minWords).map((t) => t.word).join(" "));
    const covered = new Array<boolean>(a.length).fill(false);
    for (let i = 0; i + minWords <= a.length; i++) {
      if (grams.has(a.slice(i, i + minWords).map((t) => t.word).join(" "))) for (let k = i; k < i + minWords; k++) covered[k] = true;
    }
    let i = 0;
    while (i < a.length) {
      if (!covered[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j + 1 < a.length && covered[j + 1]) j++;
      spans.push({ start: a[i]!.start, end: a[j]!.end });
      i = j + 1;
    }
  }
  const promptCode = scanMarkdown(prompt).blocks.map((b) => normCode(b.code)).filter((c) => c.length > 0);
  if (promptCode.length > 0) {
    for (const b of scanMarkdown(answer).blocks) {
      const code = normCode(b.code);
      if (code.length > 0 && promptCode.some((pc) => pc.includes(code))) spans.push({ start: b.start, end: b.end });
    }
  }
  spans.sort((x, y) => x.start - y.start);
  const merged: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else merged.push({ ...s });
  }
  return merged;
}

/** `text` with the spans blanked to spaces (newlines kept), so offsets still hold. */
export function blankSpans(text: string, spans: readonly { start: number; end: number }[]): string {
  let out = "";
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + text.slice(s.start, s.end).replace(/[^\n]/g, " ");
    at = s.end;
  }
  return out + text.slice(at);
}
