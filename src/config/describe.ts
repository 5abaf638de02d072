/**
 * Plain-words descriptions for error messages: the shape the suite JSON Schema expects at a
 * path ("an integer from 1 to 500") and the value that was found instead ("\"many\"").
 */
import type { ConfigPath } from "./source.js";
import type { JsonSchema } from "./json-schema.js";
import { isPlainObject } from "./kinds.js";

const SAFE = Number.MAX_SAFE_INTEGER;

/** The JSON Schema node describing the value at `path`, choosing union members by the raw value. */
export function schemaAt(root: JsonSchema, path: ConfigPath, raw: unknown): JsonSchema | undefined {
  let node: JsonSchema | undefined = root;
  let value: unknown = raw;
  for (const seg of path) {
    if (!node) return undefined;
    node = pickUnionMember(node, value);
    const props = node.properties;
    if (isPlainObject(props)) {
      const next = props[String(seg)];
      node = isPlainObject(next) ? next : isPlainObject(node.additionalProperties) ? node.additionalProperties : undefined;
    } else if (node.type === "array") {
      const items = node.items;
      if (Array.isArray(items) && typeof seg === "number") {
        const next: unknown = items[seg];
        node = isPlainObject(next) ? next : undefined;
      } else if (Array.isArray(node.prefixItems) && typeof seg === "number") {
        const next: unknown = node.prefixItems[seg];
        node = isPlainObject(next) ? next : undefined;
      } else {
        node = isPlainObject(items) ? items : undefined;
      }
    } else if (isPlainObject(node.additionalProperties)) {
      node = node.additionalProperties;
    } else {
      return undefined;
    }
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[seg as never] : undefined;
  }
  return node ? pickUnionMember(node, value) : undefined;
}

function unionMembers(node: JsonSchema): JsonSchema[] | undefined {
  const members = node.oneOf ?? node.anyOf;
  return Array.isArray(members) ? members.filter(isPlainObject) : undefined;
}

/** For a union discriminated by a `const` property (scenario `kind`), the member the value selects. */
function pickUnionMember(node: JsonSchema, value: unknown): JsonSchema {
  const members = unionMembers(node);
  if (!members || !isPlainObject(value)) return node;
  for (const member of members) {
    const props = member.properties;
    if (!isPlainObject(props)) continue;
    const matches = Object.entries(props).some(
      ([key, prop]) => isPlainObject(prop) && "const" in prop && value[key] === prop.const,
    );
    if (matches) return member;
  }
  return node;
}

/** The property names a mapping accepts at this schema node (for unknown-key messages). */
export function knownKeys(node: JsonSchema | undefined): string[] {
  if (!node || !isPlainObject(node.properties)) return [];
  return Object.keys(node.properties);
}

/** The discriminator constant of a union member, e.g. "conversation" for a conversation scenario. */
export function constOf(node: JsonSchema | undefined, key: string): string | undefined {
  if (!node || !isPlainObject(node.properties)) return undefined;
  const prop = node.properties[key];
  return isPlainObject(prop) && typeof prop.const === "string" ? prop.const : undefined;
}

/** "an integer from 1 to 500", "true or false", "a list of at least 1 item", … */
export function describeSchema(node: JsonSchema | undefined, brief = false): string {
  if (!node) return "a valid value";
  if (Array.isArray(node.enum)) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if ("const" in node) return JSON.stringify(node.const);
  const members = unionMembers(node);
  if (members) {
    const kinds = members.map((m) => constOf(m, "kind")).filter((k): k is string => k !== undefined);
    if (kinds.length === members.length) {
      return kinds.length === 1 ? `a mapping with kind: ${kinds[0]}` : `a mapping with kind: one of ${kinds.join(", ")}`;
    }
    return members.map((m) => describeSchema(m, true)).join(", or ");
  }
  switch (node.type) {
    case "integer":
    case "number":
      return describeNumber(node);
    case "boolean":
      return "true or false";
    case "string":
      return describeString(node, brief);
    case "array":
      return describeArray(node, brief);
    case "object":
      return "a mapping (key: value)";
    default:
      return "a value";
  }
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function describeNumber(node: JsonSchema): string {
  const integer = node.type === "integer";
  const noun = integer ? "an integer" : "a number";
  let min = num(node.minimum);
  let exMin = num(node.exclusiveMinimum);
  let max = num(node.maximum);
  let exMax = num(node.exclusiveMaximum);
  if (min !== undefined && min <= -SAFE) min = undefined;
  if (max !== undefined && max >= SAFE) max = undefined;
  if (integer && exMin !== undefined) {
    min = Math.floor(exMin) + 1;
    exMin = undefined;
  }
  if (integer && exMax !== undefined) {
    max = Math.ceil(exMax) - 1;
    exMax = undefined;
  }
  if (min !== undefined && max !== undefined) return `${noun} from ${min} to ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`≥ ${min}`);
  if (exMin !== undefined) parts.push(`> ${exMin}`);
  if (max !== undefined) parts.push(`≤ ${max}`);
  if (exMax !== undefined) parts.push(`< ${exMax}`);
  return parts.length === 0 ? noun : `${noun} ${parts.join(" and ")}`;
}

function describeString(node: JsonSchema, brief: boolean): string {
  if (node.format === "uri") return "an http:// or https:// URL such as http://127.0.0.1:8000/v1";
  const parts: string[] = [];
  const minLength = num(node.minLength);
  if (!brief && typeof node.pattern === "string") parts.push(`matching /${node.pattern}/`);
  if (minLength === 1 && parts.length === 0) return "a non-empty string";
  if (minLength !== undefined && minLength > 1) parts.push(`of at least ${minLength} characters`);
  return ["a string", ...parts].join(" ");
}

function describeArray(node: JsonSchema, brief: boolean): string {
  const tuple = Array.isArray(node.items) ? node.items : Array.isArray(node.prefixItems) ? node.prefixItems : undefined;
  if (tuple) {
    return `${tuple.length === 2 ? "a pair" : `a list of ${tuple.length}`} [${tuple.map((item) => describeSchema(isPlainObject(item) ? item : undefined, true)).join(", ")}]`;
  }
  const minItems = num(node.minItems);
  let text = minItems ? `a list of at least ${minItems} item${minItems === 1 ? "" : "s"}` : "a list";
  if (!brief && isPlainObject(node.items)) text += `, each ${describeSchema(node.items, true)}`;
  return text;
}

/** The value found, for "got …": short, one line, never a whole document. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value (null)";
  if (typeof value === "string") return clip(JSON.stringify(value), 80);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const json = safeJson(value);
    if (json !== undefined && json.length <= 60) return json.replace(/,/g, ", ");
    return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  }
  if (isPlainObject(value)) return "a mapping";
  return typeof value;
}

/** A secret is never echoed: its first characters and its length only. */
export function maskSecret(value: unknown): string {
  if (typeof value !== "string") return showValue(value);
  return `"${value.slice(0, 3)}…" (masked, ${value.length} characters)`;
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)}…"`;
}

/** The closest name, for "did you mean …?": same letters ignoring case/_/-, or edit distance ≤ 2. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const same = candidates.find((c) => norm(c) === norm(word));
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = word.length <= 4 ? 1 : 2;
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
