/**
 * The parent side of the bench servers: start one in a child process (pinned to a CPU core
 * with taskset where it exists), wait until it listens, send it control commands over IPC.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

let tasksetPath: string | null | undefined;

/** The taskset binary, or null when the machine has none. */
export function taskset(): string | null {
  if (tasksetPath === undefined) {
    try {
      tasksetPath = execFileSync("which", ["taskset"], { encoding: "utf8" }).trim() || null;
    } catch {
      tasksetPath = null;
    }
  }
  return tasksetPath;
}

/** Pins every thread of this process to `core` (threads started later inherit it). False when not possible (no taskset, or fewer than 2 cores). */
export function pinSelf(core: number): boolean {
  const ts = cpus().length >= 2 && core < cpus().length ? taskset() : null;
  if (!ts) return false;
  try {
    execFileSync(ts, ["-a", "-p", "-c", String(core), String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface BenchServer {
  port: number;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** origin + /v1 */
  baseUrl: string;
  /** The core it is pinned to, when pinned. */
  core: number | undefined;
  command<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/**
 * Starts `script` (a TypeScript file under the repository, run with tsx) in a child process
 * with an IPC channel, pinned to `core` when given and taskset exists.
 */
export async function startBenchServer(script: string, args: string[] = [], opts: { core?: number; nodeArgs?: string[] } = {}): Promise<BenchServer> {
  const nodeArgs = [...(opts.nodeArgs ?? []), "--import", "tsx", script, ...args];
  const ts = opts.core !== undefined && cpus().length >= 2 && opts.core < cpus().length ? taskset() : null;
  const child: ChildProcess = ts
    ? spawn(ts, ["-c", String(opts.core), process.execPath, ...nodeArgs], { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] })
    : spawn(process.execPath, nodeArgs, { cwd: REPO_ROOT, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const port = await new Promise<number>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${script} exited (${code}) before it listened`));
    child.once("error", reject);
    child.once("exit", onExit);
    child.on("message", (m: unknown) => {
      const msg = m as { ready?: boolean; port?: number } & Partial<Reply>;
      if (msg.ready && typeof msg.port === "number") {
        child.off("exit", onExit);
        resolve(msg.port);
        return;
      }
      if (typeof msg.id === "number") {
        const p = pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id);
        if (msg.ok) p.resolve(msg.value);
        else p.reject(new Error(msg.error ?? "command failed"));
      }
    });
  });
  child.once("exit", () => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited`));
    pending.clear();
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    baseUrl: `${origin}/v1`,
    core: ts ? opts.core : undefined,
    command<T>(cmd: string, a: Record<string, unknown> = {}): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...a, id, cmd });
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // a clean exit first (so a child run with --cpu-prof writes its profile), then signals
        const term = setTimeout(() => child.kill("SIGTERM"), 3000);
        const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(term);
          clearTimeout(kill);
          resolve();
        });
        if (child.connected) child.send({ id: 0, cmd: "exit" });
        else child.kill("SIGTERM");
      });
    },
  };
}
