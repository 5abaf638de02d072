/**
 * Cache chart: the TTFT of misses and hits of each probe, as a box (min, quartiles, median,
 * max) over a strip of every request, one row per probe and role.
 */
import type { CacheDetail } from "../../scenarios/cache/analyze.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import { reduceForDrawing, reductionNote } from "./downsample.js";
import { chart, COLORS, count, FULL_WIDTH, isNum, MAX_POINTS, metricsOf, num, recordsOf, type Chart, type ChartInput } from "./common.js";
import type { VlSpec } from "./render.js";

export async function cacheCharts(prefix: string, scenario: ScenarioResult<CacheDetail>, input: ChartInput): Promise<Chart[]> {
  const probes = Array.isArray(scenario.detail?.probes) ? scenario.detail.probes.map((p) => p.probe as string) : [];
  const recs = recordsOf(input, scenario).filter((r) => r.result.ok && (r.role === "miss" || r.role === "hit") && r.probe !== undefined);
  // Probes in the analysis's order, then any other the records hold.
  const order = [...probes, ...[...new Set(recs.map((r) => r.probe as string))].filter((p) => !probes.includes(p)).sort()];
  const rows: { group: string; order: number; role: string; ttft: number }[] = [];
  for (const r of recs) {
    const m = metricsOf(r);
    if (!isNum(m.ttftMs)) continue;
    const pi = order.indexOf(r.probe as string);
    rows.push({ group: `${r.probe} · ${r.role}`, order: pi * 2 + (r.role === "miss" ? 0 : 1), role: r.role as string, ttft: m.ttftMs });
  }
  if (rows.length === 0) return [];
  const groups = new Set(rows.map((r) => r.group)).size;
  // Each row of ticks reduced on its own, along TTFT: a strip keeps its range and its ends.
  const byGroup = new Map<number, typeof rows>();
  for (const r of rows) {
    const g = byGroup.get(r.order);
    if (g) g.push(r);
    else byGroup.set(r.order, [r]);
  }
  const parts = [...byGroup.values()].map((g) => reduceForDrawing(g, (r) => r.ttft, (r) => r.ttft, Math.floor(MAX_POINTS / byGroup.size)));
  const drawn = { points: parts.flatMap((p) => p.points), from: rows.length, reduced: parts.some((p) => p.reduced) };
  const y = { field: "group", type: "nominal", title: null, sort: { field: "order", op: "min" }, axis: { labelLimit: 200, minExtent: 48, maxExtent: 200 } };
  const color = { field: "role", type: "nominal", title: null, scale: { domain: ["miss", "hit"], range: [COLORS.e2e, COLORS.ttft] }, legend: { orient: "top" } };
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: Math.max(120, 34 * groups + 40),
    autosize: { type: "fit", contains: "padding" },
    layer: [
      {
        data: { values: rows },
        mark: { type: "boxplot", extent: "min-max", size: 18, opacity: 0.35, median: { color: "#222" }, ticks: false },
        encoding: { y, x: { field: "ttft", type: "quantitative", title: "TTFT (ms)" }, color },
      },
      {
        data: { values: drawn.points },
        mark: { type: "tick", thickness: 1, size: 22, opacity: 0.7 },
        encoding: { y, x: { field: "ttft", type: "quantitative" }, color },
      },
    ],
  };
  const speedups = (scenario.detail?.probes ?? [])
    .filter((p) => p.speedup)
    .map((p) => `${p.probe} ${num(p.speedup?.estimate)}× (95 % CI ${num(p.speedup?.lower)}–${num(p.speedup?.upper)})`);
  const caption =
    `TTFT of each successful miss and hit request, per probe: a tick per request over a box from the minimum to the maximum (quartiles and median inside), ${count(rows.length, "request")}` +
    (speedups.length ? `. Speedup TTFT(miss)/TTFT(hit): ${speedups.join("; ")}.` : ".") +
    " Warm-up requests are left out, as in the figures." +
    reductionNote("Ticks", drawn);
  return [await chart(`${prefix}-ttft`, "cache.ttft", `${scenario.name}: miss and hit TTFT`, caption, rows.length, spec)];
}
