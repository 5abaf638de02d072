import { describe, expect, it } from "vitest";
import {
  PARSER_FIX,
  checkFinalAnswer,
  checkJson,
  checkSchema,
  checkStreamConsistency,
  checkStructured,
} from "../../../../src/grading/tools/index.js";
import type { MadeCall } from "../../../../src/grading/tools/types.js";
import type { WireTool } from "../../../../src/wire/openai.js";

const call = (name: string, args: Record<string, unknown> | string): MadeCall => ({ name, arguments: typeof args === "string" ? args : JSON.stringify(args) });

const WEATHER: WireTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string" },
        days: { type: "integer", minimum: 1 },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
        location: { type: "object", properties: { lat: { type: "number" }, lon: { type: "number" } }, required: ["lat", "lon"] },
      },
      required: ["city"],
    },
  },
};
const TIME: WireTool = { type: "function", function: { name: "get_time" } };
const TIME_EMPTY_SCHEMA: WireTool = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } };
const TOOLS = [WEATHER, TIME];

describe("checkStructured", () => {
  const leaked = '<think>\nI should call the tool.\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>';
  it("fails when a call leaked into the content, names the fix, and quotes the leak", () => {
    const r = checkStructured([], leaked, true);
    expect(r.check).toBe("structured_calls");
    expect(r.pass).toBe(false);
    expect(r.reason).toContain(PARSER_FIX);
    expect(r.reason).toContain("the server's tool-call parser did not parse this; check --tool-call-parser (e.g. hermes for Qwen3) and --enable-auto-tool-choice");
    expect(r.reason).toMatch(/^1 tool call\(s\) leaked into the content as text \(hermes <tool_call> text ×1\)/);
    expect(r.evidence).toHaveLength(1);
    expect(r.evidence[0]).toMatch(/^content \d+-\d+ \(hermes, get_weather\): <tool_call>/);
  });
  it("passes with structured calls and clean content", () => {
    const r = checkStructured([call("get_weather", { city: "Paris" })], "", true);
    expect(r).toMatchObject({ pass: true, reason: "1 structured call(s) (get_weather); nothing call-like in the content", evidence: [] });
  });
  it("a model that answered in text without a call passes here (call_match judges it)", () => {
    const r = checkStructured([], "It is sunny in Paris today.", true);
    expect(r.pass).toBe(true);
    expect(r.reason).toMatch(/call_match/);
  });
  it("no call expected, none made, none leaked: passes", () => {
    expect(checkStructured([], "The capital of France is Paris.", false).pass).toBe(true);
  });
  it("no call expected but one leaked: fails, and says the model called a tool it should not have", () => {
    const r = checkStructured([], leaked, false);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/should not have/);
  });
  it("some calls structured and another leaked: still a parser failure", () => {
    const r = checkStructured([call("get_weather", { city: "Paris" })], '{"name": "get_weather", "arguments": {"city": "Lyon"}}', true);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/1 other call\(s\) did come back structured \(get_weather\)/);
  });
  it("gives the parser for the format: <function=…> is qwen3_coder / llama3_json", () => {
    const r = checkStructured([], "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>", true);
    expect(r.pass).toBe(false);
    expect(r.reason).toContain(PARSER_FIX);
    expect(r.reason).toMatch(/qwen3_coder/);
  });
  it("with the reasoning: a call left in the reasoning when one was due is a parser failure", () => {
    const reasoning = "The user wants the weather.\n<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>";
    const r = checkStructured([], "", true, { reasoning });
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/stayed in the reasoning/);
    expect(r.evidence[0]).toMatch(/^reasoning /);
  });
  it("with the reasoning: JSON the model wrote while thinking is not a leak", () => {
    const reasoning = 'I could call {"name": "get_weather", "arguments": {"city": "Paris"}} but the user asked for the time.';
    expect(checkStructured([], "It is 10:00.", true, { reasoning }).pass).toBe(true);
  });
  it("prose that mentions tool_call is not a leak", () => {
    expect(checkStructured([], "Servers return a `tool_calls` array; Qwen wraps each call in `<tool_call>` tags.", true).pass).toBe(true);
  });
});

describe("checkJson", () => {
  it("passes when every call has a JSON object", () => {
    expect(checkJson([call("get_weather", { city: "Paris" }), call("get_weather", '{ "city" : "Lyon" }')])).toMatchObject({ check: "json_valid", pass: true });
  });
  it("fails on arguments cut short, and names the call", () => {
    const r = checkJson([call("get_weather", { city: "Paris" }), call("get_weather", '{"city": "Ly')]);
    expect(r.pass).toBe(false);
    expect(r.reason).toBe("1 of 2 call(s) have arguments that are not a JSON object");
    expect(r.evidence[0]).toMatch(/^#2 get_weather: arguments are not valid JSON \(.+\): \{"city": "Ly$/);
  });
  it("fails on JSON that is not an object", () => {
    expect(checkJson([call("f", "[1, 2]")]).evidence[0]).toMatch(/JSON but not an object \(array\)/);
    expect(checkJson([call("f", "null")]).evidence[0]).toMatch(/\(null\)/);
    expect(checkJson([call("f", '"Paris"')]).evidence[0]).toMatch(/\(string\)/);
  });
  it("fails on double-encoded arguments", () => {
    const r = checkJson([call("get_weather", JSON.stringify(JSON.stringify({ city: "Paris" })))]);
    expect(r.pass).toBe(false);
    expect(r.evidence[0]).toMatch(/double-encoded/);
  });
  it('"" reads as {}: without the tools it passes and says it holds only for a tool without parameters', () => {
    const r = checkJson([call("get_time", "")]);
    expect(r.pass).toBe(true);
    expect(r.evidence[0]).toMatch(/empty arguments read as \{\} \(acceptable only for a tool without parameters/);
  });
  it('"" with the tools: passes for a tool without parameters, fails for a tool with some', () => {
    expect(checkJson([call("get_time", "")], TOOLS).pass).toBe(true);
    expect(checkJson([call("get_time", "")], [TIME_EMPTY_SCHEMA]).pass).toBe(true);
    const r = checkJson([call("get_weather", "")], TOOLS);
    expect(r.pass).toBe(false);
    expect(r.evidence[0]).toMatch(/empty arguments, but the tool has parameters/);
  });
  it("no calls: nothing to check", () => {
    expect(checkJson([]).pass).toBe(true);
  });
});

describe("checkSchema", () => {
  it("passes valid calls", () => {
    const r = checkSchema([call("get_weather", { city: "Paris", days: 3, unit: "celsius" }), call("get_time", "")], TOOLS);
    expect(r).toMatchObject({ check: "schema_valid", pass: true, evidence: [] });
  });
  it("an unknown function, with what was offered", () => {
    const r = checkSchema([call("get_wether", { city: "Paris" })], TOOLS);
    expect(r.pass).toBe(false);
    expect(r.evidence[0]).toBe("#1 get_wether: unknown function 'get_wether' (offered: get_weather, get_time)");
  });
  it("a name differing only in case gets a hint", () => {
    expect(checkSchema([call("Get_Weather", { city: "Paris" })], TOOLS).evidence[0]).toMatch(/did it mean 'get_weather'\?/);
  });
  it("missing required argument", () => {
    expect(checkSchema([call("get_weather", { days: 2 })], TOOLS).evidence[0]).toMatch(/^#1 get_weather: missing required argument 'city'/);
  });
  it("wrong type names the argument and the value (strict: \"3\" is not an integer here)", () => {
    const r = checkSchema([call("get_weather", { city: "Paris", days: "3" })], TOOLS);
    expect(r.pass).toBe(false);
    expect(r.evidence[0]).toMatch(/argument 'days' must be integer, got "3" \(string\)/);
  });
  it("a value outside the enum", () => {
    expect(checkSchema([call("get_weather", { city: "Paris", unit: "kelvin" })], TOOLS).evidence[0]).toMatch(
      /argument 'unit' must be one of "celsius", "fahrenheit"; got "kelvin"/,
    );
  });
  it("an argument the tool does not declare", () => {
    expect(checkSchema([call("get_weather", { city: "Paris", country: "FR" })], TOOLS).evidence[0]).toMatch(
      /unexpected argument 'country' \(the tool declares: city, days, unit, location\)/,
    );
  });
  it("arguments for a tool that takes none", () => {
    expect(checkSchema([call("get_time", { tz: "UTC" })], TOOLS).evidence[0]).toMatch(/unexpected argument 'tz'/);
  });
  it("nested errors give the path", () => {
    const r = checkSchema([call("get_weather", { city: "Paris", location: { lat: "48.8" } })], TOOLS);
    expect(r.evidence[0]).toMatch(/missing required argument 'location\.lon'/);
    expect(r.evidence[0]).toMatch(/argument 'location\.lat' must be number, got "48\.8" \(string\)/);
  });
  it("other constraints (minimum) in Ajv's words, with the value", () => {
    expect(checkSchema([call("get_weather", { city: "Paris", days: 0 })], TOOLS).evidence[0]).toMatch(/argument 'days' must be >= 1 \(got 0\)/);
  });
  it("arguments that are not JSON fail, pointing to json_valid", () => {
    expect(checkSchema([call("get_weather", '{"city": ')], TOOLS).evidence[0]).toMatch(/not checked, the arguments are not valid JSON .* \(see json_valid\)/);
  });
  it("counts the bad calls among all", () => {
    const r = checkSchema([call("get_weather", { city: "Paris" }), call("get_weather", {}), call("nope", {})], TOOLS);
    expect(r.reason).toBe("2 of 3 call(s) do not match the tool's schema");
    expect(r.evidence).toHaveLength(2);
  });
  it("additionalProperties: true keeps extra arguments allowed", () => {
    const open: WireTool = { type: "function", function: { name: "log", parameters: { type: "object", properties: { msg: { type: "string" } }, additionalProperties: true } } };
    expect(checkSchema([call("log", { msg: "x", level: "info" })], [open]).pass).toBe(true);
  });
  it("BFCL-style type names (dict, float) are understood", () => {
    const bfcl: WireTool = {
      type: "function",
      function: { name: "area", parameters: { type: "dict", properties: { base: { type: "float" }, unit: { type: "string" } }, required: ["base"] } },
    };
    expect(checkSchema([call("area", { base: 10 })], [bfcl]).pass).toBe(true);
    expect(checkSchema([call("area", { base: "ten" })], [bfcl]).evidence[0]).toMatch(/'base' must be number/);
  });
  it("a $schema keyword does not stop compilation", () => {
    const t: WireTool = { type: "function", function: { name: "f", parameters: { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { a: { type: "integer" } } } } };
    expect(checkSchema([call("f", { a: 1 })], [t]).pass).toBe(true);
  });
  it("a schema that does not compile is reported as the case's error", () => {
    const bad: WireTool = { type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "integr" } } } } };
    const r = checkSchema([call("f", { a: 1 })], [bad]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/fix the case/);
    expect(r.evidence[0]).toMatch(/a case error, not the model's/);
  });
  it("the same schema checked many times gives the same answers (compiled once, cached)", () => {
    for (let i = 0; i < 300; i++) {
      const tool: WireTool = { type: "function", function: { name: "f", parameters: { type: "object", properties: { [`a${i % 5}`]: { type: "integer" } } } } };
      expect(checkSchema([call("f", { [`a${i % 5}`]: i })], [tool]).pass).toBe(true);
      expect(checkSchema([call("f", { [`a${i % 5}`]: "x" })], [tool]).pass).toBe(false);
    }
  });
});

describe("checkFinalAnswer", () => {
  it("passes when every term appears, folded, with synonyms; evidence quotes the spans", () => {
    const answer = "À Paris il fait 18 °C, ENSOLEILLÉ toute la journée.";
    const r = checkFinalAnswer(answer, ["18", ["ensoleillé", "sunny"], "paris"]);
    expect(r).toMatchObject({ check: "final_answer", pass: true, reason: "the answer contains all 3 expected term(s)" });
    expect(r.evidence).toEqual([`'18' at 16-18: "18"`, `'ensoleillé|sunny' (synonym 'ensoleillé') at 23-33: "ENSOLEILLÉ"`, `'paris' at 2-7: "Paris"`]);
  });
  it("fails naming the missing terms and quoting the answer", () => {
    const r = checkFinalAnswer("It is sunny in Paris.", ["18", "sunny"]);
    expect(r.pass).toBe(false);
    expect(r.reason).toBe(`1 of 2 expected term(s) in the answer; missing '18'; answer: "It is sunny in Paris."`);
  });
  it("a number does not match inside a longer number", () => {
    expect(checkFinalAnswer("The total is 1180 euros.", ["180"]).pass).toBe(false);
  });
  it("a decimal comma matches a decimal point term", () => {
    expect(checkFinalAnswer("Il fait 18,5 °C.", ["18.5"]).pass).toBe(true);
  });
  it("inline <think> reasoning is not the answer", () => {
    expect(checkFinalAnswer("<think>The tool said 18 degrees.</think>It is warm.", ["18"]).pass).toBe(false);
  });
  it("an empty answer fails", () => {
    expect(checkFinalAnswer("  ", ["18"]).reason).toMatch(/^no final answer/);
  });
  it("an invalid /regex/ term is the case's error", () => {
    expect(checkFinalAnswer("x", ["/(/"]).reason).toMatch(/invalid term\(s\).*fix the case/);
  });
  it("with the case's language, fails word salad whatever terms it holds (issue 11)", () => {
    const noise = "город city 城市 данные trabajo city Gesellschaft 17 °C ville 天气 проверка Straße Zeitraum miasto kerja city görev";
    expect(checkFinalAnswer(noise, [["17 °C"]]).pass).toBe(true); // without the gate, words are words
    const r = checkFinalAnswer(noise, [["17 °C"]], { language: "fr" });
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/not coherent text in the case's language: .*non-Latin script/);
    // a short real answer is not judged on its language
    expect(checkFinalAnswer("Canberra.", [["/^\\W*Canberra\\W*$/im"]], { language: "en" }).pass).toBe(true);
  });
  it("with the case's prompt, what the answer copies from it does not count", () => {
    const prompt = "Search our internal documents for the incident response runbook, open it, and tell me within how many minutes a P1 page must be acknowledged.";
    const r = checkFinalAnswer(prompt, ["/acknowledged/"], { language: "en", prompt });
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/only repeats the prompt/);
  });
});

describe("checkStreamConsistency", () => {
  it("passes when only key order and whitespace differ (and 10 ≡ 10.0)", () => {
    const r = checkStreamConsistency([call("get_weather", '{ "unit": "celsius",\n  "city": "Paris", "days": 10.0 }')], [call("get_weather", '{"city":"Paris","days":10,"unit":"celsius"}')]);
    expect(r).toMatchObject({ check: "stream_consistency", pass: true, evidence: [] });
  });
  it("fails on a dropped argument, and shows both argument strings", () => {
    const s = call("get_weather", '{"city": "Paris"}');
    const n = call("get_weather", '{"city": "Paris", "unit": "celsius"}');
    const r = checkStreamConsistency([s], [n]);
    expect(r.pass).toBe(false);
    expect(r.reason).toBe("call #1 get_weather: the stream dropped argument(s) 'unit'");
    expect(r.evidence).toEqual(['streamed #1: get_weather({"city": "Paris"})', 'non-streamed #1: get_weather({"city": "Paris", "unit": "celsius"})']);
  });
  it("fails on a split string value", () => {
    const r = checkStreamConsistency([call("search_docs", '{"query": "politique de "}')], [call("search_docs", '{"query": "politique de congés"}')]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/'query' is split: the streamed string is only part of the non-streamed one/);
  });
  it("fails on a string split so the JSON breaks (cut short)", () => {
    const r = checkStreamConsistency([call("get_weather", '{"city": "Par')], [call("get_weather", '{"city": "Paris"}')]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/streamed arguments are not valid JSON .*cut short, a prefix of the non-streamed ones/);
  });
  it("fails on a string split in two that breaks the JSON", () => {
    const r = checkStreamConsistency([call("get_weather", '{"city": "Par" "is"}')], [call("get_weather", '{"city": "Paris"}')]);
    expect(r.pass).toBe(false);
    expect(r.evidence).toHaveLength(2);
  });
  it('fails when the stream drops a parameterless call\'s "{}" (vllm#28806)', () => {
    const r = checkStreamConsistency([call("get_time", "")], [call("get_time", "{}")]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/28806/);
    expect(checkStreamConsistency([call("get_time", "")], [call("get_time", "")]).pass).toBe(true);
  });
  it("fails on a different number of calls, naming both lists", () => {
    const r = checkStreamConsistency([call("get_weather", { city: "Paris" })], [call("get_weather", { city: "Paris" }), call("get_weather", { city: "Lyon" })]);
    expect(r.reason).toBe("streamed 1 call(s) (get_weather), non-streamed 2 (get_weather, get_weather)");
    expect(r.evidence).toContain("streamed #2: (none)");
  });
  it("fails on different names in order", () => {
    const r = checkStreamConsistency([call("b", {}), call("a", {})], [call("a", {}), call("b", {})]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/^call #1: streamed b, non-streamed a/);
  });
  it("different values: fails, and says sampling may explain it", () => {
    const r = checkStreamConsistency([call("get_weather", { city: "Lyon" })], [call("get_weather", { city: "Paris" })]);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/temperature > 0/);
  });
  it("no calls either way passes", () => {
    expect(checkStreamConsistency([], []).pass).toBe(true);
  });
});
