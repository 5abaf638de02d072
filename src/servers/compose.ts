/**
 * A server started as a docker compose service: `up -d --force-recreate --no-deps`, polled
 * until healthy (with `ps` now and then, so a container that died is seen before the
 * timeout), then `stop -t`, `logs` (into the server's log) and `rm -f -s`.
 */
import { spawn, spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { printable } from "../config/file-check.js";
import { register, signalGroup, startWatchman } from "./group.js";
import { dropAgent, shortAgent } from "./http.js";
import { errorTail, lastMeaningfulLine, type ServerLog } from "./log.js";
import { openLog } from "./command.js";
import { shellWord } from "./template.js";
import { ServerStartError, type ExitStatus, type ServerExitInfo, type ServerSpec, type StartedServer } from "./types.js";
import { DEFAULT_POLL_INTERVAL_MS, describeCrash, describeFailure, exitText, healthProbe, POLL_TIMEOUT_MS, seconds, waitHealthy, type WaitResult } from "./wait.js";

/** The docker binary: $SHAKEDOWN_DOCKER (tests put a fake script there), else "docker" on PATH. */
export function dockerBinary(): string {
  const d = process.env.SHAKEDOWN_DOCKER;
  return d !== undefined && d !== "" ? d : "docker";
}

/** `compose -f FILE [-p PROJECT]`. */
function composeArgs(c: NonNullable<ServerSpec["compose"]>): string[] {
  return ["compose", "-f", c.file, ...(c.project !== undefined && c.project !== "" ? ["-p", c.project] : [])];
}

interface DockerRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Could not be run at all (ENOENT, EACCES). */
  spawnError?: NodeJS.ErrnoException;
  timedOut?: boolean;
  aborted?: boolean;
}

interface DockerContext {
  docker: string;
  base: string[];
  service: string;
  env: NodeJS.ProcessEnv;
  cwd: string | undefined;
  log: ServerLog;
}

/**
 * Runs one docker command, its output into the log; killed (its group) when it outlasts
 * timeoutMs or the signal aborts.
 */
function runDocker(ctx: DockerContext, args: string[], timeoutMs: number, signal?: AbortSignal): Promise<DockerRun> {
  ctx.log.note(`$ ${[ctx.docker, ...args].map(shellWord).join(" ")}`);
  return new Promise<DockerRun>((resolve) => {
    const fd = ctx.log.descriptor ?? "ignore";
    let child;
    try {
      child = spawn(ctx.docker, args, { env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}), detached: true, stdio: ["ignore", fd, fd] });
    } catch (err) {
      resolve({ code: null, signal: null, spawnError: err as NodeJS.ErrnoException });
      return;
    }
    let flag: "timedOut" | "aborted" | undefined;
    const kill = (why: "timedOut" | "aborted") => {
      flag ??= why;
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
    };
    const timer = setTimeout(() => kill("timedOut"), Math.max(1, timeoutMs));
    const onAbort = () => kill("aborted");
    signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (r: DockerRun) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ code: null, signal: null, spawnError: err });
    });
    child.once("exit", (code, sig) => finish({ code, signal: sig, ...(flag ? { [flag]: true } : {}) }));
  });
}

/** "exited with code 1", "did not end within 30 s", … of a docker command. */
function dockerProblem(what: string, r: DockerRun, timeoutMs: number): string | undefined {
  if (r.spawnError) return `${what}: cannot run docker (${r.spawnError.code ?? String(r.spawnError)})`;
  if (r.timedOut) return `${what} did not end within ${seconds(timeoutMs)} (killed)`;
  if (r.aborted) return `${what} was cancelled`;
  if (r.code !== 0) return `${what} ${exitText(r)}`;
  return undefined;
}

interface PsEntry {
  state: string;
  exitCode: number | null;
}

/** The containers `docker compose ps --format json` lists: a JSON array (compose < 2.21) or one object a line. */
export function parseComposePs(text: string): PsEntry[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let items: unknown[] = [];
  if (trimmed.startsWith("[")) {
    try {
      const v: unknown = JSON.parse(trimmed);
      if (Array.isArray(v)) items = v;
    } catch {
      return [];
    }
  } else {
    for (const line of trimmed.split("\n")) {
      try {
        items.push(JSON.parse(line));
      } catch {
        // not a container line
      }
    }
  }
  const out: PsEntry[] = [];
  for (const it of items) {
    if (typeof it !== "object" || it === null) continue;
    const r = it as { State?: unknown; ExitCode?: unknown };
    if (typeof r.State !== "string") continue;
    out.push({ state: r.State.toLowerCase(), exitCode: typeof r.ExitCode === "number" ? r.ExitCode : null });
  }
  return out;
}

/** An exit when a container of the service has stopped (exited, dead, or restarting after a crash). */
function stoppedContainer(entries: PsEntry[]): ExitStatus | undefined {
  const down = entries.find((e) => e.state === "exited" || e.state === "dead" || e.state === "restarting");
  return down ? { code: down.exitCode, signal: null } : undefined;
}

function psArgs(ctx: DockerContext): string[] {
  return [...ctx.base, "ps", "--all", "--format", "json", ctx.service];
}

/** `docker compose ps` of the service, asynchronously; undefined when it cannot tell. */
function psAsync(ctx: DockerContext): Promise<ExitStatus | undefined> {
  return new Promise((resolve) => {
    let out = "";
    let child;
    try {
      child = spawn(ctx.docker, psArgs(ctx), { env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}), stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      resolve(undefined);
      return;
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      if (out.length < 1024 * 1024) out += d;
    });
    child.on("error", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? stoppedContainer(parseComposePs(out)) : undefined);
    });
  });
}

function runSync(ctx: DockerContext, args: string[], timeoutMs: number): string | undefined {
  const r = spawnSync(ctx.docker, args, {
    env: ctx.env,
    ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}),
    timeout: timeoutMs,
    maxBuffer: 4 * 1024 * 1024,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return r.status === 0 ? r.stdout : undefined;
}

/** stop, logs (into the log file), rm: returns what went wrong, if anything. */
async function composeDown(ctx: DockerContext, graceMs: number): Promise<string | undefined> {
  const problems: string[] = [];
  const graceS = Math.max(0, Math.ceil(graceMs / 1000));
  const stopTimeout = graceMs + 30_000;
  const stop = await runDocker(ctx, [...ctx.base, "stop", "-t", String(graceS), ctx.service], stopTimeout);
  const p1 = dockerProblem("docker compose stop", stop, stopTimeout);
  if (p1) problems.push(p1);
  ctx.log.note(`the container's output follows (docker compose logs)`);
  const logs = await runDocker(ctx, [...ctx.base, "logs", "--no-color", "--timestamps", ctx.service], 60_000);
  const p2 = dockerProblem("docker compose logs", logs, 60_000);
  if (p2) problems.push(p2);
  const rm = await runDocker(ctx, [...ctx.base, "rm", "-f", "-s", ctx.service], 30_000);
  const p3 = dockerProblem("docker compose rm", rm, 30_000);
  if (p3) problems.push(p3);
  return problems.length > 0 ? problems.join("; ") : undefined;
}

/** Starts a kind "compose" server (startServer has checked the spec): see startServer. */
export async function startCompose(spec: ServerSpec, signal?: AbortSignal): Promise<StartedServer> {
  const c = spec.compose as NonNullable<ServerSpec["compose"]>;
  const healthUrl = spec.healthUrl as string;
  const who = `compose service "${printable(c.service, { max: 80 })}"`;
  if (signal?.aborted) throw new ServerStartError("aborted", `the start of ${who} was cancelled before it began`);
  if (spec.cwd !== undefined && !statSync(spec.cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ServerStartError("spawn", `cannot start ${who}: its working folder ${printable(spec.cwd)} does not exist or is not a folder`);
  }
  const log = openLog(spec.logPath, who, spec.secrets);
  const ctx: DockerContext = { docker: dockerBinary(), base: composeArgs(c), service: c.service, env: { ...process.env, ...spec.env }, cwd: spec.cwd, log };
  const envNames = Object.keys(spec.env ?? {});
  if (envNames.length > 0) log.note(`environment added: ${envNames.join(", ")} (values not logged)`);

  const killCommands = [
    [ctx.docker, ...ctx.base, "kill", ctx.service],
    [ctx.docker, ...ctx.base, "rm", "-f", ctx.service],
  ];
  const watchman = startWatchman(killCommands, { env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}) });
  const unregisterServer = register({
    killSync: () => {
      watchman.disarm();
      const opts = { env: ctx.env, ...(ctx.cwd !== undefined ? { cwd: ctx.cwd } : {}), timeout: 10_000, stdio: "ignore" as const };
      for (const [file, ...args] of killCommands) spawnSync(file as string, args, opts);
      log.dispose();
    },
  });
  const unregister = () => {
    unregisterServer();
    watchman.disarm();
  };

  const started = performance.now();
  const deadline = started + spec.startupTimeoutMs;
  const fail = async (result: Exclude<WaitResult, { kind: "healthy" }> | undefined, reasonOverride?: string, kindOverride?: ServerStartError["kind"]): Promise<never> => {
    const elapsedMs = performance.now() - started;
    const downProblem = await composeDown(ctx, spec.stopGraceMs);
    const failure = result
      ? describeFailure(result, { who, url: healthUrl, startupTimeoutMs: spec.startupTimeoutMs, elapsedMs, tail: log.tail() })
      : { kind: kindOverride ?? "exited", reason: reasonOverride ?? "" };
    const reason = `${failure.reason}${downProblem ? `; cleaning up: ${downProblem}` : ""}`;
    log.note(`start failed: ${reason}`);
    const tail = errorTail(log.tail());
    log.dispose();
    unregister();
    throw new ServerStartError(failure.kind, reason, tail);
  };

  const up = await runDocker(ctx, [...ctx.base, "up", "-d", "--force-recreate", "--no-deps", c.service], Math.max(1, deadline - performance.now()), signal);
  if (up.spawnError) {
    const code = up.spawnError.code ?? String(up.spawnError);
    const reason = `cannot start ${who}: cannot run ${printable(ctx.docker)} (${code}): install Docker with its compose plugin, or set SHAKEDOWN_DOCKER to the docker binary`;
    log.note(reason);
    log.dispose();
    unregister();
    throw new ServerStartError("spawn", reason);
  }
  if (up.aborted) return fail({ kind: "aborted" });
  if (up.timedOut) return fail({ kind: "timeout", last: "docker compose up had not finished" });
  if (up.code !== 0) {
    const line = lastMeaningfulLine(log.tail());
    return fail(undefined, `${who} could not start: docker compose up ${exitText(up)}${line ? `; last log line: "${line}"` : ""}`, "exited");
  }

  const agent = shortAgent(POLL_TIMEOUT_MS);
  let result: WaitResult;
  try {
    result = await waitHealthy({
      probe: healthProbe(agent, healthUrl, signal),
      started,
      deadline,
      intervalMs: spec.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      ...(signal !== undefined ? { signal } : {}),
      slowCheck: () => psAsync(ctx),
    });
  } catch (err) {
    // Not a start failure but a fault: still, nothing is left running.
    await composeDown(ctx, spec.stopGraceMs);
    log.note(`start failed: ${printable(String(err), { max: 300 })}`);
    log.dispose();
    unregister();
    throw err;
  } finally {
    dropAgent(agent);
  }
  if (result.kind !== "healthy") return fail(result);

  const healthyAt = result.at;
  log.note(`healthy after ${seconds(healthyAt - started)}: ${healthUrl}`);
  let crash: ServerExitInfo | undefined;
  let stopping: Promise<string | undefined> | undefined;

  const crashInfo = (): ServerExitInfo | undefined => {
    if (crash !== undefined || stopping !== undefined) return crash;
    const ps = runSync(ctx, psArgs(ctx), 10_000);
    const exit = ps === undefined ? undefined : stoppedContainer(parseComposePs(ps));
    if (exit === undefined) return undefined;
    // The container's last lines, for an out-of-memory line (all of its output goes to the log at stop).
    const tail = runSync(ctx, [...ctx.base, "logs", "--no-color", "--tail", "300", ctx.service], 15_000) ?? "";
    crash = { ...exit, reason: describeCrash(who, exit, performance.now() - healthyAt, tail) };
    return crash;
  };

  const doStop = async (): Promise<string | undefined> => {
    // An exit before stop() is the container's own (a crash): seen now, while the container is there.
    crashInfo();
    try {
      const problem = await composeDown(ctx, spec.stopGraceMs);
      log.note(problem ? `stopped, with problems: ${problem}` : "stopped and removed");
      return problem ? `${who}: ${problem}` : undefined;
    } catch (err) {
      return `stopping ${who} failed: ${printable(String(err), { max: 200 })}`;
    } finally {
      log.dispose();
      unregister();
    }
  };

  return {
    kind: "compose",
    startupMs: healthyAt - started,
    exitInfo: crashInfo,
    stop: () => (stopping ??= doStop()),
  };
}
