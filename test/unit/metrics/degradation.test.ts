import { describe, expect, it } from "vitest";
import {
  callDegradation,
  degradationEvidence,
  degradationVerdict,
  describeEvidence,
  worstSessionVerdict,
  type DegradationEvidence,
} from "../../../src/metrics/degradation.js";
import type { Threshold } from "../../../src/metrics/index.js";

const LT20: Threshold = { source: "degradation.ttft < 20%", metric: "degradation.ttft", op: "<", value: 0.2 };

function ev(estimate: number, deltaMs: number, ci?: [number, number]): DegradationEvidence {
  return {
    estimate,
    deltaMs,
    firstMeanMs: 100,
    lastMeanMs: 100 + deltaMs,
    n: [5, 5],
    ...(ci ? { ci: { lower: ci[0], upper: ci[1], confidence: 0.95 } } : {}),
  };
}

describe("degradationEvidence", () => {
  it("gives the estimate, the change in ms and a seeded interval of mean(last)/mean(first) − 1", () => {
    const e = degradationEvidence([100, 110, 90, 105, 95], [200, 220, 180, 210, 190])!;
    expect(e.estimate).toBeCloseTo(1, 10);
    expect(e.deltaMs).toBeCloseTo(100, 10);
    expect(e.n).toEqual([5, 5]);
    expect(e.ci!.lower).toBeLessThan(1);
    expect(e.ci!.upper).toBeGreaterThan(1);
    expect(e.ci!.lower).toBeGreaterThan(0.7);
    expect(degradationEvidence([100, 110, 90, 105, 95], [200, 220, 180, 210, 190])).toEqual(e);
  });

  it("has no interval with a single value in a window, and nothing without a positive first mean", () => {
    expect(degradationEvidence([100], [150])).toMatchObject({ estimate: 0.5, deltaMs: 50, n: [1, 1] });
    expect(degradationEvidence([100], [150])!.ci).toBeUndefined();
    expect(degradationEvidence([], [150])).toBeUndefined();
    expect(degradationEvidence([0, 0], [1, 2])).toBeUndefined();
  });
});

describe("callDegradation", () => {
  it("holds, under the floor, noise, beyond noise", () => {
    expect(callDegradation("<", 0.2, ev(0.1, 10, [0, 0.2]), 25)).toBe("holds");
    expect(callDegradation("<", 0.2, ev(0.5, 20, [0.3, 0.7]), 25)).toBe("under_floor");
    expect(callDegradation("<", 0.2, ev(0.5, 50, [0.1, 0.9]), 25)).toBe("noise");
    expect(callDegradation("<", 0.2, ev(0.5, 50), 25)).toBe("noise");
    expect(callDegradation("<", 0.2, ev(0.5, 50, [0.3, 0.7]), 25)).toBe("beyond_noise");
    // A lower end exactly at the limit breaches "<" (it is not below 20 %) but not "<=".
    expect(callDegradation("<", 0.2, ev(0.5, 50, [0.2, 0.7]), 25)).toBe("beyond_noise");
    expect(callDegradation("<=", 0.2, ev(0.5, 50, [0.2, 0.7]), 25)).toBe("noise");
  });

  it("mirrors for '>' thresholds (the upper end must breach) and takes |change| against the floor", () => {
    expect(callDegradation(">", -0.1, ev(-0.5, -50, [-0.7, -0.3]), 25)).toBe("beyond_noise");
    expect(callDegradation(">", -0.1, ev(-0.5, -50, [-0.7, 0]), 25)).toBe("noise");
    expect(callDegradation(">", -0.1, ev(-0.5, -10, [-0.7, -0.3]), 25)).toBe("under_floor");
  });
});

describe("verdicts", () => {
  it("quote the evidence in their reason", () => {
    expect(describeEvidence(ev(0.204, 8.2, [0.005, 0.419]))).toBe("+20.4 % [CI +0.5…+41.9 %], +8.2 ms");
    expect(describeEvidence(ev(-0.1, -3))).toBe("−10.0 %, −3.0 ms");
    expect(degradationVerdict(LT20, ev(0.204, 8.2, [0.005, 0.419]), 25, 10)).toEqual({
      threshold: "degradation.ttft < 20%",
      metric: "degradation.ttft",
      op: "<",
      limit: 0.2,
      value: 0.204,
      n: 10,
      status: "pass",
      reason: "not distinguishable from noise (+20.4 % [CI +0.5…+41.9 %], +8.2 ms): the change is under the 25 ms floor",
    });
    expect(degradationVerdict(LT20, undefined, 25, 0).status).toBe("not_measured");
  });

  it("worst session: a session beyond noise decides over one with a larger estimate under the floor", () => {
    const th: Threshold = { ...LT20, source: "degradation.ttft_max < 20%", metric: "degradation.ttft_max" };
    const { verdict, decisive } = worstSessionVerdict(
      th,
      [
        { label: "session 1", evidence: ev(0.6, 12, [0.4, 0.8]) },
        { label: "session 2", evidence: ev(0.3, 60, [0.25, 0.35]) },
        { label: "session 3", evidence: ev(0.05, 3, [0, 0.1]) },
        { label: "session 4" },
      ],
      25,
    );
    expect(decisive).toBe(1);
    expect(verdict).toMatchObject({ status: "fail", value: 0.3, n: 3 });
    expect(verdict.reason).toMatch(/^session 2: beyond noise/);
    // Every session holding: the largest estimate, no reason.
    const ok = worstSessionVerdict(th, [{ label: "a", evidence: ev(0.1, 5) }, { label: "b", evidence: ev(0.15, 5) }], 25);
    expect(ok).toEqual({ verdict: expect.objectContaining({ status: "pass", value: 0.15 }), decisive: 1 });
    expect(ok.verdict.reason).toBeUndefined();
    expect(worstSessionVerdict(th, [], 25).verdict.status).toBe("not_measured");
  });
});
