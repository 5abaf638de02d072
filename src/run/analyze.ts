/**
 * Turns a run's records into results: runs every scenario's analysis and rolls the
 * verdicts up. Pure: used at the end of a run and by `shakedown report DIR` offline.
 */
import { deriveRequestMetrics } from "../metrics/index.js";
import { scenarioModule } from "../scenarios/registry.js";
import { requestSpan } from "../scenarios/common.js";
import type { AnalysisInput, ScenarioResult } from "../scenarios/types.js";
import { judgeClient, judgedWithClient, overallStatus, type ClientHealth } from "../metrics/index.js";
import type { ServerSnapshot } from "../monitor/types.js";
import { summarizeGpu, type GpuSample } from "../monitor/gpu/index.js";
import { summarizeServerProcess } from "../monitor/process.js";
import { summarizeScenarioWindow } from "../monitor/index.js";
import { summarizeServerTruth } from "../metrics/server-truth.js";
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

/**
 * Attaches what the server says of the scenario: per-request truth where the server returns
 * it (llama.cpp `timings`), and its /metrics counters diffed between the snapshots taken at the
 * scenario's own start and end (the `span` attachment), unless the scenario did.
 */
function withServerSummary(result: ScenarioResult, records: RequestRecord[], server: ServerSnapshot[], attachments: Attachments): ScenarioResult {
  const mine = records.filter((r) => r.scenario === result.name);
  const truth = summarizeServerTruth(mine.map((r) => r.result));
  const out = truth ? { ...result, serverTruth: truth } : result;
  if (out.server || server.length === 0) return out;
  const summary = summarizeScenarioWindow(server, attachments[result.name]?.["span"], requestSpan(mine));
  return summary ? { ...out, server: summary } : out;
}

/**
 * The machine under the server over the scenario's span: the GPUs (when a sampler ran; joules
 * per output token from the scenario's own tokens) and the serving process (uptime,
 * restarts, resident memory) from the standard process metrics on /metrics.
 */
function withResources(result: ScenarioResult, records: RequestRecord[], server: ServerSnapshot[], gpu: GpuSample[], attachments: Attachments): ScenarioResult {
  const mine = records.filter((r) => r.scenario === result.name);
  const recorded = attachments[result.name]?.["span"] as { startPerfMs: number; endPerfMs: number } | undefined;
  const reqs = requestSpan(mine);
  const from = recorded?.startPerfMs ?? reqs?.start;
  const to = recorded?.endPerfMs ?? reqs?.end;
  if (from === undefined || to === undefined) return result;
  let outputTokens = 0;
  for (const r of mine) if (r.result.ok) outputTokens += deriveRequestMetrics(r.result).outputTokens ?? 0;
  const g = gpu.length > 0 ? summarizeGpu(gpu, from, to, outputTokens > 0 ? { outputTokens } : {}) : undefined;
  const proc = result.serverProcess ?? summarizeServerProcess(server, from, to);
  return { ...result, ...(g ? { gpu: g } : {}), ...(proc ? { serverProcess: proc } : {}) };
}

/** Requests the stop cut, requests sent again, and whether the scenario ran to its end. */
function withStops(result: ScenarioResult, records: RequestRecord[], incomplete: boolean): ScenarioResult {
  const mine = records.filter((r) => r.scenario === result.name);
  const stopped = mine.filter(stoppedByRun).length;
  const retried = mine.filter((r) => !stoppedByRun(r) && r.result.retried !== undefined).length;
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
}

/**
 * The client's health over the scenario, said in the report; a timing verdict that failed
 * while the client was overloaded is inconclusive, not failed: the client, not the server,
 * may be the cause. Verdicts on counts and fractions (success rate, scores) stand.
 * Scenarios with verdicts of their own inside (a concurrency sweep's levels) apply the same
 * judgement there (judgedWithClient).
 */
function withClientHealth(result: ScenarioResult, gate: boolean, health: ClientHealth | undefined): ScenarioResult {
  if (!health) return result;
  const judged = judgeClient(health);
  const note = `Client health over the scenario: ${judged.overloaded ? `**${judged.summary}**` : judged.summary} (docs/failures.md).`;
  // verdicts.client_overload: fail keeps the verdicts as measured; the health is still said.
  if (!judged.overloaded || !gate) return { ...result, notes: [...result.notes, note] };
  const verdicts = result.verdicts.map((v) => judgedWithClient(v, result.metrics[v.metric]?.unit, judged));
  const status = result.status === "fail" && !verdicts.some((v) => v.status === "fail") ? overallStatus(verdicts) : result.status;
  return { ...result, verdicts, status, notes: [...result.notes, note] };
}

/** What a run folder holds besides its records: the monitors' timelines, reviews, attachments. */
export interface RunSideData {
  server?: ServerSnapshot[];
  gpu?: GpuSample[];
  reviews?: ReviewOverrides;
  attachments?: Attachments;
}

export function buildResults(manifest: RunManifest, records: RequestRecord[], end: RunEnd, side: RunSideData = {}): RunResults {
  const { server = [], gpu = [], reviews = {}, attachments = {} } = side;
  // Requests the run's stop cut short are counted apart and analysed nowhere: a user's Ctrl-C
  // is not a server failure, and half a request is no latency.
  const measured = records.filter((r) => !stoppedByRun(r));
  const gate = manifest.suite.verdicts?.client_overload !== "fail";
  const healthOf = (name: string) => attachments[name]?.["client"] as ClientHealth | undefined;
  const input: AnalysisInput = {
    records: measured,
    stopped: records.filter(stoppedByRun),
    target: manifest.target,
    server,
    gpu,
    reviews,
    attachments,
    clientVerdict: (name) => {
      const h = gate ? healthOf(name) : undefined;
      return h ? judgeClient(h) : undefined;
    },
  };
  const finished = finishedScenarios(manifest, records, end);
  const scenarios = manifest.suite.scenarios
    .filter((cfg) => end.complete || records.some((r) => r.scenario === cfg.name))
    .map((cfg) => {
      const analysed = withResources(
        withServerSummary(scenarioModule(cfg.kind).analyze(cfg as never, input), measured, server, attachments),
        measured,
        server,
        gpu,
        attachments,
      );
      return withClientHealth(withStops(analysed, records, !finished.has(cfg.name)), gate, healthOf(cfg.name));
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
