/**
 * Drives the load scenario.
 *
 * Open loop (constant, poisson, gamma): the whole arrival schedule is computed up front;
 * a dispatcher sleeps to absolute deadlines (start + offset, never a sum of sleeps) and
 * sends each request at its intended time, with at most `concurrency` in flight. A request
 * that finds no free slot waits for one and records that wait. Each record keeps the
 * intended send, the actual send (result.sentPerfMs) and the lag between them, so the
 * analysis can measure latency from the intended send (no coordinated omission).
 *
 * Closed loop: `concurrency` workers send back to back, each waiting for its reply.
 *
 * Both stop at `requests`, at `duration_s` (no request is sent after it; those in flight
 * end), or when the run's signal aborts.
 */
import type { LoadScenarioConfig } from "../../config/schema.js";
import { RECORD_VERSION, type RequestRecord } from "../../store/records.js";
import type { WireMessage } from "../../wire/openai.js";
import { arrivalSchedule } from "../../workload/arrivals.js";
import type { ScenarioContext } from "../types.js";
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

export async function runLoad(config: LoadScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const open = config.mode !== "closed";
  const n = config.requests;
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: n });
  const prompt = promptFactory(config.input_tokens, config.seed);
  const extraBody = loadExtraBody(config, ctx.target.extra_body);
  const width = String(n).length;

  const send = async (index: number, timing: { intendedSendPerfMs?: number; slotWaitMs?: number }) => {
    const messages: WireMessage[] = [{ role: "user", content: prompt(index) }];
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
      id: `${config.name}/r${String(index + 1).padStart(width, "0")}`,
      scenario: config.name,
      kind: config.kind,
      iteration: index + 1,
      concurrency: inFlightLimit(config),
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
  };

  // The schedule is computed before the clock starts: nothing is computed between sends.
  const schedule = open ? arrivalSchedule({ mode: config.mode as "constant" | "poisson" | "gamma", rate: config.rate, burstiness: config.burstiness, requests: n, seed: config.seed }) : [];
  const start = performance.now();
  const stopAt = config.duration_s !== undefined ? start + config.duration_s * 1000 : Number.POSITIVE_INFINITY;

  if (open) {
    const slots = new Slots(inFlightLimit(config));
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < n; i++) {
      const intended = start + schedule[i]!;
      if (intended >= stopAt || ctx.signal.aborted) break;
      await sleepUntil(intended, ctx.signal);
      if (ctx.signal.aborted) break;
      let slotWaitMs: number | undefined;
      if (!slots.tryAcquire()) {
        const t0 = performance.now();
        await slots.acquire();
        slotWaitMs = performance.now() - t0;
        if (ctx.signal.aborted) {
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
  } else {
    let next = 0;
    const worker = async () => {
      while (next < n && !ctx.signal.aborted && performance.now() < stopAt) await send(next++, {});
    };
    await Promise.all(Array.from({ length: Math.min(inFlightLimit(config), n) }, worker));
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}
