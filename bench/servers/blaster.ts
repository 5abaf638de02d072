/**
 * The blaster (src/calibrate/blaster.ts) as a child process of bench/load.ts:
 * `node --import tsx bench/servers/blaster.ts` with an IPC channel.
 * Commands: `config` ({ mode: "burst" | "per-event", holdMs }), `truth` (first-chunk flush
 * instants since the last call, per response id), `stats`, and the built-in `cpu`, `exit`.
 */
import { startBlaster } from "../../src/calibrate/blaster.js";
import { announceReady, serveCommands } from "./ipc.js";

const blaster = await startBlaster();

serveCommands({
  config: (a) => {
    if (a.mode === "burst" || a.mode === "per-event") blaster.config.mode = a.mode;
    if (typeof a.holdMs === "number") blaster.config.holdMs = a.holdMs;
    return { ...blaster.config };
  },
  truth: () => blaster.takeTruth(),
  stats: () => blaster.stats(),
});

announceReady(blaster.port);
