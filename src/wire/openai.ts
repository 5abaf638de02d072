/**
 * OpenAI-compatible wire types (chat completions), shared by the client and the simulator.
 * Only shapes live here: no behaviour. Fields marked "extension" are not in OpenAI's API
 * but are sent or understood by vLLM, SGLang or llama.cpp.
 */

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface WireMessage {
  role: ChatRole;
  content: string | null;
  name?: string;
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
  /** extension: reasoning text (vLLM renamed reasoning_content to reasoning). */
  reasoning?: string;
  reasoning_content?: string;
}

export interface WireTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface WireStreamOptions {
  include_usage?: boolean;
  /** extension (vLLM, SGLang): cumulative usage on every chunk. */
  continuous_usage_stats?: boolean;
}

export interface WireChatRequest {
  model: string;
  messages: WireMessage[];
  stream?: boolean;
  stream_options?: WireStreamOptions;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  seed?: number;
  stop?: string | string[];
  tools?: WireTool[];
  tool_choice?: unknown;
  /** extension (vLLM): minimum generated tokens / ignore end-of-sequence. */
  min_tokens?: number;
  ignore_eos?: boolean;
  [extra: string]: unknown;
}

export interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

export interface WireToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface WireDelta {
  role?: ChatRole;
  content?: string | null;
  reasoning?: string | null;
  reasoning_content?: string | null;
  tool_calls?: WireToolCallDelta[];
}

export interface WireChunkChoice {
  index: number;
  delta: WireDelta;
  finish_reason: string | null;
}

export interface WireChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: WireChunkChoice[];
  usage?: WireUsage | null;
  /** extension (llama.cpp): per-request server timings. */
  timings?: Record<string, number>;
}

export interface WireChatResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: { index: number; message: WireMessage; finish_reason: string | null }[];
  usage?: WireUsage;
  timings?: Record<string, number>;
}

export interface WireModelList {
  object: "list";
  data: { id: string; object: "model"; created?: number; owned_by?: string; max_model_len?: number; [k: string]: unknown }[];
}

export interface WireError {
  error: { message: string; type?: string; code?: number | string | null; [k: string]: unknown };
}
