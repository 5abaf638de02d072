import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { callShape, detectLeakedCalls } from "../../../../src/grading/tools/index.js";
import type { LeakedCall } from "../../../../src/grading/tools/types.js";

/** Every leak's text is the content at its offsets, and leaks are ordered and disjoint. */
function expectConsistent(content: string, leaks: LeakedCall[]): void {
  let last = 0;
  for (const l of leaks) {
    expect(content.slice(l.start, l.end)).toBe(l.text);
    expect(l.start).toBeGreaterThanOrEqual(last);
    last = l.end;
  }
}

const summary = (content: string) => {
  const leaks = detectLeakedCalls(content);
  expectConsistent(content, leaks);
  return leaks.map((l) => ({ format: l.format, name: l.name }));
};

// Qwen3-8B through vLLM without --tool-call-parser: thinking, then hermes blocks, verbatim shape.
const QWEN3_RAW = `<think>
Okay, the user is asking for the weather in Paris tomorrow. I have the get_weather tool; it needs city and date.
</think>

<tool_call>
{"name": "get_weather", "arguments": {"city": "Paris", "date": "2025-06-02"}}
</tool_call>`;

describe("detectLeakedCalls: hermes <tool_call>", () => {
  it("finds the call in Qwen3 output after its thinking, with the name and exact span", () => {
    const leaks = detectLeakedCalls(QWEN3_RAW);
    expect(leaks).toHaveLength(1);
    const l = leaks[0]!;
    expect(l).toMatchObject({ format: "hermes", name: "get_weather" });
    expect(l.text.startsWith("<tool_call>")).toBe(true);
    expect(l.text.endsWith("</tool_call>")).toBe(true);
    expect(l.end).toBe(QWEN3_RAW.length);
  });
  it("finds a call inside otherwise normal text, and only the call", () => {
    const content = 'Let me look that up for you.\n<tool_call>\n{"name": "search_docs", "arguments": {"query": "retention policy"}}\n</tool_call>\nOne moment.';
    const [l] = detectLeakedCalls(content);
    expect(l?.name).toBe("search_docs");
    expect(content.slice(0, l!.start)).toBe("Let me look that up for you.\n");
    expect(content.slice(l!.end)).toBe("\nOne moment.");
  });
  it("finds two leaked calls (parallel calls), in order", () => {
    const content =
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>';
    const leaks = detectLeakedCalls(content);
    expect(leaks.map((l) => l.name)).toEqual(["get_weather", "get_weather"]);
    expect(leaks.map((l) => JSON.parse(l.text.replace(/<\/?tool_call>/g, "")).arguments.city)).toEqual(["Paris", "Lyon"]);
  });
  it("finds a call cut short by max_tokens (unclosed tag, broken JSON) up to the end", () => {
    const content = 'Sure.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Pa';
    const leaks = detectLeakedCalls(content);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ format: "hermes", name: "get_weather", end: content.length });
  });
  it("finds an unclosed but complete call and stops at the end of its JSON", () => {
    const content = '<tool_call>\n{"name": "get_time", "arguments": {}}\nThen I will answer.';
    const [l] = detectLeakedCalls(content);
    expect(l?.text).toBe('<tool_call>\n{"name": "get_time", "arguments": {}}');
  });
  it("an unclosed block followed by a closed one gives two leaks, not one", () => {
    const content = '<tool_call>\n{"name": "a", "arguments": {}}\n<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call>';
    const leaks = detectLeakedCalls(content);
    expect(leaks.map((l) => l.name)).toEqual(["a", "b"]);
    expect(leaks[0]?.text).toBe('<tool_call>\n{"name": "a", "arguments": {}}');
    const broken = '<tool_call>\n{"name": "a", "arguments": {"x": \n<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call>';
    expect(detectLeakedCalls(broken).map((l) => [l.name, l.text.endsWith("\n")])).toEqual([["a", false], ["b", false]]);
  });
  it("finds a lone opening tag at the very end (the call was cut before its JSON)", () => {
    expect(summary("I will check the forecast.\n<tool_call>\n")).toEqual([{ format: "hermes", name: undefined }]);
  });
  it("finds a block whose JSON does not parse (vLLM then returns everything as content)", () => {
    const content = "<tool_call>\n{'name': 'get_weather', 'arguments': {'city': 'Paris'}}\n</tool_call>";
    expect(summary(content)).toEqual([{ format: "hermes", name: undefined }]);
  });
  it("reads the name even when the arguments are broken", () => {
    const content = '<tool_call>\n{"name": "convert_units", "arguments": {"value": 3,, "from": "km"}}\n</tool_call>';
    expect(summary(content)).toEqual([{ format: "hermes", name: "convert_units" }]);
  });
});

describe("detectLeakedCalls: <function=…>, <|python_tag|>", () => {
  it("Llama 3.x <function=name>{json}</function>", () => {
    expect(summary('Checking.\n<function=get_weather>{"city": "Paris"}</function>')).toEqual([{ format: "function_tag", name: "get_weather" }]);
  });
  it("Qwen3-Coder / Qwen3.5 XML calls inside <tool_call> count once, as function_tag", () => {
    const content = "<tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>";
    const leaks = detectLeakedCalls(content);
    expect(leaks).toHaveLength(1);
    expect(leaks[0]).toMatchObject({ format: "function_tag", name: "get_weather", start: 0, end: content.length });
  });
  it("a bare XML call, unclosed at the end", () => {
    expect(summary("<function=search_docs>\n<parameter=query>\nvacances")).toEqual([{ format: "function_tag", name: "search_docs" }]);
  });
  it("a parameterless call <function=get_time></function>", () => {
    expect(summary("<function=get_time></function>")).toEqual([{ format: "function_tag", name: "get_time" }]);
  });
  it("<|python_tag|> with JSON, up to <|eom_id|>", () => {
    const content = '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Paris"}}<|eom_id|> after';
    const [l] = detectLeakedCalls(content);
    expect(l).toMatchObject({ format: "python_tag", name: "get_weather" });
    expect(l?.text.endsWith("<|eom_id|>")).toBe(true);
  });
  it("<|python_tag|> with a built-in tool call written as code", () => {
    expect(summary('<|python_tag|>brave_search.call(query="weather Paris")')).toEqual([{ format: "python_tag", name: "brave_search" }]);
  });
});

describe("detectLeakedCalls: call-shaped JSON", () => {
  it("a call in a ```json fence: the span takes the fence", () => {
    const content = 'I will call the tool:\n```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```\nDone.';
    const [l] = detectLeakedCalls(content);
    expect(l).toMatchObject({ format: "json", name: "get_weather" });
    expect(l?.text.startsWith("```json")).toBe(true);
    expect(l?.text.endsWith("```")).toBe(true);
  });
  it("an inline call with `parameters` (Llama 3.x JSON style)", () => {
    expect(summary('{"name": "get_weather", "parameters": {"city": "Paris"}}')).toEqual([{ format: "json", name: "get_weather" }]);
  });
  it("a list of calls (Mistral-like) gives one leak per call", () => {
    expect(summary('[TOOL_CALLS] [{"name": "a_b", "arguments": {}}, {"name": "get_time", "arguments": {"tz": "UTC"}}]')).toEqual([
      { format: "json", name: "a_b" },
      { format: "json", name: "get_time" },
    ]);
  });
  it("OpenAI's shape, with arguments as a JSON string", () => {
    expect(summary('{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}')).toEqual([
      { format: "json", name: "get_weather" },
    ]);
  });
  it("a call-shaped object cut short at the end", () => {
    const content = 'Calling now: {"name": "get_weather", "arguments": {"city": "Par';
    const [l] = detectLeakedCalls(content);
    expect(l).toMatchObject({ format: "json", name: "get_weather", end: content.length });
    expect(l?.text.startsWith("{")).toBe(true);
  });
  it("a mix of formats, in text order", () => {
    const content = '{"name": "a", "arguments": {}}\n<tool_call>\n{"name": "b", "arguments": {}}\n</tool_call>\n<function=c>{}</function>';
    expect(summary(content).map((x) => `${x.format}:${x.name}`)).toEqual(["json:a", "hermes:b", "function_tag:c"]);
  });
});

describe("detectLeakedCalls: false positives (must find nothing)", () => {
  const clean: [string, string][] = [
    ["prose naming the field", "The response has a tool_call field, and each tool_call has an id."],
    ["prose naming the tag in backticks", "In Qwen's template every call is wrapped in `<tool_call>` and `</tool_call>` tags."],
    ["a tag followed by words", "I would emit <tool_call> tags only when a tool is needed."],
    ["<function=…> mentioned in backticks", "Llama writes `<function=name>{...}</function>` for custom tools."],
    ["<function=…> followed by words", "Write <function=name> then the JSON arguments."],
    ["<|python_tag|> in backticks", "The `<|python_tag|>` token starts Llama's built-in tool calls."],
    ["a JSON answer that is not a call", '{"city": "Paris", "temperature": 18, "unit": "celsius"}'],
    ["a fenced JSON record with a name", '```json\n{"name": "Alice", "age": 30}\n```'],
    ["a name that is not an identifier", '{"name": "Marie Curie", "arguments": {"born": 1867}}'],
    ["a name without arguments", '{"name": "get_weather"}'],
    ["arguments that are not an object", '{"name": "get_weather", "arguments": "Paris"}'],
    ["a tool definition (description)", '{"name": "get_weather", "description": "Weather for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}'],
    ["a tool definition (schema parameters)", '{"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}'],
    ["a call nested in a data object", '{"log": [{"name": "get_weather", "arguments": {"city": "Paris"}}], "status": "ok"}'],
    ["code with braces", "function f(x) { return { name: x, arguments: [] }; }"],
    ["a set in maths", "The solutions are {1, 2, 3} and {x | x > 0}."],
    ["an unbalanced brace", "Use { to open a block"],
    ["French prose with quotes", "Il fait 18 °C à Paris, « ensoleillé » selon la météo. {Note : aucune donnée}"],
    ["a Python dict in a fence", "```python\nparams = {'name': 'x', 'arguments': {}}\n```"],
  ];
  for (const [what, content] of clean) {
    it(what, () => {
      expect(detectLeakedCalls(content)).toEqual([]);
    });
  }
  it("property: text without '<' or '{' never holds a leak", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (s) => {
        const text = s.replace(/[<{]/g, "");
        expect(detectLeakedCalls(text)).toEqual([]);
      }),
    );
  });
  it("property: a JSON object with any key outside a call's keys is never a leak", () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).map((k) => `x${k}`);
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }), (extra) => {
        const obj = { name: "get_weather", arguments: { city: "Paris" }, ...extra };
        expect(callShape(obj)).toBeUndefined();
        expect(detectLeakedCalls(JSON.stringify(obj))).toEqual([]);
      }),
    );
  });
});

describe("detectLeakedCalls: properties", () => {
  it("a hermes call embedded in any prose is found once, at its exact span", () => {
    const prose = fc.string({ unit: "grapheme", maxLength: 80 }).map((s) => s.replace(/[<{`]/g, ""));
    const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
    const args = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    fc.assert(
      fc.property(prose, name, args, prose, (before, n, a, after) => {
        const call = `<tool_call>\n${JSON.stringify({ name: n, arguments: a })}\n</tool_call>`;
        const content = `${before}\n${call}\n${after}`;
        const leaks = detectLeakedCalls(content);
        expect(leaks).toHaveLength(1);
        expect(leaks[0]).toMatchObject({ format: "hermes", name: n, start: before.length + 1, end: before.length + 1 + call.length });
      }),
    );
  });
});
