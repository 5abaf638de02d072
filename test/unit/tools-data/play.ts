/**
 * Plays a built-in tool case against the simulator's scripted tool calls, as the tools
 * scenario runs it: bank → calls → executors → tool messages → next turn, until a turn
 * answers in text. Shared by the case tests and the negatives tests.
 */
import { expect } from "vitest";
import type { ToolCase } from "../../../src/scenarios/tools/case.js";
import { createToolSession, toolMessageContent } from "../../../src/scenarios/tools/executors.js";
import type { TemplateMessage } from "../../../src/sim/chat-template.js";
import { loadToolAnswerBank, ScriptedToolCalls } from "../../../src/sim/tools.js";

const bank = loadToolAnswerBank();

export interface Played {
  turns: { name: string; args: Record<string, unknown> }[][];
  answer: string;
}

/** Plays one variant (by seed) of a case: bank → calls → executors → tool messages → next turn. */
export function play(c: ToolCase, seed: number): Played {
  const sim = new ScriptedToolCalls(bank, "hermes");
  const session = createToolSession();
  const messages: TemplateMessage[] = [];
  if (c.system_prompt) messages.push({ role: "system", content: c.system_prompt });
  messages.push({ role: "user", content: c.prompt });
  const turns: Played["turns"] = [];
  for (let step = 1; step <= c.max_steps; step++) {
    const plan = sim.answer(messages, { seed, maxTokens: c.max_tokens });
    if (!plan) throw new Error(`${c.id}: the bank does not answer`);
    expect(plan.finishReason, `${c.id} turn ${step} fits max_tokens`).toBe("stop");
    const calls = plan.message.tool_calls ?? [];
    if (calls.length === 0) return { turns, answer: plan.message.content ?? "" };
    turns.push(calls.map((tc) => ({ name: tc.function.name, args: JSON.parse(tc.function.arguments) as Record<string, unknown> })));
    messages.push({ role: "assistant", content: null, tool_calls: calls });
    for (const tc of calls) {
      const out = session.execute(tc.function.name, JSON.parse(tc.function.arguments));
      messages.push({ role: "tool", content: toolMessageContent(out) });
    }
  }
  return { turns, answer: "" };
}

