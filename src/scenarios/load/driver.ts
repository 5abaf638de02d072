/**
 * Drives the load scenario: reads its requests (src/workload/datasets.ts) and calibrates the
 * client before the clock starts, then runs its stages, on this thread or spread over
 * `workers` threads (workers.ts). How a stage is sent on time (open loop to absolute
 * deadlines, closed loop, ramp-up) is src/workload/dispatch.ts.
 *
 * Sweep (as GuideLLM's): a synchronous stage (closed loop, 1 in flight) measures the rate a
 * lone client gets, a throughput stage (closed loop, sweep.max_concurrency in flight) the
 * most the server completes, then `sweep.rates` open-loop stages run at rates evenly spaced
 * between the two. Each stage's records carry the stage, so the analysis (and a re-analysis
 * of the run folder) reads the rates that were chosen at run time.
 *
 * Every stage stops at `requests`, at `duration_s` (no request is sent after it; those in
 * flight end), or when the run's signal aborts.
 */
import type { LoadScenarioConfig } from "../../config/schema.js";
import type { LoadStage, RequestRecord } from "../../store/records.js";
import { runStage, type StagePlan } from "../../workload/dispatch.js";
import { calibrateClient } from "../../calibrate/index.js";
import type { ScenarioContext } from "../types.js";
import { stageThroughput } from "./analyze.js";
import { requestSource, resolveTokenizer, stageSend, totalRequests } from "./request.js";
import { LoadWorkers } from "./workers.js";

/** Closed loop: the requests kept in flight (default 8). Open loop: a safety cap (default 1024,
 * the client's connection pool), high enough that the schedule, not the cap, sets the pace. */
export function inFlightLimit(config: LoadScenarioConfig): number {
  return config.concurrency ?? (config.mode === "closed" ? 8 : 1024);
}

/** What a stage runs: a sweep's stage (carried by its records), or the whole of a non-sweep scenario. */
export function stagePlan(config: LoadScenarioConfig, stage?: LoadStage): StagePlan {
  if (!stage && config.mode === "sweep") throw new Error("stagePlan: a sweep's stages are chosen at run time");
  return {
    ...(stage ? { stage } : {}),
    mode: stage?.mode ?? (config.mode as StagePlan["mode"]),
    rate: stage?.rate ?? config.rate,
    burstiness: config.burstiness,
    concurrency: stage?.concurrency ?? inFlightLimit(config),
    requests: config.requests,
    ...(config.duration_s !== undefined ? { durationMs: config.duration_s * 1000 } : {}),
    rampUpMs: config.ramp_up_s * 1000,
    seed: config.seed,
  };
}

/**
 * The rates of a sweep's open-loop stages: `count` rates evenly spaced strictly between the
 * synchronous rate and the maximum throughput. None when the maximum is not above it.
 */
export function sweepRates(syncRate: number, maxRate: number, count: number): number[] {
  if (!(syncRate > 0) || !(maxRate > syncRate)) return [];
  const step = (maxRate - syncRate) / (count + 1);
  return Array.from({ length: count }, (_, i) => syncRate + step * (i + 1));
}

/**
 * The concurrency the client is calibrated at: closed loop, its concurrency; sweep, the
 * throughput stage's; open loop, rate × 1 s (the requests in flight if each took a second),
 * within the in-flight cap.
 */
export function calibrationConcurrency(config: LoadScenarioConfig): number {
  if (config.mode === "closed") return inFlightLimit(config);
  if (config.mode === "sweep") return config.sweep.max_concurrency;
  return Math.max(1, Math.min(inFlightLimit(config), Math.ceil(config.rate)));
}

/** Calibrates the client and attaches the result (or why it failed) to the scenario. */
async function calibrate(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  try {
    const cal = await calibrateClient({
      concurrency: calibrationConcurrency(config),
      inputTokens: config.input_tokens,
      outputTokens: config.output_tokens,
      signal: ctx.signal,
    });
    if (!ctx.signal.aborted) ctx.attach(config.name, "calibration", cal);
  } catch (e) {
    // The run goes on: the report says calibration failed and why.
    ctx.attach(config.name, "calibration", { error: (e as Error).message });
  }
}

export async function runLoad(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const sweep = config.mode === "sweep";
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: totalRequests(config) });
  // Before the clock starts: the requests (a dataset may take seconds to read and tokenize).
  const step = (message: string) => ctx.events.emit("step", { scenario: config.name, message });
  if (config.dataset.source !== "synthetic" || resolveTokenizer(config.dataset.tokenizer, ctx.targetInfo.model) !== "approx")
    step(`reading the ${config.dataset.source} dataset…`);
  const { source, info } = await requestSource(config, ctx.targetInfo.model);
  ctx.attach(config.name, "dataset", info);
  if (config.calibrate && !ctx.signal.aborted) {
    step(`calibrating the client against the simulator at ${calibrationConcurrency(config)} in flight (a few seconds; calibrate: false skips it)…`);
    await calibrate(config, ctx);
  }
  if (config.workers > 1) step(`starting ${config.workers} worker threads…`);

  const request = {
    model: ctx.targetInfo.model,
    stream: ctx.target.stream,
    continuousUsage: ctx.target.continuous_usage,
    extraBody: ctx.target.extra_body,
  };
  const pool = config.workers > 1 ? await LoadWorkers.start(config.workers, { config, endpoint: ctx.endpoint, ...request }, ctx.signal) : undefined;
  const sender = { ...request, client: ctx.client, source, signal: ctx.signal };
  // Each stage sends requests of its own (base + index): no stage hits another's prefix cache.
  let sent = 0;
  const run = async (plan: StagePlan, collected?: RequestRecord[]): Promise<void> => {
    const base = sent;
    sent += plan.requests;
    const record = (rec: RequestRecord) => {
      ctx.record(rec);
      collected?.push(rec);
    };
    if (pool) await pool.runStage(plan, base, record);
    else await runStage(plan, stageSend(config, plan, base, sender, record), ctx.signal);
  };

  try {
    if (!sweep) await run(stagePlan(config));
    else {
      const closedStage = async (name: string, concurrency: number): Promise<number | undefined> => {
        const plan = stagePlan(config, { name, mode: "closed", concurrency });
        const recs: RequestRecord[] = [];
        await run(plan, recs);
        return stageThroughput(config, plan.stage!, recs);
      };
      const syncRate = await closedStage("synchronous", 1);
      const maxRate = ctx.signal.aborted ? undefined : await closedStage("throughput", config.sweep.max_concurrency);
      const rates = syncRate !== undefined && maxRate !== undefined ? sweepRates(syncRate, maxRate, config.sweep.rates) : [];
      for (const [i, rate] of rates.entries()) {
        if (ctx.signal.aborted) break;
        await run(stagePlan(config, { name: `rate-${i + 1}`, mode: config.sweep.arrival, rate, concurrency: config.concurrency ?? 1024 }));
      }
    }
  } finally {
    await pool?.close();
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}
