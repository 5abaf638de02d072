import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { executeRun } from "../../../src/run/executor.js";
import type { ToolsDetail } from "../../../src/scenarios/tools/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import { startSimulator, type RunningSimulator } from "../../../src/sim/index.js";
import { runCli } from "../../cli/helpers.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();

describe("tools scenario against the simulator", () => {
  it("reports per-case pass/fail with evidence; the correct variants pass every check", async () => {
    const suite = validateSuiteObject(
      { name: "tools", target: { sim: { profile: "fast" } }, scenarios: [{ kind: "tools", concurrency: 2 }], output: { dir: out } },
      "test",
    );
    const { dir, results } = await executeRun(suite);
    const sc = results.scenarios[0] as ScenarioResult<ToolsDetail>;
    const runs = sc.detail.runs;
    expect(runs.length).toBeGreaterThanOrEqual(12);
    expect(new Set(runs.map((r) => r.language))).toEqual(new Set(["en", "fr"]));
    // Repetition 1 (seed 0) plays each case's correct variant.
    for (const r of runs) {
      expect(r.parserFailure, r.caseId).toBe(false);
      expect(r.callMatch, `${r.caseId}: ${r.checks.map((c) => c.reason).join(" | ")}`).toBe(true);
      expect(r.streamMismatch, r.caseId).toBe(false);
    }
    expect(runs.some((r) => r.steps.length >= 5)).toBe(true); // the agent loop
    expect(runs.some((r) => r.steps.some((s) => s.calls.length >= 2))).toBe(true); // parallel calls
    expect(sc.metrics["call_accuracy"]!.value).toBe(1);
    expect(sc.metrics["parser_failure_rate"]!.value).toBe(0);
    expect(results.status).toBe("pass");
    const report = readFileSync(join(dir, "report.md"), "utf8");
    expect(report).toContain("### Cases");
    expect(report).toContain("### By category");
    // The correct answers pass the final-answer check as the scenario runs it (prose in the
    // case's language, values tied to their units), and the headline reads after "It".
    for (const r of runs) {
      const fa = r.checks.find((c) => c.check === "final_answer");
      if (fa) expect(fa.pass, `${r.caseId}: ${fa.reason}`).toBe(true);
    }
    expect(report).toMatch(/ It makes the expected calls in \d+\/\d+ case runs, and \d+\/\d+ pass every check\./);
  });

  it("wrong variants fail the expected checks, with the reason", async () => {
    const suite = validateSuiteObject(
      { name: "tools-wrong", target: { sim: { profile: "fast" } }, scenarios: [{ kind: "tools", repetitions: 2 }], output: { dir: out } },
      "test",
    );
    const { results } = await executeRun(suite);
    const sc = results.scenarios[0] as ScenarioResult<ToolsDetail>;
    const failing = sc.detail.runs.filter((r) => !r.callMatch);
    expect(failing.length).toBeGreaterThan(0);
    for (const r of failing) {
      const c = r.checks.find((x) => x.check === "call_match" || x.check === "no_call")!;
      expect(c.pass).toBe(false);
      expect(c.reason.length).toBeGreaterThan(10);
    }
    expect(sc.metrics["call_accuracy"]!.value!).toBeLessThan(1);
  });

  describe("the CLI against `shakedown sim`", () => {
    let good: RunningSimulator;
    let leaky: RunningSimulator;
    beforeAll(async () => {
      good = await startSimulator({ profile: "fast", port: 0 });
      leaky = await startSimulator({ profile: "fast", port: 0, toolParser: "none" });
    });
    afterAll(async () => {
      await good.close();
      await leaky.close();
    });

    it("exits 0 with a working parser", async () => {
      const r = await runCli(["run", "--scenario", "tools", "--target", good.baseUrl, "--out", join(out, "cli-good")]);
      expect(r.code).toBe(0);
    });

    it("names the parser problem and exits 1 when tool calls leak as text", async () => {
      const r = await runCli(["run", "--scenario", "tools", "--target", leaky.baseUrl, "--out", join(out, "cli-leaky")]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("--tool-call-parser");
      const dir = join(out, "cli-leaky");
      const { readdirSync } = await import("node:fs");
      const report = readFileSync(join(dir, readdirSync(dir)[0]!, "report.md"), "utf8");
      expect(report).toContain("did not parse");
      expect(report).toMatch(/ It finds the server's tool-call parser failing in \d+\/\d+ case runs: /);
      expect(report).toContain("--tool-call-parser");
      expect(report).toMatch(/<tool_call>|&lt;tool_call&gt;/);
    });
  });
});
