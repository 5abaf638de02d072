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

  /** Adds the tool-call deltas of one chunk. */
  push(deltas: readonly WireToolCallDelta[]): void {
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
        else if (a !== null && typeof a === "object") slot.args += JSON.stringify(a);
      }
    }
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

/** Normalises a non-streamed `message.tool_calls` (arguments as object → JSON text). */
export function normalizeToolCalls(calls: unknown): WireToolCall[] {
  if (!Array.isArray(calls)) return [];
  const out: WireToolCall[] = [];
  for (const c of calls as unknown[]) {
    if (c === null || typeof c !== "object") continue;
    const rec = c as { id?: unknown; function?: { name?: unknown; arguments?: unknown } | null };
    const f = rec.function ?? {};
    const a = f.arguments;
    out.push({
      id: typeof rec.id === "string" ? rec.id : "",
      type: "function",
      function: {
        name: typeof f.name === "string" ? f.name : "",
        arguments: typeof a === "string" ? a : a === undefined || a === null ? "" : JSON.stringify(a),
      },
    });
  }
  return out;
}
