/**
 * Issue 16: the watch's schedule on an injected clock: cycles never overlap, a late cycle is
 * said and the next starts right after it (no burst of catch-up cycles), --for and --once end it.
 */
import { describe, expect, it } from "vitest";
import { runSchedule } from "../../../src/watch/schedule.js";

/** A fake clock: sleeping advances it; a cycle takes the time the test gives it. */
function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => void (t += ms),
    sleep: async (ms: number, signal: AbortSignal) => {
      if (!signal.aborted) t += ms;
    },
  };
}

describe("runSchedule", () => {
  it("starts a cycle every interval, never two at once, and a late one's successor right after it", async () => {
    const c = fakeClock();
    const starts: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const late: number[] = [];
    const durations = [10, 10, 250, 10, 10, 10];
    const stop = new AbortController();
    const r = await runSchedule(
      async (i) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        starts.push(c.now());
        c.advance(durations[i - 1] ?? 10);
        await Promise.resolve();
        inFlight--;
        if (i === durations.length) stop.abort();
      },
      { everyMs: 100, signal: stop.signal, now: c.now, sleep: c.sleep, onLate: (x) => late.push(x.iteration) },
    );
    expect(maxInFlight).toBe(1);
    // Cycle 3 ran 250 ms: cycle 4 starts when it ends (450), not at 300 and 400 in a burst; then every 100 again.
    expect(starts).toEqual([0, 100, 200, 450, 550, 650]);
    expect(late).toEqual([3]);
    expect(r).toEqual({ iterations: 6, end: "signal" });
  });

  it("--for: starts no cycle after the duration; --once: one cycle", async () => {
    const c = fakeClock();
    const starts: number[] = [];
    const r = await runSchedule(async () => void starts.push(c.now()), { everyMs: 100, forMs: 350, signal: new AbortController().signal, now: c.now, sleep: c.sleep });
    expect(starts).toEqual([0, 100, 200, 300]);
    expect(r.end).toBe("for");
    const once = await runSchedule(async () => undefined, { everyMs: 100, once: true, signal: new AbortController().signal, now: c.now, sleep: c.sleep });
    expect(once).toEqual({ iterations: 1, end: "once" });
  });

  it("a stop during a cycle lets it end and starts no other; a stop during the wait ends the wait", async () => {
    const stop = new AbortController();
    let ended = 0;
    const r = await runSchedule(
      async (i) => {
        if (i === 2) stop.abort();
        await new Promise((res) => setTimeout(res, 5));
        ended++;
      },
      { everyMs: 10, signal: stop.signal },
    );
    expect(r).toEqual({ iterations: 2, end: "signal" });
    expect(ended).toBe(2);
    const stop2 = new AbortController();
    const t0 = performance.now();
    setTimeout(() => stop2.abort(), 20);
    const r2 = await runSchedule(async () => undefined, { everyMs: 60_000, signal: stop2.signal });
    expect(r2.iterations).toBe(1);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
