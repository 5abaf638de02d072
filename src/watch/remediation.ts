/**
 * The optional remediation hook: a shell command (e.g. `docker compose restart vllm`) run when
 * one of the named alerts is firing, at most once per cool-down and `max_per_day` times in any
 * 24 hours, never two at once, each bounded by a timeout (the command's process group is sent
 * SIGTERM, then SIGKILL). Every run is recorded — when, why, the exit code, the tail of its
 * output — and so is the server's recovery after it: the time from the command's end to the end
 * of the first cycle that started after it and found the server healthy (at the resolution of
 * the cycle interval). A command that fails is recorded like one that succeeds.
 *
 * The command's output is the user's own program's: it is kept (its tail), with the API key
 * redacted, and never executed or interpreted.
 */
import { spawn } from "node:child_process";
import type { RemediationConfig } from "./rules.js";

/** Characters of output kept per run. */
export const OUTPUT_TAIL_CHARS = 4000;
/** After the timeout's SIGTERM, how long the command has before SIGKILL. */
const KILL_GRACE_MS = 5_000;
const DAY_MS = 86_400_000;

export interface RemediationRecord {
  /** run: the command ran (whatever its exit); recovered / not_recovered: what followed a run; skipped: a firing alert asked but the limits said no. */
  event: "run" | "recovered" | "not_recovered" | "skipped";
  /** The run it is about: "rem-<epoch ms>". */
  id: string;
  /** ISO time of the event (a run: when it started). */
  at: string;
  cycle: number;
  /** The alerts firing that asked for it. */
  why: string[];
  command?: string;
  /** null when the command was killed by a signal (see signal) or could not start (see error). */
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  /** Why the command could not be started. */
  error?: string;
  durationMs?: number;
  outputTail?: string;
  /** From the command's end to the end of the first healthy cycle started after it. */
  recoveryMs?: number;
  /** skipped: cooldown, max_per_day. */
  reason?: string;
}

export interface RemediationState {
  /** Start times (epoch ms) of the runs of the last 24 hours. */
  starts: number[];
  /** A run whose recovery is still awaited. */
  awaiting?: { id: string; endedAt: number; why: string[] };
}

export interface RemediatorOptions {
  onRecord(r: RemediationRecord): void;
  onLog(message: string): void;
  /** Redacts secrets (the API key) from the output kept. */
  redact?: (text: string) => string;
  now?: () => number;
  /** Extra environment for the command (the watch adds SHAKEDOWN_WATCH_ALERTS and SHAKEDOWN_WATCH_TARGET). */
  env?: NodeJS.ProcessEnv;
  shell?: string;
}

export class Remediator {
  private state: RemediationState;
  private running: Promise<void> | undefined;
  private lastSkip: string | undefined;
  private readonly now: () => number;

  constructor(
    readonly cfg: RemediationConfig,
    private readonly opts: RemediatorOptions,
    state?: RemediationState,
  ) {
    this.now = opts.now ?? Date.now;
    this.state = state ? { starts: [...state.starts], ...(state.awaiting ? { awaiting: { ...state.awaiting } } : {}) } : { starts: [] };
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The state to keep across restarts of the watch (state.json). */
  snapshot(): RemediationState {
    return { starts: [...this.state.starts], ...(this.state.awaiting ? { awaiting: { ...this.state.awaiting } } : {}) };
  }

  /**
   * Called after each cycle with the alerts firing: starts the command (in the background) when
   * one of the named alerts is firing and the limits allow. Returns what it did.
   */
  consider(firing: readonly string[], cycle: number): "started" | "running" | "cooldown" | "max_per_day" | "none" {
    const why = firing.filter((a) => this.cfg.on.includes(a));
    if (why.length === 0) {
      this.lastSkip = undefined;
      return "none";
    }
    if (this.running) return "running";
    const now = this.now();
    this.state.starts = this.state.starts.filter((t) => now - t < DAY_MS);
    const last = this.state.starts[this.state.starts.length - 1];
    let reason: "cooldown" | "max_per_day" | undefined;
    if (this.state.starts.length >= this.cfg.maxPerDay) reason = "max_per_day";
    else if (last !== undefined && now - last < this.cfg.cooldownMs) reason = "cooldown";
    if (reason !== undefined) {
      if (this.lastSkip !== reason) {
        this.lastSkip = reason;
        const until = reason === "cooldown" ? (last as number) + this.cfg.cooldownMs : (this.state.starts[0] as number) + DAY_MS;
        const text =
          reason === "cooldown"
            ? `in its cool-down until ${new Date(until).toISOString()}`
            : `already run ${this.state.starts.length} times in 24 h (max_per_day ${this.cfg.maxPerDay}) until ${new Date(until).toISOString()}`;
        this.opts.onLog(`remediation not run for ${why.join(", ")}: ${text}`);
        this.opts.onRecord({ event: "skipped", id: `skip-${now}`, at: new Date(now).toISOString(), cycle, why, reason });
      }
      return reason;
    }
    this.lastSkip = undefined;
    if (this.state.awaiting) {
      this.opts.onRecord({ event: "not_recovered", id: this.state.awaiting.id, at: new Date(now).toISOString(), cycle, why: this.state.awaiting.why });
      delete this.state.awaiting;
    }
    this.state.starts.push(now);
    const id = `rem-${now}`;
    this.running = this.run(id, why, cycle, now).finally(() => {
      this.running = undefined;
    });
    return "started";
  }

  /**
   * Called at the end of each cycle: when a run's recovery is awaited and this cycle started after
   * the command ended and found the server healthy, records the recovery. Returns its time (ms).
   */
  observeCycle(cycle: number, startedAt: number, endedAt: number, healthy: boolean): number | undefined {
    const a = this.state.awaiting;
    if (!a || this.running || startedAt < a.endedAt || !healthy) return undefined;
    const recoveryMs = endedAt - a.endedAt;
    this.opts.onRecord({ event: "recovered", id: a.id, at: new Date(endedAt).toISOString(), cycle, why: a.why, recoveryMs });
    this.opts.onLog(`recovered ${formatMs(recoveryMs)} after the remediation ${a.id} ended (cycle ${cycle})`);
    delete this.state.awaiting;
    return recoveryMs;
  }

  /** Waits for a run in progress, at most `timeoutMs`; true when none is left. */
  async wait(timeoutMs: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), timeoutMs)));
    const r = await Promise.race([this.running.then(() => "done" as const), late]);
    clearTimeout(timer);
    return r === "done";
  }

  private async run(id: string, why: string[], cycle: number, startedAt: number): Promise<void> {
    this.opts.onLog(`remediation ${id} for ${why.join(", ")}: running ${JSON.stringify(this.cfg.command)} (timeout ${formatMs(this.cfg.timeoutMs)})`);
    const t0 = performance.now();
    const result = await runCommand(this.cfg.command, this.cfg.timeoutMs, {
      ...process.env,
      ...this.opts.env,
      SHAKEDOWN_WATCH_ALERTS: why.join(","),
    }, this.opts.shell);
    const durationMs = performance.now() - t0;
    const endedAt = this.now();
    const clean = this.opts.redact ?? ((t: string) => t);
    const rec: RemediationRecord = {
      event: "run",
      id,
      at: new Date(startedAt).toISOString(),
      cycle,
      why,
      command: this.cfg.command,
      exitCode: result.exitCode,
      signal: result.signal,
      timedOut: result.timedOut,
      ...(result.error !== undefined ? { error: result.error } : {}),
      durationMs,
      outputTail: clean(result.output),
    };
    this.opts.onRecord(rec);
    const how = result.error !== undefined ? `could not start (${result.error})` : result.timedOut ? `timed out after ${formatMs(this.cfg.timeoutMs)} and was killed` : result.signal ? `was killed by ${result.signal}` : `exited with code ${String(result.exitCode)}`;
    this.opts.onLog(`remediation ${id} ${how} in ${formatMs(durationMs)}`);
    this.state.awaiting = { id, endedAt, why };
  }
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  error?: string;
  /** The last OUTPUT_TAIL_CHARS characters of stdout and stderr, interleaved as they came. */
  output: string;
}

/** Runs a shell command in its own process group with a timeout; never throws. */
export function runCommand(command: string, timeoutMs: number, env: NodeJS.ProcessEnv, shell = "/bin/sh"): Promise<CommandResult> {
  return new Promise((resolve) => {
    let output = "";
    const take = (d: Buffer): void => {
      output += d.toString("utf8");
      if (output.length > 2 * OUTPUT_TAIL_CHARS) output = output.slice(-OUTPUT_TAIL_CHARS);
    };
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(shell, ["-c", command], { stdio: ["ignore", "pipe", "pipe"], detached: true, env });
    const signalGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      signalGroup("SIGTERM");
      killTimer = setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS);
    }, timeoutMs);
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const finish = (r: Omit<CommandResult, "output" | "timedOut">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({ ...r, timedOut, output: output.slice(-OUTPUT_TAIL_CHARS) });
    };
    child.on("error", (e: NodeJS.ErrnoException) => finish({ exitCode: null, signal: null, error: e.code ?? e.message }));
    child.on("close", (code, signal) => finish({ exitCode: code, signal }));
  });
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
