/**
 * A fake GPU for the simulator (option fakeGpu): GET /gpu/metrics serves what NVIDIA's
 * dcgm-exporter serves for one GPU, with its field names, types, units and labels
 * (`gpu`, `UUID`, `pci_bus_id`, `device`, `modelName`, `Hostname`), so a GPU monitor that
 * reads a DCGM exporter can be tested without a GPU. Every number is simulated from the
 * engine's activity; modelName says so ("shakedown-sim simulated GPU").
 *
 * The model (docs/simulator.md has the table):
 * - busy share b: the fraction of the last `windowMs` (1 s, or the uptime when shorter)
 *   covered by engine steps (a step is a forward pass: kernels run for its whole span);
 * - DCGM_FI_DEV_GPU_UTIL = round(100 b) %;
 * - DCGM_FI_DEV_MEM_COPY_UTIL = round(b × (40 + 50 × KV usage)) %;
 * - DCGM_FI_DEV_FB_USED = weights + KV blocks in use × per-block MiB + leak, MiB, at most the
 *   total (80 GiB); DCGM_FI_DEV_FB_FREE = total − used;
 * - DCGM_FI_DEV_POWER_USAGE = idle + b × (max − idle) W (70 W to 700 W);
 * - DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION = ∫ power dt, mJ, exactly: idle × uptime +
 *   (max − idle) × busy time (a counter: never decreases);
 * - DCGM_FI_DEV_GPU_TEMP = round(30 + 45 b) °C;
 * - DCGM_FI_DEV_SM_CLOCK 1980 MHz when any step ran in the window, else 345 MHz;
 *   DCGM_FI_DEV_MEM_CLOCK 2619 MHz;
 * - DCGM_FI_DEV_CLOCKS_EVENT_REASONS 1 (DCGM_CLOCKS_EVENT_REASON_GPU_IDLE) when no step ran
 *   in the window, else 0.
 */
import { hostname } from "node:os";
import { Counter, Gauge, Registry } from "prom-client";
import type { SimEngine } from "./engine.js";
import { fnv1a32 } from "./hash.js";
import { leakedMiB } from "./metrics.js";
import type { SimOptions } from "./options.js";

/** The simulated GPU's constants. */
export const FAKE_GPU = {
  modelName: "shakedown-sim simulated GPU",
  /** Framebuffer size, MiB (80 GiB). */
  totalMiB: 81_920,
  /** Weights, CUDA context and activations, held from the start, MiB. */
  weightsMiB: 30_720,
  /** The KV pool's share of the framebuffer when every block is in use, MiB (the per-block size is this / kvBlocks). */
  kvPoolMiB: 40_960,
  idleWatts: 70,
  maxWatts: 700,
  idleTempC: 30,
  busyTempRiseC: 45,
  idleSmClockMHz: 345,
  busySmClockMHz: 1980,
  memClockMHz: 2619,
  /** DCGM_CLOCKS_EVENT_REASON_GPU_IDLE. */
  clocksEventGpuIdle: 1,
} as const;

/** The window the utilisation is averaged over (dcgm-exporter's sample period is of this order). */
export const FAKE_GPU_WINDOW_MS = 1000;

/** One reading of the simulated GPU. */
export interface FakeGpuReading {
  /** Busy share of the window, 0..1. */
  busyShare: number;
  gpuUtil: number;
  memCopyUtil: number;
  fbUsedMiB: number;
  fbFreeMiB: number;
  powerWatts: number;
  /** mJ since the simulator started. */
  energyMj: number;
  tempC: number;
  smClockMHz: number;
  memClockMHz: number;
  clocksEventReasons: number;
}

/** A GPU-looking UUID, stable for a seed and a model name. */
export function fakeGpuUuid(seed: number, model: string): string {
  let hex = "";
  for (let i = 0; i < 4; i++) hex += fnv1a32(`shakedown-sim-gpu|${seed}|${model}|${i}`).toString(16).padStart(8, "0");
  return `GPU-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Tracks the engine's busy time and turns it into GPU readings. */
export class FakeGpu {
  /** Completed steps still within the window, oldest first (back to back, never overlapping). */
  private readonly recent: { startMs: number; endMs: number }[] = [];
  /** Busy time of the steps completed so far, ms. */
  private completedBusyMs = 0;

  constructor(
    private readonly engine: SimEngine,
    private readonly options: Pick<SimOptions, "kvBlocks" | "leakMbPerHour">,
    readonly windowMs: number = FAKE_GPU_WINDOW_MS,
  ) {
    engine.addObserver({
      onStep: (s) => {
        this.completedBusyMs += s.endMs - s.startMs;
        this.recent.push({ startMs: s.startMs, endMs: s.endMs });
        this.prune(s.endMs - this.windowMs);
      },
    });
  }

  private prune(before: number): void {
    let drop = 0;
    while (drop < this.recent.length && (this.recent[drop]?.endMs ?? Infinity) <= before) drop++;
    if (drop > 0) this.recent.splice(0, drop);
  }

  /** Busy time since the start up to `now`, ms: completed steps plus the elapsed part of the running one. */
  busyMs(now: number = this.engine.now()): number {
    const active = this.engine.activeStep();
    const partial = active ? Math.max(0, Math.min(now, active.endMs) - active.startMs) : 0;
    return this.completedBusyMs + partial;
  }

  /** Busy share of the window that ends at `now` (the window is the uptime when that is shorter). */
  busyShare(now: number = this.engine.now()): number {
    const window = Math.min(this.windowMs, this.engine.uptimeMs(now));
    if (window <= 0) return 0;
    const from = now - window;
    this.prune(from);
    let busy = 0;
    const spans = [...this.recent];
    const active = this.engine.activeStep();
    if (active) spans.push(active);
    for (const s of spans) busy += Math.max(0, Math.min(now, s.endMs) - Math.max(from, s.startMs));
    return Math.min(1, Math.max(0, busy / window));
  }

  read(now: number = this.engine.now()): FakeGpuReading {
    const g = FAKE_GPU;
    const b = this.busyShare(now);
    const kvUsage = this.engine.kv.usage();
    const used = Math.min(
      g.totalMiB,
      Math.round(g.weightsMiB + kvUsage * g.kvPoolMiB + leakedMiB(this.options.leakMbPerHour, this.engine.uptimeMs(now))),
    );
    const idle = b === 0;
    return {
      busyShare: b,
      gpuUtil: Math.round(100 * b),
      memCopyUtil: Math.round(b * (40 + 50 * kvUsage)),
      fbUsedMiB: used,
      fbFreeMiB: g.totalMiB - used,
      powerWatts: Math.round((g.idleWatts + b * (g.maxWatts - g.idleWatts)) * 1000) / 1000,
      energyMj: Math.floor(g.idleWatts * this.engine.uptimeMs(now) + (g.maxWatts - g.idleWatts) * this.busyMs(now)),
      tempC: Math.round(g.idleTempC + g.busyTempRiseC * b),
      smClockMHz: idle ? g.idleSmClockMHz : g.busySmClockMHz,
      memClockMHz: g.memClockMHz,
      clocksEventReasons: idle ? g.clocksEventGpuIdle : 0,
    };
  }
}

export interface FakeGpuMetrics {
  readonly gpu: FakeGpu;
  readonly registry: Registry;
  readonly contentType: string;
  render(): Promise<string>;
}

/** dcgm-exporter's exposition of one simulated GPU, in its own prom-client Registry. */
export function createFakeGpuMetrics(engine: SimEngine, options: SimOptions, gpu: FakeGpu = new FakeGpu(engine, options)): FakeGpuMetrics {
  const registry = new Registry();
  const registers = [registry];
  const labelNames = ["gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname"] as const;
  const labels = {
    gpu: "0",
    UUID: fakeGpuUuid(options.seed, options.model),
    pci_bus_id: "00000000:00:00.0",
    device: "nvidia0",
    modelName: FAKE_GPU.modelName,
    Hostname: hostname(),
  };
  // One reading per scrape, shared by every field's collect().
  let reading: FakeGpuReading | undefined;
  const current = (): FakeGpuReading => (reading ??= gpu.read());
  const sim = " (shakedown-sim: simulated)";
  const gauge = (name: string, help: string, value: (r: FakeGpuReading) => number): void => {
    new Gauge({
      name,
      help: help + sim,
      labelNames,
      registers,
      collect() {
        this.set(labels, value(current()));
      },
    });
  };
  // In dcgm-exporter's default-counters.csv order.
  gauge("DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", (r) => r.smClockMHz);
  gauge("DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", (r) => r.memClockMHz);
  gauge("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", (r) => r.tempC);
  gauge("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", (r) => r.powerWatts);
  let reportedEnergy = 0;
  new Counter({
    name: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
    help: "Total energy consumption since boot (in mJ)." + sim,
    labelNames,
    registers,
    collect() {
      const e = current().energyMj;
      if (e > reportedEnergy) {
        this.inc(labels, e - reportedEnergy);
        reportedEnergy = e;
      } else {
        this.inc(labels, 0);
      }
    },
  });
  gauge("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", (r) => r.gpuUtil);
  gauge("DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", (r) => r.memCopyUtil);
  gauge("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", (r) => r.fbFreeMiB);
  gauge("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", (r) => r.fbUsedMiB);
  gauge(
    "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
    "Current clock event reasons (bitmask of DCGM_CLOCKS_EVENT_REASON_*; 1 = GPU idle).",
    (r) => r.clocksEventReasons,
  );

  return {
    gpu,
    registry,
    contentType: registry.contentType,
    async render() {
      reading = undefined;
      try {
        return await registry.metrics();
      } finally {
        reading = undefined;
      }
    },
  };
}
