import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defaultWindows, degradation, windowDegradation, windowMeans } from "../../../src/metrics/index.js";

describe("defaultWindows", () => {
  it("splits 15 turns as the seed report did", () => {
    expect(defaultWindows(15)).toEqual([
      [1, 5],
      [6, 10],
      [11, 15],
    ]);
  });
  it("keeps first and last windows the same size, the remainder in the middle", () => {
    expect(defaultWindows(16)).toEqual([
      [1, 5],
      [6, 11],
      [12, 16],
    ]);
    expect(defaultWindows(20)).toEqual([
      [1, 6],
      [7, 14],
      [15, 20],
    ]);
    expect(defaultWindows(4)).toEqual([
      [1, 1],
      [2, 3],
      [4, 4],
    ]);
    expect(defaultWindows(3)).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
  it("handles 2, 1 and 0 turns", () => {
    expect(defaultWindows(2)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(defaultWindows(1)).toEqual([[1, 1]]);
    expect(defaultWindows(0)).toEqual([]);
    expect(defaultWindows(-3)).toEqual([]);
  });
  it("covers every turn exactly once, in order, for any length", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), (turns) => {
        const ws = defaultWindows(turns);
        const covered: number[] = [];
        for (const [a, b] of ws) {
          expect(a).toBeLessThanOrEqual(b);
          for (let t = a; t <= b; t++) covered.push(t);
        }
        expect(covered).toEqual(Array.from({ length: turns }, (_, i) => i + 1));
        if (ws.length === 3) {
          const size = ([a, b]: [number, number]): number => b - a + 1;
          expect(size(ws[0] as [number, number])).toBe(size(ws[2] as [number, number]));
        }
      }),
    );
  });
});

describe("windowMeans", () => {
  it("pools sessions per window", () => {
    const points = [
      // session 1
      { turn: 1, value: 100 },
      { turn: 2, value: 110 },
      { turn: 3, value: 200 },
      { turn: 4, value: 210 },
      // session 2
      { turn: 1, value: 120 },
      { turn: 2, value: 130 },
      { turn: 3, value: 220 },
      { turn: 4, value: 230 },
    ];
    const wm = windowMeans(points, [
      [1, 2],
      [3, 4],
    ]);
    expect(wm[0]).toMatchObject({ window: [1, 2], n: 4, mean: 115 });
    expect(wm[1]).toMatchObject({ window: [3, 4], n: 4, mean: 215 });
    // sample std of 100,110,120,130
    expect(wm[0]?.std).toBeCloseTo(Math.sqrt(500 / 3), 10);
  });
  it("tolerates missing turns and empty windows", () => {
    const points = [
      { turn: 1, value: 10 },
      { turn: 2, value: Number.NaN }, // a failed turn
      { turn: 5, value: 30 },
    ];
    const wm = windowMeans(points, [
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(wm[0]).toEqual({ window: [1, 2], n: 1, mean: 10, std: 0 });
    expect(wm[1]).toEqual({ window: [3, 4], n: 0 });
    expect(wm[2]).toEqual({ window: [5, 6], n: 1, mean: 30, std: 0 });
  });
});

describe("degradation", () => {
  it("is positive when the last window is slower", () => {
    expect(degradation(1000, 1200)).toBeCloseTo(0.2, 12);
  });
  it("is negative when the last window is faster (seed iteration 1: −4.7 %)", () => {
    // seed report iteration 1: 3639.09 ms → 3469.66 ms
    const d = degradation(3639.09, 3469.66) as number;
    expect(d).toBeLessThan(0);
    expect(d).toBeCloseTo(3469.66 / 3639.09 - 1, 12);
  });
  it("is zero for equal means", () => {
    expect(degradation(500, 500)).toBe(0);
  });
  it("is undefined for missing or non-positive first means", () => {
    expect(degradation(undefined, 10)).toBeUndefined();
    expect(degradation(10, undefined)).toBeUndefined();
    expect(degradation(0, 10)).toBeUndefined();
    expect(degradation(-5, 10)).toBeUndefined();
    expect(degradation(Number.NaN, 10)).toBeUndefined();
    expect(degradation(10, Number.POSITIVE_INFINITY)).toBeUndefined();
  });
  it("has the sign of last − first", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (a, b) => {
        const d = degradation(a, b) as number;
        expect(Math.sign(d) === Math.sign(b - a) || Math.abs(d) < 1e-12).toBe(true);
      }),
    );
  });
});

describe("windowDegradation", () => {
  it("compares the first and last windows", () => {
    const wm = windowMeans(
      [
        { turn: 1, value: 100 },
        { turn: 2, value: 500 },
        { turn: 3, value: 90 },
      ],
      defaultWindows(3),
    );
    expect(windowDegradation(wm)).toBeCloseTo(-0.1, 12);
  });
  it("is undefined with one window or an empty end window", () => {
    expect(windowDegradation(windowMeans([{ turn: 1, value: 1 }], defaultWindows(1)))).toBeUndefined();
    expect(
      windowDegradation(
        windowMeans([{ turn: 1, value: 1 }], [
          [1, 1],
          [2, 2],
        ]),
      ),
    ).toBeUndefined();
  });
});
