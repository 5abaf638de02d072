/**
 * The GPU sampler (monitor.gpu): nvidia-smi as a child process, a DCGM exporter's /metrics,
 * or a command printing nvidia-smi's query CSV (ssh …), into gpu-metrics.jsonl; and the
 * summary of a span of it.
 */
export type { GpuSample, GpuInfo, GpuSamplerOptions, GpuSamplerStats, RunningGpuSampler } from "./types.js";
export { startGpuSampler } from "./sampler.js";
export {
  summarizeGpu,
  type GpuSpanSummary,
  type GpuOneSummary,
  type GpuTotalSummary,
  type GpuFigures,
  type GpuMeanMax,
  type GpuUtilizationStats,
  type GpuMemoryStats,
  type GpuMemorySlope,
  type GpuEnergy,
  type GpuClockStats,
  type GpuThrottleStats,
  type GpuThrottleShare,
  type GpuSummaryOptions,
} from "./summary.js";
export { parseQueryLine, parseNvidiaSmiTimestamp, isNotReported, refusedField, withoutField, BASE_FIELDS, THROTTLE_FIELDS, ENERGY_FIELD, DEFAULT_QUERY_FIELDS, type GpuReading, type QueryLineResult } from "./nvidia-smi-csv.js";
export { parseDcgmMetrics, dcgmValue, type DcgmPage, type DcgmReading } from "./dcgm-parse.js";
export { decodeClockEventReasons, parseClockEventMask, CLOCK_EVENT_REASONS } from "./throttle.js";
export { GPU_MONITOR_ERROR, MAX_RESTARTS } from "./csv-stream.js";
