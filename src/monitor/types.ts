/**
 * The server-metrics monitor's data: snapshots of a server's Prometheus /metrics, mapped
 * from each server's own names (vLLM old and new, SGLang, llama.cpp) to one vocabulary.
 * Times `t` are performance.now() milliseconds of the shakedown process, the same clock as
 * ChatResult.sentPerfMs, so snapshots line up with request records.
 */

export type ServerKind = "vllm" | "sglang" | "llamacpp" | "tgi" | "unknown";

/**
 * Cumulative histogram as exposed: upper bounds (seconds) with cumulative counts. Only the
 * finite buckets are kept (sorted by `le`); the `+Inf` bucket is `count`, so the value
 * survives JSON (where Infinity would become null).
 */
export interface HistogramValue {
  buckets: { le: number; count: number }[];
  sum: number;
  count: number;
}

/** One scrape, normalised. Absent fields: the server does not expose that figure. */
export interface NormalizedMetrics {
  server: ServerKind;
  /** gauges */
  requestsRunning?: number;
  requestsWaiting?: number;
  /** KV cache occupancy, 0..1 (vLLM kv_cache_usage_perc / gpu_cache_usage_perc, SGLang token_usage, llama.cpp kv_cache_usage_ratio). */
  kvCacheUsage?: number;
  /** counters (cumulative since server start) */
  prefixCacheQueries?: number;
  prefixCacheHits?: number;
  promptTokens?: number;
  generationTokens?: number;
  /** llama.cpp: prompt tokens reused from the cache. */
  promptTokensCached?: number;
  preemptions?: number;
  requestsSucceeded?: number;
  /** histograms (seconds) */
  ttft?: HistogramValue;
  itl?: HistogramValue;
  e2e?: HistogramValue;
  queueTime?: HistogramValue;
  /** From vllm:cache_config_info (enable_prefix_caching label), when exposed. */
  prefixCachingEnabled?: boolean;
  /** SGLang's own rolling cache hit rate gauge, kept for reference only (never used as run truth). */
  reportedCacheHitRate?: number;
  /** Standard process metrics: the serving process's resident memory (bytes) and start time (Unix seconds). */
  processResidentMemoryBytes?: number;
  processStartTimeSeconds?: number;
}

export interface ServerSnapshot {
  /** performance.now() ms in the shakedown process. */
  t: number;
  epochMs: number;
  /** Scrape failed: values absent. */
  error?: string;
  values?: NormalizedMetrics;
  /** How long the scrape took (request + parse), ms. */
  scrapeMs?: number;
}

/** Quantiles a window summary gives for a server histogram. */
export type HistogramQuantileName = "p50" | "p90" | "p99";

/**
 * A window summary of one server histogram, ms. Quantiles are interpolated inside buckets
 * (as Prometheus' histogram_quantile) and given only where the buckets resolve them: a
 * quantile that falls in the first bucket (between 0 and its bound) or above the highest
 * finite bound is left undefined and listed in `unresolved`, never replaced by a bound.
 */
export interface HistogramWindowSummary {
  /** Observations in the window (Δcount). */
  n: number;
  /**
   * Δsum / Δcount. Undefined when Δsum is 0 with observations: every observation was 0, or
   * the server does not fill the sum; either way "0.0 ms" would read as a measurement.
   */
  mean?: number;
  p50?: number;
  p90?: number;
  p99?: number;
  /** Quantiles the buckets cannot resolve, and where their observations lie. */
  unresolved?: {
    quantiles: HistogramQuantileName[];
    /** The first finite bucket, when a quantile falls in it: its bound (ms) and its observations. */
    firstBucket?: { le: number; count: number };
    /** Observations above the highest finite bound (ms), when a quantile falls there. */
    aboveLast?: { le: number; count: number };
  };
}

/** Counters a window summary diffs. */
export type ServerCounterName =
  | "prefixCacheQueries"
  | "prefixCacheHits"
  | "promptTokens"
  | "promptTokensCached"
  | "generationTokens"
  | "preemptions"
  | "requestsSucceeded";

/** How prefixCacheHitRate was computed. */
export type PrefixCacheHitRateBasis = "hits/queries" | "cached/(cached+computed)" | "cached/prompt";

/** Where a snapshot that counters are diffed from lies against the window's edge. */
export type WindowEdge = "at" | "inside" | "outside";

/**
 * How summarizeWindow picks the two snapshots it diffs counters between.
 * - "inside" (the default): the snapshots taken at the window's edges when there are such
 *   (a scenario's own start and end snapshots), else the first and last ones inside the window:
 *   traffic outside the window is never counted.
 * - "around": the last snapshot at or before `from` and the first at or after `to`: the whole
 *   window is counted, with whatever traffic surrounds it up to those snapshots (for windows
 *   with no snapshot of their own, such as a run folder written before scenarios took them).
 */
export type WindowBounds = "inside" | "around";

export interface WindowOptions {
  bounds?: WindowBounds;
}

/** Counter deltas and gauge summaries over a window [from, to] of snapshots. */
export interface ServerWindowSummary {
  server: ServerKind;
  from: number;
  to: number;
  /** Snapshots inside the window (gauge summaries rest on these). */
  samples: number;
  deltas: {
    prefixCacheQueries?: number;
    prefixCacheHits?: number;
    promptTokens?: number;
    promptTokensCached?: number;
    generationTokens?: number;
    preemptions?: number;
    requestsSucceeded?: number;
  };
  /** Δhits / Δqueries (or cached / (cached + computed) for llama.cpp) over the window. */
  prefixCacheHitRate?: number;
  /** Which counters prefixCacheHitRate rests on. */
  prefixCacheHitRateBasis?: PrefixCacheHitRateBasis;
  gauges: {
    requestsRunning?: { mean: number; max: number };
    requestsWaiting?: { mean: number; max: number };
    kvCacheUsage?: { mean: number; max: number };
    /** The server's own rolling hit-rate gauge (SGLang), for reference only. */
    reportedCacheHitRate?: { mean: number; max: number };
  };
  /** Server-side latency histograms diffed over the window: mean and interpolated quantiles, ms. */
  ttftMs?: HistogramWindowSummary;
  itlMs?: HistogramWindowSummary;
  e2eMs?: HistogramWindowSummary;
  queueTimeMs?: HistogramWindowSummary;
  prefixCachingEnabled?: boolean;
  /** The two snapshots counters and histograms were diffed between (their `t`). */
  deltaSpan?: { from: number; to: number };
  /**
   * Where those two snapshots lie against the window: "at" its edge (a snapshot taken at the
   * boundary: the deltas count exactly the window), "inside" it (the window's first or last
   * stretch is not counted) or "outside" it (traffic before or after the window is counted).
   */
  edges?: { start: WindowEdge; end: WindowEdge };
  /** How the two snapshots were chosen (see WindowOptions). */
  bounds?: WindowBounds;
  /** Counters that went down inside the span (server restart?): their delta is left undefined. */
  resetCounters?: ServerCounterName[];
  /** Why a figure is missing or approximate (restarts, snapshots outside the window). */
  notes?: string[];
}

/** What a running scenario can ask of the monitor. */
export interface ServerMonitor {
  /** True when /metrics answered at start. */
  readonly available: boolean;
  readonly metricsUrl: string;
  /** Scrapes now (outside the polling cadence), appends to the timeline and returns the snapshot. */
  snapshotNow(): Promise<ServerSnapshot | undefined>;
}
