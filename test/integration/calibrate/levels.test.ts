/**
 * Issue 11.3: the client is calibrated at every concurrency a run will use, so each stage is
 * compared with the floor at its own concurrency (not the 256-stream floor applied to a
 * 1-in-flight stage). Figures are not asserted (they depend on the machine): only their shape.
 */
import { describe, expect, it } from "vitest";
import { calibrateClient, normalizeLevels } from "../../../src/calibrate/index.js";
import { calibrationLevels as levelsOf } from "../../../src/calibrate/floor.js";
import { loadScenarioSchema } from "../../../src/config/schema.js";
import { calibrationLevels } from "../../../src/scenarios/load/driver.js";

describe("calibration levels", () => {
  it("a run calibrates the levels its stages use: a sweep from 1 to its throughput stage, with √ of it between", () => {
    const cfg = (o: Record<string, unknown>) => loadScenarioSchema.parse({ kind: "load", ...o });
    expect(calibrationLevels(cfg({ mode: "sweep" }))).toEqual([1, 16, 256]);
    expect(calibrationLevels(cfg({ mode: "sweep", sweep: { max_concurrency: 8 } }))).toEqual([1, 8]);
    expect(calibrationLevels(cfg({ mode: "closed", concurrency: 32 }))).toEqual([32]);
    expect(calibrationLevels(cfg({ mode: "poisson", rate: 4 }))).toEqual([1, 4]);
    expect(calibrationLevels(cfg({ mode: "constant", rate: 0.5 }))).toEqual([1]);
    expect(calibrationLevels(cfg({ mode: "constant", rate: 400, concurrency: 100 }))).toEqual([1, 10, 100]);
    expect(normalizeLevels([256, 1, 1.2, 16])).toEqual([1, 16, 256]);
    expect(normalizeLevels(4)).toEqual([4]);
  });

  it("measures each level in its own pass, lowest first, and keeps the highest as the calibration's figure", async () => {
    const cal = await calibrateClient({ concurrency: [4, 1], inputTokens: 16, outputTokens: 4, passMs: { fidelity: 450, capacity: 200 } });
    expect(cal.concurrency).toBe(4);
    expect(cal.levels!.map((l) => l.concurrency)).toEqual([1, 4]);
    for (const l of cal.levels!) {
      expect(l.failed).toBe(0);
      expect(l.clientAddedTtftMs?.n).toBeGreaterThanOrEqual(1);
    }
    expect(cal.clientAddedTtftMs).toEqual(cal.levels![1]!.clientAddedTtftMs);
    expect(levelsOf(cal)).toBe(cal.levels);
  }, 30_000);
});
