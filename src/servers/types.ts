/** The shapes shared by the kinds of server (command, compose, endpoint): what to start, how it failed, what a started one offers. */
import { EXIT, ShakedownError } from "../errors.js";

/** What server to start (or check) for a grid cell; templates already rendered. */
export interface ServerSpec {
  kind: "command" | "compose" | "endpoint";
  /** kind command: a shell command line already rendered; run with /bin/sh -c in its own process group (detached) so the whole tree can be stopped. It must stay in the foreground: a line that ends at once (`vllm serve … &`) counts as a server that exited. */
  command?: string;
  /**
   * kind compose: `docker compose -f FILE [-p PROJECT] up -d --force-recreate --no-deps SERVICE` with env = process env + env;
   * stop = `docker compose … stop -t <grace s> SERVICE`, then `logs --no-color --timestamps SERVICE` appended to logPath, then
   * `rm -f -s SERVICE` (the log also on a failed start). The docker binary: $SHAKEDOWN_DOCKER of this process, else "docker".
   */
  compose?: { file: string; service: string; project?: string };
  /** Extra environment for the command or for docker compose (values already rendered; never written to the log). */
  env?: Record<string, string>;
  /** Working folder of the command or of docker compose. */
  cwd?: string;
  /** Polled (GET) until it answers 2xx; required for command and compose; for endpoint optional (then only "something accepts connections" at baseUrl's host and port is checked). */
  healthUrl?: string;
  /** The API base URL (http://host:port/v1): used for endpoint checks and in messages. */
  baseUrl: string;
  /** From spawn to healthy, at most (ms); for endpoint, how long to wait for it to answer. */
  startupTimeoutMs: number;
  /** SIGTERM (docker compose stop -t) to SIGKILL, at most (ms). */
  stopGraceMs: number;
  /** Where the server's stdout+stderr go (created with its folder; appended). Without it, a temporary file removed at stop. */
  logPath?: string;
  /** Between health polls (ms); default 500. */
  pollIntervalMs?: number;
  /** Values never kept: redacted from every message read from the log, and from the log file when the server stops (the API key, tokens in env). */
  secrets?: readonly string[];
}

/** Why a start failed: spawn (could not run at all), exited (before healthy), timeout, oom (out of memory shown by the log or a SIGKILL), aborted (the signal), unreachable (endpoint). */
export type StartFailureKind = "spawn" | "exited" | "timeout" | "oom" | "aborted" | "unreachable";

/** A server that could not be started (or an endpoint that does not answer); nothing it started is left running. */
export class ServerStartError extends ShakedownError {
  readonly kind: StartFailureKind;
  /** One sentence for a report: "server "vllm" exited with code 1 before it answered http://…/health (4.2 s after start); its log names an out-of-memory error (torch.OutOfMemoryError: CUDA out of memory…)". Control bytes escaped. */
  readonly reason: string;
  /** The last ~2 KB of the log (printable; newlines kept). */
  readonly logTail: string;

  constructor(kind: StartFailureKind, reason: string, logTail = "") {
    super("SHAKEDOWN_SERVER_START", reason, EXIT.unreachable);
    this.name = "ServerStartError";
    this.kind = kind;
    this.reason = reason;
    this.logTail = logTail;
  }
}

/** How a process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A server that exited on its own after it was healthy. */
export interface ServerExitInfo extends ExitStatus {
  /** One sentence: "server "vllm" exited with code 1 while it was serving (12 min after it was healthy); its log names an out-of-memory error (…)". */
  reason: string;
}

/** A server started and healthy. */
export interface StartedServer {
  readonly kind: ServerSpec["kind"];
  /** The process group's leader (/bin/sh), kind command only. */
  readonly pid?: number;
  /** Spawn → first 2xx from the health URL (ms); endpoint: until it first answered. */
  readonly startupMs: number;
  /**
   * Set when the server exited on its own after it was healthy (a crash mid-run): its
   * code/signal and a reason with an out-of-memory hint; check it after each run, before
   * stop() (it stays set after stop() when the exit came first). undefined while it runs.
   * Compose: asks `docker compose ps` (synchronously). Endpoint: always undefined.
   */
  exitInfo(): ServerExitInfo | undefined;
  /**
   * Stops it: SIGTERM to the process group, SIGKILL to the group after stopGraceMs, resolves
   * once every process of the group has exited (compose: stop, logs, rm). Idempotent (the same
   * promise); never throws: a failure to stop is returned as a reason. Endpoint: nothing to
   * stop. Call it also after a crash: it closes the log and ends what the crash left.
   */
  stop(): Promise<string | undefined>;
}
