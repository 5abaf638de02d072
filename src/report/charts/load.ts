/**
 * Load charts: the latency percentiles of a sweep's stages against the rate each achieved,
 * and the TTFT CDF of the measured requests (one curve per stage of a sweep), read from the
 * records with the analysis's own exclusion windows.
 */
import type { LoadDetail, LoadResultDetail, LoadSweepDetail } from "../../scenarios/load/analyze.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import type { RequestRecord } from "../../store/records.js";
import { reduceForDrawing } from "./downsample.js";
import { chart, count, FULL_WIDTH, HALF_PANEL, HEIGHT, isNum, maxOf, MAX_POINTS, metricsOf, minOf, num, PANEL_HEIGHT, recordsOf, type Chart, type ChartInput } from "./common.js";
import type { VlSpec } from "./render.js";

interface Stage {
  name: string;
  detail: LoadDetail;
  records: RequestRecord[];
}

function stagesOf(scenario: ScenarioResult<LoadResultDetail>, input: ChartInput): Stage[] {
  const d = scenario.detail;
  const mine = recordsOf(input, scenario);
  if (d && (d as LoadSweepDetail).sweep === true) {
    const byName = new Map<string, RequestRecord[]>();
    for (const r of mine) {
      if (!r.stage) continue;
      const g = byName.get(r.stage.name);
      if (g) g.push(r);
      else byName.set(r.stage.name, [r]);
    }
    return (d as LoadSweepDetail).stages.map((s) => ({ name: s.stage.name, detail: s.result.detail, records: byName.get(s.stage.name) ?? [] }));
  }
  if (!d || !(d as LoadDetail).exclusions) return [];
  return [{ name: scenario.name, detail: d as LoadDetail, records: mine }];
}

/**
 * The requests a stage's figures rest on: those sent outside its ramp-up, warm-up and
 * cool-down windows (the analysis's rule, src/scenarios/load/analyze.ts, analyzeStage).
 */
export function measuredRecords(detail: LoadDetail, records: readonly RequestRecord[]): RequestRecord[] {
  if (records.length === 0) return [];
  const open = detail.open;
  const sendOf = (r: RequestRecord) => (open ? (r.intendedSendPerfMs ?? r.result.sentPerfMs) : r.result.sentPerfMs);
  const sends = records.map(sendOf);
  const start = minOf(sends);
  const rel = sends.map((s) => s - start);
  const end = maxOf(rel);
  const ex = detail.exclusions;
  const rampMs = ex.rampUpS * 1000;
  const warmupMs = ex.warmupS * 1000;
  const cooldownMs = ex.cooldownS * 1000;
  const EPS = 1e-6;
  return records.filter((_, i) => {
    const t = rel[i] as number;
    if (t < rampMs - EPS) return false;
    if (t < rampMs + warmupMs - EPS) return false;
    if (cooldownMs > 0 && t > end - cooldownMs + EPS) return false;
    return true;
  });
}

async function cdfChart(id: string, scenario: ScenarioResult<LoadResultDetail>, stages: Stage[]): Promise<Chart | undefined> {
  const curves: { stage: string; values: number[] }[] = [];
  for (const s of stages) {
    const values = measuredRecords(s.detail, s.records)
      .filter((r) => r.result.ok)
      .map((r) => metricsOf(r).ttftMs)
      .filter(isNum)
      .sort((a, b) => a - b);
    if (values.length) curves.push({ stage: s.name, values });
  }
  if (curves.length === 0) return undefined;
  const n = curves.reduce((a, c) => a + c.values.length, 0);
  const per = Math.max(200, Math.floor(MAX_POINTS / curves.length));
  const rows: { stage: string; ttft: number; p: number }[] = [];
  let reduced = false;
  for (const c of curves) {
    const pts = c.values.map((v, i) => ({ stage: c.stage, ttft: v, p: (i + 1) / c.values.length }));
    const r = reduceForDrawing(pts, (q) => q.ttft, (q) => q.p, per);
    reduced ||= r.reduced;
    rows.push(...r.points);
  }
  const all = curves.flatMap((c) => [c.values[0] as number, c.values[c.values.length - 1] as number]);
  const lo = minOf(all);
  const log = lo > 0 && maxOf(all) / lo >= 50;
  const multi = curves.length > 1;
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: HEIGHT,
    autosize: { type: "fit", contains: "padding" },
    data: { values: rows },
    mark: { type: "line", interpolate: "step-after", strokeWidth: 1.5 },
    encoding: {
      x: { field: "ttft", type: "quantitative", title: `TTFT (ms${log ? ", log scale" : ""})`, scale: log ? { type: "log" } : { zero: true } },
      y: { field: "p", type: "quantitative", title: "share of requests", axis: { format: "%" }, scale: { domain: [0, 1] } },
      ...(multi ? { color: { field: "stage", type: "nominal", title: "stage", scale: { domain: curves.map((c) => c.stage) } } } : { color: { value: "#4c78a8" } }),
    },
  };
  const caption =
    `Cumulative distribution of TTFT (from the actual send) of the successful measured requests${multi ? `, one curve per stage (${curves.map((c) => `${c.stage}: n ${c.values.length}`).join(", ")})` : ""}, ${count(n, "request")} in all; requests in the ramp-up, warm-up and cool-down windows are left out, as in the figures.` +
    (reduced ? ` Curves downsampled for drawing from ${n.toLocaleString("en-US")} points to ${rows.length.toLocaleString("en-US")} (per-bucket extremes kept).` : "");
  return chart(id, "load.cdf", `${scenario.name}: TTFT distribution`, caption, n, spec);
}

async function percentileChart(id: string, scenario: ScenarioResult<LoadResultDetail>, stages: Stage[]): Promise<Chart | undefined> {
  if ((scenario.detail as LoadSweepDetail).sweep !== true) return undefined;
  const rows: { rate: number; metric: string; stat: string; basis: string; v: number; stage: string }[] = [];
  let n = 0;
  let withIntended = false;
  for (const s of stages) {
    const rate = s.detail.achievedRate;
    if (!isNum(rate)) continue;
    n += s.detail.latency.ttft?.n ?? s.detail.latency.e2e?.n ?? 0;
    const add = (metric: string, basis: string, sum: LoadDetail["latency"]["ttft"]) => {
      if (!sum) return;
      for (const stat of ["p50", "p90", "p99"] as const) if (isNum(sum[stat])) rows.push({ rate, metric, stat, basis, v: sum[stat], stage: s.name });
    };
    add("TTFT", "from the send", s.detail.latency.ttft);
    add("E2E", "from the send", s.detail.latency.e2e);
    if (s.detail.open) {
      withIntended ||= s.detail.latency.ttftFromIntended !== undefined;
      add("TTFT", "from the intended send", s.detail.latency.ttftFromIntended);
      add("E2E", "from the intended send", s.detail.latency.e2eFromIntended);
    }
  }
  const stagesDrawn = new Set(rows.map((r) => r.stage)).size;
  if (rows.length === 0 || stagesDrawn < 2) return undefined;
  const x = { field: "rate", type: "quantitative", title: "achieved rate (req/s)", scale: { zero: false } };
  const y = { field: "v", type: "quantitative", title: "ms" };
  const color = { field: "stat", type: "nominal", title: "percentile", scale: { domain: ["p50", "p90", "p99"], range: ["#4c78a8", "#f58518", "#d62728"] }, legend: { orient: "top", direction: "horizontal" } };
  const panel = (metric: string): VlSpec => ({
    width: HALF_PANEL,
    height: PANEL_HEIGHT,
    title: metric,
    data: { values: rows.filter((r) => r.metric === metric) },
    layer: [
      {
        mark: { type: "line", strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color,
          strokeDash: { field: "basis", type: "nominal", title: "measured", scale: { domain: ["from the send", "from the intended send"], range: [[1, 0], [5, 3]] }, legend: { orient: "top", direction: "horizontal", labelLimit: 200, symbolStrokeWidth: 2, symbolSize: 300 } },
        },
      },
      { mark: { type: "point", filled: true, size: 30 }, encoding: { x, y, color, detail: { field: "basis" } } },
    ],
  });
  const metrics = [...new Set(rows.map((r) => r.metric))];
  const caption =
    `Latency percentiles (p50, p90, p99) of each stage against the send rate it achieved, over ${count(stagesDrawn, "stage")} (${count(n, "measured successful request")})` +
    (withIntended ? "; dashed: open-loop stages measured from the intended send (what a user arriving on schedule waits), solid: from the actual send" : "") +
    `. Rates from ${num(minOf(rows.map((r) => r.rate)))} to ${num(maxOf(rows.map((r) => r.rate)))} req/s.`;
  return chart(id, "load.percentiles", `${scenario.name}: latency against achieved rate`, caption, stagesDrawn, { hconcat: metrics.map(panel), spacing: 24, resolve: { scale: { color: "shared", strokeDash: "shared" } } });
}

export async function loadCharts(prefix: string, scenario: ScenarioResult<LoadResultDetail>, input: ChartInput): Promise<Chart[]> {
  const stages = stagesOf(scenario, input);
  if (stages.length === 0) return [];
  const out = await Promise.all([percentileChart(`${prefix}-percentiles`, scenario, stages), cdfChart(`${prefix}-cdf`, scenario, stages)]);
  return out.filter((c): c is Chart => c !== undefined);
}
