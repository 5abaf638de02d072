/**
 * Progress display: subscribes to run events and writes to stderr (stdout stays clean
 * for --json). On a TTY one live status line is rewritten, at most every 100 ms; otherwise
 * one plain line per request, readable in CI logs — or, for scenarios of many requests (load),
 * one line a second, so that printing never competes with the measurement.
 */
import { clearLine, cursorTo } from "node:readline";
import type { RunEvents } from "../run/events.js";
import type { RequestRecord } from "../store/records.js";
import { deriveRequestMetrics } from "../metrics/index.js";
import { fmtDuration, fmtMs } from "../report/format.js";
import { WARMUP_SCENARIO } from "../run/warmup.js";

/** Above this many planned requests, plain output summarises once a second. */
const PER_REQUEST_LINES_UP_TO = 500;

/**
 * What a scenario's planned count counts, and which records advance it. The tools scenario
 * plans case runs (each a loop of several requests, plus a non-streamed twin): a case run
 * counts once, at its first step. The reasoning scenario plans answers: a judge's request
 * is not one of them.
 */
export interface ProgressUnit {
  /** The plural noun of the planned count ("requests", "case runs"). */
  noun: string;
  counts(rec: RequestRecord): boolean;
  /** Where the request stands, for the status line. */
  where(rec: RequestRecord): string;
}

function levelOf(rec: RequestRecord): string {
  return rec.concurrency !== undefined && rec.concurrency > 1 ? `concurrency ${rec.concurrency} ` : "";
}

export function progressUnit(kind: string): ProgressUnit {
  if (kind === "tools") {
    return {
      noun: "case runs",
      counts: (rec) => rec.role === "step" && rec.turn === 1,
      where: (rec) => `${levelOf(rec)}case ${rec.session ?? "?"} #${rec.iteration ?? "?"} ${rec.role === "non_streamed" ? "step 1 (non-streamed twin)" : `step ${rec.turn ?? "?"}`}`,
    };
  }
  if (kind === "reasoning") {
    return {
      noun: "task runs",
      counts: (rec) => rec.role !== "judge",
      where: (rec) => `${rec.role === "judge" ? "judge of " : ""}task ${rec.session ?? rec.id} #${rec.iteration ?? "?"}`,
    };
  }
  return {
    noun: "requests",
    counts: () => true,
    where: (rec) => (rec.turn !== undefined ? `${levelOf(rec)}session ${rec.iteration ?? "?"} turn ${rec.turn}` : rec.id),
  };
}

export function attachProgress(events: RunEvents, stream: NodeJS.WriteStream = process.stderr): () => void {
  const tty = Boolean(stream.isTTY) && process.env.CI === undefined;
  let lastWrite = 0;
  let scenario = "";
  let unit = progressUnit("");
  let planned = 0;
  /** A scenario planned by time (a soak): its length, and when it started. */
  let timed: { durationMs: number; startedAt: number } | undefined;
  let done = 0;
  let failed = 0;
  const write = (line: string) => {
    if (tty) {
      clearLine(stream, 0);
      cursorTo(stream, 0);
      stream.write(line.slice(0, (stream.columns ?? 120) - 1));
    } else {
      stream.write(line + "\n");
    }
  };
  events.on("scenario:start", (e) => {
    scenario = e.name;
    unit = progressUnit(e.kind);
    planned = e.plannedRequests;
    timed = e.durationMs !== undefined ? { durationMs: e.durationMs, startedAt: performance.now() } : undefined;
    done = 0;
    failed = 0;
    if (!tty) write(timed ? `[${e.name}] ${e.kind}: ${fmtDuration(timed.durationMs)} planned` : `[${e.name}] ${e.kind}: ${e.plannedRequests} ${unit.noun} planned`);
  });
  events.on("request:end", (rec) => {
    if (rec.scenario === WARMUP_SCENARIO) {
      const m = deriveRequestMetrics(rec.result);
      if (!tty) write(`[warm-up] ${rec.result.ok ? `TTFT ${fmtMs(m.ttftMs)} (excluded from the figures)` : `failed: ${rec.result.error?.kind ?? "?"}`}`);
      return;
    }
    if (unit.counts(rec)) done++;
    // A request cut by the run's stop is not the server's failure (run/analyze.ts leaves it out too).
    const cut = rec.result.error?.kind === "aborted";
    if (!rec.result.ok && !cut) failed++;
    const now = performance.now();
    if (timed) {
      // A soak: a live line on a terminal; plain output prints once per window (soak:window).
      if (!tty || now - lastWrite < 250) return;
      lastWrite = now;
      const elapsed = Math.min(timed.durationMs, now - timed.startedAt);
      write(`[${scenario}] ${fmtDuration(elapsed)} / ${fmtDuration(timed.durationMs)} (${fmtDuration(timed.durationMs - elapsed)} left) · ${done} requests${failed ? ` (${failed} failed)` : ""}`);
      return;
    }
    const throttled = tty ? now - lastWrite < 100 : planned > PER_REQUEST_LINES_UP_TO && now - lastWrite < 1000;
    if (throttled && done < planned) return;
    lastWrite = now;
    const m = deriveRequestMetrics(rec.result);
    const where = unit.where(rec);
    const status = rec.result.ok ? `TTFT ${fmtMs(m.ttftMs)}  E2E ${fmtMs(m.e2eMs)}` : cut ? "cut by the stop (not counted)" : `failed: ${rec.result.error?.kind ?? "?"}`;
    write(
      tty
        ? `[${scenario}] ${done}/${planned} ${unit.noun}  ${where}  ${status}${failed ? `  (${failed} failed)` : ""}`
        : `[${scenario}] ${done}/${planned} ${unit.noun} · ${where}: ${status}`,
    );
  });
  events.on("soak:window", (w) => {
    if (tty) stream.write("\n");
    stream.write(
      `[${w.scenario}] window ${w.window}/${w.windows} · ${fmtDuration(w.elapsedMs)} elapsed, ${fmtDuration(w.remainingMs)} left · ${w.requests} requests, ${w.failed} failed${w.ttftP90Ms !== undefined ? `, TTFT p90 ${fmtMs(w.ttftP90Ms)}` : ""}\n`,
    );
  });
  events.on("scenario:end", () => {
    if (tty) stream.write("\n");
  });
  events.on("step", (e) => {
    if (tty) stream.write("\n");
    stream.write(`[${e.scenario}] ${e.message}\n`);
  });
  events.on("warning", (w) => {
    if (tty) stream.write("\n");
    stream.write(`warning: ${w}\n`);
  });
  return () => events.removeAllListeners();
}
