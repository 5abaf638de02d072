/**
 * The nvidia-smi and command sources: a child process that prints nvidia-smi's query CSV,
 * one line per GPU per tick, read as it comes.
 *
 * Starting: the child is spawned and start() waits for its first tick (its first GPU line,
 * then until a GPU repeats or the output pauses). A child that ends before printing a GPU
 * line fails the start with a ConfigError saying why (command not found, the driver's
 * message, …), except when it refused an optional field (`Field "x" is not a valid field to
 * query.`): then it is started again without that field.
 *
 * Running: a child that ends is a warning and is started again after a backoff (interval,
 * 2×, 4×, at least 0.5 s, at most 30 s), at most MAX_RESTARTS times in a row; a child that
 * ran healthily for a while resets the count. Lines that cannot be read are warnings (the
 * first few; then they are only counted). Samples already taken stay in memory and on disk
 * whatever happens.
 */
import { performance } from "node:perf_hooks";
import { ConfigError } from "../../errors.js";
import { ChildRun, type ChildExit, type ChildLine } from "./child.js";
import { SourceClock } from "./clock.js";
import { isOptionalField, parseQueryLine, refusedField, withoutField } from "./nvidia-smi-csv.js";
import type { SampleSink } from "./sink.js";

export const GPU_MONITOR_ERROR = "SHAKEDOWN_GPU_MONITOR";
export const MAX_RESTARTS = 3;
/** Unreadable lines reported one by one before they are only counted. */
const GARBAGE_REPORTED = 3;
/** Tries at start (one more for each refused optional field). */
const MAX_FIELD_TRIES = 8;

export interface CsvStreamSpec {
  /** The source, as messages name it: "nvidia-smi", "monitor.gpu.command". */
  label: string;
  /** The program to run for a field list. */
  command(fields: readonly string[]): { file: string; args: string[] };
  env: NodeJS.ProcessEnv;
  intervalMs: number;
  sink: SampleSink;
  warn(message: string): void;
  /** How long start() waits for the first GPU line. */
  startTimeoutMs: number;
  /** What to say when the child ends at start (exit 127 and friends); undefined: the generic message. */
  explainStartFailure?(exit: ChildExit, output: string): string | undefined;
}

function cut(text: string, max = 200): string {
  const clean = text.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/** "exited with code 1", "was killed by SIGKILL", "could not be started (ENOENT)". */
export function describeExit(e: ChildExit): string {
  if (e.spawnError) return `could not be started (${e.spawnError.code ?? e.spawnError.message})`;
  if (e.signal) return `was killed by ${e.signal}`;
  return `exited with code ${e.code ?? "?"}`;
}

function lastLines(text: string, n = 3): string {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-n)
    .join(" / ");
}

type Phase = "starting" | "running" | "restarting" | "stopped";

export class CsvStream {
  fields: string[];
  /** Every GPU index read so far, before the gpus filter. */
  readonly found = new Set<number>();
  private phase: Phase = "starting";
  private run: ChildRun | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private failuresInRow = 0;
  private garbage = 0;
  private runSamples = 0;
  /** Output lines of the current run that were not GPU lines (kept at start, for the error message). */
  private startOutput: string[] = [];
  private readonly clock: SourceClock;
  private stopping: Promise<void> | undefined;
  private firstTick: { resolve: () => void; seen: Set<number>; quiet?: NodeJS.Timeout } | undefined;

  constructor(
    private readonly spec: CsvStreamSpec,
    fields: readonly string[],
  ) {
    this.fields = [...fields];
    this.clock = new SourceClock(Math.max(10_000, 10 * spec.intervalMs));
  }

  /** Spawns the child and waits for its first tick; throws a ConfigError when it cannot start. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryStart();
      if (outcome.ok) {
        this.phase = "running";
        this.watch(outcome.run);
        return;
      }
      const { exit, output } = outcome;
      const refused = refusedField(output);
      if (refused !== undefined) {
        const next = withoutField(this.fields, refused);
        if (next !== undefined && attempt < MAX_FIELD_TRIES) {
          if (!isOptionalField(refused)) this.spec.warn(`${this.spec.label} does not know the field "${refused}"; sampling without it`);
          this.fields = next;
          continue;
        }
        throw new ConfigError(`GPU monitor: ${this.spec.label} refused the query field "${refused}" ("${cut(output)}"); the GPU sampler cannot run without it`, GPU_MONITOR_ERROR);
      }
      const explained = this.spec.explainStartFailure?.(exit, output);
      if (explained !== undefined) throw new ConfigError(explained, GPU_MONITOR_ERROR);
      const said = cut(output);
      throw new ConfigError(
        `GPU monitor: ${this.spec.label} ${describeExit(exit)} before printing a GPU line${said ? `: "${said}"` : ""}`,
        GPU_MONITOR_ERROR,
      );
    }
  }

  private async tryStart(): Promise<{ ok: true; run: ChildRun } | { ok: false; exit: ChildExit; output: string }> {
    this.startOutput = [];
    const run = this.spawn();
    let timer: NodeJS.Timeout | undefined;
    const tick = new Promise<"tick">((resolve) => {
      this.firstTick = { resolve: () => resolve("tick"), seen: new Set() };
    });
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.spec.startTimeoutMs);
    });
    try {
      const first = await Promise.race([tick, run.exited, timeout]);
      if (first === "tick") return { ok: true, run };
      if (first === "timeout") {
        await run.stop(500, 500);
        const said = cut(lastLines([...this.startOutput, (await settle(run)).stderrTail].join("\n")));
        throw new ConfigError(
          `GPU monitor: ${this.spec.label} printed no GPU line within ${Math.round(this.spec.startTimeoutMs / 1000)} s${said ? ` (it said: "${said}")` : ""}`,
          GPU_MONITOR_ERROR,
        );
      }
      if ((this.firstTick?.seen.size ?? 0) > 0) {
        const said = cut(lastLines(first.stderrTail), 160);
        throw new ConfigError(
          `GPU monitor: ${this.spec.label} ${describeExit(first)}${said ? ` ("${said}")` : ""} right after its first GPU lines; it must keep printing one line per GPU per tick (nvidia-smi … -lms <ms>)`,
          GPU_MONITOR_ERROR,
        );
      }
      const output = [...this.startOutput, first.stderrTail].join("\n");
      return { ok: false, exit: first, output };
    } finally {
      clearTimeout(timer);
      if (this.firstTick?.quiet) clearTimeout(this.firstTick.quiet);
      this.firstTick = undefined;
    }
  }

  private spawn(): ChildRun {
    const { file, args } = this.spec.command(this.fields);
    this.clock.reset();
    this.runSamples = 0;
    const run = new ChildRun(file, args, this.spec.env, (l) => this.onLine(l));
    this.run = run;
    return run;
  }

  private onLine(l: ChildLine): void {
    if (this.phase === "stopped") return;
    const r = parseQueryLine(l.line, this.fields);
    if (!r.ok) {
      if (r.header) return;
      if (this.phase === "starting") {
        // kept for the error message if the start fails (a banner before the first GPU line is no failure)
        this.startOutput.push(l.line);
        if (this.startOutput.length > 50) this.startOutput.shift();
        return;
      }
      this.spec.sink.stats.failures++;
      this.garbage++;
      if (this.garbage <= GARBAGE_REPORTED) {
        this.spec.warn(
          `unreadable line from ${this.spec.label} (${r.reason})${this.garbage === GARBAGE_REPORTED ? "; further unreadable lines are counted, not shown" : ""}`,
        );
      }
      return;
    }
    this.found.add(r.reading.gpu);
    const placed = this.clock.place(r.reading.sourceEpochMs, l.perf, l.epochMs);
    if (this.spec.sink.add(r.reading, placed.t, placed.epochMs)) this.runSamples++;
    const ft = this.firstTick;
    if (ft) {
      if (ft.seen.has(r.reading.gpu)) return ft.resolve();
      ft.seen.add(r.reading.gpu);
      if (ft.quiet) clearTimeout(ft.quiet);
      ft.quiet = setTimeout(ft.resolve, Math.min(300, Math.max(50, this.spec.intervalMs / 2)));
    }
  }

  /** Follows a running child: when it ends, warns and starts it again (or gives up). */
  private watch(run: ChildRun): void {
    void run.exited.then((exit) => {
      if (this.phase === "stopped" || this.run !== run) return;
      const livedMs = performance.now() - run.startedPerf;
      const healthyMs = Math.max(10_000, 20 * this.spec.intervalMs);
      if (livedMs >= healthyMs && this.runSamples > 0) this.failuresInRow = 0;
      this.failuresInRow++;
      const said = exit.stderrTail ? ` ("${cut(lastLines(exit.stderrTail), 160)}")` : "";
      const what = `${this.spec.label} ${describeExit(exit)}${said} after ${this.runSamples} samples`;
      if (this.failuresInRow > MAX_RESTARTS) {
        this.spec.sink.stats.gaveUp = true;
        this.phase = "stopped";
        this.spec.warn(`${what}; it stopped ${this.failuresInRow} times in a row, giving up: no more GPU samples in this run (${this.spec.sink.stats.samples} kept)`);
        return;
      }
      const delayMs = Math.min(30_000, Math.max(500, this.spec.intervalMs) * 2 ** (this.failuresInRow - 1));
      this.phase = "restarting";
      this.spec.warn(
        `${what}; restarting it in ${formatDelay(delayMs)} (restart ${this.failuresInRow} of ${MAX_RESTARTS}); samples so far are kept`,
      );
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.phase !== "restarting") return;
        this.phase = "running";
        this.spec.sink.stats.restarts++;
        this.watch(this.spawn());
      }, delayMs);
      this.restartTimer.unref();
    });
  }

  /** Stops the child (SIGTERM, then SIGKILL) and any pending restart. Idempotent, bounded. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.phase = "stopped";
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
      await this.run?.stop();
    })();
    return this.stopping;
  }
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

/** The exit of a run that was asked to stop (bounded: it may never be reaped). */
async function settle(run: ChildRun): Promise<ChildExit> {
  const timeout = new Promise<ChildExit>((r) => setTimeout(() => r({ code: null, signal: null, stderrTail: "" }), 500).unref());
  return Promise.race([run.exited, timeout]);
}
