/**
 * Executes a resolved suite: connects to the target, creates the run folder, runs each
 * scenario while appending records as they end, then analyses and writes results and
 * report. Interrupted runs (signal aborted) keep every record and are marked incomplete.
 * The executor never prints; it emits RunEvents.
 */
import { setMaxListeners } from "node:events";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Suite } from "../config/schema.js";
import { redactSuite } from "../config/resolve.js";
import { ShakedownError } from "../errors.js";
import { renderMarkdownReport } from "../report/markdown.js";
import { scenarioModule, validateScenario } from "../scenarios/registry.js";
import type { ScenarioContext } from "../scenarios/types.js";
import { JsonlWriter, writeFileAtomic, writeJsonAtomic } from "../store/files.js";
import type { RequestRecord } from "../store/records.js";
import { createRunFolder, RESULTS_SCHEMA_VERSION, RUN_FILES, type Attachments, type RunManifest, type RunResults } from "../store/run-folder.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { buildResults } from "./analyze.js";
import { RunEvents } from "./events.js";
import { connectTarget } from "./target.js";
import { startServerMonitor, type MonitorStart } from "./monitoring.js";
import { warmUp } from "./warmup.js";

export interface ExecuteOptions {
  /** Aborting it stops the run: in-flight requests end as aborted, results are marked incomplete. */
  signal?: AbortSignal;
  events?: RunEvents;
  /** Why the signal fired, for the report ("SIGINT"). */
  interruptionReason?: () => string | undefined;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface RunOutcome {
  dir: string;
  results: RunResults;
}

export async function executeRun(suite: Suite, opts: ExecuteOptions = {}): Promise<RunOutcome> {
  const events = opts.events ?? new RunEvents();
  const signal = opts.signal ?? new AbortController().signal;
  // Every request in flight listens to the run's stop signal; concurrent scenarios have many.
  setMaxListeners(0, signal);
  const now = opts.now ?? (() => new Date());
  for (const sc of suite.scenarios) validateScenario(sc);

  const target = await connectTarget(suite.target, opts.env);
  const startedAt = now();
  const t0 = performance.now();
  const { dir, runId } = createRunFolder(suite.output.dir, suite.name, startedAt);
  let started: MonitorStart;
  try {
    started = await startServerMonitor(suite.target, target, join(dir, RUN_FILES.serverMetrics), events);
  } catch (e) {
    await target.close().catch(() => undefined);
    throw e;
  }
  const monitor = started.monitor;
  target.info.metrics = { url: started.url, scraped: monitor !== undefined, ...(started.reason ? { reason: started.reason } : {}) };
  const manifest: RunManifest = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    runId,
    startedAt: startedAt.toISOString(),
    suite: redactSuite(suite),
    target: target.info,
    host: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
  };
  writeJsonAtomic(join(dir, RUN_FILES.manifest), manifest);

  const writer = new JsonlWriter(join(dir, RUN_FILES.records));
  const records: RequestRecord[] = [];
  const attachments: Attachments = {};
  const ctx: ScenarioContext = {
    client: target.client,
    endpoint: target.endpoint,
    target: suite.target,
    targetInfo: target.info,
    record(rec) {
      writer.append(rec);
      records.push(rec);
      events.emit("request:end", rec);
    },
    attach(scenario, key, value) {
      (attachments[scenario] ??= {})[key] = value;
      writeJsonAtomic(join(dir, RUN_FILES.attachments), attachments);
    },
    events,
    signal,
    ...(monitor ? { monitor } : {}),
  };
  let internalError: unknown;
  try {
    await warmUp(suite.target.warmup_requests, ctx);
    for (const sc of suite.scenarios) {
      if (signal.aborted) break;
      await scenarioModule(sc.kind).run(sc as never, ctx);
    }
  } catch (e) {
    internalError = e;
  } finally {
    writer.close();
    await monitor?.stop().catch(() => undefined);
    await target.close().catch(() => undefined);
  }

  // Whatever happened, what was measured is analysed and written.
  const interruption = signal.aborted
    ? `interrupted by ${opts.interruptionReason?.() ?? "a stop signal"}`
    : internalError !== undefined
      ? internalError instanceof ShakedownError
        ? `stopped: ${internalError.message}`
        : `stopped by an internal error: ${(internalError as Error).message}`
      : undefined;
  const ended = now();
  const results = buildResults(manifest, records, {
    complete: interruption === undefined,
    ...(interruption ? { interruption } : {}),
    endedAt: ended.toISOString(),
    durationMs: performance.now() - t0,
    renderedAt: ended.toISOString(),
  }, monitor?.timeline ?? [], {}, attachments);
  writeJsonAtomic(join(dir, RUN_FILES.results), results);
  writeFileAtomic(join(dir, RUN_FILES.report), renderMarkdownReport(results));
  if (internalError !== undefined) throw internalError;
  return { dir, results };
}
