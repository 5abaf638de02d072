import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { criterionProblems, gradeRule, gradeRules, taskScore } from "../../../src/grading/index.js";
import type { Criterion, RuleCriterion } from "../../../src/grading/criteria.js";
import type { GradeResult } from "../../../src/grading/types.js";
import { crit, expectEvidenceInside, input } from "./helpers.js";

const rules: RuleCriterion[] = [
  crit({ id: "steps", grader: "structure", min_steps: 3, min_headings: 1, table: true }),
  crit({ id: "terms", grader: "text", all: ["étape", ["React", "Vue"]], any: ["/\\d+ jours?/i", "durée"], none: ["jQuery"] }),
  crit({ id: "a", grader: "numeric", variable: "A", expect: 10, unit: "km" }),
  crit({ id: "final", grader: "numeric", expect: -2.5, rel_tolerance: 0.1 }),
  crit({ id: "b", grader: "interval", variable: "B", low: 5, high: 10 }),
  crit({ id: "any-interval", grader: "interval", low: 0, high: 1, low_inclusive: true, integer: true }),
  crit({ id: "py", grader: "code", language: "python", constructs: ["list_comprehension", "/lambda/"] }),
  crit({ id: "ts", grader: "code", language: "typescript", must_parse: false, constructs: [["interface", "type_alias"]] }),
];

/** Answer-like text: Markdown, math, code fences, French and English, odd characters. */
const answerish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "\n", "\n\n", " ", "1. ", "2) ", "- ", "* ", "**", "## ", "Étape 3 : ", "Step 2", "| a | b |\n|---|---|\n", "```python\n", "```\n", "```", "~~~",
        "A = ", "A=", "A vaut ", "B ∈ ]", "[", "]", "(", ")", ";", ",", " < ", " > ", " ≤ ", "&lt;", "\\leq ", "\\boxed{", "}", "$", "€", "%", " km",
        "entre ", " et ", "between ", " and ", "strictement", "exclus", "Réponse : ", "Answer: ", "10", "5", "-3", "1 000,5", "1,000", "∞",
        "def f(x):\n    return [i for i in x]\n", "const f = (x) => x;", "interface I { a: string }", "<think>", "</think>", "\u00a0", "\u2212", "é", "e\u0301", "🙂",
      ),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

describe("gradeRule", () => {
  it("property: never throws; results are well-formed; evidence lies inside the graded text", () => {
    fc.assert(
      fc.property(answerish, fc.boolean(), (text, truncated) => {
        for (const c of rules) {
          const r = gradeRule(c, input(text, { truncated }));
          expect(r.criterion).toBe(c.id);
          expect(r.grader).toBe(c.grader);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(1);
          expect(typeof r.reason).toBe("string");
          expect(r.reason.length).toBeGreaterThan(0);
          if (r.pass) expect(r.error).toBeUndefined();
          expectEvidenceInside(r, text);
        }
      }),
      { numRuns: 300 },
    );
  });
  it("an empty answer is an error (not graded), not a fail", () => {
    const r = gradeRule(rules[0] as RuleCriterion, input("  \n"));
    expect(r.error).toMatch(/answer is empty/);
    expect(gradeRule(rules[0] as RuleCriterion, input("", { truncated: true })).error).toMatch(/cut by max_tokens/);
    expect(gradeRule(crit({ grader: "text", on: "reasoning", all: ["x"] }), input("answer")).error).toMatch(/no reasoning/);
  });
  it("ignores inline <think> reasoning in the answer, keeping offsets", () => {
    const answer = "<think>\nMaybe A = 12? Let me list: 1. a 2. b\n</think>\n\nA = 10";
    const r = gradeRule(crit({ grader: "numeric", variable: "A", expect: 10 }), input(answer));
    expect(r.pass).toBe(true);
    expect(r.evidence[0]?.start).toBe(answer.lastIndexOf("A = 10"));
    expect(gradeRule(crit({ grader: "text", none: ["12"] }), input(answer)).pass).toBe(true);
    // Qwen templates put <think> in the prompt: only the closing tag shows up.
    expect(gradeRule(crit({ grader: "numeric", variable: "A", expect: 10 }), input("A = 12 maybe\n</think>\nA = 10")).pass).toBe(true);
  });
  it("an answer cut inside <think> is not graded", () => {
    const r = gradeRule(crit({ grader: "numeric", variable: "A", expect: 10 }), input("<think>\nA = 2 × 5 = 10, then B", { truncated: true }));
    expect(r.error).toMatch(/only <think> reasoning.*cut by max_tokens/);
  });
  it("says when a failing answer was cut by max_tokens", () => {
    const r = gradeRule(crit({ grader: "structure", min_steps: 5 }), input("1. a\n2. b", { truncated: true }));
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/cut by max_tokens/);
  });
  it("never lets a crash escape", () => {
    // A criterion object that bypassed the schema (no terms array where one is expected).
    const broken = { id: "x", grader: "text", on: "answer", weight: 1, min_matches: 1, all: [42] } as unknown as RuleCriterion;
    const r = gradeRule(broken, input("text"));
    expect(r.error).toBeDefined();
  });
});

describe("gradeRules", () => {
  it("grades rule criteria in order and skips judge criteria", () => {
    const criteria: Criterion[] = [crit({ id: "t", grader: "text", all: ["x"] }), crit({ id: "j", grader: "judge", rubric: "Is good" }), crit({ id: "n", grader: "numeric", expect: 1 })];
    expect(gradeRules(criteria, input("x, Answer: 1")).map((r) => [r.criterion, r.pass])).toEqual([
      ["t", true],
      ["n", true],
    ]);
  });
});

describe("taskScore", () => {
  const criteria: Criterion[] = [
    crit({ id: "a", grader: "text", all: ["x"], weight: 3 }),
    crit({ id: "b", grader: "text", all: ["y"] }),
    crit({ id: "c", grader: "text", all: ["z"] }),
    crit({ id: "j", grader: "judge", rubric: "r" }),
  ];
  const res = (criterion: string, score: number, extra: Partial<GradeResult> = {}): GradeResult => ({
    criterion,
    grader: "text",
    on: "answer",
    pass: score === 1,
    score,
    reason: "",
    evidence: [],
    ...extra,
  });
  it("is the weighted mean of rule-based scores", () => {
    expect(taskScore(criteria, [res("a", 1), res("b", 0), res("c", 0.5)], 0.7)).toEqual({ score: 3.5 / 5, pass: true, graded: 3 });
    expect(taskScore(criteria, [res("a", 0), res("b", 1), res("c", 1)], 0.7)).toEqual({ score: 0.4, pass: false, graded: 3 });
  });
  it("leaves out judge results and errored results", () => {
    const out = taskScore(criteria, [res("a", 1), res("b", 0, { error: "boom" }), res("j", 0, { grader: "judge" }), res("c", 1)], 1);
    expect(out).toEqual({ score: 1, pass: true, graded: 2 });
  });
  it("matches results to criteria by id, not position; ignores unknown ids", () => {
    expect(taskScore(criteria, [res("c", 1), res("zzz", 0), res("a", 0)], 0.5)).toEqual({ score: 0.25, pass: false, graded: 2 });
  });
  it("with nothing graded: score 0, not passed, graded 0", () => {
    expect(taskScore(criteria, [res("a", 1, { error: "x" })], 0)).toEqual({ score: 0, pass: false, graded: 0 });
  });
});

describe("criterionProblems", () => {
  it("finds mistakes that would make a criterion ungradable", () => {
    expect(criterionProblems(crit({ grader: "structure" }))).toEqual(["sets none of min_steps, max_steps, min_headings, table, each_step"]);
    expect(criterionProblems(crit({ grader: "structure", min_steps: 5, max_steps: 3 }))).toEqual(["min_steps is above max_steps"]);
    expect(criterionProblems(crit({ grader: "text", any: ["a"], min_matches: 2 }))[0]).toMatch(/min_matches 2 is more than the 1 terms/);
    expect(criterionProblems(crit({ grader: "text", all: ["/(/"] }))[0]).toMatch(/^all:/);
    expect(criterionProblems(crit({ grader: "interval", low: 10, high: 5 }))[0]).toMatch(/empty/);
    expect(criterionProblems(crit({ grader: "code", language: "python", constructs: ["list_comp", "/[/"] }))).toHaveLength(2);
    expect(criterionProblems(crit({ grader: "judge", rubric: "-" }))).toEqual(["the rubric has no items"]);
  });
  it("is empty for good criteria", () => {
    for (const c of rules) expect(criterionProblems(c)).toEqual([]);
  });
});
