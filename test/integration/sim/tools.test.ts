/**
 * The simulator plays the built-in tool cases over HTTP: structured tool_calls (streamed
 * deltas as vLLM's hermes parser sends them, reassembling into the non-streamed calls), the
 * raw hermes leak with toolParser "none", the variant chosen by seed, a whole agent loop fed
 * by the local executors, and plain prose when the bank does not apply.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ToolCallAssembler } from "../../../src/client/tool-calls.js";
import { createToolSession, resolveToolSpecs, toolMessageContent } from "../../../src/scenarios/tools/executors.js";
import { loadToolPacks } from "../../../src/scenarios/tools/packs.js";
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from "../../../src/sim/index.js";
import { countTokens } from "../../../src/sim/tokenizer.js";
import type { WireChatChunk, WireMessage, WireToolCall } from "../../../src/wire/openai.js";
import { postChat, streamChat, userTurn } from "./helpers.js";

const running: RunningSimulator[] = [];
async function start(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ profile: "fast", timeScale: 0.05, ...options });
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const cases = new Map(loadToolPacks("all").flatMap((p) => p.cases.map((c) => [c.id, c] as const)));
function requestFor(id: string, extra: Record<string, unknown> = {}) {
  const c = cases.get(id)!;
  return { messages: [userTurn(c.prompt)], tools: resolveToolSpecs(c.tools), max_tokens: c.max_tokens, ...extra };
}

function assembled(chunks: WireChatChunk[]): WireToolCall[] {
  const a = new ToolCallAssembler();
  for (const c of chunks) {
    const tc = c.choices[0]?.delta.tool_calls;
    if (tc) a.push(tc);
  }
  return a.result();
}

const finishOf = (chunks: WireChatChunk[]) => chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason;
const callsOf = (calls: readonly WireToolCall[] | undefined) => (calls ?? []).map((c) => [c.function.name, JSON.parse(c.function.arguments) as unknown]);

describe("scripted tool calls over HTTP (hermes parser)", () => {
  it("non-streamed: message.tool_calls, content null, finish_reason tool_calls", async () => {
    const sim = await start();
    const r = await postChat(sim.baseUrl, requestFor("weather-paris-marseille-fr"));
    expect(r.status).toBe(200);
    const choice = r.json.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(callsOf(choice.message.tool_calls)).toEqual([
      ["get_weather", { city: "Paris", unit: "celsius" }],
      ["get_weather", { city: "Marseille", unit: "celsius" }],
    ]);
    expect(choice.message.tool_calls?.every((c) => c.type === "function" && c.id.startsWith("chatcmpl-tool-"))).toBe(true);
  });

  it("streamed: the deltas reassemble into the non-streamed calls (same seed)", async () => {
    const sim = await start();
    for (const id of ["weather-paris-marseille-fr", "damaged-order-en", "eur-rates-en"]) {
      for (const seed of [0, 1]) {
        const ns = await postChat(sim.baseUrl, requestFor(id, { seed }));
        const s = await streamChat(sim.baseUrl, requestFor(id, { seed, stream_options: { include_usage: true } }));
        expect(assembled(s.chunks), `${id} seed ${seed}`).toEqual(ns.json.choices[0]!.message.tool_calls);
        expect(finishOf(s.chunks)).toBe("tool_calls");
        expect(s.content).toBe("");
        expect(s.sawDone).toBe(true);
      }
    }
  });

  it("streamed: vLLM's shape (role chunk, a first delta with the name, argument fragments, usage)", async () => {
    const sim = await start();
    const s = await streamChat(sim.baseUrl, requestFor("weather-toronto-en", { stream_options: { include_usage: true } }));
    expect(s.chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const deltas = s.chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({ index: 0, type: "function", function: { name: "get_weather", arguments: "" } });
    expect(deltas[0]?.id).toMatch(/^chatcmpl-tool-/);
    expect(deltas.slice(1).every((d) => d.index === 0 && d.id === undefined && typeof d.function?.arguments === "string")).toBe(true);
    expect(deltas.length).toBeGreaterThan(8);
    const text = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Toronto", "unit": "fahrenheit"}}\n</tool_call>';
    expect(s.chunks.at(-1)?.usage?.completion_tokens).toBe(countTokens(text));
  });

  it("picks the variant from the seed, the same streamed or not", async () => {
    const sim = await start();
    const city = async (seed?: number) => {
      const r = await postChat(sim.baseUrl, requestFor("weather-lyon-fr", seed === undefined ? {} : { seed }));
      return (JSON.parse(r.json.choices[0]!.message.tool_calls![0]!.function.arguments) as { city: string }).city;
    };
    expect(await city()).toBe("Lyon");
    expect(await city(0)).toBe("Lyon");
    expect(await city(1)).toBe("Paris");
    expect(await city(3)).toBe("Paris");
    const s = await streamChat(sim.baseUrl, requestFor("weather-lyon-fr", { seed: 1 }));
    expect(JSON.parse(assembled(s.chunks)[0]!.function.arguments)).toMatchObject({ city: "Paris" });
  });

  it("plays a whole agent loop, fed by the local executors, to an answer built from their results", async () => {
    const sim = await start();
    const c = cases.get("damaged-order-en")!;
    const session = createToolSession();
    const messages: WireMessage[] = [userTurn(c.prompt)];
    const names: string[][] = [];
    let answer = "";
    for (let step = 0; step < c.max_steps; step++) {
      const streamed = step % 2 === 1; // both modes along the way
      let msg: { content: string | null; tool_calls: WireToolCall[] };
      if (streamed) {
        const s = await streamChat(sim.baseUrl, { messages, tools: resolveToolSpecs(c.tools) });
        msg = { content: s.content === "" ? null : s.content, tool_calls: assembled(s.chunks) };
      } else {
        const r = await postChat(sim.baseUrl, { messages, tools: resolveToolSpecs(c.tools) });
        msg = { content: r.json.choices[0]!.message.content, tool_calls: r.json.choices[0]!.message.tool_calls ?? [] };
      }
      if (msg.tool_calls.length === 0) {
        answer = msg.content ?? "";
        break;
      }
      names.push(msg.tool_calls.map((t) => t.function.name));
      messages.push({ role: "assistant", content: msg.content, tool_calls: msg.tool_calls });
      for (const t of msg.tool_calls) {
        const out = session.execute(t.function.name, JSON.parse(t.function.arguments));
        messages.push({ role: "tool", tool_call_id: t.id, content: toolMessageContent(out) });
      }
    }
    expect(names).toEqual([["get_order"], ["get_exchange_rate"], ["calculator"], ["create_ticket"]]);
    expect(answer).toContain("TCK-1001");
    expect(answer).toContain("276.51");
  });

  it("an answer turn reads the tool results in the request: a wrong result gives a wrong answer", async () => {
    const sim = await start();
    const c = cases.get("weather-lyon-fr")!;
    const call = { id: "call_1", type: "function" as const, function: { name: "get_weather", arguments: '{"city": "Lyon"}' } };
    const ask = (result: unknown) =>
      postChat(sim.baseUrl, {
        tools: resolveToolSpecs(c.tools),
        messages: [userTurn(c.prompt), { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: "call_1", content: JSON.stringify(result) }],
      });
    const good = await ask({ city: "Lyon", temperature: 17, condition: "partly cloudy" });
    expect(good.json.choices[0]!.finish_reason).toBe("stop");
    expect(good.json.choices[0]!.message.content).toContain("17 °C");
    const bad = await ask({ error: "get_weather: service down" });
    expect(bad.json.choices[0]!.message.content).toContain("? °C");
  });
});

describe("toolParser none: the call leaks as raw hermes text", () => {
  it("non-streamed and streamed: <tool_call> text in the content, no tool_calls, finish_reason stop", async () => {
    const sim = await start({ toolParser: "none" });
    const ns = await postChat(sim.baseUrl, requestFor("weather-toronto-en"));
    const choice = ns.json.choices[0]!;
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.tool_calls).toEqual([]);
    expect(choice.message.content).toBe(
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Toronto", "unit": "fahrenheit"}}\n</tool_call>',
    );
    const s = await streamChat(sim.baseUrl, requestFor("weather-toronto-en"));
    expect(s.content).toBe(choice.message.content);
    expect(assembled(s.chunks)).toEqual([]);
    expect(finishOf(s.chunks)).toBe("stop");
  });

  it("answers the irrelevance case as usual (nothing to leak)", async () => {
    const sim = await start({ toolParser: "none" });
    const r = await postChat(sim.baseUrl, requestFor("capital-australia-en"));
    expect(r.json.choices[0]!.message.content).toContain("Canberra");
  });
});

describe("when the bank does not apply", () => {
  it("plain prose for a request with tools whose prompt is no built-in case", async () => {
    const sim = await start();
    const r = await postChat(sim.baseUrl, { messages: [userTurn("Tell me about the weather in general.")], tools: resolveToolSpecs(["get_weather"]) });
    expect(r.json.choices[0]!.finish_reason).toBe("stop");
    expect(r.json.choices[0]!.message.tool_calls).toEqual([]);
    expect(r.json.choices[0]!.message.content).not.toContain("<tool_call>");
  });

  it("plain prose for a built-in prompt sent without tools", async () => {
    const sim = await start();
    const c = cases.get("weather-lyon-fr")!;
    const r = await postChat(sim.baseUrl, { messages: [userTurn(c.prompt)] });
    expect(r.json.choices[0]!.message.tool_calls).toEqual([]);
    expect(r.json.choices[0]!.message.content).not.toContain("Lyon");
  });

  it("no bank at all with scriptedAnswers: false", async () => {
    const sim = await start({ scriptedAnswers: false });
    const r = await postChat(sim.baseUrl, requestFor("weather-lyon-fr"));
    expect(r.json.choices[0]!.finish_reason).toBe("stop");
    expect(r.json.choices[0]!.message.tool_calls).toEqual([]);
  });
});
