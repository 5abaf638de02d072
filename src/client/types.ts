/**
 * What the client returns for one chat-completion exchange. Every duration is in
 * milliseconds, measured with performance.now() on the hot path, relative to `sent`
 * (the instant just before the request was handed to the HTTP stack).
 */
import type { WireMessage, WireTool, WireToolCall } from "../wire/openai.js";

export type ErrorKind =
  | "connect_refused"
  | "dns"
  | "connect_timeout"
  | "timeout_first_byte"
  | "timeout_between_tokens"
  | "timeout_total"
  | "http_status"
  /** HTTP 200, but the body or stream carried an error object (vLLM: `data: {"error": …}`). */
  | "server_error"
  | "stream_cut"
  | "malformed_event"
  /** Stopped by the caller (the run's stop: Ctrl-C, the target gone, …): not the server's failure. */
  | "aborted"
  /** The response grew past the client's cap (bytes or token chunks): an endless or oversized answer. */
  | "response_too_large"
  | "network";

export interface ClassifiedError {
  kind: ErrorKind;
  message: string;
  /** HTTP status for kind http_status; the error's own code for server_error. */
  status?: number;
  /** First bytes of the error body (at most 2 000 characters). */
  bodyExcerpt?: string;
}

export interface Timeouts {
  /** Connection establishment. */
  connectMs: number;
  /** From send to the first response byte (headers). */
  firstByteMs: number;
  /** Longest silence allowed between two stream events once the stream started. */
  betweenTokensMs: number;
  /** Whole exchange. */
  totalMs: number;
}

/** Caps on one response, so an endless or oversized answer is cut and recorded instead of exhausting memory. */
export interface ResponseLimits {
  /** Response body bytes (SSE framing included). */
  maxBytes: number;
  /** Token-bearing stream chunks. */
  maxTokens: number;
}

export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = { maxBytes: 64 * 1024 * 1024, maxTokens: 262_144 };

/** An attempt that failed before reaching the server and was sent again (see ChatResult.retried). */
export interface RetriedAttempt {
  error: ClassifiedError;
  /** Why it was safe to send again. */
  reason: "reused_connection_closed";
}

export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  /** usage.prompt_tokens_details.cached_tokens, when the server reports it. */
  cachedTokens?: number;
  /** usage.completion_tokens_details.reasoning_tokens, when the server reports it. */
  reasoningTokens?: number;
}

/** Timestamps in ms since `sent`; absent when the event never happened. */
export interface Timestamps {
  /** Response headers received (undici: headers; llama.cpp sends them with the first token). */
  firstByte?: number;
  /** First SSE data event with a non-empty `choices` array (vLLM's bench calls this TTFT). */
  firstChunk?: number;
  /** First non-empty content delta (answer text). */
  firstContent?: number;
  /** First non-empty reasoning delta (`reasoning`/`reasoning_content`, or inline <think>). */
  firstReasoning?: number;
  /** First tool-call delta. */
  firstToolCall?: number;
  /** First content token after the reasoning ended (time to first answer token). */
  firstAnswer?: number;
  /** Last token-bearing chunk. */
  lastToken?: number;
  /** End of the response body. */
  lastByte?: number;
}

export interface ChatResult {
  ok: boolean;
  /** Wall-clock epoch ms at send, for timelines only (never for durations). */
  startedAtEpochMs: number;
  /** performance.now() at send, for ordering requests within a process. */
  sentPerfMs: number;
  stream: boolean;
  httpStatus?: number;
  t: Timestamps;
  /** Arrival time (ms since sent) of every token-bearing chunk, in order. */
  chunkTimes: number[];
  /** Tokens carried by each token-bearing chunk where known (continuous usage stats); else empty. */
  chunkTokens: number[];
  content: string;
  reasoning: string;
  /** Where the reasoning came from. */
  reasoningSource?: "reasoning" | "reasoning_content" | "think_tag";
  toolCalls: WireToolCall[];
  finishReason?: string;
  usage?: Usage;
  /** True when the server accepted continuous_usage_stats (usage seen on token chunks). */
  continuousUsage: boolean;
  /** llama.cpp `timings` object, verbatim. */
  serverTimings?: Record<string, number>;
  /** Response id and model echoed by the server. */
  responseId?: string;
  responseModel?: string;
  error?: ClassifiedError;
  /**
   * Set when a first attempt failed before any response byte on a kept-alive connection the
   * server had closed (llama.cpp closes after every stream): it provably never reached the
   * server and was sent once more on a fresh connection. Timestamps are the retry's.
   */
  retried?: RetriedAttempt;
}

export interface ChatCallOptions {
  messages: WireMessage[];
  model: string;
  stream: boolean;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  tools?: WireTool[];
  /** Ask for continuous_usage_stats too (vLLM/SGLang extension). */
  continuousUsage?: boolean;
  /** Extra body fields merged last (e.g. ignore_eos, chat_template_kwargs). */
  extraBody?: Record<string, unknown>;
  signal?: AbortSignal;
}
