/**
 * The serving process over a span of the run, from the standard process metrics every
 * Prometheus client library writes (process_resident_memory_bytes,
 * process_start_time_seconds): how long the server had been up, whether it restarted, and
 * how its resident memory moved (a leak estimate with its interval). Pure: it reads the
 * monitor's timeline, so a run folder re-analysed offline gives the same figures.
 */
import { olsTrend } from "../metrics/trend-tests.js";
import type { ServerSnapshot } from "./types.js";

const MB = 1_000_000;
const HOUR_MS = 3_600_000;
/** A start time that moves by more than this between two scrapes is a restart, not clock jitter. */
const RESTART_JITTER_S = 2;

export interface ServerProcessSummary {
  /** Scrapes in the span that carried the process metrics. */
  n: number;
  /** Uptime (hours) at the span's first and last scrape. */
  uptimeStartH?: number;
  uptimeEndH?: number;
  /** Restarts seen in the span: the start time changed; `atMs` from the span's start. */
  restarts: { atMs: number; previousStartEpochS: number; startEpochS: number }[];
  /** Resident memory (MB) at the first and last scrape, and its peak. */
  rssFirstMb?: number;
  rssLastMb?: number;
  rssMaxMb?: number;
  /** Least-squares slope of resident memory, MB per hour, with its 95 % interval; from ≥ 3 scrapes of one process. */
  rssSlopeMbPerHour?: { estimate: number; lower: number; upper: number; n: number };
}

/** Summary of the process metrics in snapshots with fromPerfMs ≤ t ≤ toPerfMs; undefined when none carry them. */
export function summarizeServerProcess(timeline: readonly ServerSnapshot[], fromPerfMs: number, toPerfMs: number): ServerProcessSummary | undefined {
  const rows = timeline.filter(
    (s) => s.t >= fromPerfMs && s.t <= toPerfMs && (s.values?.processResidentMemoryBytes !== undefined || s.values?.processStartTimeSeconds !== undefined),
  );
  if (rows.length === 0) return undefined;
  const out: ServerProcessSummary = { n: rows.length, restarts: [] };

  const started = rows.filter((s) => s.values?.processStartTimeSeconds !== undefined);
  const first = started[0];
  const last = started[started.length - 1];
  if (first && last) {
    const up = (s: ServerSnapshot) => (s.epochMs / 1000 - (s.values?.processStartTimeSeconds as number)) / 3600;
    out.uptimeStartH = up(first);
    out.uptimeEndH = up(last);
    for (let i = 1; i < started.length; i++) {
      const a = started[i - 1]?.values?.processStartTimeSeconds as number;
      const b = started[i]?.values?.processStartTimeSeconds as number;
      if (Math.abs(b - a) > RESTART_JITTER_S) out.restarts.push({ atMs: (started[i] as ServerSnapshot).t - fromPerfMs, previousStartEpochS: a, startEpochS: b });
    }
  }

  // Memory: the slope is taken over the last process only (a restart resets its memory).
  const lastRestart = out.restarts[out.restarts.length - 1];
  const rss = rows.filter((s) => s.values?.processResidentMemoryBytes !== undefined);
  if (rss.length > 0) {
    const mb = rss.map((s) => (s.values?.processResidentMemoryBytes as number) / MB);
    out.rssFirstMb = mb[0];
    out.rssLastMb = mb[mb.length - 1];
    out.rssMaxMb = Math.max(...mb);
    const sameProcess = rss.filter((s) => lastRestart === undefined || s.t - fromPerfMs >= lastRestart.atMs);
    const fit = olsTrend(
      sameProcess.map((s) => s.t / HOUR_MS),
      sameProcess.map((s) => (s.values?.processResidentMemoryBytes as number) / MB),
    );
    if (fit) out.rssSlopeMbPerHour = { estimate: fit.slope, lower: fit.slopeLower, upper: fit.slopeUpper, n: fit.n };
  }
  return out;
}
