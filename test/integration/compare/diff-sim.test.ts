/**
 * diffRuns on real runs against the embedded simulator: two runs of the same profile differ
 * by no more than noise; a simulator twice as slow is significantly slower, and a --fail-on
 * bound fails.
 *
 * Robustness: the simulator's timings are deterministic, so what differs between two runs of
 * one profile is the machine (timers, scheduling, JIT warm-up, other test files on the same
 * cores). The runs are started together, so both see the same load, and the `default` profile
 * (TTFT ≈ 25 ms of simulated time) keeps that noise small beside the timings, a small run first
 * warms the process up; the same-profile
 * check is on the TTFT median at alpha 0.01 (measured here: Wilcoxon p ≥ 0.2 in 8 of 8 trials
 * with concurrent runs of the default profile, while sequential runs of the `fast` profile,
 * whose TTFT is ~1 ms of simulated time, reached p = 0.002).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { diffRuns } from "../../../src/compare/index.js";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { executeRun } from "../../../src/run/executor.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir("shakedown-diff-");

function suite(sim: Record<string, unknown>, conversation: Record<string, unknown> = {}, name = "diff"): ReturnType<typeof validateSuiteObject> {
  const input: SuiteInput = {
    name,
    target: { sim: { seed: 7, ...sim } },
    scenarios: [{ kind: "conversation", turns: 6, iterations: 5, max_tokens: 24, temperature: 0, ...conversation } as never],
    output: { dir: out },
  };
  return validateSuiteObject(input, "diff test suite");
}

// A first small run warms the process up (JIT, sockets): a cold process's first requests are slower by tens of ms.
beforeAll(async () => {
  await executeRun(suite({ profile: "fast" }, { turns: 2, iterations: 1 }, "warm-up"));
}, 30_000);

describe("diff of simulator runs", () => {
  it("same profile: no difference beyond noise; twice the time scale: slower, and --fail-on fails", { timeout: 120_000 }, async () => {
    const [a, b, slow] = await Promise.all([
      executeRun(suite({ profile: "default" })),
      executeRun(suite({ profile: "default" })),
      executeRun(suite({ profile: "default", time_scale: 2 })),
    ]);
    for (const r of [a, b, slow]) expect(r.results.status).not.toBe("incomplete");

    const same = diffRuns(a.dir, b.dir, { alpha: 0.01, failOn: ["ttft.p50 > +10%"] });
    expect(same.comparable).toBe(true);
    expect(same.notes.join("\n")).not.toContain("different simulators");
    const conv = same.scenarios.find((s) => s.scenario === "conversation")!;
    expect(conv.paired).toBe(true);
    expect(conv.pairing).toBe("paired by request id (30 requests in both runs)");
    const ttft = conv.figures.find((f) => f.figure === "ttft.p50")!;
    expect(ttft.word).toBe("no difference beyond noise");
    expect(ttft.n).toEqual({ a: 30, b: 30, pairs: 30 });
    expect(same.failed).toBe(false);

    const slower = diffRuns(a.dir, slow.dir, { failOn: ["ttft.p50 > +10%"] });
    expect(slower.comparable).toBe(true);
    expect(slower.notes.join("\n")).toContain("different simulators: time_scale (default) → 2");
    const f = slower.scenarios[0]!.figures.find((x) => x.figure === "ttft.p50")!;
    expect(f.word).toBe("slower");
    expect(f.significant).toBe(true);
    expect(f.relative).toBeGreaterThan(0.5);
    expect(f.relativeCi!.lower).toBeGreaterThan(0.1);
    expect(slower.scenarios[0]!.figures.find((x) => x.figure === "output_tps.p50")!.word).toBe("worse");
    expect(slower.failOn).toEqual([expect.objectContaining({ expression: "ttft.p50 > +10%", status: "fail", scenario: "conversation", figure: "ttft.p50" })]);
    expect(slower.failed).toBe(true);
  });

  it("a different workload is refused, and compared with force", { timeout: 60_000 }, async () => {
    const [a, other] = await Promise.all([
      executeRun(suite({ profile: "fast" }, { turns: 3, iterations: 2 }, "short")),
      executeRun(suite({ profile: "fast" }, { turns: 4, iterations: 2 }, "short")),
    ]);
    const refused = diffRuns(a.dir, other.dir);
    expect(refused.refused).toBe(true);
    expect(refused.problems).toEqual(['scenario "conversation" ran a different workload: turns 3 in A, 4 in B']);
    expect(refused.scenarios).toEqual([]);
    const forced = diffRuns(a.dir, other.dir, { force: true });
    expect(forced).toMatchObject({ refused: false, forced: true, comparable: false });
    expect(forced.scenarios[0]!.paired).toBe(false);
    expect(forced.scenarios[0]!.pairing).toBe("unpaired: the runs' requests differ (0 only in A, 2 only in B)");
    expect(forced.scenarios[0]!.figures.some((x) => x.figure === "ttft.p50")).toBe(true);
  });
});
