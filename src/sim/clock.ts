/**
 * Time source and timers for the simulator's engine. The engine only ever asks for the
 * current time and for a callback at an absolute deadline, so tests can drive it with a
 * ManualClock (exact, instant) and the server with the real clock.
 */
import { performance } from "node:perf_hooks";

export type TimerHandle = { readonly kind: "timer" };

export interface SimClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Calls `fn` once, at or after `atMs` (an absolute time on this clock). */
  setTimer(atMs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

interface RealTimer extends TimerHandle {
  timeout: NodeJS.Timeout;
}

/** performance.now() and setTimeout. */
export const realClock: SimClock = {
  now: () => performance.now(),
  setTimer(atMs, fn) {
    const delay = Math.max(0, atMs - performance.now());
    const handle: RealTimer = { kind: "timer", timeout: setTimeout(fn, delay) };
    return handle;
  },
  clearTimer(handle) {
    clearTimeout((handle as RealTimer).timeout);
  },
};

interface ManualTimer extends TimerHandle {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers run in deadline order. */
export class ManualClock implements SimClock {
  private t: number;
  private timers: ManualTimer[] = [];
  private nextSeq = 0;

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    const timer: ManualTimer = { kind: "timer", at: atMs, seq: this.nextSeq++, fn, cancelled: false };
    this.timers.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    (handle as ManualTimer).cancelled = true;
  }

  /** Number of timers still pending. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  private nextDue(limit: number): ManualTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.at > limit) continue;
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /** Moves time forward by `ms`, running every timer due on the way at its own deadline. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  advanceTo(target: number): void {
    for (;;) {
      const due = this.nextDue(target);
      if (!due) break;
      due.cancelled = true;
      if (due.at > this.t) this.t = due.at;
      due.fn();
    }
    if (target > this.t) this.t = target;
  }

  /**
   * Simulates a stalled event loop: time jumps to `target` first, then every timer due by
   * then runs late, all at `target`.
   */
  stallUntil(target: number): void {
    if (target > this.t) this.t = target;
    for (;;) {
      const due = this.nextDue(this.t);
      if (!due) break;
      due.cancelled = true;
      due.fn();
    }
  }

  /** Runs timers until none is left (or `maxTimers` ran); returns the time reached. */
  runUntilIdle(maxTimers = 1_000_000): number {
    for (let i = 0; i < maxTimers; i++) {
      const due = this.nextDue(Infinity);
      if (!due) return this.t;
      due.cancelled = true;
      if (due.at > this.t) this.t = due.at;
      due.fn();
    }
    throw new Error(`ManualClock.runUntilIdle: still busy after ${maxTimers} timers`);
  }
}
