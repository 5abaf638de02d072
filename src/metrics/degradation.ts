/**
 * Degradation judged against noise. A relative threshold ("degradation.ttft_max < 20%") on a
 * 40 ms TTFT is breached by an 8 ms wobble; before a breach can fail a verdict, the evidence
 * must say the change is both real and large enough to matter:
 *
 * - real: the 95 % bootstrap interval of mean(last window) / mean(first window) − 1 lies wholly
 *   beyond the limit (seeded, so re-analysing a run folder gives the same interval);
 * - large enough: the change of the window means, in milliseconds, is at least a floor
 *   (default 25 ms: the event-loop delay p99 up to which shakedown counts its own client as
 *   healthy, so a smaller change may be the client's own lateness, not the server's).
 *
 * A breach under the floor passes ("within noise"); a breach over the floor whose interval
 * reaches back to the limit is inconclusive ("not distinguishable from noise"); only a breach
 * that clears both is a fail. docs/metrics.md ("Degradation against noise") states the rule.
 */
import { ratioCI, type BootstrapOptions } from "./bootstrap.js";
import { finiteValues, meanOf } from "./summary.js";
import { compare, type Threshold, type ThresholdOp, type Verdict, type VerdictStatus } from "./verdicts.js";
import { degradation } from "./windows.js";

/** The absolute change (ms) under which a breached degradation threshold passes as noise. */
export const DEFAULT_DEGRADATION_FLOOR_MS = 25;

/** What a degradation figure rests on: the estimate, its interval and the change in ms. */
export interface DegradationEvidence {
  /** mean(last) / mean(first) − 1 (positive: slower later). */
  estimate: number;
  /**
   * Percentile-bootstrap interval of the same figure (each window resampled on its own, 2 000
   * times, seeded); absent when a window has fewer than 2 values, which leave no spread to
   * resample.
   */
  ci?: { lower: number; upper: number; confidence: number };
  firstMeanMs: number;
  lastMeanMs: number;
  /** lastMeanMs − firstMeanMs. */
  deltaMs: number;
  /** Values in the first and the last window. */
  n: [number, number];
}

/** Degradation of `last` against `first` (values in ms, e.g. TTFTs of the two end windows) with its evidence. */
export function degradationEvidence(
  first: readonly number[],
  last: readonly number[],
  opts: BootstrapOptions = {},
): DegradationEvidence | undefined {
  const a = finiteValues(first);
  const b = finiteValues(last);
  const firstMean = meanOf(a);
  const lastMean = meanOf(b);
  const estimate = degradation(firstMean, lastMean);
  if (estimate === undefined || firstMean === undefined || lastMean === undefined) return undefined;
  const ev: DegradationEvidence = {
    estimate,
    firstMeanMs: firstMean,
    lastMeanMs: lastMean,
    deltaMs: lastMean - firstMean,
    n: [a.length, b.length],
  };
  if (a.length >= 2 && b.length >= 2) {
    const ci = ratioCI(b, a, opts);
    if (ci) ev.ci = { lower: ci.lower - 1, upper: ci.upper - 1, confidence: ci.confidence };
  }
  return ev;
}

/**
 * How a degradation figure stands against a threshold:
 * - `holds`: the estimate meets the threshold;
 * - `under_floor`: it breaches it, but the change is smaller than the floor (a pass, within noise);
 * - `noise`: it breaches it by more than the floor, but the interval reaches back to the limit,
 *   or there is no interval (inconclusive);
 * - `beyond_noise`: the whole interval breaches it and the change clears the floor (a fail).
 */
export type DegradationCall = "holds" | "under_floor" | "noise" | "beyond_noise";

export function callDegradation(op: ThresholdOp, limit: number, ev: DegradationEvidence, floorMs: number): DegradationCall {
  if (compare(ev.estimate, op, limit)) return "holds";
  if (Math.abs(ev.deltaMs) < floorMs) return "under_floor";
  if (!ev.ci) return "noise";
  // The end of the interval nearest to meeting the threshold must breach it too.
  const nearest = op === "<" || op === "<=" ? ev.ci.lower : ev.ci.upper;
  return compare(nearest, op, limit) ? "noise" : "beyond_noise";
}

const STATUS_OF: Record<DegradationCall, VerdictStatus> = {
  holds: "pass",
  under_floor: "pass",
  noise: "inconclusive",
  beyond_noise: "fail",
};

const RANK: Record<DegradationCall, number> = { holds: 0, under_floor: 1, noise: 2, beyond_noise: 3 };

function signedPct(x: number): string {
  const p = x * 100;
  return `${p >= 0 ? "+" : "−"}${Math.abs(p).toFixed(1)} %`;
}

function signedMs(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)} ms`;
}

/** "+20.4 % [CI +3.1…+41.0 %], +8.2 ms": the figure as the verdicts and reports quote it. */
export function describeEvidence(ev: DegradationEvidence): string {
  const ci = ev.ci ? ` [CI ${signedPct(ev.ci.lower).replace(/ %$/, "")}…${signedPct(ev.ci.upper)}]` : "";
  return `${signedPct(ev.estimate)}${ci}, ${signedMs(ev.deltaMs)}`;
}

function reasonFor(call: DegradationCall, ev: DegradationEvidence, op: ThresholdOp, limit: number, floorMs: number): string | undefined {
  const fig = describeEvidence(ev);
  switch (call) {
    case "holds":
      return undefined;
    case "under_floor":
      return `not distinguishable from noise (${fig}): the change is under the ${floorMs} ms floor`;
    case "noise":
      return ev.ci
        ? `not distinguishable from noise (${fig}): the ${Math.round(ev.ci.confidence * 100)} % interval does not clear ${signedPct(limit).replace(/^\+/, "")}`
        : `not distinguishable from noise (${fig}): one value in a window, no interval`;
    case "beyond_noise":
      return `beyond noise (${fig}): the whole interval is ${op === "<" || op === "<=" ? "above" : "below"} ${signedPct(limit).replace(/^\+/, "")} and the change exceeds the ${floorMs} ms floor`;
  }
}

/**
 * The verdict on a pooled degradation figure (degradation.ttft, degradation.e2e): not measured
 * without evidence; otherwise pass, inconclusive or fail by callDegradation, with the reason.
 */
export function degradationVerdict(th: Threshold, ev: DegradationEvidence | undefined, floorMs: number, n?: number): Verdict {
  const v: Verdict = { threshold: th.source, metric: th.metric, op: th.op, limit: th.value, status: "not_measured" };
  if (n !== undefined) v.n = n;
  if (!ev || !Number.isFinite(ev.estimate)) return v;
  v.value = ev.estimate;
  const call = callDegradation(th.op, th.value, ev, floorMs);
  v.status = STATUS_OF[call];
  const reason = reasonFor(call, ev, th.op, th.value, floorMs);
  if (reason) v.reason = reason;
  return v;
}

export interface SessionDegradation {
  /** How the report names the session ("session 3"). */
  label: string;
  evidence?: DegradationEvidence;
}

/**
 * The verdict on the worst session's degradation (degradation.ttft_max): every session is
 * called on its own evidence, and the verdict is the worst call (a session beyond noise fails
 * it; else one within noise but over the floor makes it inconclusive; else it passes). The
 * verdict's value is the figure of the session it was taken on (`decisive`): the session
 * with the worst call, and of those the largest estimate; with every session holding, the
 * largest estimate (= degradation.ttft_max).
 */
export function worstSessionVerdict(
  th: Threshold,
  sessions: readonly SessionDegradation[],
  floorMs: number,
): { verdict: Verdict; decisive?: number } {
  const v: Verdict = { threshold: th.source, metric: th.metric, op: th.op, limit: th.value, status: "not_measured" };
  let best: { i: number; call: DegradationCall; ev: DegradationEvidence } | undefined;
  let measured = 0;
  sessions.forEach((s, i) => {
    const ev = s.evidence;
    if (!ev || !Number.isFinite(ev.estimate)) return;
    measured++;
    const call = callDegradation(th.op, th.value, ev, floorMs);
    if (!best || RANK[call] > RANK[best.call] || (RANK[call] === RANK[best.call] && worse(th.op, ev.estimate, best.ev.estimate)))
      best = { i, call, ev };
  });
  v.n = measured;
  if (!best) return { verdict: v };
  const b: { i: number; call: DegradationCall; ev: DegradationEvidence } = best;
  v.value = b.ev.estimate;
  v.status = STATUS_OF[b.call];
  const reason = reasonFor(b.call, b.ev, th.op, th.value, floorMs);
  if (reason) v.reason = `${sessions[b.i]!.label}: ${reason}`;
  return { verdict: v, decisive: b.i };
}

/** True when `a` is further from meeting the threshold than `b` (larger for "<", smaller for ">"). */
function worse(op: ThresholdOp, a: number, b: number): boolean {
  return op === "<" || op === "<=" ? a > b : a < b;
}
