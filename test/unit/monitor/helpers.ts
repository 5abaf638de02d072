import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { HistogramValue, NormalizedMetrics, ServerSnapshot } from "../../../src/monitor/types.js";

export function metricsFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/metrics/${name}`, import.meta.url)), "utf8");
}

/** A good snapshot at time t. */
export function snap(t: number, values: Omit<NormalizedMetrics, "server"> & { server?: NormalizedMetrics["server"] }): ServerSnapshot {
  return { t, epochMs: 1_700_000_000_000 + t, values: { server: "vllm", ...values } };
}

export function failed(t: number, error = "connection refused"): ServerSnapshot {
  return { t, epochMs: 1_700_000_000_000 + t, error };
}

/** A histogram from observations (seconds) over the given finite bounds. */
export function histogramOf(bounds: number[], observations: number[]): HistogramValue {
  return {
    buckets: bounds.map((le) => ({ le, count: observations.filter((o) => o <= le).length })),
    sum: observations.reduce((a, b) => a + b, 0),
    count: observations.length,
  };
}
