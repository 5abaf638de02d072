/**
 * Scripted answers for the built-in reasoning tasks (suites/sim/reasoning-answers.yaml).
 *
 * Each bank entry names a task, a `match` string (a distinctive substring of the task's
 * prompt) and several variants: correct ones in different phrasings, wrong ones and
 * truncated ones, each with its reasoning and how that reasoning goes on the wire
 * (`delta.reasoning`, `delta.reasoning_content`, or inline `<think>…</think>` content).
 *
 * When a chat request's last user message contains an entry's match string, the simulator
 * answers with one of that entry's variants instead of filler prose. The choice is
 * deterministic: the n-th request for a task (counted per simulator, from 1) gets variant
 * (n − 1) mod (number of variants); after the simulator's answerChangeAfter, variant
 * n mod (number of variants), so every answer differs from the one it would have been. The
 * text is tokenized with the simulator's own tokenizer and streamed at the profile's pace;
 * reasoning comes first, then the answer.
 *
 * The simulator reads this data file; it imports nothing from the client or the scenarios.
 */
import { join } from "node:path";
import { parseDataFile } from "../config/data-file.js";
import { z } from "zod";
import { PACKAGE_ROOT } from "../version.js";
import { cachedBankLoader, rejectDuplicateKeys } from "./bank.js";
import { contentText, type TemplateMessage } from "./chat-template.js";
import type { ReplyPlan, TokenPart } from "./plan.js";
import { tokenId, tokenize } from "./tokenizer.js";

/** The built-in answer bank. */
export const DEFAULT_ANSWER_BANK_PATH = join(PACKAGE_ROOT, "suites", "sim", "reasoning-answers.yaml");

export const SCRIPTED_KINDS = ["correct", "wrong", "truncated"] as const;
export const REASONING_FORMATS = ["field", "reasoning_content", "think_tag"] as const;

export const scriptedVariantSchema = z
  .object({
    /** correct: meets the task's criteria; wrong: does not; truncated: cut by max_tokens (finish_reason "length"). */
    kind: z.enum(SCRIPTED_KINDS),
    /** field: `delta.reasoning` / `message.reasoning` (vLLM ≥ 0.10); reasoning_content: the older name; think_tag: inline `<think>…</think>` content. */
    reasoning_format: z.enum(REASONING_FORMATS),
    reasoning: z.string().min(1),
    /** May be empty only for a truncated variant (cut while still reasoning). */
    answer: z.string(),
    /** For readers of the bank: what this variant exercises. */
    note: z.string().optional(),
  })
  .strict()
  .refine((v) => v.kind === "truncated" || v.answer.trim().length > 0, { message: "only a truncated variant may have an empty answer", path: ["answer"] });

export const scriptedEntrySchema = z
  .object({
    /** The task id in suites/reasoning/*.yaml. */
    task: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    /** A distinctive substring of the task's prompt (exact, case-sensitive). */
    match: z.string().min(12, "a match string of at least 12 characters, distinctive enough to name one task"),
    variants: z.array(scriptedVariantSchema).min(1),
  })
  .strict();

export const answerBankSchema = z
  .object({
    answers: z.array(scriptedEntrySchema),
  })
  .strict()
  .superRefine((bank, ctx) => rejectDuplicateKeys(bank.answers, (e) => e.task, (i) => ["answers", i, "task"], "task", ctx));

export type ScriptedKind = (typeof SCRIPTED_KINDS)[number];
export type ReasoningFormat = (typeof REASONING_FORMATS)[number];
export type ScriptedVariant = z.infer<typeof scriptedVariantSchema>;
export type ScriptedEntry = z.infer<typeof scriptedEntrySchema>;
export type AnswerBank = z.infer<typeof answerBankSchema>;

/** Parses and validates a bank's YAML text. Throws ConfigError naming `label`. */
export function parseAnswerBank(text: string, label: string): AnswerBank {
  return parseDataFile(text, label, answerBankSchema, "a scripted answer bank", "See docs/tasks.md.", "SHAKEDOWN_SIM_OPTIONS");
}

const loadBank = cachedBankLoader(parseAnswerBank, "scripted answer bank");

/** Reads a bank file (the built-in one by default). A file is read and parsed once per process. */
export function loadAnswerBank(path: string = DEFAULT_ANSWER_BANK_PATH): AnswerBank {
  return loadBank(path);
}

/** A reply plan from the bank: a ReplyPlan plus the field the reasoning goes in. */
export interface ScriptedPlan extends ReplyPlan {
  /** Where reasoning tokens (parts "reasoning") go on the wire. Unused for think_tag (all content). */
  reasoningField: "reasoning" | "reasoning_content";
  /** Which entry and variant produced it (for tests and logs). */
  task: string;
  variantIndex: number;
  kind: ScriptedKind;
}

export interface ScriptedPlanOptions {
  /** Completion tokens at most (max_tokens, or the room left in the context). */
  maxTokens: number;
  /** chat_template_kwargs.enable_thinking; false drops the reasoning, as a real template would. */
  thinking: boolean;
  /**
   * Moves the rotation this many variants on (the simulator's answerChangeAfter): the n-th
   * request gets variant (n − 1 + shift) mod count. Default 0.
   */
  variantShift?: number;
}

/**
 * The tokens of one variant, cut at `maxTokens`. finish_reason is "length" for a truncated
 * variant (its text is what the model had written when it ran out of budget) and for any
 * variant longer than `maxTokens`; "stop" otherwise. Returns undefined when there is
 * nothing to say (a truncated variant with no answer and thinking off).
 */
export function planScripted(variant: ScriptedVariant, options: ScriptedPlanOptions): Omit<ScriptedPlan, "task" | "variantIndex"> | undefined {
  const reasoning = options.thinking ? variant.reasoning.trim() : "";
  const answer = variant.answer.trim();
  let tokens: string[];
  let parts: TokenPart[];
  let reasoningCount: number;
  if (variant.reasoning_format === "think_tag") {
    // Inline: everything is content; tokenized as one text so a resent reply re-tokenizes the same.
    // A variant cut while still reasoning (no answer) never closed its <think> block.
    const closed = answer.length > 0 || variant.kind !== "truncated";
    const block = reasoning.length === 0 ? "" : closed ? `<think>\n${reasoning}\n</think>\n\n` : `<think>\n${reasoning}`;
    tokens = tokenize(block + answer);
    parts = tokens.map((): TokenPart => "content");
    reasoningCount = 0;
    let chars = 0;
    for (const t of tokens) {
      if (chars >= block.length) break;
      chars += t.length;
      reasoningCount++;
    }
  } else {
    const r = reasoning.length > 0 ? tokenize(reasoning) : [];
    const a = tokenize(answer);
    tokens = [...r, ...a];
    parts = [...r.map((): TokenPart => "reasoning"), ...a.map((): TokenPart => "content")];
    reasoningCount = r.length;
  }
  if (tokens.length === 0) return undefined;
  const cap = Math.max(1, options.maxTokens);
  const cut = tokens.length > cap;
  const total = Math.min(tokens.length, cap);
  tokens = tokens.slice(0, total);
  return {
    tokens,
    parts: parts.slice(0, total),
    ids: tokens.map(tokenId),
    finishReason: cut || variant.kind === "truncated" ? "length" : "stop",
    reasoningTokens: Math.min(reasoningCount, total),
    reasoningField: variant.reasoning_format === "reasoning_content" ? "reasoning_content" : "reasoning",
    kind: variant.kind,
  };
}

/** The text of the last user message of a conversation ("" when there is none). */
export function lastUserText(messages: readonly TemplateMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role === "user") return contentText(m.content);
  }
  return "";
}

/**
 * One simulator's use of a bank: finds the task a request asks and rotates through its
 * variants. The n-th request for a task (n = 1, 2, …) gets variant (n − 1) mod count.
 */
export class ScriptedAnswers {
  private readonly seen = new Map<string, number>();

  constructor(readonly bank: AnswerBank) {}

  /** The first entry (in bank order) whose match string the last user message contains. */
  find(messages: readonly TemplateMessage[]): ScriptedEntry | undefined {
    const text = lastUserText(messages);
    if (text.length === 0) return undefined;
    return this.bank.answers.find((e) => text.includes(e.match));
  }

  /** How many times a task has been answered from the bank so far. */
  timesSeen(task: string): number {
    return this.seen.get(task) ?? 0;
  }

  /**
   * The scripted reply to a request, or undefined when no task matches (the caller then
   * replies as usual). Counts the request against the task it matched.
   */
  answer(messages: readonly TemplateMessage[], options: ScriptedPlanOptions): ScriptedPlan | undefined {
    const entry = this.find(messages);
    if (!entry) return undefined;
    const n = this.timesSeen(entry.task);
    this.seen.set(entry.task, n + 1);
    const variantIndex = (n + (options.variantShift ?? 0)) % entry.variants.length;
    const variant = entry.variants[variantIndex]!;
    const plan = planScripted(variant, options);
    return plan ? { ...plan, task: entry.task, variantIndex } : undefined;
  }
}
