/**
 * The watch's schedule: a cycle every `every`, forever, for a duration, or once. Cycles never
 * overlap: the next starts `every` after the previous one started, or right after it ended when
 * it took longer (said through onLate) — never a burst of cycles to catch up. A stop (the
 * signal) lets the cycle in progress end (the cycle itself decides how: see the watch) and
 * starts no other. The clock and the sleep can be injected (tests).
 */
import { setTimeout as sleepTimer } from "node:timers/promises";

export interface ScheduleOptions {
  everyMs: number;
  /** Start no cycle after this long from the first one's start. */
  forMs?: number;
  once?: boolean;
  /** Aborted: no more cycles (the one in progress ends first). */
  signal: AbortSignal;
  /** Milliseconds on a monotonic clock (default performance.now()). */
  now?: () => number;
  /** Resolves after `ms`, or early when `signal` aborts (default: node's timers). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A cycle took longer than the interval: the next starts now. */
  onLate?: (info: { iteration: number; tookMs: number; everyMs: number }) => void;
}

export type ScheduleEnd = "once" | "for" | "signal";

async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleepTimer(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks the signal
  }
}

/** Runs `cycle(iteration)` (1, 2, …) on the schedule; resolves with why it ended. */
export async function runSchedule(cycle: (iteration: number) => Promise<void>, opts: ScheduleOptions): Promise<{ iterations: number; end: ScheduleEnd }> {
  const now = opts.now ?? (() => performance.now());
  const sleep = opts.sleep ?? defaultSleep;
  const start = now();
  let next = start;
  let n = 0;
  while (!opts.signal.aborted) {
    n++;
    const t0 = now();
    await cycle(n);
    if (opts.once) return { iterations: n, end: "once" };
    if (opts.signal.aborted) break;
    const t1 = now();
    next += opts.everyMs;
    if (t1 > next) {
      opts.onLate?.({ iteration: n, tookMs: t1 - t0, everyMs: opts.everyMs });
      next = t1;
    }
    if (opts.forMs !== undefined && next - start >= opts.forMs) return { iterations: n, end: "for" };
    if (next > t1) await sleep(next - t1, opts.signal);
  }
  return { iterations: n, end: "signal" };
}
