/**
 * Charts for report.html, as inline SVG rendered in Node: vega-lite specs compiled by
 * vega-lite and drawn by vega's headless View (render.ts). Nothing is fetched, the output is
 * the same for the same input, every SVG fits a 1 000 px page (at most MAX_WIDTH wide, with a
 * viewBox so a page can scale it to print on A4), and every text in it is escaped (vega does,
 * and safety.ts checks).
 *
 * Figures are never downsampled; only what is drawn is: a layer holds at most MAX_POINTS
 * points, reduced by downsample.ts's per-bucket rule, and the caption says so.
 *
 * Chart kinds (docs/report.md explains each):
 *   conversation.turns        TTFT and E2E per turn, mean and min–max band across sessions
 *   conversation.prompt       TTFT against prompt tokens, with the analysis's fitted line
 *   conversation.degradation  each session's TTFT degradation (signed bars, 95 % interval, threshold)
 *   conversation.sweep        per-stream and total output tok/s against concurrency, thresholds as rules
 *   cache.ttft                miss and hit TTFT per probe (box over a strip)
 *   load.percentiles          p50/p90/p99 TTFT and E2E against achieved rate (sweeps)
 *   load.cdf                  TTFT CDF of the measured requests (one curve per stage)
 *   reasoning.scores          score per task (mean bar, each run, pass score)
 *   tools.cases               share of runs passing per case, share of checks passed
 *   soak.windows              window figures over time, trend line, change points
 *   soak.resources            GPU utilisation, memory, power and server RSS per window
 *   timeline                  the run: requests, server queue, KV usage, preemptions, GPUs
 */
import type { GpuSample } from "../../monitor/gpu/types.js";
import type { ServerSnapshot } from "../../monitor/types.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import type { RequestRecord } from "../../store/records.js";
import type { RunResults } from "../../store/run-folder.js";
import type { CacheDetail } from "../../scenarios/cache/analyze.js";
import type { ConversationDetail } from "../../scenarios/conversation/analyze.js";
import type { LoadResultDetail } from "../../scenarios/load/analyze.js";
import type { ReasoningDetail } from "../../scenarios/reasoning/analyze.js";
import type { SoakDetail } from "../../scenarios/soak/analyze.js";
import type { ToolsDetail } from "../../scenarios/tools/analyze.js";
import { cacheCharts } from "./cache.js";
import { scenarioPrefix } from "./common.js";
import { conversationCharts } from "./conversation.js";
import { loadCharts } from "./load.js";
import { reasoningCharts, toolsCharts } from "./scores.js";
import { soakCharts } from "./soak.js";
import { timelineChart } from "./timeline.js";

/** What the charts read: a run folder's results, records, /metrics timeline and GPU samples (loadRunFolder). */
export interface ChartInput {
  results: RunResults;
  records: RequestRecord[];
  server: ServerSnapshot[];
  gpu: GpuSample[];
}

export interface Chart {
  /** Unique within a run's page, [a-z0-9-] only: usable as an HTML id (the SVG's own ids start with it). */
  id: string;
  /** Plain text (it may hold a scenario's name): escape it where it is inserted. */
  title: string;
  /** Plain text: what is drawn, its n, and what was downsampled for drawing; escape it where it is inserted. */
  caption: string;
  /** inline <svg>…</svg>, safe to insert into HTML */
  svg: string;
  /** The number of data points the chart rests on (requests, sessions, stages, windows, runs). */
  n: number;
  /** The chart kind, e.g. "conversation.turns" (listed above). */
  kind: string;
}

export { MAX_POINTS } from "./common.js";
export { MAX_WIDTH } from "./render.js";
export { reduceForDrawing } from "./downsample.js";

/**
 * The charts of one scenario, in reading order; none (an empty list) when the scenario has
 * nothing to draw (no successful request, an unknown kind, a detail of another shape).
 */
export async function renderScenarioCharts(scenario: ScenarioResult, input: ChartInput): Promise<Chart[]> {
  const prefix = scenarioPrefix(scenario, input.results);
  if (scenario.detail === undefined || scenario.detail === null || typeof scenario.detail !== "object") return [];
  switch (scenario.kind) {
    case "conversation":
      return conversationCharts(prefix, scenario as ScenarioResult<ConversationDetail>, input);
    case "cache":
      return cacheCharts(prefix, scenario as ScenarioResult<CacheDetail>, input);
    case "load":
      return loadCharts(prefix, scenario as ScenarioResult<LoadResultDetail>, input);
    case "reasoning":
      return reasoningCharts(prefix, scenario as ScenarioResult<ReasoningDetail>);
    case "tools":
      return toolsCharts(prefix, scenario as ScenarioResult<ToolsDetail>);
    case "soak":
      return soakCharts(prefix, scenario as ScenarioResult<SoakDetail>);
    default:
      return [];
  }
}

/** The run's timeline (id "timeline"); undefined when the run holds no record, snapshot nor GPU sample. */
export async function renderTimelineChart(input: ChartInput): Promise<Chart | undefined> {
  return timelineChart(input);
}
