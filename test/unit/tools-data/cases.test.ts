/**
 * The built-in tool cases (suites/tools/*.yaml) against the built-in tools and the
 * simulator's scripted tool calls (suites/sim/tool-answers.yaml): every pack validates, every
 * expected call is possible under its tool's schema, every case has a bank entry naming it
 * alone, and the bank's correct variant, fed the executors' real results, makes exactly the
 * expected calls turn by turn and ends with a final answer holding the case's terms. Every
 * wrong variant goes wrong somewhere. A correct variant that fails here is a data bug, never
 * a reason to loosen this test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { gradeText, textCriterionSchema } from "../../../src/grading/index.js";
import { toolPackSchema, type ArgMatcher, type ExpectedCall, type ToolCase } from "../../../src/scenarios/tools/case.js";
import { builtinTools, resolveToolSpecs } from "../../../src/scenarios/tools/executors.js";
import { BUILTIN_TOOL_PACKS_DIR, builtinToolPackNames, loadToolPacks } from "../../../src/scenarios/tools/packs.js";
import { loadToolAnswerBank, type ToolEntry } from "../../../src/sim/tools.js";
import type { WireTool } from "../../../src/wire/openai.js";
import { play } from "./play.js";

const packs = loadToolPacks("all");
const cases = packs.flatMap((p) => p.cases);
const tools = builtinTools();
const bank = loadToolAnswerBank();
const entryOf = new Map(bank.cases.map((e) => [e.case, e]));
const ajv = new Ajv({ strict: true, allErrors: true });

// ---------------------------------------------------------------- a small matcher (the checkers' rules, enough for our data)

const foldStr = (s: string): string => s.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase().replace(/\s+/g, " ").trim();

function sameLiteral(expected: string | number | boolean, actual: unknown): boolean {
  if (typeof expected === "number") {
    const a = typeof actual === "string" && actual.trim() !== "" ? Number(actual) : actual;
    return typeof a === "number" && Math.abs(a - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  if (typeof expected === "boolean") return actual === expected || actual === String(expected);
  return (typeof actual === "string" || typeof actual === "number") && foldStr(String(actual)) === foldStr(expected);
}

function matchArg(m: ArgMatcher, present: boolean, actual: unknown): string | undefined {
  if (typeof m !== "object") return present && sameLiteral(m, actual) ? undefined : `expected ${JSON.stringify(m)}, got ${JSON.stringify(actual)}`;
  if (m.absent) return present ? `must be absent, got ${JSON.stringify(actual)}` : undefined;
  if (!present) return m.optional ? undefined : "missing";
  if (m.value !== undefined) {
    const ok = typeof m.value === "number" && m.tolerance !== undefined ? typeof actual === "number" && Math.abs(actual - m.value) <= m.tolerance : sameLiteral(m.value, actual);
    if (!ok) return `expected ${JSON.stringify(m.value)}, got ${JSON.stringify(actual)}`;
  }
  if (m.any && !m.any.some((v) => sameLiteral(v, actual))) return `expected one of ${JSON.stringify(m.any)}, got ${JSON.stringify(actual)}`;
  if (m.contains) {
    const text = typeof actual === "string" ? foldStr(actual) : "";
    const missing = m.contains.filter((t) => !(Array.isArray(t) ? t : [t]).some((alt) => text.includes(foldStr(alt))));
    if (missing.length > 0) return `must contain ${JSON.stringify(missing)}, got ${JSON.stringify(actual)}`;
  }
  return undefined;
}

/** Why a made call does not match an expected one (undefined = it matches). Extra arguments do not match. */
function mismatch(expected: ExpectedCall, name: string, args: Record<string, unknown>): string | undefined {
  if (expected.name !== name) return `function ${name}, expected ${expected.name}`;
  const problems: string[] = [];
  for (const [k, m] of Object.entries(expected.arguments)) {
    const why = matchArg(m, Object.hasOwn(args, k), args[k]);
    if (why) problems.push(`${k}: ${why}`);
  }
  for (const k of Object.keys(args)) if (!Object.hasOwn(expected.arguments, k)) problems.push(`${k}: unexpected argument`);
  return problems.length > 0 ? `${name}: ${problems.join("; ")}` : undefined;
}

/** Matches a turn's calls to a step's expected calls in any order (small: try every pairing). */
function stepMismatch(expected: ExpectedCall[], made: { name: string; args: Record<string, unknown> }[]): string | undefined {
  if (expected.length !== made.length) return `${made.length} call(s) (${made.map((c) => c.name).join(", ")}), expected ${expected.length}`;
  const used = new Set<number>();
  const assign = (i: number): boolean => {
    if (i === expected.length) return true;
    for (let j = 0; j < made.length; j++) {
      const c = made[j]!;
      if (used.has(j) || mismatch(expected[i]!, c.name, c.args)) continue;
      used.add(j);
      if (assign(i + 1)) return true;
      used.delete(j);
    }
    return false;
  };
  if (assign(0)) return undefined;
  return expected.map((e, i) => mismatch(e, made[i]!.name, made[i]!.args) ?? "").filter((s) => s).join(" | ") || "no pairing matches";
}

function answerHas(terms: ToolCase["final_answer"], answer: string): { pass: boolean; reason: string } {
  if (!terms || terms.length === 0) return { pass: true, reason: "no terms" };
  const r = gradeText(textCriterionSchema.parse({ id: "final", grader: "text", all: terms }), answer);
  return { pass: r.pass, reason: r.reason };
}

// The loop, as the scenario runs it: play.ts.

function seeds(e: ToolEntry): number[] {
  return e.variants.map((_, i) => i);
}

// ---------------------------------------------------------------- the tests

describe("built-in tool definitions (suites/tools/tools.yaml)", () => {
  it("are OpenAI tools whose parameters are valid JSON Schemas (ajv strict)", () => {
    expect(Object.keys(tools).length).toBeGreaterThanOrEqual(7);
    for (const [name, t] of Object.entries(tools)) {
      expect(t.type).toBe("function");
      expect(t.function.name).toBe(name);
      expect(t.function.description?.length, name).toBeGreaterThan(10);
      const params = t.function.parameters!;
      expect(params.type, name).toBe("object");
      expect(() => ajv.compile(params), name).not.toThrow();
      const props = Object.keys(params.properties as object);
      for (const r of params.required as string[]) expect(props, `${name} requires ${r}`).toContain(r);
    }
  });
});

describe("built-in tool cases (suites/tools/*.yaml)", () => {
  it("validate with toolPackSchema, file by file", () => {
    for (const name of builtinToolPackNames()) {
      const raw: unknown = parse(readFileSync(join(BUILTIN_TOOL_PACKS_DIR, `${name}.yaml`), "utf8"));
      const r = toolPackSchema.safeParse(raw);
      expect(r.success, `${name}: ${r.success ? "" : JSON.stringify(r.error.issues.slice(0, 3))}`).toBe(true);
    }
  });

  it("have unique ids, at least 12 cases, both languages and every category", () => {
    const ids = cases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(cases.length).toBeGreaterThanOrEqual(12);
    expect(new Set(cases.map((c) => c.language))).toEqual(new Set(["en", "fr"]));
    expect(new Set(cases.map((c) => c.category))).toEqual(
      new Set(["simple", "multi_tool", "compositional", "irrelevance", "parallel", "required_arg", "agent_loop"]),
    );
  });

  it("include the seed's three scenarios, parallel calls and a five-turn agent loop", () => {
    const weather = cases.filter((c) => c.category === "simple" && c.steps[0]?.[0]?.name === "get_weather");
    expect(weather.length).toBeGreaterThan(0);
    const multi = cases.filter((c) => c.category === "multi_tool");
    expect(multi.every((c) => new Set(c.steps.flat().map((s) => s.name)).size >= 2)).toBe(true);
    const search = cases.filter((c) => c.category === "compositional");
    expect(search.every((c) => c.steps.map((s) => s[0]?.name).join(">") === "search_documents>get_document")).toBe(true);
    expect(cases.filter((c) => c.category === "parallel").every((c) => (c.steps[0]?.length ?? 0) >= 2)).toBe(true);
    // Four tool turns and the answer: five assistant turns.
    expect(cases.filter((c) => c.category === "agent_loop").every((c) => c.steps.length === 4 && c.max_steps >= 5)).toBe(true);
  });

  it("expect no call exactly where no call is right (irrelevance, missing required argument)", () => {
    for (const c of cases) {
      const none = c.category === "irrelevance" || c.category === "required_arg";
      expect(c.steps.length === 0, c.id).toBe(none);
      if (none) expect(c.final_answer?.length ?? 0, `${c.id} says what the answer must hold`).toBeGreaterThan(0);
    }
  });

  it("name only tools that exist; every expected call names an offered tool", () => {
    for (const c of cases) {
      const offered = resolveToolSpecs(c.tools).map((t) => t.function.name);
      for (const call of c.steps.flat()) expect(offered, `${c.id}: ${call.name}`).toContain(call.name);
    }
  });

  it("expect arguments the tool's schema allows (required present, enums respected, nothing unknown)", () => {
    for (const c of cases) {
      const offered = new Map(resolveToolSpecs(c.tools).map((t): [string, WireTool] => [t.function.name, t]));
      for (const call of c.steps.flat()) {
        const schema = offered.get(call.name)!.function.parameters!;
        const validate = ajv.compile(schema);
        // One concrete value per matcher: the literal, `value`, the first of `any`, the `contains` terms.
        const args: Record<string, unknown> = {};
        for (const [k, m] of Object.entries(call.arguments)) {
          if (typeof m !== "object") args[k] = m;
          else if (m.absent) continue;
          else if (m.value !== undefined) args[k] = m.value;
          else if (m.any) args[k] = m.any[0];
          else if (m.contains) args[k] = m.contains.map((t) => (Array.isArray(t) ? t[0] : t)).join(" ");
          else if (!m.optional) throw new Error(`${c.id}: ${call.name}.${k} says nothing`);
        }
        expect(validate(args), `${c.id}: ${call.name}(${JSON.stringify(args)}): ${ajv.errorsText(validate.errors)}`).toBe(true);
        for (const [k, m] of Object.entries(call.arguments)) {
          expect(Object.keys(schema.properties as object), `${c.id}: ${call.name} has no argument ${k}`).toContain(k);
          if (typeof m === "object" && m.any) {
            for (const v of m.any) expect(validate({ ...args, [k]: v }), `${c.id}: ${call.name}.${k} = ${JSON.stringify(v)}`).toBe(true);
          }
        }
      }
    }
  });

  it("have final_answer terms that the prompt does not already give", () => {
    for (const c of cases) {
      for (const term of c.final_answer ?? []) {
        if (typeof term === "string" && term.startsWith("/")) continue; // a pattern (ticket ids)
        expect(answerHas([term], c.prompt).pass, `${c.id}: ${JSON.stringify(term)} is in the prompt`).toBe(false);
      }
    }
  });
});

describe("the simulator's scripted tool calls (suites/sim/tool-answers.yaml)", () => {
  it("has an entry for every built-in case, and only for those", () => {
    const ids = new Set(cases.map((c) => c.id));
    expect(cases.filter((c) => !entryOf.has(c.id)).map((c) => c.id)).toEqual([]);
    expect(bank.cases.filter((e) => !ids.has(e.case)).map((e) => e.case)).toEqual([]);
  });

  it("each match string occurs in exactly one case's prompt: its own", () => {
    for (const e of bank.cases) {
      expect(cases.filter((c) => c.prompt.includes(e.match)).map((c) => c.id), `match "${e.match}"`).toEqual([e.case]);
    }
  });

  it("starts every case with its correct variant and has wrong ones of every flaw across the bank", () => {
    for (const e of bank.cases) expect(e.variants[0]?.kind, e.case).toBe("correct");
    const flaws = new Set(bank.cases.flatMap((e) => e.variants.flatMap((v) => (v.flaw ? [v.flaw] : []))));
    for (const f of ["wrong_argument", "wrong_function", "missing_call", "extra_call", "unwanted_call"]) expect(flaws, f).toContain(f);
    expect(bank.cases.every((e) => e.variants.length >= 2), "every case has a wrong variant").toBe(true);
  });

  it("only calls offered tools, in every variant", () => {
    for (const e of bank.cases) {
      const c = cases.find((x) => x.id === e.case)!;
      const offered = resolveToolSpecs(c.tools).map((t) => t.function.name);
      for (const v of e.variants) for (const t of v.turns) if ("calls" in t) for (const call of t.calls) expect(offered, `${e.case}: ${call.name}`).toContain(call.name);
    }
  });

  for (const c of cases) {
    it(`${c.id}: the correct variant makes the expected calls, turn by turn, and answers with the final_answer terms`, () => {
      const played = play(c, 0);
      expect(played.turns.length, `${c.id}: turns ${JSON.stringify(played.turns)}`).toBe(c.steps.length);
      c.steps.forEach((step, i) => {
        expect(stepMismatch(step, played.turns[i]!), `${c.id} step ${i + 1}`).toBeUndefined();
      });
      const a = answerHas(c.final_answer, played.answer);
      expect(a.pass, `${c.id}: ${a.reason}\n${played.answer}`).toBe(true);
      expect(played.answer, "no value left unfilled").not.toMatch(/\{r\d/);
    });
  }

  it("every wrong variant goes wrong: a call that does not match, or an answer without the terms", () => {
    for (const c of cases) {
      const e = entryOf.get(c.id)!;
      for (const seed of seeds(e).slice(1)) {
        const played = play(c, seed);
        const callsWrong =
          played.turns.length !== c.steps.length || c.steps.some((step, i) => stepMismatch(step, played.turns[i]!) !== undefined);
        const answerWrong = !answerHas(c.final_answer, played.answer).pass;
        expect(callsWrong || answerWrong, `${c.id} variant ${seed} (${e.variants[seed]!.flaw}) passes`).toBe(true);
        if (e.variants[seed]!.flaw !== "ignores_results") expect(callsWrong, `${c.id} variant ${seed}: the calls are wrong`).toBe(true);
      }
    }
  });
});
