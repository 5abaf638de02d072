/**
 * Checks a call's arguments against the small JSON Schema subset the built-in tools use
 * (object with typed properties, required, enum, minLength, minimum, maximum,
 * additionalProperties: false), the way a forgiving API would: a number sent as a numeric
 * string is taken as the number, an enum value in another case as the enum value. Whatever
 * it cannot take becomes one error message the model sees. Whether the model's arguments
 * matched the schema exactly is the checkers' business (src/grading/tools/), not this one's.
 */

export type ArgsOutcome = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

interface PropertySchema {
  type?: unknown;
  enum?: unknown;
  minLength?: unknown;
  minimum?: unknown;
  maximum?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The value taken for one property, or a problem. */
function coerce(name: string, schema: PropertySchema, value: unknown): { value: unknown } | { problem: string } {
  let v = value;
  switch (schema.type) {
    case "string":
      if (typeof v === "number" || typeof v === "boolean") v = String(v);
      if (typeof v !== "string") return { problem: `"${name}" must be a string, got ${show(value)}` };
      if (typeof schema.minLength === "number" && v.trim().length < schema.minLength) return { problem: `"${name}" must not be empty` };
      break;
    case "number":
    case "integer": {
      if (typeof v === "string" && /^\s*-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(v)) v = Number(v);
      if (typeof v !== "number" || !Number.isFinite(v)) return { problem: `"${name}" must be a number, got ${show(value)}` };
      if (schema.type === "integer" && !Number.isInteger(v)) return { problem: `"${name}" must be an integer, got ${show(value)}` };
      if (typeof schema.minimum === "number" && v < schema.minimum) return { problem: `"${name}" must be at least ${schema.minimum}, got ${v}` };
      if (typeof schema.maximum === "number" && v > schema.maximum) return { problem: `"${name}" must be at most ${schema.maximum}, got ${v}` };
      break;
    }
    case "boolean":
      if (v === "true" || v === "false") v = v === "true";
      if (typeof v !== "boolean") return { problem: `"${name}" must be true or false, got ${show(value)}` };
      break;
    default:
      break;
  }
  if (Array.isArray(schema.enum)) {
    const options = schema.enum as unknown[];
    const hit = options.find((o) => o === v || (typeof o === "string" && typeof v === "string" && o.toLowerCase() === v.trim().toLowerCase()));
    if (hit === undefined) return { problem: `"${name}" must be one of ${options.map((o) => String(o)).join(", ")}, got ${show(value)}` };
    v = hit;
  }
  return { value: v };
}

/** Checks `args` (the parsed JSON the model sent) against a tool's `parameters` schema. */
export function checkArguments(tool: string, parameters: Record<string, unknown> | undefined, args: unknown): ArgsOutcome {
  const given: unknown = args === undefined || args === null ? {} : args;
  if (!isRecord(given)) return { ok: false, error: `${tool}: the arguments must be a JSON object, got ${show(args)}` };
  const properties = isRecord(parameters?.properties) ? parameters.properties : {};
  const required = Array.isArray(parameters?.required) ? (parameters.required as unknown[]).filter((r): r is string => typeof r === "string") : [];
  const closed = parameters?.additionalProperties === false;
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const schema = properties[key];
    if (!isRecord(schema)) {
      if (closed) problems.push(`unknown argument "${key}" (known: ${Object.keys(properties).join(", ")})`);
      continue;
    }
    if (value === null && !required.includes(key)) continue; // an optional argument sent as null: absent
    const r = coerce(key, schema, value);
    if ("problem" in r) problems.push(r.problem);
    else out[key] = r.value;
  }
  for (const key of required) {
    if (given[key] === undefined || given[key] === null) problems.push(`missing required argument "${key}"`);
  }
  if (problems.length > 0) return { ok: false, error: `${tool}: ${problems.join("; ")}` };
  return { ok: true, args: out };
}
