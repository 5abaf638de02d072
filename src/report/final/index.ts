/**
 * The consolidated report (`shakedown report A B C --final`): several run folders joined in
 * the seed report's seven sections, as final-report.md and final-report.html. sections.ts
 * builds the text from the runs' results (i18n.ts words it, in English or French); this file
 * renders the HTML page (document.ts, with each scenario's charts after its results) and
 * writes both files. docs/final-report.md describes the sections and how sentences are chosen.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Element } from "hast";
import { ConfigError, StorageError } from "../../errors.js";
import { writeFileAtomic } from "../../store/files.js";
import { runTimestamp } from "../../store/run-folder.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import { renderScenarioCharts, type Chart } from "../charts/index.js";
import { htmlDocument, markdownToHtml } from "../html/document.js";
import { h, htmlOf, rawHtml } from "../html/hast.js";
import { svgProblem } from "../html/svg.js";
import { flatten } from "../md.js";
import type { FinalLang } from "./format.js";
import { loadFinalRun, type FinalRun } from "./model.js";
import { isGridFolder, loadFinalGrid, type FinalGrid } from "./grid.js";
import { gridChartHtml } from "../../grid/report.js";
import { buildFinalReport, finalMarkdown, type FinalReport } from "./sections.js";

export { buildFinalReport, finalMarkdown, exitCodeOf, type FinalReport, type FinalReportInput, type Block } from "./sections.js";
export { loadFinalRun, overallStatus, prefixCachingOf, type FinalRun } from "./model.js";
export { loadFinalGrid, gridSection, type FinalGrid } from "./grid.js";
export { Fmt, FINAL_LANGS, type FinalLang } from "./format.js";
export { messages, type Messages } from "./i18n.js";

export const FINAL_FILES = { markdown: "final-report.md", html: "final-report.html" } as const;

/** Draws one scenario's charts as HTML; "" when it has none or no chart input. */
export type ChartsRenderer = (run: FinalRun, scenario: ScenarioResult) => Promise<string>;

function chartFigure(c: Chart): Element {
  const title = typeof c.title === "string" && c.title ? c.title : "Chart";
  const problem = typeof c.svg === "string" ? svgProblem(c.svg) : "the chart has no SVG";
  if (problem) return h("figure", { className: ["chart", "failed"], role: "note" }, [h("p", { className: ["chart-title"] }, [title]), h("p", {}, [`This chart could not be drawn: ${problem}.`])]);
  return h("figure", { className: ["chart"] }, [
    h("p", { className: ["chart-title"] }, [title]),
    rawHtml(c.svg),
    h("figcaption", {}, [`${typeof c.caption === "string" ? c.caption : ""}${Number.isFinite(c.n) ? ` (n = ${c.n})` : ""}`.trim()]),
  ]);
}

/** The charts of report.html for a scenario (src/report/charts); a chart that fails is said so, never the page. */
export const defaultCharts: ChartsRenderer = async (run, scenario) => {
  if (!run.chartInput) return "";
  let charts: Chart[];
  try {
    charts = await renderScenarioCharts(scenario, run.chartInput);
  } catch (e) {
    const why = flatten(e instanceof Error ? e.message || e.name : String(e), 300);
    return htmlOf(h("p", { className: ["muted"] }, [`The charts of scenario ${scenario.name} could not be drawn: ${why}.`]));
  }
  return charts.length ? htmlOf(h("div", { className: ["charts"] }, charts.map(chartFigure))) : "";
};

/** The data behind the page, embedded as JSON: the verdicts and every figure, not the per-request details. */
function embedded(report: FinalReport, runs: readonly FinalRun[]): unknown {
  return {
    lang: report.lang,
    status: report.status,
    exitCode: report.exitCode,
    notMeasured: report.notMeasured,
    runs: runs.map((r) => ({
      label: r.label,
      folder: r.links.folder,
      runId: r.results.runId,
      status: r.results.status,
      complete: r.results.complete,
      target: { url: r.results.target.url, model: r.results.target.model, simulated: r.results.target.simulated, simProfile: r.results.target.simProfile },
      scenarios: r.results.scenarios.map((s) => ({ name: s.name, kind: s.kind, status: s.status, headline: s.headline, metrics: s.metrics, verdicts: s.verdicts, requests: s.requests })),
    })),
  };
}

/** final-report.html: the same blocks as the Markdown, each scenario's charts after its results, each grid's Pareto chart after its section. */
export async function renderFinalHtml(report: FinalReport, runs: readonly FinalRun[], charts: ChartsRenderer | false = defaultCharts, grids: readonly FinalGrid[] = []): Promise<string> {
  const parts: string[] = [];
  for (const b of report.blocks) {
    parts.push(markdownToHtml(b.markdown));
    if (charts && b.charts) parts.push(await charts(b.charts.run, b.charts.scenario));
    if (charts && b.grid) parts.push((await gridChartHtml(b.grid.analysis)).html);
  }
  const data = { ...(embedded(report, runs) as object), grids: grids.map((g) => ({ label: g.label, folder: g.links.folder, analysis: g.analysis })) };
  return htmlDocument({ title: report.title, lang: report.lang, body: parts.join("\n"), json: [{ id: "final-report-data", value: data }] });
}

export interface FinalOptions {
  lang: FinalLang;
  /** The report's folder (created when missing); default: final-<UTC timestamp> beside the first run folder. */
  out?: string;
  now?: Date;
  version: string;
  charts?: ChartsRenderer | false;
}

/** The default folder: final-<UTC timestamp> beside the first run folder, never an existing one. */
export function defaultOutDir(firstRun: string, now: Date): string {
  const parent = dirname(resolve(firstRun));
  const base = `final-${runTimestamp(now)}`;
  let dir = join(parent, base);
  for (let i = 2; existsSync(dir); i++) dir = join(parent, `${base}-${i}`);
  return dir;
}

function prepareOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError(`--out ${dir}: not a folder.`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new StorageError(`${dir}: cannot create the report's folder (${flatten(e instanceof Error ? e.message : String(e), 200)}).`);
  }
}

export interface FinalWritten {
  outDir: string;
  markdownPath: string;
  htmlPath: string;
  report: FinalReport;
  runs: FinalRun[];
  /** The folders given that hold a grid (grid.json): section 3's Phase 3. */
  grids: FinalGrid[];
}

/** Reads the run folders (RunFolderError for one that is not), builds the report and writes both files. */
export async function writeFinalReport(dirs: readonly string[], o: FinalOptions): Promise<FinalWritten> {
  if (dirs.length === 0) throw new ConfigError("report --final: give at least one run folder.");
  const seen = new Map<string, string>();
  for (const d of dirs) {
    const abs = resolve(d);
    const first = seen.get(abs);
    if (first !== undefined) throw new ConfigError(`report --final: ${d} is given twice${first !== d ? ` (also as ${first})` : ""}.`);
    seen.set(abs, d);
  }
  const now = o.now ?? new Date();
  const outDir = resolve(o.out ?? defaultOutDir(dirs[0]!, now));
  if (o.out !== undefined && existsSync(outDir) && !statSync(outDir).isDirectory()) throw new ConfigError(`--out ${o.out}: not a folder.`);
  if (seen.has(outDir)) throw new ConfigError(`--out ${o.out ?? outDir}: that is one of the run folders; pick another folder for the report.`);
  // Every folder is read before anything is written: a bad one costs nothing. A folder holding grid.json is a grid.
  const runs: FinalRun[] = [];
  const grids: FinalGrid[] = [];
  for (const d of dirs) {
    if (isGridFolder(d)) grids.push(await loadFinalGrid(d, outDir));
    else runs.push(loadFinalRun(d, outDir));
  }
  const report = buildFinalReport({ runs, grids, lang: o.lang, generatedAt: now, version: o.version });
  const markdown = finalMarkdown(report);
  const html = await renderFinalHtml(report, runs, o.charts ?? defaultCharts, grids);
  prepareOutDir(outDir);
  const markdownPath = join(outDir, FINAL_FILES.markdown);
  const htmlPath = join(outDir, FINAL_FILES.html);
  writeFileAtomic(markdownPath, markdown);
  writeFileAtomic(htmlPath, html);
  return { outDir, markdownPath, htmlPath, report, runs, grids };
}
