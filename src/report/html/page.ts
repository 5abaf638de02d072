/**
 * report.html: the run's report as one offline page. The run's header, a table of contents,
 * each scenario's section (report.md's Markdown, converted) with its charts after the
 * verdict, the run's timeline, the glossary (docs/metrics.md) and results.json embedded as
 * JSON. Charts are inline SVG: the page needs no script and loads nothing.
 *
 * A chart that cannot be drawn never loses the page: its place says so, and why.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Element, ElementContent } from "hast";
import { renderScenarioCharts, renderTimelineChart, type Chart, type ChartInput } from "../charts/index.js";
import { STATUS_ICON } from "../format.js";
import { flatten } from "../md.js";
import { renderMarkdownParts, type MarkdownReportParts } from "../markdown.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import { PACKAGE_ROOT } from "../../version.js";
import { htmlDocument } from "./document.js";
import { h, htmlOf, markdownToHast, rawHtml, slug, textOf } from "./hast.js";
import { svgProblem } from "./svg.js";

export type HtmlReportInput = ChartInput & { markdown?: MarkdownReportParts };

/** Where the glossary is read from at render time. */
export const GLOSSARY_PATH = join(PACKAGE_ROOT, "docs", "metrics.md");

const statusClass = (s: keyof typeof STATUS_ICON): string[] => ["status", `status-${s.replace("_", "-")}`];

/** Why something failed, on one escaped-later line. */
function why(e: unknown): string {
  return flatten(e instanceof Error ? e.message || e.name : String(e), 300) || "unknown error";
}

/** Gives out ids unique in the page. */
class Ids {
  private readonly used = new Set<string>();
  take(base: string): string {
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}-${i}`;
    this.used.add(id);
    return id;
  }
}

function failedFigure(title: string, e: unknown): Element {
  return h("figure", { className: ["chart", "failed"], role: "note" }, [
    h("p", { className: ["chart-title"] }, [title]),
    h("p", {}, [`This chart could not be drawn: ${why(e)}. The figures and tables are not affected.`]),
  ]);
}

function chartFigure(c: Chart, ids: Ids, wide = false): Element {
  const title = typeof c.title === "string" && c.title ? c.title : "Chart";
  const problem = typeof c.svg === "string" ? svgProblem(c.svg) : "the chart has no SVG";
  if (problem) return failedFigure(title, new Error(problem));
  const n = Number.isFinite(c.n) ? ` (n = ${c.n})` : "";
  return h("figure", { className: ["chart", `chart-${slug(String(c.kind ?? "")) || "chart"}`, ...(wide ? ["wide"] : [])], id: ids.take(`chart-${slug(String(c.id ?? "")) || "x"}`) }, [
    h("p", { className: ["chart-title"] }, [title]),
    rawHtml(c.svg),
    h("figcaption", {}, [`${typeof c.caption === "string" ? c.caption : ""}${n}`.trim()]),
  ]);
}

async function scenarioCharts(sc: ScenarioResult, input: ChartInput, ids: Ids): Promise<Element[]> {
  let charts: Chart[];
  try {
    charts = await renderScenarioCharts(sc, input);
  } catch (e) {
    return [failedFigure(`Charts of scenario ${sc.name}`, e)];
  }
  return charts.map((c) => {
    try {
      return chartFigure(c, ids);
    } catch (e) {
      return failedFigure(`A chart of scenario ${sc.name}`, e);
    }
  });
}

/** The index after the scenario's heading and its verdict paragraph (where the charts go). */
function chartsPlace(children: readonly { type: string }[]): number {
  const elements = children.map((c, i) => ({ c, i })).filter((x) => x.c.type === "element") as { c: Element; i: number }[];
  const verdict = elements.find((x) => x.c.tagName === "p" && textOf(x.c).startsWith("Verdict:"));
  if (verdict) return verdict.i + 1;
  const heading = elements.find((x) => /^h[1-6]$/.test(x.c.tagName));
  return heading ? heading.i + 1 : 0;
}

/** The glossary's HTML, kept while docs/metrics.md is unchanged (converting it costs a few hundred ms). */
let glossaryCache: { key: string; html: string } | undefined;

function glossary(): ElementContent[] {
  let md: string;
  let key: string;
  try {
    const st = statSync(GLOSSARY_PATH);
    key = `${GLOSSARY_PATH}:${st.size}:${st.mtimeMs}`;
    if (glossaryCache?.key === key) return [rawHtml(glossaryCache.html)];
    md = readFileSync(GLOSSARY_PATH, "utf8");
  } catch (e) {
    return [h("p", { className: ["muted"] }, [`The glossary is not available here (docs/metrics.md could not be read: ${why(e)}).`])];
  }
  const tree = markdownToHast(md, { headingShift: 1, headingIds: "glossary-", relativeLinksAsText: true });
  // The document's own title ("Metrics") gives way to the appendix's heading.
  const first = tree.children.find((c) => c.type === "element");
  if (first && first.type === "element" && first.tagName === "h2") tree.children.splice(tree.children.indexOf(first), 1);
  // Our own conversion of our own file: safe HTML, kept as it is for the next page.
  glossaryCache = { key, html: htmlOf(tree) };
  return [rawHtml(glossaryCache.html)];
}

export async function renderHtmlReport(input: HtmlReportInput): Promise<string> {
  const res = input.results;
  const parts = input.markdown ?? renderMarkdownParts(res);
  const ids = new Ids();
  ids.take("contents");
  ids.take("timeline");
  ids.take("glossary");
  ids.take("raw-results");
  const toc: Element[] = [];
  const sections: Element[] = [];

  for (const [i, part] of parts.scenarios.entries()) {
    const sc = res.scenarios[i]?.name === part.name ? res.scenarios[i] : res.scenarios.find((s) => s.name === part.name);
    const id = ids.take(`scenario-${i + 1}`);
    const body = markdownToHast(part.markdown).children as ElementContent[];
    if (sc) {
      const figures = await scenarioCharts(sc, input, ids);
      if (figures.length > 0) body.splice(chartsPlace(body), 0, h("div", { className: ["charts"] }, figures));
    }
    sections.push(h("section", { className: ["scenario", `kind-${slug(part.kind)}`], id }, [...body, h("p", { className: ["back"] }, [h("a", { href: "#contents" }, ["↑ Contents"])])]));
    toc.push(
      h("li", {}, [
        h("a", { href: `#${id}` }, [`Scenario ${part.name} (${part.kind})`]),
        sc && " — ",
        sc && h("span", { className: statusClass(sc.status) }, [STATUS_ICON[sc.status]]),
      ]),
    );
  }

  let timeline: ElementContent;
  try {
    const chart = await renderTimelineChart(input);
    timeline = chart
      ? h("div", { className: ["charts"] }, [chartFigure(chart, ids, true)])
      : h("p", { className: ["muted"] }, ["Nothing to draw on a timeline: the run recorded no request with a time, and no server or GPU sample."]);
  } catch (e) {
    timeline = h("div", { className: ["charts"] }, [failedFigure("Timeline of the run", e)]);
  }

  const body = [
    h("header", { className: ["run"] }, markdownToHast(parts.header).children as ElementContent[]),
    h("nav", { className: ["toc"], id: "contents", "aria-label": "Contents" }, [
      h("h2", {}, ["Contents"]),
      h("ol", {}, [
        ...toc,
        h("li", {}, [h("a", { href: "#timeline" }, ["Timeline of the run"])]),
        h("li", {}, [h("a", { href: "#glossary" }, ["Appendix: glossary"])]),
        h("li", {}, [h("a", { href: "#raw-results" }, ["Appendix: raw results"])]),
      ]),
    ]),
    h("main", {}, [
      ...sections,
      ...(parts.empty ? [h("p", {}, [parts.empty])] : []),
      h("section", { className: ["appendix"], id: "timeline" }, [
        h("h2", {}, ["Timeline of the run"]),
        h("p", {}, ["The client's requests, the server's /metrics and the GPU samples on one time axis."]),
        timeline,
      ]),
      h("section", { className: ["appendix", "glossary"], id: "glossary" }, [
        h("h2", {}, ["Appendix: glossary"]),
        h("p", { className: ["muted"] }, ["How every figure is computed (docs/metrics.md of shakedown ", res.tool.version, ")."]),
        ...glossary(),
      ]),
      h("section", { className: ["appendix"], id: "raw-results" }, [
        h("h2", {}, ["Appendix: raw results"]),
        h("p", {}, [
          "This page holds results.json whole, as JSON in ",
          h("code", {}, ['<script type="application/json" id="results">']),
          " (never run): open the page's source, or read it with any HTML parser. Every request is in records.jsonl beside this file.",
        ]),
      ]),
    ]),
  ];
  return htmlDocument({ title: `shakedown report — ${res.suite.name}`, lang: "en", body: htmlOf(body), json: [{ id: "results", value: res }] });
}
