/**
 * Soak charts: each window figure over the soak (TTFT p90, E2E p90, TPOT p50, output tok/s)
 * with the least-squares trend the analysis fitted and its change points, and the resources
 * per window (GPU utilisation, memory and power, the server's resident memory) when sampled.
 */
import { type FigureTrend, type SoakDetail, type SoakWindow, type TrendFigure } from "../../scenarios/soak/analyze.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import { chart, COLORS, count, HALF_PANEL, isNum, num, pct, type Chart } from "./common.js";
import type { VlSpec } from "./render.js";

const SOAK_PANEL_HEIGHT = 150;

interface Figure {
  key: string;
  title: string;
  unit: string;
  of(w: SoakWindow): number | undefined;
  /** The analysis's trend name, when it tests one. */
  trend?: TrendFigure;
  scale?: number;
}

const LATENCY: Figure[] = [
  { key: "ttft_p90", title: "TTFT p90", unit: "ms", of: (w) => w.ttftP90, trend: "ttft_p90" },
  { key: "e2e_p90", title: "E2E p90", unit: "ms", of: (w) => w.e2eP90, trend: "e2e_p90" },
  { key: "tpot_p50", title: "TPOT p50", unit: "ms", of: (w) => w.tpotP50, trend: "tpot_p50" },
  { key: "output_tps", title: "Output tok/s", unit: "tok/s", of: (w) => w.outputTps, trend: "output_tps" },
];

const RESOURCES: Figure[] = [
  { key: "gpu_util", title: "GPU utilisation", unit: "%", of: (w) => w.gpuUtilization },
  { key: "gpu_memory", title: "GPU memory used (all GPUs)", unit: "GiB", of: (w) => (isNum(w.gpuMemoryMiB) ? w.gpuMemoryMiB / 1024 : undefined), trend: "gpu_memory", scale: 1 / 1024 },
  { key: "gpu_power", title: "GPU power (all GPUs)", unit: "W", of: (w) => w.gpuPowerW },
  { key: "server_rss", title: "Server resident memory", unit: "MB", of: (w) => w.serverRssMb, trend: "server_rss" },
];

/** The time unit of the x axis: seconds for a soak under 10 minutes, minutes under 5 hours, else hours. */
function timeUnit(ms: number): { div: number; name: string } {
  if (ms < 10 * 60_000) return { div: 1000, name: "s" };
  if (ms < 5 * 3_600_000) return { div: 60_000, name: "min" };
  return { div: 3_600_000, name: "h" };
}

function trendColor(t: FigureTrend | undefined): string {
  if (!t?.significant) return COLORS.neutral;
  return t.direction === "worse" ? COLORS.fail : t.direction === "better" ? COLORS.pass : COLORS.neutral;
}

function panel(f: Figure, windows: SoakWindow[], trend: FigureTrend | undefined, unit: { div: number; name: string }): VlSpec | undefined {
  const pts = windows.flatMap((w) => {
    const v = f.of(w);
    return isNum(v) ? [{ t: (w.startMs + w.endMs) / 2 / unit.div, v, kind: w.partial ? "partial window (not in the trend)" : "window" }] : [];
  });
  if (pts.length === 0) return undefined;
  const layers: VlSpec[] = [
    {
      data: { values: pts },
      mark: { type: "line", color: "#4c78a8", strokeWidth: 1.2 },
      encoding: { x: { field: "t", type: "quantitative", title: `time from the soak's start (${unit.name})` }, y: { field: "v", type: "quantitative", title: f.unit, scale: { zero: false }, axis: { format: ",.4~g" } } },
    },
    {
      data: { values: pts },
      mark: { type: "point", size: 26, color: "#4c78a8" },
      encoding: {
        x: { field: "t", type: "quantitative" },
        y: { field: "v", type: "quantitative" },
        fill: { field: "kind", type: "nominal", title: null, scale: { domain: ["window", "partial window (not in the trend)"], range: ["#4c78a8", "white"] }, legend: null },
      },
    },
  ];
  // The fitted line from the first to the last full window with a value (where the analysis anchored it).
  const full = windows.filter((w) => !w.partial && isNum(f.of(w)));
  const first = full[0];
  const last = full[full.length - 1];
  if (trend && isNum(trend.fittedStart) && isNum(trend.fittedEnd) && first && last && last !== first) {
    const k = f.scale ?? 1;
    layers.push({
      data: {
        values: [
          { t: (first.startMs + first.endMs) / 2 / unit.div, v: trend.fittedStart * k },
          { t: (last.startMs + last.endMs) / 2 / unit.div, v: trend.fittedEnd * k },
        ],
      },
      mark: { type: "line", color: trendColor(trend), strokeWidth: 2, strokeDash: trend.significant ? [1, 0] : [6, 4] },
      encoding: { x: { field: "t", type: "quantitative" }, y: { field: "v", type: "quantitative" } },
    });
  }
  if (trend && trend.shifts.length) {
    const shifts = trend.shifts.map((s) => ({ t: s.atMs / unit.div, text: isNum(s.relativeShift) ? `shift ${pct(s.relativeShift)}` : "shift" }));
    layers.push(
      { data: { values: shifts }, mark: { type: "rule", color: COLORS.rule, strokeDash: [4, 3] }, encoding: { x: { field: "t", type: "quantitative" } } },
      { data: { values: shifts }, mark: { type: "text", align: "left", dx: 3, fontSize: 9, color: COLORS.rule }, encoding: { x: { field: "t", type: "quantitative" }, y: { value: 8 }, text: { field: "text" } } },
    );
  }
  return { width: HALF_PANEL, height: SOAK_PANEL_HEIGHT, title: f.title, layer: layers };
}

function trendWords(f: Figure, t: FigureTrend | undefined): string {
  if (!t || t.n < 3) return `${f.title}: no trend (fewer than 3 full windows)`;
  const c = t.change;
  const change = c ? (c.kind === "relative" ? `${pct(c.estimate)} (CI ${pct(c.lower)} to ${pct(c.upper)})` : `${num(c.estimate)} ${f.unit}`) : "";
  const sig = t.significant ? `significant, ${t.direction === "worse" ? "worse" : t.direction === "better" ? "better" : "no direction"}` : "not significant";
  const shifts = t.shifts.length ? `, ${count(t.shifts.length, "change point")}` : "";
  return `${f.title}: ${change ? `${change}, ` : ""}${sig}${shifts}`;
}

async function figuresChart(id: string, kind: string, title: string, what: string, figures: Figure[], scenario: ScenarioResult<SoakDetail>): Promise<Chart | undefined> {
  const d = scenario.detail;
  const windows = d.windows;
  const span = windows.length ? windows[windows.length - 1]!.endMs : d.measuredMs;
  const unit = timeUnit(span);
  const drawn: { f: Figure; spec: VlSpec; trend?: FigureTrend }[] = [];
  for (const f of figures) {
    const trend = f.trend ? d.trends.find((t) => t.figure === f.trend) : undefined;
    const spec = panel(f, windows, trend, unit);
    if (spec) drawn.push({ f, spec, ...(trend ? { trend } : {}) });
  }
  if (drawn.length === 0) return undefined;
  const partial = windows.filter((w) => w.partial).length;
  const trendsDrawn = drawn.filter((x) => x.f.trend);
  const caption =
    `${what} per window, ${count(windows.length, "window")} of ${num(d.plan.windowMs / 1000)} s` +
    (partial ? ` (${partial} partial, hollow, left out of the trends)` : "") +
    (trendsDrawn.length
      ? `. The straight line is the least-squares trend over the full windows (solid and coloured when significant: Mann-Kendall and the slope's interval agree at α = ${d.plan.alpha}; dashed grey when not); red dashed rules mark change points. ${trendsDrawn.map((x) => trendWords(x.f, x.trend)).join("; ")}.`
      : ".");
  const spec: VlSpec = { concat: drawn.map((x) => x.spec), columns: 2, spacing: 24 };
  return chart(id, kind, title, caption, windows.length, spec);
}

export async function soakCharts(prefix: string, scenario: ScenarioResult<SoakDetail>): Promise<Chart[]> {
  const d = scenario.detail;
  if (!d || !Array.isArray(d.windows) || d.windows.length === 0) return [];
  const out = await Promise.all([
    figuresChart(`${prefix}-windows`, "soak.windows", `${scenario.name}: figures over time`, "TTFT p90, E2E p90, TPOT p50 and output tok/s", LATENCY, scenario),
    figuresChart(`${prefix}-resources`, "soak.resources", `${scenario.name}: resources over time`, "GPU utilisation (mean over GPUs), memory and power (summed over GPUs) and the server's resident memory", RESOURCES, scenario),
  ]);
  return out.filter((c): c is Chart => c !== undefined);
}
