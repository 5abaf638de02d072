/**
 * Sends a stage of load on time: the dispatcher behind the load scenario and calibration.
 *
 * Open loop: the whole arrival schedule is computed before the clock starts; the dispatcher
 * sleeps to absolute deadlines (start + offset, never a sum of sleeps) and sends each
 * request at its intended time, with at most `concurrency` in flight; a request that finds
 * no free slot waits for one and that wait is passed on to be recorded (a request due while
 * the dispatcher waited for an earlier one's slot waited for a slot too, from its intended time).
 * Closed loop: `concurrency` workers send back to back; with a ramp-up, worker k starts
 * k/concurrency of the way through it.
 */
import type { LoadStage } from "../store/records.js";
import { arrivalSchedule, type ArrivalMode } from "./arrivals.js";

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
  /**
   * This thread's share of the stage (load.workers): request i is its own when
   * i mod count = index; `concurrency` is then this thread's share of the slots.
   */
  shard?: { index: number; count: number };
  /** When the stage starts on this thread's clock (performance.now()); default: at once. */
  startPerfMs?: number;
}

export type Timing = { intendedSendPerfMs?: number; slotWaitMs?: number };
export type Send = (index: number, timing: Timing) => Promise<void>;

/** Runs one stage's sends; resolves when every request it sent has ended. */
export async function runStage(plan: StagePlan, send: Send, signal: AbortSignal): Promise<void> {
  const n = plan.requests;
  // The schedule is computed before the clock starts: nothing is computed between sends.
  const schedule =
    plan.mode === "closed"
      ? []
      : arrivalSchedule({ mode: plan.mode, rate: plan.rate, burstiness: plan.burstiness, requests: n, seed: plan.seed, rampUpMs: plan.rampUpMs });
  const start = plan.startPerfMs ?? performance.now();
  const own = plan.shard ?? { index: 0, count: 1 };
  const stopAt = plan.durationMs !== undefined ? start + plan.durationMs : Number.POSITIVE_INFINITY;

  if (plan.mode !== "closed") {
    const slots = new Slots(plan.concurrency);
    const inFlight = new Set<Promise<void>>();
    // When the dispatcher last came out of a wait for a slot: a request due before then was
    // queued behind that wait, so its wait counts from its intended send (a slot wait, the
    // server's slowness at the cap), not as the dispatcher's own lateness.
    let slotQueueUntil = Number.NEGATIVE_INFINITY;
    for (let i = own.index; i < n; i += own.count) {
      const intended = start + schedule[i]!;
      if (intended >= stopAt || signal.aborted) break;
      await sleepUntil(intended, signal);
      if (signal.aborted) break;
      let waitFrom = slotQueueUntil > intended ? intended : undefined;
      if (!slots.tryAcquire()) {
        waitFrom ??= performance.now();
        await slots.acquire();
        slotQueueUntil = performance.now();
        if (signal.aborted) {
          slots.release();
          break;
        }
      }
      const slotWaitMs = waitFrom !== undefined ? performance.now() - waitFrom : undefined;
      const p: Promise<void> = send(i, { intendedSendPerfMs: intended, ...(slotWaitMs !== undefined ? { slotWaitMs } : {}) }).finally(() => {
        slots.release();
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    return;
  }
  let next = own.index;
  const workers = Math.min(plan.concurrency, Math.ceil((n - own.index) / own.count));
  const worker = async (k: number) => {
    // Ramp-up: worker k (of every thread's, interleaved) joins its share of the way through it.
    const slot = k * own.count + own.index;
    if (plan.rampUpMs > 0 && slot > 0) await sleepUntil(start + (plan.rampUpMs * slot) / (workers * own.count), signal);
    else if (start > performance.now()) await sleepUntil(start, signal);
    while (next < n && !signal.aborted && performance.now() < stopAt) {
      const i = next;
      next += own.count;
      await send(i, {});
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, workers) }, (_, k) => worker(k)));
}

