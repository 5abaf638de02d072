/**
 * Negative examples every task and tool case must reject (issue 11, item 12): word salad in
 * several scripts (what a random-weight model writes: llama.cpp with random weights gives
 * multilingual noise), salad laid out as a plan, the reference answer's words shuffled, the
 * prompt echoed back, and an empty answer. The salads carry the task's own keywords and
 * expected values, so a grader that only looks for words is caught. Deterministic: a fixed
 * seed per call.
 */
import type { Criterion, Term } from "../../../src/grading/criteria.js";

/** A small deterministic generator (LCG), so every run feeds the same noise. */
export function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** Content words of many languages and scripts (no English or French function words). */
export const SALAD_VOCAB = {
  latin: [
    "Gesellschaft", "verwenden", "ciudad", "trabajo", "proyecto", "zostać", "miasto", "perché", "lavoro", "gebruiken",
    "wachten", "kerja", "sedang", "yapılmış", "görev", "thành", "phố", "Straße", "nowy", "podczas", "velocidad", "fiume",
    "keadaan", "Zeitraum", "opgeslagen", "szybko", "Bahnhof", "orçamento", "sviluppo", "ulkona", "kaupunki", "hükümet",
    "tiempo", "rzeczy", "Wohnung", "probleem", "ricerca", "bekerja", "Kühlschrank", "kutoka", "watu", "ndani", "spazio",
  ],
  cyrillic: ["данные", "город", "работа", "система", "проверка", "развитие", "время", "місто", "задача", "сервер", "пользователь", "будет"],
  greek: ["δεδομένα", "πόλη", "εργασία", "σύστημα", "χρόνος", "ανάπτυξη"],
  arabic: ["البيانات", "المدينة", "العمل", "النظام", "الوقت", "تطوير", "مشروع"],
  hebrew: ["נתונים", "עיר", "עבודה", "מערכת", "זמן"],
  devanagari: ["डेटा", "शहर", "काम", "प्रणाली", "समय", "विकास"],
  cjk: ["数据", "城市", "工作", "系统", "时间", "开发", "测试", "部署", "データ", "都市", "テスト", "서버", "도시", "시험"],
  thai: ["ข้อมูล", "เมือง", "งาน", "ระบบ"],
  marks: ["**", "##", "-", "1.", "(", ")", ":", ";", "|", "=", "→", "…", "<0x0A>", "▁", "@", "#", "%", "///"],
} as const;

type Script = keyof typeof SALAD_VOCAB;

/** The words a task's criteria look for: text terms, numeric values, interval bounds, code constructs. */
export function criteriaKeywords(criteria: readonly Criterion[]): string[] {
  const out: string[] = [];
  const addTerms = (terms: readonly Term[] | undefined) => {
    for (const t of terms ?? []) for (const alt of typeof t === "string" ? [t] : t) if (!alt.trim().startsWith("/")) out.push(alt);
  };
  for (const c of criteria) {
    switch (c.grader) {
      case "text":
        addTerms(c.all);
        addTerms(c.any);
        break;
      case "numeric":
        out.push(`${c.variable ?? ""}`, "=", String(c.expect));
        break;
      case "interval":
        out.push(String(c.low), "<", `${c.variable ?? ""}`, "<", String(c.high));
        break;
      case "code":
        out.push(c.language);
        addTerms(c.constructs);
        break;
      default:
        break;
    }
  }
  return uniqueWords(out);
}

/** The words a tool case's final answer looks for. */
export function termKeywords(terms: readonly Term[] | undefined): string[] {
  const out: string[] = [];
  for (const t of terms ?? []) for (const alt of typeof t === "string" ? [t] : t) if (!alt.trim().startsWith("/")) out.push(alt);
  return uniqueWords(out);
}

/**
 * The distinct words of some phrases: what noise carries is words ("docker", "testing",
 * " city"), scattered, not the criteria's phrases verbatim.
 */
export function uniqueWords(phrases: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const p of phrases) {
    for (const w of p.split(/\s+/)) {
      if (w === "" || seen.has(w.toLowerCase())) continue;
      seen.add(w.toLowerCase());
      out.push(w);
    }
  }
  return out;
}

export interface SaladOptions {
  /** Scripts the salad draws from. */
  scripts: readonly Script[];
  /** How many words. */
  words: number;
  /** Words slipped in at random places (the task's keywords). */
  keywords?: readonly string[];
  /** Lay the salad out as a numbered list of this many lines (a "plan"). */
  lines?: number;
}

/** Word salad: random words of the given scripts, the keywords slipped in, a few marks. */
export function wordSalad(seed: number, o: SaladOptions): string {
  const r = rng(seed);
  const words: string[] = [];
  for (let i = 0; i < o.words; i++) {
    const script = r() < 0.12 ? "marks" : pick(r, o.scripts);
    words.push(pick(r, SALAD_VOCAB[script]));
  }
  for (const k of o.keywords ?? []) words.splice(Math.floor(r() * (words.length + 1)), 0, k);
  if (o.lines === undefined) return words.join(" ");
  const per = Math.max(1, Math.ceil(words.length / o.lines));
  const lines: string[] = [];
  for (let i = 0; i < o.lines; i++) lines.push(`${i + 1}. ${words.slice(i * per, (i + 1) * per).join(" ")}`);
  return lines.join("\n");
}

/** The text's words (split on whitespace) in a random order, on one line. */
export function shuffleWords(text: string, seed: number): string {
  const w = text.split(/\s+/).filter((x) => x !== "");
  const r = rng(seed);
  for (let i = w.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [w[i], w[j]] = [w[j]!, w[i]!];
  }
  return w.join(" ");
}

/** The text's words shuffled within each line, lines kept (a list keeps its markers). */
export function shuffleWithinLines(text: string, seed: number): string {
  return text
    .split("\n")
    .map((line, i) => {
      const lead = /^\s*(?:[-*+]|\d+[.)]|#{1,6})\s+/.exec(line)?.[0] ?? "";
      return lead + shuffleWords(line.slice(lead.length), seed + i);
    })
    .join("\n");
}

export interface Noise {
  name: string;
  answer: string;
}

/** The salads every task and case is fed: several scripts, Latin only, non-Latin, and a salad plan. */
export function salads(seed: number, keywords: readonly string[], size = 300): Noise[] {
  return [
    { name: "word salad in many scripts", answer: wordSalad(seed, { scripts: ["latin", "cyrillic", "cjk", "arabic", "greek", "devanagari", "hebrew", "thai"], words: size, keywords }) },
    { name: "word salad in Latin-script languages", answer: wordSalad(seed + 1, { scripts: ["latin"], words: size, keywords }) },
    { name: "word salad in Cyrillic and CJK", answer: wordSalad(seed + 2, { scripts: ["cyrillic", "cjk"], words: size, keywords }) },
    { name: "word salad laid out as a 10-step plan", answer: wordSalad(seed + 3, { scripts: ["latin", "cyrillic", "cjk"], words: size, keywords, lines: 10 }) },
  ];
}
