/**
 * Server-sent events framing for the chat stream: bytes in, `data` payloads out.
 *
 * Bytes are decoded with one streaming TextDecoder (a multi-byte UTF-8 character split
 * across TCP chunks survives) and framed by `eventsource-parser` (events split across
 * chunks, several events in one chunk, CRLF or CR line ends, `:` comments, `event:`/`id:`
 * fields are all handled there). Only the `data` of each event is passed on.
 *
 * The parser is fed only text that ends a line: it rescans its unfinished line on every feed,
 * so a long event arriving in many small reads would cost time quadratic in its length.
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
  /** Text after the last line end fed: no event can complete in it before a line end comes. */
  private partial: string[] = [];

  constructor(onData: SseDataHandler) {
    this.parser = createParser({
      onEvent: (ev) => onData(ev.data, this.flushing),
    });
  }

  /** Feeds one chunk of response bytes. Events complete in it are delivered synchronously. */
  push(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, STREAM_OPTS);
    if (text.length > 0) this.feed(text);
  }

  /** Feeds already-decoded text (tests, non-byte sources). */
  pushText(text: string): void {
    if (text.length > 0) this.feed(text);
  }

  private feed(text: string): void {
    const last = Math.max(text.lastIndexOf("\n"), text.lastIndexOf("\r"));
    if (last < 0) {
      this.partial.push(text);
      return;
    }
    const lines = last === text.length - 1 ? text : text.slice(0, last + 1);
    const fed = this.partial.length > 0 ? this.partial.join("") + lines : lines;
    this.partial = last === text.length - 1 ? [] : [text.slice(last + 1)];
    this.parser.feed(fed);
  }

  /**
   * Signals the end of the body. An event the server left without its closing blank line
   * (e.g. `data: [DONE]` with no trailing newline) is delivered with `atEnd = true`; so is a
   * half-received event of a cut stream, which the caller then recognises as truncated.
   */
  end(): void {
    const tail = this.decoder.decode();
    if (tail.length > 0) this.feed(tail);
    const partial = this.partial.join("");
    this.partial = [];
    this.flushing = true;
    try {
      this.parser.feed(`${partial}\n\n`);
    } finally {
      this.flushing = false;
    }
  }
}
