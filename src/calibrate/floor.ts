/**
 * A calibration read against a stage: the client-added TTFT floor at any concurrency, from
 * the levels calibrated. Pure (no I/O): the load analysis uses it on a finished run folder.
 */
import type { Summary } from "../metrics/index.js";
import type { Calibration, CalibrationLevel } from "./index.js";

/** The levels of a calibration: its `levels`, or (a run folder from before levels) its one level. */
export function calibrationLevels(cal: Calibration): CalibrationLevel[] {
  return cal.levels ?? [{ concurrency: cal.concurrency, ...(cal.clientAddedTtftMs ? { clientAddedTtftMs: cal.clientAddedTtftMs } : {}), failed: cal.failed }];
}

/**
 * The client-added TTFT floor at `concurrency`, from the calibrated levels: the level itself,
 * a linear interpolation (in the number in flight) between the two levels around it, or,
 * outside the calibrated range, the nearest level — `basis` says which: "below" (the nearest
 * level is higher: an upper bound, the floor grows with the streams) or "above" (a lower bound).
 */
export interface FloorEstimate {
  concurrency: number;
  p50: number;
  p99: number;
  basis: "measured" | "interpolated" | "below" | "above";
  /** The levels the figure comes from (one or two). */
  from: number[];
  /** Samples of those levels. */
  n: number;
}

export function floorAt(cal: Calibration, concurrency: number): FloorEstimate | undefined {
  const levels = calibrationLevels(cal).filter((l): l is CalibrationLevel & { clientAddedTtftMs: Summary } => l.clientAddedTtftMs !== undefined);
  if (levels.length === 0 || !(concurrency > 0)) return undefined;
  const first = levels[0]!;
  const last = levels[levels.length - 1]!;
  const one = (l: (typeof levels)[number], basis: FloorEstimate["basis"]): FloorEstimate => ({
    concurrency,
    p50: l.clientAddedTtftMs.p50,
    p99: l.clientAddedTtftMs.p99,
    basis,
    from: [l.concurrency],
    n: l.clientAddedTtftMs.n,
  });
  const exact = levels.find((l) => Math.abs(l.concurrency - concurrency) < 1e-9);
  if (exact) return one(exact, "measured");
  if (concurrency < first.concurrency) return one(first, "below");
  if (concurrency > last.concurrency) return one(last, "above");
  const hi = levels.findIndex((l) => l.concurrency > concurrency);
  const a = levels[hi - 1]!;
  const b = levels[hi]!;
  const w = (concurrency - a.concurrency) / (b.concurrency - a.concurrency);
  const lerp = (x: number, y: number) => x + (y - x) * w;
  return {
    concurrency,
    p50: lerp(a.clientAddedTtftMs.p50, b.clientAddedTtftMs.p50),
    p99: lerp(a.clientAddedTtftMs.p99, b.clientAddedTtftMs.p99),
    basis: "interpolated",
    from: [a.concurrency, b.concurrency],
    n: a.clientAddedTtftMs.n + b.clientAddedTtftMs.n,
  };
}
