/**
 * The simulator's scripted tool calls, without HTTP: the bank's schema, placeholders,
 * variant choice by seed, reading a conversation, and the wire form of a calls turn
 * (hermes deltas that reassemble into the non-streamed calls, raw text without a parser,
 * a call cut by max_tokens).
 */
import { describe, expect, it } from "vitest";
import { ToolCallAssembler } from "../../../src/client/tool-calls.js";
import { ConfigError } from "../../../src/errors.js";
import { resolveSimOptions } from "../../../src/sim/options.js";
import { tokenize } from "../../../src/sim/tokenizer.js";
import {
  fillArguments,
  fillText,
  loadToolAnswerBank,
  parseToolAnswerBank,
  planToolTurn,
  pythonJson,
  readConversation,
  ScriptedToolCalls,
  toolCallId,
  toolVariantIndex,
  type ToolTurnPlan,
} from "../../../src/sim/tools.js";
import type { WireDelta } from "../../../src/wire/openai.js";

const bank = loadToolAnswerBank();
const header = { case: "t", variantIndex: 0, kind: "correct" as const, turn: 0 };
const opts = { parser: "hermes" as const, maxTokens: 512, idKey: "t" };

function reassemble(deltas: readonly (WireDelta | undefined)[]) {
  const a = new ToolCallAssembler();
  let content = "";
  for (const d of deltas) {
    if (!d) continue;
    if (d.tool_calls) a.push(d.tool_calls);
    content += d.content ?? "";
  }
  return { calls: a.result(), content };
}

const parallelTurn = {
  calls: [
    { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
    { name: "get_weather", arguments: { city: "Marseille", unit: "celsius" } },
  ],
};

describe("bank schema", () => {
  const one = (variants: string) => `cases:\n  - case: c1\n    match: "a distinctive match"\n    variants:\n${variants}`;

  it("accepts the built-in bank", () => {
    expect(bank.cases.length).toBeGreaterThanOrEqual(12);
  });

  it("wants variant 0 correct, the answer last and only last, and a flaw exactly on wrong variants", () => {
    const wrongFirst = one("      - kind: wrong\n        flaw: missing_call\n        turns: [{ answer: x }]\n");
    expect(() => parseToolAnswerBank(wrongFirst, "b.yaml")).toThrow(/variant 0 must be correct/);
    const noAnswer = one("      - kind: correct\n        turns: [{ calls: [{ name: f }] }]\n");
    expect(() => parseToolAnswerBank(noAnswer, "b.yaml")).toThrow(/the last turn must be an answer/);
    const early = one("      - kind: correct\n        turns: [{ answer: x }, { answer: y }]\n");
    expect(() => parseToolAnswerBank(early, "b.yaml")).toThrow(/only the last turn may be an answer/);
    const noFlaw = one("      - kind: correct\n        turns: [{ answer: x }]\n      - kind: wrong\n        turns: [{ answer: y }]\n");
    expect(() => parseToolAnswerBank(noFlaw, "b.yaml")).toThrow(/names its flaw/);
    expect(() => parseToolAnswerBank("cases: [", "b.yaml")).toThrow(ConfigError);
    expect(() => parseToolAnswerBank(`cases:\n  - case: c1\n    match: short\n    variants: []\n`, "b.yaml")).toThrow(/at least 12 characters/);
  });

  it("rejects two entries for one case", () => {
    const entry = '  - case: c1\n    match: "a distinctive match"\n    variants: [{ kind: correct, turns: [{ answer: x }] }]\n';
    expect(() => parseToolAnswerBank(`cases:\n${entry}${entry}`, "b.yaml")).toThrow(/has two entries/);
  });
});

describe("placeholders", () => {
  const results = [
    { city: "Lyon", temperature: 17, rate: 0.9217 },
    { results: [{ id: "doc-03" }, { id: "doc-02" }], text: "Intro. Un client a 30 jours pour demander. Fin." },
    "plain text result",
  ];

  it("fill text from the results, with the fr and sentence filters", () => {
    expect(fillText("{r1.temperature} °C à {r1.city}", results)).toBe("17 °C à Lyon");
    expect(fillText("{r1.rate|fr}", results)).toBe("0,9217");
    expect(fillText("{r2.results.1.id}", results)).toBe("doc-02");
    expect(fillText("{r2.text|sentence:jours}", results)).toBe("Un client a 30 jours pour demander.");
    expect(fillText("{r2.text|sentence:absent}", results)).toBe("Intro.");
    expect(fillText("{r3}", results)).toBe("plain text result");
  });

  it("write a missing value as ?, and leave other braces alone", () => {
    expect(fillText("{r1.nope} {r9.city} {r3.x}", results)).toBe("? ? ?");
    expect(fillText("{not a placeholder} {r1", results)).toBe("{not a placeholder} {r1");
    expect(fillText("{r1.constructor}", results)).toBe("?");
  });

  it("keep a whole-value placeholder's type in arguments (missing = null)", () => {
    expect(fillArguments({ a: "{r1.temperature}", b: "{r1.rate}", id: "{r2.results.0.id}" }, results)).toEqual({ a: 17, b: 0.9217, id: "doc-03" });
    expect(fillArguments({ t: "Temp {r1.temperature}", n: "{r7.x}", list: ["{r1.city}"], k: 3 }, results)).toEqual({
      t: "Temp 17",
      n: null,
      list: ["Lyon"],
      k: 3,
    });
  });
});

describe("pythonJson and ids", () => {
  it("writes JSON with Python's separators, non-ASCII kept", () => {
    expect(pythonJson({ city: "Genève", n: 2, list: [1, "a"], nested: { ok: true, none: null } })).toBe(
      '{"city": "Genève", "n": 2, "list": [1, "a"], "nested": {"ok": true, "none": null}}',
    );
    expect(pythonJson({})).toBe("{}");
    expect(JSON.parse(pythonJson({ q: 'say "hi"\n' }))).toEqual({ q: 'say "hi"\n' });
  });

  it("makes stable vLLM-looking call ids", () => {
    expect(toolCallId("a")).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(toolCallId("a")).toBe(toolCallId("a"));
    expect(toolCallId("a")).not.toBe(toolCallId("b"));
  });
});

describe("variant choice", () => {
  it("is seed mod the number of variants; no seed is 0; negative seeds wrap", () => {
    expect(toolVariantIndex(undefined, 3)).toBe(0);
    expect(toolVariantIndex(0, 3)).toBe(0);
    expect(toolVariantIndex(4, 3)).toBe(1);
    expect(toolVariantIndex(-1, 3)).toBe(2);
    expect(toolVariantIndex(7, 1)).toBe(0);
  });

  it("picks the calls of that variant", () => {
    const sim = new ScriptedToolCalls(bank, "hermes");
    const messages = [{ role: "user", content: "Quel temps fait-il à Lyon en ce moment ?" }];
    const city = (seed: number | undefined) => JSON.parse(sim.answer(messages, { seed, maxTokens: 512 })!.calls[0]!.arguments).city as string;
    expect(city(undefined)).toBe("Lyon");
    expect(city(1)).toBe("Paris");
    expect(city(2)).toBe("Lyon");
    expect(sim.answer(messages, { seed: 1, maxTokens: 512 })).toMatchObject({ case: "weather-lyon-fr", variantIndex: 1, kind: "wrong" });
  });
});

describe("reading the conversation", () => {
  it("matches the first user message and counts assistant turns and tool results after it", () => {
    const conv = readConversation(bank, [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Order ORD-1042 arrived damaged. Help." }] },
      { role: "assistant", content: null, tool_calls: [] },
      { role: "tool", content: '{"total": 300}' },
      { role: "assistant", content: null },
      { role: "tool", content: "not json" },
    ]);
    expect(conv?.entry.case).toBe("damaged-order-en");
    expect(conv?.turn).toBe(2);
    expect(conv?.results).toEqual([{ total: 300 }, "not json"]);
  });

  it("finds nothing for an unknown prompt or without a user message", () => {
    expect(readConversation(bank, [{ role: "user", content: "hello there" }])).toBeUndefined();
    expect(readConversation(bank, [{ role: "system", content: "Order ORD-1042 arrived damaged" }])).toBeUndefined();
  });

  it("plays the final answer again past the end of the script", () => {
    const sim = new ScriptedToolCalls(bank, "hermes");
    const messages = [{ role: "user", content: "Quick general-knowledge question: what is the capital city of Australia?" }];
    const first = sim.answer(messages, { seed: 0, maxTokens: 512 })!;
    const again = sim.answer([...messages, { role: "assistant", content: first.text }, { role: "user", content: "and?" }], { seed: 0, maxTokens: 512 })!;
    expect(again.text).toBe(first.text);
    expect(again.turn).toBe(0);
  });
});

describe("a calls turn on the wire (hermes)", () => {
  const plan = planToolTurn(header, parallelTurn, [], opts);

  it("is the hermes text, paced token by token", () => {
    expect(plan.text).toBe(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>\n' +
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Marseille", "unit": "celsius"}}\n</tool_call>',
    );
    expect(plan.tokens).toEqual(tokenize(plan.text));
    expect(plan.tokens.join("")).toBe(plan.text);
    expect(plan.finishReason).toBe("stop");
    expect(plan.wireFinishReason).toBe("tool_calls");
  });

  it("non-streamed: structured tool_calls, content null", () => {
    expect(plan.message.content).toBeNull();
    expect(plan.message.tool_calls?.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
      ["get_weather", { city: "Paris", unit: "celsius" }],
      ["get_weather", { city: "Marseille", unit: "celsius" }],
    ]);
  });

  it("streamed: the deltas reassemble into exactly the non-streamed calls", () => {
    const { calls, content } = reassemble(plan.deltas);
    expect(calls).toEqual(plan.message.tool_calls);
    expect(content).toBe("");
  });

  it("streamed: a first delta per call with index, id, type, name and empty arguments, then fragments split mid-JSON", () => {
    const parts = plan.deltas.flatMap((d) => d?.tool_calls ?? []);
    const firsts = parts.filter((p) => p.id !== undefined);
    expect(firsts).toEqual([
      { index: 0, id: plan.calls[0]!.id, type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 1, id: plan.calls[1]!.id, type: "function", function: { name: "get_weather", arguments: "" } },
    ]);
    const fragments = parts.filter((p) => p.id === undefined);
    expect(fragments.every((p) => p.type === undefined && p.function?.name === undefined)).toBe(true);
    const forFirst = fragments.filter((p) => p.index === 0).map((p) => p.function!.arguments!);
    expect(forFirst.length).toBeGreaterThan(5);
    expect(forFirst.join("")).toBe('{"city": "Paris", "unit": "celsius"}');
    expect(forFirst.some((f) => { try { JSON.parse(f); return false; } catch { return true; } })).toBe(true);
    // The first call's arguments are complete before the second call starts.
    const order = parts.map((p) => p.index);
    expect(order.indexOf(1)).toBeGreaterThan(order.lastIndexOf(0));
  });

  it("holds back the tokens of the tags and the JSON around the arguments", () => {
    const tagIndex = plan.tokens.indexOf("<tool_call>");
    expect(plan.deltas[tagIndex]).toBeUndefined();
    expect(plan.deltas.filter((d) => d === undefined).length).toBeGreaterThan(10);
    expect(plan.deltas).toHaveLength(plan.tokens.length);
  });

  it("cut by max_tokens: unparseable, so the text comes back as content with finish_reason length", () => {
    const cut = planToolTurn(header, parallelTurn, [], { ...opts, maxTokens: 25 });
    expect(cut.tokens).toHaveLength(25);
    expect(cut.finishReason).toBe("length");
    expect(cut.wireFinishReason).toBe("length");
    expect(cut.message.tool_calls).toEqual([]);
    expect(cut.message.content).toBe(cut.tokens.join(""));
    // The stream already sent the name and part of the arguments.
    const { calls } = reassemble(cut.deltas);
    expect(calls[0]?.function.name).toBe("get_weather");
    expect(() => JSON.parse(calls[0]!.function.arguments)).toThrow();
  });
});

describe("a calls turn on the wire without a tool parser", () => {
  it("is the raw hermes text as content, finish_reason stop", () => {
    const raw: ToolTurnPlan = planToolTurn(header, parallelTurn, [], { ...opts, parser: "none" });
    const hermes = planToolTurn(header, parallelTurn, [], opts);
    expect(raw.message.content).toBe(hermes.text);
    expect(raw.message.content).toContain('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"');
    expect(raw.message.tool_calls).toEqual([]);
    expect(raw.wireFinishReason).toBe("stop");
    expect(reassemble(raw.deltas)).toEqual({ calls: [], content: hermes.text });
    expect(raw.calls).toHaveLength(2); // what the model meant, for tests and logs
  });
});

describe("an answer turn", () => {
  it("is content built from the tool results present", () => {
    const p = planToolTurn(header, { answer: "Il fait {r1.temperature} °C à {r1.city}." }, [{ city: "Lyon", temperature: 17 }], opts);
    expect(p.message).toEqual({ role: "assistant", content: "Il fait 17 °C à Lyon.", tool_calls: [] });
    expect(p.wireFinishReason).toBe("stop");
    expect(reassemble(p.deltas).content).toBe("Il fait 17 °C à Lyon.");
    // A wrong tool result gives a wrong answer.
    const wrong = planToolTurn(header, { answer: "Il fait {r1.temperature} °C à {r1.city}." }, [{ city: "Paris", temperature: 15 }], opts);
    expect(wrong.message.content).toBe("Il fait 15 °C à Paris.");
  });
});

describe("the toolParser option", () => {
  it("defaults to hermes and accepts none only besides it", () => {
    expect(resolveSimOptions().toolParser).toBe("hermes");
    expect(resolveSimOptions({ toolParser: "none" }).toolParser).toBe("none");
    expect(() => resolveSimOptions({ toolParser: "mistral" as never })).toThrow(/toolParser must be hermes or none/);
  });
});
