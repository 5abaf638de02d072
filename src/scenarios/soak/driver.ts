/**
 * Drives the soak scenario: for its whole duration, a mix of requests (conversation turns,
 * short prompts, reasoning tasks) at a fixed concurrency (closed loop) or a paced rate (open
 * loop), and, beside them, canary prompts at temperature 0 with a fixed seed, sent at the
 * start and then at a fixed interval, whose answers the analysis compares with their first.
 * Every record is written as it ends (the executor appends it to records.jsonl), so an
 * interrupted soak keeps everything it measured.
 */
import type { SoakScenarioConfig } from "../../config/schema.js";
import { deriveRequestMetrics, percentile } from "../../metrics/index.js";
import { RECORD_VERSION, type RequestRecord } from "../../store/records.js";
import type { WireMessage } from "../../wire/openai.js";
import { runStage, sleepUntil, type Timing } from "../../workload/dispatch.js";
import { sendChat } from "../common.js";
import { scriptsForIterations, type ConversationScript } from "../conversation/scripts.js";
import { taskAsRun, type Task } from "../reasoning/pack.js";
import { selectTasks } from "../reasoning/packs.js";
import type { ScenarioContext } from "../types.js";
import { mixKindOf, shortPrompt, soakPlan, type SoakPlan } from "./plan.js";

/** What the driver attaches (attachments.json) so the analysis cuts the same windows. */
export interface SoakAttachment {
  startPerfMs: number;
  startEpochMs: number;
  durationMs: number;
  windowMs: number;
}

/** Conversations kept in rotation: a request of the mix takes a free one, or starts one. */
interface Conversation {
  id: number;
  script: ConversationScript;
  history: WireMessage[];
  turn: number;
}

/** The tasks the soak's reasoning requests cycle through. */
export function soakTasks(config: SoakScenarioConfig): Task[] {
  return selectTasks({ kind: "reasoning", name: config.name, pack: config.reasoning.pack, repetitions: 1, temperature: config.temperature, concurrency: 1 });
}

const SCRIPT_ROTATION = 64;

export async function runSoak(config: SoakScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const plan = soakPlan(config);
  const uses = new Set(plan.mix.map((m) => m.kind));
  const tasks = uses.has("reasoning") ? soakTasks(config) : [];
  const scripts = uses.has("conversation") ? scriptsForIterations(config.conversation.script, SCRIPT_ROTATION) : [];
  const seed = 0x50a4;

  const start = performance.now();
  const attachment: SoakAttachment = { startPerfMs: start, startEpochMs: Date.now(), durationMs: plan.durationMs, windowMs: plan.windowMs };
  ctx.attach(config.name, "soak", attachment);
  const planned = config.rate !== undefined ? Math.ceil((config.rate * plan.durationMs) / 1000) : 0;
  ctx.events.emit("scenario:start", { name: config.name, kind: config.kind, plannedRequests: planned, durationMs: plan.durationMs });

  const progress = new WindowProgress(config.name, plan, start, ctx);
  const free: Conversation[] = [];
  let conversations = 0;
  let reasoningAsked = 0;

  const record = (rec: Omit<RequestRecord, "v" | "scenario" | "kind">): void => {
    const full: RequestRecord = { v: RECORD_VERSION, scenario: config.name, kind: config.kind, ...rec };
    ctx.record(full);
    if (full.probe !== "canary") progress.add(full);
  };
  const timingOf = (t: Timing, sentPerfMs: number): Partial<RequestRecord> =>
    t.intendedSendPerfMs !== undefined
      ? { intendedSendPerfMs: t.intendedSendPerfMs, clientLagMs: sentPerfMs - t.intendedSendPerfMs, ...(t.slotWaitMs !== undefined ? { slotWaitMs: t.slotWaitMs } : {}) }
      : {};

  const sendConversationTurn = async (t: Timing): Promise<void> => {
    let c = free.pop();
    if (c === undefined) {
      conversations++;
      const script = scripts[(conversations - 1) % scripts.length] as ConversationScript;
      c = { id: conversations, script, history: script.system_prompt ? [{ role: "system", content: script.system_prompt }] : [], turn: 0 };
    }
    c.turn++;
    const session = `${config.name}/conv${c.id}`;
    const text = c.script.turns[(c.turn - 1) % c.script.turns.length] as string;
    // Scripts repeat over hours: the session's id in front of its first message keeps one
    // conversation from reusing another's cached prefix (beyond the system prompt).
    const user: WireMessage = { role: "user", content: c.turn === 1 ? `[${session}] ${text}` : text };
    const newMessages: WireMessage[] = c.turn === 1 && c.history.length === 1 ? [c.history[0] as WireMessage, user] : [user];
    c.history.push(user);
    const { result, params } = await sendChat(ctx, c.history, { maxTokens: config.conversation.max_tokens, temperature: config.temperature });
    record({ id: `${session}/t${c.turn}`, probe: "conversation", session, iteration: c.id, turn: c.turn, newMessages, messageCount: c.history.length, params, result, ...timingOf(t, result.sentPerfMs) });
    if (result.ok) c.history.push({ role: "assistant", content: result.content });
    else c.history.pop();
    if (c.turn < config.conversation.turns) free.push(c);
  };

  const sendShort = async (i: number, t: Timing): Promise<void> => {
    const messages: WireMessage[] = [{ role: "user", content: shortPrompt(i, config.short.input_tokens) }];
    const { result, params } = await sendChat(ctx, messages, { maxTokens: config.short.output_tokens, temperature: config.temperature });
    record({ id: `${config.name}/short${i + 1}`, probe: "short", newMessages: messages, messageCount: 1, params, result, ...timingOf(t, result.sentPerfMs) });
  };

  const sendReasoning = async (t: Timing): Promise<void> => {
    const k = reasoningAsked++;
    const task = tasks[k % tasks.length] as Task;
    const messages: WireMessage[] = [];
    if (task.system_prompt) messages.push({ role: "system", content: task.system_prompt });
    messages.push({ role: "user", content: task.prompt });
    const { result, params } = await sendChat(ctx, messages, { maxTokens: config.reasoning.max_tokens ?? task.max_tokens, temperature: config.temperature });
    record({
      id: `${config.name}/reasoning${k + 1}`,
      probe: "reasoning",
      role: "answer",
      session: task.id,
      iteration: Math.floor(k / tasks.length) + 1,
      task: taskAsRun(task),
      newMessages: messages,
      messageCount: messages.length,
      params,
      result,
      ...timingOf(t, result.sentPerfMs),
    });
  };

  const send = async (i: number, t: Timing): Promise<void> => {
    const kind = mixKindOf(plan, seed, i);
    if (kind === "conversation") await sendConversationTurn(t);
    else if (kind === "short") await sendShort(i, t);
    else await sendReasoning(t);
  };

  const canaries = async (): Promise<void> => {
    const every = plan.canaryEveryMs;
    if (every === undefined) return;
    const end = start + plan.durationMs;
    for (let round = 0; ; round++) {
      // A round that ran past the next one's time (slow answers, a short interval) goes on with
      // the latest slot that has begun, skipping older ones: the canaries never pile up behind
      // the soak nor outlast it.
      round = Math.max(round, Math.floor((performance.now() - start) / every));
      const at = start + round * every;
      if (at >= end) return;
      await sleepUntil(at, ctx.signal);
      if (ctx.signal.aborted) return;
      for (const [k, prompt] of plan.canaryPrompts.entries()) {
        if (ctx.signal.aborted || performance.now() >= end) return;
        const messages: WireMessage[] = [{ role: "user", content: prompt }];
        const { result, params } = await sendChat(ctx, messages, { maxTokens: config.canary.max_tokens, temperature: 0, seed: config.canary.seed });
        record({ id: `${config.name}/canary${k + 1}/r${round + 1}`, probe: "canary", role: "canary", session: `canary${k + 1}`, iteration: round + 1, newMessages: messages, messageCount: 1, params, result });
      }
    }
  };

  progress.start();
  try {
    await Promise.all([
      runStage(
        {
          mode: config.rate !== undefined ? "constant" : "closed",
          rate: config.rate ?? 1,
          burstiness: 1,
          concurrency: config.rate !== undefined ? config.max_in_flight : config.concurrency,
          requests: config.rate !== undefined ? planned + 1 : Number.MAX_SAFE_INTEGER,
          durationMs: plan.durationMs,
          rampUpMs: 0,
          seed,
          startPerfMs: start,
        },
        send,
        ctx.signal,
      ),
      canaries(),
    ]);
  } finally {
    progress.stop();
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

/** Tells the progress display where the soak stands at each window's end. */
class WindowProgress {
  private readonly sent: { at: number; ok: boolean; ttft?: number }[][] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = 0;

  constructor(
    private readonly scenario: string,
    private readonly plan: SoakPlan,
    private readonly startPerfMs: number,
    private readonly ctx: ScenarioContext,
  ) {}

  add(rec: RequestRecord): void {
    const w = Math.floor((rec.result.sentPerfMs - this.startPerfMs) / this.plan.windowMs);
    if (w < 0 || w >= this.plan.windows) return;
    const ttft = rec.result.ok ? deriveRequestMetrics(rec.result).ttftMs : undefined;
    (this.sent[w] ??= []).push({ at: rec.result.sentPerfMs, ok: rec.result.ok, ...(ttft !== undefined ? { ttft } : {}) });
  }

  start(): void {
    const tick = (): void => {
      const now = performance.now();
      while (this.closed < this.plan.windows && now >= this.startPerfMs + (this.closed + 1) * this.plan.windowMs) this.emit(this.closed++);
      if (this.closed < this.plan.windows && !this.ctx.signal.aborted) {
        this.timer = setTimeout(tick, Math.max(10, this.startPerfMs + (this.closed + 1) * this.plan.windowMs - now + 5));
        this.timer.unref();
      }
    };
    tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private emit(w: number): void {
    const rows = this.sent[w] ?? [];
    const ttfts = rows.flatMap((r) => (r.ttft !== undefined ? [r.ttft] : [])).sort((a, b) => a - b);
    const elapsed = (w + 1) * this.plan.windowMs;
    const p90 = ttfts.length ? percentile(ttfts, 90) : undefined;
    this.ctx.events.emit("soak:window", {
      scenario: this.scenario,
      window: w + 1,
      windows: this.plan.windows,
      elapsedMs: elapsed,
      remainingMs: Math.max(0, this.plan.durationMs - elapsed),
      requests: rows.length,
      failed: rows.filter((r) => !r.ok).length,
      ...(p90 !== undefined ? { ttftP90Ms: p90 } : {}),
    });
  }
}
