/**
 * Scripted tool calls for the built-in tool cases (suites/sim/tool-answers.yaml).
 *
 * Each bank entry names a case, a `match` string (a distinctive substring of the case's
 * prompt) and variants. A variant is a script of assistant turns: `calls` turns (one call,
 * or several made in parallel) and a final `answer` turn. Arguments and answers may hold
 * placeholders that read the tool results present in the request ({r1.temperature}), so the
 * simulator reacts to what the tools actually returned: a wrong result gives a wrong answer.
 *
 * Which turn: the number of assistant messages after the matched user message (0 = answer
 * the prompt). Which variant: the request's `seed` modulo the number of variants (no seed =
 * 0, negative seeds wrap), so the streamed and the non-streamed request of one case, sent
 * with the same seed, make the same calls. After the simulator's answerChangeAfter, (seed + 1)
 * modulo the number of variants.
 *
 * How a calls turn goes on the wire: the model's text is what Qwen3 writes (hermes format),
 *   <tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>
 * one block per call, tokenized and paced like any reply. With toolParser "hermes" the
 * simulator parses it as vLLM's hermes parser does: streamed, a first delta per call with
 * index, id, type, function.name and empty arguments once the name is complete, then the
 * arguments in fragments as their tokens come (split mid-JSON), finish_reason "tool_calls";
 * non-streamed, message.tool_calls with content null. Cut by max_tokens, the call cannot be
 * parsed: the text comes back as content (finish_reason "length"), as vLLM does. With
 * toolParser "none" (vLLM without --tool-call-parser) the text is plain content and
 * finish_reason is "stop".
 *
 * The simulator reads this data file; it imports nothing from the client or the scenarios.
 */
import { join } from "node:path";
import { parseDataFile } from "../config/data-file.js";
import { z } from "zod";
import { PACKAGE_ROOT } from "../version.js";
import { cachedBankLoader, rejectDuplicateKeys } from "./bank.js";
import type { WireDelta, WireMessage, WireToolCall, WireToolCallDelta } from "../wire/openai.js";
import { contentText, type TemplateMessage } from "./chat-template.js";
import { fnv1a32 } from "./hash.js";
import type { SimToolParser } from "./options.js";
import type { ReplyPlan } from "./plan.js";
import { tokenId, tokenize } from "./tokenizer.js";

/** The built-in bank. */
export const DEFAULT_TOOL_ANSWER_BANK_PATH = join(PACKAGE_ROOT, "suites", "sim", "tool-answers.yaml");

export const TOOL_VARIANT_KINDS = ["correct", "wrong"] as const;
/** How a wrong variant is wrong. */
export const TOOL_FLAWS = [
  "wrong_argument", // the right function with a wrong value
  "wrong_function", // another function than the one needed
  "missing_call", // an expected call is not made (or not in its turn)
  "extra_call", // a call nobody asked for, next to the expected ones
  "unwanted_call", // a call where none should be made (irrelevance, missing argument)
  "ignores_results", // the calls are right, the answer does not use their results
] as const;

export const scriptedToolCallSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    /** JSON values; strings may hold placeholders ({r1.rate}). */
    arguments: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const scriptedTurnSchema = z.union([
  z.object({ calls: z.array(scriptedToolCallSchema).min(1) }).strict(),
  z.object({ answer: z.string().min(1) }).strict(),
]);

export const toolVariantSchema = z
  .object({
    kind: z.enum(TOOL_VARIANT_KINDS),
    /** For a wrong variant: how it is wrong. */
    flaw: z.enum(TOOL_FLAWS).optional(),
    /** For readers of the bank: what this variant exercises. */
    note: z.string().optional(),
    turns: z.array(scriptedTurnSchema).min(1),
  })
  .strict()
  .superRefine((v, ctx) => {
    v.turns.forEach((t, i) => {
      const last = i === v.turns.length - 1;
      if (last && !("answer" in t)) ctx.addIssue({ code: "custom", message: "the last turn must be an answer", path: ["turns", i] });
      if (!last && !("calls" in t)) ctx.addIssue({ code: "custom", message: "only the last turn may be an answer", path: ["turns", i] });
    });
    if (v.kind === "wrong" && v.flaw === undefined) ctx.addIssue({ code: "custom", message: "a wrong variant names its flaw", path: ["flaw"] });
    if (v.kind === "correct" && v.flaw !== undefined) ctx.addIssue({ code: "custom", message: "a correct variant has no flaw", path: ["flaw"] });
  });

export const toolEntrySchema = z
  .object({
    /** The case id in suites/tools/*.yaml. */
    case: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    /** A distinctive substring of the case's prompt (exact, case-sensitive). */
    match: z.string().min(12, "a match string of at least 12 characters, distinctive enough to name one case"),
    variants: z.array(toolVariantSchema).min(1),
  })
  .strict()
  .refine((e) => e.variants[0]?.kind === "correct", { message: "variant 0 must be correct (seed 0 plays a clean run)", path: ["variants", 0, "kind"] });

export const toolAnswerBankSchema = z
  .object({ cases: z.array(toolEntrySchema) })
  .strict()
  .superRefine((bank, ctx) => rejectDuplicateKeys(bank.cases, (e) => e.case, (i) => ["cases", i, "case"], "case", ctx));

export type ToolVariantKind = (typeof TOOL_VARIANT_KINDS)[number];
export type ToolFlaw = (typeof TOOL_FLAWS)[number];
export type ScriptedToolCall = z.infer<typeof scriptedToolCallSchema>;
export type ScriptedTurn = z.infer<typeof scriptedTurnSchema>;
export type ToolVariant = z.infer<typeof toolVariantSchema>;
export type ToolEntry = z.infer<typeof toolEntrySchema>;
export type ToolAnswerBank = z.infer<typeof toolAnswerBankSchema>;

/** Parses and validates a bank's YAML text. Throws ConfigError naming `label`. */
export function parseToolAnswerBank(text: string, label: string): ToolAnswerBank {
  return parseDataFile(text, label, toolAnswerBankSchema, "a scripted tool-call bank", "See docs/tool-cases.md.", "SHAKEDOWN_SIM_OPTIONS");
}

const loadBank = cachedBankLoader(parseToolAnswerBank, "scripted tool-call bank");

/** Reads a bank file (the built-in one by default). A file is read and parsed once per process. */
export function loadToolAnswerBank(path: string = DEFAULT_TOOL_ANSWER_BANK_PATH): ToolAnswerBank {
  return loadBank(path);
}

// ---------------------------------------------------------------- JSON as Python writes it

/**
 * JSON with Python's json.dumps separators (", " and ": ", non-ASCII kept): how Qwen3 writes
 * a call and how vLLM's hermes parser re-serialises its arguments.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return "null";
  return JSON.stringify(value);
}

// ---------------------------------------------------------------- placeholders

const PLACEHOLDER = /\{r(\d+)((?:\.[A-Za-z0-9_-]+)*)(?:\|([a-z]+)(?::([^{}]*))?)?\}/g;
const WHOLE_PLACEHOLDER = /^\{r(\d+)((?:\.[A-Za-z0-9_-]+)*)\}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The value at `r{n}{.path}` in the results (1-based), or undefined. */
export function resultValue(results: readonly unknown[], n: number, path: string): unknown {
  let v: unknown = results[n - 1];
  for (const seg of path.split(".").filter((s) => s.length > 0)) {
    if (Array.isArray(v) && /^\d+$/.test(seg)) v = v[Number(seg)];
    else if (isRecord(v) && Object.hasOwn(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

function fold(s: string): string {
  return s.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

/** The first sentence of `text` that contains `word` (folded), else the first sentence. */
function sentenceWith(text: string, word: string): string {
  const sentences = text
    .replace(/\s+/g, " ")
    .trim()
    .split(/(?<=[.!?])\s+/);
  const w = fold(word.trim());
  return sentences.find((s) => w.length > 0 && fold(s).includes(w)) ?? sentences[0] ?? "";
}

function formatValue(v: unknown, filter: string | undefined, arg: string | undefined): string {
  if (v === undefined || v === null) return "?";
  if (filter === "fr" && typeof v === "number") return String(v).replace(".", ",");
  if (filter === "sentence" && typeof v === "string") return sentenceWith(v, arg ?? "");
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** A text with its placeholders filled from the results. */
export function fillText(template: string, results: readonly unknown[]): string {
  return template.replace(PLACEHOLDER, (_m, n: string, path: string, filter: string | undefined, arg: string | undefined) =>
    formatValue(resultValue(results, Number(n), path), filter, arg),
  );
}

/** Argument values with their placeholders filled; a whole-value placeholder keeps the value's type (missing = null). */
export function fillArguments(value: unknown, results: readonly unknown[]): unknown {
  if (typeof value === "string") {
    const whole = WHOLE_PLACEHOLDER.exec(value);
    if (whole) return resultValue(results, Number(whole[1]), whole[2] ?? "") ?? null;
    return fillText(value, results);
  }
  if (Array.isArray(value)) return value.map((v) => fillArguments(v, results));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillArguments(v, results)]));
  return value;
}

// ---------------------------------------------------------------- reading the conversation

/** Where a conversation stands in its case's script. */
export interface ToolConversation {
  entry: ToolEntry;
  /** Assistant messages after the matched user message: the turn to play next. */
  turn: number;
  /** The tool messages' contents after the matched user message, in order (JSON parsed where it parses). */
  results: unknown[];
}

function parseResult(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The case a conversation plays (its first user message holds the match string), and where it stands. */
export function readConversation(bank: ToolAnswerBank, messages: readonly TemplateMessage[]): ToolConversation | undefined {
  const u = messages.findIndex((m) => m.role === "user");
  if (u < 0) return undefined;
  const text = contentText(messages[u]?.content);
  const entry = bank.cases.find((e) => text.includes(e.match));
  if (!entry) return undefined;
  let turn = 0;
  const results: unknown[] = [];
  for (const m of messages.slice(u + 1)) {
    if (m.role === "assistant") turn++;
    else if (m.role === "tool") results.push(parseResult(contentText(m.content)));
  }
  return { entry, turn, results };
}

/** variant = seed mod count (no seed = 0; negative seeds wrap to a non-negative index). */
export function toolVariantIndex(seed: number | undefined, count: number): number {
  if (count <= 0) return 0;
  const s = seed ?? 0;
  return ((s % count) + count) % count;
}

// ---------------------------------------------------------------- planning one turn

/** A call as it goes on the wire. */
export interface PlannedToolCall {
  id: string;
  name: string;
  /** The arguments JSON text (Python separators), exactly what the stream's fragments add up to. */
  arguments: string;
}

/** One scripted assistant turn: the tokens the engine paces, and how each goes on the wire. */
export interface ToolTurnPlan extends ReplyPlan {
  case: string;
  variantIndex: number;
  kind: ToolVariantKind;
  /** The turn played (0-based). */
  turn: number;
  /** The calls of a calls turn (empty for an answer turn), whatever the parser makes of them. */
  calls: PlannedToolCall[];
  /** The model's text: the hermes blocks of a calls turn, or the answer. */
  text: string;
  /** The finish_reason the client sees ("tool_calls" for parsed calls); `finishReason` stays the engine's. */
  wireFinishReason: "stop" | "length" | "tool_calls";
  /** The streamed delta of each token; undefined = held back (no chunk). */
  deltas: (WireDelta | undefined)[];
  /** The non-streamed message. */
  message: WireMessage;
}

/** True for a plan made here (the server sends its deltas and message as they are). */
export function isToolTurnPlan(plan: ReplyPlan): plan is ToolTurnPlan {
  return "wireFinishReason" in plan && "deltas" in plan;
}

export interface ToolTurnOptions {
  parser: SimToolParser;
  /** Completion tokens at most (max_tokens, or the room left in the context). */
  maxTokens: number;
  /** Makes the call ids (stable for one case, variant and turn). */
  idKey: string;
}

/** A vLLM-looking tool-call id, stable for a key: chatcmpl-tool- and 32 hex digits. */
export function toolCallId(key: string): string {
  let hex = "";
  for (let i = 0; i < 4; i++) hex += fnv1a32(`${key}#${i}`).toString(16).padStart(8, "0");
  return `chatcmpl-tool-${hex}`;
}

interface CallSpan {
  /** Offset just after the name's closing quote: the name is known once the text reaches it. */
  nameEnd: number;
  argsStart: number;
  argsEnd: number;
}

function hermesText(calls: readonly PlannedToolCall[]): { text: string; spans: CallSpan[] } {
  let text = "";
  const spans: CallSpan[] = [];
  calls.forEach((c, i) => {
    if (i > 0) text += "\n";
    text += `<tool_call>\n{"name": ${JSON.stringify(c.name)}`;
    const nameEnd = text.length;
    text += ', "arguments": ';
    const argsStart = text.length;
    text += c.arguments;
    const argsEnd = text.length;
    text += "}\n</tool_call>";
    spans.push({ nameEnd, argsStart, argsEnd });
  });
  return { text, spans };
}

/** The deltas vLLM's streaming hermes parser sends for these tokens of `text`. */
function hermesDeltas(tokens: readonly string[], calls: readonly PlannedToolCall[], spans: readonly CallSpan[]): (WireDelta | undefined)[] {
  const named = new Array<boolean>(calls.length).fill(false);
  const out: (WireDelta | undefined)[] = [];
  let at = 0;
  for (const tok of tokens) {
    const start = at;
    const end = at + tok.length;
    at = end;
    const parts: WireToolCallDelta[] = [];
    spans.forEach((s, i) => {
      const call = calls[i];
      if (!call) return;
      if (!named[i] && end >= s.nameEnd) {
        named[i] = true;
        parts.push({ index: i, id: call.id, type: "function", function: { name: call.name, arguments: "" } });
      }
      const a = Math.max(start, s.argsStart);
      const b = Math.min(end, s.argsEnd);
      if (named[i] && b > a) {
        const fragment = call.arguments.slice(a - s.argsStart, b - s.argsStart);
        const first = parts.find((p) => p.index === i);
        if (first?.function) first.function.arguments = fragment;
        else parts.push({ index: i, function: { arguments: fragment } });
      }
    });
    out.push(parts.length > 0 ? { tool_calls: parts } : undefined);
  }
  return out;
}

function cutTokens(text: string, maxTokens: number): { tokens: string[]; cut: boolean } {
  const all = tokenize(text);
  const cap = Math.max(1, maxTokens);
  return all.length > cap ? { tokens: all.slice(0, cap), cut: true } : { tokens: all, cut: false };
}

type TurnHeader = Pick<ToolTurnPlan, "case" | "variantIndex" | "kind" | "turn">;

function textPlan(header: TurnHeader, text: string, calls: PlannedToolCall[], maxTokens: number): ToolTurnPlan {
  const { tokens, cut } = cutTokens(text, maxTokens);
  const content = tokens.join("");
  return {
    ...header,
    tokens,
    parts: tokens.map(() => "content" as const),
    ids: tokens.map(tokenId),
    finishReason: cut ? "length" : "stop",
    reasoningTokens: 0,
    calls,
    text,
    wireFinishReason: cut ? "length" : "stop",
    deltas: tokens.map((t) => ({ content: t })),
    message: { role: "assistant", content, tool_calls: [] },
  };
}

/** The plan of one scripted turn, its placeholders filled from `results`. */
export function planToolTurn(header: TurnHeader, turn: ScriptedTurn, results: readonly unknown[], options: ToolTurnOptions): ToolTurnPlan {
  if ("answer" in turn) return textPlan(header, fillText(turn.answer.trim(), results), [], options.maxTokens);
  const calls: PlannedToolCall[] = turn.calls.map((c, i) => ({
    id: toolCallId(`${options.idKey}|${i}`),
    name: c.name,
    arguments: pythonJson(fillArguments(c.arguments, results)),
  }));
  const { text, spans } = hermesText(calls);
  // Without a tool parser, or cut before the end: the text is content (vLLM's hermes parser
  // cannot load a cut block and returns the whole output as content).
  if (options.parser === "none") return textPlan(header, text, calls, options.maxTokens);
  const { tokens, cut } = cutTokens(text, options.maxTokens);
  const message: WireMessage = cut
    ? { role: "assistant", content: tokens.join(""), tool_calls: [] }
    : {
        role: "assistant",
        content: null,
        tool_calls: calls.map((c): WireToolCall => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
      };
  return {
    ...header,
    tokens,
    parts: tokens.map(() => "content" as const),
    ids: tokens.map(tokenId),
    finishReason: cut ? "length" : "stop",
    reasoningTokens: 0,
    calls,
    text,
    wireFinishReason: cut ? "length" : "tool_calls",
    deltas: hermesDeltas(tokens, calls, spans),
    message,
  };
}

export interface ScriptedToolOptions {
  /** The request's `seed` (undefined = 0). */
  seed: number | undefined;
  /** Completion tokens at most. */
  maxTokens: number;
  /** Added to the seed before it picks the variant (the simulator's answerChangeAfter); default 0. */
  variantShift?: number;
}

/** One simulator's use of a tool-call bank. */
export class ScriptedToolCalls {
  constructor(
    readonly bank: ToolAnswerBank,
    readonly parser: SimToolParser,
  ) {}

  /**
   * The next scripted turn of the case a request plays, or undefined when its first user
   * message matches no case (the caller then replies as usual). The caller checks that the
   * request offers tools.
   */
  answer(messages: readonly TemplateMessage[], options: ScriptedToolOptions): ToolTurnPlan | undefined {
    const conv = readConversation(this.bank, messages);
    if (!conv) return undefined;
    const shift = options.variantShift ?? 0;
    const variantIndex = toolVariantIndex(shift === 0 ? options.seed : (options.seed ?? 0) + shift, conv.entry.variants.length);
    const variant = conv.entry.variants[variantIndex]!;
    const turnIndex = Math.min(conv.turn, variant.turns.length - 1);
    const turn = variant.turns[turnIndex]!;
    const header: TurnHeader = { case: conv.entry.case, variantIndex, kind: variant.kind, turn: turnIndex };
    return planToolTurn(header, turn, conv.results, {
      parser: this.parser,
      maxTokens: options.maxTokens,
      idKey: `${conv.entry.case}|${variantIndex}|${turnIndex}`,
    });
  }
}
