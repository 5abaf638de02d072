import { describe, expect, it } from "vitest";
import { extractIntervals } from "../../../src/grading/interval.js";
import { expectEvidenceInside, grade } from "./helpers.js";

const B = { grader: "interval", variable: "B", low: 5, high: 10 };
const Bclosed = { ...B, low_inclusive: true, high_inclusive: true };

describe("interval: valid phrasings of B ∈ ]5, 10[ pass", () => {
  it.each([
    "5 < B < 10",
    "5<B<10",
    "5 &lt; B &lt; 10",
    "$5 < B < 10$",
    "5 \\lt B \\lt 10",
    "10 > B > 5",
    "B ∈ ]5;10[",
    "B ∈ ]5 ; 10[",
    "B ∈ ]5, 10[",
    "B ∈ (5, 10)",
    "B \\in ]5, 10[",
    "$B \\in \\left]5, 10\\right[$",
    "B appartient à ]5 ; 10[",
    "B est dans l'intervalle ]5, 10[",
    "l'intervalle de B est ]5;10[",
    "B est compris entre 5 et 10 (strictement)",
    "B est strictement compris entre 5 et 10",
    "B est strictement entre 5 et 10",
    "B se situe entre 5 et 10, bornes exclues",
    "B est compris entre 5 et 10 exclus",
    "B est entre 5 et 10 (exclus)",
    "B est entre 5 et 10, non inclus",
    "B between 5 and 10",
    "B is strictly between 5 and 10",
    "B lies between 5 and 10 (exclusive)",
    "B > 5 et B < 10",
    "B > 5 and B < 10",
    "B > 5, B < 10",
    "5 < B et B < 10",
    "B > 5 et < 10",
    "B est supérieur à 5 et inférieur à 10",
    "B est strictement supérieur à 5 et strictement inférieur à 10",
    "B est plus grand que 5 et plus petit que 10",
    "B is greater than 5 and less than 10",
    "B < 10 et B > 5",
    "B lies in the open interval (5, 10).",
    "- **B** : entre 5 et 10 (exclus)",
    "| Variable | Valeur |\n|---|---|\n| A | 10 |\n| B | ]5 ; 10[ |",
    "So B must satisfy 5 < B < 10, i.e. B ∈ {6, 7, 8, 9} if integers.",
  ])("%s", (answer) => {
    const r = grade(B, answer);
    expect(r.pass, r.reason).toBe(true);
    expect(r.score).toBe(1);
    expectEvidenceInside(r, answer);
  });
  it("takes a bare 'entre 5 et 10' as right bounds with unstated openness", () => {
    const r = grade(B, "B est compris entre 5 et 10");
    expect(r.pass).toBe(true);
    expect(r.reason).toMatch(/does not say whether they are included/);
  });
});

describe("interval: inclusive variants", () => {
  it.each([
    "5 ≤ B ≤ 10",
    "5 <= B <= 10",
    "5 \\leq B \\leq 10",
    "5 &le; B &le; 10",
    "5 ⩽ B ⩽ 10",
    "10 ≥ B ≥ 5",
    "B ∈ [5, 10]",
    "B ∈ [5;10]",
    "B est compris entre 5 et 10 inclus",
    "B est entre 5 et 10, bornes incluses",
    "B between 5 and 10 inclusive",
    "B ≥ 5 et B ≤ 10",
    "B est au moins 5 et au plus 10",
    "B est supérieur ou égal à 5 et inférieur ou égal à 10",
  ])("%s", (answer) => {
    const r = grade(Bclosed, answer);
    expect(r.pass, r.reason).toBe(true);
  });
  it("reads half-open intervals and per-bound qualifiers", () => {
    const half = { ...B, low_inclusive: true };
    expect(grade(half, "B ∈ [5, 10[").pass).toBe(true);
    expect(grade(half, "B ∈ [5, 10)").pass).toBe(true);
    expect(grade(half, "5 ≤ B < 10").pass).toBe(true);
    expect(grade(half, "B est entre 5 inclus et 10 exclu").pass).toBe(true);
    expect(grade(half, "B ∈ ]5, 10[").pass).toBe(false);
  });
});

describe("interval: wrong answers fail", () => {
  it.each([
    ["a different interval", "B ∈ ]5;12[", /different bounds/],
    ["a different interval in words", "B est compris entre 4 et 10", /different bounds/],
    ["a single value", "B = 7", /single value/],
    ["a single value in words", "B vaut 7.", /single value/],
    ["one bound only", "B > 5", /only one bound/],
    ["an interval about another variable", "A est compris entre 5 et 10, et B = 7", /single value/],
    ["nothing", "Je ne sais pas.", /no interval found/],
    ["integers when reals were asked", "B ∈ [6, 9]", /different bounds/],
  ])("%s: %s", (_name, answer, why) => {
    const r = grade(B, answer);
    expect(r.pass, r.reason).toBe(false);
    expect(r.reason).toMatch(why);
    expect(r.error).toBeUndefined();
  });
  it("gives half credit for the right bounds with the wrong openness", () => {
    const r = grade(B, "5 ≤ B ≤ 10");
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0.5);
    expect(r.reason).toMatch(/wrong openness/);
  });
  it("uses the last interval stated: a corrected answer counts", () => {
    expect(grade(B, "D'abord j'ai cru 5 < B < 12. En fait 5 < B < 10.").pass).toBe(true);
    expect(grade(B, "D'abord 5 < B < 10. Mais finalement B ∈ ]5, 12[.").pass).toBe(false);
  });
  it("an example value after the interval does not replace it", () => {
    expect(grade(B, "B est compris entre 5 et 10 (strictement) ; par exemple B = 7.").pass).toBe(true);
  });
  it("known limit: bounds named by other variables are not resolved (the judge can check those)", () => {
    expect(grade(B, "Puisque C = 5 et A = 10, B est strictement compris entre C et A.").pass).toBe(false);
  });
  it("a negated statement states no interval (issue 11)", () => {
    for (const a of ["B n'est pas compris entre 5 et 10.", "B is not between 5 and 10.", "B doesn't lie between 5 and 10."]) {
      const r = grade(B, a);
      expect(r.pass, a).toBe(false);
      expect(r.reason).toMatch(/no interval found/);
    }
    expect(grade(B, "B n'est pas forcément entier : B est strictement compris entre 5 et 10.").pass).toBe(true);
  });
  it("tuples are not intervals", () => {
    expect(grade({ grader: "interval", low: 5, high: 10 }, "Le point (5, 10) est sur la droite.").pass).toBe(false);
  });
});

describe("interval: integer variables", () => {
  const Bint = { ...B, integer: true };
  it("compares sets of integers", () => {
    expect(grade(Bint, "B ∈ [6, 9]").pass).toBe(true);
    expect(grade(Bint, "6 ≤ B ≤ 9").pass).toBe(true);
    expect(grade(Bint, "B ∈ ]5, 10[").pass).toBe(true);
    expect(grade(Bint, "B est compris entre 6 et 9").pass).toBe(true);
    expect(grade(Bint, "B ∈ [6, 10]").pass).toBe(false);
  });
});

describe("interval: extraction", () => {
  it("attributes each statement to its variable", () => {
    const { intervals } = extractIntervals("A est compris entre 8 et 12. B est strictement compris entre 5 et 10.", "B");
    expect(intervals.map((i) => [i.variable, i.low, i.high, i.lowInclusive])).toEqual([
      ["A", 8, 12, undefined],
      ["B", 5, 10, false],
    ]);
  });
  it("without a variable, takes the last interval", () => {
    expect(grade({ grader: "interval", low: 5, high: 10 }, "La réponse : ]5 ; 10[").pass).toBe(true);
    expect(grade({ grader: "interval", low: 5, high: 10 }, "x is between 5 and 10").pass).toBe(true);
  });
  it("decimal commas inside brackets", () => {
    expect(grade({ ...B, low: 5.5 }, "B ∈ ]5,5 ; 10[").pass).toBe(true);
  });
  it("infinite bounds are read, and differ from finite ones", () => {
    const { intervals } = extractIntervals("x ∈ ]-∞, 3]", "x");
    expect(intervals[0]).toMatchObject({ low: -Infinity, high: 3, highInclusive: true });
  });
});
