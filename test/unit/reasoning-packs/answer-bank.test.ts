/**
 * The simulator's scripted answer bank (suites/sim/reasoning-answers.yaml) against the task
 * packs: every task has an entry whose match string names it alone, and every variant
 * grades as its kind says: correct variants reach the task's pass_score, wrong ones don't.
 * A correct variant that fails is a data bug (or a grader that is too strict), never a
 * reason to loosen this test.
 */
import { describe, expect, it } from "vitest";
import { gradeRules, taskScore, type GradeResult } from "../../../src/grading/index.js";
import { loadPacks } from "../../../src/scenarios/reasoning/packs.js";
import { loadAnswerBank, planScripted, REASONING_FORMATS, type ScriptedVariant } from "../../../src/sim/answers.js";

const tasks = loadPacks("all").flatMap((p) => p.tasks);
const bank = loadAnswerBank();
const entryOf = new Map(bank.answers.map((e) => [e.task, e]));

function explain(results: GradeResult[]): string {
  return results.map((r) => `  ${r.criterion}: ${r.pass ? "pass" : "FAIL"} ${r.score.toFixed(2)} — ${r.reason}${r.error ? ` [error: ${r.error}]` : ""}`).join("\n");
}

function grade(taskId: string, v: ScriptedVariant) {
  const task = tasks.find((t) => t.id === taskId)!;
  // What a client reads back: the plan's text, reasoning and answer apart; graded as the
  // scenario grades it, with the task's language and prompt (prose check, echo left out).
  const truncated = v.kind === "truncated";
  const results = gradeRules(task.criteria, { answer: v.answer.trim(), reasoning: v.reasoning.trim(), truncated, language: task.language, prompt: task.prompt });
  return { task, results, ...taskScore(task.criteria, results, task.pass_score) };
}

describe("scripted answer bank", () => {
  it("has an entry for every built-in task, and only for those", () => {
    const ids = new Set(tasks.map((t) => t.id));
    expect(tasks.filter((t) => !entryOf.has(t.id)).map((t) => t.id)).toEqual([]);
    expect(bank.answers.filter((e) => !ids.has(e.task)).map((e) => e.task)).toEqual([]);
  });

  it("each match string occurs in exactly one task's prompt: its own", () => {
    for (const e of bank.answers) {
      const hits = tasks.filter((t) => t.prompt.includes(e.match)).map((t) => t.id);
      expect(hits, `match "${e.match}"`).toEqual([e.task]);
    }
  });

  it("each task has two correct variants or more, a wrong one and a truncated one", () => {
    for (const e of bank.answers) {
      const kinds = e.variants.map((v) => v.kind);
      expect(kinds.filter((k) => k === "correct").length, e.task).toBeGreaterThanOrEqual(2);
      expect(kinds, e.task).toContain("wrong");
      expect(kinds, e.task).toContain("truncated");
    }
  });

  it("uses all three reasoning formats, and every variant fits its task's max_tokens", () => {
    const formats = new Set(bank.answers.flatMap((e) => e.variants.map((v) => v.reasoning_format)));
    expect([...formats].sort()).toEqual([...REASONING_FORMATS].sort());
    for (const e of bank.answers) {
      const task = tasks.find((t) => t.id === e.task)!;
      e.variants.forEach((v, i) => {
        const plan = planScripted(v, { maxTokens: task.max_tokens, thinking: true });
        expect(plan?.finishReason, `${e.task} variant ${i} (${v.kind})`).toBe(v.kind === "truncated" ? "length" : "stop");
      });
    }
  });

  it("every task's reference meets its text, numeric and interval criteria (the reference is prose for reviewers: steps and code blocks are the answers' job)", () => {
    for (const task of tasks) {
      const results = gradeRules(task.criteria, { answer: task.reference ?? "", reasoning: "", truncated: false, language: task.language, prompt: task.prompt });
      const content = results.filter((r) => r.grader === "text" || r.grader === "numeric" || r.grader === "interval");
      expect(content.filter((r) => !r.pass).map((r) => `${task.id}/${r.criterion}: ${r.reason}`)).toEqual([]);
    }
  });

  describe.each(bank.answers.map((e) => [e.task, e] as const))("%s", (taskId, entry) => {
    entry.variants.forEach((v, i) => {
      if (v.kind === "truncated") return;
      it(`variant ${i} (${v.kind}, ${v.reasoning_format}) ${v.kind === "correct" ? "passes" : "fails"}`, () => {
        const g = grade(taskId, v);
        const detail = `${taskId} variant ${i} (${v.kind}): score ${g.score.toFixed(3)} vs pass_score ${g.task.pass_score}\n${explain(g.results)}`;
        expect(g.graded, detail).toBe(g.task.criteria.filter((c) => c.grader !== "judge").length);
        expect(g.pass, detail).toBe(v.kind === "correct");
      });
    });
  });
});
