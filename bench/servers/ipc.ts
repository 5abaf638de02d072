/**
 * The child side of the bench servers' control channel (Node IPC): the parent sends
 * `{ id, cmd, ...args }`, the child answers `{ id, ok, value }` (or `{ id, ok: false, error }`).
 * Only control traffic goes through it, never anything on a measured path.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

export type CommandHandler = (args: Record<string, unknown>) => unknown;

interface ControlMessage {
  id: number;
  cmd: string;
  [k: string]: unknown;
}

function isControl(m: unknown): m is ControlMessage {
  return typeof m === "object" && m !== null && typeof (m as ControlMessage).id === "number" && typeof (m as ControlMessage).cmd === "string";
}

/** Answers the parent's commands; `cpu` (CPU ms used since the last call) and `exit` are built in. */
export function serveCommands(handlers: Record<string, CommandHandler>): void {
  if (!process.send) throw new Error("a bench server must be started with an IPC channel");
  let lastCpu = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const all: Record<string, CommandHandler> = {
    cpu: () => {
      const d = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      return { userMs: d.user / 1000, systemMs: d.system / 1000 };
    },
    exit: () => setImmediate(() => process.exit(0)),
    /** Event-loop delay since the last call (ms): how long a ready socket could wait for the server. */
    loop: () => {
      const out = { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 };
      loopDelay.reset();
      return out;
    },
    ...handlers,
  };
  process.on("message", (m: unknown) => {
    if (!isControl(m)) return;
    const h = all[m.cmd];
    try {
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      process.send!({ id: m.id, ok: true, value: h(m) });
    } catch (e) {
      process.send!({ id: m.id, ok: false, error: (e as Error).message });
    }
  });
  // the parent going away ends the child
  process.on("disconnect", () => process.exit(0));
}

/** Tells the parent the server listens (the first message the parent waits for). */
export function announceReady(port: number): void {
  process.send!({ ready: true, port });
}

/** High-resolution epoch ms, comparable across processes of one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
