import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { expectEvidenceInside, grade } from "./helpers.js";

const techs = { grader: "text", any: [["React", "Vue", "Angular"], ["PostgreSQL", "postgres"], "Docker"], min_matches: 2 };

describe("text grader: all", () => {
  it("passes when every term appears, with accents, case and plurals folded", () => {
    const r = grade({ grader: "text", all: ["étape", "base de données", "API"] }, "Les ETAPES : créer la Base de Donnees puis les APIs.");
    expect(r.pass).toBe(true);
    expect(r.evidence.map((e) => e.text)).toEqual(["ETAPES", "Base de Donnees", "APIs"]);
  });
  it("names the missing terms and scores the share found", () => {
    const r = grade({ grader: "text", all: ["React", "Redis", ["Kubernetes", "k8s"]] }, "We use React.");
    expect(r.pass).toBe(false);
    expect(r.score).toBeCloseTo(1 / 3);
    expect(r.reason).toMatch(/missing 'Redis', 'Kubernetes\|k8s'/);
  });
});

describe("text grader: any", () => {
  it("counts distinct terms, synonyms of one term once", () => {
    const r = grade(techs, "React front, Vue admin, Angular legacy.");
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0.5);
    expect(r.reason).toMatch(/1 of 3 terms found/);
  });
  it("passes with min_matches distinct terms and shows the synonym used", () => {
    const text = "Front-end en **Vue**, base Postgres, déployé avec docker compose.";
    const r = grade(techs, text);
    expect(r.pass).toBe(true);
    expect(r.evidence.map((e) => e.note)).toContain("found 'PostgreSQL|postgres' (synonym 'postgres')");
    expectEvidenceInside(r, text);
  });
  it("false positives: a term inside another word does not count", () => {
    const r = grade(techs, "Preact, Vuex, Angularity, postgresqlish and reactive Dockerfiles");
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0);
  });
  it("property: adding unrelated text never turns a pass into a fail", () => {
    const passing = "Stack: React + PostgreSQL, shipped in Docker.";
    expect(grade(techs, passing).pass).toBe(true);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (before, after) => {
        expect(grade(techs, `${before}\n${passing}\n${after}`).pass).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("text grader: none", () => {
  it("fails on a forbidden term and shows where", () => {
    const text = "Use eval() to parse the input.";
    const r = grade({ grader: "text", none: ["eval", "exec"] }, text);
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0.5);
    expect(r.evidence[0]?.text).toBe("eval");
    expect(r.reason).toMatch(/forbidden 'eval' found/);
  });
  it("passes when none appears, not fooled by longer words", () => {
    expect(grade({ grader: "text", none: ["eval", "exec"] }, "Evaluate and execute safely.").pass).toBe(true);
  });
});

describe("text grader: combined and errors", () => {
  it("averages the parts and passes only if all pass", () => {
    const r = grade({ grader: "text", all: ["React", "Vue"], any: ["Svelte"] }, "React and Svelte");
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0.75);
  });
  it("lets forbidden terms veto, never earn: no credit for avoiding the wrong answer", () => {
    const both = grade({ grader: "text", all: ["React"], none: ["jQuery"] }, "React and jQuery");
    expect(both.pass).toBe(false);
    expect(both.score).toBe(0);
    // A refusal holds neither the right term nor the forbidden one: it scores 0, not 0.5.
    const refusal = grade({ grader: "text", all: ["MCMXCIV"], none: ["MDCCCCLXXXXIIII"] }, "Sorry, I cannot help with that.");
    expect(refusal.score).toBe(0);
    expect(grade({ grader: "text", all: ["React", "Vue"], none: ["jQuery", "Backbone"] }, "React, Vue and jQuery").score).toBe(0.5);
    expect(grade({ grader: "text", none: ["eval"] }, "no such call").score).toBe(1);
  });
  it("with ordered, wants the all terms in the listed order (a later match may follow an earlier one)", () => {
    const days = { grader: "text", ordered: true, all: ["lundi", "mardi", "mercredi"] };
    expect(grade(days, "Lundi : accueil. Mardi : code. Mercredi : revue.").pass).toBe(true);
    // a mention out of order does not matter while an in-order chain exists
    expect(grade(days, "Mercredi sera calme. Lundi : accueil. Mardi : code. Mercredi : revue.").pass).toBe(true);
    const shuffled = grade(days, "mercredi revue lundi code mardi accueil");
    expect(shuffled.pass).toBe(false);
    expect(shuffled.reason).toMatch(/out of order/);
    expect(shuffled.score).toBeCloseTo(2 / 3);
  });
  it("with against, lets the answer's last statement decide (a hypothesis in the working does not count)", () => {
    const alex = { grader: "text", any: [["Alex: knight", "Alex is a knight"]], against: [["Alex: knave", "Alex is a knave"]] };
    expect(grade(alex, "Suppose Alex is a knave: contradiction. So Alex is a knight.\nAlex: knight").pass).toBe(true);
    const wrong = grade(alex, "Suppose Alex is a knight: then Blair is a knave… contradiction.\nAlex: knave");
    expect(wrong.pass).toBe(false);
    expect(wrong.score).toBe(0);
    expect(wrong.reason).toMatch(/last word contradicts it: "Alex: knave"/);
    expect(grade(alex, "Alex: knave").pass).toBe(false);
  });
  it("is an error for a bad regex term or no terms", () => {
    expect(grade({ grader: "text", all: ["/([a-/"] }, "x").error).toMatch(/bad term/);
    expect(grade({ grader: "text" }, "x").error).toMatch(/no terms/);
  });
  it("grades the reasoning when asked", () => {
    const r = grade({ grader: "text", on: "reasoning", all: ["invariant"] }, "short answer", { reasoning: "The loop invariant holds." });
    expect(r.pass).toBe(true);
    expect(r.on).toBe("reasoning");
  });
});
