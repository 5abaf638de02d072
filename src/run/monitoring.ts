/**
 * Starts the server-metrics monitor for a run when the target exposes Prometheus metrics
 * (target.metrics.scrape: auto | on | off), writing the timeline into the run folder.
 */
import type { TargetConfig } from "../config/schema.js";
import { UnreachableError } from "../errors.js";
import { metricsUrlFor, probeMetrics, startMonitor, type RunningMonitor } from "../monitor/index.js";
import type { RunEvents } from "./events.js";
import type { ConnectedTarget } from "./target.js";

export interface MonitorStart {
  monitor?: RunningMonitor;
  url: string;
  reason?: string;
}

export async function startServerMonitor(
  t: TargetConfig,
  target: ConnectedTarget,
  timelinePath: string,
  events: RunEvents,
): Promise<MonitorStart> {
  const url = t.metrics.url ?? metricsUrlFor(target.info.url);
  if (t.metrics.scrape === "off") return { url, reason: "switched off (target.metrics.scrape: off)" };
  const probe = await probeMetrics(url, target.apiKey);
  if (!probe.ok) {
    if (t.metrics.scrape === "on") {
      throw new UnreachableError(`${url}: ${probe.reason} (target.metrics.scrape is on; set it to auto to run without server metrics).`);
    }
    events.emit("warning", `server metrics not collected: ${url}: ${probe.reason}`);
    return { url, reason: probe.reason };
  }
  const monitor = await startMonitor({
    url,
    ...(target.apiKey !== undefined ? { apiKey: target.apiKey } : {}),
    intervalMs: t.metrics.interval_ms,
    timelinePath,
  });
  return { monitor, url };
}
