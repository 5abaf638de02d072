/**
 * Property tests of the streamed-response parser: SSE framing (sse.ts) → the chat-completion
 * state machine (assemble.ts, tool-calls.ts, think-splitter.ts, usage.ts) through ChatStream
 * (stream.ts), and the deferred parsing of reads (deferred-parse.ts).
 *
 * - split invariance: a valid stream, however it is framed (LF, CRLF or CR line ends, comments,
 *   keep-alive events, event/id/retry fields, multi-line data, escaped or raw UTF-8) and however
 *   its bytes are cut (inside a multi-byte character too), gives the same result as fed whole,
 *   and that result is the one the events describe;
 * - garbage: arbitrary bytes, truncated streams and hostile JSON never make the parser throw;
 *   the result is ok or carries a ClassifiedError of a kind a stream can produce, finish() is
 *   idempotent, and the result survives the JSON round trip of records.jsonl.
 * fast-check prints the seed and the shrunk counterexample of a failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyResponse, newResult } from "../../../src/client/assemble.js";
import { DeferredParser } from "../../../src/client/deferred-parse.js";
import { ChatStream, parseRecordedStream } from "../../../src/client/stream.js";
import type { ChatResult, ErrorKind } from "../../../src/client/types.js";
import type { WireToolCall } from "../../../src/wire/openai.js";
import { cpuStopwatch } from "../../helpers/cpu.js";
import { fixture, fixtureBytes, splitAt, timeless } from "./helpers.js";

const enc = new TextEncoder();

/** Every ErrorKind; the type check below fails when a kind is added to types.ts and not here. */
const ALL_KINDS = [
  "connect_refused",
  "dns",
  "connect_timeout",
  "timeout_first_byte",
  "timeout_between_tokens",
  "timeout_total",
  "http_status",
  "server_error",
  "stream_cut",
  "malformed_event",
  "aborted",
  "response_too_large",
  "network",
] as const satisfies readonly ErrorKind[];
type Unlisted = Exclude<ErrorKind, (typeof ALL_KINDS)[number]>;
const everyKindListed: [Unlisted] extends [never] ? true : false = true;
void everyKindListed;

/** The kinds a response body's own parsing can produce (the rest come from transport and timers). */
const BODY_KINDS: readonly ErrorKind[] = ["malformed_event", "server_error", "stream_cut", "response_too_large"];

// ---------------------------------------------------------------------------------------------
// Driving a ChatStream and checking what it gives

/** Feeds byte pieces the way chat.ts does (stop reading once push() says so), ends, finishes. */
function run(pieces: readonly Uint8Array[], secret?: string): ChatResult {
  const r = newResult(true, 0, 0);
  const s = new ChatStream(r, secret);
  let going = true;
  let i = 0;
  for (; i < pieces.length && going; i++) going = s.push(pieces[i]!, i + 1);
  const err = going ? s.end(i + 1) : s.error;
  s.finish();
  if (err) r.error = err;
  r.ok = err === undefined;
  // finish() is idempotent: a second call (chat.ts calls it on every path) changes nothing
  const once = structuredClone(r);
  s.finish();
  expect(r).toEqual(once);
  return r;
}

const isFiniteNumber = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);

/** What every result must be, whatever the body: typed, classified, serialisable. */
function expectWellFormed(r: ChatResult): void {
  expect(typeof r.content).toBe("string");
  expect(typeof r.reasoning).toBe("string");
  expect(r.ok).toBe(r.error === undefined);
  if (r.error) {
    expect(ALL_KINDS).toContain(r.error.kind);
    expect(BODY_KINDS).toContain(r.error.kind);
    expect(typeof r.error.message).toBe("string");
    expect(r.error.message.length).toBeGreaterThan(0);
    if (r.error.bodyExcerpt !== undefined) expect(typeof r.error.bodyExcerpt).toBe("string");
    if (r.error.status !== undefined) expect(isFiniteNumber(r.error.status)).toBe(true);
  }
  if (r.finishReason !== undefined) expect(typeof r.finishReason).toBe("string");
  for (const c of r.toolCalls) {
    expect(c.type).toBe("function");
    expect(typeof c.id).toBe("string");
    expect(typeof c.function.name).toBe("string");
    expect(typeof c.function.arguments).toBe("string");
  }
  for (const v of Object.values(r.usage ?? {})) expect(isFiniteNumber(v)).toBe(true);
  for (const v of Object.values(r.serverTimings ?? {})) expect(isFiniteNumber(v)).toBe(true);
  expect(r.chunkTokens.every(isFiniteNumber)).toBe(true);
  expect(r.chunkTokens.length === 0 || r.chunkTokens.length === r.chunkTimes.length).toBe(true);
  // the record is appended to records.jsonl: nothing may be lost or changed by JSON
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

/** What must not depend on how the bytes were cut. */
function essence(r: ChatResult): unknown {
  return { ...(timeless(r) as object), errorKind: r.error?.kind };
}

/** Cut positions from arbitrary naturals (reduced modulo the length), or every byte. */
const cutsArb = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.nat(), { maxLength: 30 }).map((xs) => ({ every: false, xs })) },
  { weight: 1, arbitrary: fc.constant({ every: true, xs: [] as number[] }) },
);
function cut(bytes: Uint8Array, c: { every: boolean; xs: number[] }): Uint8Array[] {
  if (bytes.length < 2) return [bytes];
  if (c.every) return Array.from(bytes, (b) => Uint8Array.of(b));
  return splitAt(
    bytes,
    c.xs.map((x) => 1 + (x % (bytes.length - 1))),
  );
}

// ---------------------------------------------------------------------------------------------
// Valid streams

/** Text with multi-byte UTF-8 (emoji, CJK, combining marks, astral planes) and SSE-looking text. */
const textArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom("🙂", "日本語", "€", "👩‍👩‍👧", "e\u0301", "\n", "\r\n", "\r", "  ", "data: x", ": no comment", "\u2028", "\uFEFF", "[DONE]", "{}", "\\", '"'),
);
/** Text with think tags (split or whole), exercising the inline <think> splitter. */
const taggyArb = fc.oneof(textArb, fc.constantFrom("<think>", "</think>", "<th", "ink>", "</", "think", ">", "<", " <think>\n"));

type Op =
  | { t: "content"; text: string }
  | { t: "reasoning"; field: "reasoning" | "reasoning_content"; text: string }
  | { t: "tools"; deltas: Record<string, unknown>[] };

interface ToolCallSpec {
  id: string;
  name: string;
  pieces: string[];
}

interface StreamSpec {
  id: string;
  model: string;
  roleContent: "" | null | "absent";
  ops: Op[];
  finish: string | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  continuous: boolean;
  done: boolean;
  calls: ToolCallSpec[];
}

const toolCallArb: fc.Arbitrary<Omit<ToolCallSpec, "id">> = fc
  .record({
    name: fc.oneof(fc.constantFrom("get_weather", "search", "日本", "f"), fc.string({ minLength: 1, maxLength: 8 })),
    args: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(textArb, fc.integer(), fc.boolean()), { maxKeys: 3 }),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
  })
  .map(({ name, args, cuts }) => {
    // argument JSON cut anywhere, even between the halves of a surrogate pair
    const json = JSON.stringify(args);
    const at = [...new Set(cuts.map((c) => c % (json.length + 1)))].sort((a, b) => a - b);
    const pieces: string[] = [];
    let prev = 0;
    for (const c of at) {
      pieces.push(json.slice(prev, c));
      prev = c;
    }
    pieces.push(json.slice(prev));
    return { name, pieces };
  });

const streamSpecArb: fc.Arbitrary<StreamSpec> = fc
  .record({
    id: fc.string({ maxLength: 12 }),
    model: fc.constantFrom("Qwen/Qwen3-8B", "qwen3-tiny-random", "模型"),
    roleContent: fc.constantFrom("" as const, null, "absent" as const),
    textOps: fc.array(
      fc.oneof(
        fc.record({ t: fc.constant("content" as const), text: textArb }),
        fc.record({ t: fc.constant("reasoning" as const), field: fc.constantFrom("reasoning" as const, "reasoning_content" as const), text: textArb }),
      ),
      { maxLength: 12 },
    ),
    calls: fc.array(toolCallArb, { maxLength: 3 }),
    /** Which call's next delta comes next (interleaved parallel calls), and how many go in one chunk. */
    callOrder: fc.array(fc.nat(), { maxLength: 20 }),
    perChunk: fc.integer({ min: 1, max: 2 }),
    vllmEmptyIds: fc.boolean(),
    /** Where the tool chunks go among the text chunks. */
    merge: fc.array(fc.boolean(), { maxLength: 30 }),
    finish: fc.constantFrom("stop", "length", "tool_calls", null),
    usage: fc.option(fc.record({ prompt_tokens: fc.nat(100_000), completion_tokens: fc.nat(100_000) })),
    continuous: fc.boolean(),
    done: fc.boolean(),
  })
  .map((g) => {
    const calls: ToolCallSpec[] = g.calls.map((c, i) => ({ ...c, id: `call_${i}_${g.id}` }));
    // each call's deltas, in order: the first with id, type and name, then argument fragments
    const queues = calls.map((c, i) =>
      c.pieces.map((p, k) =>
        k === 0
          ? { index: i, id: c.id, type: "function", function: { name: c.name, arguments: p } }
          : { index: i, ...(g.vllmEmptyIds ? { id: "" } : {}), function: { arguments: p } },
      ),
    );
    const deltas: Record<string, unknown>[] = [];
    for (const n of g.callOrder) {
      const live = queues.filter((q) => q.length > 0);
      if (live.length === 0) break;
      deltas.push(live[n % live.length]!.shift()!);
    }
    for (const q of queues) deltas.push(...q.splice(0));
    const toolOps: Op[] = [];
    for (let i = 0; i < deltas.length; i += g.perChunk) toolOps.push({ t: "tools", deltas: deltas.slice(i, i + g.perChunk) });
    const ops: Op[] = [];
    const text = [...g.textOps];
    let m = 0;
    while (text.length > 0 || toolOps.length > 0) {
      const takeTool = text.length === 0 || (toolOps.length > 0 && (g.merge[m++] ?? true));
      ops.push(takeTool ? toolOps.shift()! : text.shift()!);
    }
    const usage = g.usage ? { ...g.usage, total_tokens: g.usage.prompt_tokens + g.usage.completion_tokens } : null;
    return { id: g.id, model: g.model, roleContent: g.roleContent, ops, finish: g.finish, usage, continuous: g.continuous, done: g.done, calls };
  });

/** The data payloads (JSON objects, then "[DONE]") of a stream. */
function payloads(s: StreamSpec): (Record<string, unknown> | "[DONE]")[] {
  const head = { id: s.id, object: "chat.completion.chunk", created: 1764270000, model: s.model };
  const out: (Record<string, unknown> | "[DONE]")[] = [];
  let tokens = 0;
  const usageNow = (): Record<string, unknown> =>
    s.continuous ? { usage: { prompt_tokens: 7, completion_tokens: tokens, total_tokens: 7 + tokens } } : {};
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...usageNow(),
  });
  out.push(chunk(s.roleContent === "absent" ? { role: "assistant" } : { role: "assistant", content: s.roleContent }));
  for (const op of s.ops) {
    tokens++;
    if (op.t === "content") out.push(chunk({ content: op.text }));
    else if (op.t === "reasoning") out.push(chunk({ [op.field]: op.text }));
    else out.push(chunk({ tool_calls: op.deltas }));
  }
  out.push(chunk({}, s.finish));
  if (s.usage) out.push({ ...head, choices: [], usage: s.usage });
  if (s.done) out.push("[DONE]");
  return out;
}

/** What the result of a stream must hold (when its content has no think tags). */
function expected(s: StreamSpec): Partial<ChatResult> & { errorKind: ErrorKind | undefined } {
  const content = s.ops.map((o) => (o.t === "content" ? o.text : "")).join("");
  const reasoning = s.ops.map((o) => (o.t === "reasoning" ? o.text : "")).join("");
  const toolCalls: WireToolCall[] = s.calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.pieces.join("") } }));
  const usage = s.usage ?? (s.continuous ? { prompt_tokens: 7, completion_tokens: s.ops.length, total_tokens: 7 + s.ops.length } : undefined);
  return {
    content,
    reasoning,
    toolCalls,
    finishReason: s.finish ?? undefined,
    usage: usage && { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens },
    errorKind: s.done ? undefined : "stream_cut",
  };
}

interface Framing {
  eol: "\n" | "\r\n" | "\r";
  bom: boolean;
  asciiEscape: boolean;
  /** Per event: what precedes the data, how the data is written, what follows. */
  events: { pre: string[]; style: "space" | "nospace" | "multiline"; gap: string[] }[];
  /** How the last event ends: a blank line, one line end, nothing (flushed by end()). */
  lastEnd: "blank" | "eol" | "none";
}

const lineText = fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, " "));
const preLine = fc.oneof(
  lineText.map((t) => `:${t}`),
  fc.constant(": ping"),
  fc.constant(":"),
  lineText.map((t) => `event: ${t}`),
  fc.constantFrom("event: message", "event:message", "id: 7", "id:", "id: a\0b", "retry: 1000", "retry: soon", "x-custom: 1", "data-ish: no"),
  fc.nat().map((n) => `id: ${n}`),
);
/** Between events: extra blank lines and events with no data (comments, pings, bare fields). */
const gapLine = fc.oneof(fc.constant(""), fc.constant(": keep-alive"), fc.constant("event: ping"), fc.constant("retry: 500"), lineText.map((t) => `:${t}`));

const framingArb = (n: number): fc.Arbitrary<Framing> =>
  fc.record({
    eol: fc.constantFrom("\n" as const, "\r\n" as const, "\r" as const),
    bom: fc.boolean(),
    asciiEscape: fc.boolean(),
    events: fc.array(
      fc.record({
        pre: fc.array(preLine, { maxLength: 3 }),
        style: fc.constantFrom("space" as const, "nospace" as const, "multiline" as const),
        gap: fc.array(gapLine, { maxLength: 2 }),
      }),
      { minLength: n, maxLength: n },
    ),
    lastEnd: fc.constantFrom("blank" as const, "eol" as const, "none" as const),
  });

const escapeNonAscii = (json: string): string => json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** The SSE body of `events` framed as `f` says, as bytes. */
function frame(events: readonly (Record<string, unknown> | "[DONE]")[], f: Framing): Uint8Array {
  let text = "";
  events.forEach((ev, i) => {
    const { pre, style, gap } = f.events[i]!;
    const lines = [...pre];
    if (ev === "[DONE]") {
      lines.push(style === "nospace" ? "data:[DONE]" : "data: [DONE]");
    } else if (style === "multiline") {
      // one JSON value over several data lines: the decoder joins them with "\n"
      const json = JSON.stringify(ev, null, 1);
      for (const l of json.split("\n")) lines.push(`data: ${f.asciiEscape ? escapeNonAscii(l) : l}`);
    } else {
      const json = JSON.stringify(ev);
      lines.push(`data:${style === "space" ? " " : ""}${f.asciiEscape ? escapeNonAscii(json) : json}`);
    }
    const last = i === events.length - 1;
    text += lines.join(f.eol);
    if (!last) {
      text += f.eol + f.eol;
      for (const g of gap) text += g === "" ? f.eol : g + f.eol + f.eol;
    } else if (f.lastEnd === "blank") {
      text += f.eol + f.eol;
    } else if (f.lastEnd === "eol") {
      text += f.eol;
    }
  });
  const bytes = enc.encode(text);
  return f.bom ? new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]) : bytes;
}

const validCase = streamSpecArb.chain((spec) => {
  const events = payloads(spec);
  return fc.record({ spec: fc.constant(spec), events: fc.constant(events), framing: framingArb(events.length), cuts: cutsArb });
});

describe("ChatStream properties: valid streams", () => {
  it("any framing and any cut of a valid stream gives the result its events describe, as fed whole", () => {
    fc.assert(
      fc.property(validCase, ({ spec, events, framing, cuts }) => {
        const bytes = frame(events, framing);
        const whole = run([bytes]);
        const pieces = run(cut(bytes, cuts));
        expectWellFormed(whole);
        expect(essence(pieces)).toEqual(essence(whole));

        const want = expected(spec);
        if (!want.content!.includes("<")) {
          expect(whole.content).toBe(want.content);
          expect(whole.reasoning).toBe(want.reasoning);
          const firstReasoning = spec.ops.find((o) => o.t === "reasoning" && o.text.length > 0);
          expect(whole.reasoningSource).toBe(firstReasoning?.t === "reasoning" ? firstReasoning.field : undefined);
        }
        expect(whole.toolCalls).toEqual(want.toolCalls);
        expect(whole.finishReason).toBe(want.finishReason);
        expect(whole.usage).toEqual(want.usage);
        expect(whole.error?.kind).toBe(want.errorKind);
        expect(whole.responseId).toBe(spec.id);
        expect(whole.responseModel).toBe(spec.model);
        // continuous usage: one increment per token-bearing chunk, summing to what they carried
        if (spec.continuous) {
          expect(whole.continuousUsage).toBe(whole.chunkTimes.length > 0);
          expect(whole.chunkTokens).toHaveLength(whole.chunkTimes.length);
        } else {
          expect(whole.continuousUsage).toBe(false);
        }
      }),
      { numRuns: 250 },
    );
  });

  it("inline <think> tags split anywhere across deltas and bytes: the same reasoning/content split as fed whole", () => {
    const arb = fc
      .record({ pieces: fc.array(taggyArb, { maxLength: 12 }), done: fc.constant(true) })
      .chain(({ pieces }) => {
        const events: (Record<string, unknown> | "[DONE]")[] = [
          ...pieces.map((p) => ({ choices: [{ index: 0, delta: { content: p }, finish_reason: null }] })),
          { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
          "[DONE]",
        ];
        return fc.record({ pieces: fc.constant(pieces), events: fc.constant(events), framing: framingArb(events.length), cuts: cutsArb });
      });
    fc.assert(
      fc.property(arb, ({ pieces, events, framing, cuts }) => {
        const bytes = frame(events, framing);
        const whole = run([bytes]);
        expectWellFormed(whole);
        expect(essence(run(cut(bytes, cuts)))).toEqual(essence(whole));
        expect(whole.ok).toBe(true);
        // nothing is lost: reasoning and answer together are the text minus the tags that split it
        const all = pieces.join("");
        expect(whole.reasoning.length + whole.content.length).toBeLessThanOrEqual(all.length);
        if (!all.includes("<")) expect(whole.content).toBe(all);
      }),
      { numRuns: 150 },
    );
  });

  /** Recorded and hand-written streams of test/fixtures, re-framed and cut at random. */
  const FIXTURES = [
    "llama-server/chat_stream_usage.txt",
    "llama-server/chat_stream_nousage.txt",
    "llama-server/immediate_eos_stream.txt",
    "llama-server/tools_prefill_eos_stream.txt",
    "llama-server/v1_completions_stream.txt",
    "vllm/continuous_usage.sse",
    "vllm/error_midstream.sse",
    "vllm/reasoning_content.sse",
    "vllm/reasoning_dual_field.sse",
    "vllm/reasoning_field.sse",
    "vllm/think_close_only.sse",
    "vllm/think_inline.sse",
    "vllm/tool_calls_parallel.sse",
  ];

  it("recorded streams: any line ending, interleaved comments and any cut give the recording's own result", () => {
    for (const rel of FIXTURES) {
      const original = fixtureBytes(rel);
      const reference = run([original]);
      expectWellFormed(reference);
      const events = fixture(rel)
        .split("\n\n")
        .filter((e) => e.trim().length > 0);
      const arb = fc.record({
        eol: fc.constantFrom("\n", "\r\n", "\r"),
        comments: fc.array(fc.option(lineText.map((t) => `:${t}`), { nil: undefined }), { minLength: events.length, maxLength: events.length }),
        ending: fc.constantFrom("blank", "none"),
        cuts: cutsArb,
      });
      fc.assert(
        fc.property(arb, ({ eol, comments, ending, cuts }) => {
          const text =
            events
              .map((e, i) => {
                const c = comments[i];
                return (c !== undefined ? c + eol : "") + e.split("\n").join(eol);
              })
              .join(eol + eol) + (ending === "blank" ? eol + eol : "");
          const r = run(cut(enc.encode(text), cuts));
          expect(essence(r), rel).toEqual(essence(reference));
        }),
        { numRuns: 25 },
      );
    }
  });

  it("deferred parsing (reads queued, drained in batches or by setImmediate) gives the direct result", async () => {
    const arb = validCase.chain((c) => fc.record({ c: fc.constant(c), drains: fc.array(fc.boolean(), { maxLength: 40 }) }));
    await fc.assert(
      fc.asyncProperty(arb, async ({ c, drains }) => {
        const bytes = frame(c.events, c.framing);
        const pieces = cut(bytes, c.cuts);
        const direct = run(pieces);
        const r = newResult(true, 0, 0);
        const s = new ChatStream(r);
        let stopped = 0;
        const p = new DeferredParser((b, at) => s.push(b, at), () => stopped++);
        pieces.forEach((b, i) => {
          p.add(b, i + 1);
          if (drains[i]) p.drain();
        });
        await new Promise((resolve) => setImmediate(resolve));
        p.drain();
        const err = s.error ?? s.end(pieces.length + 1);
        s.finish();
        if (err) r.error = err;
        r.ok = err === undefined;
        expect(stopped).toBe(p.stopped ? 1 : 0);
        expect(essence(r)).toEqual(essence(direct));
      }),
      { numRuns: 40 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Garbage

/**
 * Nesting deeper than JSON.stringify's recursion can take (JSON.parse takes it). Written as
 * placeholders, expanded just before feeding, so that a counterexample prints short.
 */
const DEEP = 20_000;
const deepArray = "<<DEEP_ARRAY>>";
const deepObject = "<<DEEP_OBJECT>>";
const DEEP_ARRAY_TEXT = "[".repeat(DEEP) + "]".repeat(DEEP);
const DEEP_OBJECT_TEXT = '{"a":'.repeat(DEEP) + "1" + "}".repeat(DEEP);
const expand = (s: string): string => s.replaceAll(deepArray, DEEP_ARRAY_TEXT).replaceAll(deepObject, DEEP_OBJECT_TEXT);

/** Hostile or broken data payloads. */
const nastyData = fc.constantFrom(
  "null",
  "true",
  "0",
  '"text"',
  "[]",
  "[1,2]",
  "",
  " ",
  "{",
  "[DONE",
  "[DONE] ",
  "[done]",
  "1e400",
  "-1e400",
  "123456789012345678901234567890",
  '{"choices": "x"}',
  '{"choices": null}',
  '{"choices": {}}',
  '{"choices": [null, 5, "x", []]}',
  '{"choices": [{"delta": 5}]}',
  '{"choices": [{"delta": "text"}]}',
  '{"choices": [{"delta": []}]}',
  '{"choices": [{"delta": null, "text": 5}]}',
  '{"choices": [{"index": "0", "delta": {"content": 5}}]}',
  '{"choices": [{"index": 1, "delta": {"content": "other choice"}}]}',
  '{"choices": [{"index": 1e400, "delta": {"content": "x"}}, {"index": -0, "delta": {"content": "y"}}]}',
  '{"choices": [{"delta": {"content": "x", "reasoning": 7, "reasoning_content": ["r"]}, "finish_reason": 5}]}',
  '{"choices": [{"delta": {"tool_calls": "x"}}]}',
  '{"choices": [{"delta": {"tool_calls": [null, 1, "x", [], {}]}}]}',
  '{"choices": [{"delta": {"tool_calls": [{"index": 1e300, "id": 5, "function": "f"}]}}]}',
  '{"choices": [{"delta": {"tool_calls": [{"index": -1, "function": {"name": 5, "arguments": 5}}]}}]}',
  '{"choices": [{"delta": {"tool_calls": [{"index": 4095, "function": {"arguments": {"a": [1, {"b": null}]}}}]}}]}',
  '{"choices": [{"delta": {"tool_calls": [{"index": 0.5, "id": "__proto__", "function": {"name": "constructor", "arguments": null}}]}}]}',
  '{"__proto__": {"error": {"message": "polluted"}}, "choices": [{"delta": {"content": "a"}}]}',
  '{"__proto__": null, "constructor": {"prototype": {"x": 1}}, "choices": [{"__proto__": {"delta": {"content": "p"}}}]}',
  '{"choices": [{"delta": {"__proto__": {"content": "p"}, "constructor": "c", "content": "q"}}]}',
  '{"usage": 5}',
  '{"usage": []}',
  '{"usage": {"prompt_tokens": 1e400, "completion_tokens": -1e400, "total_tokens": "3", "prompt_tokens_details": 5, "completion_tokens_details": null}}',
  '{"usage": {"__proto__": {"prompt_tokens": 5}, "constructor": 1}}',
  '{"choices": [{"delta": {"content": "t"}}], "usage": {"completion_tokens": 1e400}}',
  '{"choices": [{"delta": {"content": "t"}}], "usage": {"completion_tokens": 1e308}}',
  '{"choices": [{"delta": {"content": "u"}}], "usage": {"completion_tokens": -1e308}}',
  '{"timings": 5}',
  '{"timings": []}',
  '{"timings": {"predicted_ms": 1e400, "prompt_n": "x", "nested": {"a": 1}, "list": [1], "nothing": null}}',
  '{"timings": {"__proto__": {"polluted": 1}, "constructor": 2, "cache_n": 3}}',
  '{"id": 5, "model": [], "object": "chat.completion.chunk"}',
  '{"object": "error", "message": "boom"}',
  '{"error": null, "choices": []}',
  '{"error": "boom"}',
  '{"error": {"code": "503", "message": "overloaded"}}',
  '{"error": {"code": "1e400", "message": 5}}',
  '{"error": {"code": 2.5, "message": ["m"]}, "detail": [1]}',
  '{"error": {"code": "__proto__"}, "detail": "x"}',
  '{"error": [], "message": {"toString": 1}}',
  deepArray,
  deepObject,
  `{"choices": ${deepArray}}`,
  `{"choices": [{"delta": ${deepObject}}]}`,
  `{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ${deepArray}}}]}}]}`,
  `{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ${deepObject}}}]}}]}`,
  `{"usage": ${deepObject}, "timings": ${deepObject}}`,
  `{"error": {"message": ${deepArray}}}`,
);

/** Random JSON (objects biased towards the chunk's own keys) written as a data payload. */
const chunkKeys = fc.constantFrom("choices", "delta", "content", "reasoning", "reasoning_content", "tool_calls", "index", "id", "function", "name", "arguments", "usage", "completion_tokens", "finish_reason", "timings", "error", "object", "text", "__proto__", "constructor");
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), textArb, fc.constantFrom(1e308, -0, 2 ** 53 + 1)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(chunkKeys, fc.string({ maxLength: 4 })), tie("value"), { maxKeys: 4 }),
  ),
})).value;
const randomData = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? "null"),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.object({ maxDepth: 3, withNullPrototype: true }).map((v) => {
    try {
      return JSON.stringify(v) ?? "x";
    } catch {
      return "x";
    }
  }),
);

/** One line of a garbage body. */
const garbageLine = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(nastyData, randomData, textArb).map((d) => `data: ${d.replace(/[\r\n]/g, " ")}`) },
  { weight: 1, arbitrary: fc.constantFrom("", "", "data: [DONE]", "data:", "data", ":", ": ping", "event: error", "id: 1", "retry: x", "\u00ef\u00bb\u00bfdata: {}") },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const garbageBody = fc.record({
  lines: fc.array(garbageLine, { maxLength: 12 }),
  eol: fc.constantFrom("\n", "\r\n", "\r"),
  tail: fc.constantFrom("", "\n\n", "\r"),
});

describe("ChatStream properties: garbage never throws", () => {
  it("arbitrary bytes: a classified result, the same however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 }).map((s) => enc.encode(s))),
        cutsArb,
        (bytes, cuts) => {
          const whole = run([bytes]);
          expectWellFormed(whole);
          expect(essence(run(cut(bytes, cuts)))).toEqual(essence(whole));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("SSE lines carrying hostile JSON, random JSON, random text: a classified result, split-invariant", () => {
    fc.assert(
      fc.property(garbageBody, cutsArb, fc.option(fc.constantFrom("sk-secret-0123456789", "choices", "a"), { nil: undefined }), (g, cuts, secret) => {
        const bytes = enc.encode(expand(g.lines.join(g.eol + g.eol) + g.tail));
        const whole = run([bytes], secret);
        expectWellFormed(whole);
        expect(essence(run(cut(bytes, cuts), secret))).toEqual(essence(whole));
      }),
      { numRuns: 300 },
    );
  });

  it("every hostile payload alone, then a valid tail: a classified result", () => {
    const tail = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;
    fc.assert(
      fc.property(nastyData, (d) => {
        const r = run([enc.encode(`data: ${expand(d)}\n\n${tail}`)]);
        expectWellFormed(r);
      }),
      { numRuns: 200 },
    );
  });

  it("a valid stream truncated anywhere: a classified result (stream_cut unless [DONE] got through)", () => {
    fc.assert(
      fc.property(validCase, fc.nat(), cutsArb, ({ events, framing }, at, cuts) => {
        const full = frame(events, framing);
        const bytes = full.subarray(0, at % (full.length + 1));
        const whole = run([bytes]);
        expectWellFormed(whole);
        expect(essence(run(cut(bytes, cuts)))).toEqual(essence(whole));
        if (!whole.ok) expect(whole.error?.kind).toBe("stream_cut");
      }),
      { numRuns: 200 },
    );
  });

  it("parseRecordedStream on text and on bytes, and applyResponse on random JSON, never throw", () => {
    fc.assert(
      fc.property(garbageBody, fc.oneof(randomData, nastyData), (g, json) => {
        const text = expand(g.lines.join(g.eol + g.eol) + g.tail);
        expectWellFormed(parseRecordedStream(newResult(true, 0, 0), text));
        expectWellFormed(parseRecordedStream(newResult(true, 0, 0), enc.encode(text)));
        let value: unknown;
        try {
          value = JSON.parse(expand(json));
        } catch {
          return;
        }
        const r = newResult(false, 0, 0);
        const err = applyResponse(r, value);
        if (err) {
          r.error = err;
          expect(BODY_KINDS).toContain(err.kind);
        }
        r.ok = err === undefined;
        expectWellFormed(r);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Bugs the properties found, each pinned by name

describe("ChatStream regressions found by the properties", () => {
  const ok = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`;

  it("regression: tool-call arguments sent as an object nested too deeply end the stream as malformed_event (was a RangeError thrown out of push)", () => {
    const chunk = `{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":${DEEP_ARRAY_TEXT}}}]}}]}`;
    const r = run([enc.encode(`data: ${chunk}\n\n${ok}`)]);
    expect(r.ok).toBe(false);
    expect(r.error?.kind).toBe("malformed_event");
    expect(r.error?.message).toMatch(/^a tool call's arguments, sent as a JSON object, are nested too deeply/);
    expect(r.error?.message.length).toBeLessThan(400);
    expectWellFormed(r);
    // the same through the deferred parser: no exception escapes into setImmediate
    const shallow = run([enc.encode(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":{"a":[1]}}}]}}]}\n\n${ok}`)]);
    expect(shallow.toolCalls).toEqual([{ id: "c", type: "function", function: { name: "f", arguments: '{"a":[1]}' } }]);
    expect(shallow.ok).toBe(true);
  });

  it("regression: a non-streamed response with too deeply nested tool-call arguments or error object is classified (was a RangeError)", () => {
    const r = newResult(false, 0, 0);
    const args = JSON.parse(`{"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"f","arguments":${DEEP_OBJECT_TEXT}}}]}}]}`) as unknown;
    expect(applyResponse(r, args)?.kind).toBe("malformed_event");
    const err = JSON.parse(`{"error":{"message":"boom","code":503,"extra":${DEEP_ARRAY_TEXT}}}`) as unknown;
    expect(applyResponse(newResult(false, 0, 0), err)).toMatchObject({ kind: "server_error", status: 503 });
  });

  it("regression: an overflowing completion_tokens (1e400 parses as Infinity) leaves no Infinity or NaN in chunkTokens", () => {
    const c = (content: string, completion: string): string =>
      `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}],"usage":{"prompt_tokens":1,"completion_tokens":${completion}}}\n\n`;
    const r = run([enc.encode(c("a", "1") + c("b", "1e400") + c("c", "1e400") + "data: [DONE]\n\n")]);
    expect(r.content).toBe("abc");
    expect(r.continuousUsage).toBe(false);
    expect(r.chunkTokens).toEqual([]);
    const r2 = run([enc.encode(c("a", "-1e308") + c("b", "1e308") + "data: [DONE]\n\n")]);
    expect(r2.chunkTokens.every(Number.isFinite)).toBe(true);
    expectWellFormed(r);
    expectWellFormed(r2);
  });

  it("regression: server timings keep only finite numbers (strings, nested objects, 1e400 and __proto__ are dropped)", () => {
    const r = run([
      enc.encode(
        'data: {"choices":[],"timings":{"prompt_n":6,"predicted_ms":1e400,"label":"x","nested":{"a":1},"list":[1],"none":null,"__proto__":{"polluted":1}}}\n\ndata: [DONE]\n\n',
      ),
    ]);
    expect(r.serverTimings).toEqual({ prompt_n: 6 });
    expect(Object.getPrototypeOf(r.serverTimings)).toBe(Object.prototype);
    expectWellFormed(r);
  });

  it("regression: a long event arriving one byte at a time is parsed in linear time (the SSE parser rescanned its unfinished line on every read)", () => {
    const n = 300_000;
    const body = enc.encode(`data: {"choices":[{"index":0,"delta":{"content":"${"x".repeat(n)}"}}]}\n\ndata: [DONE]\n\n`);
    const cpu = cpuStopwatch();
    const r = run(Array.from(body, (b) => Uint8Array.of(b)));
    const ms = cpu(); // CPU time: a busy machine cannot add to it
    expect(r.content).toHaveLength(n);
    expect(r.ok).toBe(true);
    // linear: well under a second; quadratic: minutes
    expect(ms).toBeLessThan(8000);
  });

  it("regression: a mis-encoded BOM (\u00ef\u00bb\u00bf) opening the body gives the same events however the first read is cut", () => {
    const bytes = enc.encode(`\u00ef\u00bb\u00bf${ok}`);
    const whole = run([bytes]);
    for (let at = 1; at < 12; at++) expect(essence(run(splitAt(bytes, [at])))).toEqual(essence(whole));
    expect(whole.content).toBe("ok");
  });

  it("regression: an error event with a deeply nested `detail` threw a RangeError from errorMessageFromJson", () => {
    const r = run([enc.encode(`data: {"error": 1, "detail": ${DEEP_ARRAY_TEXT}}\n\n`)]);
    expect(r.error?.kind).toBe("server_error");
  });
  it("regression: an error event with code 1e400 (or 2.5, or -1) got a status that is not an HTTP status", () => {
    for (const code of ["1e400", "2.5", "-1"]) {
      const r = run([enc.encode(`data: {"error": {"code": ${code}, "message": "m"}}\n\n`)]);
      expect(r.error?.status).toBe(500);
      expectWellFormed(r);
    }
  });
});
