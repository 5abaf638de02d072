/**
 * Every built-in tool case's final-answer check against answers it must reject (issue 11,
 * items 8 and 12), run as the tools scenario runs it (the case's language and prompt passed
 * in): the case's own `negatives:` (a wrong value, the right number in the wrong place, a
 * refusal…), word salad in several scripts carrying the case's own terms, the correct
 * answer's words shuffled, the prompt echoed back and an empty answer. The bank's correct
 * final answers must still pass.
 */
import { describe, expect, it } from "vitest";
import { checkFinalAnswer } from "../../../src/grading/tools/index.js";
import type { ToolCase } from "../../../src/scenarios/tools/case.js";
import { loadToolPacks } from "../../../src/scenarios/tools/packs.js";
import { salads, shuffleWords, termKeywords } from "../grading/noise.js";
import { play } from "./play.js";

const cases = loadToolPacks("all").flatMap((p) => p.cases);

function check(c: ToolCase, answer: string) {
  return checkFinalAnswer(answer, c.final_answer ?? [], { language: c.language, prompt: c.prompt });
}

describe.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
  const correct = play(c, 0).answer;

  it("the bank's correct final answer passes, as the scenario checks it", () => {
    const r = check(c, correct);
    expect(r.pass, `${r.reason}\n${correct}`).toBe(true);
  });

  it("carries at least two negatives of its own", () => {
    expect(c.negatives?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  (c.negatives ?? []).forEach((n, i) => {
    it(`negative ${i + 1} (${n.kind}) fails the final-answer check: ${n.note}`, () => {
      const r = check(c, n.answer);
      expect(r.pass, `${r.reason}\n${n.answer}`).toBe(false);
    });
  });

  it("fails word salad carrying its own terms, in several scripts and as a list", () => {
    for (const s of salads(c.id.length * 131, termKeywords(c.final_answer), 200)) {
      const r = check(c, s.answer);
      expect(r.pass, `${s.name}: ${r.reason}`).toBe(false);
    }
  });

  it("fails the correct answer with its words shuffled, the prompt echoed back, and an empty answer", () => {
    for (const seed of [3, 5, 7]) {
      const shuffled = shuffleWords(correct, seed);
      const r = check(c, shuffled);
      expect(r.pass, `shuffled (seed ${seed}): ${r.reason}`).toBe(false);
    }
    for (const answer of [c.prompt, `${c.prompt} ${c.prompt}`, "", "   "]) {
      const r = check(c, answer);
      expect(r.pass, `${JSON.stringify(answer.slice(0, 60))}: ${r.reason}`).toBe(false);
    }
  });
});

describe("regressions named after what they fixed (issue 11)", () => {
  it("noise containing ' city' does not pass a tool case's answer check", () => {
    const noCity = cases.find((c) => c.id === "weather-no-city-fr")!;
    for (const noise of [
      "город city 城市 данные trabajo city Gesellschaft मौसम city ville 天气 проверка",
      "ciudad city Straße Zeitraum miasto kerja city görev thành phố city perché lavoro ville szybko Wohnung",
    ]) {
      const r = check(noCity, noise);
      expect(r.pass, r.reason).toBe(false);
    }
    // the same word in a real sentence that asks nothing does not pass either
    expect(check(noCity, "Je ne peux pas connaître la météo de votre ville.").pass).toBe(false);
    // and a real question passes
    expect(check(noCity, "Dans quelle ville êtes-vous ? Je vous dirai s'il faut un manteau.").pass).toBe(true);
  });
});
