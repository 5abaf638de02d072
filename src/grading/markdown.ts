/**
 * Just enough Markdown: lines with their offsets, fenced code blocks (``` and ~~~, at any
 * indentation, as models nest them in list items), and bold spans. Graders look at
 * prose outside the fences and at code inside them.
 */

export interface Line {
  /** Offset of the first character and of the line end (before "\n"). */
  start: number;
  end: number;
  text: string;
  /** Inside a fenced code block, fence lines included. */
  inFence: boolean;
}

export interface CodeBlock {
  /** The info string's first word, lower case ("python", "ts", "" when untagged). */
  tag: string;
  /** The block's code with the fence's indentation removed. */
  code: string;
  /** lineStarts[k]: offset in the original text of line k of `code`; codeLineOffsets[k]: its offset in `code`. */
  lineStarts: number[];
  codeLineOffsets: number[];
  /** The whole block, fences included, and its content, in the original text. */
  start: number;
  end: number;
  contentStart: number;
  contentEnd: number;
  /** False when the text ended before a closing fence (an answer cut by max_tokens). */
  closed: boolean;
}

const FENCE_OPEN_RE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;

/** The lines of a text. */
export function splitLines(text: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  let start = 0;
  while (start <= text.length) {
    let nl = text.indexOf("\n", start);
    if (nl < 0) nl = text.length;
    const end = nl > start && text[nl - 1] === "\r" ? nl - 1 : nl;
    out.push({ start, end, text: text.slice(start, end) });
    start = nl + 1;
  }
  return out;
}

/** Width of leading whitespace (a tab counts 4). */
export function indentWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    if (ch === " ") w++;
    else if (ch === "\t") w += 4;
    else break;
  }
  return w;
}

interface Scan {
  lines: Line[];
  blocks: CodeBlock[];
}

let lastScan: { text: string; scan: Scan } | undefined;

/** Lines and fenced blocks of a Markdown text (memoised for the last text). */
export function scanMarkdown(text: string): Scan {
  if (lastScan && lastScan.text === text) return lastScan.scan;
  const raw = splitLines(text);
  const lines: Line[] = [];
  const blocks: CodeBlock[] = [];
  let open: { char: string; len: number; indent: number; tag: string; start: number; lines: { start: number; text: string }[] } | undefined;
  for (const l of raw) {
    if (open) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(l.text);
      if (close && close[1]?.[0] === open.char && (close[1]?.length ?? 0) >= open.len) {
        blocks.push(makeBlock(text, open, l.end, true));
        open = undefined;
      } else {
        open.lines.push({ start: l.start, text: l.text });
      }
      lines.push({ ...l, inFence: true });
      continue;
    }
    const m = FENCE_OPEN_RE.exec(l.text);
    if (m && !(m[2]?.startsWith("`") && /`/.test(l.text.slice((m[1]?.length ?? 0) + (m[2]?.length ?? 0))))) {
      open = {
        char: m[2]?.[0] ?? "`",
        len: m[2]?.length ?? 3,
        indent: indentWidth(m[1] ?? ""),
        tag: (m[3] ?? "").toLowerCase().replace(/^\{\.?|\}$/g, ""),
        start: l.start,
        lines: [],
      };
      lines.push({ ...l, inFence: true });
      continue;
    }
    lines.push({ ...l, inFence: false });
  }
  if (open) blocks.push(makeBlock(text, open, text.length, false));
  const scan = { lines, blocks };
  lastScan = { text, scan };
  return scan;
}

function makeBlock(
  text: string,
  open: { indent: number; tag: string; start: number; lines: { start: number; text: string }[] },
  end: number,
  closed: boolean,
): CodeBlock {
  const codeLines: string[] = [];
  const lineStarts: number[] = [];
  const codeLineOffsets: number[] = [];
  let codeAt = 0;
  for (const l of open.lines) {
    // Remove up to the fence's indentation (spaces, or tabs counted as 4).
    let cut = 0;
    let w = 0;
    while (cut < l.text.length && w < open.indent) {
      const ch = l.text[cut];
      if (ch === " ") w++;
      else if (ch === "\t") w += 4;
      else break;
      cut++;
    }
    const codeLine = l.text.slice(cut).replace(/\r$/, "");
    codeLines.push(codeLine);
    lineStarts.push(l.start + cut);
    codeLineOffsets.push(codeAt);
    codeAt += codeLine.length + 1;
  }
  const first = open.lines[0];
  const lastLine = open.lines[open.lines.length - 1];
  const contentStart = first ? first.start : Math.min(text.length, text.indexOf("\n", open.start) + 1 || text.length);
  const contentEnd = lastLine ? lastLine.start + lastLine.text.length : contentStart;
  return {
    tag: open.tag,
    code: codeLines.join("\n"),
    lineStarts,
    codeLineOffsets,
    start: open.start,
    end,
    contentStart,
    contentEnd,
    closed,
  };
}

/** Offset in the original text of offset `i` of a block's code. */
export function blockOffset(block: CodeBlock, i: number): number {
  const offs = block.codeLineOffsets;
  if (offs.length === 0) return block.contentStart;
  let lo = 0;
  let hi = offs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((offs[mid] ?? 0) <= i) lo = mid;
    else hi = mid - 1;
  }
  const lineStart = block.lineStarts[lo] ?? block.contentStart;
  return Math.min(block.contentEnd, lineStart + (i - (offs[lo] ?? 0)));
}

/** The text with every fenced block (fences included) blanked to spaces: offsets are kept. */
export function blankFences(text: string): string {
  const { blocks } = scanMarkdown(text);
  if (blocks.length === 0) return text;
  let out = "";
  let at = 0;
  for (const b of blocks) {
    out += text.slice(at, b.start);
    out += text.slice(b.start, b.end).replace(/[^\n]/g, " ");
    at = b.end;
  }
  return out + text.slice(at);
}

/** Spans of bold text (**…** or __…__) on one line. */
export function boldSpans(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /(\*\*|__)(?=\S)([^\n]{1,200}?\S)\1/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push({ start: m.index, end: m.index + m[0].length });
  return out;
}
