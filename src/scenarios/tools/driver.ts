/**
 * Drives the tools scenario: each case runs as an agent loop. The model's tool calls are
 * executed locally from deterministic fixtures (never anything the model wrote), their
 * results are sent back as `tool` messages, and the loop goes on until a final answer or
 * the case's step limit. Each step is one recorded request. The first request of a case
 * is also sent non-streamed, to compare the calls the streaming parser assembled.
 */
import type { ToolsScenarioConfig } from "../../config/schema.js";
import { RECORD_VERSION, type RequestRecord } from "../../store/records.js";
import type { WireMessage, WireTool } from "../../wire/openai.js";
import { sendChat } from "../common.js";
import type { ScenarioContext } from "../types.js";
import { caseAsRun, type ToolCase } from "./case.js";
import { createToolSession, executeTool, resolveToolSpecs, toolMessageContent } from "./executors.js";
import { selectCases } from "./packs.js";

export function toolConcurrencyLevels(config: ToolsScenarioConfig): number[] {
  return Array.isArray(config.concurrency) ? config.concurrency : [config.concurrency];
}

interface Job {
  toolCase: ToolCase;
  tools: WireTool[];
  repetition: number;
  level: number;
}

export async function runTools(config: ToolsScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const cases = selectCases(config);
  const tools = new Map(cases.map((c) => [c.id, resolveToolSpecs(c.tools)]));
  const levels = toolConcurrencyLevels(config);
  const perLevel = cases.length * config.repetitions;
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: perLevel * levels.length });
  for (const level of levels) {
    if (ctx.signal.aborted) break;
    const jobs: Job[] = cases.flatMap((toolCase) =>
      Array.from({ length: config.repetitions }, (_, r) => ({ toolCase, tools: tools.get(toolCase.id)!, repetition: r + 1, level })),
    );
    let cursor = 0;
    const slot = async () => {
      while (cursor < jobs.length && !ctx.signal.aborted) await runCase(config, ctx, jobs[cursor++]!);
    };
    await Promise.all(Array.from({ length: Math.min(level, jobs.length) }, slot));
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

function parseArgs(text: string): unknown {
  try {
    return text.trim() === "" ? {} : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

async function runCase(config: ToolsScenarioConfig, ctx: ScenarioContext, job: Job): Promise<void> {
  const { toolCase: c, tools, repetition, level } = job;
  const levels = toolConcurrencyLevels(config);
  const base = `${config.name}/${levels.length > 1 ? `c${level}/` : ""}${c.id}/r${repetition}`;
  const messages: WireMessage[] = [];
  if (c.system_prompt) messages.push({ role: "system", content: c.system_prompt });
  messages.push({ role: "user", content: c.prompt });
  // The seed makes a run reproducible where the server honours it (the simulator picks its
  // scripted variant from it, so streamed and non-streamed requests get the same calls).
  const sampling = { maxTokens: c.max_tokens, temperature: config.temperature, seed: repetition - 1, tools };
  const record = (rec: Omit<RequestRecord, "v" | "scenario" | "kind" | "session" | "iteration" | "concurrency">) =>
    ctx.record({ v: RECORD_VERSION, scenario: config.name, kind: config.kind, session: c.id, iteration: repetition, concurrency: level, ...rec });

  // Each case run has its own tool state (ticket numbers start afresh), whatever runs beside it.
  const session = createToolSession();
  let sentUpTo = 0;
  for (let step = 1; step <= c.max_steps && !ctx.signal.aborted; step++) {
    const { result, params } = await sendChat(ctx, messages, sampling);
    record({
      id: `${base}/s${step}`,
      turn: step,
      role: "step",
      ...(step === 1 ? { toolCase: caseAsRun(c) } : {}),
      newMessages: messages.slice(sentUpTo),
      messageCount: messages.length,
      params,
      result,
    });
    sentUpTo = messages.length;
    if (step === 1 && config.compare_non_streamed && result.ok) {
      const ns = await sendChat(ctx, messages, { ...sampling, stream: false });
      record({
        id: `${base}/s1/non-streamed`,
        turn: 1,
        role: "non_streamed",
        newMessages: [],
        messageCount: messages.length,
        params: ns.params,
        result: ns.result,
      });
    }
    if (!result.ok || result.toolCalls.length === 0) return;
    messages.push({ role: "assistant", content: result.content === "" ? null : result.content, tool_calls: result.toolCalls });
    for (const call of result.toolCalls) {
      const args = parseArgs(call.function.arguments);
      const out =
        args === undefined
          ? { ok: false as const, error: `arguments are not valid JSON: ${call.function.arguments.slice(0, 200)}` }
          : executeTool(call.function.name, args, session);
      messages.push({ role: "tool", tool_call_id: call.id, content: toolMessageContent(out) });
    }
  }
}
