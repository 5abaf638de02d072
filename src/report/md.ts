/**
 * Markdown built by mdast-util-to-markdown with GFM, so that text we did not write (server
 * messages, model output, tool calls, grader evidence, names from suites and task packs)
 * is inert: it lands in the report as a text or inline-code node that the library escapes
 * for the exact place it sits in (table cell, heading, list item, paragraph). A reader sees
 * what the server sent, never a link, an image, HTML, emphasis, a heading or a broken table.
 *
 * Inline pieces: a string is literal text of ours (the library escapes it; it is never read
 * as Markdown); text() and code() take untrusted text (folded to one line and cut);
 * strong(), emphasis() and BR are our own markup. false, null, undefined and "" are
 * skipped and arrays flattened, so a conditional piece reads `cond && " (x)"`.
 * Prose that is ours alone stays a plain Markdown string outside these helpers.
 */
import type { Blockquote, Emphasis, Heading, Html, InlineCode, List, Nodes, Paragraph, PhrasingContent, Strong, Table, Text } from "mdast";
import { toMarkdown, type Options } from "mdast-util-to-markdown";
import { gfmToMarkdown } from "mdast-util-gfm";

export type Inline = string | PhrasingContent | false | null | undefined | readonly Inline[];

const OPTIONS: Options = {
  bullet: "-",
  emphasis: "*",
  strong: "*",
  listItemIndent: "one",
  // Unaligned tables, as hand-written ones: a long evidence cell does not pad every row.
  extensions: [gfmToMarkdown({ tablePipeAlign: false })],
};

/** Control characters other than whitespace: shown as U+FFFD, never written to the file. */
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;

/**
 * Untrusted text as one line: whitespace runs (newlines included) folded to one space,
 * trimmed, control characters replaced by U+FFFD, cut to `max` characters with "…".
 * Exactly what text() and code() show.
 */
export function flatten(s: string, max = Infinity): string {
  const flat = s.replace(/\s+/g, " ").trim().replace(CONTROL, "\uFFFD");
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join("")}…` : flat;
}

/**
 * A word that some GFM renderer turns into a link whatever its backslash escapes or
 * character references: a URL (`://`), `www.`, an e-mail address, `mailto:` / `xmpp:`.
 * Autolink literals are found in the text after escapes are resolved (remark's
 * mdast-util-gfm-autolink-literal; cmark-gfm for e-mails), so escaping them is not enough.
 */
const LINKISH = /:\/\/|www\.|@[\w-]+\.[\w-]|(?:mailto|xmpp):/i;
/** Quotes and sentence punctuation around such a word, kept out of its code span. */
const AROUND = /^(["'“‘]*)(.*?)([.,:;!?"'”’]*)$/s;
const PAIRS = [["(", ")"], ["<", ">"], ["[", "]"]] as const;

/** A link-like word as text, code span, text: `(https://x).` as `(`, `https://x`, `).`. */
function splitLinkish(word: string): [string, string, string] {
  let [, lead = "", core = word, trail = ""] = AROUND.exec(word) ?? [];
  const pair = PAIRS.find(([open, close]) => core.length > 2 && core.startsWith(open) && core.endsWith(close));
  if (pair) [lead, core, trail] = [lead + pair[0], core.slice(1, -1), pair[1] + trail];
  return LINKISH.test(core) ? [lead, core, trail] : ["", word, ""];
}

/**
 * Untrusted inline text, shown literally (see flatten): text nodes, and code spans for the
 * words a renderer would otherwise turn into links (no renderer links inside a code span).
 */
export function text(s: string, max = 160): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  let plain = "";
  const words = flatten(s, max).split(" ");
  words.forEach((word, i) => {
    const sep = i < words.length - 1 ? " " : "";
    if (!LINKISH.test(word)) {
      plain += word + sep;
      return;
    }
    const [before, inner, after] = splitLinkish(word);
    plain += before;
    if (plain) out.push({ type: "text", value: plain });
    out.push({ type: "inlineCode", value: inner });
    plain = after + sep;
  });
  if (plain) out.push({ type: "text", value: plain });
  return out;
}

/**
 * Untrusted text in a code span: the library picks the backtick fence; nothing inside is
 * decoded. An empty string is nothing (Markdown has no empty code span: `` would show).
 */
export function code(s: string, max = 160): InlineCode | Text {
  const value = flatten(s, max);
  return value ? { type: "inlineCode", value } : { type: "text", value: "" };
}

export function strong(...pieces: Inline[]): Strong {
  return { type: "strong", children: phrasing(pieces) };
}

export function emphasis(...pieces: Inline[]): Emphasis {
  return { type: "emphasis", children: phrasing(pieces) };
}

/** A line break inside a table cell (raw HTML of ours, the only HTML the report writes). */
export const BR: Html = { type: "html", value: "<br>" };

/** Inline pieces to mdast phrasing nodes (strings as literal text). */
export function phrasing(pieces: readonly Inline[]): PhrasingContent[] {
  const out: PhrasingContent[] = [];
  const add = (p: Inline): void => {
    if (p === false || p === null || p === undefined || p === "") return;
    if (typeof p === "string") out.push({ type: "text", value: p });
    else if (Array.isArray(p)) for (const q of p as readonly Inline[]) add(q);
    else out.push(p as PhrasingContent);
  };
  for (const p of pieces) add(p);
  return out;
}

function serialise(node: Nodes): string {
  return toMarkdown(node, OPTIONS).replace(/\n+$/, "");
}

export function paragraph(...pieces: Inline[]): string {
  const p: Paragraph = { type: "paragraph", children: phrasing(pieces) };
  return serialise(p);
}

export function heading(depth: 1 | 2 | 3 | 4 | 5 | 6, ...pieces: Inline[]): string {
  const h: Heading = { type: "heading", depth, children: phrasing(pieces) };
  return serialise(h);
}

/** A tight "-" list, one paragraph an item. */
export function bullets(items: readonly Inline[]): string {
  const l: List = {
    type: "list",
    ordered: false,
    spread: false,
    children: items.map((item) => ({ type: "listItem", spread: false, children: [{ type: "paragraph", children: phrasing([item]) }] })),
  };
  return serialise(l);
}

/** A one-paragraph block quote. */
export function quote(...pieces: Inline[]): string {
  const q: Blockquote = { type: "blockquote", children: [{ type: "paragraph", children: phrasing(pieces) }] };
  return serialise(q);
}

/**
 * A code span as a table cell can hold it. In a cell, a backslash before a pipe is dropped,
 * code spans included, and GitHub and micromark disagree on how to keep it
 * (github/cmark-gfm#277; mdast-util-gfm-table then keeps the table and loses the
 * backslash). So `a\|b` becomes the code spans `a\` and `b` around a text `|`, which
 * every parser reads back as written.
 */
function pipeSafe(node: PhrasingContent): PhrasingContent[] {
  if (node.type === "inlineCode" && /\\\|/.test(node.value)) {
    return node.value
      .split(/(?<=\\)\|/)
      .flatMap((part, i): PhrasingContent[] => [
        ...(i > 0 ? [{ type: "text" as const, value: "|" }] : []),
        ...(part ? [{ type: "inlineCode" as const, value: part }] : []),
      ]);
  }
  if ("children" in node) return [{ ...node, children: node.children.flatMap(pipeSafe) } as PhrasingContent];
  return [node];
}

/**
 * A GFM table. Every cell is inline pieces (a string is literal text), so a `|`, a newline
 * or Markdown in any cell, code spans included, stays inside its cell.
 */
export function table(head: readonly Inline[], rows: readonly (readonly Inline[])[]): string {
  const row = (cells: readonly Inline[]) => ({
    type: "tableRow" as const,
    children: cells.map((c) => ({ type: "tableCell" as const, children: phrasing([c]).flatMap(pipeSafe) })),
  });
  const t: Table = { type: "table", align: head.map(() => null), children: [row(head), ...rows.map(row)] };
  const lines = serialise(t).split("\n");
  // The library writes the delimiter row as `| - |`; `| --- |` reads as a table in a text editor too.
  lines[1] = `| ${head.map(() => "---").join(" | ")} |`;
  return lines.join("\n");
}
