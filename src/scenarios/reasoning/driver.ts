/**
 * Drives the reasoning scenario: each task of the pack, `repetitions` times, `concurrency`
 * at once. With a judge configured, each answer that has judge criteria is sent to the
 * judge right after; the judge's exchange is recorded too, with the grades it gave.
 */
import type { ReasoningScenarioConfig } from "../../config/schema.js";
import { createClient, preflight, type ChatClient, type ChatResult } from "../../client/index.js";
import { judgeCriteria, type Complete } from "../../grading/index.js";
import type { JudgeCriterion } from "../../grading/criteria.js";
import { RECORD_VERSION, type RequestRecord } from "../../store/records.js";
import type { WireMessage } from "../../wire/openai.js";
import { apiKeyFromEnv } from "../../run/target.js";
import { sendChat } from "../common.js";
import type { ScenarioContext } from "../types.js";
import { taskAsRun, type Task } from "./pack.js";
import { selectTasks } from "./packs.js";

interface Judge {
  client: ChatClient;
  model: string;
  maxTokens: number;
  close(): Promise<void>;
}

async function openJudge(config: ReasoningScenarioConfig, ctx: ScenarioContext): Promise<Judge | undefined> {
  const j = config.judge;
  if (!j) return undefined;
  if (j.url === undefined) {
    return { client: ctx.client, model: j.model ?? ctx.targetInfo.model, maxTokens: j.max_tokens, close: async () => undefined };
  }
  const apiKey = apiKeyFromEnv(j.api_key_env);
  const t = ctx.target.timeouts;
  const endpoint = {
    baseUrl: j.url,
    ...(apiKey !== undefined ? { apiKey } : {}),
    timeouts: { connectMs: t.connect_ms, firstByteMs: t.first_byte_ms, betweenTokensMs: t.between_tokens_ms, totalMs: t.total_ms },
  };
  const pre = await preflight(endpoint, { ...(j.api_key_env !== undefined ? { apiKeyEnv: j.api_key_env } : {}), keySetting: "judge.api_key_env" });
  const model = j.model ?? pre.models[0]?.id;
  if (model === undefined) throw new Error(`the judge at ${j.url} lists no model; set judge.model`);
  const client = createClient(endpoint);
  return { client, model, maxTokens: j.max_tokens, close: () => client.close() };
}

export async function runReasoning(config: ReasoningScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const tasks = selectTasks(config);
  const jobs = tasks.flatMap((task) => Array.from({ length: config.repetitions }, (_, r) => ({ task, repetition: r + 1 })));
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: jobs.length });
  const judge = await openJudge(config, ctx);
  try {
    let cursor = 0;
    const slot = async () => {
      while (cursor < jobs.length && !ctx.signal.aborted) {
        const job = jobs[cursor++]!;
        await runTask(config, ctx, job.task, job.repetition, judge);
      }
    };
    await Promise.all(Array.from({ length: Math.min(config.concurrency, jobs.length) }, slot));
  } finally {
    await judge?.close();
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

async function runTask(config: ReasoningScenarioConfig, ctx: ScenarioContext, task: Task, repetition: number, judge: Judge | undefined): Promise<void> {
  const messages: WireMessage[] = [];
  if (task.system_prompt) messages.push({ role: "system", content: task.system_prompt });
  messages.push({ role: "user", content: task.prompt });
  const { result, params } = await sendChat(ctx, messages, {
    maxTokens: config.max_tokens ?? task.max_tokens,
    temperature: config.temperature,
  });
  const id = `${config.name}/${task.id}/r${repetition}`;
  ctx.record({
    v: RECORD_VERSION,
    id,
    scenario: config.name,
    kind: config.kind,
    session: task.id,
    iteration: repetition,
    role: "answer",
    task: taskAsRun(task),
    newMessages: messages,
    messageCount: messages.length,
    params,
    result,
  });
  const judged = task.criteria.filter((c): c is JudgeCriterion => c.grader === "judge");
  if (!judge || judged.length === 0 || !result.ok || ctx.signal.aborted) return;

  const exchanges: { messages: WireMessage[]; result: ChatResult }[] = [];
  const complete: Complete = async (msgs) => {
    const m: WireMessage[] = msgs.map((x) => ({ role: x.role, content: x.content }));
    const r = await judge.client.chat({
      model: judge.model,
      messages: m,
      stream: true,
      maxTokens: judge.maxTokens,
      temperature: 0,
      signal: ctx.signal,
    });
    exchanges.push({ messages: m, result: r });
    return r.ok ? { ok: true, text: r.content } : { ok: false, error: r.error?.message ?? "judge request failed" };
  };
  const grades = await judgeCriteria(judged, {
    prompt: task.prompt,
    answer: result.content,
    reasoning: result.reasoning,
    ...(task.reference !== undefined ? { reference: task.reference } : {}),
    complete,
  });
  exchanges.forEach((x, i) => {
    const rec: RequestRecord = {
      v: RECORD_VERSION,
      id: `${id}/judge${exchanges.length > 1 ? i + 1 : ""}`,
      scenario: config.name,
      kind: config.kind,
      session: task.id,
      iteration: repetition,
      role: "judge",
      judged: { recordId: id, grades: i === exchanges.length - 1 ? grades : [] },
      newMessages: x.messages,
      messageCount: x.messages.length,
      params: { model: judge.model, maxTokens: judge.maxTokens, temperature: 0, stream: true },
      result: x.result,
    };
    ctx.record(rec);
  });
}
