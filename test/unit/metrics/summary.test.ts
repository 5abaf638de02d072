import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  finiteValues,
  isPercentileFlagged,
  meanOf,
  minSamplesForPercentile,
  percentile,
  successRate,
  summarize,
} from "../../../src/metrics/index.js";

describe("percentile (numpy linear)", () => {
  it("matches hand-computed numpy values", () => {
    // np.percentile([1,2,3,4], q) for q = 0, 25, 50, 90, 99, 100
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
    expect(percentile([1, 2, 3, 4], 25)).toBeCloseTo(1.75, 12);
    expect(percentile([1, 2, 3, 4], 50)).toBeCloseTo(2.5, 12);
    expect(percentile([1, 2, 3, 4], 90)).toBeCloseTo(3.7, 12);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 12);
    expect(percentile([1, 2, 3, 4], 100)).toBe(4);
    // np.percentile([10, 20, 30, 40, 50], 90) = 46.0 ; 95 -> 48.0
    expect(percentile([10, 20, 30, 40, 50], 90)).toBeCloseTo(46, 12);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48, 12);
    // np.percentile([3.2, 7.1, 8.0], 50) = 7.1 (exact rank)
    expect(percentile([3.2, 7.1, 8.0], 50)).toBe(7.1);
  });

  it("handles one element and empty input", () => {
    expect(percentile([42], 0)).toBe(42);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeUndefined();
  });

  it("rejects p outside [0, 100]", () => {
    expect(() => percentile([1], -1)).toThrow(RangeError);
    expect(() => percentile([1], 100.5)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("is monotone in p and bounded by min and max", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (xs, p, q) => {
          const s = [...xs].sort((a, b) => a - b);
          const [lo, hi] = p <= q ? [p, q] : [q, p];
          const a = percentile(s, lo) as number;
          const b = percentile(s, hi) as number;
          expect(a).toBeLessThanOrEqual(b);
          expect(a).toBeGreaterThanOrEqual(s[0] as number);
          expect(b).toBeLessThanOrEqual(s[s.length - 1] as number);
        },
      ),
    );
  });
});

describe("summarize", () => {
  it("computes a hand-checked summary", () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s).toBeDefined();
    expect(s?.n).toBe(4);
    expect(s?.mean).toBe(2.5);
    // sample std of 1..4 = sqrt(5/3)
    expect(s?.std).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(s?.min).toBe(1);
    expect(s?.max).toBe(4);
    expect(s?.p50).toBeCloseTo(2.5, 12);
    expect(s?.p90).toBeCloseTo(3.7, 12);
    expect(s?.p95).toBeCloseTo(3.85, 12);
    expect(s?.p99).toBeCloseTo(3.97, 12);
  });

  it("gives std 0 for a single value and undefined for nothing", () => {
    expect(summarize([7])).toEqual({ n: 1, mean: 7, std: 0, min: 7, max: 7, p50: 7, p90: 7, p95: 7, p99: 7 });
    expect(summarize([])).toBeUndefined();
    expect(summarize([undefined, Number.NaN, null])).toBeUndefined();
  });

  it("drops NaN, undefined, null and infinities", () => {
    const s = summarize([1, undefined, Number.NaN, 3, null, Number.POSITIVE_INFINITY]);
    expect(s?.n).toBe(2);
    expect(s?.mean).toBe(2);
    expect(finiteValues([1, Number.NEGATIVE_INFINITY, 2])).toEqual([1, 2]);
  });

  it("does not reorder the caller's array", () => {
    const xs = [3, 1, 2];
    summarize(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it("orders min ≤ p50 ≤ p90 ≤ p95 ≤ p99 ≤ max and min ≤ mean ≤ max", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 }), (xs) => {
        const s = summarize(xs);
        if (!s) throw new Error("expected a summary");
        expect(s.n).toBe(xs.length);
        expect(s.min).toBeLessThanOrEqual(s.p50);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
        expect(s.mean).toBeGreaterThanOrEqual(s.min);
        expect(s.mean).toBeLessThanOrEqual(s.max);
        expect(s.std).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it("keeps the mean of equal values inside [min, max]", () => {
    const s = summarize([0.1, 0.1, 0.1]);
    expect(s?.mean).toBe(0.1);
  });
});

/** Values and results computed with numpy 2.4 (np.percentile default method, np.std(ddof=1)). */
const NUMPY_CASES = [{"values": [2982.058, 3260.46, 2745.61, 2282.034, 2600.863], "p": {"50": 2745.61, "90": 3149.0992, "95": 3204.7796, "99": 3249.32392}, "mean": 2774.205, "std": 371.7338466107169}, {"values": [2213.889, 3035.232, 4456.258, 2571.74, 2474.658, 3452.841, 3317.83, 3076.735, 2254.897, 2954.913, 3672.364], "p": {"50": 3035.232, "90": 3672.364, "95": 4064.3109999999997, "99": 4377.8686}, "mean": 3043.759727272727, "std": 670.781615826804}, {"values": [1991.684, 2598.567, 1685.189, 2024.623, 1715.534, 2777.961, 2038.085, 3233.69, 3124.487, 2818.389, 1401.043, 2536.124, 2937.898, 3084.031, 1883.636, 2582.915, 2222.625, 2338.696, 4098.063, 2339.61, 2952.016, 3886.705, 2502.186, 2882.72, 3081.4, 3038.546, 2064.17, 3049.833, 4481.204, 1874.049, 3857.655, 3089.629, 2459.12, 5432.338, 3746.877, 2080.188, 3048.347], "p": {"50": 2777.961, "90": 3869.275, "95": 4174.691199999998, "99": 5089.92976}, "mean": 2782.6981891891883, "std": 841.322870975916}];

describe("summarize against numpy", () => {
  it.each(NUMPY_CASES.map((c) => [c.values.length, c] as const))("n = %i", (_n, c) => {
    const s = summarize(c.values);
    expect(s?.mean).toBeCloseTo(c.mean, 8);
    expect(s?.std).toBeCloseTo(c.std, 8);
    expect(s?.p50).toBeCloseTo(c.p["50"], 8);
    expect(s?.p90).toBeCloseTo(c.p["90"], 8);
    expect(s?.p95).toBeCloseTo(c.p["95"], 8);
    expect(s?.p99).toBeCloseTo(c.p["99"], 8);
  });
});

describe("sample-size flags", () => {
  it("needs 100 samples for p99, 20 for p95, 10 for p90", () => {
    expect(minSamplesForPercentile(99)).toBe(100);
    expect(minSamplesForPercentile(95)).toBe(20);
    expect(minSamplesForPercentile(90)).toBe(10);
    expect(minSamplesForPercentile(50)).toBe(2);
    expect(isPercentileFlagged(99, 99)).toBe(true);
    expect(isPercentileFlagged(100, 99)).toBe(false);
    expect(isPercentileFlagged(45, 95)).toBe(false);
    expect(minSamplesForPercentile(100)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("meanOf and successRate", () => {
  it("averages finite values", () => {
    expect(meanOf([1, undefined, 2])).toBe(1.5);
    expect(meanOf([])).toBeUndefined();
  });
  it("counts ok results as a fraction", () => {
    expect(successRate([{ ok: true }, { ok: false }, { ok: true }, { ok: true }])).toEqual({ n: 4, ok: 3, rate: 0.75 });
    expect(successRate([])).toEqual({ n: 0, ok: 0 });
  });
});
