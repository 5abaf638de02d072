/**
 * The contract between the GPU sampler's dcgm source and the simulator's fake GPU
 * (GET /gpu/metrics, DCGM-exporter names): every figure the sampler maps is there.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GpuMonitorConfig } from "../../../src/config/schema.js";
import { startGpuSampler, summarizeGpu } from "../../../src/monitor/gpu/index.js";
import { startSimulator } from "../../../src/sim/index.js";
import { tempDir } from "../../helpers/tmp.js";

const API_KEY = "sk-gpu-sim-test-0cc175b9c0f1b6a8";

describe("dcgm source against the simulator's fake GPU", () => {
  it("reads every mapped figure, with the API key", async () => {
    const sim = await startSimulator({ profile: "fast", port: 0, apiKey: API_KEY, fakeGpu: true });
    try {
      const url = sim.gpuMetricsUrl!;
      const warnings: string[] = [];
      const s = await startGpuSampler({
        config: { source: "dcgm", url, interval_ms: 100 } as GpuMonitorConfig,
        timelinePath: join(tempDir("shakedown-gpu-sim-"), "gpu-metrics.jsonl"),
        onWarning: (m) => warnings.push(m),
        apiKey: API_KEY,
      });
      try {
        const end = Date.now() + 20_000;
        while (s.samples.length < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      } finally {
        await s.stop();
      }
      expect(warnings).toEqual([]);
      expect(s.gpus).toHaveLength(1);
      expect(s.gpus[0]).toMatchObject({ index: 0, memoryTotalMiB: expect.any(Number), uuid: expect.stringMatching(/^GPU-/) });
      const x = s.samples[0]!;
      for (const k of ["utilization", "memoryUtilization", "memoryUsedMiB", "memoryTotalMiB", "powerW", "energyJ", "temperatureC", "smClockMHz", "memClockMHz"] as const) {
        expect(x[k], k).toEqual(expect.any(Number));
      }
      expect(Array.isArray(x.throttleReasons)).toBe(true);
      const sum = summarizeGpu(s.samples, 0, Number.POSITIVE_INFINITY)!;
      expect(sum.total.energy).toMatchObject({ energySource: "counter" });
      expect(sum.total.energy!.joules).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
  });
});
