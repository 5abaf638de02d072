import { describe, expect, it } from "vitest";
import { normals } from "../../helpers/random.js";
import fc from "fast-check";
import { arithmeticMean, bootstrapCI, mulberry32, ratioCI } from "../../../src/metrics/index.js";


describe("mulberry32", () => {
  it("is deterministic per seed and yields [0, 1)", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    const ys = Array.from({ length: 1000 }, () => b());
    const zs = Array.from({ length: 1000 }, () => c());
    expect(xs).toEqual(ys);
    expect(xs).not.toEqual(zs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const m = arithmeticMean(xs);
    expect(m).toBeGreaterThan(0.45);
    expect(m).toBeLessThan(0.55);
  });
});

describe("bootstrapCI", () => {
  const data = normals(40, 3500, 120, 7);

  it("is deterministic for a given seed (and by default)", () => {
    expect(bootstrapCI(data, arithmeticMean, { seed: 1 })).toEqual(bootstrapCI(data, arithmeticMean, { seed: 1 }));
    expect(bootstrapCI(data)).toEqual(bootstrapCI(data));
    expect(bootstrapCI(data, arithmeticMean, { seed: 1 })).not.toEqual(bootstrapCI(data, arithmeticMean, { seed: 2 }));
  });

  it("brackets the estimate, with roughly the normal-theory width", () => {
    const ci = bootstrapCI(data);
    expect(ci).toBeDefined();
    if (!ci) return;
    expect(ci.estimate).toBeCloseTo(arithmeticMean(data), 9);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci.n).toEqual([40]);
    expect(ci.iterations).toBe(2000);
    expect(ci.confidence).toBe(0.95);
    // normal theory: half-width ≈ 1.96·s/√n
    const m = ci.estimate;
    const s = Math.sqrt(data.reduce((a, x) => a + (x - m) ** 2, 0) / (data.length - 1));
    const half = (1.96 * s) / Math.sqrt(data.length);
    expect((ci.upper - ci.lower) / 2).toBeGreaterThan(0.75 * half);
    expect((ci.upper - ci.lower) / 2).toBeLessThan(1.25 * half);
  });

  it("narrows as the confidence drops", () => {
    const wide = bootstrapCI(data, arithmeticMean, { confidence: 0.99 });
    const narrow = bootstrapCI(data, arithmeticMean, { confidence: 0.8 });
    expect((narrow?.upper ?? 0) - (narrow?.lower ?? 0)).toBeLessThan((wide?.upper ?? 0) - (wide?.lower ?? 0));
  });

  it("covers the true mean about 95 % of the time", () => {
    const trials = 200;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const xs = normals(30, 100, 10, 1000 + t);
      const ci = bootstrapCI(xs, arithmeticMean, { iterations: 1000, seed: t });
      if (ci && ci.lower <= 100 && 100 <= ci.upper) covered++;
    }
    const rate = covered / trials;
    expect(rate).toBeGreaterThan(0.85);
    expect(rate).toBeLessThan(0.995);
  });

  it("works with another statistic (median)", () => {
    const median = (xs: readonly number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const k = s.length >> 1;
      return s.length % 2 ? (s[k] as number) : ((s[k - 1] as number) + (s[k] as number)) / 2;
    };
    const ci = bootstrapCI([1, 2, 3, 4, 100], median);
    expect(ci?.estimate).toBe(3);
    expect(ci?.lower).toBeGreaterThanOrEqual(1);
    expect(ci?.upper).toBeLessThanOrEqual(100);
  });

  it("handles empty, single and non-finite input", () => {
    expect(bootstrapCI([])).toBeUndefined();
    expect(bootstrapCI([Number.NaN])).toBeUndefined();
    expect(bootstrapCI([5])).toMatchObject({ estimate: 5, lower: 5, upper: 5, n: [1] });
    expect(bootstrapCI([5, Number.NaN, 7])?.n).toEqual([2]);
  });

  it("rejects bad options", () => {
    expect(() => bootstrapCI([1, 2], arithmeticMean, { confidence: 1 })).toThrow(RangeError);
    expect(() => bootstrapCI([1, 2], arithmeticMean, { iterations: 0 })).toThrow(RangeError);
  });

  it("gives a zero-width interval at the estimate for constant data (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer(),
        (c, n, seed) => {
          const ci = bootstrapCI(new Array<number>(n).fill(c), arithmeticMean, { iterations: 50, seed });
          expect(ci?.lower).toBe(ci?.estimate);
          expect(ci?.upper).toBe(ci?.estimate);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("contains the mean estimate for any data (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e5, noNaN: true }), { minLength: 5, maxLength: 40 }),
        fc.integer(),
        (xs, seed) => {
          const ci = bootstrapCI(xs, arithmeticMean, { iterations: 400, seed });
          expect(ci).toBeDefined();
          expect(ci?.lower).toBeLessThanOrEqual(ci?.upper as number);
          const tol = 1e-9 * Math.max(1, Math.abs(ci?.estimate as number));
          expect(ci?.lower as number).toBeLessThanOrEqual((ci?.estimate as number) + tol);
          expect(ci?.upper as number).toBeGreaterThanOrEqual((ci?.estimate as number) - tol);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("ratioCI", () => {
  it("estimates a cache speedup with an interval around it", () => {
    const miss = normals(30, 3000, 100, 11);
    const hit = normals(30, 2000, 80, 12);
    const ci = ratioCI(miss, hit);
    expect(ci).toBeDefined();
    if (!ci) return;
    expect(ci.estimate).toBeCloseTo(arithmeticMean(miss) / arithmeticMean(hit), 12);
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci.lower).toBeGreaterThan(1.4);
    expect(ci.upper).toBeLessThan(1.6);
    expect(ci.n).toEqual([30, 30]);
    expect(ratioCI(miss, hit)).toEqual(ci);
  });
  it("includes 1 when both samples come from the same distribution", () => {
    const a = normals(20, 1000, 100, 21);
    const b = normals(20, 1000, 100, 22);
    const ci = ratioCI(a, b);
    expect(ci?.lower).toBeLessThan(1);
    expect(ci?.upper).toBeGreaterThan(1);
  });
  it("is undefined for an empty sample or a zero denominator", () => {
    expect(ratioCI([], [1])).toBeUndefined();
    expect(ratioCI([1], [])).toBeUndefined();
    expect(ratioCI([1, 2], [0, 0])).toBeUndefined();
  });
  it("drops resamples whose denominator mean is 0", () => {
    const ci = ratioCI([2, 2, 2], [0, 1, 2], { iterations: 500 });
    expect(ci).toBeDefined();
    expect(ci?.iterations).toBeLessThanOrEqual(500);
    expect(ci?.iterations).toBeGreaterThan(450);
  });
});
