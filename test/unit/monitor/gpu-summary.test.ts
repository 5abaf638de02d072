import { describe, expect, it } from "vitest";
import { summarizeGpu, type GpuSample } from "../../../src/monitor/gpu/index.js";

const s = (t: number, gpu: number, v: Partial<GpuSample> = {}): GpuSample => ({ t, epochMs: 1_800_000_000_000 + t, gpu, ...v });

describe("summarizeGpu", () => {
  const one = [
    s(1000, 0, { utilization: 0, powerW: 100, temperatureC: 40, smClockMHz: 345, memoryUsedMiB: 1000, throttleReasons: ["gpu_idle"], name: "NVIDIA H200", memoryTotalMiB: 143771, powerLimitW: 700 }),
    s(2000, 0, { utilization: 50, powerW: 200, temperatureC: 50, smClockMHz: 1980, memoryUsedMiB: 1000, throttleReasons: [] }),
    s(3000, 0, { utilization: 100, powerW: 300, temperatureC: 60, smClockMHz: 1500, memoryUsedMiB: 1000, throttleReasons: ["sw_power_cap"] }),
    s(4000, 0, { utilization: 100, powerW: 100, temperatureC: 50, smClockMHz: 1980, memoryUsedMiB: 1000 }),
  ];

  it("gives each figure with its n; absent values are left out, not zeros", () => {
    const g = summarizeGpu([...one, s(2500, 0)], 0, 10_000)!;
    expect(g.gpus).toHaveLength(1);
    const x = g.gpus[0]!;
    expect(x).toMatchObject({ gpu: 0, n: 5, firstT: 1000, lastT: 4000, name: "NVIDIA H200", memoryTotalMiB: 143771, powerLimitW: 700, intervalMs: 750 });
    expect(x.utilization).toEqual({ n: 4, mean: 62.5, p50: 75, max: 100 });
    expect(x.temperatureC).toEqual({ n: 4, mean: 50, max: 60 });
    expect(x.smClockMHz).toEqual({ n: 4, mean: 1451.25, min: 345 });
    expect(x.powerW).toEqual({ n: 4, mean: 175, max: 300 });
    expect(x.memoryUtilization).toBeUndefined();
    expect(x.throttle).toEqual({
      n: 3,
      none: 1,
      reasons: [
        { reason: "gpu_idle", n: 1, share: 1 / 3 },
        { reason: "sw_power_cap", n: 1, share: 1 / 3 },
      ],
    });
  });

  it("integrates power by trapezoids when there is no energy counter", () => {
    const x = summarizeGpu(one, 0, 10_000)!.gpus[0]!;
    // (100+200)/2·1 s + (200+300)/2·1 s + (300+100)/2·1 s = 150 + 250 + 200
    expect(x.energy).toEqual({ n: 4, joules: 600, energySource: "power", spanMs: 3000, meanW: 200 });
  });

  it("takes the counter's difference when every sample has it, with joules per output token", () => {
    const withCounter = one.map((x, i) => ({ ...x, energyJ: [1000, 1500, 2100, 2200][i] }));
    const g = summarizeGpu(withCounter, 1_000, 4_000, { outputTokens: 300 })!;
    expect(g.gpus[0]!.energy).toEqual({ n: 4, joules: 1200, energySource: "counter", spanMs: 3000, meanW: 400 });
    expect(g.total.energy).toEqual({ n: 4, joules: 1200, energySource: "counter", spanMs: 3000, meanW: 400, outputTokens: 300, joulesPerOutputToken: 4 });
    // A span the samples cover in part: the mean power over all of it (400 W × 4 s / 300 tokens) …
    expect(summarizeGpu(withCounter, 0, 4_000, { outputTokens: 300 })!.total.energy?.joulesPerOutputToken).toBeCloseTo(1600 / 300, 9);
    // … and nothing when they cover less than half of it.
    expect(summarizeGpu(withCounter, 0, 10_000, { outputTokens: 300 })!.total.energy?.joulesPerOutputToken).toBeUndefined();
  });

  it("falls back to power when the counter is missing from a sample or goes back (driver reload)", () => {
    const gap = one.map((x, i) => (i === 2 ? x : { ...x, energyJ: 1000 + i }));
    expect(summarizeGpu(gap, 0, 10_000)!.gpus[0]!.energy).toMatchObject({ energySource: "power", joules: 600 });
    const reset = one.map((x, i) => ({ ...x, energyJ: [1000, 1500, 10, 200][i] }));
    expect(summarizeGpu(reset, 0, 10_000)!.gpus[0]!.energy).toMatchObject({ energySource: "power", joules: 600 });
  });

  it("estimates a memory leak in MiB per hour with its 95 % interval", () => {
    // one sample a minute for an hour: 1000 MiB + 120 MiB/h, ±5 MiB of alternating noise
    const samples: GpuSample[] = [];
    for (let i = 0; i <= 60; i++) samples.push(s(i * 60_000, 0, { memoryUsedMiB: 1000 + 2 * i + (i % 2 === 0 ? 5 : -5) }));
    const m = summarizeGpu(samples, 0, 3_600_000)!.gpus[0]!.memoryUsedMiB!;
    expect(m).toMatchObject({ n: 61, first: 1005, last: 1125 });
    const slope = m.slope!;
    expect(slope.n).toBe(61);
    expect(slope.confidence).toBe(0.95);
    expect(slope.spanMs).toBe(3_600_000);
    expect(slope.mibPerHour).toBeCloseTo(120, 0);
    expect(slope.lowerMiBPerHour).toBeLessThan(120);
    expect(slope.upperMiBPerHour).toBeGreaterThan(120);
    expect(slope.upperMiBPerHour - slope.lowerMiBPerHour).toBeLessThan(10);
    expect(slope.pValue).toBeLessThan(1e-6);

    // an exact line: the interval collapses onto the slope
    const exact = samples.map((x, i) => ({ ...x, memoryUsedMiB: 1000 + 2 * i }));
    const e = summarizeGpu(exact, 0, 3_600_000)!.gpus[0]!.memoryUsedMiB!.slope!;
    expect(e.mibPerHour).toBeCloseTo(120, 9);
    expect(e.lowerMiBPerHour).toBeCloseTo(120, 9);
    expect(e.upperMiBPerHour).toBeCloseTo(120, 9);
  });

  it("gives no slope from fewer than 3 samples or a span under 3 intervals", () => {
    const mem = (n: number) => Array.from({ length: n }, (_, i) => s(i * 1000, 0, { memoryUsedMiB: 1000 + i }));
    expect(summarizeGpu(mem(2), 0, 10_000)!.gpus[0]!.memoryUsedMiB!.slope).toBeUndefined();
    expect(summarizeGpu(mem(3), 0, 10_000)!.gpus[0]!.memoryUsedMiB!.slope).toBeUndefined();
    expect(summarizeGpu(mem(4), 0, 10_000)!.gpus[0]!.memoryUsedMiB!.slope).toMatchObject({ n: 4, mibPerHour: expect.closeTo(3600, 6) });
    const flat = summarizeGpu(one, 0, 10_000)!.gpus[0]!.memoryUsedMiB!;
    expect(flat).toMatchObject({ n: 4, first: 1000, last: 1000, max: 1000, mean: 1000 });
    expect(flat.slope).toMatchObject({ n: 4, mibPerHour: 0, lowerMiBPerHour: 0, upperMiBPerHour: 0, pValue: 1 });
  });

  it("adds the GPUs up at each tick for the total", () => {
    const two = [
      s(0, 0, { memoryUsedMiB: 100, powerW: 100, utilization: 10, memoryTotalMiB: 143771 }),
      s(5, 1, { memoryUsedMiB: 1000, powerW: 50, utilization: 30, memoryTotalMiB: 143771 }),
      s(1000, 0, { memoryUsedMiB: 200, powerW: 100, utilization: 20 }),
      s(1005, 1, { memoryUsedMiB: 1000, powerW: 70, utilization: 40 }),
      s(2000, 0, { memoryUsedMiB: 300, powerW: 100, utilization: 30 }),
      s(2005, 1, { memoryUsedMiB: 1000, powerW: 90, utilization: 50 }),
      // a tick without GPU 1: not in the totals of memory and power
      s(3000, 0, { memoryUsedMiB: 400, powerW: 100, utilization: 40 }),
    ];
    const g = summarizeGpu(two, 0, 3000)!;
    expect(g.gpus.map((x) => x.gpu)).toEqual([0, 1]);
    expect(g.total).toMatchObject({ n: 7, gpuCount: 2, ticks: 3, memoryTotalMiB: 2 * 143771 });
    expect(g.total.memoryUsedMiB).toMatchObject({ n: 3, first: 1100, last: 1300, max: 1300, mean: 1200 });
    expect(g.total.powerW).toEqual({ n: 3, mean: 170, max: 190 });
    expect(g.total.utilization).toEqual({ n: 7, mean: 220 / 7, p50: 30, max: 50 });
    // GPU 0: 100 W for 3 s = 300 J; GPU 1: (50+70)/2 + (70+90)/2 = 140 J
    expect(g.gpus[0]!.energy).toMatchObject({ joules: 300, energySource: "power" });
    expect(g.gpus[1]!.energy).toMatchObject({ joules: 140, energySource: "power" });
    expect(g.total.energy).toMatchObject({ n: 7, joules: 440, energySource: "power", spanMs: 3000 });
  });

  it("uses one energy method for every GPU in the total", () => {
    const mixed = [
      s(0, 0, { powerW: 100, energyJ: 0 }),
      s(0, 1, { powerW: 100 }),
      s(1000, 0, { powerW: 100, energyJ: 150 }),
      s(1000, 1, { powerW: 100 }),
    ];
    const g = summarizeGpu(mixed, 0, 1000)!;
    expect(g.gpus[0]!.energy).toMatchObject({ joules: 150, energySource: "counter" });
    expect(g.gpus[1]!.energy).toMatchObject({ joules: 100, energySource: "power" });
    expect(g.total.energy).toMatchObject({ joules: 200, energySource: "power" });
  });

  it("keeps the samples with fromT ≤ t ≤ toT, and gives undefined for an empty span", () => {
    const many = Array.from({ length: 11 }, (_, i) => s(i * 1000, 0, { utilization: i }));
    const g = summarizeGpu(many, 2000, 5000)!;
    expect(g).toMatchObject({ fromT: 2000, toT: 5000 });
    expect(g.gpus[0]).toMatchObject({ n: 4, firstT: 2000, lastT: 5000, utilization: { n: 4, mean: 3.5, max: 5 } });
    expect(summarizeGpu(many, 20_000, 30_000)).toBeUndefined();
    expect(summarizeGpu([], 0, 1)).toBeUndefined();
  });
});
