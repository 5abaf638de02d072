/**
 * Property tests of the suite loader: whatever text a suite file holds, whatever `--set` and
 * threshold strings say, the loader either returns a valid Suite or throws a ConfigError
 * (exit 2): never a TypeError, RangeError or other untyped error, never a hang.
 *
 * Inputs: random suite-shaped values (keys and values taken from the suite's own JSON Schema)
 * written by the `yaml` package in block, flow and JSON style; random YAML text built from
 * fragments (anchors, aliases, merge keys, tags such as !!binary and !!js/function, %YAML 1.1,
 * duplicate keys, tabs, BOMs, control characters); alias bombs; deep nesting; huge numbers;
 * random `--set` assignments; random threshold strings. A Suite that loads must be plain data:
 * it validates again to itself and survives JSON (it is written to the run folder as JSON).
 * fast-check prints the seed and the shrunk counterexample of a failure.
 */
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { suiteJsonSchema } from "../../../src/config/json-schema.js";
import { parseSuiteText, validateSuiteObject } from "../../../src/config/load.js";
import { applySets } from "../../../src/config/overrides.js";
import { resolveSuite } from "../../../src/config/resolve.js";
import type { Suite } from "../../../src/config/schema.js";
import { parseThreshold, parseThresholds } from "../../../src/config/thresholds.js";
import { ConfigError, ShakedownError } from "../../../src/errors.js";
import { cpuStopwatch } from "../../helpers/cpu.js";
import { tempDir } from "../../helpers/tmp.js";

/** Longest a single load may take, in CPU time (other processes cannot add to it; a hang or a blow-up is far beyond). */
const BUDGET_MS = 3000;

/** Runs `fn`: its value, or the ConfigError it threw. Anything else it throws fails the property. */
function settle<T>(fn: () => T): { ok: T } | { err: ConfigError } {
  const cpu = cpuStopwatch();
  let out: { ok: T } | { err: ConfigError };
  try {
    out = { ok: fn() };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err).toBeInstanceOf(ShakedownError);
    expect(err.exitCode).toBe(2);
    expect(typeof err.message).toBe("string");
    expect(err.message.trim().length).toBeGreaterThan(0);
    expect(err.message).not.toContain("[object Object]");
    out = { err };
  }
  expect(cpu()).toBeLessThan(BUDGET_MS);
  return out;
}

/** Strings, finite numbers, booleans, null, arrays and plain objects, without cycles. */
function expectPlainData(value: unknown, path = "suite", open = new Set<unknown>()): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    expect(Number.isFinite(value), `${path} is ${value}`).toBe(true);
    return;
  }
  expect(typeof value, path).toBe("object");
  expect(open.has(value), `${path} contains itself`).toBe(false);
  const proto = Object.getPrototypeOf(value) as unknown;
  expect(Array.isArray(value) || proto === Object.prototype || proto === null, `${path} is a ${String((value as object).constructor?.name)}`).toBe(true);
  open.add(value);
  for (const [k, v] of Object.entries(value as object)) expectPlainData(v, `${path}.${k}`, open);
  open.delete(value);
}

/** What every Suite the loader returns must be: plain data that validates again to itself. */
function expectPlainSuite(suite: Suite): void {
  expect(Array.isArray(suite.scenarios)).toBe(true);
  expect(suite.scenarios.length).toBeGreaterThan(0);
  // written to the run folder as JSON, extra_body sent in every request: nothing may be lost
  expectPlainData(suite);
  const json = JSON.stringify(suite);
  expect(JSON.stringify(JSON.parse(json))).toBe(json);
  expect(JSON.stringify(validateSuiteObject(JSON.parse(json), "again"))).toBe(json);
  for (const [i, s] of suite.scenarios.entries()) {
    if (s.thresholds) parseThresholds(s.thresholds, `scenarios[${i}].thresholds`);
  }
}

/** The loader on text: a valid Suite or a ConfigError. */
function load(text: string): { ok: Suite } | { err: ConfigError } {
  const out = settle(() => parseSuiteText(text, "prop.yaml"));
  if ("ok" in out) expectPlainSuite(out.ok);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary read from the suite's JSON Schema, so that random suites reach deep into it

const KEYS = new Set<string>();
const WORDS = new Set<string>();
(function collect(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(collect);
  if (node === null || typeof node !== "object") return;
  const rec = node as Record<string, unknown>;
  if (rec.properties && typeof rec.properties === "object") for (const k of Object.keys(rec.properties)) KEYS.add(k);
  if (Array.isArray(rec.enum)) for (const v of rec.enum) if (typeof v === "string") WORDS.add(v);
  if (typeof rec.const === "string") WORDS.add(rec.const);
  for (const v of Object.values(rec)) collect(v);
})(suiteJsonSchema());
const KINDS = ["conversation", "cache", "reasoning", "tools", "load"].filter((k) => WORDS.has(k));

const keyArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }, {
  weight: 1,
  arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "<<", "", " ", "a.b", "0", "kind "),
});

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.integer({ min: -2, max: 600 }),
  fc.integer(),
  fc.constantFrom(0, 1, 2, 64, 100, 500, 501, 1024, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, 5e-324, 0.5, -0),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.constantFrom(
    "ttft.mean < 4000",
    "success_rate > 95%",
    "degradation.ttft < 20%",
    "ttft.p90 <= 4 s",
    "x < 1e400",
    "ttft.mean < 99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    "http://127.0.0.1:8000/v1",
    "https://user:pw@host/v1?key=sk-abc",
    "ftp://x",
    "VLLM_API_KEY",
    "sk-0123456789abcdef0123456789abcdef",
    "$HOME",
    "auto",
    "seed",
    "yes",
    "~",
    "",
  ),
);

const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(keyArb, tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** A scenario: usually a known kind, with a few random keys from the schema. */
const scenarioArb = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KINDS) }, { weight: 1, arbitrary: fc.constantFrom("bogus", "", "Conversation", undefined) }),
    fc.dictionary(keyArb, valueArb, { maxKeys: 3 }),
    fc.boolean(),
  )
  .map(([kind, extra, plain]) => {
    const s: Record<string, unknown> = plain ? {} : { ...extra };
    if (kind !== undefined) s.kind = kind;
    return s;
  });

/** Random suites, mostly invalid somewhere. */
const wildSuiteArb = fc
  .record(
    {
      name: fc.oneof(fc.constantFrom("nightly", "a.b-c_d", "bad name"), leafArb),
      description: leafArb,
      target: fc.oneof(fc.dictionary(keyArb, valueArb, { maxKeys: 3 }), leafArb, fc.constant({})),
      scenarios: fc.oneof({ weight: 5, arbitrary: fc.array(scenarioArb, { maxLength: 3 }) }, { weight: 1, arbitrary: valueArb }),
      output: fc.oneof(fc.dictionary(keyArb, valueArb, { maxKeys: 2 }), leafArb),
      extra: fc.dictionary(keyArb, valueArb, { maxKeys: 2 }),
    },
    { requiredKeys: ["scenarios"] },
  )
  .map(({ extra, ...known }) => ({ ...extra, ...known }));

/** A valid suite with one key of a scenario, of the target or of the suite set to a random value. */
const tweakedSuiteArb = fc
  .record({
    kinds: fc.uniqueArray(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 3 }),
    name: fc.option(fc.constantFrom("nightly", "a.b-c_d")),
    tweaks: fc.array(fc.tuple(fc.constantFrom("scenario", "target", "suite"), keyArb, valueArb), { maxLength: 2 }),
  })
  .map(({ kinds, name, tweaks }) => {
    const scenarios: Record<string, unknown>[] = kinds.map((kind) => ({ kind }));
    const suite: Record<string, unknown> = { scenarios, target: {} };
    if (name !== null) suite.name = name;
    for (const [where, key, value] of tweaks) {
      const into = where === "scenario" ? scenarios[0]! : where === "target" ? (suite.target as Record<string, unknown>) : suite;
      // an own key even for "__proto__", as YAML writes it
      Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return suite;
  });

const suiteArb = fc.oneof(wildSuiteArb, tweakedSuiteArb);

type Style = "block" | "flow" | "json" | "quoted";
function write(value: unknown, style: Style): string {
  switch (style) {
    case "json":
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 1) ?? "null";
    case "flow":
      return stringify(value, { collectionStyle: "flow" });
    case "quoted":
      return stringify(value, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
    default:
      return stringify(value);
  }
}

/** YAML pieces that stress the parser and the converter to JS. */
const fragment = fc.oneof(
  fc.constantFrom(
    "scenarios:",
    "- kind: conversation",
    "  - kind: load",
    "    turns: 3",
    "kind: tools",
    "name: x",
    "name: y",
    "target:",
    "  url: http://127.0.0.1:1/v1",
    "  extra_body:",
    "    a: 1",
    "&a",
    "*a",
    "&b [1, 2]",
    "*b",
    "<<: *a",
    "<<: [*a, *b]",
    "<<: 5",
    "!!binary AAAA",
    "!!binary |\n  R0lGODlh",
    "!!js/function 'function () { return 1 }'",
    "!!js/undefined ''",
    "!!js/regexp /x/",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1]",
    "!!timestamp 2001-12-14",
    "!!float .inf",
    "!!int 0x1F",
    "!!str",
    "!!map",
    "!!seq",
    "!custom x",
    "!<tag:yaml.org,2002:str> x",
    "%YAML 1.1\n---",
    "%YAML 1.2\n---",
    "%TAG !e! tag:example.com,2000:\n---",
    "---",
    "...",
    "\t",
    "\tkey: value",
    "? [complex, key]\n: value",
    "{",
    "}",
    "[",
    "]",
    ",",
    "|",
    ">-",
    "# comment",
    "'unterminated",
    '"unterminated',
    '"\\x00\\uD800"',
    "1e400",
    "-.inf",
    ".nan",
    "0o17",
    "99999999999999999999999999",
    "~",
    "null",
    "yes",
    "\uFEFF",
    "\0",
    "\u2028",
    "\r",
    "@",
    "`",
    "&a [*a]",
    "&m {self: *m}",
  ),
  fc.string({ maxLength: 8 }),
);
const randomYaml = fc
  .array(fc.tuple(fragment, fc.constantFrom(" ", "\n", "\n  ", "\n    ", ": ", "\n- ", "\r\n", "\t")), { maxLength: 14 })
  .map((parts) => parts.map(([f, sep]) => f + sep).join(""));

/** `levels` levels of `width` aliases each: width^levels nodes once expanded. */
function aliasBomb(levels: number, width: number, where: "top" | "scenarios" | "extra_body"): string {
  const lines = ["a0: &a0 [lol, lol]"];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(", ")}]`);
  const last = `*a${levels}`;
  if (where === "scenarios") lines.push(`scenarios: ${last}`);
  else if (where === "extra_body") lines.push(`target: {extra_body: {x: ${last}}}`, "scenarios: [{kind: conversation}]");
  else lines.push(`scenarios: [{kind: conversation, name: ${last}}]`);
  return lines.join("\n");
}

function deep(n: number, shape: "flow-seq" | "flow-map" | "block-seq" | "block-map" | "alias-chain"): string {
  switch (shape) {
    case "flow-seq":
      return `scenarios: ${"[".repeat(n)}${"]".repeat(n)}`;
    case "flow-map":
      return `target: {extra_body: ${"{a: ".repeat(n)}1${"}".repeat(n)}}\nscenarios: [{kind: conversation}]`;
    case "block-seq":
      return `scenarios:\n${Array.from({ length: n }, (_, i) => `${" ".repeat(i)}- `).join("\n")}x`;
    case "block-map":
      return `target:\n  extra_body:\n${Array.from({ length: n }, (_, i) => `${" ".repeat(4 + i)}k${i}:`).join("\n")} 1\nscenarios: [{kind: conversation}]`;
    case "alias-chain": {
      const lines = ["x0: &x0 {kind: conversation}"];
      for (let i = 1; i <= n; i++) lines.push(`x${i}: &x${i} {next: *x${i - 1}}`);
      return `${lines.join("\n")}\nscenarios: [*x${n}]`;
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe("suite loader properties: a valid Suite or a ConfigError", () => {
  it("random suite-shaped values written as YAML (block, flow, JSON, quoted)", () => {
    let loaded = 0;
    fc.assert(
      fc.property(suiteArb, fc.constantFrom<Style>("block", "flow", "json", "quoted"), (value, style) => {
        if ("ok" in load(write(value, style))) loaded++;
      }),
      { numRuns: 150 },
    );
    // the generator reaches valid suites too, not only errors
    expect(loaded).toBeGreaterThan(0);
  });

  it("random YAML text: fragments, anchors, aliases, merge keys, tags, directives, tabs, control characters", () => {
    fc.assert(
      fc.property(randomYaml, (text) => {
        load(text);
      }),
      { numRuns: 400 },
    );
  });

  it("a valid suite with a random fragment inserted at a random line", () => {
    const base = "name: base\ntarget:\n  model: m\n  extra_body:\n    a: 1\nscenarios:\n  - kind: conversation\n    turns: 3\n  - kind: load\n".split("\n");
    fc.assert(
      fc.property(fc.nat(base.length), fc.array(fragment, { minLength: 1, maxLength: 3 }), fc.constantFrom("", "  ", "    ", "\t"), (at, frags, indent) => {
        const lines = [...base];
        lines.splice(at, 0, ...frags.map((f) => indent + f));
        load(lines.join("\n"));
      }),
      { numRuns: 150 },
    );
  });

  it("arbitrary strings (any unicode, control characters, lone surrogates)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 })), (text) => {
        load(text);
      }),
      { numRuns: 300 },
    );
  });

  it("alias bombs (billion laughs) are refused quickly, wherever the alias lands", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.constantFrom("top" as const, "scenarios" as const, "extra_body" as const), (levels, width, where) => {
        const cpu = cpuStopwatch();
        const out = load(aliasBomb(levels, width, where));
        expect(cpu()).toBeLessThan(BUDGET_MS);
        // more than yaml's maxAliasCount (100) expansions: refused, not expanded
        if (width ** levels > 1000) expect("err" in out).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("deep nesting (flow and block, sequences, mappings, alias chains) is refused or loaded, never overflows the stack", () => {
    // a table rather than random depths: each load of a deep document takes a while
    const depths = { "flow-seq": [3, 900, 5000], "flow-map": [3, 1000, 5000], "block-seq": [3, 1200], "block-map": [3, 1000], "alias-chain": [3, 60, 1000] } as const;
    for (const [shape, ns] of Object.entries(depths) as [Parameters<typeof deep>[1], readonly number[]][]) {
      for (const n of ns) load(deep(n, shape));
    }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.constantFrom("flow-seq" as const, "flow-map" as const, "block-seq" as const, "block-map" as const, "alias-chain" as const), (n, shape) => {
        load(deep(n, shape));
      }),
      { numRuns: 20 },
    );
  });

  it("huge, tiny and special numbers in every numeric field", () => {
    const numbers = fc.constantFrom("1e400", "-1e400", ".inf", "-.inf", ".nan", ".NaN", "1e308", "5e-324", "0x7FFFFFFFFFFFFFFFFFFF", "0o777777777777777777777", "99999999999999999999999", "-0", "+1", "1_000", "0b101", "1.", ".5", "!!int 1e3", "!!float 1");
    const numericKey = fc.constantFrom(...[...KEYS].filter((k) => /turns|iterations|tokens|concurrency|temperature|rate|repetitions|seed|requests|workers|_ms|_s$|interval|burstiness|warmup|max|prefix/.test(k)));
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), numericKey, numbers, fc.boolean(), (kind, key, num, inTarget) => {
        const text = inTarget
          ? `target:\n  ${key}: ${num}\n  timeouts: {total_ms: ${num}}\n  extra_body: {n: ${num}}\nscenarios: [{kind: ${kind}}]`
          : `scenarios:\n  - kind: ${kind}\n    ${key}: ${num}`;
        load(text);
      }),
      { numRuns: 200 },
    );
  });

  /** Values YAML can build and JSON cannot write, where the schema takes any value (extra_body). */
  const yamlOnly = fc.constantFrom(
    "!!binary AAAA",
    "&r [*r]",
    "&r {self: *r}",
    "[&r [x, *r]]",
    ".inf",
    "-.inf",
    ".nan",
    "1e400",
    "[1, 1e400]",
    "{deep: {n: .nan}}",
    "!!js/function 'f'",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2001-12-14",
    "!!binary |\n      R0lGODlh",
    "{__proto__: {polluted: 1}}",
    "&a [x, x]",
  );

  it("extra_body holding what only YAML can express (!!binary, recursive aliases, .inf, 1e400, sets, timestamps)", () => {
    fc.assert(
      fc.property(yamlOnly, fc.boolean(), fc.boolean(), (value, yaml11, flow) => {
        const head = yaml11 ? "%YAML 1.1\n---\n" : "";
        const body = flow ? `target: {extra_body: {k: ${value.replace(/\n\s*/g, " ")}}}` : `target:\n  extra_body:\n    k: ${value}`;
        load(`${head}${body}\nscenarios: [{kind: conversation}]`);
      }),
      { numRuns: 100 },
    );
  });

  it("duplicate keys, tabs, several documents and a BOM are ConfigErrors with a position", () => {
    for (const text of ["scenarios: []\nscenarios: []", "scenarios:\n\t- kind: load", "scenarios: [{kind: load}]\n---\nname: x", "\uFEFFscenarios: [{kind: load}]\nname: x\nname: y"]) {
      const out = load(text);
      expect("err" in out).toBe(true);
      if ("err" in out) expect(out.err.message).toMatch(/^prop\.yaml:\d+:\d+: /);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// --set and --scenario through resolveSuite, and applySets on random raw values

const dir = tempDir("shakedown-loader-prop-");
const suiteFile = join(dir, "suite.yaml");
writeFileSync(
  suiteFile,
  [
    "name: props",
    "target:",
    "  url: http://127.0.0.1:8000/v1",
    "  model: m",
    "  extra_body: {chat_template_kwargs: {enable_thinking: false}}",
    "scenarios:",
    "  - kind: conversation",
    "    name: short",
    "    turns: 5",
    "    windows: [[1, 2], [3, 5]]",
    "  - kind: conversation",
    "    name: long",
    "  - kind: load",
    "    thresholds: ['success_rate > 99%']",
    "output:",
    "  dir: runs/props",
    "",
  ].join("\n"),
);

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...KINDS, "short", "long", "scenarios", "target", "output", "timeouts", "extra_body", "sim", "windows", "0", "1", "2", "3", "99", "007", "99999999999999999999") },
  { weight: 1, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", " ", " x", "-1", "1.5", "=", "\u0000", "ö") },
  { weight: 1, arbitrary: fc.string({ maxLength: 5 }) },
);
const setValue = fc.oneof(
  fc.constantFrom(
    "5",
    "0",
    "-1",
    "1e400",
    ".inf",
    "null",
    "~",
    "true",
    '""',
    "''",
    "[1, 2]",
    "[[1, 2], [3, 4]]",
    "{a: 1}",
    "{__proto__: {polluted: 1}}",
    "{a: &x [*x]}",
    "&x [*x]",
    "&a [lol, lol]",
    "[&a [x, x], *a, *a]",
    "!!binary AAAA",
    "!!js/function 'f'",
    "!!set {a}",
    "{",
    "[",
    "a: b",
    "- x",
    "x\n- y",
    "'quoted",
    "ttft.mean < 4000",
    '["ttft.mean < 4000"]',
    "http://127.0.0.1:1/v1",
    "%YAML 1.1\n---\n!!timestamp 2001-12-14",
    "--- 1\n--- 2",
    "\t",
    " ",
  ),
  valueArb.map((v) => (v === undefined ? "~" : stringify(v, { collectionStyle: "flow" }).trim())),
  fc.string({ maxLength: 10 }),
);
const setArb = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), setValue).map(([path, value]) => `${path.join(".")}=${value}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

describe("--set, --scenario and flags properties: a valid Suite or a ConfigError", () => {
  it("random --set assignments (and --scenario) on a suite file", () => {
    let loaded = 0;
    fc.assert(
      fc.property(
        fc.array(setArb, { maxLength: 4 }),
        fc.option(fc.constantFrom(...KINDS, "short", "long", "nope", ""), { nil: undefined }),
        fc.option(fc.record({ url: fc.constantFrom("http://127.0.0.1:9/v1", "not a url"), model: fc.constantFrom("m2", "") }), { nil: undefined }),
        (sets, scenario, target) => {
          const before = JSON.stringify(Object.prototype);
          const out = settle(() => resolveSuite({ file: suiteFile, sets, ...(scenario !== undefined ? { scenario } : {}), ...(target ? { target } : {}) }));
          if ("ok" in out) {
            loaded++;
            expectPlainSuite(out.ok);
          }
          // no assignment reaches Object.prototype
          expect(JSON.stringify(Object.prototype)).toBe(before);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        },
      ),
      { numRuns: 150 },
    );
    expect(loaded).toBeGreaterThan(0);
  });

  it("--set target.extra_body= with what only YAML can express", () => {
    fc.assert(
      fc.property(setValue, (value) => {
        const out = settle(() => resolveSuite({ file: suiteFile, sets: [`target.extra_body.k=${value}`] }));
        if ("ok" in out) expectPlainSuite(out.ok);
      }),
      { numRuns: 60 },
    );
  });

  it("applySets on random raw values never throws anything but a ConfigError, and never changes its input", () => {
    fc.assert(
      fc.property(fc.oneof(suiteArb, valueArb), fc.array(setArb, { maxLength: 3 }), (raw, sets) => {
        const copy = structuredClone(raw);
        settle(() => applySets(raw, sets));
        expect(raw).toEqual(copy);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("threshold properties", () => {
  const thresholdish = fc.oneof(
    fc.tuple(
      fc.oneof(fc.constantFrom("ttft.mean", "success_rate", "degradation.ttft", "a", "_", "a.", "a..b", ".a", "A", "ttft.p99.9"), fc.stringMatching(/^[a-z_.0-9]{0,12}$/)),
      fc.constantFrom("<", "<=", ">", ">=", "=", "==", "=<", "!=", ""),
      fc.oneof(fc.constantFrom("0", "-0", "1", "4000", "0.5", "-10", "1.", ".5", "1e3", "9".repeat(400), `0.${"9".repeat(400)}`, "1".repeat(309), "NaN", "Infinity"), fc.double().map(String), fc.integer().map(String)),
      fc.constantFrom("", "%", "ms", "s", "tok/s", " %", " s", "m", "%%", "tok"),
      fc.constantFrom("", " ", "  ", "\t", "\n", "\u00a0"),
    ).map(([m, op, n, u, ws]) => `${ws}${m}${ws}${op}${ws}${n}${u}${ws}`),
    fc.string({ maxLength: 30 }),
  );

  it("parseThreshold: a finite threshold that reads back the same, or a ConfigError", () => {
    fc.assert(
      fc.property(thresholdish, (s) => {
        const out = settle(() => parseThreshold(s));
        if ("ok" in out) {
          const t = out.ok;
          expect(Number.isFinite(t.value)).toBe(true);
          expect(["<", "<=", ">", ">="]).toContain(t.op);
          expect(t.metric.length).toBeGreaterThan(0);
          expect(t.source).toBe(s.trim());
          expect(JSON.stringify(JSON.parse(JSON.stringify(t)))).toBe(JSON.stringify(t));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("parseThresholds prefixes the place to the message of every bad threshold", () => {
    fc.assert(
      fc.property(fc.array(thresholdish, { maxLength: 4 }), (list) => {
        const out = settle(() => parseThresholds(list, "prop.yaml: scenarios[0].thresholds"));
        if ("err" in out) expect(out.err.message.startsWith("prop.yaml: scenarios[0].thresholds: ")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("a threshold the suite schema accepts is one parseThreshold accepts", () => {
    fc.assert(
      fc.property(thresholdish, (s) => {
        const out = settle(() => parseSuiteText(`scenarios:\n  - kind: conversation\n    thresholds: [${JSON.stringify(s)}]`, "prop.yaml"));
        if ("ok" in out) expectPlainSuite(out.ok);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Bugs the properties found, each pinned by name

describe("suite loader regressions found by the properties", () => {
  const err = (text: string): ConfigError => {
    const out = load(text);
    if (!("err" in out)) throw new Error("expected a ConfigError");
    return out.err;
  };

  it("regression: a block mapping nested a few thousand deep is a ConfigError (was a RangeError out of yaml's parser)", () => {
    expect(err(deep(2500, "block-map")).message).toBe("prop.yaml: YAML error: nested too deeply (thousands of levels) to be read");
  });

  it("regression: extra_body holding !!binary, a recursive alias, .inf or a YAML 1.1 set is refused with its position (was a Suite JSON cannot write)", () => {
    expect(err("target:\n  extra_body:\n    k: !!binary AAAA\nscenarios: [{kind: conversation}]").message).toBe(
      "prop.yaml:3:17: target.extra_body.k: binary data (!!binary) cannot be sent as JSON; write text, numbers, true/false, lists or mappings",
    );
    expect(err("target:\n  extra_body: &r {self: *r}\nscenarios: [{kind: conversation}]").message).toMatch(
      // (zod copies extra_body, so the loop closes one step further, at the alias itself)
      /^prop\.yaml:2:25: target\.extra_body\.self(\.self)?: an alias inside its own anchor/,
    );
    expect(err("target: {extra_body: {a: [1, .inf], b: 1e400}}\nscenarios: [{kind: conversation}]").message).toBe(
      "prop.yaml:1:30: target.extra_body.a[1]: Infinity cannot be sent as JSON; write a finite number\n" +
        "prop.yaml:1:40: target.extra_body.b: Infinity cannot be sent as JSON; write a finite number",
    );
    expect(err("%YAML 1.1\n---\ntarget: {extra_body: {s: !!set {a}}}\nscenarios: [{kind: conversation}]").message).toMatch(/extra_body\.s: a Set value cannot be sent as JSON/);
    // through --set too, located at the flag
    const viaSet = settle(() => resolveSuite({ file: suiteFile, sets: ["target.extra_body.k=&x [*x]"] }));
    expect("err" in viaSet && viaSet.err.message).toMatch(/^--set target\.extra_body\.k=&x \[\*x\]: target\.extra_body\.k\[0\]: an alias inside its own anchor/);
  });

  it("regression: a threshold value of 400 digits is refused (was parsed as Infinity)", () => {
    expect(() => parseThreshold(`ttft.mean < ${"9".repeat(400)}`)).toThrow(/the value is too large; write a finite number/);
    expect(() => parseThreshold(`ttft.p90 < ${"9".repeat(306)} s`)).toThrow(ConfigError);
    expect(parseThreshold(`ttft.mean < ${"9".repeat(300)}`).value).toBe(1e300);
  });

  it("regression: a threshold the schema's pattern accepts but parseThreshold refuses is reported at its place when the suite loads (was at plan time, without a position)", () => {
    expect(err('scenarios:\n  - kind: conversation\n    thresholds: ["a..b < 1", "ttft.mean < 4000", "x. < 2"]').message).toBe(
      'prop.yaml:3:18: scenarios[0].thresholds[0]: bad threshold "a..b < 1": metric name "a..b" has an empty part\n' +
        'prop.yaml:3:50: scenarios[0].thresholds[2]: bad threshold "x. < 2": metric name "x." has an empty part',
    );
    expect(err(`scenarios: [{kind: load, thresholds: ["success_rate > ${"9".repeat(400)}%"]}]`).message).toMatch(
      /^prop\.yaml:1:39: scenarios\[0\]\.thresholds\[0\]: bad threshold .* the value is too large; write a finite number$/,
    );
  });

  it("regression: a mapping of 12 000 keys with a duplicate is refused in linear time (yaml's own uniqueKeys check is quadratic: about 9 s)", () => {
    const text = `${Array.from({ length: 12_000 }, (_, i) => `k${i}: ${i}`).join("\n")}\nk5: again\nscenarios: [{kind: conversation}]`;
    const cpu = cpuStopwatch();
    expect(err(text).message).toBe("prop.yaml:12001:1: YAML syntax error: Map keys must be unique (each key may appear once in a mapping)");
    expect(cpu()).toBeLessThan(BUDGET_MS);
  });

  it("regression: more than 10 000 anchors and aliases are refused before any is resolved (resolving them is quadratic)", () => {
    const text = `${Array.from({ length: 6000 }, (_, i) => `k${i}: &a${i} [*a${Math.max(0, i - 1)}]`).join("\n").replace("[*a0]", "[x]")}\nscenarios: [{kind: conversation}]`;
    expect(err(text).message).toMatch(/^prop\.yaml: 1\d{4} YAML anchors and aliases \(&name, \*name\), more than 10000; a suite needs a handful/);
  });
});
