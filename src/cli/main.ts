/**
 * The shakedown command line: wiring only. Flags become a resolved suite or simulator
 * options; the work happens in run/, sim/ and report/.
 */
import { Command, CommanderError, Option } from "commander";
import { printable } from "../config/file-check.js";
import { EXIT, ShakedownError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
// Commands are loaded when run, so --help and usage errors answer at once.
import type { RunFlags } from "./commands/run.js";
import type { SimCommandFlags } from "./commands/sim.js";
import { collect, fraction, gpuFlag, integer, nonNegativeNumber, onOff, port, positiveInt, positiveIntList, positiveNumber, profile, toolParser } from "./options.js";
import type { CalibrateFlags } from "./commands/calibrate.js";

function addSimKnobs(cmd: Command, forRun: boolean): Command {
  const p = forRun ? "simulator (no --target): " : "";
  return cmd
    .addOption(new Option("--profile <name>", `${p}timing profile: default, seed, fast`).argParser(profile))
    .addOption(new Option("--prefix-caching <on|off>", `${p}prefix cache`).argParser(onOff))
    .addOption(new Option("--chunked-prefill <on|off>", `${p}chunked prefill`).argParser(onOff))
    .addOption(new Option("--max-num-seqs <n>", `${p}most sequences running at once`).argParser(positiveInt))
    .addOption(new Option("--fail-rate <f>", `${p}fraction of requests answered with HTTP 500`).argParser(fraction))
    .addOption(new Option("--time-scale <x>", `${p}multiplies every simulated duration`).argParser(positiveNumber))
    .addOption(new Option("--seed <n>", `${p}seed of the generated text`).argParser(integer))
    .addOption(new Option("--scripted-answers <on|off>", `${p}answer built-in reasoning tasks and tool cases from the answer banks`).argParser(onOff))
    .addOption(new Option("--tool-parser <hermes|none>", `${p}none: tool calls leak into the content as raw <tool_call> text`).argParser(toolParser))
    .addOption(
      new Option("--slowdown-per-hour <f>", `${p}every latency × (1 + f × hours up): a server that degrades with uptime (30 = +50 % after a minute)`).argParser(
        nonNegativeNumber,
      ),
    )
    .addOption(new Option("--leak-mb-per-hour <m>", `${p}simulated memory leak: reported resident memory (and fake GPU memory) grows m MiB per hour up`).argParser(nonNegativeNumber))
    .addOption(new Option("--answer-change-after <n>", `${p}after n chat requests every answer changes (a silent model swap)`).argParser(positiveInt))
    .addOption(new Option("--fake-gpu", `${p}serve a simulated GPU's DCGM-exporter metrics at /gpu/metrics`));
}

export function buildProgram(setExit: (code: number) => void = () => undefined): Command {
  const program = new Command("shakedown")
    .description("Validate and benchmark OpenAI-compatible LLM inference servers with honest numbers.")
    .version(TOOL_VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();

  const run = program
    .command("run")
    .description("run a suite (the built-in default suite when none is given) against a target (the embedded simulator when none is given)")
    .argument("[suite]", "suite YAML file")
    .option("--target <url>", "base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1")
    .option("--model <name>", "model name (default: the first listed by GET /v1/models)")
    .option("--api-key-env <VAR>", "environment variable holding the API key (sent as Authorization: Bearer)")
    .option("--scenario <name>", "run only this scenario (a kind such as conversation, or a scenario name)")
    .option("--set <path=value>", "override a suite option, e.g. --set conversation.turns=5 (repeatable)", collect, [])
    .option("--out <dir>", "parent folder of run folders (default: runs)")
    .option("--gpu <source>", "sample the GPUs during the run: nvidia-smi, a DCGM exporter URL, cmd:COMMAND (nvidia-smi's CSV, e.g. over ssh), or off (monitor.gpu)", gpuFlag)
    .option("--json", "print results.json on stdout (progress and summary go to stderr); with --repeat, repeat.json")
    .option("--junit <file>", "also write the verdicts as JUnit XML (a testcase per threshold; failure, error for inconclusive or incomplete, skipped for not measured), even when the run stops early")
    .option("--repeat <n>", "run the suite n times in rounds (every scenario once a round), then write <out>/<timestamp>-<suite>-repeat<n>/ with each figure's between-run 95 % interval; exit code: the worst run's", positiveInt)
    .option("--label <text>", "label of the run (e.g. v0.11.2, a commit): kept in run.json and results.json, indexed by the run history")
    .option("--no-history", "do not add the run to the run history (<out>/history.sqlite)")
    .option("--sim-api-key <key>", "simulator (no --target): require this bearer key (for tests)");
  addSimKnobs(run, true).action(async (suite: string | undefined, opts: RunFlags) => setExit(await (await import("./commands/run.js")).runCommand(suite, opts)));

  const sim = program
    .command("sim")
    .description("start the embedded OpenAI-compatible simulator (a timing model of a vLLM-like server, not a model)")
    .addOption(new Option("--port <port>", "port to listen on (0 = any free port)").argParser(port).default(8000))
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--api-key <key>", "require this bearer key")
    .option("--model <name>", "model name it serves");
  addSimKnobs(sim, false).action(async (opts: SimCommandFlags) => setExit(await (await import("./commands/sim.js")).simCommand(opts)));

  program
    .command("calibrate")
    .description("measure the client against the simulator: the TTFT it adds and the chunks/s it takes in, at each concurrency (what a load run does before it starts)")
    .option("--concurrency <list>", "requests in flight, one calibration each", positiveIntList, [1, 64, 256])
    .option("--input-tokens <n>", "prompt length", positiveInt, 256)
    .option("--output-tokens <n>", "reply length", positiveInt, 128)
    .option("--json", "print the calibrations as JSON on stdout")
    .action(async (opts: CalibrateFlags) => setExit(await (await import("./commands/calibrate.js")).calibrateCommand(opts)));

  program
    .command("report")
    .description(
      "re-analyse a run folder offline and re-render its results and reports; with --final, join several run folders into one consolidated report (final-report.md and final-report.html)",
    )
    .argument("<dirs...>", "run folder (runs/<timestamp>-<suite>); with --final, one or more")
    .option("--json", "print results.json on stdout (one folder, without --final)")
    .option("--final", "write the consolidated report of the folders given (docs/final-report.md); exit code: the overall verdict")
    .addOption(new Option("--lang <lang>", "--final: language of the report").choices(["en", "fr"]))
    .option("--out <dir>", "--final: folder of the report (default: final-<UTC timestamp> beside the first run folder)")
    .action(async (dirs: string[], opts: { json?: boolean; final?: boolean; lang?: "en" | "fr"; out?: string }) => setExit(await (await import("./commands/final.js")).reportEntry(dirs, opts)));

  program
    .command("review")
    .description("write review sheets (full prompt, reasoning, answer, each criterion's result and evidence) and an overrides file for a run's reasoning tasks")
    .argument("<dir>", "run folder")
    .option("--print", "also print the sheets on stdout (to read them in the terminal)")
    .option("--task <id>", "only this task")
    .action(async (dir: string, opts: { print?: boolean; task?: string }) => setExit(await (await import("./commands/review.js")).reviewCommand(dir, opts)));

  program
    .command("diff")
    .description("compare run B with run A, figure by figure: the change, its confidence interval and test, and a word (faster, slower, no difference beyond noise)")
    .argument("<a>", "the reference run: a run folder, last, baseline, a label or a run id")
    .argument("<b>", "the run compared with it (same forms)")
    .option("--fail-on <expr>", "fail (exit 1) when a change is significant and beyond this bound, e.g. 'ttft.p90 > +10%' (repeatable)", collect, [])
    .option("--force", "compare runs that are not comparable (different suites or workloads); what differs is said")
    .addOption(new Option("--format <format>", "output format").choices(["text", "md", "json"]).default("text"))
    .option("--alpha <a>", "significance level; intervals are at 1 - alpha (default 0.05)", Number)
    .option("--seed <n>", "bootstrap seed (the same runs and seed give the same numbers)", integer)
    .option("--out <dir>", "parent folder of run folders, where last and baseline are looked up (default: runs)")
    .action(async (a: string, b: string, opts: import("./commands/diff.js").DiffFlags) => setExit(await (await import("./commands/diff.js")).diffCommand(a, b, opts)));

  program
    .command("history")
    .description("the local run history (<out>/history.sqlite): runs newest first, or one figure over time with the runs' labels")
    .option("--target <url>", "only runs against this target (simulator: the embedded simulator)")
    .option("--figure <name>", "show this figure over time, e.g. ttft.p90")
    .option("--scenario <name>", "--figure: the scenario whose figure to show (when several have it)")
    .option("--limit <n>", "newest runs (or watch cycles) shown (default 20)", positiveInt)
    .option("--watch", "show the newest cycles of `shakedown watch` (with --target: of that server) instead of runs")
    .option("--json", "print as JSON")
    .option("--rebuild", "re-index every run folder under the output dir (a lost or corrupt database is rebuilt)")
    .option("--set-baseline <dir>", "make this run (folder, label, last) the one `baseline` names")
    .option("--out <dir>", "parent folder of run folders, where history.sqlite lives (default: runs)")
    .action(async (opts: import("./commands/history.js").HistoryFlags) => setExit(await (await import("./commands/history.js")).historyCommand(opts)));

  program
    .command("grid")
    .description("run a suite in every cell of a grid of server configurations (servers started and stopped per cell, repeats interleaved), then compare the cells: paired differences beyond noise, Pareto front, a recommendation per use case")
    .argument("[grid]", "grid YAML file (docs/grid.md)")
    .option("--resume <dir>", "finish a grid folder that was stopped: the visits it lacks are run, the finished ones kept")
    .option("--out <dir>", "parent folder of grid folders (default: runs)")
    .option("--json", "print grid-results.json on stdout (progress and summary go to stderr)")
    .action(async (file: string | undefined, opts: import("./commands/grid.js").GridFlags) => setExit(await (await import("./commands/grid.js")).gridCommand(file, opts)));

  program
    .command("watch")
    .description("production monitoring: run a small canary suite against a server on a schedule, compare it with a baseline, fire alerts (log, webhook, Prometheus), optionally run a remediation command (docs/watch.md)")
    .argument("[suite]", "canary suite YAML (default: the built-in suites/watch-canary.yaml)")
    .option("--target <url>", "base URL of the server to watch, e.g. http://127.0.0.1:8000/v1")
    .option("--model <name>", "model name (default: the first listed by GET /v1/models)")
    .option("--api-key-env <VAR>", "environment variable holding the API key (sent as Authorization: Bearer)")
    .option("--rules <file>", "alert rules YAML (default: TTFT p90 > 5 s, degradation vs the baseline > 15 %, errors, unreachable, canaries, restart)")
    .option("--every <duration>", "cycle interval, e.g. 30s, 5m, 1h", "5m")
    .option("--for <duration>", "stop after this long (default: forever)")
    .option("--once", "run one cycle and exit: 0 when no alert fires, 1 when one does (cron, a Kubernetes CronJob)")
    .option("--baseline <dir>", "take the baseline from a run folder of the canary suite (a folder, last, baseline, a label) instead of the first cycles")
    .option("--reset", "forget the saved baseline, reference answers and alert states, and start them afresh")
    .option("--stop-grace <duration>", "on SIGTERM or SIGINT, how long the cycle in progress may go on before its requests are cut", "10s")
    .option("--set <path=value>", "override a suite option, e.g. --set chat.max_tokens=32 (repeatable)", collect, [])
    .option("--out <dir>", "parent folder: the watch writes <out>/watch/<host_port>/ (default: runs)")
    .addOption(new Option("--metrics-port <port>", "serve Prometheus metrics (shakedown_*) at http://HOST:PORT/metrics (0 = any free port)").argParser(port))
    .option("--metrics-host <host>", "address the metrics endpoint listens on", "127.0.0.1")
    .option("--webhook <url>", "POST alerts (firing, resolved) as JSON with a Slack/Mattermost text field; prefer webhook.url_env in the rules for a secret URL")
    .option("--json", "print each cycle's summary as a JSON line on stdout (log lines go to stderr)")
    .option("--no-history", "do not index the cycles in the run history (<out>/history.sqlite, beside cycles.jsonl)")
    .action(async (suite: string | undefined, opts: import("./commands/watch.js").WatchFlags) => setExit(await (await import("./commands/watch.js")).watchCommand(suite, opts)));

  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every parse error is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof ShakedownError) {
      // Messages may quote a file or a path: never let a control byte reach the terminal.
      process.stderr.write(`shakedown: ${printable(e.message, { keepNewlines: true })}\n`);
      return e.exitCode;
    }
    process.stderr.write(`shakedown: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.internal;
  }
}
