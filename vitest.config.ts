import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most integration tests wait on simulated time rather than compute: three workers on a
    // 2-core machine halve the suite's wall time, and the timing assertions are ratios with
    // margins that hold under that load (checked repeatedly).
    maxWorkers: 3,
  },
});
