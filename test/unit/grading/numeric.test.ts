import { describe, expect, it } from "vitest";
import { extractNumericCandidates } from "../../../src/grading/numeric.js";
import { parseNumber } from "../../../src/grading/math-text.js";
import { expectEvidenceInside, grade } from "./helpers.js";

const A10 = { grader: "numeric", variable: "A", expect: 10 };

describe("numeric: valid phrasings of A = 10 pass", () => {
  it.each([
    "A = 10",
    "A=10",
    "A := 10",
    "Donc A = 10.",
    "A vaut 10",
    "A vaut donc 10.",
    "A est égal à 10",
    "A est egal a 10",
    "A est donc égal à 10",
    "A equals 10",
    "A is 10.",
    "A is equal to 10",
    "10 pour A",
    "On trouve 10 pour A.",
    "10 for A",
    "A = 2 × C = 2 × 5 = 10",
    "A = 2·C = 10",
    "A = 2 * 5 = 10 (car C = 5)",
    "$A = 10$",
    "\\(A = 10\\)",
    "**A = 10**",
    "A = **10**",
    "A → 10",
    "La valeur de A est 10.",
    "A ≈ 10",
    "A = 10, B = 7",
    "Réponse : A = 10 et B ∈ ]5;10[",
    "A = 10,0",
    "A = 10.0",
    "\\boxed{A = 10}",
    "- **A** : 10",
    "| Variable | Valeur |\n|---|---|\n| A | 10 |\n| B | ]5 ; 10[ |",
  ])("%s", (answer) => {
    const r = grade(A10, answer);
    expect(r.pass, r.reason).toBe(true);
    expectEvidenceInside(r, answer);
  });
});

describe("numeric: final answers without a variable", () => {
  const ten = { grader: "numeric", expect: 10 };
  it.each([
    "After the work, \\boxed{10}",
    "$\\boxed{10}$",
    "Answer: 10",
    "Final answer: 10",
    "The answer is 10.",
    "Réponse : 10",
    "**Réponse finale :** 10",
    "La réponse est 10.",
    "Résultat : 10 pommes",
    "So we get...\n\n**10**",
    "We add 4 and 6, which gives 10",
    "x = 4 + 6 = 10",
  ])("%s", (answer) => {
    const r = grade(ten, answer);
    expect(r.pass, r.reason).toBe(true);
  });
});

describe("numeric: number formats, signs, units, percentages", () => {
  it.each([
    ["Total = 1,000", 1000],
    ["Total = 1 000", 1000],
    ["Total = 1\u202f000", 1000],
    ["Total = 1 000,5", 1000.5],
    ["Total = 1,000.5", 1000.5],
    ["Total = 1.000.000", 1000000],
    ["Total = 2,5", 2.5],
    ["Total = -3", -3],
    ["Total = \u22123", -3],
    ["Total = 1e6", 1e6],
  ])("%s reads %d", (answer, value) => {
    expect(grade({ grader: "numeric", variable: "Total", expect: value }, answer).pass).toBe(true);
  });
  it("reads units and compares them when the criterion names one", () => {
    expect(grade({ grader: "numeric", variable: "d", expect: 12, unit: "km" }, "d = 12 km").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "d", expect: 12, unit: "km" }, "d = 12 kilomètres").pass).toBe(true);
    expect(grade({ grader: "numeric", expect: 45, unit: "€" }, "Réponse : 45 €").pass).toBe(true);
    expect(grade({ grader: "numeric", expect: 45, unit: "EUR" }, "Réponse : 45 euros").pass).toBe(true);
    expect(grade({ grader: "numeric", expect: 45, unit: "$" }, "Answer: $45").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "t", expect: 3, unit: "h" }, "t = 3 h").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "t", expect: 3, unit: "h" }, "t = 3 heures").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "t", expect: 3, unit: "h" }, "t = 3h").pass).toBe(true);
  });
  it("does not count a value in another unit", () => {
    const r = grade({ grader: "numeric", variable: "t", expect: 3, unit: "h" }, "t = 3 min");
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/another unit: 3 min/);
  });
  it("picks the value in the right unit when several are stated", () => {
    expect(grade({ grader: "numeric", expect: 12, unit: "km" }, "Réponse : 12 km, en 3 h").pass).toBe(true);
  });
  it("accepts a value without a unit when a unit is expected", () => {
    expect(grade({ grader: "numeric", variable: "d", expect: 12, unit: "km" }, "d = 12").pass).toBe(true);
  });
  it("reads percentages as written, and as a fraction when no unit is asked", () => {
    expect(grade({ grader: "numeric", variable: "taux", expect: 25, unit: "%" }, "taux = 25 %").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "taux", expect: 0.25 }, "taux = 25%").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "taux", expect: 25 }, "taux = 25 pour cent").pass).toBe(true);
  });
  it("parses numbers as written", () => {
    expect(parseNumber("1,000")).toBe(1000);
    expect(parseNumber("1 000,5")).toBe(1000.5);
    expect(parseNumber("10,5")).toBe(10.5);
    expect(parseNumber("1.000.000,25")).toBe(1000000.25);
  });
});

describe("numeric: found in real answers (regressions from the simulator's answer bank)", () => {
  it("a unit with a superscript or a slash ends the value: m², L/h, litres par heure", () => {
    expect(grade({ grader: "numeric", variable: "S", expect: 65.3 }, "S = 47.5 + 22 − 4.2 = **65.3 m²**.").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "D", expect: 400 }, "**Débit net** : D = 200 + 300 − 100 = **400 L/h**").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "D", expect: 400 }, "Le débit net D vaut donc 1 200 × 1/3 = 400 litres par heure, et T vaut 3 heures.").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "D", expect: 400, unit: "L/h" }, "D = 400 L/h").pass).toBe(true);
  });
  it("a variable on the right of an equation is not its subject", () => {
    const answer = "**U ≈ 39.58 min** (39 min 35 s).\n\nX = T / U = 62.5 / 39.58 ≈ **1.58**";
    expect(grade({ grader: "numeric", variable: "U", expect: 39.583, tolerance: 0.1 }, answer).pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "X", expect: 1.579, tolerance: 0.01 }, answer).pass).toBe(true);
  });
  it("a bullet before the variable is not a minus sign", () => {
    expect(grade({ grader: "numeric", variable: "S", expect: 65.3 }, "- S = 65.3 m² per coat\n- L = 2 × 65.3 / 10 = 13.06 litres").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "L", expect: 13.06 }, "- S = 65.3 m² per coat\n- L = 2 × 65.3 / 10 = 13.06 litres (about 13.1 L)").pass).toBe(true);
  });
});

describe("numeric: tolerance", () => {
  it("absolute and relative", () => {
    expect(grade({ grader: "numeric", variable: "x", expect: 3.14159, tolerance: 0.01 }, "x = 3.14").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "x", expect: 3.14159, tolerance: 0.001 }, "x = 3.14").pass).toBe(false);
    expect(grade({ grader: "numeric", variable: "x", expect: 1000, rel_tolerance: 0.01 }, "x = 1 009").pass).toBe(true);
    expect(grade({ grader: "numeric", variable: "x", expect: 1000, rel_tolerance: 0.01 }, "x = 1 011").pass).toBe(false);
    expect(grade({ grader: "numeric", variable: "x", expect: 0.3 }, "x = 0.30000000000000004").pass).toBe(true);
  });
  it("says the tolerance in the reason", () => {
    expect(grade({ grader: "numeric", variable: "x", expect: 5, tolerance: 0.5 }, "x = 7").reason).toMatch(/expected x = 5 ± 0.5/);
  });
});

describe("numeric: wrong answers fail", () => {
  it.each([
    ["a wrong value", "A = 12"],
    ["a wrong value in words", "A vaut 20."],
    ["a wrong final value after the right number in the working", "A = 2 × 5 = 10 ? Non : C vaut 6, donc A = 12."],
    ["a wrong boxed answer after the right working", "A = 10 serait faux.\n\nRéponse finale : A = 12"],
    ["a wrong value for A among right values for others", "B = 10, C = 10, A = 11"],
    ["an expression with no value", "A = 2C"],
    ["a product, not a value", "A = 2 fois C"],
    ["2A is not A", "2A = 10"],
    ["no statement about A at all", "Le résultat dépend de C."],
    ["a wrong value in a summary table", "A = 10 au début.\n\n| Variable | Valeur |\n|---|---|\n| A | 12 |"],
  ])("%s: %s", (_name, answer) => {
    const r = grade(A10, answer);
    expect(r.pass, r.reason).toBe(false);
    expect(r.error).toBeUndefined();
  });
  it("reports the value used and the earlier ones", () => {
    const answer = "A = 2 × 5 = 10 ? Non : C vaut 6, donc A = 12.";
    const r = grade(A10, answer);
    expect(r.reason).toMatch(/read 12 from "A = 12"/);
    expect(r.reason).toMatch(/earlier values not used: 10/);
    expect(r.evidence[0]?.note).toMatch(/^used/);
    expect(r.evidence[0]?.text).toBe("A = 12");
    expectEvidenceInside(r, answer);
  });
  it("prefers a statement in the answer region over a later one in a remark", () => {
    const answer = "**Réponse : A = 10.**\n\nRemarque : si C valait 6, on aurait A = 12.";
    expect(grade(A10, answer).pass).toBe(true);
  });
  it("does not read code in fences", () => {
    expect(grade(A10, "```python\nA = 10\n```\nThe program prints something.").pass).toBe(false);
  });
  it("is case-sensitive for one-letter variables only", () => {
    expect(grade(A10, "il y a 10 pommes; a = 10").pass).toBe(false);
    expect(grade({ grader: "numeric", variable: "total", expect: 10 }, "Total = 10").pass).toBe(true);
  });
  it("without a variable: the answer anchor wins over numbers in the working", () => {
    expect(grade({ grader: "numeric", expect: 10 }, "We try 12, then 14.\nAnswer: 10\nHope this helps (step 3).").pass).toBe(true);
    expect(grade({ grader: "numeric", expect: 10 }, "The working gives 10.\nAnswer: 11").pass).toBe(false);
    expect(grade({ grader: "numeric", expect: 10 }, "The answer depends on 3 factors.").pass).toBe(false);
  });
});

describe("numeric: candidates", () => {
  it("lists them in order with the rule that found them", () => {
    const c = extractNumericCandidates("A = 2 × 5 = 10. Answer: A = 10", "A");
    expect(c.map((x) => [x.rule, x.value, x.final])).toEqual([
      ["assignment", 10, false],
      ["assignment", 10, true],
    ]);
  });
});
