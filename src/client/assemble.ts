/**
 * The stream state machine: SSE data events (already framed) → a ChatResult, plus the
 * same assembly for non-streamed responses. No I/O and no clock: the caller sets `now`
 * (ms since the request was sent) before feeding the events of each received chunk.
 *
 * Definitions (docs/metrics.md states them for users):
 * - firstChunk: first event whose `choices` is non-empty (vLLM bench's TTFT point);
 * - token-bearing chunk: a non-empty content, reasoning or tool-call delta; each one's
 *   arrival goes to chunkTimes, and lastToken is the last of them;
 * - chunkTokens: the completion_tokens increment on each token-bearing chunk, only when
 *   every token-bearing chunk carried usage (continuous usage stats); otherwise empty;
 * - firstAnswer: first content after reasoning ended (= firstContent without reasoning).
 */
import type { WireChatChunk, WireChatResponse, WireDelta, WireMessage, WireUsage } from "../wire/openai.js";
import { BODY_EXCERPT_MAX, malformedEvent, redact, streamErrorEvent } from "./classify.js";
import { ThinkSplitter } from "./think-splitter.js";
import { jsonText, normalizeToolCalls, ToolCallAssembler } from "./tool-calls.js";
import type { ChatResult, ClassifiedError } from "./types.js";
import { asTimings, mapUsage } from "./usage.js";

/** A fresh, empty result for one exchange. */
export function newResult(stream: boolean, startedAtEpochMs: number, sentPerfMs: number): ChatResult {
  return {
    ok: false,
    startedAtEpochMs,
    sentPerfMs,
    stream,
    t: {},
    chunkTimes: [],
    chunkTokens: [],
    content: "",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
  };
}

const TOO_DEEP_ARGS = "a tool call's arguments, sent as a JSON object, are nested too deeply to be kept as text";

/** A chunk that is JSON but cannot be used (`problem` says why). */
function unusableChunk(problem: string, data: string, secret: string | undefined): ClassifiedError {
  const clean = redact(data, secret);
  return { kind: "malformed_event", message: `${problem}: ${clean.slice(0, 200)}`, bodyExcerpt: clean.slice(0, BODY_EXCERPT_MAX) };
}

/** Secrets this short are too likely to be ordinary words to be cut out of model text. */
const MIN_SECRET_FOR_TEXT = 8;

/** Cuts the key out of every server-provided string of the result (no-op when absent). */
function redactText(r: ChatResult, secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET_FOR_TEXT) return;
  r.content = redact(r.content, secret);
  r.reasoning = redact(r.reasoning, secret);
  if (r.responseId !== undefined) r.responseId = redact(r.responseId, secret);
  if (r.responseModel !== undefined) r.responseModel = redact(r.responseModel, secret);
  if (r.finishReason !== undefined) r.finishReason = redact(r.finishReason, secret);
  for (const c of r.toolCalls) {
    c.id = redact(c.id, secret);
    c.function.name = redact(c.function.name, secret);
    c.function.arguments = redact(c.function.arguments, secret);
  }
}

type ReasoningSource = NonNullable<ChatResult["reasoningSource"]>;

interface LooseChunk extends Partial<Omit<WireChatChunk, "choices" | "object">> {
  choices?: ({ index?: number; delta?: WireDelta | null; text?: unknown; finish_reason?: string | null } | null)[] | null;
  error?: unknown;
  object?: string;
}

/** Consumes the data events of one stream and fills the ChatResult it was given. */
export class StreamAssembler {
  /** Arrival time (ms since sent) of the chunk being fed; set by the caller. */
  now = 0;
  /** `data: [DONE]` was received. */
  done = false;
  /** Stopped on an error event or a malformed event; `error` says which. */
  failed = false;
  error: ClassifiedError | undefined;

  private readonly splitter = new ThinkSplitter();
  private readonly tools = new ToolCallAssembler();
  private reasoningSeen = false;
  private prevCompletion = 0;
  private tokenChunksWithUsage = 0;
  private usage: WireUsage | undefined;
  private events = 0;
  private finished = false;

  constructor(
    readonly r: ChatResult,
    private readonly secret?: string,
  ) {}

  /** Handler for SseDecoder: one event's data. */
  readonly onData = (data: string, atEnd: boolean): void => {
    if (this.done || this.failed) return;
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    let c: unknown;
    try {
      c = JSON.parse(data);
    } catch {
      if (atEnd) return; // half an event at the end of a cut body: reported as stream_cut
      this.fail(malformedEvent(data, this.secret));
      return;
    }
    if (c === null || typeof c !== "object" || Array.isArray(c)) {
      this.fail(malformedEvent(data, this.secret));
      return;
    }
    const chunk = c as LooseChunk;
    if ((chunk.error !== undefined && chunk.error !== null) || chunk.object === "error") {
      this.fail(streamErrorEvent(data, c, this.secret));
      return;
    }
    this.events++;
    const problem = this.onChunk(chunk);
    if (problem !== undefined) this.fail(unusableChunk(problem, data, this.secret));
  };

  private fail(e: ClassifiedError): void {
    this.failed = true;
    this.error = e;
  }

  /** Applies one chunk; returns what made it unusable, if anything. */
  private onChunk(c: LooseChunk): string | undefined {
    let problem: string | undefined;
    const r = this.r;
    const now = this.now;
    if (r.responseId === undefined && typeof c.id === "string") r.responseId = c.id;
    if (r.responseModel === undefined && typeof c.model === "string") r.responseModel = c.model;
    let tokenBearing = false;
    const choices = c.choices;
    if (Array.isArray(choices) && choices.length > 0) {
      if (r.t.firstChunk === undefined) r.t.firstChunk = now;
      // only choice 0 is assembled (with n > 1, chunks of other choices are interleaved)
      let ch = choices[0];
      if (ch && typeof ch.index === "number" && ch.index !== 0) {
        ch = undefined;
        for (const x of choices) if (x && x.index === 0) ch = x;
      }
      if (ch !== null && ch !== undefined) {
        const d = ch.delta;
        if (d !== null && d !== undefined) {
          const rs = d.reasoning;
          if (typeof rs === "string" && rs.length > 0) {
            tokenBearing = true;
            this.fieldReasoning(rs, "reasoning");
          } else {
            const rc = d.reasoning_content;
            if (typeof rc === "string" && rc.length > 0) {
              tokenBearing = true;
              this.fieldReasoning(rc, "reasoning_content");
            }
          }
          const content = d.content;
          if (typeof content === "string" && content.length > 0) {
            tokenBearing = true;
            this.addContent(content);
          }
          const tc = d.tool_calls;
          if (Array.isArray(tc) && tc.length > 0) {
            tokenBearing = true;
            if (r.t.firstToolCall === undefined) r.t.firstToolCall = now;
            if (!this.tools.push(tc)) problem = TOO_DEEP_ARGS;
          }
        } else if (typeof ch.text === "string" && ch.text.length > 0) {
          // legacy /v1/completions chunks carry `text` instead of a delta
          tokenBearing = true;
          this.addContent(ch.text);
        }
        if (typeof ch.finish_reason === "string" && ch.finish_reason.length > 0) r.finishReason = ch.finish_reason;
      }
    }
    const usage = c.usage;
    if (usage !== null && usage !== undefined && typeof usage === "object") this.usage = usage;
    if (c.timings !== undefined) {
      const timings = asTimings(c.timings);
      if (timings) r.serverTimings = timings;
    }
    if (tokenBearing) {
      r.chunkTimes.push(now);
      r.t.lastToken = now;
      const completion = usage !== null && usage !== undefined ? usage.completion_tokens : undefined;
      // a count that overflows (1e400) is no count: the chunk then counts as one without usage
      if (typeof completion === "number" && Number.isFinite(completion - this.prevCompletion)) {
        r.chunkTokens.push(completion - this.prevCompletion);
        this.prevCompletion = completion;
        this.tokenChunksWithUsage++;
      }
    }
    return problem;
  }

  private fieldReasoning(text: string, source: ReasoningSource): void {
    if (this.splitter.state !== "answer") {
      // the server parses reasoning itself: content is the answer, no tag splitting
      const held = this.splitter.passThrough();
      if (held.length > 0) this.emitContent(held);
    }
    this.emitReasoning(text, source);
  }

  private addContent(text: string): void {
    const sp = this.splitter;
    if (sp.state === "answer") {
      this.emitContent(text);
      return;
    }
    sp.push(text);
    this.applySplit();
  }

  private applySplit(): void {
    const sp = this.splitter;
    if (sp.reclassified) this.reclassify();
    if (sp.reasoning.length > 0) this.emitReasoning(sp.reasoning, "think_tag");
    if (sp.content.length > 0) this.emitContent(sp.content);
  }

  /** A bare </think>: the provisional content so far was reasoning. */
  private reclassify(): void {
    const r = this.r;
    this.reasoningSeen = true;
    if (r.content.length > 0) {
      r.reasoningSource ??= "think_tag";
      r.reasoning = r.content + r.reasoning;
      r.t.firstReasoning ??= r.t.firstContent;
    }
    r.content = "";
    delete r.t.firstContent;
    delete r.t.firstAnswer;
  }

  private emitReasoning(text: string, source: ReasoningSource): void {
    const r = this.r;
    r.reasoning += text;
    if (r.t.firstReasoning === undefined) r.t.firstReasoning = this.now;
    if (r.reasoningSource === undefined) r.reasoningSource = source;
    this.reasoningSeen = true;
  }

  private emitContent(text: string): void {
    const r = this.r;
    r.content += text;
    if (r.t.firstContent === undefined) r.t.firstContent = this.now;
    if (this.reasoningSeen && r.t.firstAnswer === undefined) r.t.firstAnswer = this.now;
  }

  /**
   * Completes the result: flushes held-back text, tool calls, usage, continuous-usage
   * detection. Idempotent; call it on every path (success, cut, timeout, abort).
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const r = this.r;
    this.now = r.t.lastToken ?? this.now;
    this.splitter.end();
    if (this.splitter.reasoning.length > 0) this.emitReasoning(this.splitter.reasoning, "think_tag");
    if (this.splitter.content.length > 0) this.emitContent(this.splitter.content);
    if (!this.reasoningSeen && r.t.firstContent !== undefined) r.t.firstAnswer = r.t.firstContent;
    r.toolCalls = this.tools.result();
    const u = mapUsage(this.usage);
    if (u) r.usage = u;
    const n = this.tokenChunksWithUsage;
    r.continuousUsage = n > 0 && n === r.chunkTimes.length && r.chunkTokens.length === n;
    if (!r.continuousUsage) r.chunkTokens.length = 0;
    redactText(r, this.secret);
  }

  /** The stream_cut error for a body that ended without `[DONE]`, saying what had arrived. */
  cutError(): ClassifiedError {
    const r = this.r;
    let message: string;
    if (this.events === 0) {
      message = "the stream ended without any event and without data: [DONE]";
    } else if (r.finishReason !== undefined) {
      message =
        `the stream ended without data: [DONE] after finish_reason=${r.finishReason}` +
        `${this.usage ? " and usage" : ""}; servers such as vLLM and llama.cpp always send [DONE], so the stream was cut`;
    } else {
      message = `the stream ended without data: [DONE] after ${this.events} chunks and no finish_reason`;
    }
    return { kind: "stream_cut", message };
  }
}

/**
 * Fills `r` from a non-streamed chat completion (message content, reasoning fields or an
 * inline <think> block, tool calls, usage, llama.cpp timings). Returns an error when the
 * JSON is not a chat completion.
 */
export function applyResponse(r: ChatResult, json: unknown, secret?: string): ClassifiedError | undefined {
  if (json === null || typeof json !== "object") return { kind: "malformed_event", message: "the response is not a JSON object" };
  const res = json as Partial<WireChatResponse> & { error?: unknown };
  if (res.error !== undefined && res.error !== null) {
    return streamErrorEvent(jsonText(json) ?? "(an error object nested too deeply to be written out)", json, secret, false);
  }
  if (typeof res.id === "string") r.responseId = res.id;
  if (typeof res.model === "string") r.responseModel = res.model;
  const u = mapUsage(res.usage);
  if (u) r.usage = u;
  const timings = asTimings(res.timings);
  if (timings) r.serverTimings = timings;
  const choice = Array.isArray(res.choices) ? res.choices[0] : undefined;
  if (choice === undefined || choice === null || typeof choice !== "object") {
    return { kind: "malformed_event", message: "the response has no choices" };
  }
  if (typeof choice.finish_reason === "string") r.finishReason = choice.finish_reason;
  const msg: Partial<WireMessage> | undefined =
    choice.message !== null && typeof choice.message === "object" ? choice.message : undefined;
  const legacyText = (choice as { text?: unknown }).text; // /v1/completions
  let content = typeof msg?.content === "string" ? msg.content : typeof legacyText === "string" ? legacyText : "";
  if (typeof msg?.reasoning === "string" && msg.reasoning.length > 0) {
    r.reasoning = msg.reasoning;
    r.reasoningSource = "reasoning";
  } else if (typeof msg?.reasoning_content === "string" && msg.reasoning_content.length > 0) {
    r.reasoning = msg.reasoning_content;
    r.reasoningSource = "reasoning_content";
  } else if (content.length > 0) {
    const sp = new ThinkSplitter();
    sp.push(content);
    let reasoning = sp.reasoning;
    let answer = sp.content;
    const tagged = sp.state === "reasoning" || sp.state === "answer";
    sp.end();
    reasoning += sp.reasoning;
    answer += sp.content;
    if (tagged) {
      r.reasoning = reasoning;
      if (reasoning.length > 0) r.reasoningSource = "think_tag";
      content = answer;
    }
  }
  r.content = content;
  const calls = normalizeToolCalls(msg?.tool_calls);
  if (calls === undefined) return { kind: "malformed_event", message: TOO_DEEP_ARGS };
  r.toolCalls = calls;
  redactText(r, secret);
  return undefined;
}
