/**
 * The OpenAI-compatible client: the whole supported API of src/client.
 *
 *   const client = createClient({ baseUrl: "http://127.0.0.1:8000/v1", timeouts });
 *   const r = await client.chat({ model, messages, stream: true });   // never throws
 *   await client.close();
 */
import type { Agent } from "undici";
import { chatExchange, type ChatTransport, type DialectState } from "./chat.js";
import { createAgent, resolveEndpoint, type Endpoint } from "./endpoint.js";
import { fetchModels, type ModelInfo } from "./models.js";
import { DEFAULT_RESPONSE_LIMITS, type ChatCallOptions, type ChatResult } from "./types.js";

export type { Endpoint } from "./endpoint.js";
export { DEFAULT_MAX_CONNECTIONS } from "./endpoint.js";
export type { ModelInfo } from "./models.js";
export { fetchServerProps, preflight, type PreflightResult } from "./preflight.js";
export type {
  ChatCallOptions,
  ChatResult,
  ClassifiedError,
  ErrorKind,
  ResponseLimits,
  RetriedAttempt,
  Timeouts,
  Timestamps,
  Usage,
} from "./types.js";

/** A client bound to one endpoint, with its own keep-alive connection pool. */
export interface ChatClient {
  /**
   * One chat completion. Never throws for a failed exchange: the result is ok:false with a
   * classified error and keeps everything received before the failure.
   */
  chat(opts: ChatCallOptions): Promise<ChatResult>;
  /** GET {base}/models. Throws UnreachableError or AuthError. */
  listModels(): Promise<ModelInfo[]>;
  /** Closes the pool: waits for requests in flight up to `graceMs` (default 2 s), then cuts them. */
  close(graceMs?: number): Promise<void>;
}

class UndiciChatClient implements ChatClient {
  private readonly agent: Agent;
  private readonly transport: ChatTransport;

  constructor(private readonly endpoint: Endpoint) {
    const resolved = resolveEndpoint(endpoint);
    this.agent = createAgent(endpoint);
    const dialect: DialectState = { continuousUsageRejected: false, streamOptionsRejected: false };
    this.transport = { dispatcher: this.agent, endpoint: resolved, timeouts: endpoint.timeouts, limits: endpoint.limits ?? DEFAULT_RESPONSE_LIMITS, dialect };
  }

  chat(opts: ChatCallOptions): Promise<ChatResult> {
    return chatExchange(this.transport, opts);
  }

  async listModels(): Promise<ModelInfo[]> {
    const listing = await fetchModels(this.agent, this.transport.endpoint, this.endpoint.timeouts);
    return listing.models;
  }

  async close(graceMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), graceMs);
      timer.unref();
    });
    const closed = await Promise.race([this.agent.close().then(() => "closed" as const), late]);
    clearTimeout(timer);
    if (closed === "late") await this.agent.destroy();
  }
}

/** Creates a client for one endpoint. Throws ConfigError when the base URL is not an http(s) URL. */
export function createClient(endpoint: Endpoint): ChatClient {
  return new UndiciChatClient(endpoint);
}
