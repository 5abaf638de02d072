import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { compileTerm, findTerm, fold, foldString, toOriginal } from "../../../src/grading/normalize.js";
import { mathText } from "../../../src/grading/math-text.js";

const matches = (term: string | string[], text: string) => findTerm(compileTerm(term), fold(text)).map((m) => text.slice(m.start, m.end));

describe("fold", () => {
  it("folds case, accents, ligatures, quotes, dashes and whitespace runs", () => {
    expect(fold("Étape  1 :\n\tŒuvre « finale » – l’API").text).toBe("etape 1 : oeuvre \" finale \" - l'api");
  });
  it("maps every folded character back to where it came from", () => {
    const text = "Une  Étape\u00a0décisive";
    const f = fold(text);
    const at = f.text.indexOf("etape");
    const span = toOriginal(f, at, at + "etape".length);
    expect(text.slice(span.start, span.end)).toBe("Étape");
  });
  it("keeps decomposed accents (NFD input) mapped to their base letter", () => {
    const text = "e\u0301tape";
    const f = fold(text);
    expect(f.text).toBe("etape");
    expect(toOriginal(f, 0, 5)).toEqual({ start: 0, end: text.length });
  });
  it("drops invisible characters", () => {
    expect(foldString("Re\u200bact\u00ad")).toBe("react");
  });
  it("property: any folded span maps inside the original, in order", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), fc.nat(), fc.nat(), (text, a, b) => {
        const f = fold(text);
        const n = f.text.length;
        const s = n === 0 ? 0 : a % (n + 1);
        const e = n === 0 ? 0 : s + (b % (n - s + 1));
        const o = toOriginal(f, s, e);
        expect(o.start).toBeGreaterThanOrEqual(0);
        expect(o.end).toBeLessThanOrEqual(text.length);
        expect(o.start).toBeLessThanOrEqual(o.end);
        if (e > s) {
          // The original span, folded, contains the folded span (modulo edge whitespace).
          expect(fold(text.slice(o.start, o.end)).text).toContain(f.text.slice(s, e).trim());
        }
      }),
      { numRuns: 400 },
    );
  });
  it("property: the math view maps inside the original too", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.nat(), fc.nat(), (body, a, b) => {
        const text = `${body} &lt; \\leq **x** $ <= \u2212`;
        const m = mathText(text);
        const n = m.text.length;
        const s = a % (n + 1);
        const e = s + (b % (n - s + 1));
        const o = toOriginal(m, s, e);
        expect(o.start).toBeGreaterThanOrEqual(0);
        expect(o.end).toBeLessThanOrEqual(text.length);
        expect(o.start).toBeLessThanOrEqual(o.end);
      }),
      { numRuns: 300 },
    );
  });
});

describe("term matching", () => {
  it("ignores case and accents both ways", () => {
    expect(matches("étape", "ETAPE 3")).toEqual(["ETAPE"]);
    expect(matches("etape", "Étape 3")).toEqual(["Étape"]);
    expect(matches("base de données", "Base de Donnees")).toEqual(["Base de Donnees"]);
  });
  it("respects word boundaries (Unicode letters)", () => {
    expect(matches("Java", "JavaScript only")).toEqual([]);
    expect(matches("React", "Preact and reactive")).toEqual([]);
    expect(matches("API", "rapide")).toEqual([]);
    expect(matches("été", "étéphone")).toEqual([]);
    expect(matches("Go", "we use Go.")).toEqual(["Go"]);
  });
  it("matches a number whole: a decimal or thousands separator only, never inside a longer number (issue 11)", () => {
    expect(matches("18.5", "Il fait 18,5 °C")).toEqual(["18,5"]);
    expect(matches("18.5", "185 km, 18 5")).toEqual([]);
    expect(matches("17", "17.5 °C, 0.17, 1170")).toEqual([]);
    expect(matches("17 °C", "il fait 17°C")).toEqual(["17°C"]);
    expect(matches("1 358.25", "1 358.25 GBP")).toEqual(["1 358.25"]);
    expect(matches("423,9", "423,90 CHF")).toEqual([]);
  });
  it("tolerates whitespace and punctuation between the words of a term", () => {
    expect(matches("to-do list", "a todo list")).toEqual(["todo list"]);
    expect(matches("to-do list", "a to do\nlist")).toEqual(["to do\nlist"]);
    expect(matches("base de données", "base  de\ndonnées")).toEqual(["base  de\ndonnées"]);
    expect(matches("React Native", "**React** Native")).toEqual(["React** Native"]);
    expect(matches("Node.js", "Node JS and nodejs")).toEqual(["Node JS", "nodejs"]);
  });
  it("keeps significant symbols", () => {
    expect(matches("C++", "written in C++ and C")).toEqual(["C++"]);
    expect(matches("C#", "C# or C")).toEqual(["C#"]);
    expect(matches("N+1", "the N + 1 query problem")).toEqual(["N + 1"]);
    expect(matches(".NET", "on .NET and the net")).toEqual([".NET"]);
  });
  it("tolerates simple plurals", () => {
    expect(matches("jour", "3 jours")).toEqual(["jours"]);
    expect(matches("jours", "1 jour")).toEqual(["jour"]);
    expect(matches("API", "three APIs")).toEqual(["APIs"]);
    expect(matches("index", "indexes")).toEqual(["indexes"]);
    expect(matches("bateau", "des bateaux")).toEqual(["bateaux"]);
    expect(matches("journal", "les journaux")).toEqual(["journaux"]);
  });
  it("does not stretch a plural into another word", () => {
    expect(matches("Vue", "Vuex store")).toEqual([]);
    expect(matches("Redis", "redistribution")).toEqual([]);
    expect(matches("test", "testing")).toEqual([]);
  });
  it("matches synonyms, any of them", () => {
    expect(matches(["PostgreSQL", "postgres"], "we pick Postgres")).toEqual(["Postgres"]);
  });
  it("runs /regex/flags terms on the original text", () => {
    expect(matches("/\\d+ jours?/", "en 3 jours")).toEqual(["3 jours"]);
    expect(matches("/ÉTAPE/i", "étape")).toEqual(["étape"]);
  });
  it("rejects an invalid regex term with a message", () => {
    expect(() => compileTerm("/(/")).toThrow();
  });
});
