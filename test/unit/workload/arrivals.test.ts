import { describe, expect, it } from "vitest";
import { arrivalSchedule, gammaSample, interArrivalGaps, rampedOffset, scheduleSpanMs } from "../../../src/workload/arrivals.js";
import { mulberry32 } from "../../../src/metrics/bootstrap.js";

function stats(xs: number[]): { mean: number; cv: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
  return { mean, cv: Math.sqrt(variance) / mean };
}

/** Kolmogorov-Smirnov distance between a sample and the exponential distribution of the given mean. */
function ksExponential(xs: number[], mean: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = 1 - Math.exp(-s[i]! / mean);
    d = Math.max(d, Math.abs(f - i / n), Math.abs((i + 1) / n - f));
  }
  return d;
}

const N = 20_000;

describe("arrival schedules", () => {
  it("constant: one request every 1/rate, starting at 0", () => {
    const s = arrivalSchedule({ mode: "constant", rate: 50, requests: 5, seed: 1 });
    expect(s).toEqual([0, 20, 40, 60, 80]);
  });

  it("gaps add up to requests/rate exactly in every mode (seed noise rescaled away)", () => {
    for (const mode of ["constant", "poisson", "gamma"] as const) {
      const gaps = interArrivalGaps({ mode, rate: 37, burstiness: 0.3, requests: 1000, seed: 9 });
      expect(gaps).toHaveLength(1000);
      expect(gaps.reduce((a, b) => a + b, 0)).toBeCloseTo(scheduleSpanMs(37, 1000), 6);
      expect(gaps.every((g) => g >= 0 && Number.isFinite(g))).toBe(true);
    }
  });

  it("schedules are ascending and start at 0", () => {
    const s = arrivalSchedule({ mode: "gamma", rate: 100, burstiness: 0.5, requests: 500, seed: 3 });
    expect(s[0]).toBe(0);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThanOrEqual(s[i - 1]!);
  });

  it("poisson: exponential inter-arrivals (mean 1/rate, CV ≈ 1, KS distance small)", () => {
    const rate = 20;
    const gaps = interArrivalGaps({ mode: "poisson", rate, requests: N, seed: 42 });
    const { mean, cv } = stats(gaps);
    expect(mean).toBeCloseTo(1000 / rate, 6);
    expect(Math.abs(cv - 1)).toBeLessThan(0.05);
    // KS critical value at α = 0.001 is 1.95/√n ≈ 0.014 for n = 20 000; allow a bit more.
    expect(ksExponential(gaps, 1000 / rate)).toBeLessThan(0.02);
    // A constant schedule is far from exponential: the test can tell them apart.
    expect(ksExponential(interArrivalGaps({ mode: "constant", rate, requests: N, seed: 42 }), 1000 / rate)).toBeGreaterThan(0.3);
  });

  it("gamma: CV ≈ 1/√shape, mean 1/rate", () => {
    for (const shape of [0.25, 0.5, 1, 2, 4]) {
      const gaps = interArrivalGaps({ mode: "gamma", rate: 10, burstiness: shape, requests: N, seed: 7 });
      const { mean, cv } = stats(gaps);
      expect(mean).toBeCloseTo(100, 6);
      expect(Math.abs(cv * Math.sqrt(shape) - 1), `shape ${shape}: CV ${cv}`).toBeLessThan(0.06);
    }
  });

  it("gamma with shape 1 is exponential", () => {
    const gaps = interArrivalGaps({ mode: "gamma", rate: 5, burstiness: 1, requests: N, seed: 11 });
    expect(ksExponential(gaps, 200)).toBeLessThan(0.02);
  });

  it("the gamma sampler has mean shape and variance shape (scale 1), shape < 1 included", () => {
    for (const shape of [0.3, 1, 2.5, 9]) {
      const rand = mulberry32(123);
      const xs = Array.from({ length: N }, () => gammaSample(shape, rand));
      const { mean, cv } = stats(xs);
      expect(Math.abs(mean / shape - 1), `shape ${shape}`).toBeLessThan(0.04);
      const variance = (cv * mean) ** 2;
      expect(Math.abs(variance / shape - 1), `shape ${shape}`).toBeLessThan(0.1);
    }
    expect(() => gammaSample(0, mulberry32(1))).toThrow(RangeError);
  });

  it("is deterministic by seed, and seeds differ", () => {
    const a = arrivalSchedule({ mode: "poisson", rate: 10, requests: 100, seed: 5 });
    const b = arrivalSchedule({ mode: "poisson", rate: 10, requests: 100, seed: 5 });
    const c = arrivalSchedule({ mode: "poisson", rate: 10, requests: 100, seed: 6 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("rejects a non-positive rate", () => {
    expect(() => arrivalSchedule({ mode: "constant", rate: 0, requests: 3, seed: 0 })).toThrow(RangeError);
  });
});

describe("ramp-up", () => {
  it("bends the steady schedule: the rate rises linearly from 0 to the target, then holds", () => {
    const rate = 100;
    const rampUpMs = 2000;
    const sched = arrivalSchedule({ mode: "constant", rate, requests: 1000, seed: 1, rampUpMs });
    // Λ(t) = r t²/(2R) during the ramp: by t = R/2 a quarter of the R/2·r requests the ramp holds.
    const before = (t: number) => sched.filter((x) => x < t).length;
    expect(before(rampUpMs)).toBe(rampUpMs / 2 / (1000 / rate)); // 100 requests in the 2 s ramp
    expect(Math.abs(before(rampUpMs / 2) - 25)).toBeLessThanOrEqual(1);
    // After the ramp: one request every 10 ms, exactly.
    const after = sched.filter((x) => x >= rampUpMs);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeCloseTo(10, 9);
    // Ascending, starting at 0, total span = steady span + R/2.
    expect(sched[0]).toBe(0);
    for (let i = 1; i < sched.length; i++) expect(sched[i]!).toBeGreaterThan(sched[i - 1]!);
    expect(sched.at(-1)!).toBeCloseTo(999 * 10 + rampUpMs / 2, 9);
  });

  it("is continuous at the end of the ramp and the identity without one", () => {
    expect(rampedOffset(500, 1000)).toBeCloseTo(1000, 12);
    expect(rampedOffset(499.999, 1000)).toBeCloseTo(1000, 2);
    expect(rampedOffset(123, 0)).toBe(123);
  });

  it("a ramped Poisson schedule keeps its random shape after the ramp", () => {
    const sched = arrivalSchedule({ mode: "poisson", rate: 50, requests: 4000, seed: 3, rampUpMs: 1000 });
    const gaps = sched.filter((x) => x >= 1000).map((x, i, a) => (i ? x - a[i - 1]! : NaN)).slice(1);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(mean).toBeGreaterThan(19);
    expect(mean).toBeLessThan(21);
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
  });
});
