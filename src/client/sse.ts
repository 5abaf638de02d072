/**
 * Server-sent events framing for the chat stream: bytes in, `data` payloads out.
 *
 * Bytes are decoded with one streaming TextDecoder (a multi-byte UTF-8 character split
 * across TCP chunks survives) and framed by `eventsource-parser` (events split across
 * chunks, several events in one chunk, CRLF or CR line ends, `:` comments, `event:`/`id:`
 * fields are all handled there). Only the `data` of each event is passed on.
 */
import { createParser, type EventSourceParser } from "eventsource-parser";

/** Receives each event's data. `atEnd` is true for an event completed only by end(). */
export type SseDataHandler = (data: string, atEnd: boolean) => void;

const STREAM_OPTS = { stream: true } as const;

/** Incremental SSE decoder. Call push() for every body chunk and end() once at body end. */
export class SseDecoder {
  private readonly decoder = new TextDecoder("utf-8");
  private readonly parser: EventSourceParser;
  private flushing = false;

  constructor(onData: SseDataHandler) {
    this.parser = createParser({
      onEvent: (ev) => onData(ev.data, this.flushing),
    });
  }

  /** Feeds one chunk of response bytes. Events complete in it are delivered synchronously. */
  push(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, STREAM_OPTS);
    if (text.length > 0) this.parser.feed(text);
  }

  /** Feeds already-decoded text (tests, non-byte sources). */
  pushText(text: string): void {
    if (text.length > 0) this.parser.feed(text);
  }

  /**
   * Signals the end of the body. An event the server left without its closing blank line
   * (e.g. `data: [DONE]` with no trailing newline) is delivered with `atEnd = true`; so is a
   * half-received event of a cut stream, which the caller then recognises as truncated.
   */
  end(): void {
    const tail = this.decoder.decode();
    if (tail.length > 0) this.parser.feed(tail);
    this.flushing = true;
    try {
      this.parser.feed("\n\n");
    } finally {
      this.flushing = false;
    }
  }
}
