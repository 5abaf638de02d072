/**
 * The HTML report's building blocks, as hast trees serialised by hast-util-to-html (which
 * escapes every text and attribute value for the place it sits in). Markdown is converted
 * by mdast-util-from-markdown (GFM) and mdast-util-to-hast without raw HTML: the only HTML
 * node that passes is our `<br>`; any other becomes literal text. Links keep only http(s),
 * mailto and relative URLs; images are dropped for their alt text (the page loads nothing).
 * Trusted markup (a chart's SVG) enters as a `raw` node only through rawHtml().
 */
import type { Element, ElementContent, Properties, Root, RootContent, Text } from "hast";
import type { Html, Nodes as MdNodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { toHast, type Raw, type State } from "mdast-util-to-hast";
import { toHtml } from "hast-util-to-html";
import { STATUS_ICON } from "../format.js";

export type Child = ElementContent | string | false | null | undefined;

/** An element; strings among the children are text (escaped when serialised). */
export function h(tagName: string, properties: Properties = {}, children: readonly Child[] = []): Element {
  return {
    type: "element",
    tagName,
    properties,
    children: children.filter((c): c is ElementContent | string => c !== false && c !== null && c !== undefined && c !== "").map((c) => (typeof c === "string" ? text(c) : c)),
  };
}

export function text(value: string): Text {
  return { type: "text", value };
}

/** Markup we trust as it is (a chart's SVG): serialised verbatim by htmlOf(). */
export function rawHtml(value: string): Raw {
  return { type: "raw", value };
}

/** A tree (or nodes) as HTML; `raw` nodes pass verbatim (only rawHtml() makes them). */
export function htmlOf(node: Root | RootContent | readonly RootContent[]): string {
  const tree: Root = Array.isArray(node) ? { type: "root", children: [...(node as RootContent[])] } : (node as Root | RootContent).type === "root" ? (node as Root) : { type: "root", children: [node as RootContent] };
  return toHtml(tree, { allowDangerousHtml: true });
}

/** The text a node shows. */
export function textOf(node: Root | RootContent): string {
  if (node.type === "text") return node.value;
  if (node.type === "element" || node.type === "root") return node.children.map((c) => textOf(c)).join("");
  return "";
}

const BR = /^<br\s*\/?>$/i;
/** Characters a browser strips from a URL before reading its scheme. */
const URL_IGNORED = /[\u0000-\u0020\u007f-\u009f]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const SAFE_SCHEMES = new Set(["http", "https", "mailto"]);

/** A link target we keep: relative, a fragment, http(s) or mailto; never javascript:, data:, vbscript:… */
export function safeHref(url: string): boolean {
  const scheme = SCHEME.exec(url.replace(URL_IGNORED, ""));
  return scheme === null || SAFE_SCHEMES.has(scheme[1]!.toLowerCase());
}

export interface MarkdownOptions {
  /** Added to every heading level (capped at 6): a document embedded under a heading of ours. */
  headingShift?: number;
  /** Gives headings ids (GitHub-style slugs with this prefix) and points `#fragment` links at them. */
  headingIds?: string;
  /** Relative links other than fragments become their text (they point at files not beside the page). */
  relativeLinksAsText?: boolean;
}

/** GitHub's heading slug: lower case, punctuation dropped, spaces as hyphens. */
export function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

/** Markdown (GFM) as a hast tree with nothing executable or loadable in it. */
export function markdownToHast(markdown: string, o: MarkdownOptions = {}): Root {
  const mdast = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const hast = toHast(mdast as MdNodes, {
    allowDangerousHtml: false,
    handlers: {
      // Our renderers write `<br>` inside table cells; any other HTML is shown as text.
      html: (_state: State, node: Html): ElementContent => (BR.test(node.value.trim()) ? h("br") : text(node.value)),
    },
  });
  const root: Root = hast.type === "root" ? hast : { type: "root", children: [hast as RootContent] };
  sanitize(root, o);
  markStatus(root);
  return root;
}

/** Drops what could run or load, shifts headings, gives them ids (see MarkdownOptions). */
function sanitize(root: Root, o: MarkdownOptions): void {
  const ids = new Map<string, number>();
  const walk = (parent: Root | Element): void => {
    const out: (RootContent | ElementContent)[] = [];
    for (const node of parent.children) {
      if (node.type !== "element") {
        // Comments and raw nodes cannot come from toHast without allowDangerousHtml; drop them anyway.
        if (node.type === "text" || node.type === "doctype") out.push(node);
        continue;
      }
      walk(node);
      const heading = /^h([1-6])$/.exec(node.tagName);
      if (heading) {
        if (o.headingShift) node.tagName = `h${Math.min(6, Number(heading[1]) + o.headingShift)}`;
        if (o.headingIds !== undefined) {
          const base = slug(textOf(node));
          const seen = ids.get(base) ?? 0;
          ids.set(base, seen + 1);
          node.properties.id = `${o.headingIds}${base}${seen > 0 ? `-${seen}` : ""}`;
        }
      }
      if (node.tagName === "img") {
        const alt = typeof node.properties.alt === "string" ? node.properties.alt : "";
        if (alt) out.push(text(alt));
        continue;
      }
      if (node.tagName === "a") {
        const href = typeof node.properties.href === "string" ? node.properties.href : "";
        const fragment = href.startsWith("#");
        const external = SCHEME.test(href.replace(URL_IGNORED, ""));
        if (!safeHref(href) || (o.relativeLinksAsText && !fragment && !external)) {
          out.push(...node.children);
          continue;
        }
        if (fragment && o.headingIds !== undefined && !href.startsWith("#user-content-")) node.properties.href = `#${o.headingIds}${href.slice(1)}`;
        if (external) node.properties.rel = ["noopener", "noreferrer"];
        // A link's title is text in an attribute: kept out, as every text of the page sits in its body.
        delete node.properties.title;
      }
      out.push(node);
    }
    parent.children = out as typeof parent.children;
  };
  walk(root);
}

const ICONS = Object.entries(STATUS_ICON) as [keyof typeof STATUS_ICON, string][];
/** Columns whose cells open with a status icon of ours. */
const STATUS_COLUMNS = new Set(["Status", "Verdict", "Result"]);

function statusOf(s: string): string | undefined {
  return ICONS.find(([, icon]) => s.startsWith(icon))?.[0];
}

function addClass(node: Element, ...names: string[]): void {
  const cls = node.properties.className;
  node.properties.className = [...(Array.isArray(cls) ? cls.map(String) : typeof cls === "string" ? [cls] : []), ...names];
}

/**
 * Classes for the status colours: a bold verdict of ours ("Verdict: ✅ pass", "❌ fail") and
 * the cells of a Status / Verdict / Result column. Server text cannot make either: it is
 * never bold, and never the whole of a status cell's start.
 */
function markStatus(root: Root): void {
  const walk = (node: Root | Element): void => {
    for (const c of node.children) if (c.type === "element") walk(c);
    if (node.type !== "element") return;
    if (node.tagName === "strong") {
      const status = statusOf(textOf(node).replace(/^Verdict: /, ""));
      if (status) addClass(node, "status", `status-${status.replace("_", "-")}`);
    }
    if (node.tagName === "table") {
      const rows = node.children.flatMap((s) => (s.type === "element" ? (s.tagName === "tr" ? [s] : s.children.filter((r): r is Element => r.type === "element" && r.tagName === "tr")) : []));
      const head = rows[0]?.children.filter((c): c is Element => c.type === "element") ?? [];
      const columns = head.flatMap((c, i) => (STATUS_COLUMNS.has(textOf(c).trim()) ? [i] : []));
      if (columns.length === 0) return;
      for (const row of rows.slice(1)) {
        const cells = row.children.filter((c): c is Element => c.type === "element");
        for (const i of columns) {
          const cell = cells[i];
          const status = cell && statusOf(textOf(cell).trim());
          if (cell && status) addClass(cell, "status", `status-${status.replace("_", "-")}`);
        }
      }
    }
  };
  walk(root);
}
