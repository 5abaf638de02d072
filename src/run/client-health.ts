/**
 * Samples the client's health during each scenario: the event-loop delay (perf_hooks'
 * histogram), the CPU the process used and how busy the whole machine was. The judgement is
 * pure and lives in src/metrics/client-health.ts.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { cpus } from "node:os";
import type { ClientHealth } from "../metrics/client-health.js";

const RESOLUTION_MS = 10;

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return { busy, total };
}

/** Samples one stretch of a run (a scenario); stop() returns what it saw. */
export class ClientHealthSampler {
  private readonly loop: IntervalHistogram;
  private readonly t0 = performance.now();
  private readonly cpu0 = process.cpuUsage();
  private readonly machine0 = cpuTimes();

  constructor() {
    this.loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.loop.enable();
  }

  stop(): ClientHealth {
    this.loop.disable();
    const durationMs = performance.now() - this.t0;
    const cpu = process.cpuUsage(this.cpu0);
    const m1 = cpuTimes();
    const cores = cpus().length;
    const machineShare = m1.total > this.machine0.total ? (m1.busy - this.machine0.busy) / (m1.total - this.machine0.total) : 0;
    const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
    return {
      durationMs,
      loopDelayMs: {
        mean: ms(this.loop.mean),
        p50: ms(this.loop.percentile(50)),
        p99: ms(this.loop.percentile(99)),
        max: ms(this.loop.max),
      },
      processCores: durationMs > 0 ? (cpu.user + cpu.system) / 1000 / durationMs : 0,
      machineCores: machineShare * cores,
      cores,
    };
  }
}

