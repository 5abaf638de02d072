/**
 * The servers of a calibration, in a child process: the client must not share its event
 * loop with them, or it would measure their work as its own. Started by calibrate/index.ts
 * with fork(); argv[2] holds a JSON array of simulator options, one simulator each.
 *
 * It also starts a blaster (blaster.ts, one event per write, round-robin) for the capacity pass.
 *
 * Messages: it sends { ports, blaster } once all listen; on "truth" it answers
 * { truth: [id, epochMs][] } (the instants the simulators' first-token bytes left) and
 * forgets them; on "close" it closes and exits.
 */
import { startSimulator, type StartSimulatorOptions } from "../sim/server.js";
import { startBlaster } from "./blaster.js";

const optionSets = JSON.parse(process.argv[2] ?? "[{}]") as StartSimulatorOptions[];
let truth: [string, number][] = [];
const sims = await Promise.all(
  optionSets.map((o) => startSimulator({ ...o, port: 0, onFirstTokenWritten: (id, at) => void truth.push([id, at]) })),
);
const blaster = await startBlaster({ mode: "per-event" });
const closeAll = () => void Promise.all([...sims.map((s) => s.close()), blaster.close()]).then(() => process.exit(0));
process.send!({ ports: sims.map((s) => s.port), blaster: blaster.port });
process.on("message", (msg) => {
  if (msg === "truth") {
    process.send!({ truth });
    truth = [];
  } else if (msg === "close") closeAll();
});
// The parent went away: no orphan.
process.on("disconnect", closeAll);
