/**
 * Process groups of started servers, and the registry that makes sure none outlives
 * shakedown. A server's shell leads its own process group (spawned detached), so a signal to
 * the group reaches everything it started: vLLM's API server, its engine and worker
 * processes, a `sleep 60 &` of a wrapper script.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { shellWord } from "./template.js";

/**
 * The live (not zombie) members of a process group, read from /proc; undefined where /proc
 * is not there (macOS). A zombie is dead: it only waits for a parent to read its status, and
 * where PID 1 does not reap orphans (some containers and VMs) it would wait forever.
 */
function liveMembers(pgid: number): number[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") members.push(Number(name));
  }
  return members;
}

/** Whether any process of the group is alive (zombies do not count). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  const members = liveMembers(pgid);
  return members === undefined ? true : members.length > 0;
}

/** Sends a signal to the whole group; false when there was no such group. Never throws. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `done()` is true, checking every `stepMs`, for at most `ms`. True when it became true. */
export async function waitUntil(done: () => boolean, ms: number, stepMs = 50): Promise<boolean> {
  const until = performance.now() + ms;
  for (;;) {
    if (done()) return true;
    const left = until - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(stepMs, left));
  }
}

/** What was needed to stop a group. */
export interface GroupStop {
  /** SIGKILL was sent (the grace ran out). */
  killed: boolean;
  /** Members still alive after SIGKILL (pids; empty when all are gone). */
  survivors: number[];
}

/**
 * Stops a process group: SIGTERM, then SIGKILL once graceMs has passed with a member (or
 * the leader, as `leaderExited` tells) still alive, then waits at most afterKillMs.
 */
export async function stopGroup(pgid: number, graceMs: number, leaderExited: () => boolean, afterKillMs = 2000): Promise<GroupStop> {
  const gone = () => leaderExited() && !groupAlive(pgid);
  if (gone()) return { killed: false, survivors: [] };
  signalGroup(pgid, "SIGTERM");
  if (await waitUntil(gone, graceMs)) return { killed: false, survivors: [] };
  signalGroup(pgid, "SIGKILL");
  if (await waitUntil(gone, afterKillMs)) return { killed: true, survivors: [] };
  return { killed: true, survivors: liveMembers(pgid) ?? [pgid] };
}

/** A watchman, until disarmed. */
export interface Watchman {
  /** Ends the watchman without it acting (SIGKILL). Idempotent. */
  disarm(): void;
}

/**
 * A watchman for a server: a small detached shell that waits for end-of-file on a pipe whose
 * other end only this process holds, then runs the given commands. However shakedown ends —
 * an exit, a crash, SIGKILL, a test runner killing its worker, where no exit hook runs — the
 * kernel closes the pipe and the watchman stops the server. Disarmed once the server is
 * stopped. Never throws; without /bin/sh there is simply no watchman.
 */
export function startWatchman(commands: readonly (readonly string[])[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Watchman {
  const script = ["read _", ...commands.map((c) => `${c.map(shellWord).join(" ")} >/dev/null 2>&1`)].join("; ");
  let child: ReturnType<typeof spawn> | undefined;
  try {
    child = spawn("/bin/sh", ["-c", script], {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    });
  } catch {
    return { disarm: () => undefined };
  }
  child.on("error", () => undefined);
  child.stdin?.on("error", () => undefined);
  // Neither the watchman nor its pipe keeps shakedown alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  let disarmed = false;
  return {
    disarm: () => {
      if (disarmed || child === undefined) return;
      disarmed = true;
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      child.stdin?.destroy();
    },
  };
}

/** The watchman of a process group: SIGTERM to the group, then SIGKILL after graceS seconds. */
export function watchGroup(pgid: number, graceMs: number): Watchman {
  const graceS = Math.min(10, Math.max(1, Math.ceil(graceMs / 1000)));
  return startWatchman([
    ["kill", "-TERM", `-${pgid}`],
    ["sleep", String(graceS)],
    ["kill", "-KILL", `-${pgid}`],
  ]);
}

/** A server that must not outlive shakedown. */
export interface LiveServer {
  /** Kills it at once, synchronously (SIGKILL to its group; docker compose kill). */
  killSync(): void;
}

const live = new Set<LiveServer>();
let exitHookInstalled = false;

/** Registers a started server until it is stopped; returns the unregistering function. */
export function register(server: LiveServer): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", killAllServersSync);
  }
  live.add(server);
  return () => {
    live.delete(server);
  };
}

/** Servers started and not yet stopped (for tests: 0 after stop). */
export function liveServers(): number {
  return live.size;
}

/**
 * Kills (SIGKILL, whole process group; compose: `docker compose kill` and `rm -f`) every
 * server still running. Installed as a process 'exit' handler by the first start, so nothing
 * survives shakedown; callable (a second Ctrl-C). The killed servers are no longer counted.
 */
export function killAllServersSync(): void {
  for (const s of [...live]) {
    live.delete(s);
    try {
      s.killSync();
    } catch {
      // keep killing the others
    }
  }
}
