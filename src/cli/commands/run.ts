/** `shakedown run [suite]`: resolve the suite, execute it, print the summary, map the exit code. */
import { resolveSuite } from "../../config/resolve.js";
import { ConfigError, EXIT, ShakedownError } from "../../errors.js";
import { executeRun, exitCodeForOutcome } from "../../run/executor.js";
import { RunEvents } from "../../run/events.js";
import { attachProgress } from "../progress.js";
import { simFlagNames, simKnobsFromFlags, type gpuFlag, type SimFlags } from "../options.js";
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
}

export async function runCommand(suiteFile: string | undefined, flags: RunFlags): Promise<number> {
  const sim = simKnobsFromFlags(flags);
  if (flags.target !== undefined && Object.keys(sim).length > 0) {
    throw new ConfigError(
      `simulator options (${simFlagNames(sim).join(", ")}) apply only when no --target is given: they configure the embedded simulator, not ${flags.target}.`,
    );
  }
  const suite = resolveSuite({
    ...(suiteFile !== undefined ? { file: suiteFile } : {}),
    ...(flags.scenario !== undefined ? { scenario: flags.scenario } : {}),
    sets: flags.set,
    target: {
      ...(flags.target !== undefined ? { url: flags.target } : {}),
      ...(flags.model !== undefined ? { model: flags.model } : {}),
      ...(flags.apiKeyEnv !== undefined ? { apiKeyEnv: flags.apiKeyEnv } : {}),
    },
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(Object.keys(sim).length > 0 ? { sim } : {}),
    ...(flags.gpu !== undefined ? { gpu: flags.gpu } : {}),
  });

  const events = new RunEvents();
  const detach = attachProgress(events);
  const controller = new AbortController();
  let signalName: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signalName !== undefined) {
      process.stderr.write(`\n${name} again: exiting now; records written so far are in the run folder.\n`);
      process.exit(EXIT.interrupted);
    }
    signalName = name;
    process.stderr.write(`\n${name}: stopping; keeping every record and writing an incomplete report (send again to quit at once)…\n`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const outcome = await executeRun(suite, {
      signal: controller.signal,
      events,
      interruptionReason: () => signalName,
    });
    const { dir, results, stop, writeError } = outcome;
    printSummary(results, dir, flags.json ? process.stderr : process.stdout);
    if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
    // Why the run stopped, last, where it is seen; a bug keeps its stack for the report to us.
    if (stop && stop.cause !== "user") {
      const detail = stop.cause === "error" && !(stop.error instanceof ShakedownError) ? `\n${(stop.error as Error).stack ?? ""}` : "";
      const kept = stop.cause === "storage" ? `the run folder is ${dir}` : `every record that ended is kept in ${dir}`;
      process.stderr.write(`shakedown: ${stop.message}; ${kept}${detail}\n`);
    }
    if (writeError) process.stderr.write(`shakedown: ${writeError.message}; the summary above holds the results, and ${dir} whatever of the run folder could be written\n`);
    return exitCodeForOutcome(outcome, exitCodeFor);
  } finally {
    detach();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
