/**
 * Streaming-safe splitter of inline `<think>…</think>` reasoning out of content.
 *
 * Rules (servers without a reasoning parser leave the model's thinking in `content`):
 * - a `<think>` opening the content (after optional whitespace) starts reasoning, which
 *   runs until `</think>`; the rest is the answer;
 * - a bare `</think>` with no opening tag means the response started inside reasoning
 *   (Qwen3 templates put `<think>` in the prompt): everything before it was reasoning.
 *   Until such a tag is seen, text is passed on as provisional content, and the caller is
 *   told (`reclassified`) to move what it has collected so far to reasoning;
 * - an unclosed `<think>` at the end means all of it is reasoning;
 * - after the reasoning block ends, content is passed through verbatim (later tags are text).
 * Tags may be split across pushes (`<thi` + `nk>`): a trailing partial tag is held back
 * until the next push or end(). Once in the answer, push() is a pass-through.
 */

const OPEN = "<think>";
const CLOSE = "</think>";

/** Where the splitter is: before any text, inside reasoning, provisional (no tag yet), answer. */
export type ThinkState = "start" | "reasoning" | "provisional" | "answer";

/** Index where a trailing proper prefix of `tag` starts in `s`, or s.length when none. */
function partialTagStart(s: string, tag: string): number {
  const from = Math.max(0, s.length - tag.length + 1);
  for (let i = s.indexOf("<", from); i !== -1; i = s.indexOf("<", i + 1)) {
    let j = 0;
    while (i + j < s.length && s.charCodeAt(i + j) === tag.charCodeAt(j)) j++;
    if (i + j === s.length) return i;
  }
  return s.length;
}

function firstNonSpace(s: string): number {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Splits reasoning from content; read `reasoning`, `content`, `reclassified` after each call. */
export class ThinkSplitter {
  state: ThinkState = "start";
  /** Reasoning text produced by the last push()/end(). */
  reasoning = "";
  /** Answer (or provisional) text produced by the last push()/end(). */
  content = "";
  /** Set by the last push() when a bare `</think>` turned all earlier content into reasoning. */
  reclassified = false;
  private held = "";

  /** Feeds the next piece of content. */
  push(text: string): void {
    this.reasoning = "";
    this.content = "";
    this.reclassified = false;
    if (this.state === "answer") {
      this.content = text;
      return;
    }
    this.process(this.held.length > 0 ? this.held + text : text);
  }

  /** Stops looking for tags (the server reports reasoning in its own field); returns held text. */
  passThrough(): string {
    const held = this.held;
    this.held = "";
    this.state = "answer";
    return held;
  }

  /** Flushes held-back text at the end of the response (an unclosed <think> is reasoning). */
  end(): void {
    this.reasoning = "";
    this.content = "";
    this.reclassified = false;
    const held = this.held;
    this.held = "";
    if (held.length === 0) return;
    if (this.state === "reasoning") this.reasoning = held;
    else this.content = held;
  }

  private process(s: string): void {
    this.held = "";
    for (;;) {
      switch (this.state) {
        case "start": {
          const i = firstNonSpace(s);
          if (i === s.length) {
            this.held = s;
            return;
          }
          if (s.startsWith(OPEN, i)) {
            this.state = "reasoning";
            s = s.slice(i + OPEN.length);
            continue;
          }
          if (partialTagStart(s, OPEN) === i) {
            this.held = s;
            return;
          }
          this.state = "provisional";
          continue;
        }
        case "reasoning":
        case "provisional": {
          const j = s.indexOf(CLOSE);
          if (j >= 0) {
            if (this.state === "provisional") this.reclassified = true;
            this.reasoning += s.slice(0, j);
            this.content += s.slice(j + CLOSE.length);
            this.state = "answer";
            return;
          }
          const k = partialTagStart(s, CLOSE);
          const out = k === s.length ? s : s.slice(0, k);
          if (this.state === "reasoning") this.reasoning += out;
          else this.content += out;
          this.held = k === s.length ? "" : s.slice(k);
          return;
        }
        case "answer":
          this.content += s;
          return;
      }
    }
  }
}
