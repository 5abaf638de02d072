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
import { arrivalSchedule, type ArrivalMode } from "../../workload/arrivals.js";
import type { ScenarioContext } from "../types.js";
import { stageThroughput } from "./analyze.js";
import { promptFactory } from "./prompts.js";

/** Below this many ms before a deadline the dispatcher stops using timers and yields until it. */
const SPIN_MS = 2;

/** Resolves at performance.now() ≥ deadline, or at once when the signal aborts. */
export function sleepUntil(deadline: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      if (signal.aborted) return resolve();
      const left = deadline - performance.now();
      if (left <= 0) {
        signal.removeEventListener("abort", onAbort);
        return resolve();
      }
      // Timers fire late by up to a millisecond or so: sleep with one until close, then yield
      // to the event loop (I/O keeps flowing) until the deadline.
      if (left > SPIN_MS) timer = setTimeout(tick, left - SPIN_MS);
      else setImmediate(tick);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    tick();
  });
}

/** A counting semaphore: at most `size` holders; waiters are served in order. */
class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  /** True when a slot was taken at once. */
  tryAcquire(): boolean {
    if (this.free > 0) {
      this.free--;
      return true;
    }
    return false;
  }
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }
}

/** The request body fields that ask for exactly `output_tokens` tokens; target.extra_body wins. */
export function loadExtraBody(config: LoadScenarioConfig, targetExtra: Record<string, unknown> | undefined): Record<string, unknown> {
  return { min_tokens: config.output_tokens, ignore_eos: true, ...(targetExtra ?? {}) };
}

/** Closed loop: the requests kept in flight (default 8). Open loop: a safety cap (default 1024,
 * the client's connection pool), high enough that the schedule, not the cap, sets the pace. */
export function inFlightLimit(config: LoadScenarioConfig): number {
  return config.concurrency ?? (config.mode === "closed" ? 8 : 1024);
}

/** What one stage runs: a closed loop at a concurrency, or an open loop at a rate. */
export interface StagePlan {
  /** Set for a sweep's stages only (records then carry it). */
  stage?: LoadStage;
  mode: "closed" | ArrivalMode;
  rate: number;
  burstiness: number;
  concurrency: number;
  requests: number;
  durationMs?: number;
  rampUpMs: number;
  seed: number;
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

type Timing = { intendedSendPerfMs?: number; slotWaitMs?: number };
type Send = (index: number, timing: Timing) => Promise<void>;

/** Runs one stage's sends; resolves when every request it sent has ended. */
export async function runStage(plan: StagePlan, send: Send, signal: AbortSignal): Promise<void> {
  const n = plan.requests;
  // The schedule is computed before the clock starts: nothing is computed between sends.
  const schedule =
    plan.mode === "closed"
      ? []
      : arrivalSchedule({ mode: plan.mode, rate: plan.rate, burstiness: plan.burstiness, requests: n, seed: plan.seed, rampUpMs: plan.rampUpMs });
  const start = performance.now();
  const stopAt = plan.durationMs !== undefined ? start + plan.durationMs : Number.POSITIVE_INFINITY;

  if (plan.mode !== "closed") {
    const slots = new Slots(plan.concurrency);
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < n; i++) {
      const intended = start + schedule[i]!;
      if (intended >= stopAt || signal.aborted) break;
      await sleepUntil(intended, signal);
      if (signal.aborted) break;
      let slotWaitMs: number | undefined;
      if (!slots.tryAcquire()) {
        const t0 = performance.now();
        await slots.acquire();
        slotWaitMs = performance.now() - t0;
        if (signal.aborted) {
          slots.release();
          break;
        }
      }
      const p: Promise<void> = send(i, { intendedSendPerfMs: intended, ...(slotWaitMs !== undefined ? { slotWaitMs } : {}) }).finally(() => {
        slots.release();
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return;
  }
  let next = 0;
  const workers = Math.min(plan.concurrency, n);
  const worker = async (k: number) => {
    // Ramp-up: worker k joins k/workers of the way through it.
    if (plan.rampUpMs > 0 && k > 0) await sleepUntil(start + (plan.rampUpMs * k) / workers, signal);
    while (next < n && !signal.aborted && performance.now() < stopAt) await send(next++, {});
  };
  await Promise.all(Array.from({ length: workers }, (_, k) => worker(k)));
}

export async function runLoad(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const sweep = config.mode === "sweep";
  const planned = sweep ? config.requests * (2 + config.sweep.rates) : config.requests;
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: planned });
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
