/**
 * A DCGM exporter's /metrics page (NVIDIA dcgm-exporter, Prometheus text) mapped to GPU
 * readings. The names are dcgm-exporter's (etc/default-counters.csv):
 *
 *   DCGM_FI_DEV_GPU_UTIL (%)             DCGM_FI_DEV_MEM_COPY_UTIL (%)
 *   DCGM_FI_DEV_FB_USED / _FREE / _RESERVED / _TOTAL (MiB)
 *   DCGM_FI_DEV_POWER_USAGE (W)          DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ, counter)
 *   DCGM_FI_DEV_GPU_TEMP (°C)            DCGM_FI_DEV_SM_CLOCK, DCGM_FI_DEV_MEM_CLOCK (MHz)
 *   DCGM_FI_DEV_CLOCKS_EVENT_REASONS / DCGM_FI_DEV_CLOCK_THROTTLE_REASONS (NVML bitmask)
 *   DCGM_FI_DEV_ENFORCED_POWER_LIMIT / DCGM_FI_DEV_POWER_MGMT_LIMIT (W)
 *
 * DCGM 4.7 renamed some fields with their unit in the name; those whose unit the name
 * states are read too (…_BOARD_POWER_WATTS, …_GPU_TEMP_CELSIUS, …_SM_CLOCK_HERTZ,
 * …_MEMORY_CLOCK_HERTZ, …_GPU_ENERGY_JOULES_TOTAL). The *_RATIO utilisation names are not:
 * sources disagree on whether they hold a percentage or a 0–1 ratio.
 *
 * Labels: `gpu` (the index; a series without it is skipped), `UUID` (4.9: `gpu_uuid`),
 * `modelName` (`model_name`); `device`, `Hostname`/`hostname`, `pci_bus_id` are not needed.
 * A MIG instance's series (label GPU_I_ID) are used only when the whole GPU has none.
 *
 * DCGM reports a value it does not have as a "blank" sentinel (an int64 near 2^63, e.g.
 * 9223372036854775794, or a double ≥ 2^47 = 140737488355328): absent here, like NaN and
 * negative values.
 */
import { parseMetricsText, type MetricSample } from "../parse.js";
import type { GpuSample } from "./types.js";
import { decodeClockEventReasons } from "./throttle.js";

export type DcgmReading = Omit<GpuSample, "t" | "epochMs">;

export interface DcgmPage {
  /** One reading per GPU, by index. */
  readings: DcgmReading[];
  /** DCGM_FI_* samples on the page (0: not a DCGM exporter). */
  dcgmSamples: number;
  /** Prometheus samples on the page. */
  sampleCount: number;
}

/** DCGM_FP64_BLANK (2^47); every int64 blank is larger still. */
const DCGM_BLANK_MIN = 140_737_488_355_328;

/** A usable DCGM value, or undefined (blank, NaN, ±Inf, negative). */
export function dcgmValue(v: number): number | undefined {
  if (!Number.isFinite(v) || v < 0 || v >= DCGM_BLANK_MIN) return undefined;
  return v;
}

type Target =
  | "utilization"
  | "memoryUtilization"
  | "fbUsed"
  | "fbFree"
  | "fbReserved"
  | "fbTotal"
  | "powerW"
  | "powerLimitW"
  | "energyJ"
  | "temperatureC"
  | "smClockMHz"
  | "memClockMHz"
  | "throttle";

/** Exporter name → what it fills and the factor to its unit. Earlier names in a target's list win. */
const MAPPING: readonly (readonly [name: string, target: Target, factor: number])[] = [
  ["DCGM_FI_DEV_GPU_UTIL", "utilization", 1],
  ["DCGM_FI_DEV_MEM_COPY_UTIL", "memoryUtilization", 1],
  ["DCGM_FI_DEV_FB_USED", "fbUsed", 1],
  ["DCGM_FI_DEV_FB_FREE", "fbFree", 1],
  ["DCGM_FI_DEV_FB_RESERVED", "fbReserved", 1],
  ["DCGM_FI_DEV_FB_TOTAL", "fbTotal", 1],
  ["DCGM_FI_DEV_POWER_USAGE", "powerW", 1],
  ["DCGM_FI_DEV_BOARD_POWER_WATTS", "powerW", 1],
  ["DCGM_FI_DEV_ENFORCED_POWER_LIMIT", "powerLimitW", 1],
  ["DCGM_FI_DEV_POWER_MGMT_LIMIT", "powerLimitW", 1],
  ["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "energyJ", 1 / 1000],
  ["DCGM_FI_DEV_GPU_ENERGY_JOULES_TOTAL", "energyJ", 1],
  ["DCGM_FI_DEV_GPU_TEMP", "temperatureC", 1],
  ["DCGM_FI_DEV_GPU_TEMP_CELSIUS", "temperatureC", 1],
  ["DCGM_FI_DEV_SM_CLOCK", "smClockMHz", 1],
  ["DCGM_FI_DEV_SM_CLOCK_HERTZ", "smClockMHz", 1e-6],
  ["DCGM_FI_DEV_MEM_CLOCK", "memClockMHz", 1],
  ["DCGM_FI_DEV_MEMORY_CLOCK_HERTZ", "memClockMHz", 1e-6],
  ["DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "throttle", 1],
  ["DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "throttle", 1],
];

interface GpuAccumulator {
  uuid?: string;
  name?: string;
  values: Map<Target, number>;
}

const label = (s: MetricSample, ...names: string[]): string | undefined => {
  for (const n of names) {
    const v = s.labels[n];
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
};

/** The GPU-wide series of one metric, by GPU index: a MIG instance's series only where the GPU has no whole-GPU one. */
function byGpu(samples: readonly MetricSample[]): Map<number, MetricSample> {
  const whole = new Map<number, MetricSample>();
  const mig = new Map<number, MetricSample>();
  for (const s of samples) {
    const g = s.labels.gpu;
    if (g === undefined || !/^\d+$/.test(g)) continue;
    const index = Number(g);
    const target = label(s, "GPU_I_ID") === undefined ? whole : mig;
    if (!target.has(index)) target.set(index, s);
  }
  for (const [index, s] of mig) if (!whole.has(index)) whole.set(index, s);
  return whole;
}

/** Reads a dcgm-exporter page. Never throws. */
export function parseDcgmMetrics(text: string): DcgmPage {
  const parsed = parseMetricsText(text);
  let dcgmSamples = 0;
  for (const [name, list] of parsed.samples) if (name.startsWith("DCGM_FI_")) dcgmSamples += list.length;

  const gpus = new Map<number, GpuAccumulator>();
  const gpu = (index: number): GpuAccumulator => {
    let p = gpus.get(index);
    if (!p) gpus.set(index, (p = { values: new Map() }));
    return p;
  };
  for (const [name, target, factor] of MAPPING) {
    const list = parsed.samples.get(name);
    if (!list) continue;
    for (const [index, s] of byGpu(list)) {
      const p = gpu(index);
      p.uuid ??= label(s, "UUID", "gpu_uuid", "uuid");
      p.name ??= label(s, "modelName", "model_name");
      const v = dcgmValue(s.value);
      if (v === undefined || p.values.has(target)) continue;
      p.values.set(target, v * factor);
    }
  }

  const readings: DcgmReading[] = [];
  for (const index of [...gpus.keys()].sort((a, b) => a - b)) {
    const p = gpus.get(index) as GpuAccumulator;
    const v = (t: Target) => p.values.get(t);
    const r: DcgmReading = { gpu: index };
    if (p.uuid !== undefined) r.uuid = p.uuid;
    if (p.name !== undefined) r.name = p.name;
    const set = <K extends keyof DcgmReading>(k: K, value: DcgmReading[K] | undefined) => {
      if (value !== undefined) r[k] = value;
    };
    set("utilization", v("utilization"));
    set("memoryUtilization", v("memoryUtilization"));
    const used = v("fbUsed");
    const free = v("fbFree");
    set("memoryUsedMiB", used);
    set("memoryTotalMiB", v("fbTotal") ?? (used !== undefined && free !== undefined ? used + free + (v("fbReserved") ?? 0) : undefined));
    set("powerW", v("powerW"));
    set("powerLimitW", v("powerLimitW"));
    set("energyJ", v("energyJ"));
    set("temperatureC", v("temperatureC"));
    const sm = v("smClockMHz");
    const mem = v("memClockMHz");
    set("smClockMHz", sm === undefined ? undefined : Math.round(sm * 1000) / 1000);
    set("memClockMHz", mem === undefined ? undefined : Math.round(mem * 1000) / 1000);
    const mask = v("throttle");
    // the mask arrives as a float: exact below 2^53, far above any defined bit
    set("throttleReasons", mask === undefined ? undefined : decodeClockEventReasons(BigInt(Math.trunc(mask))));
    readings.push(r);
  }
  return { readings, dcgmSamples, sampleCount: parsed.sampleCount };
}
