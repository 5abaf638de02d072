import { describe, expect, it } from "vitest";
import { calibrateClient, passDurations, PASS_MS } from "../../../src/calibrate/index.js";
import { clientAddedTtftMs } from "../../../src/calibrate/ttft-error.js";
import type { ChatResult } from "../../../src/client/types.js";

describe("calibrateClient against the simulator in a child process", () => {
  it("measures client-added TTFT from the simulator's ground truth, and the chunks/s taken in", async () => {
    const cal = await calibrateClient({ concurrency: 4, inputTokens: 32, outputTokens: 8, passMs: { fidelity: 400, capacity: 300 } });
    expect(cal.failed).toBe(0);
    expect(cal.concurrency).toBe(4);
    const t = cal.clientAddedTtftMs!;
    // One sample per request of the fidelity pass: 4 streams × (400 ms / ~45 ms) requests on an
    // idle machine. A busy one sends fewer in 400 ms: 4, and even 1 when the process stalled
    // before the other streams' first send (a closed loop sends no request after the pass's end).
    expect(t.n).toBeGreaterThanOrEqual(1);
    // The client sees the first token after the server sent it, and not long after on
    // loopback: a few ms on an idle machine. The server's timestamp is taken just after its
    // write, so when the machine's cores are taken by other work the servers' process may be
    // descheduled in between and the client run first (−10.9 ms seen); the bounds leave room
    // for that (the pairing by response id is tested exactly below).
    expect(t.min, JSON.stringify(t)).toBeGreaterThan(-250);
    expect(t.p50, JSON.stringify(t)).toBeLessThan(500);
    expect(cal.capacity.concurrency).toBe(64);
    expect(cal.capacity.chunksPerSec).toBeGreaterThan(0);
    expect(cal.capacity.requestsPerSec).toBeGreaterThan(0);
    expect(["client", "server"]).toContain(cal.capacity.limitedBy);
    expect(cal.capacity.clientCpu).toBeGreaterThan(0);
  }, 30_000);

  it("refuses to start when its signal is already aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(calibrateClient({ concurrency: 2, inputTokens: 8, outputTokens: 4, signal: ac.signal })).rejects.toThrow(/stopped before it started/);
  }, 30_000);
});

describe("calibration helpers", () => {
  it("pass durations come from SHAKEDOWN_CALIBRATE_PASS_MS when it is well formed", () => {
    expect(passDurations({})).toEqual(PASS_MS);
    expect(passDurations({ SHAKEDOWN_CALIBRATE_PASS_MS: "300,200" })).toEqual({ fidelity: 300, capacity: 200 });
    expect(passDurations({ SHAKEDOWN_CALIBRATE_PASS_MS: "x,1" })).toEqual(PASS_MS);
    expect(passDurations({ SHAKEDOWN_CALIBRATE_PASS_MS: "0,1" })).toEqual(PASS_MS);
  });

  it("client-added TTFT pairs results with ground truth by response id, skipping failures and unknown ids", () => {
    const res = (id: string | undefined, sent: number, ttft: number, ok = true): ChatResult => ({
      ok,
      startedAtEpochMs: 0,
      sentPerfMs: sent,
      stream: true,
      t: { firstContent: ttft },
      chunkTimes: [ttft],
      chunkTokens: [],
      content: "x",
      reasoning: "",
      toolCalls: [],
      continuousUsage: false,
      ...(id ? { responseId: id } : {}),
    });
    const origin = 1_000_000;
    const truth = new Map([
      ["a", origin + 100 + 4.5],
      ["b", origin + 200 + 9],
      ["c", origin + 300],
    ]);
    const added = clientAddedTtftMs([res("a", 100, 5), res("b", 200, 10), res("c", 300, 1, false), res(undefined, 0, 1), res("z", 0, 1)], truth, origin);
    expect(added).toHaveLength(2);
    expect(added[0]).toBeCloseTo(0.5, 9);
    expect(added[1]).toBeCloseTo(1, 9);
  });
});
