import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { matchArguments, matchStep } from "../../../../src/grading/tools/index.js";
import type { ArgExpectation, ExpectedToolCall, MadeCall } from "../../../../src/grading/tools/types.js";
import type { ArgMatcher } from "../../../../src/scenarios/tools/case.js";

/** One argument `x` expected as `e`, given as `actual` (undefined: not given). */
const one = (e: ArgExpectation, actual: unknown) => matchArguments({ x: e }, actual === undefined ? {} : { x: actual });
const passes = (e: ArgExpectation, actual: unknown) => one(e, actual).pass;

/** A table of [expected, actual] that must pass, and one that must fail. */
function rule(name: string, pass: [ArgExpectation, unknown][], fail: [ArgExpectation, unknown][]): void {
  describe(name, () => {
    for (const [e, a] of pass) it(`passes: expected ${JSON.stringify(e)}, given ${JSON.stringify(a)}`, () => expect(one(e, a)).toEqual({ pass: true, reasons: [] }));
    for (const [e, a] of fail)
      it(`fails: expected ${JSON.stringify(e)}, given ${JSON.stringify(a)}`, () => {
        const r = one(e, a);
        expect(r.pass).toBe(false);
        expect(r.reasons.length).toBeGreaterThan(0);
        expect(r.reasons.join(" ")).toContain("'x");
      });
  });
}

rule(
  "strings: case, accents, whitespace, typographic quotes and dashes folded",
  [
    ["Paris", "paris"],
    ["Paris", "  PARIS "],
    ["Saint-Étienne", "saint-etienne"],
    ["Saint-Étienne", "Saint–Etienne"],
    ["New York", "new  york"],
    ["New York", "NewYork"],
    ["3 - 2", "3-2"],
    ["l'Haÿ-les-Roses", "L’HAY-LES-ROSES"],
    ['"quoted"', "“quoted”"],
    ["Œuvre", "oeuvre"],
    ["Straße", "STRASSE"],
    ["Ισταμπούλ", "ΙΣΤΑΜΠΟΎΛ"],
  ],
  [
    ["Paris", "Lyon"],
    ["Paris", "Paris, France"],
    ["Paris", "Pari"],
    ["Saint-Étienne", "Saint Etienne"],
    ["celsius", "c"],
    ["Paris", ["Paris"]],
    ["Paris", { city: "Paris" }],
    ["Paris", null],
  ],
);

rule(
  "numbers: equal within 1e-9 relative, or within `tolerance`",
  [
    [10, 10],
    [10, 10.0],
    [0.3, 0.1 + 0.2],
    [1e6, 1e6 + 1e-4],
    [{ value: 20, tolerance: 0.5 }, 20.4],
    [{ value: 20, tolerance: 0.01 }, 20.01],
    [{ value: 20, tolerance: 0.5 }, "19.6"],
    [-3, -3],
    [0, -0],
  ],
  [
    [10, 10.5],
    [0.3, 0.31],
    [1, 1.000001],
    [{ value: 20, tolerance: 0.5 }, 20.6],
    [{ value: 20, tolerance: 0.01 }, 20.02],
    [-3, 3],
  ],
);

rule(
  "safe coercion only",
  [
    [10, "10"],
    ["10", 10],
    [2.5, " 2.50 "],
    [1000, "1e3"],
    [10, "10.0"],
    [-4, "-4"],
    [true, "true"],
    [true, "TRUE"],
    [false, "false"],
    ["true", true],
    ["false", false],
  ],
  [
    [10, "ten"],
    [0, ""],
    [0, "   "],
    [10, "10 km"],
    [1000, "1,000"],
    [16, "0x10"],
    [1, true],
    [true, 1],
    [true, "1"],
    [true, "yes"],
    [false, ""],
    [0, null],
    [10, [10]],
    [10, { value: 10 }],
    ["10", "10.0"],
    ["007", 7],
  ],
);

rule(
  "`any`: one of the listed values",
  [
    [{ any: ["celsius", "C"] }, "Celsius"],
    [{ any: ["celsius", "C"] }, "c"],
    [{ any: [1, 2, 3] }, "2"],
    [{ any: [1.5, 2.5], tolerance: 0.1 }, 2.45],
    [{ value: "Paris", any: ["Paris, France"] }, "paris, france"],
  ],
  [
    [{ any: ["celsius", "C"] }, "kelvin"],
    [{ any: [1, 2, 3] }, 4],
    [{ any: [1.5, 2.5], tolerance: 0.1 }, 2.7],
  ],
);

rule(
  "`contains`: free text holding every term (synonyms allowed)",
  [
    [{ contains: ["transformer", ["paper", "article"]] }, "Find recent ARTICLES about Transformer models"],
    [{ contains: ["réunion"] }, "Résumé des reunions de la semaine"],
    [{ contains: ["congés", ["2025"]] }, "politique de conges payes 2025"],
    [{ contains: ["42"] }, 42],
    [{ contains: ["/\\bQ[1-4]\\b/"] }, "sales Q3 report"],
  ],
  [
    [{ contains: ["transformer", ["paper", "article"]] }, "recent transformer models"],
    [{ contains: ["react"] }, "preact"],
    [{ contains: ["paris"] }, { city: "Paris" }],
    [{ contains: ["paris"] }, ["Paris"]],
  ],
);

rule(
  "`optional` may be absent (null counts as absent), `absent` must not be given",
  [
    [{ value: "celsius", optional: true }, undefined],
    [{ value: "celsius", optional: true }, null],
    [{ value: "celsius", optional: true }, "Celsius"],
    [{ optional: true }, "anything"],
    [{ absent: true }, undefined],
    [{ absent: true }, null],
    [{}, "anything at all"],
  ],
  [
    [{ value: "celsius", optional: true }, "kelvin"],
    [{ absent: true }, "celsius"],
    [{ absent: true }, false],
    [{}, undefined],
    [{}, null],
    ["Paris", undefined],
  ],
);

rule(
  "lists: same length, element by element, in order, same tolerance",
  [
    [["Paris", "Lyon"], ["paris", "LYON"]],
    [[1, 2], ["1", 2.0]],
    [[{ city: "Paris" }], [{ city: "PARIS", zip: "75001" }]],
    [[], []],
  ],
  [
    [["Paris", "Lyon"], ["Lyon", "Paris"]],
    [["Paris", "Lyon"], ["Paris"]],
    [["Paris"], "Paris"],
    [[1, 2], [1, 3]],
  ],
);

rule(
  "nested objects: key by key, unnamed keys ignored, matchers inside",
  [
    [{ city: "paris", country: { any: ["FR", "France"] } }, { city: "Paris", country: "france", zip: "75001" }],
    [{ range: { from: 1, to: "5" } }, { range: { from: "1", to: 5 } }],
  ],
  [
    [{ city: "paris" }, { city: "Lyon" }],
    [{ city: "paris" }, {}],
    [{ city: "paris" }, "Paris"],
    [{ range: { from: 1 } }, { range: { from: 2 } }],
  ],
);

describe("matchArguments: reasons", () => {
  it("names the argument, what was given and what was expected", () => {
    const r = matchArguments({ city: "Paris", days: 3 }, { city: "Lyon", days: "three" });
    expect(r.pass).toBe(false);
    expect(r.reasons).toEqual([`'city': got "Lyon", expected "Paris"`, `'days': got "three", expected 3`]);
  });
  it("says what is missing and what must not be there", () => {
    const r = matchArguments({ city: "Paris", unit: { absent: true } }, { unit: "celsius" });
    expect(r.reasons).toEqual([`'city': missing, expected "Paris"`, `'unit': must not be given, got "celsius"`]);
  });
  it("gives the path of a nested mismatch", () => {
    const r = matchArguments({ trip: { stops: ["Paris", "Lyon"] } }, { trip: { stops: ["Paris", "Nice"] } });
    expect(r.reasons).toEqual([`'trip.stops[1]': got "Nice", expected "Lyon"`]);
  });
  it("lists the acceptable values and the tolerance", () => {
    const r = matchArguments({ t: { any: [18, 19], tolerance: 0.5 } }, { t: 21 });
    expect(r.reasons[0]).toBe("'t': got 21, expected one of 18 | 19 (± 0.5)");
  });
  it("names the missing terms of free text", () => {
    const r = matchArguments({ q: { contains: ["congés", ["2025", "cette année"]] } }, { q: "politique de congés" });
    expect(r.reasons[0]).toMatch(/'q': "politique de congés" lacks '2025\|cette année'/);
  });
  it("ignores arguments the expectation does not name", () => {
    expect(matchArguments({ city: "Paris" }, { city: "Paris", unit: "celsius", extra: [1, 2] }).pass).toBe(true);
  });
  it("accepts the case schema's ArgMatcher as it is", () => {
    const e: Record<string, ArgMatcher> = { city: "Paris", unit: { any: ["celsius", "c"], optional: true } };
    expect(matchArguments(e, { city: "PARIS" }).pass).toBe(true);
  });
});

/** JSON values whose objects never have only matcher keys (those would read as matchers). */
const plainJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }).map((k) => `k${k}`), tie("value"), { maxKeys: 3 }),
  ),
})).value;

describe("matchArguments: properties", () => {
  it("arguments always match themselves (after a JSON round trip)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), plainJson, { maxKeys: 5 }), (args) => {
        const actual = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
        expect(matchArguments(args as Record<string, ArgExpectation>, actual)).toEqual({ pass: true, reasons: [] });
      }),
    );
  });
  it("folding case never breaks a string match", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        expect(passes(s, s.toUpperCase())).toBe(true);
        expect(passes(s, s.toLowerCase())).toBe(true);
        expect(passes(s.toUpperCase(), s)).toBe(true);
      }),
    );
  });
  it("a number always matches its decimal text, and text never matches a different number", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(passes(n, String(n))).toBe(true);
        expect(passes(String(n), n)).toBe(true);
        if (Math.abs(n) > 1e-300) expect(passes(n * 2 + 1, String(n))).toBe(false);
      }),
    );
  });
  it("a `contains` term still matches when the text's case changes", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-zà-ÿ]{3,10}$/), fc.string({ maxLength: 20 }), (word, noise) => {
        const text = `${noise.replace(/[\p{L}\p{N}]/gu, " ")} ${word} `;
        expect(passes({ contains: [word] }, text)).toBe(true);
        expect(passes({ contains: [word] }, text.toUpperCase())).toBe(true);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------

const call = (name: string, args: Record<string, unknown> | string): MadeCall => ({ name, arguments: typeof args === "string" ? args : JSON.stringify(args) });
const weather = (city: string): ExpectedToolCall => ({ name: "get_weather", arguments: { city } });

describe("matchStep", () => {
  it("parallel calls match in any order by default", () => {
    const r = matchStep([weather("Paris"), weather("Lyon")], [call("get_weather", { city: "lyon" }), call("get_weather", { city: "PARIS" })], false);
    expect(r.pass).toBe(true);
    expect(r.reasons).toEqual([]);
    expect(r.evidence[0]).toMatch(/^#1 get_weather\(\{"city":"lyon"\}\): matches expected #2 get_weather\(city: "Lyon"\)$/);
  });
  it("ordered: the same calls in another order fail, and the reason says it is the order", () => {
    const made = [call("get_weather", { city: "Lyon" }), call("get_weather", { city: "Paris" })];
    const r = matchStep([weather("Paris"), weather("Lyon")], made, true);
    expect(r.pass).toBe(false);
    expect(r.reasons).toEqual(["the calls match but not in the required order: expected get_weather, get_weather; made get_weather, get_weather"]);
    expect(matchStep([weather("Lyon"), weather("Paris")], made, true).pass).toBe(true);
  });
  it("ordered: different functions in the wrong order", () => {
    const r = matchStep([{ name: "search_docs" }, { name: "read_doc" }], [call("read_doc", {}), call("search_docs", {})], true);
    expect(r.reasons[0]).toBe("the calls match but not in the required order: expected search_docs, read_doc; made read_doc, search_docs");
  });
  it("an extra call fails the step and is named", () => {
    const r = matchStep([weather("Paris")], [call("get_weather", { city: "Paris" }), call("convert_units", { value: 18, from: "C", to: "F" })], false);
    expect(r.pass).toBe(false);
    expect(r.reasons).toEqual([`unexpected call #2 convert_units: convert_units({"value":18,"from":"C","to":"F"})`]);
    expect(r.evidence[1]).toMatch(/unexpected/);
  });
  it("the same call twice where one is expected: the duplicate is extra", () => {
    const r = matchStep([weather("Paris")], [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Paris" })], false);
    expect(r.pass).toBe(false);
    expect(r.reasons[0]).toMatch(/^unexpected call #2 get_weather/);
  });
  it("a call with wrong arguments: the reason shows the difference (not also an 'unexpected call')", () => {
    const r = matchStep([weather("Paris"), weather("Lyon")], [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Marseille" })], false);
    expect(r.reasons).toEqual([`expected get_weather(city: "Lyon"); #2 get_weather differs: 'city': got "Marseille", expected "Lyon"`]);
  });
  it("a missing call is named, with what was made instead", () => {
    const r = matchStep([weather("Paris"), { name: "get_time", arguments: { tz: "Europe/Paris" } }], [call("get_weather", { city: "Paris" })], false);
    expect(r.reasons).toEqual([`expected get_time(tz: "Europe/Paris"): not called (made: get_weather)`]);
  });
  it("no call made at all", () => {
    expect(matchStep([weather("Paris")], [], false).reasons).toEqual([`no call made; expected get_weather(city: "Paris")`]);
  });
  it("a function name that differs only in case is not the function, and the reason says so", () => {
    const r = matchStep([weather("Paris")], [call("Get_Weather", { city: "Paris" })], false);
    expect(r.pass).toBe(false);
    expect(r.reasons[0]).toMatch(/Get_Weather was called instead \(function names must match exactly\)/);
  });
  it("arguments that are not JSON cannot match", () => {
    const r = matchStep([weather("Paris")], [call("get_weather", '{"city": "Paris"')], false);
    expect(r.pass).toBe(false);
    expect(r.reasons[0]).toMatch(/arguments not valid JSON/);
  });
  it("empty arguments read as {} for a call with no expected arguments", () => {
    expect(matchStep([{ name: "get_time" }], [call("get_time", "")], false).pass).toBe(true);
  });
  it("the matching is optimal, not greedy: the order of the expected calls cannot change the outcome", () => {
    const flexible: ExpectedToolCall = { name: "get_weather", arguments: { city: { any: ["Paris", "Lyon"] } } };
    const made = [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Lyon" })];
    expect(matchStep([flexible, weather("Paris")], made, false).pass).toBe(true);
    expect(matchStep([weather("Paris"), flexible], made, false).pass).toBe(true);
  });
  it("no call expected: none made passes, any made fails", () => {
    expect(matchStep([], [], false)).toEqual({ pass: true, reasons: [], evidence: [] });
    const r = matchStep([], [call("get_weather", { city: "Paris" })], false);
    expect(r.pass).toBe(false);
    expect(r.reasons[0]).toMatch(/^no call was expected, but #1 get_weather was made/);
  });
  it("property: expected calls made from themselves match, in any order (unordered)", () => {
    const args = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), plainJson, { maxKeys: 4 });
    const calls = fc.array(fc.record({ name: fc.constantFrom("a", "b", "c"), arguments: args }), { maxLength: 5 });
    const withShuffle = calls.chain((cs) => fc.tuple(fc.constant(cs), fc.shuffledSubarray(cs, { minLength: cs.length, maxLength: cs.length })));
    fc.assert(
      fc.property(withShuffle, ([cs, shuffled]) => {
        const expected = cs.map((c) => ({ name: c.name, arguments: c.arguments as Record<string, ArgExpectation> }));
        const made = (list: typeof cs) => list.map((c) => call(c.name, c.arguments as Record<string, unknown>));
        expect(matchStep(expected, made(cs), true).pass).toBe(true);
        expect(matchStep(expected, made(shuffled), false).pass).toBe(true);
      }),
    );
  });
});
