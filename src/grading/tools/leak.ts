/**
 * Tool calls that leaked into the text: what a content string looks like when the server's
 * tool-call parser did not turn the model's call into structured `tool_calls`.
 *
 * Formats recognised (LeakedCall.format):
 *   - hermes: `<tool_call>{"name": …, "arguments": …}</tool_call>` (Qwen2.5/Qwen3, Hermes),
 *     also unclosed at the end of the text (cut by max_tokens) and with JSON that does not
 *     parse (vLLM's hermes parser then returns the whole output as content);
 *   - function_tag: `<function=name>{…}</function>` (Llama 3.x) and the XML form
 *     `<function=name><parameter=k>v</parameter></function>` (Qwen3-Coder, Qwen3.5), bare or
 *     inside `<tool_call>…</tool_call>`, closed or not;
 *   - python_tag: Llama's `<|python_tag|>` special token and what follows it;
 *   - json: a bare JSON object shaped like a call, `{"name": "f", "arguments"|"parameters":
 *     {…}}` or OpenAI's `{"type": "function", "function": {"name": …, "arguments": …}}`,
 *     possibly in a ```json fence or a list, also cut short at the end of the text.
 *
 * Never flagged: prose that names the tags (`<tool_call>` in backticks, "the tool_call
 * field", a tag followed by words), JSON that is not call-shaped (any key outside a call's
 * keys, a name that is not an identifier, a tool *definition* whose parameters are a JSON
 * Schema).
 */
import { isPlainObject } from "./args.js";
import type { LeakedCall } from "./types.js";

const TOOL_CALL_OPEN = "<tool_call>";
const TOOL_CALL_CLOSE = "</tool_call>";
const FUNCTION_OPEN_RE = /<function=([^>\s]{1,128})>/g;
const FUNCTION_CLOSE = "</function>";
const PYTHON_TAG = "<|python_tag|>";
const PYTHON_END_RE = /<\|eom_id\|>|<\|eot_id\|>/g;

/** A function name as servers accept it (OpenAI: [A-Za-z0-9_-]{1,64}; dots for namespaced tools). */
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** The keys a call object may have; any other key means the JSON is data, not a call. */
const CALL_KEYS = new Set(["name", "arguments", "parameters", "id", "type", "function", "call_id", "tool_call_id", "index"]);
/** The start of a call object cut short: `{"name": "f", "arguments": …` up to the end of the text. */
const TRUNCATED_CALL_RE = /^\{\s*"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_.-]{0,63})"\s*,\s*"(?:arguments|parameters)"\s*:/;
const NAME_FIELD_RE = /"name"\s*:\s*"((?:[^"\\]|\\.){1,128})"/;

/** Longest JSON object the bare-JSON scan follows from one `{` (characters). */
const MAX_JSON_SCAN = 200_000;
/** Most `{` the bare-JSON scan starts from. */
const MAX_JSON_STARTS = 5_000;
/**
 * Characters the bare-JSON scan may read in all, as a multiple of the text's length (plus a
 * floor): text full of unclosed braces would otherwise cost quadratic time. Past it the
 * scan stops (the tag formats are still all found).
 */
const JSON_SCAN_BUDGET_FACTOR = 8;
const JSON_SCAN_BUDGET_FLOOR = 200_000;

/** Every call-like span of `content`, in text order, none overlapping. */
export function detectLeakedCalls(content: string): LeakedCall[] {
  const found = new Found();
  hermes(content, found);
  functionTags(content, found);
  pythonTags(content, found);
  bareJson(content, found);
  return found.list;
}

/** Only the tag formats (hermes, function_tag, python_tag): for reasoning text, where models write JSON while thinking. */
export function detectLeakedTags(content: string): LeakedCall[] {
  const found = new Found();
  hermes(content, found);
  functionTags(content, found);
  pythonTags(content, found);
  return found.list;
}

/** The leaks found so far, kept in text order (they never overlap), with a lookup by position. */
class Found {
  readonly list: LeakedCall[] = [];

  /** The leak covering position `at`, if any. */
  at(at: number): LeakedCall | undefined {
    let lo = 0;
    let hi = this.list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = this.list[mid];
      if (!l) break;
      if (at < l.start) hi = mid - 1;
      else if (at >= l.end) lo = mid + 1;
      else return l;
    }
    return undefined;
  }

  /** Whether a leak starts after `at`. */
  anyAfter(at: number): boolean {
    const last = this.list[this.list.length - 1];
    return last !== undefined && last.start > at;
  }

  add(l: LeakedCall): void {
    let i = this.list.length;
    while (i > 0 && (this.list[i - 1]?.start ?? 0) > l.start) i--;
    this.list.splice(i, 0, l);
  }
}

/** A tag written as inline code in prose (`` `<tool_call>` ``) is a mention, not a call. */
function mentioned(content: string, at: number): boolean {
  return content[at - 1] === "`";
}

function push(found: Found, content: string, format: LeakedCall["format"], start: number, end: number, name: string | undefined): void {
  const l: LeakedCall = { format, text: content.slice(start, end), start, end };
  if (name !== undefined && name !== "") l.name = name;
  found.add(l);
}

/**
 * `text.indexOf(needle, from)` for increasing `from`, remembering the last answer: text
 * full of opening tags without their closing one stays linear.
 */
function closeFinder(text: string, needle: string): (from: number) => number {
  let last = -2;
  let lastFrom = -1;
  return (from) => {
    if (last === -1 && from >= lastFrom) return -1;
    if (last >= from) return last;
    lastFrom = from;
    last = text.indexOf(needle, from);
    return last;
  };
}

function hermes(content: string, found: Found): void {
  let from = 0;
  const closeAfter = closeFinder(content, TOOL_CALL_CLOSE);
  for (;;) {
    const open = content.indexOf(TOOL_CALL_OPEN, from);
    if (open < 0) return;
    const bodyStart = open + TOOL_CALL_OPEN.length;
    from = bodyStart;
    if (mentioned(content, open)) continue;
    let close = closeAfter(bodyStart);
    // An unclosed block followed by another one ends where the next begins.
    const next = content.indexOf(TOOL_CALL_OPEN, bodyStart);
    const stop = next >= 0 && (close < 0 || next < close) ? next : close >= 0 ? -1 : content.length;
    if (stop >= 0) close = -1;
    const body = content.slice(bodyStart, close >= 0 ? close : stop);
    const lead = body.trimStart();
    const bodyAt = bodyStart + (body.length - lead.length);
    let end: number;
    if (close >= 0) end = close + TOOL_CALL_CLOSE.length;
    else {
      // Unclosed: to the end of a complete JSON object, else (cut short) up to the next block or the end of the text.
      const j = lead.startsWith("{") ? balancedEnd(content, bodyAt, stop - bodyAt) : -1;
      end = j >= 0 ? j : bodyStart + body.trimEnd().length;
    }
    if (lead.startsWith("<function=")) {
      const m = /^<function=([^>\s]{1,128})>/.exec(lead);
      push(found, content, "function_tag", open, end, m?.[1]);
    } else if (lead.startsWith("{") || lead.startsWith("[") || lead.trim() === "") {
      // An empty tag pair, or an opening tag at the very end (the call was cut), is a leak too.
      push(found, content, "hermes", open, end, callName(content.slice(bodyAt, end)));
    } else continue;
    from = end;
  }
}

function functionTags(content: string, found: Found): void {
  FUNCTION_OPEN_RE.lastIndex = 0;
  const closeAfter = closeFinder(content, FUNCTION_CLOSE);
  let m: RegExpExecArray | null;
  while ((m = FUNCTION_OPEN_RE.exec(content)) !== null) {
    const open = m.index;
    if (found.at(open) || mentioned(content, open)) continue;
    const bodyStart = open + m[0].length;
    const close = closeAfter(bodyStart);
    const body = content.slice(bodyStart, close >= 0 ? close : content.length);
    const lead = body.trimStart();
    const callLike = lead.startsWith("{") || lead.startsWith("<parameter=") || lead.trim() === "";
    if (!callLike) continue;
    let end: number;
    if (close >= 0) end = close + FUNCTION_CLOSE.length;
    else if (lead.startsWith("{")) {
      const j = balancedEnd(content, bodyStart + (body.length - lead.length));
      end = j >= 0 ? j : content.length;
    } else end = content.length;
    push(found, content, "function_tag", open, end, m[1]);
    FUNCTION_OPEN_RE.lastIndex = end;
  }
}

function pythonTags(content: string, found: Found): void {
  let from = 0;
  for (;;) {
    const open = content.indexOf(PYTHON_TAG, from);
    if (open < 0) return;
    from = open + PYTHON_TAG.length;
    if (found.at(open) || mentioned(content, open)) continue;
    PYTHON_END_RE.lastIndex = from;
    const stop = PYTHON_END_RE.exec(content);
    const end = stop ? stop.index + stop[0].length : content.length;
    const body = content.slice(from, stop ? stop.index : content.length).trim();
    let name = callName(body);
    if (name === undefined) name = /^([A-Za-z_]\w*)(?:\.call)?\s*\(/.exec(body)?.[1];
    push(found, content, "python_tag", open, end, name);
    from = end;
  }
}

function bareJson(content: string, found: Found): void {
  let starts = 0;
  let budget = JSON_SCAN_BUDGET_FACTOR * content.length + JSON_SCAN_BUDGET_FLOOR;
  let i = content.indexOf("{");
  while (i >= 0 && starts < MAX_JSON_STARTS && budget > 0) {
    const inside = found.at(i);
    if (inside) {
      i = content.indexOf("{", inside.end);
      continue;
    }
    starts++;
    const end = balancedEnd(content, i, Math.min(MAX_JSON_SCAN, budget));
    budget -= end >= 0 ? end - i : Math.min(content.length - i, MAX_JSON_SCAN);
    if (end < 0) {
      // Cut short at the end of the text: only the unmistakable start of a call counts.
      const t = TRUNCATED_CALL_RE.exec(content.slice(i, i + 200));
      if (t && !found.anyAfter(i)) {
        const s = fenceStart(content, i);
        push(found, content, "json", s, content.length, t[1]);
        return;
      }
      i = content.indexOf("{", i + 1);
      continue;
    }
    let v: unknown;
    let parsed = true;
    try {
      v = JSON.parse(content.slice(i, end));
    } catch {
      parsed = false;
    }
    if (!parsed) {
      i = content.indexOf("{", i + 1);
      continue;
    }
    const name = callShape(v);
    if (name !== undefined) {
      const [s, e] = fenced(content, i, end);
      push(found, content, "json", s, e, name);
      i = content.indexOf("{", e);
    } else {
      // JSON that is not a call: its insides are data too, not calls.
      i = content.indexOf("{", end);
    }
  }
}

/** The name of a call object, or undefined when `v` is not call-shaped. */
export function callShape(v: unknown): string | undefined {
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length === 0 || keys.some((k) => !CALL_KEYS.has(k))) return undefined;
  if (isPlainObject(v["function"])) return callShape(v["function"]);
  const name = v["name"];
  if (typeof name !== "string" || !NAME_RE.test(name)) return undefined;
  const hasArgs = "arguments" in v;
  let args: unknown = hasArgs ? v["arguments"] : v["parameters"];
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch {
      return undefined;
    }
  }
  if (!isPlainObject(args)) return undefined;
  // A tool *definition* ({"name", "parameters": {"type": "object", "properties": …}}) is not a call.
  if (!hasArgs && args["type"] === "object" && isPlainObject(args["properties"])) return undefined;
  return name;
}

/** The call's name read from a (maybe broken) JSON body. */
function callName(body: string): string | undefined {
  const t = body.trim();
  try {
    const v: unknown = JSON.parse(t);
    if (isPlainObject(v)) {
      const f = v["function"];
      const n = isPlainObject(f) ? f["name"] : v["name"];
      if (typeof n === "string") return n;
    }
  } catch {
    // broken JSON: read the name field as text
  }
  const m = NAME_FIELD_RE.exec(t);
  if (!m?.[1]) return undefined;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return m[1];
  }
}

/**
 * The end (exclusive) of the JSON object or array opening at `start`, string-aware; -1 when
 * it is not closed within `maxChars` characters (or before the end of the text).
 */
export function balancedEnd(text: string, start: number, maxChars = MAX_JSON_SCAN): number {
  const stack: string[] = [];
  let inString = false;
  const limit = Math.min(text.length, start + maxChars);
  for (let i = start; i < limit; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === "{") stack.push("}");
    else if (ch === "[") stack.push("]");
    else if (ch === "}" || ch === "]") {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

const FENCE_OPEN_RE = /```[A-Za-z_]*[ \t]*\r?\n[ \t]*$/;
const FENCE_CLOSE_RE = /^[ \t]*\r?\n?[ \t]*```/;

/** [start, end) widened to the ``` fence around it when the object is the fence's whole content. */
function fenced(content: string, start: number, end: number): [number, number] {
  const before = FENCE_OPEN_RE.exec(content.slice(Math.max(0, start - 40), start));
  const after = FENCE_CLOSE_RE.exec(content.slice(end, end + 40));
  if (!before || !after) return [start, end];
  return [start - before[0].length, end + after[0].length];
}

function fenceStart(content: string, start: number): number {
  const before = FENCE_OPEN_RE.exec(content.slice(Math.max(0, start - 40), start));
  return before ? start - before[0].length : start;
}
