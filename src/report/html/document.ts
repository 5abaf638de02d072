/**
 * The HTML document around a report: one self-contained file (inline CSS, no script, no
 * external resource, a Content-Security-Policy that would refuse them anyway), readable
 * without JavaScript, that prints well. Also the Markdown → HTML conversion the reports use.
 * Shared by report.html (page.ts) and the consolidated report (`report --final`).
 */
import type { Element } from "hast";
import { h, htmlOf, markdownToHast, rawHtml } from "./hast.js";

/**
 * The page's style. Screen: a readable column, tables that scroll sideways when wide,
 * status colours, charts scaled to the column. Print: no navigation chrome, each scenario
 * on a new page, figures, tables and table rows kept whole, table headers repeated.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --head: #f6f8fa; --accent: #0969da;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5; --none: #59636e; --none-bg: #eff2f5; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 80rem; padding: 1.5rem 2rem 4rem; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.6em 0 0.6em; scroll-margin-top: 1rem; }
h1 { font-size: 1.8rem; margin-top: 0.5em; }
h2 { font-size: 1.45rem; padding-bottom: 0.3em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.15rem; }
h4, h5, h6 { font-size: 1rem; }
p, ul, ol, blockquote, table, figure { margin: 0 0 1rem; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; }
code { background: #eff1f3; border-radius: 4px; padding: 0.1em 0.3em; overflow-wrap: break-word; }
pre { background: #f6f8fa; padding: 0.8rem; overflow-x: auto; border-radius: 6px; }
pre code { background: none; padding: 0; }
blockquote { margin-left: 0; padding: 0.4rem 1rem; border-left: 4px solid #d4a72c; background: #fff8e6; }
blockquote > :last-child { margin-bottom: 0; }
table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
thead:not(:has(th:not(:empty))) { display: none; }
tbody tr:nth-child(even) { background: #fafbfc; }
td[align="right"], th[align="right"] { text-align: right; }
.status { border-radius: 4px; }
td.status, th.status { font-weight: 600; }
strong.status { padding: 0.05em 0.35em; }
.status-pass { color: var(--pass); background: var(--pass-bg); }
.status-fail { color: var(--fail); background: var(--fail-bg); }
.status-inconclusive, .status-incomplete { color: var(--warn); background: var(--warn-bg); }
.status-not-measured { color: var(--none); background: var(--none-bg); }
nav.toc { border: 1px solid var(--line); border-radius: 6px; background: var(--head); padding: 0.6rem 1.2rem; margin: 1rem 0 2rem; }
nav.toc h2 { font-size: 1rem; margin: 0.3rem 0 0.4rem; border: 0; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.4rem; }
nav.toc li { margin: 0.15rem 0; }
.back { font-size: 0.85rem; margin-top: 1.5rem; }
section.scenario, section.appendix { margin-top: 2.5rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 34rem), 1fr)); gap: 1rem; margin: 1rem 0 1.5rem; }
figure.chart { margin: 0; padding: 0.6rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; overflow-x: auto; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart .chart-title { font-weight: 600; margin: 0 0 0.4rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figure.chart figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 0.4rem; }
figure.chart.failed { border-style: dashed; border-color: var(--fail); color: var(--fail); }
.muted { color: var(--muted); }
@media (max-width: 40rem) { body { padding: 1rem; } }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  a { color: inherit; text-decoration: none; }
  nav.toc, .back { display: none; }
  section.scenario { break-before: page; }
  h1, h2, h3, h4, .chart-title { break-after: avoid; }
  figure, figure.chart, svg, table, blockquote, tr { break-inside: avoid; }
  table { display: table; overflow: visible; }
  thead { display: table-header-group; }
  .charts { display: block; }
  figure.chart { margin-bottom: 0.8rem; border-color: #bbb; }
  .status, tbody tr:nth-child(even), th, code { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

/** No script, no plugin, no network; inline styles only (charts style their own SVG). */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'";

/** JSON that can sit inside a <script> element: nothing in it can close the tag or start a comment. */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value) ?? "null";
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A complete, self-contained HTML document: inline CSS, no script, no external resource; prints well. */
export function htmlDocument(o: {
  title: string;
  lang: string;
  body: string;
  /** embedded as <script type="application/json" id="…">, escaped so it can never close the tag */
  json?: { id: string; value: unknown }[];
}): string {
  const data: Element[] = (o.json ?? []).map((j) => h("script", { type: "application/json", id: j.id }, [rawHtml(scriptSafeJson(j.value))]));
  const head = h("head", {}, [
    h("meta", { charSet: "utf-8" }),
    h("meta", { httpEquiv: ["Content-Security-Policy"], content: CSP }),
    h("meta", { name: "viewport", content: "width=device-width, initial-scale=1" }),
    h("meta", { name: "generator", content: "shakedown" }),
    h("title", {}, [o.title]),
    h("style", {}, [rawHtml(REPORT_CSS)]),
  ]);
  const html = h("html", { lang: o.lang }, [head, h("body", {}, [rawHtml(o.body) as never, ...data])]);
  return `${htmlOf([{ type: "doctype" }, html])}\n`;
}

/** Markdown (as our renderers write it: GFM tables, the `<br>` html node) to safe HTML: no raw HTML passes but <br>; links with javascript:/data:/vbscript: URLs are dropped. */
export function markdownToHtml(markdown: string): string {
  return htmlOf(markdownToHast(markdown));
}
