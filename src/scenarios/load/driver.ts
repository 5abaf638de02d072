/**
 * Drives the load scenario, one stage at a time (one stage, or a sweep's several).
 *
 * Open loop (constant, poisson, gamma): the whole arrival schedule is computed up front;
 * a dispatcher sleeps to absolute deadlines (start + offset, never a sum of sleeps) and
 * sends each request at its intended time, with at most `concurrency` in flight. A request
 * that finds no free slot waits for one and records that wait. Each record keeps the
 * intended send, the actual send (result.sentPerfMs) and the lag between them, so the
 * analysis can measure latency from the intended send (no coordinated omission).
 * A ramp-up bends the schedule so the rate rises linearly from 0 (src/workload/arrivals.ts).
 *
 * Closed loop: `concurrency` workers send back to back, each waiting for its reply; with a
 * ramp-up, worker k starts k/concurrency of the way through it.
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
import { RECORD_VERSION, type LoadStage, type RequestRecord } from "../../store/records.js";
import type { WireMessage } from "../../wire/openai.js";
import { runStage, type Send, type StagePlan } from "../../workload/dispatch.js";
import { calibrateClient } from "../../calibrate/index.js";
import type { ScenarioContext } from "../types.js";
import { stageThroughput } from "./analyze.js";
import { promptFactory } from "./prompts.js";

/** The request body fields that ask for exactly `output_tokens` tokens; target.extra_body wins. */
export function loadExtraBody(config: LoadScenarioConfig, targetExtra: Record<string, unknown> | undefined): Record<string, unknown> {
  return { min_tokens: config.output_tokens, ignore_eos: true, ...(targetExtra ?? {}) };
}

/** Closed loop: the requests kept in flight (default 8). Open loop: a safety cap (default 1024,
 * the client's connection pool), high enough that the schedule, not the cap, sets the pace. */
export function inFlightLimit(config: LoadScenarioConfig): number {
  return config.concurrency ?? (config.mode === "closed" ? 8 : 1024);
}

/** The single stage of a non-sweep scenario. */
export function singleStage(config: LoadScenarioConfig): StagePlan {
  if (config.mode === "sweep") throw new Error("singleStage: a sweep has several stages");
  return {
    mode: config.mode,
    rate: config.rate,
    burstiness: config.burstiness,
    concurrency: inFlightLimit(config),
    requests: config.requests,
    ...(config.duration_s !== undefined ? { durationMs: config.duration_s * 1000 } : {}),
    rampUpMs: config.ramp_up_s * 1000,
    seed: config.seed,
  };
}

/** The plan of a sweep stage, from the stage the records will carry. */
export function sweepStagePlan(config: LoadScenarioConfig, stage: LoadStage): StagePlan {
  return {
    stage,
    mode: stage.mode,
    rate: stage.rate ?? config.rate,
    burstiness: config.burstiness,
    concurrency: stage.concurrency,
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
  const planned = sweep ? config.requests * (2 + config.sweep.rates) : config.requests;
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: planned });
  if (config.calibrate && !ctx.signal.aborted) await calibrate(config, ctx);
  const prompt = promptFactory(config.input_tokens, config.seed);
  const extraBody = loadExtraBody(config, ctx.target.extra_body);
  const width = String(config.requests).length;
  // Requests of different stages get different prompts: no stage hits another's prefix cache.
  let sent = 0;

  const stageSender = (plan: StagePlan, collected?: RequestRecord[]): Send => {
    const base = sent;
    sent += plan.requests;
    return async (index, timing) => {
      const messages: WireMessage[] = [{ role: "user", content: prompt(base + index) }];
      const result = await ctx.client.chat({
        model: ctx.targetInfo.model,
        messages,
        stream: ctx.target.stream,
        maxTokens: config.output_tokens,
        continuousUsage: ctx.target.continuous_usage,
        extraBody,
        signal: ctx.signal,
      });
      const rec: RequestRecord = {
        v: RECORD_VERSION,
        id: `${config.name}/${plan.stage ? `${plan.stage.name}/` : ""}r${String(index + 1).padStart(width, "0")}`,
        scenario: config.name,
        kind: config.kind,
        iteration: index + 1,
        concurrency: plan.concurrency,
        ...(plan.stage ? { stage: plan.stage } : {}),
        newMessages: messages,
        messageCount: 1,
        params: { model: ctx.targetInfo.model, maxTokens: config.output_tokens, stream: ctx.target.stream },
        ...(timing.intendedSendPerfMs !== undefined
          ? { intendedSendPerfMs: timing.intendedSendPerfMs, clientLagMs: result.sentPerfMs - timing.intendedSendPerfMs }
          : {}),
        ...(timing.slotWaitMs !== undefined ? { slotWaitMs: timing.slotWaitMs } : {}),
        result,
      };
      ctx.record(rec);
      collected?.push(rec);
    };
  };

  if (!sweep) {
    const plan = singleStage(config);
    await runStage(plan, stageSender(plan), ctx.signal);
  } else {
    const closedStage = async (name: string, concurrency: number): Promise<number | undefined> => {
      const plan = sweepStagePlan(config, { name, mode: "closed", concurrency });
      const recs: RequestRecord[] = [];
      await runStage(plan, stageSender(plan, recs), ctx.signal);
      return stageThroughput(config, plan.stage!, recs);
    };
    const syncRate = await closedStage("synchronous", 1);
    const maxRate = ctx.signal.aborted ? undefined : await closedStage("throughput", config.sweep.max_concurrency);
    const rates = syncRate !== undefined && maxRate !== undefined ? sweepRates(syncRate, maxRate, config.sweep.rates) : [];
    for (const [i, rate] of rates.entries()) {
      if (ctx.signal.aborted) break;
      const plan = sweepStagePlan(config, { name: `rate-${i + 1}`, mode: config.sweep.arrival, rate, concurrency: config.concurrency ?? 1024 });
      await runStage(plan, stageSender(plan), ctx.signal);
    }
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}
