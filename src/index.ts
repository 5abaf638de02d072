/**
 * shakedown's library API: the one public entry point (`import … from "shakedown"`).
 * Everything exported here is public and documented in docs/api.md; every other module is
 * internal and may change in any release. The CLI's `run` and `report` commands go through
 * these functions too.
 *
 *   runSuite(suite, opts)    run a suite: an EventEmitter of the run's events and a promise of its outcome
 *   loadSuite(source, opts)  a validated suite from a file, an object, or the built-in default
 *   startSimulator(opts)     the embedded OpenAI-compatible simulator (never a model)
 *   analyseRun(dir, opts)    re-analyse a run folder offline (as `shakedown report DIR`)
 *   diffRuns(a, b, opts)     compare two run folders (as `shakedown diff A B`)
 *   runGrid(file, opts)      run a grid of server configurations and compare its cells (as `shakedown grid`)
 */
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { validateSuiteObject } from "./config/load.js";
import { effectiveScenarioName, isPlainObject } from "./config/kinds.js";
import { applySets } from "./config/overrides.js";
import { resolveSuite } from "./config/resolve.js";
import type { Suite, SuiteInput } from "./config/schema.js";
import { ConfigError, StorageError } from "./errors.js";
import { writeHtmlReport } from "./report/html/write.js";
import { renderMarkdownReport } from "./report/markdown.js";
import { loadOverrides } from "./review/overrides.js";
import { buildResults } from "./run/analyze.js";
import { RunEvents, type RunEventMap } from "./run/events.js";
import { executeRun, type RunOutcome } from "./run/executor.js";
import { describeSkippedLines, writeFileAtomic, writeJsonAtomic } from "./store/files.js";
import type { RequestRecord } from "./store/records.js";
import { loadRunFolder, RUN_FILES, SKIPPED_KEPT, type RunResults } from "./store/run-folder.js";

// ---------------------------------------------------------------------------------------------
// Types users need (all type-only: nothing here runs).

export type { Suite, SuiteInput, ScenarioConfig, SimKnobs, TargetConfig } from "./config/schema.js";
export type { RunOutcome, RunStop } from "./run/executor.js";
export type { RunEventMap, SoakWindowProgress } from "./run/events.js";
export type { RunResults, RunStatus, RunManifest, RecordsSummary, LoadedRun } from "./store/run-folder.js";
export type { ScenarioResult, MetricValue, TargetInfo } from "./scenarios/types.js";
export type { RequestRecord, LoadStage } from "./store/records.js";
export type { Verdict, VerdictStatus } from "./metrics/verdicts.js";
export type { RunningSimulator, StartSimulatorOptions, SimStats, SimProfileName } from "./sim/index.js";

// ---------------------------------------------------------------------------------------------
// Errors and exit codes.

export { ShakedownError, ConfigError, AuthError, UnreachableError, RunFolderError, StorageError, EXIT, type ExitCode } from "./errors.js";
export { SuiteValidationError } from "./config/issues.js";
export type { SuiteIssue } from "./config/issues.js";

// ---------------------------------------------------------------------------------------------
// The simulator, and the comparison of two runs.

export { startSimulator } from "./sim/index.js";
export { diffRuns } from "./compare/index.js";
export type { DiffOptions, DiffResult, ScenarioDiff, FigureDiff, FigureTest, FailOnOutcome, RunSide } from "./compare/index.js";
export type { ChangeWord, Direction, Interval } from "./metrics/compare.js";

// ---------------------------------------------------------------------------------------------
// Grids of server configurations.

export type { RunGridOptions, GridResult } from "./grid/index.js";
export type { GridManifest, GridVisit, GridCell, VisitStatus } from "./grid/types.js";
export type { GridAnalysis, GridPair, GridFigure, GridCellAnalysis, GridRecommendation, GridChampion, GridPareto } from "./grid/compare-types.js";

/**
 * Runs a grid file (docs/grid.md), or finishes the grid folder `opts.resume`: every cell's
 * server started, checked and stopped per visit, the suite run in it, the visits interleaved,
 * then the cells compared. Rejects with a ConfigError (nothing started, nothing written) for a
 * grid that cannot run. Loaded on first use: a run does not load the grid's modules.
 */
export async function runGrid(file: string | undefined, opts?: import("./grid/index.js").RunGridOptions): Promise<import("./grid/index.js").GridResult> {
  return (await import("./grid/index.js")).runGrid(file, opts);
}

// ---------------------------------------------------------------------------------------------
// loadSuite

/** What loadSuite applies to the suite before validating it, in this order (as the CLI's flags do). */
export interface LoadSuiteOptions {
  /** Keep only the scenarios of this kind or name (`--scenario`); without a suite, a suite of that one kind with its defaults. */
  scenario?: string;
  /** `path=value` assignments (`--set`), e.g. `"conversation.turns=5"`, `"target.sim.profile=fast"`. */
  sets?: string[];
  /** The server to test (`--target`, `--model`, `--api-key-env`); a url replaces the suite's simulator. */
  target?: { url?: string; model?: string; apiKeyEnv?: string };
  /** Where run folders are written (`--out`; default `runs`, relative to the working directory). */
  outDir?: string;
}

/** How a suite object is named in validation messages. */
const OBJECT_LABEL = "suite object";

/**
 * A validated suite with every default filled in. `source` is a suite file's path, a suite
 * object (a SuiteInput, as the YAML would read), or undefined for the built-in default suite
 * (what `shakedown run` runs with no file). Throws a ConfigError (a SuiteValidationError for
 * an invalid suite) that names every problem at once.
 */
export function loadSuite(source?: string | SuiteInput, opts: LoadSuiteOptions = {}): Suite {
  if (source === undefined || typeof source === "string") {
    return resolveSuite({
      ...(source !== undefined ? { file: source } : {}),
      ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
      sets: opts.sets ?? [],
      target: opts.target ?? {},
      ...(opts.outDir !== undefined ? { outDir: opts.outDir } : {}),
    });
  }
  return suiteFromObject(source, opts);
}

/** loadSuite for an object: the same steps as resolveSuite takes for a file. */
function suiteFromObject(source: unknown, opts: LoadSuiteOptions): Suite {
  if (!isPlainObject(source)) return validateSuiteObject(source, OBJECT_LABEL); // throws: not a mapping
  let raw: Record<string, unknown> = source;
  if (opts.scenario !== undefined && Array.isArray(raw.scenarios)) {
    const wanted = opts.scenario;
    const all: unknown[] = raw.scenarios;
    const kept = all.filter((s) => isPlainObject(s) && (s.kind === wanted || effectiveScenarioName(s) === wanted));
    if (kept.length === 0) {
      const names = all.map((s) => (isPlainObject(s) ? String(effectiveScenarioName(s) ?? s.kind ?? "(no kind)") : "(not a mapping)"));
      throw new ConfigError(`scenario ${wanted}: no scenario of the ${OBJECT_LABEL} has that kind or name; its scenarios: ${names.join(", ") || "none"}`);
    }
    raw = { ...raw, scenarios: kept };
  }
  if (opts.sets !== undefined && opts.sets.length > 0) raw = applySets(raw, opts.sets) as Record<string, unknown>;
  const { url, model, apiKeyEnv } = opts.target ?? {};
  if (url !== undefined || model !== undefined || apiKeyEnv !== undefined) {
    const target: Record<string, unknown> = isPlainObject(raw.target) ? { ...raw.target } : {};
    if (url !== undefined) {
      target.url = url;
      delete target.sim; // the simulator's knobs do not apply to a real server
    }
    if (model !== undefined) target.model = model;
    if (apiKeyEnv !== undefined) target.api_key_env = apiKeyEnv;
    raw = { ...raw, target };
  }
  if (opts.outDir !== undefined) raw = { ...raw, output: { ...(isPlainObject(raw.output) ? raw.output : {}), dir: opts.outDir } };
  return validateSuiteObject(raw, OBJECT_LABEL);
}

// ---------------------------------------------------------------------------------------------
// runSuite

export interface RunOptions {
  /** Aborting it stops the run as `stop()` does. */
  signal?: AbortSignal;
  /**
   * Names what stopped the run, for the results ("interrupted by SIGINT"); read once it has
   * stopped. Default: the reason given to `stop()`, else the signal's reason when it is a string.
   */
  interruptionReason?: () => string | undefined;
  /** Where the suite's `target.api_key_env` is read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Another emitter that receives every event too (a progress display shared by several runs). */
  events?: EventEmitter<RunEventMap>;
  /** The run's label (a server version, a commit), kept in run.json and results.json and indexed by the history. */
  label?: string;
}

/**
 * A run in progress: an EventEmitter of the run's events (subscribe right after runSuite
 * returns: the run starts on the next microtask) and a promise of its outcome (`await` it).
 */
export interface RunHandle extends EventEmitter<RunEventMap> {
  /**
   * Stops the run as Ctrl-C does: requests in flight end as aborted, every record that ended
   * is kept, results and reports are written, marked incomplete, and the promise resolves
   * with `stop.cause === "user"`. `reason` goes into results.interruption
   * ("interrupted by <reason>"; default "stop()"). Calling it again does nothing.
   */
  stop(reason?: string): void;
  /** The outcome as a plain Promise (what `await handle` gives). */
  readonly done: Promise<RunOutcome>;
  then<A = RunOutcome, B = never>(
    onfulfilled?: ((outcome: RunOutcome) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<RunOutcome | B>;
  finally(onfinally?: (() => void) | null): Promise<RunOutcome>;
}

/** Every event of RunEventMap, checked complete by the compiler (for RunOptions.events). */
const RUN_EVENT_NAMES: { [K in keyof RunEventMap]: true } = {
  "scenario:start": true,
  "session:start": true,
  "request:end": true,
  "scenario:end": true,
  step: true,
  "soak:window": true,
  warning: true,
};

class Run extends RunEvents implements RunHandle {
  readonly done: Promise<RunOutcome>;
  readonly #stopper = new AbortController();
  #stopReason: string | undefined;

  constructor(source: Suite | SuiteInput | string, opts: RunOptions) {
    super();
    const extra = opts.events;
    if (extra !== undefined) {
      for (const name of Object.keys(RUN_EVENT_NAMES) as (keyof RunEventMap)[]) {
        this.on(name, (...args: unknown[]) => (extra.emit as (event: string, ...a: unknown[]) => boolean)(name, ...args));
      }
    }
    const signal = opts.signal !== undefined ? AbortSignal.any([opts.signal, this.#stopper.signal]) : this.#stopper.signal;
    const interruptionReason = (): string | undefined =>
      this.#stopReason ?? opts.interruptionReason?.() ?? (typeof opts.signal?.reason === "string" ? opts.signal.reason : undefined);
    this.done = (async () => {
      await Promise.resolve(); // the caller subscribes first
      const suite = typeof source === "string" ? loadSuite(source) : validateSuiteObject(source, OBJECT_LABEL);
      return executeRun(suite, {
        signal,
        events: this,
        interruptionReason,
        ...(opts.env !== undefined ? { env: opts.env } : {}),
        ...(opts.label !== undefined ? { label: opts.label } : {}),
      });
    })();
  }

  stop(reason = "stop()"): void {
    if (this.#stopper.signal.aborted) return;
    this.#stopReason = reason;
    this.#stopper.abort();
  }

  then<A = RunOutcome, B = never>(
    onfulfilled?: ((outcome: RunOutcome) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.done.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<RunOutcome | B> {
    return this.done.catch(onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<RunOutcome> {
    return this.done.finally(onfinally);
  }
}

/**
 * Runs a suite: a Suite from loadSuite, a suite object (validated here), or a suite file's
 * path. Creates the run folder, runs every scenario, writes results.json, report.md and
 * report.html, and resolves with the outcome — whatever the verdicts; a run stopped early
 * (stop(), the signal, the target gone, the disk) also resolves, with `outcome.stop` set.
 * Rejects (a ShakedownError) when the run cannot start: an invalid suite or data file
 * (ConfigError), a target that cannot be reached (UnreachableError) or refuses the key
 * (AuthError), an output folder that cannot be written.
 */
export function runSuite(suite: Suite | SuiteInput | string, opts: RunOptions = {}): RunHandle {
  return new Run(suite, opts);
}

// ---------------------------------------------------------------------------------------------
// analyseRun

export interface AnalyseOptions {
  /** Also rewrite results.json, report.md and report.html in the folder, as `shakedown report DIR` does (default false). */
  write?: boolean;
}

export interface RunAnalysis {
  /** The run folder, absolute. */
  dir: string;
  /** The results re-computed from the folder's records with this version of shakedown. */
  results: RunResults;
  /** Every readable record of records.jsonl. */
  records: RequestRecord[];
  /** What was left out or looks wrong in the folder (unreadable lines, side files), one sentence each. */
  notes: string[];
  /** With `write`: report.html could not be rendered (results.json and report.md were written). */
  warnings: string[];
  /** With `write`: report.html could not be written (results.json and report.md were). */
  writeError?: StorageError;
}

/**
 * Re-analyses a run folder offline: reads run.json and records.jsonl (and the side files),
 * and computes the results again — a run that was stopped or killed is analysed too, marked
 * incomplete. Rejects with a RunFolderError when the folder cannot be read, and with `write`,
 * with a StorageError when results.json or report.md cannot be written (the folder's files
 * are then left as they were).
 */
export async function analyseRun(dir: string, opts: AnalyseOptions = {}): Promise<RunAnalysis> {
  const run = loadRunFolder(dir);
  const notes = [...describeSkippedLines(RUN_FILES.records, run.skippedLines), ...run.notes];
  const prev = run.previous;
  const results = buildResults(
    run.manifest,
    run.records,
    {
      // A run that never wrote results.json died before its end: it is incomplete.
      complete: prev?.complete ?? false,
      ...(prev?.finishedScenarios ? { finishedScenarios: prev.finishedScenarios } : {}),
      interruption: prev
        ? prev.interruption
        : run.previousUnreadable !== undefined
          ? `results.json was unreadable (${run.previousUnreadable}): whether the run finished is unknown`
          : "the run ended before writing results.json (crash or kill)",
      ...(prev?.endedAt !== undefined ? { endedAt: prev.endedAt } : {}),
      ...(prev?.durationMs !== undefined ? { durationMs: prev.durationMs } : {}),
      tornTail: run.tornTail,
    },
    { server: run.server, gpu: run.gpu, reviews: loadOverrides(run.dir), attachments: run.attachments },
  );
  if (run.skippedLines.length > 0) {
    results.records = { ...results.records, skippedLines: run.skippedLines.length, skipped: run.skippedLines.slice(0, SKIPPED_KEPT) };
  }
  const analysis: RunAnalysis = { dir: run.dir, results, records: run.records, notes, warnings: [] };
  if (opts.write) {
    writeJsonAtomic(join(run.dir, RUN_FILES.results), results);
    writeFileAtomic(join(run.dir, RUN_FILES.report), renderMarkdownReport(results));
    // report.html from the same folder: a rendering failure is a warning, a failed write the writeError.
    const html = await writeHtmlReport(run.dir, { results, records: run.records, server: run.server, gpu: run.gpu }, (path, text) => writeFileAtomic(path, text));
    if (typeof html === "string") analysis.warnings.push(html);
    else if (html instanceof StorageError) analysis.writeError = html;
  }
  return analysis;
}
