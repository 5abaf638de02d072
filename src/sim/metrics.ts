/**
 * The simulator's /metrics: vLLM V1's Prometheus names, types, labels (model_name, engine)
 * and histogram buckets, for what the simulator models. One prom-client Registry per
 * simulator, so several simulators in one process do not collide. Counters are driven by
 * the engine's events, so they agree exactly with the engine's own counters.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { SimEngine } from "./engine.js";
import type { SimOptions } from "./options.js";

/** vLLM's build_1_2_5_buckets: 1, 2, 5, 10, 20, 50, … up to `max`. */
export function buckets125(max: number): number[] {
  const out: number[] = [];
  for (let exp = 1; ; exp *= 10) {
    for (const m of [1, 2, 5]) {
      const v = m * exp;
      if (v > max) return out;
      out.push(v);
    }
  }
}

const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0,
  640.0, 2560.0,
];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
];
const ITERATION_TOKEN_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** Finish reasons counted by vllm:request_success_total. */
export type SimFinishedReason = "stop" | "length" | "abort";

/** The simulated process's resident memory at start: 1.5 GiB (a vLLM API server is of this order). */
export const SIM_BASE_RSS_BYTES = 1.5 * 1024 ** 3;

const MIB = 1024 * 1024;

/** The simulated leak after `uptimeMs`: leakMbPerHour × uptime hours, in MiB. */
export function leakedMiB(leakMbPerHour: number, uptimeMs: number): number {
  return (leakMbPerHour * uptimeMs) / 3_600_000;
}

/** The simulated resident memory after `uptimeMs`, bytes (an integer). */
export function simulatedRssBytes(leakMbPerHour: number, uptimeMs: number): number {
  return Math.round(SIM_BASE_RSS_BYTES + leakedMiB(leakMbPerHour, uptimeMs) * MIB);
}

export interface SimMetrics {
  readonly registry: Registry;
  /** Records one finished request (called by the server, which knows the finish reason). */
  requestFinished(reason: SimFinishedReason, maxTokensParam: number | undefined): void;
  /** Prometheus text exposition. */
  render(): Promise<string>;
  readonly contentType: string;
}

/**
 * @param startEpochMs when the simulator started (Date.now()), for process_start_time_seconds.
 */
export function createSimMetrics(engine: SimEngine, options: SimOptions, startEpochMs: number = Date.now()): SimMetrics {
  const registry = new Registry();
  const labelNames = ["model_name", "engine"] as const;
  const labels = { model_name: options.model, engine: "0" };
  const registers = [registry];

  new Gauge({
    name: "vllm:num_requests_running",
    help: "Number of requests in model execution batches.",
    labelNames,
    registers,
    collect() {
      this.set(labels, engine.numRunning());
    },
  });
  new Gauge({
    name: "vllm:num_requests_waiting",
    help: "Number of requests waiting to be processed.",
    labelNames,
    registers,
    collect() {
      this.set(labels, engine.numWaiting());
    },
  });
  new Gauge({
    name: "vllm:kv_cache_usage_perc",
    help: "KV-cache usage. 1 means 100 percent usage.",
    labelNames,
    registers,
    collect() {
      this.set(labels, engine.kv.usage());
    },
  });
  const cacheInfo = new Gauge({
    name: "vllm:cache_config_info",
    help: "Information of the LLMEngine CacheConfig",
    labelNames: ["block_size", "cache_dtype", "enable_prefix_caching", "gpu_memory_utilization", "num_gpu_blocks", "engine"],
    registers,
  });
  cacheInfo.set(
    {
      block_size: String(options.blockSize),
      cache_dtype: "auto",
      enable_prefix_caching: options.prefixCaching ? "True" : "False",
      gpu_memory_utilization: "0.9",
      num_gpu_blocks: String(options.kvBlocks),
      engine: "0",
    },
    1,
  );

  // prometheus_client's process collector, which vLLM's API server exposes (no labels). The
  // memory is simulated: a base plus the configured leak, never this Node process's own RSS.
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds. (shakedown-sim: when this simulator started.)",
    registers,
  }).set(startEpochMs / 1000);
  new Gauge({
    name: "process_resident_memory_bytes",
    help:
      "Resident memory size in bytes. (shakedown-sim: simulated, 1.5 GiB + leakMbPerHour MiB per hour of uptime; " +
      "not the simulator's real memory.)",
    registers,
    collect() {
      this.set(simulatedRssBytes(options.leakMbPerHour, engine.uptimeMs()));
    },
  });

  const counter = (name: string, help: string): Counter.Internal => {
    const c = new Counter({ name, help, labelNames, registers });
    const child = c.labels(labels);
    child.inc(0);
    return child;
  };
  const prefixQueries = counter("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.");
  const prefixHits = counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.");
  const preemptions = counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.");
  const promptTokens = counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.");
  const generationTokens = counter("vllm:generation_tokens_total", "Number of generation tokens processed.");
  const success = new Counter({
    name: "vllm:request_success_total",
    help: "Count of successfully processed requests.",
    labelNames: ["model_name", "engine", "finished_reason"],
    registers,
  });
  for (const reason of ["stop", "length", "abort"] as const) success.labels({ ...labels, finished_reason: reason }).inc(0);

  const histogram = (name: string, help: string, buckets: number[]): Histogram.Internal<"model_name" | "engine"> =>
    new Histogram({ name, help, labelNames, buckets, registers }).labels(labels);
  const tokenBuckets = buckets125(options.maxModelLen);
  const hPromptTokens = histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", tokenBuckets);
  const hGenerationTokens = histogram("vllm:request_generation_tokens", "Number of generation tokens processed.", tokenBuckets);
  const hMaxTokens = histogram("vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter.", tokenBuckets);
  const hIteration = histogram("vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", ITERATION_TOKEN_BUCKETS);
  const hTtft = histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", TTFT_BUCKETS);
  const hItl = histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", ITL_BUCKETS);
  const hTpot = histogram(
    "vllm:request_time_per_output_token_seconds",
    "Histogram of time_per_output_token_seconds per request.",
    ITL_BUCKETS,
  );
  const hE2e = histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", REQUEST_LATENCY_BUCKETS);
  const hQueue = histogram(
    "vllm:request_queue_time_seconds",
    "Histogram of time spent in WAITING phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  const hInference = histogram(
    "vllm:request_inference_time_seconds",
    "Histogram of time spent in RUNNING phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  const hPrefill = histogram(
    "vllm:request_prefill_time_seconds",
    "Histogram of time spent in PREFILL phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );
  const hDecode = histogram(
    "vllm:request_decode_time_seconds",
    "Histogram of time spent in DECODE phase for request.",
    REQUEST_LATENCY_BUCKETS,
  );

  engine.addObserver({
    onAdmitted(info) {
      if (info.queryTokens > 0) prefixQueries.inc(info.queryTokens);
      if (info.hitTokens > 0) prefixHits.inc(info.hitTokens);
      if (info.firstAdmission) hQueue.observe(Math.max(0, info.atMs - info.queuedMs) / 1000);
    },
    onPreempted() {
      preemptions.inc();
    },
    onStep(info) {
      hIteration.observe(info.prefillTokens + info.decodeTokens);
    },
    onToken(info) {
      generationTokens.inc();
      if (info.index === 0) promptTokens.inc(info.promptTokens);
      if (info.previousMs !== undefined) hItl.observe((info.atMs - info.previousMs) / 1000);
    },
    onEnd(record) {
      if (record.outcome !== "finished" || record.firstTokenMs === undefined || record.scheduledMs === undefined) return;
      hPromptTokens.observe(record.promptTokens);
      hGenerationTokens.observe(record.generatedTokens);
      hTtft.observe((record.firstTokenMs - record.arrivalMs) / 1000);
      hE2e.observe((record.endMs - record.arrivalMs) / 1000);
      hInference.observe((record.endMs - record.scheduledMs) / 1000);
      hPrefill.observe((record.firstTokenMs - record.scheduledMs) / 1000);
      const decode = record.endMs - record.firstTokenMs;
      hDecode.observe(decode / 1000);
      if (record.generatedTokens > 1) hTpot.observe(decode / (record.generatedTokens - 1) / 1000);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    requestFinished(reason, maxTokensParam) {
      success.labels({ ...labels, finished_reason: reason }).inc();
      if (maxTokensParam !== undefined) hMaxTokens.observe(maxTokensParam);
    },
    render: () => registry.metrics(),
  };
}
