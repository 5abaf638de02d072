/**
 * One run of a line-printing child process (nvidia-smi -lms, or the user's command through
 * /bin/sh -c): its stdout cut into lines as they come, the tail of its stderr kept for
 * messages. The child leads its own process group, so stopping it also stops what a shell
 * started (ssh …), and a Ctrl-C sent to the terminal reaches shakedown only, which stops the
 * child itself. If shakedown exits without stopping it, an exit hook sends SIGTERM to the
 * group; after a kill -9 the child dies of SIGPIPE on its next write. The child and its
 * pipes are unref'd: a sampler never keeps the process alive by itself.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface ChildExit {
  /** Exit status, when it exited. */
  code: number | null;
  /** The signal that ended it, when one did. */
  signal: NodeJS.Signals | null;
  /** Could not be started at all (ENOENT, EACCES, …). */
  spawnError?: NodeJS.ErrnoException;
  /** The last lines of its stderr (up to 4 KB). */
  stderrTail: string;
}

export interface ChildLine {
  line: string;
  /** performance.now() and Date.now() when the line was read. */
  perf: number;
  epochMs: number;
}

const STDERR_KEEP = 4096;
/** A "line" longer than this without an end is not nvidia-smi output: it is cut and passed on as is (then refused). */
const MAX_LINE = 64 * 1024;

function unrefStream(s: unknown): void {
  const u = s as { unref?: () => void } | null;
  if (u && typeof u.unref === "function") u.unref();
}

export class ChildRun {
  /** Resolves once the child has exited and its output is read (never rejects). */
  readonly exited: Promise<ChildExit>;
  readonly startedPerf = performance.now();
  private readonly child: ChildProcess;
  private stderr = "";
  private pending = "";
  private done = false;
  private readonly onProcessExit = () => this.signalGroup("SIGTERM");

  constructor(file: string, args: readonly string[], env: NodeJS.ProcessEnv, onLine: (l: ChildLine) => void) {
    this.child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], detached: true, env });
    let resolveExit!: (e: ChildExit) => void;
    this.exited = new Promise<ChildExit>((r) => (resolveExit = r));
    const finish = (e: ChildExit) => {
      if (this.done) return;
      this.done = true;
      process.off("exit", this.onProcessExit);
      resolveExit(e);
    };
    const emitLine = (line: string) => {
      const text = line.endsWith("\r") ? line.slice(0, -1) : line;
      if (text.trim() === "") return;
      onLine({ line: text, perf: performance.now(), epochMs: Date.now() });
    };

    this.child.stdout!.setEncoding("utf8");
    this.child.stdout!.on("data", (chunk: string) => {
      this.pending += chunk;
      let nl: number;
      while ((nl = this.pending.indexOf("\n")) >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        emitLine(line);
      }
      if (this.pending.length > MAX_LINE) {
        const line = this.pending;
        this.pending = "";
        emitLine(line.slice(0, 200));
      }
    });
    this.child.stderr!.setEncoding("utf8");
    this.child.stderr!.on("data", (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
    });
    this.child.on("error", (err: NodeJS.ErrnoException) => {
      // a failed spawn: no 'close' follows for sure, so finish here
      if (this.child.pid === undefined) finish({ code: null, signal: null, spawnError: err, stderrTail: this.stderr });
    });
    this.child.on("close", (code, signal) => {
      // a last line without its end of line: passed on (the reader refuses it if torn)
      if (this.pending.trim() !== "") emitLine(this.pending);
      this.pending = "";
      finish({ code, signal, stderrTail: this.stderr.trim() });
    });

    if (this.child.pid !== undefined) process.on("exit", this.onProcessExit);
    this.child.unref();
    unrefStream(this.child.stdout);
    unrefStream(this.child.stderr);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** Sends `signal` to the child's process group (the child and what it started). */
  signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.done) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  /**
   * Stops the child: SIGTERM to its group, SIGKILL after `graceMs`, then waits at most
   * `afterKillMs` more. Resolves in bounded time even if the child cannot be reaped.
   */
  async stop(graceMs = 2000, afterKillMs = 1000): Promise<void> {
    if (this.done) return;
    this.signalGroup("SIGTERM");
    if (await settlesWithin(this.exited, graceMs)) return;
    this.signalGroup("SIGKILL");
    await settlesWithin(this.exited, afterKillMs);
  }
}

/** True when `p` settles within `ms`. */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true as const, () => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
