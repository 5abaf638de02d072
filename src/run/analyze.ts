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
  interruption?: string;
  endedAt?: string;
  durationMs?: number;
  tornTail?: boolean;
  renderedAt?: string;
}

export function rollUpStatus(scenarios: ScenarioResult[], complete: boolean): RunStatus {
  if (!complete) return "incomplete";
  if (scenarios.some((s) => s.status === "fail")) return "fail";
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
  const input: AnalysisInput = { records, target: manifest.target, server, reviews, attachments };
  const scenarios = manifest.suite.scenarios
    .filter((cfg) => end.complete || records.some((r) => r.scenario === cfg.name))
    .map((cfg) => withServerSummary(scenarioModule(cfg.kind).analyze(cfg as never, input), records, server));
  return {
    ...manifest,
    ...(end.endedAt !== undefined ? { endedAt: end.endedAt } : {}),
    ...(end.durationMs !== undefined ? { durationMs: end.durationMs } : {}),
    complete: end.complete,
    ...(end.interruption ? { interruption: end.interruption } : {}),
    status: rollUpStatus(scenarios, end.complete),
    records: { file: RUN_FILES.records, count: records.length, tornTail: end.tornTail ?? false },
    warmup: summarizeWarmup(records),
    scenarios,
    renderedAt: end.renderedAt ?? new Date().toISOString(),
  };
}
