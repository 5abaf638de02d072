/**
 * Repeated runs (`shakedown run --repeat N`): the suite N times, each run a run folder as a
 * single run makes it, then a summary folder `<out>/<timestamp>-<suite>-repeat<N>/`
 * (repeat.json, repeat.md) with each scenario's headline figures over the runs and a
 * between-run confidence interval, and how stable each verdict was.
 *
 * Order: in rounds. Round r runs every scenario once, in suite order (A1 B1 C1, then A2 B2
 * C2, …), never A1 A2 A3 B1 B2 B3: a drift of the machine over the session (thermal
 * throttling, a neighbour's load, a cache filling up) then spreads over every scenario's
 * runs instead of passing for one scenario's effect. The order inside a round is the suite's
 * own in every round, so each scenario runs after the same neighbour as in a single run, and
 * each round is a run like any other (its own warm-up, its own connection; on the embedded
 * simulator a fresh simulator, as a single run has).
 *
 * A run that stops early (the user's Ctrl-C, the target gone, the disk, an error) stops the
 * rounds after it; the summary is written for the rounds that ran, the stopped run's
 * scenarios that did not run to their end left out of the figures. A round that cannot
 * start (the target unreachable) stops them too; in round 1 it is thrown, as a single run's.
 *
 * Library use: `runRepeated(suite, { repeat: 3 })` resolves to the outcomes, the summary and
 * its folder; the executor's events, signal and clock options pass through.
 */
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { join } from "node:path";
import type { Suite } from "../config/schema.js";
import { redactDeep, redactor } from "../client/redact.js";
import { CACHE_PROBES } from "../config/schema.js";
import { EXIT, ShakedownError, StorageError } from "../errors.js";
import type { VerdictStatus } from "../metrics/index.js";
import { fmtDuration, fmtMetric } from "../report/format.js";
import { bullets, code, heading, paragraph, strong, table, type Inline } from "../report/md.js";
import type { MetricValue, ScenarioResult } from "../scenarios/types.js";
import { storageError, writeFileAtomic } from "../store/files.js";
import { createRunFolder, RUN_FILES, type RunResults, type RunStatus } from "../store/run-folder.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { executeRun, exitCodeForOutcome, type ExecuteOptions, type RunOutcome, exitCodeFor } from "./executor.js";

export const REPEAT_SCHEMA_VERSION = 1;
export const REPEAT_FILES = { json: "repeat.json", md: "repeat.md" } as const;
/** Confidence of the between-run interval. */
export const REPEAT_CONFIDENCE = 0.95;

export interface RepeatOptions extends ExecuteOptions {
  /** How many runs (≥ 1). */
  repeat: number;
  /** Before each round's run starts (1-based). */
  onRoundStart?: (round: number, of: number) => void;
  /** After each round's run has written its folder: print it, index it. Awaited before the next round. */
  onRunEnd?: (outcome: RunOutcome, round: number, of: number) => void | Promise<void>;
  /** The exit code a run's results imply when it was not stopped (default: exitCodeFor, as `shakedown run`). */
  verdictCode?: (r: RunResults) => number;
}


/** A round whose run could not start (executeRun threw): the rounds after it were not run. */
export interface RoundFailure {
  round: number;
  message: string;
  exitCode: number;
  error: unknown;
}

export interface RepeatOutcome {
  /** One per round that ran, in round order. */
  outcomes: RunOutcome[];
  summary: RepeatSummary;
  /** The summary folder (repeat.json, repeat.md); absent when it could not be created. */
  dir?: string;
  /** The user stopped the repeat (the signal fired): the rounds after the one under way were not run. */
  interrupted: boolean;
  /** A round that could not start. */
  failure?: RoundFailure;
  /** repeat.json or repeat.md could not be written (the summary above is still whole). */
  writeError?: StorageError;
}

export interface RepeatFigure {
  metric: string;
  unit: MetricValue["unit"];
  /** One per round that ran, in round order; null where the scenario is not counted or the figure has no value. */
  values: (number | null)[];
  /** The samples each value rests on (its n), as values. */
  samples: (number | null)[];
  /** Values counted. */
  count: number;
  mean?: number;
  /** Sample standard deviation of the run values (n − 1). */
  sd?: number;
  /**
   * Between-run 95 % interval of the mean: mean ± t(0.975, count − 1) · sd / √count, from 2
   * values; cut to the figure's range (unitBounds), `clipped` then.
   */
  ci95?: { low: number; high: number; halfWidth: number; clipped?: boolean };
  /** sd / |mean|: the run-to-run spread relative to the figure. */
  cv?: number;
  min?: number;
  max?: number;
}

export interface RepeatVerdict {
  threshold: string;
  metric: string;
  /** One per round that ran; null where the scenario is not counted or had no such verdict. */
  statuses: (VerdictStatus | null)[];
  /** Runs counted, and how each ended. */
  of: number;
  passed: number;
  failed: number;
  inconclusive: number;
  notMeasured: number;
  /** Every counted run gave the same status. */
  stable: boolean;
}

export interface RepeatScenario {
  name: string;
  kind: string;
  /** Rounds (1-based) whose run of the scenario is counted: it ran to its end. */
  counted: number[];
  /** Rounds left out, and why. */
  excluded: { round: number; why: string }[];
  figures: RepeatFigure[];
  verdicts: RepeatVerdict[];
}

export interface RepeatRun {
  round: number;
  /** The run folder's name: a sibling of the summary folder. */
  runId: string;
  status: RunStatus;
  complete: boolean;
  interruption?: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  /** The exit code this run alone would have given. */
  exitCode: number;
}

export interface RepeatSummary {
  schemaVersion: typeof REPEAT_SCHEMA_VERSION;
  tool: { name: string; version: string };
  suite: string;
  /** Runs asked (--repeat), and how many ran. */
  repeat: number;
  rounds: number;
  /** How the runs were ordered. */
  order: string;
  startedAt: string;
  endedAt: string;
  target: { url: string; model: string; simulated: boolean; simProfile?: string };
  /** Every round ran to its end. */
  complete: boolean;
  /** Worst of the runs' statuses; incomplete when the repeat stopped early. */
  status: RunStatus;
  /** Why the rounds stopped early. */
  stopped?: string;
  confidence: number;
  /** How the interval is computed, and why between runs. */
  method: string;
  runs: RepeatRun[];
  scenarios: RepeatScenario[];
}

// ─────────────────────────────── statistics ───────────────────────────────

/**
 * Figures shown for a scenario besides its thresholds' metrics: each kind's key figures
 * (when measured).
 */
export const KEY_FIGURES: Record<string, readonly string[]> = {
  conversation: ["ttft.p50", "ttft.p90", "e2e.p90", "output_tps.mean", "e2e_output_tps.mean", "success_rate"],
  reasoning: ["ttft.p50", "ttft.p90", "e2e.p90", "output_tps.mean", "score.mean", "pass_rate", "success_rate"],
  tools: ["call_accuracy", "pass_rate", "ttft.p50", "ttft.p90", "e2e.p90", "success_rate"],
  cache: [...CACHE_PROBES.map((p) => `speedup.${p}`), "success_rate"],
  load: ["ttft.p50", "ttft.p90", "e2e.p90", "tpot.p50", "throughput", "output_tps_total", "goodput", "max_throughput", "max_goodput", "success_rate"],
  soak: ["ttft.p50", "ttft.p90", "e2e.p90", "output_tps", "success_rate", "score.mean"],
};

/** The range a figure of this unit can take: a latency or a rate is never negative, a fraction lies in [0, 1]. */
export function unitBounds(unit: MetricValue["unit"]): { min?: number; max?: number } {
  switch (unit) {
    case "fraction":
      return { min: 0, max: 1 };
    case "ms":
    case "tok/s":
    case "tokens":
    case "sessions":
    case "count":
    case "req/s":
    case "x":
      return { min: 0 };
    default:
      // ratios (a change, +/−) and slopes may be negative
      return {};
  }
}

/**
 * Mean, spread and the Student-t interval of the mean of `xs` (finite numbers). The interval
 * is cut to `bounds` (a symmetric interval around a small latency reaches below 0 ms, which
 * no run can give); `clipped` says so, and `halfWidth` stays the uncut one.
 */
export function betweenRunStats(
  xs: readonly number[],
  confidence = REPEAT_CONFIDENCE,
  bounds: { min?: number; max?: number } = {},
): Pick<RepeatFigure, "mean" | "sd" | "ci95" | "cv" | "min" | "max"> {
  if (xs.length === 0) return {};
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: Pick<RepeatFigure, "mean" | "sd" | "ci95" | "cv" | "min" | "max"> = { mean, min: Math.min(...xs), max: Math.max(...xs) };
  if (xs.length < 2) return out;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
  const halfWidth = sd === 0 ? 0 : tQuantile((1 + confidence) / 2, xs.length - 1) * (sd / Math.sqrt(xs.length));
  const low = bounds.min !== undefined ? Math.max(bounds.min, mean - halfWidth) : mean - halfWidth;
  const high = bounds.max !== undefined ? Math.min(bounds.max, mean + halfWidth) : mean + halfWidth;
  const clipped = low !== mean - halfWidth || high !== mean + halfWidth;
  return { ...out, sd, ci95: { low, high, halfWidth, ...(clipped ? { clipped } : {}) }, ...(mean !== 0 ? { cv: sd / Math.abs(mean) } : {}) };
}

export const REPEAT_METHOD =
  "Each run gives one value of a figure (its p90, its mean, its success rate); the interval is Student's t over those N values: " +
  "mean ± t(0.975, N−1) × sd / √N. It is the interval of what a run gives on average, between runs. One run's own spread " +
  "(the scatter of its requests, or a bootstrap interval of its p90) is not that: the requests of one run share the server's " +
  "state of the moment (caches, memory, clocks and temperature of the GPU, other tenants, the scheduler's warm-up), which " +
  "changes between runs and not within one, so a within-run interval is too narrow for the question \"would another run give " +
  "the same figure?\". With few runs the interval is wide by design (t = 12.7 for 2 runs, 4.3 for 3, 2.8 for 5); it assumes the " +
  "run values roughly normal and independent, and is cut to what the figure can be (no latency below 0 ms, no rate above 100 %). Runs whose scenario did not run to its end are left out of that scenario's figures.";

const ORDER =
  "rounds: round r runs every scenario once, in suite order (A1 B1 C1, A2 B2 C2, …), so that a drift of the machine spreads over every scenario's runs";

function worstStatus(statuses: readonly RunStatus[], complete: boolean): RunStatus {
  if (!complete) return "incomplete";
  if (statuses.includes("fail")) return "fail";
  if (statuses.includes("inconclusive")) return "inconclusive";
  if (statuses.length > 0 && statuses.every((s) => s === "not_measured")) return "not_measured";
  return "pass";
}

export interface RepeatInput {
  /** Runs asked. */
  repeat: number;
  /** The runs that ran, in round order, with the exit code each alone gives. */
  runs: readonly { results: RunResults; exitCode: number }[];
  startedAt: string;
  endedAt: string;
  /** Every round ran to its end. */
  complete: boolean;
  stopped?: string;
}

/** The repeat summary of the runs that ran. Pure. */
export function summarizeRepeat(input: RepeatInput): RepeatSummary {
  const first = input.runs[0]?.results;
  const configs = first?.suite.scenarios ?? [];
  const scenarios: RepeatScenario[] = configs.map((cfg) => {
    const per: (ScenarioResult | undefined)[] = input.runs.map(({ results }) => {
      const sc = results.scenarios.find((s) => s.name === cfg.name);
      return sc && sc.status !== "incomplete" ? sc : undefined;
    });
    const counted: number[] = [];
    const excluded: RepeatScenario["excluded"] = [];
    input.runs.forEach(({ results }, i) => {
      const sc = results.scenarios.find((s) => s.name === cfg.name);
      if (per[i]) counted.push(i + 1);
      else excluded.push({ round: i + 1, why: sc ? "stopped before its end" : "not run: the run stopped before it" });
    });
    const present = per.filter((s): s is ScenarioResult => s !== undefined);
    const names: string[] = [];
    for (const sc of present) for (const v of sc.verdicts) if (!names.includes(v.metric)) names.push(v.metric);
    for (const m of KEY_FIGURES[cfg.kind] ?? []) if (!names.includes(m)) names.push(m);
    const figures: RepeatFigure[] = [];
    for (const metric of names) {
      const mv = per.map((sc) => sc?.metrics[metric]);
      const values = mv.map((m) => (m?.value !== undefined && Number.isFinite(m.value) ? m.value : null));
      const xs = values.filter((v): v is number => v !== null);
      if (xs.length === 0) continue;
      const unit = mv.find((m) => m !== undefined)?.unit ?? "ms";
      figures.push({ metric, unit, values, samples: mv.map((m, i) => (values[i] !== null ? (m?.n ?? null) : null)), count: xs.length, ...betweenRunStats(xs, REPEAT_CONFIDENCE, unitBounds(unit)) });
    }
    const thresholds: { threshold: string; metric: string }[] = [];
    for (const sc of present) for (const v of sc.verdicts) if (!thresholds.some((t) => t.threshold === v.threshold)) thresholds.push({ threshold: v.threshold, metric: v.metric });
    const verdicts: RepeatVerdict[] = thresholds.map(({ threshold, metric }) => {
      const statuses = per.map((sc) => sc?.verdicts.find((v) => v.threshold === threshold)?.status ?? null);
      const got = statuses.filter((s): s is VerdictStatus => s !== null);
      const n = (s: VerdictStatus) => got.filter((g) => g === s).length;
      return {
        threshold,
        metric,
        statuses,
        of: got.length,
        passed: n("pass"),
        failed: n("fail"),
        inconclusive: n("inconclusive"),
        notMeasured: n("not_measured"),
        stable: got.every((g) => g === got[0]),
      };
    });
    return { name: cfg.name, kind: cfg.kind, counted, excluded, figures, verdicts };
  });
  return {
    schemaVersion: REPEAT_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    suite: first?.suite.name ?? "",
    repeat: input.repeat,
    rounds: input.runs.length,
    order: ORDER,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    target: first
      ? { url: first.target.url, model: first.target.model, simulated: first.target.simulated, ...(first.target.simProfile ? { simProfile: first.target.simProfile } : {}) }
      : { url: "", model: "", simulated: false },
    complete: input.complete,
    status: worstStatus(
      input.runs.map((r) => r.results.status),
      input.complete,
    ),
    ...(input.stopped !== undefined ? { stopped: input.stopped } : {}),
    confidence: REPEAT_CONFIDENCE,
    method: REPEAT_METHOD,
    runs: input.runs.map(({ results, exitCode }, i) => ({
      round: i + 1,
      runId: results.runId,
      status: results.status,
      complete: results.complete,
      ...(results.interruption ? { interruption: results.interruption } : {}),
      startedAt: results.startedAt,
      ...(results.endedAt ? { endedAt: results.endedAt } : {}),
      ...(results.durationMs !== undefined ? { durationMs: results.durationMs } : {}),
      exitCode,
    })),
    scenarios,
  };
}

// ─────────────────────────────── exit code ───────────────────────────────

/**
 * Exit codes from worst to best: the user's stop, then the tool's own failures (a bug, the
 * disk, the target gone, a usage error), then the verdicts (failed, inconclusive), then an
 * incomplete run, then a pass.
 */
const SEVERITY: readonly number[] = [EXIT.interrupted, EXIT.internal, EXIT.io, EXIT.unreachable, EXIT.usage, EXIT.verdictFailed, EXIT.inconclusive, EXIT.incomplete, EXIT.ok];

/** The worst of several exit codes (an unknown code counts just after a usage error). */
export function worstExitCode(codes: readonly number[]): number {
  const rank = (c: number) => {
    const i = SEVERITY.indexOf(c);
    return i >= 0 ? i : SEVERITY.indexOf(EXIT.usage) + 0.5;
  };
  return codes.reduce((worst, c) => (rank(c) < rank(worst) ? c : worst), EXIT.ok);
}

/**
 * The exit code of a repeat: the worst of its runs' (a failed verdict in any run fails it),
 * 130 when the user stopped it, a round that could not start its error's, 74 when the
 * summary could not be written.
 */
export function exitCodeForRepeat(o: RepeatOutcome, verdictCode: (r: RunResults) => number = exitCodeFor): number {
  const codes = o.outcomes.map((x) => exitCodeForOutcome(x, verdictCode));
  if (o.failure) codes.push(o.failure.exitCode);
  if (o.writeError) codes.push(EXIT.io);
  if (o.interrupted) codes.push(EXIT.interrupted);
  return worstExitCode(codes);
}

// ─────────────────────────────── report ───────────────────────────────

function fmtInterval(f: RepeatFigure): Inline {
  if (!f.ci95) return f.count < 2 ? "— (one run)" : "—";
  return `${fmtMetric(f.ci95.low, f.unit)} … ${fmtMetric(f.ci95.high, f.unit)}`;
}

const VERDICT_WORD: Record<VerdictStatus, string> = { pass: "pass", fail: "FAIL", inconclusive: "inconclusive", not_measured: "not measured" };

/** repeat.md: the runs, then each scenario's figures and verdicts over the runs. */
export function renderRepeatMarkdown(s: RepeatSummary): string {
  const out: string[] = [];
  out.push(heading(1, "Repeat summary: ", code(s.suite), ` × ${s.repeat}`));
  const where = s.target.simulated ? `shakedown simulator (profile ${s.target.simProfile ?? "?"}; not a model)` : [code(s.target.url), " (", code(s.target.model), ")"];
  out.push(
    bullets([
      ["Target: ", where],
      ["Status: ", strong(s.status), s.complete ? "" : ` — ${s.rounds} of ${s.repeat} rounds ran`, s.stopped ? ["; ", s.stopped] : ""],
      ["Order: ", s.order],
      ["Started ", s.startedAt, ", ended ", s.endedAt],
    ]),
  );
  out.push(heading(2, "Runs"));
  out.push(
    table(
      ["round", "run folder", "status", "duration", "exit code"],
      s.runs.map((r) => [String(r.round), code(`../${r.runId}/${RUN_FILES.html}`), [r.status, r.interruption ? [" (", r.interruption, ")"] : ""], fmtDuration(r.durationMs), String(r.exitCode)]),
    ),
  );
  const rounds = s.runs.map((r) => `run ${r.round}`);
  for (const sc of s.scenarios) {
    out.push(heading(2, code(sc.name), ` (${sc.kind})`));
    if (sc.excluded.length > 0) {
      out.push(paragraph("Left out: ", sc.excluded.map((e, i) => [i > 0 ? "; " : "", `run ${e.round} (${e.why})`])));
    }
    if (sc.figures.length === 0) out.push(paragraph("No figure was measured in any counted run."));
    else {
      out.push(
        table(
          ["figure", ...rounds, "mean", `${Math.round(s.confidence * 100)} % interval (between runs)`, "spread (sd / mean)"],
          sc.figures.map((f) => [
            code(f.metric),
            ...f.values.map((v) => (v === null ? "—" : fmtMetric(v, f.unit))),
            fmtMetric(f.mean, f.unit),
            fmtInterval(f),
            f.cv !== undefined ? `${(f.cv * 100).toFixed(1)} %` : "—",
          ]),
        ),
      );
    }
    if (sc.verdicts.length > 0) {
      out.push(
        table(
          ["threshold", ...rounds, "passed", "stable"],
          sc.verdicts.map((v) => [
            code(v.threshold),
            ...v.statuses.map((st) => (st === null ? "—" : VERDICT_WORD[st])),
            `${v.passed} of ${v.of}`,
            v.stable ? "yes" : strong("no"),
          ]),
        ),
      );
    }
  }
  out.push(heading(2, "Why a between-run interval"));
  out.push(paragraph(s.method));
  return out.join("\n\n") + "\n";
}

// ─────────────────────────────── running ───────────────────────────────

/** The secrets a summary (or a JUnit file) must never hold: the simulator's key, the target's key. */
export function suiteSecrets(suite: Suite, env: NodeJS.ProcessEnv): (string | undefined)[] {
  const name = suite.target.api_key_env;
  return [suite.target.sim?.api_key, name !== undefined ? env[name] : undefined];
}

/** Writes repeat.json and repeat.md into a fresh summary folder; returns it, or the error. */
export function writeRepeatSummary(parent: string, summary: RepeatSummary, redact: (t: string) => string = (t) => t): { dir?: string; error?: StorageError } {
  let dir: string;
  try {
    dir = createRunFolder(parent, `${summary.suite}-repeat${summary.repeat}`, new Date(summary.startedAt)).dir;
  } catch (e) {
    return { error: e instanceof StorageError ? e : storageError("creating the repeat summary folder in", parent, e) };
  }
  try {
    writeFileAtomic(join(dir, REPEAT_FILES.json), redact(JSON.stringify(summary, null, 2) + "\n"));
    writeFileAtomic(join(dir, REPEAT_FILES.md), redact(renderRepeatMarkdown(summary)));
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    return { dir, error: e };
  }
  return { dir };
}

/**
 * Runs the suite `repeat` times in rounds, then writes the summary folder. Never throws for
 * a round after the first: a round that cannot start ends the repeat (`failure`).
 */
export async function runRepeated(suite: Suite, opts: RepeatOptions): Promise<RepeatOutcome> {
  const n = opts.repeat;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`repeat must be a positive integer, got ${n}`);
  const now = opts.now ?? (() => new Date());
  const { repeat: _repeat, onRoundStart, onRunEnd, verdictCode = exitCodeFor, ...execOpts } = opts;
  const startedAt = now();
  const outcomes: RunOutcome[] = [];
  let failure: RoundFailure | undefined;
  let stopped: string | undefined;
  for (let round = 1; round <= n; round++) {
    if (opts.signal?.aborted) {
      stopped = `stopped by the user before round ${round}`;
      break;
    }
    onRoundStart?.(round, n);
    let outcome: RunOutcome;
    try {
      outcome = await executeRun(suite, execOpts);
    } catch (e) {
      if (round === 1) throw e;
      const message = e instanceof Error ? e.message : String(e);
      failure = { round, message, exitCode: e instanceof ShakedownError ? e.exitCode : EXIT.internal, error: e };
      stopped = `round ${round} could not start: ${message}`;
      break;
    }
    outcomes.push(outcome);
    await onRunEnd?.(outcome, round, n);
    if (outcome.stop) {
      if (round < n) stopped = `round ${round} stopped early (${outcome.stop.message}): rounds ${round + 1}-${n} were not run`;
      else stopped = `round ${round} stopped early (${outcome.stop.message})`;
      break;
    }
  }
  const interrupted = opts.signal?.aborted ?? false;
  const complete = failure === undefined && outcomes.length === n && outcomes.every((o) => o.results.complete);
  const clean = redactor(suiteSecrets(suite, opts.env ?? process.env));
  const summary = redactDeep(
    summarizeRepeat({
      repeat: n,
      runs: outcomes.map((o) => ({ results: o.results, exitCode: exitCodeForOutcome(o, verdictCode) })),
      startedAt: startedAt.toISOString(),
      endedAt: now().toISOString(),
      complete,
      ...(stopped !== undefined ? { stopped } : {}),
    }),
    clean,
  );
  const written = writeRepeatSummary(suite.output.dir, summary, clean);
  return {
    outcomes,
    summary,
    ...(written.dir !== undefined ? { dir: written.dir } : {}),
    interrupted,
    ...(failure ? { failure } : {}),
    ...(written.error ? { writeError: written.error } : {}),
  };
}
