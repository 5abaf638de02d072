/**
 * JUnit XML of verdicts: every verdict a testcase with the right outcome, and every text from
 * a server or a suite inert — the document is well-formed whatever the strings hold (checked
 * by a strict parser written for the test and by Python's expat, a conforming one), and each
 * string reads back as it was, but for the characters XML 1.0 cannot carry, shown as \uXXXX.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Suite } from "../../../src/config/schema.js";
import type { Verdict } from "../../../src/metrics/index.js";
import { junitXml, verdictLine, xmlAttr, xmlText, type JunitRun } from "../../../src/report/junit.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { findAll, parseManyWithExpat, parseStrictXml, parseWithExpat, textOf, XmlError, type XmlElement } from "../../helpers/strict-xml.js";

const HOSTILE = [
  "]]>",
  "a]]>b ]] > ]]]]>>",
  "<![CDATA[x]]>",
  "</testcase></testsuite></testsuites>",
  "<testcase name=\"x\"/>",
  '" onload="x',
  "it's \"quoted\"",
  "&amp; &lt; &#0; &#x1; &bogus; & alone",
  "<!-- comment --> <?pi x?> <!DOCTYPE x>",
  "nul \u0000 bell \u0007 esc \u001b[31m vt \u000b ff \u000c us \u001f",
  "del \u007f c1 \u0085 \u009f",
  "noncharacters \ufffe \uffff",
  "lone high \ud800 end",
  "lone low \udc00 end",
  "reversed pair \udc00\ud800",
  "emoji 😀 and 𝄞",
  "cr\ronly",
  "crlf\r\nline",
  "lf\nline",
  "tab\there",
  "line sep \u2028 para \u2029",
  "bidi \u202e override",
  "ttft.p90 < 2000",
  "",
  "   spaces   ",
];

function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** What a string reads back as: itself, each character XML cannot carry shown as \uXXXX. */
function expected(s: string): string {
  return Array.from(s)
    .map((ch) => {
      const c = ch.codePointAt(0)!;
      return isXmlChar(c) ? ch : `\\u${c.toString(16).toUpperCase().padStart(4, "0")}`;
    })
    .join("");
}

function wellFormed(xml: string, expat = true): XmlElement {
  const root = parseStrictXml(xml);
  const read = expat ? parseWithExpat(xml) : undefined;
  if (read !== undefined) expect(read, "expat").not.toHaveProperty("error");
  return root;
}

describe("escaping", () => {
  it("text and attribute values of hostile strings read back as written (strict parser and expat)", () => {
    const doc = ['<?xml version="1.0" encoding="UTF-8"?>', "<r>", ...HOSTILE.map((s) => `<e v="${xmlAttr(s)}">${xmlText(s)}</e>`), "</r>"].join("\n");
    const root = wellFormed(doc);
    const es = findAll(root, "e");
    expect(es.map((e) => e.attrs["v"])).toEqual(HOSTILE.map(expected));
    expect(es.map(textOf)).toEqual(HOSTILE.map(expected));
    const expat = parseWithExpat(doc);
    if (expat && "elements" in expat) {
      const got = expat.elements.filter((e) => e.tag === "e");
      expect(got.map((e) => e.attrs["v"])).toEqual(HOSTILE.map(expected));
      expect(got.map((e) => e.text)).toEqual(HOSTILE.map(expected));
    } else if (expat === undefined) process.stderr.write("NOTICE: junit.test.ts: python3 not found; checked with the strict parser alone.\n");
  });

  it("the strict parser refuses what is not well-formed (it would catch a writer's mistake)", () => {
    const bad = [
      '<?xml version="1.0" encoding="UTF-8"?><r>]]></r>',
      '<?xml version="1.0" encoding="UTF-8"?><r>\u0001</r>',
      '<?xml version="1.0" encoding="UTF-8"?><r>&#1;</r>',
      '<?xml version="1.0" encoding="UTF-8"?><r a="<"/>',
      '<?xml version="1.0" encoding="UTF-8"?><r>a & b</r>',
      '<?xml version="1.0" encoding="UTF-8"?><r a="1" a="2"/>',
      '<?xml version="1.0" encoding="UTF-8"?><r><s></r>',
      '<?xml version="1.0" encoding="UTF-8"?><r>\ud800</r>',
    ];
    for (const doc of bad) expect(() => parseStrictXml(doc), doc).toThrow(XmlError);
  });

  it("any string of code units, lone surrogates and controls included, reads back (property, then one expat batch)", () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const arb = fc.oneof(fc.string({ unit, maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom(...HOSTILE));
    fc.assert(
      fc.property(arb, (s) => {
        const root = parseStrictXml(`<?xml version="1.0" encoding="UTF-8"?>\n<e v="${xmlAttr(s)}">${xmlText(s)}</e>`);
        return root.attrs["v"] === expected(s) && textOf(root) === expected(s);
      }),
      { numRuns: 500 },
    );
    const sample = fc.sample(arb, { numRuns: 300, seed: 42 });
    const doc = ['<?xml version="1.0" encoding="UTF-8"?>', "<r>", ...sample.map((s) => `<e v="${xmlAttr(s)}">${xmlText(s)}</e>`), "</r>"].join("\n");
    const expat = parseWithExpat(doc);
    if (expat !== undefined) {
      expect(expat).not.toHaveProperty("error");
      if ("elements" in expat) {
        const got = expat.elements.filter((e) => e.tag === "e");
        expect(got.map((e) => e.attrs["v"])).toEqual(sample.map(expected));
        expect(got.map((e) => e.text)).toEqual(sample.map(expected));
      }
    }
  });
});

// ───────────────────────────── documents ─────────────────────────────

function verdict(threshold: string, status: Verdict["status"], over: Partial<Verdict> = {}): Verdict {
  return { threshold, metric: "ttft.p90", op: "<", limit: 2000, value: 2345.6, n: 40, status, ...over };
}

function scenario(name: string, verdicts: Verdict[], over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    name,
    kind: "conversation",
    metrics: { "ttft.p90": { value: 2345.6, n: 40, unit: "ms" }, success_rate: { value: 0.975, n: 40, unit: "fraction" } },
    verdicts,
    status: "fail",
    detail: {},
    requests: { total: 40, ok: 39, failed: 1 },
    errors: [],
    notes: [],
    ...over,
  };
}

function run(suite: string, configs: { name: string; kind: string }[], scenarios: ScenarioResult[], over: Partial<RunResults> = {}): RunResults {
  return {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.0.0" },
    runId: "20260101T000000Z-x",
    startedAt: "2026-01-01T00:00:00.000Z",
    suite: { name: suite, scenarios: configs } as unknown as Suite,
    target: { url: "http://127.0.0.1:8000/v1", model: "m", simulated: false, models: [] },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    durationMs: 65_000,
    complete: true,
    status: "fail",
    records: { file: "records.jsonl", count: 40, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios,
    renderedAt: "2026-01-01T00:01:05.000Z",
    ...over,
  };
}

const attrInt = (el: XmlElement, a: string) => Number(el.attrs[a]);

/** The counts a <testsuite> or <testsuites> claims match the testcases under it. */
function checkCounts(el: XmlElement): void {
  const cases = findAll(el, "testcase");
  const has = (name: string) => cases.filter((c) => c.children.some((k) => typeof k !== "string" && k.name === name)).length;
  expect(attrInt(el, "tests")).toBe(cases.length);
  expect(attrInt(el, "failures")).toBe(has("failure"));
  expect(attrInt(el, "errors")).toBe(has("error"));
  expect(attrInt(el, "skipped")).toBe(has("skipped"));
}

function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c): c is XmlElement => typeof c !== "string" && c.name === name);
}

describe("junitXml", () => {
  it("maps each verdict: fail → failure, inconclusive → error, not measured → skipped, pass → plain; value, limit and n in the message", () => {
    const sc = scenario("conversation", [
      verdict("ttft.p90 < 3000", "pass", { limit: 3000 }),
      verdict("ttft.p90 < 2000", "fail"),
      verdict("ttft.p90 < 2500", "inconclusive", { limit: 2500, reason: "within noise: the breach is smaller than the run's spread" }),
      verdict("ttfa.p90 < 2000", "not_measured", { metric: "ttfa.p90", value: undefined, n: 0, reason: "no reasoning tokens were streamed" }),
    ]);
    const results = run("nightly", [{ name: "conversation", kind: "conversation" }], [sc]);
    const xml = junitXml([{ results, dir: "/runs/x", spans: { conversation: { startEpochMs: 1_767_225_600_000, endEpochMs: 1_767_225_661_000, startPerfMs: 10, endPerfMs: 61_010 } } }], {
      label: "v0.11.2",
    });
    const root = wellFormed(xml);
    expect(root.name).toBe("testsuites");
    checkCounts(root);
    const [suite] = findAll(root, "testsuite");
    checkCounts(suite!);
    expect(suite!.attrs["name"]).toBe("nightly.conversation");
    expect(suite!.attrs["time"]).toBe("61.000");
    const props = Object.fromEntries(findAll(suite!, "property").map((p) => [p.attrs["name"], p.attrs["value"]]));
    expect(props).toMatchObject({ "shakedown.target": "http://127.0.0.1:8000/v1", "shakedown.model": "m", "shakedown.run_dir": "/runs/x", "shakedown.label": "v0.11.2" });

    const cases = findAll(root, "testcase");
    expect(cases.map((c) => [c.attrs["classname"], c.attrs["name"]])).toEqual([
      ["nightly.conversation", "ttft.p90 < 3000"],
      ["nightly.conversation", "ttft.p90 < 2000"],
      ["nightly.conversation", "ttft.p90 < 2500"],
      ["nightly.conversation", "ttfa.p90 < 2000"],
      ["nightly.conversation", "ran to its end"],
    ]);
    const [pass, fail, inconclusive, notMeasured, ran] = cases as [XmlElement, XmlElement, XmlElement, XmlElement, XmlElement];
    expect(child(pass, "failure") ?? child(pass, "error") ?? child(pass, "skipped")).toBeUndefined();
    expect(textOf(child(pass, "system-out")!)).toContain("ttft.p90 = 2346 ms");
    const f = child(fail, "failure")!;
    expect(f.attrs["type"]).toBe("threshold");
    expect(f.attrs["message"]).toBe("ttft.p90 = 2346 ms; threshold < 2000 ms; n = 40");
    expect(textOf(f)).toContain("run folder: /runs/x");
    const e = child(inconclusive, "error")!;
    expect(e.attrs["type"]).toBe("inconclusive");
    expect(e.attrs["message"]).toContain("threshold < 2500 ms; n = 40: within noise");
    expect(child(notMeasured, "skipped")!.attrs["message"]).toBe("not measured: no reasoning tokens were streamed");
    // The scenario's time is on its own testcase; a threshold takes none, so sums stay true.
    expect(cases.slice(0, 4).map((c) => c.attrs["time"])).toEqual(["0", "0", "0", "0"]);
    expect(ran.attrs["time"]).toBe("61.000");
    expect(textOf(child(ran, "system-out")!)).toContain("39/40 requests ok");
  });

  it("a fraction's limit reads as a percentage, a ratio's as a signed change", () => {
    const sc = scenario("c", []);
    expect(verdictLine(verdict("success_rate > 99%", "fail", { metric: "success_rate", op: ">", limit: 0.99, value: 0.975 }), sc)).toBe(
      "success_rate = 97.5 %; threshold > 99.0 %; n = 40",
    );
  });

  it("hostile suite, scenario, threshold, reason, target, model, interruption, folder and label stay inert and read back", () => {
    const docs: string[] = [];
    for (const s of HOSTILE) {
      const sc = scenario(`sc ${s}`, [verdict(`th ${s}`, "fail", { reason: s }), verdict(`th2 ${s}`, "inconclusive", { reason: s }), verdict(`th3 ${s}`, "not_measured", { reason: s })], {
        headline: s,
        status: "incomplete",
      });
      const results = run(`suite ${s}`, [{ name: `sc ${s}`, kind: "conversation" }, { name: `later ${s}`, kind: "reasoning" }], [sc], {
        target: { url: `http://h/v1?${s}`, model: `model ${s}`, simulated: false, models: [] },
        complete: false,
        status: "incomplete",
        interruption: `interrupted ${s}`,
      });
      const xml = junitXml([{ results, dir: `/runs/${s}` }], { label: `label ${s}` });
      docs.push(xml);
      const root = wellFormed(xml, false);
      checkCounts(root);
      for (const suite of findAll(root, "testsuite")) checkCounts(suite);
      const cases = findAll(root, "testcase");
      expect(cases.map((c) => c.attrs["classname"])).toEqual([...Array(4).fill(expected(`suite ${s}.sc ${s}`)), expected(`suite ${s}.later ${s}`)]);
      expect(cases.map((c) => c.attrs["name"])).toEqual([expected(`th ${s}`), expected(`th2 ${s}`), expected(`th3 ${s}`), "ran to its end", "ran to its end"]);
      expect(child(cases[1]!, "error")!.attrs["message"]).toContain(expected(s));
      expect(child(cases[2]!, "skipped")!.attrs["message"]).toBe(`not measured: ${expected(s)}`);
      // The scenario the stop cut is an error; the one it never reached is skipped.
      const cut = child(cases[3]!, "error")!;
      expect(cut.attrs["type"]).toBe("incomplete");
      expect(cut.attrs["message"]).toContain(expected(`interrupted ${s}`));
      expect(child(cases[4]!, "skipped")!.attrs["message"]).toContain("not run");
      const props = findAll(root, "property").map((p) => p.attrs["value"]);
      expect(props).toContain(expected(`http://h/v1?${s}`));
      expect(props).toContain(expected(`model ${s}`));
      expect(props).toContain(expected(`/runs/${s}`));
      expect(props).toContain(expected(`label ${s}`));
    }
    // Every document through expat too, in one go.
    const read = parseManyWithExpat(docs);
    if (read !== undefined) expect(read.filter((r) => "error" in r)).toEqual([]);
  });

  it("a run stopped before any scenario ran has a run-level error testcase", () => {
    const results = run("s", [{ name: "conversation", kind: "conversation" }], [], { complete: false, status: "incomplete", interruption: "interrupted by SIGINT" });
    const root = wellFormed(junitXml([{ results, dir: "/runs/x" }]));
    checkCounts(root);
    const cases = findAll(root, "testcase");
    expect(cases.map((c) => [c.attrs["classname"], c.attrs["name"]])).toEqual([
      ["s.conversation", "ran to its end"],
      ["s", "run complete"],
    ]);
    expect(child(cases[1]!, "error")!.attrs["message"]).toBe("incomplete: interrupted by SIGINT");
    expect(attrInt(root, "errors")).toBe(1);
  });

  it("a run that could not start is one error testcase saying why", () => {
    const root = wellFormed(junitXml([], { notStarted: { suite: "s", message: "the target http://x/v1 cannot be reached <ECONNREFUSED> \u0000" } }));
    checkCounts(root);
    const [c] = findAll(root, "testcase");
    expect(c!.attrs["name"]).toBe("run started");
    expect(child(c!, "error")!.attrs["message"]).toBe("the target http://x/v1 cannot be reached <ECONNREFUSED> \\u0000");
  });

  it("the runs of a repeat are told apart by [run r/N], so that every (classname, name) is unique", () => {
    const sc = scenario("conversation", [verdict("ttft.p90 < 2000", "fail")]);
    const runs: JunitRun[] = [1, 2, 3].map((index) => ({ results: run("s", [{ name: "conversation", kind: "conversation" }], [sc]), dir: `/runs/${index}`, round: { index, of: 3 } }));
    const root = wellFormed(junitXml(runs));
    checkCounts(root);
    const keys = findAll(root, "testcase").map((c) => `${c.attrs["classname"]}|${c.attrs["name"]}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(findAll(root, "testsuite").map((s) => s.attrs["name"])).toEqual(["s.conversation [run 1/3]", "s.conversation [run 2/3]", "s.conversation [run 3/3]"]);
    expect(attrInt(root, "failures")).toBe(3);
  });
});
