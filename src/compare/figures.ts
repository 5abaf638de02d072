/**
 * What a figure is, for a comparison: which way is better, whether it is a duration (words
 * faster / slower), and its unit when it comes from the records.
 */
import type { Direction } from "../metrics/compare.js";
import type { MetricValue } from "../scenarios/types.js";

/** Per-request figures taken from the records (docs/diff.md): name → unit. */
export const REQUEST_FIGURES = {
  ttft: "ms",
  ttfa: "ms",
  e2e: "ms",
  tpot: "ms",
  /** The mean gap between the chunks of one request (so that requests pair), not the pooled gaps. */
  itl: "ms",
  output_tps: "tok/s",
  e2e_output_tps: "tok/s",
} as const satisfies Record<string, MetricValue["unit"]>;

export type RequestFigure = keyof typeof REQUEST_FIGURES;

/** Statistics compared for every per-request figure; a --fail-on may ask for others (pNN, mean). */
export const DEFAULT_STATISTICS = ["p50", "mean", "p90"] as const;

const LOWER_IS_BETTER = [
  /^(ttft|ttfa|ttfc|e2e|tpot|itl)(\.|_miss|_hit|_from_intended|$)/,
  /^time_to_first_tool_call\./,
  /^degradation\./,
  /^drift\./,
  /^client_lag\./,
  /^slot_wait\./,
  /^(error_rate|truncated_rate|parser_failure_rate|stream_mismatch_rate|timeouts|late_sends|slot_waits|not_sent)$/,
  /^canary\.changed$/,
  /^ttft_slope_ms_per_1k$/,
  /^server\.(rss_slope_mb_per_h|restarts)$/,
  /^gpu\.memory_slope_mib_per_h$/,
];

const HIGHER_IS_BETTER = [
  /^(output_tps|e2e_output_tps)(\.|$)/,
  /^(total_output_tps|output_tps_total)$/,
  /^(success_rate|pass_rate|call_accuracy|json_validity_rate|schema_validity_rate|final_answer_rate|goodput|goodput_fraction|throughput|completion_ratio)$/,
  /^(score|auto_score|judge_score|human_score)\./,
  /^speedup(_ci_low)?\./,
  /^server_hit_rate\./,
  /^(max_concurrency_within_thresholds|sync_rate|max_throughput|max_goodput)$/,
  /^canary\.(match_rate|similarity_min)$/,
];

/** Which way is better for a figure, by its name. */
export function figureDirection(figure: string): Direction {
  if (LOWER_IS_BETTER.some((re) => re.test(figure))) return "lower";
  if (HIGHER_IS_BETTER.some((re) => re.test(figure))) return "higher";
  return "neutral";
}

/** A duration where lower is better: its words are faster / slower. */
export function isTiming(figure: string, unit: string): boolean {
  return unit === "ms" && figureDirection(figure) === "lower";
}

/** "ttft.p90" → { base: "ttft", statistic: "p90" }; a name without a dot has no statistic. */
export function splitFigure(figure: string): { base: string; statistic?: string } {
  const i = figure.lastIndexOf(".");
  if (i < 0) return { base: figure };
  return { base: figure.slice(0, i), statistic: figure.slice(i + 1) };
}
