/**
 * The simulator's HTTP server: OpenAI-compatible chat completions (streamed and not),
 * /v1/models, /health, /metrics, /reset_prefix_cache and (fakeGpu) /gpu/metrics, in front
 * of the simulated engine.
 * It is a simulator for testing shakedown and seeing it work; it never claims to be a model
 * (every response carries `server: shakedown-sim` and `x-shakedown-sim-profile`).
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type {
  WireChatChunk,
  WireChatResponse,
  WireDelta,
  WireError,
  WireMessage,
  WireModelList,
  WireTool,
  WireUsage,
} from "../wire/openai.js";
import { loadAnswerBank, ScriptedAnswers, type ScriptedPlan } from "./answers.js";
import { renderChatPrompt, type TemplateMessage } from "./chat-template.js";
import { realClock, type SimClock } from "./clock.js";
import { SimEngine, type EngineCounters, type SequenceHandle, type SequenceRecord } from "./engine.js";
import { createFakeGpuMetrics, type FakeGpuMetrics } from "./gpu.js";
import { hashInts } from "./hash.js";
import { createSimMetrics, type SimMetrics } from "./metrics.js";
import { resolveSimOptions, type SimOptions, type SimProfileName } from "./options.js";
import { planReply, type ReplyPlan, type ReplyPlanInput } from "./plan.js";
import { encode } from "./tokenizer.js";
import { isToolTurnPlan, loadToolAnswerBank, ScriptedToolCalls, type ToolTurnPlan } from "./tools.js";

/** Engine counters that stats() passes through (each equals its vLLM counter, e.g. vllm:prompt_tokens_total). */
const ENGINE_STATS = ["promptTokens", "cachedTokens", "generatedTokens", "preemptions", "prefixCacheQueries", "prefixCacheHits", "steps"] as const;

/** Counts for tests and for `shakedown sim`'s summary. */
export type SimStats = Pick<EngineCounters, (typeof ENGINE_STATS)[number]> & {
  /** Chat requests that passed auth and validation (the ones failRate counts). */
  requests: number;
  /** Chat requests answered with an injected HTTP 500. */
  failures: number;
  /** Chat requests answered 4xx (bad body, unknown model, prompt too long). */
  rejected: number;
  /** Requests answered 401 (any path). */
  unauthorized: number;
  /** Chat requests answered in full. */
  completed: number;
  /** Chat requests ended early (client went away, or close()). */
  aborted: number;
  /** Cached blocks evicted to make room. */
  evictedBlocks: number;
  /** Sequences running / waiting now. */
  running: number;
  waiting: number;
  /** KV blocks in use, 0..1. */
  kvCacheUsage: number;
  /** Chat requests answered with changed answers (answerChangeAfter): those after the N-th. */
  changedAnswers: number;
};

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  port: number;
  options: SimOptions;
  /** With fakeGpu: the DCGM-exporter metrics URL, e.g. http://127.0.0.1:PORT/gpu/metrics (needs the API key, when set). */
  gpuMetricsUrl?: string;
  close(): Promise<void>;
  stats(): SimStats;
}

export type StartSimulatorOptions = Partial<SimOptions> & {
  profile?: SimProfileName;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Injectable clock (tests); default the real clock. */
  clock?: SimClock;
  /** Ground truth for timing benchmarks: called once the first token's chunk left for the kernel. */
  onFirstTokenWritten?: FirstTokenListener;
};

/**
 * Receives a streamed response's id and the instant its first token was written to the
 * socket, as a high-resolution epoch time (performance.timeOrigin + performance.now(), ms),
 * comparable across threads and processes of one machine.
 */
export type FirstTokenListener = (responseId: string, writtenAtEpochMs: number) => void;

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError",
  401: "AuthenticationError",
  404: "NotFoundError",
  405: "MethodNotAllowed",
  413: "BadRequestError",
  500: "InternalServerError",
  503: "ServiceUnavailableError",
};

function badRequest(message: string, param: string | null = null): HttpError {
  return new HttpError(400, message, "BadRequestError", param);
}

/** A validated chat request: only what the simulator uses. */
interface ChatRequest {
  model: string | undefined;
  messages: TemplateMessage[];
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  maxTokens: number | undefined;
  minTokens: number | undefined;
  ignoreEos: boolean;
  seed: number | undefined;
  tools: WireTool[] | undefined;
  enableThinking: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optionalInt(body: Record<string, unknown>, key: string, min: number): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw badRequest(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw badRequest(`${key} must be a boolean, got ${JSON.stringify(v)}`, key);
  return v;
}

function parseChatRequest(body: unknown): ChatRequest {
  if (!isObject(body)) throw badRequest("the request body must be a JSON object");
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw badRequest("messages is required and must be a non-empty array", "messages");
  }
  const parsed: TemplateMessage[] = messages.map((m: unknown, i: number) => {
    if (!isObject(m)) throw badRequest(`messages[${i}] must be an object`, "messages");
    const role = m.role;
    if (typeof role !== "string" || !ROLES.has(role)) {
      throw badRequest(`messages[${i}].role must be one of ${[...ROLES].join(", ")}, got ${JSON.stringify(role)}`, "messages");
    }
    const content = m.content;
    if (content !== undefined && content !== null && typeof content !== "string" && !Array.isArray(content)) {
      throw badRequest(`messages[${i}].content must be a string, an array of content parts, or null`, "messages");
    }
    return { role, content, tool_calls: m.tool_calls };
  });
  const model = body.model;
  if (model !== undefined && model !== null && typeof model !== "string") throw badRequest("model must be a string", "model");
  const stream = optionalBool(body, "stream") ?? false;
  const so = body.stream_options;
  if (so !== undefined && so !== null) {
    if (!stream) throw badRequest("Stream options can only be defined when `stream=True`.", "stream_options");
    if (!isObject(so)) throw badRequest("stream_options must be an object", "stream_options");
  }
  const streamOptions = isObject(so) ? so : {};
  const includeUsage = streamOptions.include_usage === true;
  const continuousUsage = includeUsage && streamOptions.continuous_usage_stats === true;
  const maxCompletion = optionalInt(body, "max_completion_tokens", 1);
  const maxTokens = maxCompletion ?? optionalInt(body, "max_tokens", 1);
  const minTokens = optionalInt(body, "min_tokens", 0);
  if (minTokens !== undefined && maxTokens !== undefined && minTokens > maxTokens) {
    throw badRequest(`min_tokens (${minTokens}) must be less than or equal to max_tokens (${maxTokens})`, "min_tokens");
  }
  const n = optionalInt(body, "n", 1);
  if (n !== undefined && n !== 1) throw badRequest("shakedown-sim supports n = 1 only", "n");
  const seedValue = body.seed;
  if (seedValue !== undefined && seedValue !== null && (typeof seedValue !== "number" || !Number.isInteger(seedValue))) {
    throw badRequest("seed must be an integer", "seed");
  }
  const tools = body.tools;
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) throw badRequest("tools must be an array", "tools");
  const kwargs = body.chat_template_kwargs;
  const enableThinking = !(isObject(kwargs) && kwargs.enable_thinking === false);
  return {
    model: typeof model === "string" ? model : undefined,
    messages: parsed,
    stream,
    includeUsage,
    continuousUsage,
    maxTokens,
    minTokens,
    ignoreEos: optionalBool(body, "ignore_eos") ?? false,
    seed: typeof seedValue === "number" ? seedValue : undefined,
    tools: Array.isArray(tools) ? (tools as WireTool[]) : undefined,
    enableThinking,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`, "BadRequestError"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface ActiveRequest {
  res: ServerResponse;
  handle: SequenceHandle | undefined;
  streaming: boolean;
}

/** The simulator without its listening socket: a request handler plus state. */
export class Simulator {
  readonly options: SimOptions;
  readonly engine: SimEngine;
  readonly metrics: SimMetrics;
  /** The scripted answer bank for built-in reasoning tasks (undefined when scriptedAnswers is off). */
  readonly scripted: ScriptedAnswers | undefined;
  /** The scripted tool calls for built-in tool cases (undefined when scriptedAnswers is off). */
  readonly scriptedTools: ScriptedToolCalls | undefined;
  /** The fake GPU's DCGM-exporter metrics (undefined unless fakeGpu). */
  readonly gpuMetrics: FakeGpuMetrics | undefined;
  /** When the simulator started (Date.now()): process_start_time_seconds. */
  readonly startedAtEpochMs: number;
  private readonly active = new Set<ActiveRequest>();
  private readonly counts = { requests: 0, failures: 0, rejected: 0, unauthorized: 0, completed: 0, aborted: 0, changedAnswers: 0 };
  private closing = false;
  private nextRequestId = 1;

  constructor(
    options: SimOptions,
    clock: SimClock = realClock,
    private readonly onFirstTokenWritten?: FirstTokenListener,
  ) {
    this.options = options;
    this.startedAtEpochMs = Date.now();
    this.engine = new SimEngine(
      {
        maxNumSeqs: options.maxNumSeqs,
        maxNumBatchedTokens: options.maxNumBatchedTokens,
        chunkedPrefill: options.chunkedPrefill,
        prefixCaching: options.prefixCaching,
        blockSize: options.blockSize,
        kvBlocks: options.kvBlocks,
        overheadMs: options.overheadMs,
        prefillMsPerToken: options.prefillMsPerToken,
        decodeStepMs: options.decodeStepMs,
        decodeStepMsPerSeq: options.decodeStepMsPerSeq,
        timeScale: options.timeScale,
        slowdownPerHour: options.slowdownPerHour,
      },
      clock,
    );
    this.metrics = createSimMetrics(this.engine, options, this.startedAtEpochMs);
    this.gpuMetrics = options.fakeGpu ? createFakeGpuMetrics(this.engine, options) : undefined;
    this.scripted = options.scriptedAnswers ? new ScriptedAnswers(loadAnswerBank()) : undefined;
    this.scriptedTools = options.scriptedAnswers ? new ScriptedToolCalls(loadToolAnswerBank(), options.toolParser) : undefined;
  }

  stats(): SimStats {
    const c = this.engine.counters;
    return {
      ...this.counts,
      ...(Object.fromEntries(ENGINE_STATS.map((k) => [k, c[k]])) as Pick<EngineCounters, (typeof ENGINE_STATS)[number]>),
      evictedBlocks: this.engine.kv.evictions,
      running: this.engine.numRunning(),
      waiting: this.engine.numWaiting(),
      kvCacheUsage: this.engine.kv.usage(),
    };
  }

  /** Ends every open request (streams are cut short) and stops the engine. */
  shutdown(): void {
    this.closing = true;
    const open = [...this.active];
    this.engine.close(); // aborts every sequence (their onEnd runs first)
    for (const a of open) {
      if (a.res.writableEnded) continue;
      if (!a.res.headersSent) this.sendError(a.res, new HttpError(503, "shakedown-sim is shutting down", "ServiceUnavailableError"));
      else a.res.end();
    }
    this.active.clear();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader("server", "shakedown-sim");
    res.setHeader("x-shakedown-sim-profile", this.options.profile);
    this.route(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, `shakedown-sim internal error: ${String(err)}`, "InternalServerError");
      if (!res.headersSent) this.sendError(res, e);
      else res.end();
    });
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const routes: Record<string, string> = {
      "/health": "GET",
      "/v1/models": "GET",
      "/v1/chat/completions": "POST",
      "/metrics": "GET",
      "/reset_prefix_cache": "POST",
      ...(this.gpuMetrics ? { "/gpu/metrics": "GET" } : {}),
    };
    const allowed = routes[path];
    if (allowed === undefined) {
      if (path.startsWith("/v1/") && !this.authorized(req)) return this.unauthorized(res);
      throw new HttpError(404, `Not Found: ${method} ${path}`, "NotFoundError");
    }
    if (path.startsWith("/v1/") || path === "/metrics" || path === "/gpu/metrics") {
      if (!this.authorized(req)) return this.unauthorized(res);
    }
    if (method !== allowed && !(allowed === "GET" && method === "HEAD")) {
      res.setHeader("allow", allowed);
      throw new HttpError(405, `Method Not Allowed: ${method} ${path} (use ${allowed})`, "MethodNotAllowed");
    }
    switch (path) {
      case "/health":
        res.writeHead(200, { "content-length": "0" });
        res.end();
        return;
      case "/v1/models":
        return this.sendJson(res, 200, this.modelList());
      case "/metrics": {
        const text = await this.metrics.render();
        res.writeHead(200, { "content-type": this.metrics.contentType });
        res.end(text);
        return;
      }
      case "/gpu/metrics": {
        const gpu = this.gpuMetrics;
        if (!gpu) throw new HttpError(404, `Not Found: ${method} ${path}`, "NotFoundError");
        const text = await gpu.render();
        res.writeHead(200, { "content-type": gpu.contentType });
        res.end(text);
        return;
      }
      case "/reset_prefix_cache": {
        const ok = this.engine.resetPrefixCache();
        if (!ok) throw new HttpError(400, "Failed to reset prefix cache: some blocks are still in use", "BadRequestError");
        res.writeHead(200, { "content-length": "0" });
        res.end();
        return;
      }
      default:
        return this.chat(req, res);
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const key = this.options.apiKey;
    if (key === undefined) return true;
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    return m !== null && m[1] !== undefined && sameSecret(m[1].trim(), key);
  }

  private unauthorized(res: ServerResponse): void {
    this.counts.unauthorized++;
    res.setHeader("www-authenticate", "Bearer");
    this.sendError(res, new HttpError(401, "Unauthorized", "AuthenticationError"));
  }

  private modelList(): WireModelList {
    const created = Math.floor(Date.now() / 1000);
    return {
      object: "list",
      data: [
        {
          id: this.options.model,
          object: "model",
          created,
          owned_by: "shakedown-sim",
          root: this.options.model,
          parent: null,
          max_model_len: this.options.maxModelLen,
          permission: [],
        },
      ],
    };
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  private sendError(res: ServerResponse, e: HttpError): void {
    const body: WireError = { error: { message: e.message, type: e.type || ERROR_TYPES[e.status] || "Error", param: e.param, code: e.status } };
    this.sendJson(res, e.status, body);
  }

  private async chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let request: ChatRequest;
    let prompt: { ids: number[]; text: string };
    try {
      const raw = await readBody(req);
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch (err) {
        throw badRequest(`Invalid JSON body: ${(err as Error).message}`);
      }
      request = parseChatRequest(body);
      if (request.model !== undefined && request.model !== this.options.model) {
        throw new HttpError(404, `The model \`${request.model}\` does not exist.`, "NotFoundError", "model");
      }
      const text = renderChatPrompt(request.messages, request.tools);
      prompt = { text, ids: encode(text) };
      const max = this.options.maxModelLen;
      const n = prompt.ids.length;
      if (n >= max) {
        throw badRequest(
          `This model's maximum context length is ${max} tokens. However, your request has ${n} input tokens. ` +
            "Please reduce the length of the input messages.",
          "messages",
        );
      }
      if (request.maxTokens !== undefined && n + request.maxTokens > max) {
        throw badRequest(
          `'max_tokens' or 'max_completion_tokens' is too large: ${request.maxTokens}. This model's maximum context ` +
            `length is ${max} tokens and your request has ${n} input tokens (${request.maxTokens} > ${max} - ${n}).`,
          "max_tokens",
        );
      }
    } catch (err) {
      if (err instanceof HttpError && err.status >= 400 && err.status < 500) this.counts.rejected++;
      throw err;
    }
    if (this.closing) throw new HttpError(503, "shakedown-sim is shutting down", "ServiceUnavailableError");

    const nth = ++this.counts.requests;
    const f = this.options.failRate;
    if (Math.floor(nth * f + 1e-9) > Math.floor((nth - 1) * f + 1e-9)) {
      this.counts.failures++;
      throw new HttpError(
        500,
        `shakedown-sim: injected failure (fail rate ${f}, chat request ${nth})`,
        "InternalServerError",
      );
    }

    // answerChangeAfter: from request N + 1 on, every answer is another one (a silent model swap).
    const changed = this.options.answerChangeAfter !== undefined && nth > this.options.answerChangeAfter;
    if (changed) this.counts.changedAnswers++;
    const variantShift = changed ? 1 : 0;

    const effectiveMaxTokens = request.maxTokens ?? this.options.maxModelLen - prompt.ids.length;
    // A built-in tool case (with tools offered) plays its scripted turn (src/sim/tools.ts), a
    // built-in reasoning task gets its scripted answer (src/sim/answers.ts), unless the
    // request asks for a length of its own (ignore_eos, min_tokens).
    const ownLength = request.ignoreEos || (request.minTokens ?? 0) > 0;
    const toolTurn =
      ownLength || (request.tools?.length ?? 0) === 0
        ? undefined
        : this.scriptedTools?.answer(request.messages, { seed: request.seed, maxTokens: effectiveMaxTokens, variantShift });
    const scripted =
      toolTurn ??
      (ownLength
        ? undefined
        : this.scripted?.answer(request.messages, { maxTokens: effectiveMaxTokens, thinking: request.enableThinking, variantShift }));
    const replyInput: ReplyPlanInput = {
      seed: this.options.seed,
      promptHash: hashInts(0, prompt.ids),
      requestSeed: request.seed,
      promptTokens: prompt.ids.length,
      maxModelLen: this.options.maxModelLen,
      replyTokens: this.options.replyTokens,
      reasoningTokens: this.options.reasoningTokens,
      reasoning: request.enableThinking ? this.options.reasoning : "none",
      maxTokens: request.maxTokens,
      minTokens: request.minTokens,
      ignoreEos: request.ignoreEos,
    };
    const plan = scripted ?? (changed ? changedReply(replyInput) : planReply(replyInput));
    this.run(res, request, prompt.ids, plan, effectiveMaxTokens);
  }

  private run(res: ServerResponse, request: ChatRequest, promptIds: number[], plan: ReplyPlan | ScriptedPlan | ToolTurnPlan, maxTokens: number): void {
    const reasoningField = "reasoningField" in plan ? plan.reasoningField : "reasoning";
    // A scripted tool turn brings its own deltas, message and finish_reason (src/sim/tools.ts).
    const toolTurn = isToolTurnPlan(plan) ? plan : undefined;
    const id = `chatcmpl-sim-${(this.nextRequestId++).toString(36)}-${hashInts(this.options.seed, promptIds).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = this.options.model;
    const promptTokens = promptIds.length;
    const active: ActiveRequest = { res, handle: undefined, streaming: request.stream };
    let done = false;
    let cachedTokens = 0;

    const usage = (completion: number, withDetails: boolean): WireUsage => {
      const u: WireUsage = { prompt_tokens: promptTokens, total_tokens: promptTokens + completion, completion_tokens: completion };
      if (withDetails) u.prompt_tokens_details = { cached_tokens: cachedTokens };
      return u;
    };
    const chunk = (delta: WireDelta, finishReason: string | null, completion: number): WireChatChunk => {
      const c: WireChatChunk = { id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] };
      if (request.continuousUsage) c.usage = usage(completion, false);
      return c;
    };
    const send = (payload: WireChatChunk | "[DONE]"): void => {
      res.write(`data: ${payload === "[DONE]" ? payload : JSON.stringify(payload)}\n\n`);
    };

    if (request.stream) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
      res.flushHeaders();
    }

    const finished = (record: SequenceRecord): void => {
      done = true;
      this.active.delete(active);
      if (record.outcome === "aborted") {
        this.counts.aborted++;
        this.metrics.requestFinished("abort", maxTokens);
        return;
      }
      this.counts.completed++;
      this.metrics.requestFinished(plan.finishReason, maxTokens);
      const completion = record.generatedTokens;
      if (request.stream) {
        send(chunk({ content: "" }, toolTurn?.wireFinishReason ?? plan.finishReason, completion));
        if (request.includeUsage) {
          send({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usage(completion, true) });
        }
        send("[DONE]");
        res.end();
        return;
      }
      let content = "";
      let reasoning = "";
      for (let i = 0; i < completion; i++) {
        if (plan.parts[i] === "reasoning") reasoning += plan.tokens[i] ?? "";
        else content += plan.tokens[i] ?? "";
      }
      const message: WireMessage = toolTurn?.message ?? { role: "assistant", content, tool_calls: [] };
      if (reasoning.length > 0) message[reasoningField] = reasoning;
      const response: WireChatResponse = {
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message, finish_reason: toolTurn?.wireFinishReason ?? plan.finishReason }],
        usage: usage(completion, true),
      };
      this.sendJson(res, 200, response);
    };

    const onToken = (index: number): void => {
      if (!request.stream) return;
      if (index === 0) send(chunk({ role: "assistant", content: "" }, null, 0));
      const text = plan.tokens[index] ?? "";
      const delta: WireDelta | undefined = toolTurn
        ? toolTurn.deltas[index]
        : plan.parts[index] === "reasoning"
          ? { [reasoningField]: text }
          : { content: text };
      if (delta) send(chunk(delta, null, index + 1));
      // node:http corks the socket on a tick's first write and uncorks it on a nextTick queued
      // then: a nextTick queued after the write runs once the bytes went to the kernel.
      if (index === 0 && this.onFirstTokenWritten) {
        const listener = this.onFirstTokenWritten;
        process.nextTick(() => listener(id, performance.timeOrigin + performance.now()));
      }
    };

    this.active.add(active);
    res.on("close", () => {
      if (!done) active.handle?.abort();
    });
    active.handle = this.engine.submit(
      { promptIds, outputIds: plan.ids },
      {
        onToken,
        onEnd: (record) => {
          cachedTokens = record.cachedTokens;
          finished(record);
        },
      },
    );
  }
}

/**
 * The reply after answerChangeAfter: the text from another seed (epoch 1). In the rare case
 * where that gives the same tokens (a one- or two-token max_tokens), the next epochs are
 * tried, so the answer differs whenever a different one exists within a few tries.
 */
export function changedReply(input: ReplyPlanInput): ReplyPlan {
  const original = planReply(input).tokens.join("\u0000");
  let plan = planReply({ ...input, answerEpoch: 1 });
  for (let epoch = 2; epoch <= 16 && plan.tokens.join("\u0000") === original; epoch++) plan = planReply({ ...input, answerEpoch: epoch });
  return plan;
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts a simulator listening on `host:port` (default 127.0.0.1, a free port). */
export async function startSimulator(partial: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const { port = 0, host = "127.0.0.1", clock, onFirstTokenWritten, ...rest } = partial;
  const options = resolveSimOptions(rest);
  const sim = new Simulator(options, clock ?? realClock, onFirstTokenWritten);
  const server: Server = createServer(sim.handle);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  const origin = `http://${formatHost(host)}:${address.port}`;
  return {
    baseUrl: `${origin}/v1`,
    port: address.port,
    options,
    ...(options.fakeGpu ? { gpuMetricsUrl: `${origin}/gpu/metrics` } : {}),
    stats: () => sim.stats(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        server.closeIdleConnections();
        setImmediate(() => server.closeAllConnections());
      });
      return closed;
    },
  };
}
