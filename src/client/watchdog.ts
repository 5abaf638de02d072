/**
 * One deadline timer per exchange for the client-side timeouts (Timeouts):
 * - first byte: from send until the first byte of the response body (for servers that send
 *   headers at once, like vLLM, the first body byte is the first event; llama.cpp sends its
 *   headers with the first token anyway);
 * - between tokens: the longest silence between two body chunks once the body started;
 * - total: the whole exchange.
 * The hot path only calls activity(now) (two stores). The single timer is re-armed only
 * when it fires early (at most once per betweenTokensMs of a healthy stream); no timer is
 * created per chunk. A limit ≤ 0 or non-finite disables that deadline.
 */
import type { ErrorKind, Timeouts } from "./types.js";

/** Kinds a watchdog can report. */
export type DeadlineKind = Extract<ErrorKind, "timeout_first_byte" | "timeout_between_tokens" | "timeout_total">;

const MAX_DELAY = 2_147_483_647;

function limit(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? ms : Infinity;
}

/** Watches one exchange; calls onExpire once with the deadline that passed. */
export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private bodyStarted = false;
  private stopped = false;
  private last = 0;
  private readonly firstByte: number;
  private readonly between: number;
  private readonly total: number;

  constructor(
    private readonly sent: number,
    t: Timeouts,
    private readonly onExpire: (kind: DeadlineKind) => void,
  ) {
    this.firstByte = limit(t.firstByteMs);
    this.between = limit(t.betweenTokensMs);
    this.total = limit(t.totalMs);
    this.schedule(Math.min(this.firstByte, this.total));
  }

  /** Records body activity at `now` (ms since sent). */
  activity(now: number): void {
    this.last = now;
    if (!this.bodyStarted) {
      // the body started: switch from the first-byte deadline to the between-tokens one
      // (once per exchange; later chunks only store `last`)
      this.bodyStarted = true;
      if (this.stopped) return;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.schedule(Math.min(now + this.between, this.total));
    }
  }

  /** The body started at `now` (its first byte): the first-byte deadline is met; later bytes are not activity by themselves. */
  started(now: number): void {
    if (!this.bodyStarted) this.activity(now);
  }

  /** Cancels the timer (exchange over). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(deadline: number): void {
    if (deadline === Infinity) {
      this.timer = undefined;
      return;
    }
    const now = performance.now() - this.sent;
    const delay = Math.min(MAX_DELAY, Math.max(1, Math.ceil(deadline - now)));
    this.timer = setTimeout(this.check, delay);
    this.timer.unref();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const now = performance.now() - this.sent;
    if (now >= this.total) return this.onExpire("timeout_total");
    let deadline: number;
    if (!this.bodyStarted) {
      if (now >= this.firstByte) return this.onExpire("timeout_first_byte");
      deadline = this.firstByte;
    } else {
      deadline = this.last + this.between;
      if (now >= deadline) return this.onExpire("timeout_between_tokens");
    }
    this.schedule(Math.min(deadline, this.total));
  };
}
