/**
 * Conversation charts: TTFT and E2E per turn with their spread across sessions, TTFT against
 * prompt length with the fitted line, each session's TTFT degradation, and for a concurrency
 * sweep the per-stream and total output tok/s against concurrency with the thresholds drawn.
 */
import type { ConversationDetail, ConversationLevel } from "../../scenarios/conversation/analyze.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import type { Verdict } from "../../metrics/verdicts.js";
import { reduceForDrawing, reductionNote } from "./downsample.js";
import {
  chart,
  COLORS,
  count,
  FULL_WIDTH,
  HALF_PANEL,
  HEIGHT,
  isNum,
  maxOf,
  MAX_POINTS,
  meanOf,
  metricsOf,
  minOf,
  num,
  PANEL_HEIGHT,
  recordsOf,
  type Chart,
  type ChartInput,
} from "./common.js";
import type { VlSpec } from "./render.js";

interface TurnRow {
  metric: "TTFT" | "E2E";
  level: number;
  turn: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

function levelColor(sweep: boolean, fixed: string): Record<string, unknown> {
  return sweep ? { color: { field: "level", type: "ordinal", title: "sessions at once", scale: { scheme: "viridis" }, legend: { orient: "top", direction: "horizontal", symbolOpacity: 1 } } } : { color: { value: fixed } };
}

function turnPanel(title: string, rows: TurnRow[], sweep: boolean, fixed: string): VlSpec {
  const color = levelColor(sweep, fixed);
  return {
    width: HALF_PANEL,
    height: PANEL_HEIGHT,
    title,
    data: { values: rows },
    encoding: { x: { field: "turn", type: "quantitative", title: "turn", axis: { tickMinStep: 1, format: "d" }, scale: { nice: false } } },
    layer: [
      { mark: { type: "area", opacity: 0.18 }, encoding: { y: { field: "lo", type: "quantitative", title: "ms" }, y2: { field: "hi" }, ...color } },
      { mark: { type: "line", point: { size: 24 }, strokeWidth: 1.5 }, encoding: { y: { field: "mean", type: "quantitative" }, ...color } },
    ],
  };
}

async function perTurnChart(id: string, scenario: ScenarioResult<ConversationDetail>, input: ChartInput): Promise<Chart | undefined> {
  const recs = recordsOf(input, scenario).filter((r) => r.result.ok && isNum(r.turn));
  const groups = new Map<string, { level: number; turn: number; ttft: number[]; e2e: number[] }>();
  for (const r of recs) {
    const level = r.concurrency ?? 1;
    const turn = r.turn as number;
    const key = `${level}|${turn}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { level, turn, ttft: [], e2e: [] }));
    const m = metricsOf(r);
    if (isNum(m.ttftMs)) g.ttft.push(m.ttftMs);
    if (isNum(m.e2eMs)) g.e2e.push(m.e2eMs);
  }
  const rows: TurnRow[] = [];
  const sorted = [...groups.values()].sort((a, b) => a.level - b.level || a.turn - b.turn);
  for (const g of sorted) {
    for (const [metric, xs] of [["TTFT", g.ttft], ["E2E", g.e2e]] as const) {
      const mean = meanOf(xs);
      if (mean !== undefined) rows.push({ metric, level: g.level, turn: g.turn, mean, lo: minOf(xs), hi: maxOf(xs), n: xs.length });
    }
  }
  const ttft = rows.filter((r) => r.metric === "TTFT");
  const e2e = rows.filter((r) => r.metric === "E2E");
  if (ttft.length === 0 && e2e.length === 0) return undefined;
  const sweep = new Set(rows.map((r) => r.level)).size > 1;
  const sessions = new Set(recs.map((r) => `${r.concurrency ?? 1}|${r.session ?? ""}`)).size;
  const panels: VlSpec[] = [];
  if (ttft.length) panels.push(turnPanel("TTFT per turn", ttft, sweep, COLORS.ttft));
  if (e2e.length) panels.push(turnPanel("E2E per turn", e2e, sweep, COLORS.e2e));
  const n = recs.length;
  const caption =
    `Mean TTFT and E2E latency of each turn (line), with the band from the fastest to the slowest session at that turn, over ${count(n, "successful request")} in ${count(sessions, "session")}` +
    (sweep ? `; one colour per concurrency level (${[...new Set(rows.map((r) => r.level))].join(", ")} sessions at once).` : ".") +
    (ttft.length === 0 ? " No TTFT: the requests were not streamed." : "");
  return chart(id, "conversation.turns", `${scenario.name}: TTFT and E2E per turn`, caption, n, { hconcat: panels, spacing: 24 });
}

async function promptChart(id: string, scenario: ScenarioResult<ConversationDetail>, input: ChartInput): Promise<Chart | undefined> {
  const recs = recordsOf(input, scenario).filter((r) => r.result.ok);
  const pts: { level: number; prompt: number; ttft: number }[] = [];
  for (const r of recs) {
    const m = metricsOf(r);
    if (isNum(m.ttftMs) && isNum(m.promptTokens)) pts.push({ level: r.concurrency ?? 1, prompt: m.promptTokens, ttft: m.ttftMs });
  }
  if (pts.length === 0) return undefined;
  const levels = [...new Set(pts.map((p) => p.level))].sort((a, b) => a - b);
  const sweep = levels.length > 1;
  // The fitted line of each level: the analysis's slope through the mean point of the same points (least squares passes through it).
  const fits: { level: number; prompt: number; ttft: number }[] = [];
  const fitWords: string[] = [];
  for (const lv of scenario.detail.levels) {
    const t = lv.detail.trend;
    const mine = pts.filter((p) => p.level === lv.concurrency);
    if (!t || mine.length < 2) continue;
    const slope = t.slopeMsPer1k / 1000;
    const mx = meanOf(mine.map((p) => p.prompt)) as number;
    const my = meanOf(mine.map((p) => p.ttft)) as number;
    const x0 = minOf(mine.map((p) => p.prompt));
    const x1 = maxOf(mine.map((p) => p.prompt));
    fits.push({ level: lv.concurrency, prompt: x0, ttft: my + slope * (x0 - mx) }, { level: lv.concurrency, prompt: x1, ttft: my + slope * (x1 - mx) });
    fitWords.push(`${sweep ? `at ${lv.concurrency} at once: ` : ""}${num(t.slopeMsPer1k)} ms per 1k prompt tokens, R² ${num(t.r2, 2)}, n ${t.n}`);
  }
  const drawn = reduceForDrawing(pts, (p) => p.prompt, (p) => p.ttft, MAX_POINTS, 5);
  const color = sweep ? { color: { field: "level", type: "ordinal", title: "sessions at once", scale: { scheme: "viridis" } } } : {};
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: HEIGHT,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      {
        data: { values: drawn.points },
        mark: { type: "circle", size: 14, opacity: 0.55, ...(sweep ? {} : { color: COLORS.ttft }) },
        encoding: { x: { field: "prompt", type: "quantitative", title: "prompt tokens" }, y: { field: "ttft", type: "quantitative", title: "TTFT (ms)" }, ...color },
      },
      ...(fits.length
        ? [
            {
              data: { values: fits },
              mark: { type: "line", strokeWidth: 2, ...(sweep ? {} : { color: COLORS.trend }) },
              encoding: { x: { field: "prompt", type: "quantitative" }, y: { field: "ttft", type: "quantitative" }, detail: { field: "level" }, ...color },
            },
          ]
        : []),
    ],
  };
  const caption =
    `TTFT of each successful streamed request against its prompt length (usage prompt tokens), ${count(pts.length, "request")}` +
    (fits.length ? `, with the least-squares line the analysis fitted (${fitWords.join("; ")}).` : "; too few points for a fitted line.") +
    reductionNote("Points", drawn);
  return chart(id, "conversation.prompt", `${scenario.name}: TTFT against prompt length`, caption, pts.length, spec);
}

function thresholdOf(verdicts: readonly Verdict[], metric: string): Verdict | undefined {
  return verdicts.find((v) => v.metric === metric);
}

async function degradationChart(id: string, scenario: ScenarioResult<ConversationDetail>): Promise<Chart | undefined> {
  const levels = scenario.detail.levels;
  const sweep = levels.length > 1;
  const rows: { label: string; order: number; est: number; lo?: number; hi?: number; sign: string }[] = [];
  for (const lv of levels) {
    for (const s of lv.detail.perIteration) {
      const ev = s.degradationEvidence;
      const est = ev?.estimate ?? s.degradation;
      if (!isNum(est)) continue;
      rows.push({
        label: sweep ? `c${lv.concurrency} · s${s.iteration}` : `session ${s.iteration}`,
        order: rows.length,
        est: est * 100,
        ...(ev?.ci ? { lo: ev.ci.lower * 100, hi: ev.ci.upper * 100 } : {}),
        sign: est > 0 ? "slower at the end" : "faster at the end",
      });
    }
  }
  if (rows.length === 0) return undefined;
  const limit = thresholdOf(scenario.verdicts, "degradation.ttft_max") ?? thresholdOf(scenario.verdicts, "degradation.ttft");
  const many = rows.length > 40;
  const withCi = rows.filter((r) => r.lo !== undefined);
  const x = { field: "label", type: "nominal", title: sweep ? "session (cN · sK: session K at N sessions at once)" : "session", sort: { field: "order", op: "min" }, axis: { labelAngle: -40, labels: !many, labelLimit: 140 } };
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: HEIGHT,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      {
        data: { values: rows },
        mark: { type: "bar", opacity: 0.85 },
        encoding: {
          x,
          y: { field: "est", type: "quantitative", title: "TTFT degradation (%)" },
          color: { field: "sign", type: "nominal", title: null, scale: { domain: ["slower at the end", "faster at the end"], range: [COLORS.fail, COLORS.ttft] }, legend: { orient: "top" } },
        },
      },
      ...(withCi.length
        ? [{ data: { values: withCi }, mark: { type: "rule", color: "#333" }, encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } }]
        : []),
      { data: { values: [{ y: 0 }] }, mark: { type: "rule", color: "#555" }, encoding: { y: { field: "y", type: "quantitative" } } },
      ...(limit
        ? [
            { data: { values: [{ y: limit.limit * 100 }] }, mark: { type: "rule", color: COLORS.rule, strokeDash: [6, 4] }, encoding: { y: { field: "y", type: "quantitative" } } },
            {
              data: { values: [{ y: limit.limit * 100, text: `limit ${num(limit.limit * 100)} %` }] },
              mark: { type: "text", align: "left", dx: 2, dy: -6, color: COLORS.rule, fontSize: 10 },
              encoding: { y: { field: "y", type: "quantitative" }, x: { value: 0 }, text: { field: "text" } },
            },
          ]
        : []),
    ],
  };
  const caption =
    `TTFT degradation of each session: mean TTFT of the last turn window over the first, minus 1 (positive: slower at the end), ${count(rows.length, "session")}` +
    (withCi.length ? "; the whiskers are its 95 % bootstrap interval" : "") +
    (limit ? `; the dashed line is the threshold ${limit.threshold} (judged against noise, floor ${num(scenario.detail.degradationFloorMs)} ms)` : "") +
    "." +
    (many ? " Session labels are left out: too many to read." : "");
  return chart(id, "conversation.degradation", `${scenario.name}: degradation per session`, caption, rows.length, spec);
}

const PER_STREAM = ["output_tps.mean", "output_tps.min", "output_tps.p50", "e2e_output_tps.mean"];

async function sweepChart(id: string, scenario: ScenarioResult<ConversationDetail>): Promise<Chart | undefined> {
  const levels: ConversationLevel[] = [...scenario.detail.levels].sort((a, b) => a.concurrency - b.concurrency);
  if (levels.length < 2) return undefined;
  const stream: { c: number; v: number; series: string }[] = [];
  const total: { c: number; v: number; series: string }[] = [];
  for (const l of levels) {
    const dec = l.metrics["output_tps.mean"]?.value;
    const whole = l.metrics["e2e_output_tps.mean"]?.value;
    const tot = l.detail.totalOutputTps;
    if (isNum(dec)) stream.push({ c: l.concurrency, v: dec, series: "decode (output tok/s, mean)" });
    if (isNum(whole)) stream.push({ c: l.concurrency, v: whole, series: "whole request (E2E output tok/s, mean)" });
    if (isNum(tot)) total.push({ c: l.concurrency, v: tot, series: "all sessions together" });
  }
  if (stream.length === 0 && total.length === 0) return undefined;
  const cs = levels.map((l) => l.concurrency);
  const log = maxOf(cs) / Math.max(1, minOf(cs)) >= 8;
  const x = { field: "c", type: "quantitative", title: "sessions at once", scale: { type: log ? "log" : "linear", nice: false, ...(log ? {} : { zero: false }) }, axis: { values: cs, format: "d" } };
  const within = scenario.detail.maxConcurrencyWithinThresholds;
  // The capacity's label sits on the side of its rule where there is room.
  const at = (c: number) => (log ? Math.log(c) : c);
  const leftHalf = within !== undefined && at(within) - at(minOf(cs)) < (at(maxOf(cs)) - at(minOf(cs))) / 2;
  const rulesFor = (test: (metric: string) => boolean) => {
    // Thresholds at the same limit share one rule and one label.
    const byLimit = new Map<number, string[]>();
    for (const v of scenario.verdicts.filter((x) => test(x.metric))) byLimit.set(v.limit, [...(byLimit.get(v.limit) ?? []), v.threshold]);
    return [...byLimit].map(([y, ts]) => ({ y, text: ts.join(", ") }));
  };
  const panel = (title: string, rows: typeof stream, rules: { y: number; text: string }[], colorTitle: string | null, range: string[]): VlSpec => ({
    width: HALF_PANEL,
    height: PANEL_HEIGHT,
    title,
    layer: [
      {
        data: { values: rows },
        mark: { type: "line", point: { size: 36 }, strokeWidth: 1.5 },
        encoding: { x, y: { field: "v", type: "quantitative", title: "tok/s" }, color: { field: "series", type: "nominal", title: colorTitle, scale: { range }, legend: { orient: "bottom", direction: "vertical", labelLimit: 320 } } },
      },
      ...(rules.length
        ? [
            { data: { values: rules }, mark: { type: "rule", color: COLORS.rule, strokeDash: [6, 4] }, encoding: { y: { field: "y", type: "quantitative" } } },
            { data: { values: rules }, mark: { type: "text", align: "right", dy: -6, color: COLORS.rule, fontSize: 10 }, encoding: { y: { field: "y", type: "quantitative" }, x: { value: HALF_PANEL - 4 }, text: { field: "text" } } },
          ]
        : []),
      ...(within !== undefined && within > 0
        ? [
            { data: { values: [{ c: within }] }, mark: { type: "rule", color: COLORS.pass, strokeDash: [2, 3] }, encoding: { x: { field: "c", type: "quantitative" } } },
            {
              data: { values: [{ c: within, text: `within thresholds up to ${within}` }] },
              mark: { type: "text", align: leftHalf ? "left" : "right", dx: leftHalf ? 4 : -4, color: COLORS.pass, fontSize: 10 },
              encoding: { x: { field: "c", type: "quantitative" }, y: { value: 10 }, text: { field: "text" } },
            },
          ]
        : []),
    ],
  });
  const panels: VlSpec[] = [];
  if (stream.length) panels.push(panel("Per stream", stream, rulesFor((m) => PER_STREAM.includes(m)), null, [COLORS.ttft, COLORS.e2e]));
  if (total.length) panels.push(panel("Total", total, rulesFor((m) => m === "total_output_tps"), null, [COLORS.pass]));
  const n = levels.reduce((a, l) => a + l.requests.ok, 0);
  const ruleCount = scenario.verdicts.filter((v) => PER_STREAM.includes(v.metric) || v.metric === "total_output_tps").length;
  const caption =
    `Output tokens per second against the number of sessions at once, over ${count(levels.length, "level")} (${count(n, "successful request")}): per stream (the mean of each request's decode speed, and of its output tokens over its E2E) and in total (all output tokens of a level over its wall time)` +
    (ruleCount ? `; dashed red lines are the thresholds on these figures` : "") +
    (within !== undefined ? `; ${within > 0 ? `every level up to ${within} met every threshold (green dotted line)` : "the lowest level already missed a threshold"}` : "") +
    (log ? "; concurrency on a log scale" : "") +
    ".";
  return chart(id, "conversation.sweep", `${scenario.name}: tok/s against concurrency`, caption, levels.length, { hconcat: panels, spacing: 24, resolve: { scale: { color: "independent" }, legend: { color: "independent" } } });
}

export async function conversationCharts(prefix: string, scenario: ScenarioResult<ConversationDetail>, input: ChartInput): Promise<Chart[]> {
  if (!scenario.detail || !Array.isArray(scenario.detail.levels)) return [];
  const out = await Promise.all([
    perTurnChart(`${prefix}-turns`, scenario, input),
    promptChart(`${prefix}-prompt`, scenario, input),
    degradationChart(`${prefix}-degradation`, scenario),
    sweepChart(`${prefix}-sweep`, scenario),
  ]);
  return out.filter((c): c is Chart => c !== undefined);
}
