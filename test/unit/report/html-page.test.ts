/**
 * report.html's page (renderHtmlReport): every text a server sent is escaped wherever the
 * page shows it; one section per scenario with its charts after the verdict; a chart that
 * throws or whose SVG fails the check costs that chart only, said in its place; the glossary
 * and results.json travel with the page. The charts module is replaced by a stub here (its
 * own tests draw the real charts; test/integration/report/html-xss.test.ts renders real runs).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Suite } from "../../../src/config/schema.js";
import type { Chart } from "../../../src/report/charts/index.js";
import { renderScenarioCharts, renderTimelineChart } from "../../../src/report/charts/index.js";
import { renderHtmlReport } from "../../../src/report/html/page.js";
import { safeHref } from "../../../src/report/html/hast.js";
import { svgProblem } from "../../../src/report/html/svg.js";
import { flatten } from "../../../src/report/md.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { HOSTILE, scanHtml, type Tag } from "../../helpers/html-scan.js";

vi.mock("../../../src/report/charts/index.js", () => ({
  renderScenarioCharts: vi.fn(async () => []),
  renderTimelineChart: vi.fn(async () => undefined),
}));
const scenarioCharts = vi.mocked(renderScenarioCharts);
const timelineChart = vi.mocked(renderTimelineChart);

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80"><defs><clipPath id="c-1"><rect width="200" height="80"/></clipPath></defs><g clip-path="url(#c-1)"><path d="M0,0L10,10" stroke="#4c78a8"/><text x="4" y="12">&lt;script&gt;alert(1)&lt;/script&gt;</text></g></svg>';

function chart(id: string, over: Partial<Chart> = {}): Chart {
  return { id, title: `Title ${id}`, caption: `Caption ${id}.`, svg: SVG, n: 12, kind: "line", ...over };
}

function scenario(name: string, s: string, status: ScenarioResult["status"] = "fail"): ScenarioResult {
  return {
    name,
    kind: "custom",
    metrics: { success_rate: { value: 0.5, n: 2, unit: "fraction" } },
    verdicts: [{ metric: "success_rate", op: ">", limit: 0.9, value: 0.5, status: "fail", n: 2, reason: s } as ScenarioResult["verdicts"][number]],
    status,
    detail: {},
    requests: { total: 2, ok: 1, failed: 1 },
    errors: [{ kind: s, count: 1, example: s }],
    notes: [s],
    headline: s,
  };
}

function hostileRun(s: string): RunResults {
  return {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.0.0" },
    runId: "20260101T000000Z-x",
    startedAt: "2026-01-01T00:00:00.000Z",
    suite: { name: s } as unknown as Suite,
    target: {
      url: "http://127.0.0.1:8000/v1",
      model: s,
      simulated: false,
      models: [],
      serverHeader: s,
      metrics: { url: "http://127.0.0.1:8000/metrics", scraped: false, reason: s },
    },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    durationMs: 1000,
    complete: false,
    interruption: s,
    status: "incomplete",
    records: { file: "records.jsonl", count: 4, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios: [scenario(s, s), scenario(`second ${s}`, s, "pass")],
    renderedAt: "2026-01-01T00:00:01.000Z",
  } as RunResults;
}

const input = (results: RunResults) => ({ results, records: [], server: [], gpu: [] });

/** Elements a page may hold (the document, the reports' Markdown, our figures, chart SVG). */
const PAGE_TAGS = new Set([
  "html", "head", "meta", "title", "style", "body", "header", "nav", "main", "section", "div", "figure", "figcaption", "span", "script",
  "h1", "h2", "h3", "h4", "h5", "h6", "p", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "strong", "em", "br", "ul", "ol", "li", "a",
  "svg", "defs", "clippath", "g", "path", "rect", "text",
]);

function checkInert(html: string): ReturnType<typeof scanHtml> {
  const scan = scanHtml(html);
  expect(scan.problems).toEqual([]);
  for (const t of scan.tags) {
    expect(PAGE_TAGS.has(t.name), `<${t.name}>`).toBe(true);
    for (const [name, value] of Object.entries(t.attrs)) {
      expect(name.startsWith("on") || name === "src" || name === "srcset", `${name} on <${t.name}>`).toBe(false);
      if (name === "href") {
        expect(t.name).toBe("a");
        expect(safeHref(value), value).toBe(true);
      }
    }
  }
  // No script but the embedded results.
  expect(scan.tags.filter((t) => t.name === "script" && !t.closing).map((t) => t.attrs)).toEqual([{ type: "application/json", id: "results" }]);
  expect(html.toLowerCase().split("<script").length - 1).toBe(1);
  return scan;
}

const opening = (scan: ReturnType<typeof scanHtml>, name: string, cls?: string): Tag[] =>
  scan.tags.filter((t) => t.name === name && !t.closing && (cls === undefined || (t.attrs.class ?? "").split(" ").includes(cls)));

beforeEach(() => {
  scenarioCharts.mockReset().mockImplementation(async () => []);
  timelineChart.mockReset().mockImplementation(async () => undefined);
});

describe("renderHtmlReport with hostile server text", () => {
  for (const s of HOSTILE) {
    it(`shows ${JSON.stringify(s)} as text, structure intact`, async () => {
      const res = hostileRun(s);
      const html = await renderHtmlReport(input(res));
      const scan = checkInert(html);
      const f = flatten(s);
      expect(opening(scan, "section", "scenario")).toHaveLength(2);
      expect(opening(scan, "nav")).toHaveLength(1);
      expect(opening(scan, "table").length).toBeGreaterThanOrEqual(5);
      // The TOC names each scenario, and links to its section.
      const ids = new Set(scan.tags.map((t) => t.attrs.id).filter(Boolean));
      for (const a of opening(scan, "a")) if (a.attrs.href?.startsWith("#")) expect(ids.has(a.attrs.href.slice(1)), a.attrs.href).toBe(true);
      expect(scan.text).toContain(`Scenario ${f} (custom)`);
      expect(scan.text).toContain(`shakedown report — ${f}`);
      const title = html.slice(html.indexOf("<title>") + 7, html.indexOf("</title>"));
      expect(title).not.toContain("<");
      // results.json embedded, as it was.
      const json = scan.scripts[0]!.content;
      expect(json).not.toMatch(/[<>&\u2028\u2029]/);
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(res)));
    });
  }
});

describe("charts in the page", () => {
  it("puts each scenario's charts after its verdict, as figures with title, SVG and a caption with n", async () => {
    scenarioCharts.mockImplementation(async (sc) => [chart(`${sc.name === "a" ? "a" : "b"}-ttft`), chart(`${sc.name === "a" ? "a" : "b"}-e2e`, { n: 7 })]);
    timelineChart.mockImplementation(async () => chart("timeline", { kind: "timeline" }));
    const res = hostileRun("x");
    res.scenarios = [scenario("a", "x"), scenario("b", "y")];
    const html = await renderHtmlReport(input(res));
    const scan = checkInert(html);
    const figures = opening(scan, "figure", "chart");
    expect(figures.map((f) => f.attrs.id)).toEqual(["chart-a-ttft", "chart-a-e2e", "chart-b-ttft", "chart-b-e2e", "chart-timeline"]);
    expect(scan.text).toContain("Title a-ttft");
    expect(scan.text).toContain("Caption a-e2e. (n = 7)");
    // After the verdict paragraph, before the synthesis.
    const section = html.slice(html.indexOf('id="scenario-1"'), html.indexOf('id="scenario-2"'));
    expect(section.indexOf("Verdict:")).toBeLessThan(section.indexOf('class="charts"'));
    expect(section.indexOf('class="charts"')).toBeLessThan(section.indexOf("Synthesis"));
    // The timeline in its own section.
    const timeline = html.slice(html.indexOf('id="timeline"'), html.indexOf('id="glossary"'));
    expect(timeline).toContain('id="chart-timeline"');
    // The SVG is inserted as it was (its text escaped by the chart, not twice).
    expect(html).toContain(SVG);
    expect(scan.text).toContain("<script>alert(1)</script>");
  });

  it("a chart call that throws costs its charts only, and says why in their place (escaped)", async () => {
    scenarioCharts.mockImplementation(async (sc) => {
      if (sc.name === "a") throw new Error("bad data <script>window.__pwned=1</script>");
      return [chart("b-ok")];
    });
    timelineChart.mockImplementation(() => {
      throw new TypeError("timeline exploded");
    });
    const res = hostileRun("x");
    res.scenarios = [scenario("a", "x"), scenario("b", "y")];
    const html = await renderHtmlReport(input(res));
    const scan = checkInert(html);
    expect(opening(scan, "section", "scenario")).toHaveLength(2);
    expect(opening(scan, "figure", "failed")).toHaveLength(2);
    expect(scan.text).toContain("This chart could not be drawn: bad data <script>window.__pwned=1</script>.");
    expect(scan.text).toContain("This chart could not be drawn: timeline exploded.");
    expect(opening(scan, "figure").map((f) => f.attrs.id).filter(Boolean)).toEqual(["chart-b-ok"]);
    expect(scan.text).toContain("Synthesis");
  });

  it("a chart whose SVG fails the check is not inserted: its place says why", async () => {
    const bad = [
      '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__pwned=1</script></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="alert(1)"/></svg>',
      '<svg xmlns="http://www.w3.org/2000/svg"></svg><script>alert(1)</script>',
      '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div>x</div></foreignObject></svg>',
      "<p>not svg</p>",
      42 as unknown as string,
    ];
    scenarioCharts.mockImplementation(async () => bad.map((svg, i) => chart(`c${i}`, { svg })));
    const res = hostileRun("x");
    res.scenarios = [scenario("a", "x")];
    const scan = checkInert(await renderHtmlReport(input(res)));
    expect(opening(scan, "figure", "failed")).toHaveLength(bad.length);
    expect(scan.text).toContain("holds a <script> element");
    expect(scan.text).toContain("has an event handler (onclick)");
    expect(scan.text).toContain("goes on after its </svg>");
  });

  it("says so when there is nothing to put on the timeline", async () => {
    const scan = checkInert(await renderHtmlReport(input(hostileRun("x"))));
    expect(scan.text).toContain("Nothing to draw on a timeline");
  });
});

describe("the glossary and the raw results", () => {
  it("carries docs/metrics.md, headings with ids its in-page links point at, no link to a file not beside the page", async () => {
    const html = await renderHtmlReport(input(hostileRun("x")));
    const scan = checkInert(html);
    const glossary = html.slice(html.indexOf('id="glossary"'), html.indexOf('id="raw-results"'));
    expect(glossary).toContain("Per-request figures");
    const ids = new Set(scan.tags.map((t) => t.attrs.id).filter(Boolean));
    const links = opening(scan, "a").map((a) => a.attrs.href!);
    expect(links.filter((h) => h.startsWith("#glossary-")).length).toBeGreaterThan(3);
    for (const h of links) {
      if (h.startsWith("#")) expect(ids.has(h.slice(1)), h).toBe(true);
      else expect(h).toMatch(/^(https?|mailto):/);
    }
  });
});

describe("svgProblem", () => {
  it("accepts a chart's SVG", () => {
    expect(svgProblem(SVG)).toBeUndefined();
    expect(svgProblem('<svg><use href="#c-1"/><text>a &amp; b &gt; c</text><!-- note --></svg>')).toBeUndefined();
  });
  it.each([
    ['<svg><image href="http://evil.example/p.png"/></svg>', "<image>"],
    ['<svg><use href="http://evil.example/s.svg#x"/></svg>', "links outside"],
    ['<svg><rect style="fill:url(http://evil.example/x)"/></svg>', "outside resource"],
    ['<svg><rect fill="u&#114;l(http://e/x)"/></svg>', "outside resource"],
    ['<svg><rect fill="&lpar;"/></svg>', "character reference"],
    ["<svg><rect ONLOAD=alert(1) /></svg>", "event handler"],
    ["<svg><animate attributeName=href to=javascript:alert(1) /></svg>", "<animate>"],
    ["<svg><style>@import 'http://e/x.css'</style></svg>", "<style>"],
    ["<svg><g></svg>", "closes <svg>"],
    ["<svg><text>a < b</text></svg>", "opens no tag"],
    ["<svg>", "not closed"],
    ["<svg></svg> trailing", "not closed"],
    ["<svg></svg><svg></svg>", "goes on after"],
    ["<SVG><![CDATA[ <script> ]]></SVG>", "opens no tag"],
  ])("refuses %s", (svg, why) => {
    expect(svgProblem(svg)).toContain(why);
  });
});
