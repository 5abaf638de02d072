/**
 * The reasoning section of the report says a thing once (issue 11, item 7): 24 passing task
 * runs gave 24 full criteria tables; passing runs now share one compact table, and full
 * detail is kept for failures, cut answers, reviews and judge disagreements.
 */
import { describe, expect, it } from "vitest";
import type { GradeResult } from "../../../src/grading/types.js";
import { needsDetail, renderReasoningSection } from "../../../src/report/reasoning.js";
import type { ReasoningDetail, TaskRun } from "../../../src/scenarios/reasoning/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";

function g(criterion: string, pass: boolean, score = pass ? 1 : 0): GradeResult {
  return { criterion, grader: "text", on: "answer", pass, score, reason: `${pass ? "✓" : "✗"} reason for ${criterion}`, evidence: [] };
}

function run(i: number, over: Partial<TaskRun> = {}): TaskRun {
  return {
    recordId: `reasoning/t${i}/r1`,
    taskId: `task-${i}`,
    title: `Task ${i}`,
    category: "math",
    language: "en",
    repetition: 1,
    prompt: "p",
    ok: true,
    truncated: false,
    finishReason: "stop",
    tokenSplit: "usage",
    auto: [g("a", true), g("b", true), g("c", true)],
    judge: [],
    human: [],
    autoScore: 1,
    finalScore: 1,
    pass: true,
    passScore: 0.75,
    ...over,
  };
}

function section(runs: TaskRun[]): string {
  const detail: ReasoningDetail = { runs, byCategory: [{ category: "math", runs: runs.length, truncated: 0 }], reviewed: 0 };
  const res = { name: "reasoning", kind: "reasoning", metrics: {}, verdicts: [], status: "pass", detail, requests: { total: runs.length, ok: runs.length, failed: 0 }, errors: [], notes: [] };
  return renderReasoningSection(res as ScenarioResult<ReasoningDetail>);
}

describe("reasoning report: passing runs compact, failures in full", () => {
  it("puts 24 passing runs in one compact table and details none of them", () => {
    const md = section(Array.from({ length: 24 }, (_, i) => run(i + 1)));
    expect(md).toContain("### Passing task runs");
    expect(md.match(/^\| `task-\d+`/gm)).toHaveLength(24 * 2); // one row in the task table, one in the compact table
    expect(md).not.toMatch(/^#### /m);
    expect(md).not.toContain("| Criterion | Grader |");
    expect(md).toContain("Every task run passed, with no review and no judge disagreement: nothing to detail.");
    expect(md).toContain("| 3/3 met |");
  });

  it("keeps the full criteria table for a failure, a cut answer, a reviewed run and a judge that disagrees", () => {
    const failing = run(2, { pass: false, autoScore: 0.33, finalScore: 0.33, auto: [g("a", true), g("b", false), g("c", false)] });
    const cut = run(3, { truncated: true });
    const reviewed = run(4, { humanScore: 1, humanNote: "fine after all", finalScore: 1 });
    const judged = run(5, { judge: [{ ...g("j", false), grader: "judge" }] });
    const passingWithAMiss = run(6, { autoScore: 0.83, finalScore: 0.83, auto: [g("a", true), g("b", true), g("c", false, 0.5)] });
    const runs = [run(1), failing, cut, reviewed, judged, passingWithAMiss];
    expect(runs.map(needsDetail)).toEqual([false, true, true, true, true, false]);
    const md = section(runs);
    expect(md.match(/^#### /gm)).toHaveLength(4);
    expect(md).toMatch(/^#### `task-2`: Task 2$/m);
    expect(md).toContain("Reviewer: fine after all");
    // a passing run with a criterion not met names it in the compact table
    expect(md).toMatch(/\| `task-6` \| Task 6 \| \*\*83 %\*\* \| 2\/3 met — not met: `c` 50 % \|/);
  });
});
