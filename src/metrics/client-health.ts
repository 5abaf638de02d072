/**
 * Was the client healthy while it measured? Pure judgement over what the run sampled
 * (src/run/client-health.ts): every timestamp shakedown takes goes through its own event
 * loop, so a late loop (the process busy, or the machine's cores taken by other work) delays
 * the stamps, and the delay shows up as the server's latency.
 */
import type { Verdict } from "./verdicts.js";

export interface ClientHealth {
  /** Wall time sampled (ms). */
  durationMs: number;
  /** Event-loop delay of the client's thread (ms): how late a timer that should fire every 10 ms ran. */
  loopDelayMs: { mean: number; p50: number; p99: number; max: number };
  /** CPU time of the shakedown process (the embedded simulator included), in cores (1 = one core fully). */
  processCores: number;
  /** CPU time of everything on the machine, in cores. */
  machineCores: number;
  /** Cores of the machine. */
  cores: number;
}

/** Whether a scenario's client was overloaded, and why, in a sentence. */
export interface ClientVerdict {
  overloaded: boolean;
  /** One sentence with the figures, for the report and the inconclusive verdicts. */
  summary: string;
  reasons: string[];
}

/**
 * The bounds. The event loop is sampled every 10 ms, so a healthy loop shows a delay p99 of
 * 10-12 ms (the timer itself). The loop's lateness is the direct evidence; the machine's load
 * is only context, since a server on the same machine is "other processes" too: a busy
 * machine counts only when the loop was late as well.
 */
export const CLIENT_BOUNDS = {
  /** Event-loop delay p99 above this (ms): the stamps may be late by as much, whatever the cause. */
  loopDelayP99Ms: 25,
  /** …or above this (ms) while the machine was busy with other processes. */
  loopDelayP99BusyMs: 15,
  /** The machine counts as busy above this share of its cores… */
  machineBusyShare: 0.9,
  /** …when other processes than shakedown take at least this many cores. */
  otherCores: 0.5,
} as const;

const fmt = (x: number, d = 1): string => x.toFixed(d);

/** Judges a scenario's client health against CLIENT_BOUNDS. */
export function judgeClient(h: ClientHealth): ClientVerdict {
  const reasons: string[] = [];
  const other = Math.max(0, h.machineCores - h.processCores);
  const busy = h.machineCores >= CLIENT_BOUNDS.machineBusyShare * h.cores && other >= CLIENT_BOUNDS.otherCores;
  const bound = busy ? CLIENT_BOUNDS.loopDelayP99BusyMs : CLIENT_BOUNDS.loopDelayP99Ms;
  if (h.loopDelayMs.p99 > bound) {
    reasons.push(`its event loop ran up to ${fmt(h.loopDelayMs.p99)} ms late (p99; bound ${bound} ms)`);
    if (busy) reasons.push(`the machine's ${h.cores} cores were ${fmt((100 * h.machineCores) / h.cores, 0)} % busy, ${fmt(other)} of them with other processes`);
  }
  const figures =
    `event-loop delay p99 ${fmt(h.loopDelayMs.p99)} ms (max ${fmt(h.loopDelayMs.max)}), shakedown used ${fmt(h.processCores * 100, 0)} % of a core, ` +
    `the machine ${fmt((100 * h.machineCores) / h.cores, 0)} % of its ${h.cores} cores`;
  return {
    overloaded: reasons.length > 0,
    reasons,
    summary: reasons.length > 0 ? `client overloaded: ${reasons.join("; ")}` : `client healthy: ${figures}`,
  };
}

/** Units of the figures the client's own lateness can move: durations, rates and ratios of them. */
export const TIMING_UNITS: ReadonlySet<string> = new Set(["ms", "tok/s", "ratio", "req/s", "ms/1k tokens", "x"]);

/**
 * A verdict as an overloaded client leaves it: a failed timing verdict becomes inconclusive,
 * with the reason; anything else is returned as it is.
 */
export function judgedWithClient(v: Verdict, unit: string | undefined, client: ClientVerdict): Verdict {
  if (!client.overloaded || v.status !== "fail" || !TIMING_UNITS.has(unit ?? "count")) return v;
  return { ...v, status: "inconclusive", reason: `${client.summary}: the figure may be the client's, not the server's` };
}
