/**
 * The comparison statistics against reference values computed independently with scipy 1.17
 * (the calls are quoted beside each value) and, for Newcombe's interval, his 1998 paper.
 */
import { normals } from "../../helpers/random.js";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulberry32 } from "../../../src/metrics/bootstrap.js";
import { percentile } from "../../../src/metrics/summary.js";
import {
  bootstrapChange,
  changeWord,
  compareEstimates,
  compareProportions,
  compareSamples,
  deriveSeed,
  katzRelativeInterval,
  mannWhitneyU,
  midRanks,
  newcombeInterval,
  NO_DIFFERENCE,
  parseStatistic,
  wilcoxonSignedRank,
  wilsonInterval,
} from "../../../src/metrics/compare.js";


describe("midRanks", () => {
  it("gives tied values the mean of their ranks and sums t³ − t", () => {
    const r = midRanks([10, 20, 10, 30, 10, 20]);
    expect(r.ranks).toEqual([2, 4.5, 2, 6, 2, 4.5]);
    expect(r.tieTerm).toBe(3 ** 3 - 3 + (2 ** 3 - 2));
    expect(r.ties).toBe(true);
    expect(midRanks([3, 1, 2]).ties).toBe(false);
  });
});

describe("Mann-Whitney U", () => {
  it("normal approximation with ties matches scipy (asymptotic, continuity correction)", () => {
    const a = [12.1, 14.3, 11.8, 15.0, 13.2, 12.1, 16.4, 14.3, 13.9, 12.7];
    const b = [13.0, 15.2, 14.3, 16.8, 14.9, 13.7, 17.5, 15.5, 14.3, 15.1, 16.0];
    // scipy.stats.mannwhitneyu(b, a, method="asymptotic", use_continuity=True)
    // → statistic 87.0, pvalue 0.026005616015273892
    const r = mannWhitneyU(a, b)!;
    expect(r.u).toBe(87);
    expect(r.exact).toBe(false);
    expect(r.ties).toBe(true);
    expect(r.pValue).toBeCloseTo(0.026005616015273892, 6);
    expect(r.sign).toBe(1);
    expect(r.probabilityBGreater).toBeCloseTo(87 / 110, 12);
    // Swapping the samples mirrors U and keeps p.
    const s = mannWhitneyU(b, a)!;
    expect(s.u).toBe(110 - 87);
    expect(s.pValue).toBeCloseTo(r.pValue, 12);
    expect(s.sign).toBe(-1);
  });

  it("small samples without ties use the exact distribution (scipy method='exact')", () => {
    // scipy.stats.mannwhitneyu([6.3,5.1,7.7,4.9,8.2,6.6], [3.1,4.7,2.2,5.9,3.8], method="exact")
    // → statistic 28.0, pvalue 0.017316017316017316
    const r = mannWhitneyU([3.1, 4.7, 2.2, 5.9, 3.8], [6.3, 5.1, 7.7, 4.9, 8.2, 6.6])!;
    expect(r.exact).toBe(true);
    expect(r.u).toBe(28);
    expect(r.pValue).toBeCloseTo(0.017316017316017316, 10);
    // Unbalanced: 3 against 10. scipy → statistic 22.0, pvalue 0.2867132867132867
    const s = mannWhitneyU([1.0, 2.5, 3.1], [2.0, 2.6, 4.0, 5.5, 0.5, 3.3, 7.0, 1.2, 9.9, 10.1])!;
    expect(s.exact).toBe(true);
    expect(s.u).toBe(22);
    expect(s.pValue).toBeCloseTo(0.2867132867132867, 10);
  });

  it("all values equal: p = 1; an empty sample: undefined", () => {
    expect(mannWhitneyU([5, 5, 5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5, 5, 5])!.pValue).toBe(1);
    expect(mannWhitneyU([], [1, 2])).toBeUndefined();
    expect(mannWhitneyU([NaN], [1, 2])).toBeUndefined();
  });
});

describe("Wilcoxon signed-rank", () => {
  it("normal approximation with ties and a zero difference matches scipy (approx, correction)", () => {
    const a = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145, 110, 130];
    const b = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135, 122, 145];
    // d = b − a = [15, −7, 5, 20, 0, −9, 17, −12, 5, −10, 12, 15]
    // scipy.stats.wilcoxon(d, zero_method="wilcox", correction=True, method="approx")
    // → statistic (min of W+, W−) 18.5, pvalue 0.21254386108675716
    const r = wilcoxonSignedRank(a, b)!;
    expect(r.zeros).toBe(1);
    expect(r.n).toBe(11);
    expect(Math.min(r.wPlus, r.wMinus)).toBe(18.5);
    expect(r.wPlus).toBe(66 - 18.5);
    expect(r.pValue).toBeCloseTo(0.21254386108675716, 6);
    expect(r.sign).toBe(1);
  });

  it("small samples without ties use the exact distribution (scipy method='exact')", () => {
    // scipy.stats.wilcoxon(b − a, method="exact") → statistic 1.0, pvalue 0.03125
    const a = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55];
    const b = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06];
    const r = wilcoxonSignedRank(a, b)!;
    expect(r.exact).toBe(true);
    expect(r.wPlus).toBe(1);
    expect(r.pValue).toBeCloseTo(0.03125, 12);
    expect(r.sign).toBe(-1);
  });

  it("every difference zero: p = 1; lengths must match", () => {
    expect(wilcoxonSignedRank([1, 2, 3], [1, 2, 3])!.pValue).toBe(1);
    expect(() => wilcoxonSignedRank([1, 2], [1])).toThrow(RangeError);
    expect(wilcoxonSignedRank([NaN], [1])).toBeUndefined();
  });
});

describe("proportions", () => {
  it("Wilson intervals match scipy binomtest(...).proportion_ci(method='wilson')", () => {
    const cases: [number, number, number, number][] = [
      [95, 100, 0.8882495307680809, 0.978456320845632],
      [88, 100, 0.8018790057328857, 0.9300059356298052],
      [0, 20, 0, 0.16112515805281935],
      [20, 20, 0.8388748419471808, 1],
    ];
    for (const [x, n, lo, hi] of cases) {
      const w = wilsonInterval(x, n);
      expect(w.lower).toBeCloseTo(lo, 6);
      expect(w.upper).toBeCloseTo(hi, 6);
    }
  });

  it("Newcombe's hybrid score interval reproduces his 1998 example (56/70 vs 48/80: 0.0524 to 0.3339)", () => {
    // Newcombe (1998), Statistics in Medicine 17:873, method 10; our B − A is his p2 − p1.
    const ci = newcombeInterval(56, 70, 48, 80);
    expect(ci.lower).toBeCloseTo(-0.3338726540369059, 6);
    expect(ci.upper).toBeCloseTo(-0.052431472402364815, 6);
  });

  it("compareProportions: Newcombe, Katz (scipy relative_risk) and the pooled z test", () => {
    const r = compareProportions(95, 100, 88, 100, { direction: "higher" });
    expect(r.change).toBeCloseTo(-0.07, 12);
    // Newcombe from scipy's Wilson ends: [−0.153142359488723, 0.00945888275438063]
    expect(r.ci.lower).toBeCloseTo(-0.153142359488723, 6);
    expect(r.ci.upper).toBeCloseTo(0.00945888275438063, 6);
    // scipy.stats.contingency.relative_risk(88, 100, 95, 100): 0.9263157894736842, CI [0.8506566246865909, 1.0087042373230115]
    expect(r.relative).toBeCloseTo(0.9263157894736842 - 1, 12);
    expect(r.relativeCi!.lower).toBeCloseTo(0.8506566246865909 - 1, 6);
    expect(r.relativeCi!.upper).toBeCloseTo(1.0087042373230115 - 1, 6);
    // z = −1.7748556290633888, p = 2·norm.sf(|z|) = 0.07592172826901929
    expect(r.z).toBeCloseTo(-1.7748556290633888, 9);
    expect(r.pValue).toBeCloseTo(0.07592172826901929, 6);
    expect(r.significant).toBe(false);
    expect(r.word).toBe(NO_DIFFERENCE);
    const worse = compareProportions(99, 100, 80, 100, { direction: "higher" });
    expect(worse.significant).toBe(true);
    expect(worse.word).toBe("worse");
    // Both at 100 %: nothing to test.
    const same = compareProportions(50, 50, 30, 30);
    expect(same.pValue).toBe(1);
    expect(same.word).toBe(NO_DIFFERENCE);
    expect(katzRelativeInterval(0, 10, 3, 10)).toBeUndefined();
  });
});

describe("compareEstimates (two estimates with their intervals)", () => {
  it("normal approximation from the intervals' widths", () => {
    // se = width / (2·norm.ppf(0.975)); z = 3.826186857897524, p = 0.00013014351682579076,
    // CI [0.12193751525134297, 0.378062484748657]
    const r = compareEstimates(
      { estimate: 0.1, lower: 0.02, upper: 0.18, confidence: 0.95 },
      { estimate: 0.35, lower: 0.25, upper: 0.45, confidence: 0.95 },
      { direction: "lower" },
    )!;
    expect(r.z).toBeCloseTo(3.826186857897524, 6);
    expect(r.pValue).toBeCloseTo(0.00013014351682579076, 8);
    expect(r.ci.lower).toBeCloseTo(0.12193751525134297, 6);
    expect(r.ci.upper).toBeCloseTo(0.378062484748657, 6);
    expect(r.word).toBe("worse");
  });
});

describe("bootstrap of the change", () => {
  it("estimates are numpy's median / mean / percentile of each sample", () => {
    const a = [1, 2, 3, 4, 10];
    const b = [2, 4, 6, 8, 20, 30];
    const [p50, mean, p90] = bootstrapChange(a, b, ["p50", "mean", "p90"], { iterations: 50 });
    // np.median(a) = 3, np.median(b) = 7; means 4 and 11.666…; np.percentile(b, 90) = 25, np.percentile(a, 90) = 7.6
    expect(p50).toMatchObject({ a: 3, b: 7, change: 4 });
    expect(p50!.relative).toBeCloseTo(4 / 3, 12);
    expect(mean!.change).toBeCloseTo(70 / 6 - 4, 12);
    expect(p90!.a).toBeCloseTo(7.6, 12);
    expect(p90!.b).toBeCloseTo(25, 12);
  });

  it("reads each resample's statistics from counts exactly as sorting the resample would", () => {
    // The same draws, resampled and sorted the plain way (numpy's linear percentiles).
    const xs = [5, 1, 4, 4, 9, 2, 7];
    const ys = [3, 8, 8, 1, 6, 2];
    const stats = ["p50", "p90", "mean", "p0", "p100", "p37.5"];
    const got = bootstrapChange(xs, ys, stats, { iterations: 500, seed: 9 });
    const rand = mulberry32(9);
    const diffs: number[][] = stats.map(() => []);
    for (let it = 0; it < 500; it++) {
      const ra = xs.map(() => xs[Math.floor(rand() * xs.length)]!).sort((p, q) => p - q);
      const rb = ys.map(() => ys[Math.floor(rand() * ys.length)]!).sort((p, q) => p - q);
      stats.forEach((st, k) => {
        const f = (v: number[]) => (st === "mean" ? v.reduce((x, y) => x + y, 0) / v.length : percentile(v, Number(st.slice(1)))!);
        diffs[k]!.push(f(rb) - f(ra));
      });
    }
    stats.forEach((_, k) => {
      const d = diffs[k]!.sort((p, q) => p - q);
      expect(got[k]!.ci!.lower).toBeCloseTo(percentile(d, 2.5)!, 9);
      expect(got[k]!.ci!.upper).toBeCloseTo(percentile(d, 97.5)!, 9);
    });
  });

  it("is deterministic for a seed and differs with another", () => {
    const a = normals(40, 100, 10, 1);
    const b = normals(40, 105, 10, 2);
    const x = bootstrapChange(a, b, ["p50"], { seed: 7 });
    const y = bootstrapChange(a, b, ["p50"], { seed: 7 });
    const z = bootstrapChange(a, b, ["p50"], { seed: 8 });
    expect(x).toEqual(y);
    expect(x[0]!.ci).not.toEqual(z[0]!.ci);
  });

  it("paired resampling cancels what the pairs share: a constant shift has a zero-width interval", () => {
    // Values spread widely (as turns of a growing conversation) but B is A + 5 each time.
    const a = Array.from({ length: 30 }, (_, i) => 100 + i * 37);
    const b = a.map((x) => x + 5);
    const [mean] = bootstrapChange(a, b, ["mean"], { paired: true });
    expect(mean!.ci!.lower).toBeCloseTo(5, 9);
    expect(mean!.ci!.upper).toBeCloseTo(5, 9);
    const [unpaired] = bootstrapChange(a, b, ["mean"]);
    expect(unpaired!.ci!.lower).toBeLessThan(0);
    expect(unpaired!.ci!.upper).toBeGreaterThan(10);
  });

  it("unpaired interval of a difference of means is close to the normal theory one", () => {
    // Two N(100, 10²) and N(110, 10²) samples of 200: the 95 % interval of the difference has
    // a half-width of about 1.96·√(2·10²/200) = 1.96.
    const a = normals(200, 100, 10, 11);
    const b = normals(200, 110, 10, 12);
    const [mean] = bootstrapChange(a, b, ["mean"], { iterations: 4000 });
    const half = (mean!.ci!.upper - mean!.ci!.lower) / 2;
    expect(half).toBeGreaterThan(1.6);
    expect(half).toBeLessThan(2.4);
    expect(mean!.ci!.lower).toBeLessThan(mean!.change);
    expect(mean!.ci!.upper).toBeGreaterThan(mean!.change);
  });

  it("the interval holds the estimate (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 2, maxLength: 30 }),
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 2, maxLength: 30 }),
        (a, b) => {
          const [m] = bootstrapChange(a, b, ["mean"], { iterations: 200 });
          return m!.ci!.lower <= m!.ci!.upper && m!.ci!.lower <= m!.change + 1e-9 * Math.abs(m!.change) + 1e-9;
        },
      ),
      { numRuns: 50 },
    );
  });

  it("statistic names", () => {
    expect(parseStatistic("mean")).toBe("mean");
    expect(parseStatistic("median")).toBe(50);
    expect(parseStatistic("p99.9")).toBe(99.9);
    expect(parseStatistic("p101")).toBeUndefined();
    expect(parseStatistic("std")).toBeUndefined();
    expect(() => bootstrapChange([1], [2], ["std"])).toThrow(RangeError);
  });
});

describe("compareSamples", () => {
  it("a real shift is significant, and named by direction", () => {
    const a = normals(60, 100, 10, 21);
    const b = normals(60, 120, 10, 22);
    const r = compareSamples(a, b, { direction: "lower", timing: true, statistics: ["p50", "mean", "p90"] })!;
    expect(r.test.test).toBe("mann-whitney");
    expect(r.test.pValue).toBeLessThan(1e-6);
    for (const s of r.statistics) {
      expect(s.significant).toBe(true);
      expect(s.word).toBe("slower");
      expect(s.ci!.lower).toBeGreaterThan(0);
    }
    const back = compareSamples(b, a, { direction: "lower", timing: true })!;
    expect(back.statistics.every((s) => s.word === "faster")).toBe(true);
    const tps = compareSamples(a, b, { direction: "higher" })!;
    expect(tps.statistics[0]!.word).toBe("better");
  });

  it("two samples of one distribution: no difference beyond noise", () => {
    const a = normals(80, 100, 10, 31);
    const b = normals(80, 100, 10, 32);
    const r = compareSamples(a, b, { direction: "lower", timing: true })!;
    expect(r.statistics.map((s) => s.word)).toEqual([NO_DIFFERENCE, NO_DIFFERENCE]);
  });

  it("paired: a small shift hidden by the spread between pairs is found by the signed-rank test", () => {
    // Turn-to-turn spread (100 … 1200 ms) dwarfs a 3 % slowdown; pairing removes it.
    const noise = normals(40, 0, 2, 41);
    const a = Array.from({ length: 40 }, (_, i) => 100 + i * 28);
    const b = a.map((x, i) => x * 1.03 + (noise[i] as number));
    const unpaired = compareSamples(a, b, { direction: "lower", timing: true })!;
    expect(unpaired.statistics[0]!.word).toBe(NO_DIFFERENCE);
    const paired = compareSamples(a, b, { paired: true, direction: "lower", timing: true })!;
    expect(paired.test.test).toBe("wilcoxon");
    expect(paired.statistics[0]!.word).toBe("slower");
    expect(paired.statistics[0]!.relative).toBeGreaterThan(0.02);
    expect(paired.statistics[0]!.relativeCi!.lower).toBeGreaterThan(0);
  });

  it("fewer than two values on a side: undefined", () => {
    expect(compareSamples([1], [1, 2, 3])).toBeUndefined();
    expect(compareSamples([1, 2], [3, NaN], { paired: true })).toBeUndefined();
    expect(() => compareSamples([1, 2], [1], { paired: true })).toThrow(RangeError);
    expect(() => compareSamples([1, 2], [1, 2], { alpha: 1 })).toThrow(RangeError);
  });
});

describe("words and seeds", () => {
  it("changeWord", () => {
    expect(changeWord("lower", 1, true, true)).toBe("slower");
    expect(changeWord("lower", -1, true, true)).toBe("faster");
    expect(changeWord("lower", 1, true)).toBe("worse");
    expect(changeWord("higher", 1, true)).toBe("better");
    expect(changeWord("higher", -1, true)).toBe("worse");
    expect(changeWord("neutral", 1, true)).toBe("higher");
    expect(changeWord("lower", 1, false, true)).toBe(NO_DIFFERENCE);
  });

  it("deriveSeed depends on the label and the seed", () => {
    expect(deriveSeed(1, "ttft")).toBe(deriveSeed(1, "ttft"));
    expect(deriveSeed(1, "ttft")).not.toBe(deriveSeed(1, "e2e"));
    expect(deriveSeed(1, "ttft")).not.toBe(deriveSeed(2, "ttft"));
  });
});
