/**
 * A server started from a shell command line: /bin/sh -c in its own process group, its
 * output straight into its log file, polled until healthy, stopped group-wide.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { redactor } from "../client/redact.js";
import { printable } from "../config/file-check.js";
import { register, signalGroup, stopGroup, watchGroup } from "./group.js";
import { dropAgent, shortAgent } from "./http.js";
import { errorTail, ServerLog } from "./log.js";
import { commandProgram } from "./program.js";
import { ServerStartError, type ExitStatus, type ServerExitInfo, type ServerSpec, type StartedServer } from "./types.js";
import { DEFAULT_POLL_INTERVAL_MS, describeCrash, describeFailure, exitText, healthProbe, POLL_TIMEOUT_MS, seconds, waitHealthy } from "./wait.js";

/** The exit of a child, as it happens. */
class ExitWatch {
  status: ExitStatus | undefined;
  at: number | undefined;
  spawnError: NodeJS.ErrnoException | undefined;
  /** Settles when the child exited or could not be spawned. */
  readonly ended: Promise<void>;

  constructor(child: ChildProcess) {
    let resolve!: () => void;
    this.ended = new Promise<void>((r) => (resolve = r));
    child.once("exit", (code, signal) => {
      this.status = { code, signal };
      this.at = performance.now();
      resolve();
    });
    // Also kept for errors after the spawn (a failed kill): an unheard 'error' would throw.
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        this.spawnError = err;
        resolve();
      }
    });
  }
}

/** How messages name a command's server: `server "vllm"`. */
export function commandWho(command: string): string {
  const program = commandProgram(command);
  return program !== undefined ? `server "${printable(program, { max: 80 })}"` : "the server command";
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Opens the log, or fails the start (kind spawn). */
export function openLog(path: string | undefined, who: string, secrets: readonly string[] = []): ServerLog {
  try {
    return ServerLog.open(path, redactor(secrets));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ServerStartError("spawn", `cannot start ${who}: its log ${printable(path ?? "(temporary file)")} cannot be opened (${code})`);
  }
}

/** Starts a kind "command" server (startServer has checked the spec): see startServer. */
export async function startCommand(spec: ServerSpec, signal?: AbortSignal): Promise<StartedServer> {
  const command = spec.command as string;
  const healthUrl = spec.healthUrl as string;
  const who = commandWho(command);
  if (signal?.aborted) throw new ServerStartError("aborted", `the start of ${who} was cancelled before it began`);
  if (spec.cwd !== undefined && !isFolder(spec.cwd)) {
    throw new ServerStartError("spawn", `cannot start ${who}: its working folder ${printable(spec.cwd)} does not exist or is not a folder`);
  }
  const log = openLog(spec.logPath, who, spec.secrets);
  log.note(`starting: ${command}`);
  if (spec.cwd !== undefined) log.note(`working folder: ${spec.cwd}`);
  const envNames = Object.keys(spec.env ?? {});
  if (envNames.length > 0) log.note(`environment added: ${envNames.join(", ")} (values not logged)`);

  const started = performance.now();
  let child: ChildProcess;
  try {
    child = spawn("/bin/sh", ["-c", command], {
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ["ignore", log.descriptor ?? "ignore", log.descriptor ?? "ignore"],
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    log.note(`cannot spawn /bin/sh: ${code}`);
    log.dispose();
    throw new ServerStartError("spawn", `cannot start ${who}: spawning /bin/sh failed (${code})`);
  }
  const exit = new ExitWatch(child);
  const pid = child.pid;
  if (pid === undefined) {
    await exit.ended;
    const code = exit.spawnError?.code ?? String(exit.spawnError);
    log.note(`cannot spawn /bin/sh: ${code}`);
    log.dispose();
    throw new ServerStartError("spawn", `cannot start ${who}: spawning /bin/sh failed (${code})`);
  }
  // The server never keeps shakedown alive by itself: if nothing else does, shakedown exits and its exit hook kills the group.
  child.unref();
  const watchman = watchGroup(pid, spec.stopGraceMs);
  const unregisterServer = register({
    killSync: () => {
      signalGroup(pid, "SIGKILL");
      watchman.disarm();
      log.dispose();
    },
  });
  const unregister = () => {
    unregisterServer();
    watchman.disarm();
  };
  const exited = () => exit.status !== undefined;

  const agent = shortAgent(POLL_TIMEOUT_MS);
  let result: Awaited<ReturnType<typeof waitHealthy>>;
  try {
    result = await waitHealthy({
      probe: healthProbe(agent, healthUrl, signal),
      started,
      deadline: started + spec.startupTimeoutMs,
      intervalMs: spec.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      ...(signal !== undefined ? { signal } : {}),
      exited: () => exit.status,
      exitedPromise: exit.ended,
    });
  } catch (err) {
    // Not a start failure but a fault: still, nothing is left running.
    await stopGroup(pid, spec.stopGraceMs, exited);
    log.note(`start failed: ${printable(String(err), { max: 300 })}`);
    log.dispose();
    unregister();
    throw err;
  } finally {
    dropAgent(agent);
  }

  if (result.kind !== "healthy") {
    const elapsedMs = performance.now() - started;
    const stopped = await stopGroup(pid, spec.stopGraceMs, exited);
    const failure = describeFailure(result, { who, url: healthUrl, startupTimeoutMs: spec.startupTimeoutMs, elapsedMs, tail: log.tail() });
    const survivors = stopped.survivors.length > 0 ? `; processes ${stopped.survivors.join(", ")} of its group survived SIGKILL` : "";
    log.note(`start failed: ${failure.reason}${survivors}`);
    const tail = errorTail(log.tail());
    log.dispose();
    unregister();
    throw new ServerStartError(failure.kind, failure.reason + survivors, tail);
  }

  const healthyAt = result.at;
  log.note(`healthy after ${seconds(healthyAt - started)}: ${healthUrl}`);
  let crash: ServerExitInfo | undefined;
  const crashInfo = (): ServerExitInfo | undefined => {
    if (crash === undefined && exit.status !== undefined) {
      crash = { ...exit.status, reason: describeCrash(who, exit.status, (exit.at ?? performance.now()) - healthyAt, log.tail()) };
    }
    return crash;
  };
  let stopping: Promise<string | undefined> | undefined;
  let stopRequested = false;

  const doStop = async (): Promise<string | undefined> => {
    // An exit before stop() is the server's own (a crash): described now, while the log is there.
    const crashed = crashInfo();
    stopRequested = true;
    try {
      const r = await stopGroup(pid, spec.stopGraceMs, exited);
      if (crashed) log.note(`stopped; before, it had ${exitText(crashed).replace(/^was /, "been ")} on its own`);
      else if (r.killed) log.note(`killed with SIGKILL: still running ${seconds(spec.stopGraceMs)} after SIGTERM`);
      else log.note(`stopped: ${exit.status ? exitText(exit.status) : "its processes are gone"}`);
      if (r.survivors.length > 0) return `${who}: processes ${r.survivors.join(", ")} of its group still ran after SIGKILL`;
      return undefined;
    } catch (err) {
      return `stopping ${who} failed: ${printable(String(err), { max: 200 })}`;
    } finally {
      log.dispose();
      unregister();
    }
  };

  return {
    kind: "command",
    pid,
    startupMs: healthyAt - started,
    exitInfo: () => (stopRequested ? crash : crashInfo()),
    stop: () => (stopping ??= doStop()),
  };
}
