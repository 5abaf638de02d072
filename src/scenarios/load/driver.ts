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
import { ConfigError, UnreachableError } from "../../errors.js";
import type { LoadStage, RequestRecord } from "../../store/records.js";
import { runStage, type StagePlan } from "../../workload/dispatch.js";
import type { DatasetInfo } from "../../workload/datasets.js";
import { tokenizerForModel, type TokenizerName } from "../../workload/tokenizers.js";
import { calibrateClient } from "../../calibrate/index.js";
import type { ScenarioContext } from "../types.js";
import { stageThroughput } from "./analyze.js";
import { requestSource, resolveTokenizer, stageSend, totalRequests, type RequestSource } from "./request.js";
import { probeServerTokenizer } from "./server-tokenizer.js";
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
 * The concurrency levels the client is calibrated at, so that each stage is compared with
 * the floor at its own concurrency (measured, or interpolated between two levels):
 * closed loop, its concurrency; a sweep, from 1 (the synchronous stage) to the throughput
 * stage's, with a level between (√ of it) when that is above 16 — its open-loop stages lie
 * between the two; open loop, from 1 to rate × 1 s (the requests in flight if each took a
 * second) within the in-flight cap, likewise.
 */
export function calibrationLevels(config: LoadScenarioConfig): number[] {
  if (config.mode === "closed") return [inFlightLimit(config)];
  const top = config.mode === "sweep" ? config.sweep.max_concurrency : Math.max(1, Math.min(inFlightLimit(config), Math.ceil(config.rate)));
  if (top === 1) return [1];
  if (top <= 16) return [1, top];
  return [1, Math.round(Math.sqrt(top)), top];
}

/** Calibrates the client and attaches the result (or why it failed) to the scenario. */
async function calibrate(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  try {
    const cal = await calibrateClient({
      concurrency: calibrationLevels(config),
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

/**
 * The scenario's requests, before the clock starts. The tokenizer: the one named, or for
 * `auto` the local one the model's name points to, else the server's own (its /tokenize),
 * else approx — said in the dataset's notes. When the server counts tokens, its chat
 * template's tokens are measured too (DatasetInfo.templateTokens), so the report can give
 * each prompt's length error from usage.prompt_tokens whatever tokenizer sized the prompts.
 */
async function buildRequests(config: LoadScenarioConfig, ctx: ScenarioContext, step: (m: string) => void): Promise<{ source: RequestSource; info: DatasetInfo; tokenizer: TokenizerName }> {
  const model = ctx.targetInfo.model;
  const choice = config.dataset.tokenizer;
  // The embedded simulator has no tokenizer endpoint; any other target is asked (a 404 costs a round trip).
  const serverTok = ctx.targetInfo.simulated ? undefined : await probeServerTokenizer(ctx.endpoint, model, { timeoutMs: 3_000 });
  try {
    if (choice === "server" && !serverTok)
      throw new ConfigError(
        `load scenario "${config.name}": dataset.tokenizer is server, but ${ctx.targetInfo.url} answers no /tokenize at its root (llama.cpp and vLLM do): choose qwen3 or llama3 when one is the model's, else approx (estimates)`,
        "SHAKEDOWN_DATASET_INVALID",
      );
    let tokenizer = resolveTokenizer(choice, model, serverTok !== undefined);
    if (config.dataset.source !== "synthetic" || tokenizer !== "approx") step(`reading the ${config.dataset.source} dataset${tokenizer === "server" ? " (counting tokens through the server)" : ""}…`);
    let built: Awaited<ReturnType<typeof requestSource>>;
    let failure: string | undefined;
    try {
      built = await requestSource(config, model, { tokenizer, ...(tokenizer === "server" && serverTok ? { counter: serverTok } : {}) });
    } catch (e) {
      // The server's tokenizer failed while counting (it answered the probe): a user's mistake
      // (a bad dataset) stays what it is; a server that stops counting is said, and auto falls back.
      if (tokenizer !== "server" || e instanceof ConfigError) throw e;
      failure = (e as Error).message;
      if (choice === "server") throw new UnreachableError(`load scenario "${config.name}": the server's tokenizer (${serverTok?.via ?? "/tokenize"}) failed while sizing the prompts: ${failure}`);
      tokenizer = "approx";
      built = await requestSource(config, model, { tokenizer });
    }
    const { source, info } = built;
    if (choice === "auto" && tokenizerForModel(model) === undefined)
      info.notes.unshift(
        tokenizer === "server"
          ? `tokenizer auto: the model name "${model}" matches no local tokenizer; the server's own tokenizer counted (${serverTok!.via})`
          : `LENGTHS ARE ESTIMATES — tokenizer auto: the model name "${model}" matches no local tokenizer and ${failure !== undefined ? `the server's /tokenize failed while counting (${failure})` : "the server answers no /tokenize"}, so prompts were sized at 4 characters a token; name the tokenizer (dataset.tokenizer: qwen3 or llama3) for exact lengths`,
      );
    const template = await serverTok?.templateTokens();
    if (template !== undefined && serverTok) info.templateTokens = { count: template, via: serverTok.via };
    return { source, info, tokenizer };
  } finally {
    await serverTok?.close();
  }
}

export async function runLoad(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const sweep = config.mode === "sweep";
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: totalRequests(config) });
  // Before the clock starts: the requests (a dataset may take seconds to read and tokenize).
  const step = (message: string) => ctx.events.emit("step", { scenario: config.name, message });
  const { source, info, tokenizer } = await buildRequests(config, ctx, step);
  ctx.attach(config.name, "dataset", info);
  if (config.calibrate && !ctx.signal.aborted) {
    step(`calibrating the client against the simulator at ${calibrationLevels(config).join(", ")} in flight (a few seconds; calibrate: false skips it)…`);
    await calibrate(config, ctx);
  }
  if (config.workers > 1) step(`starting ${config.workers} worker threads…`);

  const request = {
    model: ctx.targetInfo.model,
    stream: ctx.target.stream,
    continuousUsage: ctx.target.continuous_usage,
    extraBody: ctx.target.extra_body,
  };
  const pool = config.workers > 1 ? await LoadWorkers.start(config.workers, { config, endpoint: ctx.endpoint, tokenizer, ...request }, ctx.signal) : undefined;
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
