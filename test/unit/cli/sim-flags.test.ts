/**
 * The soak knobs' flags, in process: commander's parsing into SimFlags, their mapping to the
 * suite's knobs and to simulator options, and `run --target` refusing them before anything
 * runs (the executor is stubbed: a refusal must come before it).
 */
import { afterEach, describe, expect, it, vi } from "vitest";

vi.mock("../../../src/run/executor.js", () => ({
  executeRun: vi.fn(() => {
    throw new Error("executeRun must not be reached");
  }),
  exitCodeForOutcome: vi.fn(),
}));

import { buildProgram, main } from "../../../src/cli/main.js";
import { simFlagNames, simKnobsFromFlags } from "../../../src/cli/options.js";
import { simOptionsFromKnobs } from "../../../src/run/target.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("soak knob flags", () => {
  it("parse on run and sim, and map to the suite's knobs and the simulator's options", () => {
    for (const command of ["run", "sim"]) {
      const program = buildProgram();
      const cmd = program.commands.find((c) => c.name() === command)!;
      cmd.action(() => undefined);
      program.parse(
        ["node", "shakedown", command, "--slowdown-per-hour", "30", "--leak-mb-per-hour", "600.5", "--answer-change-after", "20", "--fake-gpu"],
        { from: "node" },
      );
      const flags = cmd.opts();
      expect(flags).toMatchObject({ slowdownPerHour: 30, leakMbPerHour: 600.5, answerChangeAfter: 20, fakeGpu: true });
      const knobs = simKnobsFromFlags(flags);
      expect(knobs).toEqual({ slowdown_per_hour: 30, leak_mb_per_hour: 600.5, answer_change_after: 20, fake_gpu: true });
      expect(simOptionsFromKnobs(knobs)).toEqual({ slowdownPerHour: 30, leakMbPerHour: 600.5, answerChangeAfter: 20, fakeGpu: true });
      expect(simFlagNames(knobs)).toEqual(["--slowdown-per-hour", "--leak-mb-per-hour", "--answer-change-after", "--fake-gpu"]);
    }
    expect(simKnobsFromFlags({})).toEqual({});
    expect(simFlagNames({ api_key: "x", profile: "fast" })).toEqual(["--sim-api-key", "--profile"]);
  });

  it("run --target URL --fake-gpu exits 2 and names the flag, before running anything", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const code = await main(["node", "shakedown", "run", "--target", "http://127.0.0.1:9", "--fake-gpu"]);
    expect(code).toBe(2);
    const text = stderr.mock.calls.map((c) => String(c[0])).join("");
    expect(text).toContain("--fake-gpu");
    expect(text).toContain("only when no --target");
  });

  it("refuses bad values as usage errors", async () => {
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    expect(await main(["node", "shakedown", "sim", "--answer-change-after", "0"])).toBe(2);
    expect(await main(["node", "shakedown", "sim", "--slowdown-per-hour", "-1"])).toBe(2);
    expect(await main(["node", "shakedown", "sim", "--leak-mb-per-hour", "lots"])).toBe(2);
  });
});
