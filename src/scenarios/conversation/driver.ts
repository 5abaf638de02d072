/**
 * Drives the conversation scenario. At each concurrency level C (one level, or a sweep such
 * as [1, 2, 5, 10] run in order), C session slots run at once and each slot runs
 * `iterations` sessions one after another. A session is `turns` user turns; every turn
 * resends the whole history and the assistant's answer (content only, never the
 * reasoning) is appended to it.
 */
import type { ConversationScenarioConfig } from "../../config/schema.js";
import type { WireMessage } from "../../wire/openai.js";
import type { ScenarioContext } from "../types.js";
import { RECORD_VERSION } from "../../store/records.js";
import { sendChat } from "../common.js";
import { scriptsForIterations, type ConversationScript } from "./scripts.js";

export function concurrencyLevels(config: ConversationScenarioConfig): number[] {
  return Array.isArray(config.concurrency) ? config.concurrency : [config.concurrency];
}

/** Session id: "conv/i2" for plain sequential runs, "conv/c5/s7" when sessions run concurrently. */
export function sessionId(config: ConversationScenarioConfig, level: number, index: number): string {
  const levels = concurrencyLevels(config);
  return levels.length === 1 && level === 1 ? `${config.name}/i${index}` : `${config.name}/c${level}/s${index}`;
}

interface SessionPlan {
  level: number;
  index: number;
  sessions: number;
  script: ConversationScript;
  /** Set when this script already ran in this scenario: keeps sessions from sharing cached prefixes. */
  tag?: string;
}

export async function runConversation(config: ConversationScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const levels = concurrencyLevels(config);
  const totalSessions = levels.reduce((a, c) => a + c * config.iterations, 0);
  const scripts = scriptsForIterations(config.script, totalSessions);
  ctx.events.emit("scenario:start", {
    name: config.name,
    kind: config.kind,
    plannedRequests: config.turns * totalSessions,
  });
  const used = new Map<string, number>();
  let next = 0;
  for (const level of levels) {
    if (ctx.signal.aborted) break;
    const sessions = level * config.iterations;
    const plans: SessionPlan[] = [];
    for (let k = 1; k <= sessions; k++) {
      const script = scripts[next++]!;
      const uses = used.get(script.name) ?? 0;
      used.set(script.name, uses + 1);
      plans.push({ level, index: k, sessions, script, ...(uses > 0 ? { tag: `${sessionId(config, level, k)}` } : {}) });
    }
    // C slots, each taking the next planned session when its previous one ends.
    let cursor = 0;
    const slot = async () => {
      while (cursor < plans.length && !ctx.signal.aborted) {
        const plan = plans[cursor++]!;
        await runSession(config, ctx, plan);
      }
    };
    await Promise.all(Array.from({ length: level }, slot));
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

async function runSession(config: ConversationScenarioConfig, ctx: ScenarioContext, plan: SessionPlan): Promise<void> {
  const { script, level } = plan;
  const iteration = plan.index;
  const session = sessionId(config, level, iteration);
  ctx.events.emit("session:start", { scenario: config.name, session, iteration, sessions: plan.sessions });
  const history: WireMessage[] = [];
  const system = config.system_prompt ?? script.system_prompt;
  if (system) history.push({ role: "system", content: system });

  for (let turn = 1; turn <= config.turns; turn++) {
    if (ctx.signal.aborted) return;
    const text = script.turns[turn - 1]!;
    // A reused script gets its session id in front of its first message, so that its
    // conversation cannot reuse another session's cached prefix (beyond the system prompt).
    const user: WireMessage = { role: "user", content: turn === 1 && plan.tag ? `[${plan.tag}] ${text}` : text };
    const newMessages: WireMessage[] = turn === 1 && system ? [history[0]!, user] : [user];
    history.push(user);
    const { result, params } = await sendChat(ctx, history, {
      maxTokens: config.max_tokens,
      temperature: config.temperature,
      ...(config.seed !== undefined ? { seed: config.seed } : {}),
    });
    ctx.record({
      v: RECORD_VERSION,
      id: `${session}/t${turn}`,
      scenario: config.name,
      kind: config.kind,
      session,
      iteration,
      turn,
      concurrency: level,
      newMessages,
      messageCount: history.length,
      params,
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
