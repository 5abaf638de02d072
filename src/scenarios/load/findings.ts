/**
 * What a load stage's records say beyond its percentiles, as pure functions (docs/load.md
 * states each rule with its numbers):
 *
 * - `clientLimitFinding`: was the client the cause? Only its own lateness counts (a send
 *   that waited for an in-flight slot waited for the server), and only when it is both
 *   frequent beyond chance and large beside the latency measured.
 * - `saturationFinding`: did the server keep up with the arrivals? In open loop, requests
 *   that arrive faster than they end pile up; the count outstanding grows.
 * - `lengthFigures`: prompt and reply lengths asked against the server's counts.
 */
import { summarize } from "../../metrics/index.js";
import type { ServerSnapshot } from "../../monitor/types.js";

// ───────────────────────────── client-limited ─────────────────────────────

/** A client is the cause only when more than this share of its sends left late by its own doing (95 % confidence). */
export const CLIENT_LATE_SHARE = 0.05;
/** … and its own lag at p95 is at least this share of the stage's median latency (TTFT, else E2E). */
export const CLIENT_LAG_MATERIAL_SHARE = 0.1;
/** z of the one-sided bound on the late share (a 95 % Wilson interval's lower end). */
const Z = 1.96;

/** Lower end of the Wilson score interval of k successes in n trials (0 when n = 0). */
export function wilsonLowerBound(k: number, n: number, z = Z): number {
  if (n <= 0) return 0;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

export interface ClientLimitFinding {
  /** Measured sends, and those whose own lag (slot waits excluded) passed the limit. */
  sends: number;
  late: number;
  /** The late share's lower bound at 95 % confidence. */
  lateShareLow: number;
  /** The client's own lag at p95 (ms). */
  ownP95?: number;
  /** The latency it is set against (ms): TTFT p50 from the actual send, else E2E p50. */
  reference?: { name: "TTFT" | "E2E"; p50: number };
  /** True when the client is the cause: late share beyond CLIENT_LATE_SHARE and lag material. */
  limited: boolean;
  /** Frequent beyond chance (first condition alone). */
  frequent: boolean;
  /** Large beside the latency (second condition alone). */
  material: boolean;
}

/**
 * The client-limited rule: the client's own lag per send (actual − intended − slot wait) is
 * late when above `limitMs` (max_client_lag_ms). The stage is client-limited when the share
 * of late sends is above CLIENT_LATE_SHARE at 95 % confidence (Wilson lower bound, so a
 * handful of late sends in a short stage, or a p99 a hair over the line, does not flip it)
 * and the own lag's p95 is at least CLIENT_LAG_MATERIAL_SHARE of the median latency
 * measured (a 77 ms lag beside a 4.8 s TTFT does not make the percentiles the client's).
 */
export function clientLimitFinding(ownLags: readonly number[], limitMs: number, ttftP50: number | undefined, e2eP50: number | undefined): ClientLimitFinding {
  const sends = ownLags.length;
  let late = 0;
  for (const l of ownLags) if (l > limitMs) late++;
  const lateShareLow = wilsonLowerBound(late, sends);
  const ownP95 = summarize(ownLags)?.p95;
  const reference = ttftP50 !== undefined && ttftP50 > 0 ? { name: "TTFT" as const, p50: ttftP50 } : e2eP50 !== undefined && e2eP50 > 0 ? { name: "E2E" as const, p50: e2eP50 } : undefined;
  const frequent = lateShareLow > CLIENT_LATE_SHARE;
  const material = ownP95 !== undefined && (reference === undefined || ownP95 >= CLIENT_LAG_MATERIAL_SHARE * reference.p50);
  return {
    sends,
    late,
    lateShareLow,
    ...(ownP95 !== undefined ? { ownP95 } : {}),
    ...(reference ? { reference } : {}),
    limited: frequent && material,
    frequent,
    material,
  };
}

// ───────────────────────────── saturation ─────────────────────────────

/** Completions under this share of the arrivals (second half of the sending span) are a shortfall. */
export const SATURATION_COMPLETION_SHARE = 0.9;
/** Fewest arrivals in the second half for the test to say anything. */
export const SATURATION_MIN_ARRIVALS = 10;
/**
 * The second half must last this many service times (10th percentile of request durations,
 * which queueing does not lengthen much): over a window shorter than
 * a request takes, a server that keeps up completes nothing in it and its backlog "grows" (a
 * 20-request burst sent in 0.2 s with 80 ms replies read as "0.0 req/s completed").
 */
export const SATURATION_MIN_WINDOW_LATENCIES = 4;

/** One request of an open-loop stage, on the performance.now() clock (ms). */
export interface Arrival {
  /** Intended send (when it arrived, in a user's eyes). */
  arrived: number;
  /** Actual send. */
  sent: number;
  /** Its end (last byte; the failure's instant for a failure). */
  ended: number;
  /** Waited for an in-flight slot. */
  slotWait: boolean;
}

export interface ServerQueueView {
  /** Snapshots in the sending span with a waiting count. */
  samples: number;
  /** The most waiting over the stage's whole span (drain included). */
  max: number;
  /** Means over the first and the last quarter of the sending span's snapshots. */
  first: number;
  last: number;
}

export interface SaturationFinding {
  /** The second half of the measured sending span (ms, the clock of the records). */
  from: number;
  to: number;
  /** Requests that arrived (intended send) in it and that ended in it, and their rates (req/s). */
  arrivals: number;
  completions: number;
  arrivalRate: number;
  completionRate: number;
  /** Requests outstanding (arrived, not ended: in flight or waiting for a slot) at its start and end, and the most at any arrival. */
  outstandingMid: number;
  outstandingEnd: number;
  outstandingMax: number;
  /** What the growth is set against: max(3, 2·√arrivals). */
  growthNoise: number;
  /** The server's own waiting queue (/metrics), when scraped over the stage. */
  serverQueue?: ServerQueueView;
  /** True when the server did not keep up (see saturationFinding). */
  saturated: boolean;
  /** Where the backlog waited: for an in-flight slot in the client (the cap was reached), or at the server. */
  backlogIn?: "slots" | "server";
}

/** Requests outstanding at time t: arrived at or before t and not ended by then. */
function outstandingAt(arrivedSorted: Float64Array, endedSorted: Float64Array, t: number): number {
  return upperBound(arrivedSorted, t) - upperBound(endedSorted, t);
}

/** Number of values ≤ t in a sorted array. */
function upperBound(xs: Float64Array, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The server's waiting queue when the monitor scraped one: its trend over the sending span
 * [from, to] (after it the queue drains) and its maximum over [from, end].
 */
export function serverQueueView(snapshots: readonly ServerSnapshot[], from: number, to: number, end = to): ServerQueueView | undefined {
  const waiting = (lo: number, hi: number) => snapshots.filter((s) => s.t >= lo && s.t <= hi && s.values?.requestsWaiting !== undefined).map((s) => s.values!.requestsWaiting!);
  const xs = waiting(from, to);
  if (xs.length < 2) return undefined;
  const q = Math.max(1, Math.floor(xs.length / 4));
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
  let max = 0;
  for (const x of waiting(from, Math.max(to, end))) if (x > max) max = x;
  return { samples: xs.length, max, first: mean(xs.slice(0, q)), last: mean(xs.slice(-q)) };
}

/**
 * The saturation rule, open loop. Over the second half of the measured sending span (the
 * first half lets the server fill up to its steady state):
 *
 * - a shortfall: fewer requests ended than arrived, under SATURATION_COMPLETION_SHARE (90 %)
 *   of them, with at least SATURATION_MIN_ARRIVALS arrivals, over a window at least
 *   SATURATION_MIN_WINDOW_LATENCIES service times (p10 of request durations) long; and
 * - a growing backlog: the requests outstanding (arrived and not ended: in flight at the
 *   server or waiting in the client for a slot) grew by at least max(3, 2·√arrivals) — a
 *   server that keeps up holds a stationary count, whose change between two instants is of
 *   the order of √(count); or the server's own waiting queue (/metrics) grew over the stage
 *   (last quarter's mean ≥ first quarter's + 2, and a maximum of 3 or more).
 *
 * `measuredFrom`/`measuredTo`: the first and last measured intended sends. `all`: every
 * request of the stage (the excluded ones still occupy the server).
 */
export function saturationFinding(all: readonly Arrival[], measuredFrom: number, measuredTo: number, snapshots: readonly ServerSnapshot[] = []): SaturationFinding | undefined {
  if (all.length === 0 || !(measuredTo > measuredFrom)) return undefined;
  const from = (measuredFrom + measuredTo) / 2;
  const to = measuredTo;
  const arrived = Float64Array.from(all.map((a) => a.arrived)).sort();
  const ended = Float64Array.from(all.map((a) => a.ended)).sort();
  const outstandingMid = outstandingAt(arrived, ended, from);
  const outstandingEnd = outstandingAt(arrived, ended, to);
  let arrivals = 0;
  let completions = 0;
  for (const a of all) {
    if (a.arrived > from && a.arrived <= to) arrivals++;
    if (a.ended > from && a.ended <= to) completions++;
  }
  let outstandingMax = 0;
  for (let i = 0; i < arrived.length; i++) outstandingMax = Math.max(outstandingMax, i + 1 - upperBound(ended, arrived[i]!));
  const seconds = (to - from) / 1000;
  const growth = outstandingEnd - outstandingMid;
  const growthNoise = Math.max(3, 2 * Math.sqrt(arrivals));
  let spanStart = Number.POSITIVE_INFINITY;
  let spanEnd = Number.NEGATIVE_INFINITY;
  for (const a of all) {
    if (a.sent < spanStart) spanStart = a.sent;
    if (a.ended > spanEnd) spanEnd = a.ended;
  }
  const serverQueue = serverQueueView(snapshots, spanStart, measuredTo, spanEnd);
  const durations = Float64Array.from(all.map((a) => a.ended - a.arrived)).sort();
  // The quick end of the durations is the service time; queueing only lengthens the rest.
  const typical = durations[Math.floor(durations.length / 10)] ?? 0;
  const slotWaits = all.some((a) => a.slotWait && a.arrived > from && a.arrived <= to);
  // Requests that waited for an in-flight slot are a backlog whatever the window's length.
  const longEnough = slotWaits || to - from >= SATURATION_MIN_WINDOW_LATENCIES * typical;
  const shortfall = longEnough && arrivals >= SATURATION_MIN_ARRIVALS && completions < SATURATION_COMPLETION_SHARE * arrivals;
  const queueGrew = serverQueue !== undefined && serverQueue.last >= serverQueue.first + 2 && serverQueue.max >= 3;
  const saturated = shortfall && (growth >= growthNoise || queueGrew);
  return {
    from,
    to,
    arrivals,
    completions,
    arrivalRate: arrivals / seconds,
    completionRate: completions / seconds,
    outstandingMid,
    outstandingEnd,
    outstandingMax,
    growthNoise,
    ...(serverQueue ? { serverQueue } : {}),
    saturated,
    ...(saturated ? { backlogIn: slotWaits ? ("slots" as const) : ("server" as const) } : {}),
  };
}

// ───────────────────────────── lengths ─────────────────────────────

/** One successful request's lengths: asked and as the server counted them (usage). */
export interface LengthSample {
  /** Prompt length asked (synthetic) or counted by the dataset's exact tokenizer (files). */
  promptAsked?: number;
  /** The dataset's own count (exact tokenizers only). */
  promptCounted?: number;
  /** usage.prompt_tokens. */
  promptServer?: number;
  outputAsked: number;
  /** usage.completion_tokens (or the client's estimate). */
  outputServer?: number;
}

export interface LengthError {
  /** Requests the figure rests on. */
  n: number;
  /** Mean length asked and mean length the server counted (the prompt's: chat template excluded when known). */
  asked: number;
  counted: number;
  /** Mean of (counted − asked) / asked: signed, negative when shorter than asked. */
  error: number;
  /** Requests whose counted length equals the asked one. */
  exact: number;
}

export interface LengthFigures {
  prompt?: LengthError & {
    /** The chat template's tokens taken off the server's count: measured through the server before the run, or inferred (the dataset's exact counts' constant difference); absent: not known, the template is included. */
    template?: { count: number; basis: "measured" | "inferred" };
  };
  output?: LengthError;
}

function lengthError(pairs: { asked: number; counted: number }[]): LengthError | undefined {
  const ok = pairs.filter((p) => p.asked > 0 && Number.isFinite(p.counted));
  if (ok.length === 0) return undefined;
  const n = ok.length;
  return {
    n,
    asked: ok.reduce((a, p) => a + p.asked, 0) / n,
    counted: ok.reduce((a, p) => a + p.counted, 0) / n,
    error: ok.reduce((a, p) => a + (p.counted - p.asked) / p.asked, 0) / n,
    exact: ok.filter((p) => p.counted === p.asked).length,
  };
}

/**
 * Prompt and reply lengths against what was asked. The prompt's server count is
 * usage.prompt_tokens minus the chat template's tokens: as measured through the server
 * (`measuredTemplate`), else, with the dataset's exact counts, the median of their
 * differences (a template adds a constant number), else unknown (the template stays in).
 */
export function lengthFigures(samples: readonly LengthSample[], measuredTemplate?: number): LengthFigures {
  let template: { count: number; basis: "measured" | "inferred" } | undefined;
  if (measuredTemplate !== undefined) template = { count: measuredTemplate, basis: "measured" };
  else {
    const diffs = summarize(samples.map((s) => (s.promptServer !== undefined && s.promptCounted !== undefined ? s.promptServer - s.promptCounted : undefined)));
    if (diffs) template = { count: Math.round(diffs.p50), basis: "inferred" };
  }
  const prompt = lengthError(
    samples.flatMap((s) => (s.promptAsked !== undefined && s.promptServer !== undefined ? [{ asked: s.promptAsked, counted: s.promptServer - (template?.count ?? 0) }] : [])),
  );
  const output = lengthError(samples.flatMap((s) => (s.outputServer !== undefined ? [{ asked: s.outputAsked, counted: s.outputServer }] : [])));
  return { ...(prompt ? { prompt: { ...prompt, ...(template ? { template } : {}) } } : {}), ...(output ? { output } : {}) };
}
