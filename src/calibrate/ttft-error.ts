/**
 * How much of a measured TTFT is the client's own: the client's TTFT minus the instant the
 * server wrote the first token (ground truth the simulator reports through
 * `onFirstTokenWritten`). Both sides are high-resolution epoch times
 * (performance.timeOrigin + performance.now()), comparable across threads and processes of
 * one machine. Pure: used by `shakedown calibrate`, the pre-run calibration of load runs and
 * bench/load.ts.
 */
import { deriveRequestMetrics } from "../metrics/request.js";
import type { ChatResult } from "../client/types.js";

/** A response id → when its first token was written (epoch ms, high resolution). */
export type FirstTokenTruth = ReadonlyMap<string, number>;

/**
 * The epoch time (ms) at which the client saw the first token, for a result measured in a
 * thread whose performance.timeOrigin is `timeOrigin` (default this thread's).
 */
export function clientFirstTokenEpochMs(result: ChatResult, timeOrigin = performance.timeOrigin): number | undefined {
  const ttft = deriveRequestMetrics(result).ttftMs;
  return ttft === undefined ? undefined : timeOrigin + result.sentPerfMs + ttft;
}

/**
 * Client-added TTFT of each successful streamed result whose response id has a ground-truth
 * entry: client first-token time − server first-token write time (ms; ≥ 0 up to clock noise).
 */
export function clientAddedTtftMs(results: Iterable<ChatResult>, truth: FirstTokenTruth, timeOrigin = performance.timeOrigin): number[] {
  const out: number[] = [];
  for (const r of results) {
    if (!r.ok || r.responseId === undefined) continue;
    const written = truth.get(r.responseId);
    const seen = clientFirstTokenEpochMs(r, timeOrigin);
    if (written === undefined || seen === undefined) continue;
    out.push(seen - written);
  }
  return out;
}
