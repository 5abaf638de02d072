/**
 * Code grader: fenced blocks of the criterion's language must be there (min_blocks),
 * parse (must_parse) and contain the named constructs (on the syntax tree) or match
 * /regex/flags (on the code text).
 *
 * Which blocks count: tagged ```python / ```py / ```python3 / ```py3 / ```pycon (prompts
 * stripped); ```javascript / ```js / ```jsx / ```mjs / ```cjs / ```node; ```typescript /
 * ```ts / ```tsx / ```mts / ```cts; and untagged blocks whose content looks like the
 * language (a TypeScript criterion also takes untagged blocks that look like JavaScript).
 * ```text, ```bash, ```json and other tags never count.
 */
import type { CodeCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { capEvidence, errorResult, evidence, result } from "./evidence.js";
import { blockOffset, scanMarkdown, type CodeBlock } from "./markdown.js";
import { REGEX_TERM_RE } from "./normalize.js";
import { constructKey, factMatches, isKnownConstruct, knownConstructs, parseCode, type CodeLanguage, type Fact, type ParseOutcome } from "./code-syntax.js";

const TAGS: Readonly<Record<string, CodeLanguage>> = {
  python: "python", py: "python", python3: "python", py3: "python", ipython: "python", pycon: "python", python2: "python",
  javascript: "javascript", js: "javascript", jsx: "javascript", mjs: "javascript", cjs: "javascript", node: "javascript", nodejs: "javascript", es6: "javascript",
  typescript: "typescript", ts: "typescript", tsx: "typescript", mts: "typescript", cts: "typescript",
};

/** The language of a fence tag, when it names one of ours. */
export function languageOfTag(tag: string): CodeLanguage | undefined {
  return TAGS[tag.toLowerCase()];
}

/** A guess at the language of untagged code, from telltale lines; undefined when unsure. */
export function guessLanguage(code: string): CodeLanguage | undefined {
  const score = { python: 0, javascript: 0, typescript: 0 };
  // [pattern, weight]: a definition line says more than a stray semicolon.
  const py: [RegExp, number][] = [
    [/^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(?:#.*)?$/m, 2],
    [/^\s*class\s+\w+(?:\(.*\))?\s*:\s*$/m, 2],
    [/^\s*(?:from\s+[\w.]+\s+)?import\s+[\w.]+(?:\s+as\s+\w+)?\s*$/m, 2],
    [/^\s*(?:if|elif|for|while|with|try|except|else|finally)\b.*:\s*(?:#.*)?$/m, 1],
    [/\bself\b/, 1],
    [/\b(?:None|True|False)\b/, 1],
    [/^\s*print\(/m, 1],
    [/^\s*#(?!include|!)/m, 1],
    [/\blen\(|\brange\(|\benumerate\(/, 1],
  ];
  const js: [RegExp, number][] = [
    [/\b(?:const|let|var)\s+[\w{[]/, 2],
    [/=>/, 1],
    [/\bfunction\b\s*\w*\s*\(/, 2],
    [/;\s*$/m, 1],
    [/console\.\w+\(/, 2],
    [/\{\s*$/m, 1],
    [/^\s*\/\//m, 1],
    [/\brequire\(|^\s*(?:import\s.+\sfrom\s+['"]|export\s)/m, 2],
    [/===|!==/, 1],
  ];
  const ts: [RegExp, number][] = [
    [/\binterface\s+\w+/, 2],
    [/\btype\s+\w+\s*=/, 2],
    [/[\w)]\s*:\s*(?:string|number|boolean|void|unknown|any|never|Record<|Promise<|Array<)/, 2],
    [/\bas\s+const\b/, 2],
    [/\b(?:private|public|protected|readonly)\s+\w+/, 1],
    [/<\w+(?:\[\])?>\s*\(/, 1],
    [/\benum\s+\w+\s*\{/, 2],
  ];
  for (const [r, w] of py) if (r.test(code)) score.python += w;
  for (const [r, w] of js) if (r.test(code)) score.javascript += w;
  for (const [r, w] of ts) if (r.test(code)) score.typescript += w;
  if (score.typescript > 0 && score.javascript > 0) return "typescript";
  const best = Math.max(score.python, score.javascript);
  if (best < 2 || score.python === score.javascript) return score.typescript >= 2 ? "typescript" : undefined;
  return score.python > score.javascript ? "python" : "javascript";
}

/** A ```pycon / doctest block keeps only the code after ">>> " and "... " prompts. */
function stripPrompts(b: CodeBlock): CodeBlock {
  const lines = b.code.split("\n");
  if (!lines.some((l) => l.startsWith(">>>"))) return b;
  const code: string[] = [];
  const lineStarts: number[] = [];
  const codeLineOffsets: number[] = [];
  let at = 0;
  lines.forEach((l, k) => {
    const m = /^(?:>>>|\.\.\.)(?: |$)/.exec(l);
    if (!m) return;
    const text = l.slice(m[0].length);
    code.push(text);
    lineStarts.push((b.lineStarts[k] ?? b.contentStart) + m[0].length);
    codeLineOffsets.push(at);
    at += text.length + 1;
  });
  return { ...b, code: code.join("\n"), lineStarts, codeLineOffsets };
}

export interface LanguageBlock {
  block: CodeBlock;
  /** "tag" when the fence names the language, "guessed" when the content looked like it. */
  how: "tag" | "guessed";
  parse: ParseOutcome;
}

/** The blocks of a text that count for a language, each parsed. */
export function languageBlocks(text: string, lang: CodeLanguage, lenient = false): LanguageBlock[] {
  const out: LanguageBlock[] = [];
  for (const raw of scanMarkdown(text).blocks) {
    let how: "tag" | "guessed" | undefined;
    const tagged = languageOfTag(raw.tag);
    if (tagged === lang) how = "tag";
    else if (raw.tag === "") {
      const g = guessLanguage(raw.code);
      if (g === lang || (lang === "typescript" && g === "javascript")) how = "guessed";
    }
    if (!how) continue;
    const block = lang === "python" ? stripPrompts(raw) : raw;
    if (block.code.trim() === "") continue;
    out.push({ block, how, parse: parseCode(block.code, lang, lenient) });
  }
  return out;
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Grades a code criterion on one text. */
export function gradeCode(c: CodeCriterion, text: string): GradeResult {
  const lang = c.language;
  const mustParse = c.must_parse ?? true;
  const minBlocks = c.min_blocks ?? 1;
  // Constructs: each term is a name, a /regex/, or synonyms of those.
  type Alt = { kind: "name"; key: string; label: string } | { kind: "regex"; re: RegExp; label: string };
  const constructs: { label: string; alts: Alt[] }[] = [];
  for (const term of c.constructs ?? []) {
    const list = typeof term === "string" ? [term] : term;
    const alts: Alt[] = [];
    for (const s of list) {
      const rx = REGEX_TERM_RE.exec(s.trim());
      if (rx) {
        try {
          const flags = new Set((rx[2] ?? "").split(""));
          flags.add("g");
          flags.delete("y");
          alts.push({ kind: "regex", re: new RegExp(rx[1] ?? "", [...flags].join("")), label: s });
        } catch (e) {
          return errorResult(c, `bad construct regex ${s}: ${(e as Error).message}`);
        }
      } else if (!isKnownConstruct(s, lang)) {
        return errorResult(c, `unknown ${lang} construct '${s}'; known: ${knownConstructs(lang).join(", ")}, call:NAME, or a /regex/`);
      } else {
        alts.push({ kind: "name", key: constructKey(s), label: s });
      }
    }
    constructs.push({ label: list.join("|"), alts });
  }

  const blocks = languageBlocks(text, lang, !mustParse);
  const allTags = scanMarkdown(text).blocks.map((b) => (b.tag === "" ? "untagged" : b.tag));
  const parts: { pass: boolean; score: number; text: string }[] = [];
  const ev: Evidence[] = [];

  const n = blocks.length;
  parts.push({
    pass: n >= minBlocks,
    score: minBlocks === 0 ? 1 : Math.min(1, n / minBlocks),
    text:
      n === 0
        ? `no ${lang} block${allTags.length > 0 ? ` (blocks seen: ${allTags.map((t) => `\`\`\`${t}`).join(", ")})` : " (no fenced code at all)"}${minBlocks === 0 ? "" : `, wanted at least ${minBlocks}`}`
        : `${n} ${lang} block${n > 1 ? "s" : ""}${minBlocks > 1 ? ` (wanted at least ${minBlocks})` : ""}`,
  });

  const bad = blocks.filter((b) => !b.parse.ok);
  blocks.forEach((b, i) => {
    const where = `block ${i + 1} (${b.how === "tag" ? `\`\`\`${b.block.tag}` : `untagged, looks like ${lang}`}, line ${lineOf(text, b.block.start)})`;
    const unclosed = b.block.closed ? "" : " — unclosed: the text ends inside it";
    const note = b.parse.ok ? `${where}: parses${unclosed}` : `${where}: ${b.parse.error?.message ?? "syntax error"} at line ${b.parse.error?.line ?? 1}:${b.parse.error?.column ?? 1} of the block${unclosed}`;
    ev.push(evidence(text, b.block.start, b.block.end, note));
  });
  if (mustParse && n > 0) {
    const describe = bad
      .map((b) => {
        const i = blocks.indexOf(b) + 1;
        const e = b.parse.error;
        return `block ${i}: ${e?.message ?? "syntax error"} at block line ${e?.line ?? 1}:${e?.column ?? 1}${b.block.closed ? "" : " (unclosed block: answer cut?)"}`;
      })
      .join("; ");
    parts.push({ pass: bad.length === 0, score: (n - bad.length) / n, text: bad.length === 0 ? `all ${n} parse` : `${bad.length} of ${n} do not parse (${describe})` });
  }

  if (constructs.length > 0) {
    // With must_parse, code that does not parse earns no construct: a construct is credited
    // only in a block that parses (word-shuffled or cut code holds the right tokens).
    const usable = blocks.filter((b) => b.parse.ok || !mustParse);
    const found: string[] = [];
    const missing: string[] = [];
    for (const con of constructs) {
      let hit: { b: LanguageBlock; start: number; end: number; label: string } | undefined;
      for (const b of usable) {
        for (const alt of con.alts) {
          if (alt.kind === "name") {
            const f: Fact | undefined = b.parse.facts.find((x) => factMatches(x, alt.key, lang));
            if (f) hit = { b, start: f.start, end: f.end, label: alt.label };
          } else {
            alt.re.lastIndex = 0;
            const m = alt.re.exec(b.block.code);
            if (m) hit = { b, start: m.index, end: m.index + m[0].length, label: alt.label };
          }
          if (hit) break;
        }
        if (hit) break;
      }
      if (hit) {
        found.push(con.label);
        const s = blockOffset(hit.b.block, hit.start);
        const e = blockOffset(hit.b.block, hit.end);
        ev.push(evidence(text, s, e, `construct ${hit.label}`));
      } else missing.push(con.label);
    }
    parts.push({
      pass: missing.length === 0,
      score: found.length / constructs.length,
      text: `constructs ${found.length}/${constructs.length}${found.length > 0 ? ` (found ${found.join(", ")})` : ""}${missing.length > 0 ? `, missing ${missing.join(", ")}` : ""}`,
    });
  }

  const pass = parts.every((p) => p.pass);
  // The parts multiply: code is worth the share of it that is there, parses and holds what was
  // asked. Blocks none of which parse (noise fenced as code, code cut in the middle) score 0,
  // and code that parses but lacks half the constructs scores 0.5, not 0.83.
  const score = parts.reduce((s, p) => s * p.score, 1);
  const capped = capEvidence(ev.sort((a, b) => a.start - b.start || b.end - a.end));
  return result(c, { pass, score, reason: `${parts.map((p) => `${p.pass ? "✓" : "✗"} ${p.text}`).join("; ")}${capped.note}`, evidence: capped.evidence });
}
