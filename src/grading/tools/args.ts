/**
 * Small helpers every tool check shares: reading a call's arguments string, quoting calls
 * and values for reasons, looking tools up by name.
 */
import type { WireTool } from "../../wire/openai.js";
import { clip } from "../evidence.js";
import type { MadeCall } from "./types.js";

/** The arguments of a call, read. */
export type ParsedArguments =
  | { ok: true; value: Record<string, unknown>; /** the string was empty (read as {}) */ empty: boolean }
  | { ok: false; error: string };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** What kind of JSON value `v` is, in words ("array", "string", "null"…). */
export function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number" && Number.isInteger(v)) return "integer";
  return typeof v;
}

/**
 * Reads a call's arguments: a JSON object. An empty (or blank) string reads as {} with
 * `empty` set; whether that is acceptable depends on the tool (checkJson says).
 */
export function parseArguments(raw: string): ParsedArguments {
  if (raw.trim() === "") return { ok: true, value: {}, empty: true };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    return { ok: false, error: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  if (isPlainObject(v)) return { ok: true, value: v, empty: false };
  if (typeof v === "string") {
    try {
      if (isPlainObject(JSON.parse(v))) return { ok: false, error: "a JSON string holding a JSON object (double-encoded), not an object" };
    } catch {
      // a plain string
    }
  }
  return { ok: false, error: `JSON but not an object (${jsonKind(v)})` };
}

/** A value quoted for a reason: JSON, cut to `max` characters. */
export function show(v: unknown, max = 80): string {
  if (v === undefined) return "(nothing)";
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return clip(s, max);
}

/** A call as it reads in evidence: `name({"a":1})`, the arguments as the server sent them. */
export function showCall(c: MadeCall, max = 200): string {
  return `${c.name}(${clip(c.arguments, max)})`;
}

/** `#1 name(…)`: a call by its position (1-based) in the list it came in. */
export function callLabel(c: MadeCall, i: number): string {
  return `#${i + 1} ${c.name || "(no name)"}`;
}

/** The tools by function name (the first wins when a name repeats). */
export function toolsByName(tools: readonly WireTool[]): Map<string, WireTool> {
  const m = new Map<string, WireTool>();
  for (const t of tools) if (!m.has(t.function.name)) m.set(t.function.name, t);
  return m;
}

/** A tool takes no arguments: no parameters, or an object schema without properties or required ones. */
export function takesNoArguments(tool: WireTool): boolean {
  const p = tool.function.parameters;
  if (p === undefined) return true;
  const props = p["properties"];
  const required = p["required"];
  const noProps = props === undefined || (isPlainObject(props) && Object.keys(props).length === 0);
  const noRequired = required === undefined || (Array.isArray(required) && required.length === 0);
  return noProps && noRequired;
}

/** Names for a reason: `a, b, c` (or "none"). */
export function listNames(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}
