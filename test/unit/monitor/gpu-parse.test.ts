import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeClockEventReasons,
  DEFAULT_QUERY_FIELDS,
  isNotReported,
  parseClockEventMask,
  parseDcgmMetrics,
  parseNvidiaSmiTimestamp,
  parseQueryLine,
  refusedField,
  withoutField,
  type GpuReading,
} from "../../../src/monitor/gpu/index.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
/** The columns of the real H200 recording (memory.free included). */
const RECORDED_FIELDS = "timestamp,index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,memory.free,power.draw,power.limit,temperature.gpu,clocks.sm,clocks.mem,pstate".split(",");

function readRecording(): GpuReading[] {
  const text = readFileSync(join(FIXTURES, "nvidia-smi", "nvidia-smi-query-lms250.csv"), "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const r = parseQueryLine(l, RECORDED_FIELDS);
      if (!r.ok) throw new Error(`unreadable: ${l}`);
      return r.reading;
    });
}

describe("nvidia-smi query CSV", () => {
  it("reads every line of the real H200 recording", () => {
    const rows = readRecording();
    expect(rows).toHaveLength(56);
    expect(rows[0]).toEqual({
      gpu: 0,
      uuid: "GPU-ddd5b77b-ef07-a460-836d-b901490614f1",
      name: "NVIDIA H200",
      utilization: 0,
      memoryUtilization: 0,
      memoryUsedMiB: 0,
      memoryTotalMiB: 143771,
      powerW: 100.91,
      powerLimitW: 700,
      temperatureC: 33,
      smClockMHz: 345,
      memClockMHz: 3201,
      pstate: "P0",
      sourceEpochMs: new Date(2026, 10, 27, 20, 45, 10, 164).getTime(),
    });
  });

  it("sees the matrix-product stretch: 100 % busy at ~690 W, then 1011 → 20085 MiB", () => {
    const rows = readRecording();
    const busy = rows.filter((r) => r.utilization === 100);
    expect(busy).toHaveLength(15);
    expect(Math.max(...busy.map((r) => r.powerW!))).toBe(693.86);
    // after a second of ramp-up, the 11 busy samples sit near the 700 W cap
    for (const r of busy.slice(4)) expect(r.powerW!).toBeGreaterThan(684);
    const mem = rows.map((r) => r.memoryUsedMiB);
    const from = mem.indexOf(1011);
    const to = mem.indexOf(20085);
    expect(from).toBeGreaterThan(0);
    expect(to).toBeGreaterThan(from);
    expect(mem.lastIndexOf(20085)).toBeLessThan(mem.lastIndexOf(883));
  });

  it("reads the timestamps: 250 ms apart", () => {
    const rows = readRecording();
    const gaps = rows.slice(1).map((r, i) => r.sourceEpochMs! - rows[i]!.sourceEpochMs!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(249);
    for (const g of gaps) expect(g).toBeLessThanOrEqual(293);
    expect(parseNvidiaSmiTimestamp("2026/11/27 20:45:10.164")).toBe(new Date(2026, 10, 27, 20, 45, 10, 164).getTime());
    expect(parseNvidiaSmiTimestamp("yesterday")).toBeUndefined();
  });

  it("leaves [N/A], [Not Supported], N/A … out: absent, never 0", () => {
    const fields = ["index", "power.draw", "utilization.memory", "pstate", "clocks_event_reasons.active", "total_energy_consumption", "temperature.gpu", "clocks.sm"];
    const r = parseQueryLine("1, [N/A], [Not Supported], N/A, [N/A], [Unknown Error], [Insufficient Permissions], [N/A]", fields);
    expect(r).toEqual({ ok: true, reading: { gpu: 1 } });
    for (const v of ["[N/A]", "[Not Supported]", "[Unknown Error]", "[Insufficient Permissions]", "N/A", ""]) expect(isNotReported(v)).toBe(true);
    expect(isNotReported("0")).toBe(false);
  });

  it("decodes the throttle bitmask and converts the energy counter from mJ to J", () => {
    const fields = ["index", "clocks_event_reasons.active", "total_energy_consumption"];
    const r = parseQueryLine("0, 0x0000000000000044, 123456789012", fields);
    expect(r).toEqual({ ok: true, reading: { gpu: 0, throttleReasons: ["sw_power_cap", "hw_thermal_slowdown"], energyJ: 123456789.012 } });
    const idle = parseQueryLine("0, 0x0000000000000000, 0", fields);
    expect(idle.ok && idle.reading.throttleReasons).toEqual([]);
    const older = parseQueryLine("3, 0x0000000000000001", ["index", "clocks_throttle_reasons.active"]);
    expect(older.ok && older.reading).toEqual({ gpu: 3, throttleReasons: ["gpu_idle"] });
  });

  it("refuses garbage: wrong count, no index, text in a number field", () => {
    const fields = ["index", "power.draw"];
    expect(parseQueryLine("@@ not a GPU line @@", fields)).toMatchObject({ ok: false, reason: expect.stringMatching(/expected 2 values, got 1/) });
    expect(parseQueryLine("x, 12.5", fields)).toMatchObject({ ok: false, reason: expect.stringMatching(/index/) });
    expect(parseQueryLine("0, lots", fields)).toMatchObject({ ok: false, reason: expect.stringMatching(/power.draw "lots" is not a number/) });
  });

  it("tolerates units (a command without nounits) and skips a header line", () => {
    const fields = ["timestamp", "index", "power.draw", "memory.used", "utilization.gpu"];
    expect(parseQueryLine("2026/11/27 20:45:17.236, 0, 214.37 W, 1011 MiB, 100 %", fields)).toMatchObject({
      ok: true,
      reading: { gpu: 0, powerW: 214.37, memoryUsedMiB: 1011, utilization: 100 },
    });
    expect(parseQueryLine("timestamp, index, power.draw [W], memory.used [MiB], utilization.gpu [%]", fields)).toEqual({ ok: false, header: true });
  });

  it("negotiates fields nvidia-smi refuses", () => {
    expect(refusedField('Field "total_energy_consumption" is not a valid field to query.\n\n')).toBe("total_energy_consumption");
    expect(refusedField("NVIDIA-SMI has failed")).toBeUndefined();
    const noEnergy = withoutField(DEFAULT_QUERY_FIELDS, "total_energy_consumption")!;
    expect(noEnergy).not.toContain("total_energy_consumption");
    const older = withoutField(noEnergy, "clocks_event_reasons.active")!;
    expect(older).toContain("clocks_throttle_reasons.active");
    expect(older).not.toContain("clocks_event_reasons.active");
    expect(withoutField(older, "clocks_throttle_reasons.active")).not.toContain("clocks_throttle_reasons.active");
    expect(withoutField(DEFAULT_QUERY_FIELDS, "index")).toBeUndefined();
    expect(withoutField(DEFAULT_QUERY_FIELDS, "not.asked")).toBeUndefined();
  });
});

describe("clock event reasons", () => {
  it("names NVML's bits, and unknown bits by value", () => {
    expect(decodeClockEventReasons(0n)).toEqual([]);
    expect(decodeClockEventReasons(0x1ffn)).toEqual([
      "gpu_idle",
      "applications_clocks_setting",
      "sw_power_cap",
      "hw_slowdown",
      "sync_boost",
      "sw_thermal_slowdown",
      "hw_thermal_slowdown",
      "hw_power_brake_slowdown",
      "display_clock_setting",
    ]);
    expect(decodeClockEventReasons(0x1004n)).toEqual(["sw_power_cap", "bit_0x1000"]);
    expect(parseClockEventMask("0x0000000000000008")).toBe(8n);
    expect(parseClockEventMask("4")).toBe(4n);
    expect(parseClockEventMask("4.0")).toBe(4n);
    expect(parseClockEventMask("[N/A]")).toBeUndefined();
  });
});

describe("DCGM exporter page", () => {
  const page = readFileSync(join(FIXTURES, "dcgm", "dcgm-exporter-h200x2.txt"), "utf8");

  it("maps dcgm-exporter's fields and labels to one reading per GPU", () => {
    const p = parseDcgmMetrics(page);
    expect(p.dcgmSamples).toBe(42);
    expect(p.readings).toEqual([
      {
        gpu: 0,
        uuid: "GPU-ddd5b77b-ef07-a460-836d-b901490614f1",
        name: "NVIDIA H200",
        utilization: 100,
        memoryUtilization: 23,
        memoryUsedMiB: 20085,
        memoryTotalMiB: 143771,
        powerW: 688.421,
        energyJ: 319159391.234,
        temperatureC: 55,
        smClockMHz: 1470,
        memClockMHz: 3201,
        throttleReasons: ["sw_power_cap"],
      },
      {
        gpu: 1,
        uuid: "GPU-5a3c9e12-7b41-08d2-c6f4-1e2d3c4b5a69",
        name: "NVIDIA H200",
        utilization: 0,
        memoryUtilization: 0,
        memoryUsedMiB: 0,
        memoryTotalMiB: 143771,
        powerW: 77.218,
        energyJ: 251885217.371,
        temperatureC: 33,
        smClockMHz: 345,
        memClockMHz: 3201,
        throttleReasons: ["gpu_idle"],
      },
    ]);
  });

  it("leaves DCGM blanks out, reads the newer names and labels, prefers whole-GPU series over MIG ones", () => {
    const text = [
      'DCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-a"} 9223372036854775794',
      'DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a"} 140737488355328',
      'DCGM_FI_DEV_SM_CLOCK_HERTZ{gpu="0",gpu_uuid="GPU-a",model_name="NVIDIA B200"} 1980000000',
      'DCGM_FI_DEV_GPU_ENERGY_JOULES_TOTAL{gpu="0"} 5000',
      'DCGM_FI_DEV_BOARD_POWER_WATTS{gpu="0"} 250.5',
      'DCGM_FI_DEV_CLOCKS_EVENT_REASONS{gpu="0"} 0',
      'DCGM_FI_DEV_FB_USED{gpu="0",GPU_I_ID="1",GPU_I_PROFILE="1g.18gb"} 100',
      'DCGM_FI_DEV_FB_USED{gpu="0"} 4096',
      'DCGM_FI_DEV_FB_TOTAL{gpu="0"} 81920',
      'DCGM_FI_DEV_GPU_UTIL{UUID="GPU-no-index"} 50',
    ].join("\n");
    const p = parseDcgmMetrics(text);
    expect(p.readings).toEqual([
      {
        gpu: 0,
        uuid: "GPU-a",
        name: "NVIDIA B200",
        memoryUsedMiB: 4096,
        memoryTotalMiB: 81920,
        powerW: 250.5,
        energyJ: 5000,
        smClockMHz: 1980,
        throttleReasons: [],
      },
    ]);
  });

  it("says when a page is not a DCGM exporter's", () => {
    const vllm = readFileSync(join(FIXTURES, "metrics", "vllm-v1.txt"), "utf8");
    const p = parseDcgmMetrics(vllm);
    expect(p.dcgmSamples).toBe(0);
    expect(p.readings).toEqual([]);
    expect(p.sampleCount).toBeGreaterThan(0);
  });
});
