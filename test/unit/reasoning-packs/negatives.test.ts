/**
 * Every built-in task against answers it must not pass (issue 11, items 8 and 12), graded as
 * the reasoning scenario grades them (the task's language and prompt passed in):
 *   - its own `negatives:` (wrong-but-plausible answers written next to the task: the right
 *     number without the working asked for, a plausible wrong value, the right words in the
 *     wrong order or negated, a refusal, an answer to another question);
 *   - noise: word salad in several scripts carrying the task's own keywords, the same salad
 *     laid out as a plan, the prompt echoed back, an empty answer (score 0);
 *   - the reference and the answer bank's correct answers with their words shuffled, a
 *     refusal in the task's language, another task's correct answer (they must not pass).
 * The good answers (answer-bank.test.ts) must still pass: a grader that rejects noise by
 * rejecting everything is the seed's failure again.
 */
import { describe, expect, it } from "vitest";
import { gradeRules, taskScore, type GradeResult } from "../../../src/grading/index.js";
import type { Task } from "../../../src/scenarios/reasoning/pack.js";
import { loadPacks } from "../../../src/scenarios/reasoning/packs.js";
import { loadAnswerBank } from "../../../src/sim/answers.js";
import { criteriaKeywords, salads, shuffleWords } from "../grading/noise.js";

const tasks = loadPacks("all").flatMap((p) => p.tasks);
const bank = loadAnswerBank();
const correctOf = (id: string) => (bank.answers.find((e) => e.task === id)?.variants ?? []).filter((v) => v.kind === "correct").map((v) => v.answer);

function grade(task: Task, answer: string) {
  const results = gradeRules(task.criteria, { answer, reasoning: "", truncated: false, language: task.language, prompt: task.prompt });
  return { results, ...taskScore(task.criteria, results, task.pass_score) };
}

function explain(task: Task, answer: string, g: { results: GradeResult[]; score: number }): string {
  const head = `${task.id}: score ${g.score.toFixed(3)} (pass_score ${task.pass_score}) on ${JSON.stringify(answer.slice(0, 160))}…`;
  return `${head}\n${g.results.map((r) => `  ${r.criterion}: ${r.pass ? "PASS" : "fail"} ${r.score.toFixed(2)} — ${r.reason}`).join("\n")}`;
}

const REFUSALS: Record<Task["language"], string> = {
  en: "I'm sorry, but I can't help with that request. I am not able to provide this kind of answer; please ask a qualified professional or rephrase your question.",
  fr: "Je suis désolé, mais je ne peux pas répondre à cette demande. Je ne suis pas en mesure de fournir ce type de réponse ; adressez-vous à un professionnel ou reformulez votre question.",
};

describe.each(tasks.map((t) => [t.id, t] as const))("%s", (_id, task) => {
  it("carries at least three negatives of its own, of two kinds or more", () => {
    const negatives = task.negatives ?? [];
    expect(negatives.length, `${task.id} negatives`).toBeGreaterThanOrEqual(3);
    expect(new Set(negatives.map((n) => n.kind)).size, `${task.id} negative kinds`).toBeGreaterThanOrEqual(2);
  });

  (task.negatives ?? []).forEach((n, i) => {
    it(`negative ${i + 1} (${n.kind}) does not pass: ${n.note}`, () => {
      const g = grade(task, n.answer);
      const detail = explain(task, n.answer, g);
      expect(g.pass, detail).toBe(false);
      if (n.expect === "zero") expect(g.score, detail).toBe(0);
      for (const id of n.fails ?? []) expect(g.results.find((r) => r.criterion === id)?.pass, `${id}\n${detail}`).toBe(false);
    });
  });

  it("scores 0 on word salad carrying its own keywords, in several scripts and as a plan", () => {
    const keywords = criteriaKeywords(task.criteria);
    salads(task.id.length * 97, keywords).forEach((s) => {
      const g = grade(task, s.answer);
      expect(g.score, `${s.name}\n${explain(task, s.answer, g)}`).toBe(0);
    });
  });

  it("scores 0 on its own prompt echoed back, and on an empty answer", () => {
    for (const answer of [task.prompt, `${task.prompt}\n\n${task.prompt}`, ""]) {
      const g = grade(task, answer);
      expect(g.score, explain(task, answer, g)).toBe(0);
      expect(g.pass).toBe(false);
    }
  });

  it("does not pass a refusal", () => {
    const g = grade(task, REFUSALS[task.language]);
    expect(g.score, explain(task, REFUSALS[task.language], g)).toBe(0);
  });

  it("does not pass the reference or the bank's correct answers with their words shuffled", () => {
    const sources = [task.reference ?? "", ...correctOf(task.id)].filter((s) => s.trim() !== "");
    expect(sources.length).toBeGreaterThan(1);
    sources.forEach((text, i) => {
      for (const seed of [11, 12, 13]) {
        const shuffled = shuffleWords(text, seed + i);
        const g = grade(task, shuffled);
        expect(g.pass, `source ${i} shuffled (seed ${seed + i})\n${explain(task, shuffled, g)}`).toBe(false);
      }
    });
  });

  it("does not pass another task's correct answer", () => {
    for (const other of tasks) {
      if (other.id === task.id || other.variant_of === task.id || task.variant_of === other.id) continue;
      for (const answer of correctOf(other.id)) {
        const g = grade(task, answer);
        expect(g.pass, `the answer to ${other.id}\n${explain(task, answer, g)}`).toBe(false);
      }
    }
  });
});

describe("regressions named after what they fixed (issue 11)", () => {
  const byId = new Map(tasks.map((t) => [t.id, t]));

  it("a bare '90 €' without the explanation does not pass the logic task's explanation criterion", () => {
    // soldes-remise-fr asks why the total discount is not 35 %; "90 €" was a synonym of the explanation.
    const task = byId.get("soldes-remise-fr")!;
    for (const answer of ["90 €", "P = 81 €, R = 32,5 %. (90 €)", "Après la première remise : 90 €. P = 81 € et R = 32,5 %."]) {
      const g = gradeRules(task.criteria, { answer, reasoning: "", truncated: false, language: "fr", prompt: task.prompt });
      const why = g.find((r) => r.criterion === "why-not-35")!;
      expect(why.pass, `${answer}: ${why.reason}`).toBe(false);
    }
  });

  it("word salad with 'docker' and 'testing' scores 0 on seed-plan-todo-en", () => {
    const task = byId.get("seed-plan-todo-en")!;
    const salad = [
      "1. docker Gesellschaft testing данные ciudad deployment 数据 weeks",
      "2. React проверка trabajo days Node.js 城市 PostgreSQL",
      "3. testing docker miasto hours 工作 deploy perché",
      "4. GitHub Actions работа lavoro JWT sprint 系统",
      "5. Jest Straße QA testing 時間 production",
      "6. docker kerja görev 开发 Vercel days",
      "7. testing Zeitraum szybko release 部署",
      "8. Tailwind město тест docker weeks",
      "9. deployment ulkona 测试 testing hours",
      "10. docker testing deploy days weeks hours",
    ].join("\n");
    const g = grade(task, salad);
    expect(g.score, explain(task, salad, g)).toBe(0);
    expect(g.results.every((r) => /not coherent text in the task's language/.test(r.reason)), explain(task, salad, g)).toBe(true);
  });
});
