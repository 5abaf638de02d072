/**
 * One declarative table from each server's Prometheus names to NormalizedMetrics, and the
 * normalisation that applies it.
 *
 * Rules for a field are tried in table order and the first name the scrape exposes wins
 * (never a sum over different names): new vLLM names come before the deprecated ones that
 * vLLM keeps exposing beside them for a few releases (0.10 serves both
 * `vllm:kv_cache_usage_perc` and `vllm:gpu_cache_usage_perc`, with equal values).
 *
 * Within one name, series of several label sets (data-parallel engines, several models,
 * tensor-parallel ranks) are combined: counters and count gauges are summed, ratio gauges
 * (KV usage, hit rates) averaged, histograms merged bucket by bucket.
 */
import type { HistogramValue, NormalizedMetrics, ServerKind } from "./types.js";
import type { MetricSample, ParsedMetrics } from "./parse.js";

type NumberField =
  | "requestsRunning"
  | "requestsWaiting"
  | "kvCacheUsage"
  | "prefixCacheQueries"
  | "prefixCacheHits"
  | "promptTokens"
  | "generationTokens"
  | "promptTokensCached"
  | "preemptions"
  | "requestsSucceeded"
  | "reportedCacheHitRate"
  | "processResidentMemoryBytes"
  | "processStartTimeSeconds";
type HistogramField = "ttft" | "itl" | "e2e" | "queueTime";

interface RuleBase {
  /** The server that exposes the name; "any" for the standard process metrics every Prometheus client library writes. */
  server: Exclude<ServerKind, "unknown"> | "any";
  /** Exact sample name; for histograms the family name (`_bucket`, `_sum`, `_count` are read). */
  name: string;
  /** What the number is, in the server's terms (docs/server-metrics.md repeats it). */
  meaning: string;
  /** Series whose label has one of these values are left out. */
  exclude?: Readonly<Record<string, readonly string[]>>;
}

export type MetricMapping =
  | (RuleBase & { kind: "counter"; field: NumberField })
  | (RuleBase & { kind: "gauge"; field: NumberField; aggregate: "sum" | "mean" })
  | (RuleBase & { kind: "histogram"; field: HistogramField })
  | (RuleBase & { kind: "info"; field: "prefixCachingEnabled"; label: string });

export type MappedField = MetricMapping["field"];

const FINISHED_NOT_SUCCESS = { finished_reason: ["abort", "error"] } as const;

/** The mapping table, in order of preference within a field. */
export const METRIC_MAPPINGS: readonly MetricMapping[] = [
  // ── vLLM (V1 names first, then the deprecated / older spellings) ──
  { server: "vllm", name: "vllm:num_requests_running", kind: "gauge", aggregate: "sum", field: "requestsRunning", meaning: "requests in the running batch" },
  { server: "vllm", name: "vllm:num_requests_waiting", kind: "gauge", aggregate: "sum", field: "requestsWaiting", meaning: "requests queued for the scheduler" },
  { server: "vllm", name: "vllm:kv_cache_usage_perc", kind: "gauge", aggregate: "mean", field: "kvCacheUsage", meaning: "fraction of KV-cache blocks in use, 0..1 (despite the name)" },
  { server: "vllm", name: "vllm:gpu_cache_usage_perc", kind: "gauge", aggregate: "mean", field: "kvCacheUsage", meaning: "older name of kv_cache_usage_perc (deprecated by vLLM PR #18354)" },
  { server: "vllm", name: "vllm:prefix_cache_queries_total", kind: "counter", field: "prefixCacheQueries", meaning: "prompt tokens looked up in the prefix cache" },
  { server: "vllm", name: "vllm:prefix_cache_queries", kind: "counter", field: "prefixCacheQueries", meaning: "the same, exposed without the _total suffix" },
  { server: "vllm", name: "vllm:gpu_prefix_cache_queries_total", kind: "counter", field: "prefixCacheQueries", meaning: "older name of prefix_cache_queries (early V1)" },
  { server: "vllm", name: "vllm:gpu_prefix_cache_queries", kind: "counter", field: "prefixCacheQueries", meaning: "older name, without the _total suffix" },
  { server: "vllm", name: "vllm:prefix_cache_hits_total", kind: "counter", field: "prefixCacheHits", meaning: "prompt tokens found in the prefix cache" },
  { server: "vllm", name: "vllm:prefix_cache_hits", kind: "counter", field: "prefixCacheHits", meaning: "the same, exposed without the _total suffix" },
  { server: "vllm", name: "vllm:gpu_prefix_cache_hits_total", kind: "counter", field: "prefixCacheHits", meaning: "older name of prefix_cache_hits (early V1)" },
  { server: "vllm", name: "vllm:gpu_prefix_cache_hits", kind: "counter", field: "prefixCacheHits", meaning: "older name, without the _total suffix" },
  { server: "vllm", name: "vllm:prompt_tokens_total", kind: "counter", field: "promptTokens", meaning: "prompt tokens of requests, cached ones included" },
  { server: "vllm", name: "vllm:prompt_tokens_cached_total", kind: "counter", field: "promptTokensCached", meaning: "prompt tokens served from a cache (newer vLLM)" },
  { server: "vllm", name: "vllm:generation_tokens_total", kind: "counter", field: "generationTokens", meaning: "generated tokens" },
  { server: "vllm", name: "vllm:num_preemptions_total", kind: "counter", field: "preemptions", meaning: "preemptions (KV-cache pressure)" },
  { server: "vllm", name: "vllm:num_preemptions", kind: "counter", field: "preemptions", meaning: "the same, without the _total suffix" },
  { server: "vllm", name: "vllm:request_success_total", kind: "counter", field: "requestsSucceeded", exclude: FINISHED_NOT_SUCCESS, meaning: "finished requests, finished_reason stop or length (abort and error left out)" },
  { server: "vllm", name: "vllm:time_to_first_token_seconds", kind: "histogram", field: "ttft", meaning: "time to first token, from arrival in the frontend" },
  { server: "vllm", name: "vllm:inter_token_latency_seconds", kind: "histogram", field: "itl", meaning: "gaps between output tokens" },
  { server: "vllm", name: "vllm:time_per_output_token_seconds", kind: "histogram", field: "itl", meaning: "older name of inter_token_latency_seconds" },
  { server: "vllm", name: "vllm:e2e_request_latency_seconds", kind: "histogram", field: "e2e", meaning: "request latency, arrival to last token" },
  { server: "vllm", name: "vllm:request_queue_time_seconds", kind: "histogram", field: "queueTime", meaning: "time spent WAITING before first scheduled" },
  { server: "vllm", name: "vllm:cache_config_info", kind: "info", label: "enable_prefix_caching", field: "prefixCachingEnabled", meaning: "cache configuration; its enable_prefix_caching label" },
  { server: "vllm", name: "vllm:gpu_prefix_cache_hit_rate", kind: "gauge", aggregate: "mean", field: "reportedCacheHitRate", meaning: "V0 engine's block hit-rate gauge (reference only)" },

  // ── SGLang (needs --enable-metrics) ──
  { server: "sglang", name: "sglang:num_running_reqs", kind: "gauge", aggregate: "sum", field: "requestsRunning", meaning: "requests in the running batch" },
  { server: "sglang", name: "sglang:num_queue_reqs", kind: "gauge", aggregate: "sum", field: "requestsWaiting", meaning: "requests in the waiting queue" },
  { server: "sglang", name: "sglang:token_usage", kind: "gauge", aggregate: "mean", field: "kvCacheUsage", meaning: "fraction of the KV token pool in use, 0..1" },
  { server: "sglang", name: "sglang:prompt_tokens_total", kind: "counter", field: "promptTokens", meaning: "prompt tokens of requests, cached ones included" },
  { server: "sglang", name: "sglang:cached_tokens_total", kind: "counter", field: "promptTokensCached", meaning: "prompt tokens served from the radix cache (all cache_source values)" },
  { server: "sglang", name: "sglang:generation_tokens_total", kind: "counter", field: "generationTokens", meaning: "generated tokens" },
  { server: "sglang", name: "sglang:num_retracted_requests_total", kind: "counter", field: "preemptions", meaning: "retracted requests (SGLang's preemption)" },
  { server: "sglang", name: "sglang:time_to_first_token_seconds", kind: "histogram", field: "ttft", meaning: "time to first token" },
  { server: "sglang", name: "sglang:inter_token_latency_seconds", kind: "histogram", field: "itl", meaning: "gaps between output tokens" },
  { server: "sglang", name: "sglang:time_per_output_token_seconds", kind: "histogram", field: "itl", meaning: "older name of inter_token_latency_seconds" },
  { server: "sglang", name: "sglang:e2e_request_latency_seconds", kind: "histogram", field: "e2e", meaning: "request latency" },
  { server: "sglang", name: "sglang:queue_time_seconds", kind: "histogram", field: "queueTime", meaning: "time in the waiting queue" },
  { server: "sglang", name: "sglang:cache_hit_rate", kind: "gauge", aggregate: "mean", field: "reportedCacheHitRate", meaning: "SGLang's own rolling prefix-cache hit rate (reference only)" },

  // ── llama.cpp llama-server (needs --metrics) ──
  { server: "llamacpp", name: "llamacpp:requests_processing", kind: "gauge", aggregate: "sum", field: "requestsRunning", meaning: "slots busy with a request" },
  { server: "llamacpp", name: "llamacpp:requests_deferred", kind: "gauge", aggregate: "sum", field: "requestsWaiting", meaning: "requests waiting for a free slot" },
  { server: "llamacpp", name: "llamacpp:kv_cache_usage_ratio", kind: "gauge", aggregate: "mean", field: "kvCacheUsage", meaning: "KV cache occupancy, 0..1 (absent from recent builds)" },
  { server: "llamacpp", name: "llamacpp:prompt_tokens_total", kind: "counter", field: "promptTokens", meaning: "prompt tokens computed, cached ones EXCLUDED" },
  { server: "llamacpp", name: "llamacpp:prompt_tokens_cached_total", kind: "counter", field: "promptTokensCached", meaning: "prompt tokens reused from the slot cache" },
  { server: "llamacpp", name: "llamacpp:tokens_predicted_total", kind: "counter", field: "generationTokens", meaning: "generated tokens" },

  // ── TGI (basics) ──
  { server: "tgi", name: "tgi_batch_current_size", kind: "gauge", aggregate: "sum", field: "requestsRunning", meaning: "requests in the current batch" },
  { server: "tgi", name: "tgi_queue_size", kind: "gauge", aggregate: "sum", field: "requestsWaiting", meaning: "requests in the queue" },
  { server: "tgi", name: "tgi_request_success", kind: "counter", field: "requestsSucceeded", meaning: "successful requests" },
  { server: "tgi", name: "tgi_request_duration", kind: "histogram", field: "e2e", meaning: "request latency (e2e)" },
  { server: "tgi", name: "tgi_request_queue_duration", kind: "histogram", field: "queueTime", meaning: "time in the queue" },

  // ── Any server whose Prometheus client exports the standard process metrics (vLLM's and SGLang's Python prometheus_client) ──
  { server: "any", name: "process_resident_memory_bytes", kind: "gauge", aggregate: "sum", field: "processResidentMemoryBytes", meaning: "resident memory of the serving process (the API server's; engine-core processes are not included)" },
  { server: "any", name: "process_start_time_seconds", kind: "gauge", aggregate: "mean", field: "processStartTimeSeconds", meaning: "when the serving process started, Unix seconds: its uptime, and a restart when it changes" },
];

/** Name prefixes of each server; the underscore forms are what Prometheus stores, or a router re-exports. */
const SERVER_PREFIXES: readonly [Exclude<ServerKind, "unknown">, string][] = [
  ["vllm", "vllm:"],
  ["vllm", "vllm_"],
  ["sglang", "sglang:"],
  ["sglang", "sglang_"],
  ["llamacpp", "llamacpp:"],
  ["llamacpp", "llamacpp_"],
  ["tgi", "tgi_"],
];

/**
 * The names a rule is looked up under: as the server exposes it, then with the colon
 * escaped to an underscore (`sglang_num_running_reqs`), the form Prometheus stores when it
 * negotiates `escaping=underscores` and sgl-router's /engine_metrics re-exports.
 */
export function exposedNames(name: string): readonly string[] {
  return name.includes(":") ? [name, name.replace(/:/g, "_")] : [name];
}

/** The server kind whose name prefix the most sample names carry; "unknown" when none. */
export function detectServerKind(parsed: ParsedMetrics): ServerKind {
  const counts = new Map<ServerKind, number>();
  for (const name of parsed.samples.keys()) {
    const hit = SERVER_PREFIXES.find(([, prefix]) => name.startsWith(prefix));
    if (hit) counts.set(hit[0], (counts.get(hit[0]) ?? 0) + 1);
  }
  let best: ServerKind = "unknown";
  let bestCount = 0;
  for (const [kind, n] of counts) {
    if (n > bestCount) {
      best = kind;
      bestCount = n;
    }
  }
  return best;
}

function kept(samples: readonly MetricSample[] | undefined, exclude: RuleBase["exclude"]): MetricSample[] {
  if (!samples) return [];
  if (!exclude) return samples.slice();
  const excluded = (s: MetricSample): boolean =>
    Object.entries(exclude).some(([label, values]) => {
      const v = s.labels[label];
      return v !== undefined && values.includes(v);
    });
  return samples.filter((s) => !excluded(s));
}

function sumFinite(samples: readonly MetricSample[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    sum += s.value;
    n++;
  }
  return n > 0 ? sum : undefined;
}

function meanFinite(samples: readonly MetricSample[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    sum += s.value;
    n++;
  }
  return n > 0 ? sum / n : undefined;
}

/** Labels without `le`, as a stable key: one histogram series per key. */
function seriesKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).filter((k) => k !== "le").sort();
  return keys.map((k) => `${k}=${labels[k]}`).join("\u0000");
}

interface Series {
  /** finite upper bounds with cumulative counts */
  buckets: { le: number; count: number }[];
  inf?: number;
  sum?: number;
  count?: number;
}

/** Cumulative count of a series at bound `le`: the count of its largest bucket ≤ le. */
function cumulativeAt(buckets: readonly { le: number; count: number }[], le: number): number {
  let c = 0;
  for (const b of buckets) {
    if (b.le <= le) c = b.count;
    else break;
  }
  return c;
}

/**
 * One histogram from the `_bucket`, `_sum` and `_count` samples of every label set. Series
 * with the same bucket bounds (the usual case) add up exactly; with different bounds, each
 * series contributes at a bound the count of its largest bucket below it.
 */
function readHistogram(parsed: ParsedMetrics, name: string, exclude: RuleBase["exclude"]): HistogramValue | undefined {
  const series = new Map<string, Series>();
  const get = (labels: Readonly<Record<string, string>>): Series => {
    const key = seriesKey(labels);
    let s = series.get(key);
    if (!s) series.set(key, (s = { buckets: [] }));
    return s;
  };
  for (const b of kept(parsed.samples.get(`${name}_bucket`), exclude)) {
    const leText = b.labels.le;
    if (leText === undefined || !Number.isFinite(b.value)) continue;
    const le = leText === "+Inf" ? Infinity : Number(leText);
    if (Number.isNaN(le)) continue;
    const s = get(b.labels);
    if (le === Infinity) s.inf = b.value;
    else s.buckets.push({ le, count: b.value });
  }
  for (const x of kept(parsed.samples.get(`${name}_sum`), exclude)) if (Number.isFinite(x.value)) get(x.labels).sum = x.value;
  for (const x of kept(parsed.samples.get(`${name}_count`), exclude)) if (Number.isFinite(x.value)) get(x.labels).count = x.value;
  if (series.size === 0) return undefined;

  const bounds = new Set<number>();
  let sum = 0;
  let count = 0;
  let usable = 0;
  for (const s of series.values()) {
    const n = s.count ?? s.inf;
    if (n === undefined) continue;
    usable++;
    s.buckets.sort((a, b) => a.le - b.le);
    for (const b of s.buckets) bounds.add(b.le);
    sum += s.sum ?? 0;
    count += n;
  }
  if (usable === 0) return undefined;
  const sorted = [...bounds].sort((a, b) => a - b);
  const buckets = sorted.map((le) => {
    let c = 0;
    for (const s of series.values()) if ((s.count ?? s.inf) !== undefined) c += cumulativeAt(s.buckets, le);
    return { le, count: c };
  });
  return { buckets, sum, count };
}

function readInfoFlag(samples: readonly MetricSample[], label: string): boolean | undefined {
  let out: boolean | undefined;
  for (const s of samples) {
    const v = s.labels[label]?.toLowerCase();
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") out = false;
  }
  return out;
}

/** Sets the rule's field from the samples exposed under `name`; false when there are none usable. */
function apply(parsed: ParsedMetrics, rule: MetricMapping, name: string, values: NormalizedMetrics): boolean {
  switch (rule.kind) {
    case "counter":
    case "gauge": {
      const samples = kept(parsed.samples.get(name), rule.exclude);
      if (samples.length === 0) return false;
      const v = rule.kind === "gauge" && rule.aggregate === "mean" ? meanFinite(samples) : sumFinite(samples);
      if (v === undefined) return false;
      values[rule.field] = v;
      return true;
    }
    case "histogram": {
      const h = readHistogram(parsed, name, rule.exclude);
      if (!h) return false;
      values[rule.field] = h;
      return true;
    }
    case "info": {
      const flag = readInfoFlag(kept(parsed.samples.get(name), rule.exclude), rule.label);
      if (flag === undefined) return false;
      values[rule.field] = flag;
      return true;
    }
  }
}

export interface NormalizeDetail {
  values: NormalizedMetrics;
  /** For each field set, the exposed name it came from. */
  sources: Partial<Record<MappedField, string>>;
}

/** Normalises a parsed scrape and says which name each field came from. */
export function normalizeMetricsDetailed(parsed: ParsedMetrics): NormalizeDetail {
  const values: NormalizedMetrics = { server: detectServerKind(parsed) };
  const sources: Partial<Record<MappedField, string>> = {};
  for (const rule of METRIC_MAPPINGS) {
    for (const name of exposedNames(rule.name)) {
      if (sources[rule.field] !== undefined) break;
      if (apply(parsed, rule, name, values)) sources[rule.field] = name;
    }
  }
  return { values, sources };
}

/** Maps one parsed scrape to the common vocabulary. Unknown servers give `server: "unknown"`. */
export function normalizeMetrics(parsed: ParsedMetrics): NormalizedMetrics {
  return normalizeMetricsDetailed(parsed).values;
}
