import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { growthExplainedByPrompt, linearFit, mulberry32 } from "../../../src/metrics/index.js";

describe("linearFit", () => {
  it("recovers an exact line", () => {
    const xs = [0, 1, 2, 3, 4];
    const fit = linearFit(
      xs,
      xs.map((x) => 3 * x + 7),
    );
    expect(fit?.slope).toBeCloseTo(3, 12);
    expect(fit?.intercept).toBeCloseTo(7, 12);
    expect(fit?.r2).toBeCloseTo(1, 12);
    expect(fit?.n).toBe(5);
  });
  it("matches a hand-computed fit with noise", () => {
    // x = 1..5, y = 2, 4, 5, 4, 5: slope 0.6, intercept 2.2, r² = 0.6
    const fit = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    expect(fit?.slope).toBeCloseTo(0.6, 12);
    expect(fit?.intercept).toBeCloseTo(2.2, 12);
    expect(fit?.r2).toBeCloseTo(0.6, 12);
  });
  it("stays accurate with large x (prompt tokens in the 100 000s)", () => {
    const xs = Array.from({ length: 50 }, (_, i) => 100_000 + 37 * i);
    const fit = linearFit(
      xs,
      xs.map((x) => 0.05 * x + 200),
    );
    expect(fit?.slope).toBeCloseTo(0.05, 9);
    expect(fit?.intercept).toBeCloseTo(200, 4);
  });
  it("gives r² = 1 and slope 0 for constant y", () => {
    const fit = linearFit([1, 2, 3], [5, 5, 5]);
    expect(fit?.slope).toBe(0);
    expect(fit?.r2).toBe(1);
  });
  it("refuses fewer than 3 points and a constant x", () => {
    expect(linearFit([1, 2], [1, 2])).toBeUndefined();
    expect(linearFit([4, 4, 4, 4], [1, 2, 3, 4])).toBeUndefined();
    expect(linearFit([1, 2, Number.NaN], [1, 2, 3])).toBeUndefined();
  });
  it("throws on mismatched lengths", () => {
    expect(() => linearFit([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
  it("recovers a known slope within noise (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -1000, max: 1000, noNaN: true }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (slope, intercept, seed) => {
          const rand = mulberry32(seed);
          const xs = Array.from({ length: 200 }, (_, i) => i);
          const ys = xs.map((x) => slope * x + intercept + (rand() - 0.5));
          const fit = linearFit(xs, ys);
          expect(fit).toBeDefined();
          expect(Math.abs((fit?.slope ?? Number.NaN) - slope)).toBeLessThan(0.01);
          expect(fit?.r2).toBeGreaterThanOrEqual(0);
          expect(fit?.r2).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });
});

/** Three sessions of 15 turns; prompt grows 300 tokens a turn. */
function conversation(ttft: (prompt: number, turn: number) => number) {
  const pts = [];
  for (let s = 0; s < 3; s++) {
    for (let turn = 1; turn <= 15; turn++) {
      const promptTokens = 200 + 300 * (turn - 1) + 10 * s;
      pts.push({ turn, promptTokens, ttftMs: ttft(promptTokens, turn) });
    }
  }
  return pts;
}

describe("growthExplainedByPrompt", () => {
  it("attributes all growth to the prompt when TTFT is linear in prompt tokens", () => {
    const g = growthExplainedByPrompt(conversation((p) => 150 + 0.04 * p));
    expect(g?.slopeMsPer1k).toBeCloseTo(40, 9);
    expect(g?.interceptMs).toBeCloseTo(150, 6);
    expect(g?.r2).toBeCloseTo(1, 12);
    expect(g?.n).toBe(45);
    expect(g?.firstWindow).toEqual([1, 5]);
    expect(g?.lastWindow).toEqual([11, 15]);
    expect(g?.deltaPromptTokens).toBeCloseTo(3000, 9);
    expect(g?.deltaTtftMs).toBeCloseTo(120, 9);
    expect(g?.predictedDeltaTtftMs).toBeCloseTo(120, 9);
    expect(g?.explainedShare).toBeCloseTo(1, 9);
  });

  it("attributes part of the growth when TTFT also grows per turn", () => {
    // A step of +600 ms on the last window that the prompt does not explain: the fitted slope
    // absorbs part of it, so the share lands strictly between 0 and 1.
    const pts = conversation((p, turn) => 100 + 0.04 * p + (turn >= 11 ? 600 : 0));
    const g = growthExplainedByPrompt(pts);
    expect(g).toBeDefined();
    const share = g?.explainedShare as number;
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1);
    expect(share).toBeCloseTo((g?.predictedDeltaTtftMs as number) / (g?.deltaTtftMs as number), 12);
  });

  it("gives share 0 (raw negative) when TTFT fell while the prompt grew", () => {
    // Turns 11-15 make the fitted slope positive; between the compared windows (1-5 and
    // 6-10) the prompt grew but TTFT fell by 50 ms.
    const pts = conversation((p, turn) => (turn <= 5 ? 1000 : turn <= 10 ? 950 : 100 + 0.5 * p));
    const g = growthExplainedByPrompt(pts, [
      [1, 5],
      [6, 10],
    ]);
    expect(g?.slopeMsPer1k).toBeGreaterThan(0);
    expect(g?.deltaTtftMs).toBeLessThan(0);
    expect(g?.rawExplainedShare).toBeLessThan(0);
    expect(g?.explainedShare).toBe(0);
  });

  it("has no share when TTFT did not change", () => {
    const pts = conversation((_p, turn) => (turn % 2 === 0 ? 1000 : 1002));
    const g = growthExplainedByPrompt(pts);
    expect(g?.deltaTtftMs).toBeDefined();
    expect(Math.abs(g?.deltaTtftMs as number)).toBeLessThan(10);
    expect(g?.explainedShare).toBeUndefined();
    expect(g?.rawExplainedShare).toBeUndefined();
  });

  it("uses the windows it is given", () => {
    const g = growthExplainedByPrompt(
      conversation((p) => 0.04 * p),
      [
        [1, 3],
        [13, 15],
      ],
    );
    expect(g?.firstWindow).toEqual([1, 3]);
    expect(g?.deltaPromptTokens).toBeCloseTo(3600, 9);
    expect(g?.explainedShare).toBeCloseTo(1, 9);
  });

  it("returns the fit only with a single window, and nothing without a fit", () => {
    const one = growthExplainedByPrompt(conversation((p) => 0.04 * p), [[1, 15]]);
    expect(one?.slopeMsPer1k).toBeCloseTo(40, 9);
    expect(one?.explainedShare).toBeUndefined();
    expect(growthExplainedByPrompt([{ turn: 1, promptTokens: 10, ttftMs: 5 }])).toBeUndefined();
  });
});
