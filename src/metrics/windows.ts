/**
 * Turn windows and degradation: how a figure (TTFT, mostly) moves as a conversation grows.
 *
 * A window is [first turn, last turn], 1-based and inclusive, as in the seed report's
 * "turns 1-5, 6-10, 11-15". Degradation compares the last window's mean with the first's,
 * with a fixed sign: positive means slower later.
 */
import { sampleStandardDeviation } from "simple-statistics";
import { finiteValues, meanOf } from "./summary.js";

export type TurnWindow = [number, number];

export interface TurnPoint {
  /** 1-based turn number within its session. */
  turn: number;
  value: number;
}

export interface WindowMean {
  window: TurnWindow;
  /** Points that fell in the window (all sessions pooled); 0 when the window is empty. */
  n: number;
  /** Mean of those points; absent when n = 0. */
  mean?: number;
  /** Sample standard deviation (n − 1); 0 when n = 1; absent when n = 0. */
  std?: number;
}

/**
 * Mean (and spread) of the points falling in each window. Points of several sessions are
 * pooled: with 3 sessions and a 5-turn window, n = 15 when every turn succeeded. Missing
 * turns (failed requests, turns a session never reached) simply lower n; non-finite values
 * are dropped. A point whose turn lies in several overlapping windows counts in each.
 */
export function windowMeans(points: readonly TurnPoint[], windows: readonly TurnWindow[]): WindowMean[] {
  return windows.map((w) => {
    const [lo, hi] = w;
    const xs = finiteValues(points.filter((p) => p.turn >= lo && p.turn <= hi).map((p) => p.value));
    const out: WindowMean = { window: [lo, hi], n: xs.length };
    if (xs.length > 0) {
      out.mean = meanOf(xs) as number;
      out.std = xs.length > 1 ? sampleStandardDeviation(xs) : 0;
    }
    return out;
  });
}

/**
 * Default windows for a conversation of `turns` turns: thirds, with the first and last
 * windows the same size k = ⌊turns/3⌋ and the remainder in the middle one, so degradation
 * always compares like with like:
 *   15 → [1,5] [6,10] [11,15];  16 → [1,5] [6,11] [12,16];  20 → [1,6] [7,14] [15,20];
 *   3 → [1,1] [2,2] [3,3];  4 → [1,1] [2,3] [4,4];  5 → [1,1] [2,4] [5,5].
 * Fewer than 3 turns: 2 → [1,1] [2,2] (degradation = turn 2 vs turn 1); 1 → [1,1] (a single
 * window: no degradation); 0 or less → [].
 */
export function defaultWindows(turns: number): TurnWindow[] {
  const n = Math.floor(turns);
  if (!(n >= 1)) return [];
  if (n === 1) return [[1, 1]];
  if (n === 2) return [
    [1, 1],
    [2, 2],
  ];
  const k = Math.floor(n / 3);
  return [
    [1, k],
    [k + 1, n - k],
    [n - k + 1, n],
  ];
}

/**
 * Degradation = lastMean / firstMean − 1, a fraction (0.2 = 20 % slower). Positive means the
 * last window is slower (for latencies), negative that it is faster. The seed report printed
 * −13.7 % as "max 13.7 %"; here the sign is part of the figure. Undefined when either mean is
 * missing or not finite, or when firstMean ≤ 0 (no meaningful ratio).
 */
export function degradation(firstMean: number | undefined, lastMean: number | undefined): number | undefined {
  if (firstMean === undefined || lastMean === undefined) return undefined;
  if (!Number.isFinite(firstMean) || !Number.isFinite(lastMean) || firstMean <= 0) return undefined;
  return lastMean / firstMean - 1;
}

/**
 * Degradation between the first and the last of several window means; undefined with fewer
 * than 2 windows (one window cannot degrade against itself) or when either is empty.
 */
export function windowDegradation(means: readonly WindowMean[]): number | undefined {
  if (means.length < 2) return undefined;
  return degradation(means[0]?.mean, means[means.length - 1]?.mean);
}
