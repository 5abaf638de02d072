/**
 * Drives the cache scenario: for each probe, `repetitions` miss/hit pairs sent one at a
 * time, misses and hits interleaved (the order alternates where the probe allows it) so
 * that a slow drift of the server affects both alike. The server's /metrics are
 * snapshotted before and after each probe so its counters can be diffed over exactly it.
 *
 * - continued: turn 1 of a fresh conversation (nonce first, ~prefix_tokens of notes) is the
 *   miss; turn 2 (turn 1 + the reply + a short new message) is the hit.
 * - independent (the control): two fresh prompts of the same length, each led by its own
 *   nonce; nothing can be reused, so its "speedup" is the noise floor (≈ 1.0).
 * - shared_prefix: a warm request loads the document (recorded, excluded from the figures);
 *   the miss puts its nonce before the document, the hit after it (same length, but the hit
 *   starts with the document as loaded), each with a different short question.
 */
import type { CacheScenarioConfig } from "../../config/schema.js";
import type { ChatResult } from "../../client/types.js";
import type { WireMessage } from "../../wire/openai.js";
import { sendChat } from "../common.js";
import { RECORD_VERSION } from "../../store/records.js";
import type { ScenarioContext } from "../types.js";
import {
  CONTINUED_INSTRUCTION,
  documentForBudget,
  documentPrompt,
  fillerText,
  INDEPENDENT_INSTRUCTION,
  loadDocument,
  loadQuestions,
  noncePrompt,
  pickQuestion,
  WARM_QUESTION,
  type CacheQuestions,
} from "./prompts.js";

export type CacheProbe = CacheScenarioConfig["probes"][number];
export type CacheRole = "miss" | "hit" | "warm";

/** Requests a probe sends when every one succeeds. */
export function plannedRequests(probe: CacheProbe, repetitions: number): number {
  return 2 * repetitions + (probe === "shared_prefix" ? 1 : 0);
}

interface ProbeRun {
  config: CacheScenarioConfig;
  ctx: ScenarioContext;
  source: string;
  document: string;
  questions: CacheQuestions;
  /** Counter of filler texts handed out, so that every prompt starts its text elsewhere. */
  filler: { next: number };
}

export async function runCache(config: CacheScenarioConfig, ctx: ScenarioContext): Promise<void> {
  const loaded = loadDocument(config.document);
  const run: ProbeRun = {
    config,
    ctx,
    source: loaded.text,
    document: documentForBudget(loaded.text, config.prefix_tokens),
    questions: loadQuestions(),
    filler: { next: 0 },
  };
  ctx.events.emit("scenario:start", {
    name: config.name,
    kind: config.kind,
    plannedRequests: config.probes.reduce((s, p) => s + plannedRequests(p, config.repetitions), 0),
  });
  for (const probe of config.probes) {
    if (ctx.signal.aborted) break;
    await snapshot(ctx);
    if (probe === "continued") await runContinued(run);
    else if (probe === "independent") await runIndependent(run);
    else await runSharedPrefix(run);
    await snapshot(ctx);
  }
  ctx.events.emit("scenario:end", { name: config.name, kind: config.kind });
}

/** A /metrics snapshot outside the polling cadence; a failed scrape never stops the probe. */
async function snapshot(ctx: ScenarioContext): Promise<void> {
  if (!ctx.monitor) return;
  try {
    await ctx.monitor.snapshotNow();
  } catch {
    // The monitor records its own failures in the timeline; the analysis copes with gaps.
  }
}

async function send(
  run: ProbeRun,
  probe: CacheProbe,
  role: CacheRole,
  repetition: number,
  history: WireMessage[],
  newMessages: WireMessage[],
): Promise<ChatResult> {
  const { config, ctx } = run;
  const { result, params } = await sendChat(ctx, history, { maxTokens: config.max_tokens, temperature: config.temperature });
  ctx.record({
    v: RECORD_VERSION,
    id: `${config.name}/${probe}/${role === "warm" ? "warm" : `r${repetition}/${role}`}`,
    scenario: config.name,
    kind: config.kind,
    session: probe,
    iteration: repetition,
    probe,
    role,
    newMessages,
    messageCount: history.length,
    params,
    result,
  });
  return result;
}

/** Sends a one-message prompt (the whole prompt is new). */
function sendSingle(run: ProbeRun, probe: CacheProbe, role: CacheRole, repetition: number, content: string): Promise<ChatResult> {
  const messages: WireMessage[] = [{ role: "user", content }];
  return send(run, probe, role, repetition, messages, messages);
}

function nextFiller(run: ProbeRun): string {
  return fillerText(run.source, run.config.prefix_tokens, run.filler.next++);
}

async function runContinued(run: ProbeRun): Promise<void> {
  for (let r = 1; r <= run.config.repetitions; r++) {
    if (run.ctx.signal.aborted) return;
    const first: WireMessage = { role: "user", content: noncePrompt(nextFiller(run), CONTINUED_INSTRUCTION) };
    const miss = await send(run, "continued", "miss", r, [first], [first]);
    // Without the first answer there is no conversation to continue: the pair counts one failure.
    if (!miss.ok || run.ctx.signal.aborted) continue;
    const added: WireMessage[] = [
      { role: "assistant", content: miss.content },
      { role: "user", content: pickQuestion(run.questions.follow_ups, r - 1) },
    ];
    await send(run, "continued", "hit", r, [first, ...added], added);
  }
}

async function runIndependent(run: ProbeRun): Promise<void> {
  for (let r = 1; r <= run.config.repetitions; r++) {
    const order: CacheRole[] = r % 2 === 1 ? ["miss", "hit"] : ["hit", "miss"];
    for (const role of order) {
      if (run.ctx.signal.aborted) return;
      // Both are fresh prompts of the same length; "hit" only names the control's second arm.
      await sendSingle(run, "independent", role, r, noncePrompt(nextFiller(run), INDEPENDENT_INSTRUCTION));
    }
  }
}

async function runSharedPrefix(run: ProbeRun): Promise<void> {
  if (run.ctx.signal.aborted) return;
  const qs = run.questions.document_questions;
  await sendSingle(run, "shared_prefix", "warm", 0, documentPrompt(run.document, WARM_QUESTION, "after"));
  // A second snapshot after the warm request, so the probe's window can start after it.
  await snapshot(run.ctx);
  for (let r = 1; r <= run.config.repetitions; r++) {
    const order: CacheRole[] = r % 2 === 1 ? ["miss", "hit"] : ["hit", "miss"];
    for (const role of order) {
      if (run.ctx.signal.aborted) return;
      const question = pickQuestion(qs, 2 * (r - 1) + (role === "miss" ? 0 : 1));
      await sendSingle(run, "shared_prefix", role, r, documentPrompt(run.document, question, role === "miss" ? "before" : "after"));
    }
  }
}
