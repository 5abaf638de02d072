/**
 * `shakedown run [suite]`: resolve the suite, execute it (once, or --repeat N times in
 * rounds), print the summary, index each run in the history, write --junit, map the exit code.
 */
import { join, relative, resolve } from "node:path";
import { printable } from "../../config/file-check.js";
import { resolveSuite } from "../../config/resolve.js";
import type { Suite } from "../../config/schema.js";
import { redactor } from "../../client/redact.js";
import { ConfigError, EXIT, ShakedownError, StorageError } from "../../errors.js";
import { junitXml, readSpans, type JunitOptions, type JunitRun } from "../../report/junit.js";
import { exitCodeForOutcome, type RunOutcome } from "../../run/executor.js";
import { runSuite } from "../../index.js";
import { RunEvents } from "../../run/events.js";
import { exitCodeForRepeat, REPEAT_FILES, runRepeated, suiteSecrets, worstExitCode, type RepeatOutcome, type RepeatSummary } from "../../run/repeat.js";
import { fmtMetric } from "../../report/format.js";
import { writeFileAtomic } from "../../store/files.js";
import { checkLabel, indexFinishedRun } from "../../store/history.js";
import { attachProgress } from "../progress.js";
import { simFlagNames, simKnobsFromFlags, targetFromFlags, type gpuFlag, type SimFlags } from "../options.js";
import { exitCodeFor, printSummary } from "../summary.js";

export interface RunFlags extends SimFlags {
  target?: string;
  model?: string;
  apiKeyEnv?: string;
  scenario?: string;
  set: string[];
  out?: string;
  json?: boolean;
  simApiKey?: string;
  gpu?: ReturnType<typeof gpuFlag>;
  /** --junit FILE: the verdicts as JUnit XML. */
  junit?: string;
  /** --repeat N: the suite N times, in rounds, and a repeat summary. */
  repeat?: number;
  /** --label TEXT: the run's label in the history. */
  label?: string;
  /** false with --no-history. */
  history?: boolean;
}

const warn = (m: string): void => void process.stderr.write(`shakedown: warning: ${printable(m)}\n`);

export async function runCommand(suiteFile: string | undefined, flags: RunFlags): Promise<number> {
  const sim = simKnobsFromFlags(flags);
  if (flags.target !== undefined && Object.keys(sim).length > 0) {
    throw new ConfigError(
      `simulator options (${simFlagNames(sim).join(", ")}) apply only when no --target is given: they configure the embedded simulator, not ${flags.target}.`,
    );
  }
  // Checked before anything runs: a label the history would refuse must not cost the run.
  if (flags.label !== undefined && flags.history === false) {
    throw new ConfigError("--label is kept in the run history, which --no-history turns off: give one or the other.");
  }
  const label = flags.label !== undefined ? checkLabel(flags.label) : undefined;
  const junitPath = flags.junit !== undefined ? resolve(flags.junit) : undefined;
  const suite = resolveSuite({
    ...(suiteFile !== undefined ? { file: suiteFile } : {}),
    ...(flags.scenario !== undefined ? { scenario: flags.scenario } : {}),
    sets: flags.set,
    target: targetFromFlags(flags),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(Object.keys(sim).length > 0 ? { sim } : {}),
    ...(flags.gpu !== undefined ? { gpu: flags.gpu } : {}),
  });

  const index = (o: RunOutcome): void => {
    if (flags.history === false) return;
    indexFinishedRun(o.dir, o.results, { ...(label !== undefined ? { label } : {}), outDir: suite.output.dir, onWarning: warn });
  };
  /** Writes --junit; returns the exit code its failure implies (74), or undefined. */
  const writeJunit = (runs: JunitRun[], extra: Pick<JunitOptions, "notStarted"> = {}): number | undefined => {
    if (junitPath === undefined) return undefined;
    const clean = redactor(suiteSecrets(suite, process.env));
    try {
      writeFileAtomic(junitPath, clean(junitXml(runs, { ...(label !== undefined ? { label } : {}), ...extra })));
      return undefined;
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      process.stderr.write(`shakedown: --junit: ${printable(e.message)}\n`);
      return EXIT.io;
    }
  };
  /** A run that could not start still leaves a JUnit file saying why, for the CI's test report. */
  const notStarted = <T>(e: unknown, round?: { index: number; of: number }): T => {
    writeJunit([], { notStarted: { suite: suite.name, message: e instanceof Error ? e.message : String(e), ...(round ? { round } : {}) } });
    throw e;
  };

  const events = new RunEvents();
  const detach = attachProgress(events);
  const controller = new AbortController();
  let signalName: string | undefined;
  const repeat = flags.repeat ?? 1;
  const onSignal = (name: NodeJS.Signals) => {
    if (signalName !== undefined) {
      process.stderr.write(`\n${name} again: exiting now; records written so far are in the run folder.\n`);
      process.exit(EXIT.interrupted);
    }
    signalName = name;
    const more = repeat > 1 ? ", skipping the rounds left and writing the repeat summary of those that ran" : "";
    process.stderr.write(`\n${name}: stopping; keeping every record and writing an incomplete report${more} (send again to quit at once)…\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const exec = { signal: controller.signal, events, interruptionReason: () => signalName, ...(label !== undefined ? { label } : {}) };
  try {
    if (repeat > 1) return await runRepeatCommand(suite, flags, repeat, exec, index, writeJunit, notStarted);
    const outcome = await runSuite(suite, exec).catch((e: unknown) => notStarted<RunOutcome>(e));
    reportOutcome(outcome, flags.json ? process.stderr : process.stdout);
    if (flags.json) process.stdout.write(JSON.stringify(outcome.results, null, 2) + "\n");
    index(outcome);
    const junitCode = writeJunit([{ results: outcome.results, dir: outcome.dir, spans: readSpans(outcome.dir) }]);
    const code = exitCodeForOutcome(outcome, exitCodeFor);
    return junitCode !== undefined ? worstExitCode([code, junitCode]) : code;
  } finally {
    detach();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** A run's summary, then why it stopped and what could not be written, last, where they are seen. */
function reportOutcome(outcome: RunOutcome, out: NodeJS.WritableStream): void {
  const { dir, results, stop, writeError } = outcome;
  printSummary(results, dir, out);
  // A bug keeps its stack for the report to us.
  if (stop && stop.cause !== "user") {
    const detail = stop.cause === "error" && !(stop.error instanceof ShakedownError) ? `\n${(stop.error as Error).stack ?? ""}` : "";
    const kept = stop.cause === "storage" ? `the run folder is ${dir}` : `every record that ended is kept in ${dir}`;
    process.stderr.write(`shakedown: ${stop.message}; ${kept}${detail}\n`);
  }
  if (writeError) process.stderr.write(`shakedown: ${writeError.message}; the summary above holds the results, and ${dir} whatever of the run folder could be written\n`);
}

async function runRepeatCommand(
  suite: Suite,
  flags: RunFlags,
  repeat: number,
  exec: { signal: AbortSignal; events: RunEvents; interruptionReason: () => string | undefined; label?: string },
  index: (o: RunOutcome) => void,
  writeJunit: (runs: JunitRun[], extra?: Pick<JunitOptions, "notStarted">) => number | undefined,
  notStarted: <T>(e: unknown, round?: { index: number; of: number }) => T,
): Promise<number> {
  const out = flags.json ? process.stderr : process.stdout;
  const o: RepeatOutcome = await runRepeated(suite, {
    ...exec,
    repeat,
    verdictCode: exitCodeFor,
    onRoundStart: (round, of) => void process.stderr.write(`shakedown: round ${round} of ${of}\n`),
    onRunEnd: (outcome) => {
      reportOutcome(outcome, out);
      index(outcome);
    },
  }).catch((e: unknown) => notStarted<RepeatOutcome>(e, { index: 1, of: repeat }));
  if (o.failure) process.stderr.write(`shakedown: round ${o.failure.round} of ${repeat} could not start: ${printable(o.failure.message)}; the rounds after it were not run\n`);
  printRepeatSummary(o.summary, o.dir, out);
  if (o.writeError) process.stderr.write(`shakedown: ${printable(o.writeError.message)}; the summary above holds the repeat's figures\n`);
  if (flags.json) process.stdout.write(JSON.stringify(o.summary, null, 2) + "\n");
  const junitCode = writeJunit(
    o.outcomes.map((x, i) => ({ results: x.results, dir: x.dir, spans: readSpans(x.dir), round: { index: i + 1, of: repeat } })),
    o.failure ? { notStarted: { suite: suite.name, message: o.failure.message, round: { index: o.failure.round, of: repeat } } } : {},
  );
  const code = exitCodeForRepeat(o, exitCodeFor);
  return junitCode !== undefined ? worstExitCode([code, junitCode]) : code;
}

/** The repeat's figures in a few lines: each scenario's figures with their between-run interval, and the verdicts' stability. */
function printRepeatSummary(s: RepeatSummary, dir: string | undefined, out: NodeJS.WritableStream): void {
  const lines: string[] = [""];
  lines.push(`shakedown ${s.suite} × ${s.repeat}: ${s.status.toUpperCase()}${s.complete ? "" : ` (${s.rounds} of ${s.repeat} rounds ran${s.stopped ? `; ${s.stopped}` : ""})`}`);
  for (const sc of s.scenarios) {
    lines.push(`  ${sc.name} (${sc.counted.length} run${sc.counted.length === 1 ? "" : "s"} counted${sc.excluded.length ? `; left out: ${sc.excluded.map((e) => `run ${e.round}`).join(", ")}` : ""}):`);
    for (const f of sc.figures) {
      const values = f.values.map((v) => (v === null ? "—" : fmtMetric(v, f.unit))).join(", ");
      const ci = f.ci95 ? `95 % between runs ${fmtMetric(f.ci95.low, f.unit)} … ${fmtMetric(f.ci95.high, f.unit)}` : "no interval (one run)";
      lines.push(`    ${f.metric}: mean ${fmtMetric(f.mean, f.unit)}, ${ci} [${values}]`);
    }
    for (const v of sc.verdicts) lines.push(`    ${v.stable ? "stable  " : "UNSTABLE"} ${v.threshold}: passed in ${v.passed} of ${v.of} runs`);
  }
  if (dir !== undefined) {
    const rel = relative(process.cwd(), dir) || ".";
    lines.push(`  repeat summary: ${join(rel, REPEAT_FILES.md)}, ${join(rel, REPEAT_FILES.json)}`);
  }
  out.write(lines.join("\n") + "\n");
}
