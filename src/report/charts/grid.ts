/**
 * A grid's Pareto chart: each measured cell at (latency, throughput), the cells of the Pareto
 * front drawn apart and joined, each point labelled with its cell. Labels come from the grid
 * file: vega escapes every text it writes, and render.ts checks the SVG.
 */
import type { GridAnalysis } from "../../grid/compare-types.js";
import { flatten } from "../md.js";
import { chart, COLORS, FULL_WIDTH, type Chart } from "./common.js";
import type { VlSpec } from "./render.js";

/** Longest label drawn beside a point (the table below the chart has the whole label). */
const LABEL_MAX = 40;

/** The Pareto chart (id "grid-pareto"); undefined when fewer than one cell has both a latency and a throughput. */
export async function gridParetoChart(a: GridAnalysis): Promise<Chart | undefined> {
  const lat = a.pareto.latency;
  const thr = a.pareto.throughput;
  if (!lat || !thr) return undefined;
  const figureOf = (key: string) => a.figures.find((f) => f.key === key);
  const axisTitle = (key: string) => {
    const f = figureOf(key);
    return f ? `${f.label} (${f.unit})` : key;
  };
  const rows = a.pareto.points.flatMap((p) => {
    if (p.latency === undefined || p.throughput === undefined) return [];
    const label = a.cells.find((c) => c.id === p.cell)?.label ?? p.cell;
    return [{ cell: flatten(label, LABEL_MAX), latency: p.latency, throughput: p.throughput, where: p.front ? "on the Pareto front" : "dominated" }];
  });
  if (rows.length === 0) return undefined;
  const front = rows.filter((r) => r.where === "on the Pareto front").sort((x, y) => x.latency - y.latency);
  // Titles short enough for the axis (a rotated title longer than the plot would squeeze it flat); the caption names the scenarios.
  const x = { field: "latency", type: "quantitative", title: axisTitle(lat.figure), scale: { zero: false, nice: true }, axis: { titleLimit: 600 } };
  const y = { field: "throughput", type: "quantitative", title: axisTitle(thr.figure), scale: { zero: false, nice: true }, axis: { titleLimit: 260 } };
  const color = {
    field: "where",
    type: "nominal",
    title: null,
    scale: { domain: ["on the Pareto front", "dominated"], range: [COLORS.pass, COLORS.neutral] },
    legend: { orient: "top" },
  };
  const spec: VlSpec = {
    width: FULL_WIDTH - 160,
    height: 300,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      ...(front.length > 1
        ? [{ data: { values: front }, mark: { type: "line", color: COLORS.pass, strokeDash: [4, 3], opacity: 0.7 }, encoding: { x, y } }]
        : []),
      { data: { values: rows }, mark: { type: "point", filled: true, size: 90 }, encoding: { x, y, color } },
      {
        data: { values: rows },
        mark: { type: "text", align: "left", dx: 8, dy: -6, fontSize: 10, limit: 240 },
        encoding: { x: { field: "latency", type: "quantitative" }, y: { field: "throughput", type: "quantitative" }, text: { field: "cell", type: "nominal" } },
      },
    ],
  };
  const caption =
    `Each measured cell at its ${lat.label} (lower is better) and its ${thr.label} (higher is better): the values of the cells' table. ` +
    `Cells on the Pareto front (${front.length} of ${rows.length}) are dominated by no other cell (no other cell is better beyond noise on one objective and worse on none)` +
    (a.pareto.quality ? `; quality (${a.pareto.quality.label}) counts as an objective too, not drawn` : "") +
    `. A position on the chart is a point estimate: two points apart may still be no difference beyond noise (the pairwise findings say which).`;
  return chart("grid-pareto", "grid.pareto", "Pareto front: latency against throughput", caption, rows.length, spec);
}
