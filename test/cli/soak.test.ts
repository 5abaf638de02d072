/**
 * Issue 12, through the built CLI: a soak's exit code (degrading → 1) with the simulator's
 * uptime slowdown, and the GPU sampler's refusals (exit 2, nothing left behind).
 * Shorter than the one-minute soaks: 4 s in twelve windows of a third of a second.
 */
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const SHORT = ["--scenario", "soak", "--set", "soak.duration=4s", "--set", "soak.concurrency=8", "--set", "soak.mix={conversation: 1, short: 1, reasoning: 0}", "--set", "soak.short.output_tokens=8", "--set", "soak.conversation.max_tokens=8", "--set", "verdicts.client_overload=fail"];

describe("shakedown run --scenario soak", () => {
  // The CLI's own code in this process (runCliInProcess: dist/cli/main.js, as the binary runs
  // it); the same soak without the slowdown ends stable with exit 0 in test/integration/soak.
  it("ends degrading (exit 1) with --slowdown-per-hour, with a progress line per window", async () => {
    const out = tempDir();
    const slow = await runCliInProcess(["run", ...SHORT, "--slowdown-per-hour", "900", "--out", out]);
    expect(slow.code, slow.stderr).toBe(1);
    expect(slow.stdout).toMatch(/was degrading over 4\.0 s/);
    expect(slow.stderr).toMatch(/\[soak\] window 12\/12 · 4\.0 s elapsed, 0 ms left/);
  }, 60_000);

  it("refuses a GPU source that cannot start, with exit 2 and no run folder", async () => {
    const out = tempDir();
    const noSmi = await runCli(["run", "--scenario", "soak", "--gpu", "nvidia-smi", "--out", out], { env: { PATH: "/nonexistent" } });
    expect(noSmi.code).toBe(2);
    expect(noSmi.stderr).toMatch(/nvidia-smi not found/);
    // An unreachable exporter, a bad duration: the same ConfigError path (test/integration/soak).
    const bad = await runCli(["run", "--scenario", "soak", "--gpu", "gpu0", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected off, nvidia-smi, a DCGM exporter URL/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);
});
