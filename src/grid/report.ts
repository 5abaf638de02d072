/**
 * The grid's reports from a GridAnalysis: report.md (built with md.ts, so every label, value
 * and reason from the grid file or a server is inert text), report.html (the same Markdown
 * through the run report's document helpers, with the Pareto chart; no script, nothing
 * fetched, the analysis embedded as JSON) and a short summary for the terminal.
 * writeGridReports writes grid-results.json, report.md and report.html atomically.
 */
import { join, relative } from "node:path";
import type { Element } from "hast";
import { printable } from "../config/file-check.js";
import { StorageError } from "../errors.js";
import { gridParetoChart } from "../report/charts/grid.js";
import type { Chart } from "../report/charts/index.js";
import { fmtMetric } from "../report/format.js";
import { htmlDocument, markdownToHtml } from "../report/html/document.js";
import { h, htmlOf, rawHtml } from "../report/html/hast.js";
import { svgProblem } from "../report/html/svg.js";
import { BR, bullets, code, flatten, heading, paragraph, table, text, type Inline } from "../report/md.js";
import { writeFileAtomic, writeJsonAtomic } from "../store/files.js";
import { fmtPValue, pairSentence, quoted, reasonText, type SentenceCtx } from "./compare-sentences.js";
import type { CellFigure, GridAnalysis, GridCellAnalysis, GridFigure, GridPair } from "./compare-types.js";
import { buildChampion, recommendationPieces } from "./recommend.js";
import { GRID_FILES } from "./types.js";

const cellById = (a: GridAnalysis, id: string): GridCellAnalysis | undefined => a.cells.find((c) => c.id === id);

function mdCtx(a: GridAnalysis): SentenceCtx {
  return {
    cell: (id) => code(cellById(a, id)?.label ?? id, 200),
    figure: (key) => a.figures.find((f) => f.key === key),
    multiScenario: a.suite.scenarios.length > 1,
    repeats: a.repeats,
    confidence: a.confidence,
  };
}

function textCtx(a: GridAnalysis): SentenceCtx {
  return { ...mdCtx(a), cell: (id) => quoted(cellById(a, id)?.label ?? id) };
}

function pctWord(c: number): string {
  return `${Number((c * 100).toFixed(1))} %`;
}

/** "12.3 ms [11.0, 13.5], n = 48" */
function figureCell(f: GridFigure, cf: CellFigure | undefined): string {
  if (!cf || cf.value === undefined) return "—";
  const ci = cf.ci ? ` [${fmtMetric(cf.ci.lower, f.unit)}, ${fmtMetric(cf.ci.upper, f.unit)}]` : "";
  return `${fmtMetric(cf.value, f.unit)}${ci}, n = ${cf.n}`;
}

function changeCell(p: GridPair, f: GridFigure): string {
  if (p.change === undefined) return "—";
  if (f.points) return `${p.change >= 0 ? "+" : "−"}${Math.abs(p.change * 100).toFixed(1)} pts`;
  if (p.relative !== undefined) return `${p.relative >= 0 ? "+" : "−"}${Math.abs(p.relative * 100).toFixed(1)} %`;
  return fmtMetric(p.change, f.unit);
}

function startupText(c: GridCellAnalysis): string {
  const xs = c.visits.flatMap((v) => (typeof v.startupMs === "number" ? [v.startupMs] : []));
  if (xs.length === 0) return "—";
  return xs.map((x) => (x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`)).join(", ");
}

function visitsText(c: GridCellAnalysis): Inline[] {
  const done = c.visits.filter((v) => v.used).length;
  const statuses = c.visits.map((v) => (v.used ? (v.runStatus ?? "done") : v.status));
  return [`${done} of ${c.visits.length}`, statuses.length ? ` (${statuses.join(", ")})` : ""];
}

export interface GridMarkdownPart {
  id: "head" | "plan" | "failed" | "figures" | "pairs" | "pareto" | "recommendations" | "champion" | "method";
  markdown: string;
}

/** report.md in parts (the HTML page puts the Pareto chart after the "pareto" part). */
export function renderGridMarkdownParts(a: GridAnalysis): GridMarkdownPart[] {
  const c = mdCtx(a);
  const parts: GridMarkdownPart[] = [];
  const measured = a.cells.filter((x) => x.status === "measured");
  const failed = a.cells.filter((x) => x.status === "failed");

  parts.push({
    id: "head",
    markdown: [
      heading(1, "Grid ", code(a.name), `: ${a.cells.length} cell${a.cells.length === 1 ? "" : "s"} × ${a.repeats} repeat${a.repeats === 1 ? "" : "s"}`),
      paragraph(
        "Suite ",
        code(a.suite.name),
        ` (${a.suite.scenarios.map((s) => `${s.name}: ${s.kind}`).join(", ")})`,
        `, run in every cell; ${measured.length} cell${measured.length === 1 ? "" : "s"} measured`,
        failed.length ? `, ${failed.length} failed` : "",
        `. Grid created ${a.createdAt} by shakedown ${a.shakedownVersion}; analysed ${a.analysedAt} by shakedown ${a.analysedWith}.`,
      ),
    ].join("\n\n"),
  });

  // Plan
  const paramHead = a.params.map((p) => text(p, 60));
  const planRows = a.cells.map((cell): Inline[] => [
    String(cell.index + 1),
    code(cell.label, 200),
    ...a.params.map((p) => (cell.params[p] === undefined ? "—" : code(String(cell.params[p]), 120))),
    visitsText(cell),
    startupText(cell),
  ]);
  const order = a.order.map((o) => {
    const cell = cellById(a, o.cell);
    return `${cell ? cell.index + 1 : "?"}`;
  });
  const serverWhat: Inline[] =
    a.server.kind === "command"
      ? ["a command started for each visit (", code(a.server.command ?? "", 300), ")"]
      : a.server.kind === "compose"
        ? ["a compose service started for each visit"]
        : ["an endpoint already running (", code(a.server.url, 300), ")"];
  parts.push({
    id: "plan",
    markdown: [
      heading(2, "Plan"),
      paragraph(`${a.cells.length} cell${a.cells.length === 1 ? "" : "s"} (one server configuration each), ${a.repeats} visit${a.repeats === 1 ? "" : "s"} per cell; server: `, ...serverWhat, "."),
      table(["#", "Cell", ...paramHead, "Visits (runs)", "Startup"], planRows),
      paragraph(
        "Order of the visits (cell numbers), interleaved so that a drift of the machine is spread over the cells: ",
        order.length ? order.join(" ") : "—",
        ".",
      ),
    ].join("\n\n"),
  });

  if (failed.length) {
    parts.push({
      id: "failed",
      markdown: [
        heading(2, "Failed cells"),
        paragraph("These cells measured nothing; they are left out of every comparison, the Pareto front and the recommendations."),
        bullets(failed.map((cell): Inline => [code(cell.label, 200), ": ", text(cell.failure ?? "no visit measured", 400)])),
      ].join("\n\n"),
    });
  }

  // Cells × figures, per scenario.
  const figBlocks: string[] = [heading(2, "Figures per cell"), paragraph(`Each value pools the cell's measured visits; in brackets its ${pctWord(a.confidence)} interval; n = the requests, task runs, case runs or visits it rests on.`)];
  for (const sc of a.suite.scenarios) {
    const figs = a.figures.filter((f) => f.scenario === sc.name);
    if (figs.length === 0) continue;
    if (a.suite.scenarios.length > 1) figBlocks.push(heading(3, "Scenario ", code(sc.name), ` (${sc.kind})`));
    figBlocks.push(
      table(
        ["Cell", ...figs.map((f) => f.label)],
        measured.map((cell): Inline[] => [code(cell.label, 200), ...figs.map((f) => figureCell(f, cell.figures.find((x) => x.figure === f.key)))]),
      ),
    );
  }
  if (measured.length === 0) figBlocks.push(paragraph("No cell measured anything."));
  parts.push({ id: "figures", markdown: figBlocks.join("\n\n") });

  // Pairwise findings.
  const beyond = a.pairs.filter((p) => p.beyondNoise);
  const rest = a.pairs.filter((p) => !p.beyondNoise);
  const pairBlocks: string[] = [heading(2, "Differences between cells")];
  pairBlocks.push(
    paragraph(
      `Every pair of measured cells on every figure; a change is B against A. A difference is reported only when it is significant after Holm's adjustment, the same way in every repeat, and beyond the noise floor (the largest difference between two repeats of one cell); p-values are Holm-adjusted.`,
    ),
  );
  pairBlocks.push(heading(3, "Beyond noise"));
  pairBlocks.push(beyond.length ? bullets(beyond.map((p) => pairSentence(p, c))) : paragraph("No pair of cells differs beyond noise on any figure."));
  if (rest.length) {
    pairBlocks.push(heading(3, "No difference beyond noise"));
    pairBlocks.push(
      table(
        ["Figure", "A", "B", "Change (B vs A)", "p (Holm)", "Why"],
        rest.map((p): Inline[] => {
          const f = a.figures.find((x) => x.key === p.figure)!;
          return [
            a.suite.scenarios.length > 1 ? [code(f.scenario, 80), " ", f.label] : f.label,
            code(cellById(a, p.a)?.label ?? p.a, 120),
            code(cellById(a, p.b)?.label ?? p.b, 120),
            changeCell(p, f),
            p.pAdjusted !== undefined ? fmtPValue(p.pAdjusted).replace(/^p = /, "").replace(/^p /, "") : "—",
            [p.reason ? reasonText(p.reason) : "—", p.notes.length ? [BR, text(p.notes.join("; "), 300)] : ""],
          ];
        }),
      ),
    );
  }
  parts.push({ id: "pairs", markdown: pairBlocks.join("\n\n") });

  // Pareto front.
  const pBlocks: string[] = [heading(2, "Pareto front"), bullets(a.pareto.notes)];
  if (a.pareto.points.length) {
    const lat = a.figures.find((f) => f.key === a.pareto.latency?.figure);
    const thr = a.figures.find((f) => f.key === a.pareto.throughput?.figure);
    pBlocks.push(
      table(
        ["Cell", "Latency", "Throughput", "Quality", "On the front", "Dominated by"],
        a.pareto.points.map((pt): Inline[] => [
          code(cellById(a, pt.cell)?.label ?? pt.cell, 200),
          lat ? fmtMetric(pt.latency, lat.unit) : "—",
          thr ? fmtMetric(pt.throughput, thr.unit) : "—",
          pt.quality !== undefined ? `${(pt.quality * 100).toFixed(1)} %` : "—",
          pt.front ? "yes" : "no",
          pt.dominatedBy.length ? pt.dominatedBy.flatMap((d, i) => [i ? ", " : "", code(cellById(a, d)?.label ?? d, 120)]) : "—",
        ]),
      ),
    );
  }
  pBlocks.push(paragraph("The chart (latency against throughput, the front highlighted) is in report.html."));
  parts.push({ id: "pareto", markdown: pBlocks.join("\n\n") });

  // Recommendations.
  const rankInput = { cells: measured.map((x) => x.id), figures: a.figures, pairs: a.pairs, value: (cell: string, key: string) => cellById(a, cell)?.figures.find((x) => x.figure === key) };
  const recs = a.recommendations.map((r) => recommendationPieces(r, rankInput, c, fmtMetric));
  const recBlocks = [heading(2, "Recommendations"), bullets(recs)];
  if (failed.length) recBlocks.push(paragraph("Excluded (failed): ", ...failed.flatMap((cell, i): Inline[] => [i ? "; " : "", code(cell.label, 200), " (", text(cell.failure ?? "", 200), ")"]), "."));
  parts.push({ id: "recommendations", markdown: recBlocks.join("\n\n") });
  parts.push({ id: "champion", markdown: [heading(2, "Champion"), paragraph(...buildChampion(measured.map((x) => x.id), a.pairs, objectiveKeys(a), c).pieces)].join("\n\n") });

  parts.push({
    id: "method",
    markdown: [
      heading(2, "Method and notes"),
      bullets(a.notes.map((n) => text(n, 2000))),
      paragraph(`Significance level ${a.alpha}; intervals at ${pctWord(a.confidence)}; bootstrap seed ${a.seed}, ${a.iterations} resamples: the same folder and seed give the same numbers (`, code("shakedown report GRIDDIR"), " re-analyses it)."),
    ].join("\n\n"),
  });
  return parts;
}

function objectiveKeys(a: GridAnalysis): string[] {
  return [a.pareto.latency?.figure, a.pareto.throughput?.figure, ...(a.pareto.quality?.figures ?? [])].filter((k): k is string => k !== undefined);
}

/** The grid's report.md. */
export function renderGridMarkdown(a: GridAnalysis): string {
  return `${renderGridMarkdownParts(a)
    .map((p) => p.markdown)
    .join("\n\n")}\n`;
}

// ─────────────────────────────── terminal ───────────────────────────────

function pad(s: string, n: number): string {
  const len = Array.from(s).length;
  return len >= n ? s : s + " ".repeat(n - len);
}

/** A short summary for the terminal: cells × headline figures, differences beyond noise, recommendations, champion, failed cells. */
/** What a figure's n counts, by where its values come from. */
const N_UNIT: Record<GridFigure["source"], string> = { requests: "requests", "per-task": "task runs", proportion: "case runs", estimate: "visits", run: "visits" };

/** Differences beyond noise the terminal summary lists (report.md lists every one). */
const TEXT_MAX_DIFFERENCES = 10;

export function renderGridText(a: GridAnalysis): string {
  const t = textCtx(a);
  const safe = (s: string, max = 200) => printable(flatten(s, max));
  const measured = a.cells.filter((x) => x.status === "measured");
  const failed = a.cells.filter((x) => x.status === "failed");
  const lines: string[] = [];
  lines.push(`shakedown grid ${safe(a.name)}: ${a.cells.length} cell${a.cells.length === 1 ? "" : "s"} × ${a.repeats} repeat${a.repeats === 1 ? "" : "s"}, ${measured.length} measured${failed.length ? `, ${failed.length} failed` : ""}`);
  if (measured.length && a.figures.length) {
    const multi = a.suite.scenarios.length > 1;
    const head = ["cell", ...a.figures.map((f) => (multi ? `${safe(f.scenario, 30)}/${f.figure}` : f.figure))];
    const rows = measured.map((cell) => [safe(cell.label, 48), ...a.figures.map((f) => fmtMetric(cell.figures.find((x) => x.figure === f.key)?.value, f.unit))]);
    const widths = head.map((h, i) => Math.max(Array.from(h).length, ...rows.map((r) => Array.from(r[i]!).length)));
    lines.push("", head.map((h, i) => pad(h, widths[i]!)).join("  "), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map((r) => r.map((v, i) => pad(v, widths[i]!)).join("  ")));
    // What each column rests on, per cell (report.md has each value's n and interval).
    const rests = a.figures.map((f) => {
      const ns = measured.map((cell) => cell.figures.find((x) => x.figure === f.key)?.n ?? 0);
      const lo = Math.min(...ns);
      const hi = Math.max(...ns);
      return `${multi ? `${safe(f.scenario, 30)}/` : ""}${f.figure} ${lo === hi ? lo : `${lo}-${hi}`} ${N_UNIT[f.source]}`;
    });
    lines.push(`n per cell: ${rests.join("; ")}`);
  }
  const beyond = a.pairs.filter((p) => p.beyondNoise);
  lines.push("", beyond.length ? "Differences beyond noise:" : "No difference beyond noise between any two cells.");
  // A terminal shows the first few (headline figures come first); report.md has every one.
  for (const p of beyond.slice(0, TEXT_MAX_DIFFERENCES)) lines.push(`  - ${printable(p.sentence)}`);
  const more = beyond.length - TEXT_MAX_DIFFERENCES;
  if (more > 0) lines.push(`  (${more} more difference${more === 1 ? "" : "s"} beyond noise in report.md)`);
  const rest = a.pairs.length - beyond.length;
  if (rest > 0) lines.push(`  (${rest} other pair${rest === 1 ? "" : "s"} of cell and figure: no difference beyond noise or not tested; report.md lists each with its reason)`);
  lines.push("", "Recommendations:");
  for (const r of a.recommendations) lines.push(`  - ${printable(r.sentence)}`);
  lines.push("", printable(buildChampion(measured.map((x) => x.id), a.pairs, objectiveKeys(a), t).champion.sentence));
  if (failed.length) {
    lines.push("", "Failed cells (excluded):");
    for (const cell of failed) lines.push(`  - ${safe(cell.label)}: ${safe(cell.failure ?? "no visit measured", 400)}`);
  }
  const rel = relative(process.cwd(), a.dir) || ".";
  lines.push("", `report: ${printable(join(rel, GRID_FILES.html))}`, `        ${printable(join(rel, GRID_FILES.report))}`);
  return `${lines.join("\n")}\n`;
}

// ─────────────────────────────── HTML ───────────────────────────────

function chartElement(c: Chart): Element {
  const problem = typeof c.svg === "string" ? svgProblem(c.svg) : "the chart has no SVG";
  if (problem) {
    return h("figure", { className: ["chart", "failed"], role: "note" }, [h("p", { className: ["chart-title"] }, [c.title]), h("p", {}, [`This chart could not be drawn: ${problem}.`])]);
  }
  return h("figure", { className: ["chart", "wide"], id: c.id }, [
    h("p", { className: ["chart-title"] }, [c.title]),
    rawHtml(c.svg),
    h("figcaption", {}, [`${c.caption} (n = ${c.n})`]),
  ]);
}

/** The Pareto chart as HTML ("" when there is nothing to draw), and a warning when it failed. */
export async function gridChartHtml(a: GridAnalysis): Promise<{ html: string; warning?: string }> {
  try {
    const chart = await gridParetoChart(a);
    if (!chart) return { html: htmlOf(h("p", { className: ["muted"] }, ["No Pareto chart: it needs a latency and a throughput value in at least one cell."])) };
    return { html: htmlOf(h("div", { className: ["charts"] }, [chartElement(chart)])) };
  } catch (e) {
    const why = flatten(e instanceof Error ? e.message || e.name : String(e), 300);
    return {
      html: htmlOf(h("figure", { className: ["chart", "failed"], role: "note" }, [h("p", {}, [`The Pareto chart could not be drawn: ${why}. The figures and tables are not affected.`])])),
      warning: `the Pareto chart of ${GRID_FILES.html} could not be drawn (${why})`,
    };
  }
}

/** report.html: report.md's parts as HTML, the Pareto chart after its section, the analysis embedded as JSON. */
export async function renderGridHtml(a: GridAnalysis): Promise<{ html: string; warnings: string[] }> {
  const warnings: string[] = [];
  const body: string[] = [];
  for (const part of renderGridMarkdownParts(a)) {
    body.push(markdownToHtml(part.markdown));
    if (part.id === "pareto") {
      const chart = await gridChartHtml(a);
      body.push(chart.html);
      if (chart.warning) warnings.push(chart.warning);
    }
  }
  const html = htmlDocument({ title: `shakedown grid — ${flatten(a.name, 120)}`, lang: "en", body: body.join("\n"), json: [{ id: "grid-results", value: a }] });
  return { html, warnings };
}

/**
 * Writes grid-results.json, report.md and report.html into the grid folder (each atomically).
 * Returns warnings (a chart that could not be drawn; report.html that could not be rendered);
 * a failed write is a StorageError.
 */
export async function writeGridReports(dir: string, a: GridAnalysis): Promise<string[]> {
  const warnings: string[] = [];
  writeJsonAtomic(join(dir, GRID_FILES.results), a);
  writeFileAtomic(join(dir, GRID_FILES.report), renderGridMarkdown(a));
  let html: string;
  try {
    const r = await renderGridHtml(a);
    html = r.html;
    warnings.push(...r.warnings);
  } catch (e) {
    if (e instanceof StorageError) throw e;
    warnings.push(`${GRID_FILES.html} could not be rendered (${flatten(e instanceof Error ? e.message : String(e), 300)}); ${GRID_FILES.results} and ${GRID_FILES.report} are written`);
    return warnings;
  }
  writeFileAtomic(join(dir, GRID_FILES.html), html);
  return warnings;
}

