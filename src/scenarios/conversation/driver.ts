/**
 * Drives the conversation scenario: `iterations` sessions, one after another, each of
 * `turns` user turns; every turn resends the whole history and the assistant's answer
 * (content only, never the reasoning) is appended to it.
 */
import type { ConversationScenarioConfig } from "../../config/schema.js";
import type { WireMessage } from "../../wire/openai.js";
import type { ScenarioContext } from "../types.js";
import { RECORD_VERSION } from "../../store/records.js";
import { scriptsForIterations, type ConversationScript } from "./scripts.js";

export async function runConversation(config: ConversationScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const scripts = scriptsForIterations(config.script, config.iterations);
  ctx.events.emit("scenario:start", {
    name: config.name,
    kind: config.kind,
    plannedRequests: config.turns * config.iterations,
  });
  for (let i = 0; i < config.iterations; i++) {
    if (ctx.signal.aborted) break;
    await runSession(config, ctx, scripts[i]!, i + 1);
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

async function runSession(
  config: ConversationScenarioConfig,
  ctx: ScenarioContext,
  script: ConversationScript,
  iteration: number,
): Promise<void> {
  const session = `${config.name}/i${iteration}`;
  ctx.events.emit("session:start", { scenario: config.name, session, iteration, sessions: config.iterations });
  const history: WireMessage[] = [];
  const system = config.system_prompt ?? script.system_prompt;
  if (system) history.push({ role: "system", content: system });

  for (let turn = 1; turn <= config.turns; turn++) {
    if (ctx.signal.aborted) return;
    const user: WireMessage = { role: "user", content: script.turns[turn - 1]! };
    const newMessages: WireMessage[] = turn === 1 && system ? [history[0]!, user] : [user];
    history.push(user);
    const result = await ctx.client.chat({
      model: ctx.targetInfo.model,
      messages: history,
      stream: ctx.target.stream,
      maxTokens: config.max_tokens,
      temperature: config.temperature,
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
      continuousUsage: ctx.target.continuous_usage,
      ...(ctx.target.extra_body ? { extraBody: ctx.target.extra_body } : {}),
      signal: ctx.signal,
    });
    ctx.record({
      v: RECORD_VERSION,
      id: `${session}/t${turn}`,
      scenario: config.name,
      kind: config.kind,
      session,
      iteration,
      turn,
      newMessages,
      messageCount: history.length,
      params: {
        model: ctx.targetInfo.model,
        maxTokens: config.max_tokens,
        temperature: config.temperature,
        ...(config.seed !== undefined ? { seed: config.seed } : {}),
        stream: ctx.target.stream,
      },
      result,
    });
    if (result.ok) {
      history.push({ role: "assistant", content: result.content });
    } else {
      // The exchange failed: drop the unanswered user turn so the history keeps
      // alternating roles, and go on with the next turn (failures are counted, not fatal).
      history.pop();
    }
  }
}
