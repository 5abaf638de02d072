import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const work = tempDir();

// In a file of their own so that vitest runs them beside the other CLI tests.
describe("shakedown CLI: load and calibrate", () => {
  it("calibrate prints the client's noise floor and capacity per concurrency; --json gives the figures", async () => {
    const env = { SHAKEDOWN_CALIBRATE_PASS_MS: "200,150" };
    const table = await runCli(["calibrate", "--concurrency", "1", "--input-tokens", "16", "--output-tokens", "4"], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\| In flight \| Client-added TTFT p50 \|/);
    expect(table.stdout).toMatch(/^\| 1 \|/m);
    const json = await runCli(["calibrate", "--concurrency", "2", "--output-tokens", "4", "--json"], { env });
    expect(json.code).toBe(0);
    const cals = JSON.parse(json.stdout);
    expect(cals).toHaveLength(1);
    expect(cals[0].concurrency).toBe(2);
    expect(cals[0].capacity.chunksPerSec).toBeGreaterThan(0);
  });

  it("run --scenario load runs on the simulator (built worker threads too), says when it calibrates, and --set load.mode picks the mode", async () => {
    const env = { SHAKEDOWN_CALIBRATE_PASS_MS: "200,150" };
    const r = await runCli(["run", "--scenario", "load", "--profile", "fast", "--set", "load.mode=poisson", "--set", "load.rate=100", "--set", "load.requests=20", "--set", "load.workers=2", "--out", join(work, "load")], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[load\] calibrating the client against the simulator at 1, 10, 100 in flight/);
    expect(r.stderr).toMatch(/\[load\] starting 2 worker threads/);
    expect(r.stdout).toMatch(/sent poisson load at [\d.]+ req\/s \(100 req\/s asked\)/);
  });

  it("calibrate refuses bad values with exit 2", async () => {
    for (const args of [["--concurrency", "0"], ["--concurrency", "1,x"], ["--concurrency", ""], ["--output-tokens", "-3"]]) {
      const r = await runCliInProcess(["calibrate", ...args]); // a usage error: the entry point in this process answers it
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/expected/);
    }
  });

});
