/**
 * Executes a resolved suite: checks every input, connects to the target, creates the run
 * folder, runs each scenario while appending records as they end, then analyses and writes
 * results and report. The executor never prints; it emits RunEvents.
 *
 * A run stops early for four reasons, each told apart in the outcome (and so in the exit
 * code): the user (the signal: Ctrl-C), the target going away (requests can no longer
 * connect and a probe confirms it), the disk (records cannot be written), an error (a bug,
 * or bad data met mid-run). Whatever stops it, requests in flight end as `aborted` (never
 * counted as the server's failures), every record that ended is kept, and results and report
 * are written within a bounded time: the scenario, the monitor and the connections are each
 * given a grace period, not an open-ended wait.
 */
import { setMaxListeners } from "node:events";
import { existsSync, rmdirSync, statSync, unlinkSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Suite } from "../config/schema.js";
import { redactSuite } from "../config/resolve.js";
import { redactor } from "../client/redact.js";
import { EXIT, ShakedownError, StorageError, UnreachableError } from "../errors.js";
import { renderMarkdownReport } from "../report/markdown.js";
import { writeHtmlReport } from "../report/html/write.js";
import { scenarioModule, validateScenario } from "../scenarios/registry.js";
import type { ScenarioContext } from "../scenarios/types.js";
import { JsonlWriter, writeFileAtomic } from "../store/files.js";
import { ensureOutDir } from "../store/out-dir.js";
import type { RequestRecord } from "../store/records.js";
import { createRunFolder, RESULTS_SCHEMA_VERSION, RUN_FILES, type Attachments, type RunManifest, type RunResults } from "../store/run-folder.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { buildResults } from "./analyze.js";
import { ClientHealthSampler } from "./client-health.js";
import { RunEvents } from "./events.js";
import { connectTarget, type ConnectedTarget } from "./target.js";
import { startServerMonitor } from "./monitoring.js";
import { startRunGpuSampler } from "./gpu.js";
import { warmUp } from "./warmup.js";

export interface ExecuteOptions {
  /** Aborting it stops the run: in-flight requests end as aborted, results are marked incomplete. */
  signal?: AbortSignal;
  events?: RunEvents;
  /** Why the signal fired, for the report ("SIGINT"). */
  interruptionReason?: () => string | undefined;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** How long a stopped scenario may take to wind down before results are written anyway (ms). */
  stopGraceMs?: number;
  /** The run's label (--label), kept in run.json and results.json so the folder holds it (and the history can be rebuilt from folders). */
  label?: string;
}

/** Why a run ended before its end. */
export type RunStop =
  | { cause: "user"; message: string }
  | { cause: "target_gone"; message: string; error: UnreachableError }
  | { cause: "storage"; message: string; error: StorageError }
  | { cause: "error"; message: string; error: unknown };

export interface RunOutcome {
  dir: string;
  results: RunResults;
  /** Set when the run stopped early; results are then marked incomplete. */
  stop?: RunStop;
  /** results.json, report.md or report.html could not be written (the results above are still whole). */
  writeError?: StorageError;
}

/**
 * The exit code the results imply: 0 pass, 1 a verdict failed or nothing measured, 4 the run
 * did not finish (stopped, killed or crashed), 5 inconclusive. A command that was itself
 * interrupted by the user (run: SIGINT/SIGTERM) maps that to 130 on its own.
 */
export function exitCodeFor(r: RunResults): number {
  switch (r.status) {
    case "pass":
      return EXIT.ok;
    case "incomplete":
      return EXIT.incomplete;
    case "inconclusive":
      return EXIT.inconclusive;
    default:
      return EXIT.verdictFailed;
  }
}

/** The process exit code an outcome implies (0 pass, 1 failed verdict, 3, 70, 74, 130, or a ShakedownError's own). */
export function exitCodeForOutcome(o: RunOutcome, verdictCode: (r: RunResults) => number): number {
  if (o.writeError) return EXIT.io;
  switch (o.stop?.cause) {
    case undefined:
      return verdictCode(o.results);
    case "user":
      return EXIT.interrupted;
    case "target_gone":
      return EXIT.unreachable;
    case "storage":
      return EXIT.io;
    case "error":
      return o.stop.error instanceof ShakedownError ? o.stop.error.exitCode : EXIT.internal;
  }
}

const DEFAULT_STOP_GRACE_MS = 10_000;
const MONITOR_GRACE_MS = 3_000;
const CLOSE_GRACE_MS = 3_000;
/** Longest wait for the probe that tells a target gone from a refused request or two. */
const PROBE_TIMEOUT_MS = 5_000;

/** Errors of a request that could not even connect: the first sign of a target gone. */
const CANNOT_CONNECT = new Set(["connect_refused", "dns", "connect_timeout"]);

/** Resolves after `ms` (unref'd) with `value`. */
function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms).unref());
}

/** Where a request stood in its scenario, for "the target went away at …". */
function placeOf(rec: RequestRecord): string {
  const session = rec.iteration !== undefined ? `session ${rec.iteration}` : rec.session !== undefined ? `session ${rec.session}` : undefined;
  if (rec.turn !== undefined && session !== undefined) return `turn ${rec.turn} of ${session} (scenario ${rec.scenario})`;
  return `request ${rec.id} (scenario ${rec.scenario})`;
}

export async function executeRun(suite: Suite, opts: ExecuteOptions = {}): Promise<RunOutcome> {
  const events = opts.events ?? new RunEvents();
  const now = opts.now ?? (() => new Date());
  // Every input is checked before the target is touched: a bad file in the last scenario, or
  // an --out that cannot hold a run folder, must not cost the hours of the first.
  for (const sc of suite.scenarios) validateScenario(sc);
  ensureOutDir(suite.output.dir);

  const target = await connectTarget(suite.target, opts.env, { onWarning: (w) => events.emit("warning", w) });
  try {
    return await runConnected(suite, target, events, now, opts);
  } finally {
    // The simulator and the connections stop whatever happened, within a bounded time.
    await Promise.race([target.close().catch(() => undefined), after(CLOSE_GRACE_MS, undefined)]);
  }
}

async function runConnected(suite: Suite, target: ConnectedTarget, events: RunEvents, now: () => Date, opts: ExecuteOptions): Promise<RunOutcome> {
  const clean = redactor([target.apiKey]);
  const save = (path: string, text: string): void => writeFileAtomic(path, clean(text));
  const saveJson = (path: string, value: unknown): void => save(path, JSON.stringify(value, null, 2) + "\n");

  const startedAt = now();
  const t0 = performance.now();
  const { dir, runId } = createRunFolder(suite.output.dir, suite.name, startedAt);

  // One stop for the run: the user's signal, or a reason found inside.
  const stopper = new AbortController();
  // Every request in flight listens to the run's stop signal; concurrent scenarios have many.
  setMaxListeners(0, stopper.signal);
  let stop: RunStop | undefined;
  const stopRun = (s: RunStop): void => {
    if (stop !== undefined) return;
    stop = s;
    stopper.abort();
  };
  const onUserStop = (): void => stopRun({ cause: "user", message: `interrupted by ${opts.interruptionReason?.() ?? "a stop signal"}` });
  if (opts.signal?.aborted) onUserStop();
  opts.signal?.addEventListener("abort", onUserStop, { once: true });

  // The GPU sampler first: a source that cannot start (no nvidia-smi, an exporter that does
  // not answer) is a configuration error, and leaves no empty run folder behind.
  let gpu: Awaited<ReturnType<typeof startRunGpuSampler>>;
  try {
    gpu = await startRunGpuSampler(suite, target, join(dir, RUN_FILES.gpuMetrics), events);
  } catch (e) {
    try {
      const timeline = join(dir, RUN_FILES.gpuMetrics);
      if (existsSync(timeline) && statSync(timeline).size === 0) unlinkSync(timeline);
      rmdirSync(dir);
    } catch {
      // something was written there: keep it
    }
    throw e;
  }
  const gpuSampler = gpu?.sampler;
  let started: Awaited<ReturnType<typeof startServerMonitor>>;
  try {
    started = await startServerMonitor(suite.target, target, join(dir, RUN_FILES.serverMetrics), events);
  } catch (e) {
    await gpuSampler?.stop().catch(() => undefined);
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
    ...(gpu ? { gpu: { source: gpu.sampler.source, simulated: gpu.simulated, gpus: gpu.sampler.gpus } } : {}),
    ...(opts.label !== undefined ? { label: opts.label } : {}),
  };

  const writer = new JsonlWriter(join(dir, RUN_FILES.records), {
    onError: (error) => stopRun({ cause: "storage", message: error.message, error }),
  });
  const records: RequestRecord[] = [];
  const attachments: Attachments = {};
  const finished: string[] = [];

  // A request that cannot connect may be a blip or the target gone: one probe at a time tells.
  let probing = false;
  const checkTarget = (rec: RequestRecord): void => {
    const kind = rec.result.error?.kind;
    if (kind === undefined || !CANNOT_CONNECT.has(kind) || probing || stop !== undefined) return;
    probing = true;
    const probe = target.client.listModels().then(
      () => undefined,
      (e: unknown) => e,
    );
    void Promise.race([probe, after(PROBE_TIMEOUT_MS, new UnreachableError("no answer to GET /models"))])
      .then((e) => {
        if (e instanceof UnreachableError) {
          const message = `the target went away at ${placeOf(rec)}: ${rec.result.error?.message ?? kind}`;
          stopRun({ cause: "target_gone", message, error: new UnreachableError(message) });
        }
      })
      .finally(() => {
        probing = false;
      });
  };

  const ctx: ScenarioContext = {
    client: target.client,
    endpoint: target.endpoint,
    target: suite.target,
    targetInfo: target.info,
    record(rec) {
      writer.append(rec);
      records.push(rec);
      events.emit("request:end", rec);
      checkTarget(rec);
    },
    attach(scenario, key, value) {
      (attachments[scenario] ??= {})[key] = value;
      try {
        saveJson(join(dir, RUN_FILES.attachments), attachments);
      } catch (e) {
        if (e instanceof StorageError) stopRun({ cause: "storage", message: e.message, error: e });
        else throw e;
      }
    },
    events,
    signal: stopper.signal,
    ...(monitor ? { monitor } : {}),
  };

  try {
    saveJson(join(dir, RUN_FILES.manifest), manifest);
    const work = (async () => {
      await warmUp(suite.target.warmup_requests, ctx);
      for (const sc of suite.scenarios) {
        if (stopper.signal.aborted) break;
        // The server's counters at the scenario's own start and end (not the nearest polls,
        // which would pull in the warm-up or the neighbouring scenario), and the client's health.
        await monitor?.snapshotNow().catch(() => undefined);
        const span = { startEpochMs: Date.now(), startPerfMs: performance.now() };
        const health = new ClientHealthSampler();
        try {
          await scenarioModule(sc.kind).run(sc as never, ctx);
        } finally {
          ctx.attach(sc.name, "client", health.stop());
          ctx.attach(sc.name, "span", { ...span, endEpochMs: Date.now(), endPerfMs: performance.now() });
        }
        if (!stopper.signal.aborted) {
          await monitor?.snapshotNow().catch(() => undefined);
          finished.push(sc.name);
        }
      }
    })();
    // Once stopped, the scenario has a grace period to let its requests end as aborted.
    const stopped = new Promise<"stopped">((resolve) => {
      const wait = (): void => void after(opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS, "stopped" as const).then(resolve);
      if (stopper.signal.aborted) wait();
      else stopper.signal.addEventListener("abort", wait, { once: true });
    });
    const how = await Promise.race([work.then(() => "done" as const), stopped]);
    if (how === "stopped") events.emit("warning", "the stopped scenario did not wind down in time: writing the results without waiting for it");
    work.catch(() => undefined);
  } catch (e) {
    if (e instanceof StorageError) stopRun({ cause: "storage", message: e.message, error: e });
    else
      stopRun({
        cause: "error",
        message: e instanceof ShakedownError ? `stopped: ${e.message}` : `stopped by an internal error: ${(e as Error).message}`,
        error: e,
      });
  } finally {
    opts.signal?.removeEventListener("abort", onUserStop);
    writer.close();
    await Promise.race([
      Promise.all([monitor?.stop().catch(() => undefined), gpuSampler?.stop().catch(() => undefined)]),
      after(MONITOR_GRACE_MS, undefined),
    ]);
  }
  // A write failure found at close (the last batch) stops the run as a storage failure too.
  if (writer.failure && stop === undefined) stopRun({ cause: "storage", message: writer.failure.message, error: writer.failure });

  // Whatever happened, what was measured is analysed and written.
  const ended = now();
  const results = buildResults(
    manifest,
    records,
    {
      complete: stop === undefined,
      ...(stop ? { interruption: stop.message } : {}),
      finishedScenarios: finished,
      endedAt: ended.toISOString(),
      durationMs: performance.now() - t0,
      renderedAt: ended.toISOString(),
    },
    { server: monitor?.timeline ?? [], gpu: gpuSampler ? [...gpuSampler.samples] : [], attachments },
  );
  let writeError: StorageError | undefined;
  try {
    saveJson(join(dir, RUN_FILES.results), results);
    save(join(dir, RUN_FILES.report), renderMarkdownReport(results));
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    writeError = e;
  }
  // report.html last, and tried whatever happened above (it embeds the results): a failure
  // to render it is a warning; a failure to write it counts as report.md's would.
  const html = await writeHtmlReport(dir, { results, records, server: monitor?.timeline ?? [], gpu: gpuSampler ? [...gpuSampler.samples] : [] }, save);
  if (html instanceof StorageError) writeError ??= html;
  else if (html !== undefined) events.emit("warning", html);
  return { dir, results, ...(stop ? { stop } : {}), ...(writeError ? { writeError } : {}) };
}
