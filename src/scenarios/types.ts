/**
 * The contract between the executor and a scenario kind. A scenario drives requests
 * (run) and analyses records (analyze, a pure function over records, so a finished run
 * folder can be re-analysed offline).
 */
import type { ChatClient, Endpoint } from "../client/index.js";
import type { ScenarioConfig, TargetConfig } from "../config/schema.js";
import type { ClientVerdict, Verdict } from "../metrics/index.js";
import type { RequestRecord } from "../store/records.js";
import type { RunEvents } from "../run/events.js";
import type { ServerMonitor, ServerSnapshot, ServerWindowSummary } from "../monitor/types.js";
import type { ServerTruthSummary } from "../metrics/server-truth.js";
import type { GpuSample, GpuSpanSummary } from "../monitor/gpu/index.js";
import type { ServerProcessSummary } from "../monitor/process.js";
import type { ReviewOverrides } from "../review/overrides.js";
import type { Attachments } from "../store/run-folder.js";

export interface TargetInfo {
  /** Base URL requests went to (the simulator's loopback URL when simulated). */
  url: string;
  model: string;
  /** True when the target is shakedown's embedded simulator: never a model. */
  simulated: boolean;
  simProfile?: string;
  simOptions?: Record<string, unknown>;
  /** Models listed by GET /v1/models. */
  models: { id: string; maxModelLen?: number }[];
  serverHeader?: string;
  apiKeyEnv?: string;
  /** The Prometheus endpoint polled during the run, and why not when it was not. */
  metrics?: { url: string; scraped: boolean; reason?: string };
}

export interface ScenarioContext {
  client: ChatClient;
  /** The client's endpoint (URL, key, timeouts), for clients of other threads (load workers); never written anywhere. */
  endpoint: Endpoint;
  target: TargetConfig;
  targetInfo: TargetInfo;
  /** Appends a finished request to records.jsonl and announces it. */
  record(rec: RequestRecord): void;
  /** Keeps something measured besides requests (attachments.json), for the analysis. */
  attach(scenario: string, key: string, value: unknown): void;
  events: RunEvents;
  /** Aborted on SIGINT/SIGTERM: stop sending, let in-flight requests end as aborted. */
  signal: AbortSignal;
  /** The server-metrics monitor, when the target exposes /metrics. */
  monitor?: ServerMonitor;
}

/** What an analysis reads: everything comes from the run folder, so it can run offline. */
export interface AnalysisInput {
  /** Every record of the run (an analysis picks its own by scenario name), but those cut by the run's stop. */
  records: RequestRecord[];
  /** Requests the run's stop cut short (Ctrl-C, the target gone): sent, but in no figure. */
  stopped?: RequestRecord[];
  /**
   * The client's health over a scenario when it is to be judged (verdicts.client_overload:
   * inconclusive): an analysis with verdicts of its own inside (a sweep's levels) passes them
   * through judgedWithClient (src/metrics/client-health.ts). Top-level verdicts are judged by
   * the run's analysis.
   */
  clientVerdict?(scenario: string): ClientVerdict | undefined;
  target: TargetInfo;
  /** The server-metrics timeline (empty when not scraped). */
  server: ServerSnapshot[];
  /** The GPU sampler's timeline (gpu-metrics.jsonl; empty or absent when not sampled). */
  gpu?: GpuSample[];
  /** Human review overrides (review/overrides.yaml), by record id. */
  reviews: ReviewOverrides;
  /** What scenarios attached besides requests, by scenario name then key (attachments.json). */
  attachments?: Attachments;
}

/** A figure in a scenario's synthesis, addressable by thresholds ("ttft.mean"). */
export interface MetricValue {
  value?: number;
  /** Samples the figure rests on. */
  n: number;
  unit: "ms" | "tok/s" | "tokens" | "ratio" | "fraction" | "ms/1k tokens" | "sessions" | "x" | "count" | "req/s";
}

export interface ScenarioResult<Detail = unknown> {
  name: string;
  kind: string;
  /** Every named figure, for thresholds and results.json. */
  metrics: Record<string, MetricValue>;
  verdicts: Verdict[];
  /** incomplete: the run stopped before this scenario's end (its verdicts rest on what was measured). */
  status: "pass" | "fail" | "inconclusive" | "not_measured" | "incomplete";
  /** Kind-specific tables for the report. */
  detail: Detail;
  /**
   * Records analysed, and how many failed. `stopped`: requests cut by the run's stop (Ctrl-C,
   * the target gone, …), left out of every figure and of `total`: they are not the server's.
   */
  requests: { total: number; ok: number; failed: number; stopped?: number };
  errors: { kind: string; count: number; example: string }[];
  notes: string[];
  /** One sentence that sums the scenario up, printed in the summary and the report. */
  headline?: string;
  /** The server's own counters and histograms over the scenario's time span, when scraped. */
  server?: ServerWindowSummary;
  /** The server's own per-request figures (llama.cpp's `timings`) against the client's, same requests. */
  serverTruth?: ServerTruthSummary;
  /** The GPUs over the scenario's span, when a GPU sampler ran (monitor.gpu). */
  gpu?: GpuSpanSummary;
  /** The serving process over the scenario's span (resident memory, uptime, restarts), from the standard process metrics. */
  serverProcess?: ServerProcessSummary;
}

export interface ScenarioModule<C extends ScenarioConfig = ScenarioConfig, Detail = unknown> {
  kind: C["kind"];
  /** Metric names thresholds may refer to. */
  metricNames: readonly string[];
  /** Thresholds applied when the suite gives none. */
  defaultThresholds: readonly string[];
  /** Checks options that the schema cannot (e.g. a script long enough for the turns). */
  validate?(config: C): void;
  run(config: C, ctx: ScenarioContext): Promise<void>;
  analyze(config: C, input: AnalysisInput): ScenarioResult<Detail>;
}
