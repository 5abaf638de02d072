/**
 * The server-metrics monitor: Prometheus /metrics scraping, normalisation across servers
 * (vLLM, SGLang, llama.cpp, TGI) and window summaries. See docs/server-metrics.md.
 */
export type {
  HistogramQuantileName,
  HistogramValue,
  HistogramWindowSummary,
  NormalizedMetrics,
  PrefixCacheHitRateBasis,
  ServerCounterName,
  ServerKind,
  ServerMonitor,
  ServerSnapshot,
  ServerWindowSummary,
  WindowBounds,
  WindowEdge,
  WindowOptions,
} from "./types.js";
export { parseMetricsText, parseSampleValue, looksLikePrometheus, type MetricSample, type MetricType, type ParsedMetrics } from "./parse.js";
export {
  METRIC_MAPPINGS,
  detectServerKind,
  normalizeMetrics,
  normalizeMetricsDetailed,
  type MappedField,
  type MetricMapping,
  type NormalizeDetail,
} from "./mapping.js";
export {
  summarizeWindow,
  summarizeScenarioWindow,
  readScenarioSpan,
  histogramQuantile,
  diffHistogram,
  summarizeHistogramMs,
  EDGE_SLACK_MS,
  type HistogramDelta,
  type ScenarioSpan,
} from "./summary.js";
export {
  metricsUrlFor,
  probeMetrics,
  startMonitor,
  NO_METRICS_HINT,
  type MonitorStats,
  type ProbeResult,
  type RunningMonitor,
  type StartMonitorOptions,
} from "./monitor.js";
