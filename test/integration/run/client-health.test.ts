/**
 * Issue 11 item 4: every scenario knows whether the client was healthy, and a timing verdict
 * measured by an overloaded client is inconclusive, never a server failure.
 */
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { EXIT } from "../../../src/errors.js";
import { exitCodeFor } from "../../../src/cli/summary.js";
import { ClientHealthSampler } from "../../../src/run/client-health.js";
import { judgeClient, type ClientHealth } from "../../../src/metrics/client-health.js";
import { executeRun } from "../../../src/run/executor.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();

const health = (p99: number, machineCores: number, processCores = 0.2): ClientHealth => ({
  durationMs: 10_000,
  loopDelayMs: { mean: p99 / 2, p50: 10.1, p99, max: p99 * 2 },
  processCores,
  machineCores,
  cores: 2,
});

/** Blocks the event loop for `ms` (what a machine whose cores are taken does to the client). */
function hog(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

describe("client health", () => {
  it("judges the event loop's lateness, with the machine's load as context only", () => {
    expect(judgeClient(health(10.5, 0.3)).overloaded).toBe(false);
    expect(judgeClient(health(40, 0.3)).overloaded).toBe(true);
    // A busy machine (a local server, say) with a loop on time is a healthy client…
    expect(judgeClient(health(11, 2, 0.2)).overloaded).toBe(false);
    // …and a lower bound applies when the machine is busy with other processes.
    const busy = judgeClient(health(18, 1.95, 0.2));
    expect(busy.overloaded).toBe(true);
    expect(busy.summary).toMatch(/event loop ran up to 18\.0 ms late.*other processes/);
  });

  it("the sampler sees a blocked event loop", async () => {
    const s = new ClientHealthSampler();
    for (let i = 0; i < 6; i++) {
      hog(60);
      await new Promise((r) => setTimeout(r, 5));
    }
    const h = s.stop();
    expect(h.loopDelayMs.max).toBeGreaterThanOrEqual(50);
    expect(judgeClient(h).overloaded).toBe(true);
  });

  it("regression: a degradation verdict failed on a busy machine with nothing saying the client was the cause — now it is inconclusive (client overloaded), never fail", async () => {
    const input: SuiteInput = {
      name: "overloaded-client",
      target: { sim: { profile: "fast" } },
      // A threshold any lateness breaks, so the test does not depend on how much the hog slows the run.
      scenarios: [{ kind: "conversation", turns: 6, iterations: 1, max_tokens: 32, thresholds: ["ttft.max < 0.001", "success_rate > 95%"] } as never],
      output: { dir: out },
    };
    // The client's loop is held for 40 ms every 50 ms while it measures.
    const timer = setInterval(() => hog(40), 50);
    let outcome;
    try {
      outcome = await executeRun(validateSuiteObject(input, "test suite"));
    } finally {
      clearInterval(timer);
    }
    const sc = outcome.results.scenarios[0]!;
    const ttft = sc.verdicts.find((v) => v.metric === "ttft.max")!;
    expect(ttft.status).toBe("inconclusive");
    expect(ttft.reason).toMatch(/client overloaded/);
    // A verdict the client cannot move stands.
    expect(sc.verdicts.find((v) => v.metric === "success_rate")!.status).toBe("pass");
    expect(sc.status).toBe("inconclusive");
    expect(sc.notes.join(" ")).toMatch(/Client health over the scenario: \*\*client overloaded/);
    expect(exitCodeFor(outcome.results)).toBe(EXIT.inconclusive);
  });

  it("a healthy client leaves a failed timing verdict failed, and says it was healthy", async () => {
    const input: SuiteInput = {
      name: "healthy-client",
      target: { sim: { profile: "fast" } },
      scenarios: [{ kind: "conversation", turns: 3, iterations: 1, max_tokens: 16, thresholds: ["ttft.max < 0.001"] } as never],
      output: { dir: out },
    };
    const { results } = await executeRun(validateSuiteObject(input, "test suite"));
    const sc = results.scenarios[0]!;
    const note = sc.notes.find((n) => n.startsWith("Client health"))!;
    expect(note).toBeDefined();
    // On a machine busy with other tests the client may be judged overloaded; either way the verdict says which.
    if (note.includes("client healthy")) {
      expect(sc.verdicts[0]!.status).toBe("fail");
      expect(sc.status).toBe("fail");
    } else {
      expect(sc.verdicts[0]!.status).toBe("inconclusive");
    }
  });
});
