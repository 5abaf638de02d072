/**
 * Structure grader: how many steps an answer lays out, how many headings, whether it has
 * a table. Several recognisers count steps and the best one wins (the seed's regex saw
 * 0 steps in a complete 10-step plan written as "**Étape 1 : …**" paragraphs):
 *   - numbered: "1.", "1)", "1 -", "1 :", "(1)", "**1.**", "### 1. Title": the longest
 *     consistent run 1, 2, 3… in text order (nested lists and restarts don't inflate it);
 *   - markers: "Step N", "Étape N", "Phase N", "Semaine N", "Week N", "Jour N", "Day N",
 *     "Sprint N"… at the start of a line (after heading marks, bullets, bold), N in digits
 *     or Roman numerals: the longest consistent run per marker word;
 *   - bullets: the largest block of same-level bullet items ("-", "*", "+", "•");
 *   - headings: the most headings at one level (needs two);
 *   - table: the data rows of the largest Markdown table.
 * Code fences are skipped: what is inside them is code, not steps.
 */
import type { StructureCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { capEvidence, errorResult, evidence, result } from "./evidence.js";
import { indentWidth, scanMarkdown, type Line } from "./markdown.js";
import { compileTerm, findTerm, fold, type CompiledTerm } from "./normalize.js";

export type Recogniser = "markers" | "numbered" | "table" | "headings" | "bullets";

/** One step found: the span of its line and a label. */
export interface StepItem {
  start: number;
  end: number;
  label: string;
}

export interface StructureAnalysis {
  /** Steps per recogniser (its best sequence). */
  steps: Record<Recogniser, StepItem[]>;
  /** The recogniser with the most steps (ties: markers, numbered, table, headings, bullets). */
  best: Recogniser;
  headings: StepItem[];
  tables: { start: number; end: number; rows: StepItem[] }[];
}

const HR_RE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const HEADING_RE = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET_RE = /^(\s*)([-*+•▪◦‣●○■□]|\u2022)\s+(?=\S)/u;
const NUMBERED_RE = /^\(?(\d{1,3})(?:[.)]|\s*[-–—:]|\s*\))(?:\*\*|__|\*|_)?(?=\s+\S|\s*$)/u;
const EMPHASIS_RE = /^(?:\*\*|__|\*(?=\S)|_(?=\S))+/;
const MARKER_WORDS =
  "step|[ée]tape|phase|stage|semaine|week|sprint|jour|day|milestone|jalon|partie|part|module|lot|it[ée]ration|iteration|t[âa]che|task|mois|month";
const MARKER_RE = new RegExp(`^(${MARKER_WORDS})\\s*(?:n[°o]\\s*|#\\s*)?(\\d{1,3}|[IVXLC]{1,7})(?![\\p{L}\\p{N}])`, "iu");
const TABLE_SEP_RE = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$|^\s*\|\s*:?-{2,}:?\s*\|\s*$/;

function roman(s: string): number | undefined {
  if (!/^[IVXLC]+$/.test(s)) return undefined;
  const v: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100 };
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const cur = v[s[i] ?? ""] ?? 0;
    const next = v[s[i + 1] ?? ""] ?? 0;
    total += cur < next ? -cur : cur;
  }
  return total > 0 && total < 100 ? total : undefined;
}

/** The longest run n, n+1, n+2… in order (duplicates skipped): items of the run. */
function longestRun<T extends { n: number }>(items: T[]): T[] {
  const bestEndingAt = new Map<number, { len: number; idx: number }>();
  const prev: number[] = new Array<number>(items.length).fill(-1);
  const len: number[] = new Array<number>(items.length).fill(1);
  let bestIdx = -1;
  for (let i = 0; i < items.length; i++) {
    const n = items[i]?.n ?? 0;
    const before = bestEndingAt.get(n - 1);
    if (before) {
      len[i] = before.len + 1;
      prev[i] = before.idx;
    }
    const cur = bestEndingAt.get(n);
    if (!cur || (len[i] ?? 1) > cur.len) bestEndingAt.set(n, { len: len[i] ?? 1, idx: i });
    if (bestIdx < 0 || (len[i] ?? 1) > (len[bestIdx] ?? 1)) bestIdx = i;
  }
  const run: T[] = [];
  for (let i = bestIdx; i >= 0; i = prev[i] ?? -1) {
    const item = items[i];
    if (item) run.push(item);
  }
  return run.reverse();
}

/** A short label for a step: the start of its line. */
function snippet(s: string): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length <= 24 ? `"${t}"` : `"${t.slice(0, 23)}…"`;
}

/** The line's span without trailing whitespace. */
function lineItem(l: Line, label: string): StepItem {
  const trimmed = l.text.replace(/\s+$/, "");
  const lead = trimmed.length - trimmed.trimStart().length;
  return { start: l.start + lead, end: l.start + trimmed.length, label };
}

/** Counts steps, headings and tables in a Markdown text. */
export function analyseStructure(text: string): StructureAnalysis {
  const { lines } = scanMarkdown(text);
  const numbered: (StepItem & { n: number })[] = [];
  const markers = new Map<string, (StepItem & { n: number })[]>();
  const headings: (StepItem & { level: number })[] = [];
  const bulletBlocks: StepItem[][] = [];
  const tables: { start: number; end: number; rows: StepItem[] }[] = [];

  let block: { indent: number; items: StepItem[] } | undefined;
  const closeBlock = () => {
    if (block && block.items.length > 0) bulletBlocks.push(block.items);
    block = undefined;
  };

  for (let li = 0; li < lines.length; li++) {
    const l = lines[li];
    if (!l) continue;
    if (l.inFence) {
      // A fence inside a list item (indented) keeps the list open.
      if (block && indentWidth(l.text) <= block.indent) closeBlock();
      continue;
    }
    const raw = l.text;
    if (raw.trim() === "") continue;
    if (HR_RE.test(raw)) {
      closeBlock();
      continue;
    }
    // Tables: a header line, a separator line, then rows holding "|".
    const next = lines[li + 1];
    if (raw.includes("|") && next && !next.inFence && TABLE_SEP_RE.test(next.text)) {
      closeBlock();
      const rows: StepItem[] = [];
      let k = li + 2;
      for (; k < lines.length; k++) {
        const row = lines[k];
        if (!row || row.inFence || !row.text.includes("|") || row.text.trim() === "") break;
        rows.push(lineItem(row, `row ${rows.length + 1}`));
      }
      const lastRow = lines[k - 1];
      tables.push({ start: lineItem(l, "").start, end: lastRow ? lastRow.end : next.end, rows });
      // Step markers in the first cells still count as markers.
      for (const r of [l, ...lines.slice(li + 2, k)]) {
        const cell = r.text.replace(/^\s*\|?\s*/, "").replace(EMPHASIS_RE, "");
        const mm = MARKER_RE.exec(cell);
        if (mm) addMarker(markers, mm, r);
      }
      li = k - 1;
      continue;
    }
    const indent = indentWidth(raw);
    let core = raw.trimStart();
    while (core.startsWith(">")) core = core.slice(1).trimStart();
    // Setext heading: a text line followed by === or ---.
    if (next && !next.inFence && /^\s{0,3}(=+|-+)\s*$/.test(next.text) && !BULLET_RE.test(raw) && core.length > 0 && !core.includes("|")) {
      closeBlock();
      headings.push({ ...lineItem(l, core), level: next.text.includes("=") ? 1 : 2 });
      const stripped = core.replace(EMPHASIS_RE, "");
      collectNumberAndMarker(stripped, l, numbered, markers);
      li++;
      continue;
    }
    const h = HEADING_RE.exec(core);
    if (h) {
      closeBlock();
      const title = (h[2] ?? "").replace(EMPHASIS_RE, "");
      headings.push({ ...lineItem(l, title), level: h[1]?.length ?? 1 });
      collectNumberAndMarker(title, l, numbered, markers);
      continue;
    }
    const b = BULLET_RE.exec(core);
    if (b) {
      const bIndent = indent;
      if (!block || bIndent < block.indent - 1) {
        closeBlock();
        block = { indent: bIndent, items: [] };
      }
      if (bIndent <= block.indent + 1) block.items.push(lineItem(l, snippet(core)));
      const rest = core.slice(b[0].length);
      collectNumberAndMarker(rest.replace(EMPHASIS_RE, ""), l, numbered, markers);
      continue;
    }
    // A paragraph line: it ends a bullet block unless it is indented under it.
    if (block && indent <= block.indent) closeBlock();
    collectNumberAndMarker(core.replace(EMPHASIS_RE, ""), l, numbered, markers);
  }
  closeBlock();

  const steps: Record<Recogniser, StepItem[]> = {
    markers: [],
    numbered: longestRun(numbered).map((s) => ({ start: s.start, end: s.end, label: s.label })),
    table: [],
    headings: [],
    bullets: [],
  };
  for (const list of markers.values()) {
    const run = longestRun(list);
    if (run.length > steps.markers.length) steps.markers = run.map((s) => ({ start: s.start, end: s.end, label: s.label }));
  }
  for (const t of tables) if (t.rows.length > steps.table.length) steps.table = t.rows;
  const byLevel = new Map<number, StepItem[]>();
  for (const hd of headings) {
    const list = byLevel.get(hd.level) ?? [];
    list.push({ start: hd.start, end: hd.end, label: snippet(hd.label) });
    byLevel.set(hd.level, list);
  }
  for (const list of byLevel.values()) if (list.length >= 2 && list.length > steps.headings.length) steps.headings = list;
  for (const list of bulletBlocks) if (list.length > steps.bullets.length) steps.bullets = list;

  const order: Recogniser[] = ["markers", "numbered", "table", "headings", "bullets"];
  let best: Recogniser = "markers";
  for (const r of order) if (steps[r].length > steps[best].length) best = r;
  return {
    steps,
    best,
    headings: headings.map((hd) => ({ start: hd.start, end: hd.end, label: `h${hd.level}` })),
    tables,
  };
}

function addMarker(markers: Map<string, (StepItem & { n: number })[]>, mm: RegExpExecArray, l: Line): void {
  const word = (mm[1] ?? "").toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  const token = mm[2] ?? "";
  const n = /^\d+$/.test(token) ? Number(token) : roman(token);
  if (n === undefined) return;
  const list = markers.get(word) ?? [];
  list.push({ ...lineItem(l, `${mm[1] ?? ""} ${token}`), n });
  markers.set(word, list);
}

function collectNumberAndMarker(core: string, l: Line, numbered: (StepItem & { n: number })[], markers: Map<string, (StepItem & { n: number })[]>): void {
  const c = core.trimStart();
  const num = NUMBERED_RE.exec(c);
  if (num) {
    numbered.push({ ...lineItem(l, `${num[1] ?? ""}.`), n: Number(num[1]) });
    const after = c.slice(num[0].length).trimStart().replace(EMPHASIS_RE, "");
    const mm = MARKER_RE.exec(after);
    if (mm) addMarker(markers, mm, l);
    return;
  }
  const mm = MARKER_RE.exec(c);
  if (mm) addMarker(markers, mm, l);
}

/**
 * The section of each step: from its start to the next step's start; the last one runs to
 * the next heading or horizontal rule after it that is not itself a step, or to the end.
 */
export function stepSections(text: string, steps: readonly StepItem[]): { index: number; start: number; end: number }[] {
  const sorted = steps.map((s, index) => ({ index, start: s.start, end: s.end })).sort((x, y) => x.start - y.start);
  const { lines } = scanMarkdown(text);
  return sorted.map((s, k) => {
    const next = sorted[k + 1];
    if (next) return { index: s.index, start: s.start, end: next.start };
    let end = text.length;
    for (const l of lines) {
      if (l.start <= s.end || l.inFence) continue;
      if (HEADING_RE.test(l.text) || HR_RE.test(l.text)) {
        end = l.start;
        break;
      }
    }
    return { index: s.index, start: s.start, end };
  });
}

const RECOGNISER_NAMES: Record<Recogniser, string> = {
  markers: "step markers",
  numbered: "numbered list",
  table: "table rows",
  headings: "headings",
  bullets: "bullet list",
};

/** Grades a structure criterion on one text. */
export function gradeStructure(c: StructureCriterion, text: string): GradeResult {
  if (c.min_steps === undefined && c.max_steps === undefined && c.min_headings === undefined && c.table !== true && c.each_step === undefined) {
    return errorResult(c, "the criterion sets none of min_steps, max_steps, min_headings, table, each_step");
  }
  const a = analyseStructure(text);
  const parts: { pass: boolean; score: number; text: string }[] = [];
  let ev: Evidence[] = [];
  const found = a.steps[a.best];
  const count = found.length;
  const others = (Object.keys(a.steps) as Recogniser[])
    .filter((r) => r !== a.best)
    .map((r) => `${RECOGNISER_NAMES[r]} ${a.steps[r].length}`)
    .join(", ");
  let capNote = "";
  if (c.min_steps !== undefined || c.max_steps !== undefined) {
    const min = c.min_steps;
    const max = c.max_steps;
    const okMin = min === undefined || count >= min;
    const okMax = max === undefined || count <= max;
    const sMin = min === undefined ? 1 : Math.min(1, count / min);
    const sMax = max === undefined || count <= max ? 1 : max / count;
    const want = min !== undefined && max !== undefined ? `${min}–${max}` : min !== undefined ? `at least ${min}` : `at most ${max ?? 0}`;
    const range = found.length > 0 ? ` (${found[0]?.label.trim() ?? ""} … ${found[found.length - 1]?.label.trim() ?? ""})` : "";
    parts.push({
      pass: okMin && okMax,
      score: sMin * sMax,
      text: `${count} steps by ${RECOGNISER_NAMES[a.best]}${count > 0 ? range : ""}, wanted ${want} [other recognisers: ${others}]`,
    });
    const capped = capEvidence(found.map((s, i) => evidence(text, s.start, s.end, `step ${i + 1} (${RECOGNISER_NAMES[a.best]})`)));
    ev = ev.concat(capped.evidence);
    capNote = capped.note;
  }
  if (c.each_step !== undefined) {
    let terms: CompiledTerm[];
    try {
      terms = c.each_step.any.map((t) => compileTerm(t));
    } catch (e) {
      return errorResult(c, `bad term in each_step: ${(e as Error).message}`);
    }
    const minShare = c.each_step.min_share ?? 1;
    const folded = fold(text);
    const matches = terms.flatMap((t) => findTerm(t, folded, 1000));
    const carries = (sec: { start: number; end: number }) => matches.some((m) => m.start >= sec.start && m.end <= sec.end);
    const sections = stepSections(text, found);
    let lacking = sections.filter((sec) => !carries(sec));
    let items = found;
    // A plan may give what each step needs in a table beside the steps (a row per phase with
    // its duration): the table's rows count when there are as many of them as steps needed.
    const table = a.tables.reduce<(typeof a.tables)[number] | undefined>((best, t) => (!best || t.rows.length > best.rows.length ? t : best), undefined);
    if (table && a.best !== "table" && lacking.length > 0 && table.rows.length >= Math.ceil(found.length * minShare)) {
      const rowLacking = table.rows.map((r, index) => ({ index, start: r.start, end: r.end })).filter((sec) => !carries(sec));
      if (table.rows.length - rowLacking.length > sections.length - lacking.length) {
        lacking = rowLacking;
        items = table.rows;
      }
    }
    const total = items === found ? sections.length : items.length;
    const carrying = total - lacking.length;
    const share = found.length > 0 && total > 0 ? Math.min(1, carrying / found.length) : 0;
    const what = terms.map((t) => `'${t.label}'`).join(", ");
    const counted = items === found ? `${carrying} of ${found.length} steps carry` : `${carrying} of the ${total} table rows beside the ${found.length} steps carry`;
    parts.push({
      pass: found.length > 0 && share >= minShare - 1e-9,
      score: found.length > 0 ? Math.min(1, share / minShare) : 0,
      text:
        found.length === 0
          ? `no steps to check for ${what}`
          : `${counted} ${what}, wanted ${minShare >= 1 ? "every step" : `${Math.round(minShare * 100)} % of them`}${lacking.length > 0 ? ` (lacking: ${items === found ? "step" : "row"} ${lacking.map((sec) => sec.index + 1).join(", ")})` : ""}`,
    });
    // Within the 20-span cap: the steps (when min_steps did not list them), then up to 5 lacking ones.
    if (c.min_steps === undefined && c.max_steps === undefined) ev = ev.concat(capEvidence(found.map((st, i) => evidence(text, st.start, st.end, `step ${i + 1} (${RECOGNISER_NAMES[a.best]})`)), 15).evidence);
    ev = ev.concat(lacking.slice(0, 5).map((sec) => evidence(text, items[sec.index]?.start ?? sec.start, items[sec.index]?.end ?? sec.start, `${items === found ? "step" : "row"} ${sec.index + 1} lacks ${what}`)));
  }
  if (c.min_headings !== undefined) {
    const n = a.headings.length;
    parts.push({ pass: n >= c.min_headings, score: Math.min(1, n / c.min_headings), text: `${n} headings, wanted at least ${c.min_headings}` });
    ev = ev.concat(capEvidence(a.headings.map((hd) => evidence(text, hd.start, hd.end, `heading (${hd.label})`)), 10).evidence);
  }
  if (c.table === true) {
    const t = a.tables[0];
    parts.push({ pass: t !== undefined, score: t ? 1 : 0, text: t ? `${a.tables.length} table(s), the first with ${t.rows.length} rows` : "no Markdown table (a header row, a |---| separator, rows)" });
    if (t) ev.push(evidence(text, t.start, t.end, "table"));
  }
  const pass = parts.every((p) => p.pass);
  const score = parts.reduce((s, p) => s + p.score, 0) / parts.length;
  return result(c, { pass, score, reason: `${parts.map((p) => `${p.pass ? "✓" : "✗"} ${p.text}`).join("; ")}${capNote}`, evidence: ev });
}
