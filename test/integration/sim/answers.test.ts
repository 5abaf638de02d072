/**
 * The simulator answers built-in reasoning tasks from its scripted answer bank, on the wire:
 * matching, variant rotation, the three reasoning formats (streamed and not), truncation and
 * usage.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadAnswerBank, type ReasoningFormat, type ScriptedEntry, type ScriptedVariant } from "../../../src/sim/answers.js";
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from "../../../src/sim/index.js";
import { countTokens, tokenize } from "../../../src/sim/tokenizer.js";
import { loadPacks } from "../../../src/scenarios/reasoning/packs.js";
import type { WireChatChunk } from "../../../src/wire/openai.js";
import { postChat, streamChat, userTurn, type StreamResult } from "./helpers.js";

const running: RunningSimulator[] = [];
async function start(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  // Scripted answers run to hundreds of tokens: a twentieth of the fast profile's step time.
  const sim = await startSimulator({ profile: "fast", timeScale: 0.05, ...options });
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const bank = loadAnswerBank();
const prompts = new Map(loadPacks("all").flatMap((p) => p.tasks.map((t) => [t.id, t.prompt] as const)));

function promptOf(entry: ScriptedEntry): string {
  const p = prompts.get(entry.task);
  if (p === undefined) throw new Error(`no task ${entry.task} in the packs`);
  return p;
}

/** The first task whose variant 0 is a complete (correct) answer in this reasoning format. */
function entryWithFirstVariant(format: ReasoningFormat): ScriptedEntry {
  const e = bank.answers.find((x) => x.variants[0]?.reasoning_format === format && x.variants[0].kind === "correct");
  if (!e) throw new Error(`no task starts with a correct ${format} variant`);
  return e;
}

function firstVariant(e: ScriptedEntry): ScriptedVariant {
  return e.variants[0]!;
}

/** Reasoning carried in delta.reasoning_content (helpers.streamChat collects delta.reasoning and content). */
function reasoningContent(chunks: WireChatChunk[]): string {
  return chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
}

/** Index of the first chunk with answer content and of the last with reasoning. */
function order(r: StreamResult): { firstContent: number; lastReasoning: number } {
  let firstContent = -1;
  let lastReasoning = -1;
  r.chunks.forEach((c, i) => {
    const d = c.choices[0]?.delta;
    if ((d?.content ?? "").length > 0 && firstContent < 0) firstContent = i;
    if ((d?.reasoning ?? "").length > 0 || (d?.reasoning_content ?? "").length > 0) lastReasoning = i;
  });
  return { firstContent, lastReasoning };
}

const withUsage = { stream_options: { include_usage: true } };

describe("scripted answers over HTTP: the three reasoning formats", () => {
  it("field: streams delta.reasoning first, then the answer; usage counts both", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("field");
    const v = firstVariant(e);
    const r = await streamChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], ...withUsage });
    expect(r.reasoning).toBe(v.reasoning.trim());
    expect(r.content).toBe(v.answer.trim());
    expect(reasoningContent(r.chunks)).toBe("");
    const o = order(r);
    expect(o.lastReasoning).toBeLessThan(o.firstContent);
    expect(r.chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const expected = countTokens(v.reasoning.trim()) + countTokens(v.answer.trim());
    expect(r.chunks.at(-1)?.usage?.completion_tokens).toBe(expected);
    expect(r.tokenTimesMs).toHaveLength(expected); // one chunk per token
  });

  it("reasoning_content: streams delta.reasoning_content, and message.reasoning_content when not streamed", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("reasoning_content");
    const v = firstVariant(e);
    const r = await streamChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], ...withUsage });
    expect(r.reasoning).toBe(""); // nothing in delta.reasoning
    expect(reasoningContent(r.chunks)).toBe(v.reasoning.trim());
    expect(r.content).toBe(v.answer.trim());
    const o = order(r);
    expect(o.lastReasoning).toBeLessThan(o.firstContent);

    // a second simulator sees the task for the first time too: same variant, not streamed
    const sim2 = await start();
    const { json } = await postChat(sim2.baseUrl, { messages: [userTurn(promptOf(e))] });
    const msg = json.choices[0]?.message;
    expect(msg?.reasoning_content).toBe(v.reasoning.trim());
    expect(msg?.reasoning).toBeUndefined();
    expect(msg?.content).toBe(v.answer.trim());
    expect(json.choices[0]?.finish_reason).toBe("stop");
    expect(json.usage?.completion_tokens).toBe(countTokens(v.reasoning.trim()) + countTokens(v.answer.trim()));
  });

  it("think_tag: the reasoning is inline content in <think>…</think>, streamed and not", async () => {
    const e = entryWithFirstVariant("think_tag");
    const v = firstVariant(e);
    const inline = `<think>\n${v.reasoning.trim()}\n</think>\n\n${v.answer.trim()}`;
    const sim = await start();
    const r = await streamChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], ...withUsage });
    expect(r.reasoning).toBe("");
    expect(reasoningContent(r.chunks)).toBe("");
    expect(r.content).toBe(inline);
    expect(r.chunks[1]?.choices[0]?.delta.content).toBe("<think>"); // one token
    expect(r.chunks.at(-1)?.usage?.completion_tokens).toBe(tokenize(inline).length);

    const sim2 = await start();
    const { json } = await postChat(sim2.baseUrl, { messages: [userTurn(promptOf(e))] });
    expect(json.choices[0]?.message.content).toBe(inline);
    expect(json.choices[0]?.message.reasoning).toBeUndefined();
    expect(json.usage?.completion_tokens).toBe(tokenize(inline).length);
  });

  it("field, not streamed: message.reasoning", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("field");
    const v = firstVariant(e);
    const { json } = await postChat(sim.baseUrl, { messages: [userTurn(promptOf(e))] });
    expect(json.choices[0]?.message.reasoning).toBe(v.reasoning.trim());
    expect(json.choices[0]?.message.reasoning_content).toBeUndefined();
    expect(json.choices[0]?.message.content).toBe(v.answer.trim());
  });
});

describe("scripted answers over HTTP: choice, truncation, fallbacks", () => {
  it("rotates variants per task: the n-th request for a task gets variant n − 1 (mod the count)", async () => {
    const sim = await start();
    const [a, b] = bank.answers;
    if (!a || !b) throw new Error("bank too small");
    const answerOf = async (e: ScriptedEntry) => {
      const { json } = await postChat(sim.baseUrl, { messages: [userTurn(promptOf(e))] });
      const m = json.choices[0]?.message;
      return (m?.content ?? "").replace(/^<think>[\s\S]*?<\/think>\n\n/, "");
    };
    const strip = (v: ScriptedVariant | undefined) => (v?.answer ?? "").trim();
    expect(await answerOf(a)).toBe(strip(a.variants[0]));
    expect(await answerOf(b)).toBe(strip(b.variants[0]));
    expect(await answerOf(a)).toBe(strip(a.variants[1]));
    for (let i = 2; i < a.variants.length; i++) await answerOf(a);
    expect(await answerOf(a)).toBe(strip(a.variants[0])); // wrapped
    expect(await answerOf(b)).toBe(strip(b.variants[1]));
  });

  it("a truncated variant ends with finish_reason length, streamed and not", async () => {
    const e = bank.answers.find((x) => x.variants.some((v) => v.kind === "truncated" && v.reasoning_format !== "think_tag" && v.answer.length > 0));
    if (!e) throw new Error("no truncated field variant");
    const idx = e.variants.findIndex((v) => v.kind === "truncated" && v.reasoning_format !== "think_tag" && v.answer.length > 0);
    const v = e.variants[idx]!;
    const sim = await start();
    const body = { messages: [userTurn(promptOf(e))] };
    for (let i = 0; i < idx; i++) await postChat(sim.baseUrl, body);
    const r = await streamChat(sim.baseUrl, { ...body, ...withUsage });
    expect(r.content).toBe(v.answer.trim());
    expect(r.chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(r.chunks.at(-1)?.usage?.completion_tokens).toBe(countTokens(v.reasoning.trim()) + countTokens(v.answer.trim()));

    const sim2 = await start();
    for (let i = 0; i < idx; i++) await postChat(sim2.baseUrl, body);
    const { json } = await postChat(sim2.baseUrl, body);
    expect(json.choices[0]?.finish_reason).toBe("length");
    expect(json.choices[0]?.message.content).toBe(v.answer.trim());
  });

  it("stops any variant at max_tokens with finish_reason length and usage = max_tokens", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("field");
    const v = firstVariant(e);
    const r = await streamChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], max_tokens: 7, ...withUsage });
    expect(r.tokenTimesMs).toHaveLength(7);
    expect(r.reasoning).toBe(tokenize(v.reasoning.trim()).slice(0, 7).join(""));
    expect(r.content).toBe("");
    expect(r.chunks.at(-2)?.choices[0]?.finish_reason).toBe("length");
    expect(r.chunks.at(-1)?.usage?.completion_tokens).toBe(7);

    const { json } = await postChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], max_tokens: 7 });
    expect(json.choices[0]?.finish_reason).toBe("length");
    expect(json.usage?.completion_tokens).toBe(7);
  });

  it("counts the scripted tokens in the simulator's stats like any other reply", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("field");
    const v = firstVariant(e);
    await postChat(sim.baseUrl, { messages: [userTurn(promptOf(e))] });
    expect(sim.stats().generatedTokens).toBe(countTokens(v.reasoning.trim()) + countTokens(v.answer.trim()));
    expect(sim.stats().completed).toBe(1);
  });

  it("leaves other requests alone: no match, a match outside the last user message, scriptedAnswers off, ignore_eos", async () => {
    const e = entryWithFirstVariant("field");
    const v = firstVariant(e);
    const on = await start();
    const off = await start({ scriptedAnswers: false });
    const hello = { messages: [userTurn("Hello, how does the simulator work?")] };
    const a = await postChat(on.baseUrl, hello);
    const b = await postChat(off.baseUrl, hello);
    expect(a.json.choices[0]?.message.content).toBe(b.json.choices[0]?.message.content);

    const earlier = { messages: [userTurn(promptOf(e)), { role: "assistant", content: "Done." }, userTurn("Thanks, and now?")] };
    const c = await postChat(on.baseUrl, earlier);
    expect(c.json.choices[0]?.message.content).not.toContain(v.answer.trim().slice(0, 40));

    const task = { messages: [userTurn(promptOf(e))] };
    const d = await postChat(off.baseUrl, task);
    expect(d.json.choices[0]?.message.content).not.toContain(v.answer.trim().slice(0, 40));
    expect(d.json.choices[0]?.message.reasoning).toBeUndefined(); // the profile's reasoning is "none"

    const f = await postChat(on.baseUrl, { ...task, ignore_eos: true, max_tokens: 9 });
    expect(f.json.usage?.completion_tokens).toBe(9);
    expect(f.json.choices[0]?.message.reasoning).toBeUndefined();
    // ignore_eos did not consume a variant: the next plain request still gets variant 0
    const g = await postChat(on.baseUrl, task);
    expect(g.json.choices[0]?.message.content).toBe(v.answer.trim());
  });

  it("drops the reasoning when the request turns thinking off", async () => {
    const sim = await start();
    const e = entryWithFirstVariant("think_tag");
    const v = firstVariant(e);
    const { json } = await postChat(sim.baseUrl, { messages: [userTurn(promptOf(e))], chat_template_kwargs: { enable_thinking: false } });
    expect(json.choices[0]?.message.content).toBe(v.answer.trim());
    expect(json.usage?.completion_tokens).toBe(countTokens(v.answer.trim()));
  });
});
