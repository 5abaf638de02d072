/**
 * Assembles streamed `delta.tool_calls[]` fragments into complete tool calls.
 *
 * The first delta of a call (by `index`) carries id, type and function name, usually with
 * empty or partial arguments; later deltas carry argument fragments only. Some servers
 * repeat the id on every delta (SGLang) or send `id: ''` on continuations (vLLM); both are
 * accepted: the first non-empty id and name win, arguments are concatenated. A delta
 * without `index` continues the last call unless it brings a new id.
 */
import type { WireToolCall, WireToolCallDelta } from "../wire/openai.js";

interface Slot {
  id: string;
  name: string;
  args: string;
}

const MAX_INDEX = 4096;

/** Collects tool-call deltas; result() gives the calls in index order. */
export class ToolCallAssembler {
  private readonly slots: (Slot | undefined)[] = [];
  private last = -1;

  /** Number of calls started so far. */
  get count(): number {
    let n = 0;
    for (const s of this.slots) if (s) n++;
    return n;
  }

  /**
   * Adds the tool-call deltas of one chunk. Returns false when arguments sent as an object could
   * not be kept as text (nested too deeply to be serialised); the rest of the deltas are kept.
   */
  push(deltas: readonly WireToolCallDelta[]): boolean {
    let kept = true;
    for (const d of deltas) {
      if (d === null || typeof d !== "object") continue;
      const id = typeof d.id === "string" ? d.id : "";
      let idx: number;
      if (typeof d.index === "number" && Number.isInteger(d.index) && d.index >= 0 && d.index < MAX_INDEX) {
        idx = d.index;
      } else if (this.last < 0 || (id !== "" && id !== this.slots[this.last]?.id)) {
        idx = this.slots.length;
      } else {
        idx = this.last;
      }
      let slot = this.slots[idx];
      if (slot === undefined) {
        slot = { id: "", name: "", args: "" };
        this.slots[idx] = slot;
      }
      this.last = idx;
      if (id !== "" && slot.id === "") slot.id = id;
      const f = d.function;
      if (f !== null && typeof f === "object") {
        if (typeof f.name === "string" && f.name !== "" && slot.name === "") slot.name = f.name;
        const a: unknown = f.arguments;
        if (typeof a === "string") slot.args += a;
        else if (a !== null && typeof a === "object") {
          const text = jsonText(a);
          if (text === undefined) kept = false;
          else slot.args += text;
        }
      }
    }
    return kept;
  }

  /** The assembled calls, in index order (gaps in the indices are skipped). */
  result(): WireToolCall[] {
    const out: WireToolCall[] = [];
    for (const s of this.slots) {
      if (s) out.push({ id: s.id, type: "function", function: { name: s.name, arguments: s.args } });
    }
    return out;
  }
}

/**
 * JSON text of a parsed value, or undefined when it cannot be written: JSON.parse takes any
 * nesting depth, JSON.stringify recurses and throws a RangeError past a few thousand levels.
 */
export function jsonText(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}

/**
 * Normalises a non-streamed `message.tool_calls` (arguments as object → JSON text). Undefined
 * when arguments sent as an object cannot be kept as text (nested too deeply).
 */
export function normalizeToolCalls(calls: unknown): WireToolCall[] | undefined {
  if (!Array.isArray(calls)) return [];
  const out: WireToolCall[] = [];
  for (const c of calls as unknown[]) {
    if (c === null || typeof c !== "object") continue;
    const rec = c as { id?: unknown; function?: { name?: unknown; arguments?: unknown } | null };
    const f = rec.function ?? {};
    const a = f.arguments;
    const args = typeof a === "string" ? a : a === undefined || a === null ? "" : jsonText(a);
    if (args === undefined) return undefined;
    out.push({
      id: typeof rec.id === "string" ? rec.id : "",
      type: "function",
      function: { name: typeof f.name === "string" ? f.name : "", arguments: args },
    });
  }
  return out;
}
