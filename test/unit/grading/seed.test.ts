/**
 * Regression tests named after what they fix: the seed report's Phase 2.3 graders scored
 * a complete 10-step plan 0 %, missed a correct interval answer ("B between 5 and 10"),
 * and counted "0 optimisations" in a 1500-token code review.
 */
import { describe, expect, it } from "vitest";
import { gradeRules, taskScore } from "../../../src/grading/index.js";
import { crit, expectEvidenceInside, input } from "./helpers.js";
import { SEED_LOGIC_FR, SEED_LOGIC_FR_WORDS_ONLY, SEED_PLAN_FR, SEED_REVIEW_FR } from "./seed-answers.js";

describe("seed failure 1: a complete French 10-step plan scored 0 %", () => {
  const criteria = [
    crit({ id: "ten-steps", grader: "structure", min_steps: 10 }),
    crit({ id: "technologies", grader: "text", any: [["React", "Vue", "Angular", "Svelte"], ["Node.js", "Express", "Django", "FastAPI"], ["PostgreSQL", "MySQL", "MongoDB", "SQLite"]], min_matches: 2 }),
    crit({ id: "durations", grader: "text", any: ["/\\d+(?:[.,]\\d+)?\\s*(?:jours?|semaines?|heures?|mois|days?|weeks?|hours?|months?)\\b/i"] }),
    crit({ id: "durations-words", grader: "text", any: [["jour", "day"], ["semaine", "week"], ["heure", "hour"], ["sprint"]], min_matches: 2 }),
  ];
  const results = gradeRules(criteria, input(SEED_PLAN_FR));

  it("counts the ten **Étape N : …** paragraphs as ten steps", () => {
    const r = results[0];
    expect(r?.pass).toBe(true);
    expect(r?.score).toBe(1);
    expect(r?.reason).toMatch(/10 steps by step markers/);
    expect(r?.evidence).toHaveLength(10);
    expect(r?.evidence[0]?.text).toContain("Étape 1");
    expect(r?.evidence[9]?.text).toContain("Étape 10");
    if (r) expectEvidenceInside(r, SEED_PLAN_FR);
  });
  it("finds the technologies and the durations", () => {
    expect(results[1]?.pass).toBe(true);
    expect(results[1]?.reason).toMatch(/React/);
    expect(results[2]?.pass).toBe(true);
    expect(results[2]?.evidence[0]?.text).toBe("3 jours");
    expect(results[3]?.pass).toBe(true);
  });
  it("scores the whole task 100 %", () => {
    expect(taskScore(criteria, results, 0.75)).toEqual({ score: 1, pass: true, graded: 4 });
  });
});

describe("seed failure 2: a correct interval answer was missed", () => {
  const criteria = [
    crit({ id: "a", grader: "numeric", variable: "A", expect: 10 }),
    crit({ id: "b", grader: "interval", variable: "B", low: 5, high: 10 }),
  ];
  it.each([
    ["with the symbolic restatement", SEED_LOGIC_FR],
    ["in words only, as the seed's model wrote it", SEED_LOGIC_FR_WORDS_ONLY],
  ])("reads A = 10 and B ∈ ]5, 10[ %s", (_name, answer) => {
    const [a, b] = gradeRules(criteria, input(answer));
    expect(a?.pass).toBe(true);
    expect(b?.pass).toBe(true);
    expect(b?.score).toBe(1);
    if (a) expectEvidenceInside(a, answer);
    if (b) expectEvidenceInside(b, answer);
  });
  it("takes 'B est compris entre 5 et 10 (strictement)' as open at both ends", () => {
    const [, b] = gradeRules(criteria, input(SEED_LOGIC_FR_WORDS_ONLY));
    expect(b?.reason).toMatch(/bounds and openness match/);
    expect(b?.evidence[0]?.text).toBe("B est compris entre 5 et 10 (strictement)");
  });
  it("is not fooled by 'C = 5' in the check line after A = 10", () => {
    const [a] = gradeRules(criteria, input("A = 2 × 5 = 10.\nVérification : A = 10 est bien le double de C = 5."));
    expect(a?.pass).toBe(true);
  });
});

describe("seed failure 3: '0 optimisations' counted in a long code review", () => {
  const criteria = [
    crit({ id: "five-optimisations", grader: "structure", min_steps: 5 }),
    crit({ id: "improved-code", grader: "code", language: "python", constructs: ["list_comprehension", "dict_literal"] }),
    crit({ id: "mentions", grader: "text", all: [["compréhension de liste", "list comprehension"], ["dictionnaire", "dict"], ["booléen", "boolean", "== True"]], any: [["filter", "map"]] }),
  ];
  const results = gradeRules(criteria, input(SEED_REVIEW_FR));
  it("counts the five numbered optimisations", () => {
    const r = results[0];
    expect(r?.pass).toBe(true);
    expect(r?.reason).toMatch(/^✓ 5 steps by numbered list/);
    expect(r?.evidence).toHaveLength(5);
    expect(r?.evidence[4]?.text).toMatch(/^5\. \*\*Éviter les recalculs/);
  });
  it("parses the improved Python block and finds the comprehension and the dict literal", () => {
    const r = results[1];
    expect(r?.pass).toBe(true);
    expect(r?.score).toBe(1);
    const notes = r?.evidence.map((e) => e.note) ?? [];
    expect(notes).toContain("construct list_comprehension");
    expect(notes).toContain("construct dict_literal");
    const lc = r?.evidence.find((e) => e.note === "construct list_comprehension");
    expect(lc?.text).toBe("[d * 2 for d in donnees if d > 0]");
    if (r) expectEvidenceInside(r, SEED_REVIEW_FR);
  });
  it("finds the optimisations named in prose", () => {
    expect(results[2]?.pass).toBe(true);
  });
});
