/**
 * One streamed response body: SSE framing (sse.ts) feeding the state machine (assemble.ts).
 * No I/O and no clock: the caller passes arrival times (ms since sent).
 */
import { StreamAssembler } from "./assemble.js";
import { SseDecoder } from "./sse.js";
import type { ChatResult, ClassifiedError } from "./types.js";

/** Parses a chat-completion SSE body into the ChatResult it is given. */
export class ChatStream {
  private readonly asm: StreamAssembler;
  private readonly sse: SseDecoder;

  /** Data events with a non-empty payload so far (SSE comments and empty events are not counted). */
  dataEvents = 0;

  constructor(readonly r: ChatResult, secret?: string) {
    this.asm = new StreamAssembler(r, secret);
    this.sse = new SseDecoder((data, atEnd) => {
      if (data.length > 0) this.dataEvents++;
      this.asm.onData(data, atEnd);
    });
  }

  /** Feeds a body chunk received at `now`. Returns false when reading should stop (error event, malformed event). */
  push(bytes: Uint8Array, now: number): boolean {
    this.asm.now = now;
    this.sse.push(bytes);
    return !this.asm.failed;
  }

  /** Same as push() for decoded text. */
  pushText(text: string, now: number): boolean {
    this.asm.now = now;
    this.sse.pushText(text);
    return !this.asm.failed;
  }

  /** The error that stopped the stream, if any. */
  get error(): ClassifiedError | undefined {
    return this.asm.error;
  }

  /**
   * The body ended at `now`: flushes a last event left without its blank line, and returns
   * the stream's error (an error or malformed event, or stream_cut without `[DONE]`).
   */
  end(now: number): ClassifiedError | undefined {
    if (this.asm.failed) return this.asm.error;
    this.asm.now = now;
    this.sse.end();
    if (this.asm.failed) return this.asm.error;
    return this.asm.done ? undefined : this.asm.cutError();
  }

  /** Completes the result (held-back text, tool calls, usage). Call on every path; idempotent. */
  finish(): void {
    this.asm.finish();
  }
}

/** Parses a whole recorded SSE body (tests, offline re-parsing). `ok` reflects the stream's own errors only. */
export function parseRecordedStream(r: ChatResult, body: string | Uint8Array, secret?: string): ChatResult {
  const s = new ChatStream(r, secret);
  const going = typeof body === "string" ? s.pushText(body, 0) : s.push(body, 0);
  const err = going ? s.end(0) : s.error;
  s.finish();
  if (err) r.error = err;
  r.ok = err === undefined;
  return r;
}
