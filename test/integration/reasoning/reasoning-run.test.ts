import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { executeRun } from "../../../src/run/executor.js";
import type { ReasoningDetail } from "../../../src/scenarios/reasoning/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { runCli } from "../../cli/helpers.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();

describe("reasoning scenario against the simulator's answer bank", () => {
  it("grades every task with evidence, keeps full texts, flags truncation, and human overrides change the re-rendered report", async () => {
    const suite = validateSuiteObject(
      {
        name: "reasoning",
        target: { sim: { profile: "fast" } },
        // Three repetitions walk through the bank's variants (correct, other phrasings, wrong, truncated).
        scenarios: [{ kind: "reasoning", pack: "seed", repetitions: 3, concurrency: 2, thresholds: ["success_rate > 95%"] }],
        output: { dir: out },
      },
      "test",
    );
    const { dir, results } = await executeRun(suite);
    const sc = results.scenarios[0] as ScenarioResult<ReasoningDetail>;
    const runs = sc.detail.runs;
    expect(runs.length).toBe(6 * 3);
    for (const r of runs) {
      expect(r.ok).toBe(true);
      expect(r.ttftMs).toBeDefined();
      expect(r.reasoningTokens).toBeGreaterThan(0);
      expect(r.auto.length).toBeGreaterThan(0);
      for (const g of r.auto) expect(g.reason.length).toBeGreaterThan(0);
    }
    // The first asking of each task is a correct answer in the bank: it passes, with evidence.
    const firsts = runs.filter((r) => r.repetition === 1);
    expect(firsts.every((r) => r.pass)).toBe(true);
    expect(firsts.flatMap((r) => r.auto).some((g) => g.evidence.length > 0)).toBe(true);
    // Some later answers are wrong or truncated, and said so.
    expect(runs.some((r) => !r.pass)).toBe(true);
    expect(sc.metrics["pass_rate"]!.value!).toBeLessThan(1);
    // Full texts in records.jsonl, with the task as it ran.
    const records = readFileSync(join(dir, "records.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RequestRecord)
      .filter((r) => r.scenario === "reasoning");
    expect(records.every((r) => r.task !== undefined && r.result.reasoning.length > 0)).toBe(true);
    const report = readFileSync(join(dir, "report.md"), "utf8");
    expect(report).toContain("### Tasks");
    // Passing runs in one compact table; full criteria tables only for failures (issue 11, item 7).
    expect(report).toContain("### Passing task runs");
    expect(report).toContain("### Failures and reviews, with their evidence");
    const detailHeadings = report.match(/^#### /gm) ?? [];
    expect(detailHeadings.length).toBe(runs.filter((r) => !r.pass || r.truncated).length);
    // The headline reads as a sentence after "It".
    expect(report).toMatch(/ It passes \d+\/18 task runs, with a mean score of \d+ %/);

    // Review sheets and an overrides file.
    const review = await runCli(["review", dir]);
    expect(review.code).toBe(0);
    const sheets = readdirSync(join(dir, "review")).filter((f) => f.endsWith(".md"));
    expect(sheets.length).toBe(runs.length);
    const failing = runs.find((r) => !r.pass && !r.truncated)!;
    const sheet = readFileSync(join(dir, "review", sheets.find((f) => f.startsWith(failing.recordId.replace(/\//g, "_")))!), "utf8");
    expect(sheet).toContain("## Prompt");
    expect(sheet).toContain("## Reasoning");
    expect(sheet).toContain("## Answer");
    const ovPath = join(dir, "review", "overrides.yaml");
    expect(existsSync(ovPath)).toBe(true);

    // A reviewer overrules the failing run as a whole: the re-rendered report shows it.
    const ov = readFileSync(ovPath, "utf8").replace(
      new RegExp(`(${failing.recordId.replace(/[/]/g, "\\/")}:\\n  task: [^\\n]+\\n  score: )null`),
      "$11",
    );
    writeFileSync(ovPath, ov);
    const rerender = await runCli(["report", dir, "--json"]);
    expect(rerender.code).toBe(0);
    const after = JSON.parse(rerender.stdout) as { scenarios: ScenarioResult<ReasoningDetail>[] };
    const again = after.scenarios[0]!.detail.runs.find((r) => r.recordId === failing.recordId)!;
    expect(again.humanScore).toBe(1);
    expect(again.autoScore).toBe(failing.autoScore);
    expect(again.pass).toBe(true);
    expect(after.scenarios[0]!.metrics["human_score.mean"]!.n).toBe(1);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toMatch(/human review/);
  });

  it("review on a run without reasoning tasks exits 2", async () => {
    const suite = validateSuiteObject(
      { name: "noreason", target: { sim: { profile: "fast" } }, scenarios: [{ kind: "conversation", turns: 1, iterations: 1 }], output: { dir: out } },
      "test",
    );
    const { dir } = await executeRun(suite);
    const r = await runCli(["review", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no reasoning tasks");
  });
});
