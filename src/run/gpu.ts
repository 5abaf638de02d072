/**
 * Starts the GPU sampler for a run (monitor.gpu), writing its timeline into the run folder.
 * The embedded simulator's fake GPU (target.sim.fake_gpu) is read like a DCGM exporter when
 * the suite names no source of its own.
 */
import type { GpuMonitorConfig, Suite } from "../config/schema.js";
import { startGpuSampler, type RunningGpuSampler } from "../monitor/gpu/index.js";
import type { RunEvents } from "./events.js";
import type { ConnectedTarget } from "./target.js";

/** The GPU source a run uses: the suite's, or the simulator's fake GPU; undefined when none. */
export function gpuSourceFor(suite: Suite, target: ConnectedTarget): { config: GpuMonitorConfig; simulated: boolean } | undefined {
  const g = suite.monitor.gpu;
  if (g.source !== "off") return { config: g, simulated: false };
  if (target.info.simulated && suite.target.sim?.fake_gpu) {
    return { config: { ...g, source: "dcgm", url: new URL("/gpu/metrics", target.info.url).href }, simulated: true };
  }
  return undefined;
}

export async function startRunGpuSampler(
  suite: Suite,
  target: ConnectedTarget,
  timelinePath: string,
  events: RunEvents,
): Promise<{ sampler: RunningGpuSampler; simulated: boolean } | undefined> {
  const source = gpuSourceFor(suite, target);
  if (!source) return undefined;
  const sampler = await startGpuSampler({
    config: source.config,
    timelinePath,
    onWarning: (message) => events.emit("warning", `GPU sampler: ${message}`),
    ...(source.simulated && target.apiKey !== undefined ? { apiKey: target.apiKey } : {}),
  });
  return { sampler, simulated: source.simulated };
}
