import { describe, expect, it } from "vitest";
import { normals } from "../../helpers/random.js";
import fc from "fast-check";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import {
  changePoints,
  mannKendall,
  normalQuantile,
  normalTwoSidedP,
  olsTrend,
} from "../../../src/metrics/trend-tests.js";


const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("normal helpers (simple-statistics, refined)", () => {
  it("match known normal values", () => {
    // Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.995) = 2.5758293035489004 (scipy.stats.norm.ppf)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963984540054, 6);
    expect(normalTwoSidedP(1.959963984540054)).toBeCloseTo(0.05, 6);
    expect(normalTwoSidedP(0)).toBeCloseTo(1, 6);
    // 2·(1 − Φ(6)) = 1.973175290075e-9: the tail keeps its relative precision
    expect(normalTwoSidedP(-6) / 1.973175290075e-9).toBeCloseTo(1, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe("olsTrend", () => {
  it("matches a hand-computed fit, CI and p-value", () => {
    // x = 1..5, y = 2, 4, 5, 4, 5: x̄ = 3, Sxx = 10, Sxy = 6 → slope 0.6, intercept 2.2.
    // Fitted 2.8, 3.4, 4.0, 4.6, 5.2; residuals −0.8, 0.6, 1, −0.6, −0.2 → SSres = 2.4,
    // s² = 2.4/3 = 0.8, se = √(0.8/10) = 0.282842712…; t_{0.975, 3} = 3.182446305284263
    // → CI 0.6 ± 0.900131745… ; t = 2.1213, two-sided p = 0.12402706265755 (scipy linregress).
    const fit = olsTrend([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(fit).toBeDefined();
    if (!fit) return;
    expect(fit.n).toBe(5);
    expect(fit.slope).toBeCloseTo(0.6, 12);
    expect(fit.intercept).toBeCloseTo(2.2, 12);
    expect(fit.se).toBeCloseTo(Math.sqrt(0.08), 12);
    expect(fit.slopeLower).toBeCloseTo(0.6 - 3.182446305284263 * Math.sqrt(0.08), 9);
    expect(fit.slopeUpper).toBeCloseTo(0.6 + 3.182446305284263 * Math.sqrt(0.08), 9);
    expect(fit.pValue).toBeCloseTo(0.12402706265755, 9);
    expect(fit.r2).toBeCloseTo(0.6, 12);
    expect(fit.confidence).toBe(0.95);
  });
  it("uses the Student t quantile with n − 2 degrees of freedom", () => {
    // n = 12 → 10 df: t_{0.975, 10} = 2.228138851986274 (tables, scipy.stats.t.ppf)
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228138851986274, 12);
    const ys = normals(12, 50, 3, 7).map((e, i) => e + 2 * i);
    const fit = olsTrend(range(12), ys);
    expect(fit).toBeDefined();
    if (!fit) return;
    expect((fit.slopeUpper - fit.slope) / fit.se).toBeCloseTo(2.228138851986274, 9);
    expect((fit.slope - fit.slopeLower) / fit.se).toBeCloseTo(2.228138851986274, 9);
    const narrow = olsTrend(range(12), ys, 0.9);
    // t_{0.95, 10} = 1.8124611228107335
    expect(((narrow?.slopeUpper ?? 0) - fit.slope) / fit.se).toBeCloseTo(1.8124611228107335, 9);
  });
  it("handles a perfect line and a flat line", () => {
    const line = olsTrend([0, 1, 2, 3], [1, 3, 5, 7]);
    expect(line?.slope).toBeCloseTo(2, 12);
    expect(line?.se).toBeCloseTo(0, 12);
    expect(line?.pValue).toBeLessThan(1e-9);
    expect(line?.slopeLower).toBeCloseTo(2, 9);
    const flat = olsTrend([0, 1, 2, 3], [5, 5, 5, 5]);
    expect(flat).toMatchObject({ slope: 0, se: 0, pValue: 1, slopeLower: 0, slopeUpper: 0, r2: 1 });
  });
  it("drops non-finite pairs and refuses too few points or a constant x", () => {
    const fit = olsTrend([1, 2, Number.NaN, 3, 4, 5, 6], [2, 4, 9, 5, 4, Number.POSITIVE_INFINITY, 5]);
    const ref = olsTrend([1, 2, 3, 4, 6], [2, 4, 5, 4, 5]);
    expect(fit).toEqual(ref);
    expect(fit?.n).toBe(5);
    expect(olsTrend([1, 2], [1, 2])).toBeUndefined();
    expect(olsTrend([1, 2, 3], [1, Number.NaN, 3])).toBeUndefined();
    expect(olsTrend([4, 4, 4, 4], [1, 2, 3, 4])).toBeUndefined();
    expect(() => olsTrend([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => olsTrend([1, 2, 3], [1, 2, 3], 1)).toThrow(RangeError);
  });
  it("stays precise with epoch-millisecond x", () => {
    const xs = range(60).map((i) => 1.7e12 + 60_000 * i);
    const fit = olsTrend(
      xs,
      // Residuals +½, −½, −½, +½ per block of 4: orthogonal to x, so the slope is exact.
      xs.map((x, i) => 1e-6 * (x - 1.7e12) + 100 + (i % 4 === 0 || i % 4 === 3 ? 0.5 : -0.5)),
    );
    expect(fit?.slope).toBeCloseTo(1e-6, 12);
    expect(fit?.pValue).toBeLessThan(1e-10);
  });
  it("rejects slope = 0 at level 1 − c exactly when the CI excludes 0 (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 40 }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(0.8, 0.9, 0.95, 0.99),
        (n, slope, seed, confidence) => {
          const ys = normals(n, 10, 1, seed).map((e, i) => e + slope * i);
          const fit = olsTrend(range(n), ys, confidence);
          expect(fit).toBeDefined();
          if (!fit) return;
          expect(fit.slopeLower).toBeLessThanOrEqual(fit.slope);
          expect(fit.slopeUpper).toBeGreaterThanOrEqual(fit.slope);
          expect(fit.pValue).toBeGreaterThanOrEqual(0);
          expect(fit.pValue).toBeLessThanOrEqual(1);
          const excludesZero = fit.slopeLower > 0 || fit.slopeUpper < 0;
          // Skip the measure-zero boundary where rounding decides.
          if (Math.abs(fit.pValue - (1 - confidence)) > 1e-9) expect(fit.pValue < 1 - confidence).toBe(excludesZero);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("mannKendall", () => {
  it("matches a hand-worked example with a tie in y", () => {
    // y = 3, 1, 4, 1, 5, 9 at x = 1..6. Signs of y_j − y_i over the 15 pairs i < j:
    //   from 3: − + − + + (+1); from 1: + 0 + + (+3); from 4: − + + (+1); from 1: + + (+2); from 5: + (+1)
    //   → S = 8. Ties in y: one group of 2 (the 1s).
    // Var(S) = [6·5·17 − 2·1·9]/18 = 492/18 = 27.333…; z = (8 − 1)/√27.333 = 1.338911;
    // p = 2·(1 − Φ(1.338911)) = 0.1805996 (scipy.stats.norm.sf).
    // tau-b = 8/√(15·(15 − 1)) = 0.5520524 (scipy.stats.kendalltau).
    // Pairwise slopes sorted: −3, −2, −⅔, 0, ½, ½, ½, 1.2, 4/3, 5/3, 2, 3, 4, 4, 4 → median 1.2.
    // Gilbert: C = 1.959964·√27.333 = 10.247; M₁ = (15 − 10.247)/2 = 2.38 → rank 2 → −2;
    // M₂ + 1 = (15 + 10.247)/2 + 1 = 13.62 → rank 14 → 4 (scipy.stats.theilslopes: −2, 4).
    const mk = mannKendall([1, 2, 3, 4, 5, 6], [3, 1, 4, 1, 5, 9]);
    expect(mk).toBeDefined();
    if (!mk) return;
    expect(mk.n).toBe(6);
    expect(mk.s).toBe(8);
    expect(mk.variance).toBeCloseTo(492 / 18, 12);
    expect(mk.z).toBeCloseTo(7 / Math.sqrt(492 / 18), 12);
    expect(mk.pValue).toBeCloseTo(0.1805996164939242, 6);
    expect(mk.tau).toBeCloseTo(0.5520524474738833, 12);
    expect(mk.senSlope).toBeCloseTo(1.2, 12);
    expect(mk.senLower).toBeCloseTo(-2, 12);
    expect(mk.senUpper).toBeCloseTo(4, 12);
    expect(mk.direction).toBe("none");
  });
  it("uses Kendall's variance with ties in both x and y", () => {
    // x = 1,1,2,3,3,3,4,5 (tie groups 2, 3); y = 2,3,3,5,4,4,6,5 (groups 2, 2, 2).
    // [8·7·21 − (2·1·9 + 3·2·11) − 3·(2·1·9)]/18 = (1176 − 84 − 54)/18 = 57.667
    // + (0 + 6)·0/(9·8·7·6) + (2 + 6)·(2 + 2 + 2)/(2·8·7) = 48/112 = 0.428571 → 58.095238,
    // the variance behind scipy.stats.kendalltau's p; tau-b = 0.8164965809 (scipy); S = 20.
    const mk = mannKendall([1, 1, 2, 3, 3, 3, 4, 5], [2, 3, 3, 5, 4, 4, 6, 5]);
    expect(mk?.s).toBe(20);
    expect(mk?.variance).toBeCloseTo(1038 / 18 + 48 / 112, 12);
    expect(mk?.tau).toBeCloseTo(0.816496580927726, 12);
  });
  it("matches Gilbert's (1987) Sen-slope interval on a 10-point series", () => {
    // n = 10, one tie in y (11.5 twice): Var(S) = (10·9·25 − 2·1·9)/18 = 124.
    // N′ = 45 slopes; C = 1.959964·√124 = 21.825; M₁ = (45 − 21.825)/2 = 11.59 → rank 12;
    // M₂ + 1 = (45 + 21.825)/2 + 1 = 34.41 → rank 34. scipy.stats.theilslopes gives the same
    // limits: 0.2 and 0.371428…; the median slope is 0.3.
    const ys = [10.2, 11.0, 10.8, 11.5, 11.5, 12.1, 11.9, 12.8, 13.0, 12.6];
    const mk = mannKendall(range(10), ys);
    expect(mk?.variance).toBeCloseTo(124, 12);
    const slopes: number[] = [];
    for (let i = 0; i < 10; i++) for (let j = i + 1; j < 10; j++) slopes.push(((ys[j] as number) - (ys[i] as number)) / (j - i));
    slopes.sort((a, b) => a - b);
    expect(mk?.senLower).toBe(slopes[11]);
    expect(mk?.senUpper).toBe(slopes[33]);
    expect(mk?.senLower).toBeCloseTo(0.2, 9);
    expect(mk?.senUpper).toBeCloseTo(0.3714285714285716, 9);
    expect(mk?.senSlope).toBeCloseTo(0.3, 9);
    // At 90 %: C = 1.644854·√124 = 18.316 → ranks round(13.34) = 13 and round(31.66) + 1 = 33.
    const mk90 = mannKendall(range(10), ys, { confidence: 0.9 });
    expect(mk90?.senLower).toBe(slopes[12]);
    expect(mk90?.senUpper).toBe(slopes[32]);
    expect(mk90?.senUpper).toBeCloseTo(0.36666666666666653, 9);
  });
  it("leaves the Sen interval open when there are too few points", () => {
    // n = 3, S = 3, Var = 3·2·11/18 = 3.667; C = 1.96·1.915 = 3.75 > N′ = 3 → M₁ < 1.
    const mk = mannKendall([0, 1, 2], [1, 2, 3]);
    expect(mk?.s).toBe(3);
    expect(mk?.senSlope).toBe(1);
    expect(mk?.senLower).toBeUndefined();
    expect(mk?.senUpper).toBeUndefined();
  });
  it("detects a strictly increasing series", () => {
    // n = 10, no ties: S = 45, Var = 10·9·25/18 = 125, z = 44/√125 = 3.9355, p = 8.30e-5.
    const mk = mannKendall(range(10), range(10).map((i) => i * i));
    expect(mk?.s).toBe(45);
    expect(mk?.variance).toBe(125);
    expect(mk?.z).toBeCloseTo(44 / Math.sqrt(125), 12);
    expect(mk?.pValue).toBeCloseTo(8.3003e-5, 7);
    expect(mk?.tau).toBe(1);
    expect(mk?.direction).toBe("increasing");
    expect(mannKendall(range(10), range(10).map((i) => -i))?.direction).toBe("decreasing");
  });
  it("gives no trend for a constant series", () => {
    const mk = mannKendall(range(8), new Array<number>(8).fill(3));
    expect(mk).toMatchObject({ s: 0, variance: 0, z: 0, pValue: 1, tau: 0, senSlope: 0, direction: "none" });
  });
  it("orders by x, drops non-finite pairs, refuses n < 3", () => {
    const sorted = mannKendall([1, 2, 3, 4, 5, 6], [3, 1, 4, 1, 5, 9]);
    expect(mannKendall([4, 1, 6, 3, 2, 5], [1, 3, 9, 4, 1, 5])).toEqual(sorted);
    expect(mannKendall([1, 2, 7, 3, 4, 5, Number.NaN, 6], [3, 1, Number.NaN, 4, 1, 5, 2, 9])).toEqual(sorted);
    expect(mannKendall([1, 2], [1, 2])).toBeUndefined();
    expect(mannKendall([5, 5, 5, 5], [1, 2, 3, 4])).toBeUndefined();
    expect(mannKendall([1, 2, 3], [1, Number.NaN, 3])).toBeUndefined();
    expect(() => mannKendall([1, 2, 3], [1, 2])).toThrow(RangeError);
    expect(() => mannKendall([1, 2, 3], [1, 2, 3], { alpha: 0 })).toThrow(RangeError);
  });
  it("is antisymmetric under y → −y and invariant under monotone transforms (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 3, maxLength: 25 }), (ys) => {
        const xs = range(ys.length);
        const a = mannKendall(xs, ys);
        const b = mannKendall(
          xs,
          ys.map((y) => -y),
        );
        const c = mannKendall(
          xs,
          ys.map((y) => Math.exp(y / 2) + 7),
        );
        expect(a && b && c).toBeTruthy();
        if (!a || !b || !c) return;
        expect(b.s + a.s).toBe(0);
        expect(b.z).toBeCloseTo(-a.z, 12);
        expect(b.tau).toBeCloseTo(-a.tau, 12);
        expect(b.pValue).toBeCloseTo(a.pValue, 12);
        expect(b.variance).toBeCloseTo(a.variance, 9);
        expect(b.senSlope).toBeCloseTo(-a.senSlope, 12);
        expect(c.s - a.s).toBe(0);
        expect(c.tau).toBeCloseTo(a.tau, 12);
        expect(Math.abs(a.tau)).toBeLessThanOrEqual(1 + 1e-12);
        if (a.senLower !== undefined && a.senUpper !== undefined) {
          expect(a.senLower).toBeLessThanOrEqual(a.senSlope);
          expect(a.senUpper).toBeGreaterThanOrEqual(a.senSlope);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("trend tests on soak-like series", () => {
  it("pure noise: no trend and no change point at alpha 0.01 in the large majority of 200 series", () => {
    let mkHits = 0;
    let olsHits = 0;
    let cpHits = 0;
    for (let s = 1; s <= 200; s++) {
      const ys = normals(48, 250, 20, 1000 + s);
      const xs = range(48);
      if ((mannKendall(xs, ys, { alpha: 0.01 })?.direction ?? "none") !== "none") mkHits++;
      if ((olsTrend(xs, ys, 0.99)?.pValue ?? 1) < 0.01) olsHits++;
      if (changePoints(ys, { alpha: 0.01, seed: s }).length > 0) cpHits++;
    }
    // Expected about 2 of 200 each (alpha = 1 %); P(Binomial(200, 0.01) > 7) ≈ 0.001.
    expect(mkHits).toBeLessThanOrEqual(7);
    expect(olsHits).toBeLessThanOrEqual(7);
    expect(cpHits).toBeLessThanOrEqual(7);
  });
  it("a +50 % linear ramp over 12 points with modest noise is found by both trend tests", () => {
    let covered = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const noise = normals(12, 0, 3, seed);
      const ys = range(12).map((i) => 100 * (1 + (0.5 * i) / 11) + (noise[i] as number));
      const mk = mannKendall(range(12), ys, { alpha: 0.01 });
      const fit = olsTrend(range(12), ys, 0.99);
      expect(mk?.direction).toBe("increasing");
      expect(fit?.pValue).toBeLessThan(0.01);
      expect(fit?.slopeLower).toBeGreaterThan(0);
      // True slope 50/11 = 4.545 per point.
      expect(mk?.senSlope).toBeGreaterThan(3);
      expect(mk?.senSlope).toBeLessThan(6);
      if ((fit?.slopeLower ?? Infinity) < 50 / 11 && (fit?.slopeUpper ?? -Infinity) > 50 / 11) covered++;
    }
    // The 99 % interval holds the true slope 50/11 in about 19.8 of 20 series.
    expect(covered).toBeGreaterThanOrEqual(18);
  });
});

describe("changePoints", () => {
  it("finds a +50 % step at index 7 of 12", () => {
    let found = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const noise = normals(12, 0, 3, seed);
      const ys = range(12).map((i) => (i < 7 ? 100 : 150) + (noise[i] as number));
      const cps = changePoints(ys);
      if (cps.length === 1 && cps[0]?.index === 7) found++;
      for (const cp of cps) expect(cp.pValue).toBeLessThan(0.01);
      if (seed === 1) {
        const cp = cps[0];
        expect(cp?.index).toBe(7);
        expect(cp?.before.n).toBe(7);
        expect(cp?.after.n).toBe(5);
        expect(cp?.before.mean).toBeCloseTo(ys.slice(0, 7).reduce((a, b) => a + b) / 7, 9);
        expect(cp?.after.mean).toBeCloseTo(ys.slice(7).reduce((a, b) => a + b) / 5, 9);
        expect(cp?.shift).toBeCloseTo((cp?.after.mean ?? 0) - (cp?.before.mean ?? 0), 12);
        expect(cp?.relativeShift).toBeGreaterThan(0.4);
        expect(cp?.relativeShift).toBeLessThan(0.6);
      }
    }
    expect(found).toBeGreaterThanOrEqual(19);
  });
  it("finds two steps, sorted, with before/after from the final segments", () => {
    const noise = normals(60, 0, 2, 11);
    const level = (i: number): number => (i < 20 ? 100 : i < 40 ? 130 : 110);
    const ys = range(60).map((i) => level(i) + (noise[i] as number));
    const cps = changePoints(ys);
    expect(cps.map((c) => c.index)).toEqual([20, 40]);
    expect(cps[0]?.before.n).toBe(20);
    expect(cps[0]?.after.n).toBe(20);
    expect(cps[1]?.before.mean).toBe(cps[0]?.after.mean);
    expect(cps[1]?.shift).toBeLessThan(-15);
    expect(cps[0]?.pValue).toBeCloseTo(0.001, 12); // no permutation is as extreme: 1/(999 + 1)
    expect(changePoints(ys, { maxChanges: 1 })).toHaveLength(1);
    expect(changePoints(ys, { maxChanges: 0 })).toEqual([]);
  });
  it("drops NaN and reports indexes in the original array", () => {
    const base = range(12).map((i) => (i < 7 ? 100 : 150) + (normals(12, 0, 3, 1)[i] as number));
    const withGaps = [...base.slice(0, 2), Number.NaN, ...base.slice(2, 7), Number.POSITIVE_INFINITY, Number.NaN, ...base.slice(7)];
    const cps = changePoints(withGaps);
    expect(cps).toHaveLength(1);
    expect(cps[0]?.index).toBe(10); // base index 7, after three dropped values
    expect(cps[0]?.before.n).toBe(7);
    expect(cps[0]?.after.n).toBe(5);
    expect(cps[0]?.before.mean).toBeCloseTo(changePoints(base)[0]?.before.mean ?? 0, 12);
  });
  it("finds nothing in constant or too short series", () => {
    expect(changePoints(new Array<number>(30).fill(42))).toEqual([]);
    expect(changePoints([1, 100, 1])).toEqual([]);
    expect(changePoints([])).toEqual([]);
    expect(changePoints([Number.NaN, Number.NaN])).toEqual([]);
  });
  it("omits relativeShift when the level before is 0", () => {
    const ys = [0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5];
    const cps = changePoints(ys);
    expect(cps).toHaveLength(1);
    expect(cps[0]?.index).toBe(7);
    expect(cps[0]?.shift).toBe(5);
    expect(cps[0]?.relativeShift).toBeUndefined();
  });
  it("is deterministic and validates its options", () => {
    const ys = normals(40, 10, 1, 3).map((v, i) => v + (i >= 25 ? 2 : 0));
    expect(changePoints(ys)).toEqual(changePoints(ys));
    expect(changePoints(ys, { seed: 9 })).toEqual(changePoints(ys, { seed: 9 }));
    expect(() => changePoints(ys, { alpha: 1 })).toThrow(RangeError);
    expect(() => changePoints(ys, { minSegment: 0 })).toThrow(RangeError);
    expect(() => changePoints(ys, { maxChanges: -1 })).toThrow(RangeError);
    expect(() => changePoints(ys, { permutations: 1.5 })).toThrow(RangeError);
  });
  it("respects minSegment", () => {
    // A lone spike at the end cannot be split off with minSegment 3.
    const ys = [10, 10.1, 9.9, 10, 10.2, 9.8, 10, 10.1, 9.9, 10, 10.1, 40];
    expect(changePoints(ys, { minSegment: 3 }).every((c) => c.index <= 9)).toBe(true);
  });
  it("does not depend on the unit: y → a·y + b, a > 0 (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.integer({ min: 5, max: 25 }),
        (seed, a, b, at) => {
          const ys = normals(30, 0, 1, seed).map((v, i) => v + (i >= at ? 1.5 : 0));
          const opts = { permutations: 199, seed };
          const p = changePoints(ys, opts);
          const q = changePoints(
            ys.map((y) => a * y + b),
            opts,
          );
          expect(q.map((c) => [c.index, c.pValue])).toEqual(p.map((c) => [c.index, c.pValue]));
        },
      ),
      { numRuns: 40 },
    );
  });
});
