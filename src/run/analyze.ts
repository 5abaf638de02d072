/**
 * Turns a run's records into results: runs every scenario's analysis and rolls the
 * verdicts up. Pure: used at the end of a run and by `shakedown report DIR` offline.
 */
import { deriveRequestMetrics } from "../metrics/index.js";
import { scenarioModule } from "../scenarios/registry.js";
import { requestSpan } from "../scenarios/common.js";
import type { AnalysisInput, ScenarioResult } from "../scenarios/types.js";
import type { ServerSnapshot } from "../monitor/types.js";
import { summarizeWindow } from "../monitor/index.js";
import { RUN_FILES, type Attachments, type RunManifest, type RunResults, type RunStatus } from "../store/run-folder.js";
import type { RequestRecord } from "../store/records.js";
import { WARMUP_SCENARIO } from "./warmup.js";
import type { ReviewOverrides } from "../review/overrides.js";

export interface RunEnd {
  complete: boolean;
  /** Scenarios that ran to their end (the others, in an incomplete run, are marked incomplete). */
  finishedScenarios?: string[];
  interruption?: string;
  endedAt?: string;
  durationMs?: number;
  tornTail?: boolean;
  renderedAt?: string;
}

/** Requests cut by the run's own stop (the client's `aborted`): not the server's doing. */
export function stoppedByRun(r: RequestRecord): boolean {
  return r.result.error?.kind === "aborted";
}

/**
 * Which scenarios ran to their end. Runs written before this was recorded, or killed before
 * results.json: in suite order, every scenario with records but the last one that has any.
 */
function finishedScenarios(manifest: RunManifest, records: RequestRecord[], end: RunEnd): Set<string> {
  const names = manifest.suite.scenarios.map((s) => s.name);
  if (end.complete) return new Set(names);
  if (end.finishedScenarios) return new Set(end.finishedScenarios);
  const seen = new Set(records.map((r) => r.scenario));
  const withRecords = names.filter((n) => seen.has(n));
  return new Set(withRecords.slice(0, -1));
}

export function rollUpStatus(scenarios: ScenarioResult[], complete: boolean): RunStatus {
  if (!complete) return "incomplete";
  if (scenarios.some((s) => s.status === "fail")) return "fail";
  if (scenarios.some((s) => s.status === "inconclusive")) return "inconclusive";
  if (scenarios.length > 0 && scenarios.every((s) => s.status === "not_measured")) return "not_measured";
  return "pass";
}

function summarizeWarmup(records: RequestRecord[]): RunResults["warmup"] {
  const w = records.filter((r) => r.scenario === WARMUP_SCENARIO);
  return {
    requests: w.length,
    ok: w.filter((r) => r.result.ok).length,
    ttftMs: w.flatMap((r) => {
      const t = deriveRequestMetrics(r.result).ttftMs;
      return t !== undefined ? [t] : [];
    }),
  };
}

/** Attaches the server's counters over the scenario's time span, unless the scenario did. */
function withServerSummary(result: ScenarioResult, records: RequestRecord[], server: ServerSnapshot[]): ScenarioResult {
  if (result.server || server.length === 0) return result;
  const span = requestSpan(records.filter((r) => r.scenario === result.name));
  if (!span) return result;
  const summary = summarizeWindow(server, span.start, span.end);
  return summary ? { ...result, server: summary } : result;
}

export function buildResults(
  manifest: RunManifest,
  records: RequestRecord[],
  end: RunEnd,
  server: ServerSnapshot[] = [],
  reviews: ReviewOverrides = {},
  attachments: Attachments = {},
): RunResults {
  // Requests the run's stop cut short are counted apart and analysed nowhere: a user's Ctrl-C
  // is not a server failure, and half a request is no latency.
  const measured = records.filter((r) => !stoppedByRun(r));
  const input: AnalysisInput = { records: measured, stopped: records.filter(stoppedByRun), target: manifest.target, server, reviews, attachments };
  const finished = finishedScenarios(manifest, records, end);
  const scenarios = manifest.suite.scenarios
    .filter((cfg) => end.complete || records.some((r) => r.scenario === cfg.name))
    .map((cfg) => {
      const result = withServerSummary(scenarioModule(cfg.kind).analyze(cfg as never, input), measured, server);
      const stopped = records.filter((r) => r.scenario === cfg.name && stoppedByRun(r)).length;
      const retried = measured.filter((r) => r.scenario === cfg.name && r.result.retried !== undefined).length;
      const incomplete = !finished.has(cfg.name);
      if (stopped === 0 && retried === 0 && !incomplete) return result;
      const retriedNote =
        `${retried} request${retried === 1 ? " was" : "s were"} sent again on a fresh connection: the first attempt went out on a kept-alive ` +
        "connection the server had already closed and got no byte back, so it never reached the server (result.retried in records.jsonl); " +
        "its timestamps are the retry's.";
      return {
        ...result,
        ...(retried > 0 ? { notes: [...result.notes, retriedNote] } : {}),
        requests: { ...result.requests, ...(stopped > 0 ? { stopped } : {}) },
        ...(incomplete ? { status: "incomplete" as const } : {}),
      };
    });
  return {
    ...manifest,
    ...(end.endedAt !== undefined ? { endedAt: end.endedAt } : {}),
    ...(end.durationMs !== undefined ? { durationMs: end.durationMs } : {}),
    complete: end.complete,
    ...(end.interruption ? { interruption: end.interruption } : {}),
    ...(!end.complete ? { finishedScenarios: manifest.suite.scenarios.map((s) => s.name).filter((n) => finished.has(n)) } : {}),
    status: rollUpStatus(scenarios, end.complete),
    records: { file: RUN_FILES.records, count: records.length, tornTail: end.tornTail ?? false },
    warmup: summarizeWarmup(records),
    scenarios,
    renderedAt: end.renderedAt ?? new Date().toISOString(),
  };
}
