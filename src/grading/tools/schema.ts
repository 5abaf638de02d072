/**
 * Arguments against the tool's JSON Schema (`parameters`), with Ajv: the function exists,
 * required arguments are there, types and enums hold, and no argument the tool does not
 * declare is given. Strict on purpose: this is what a tool executor would receive (the
 * tolerant comparison with the expectation is call_match's job).
 *
 * Validators are compiled once per distinct schema and cached.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { WireTool } from "../../wire/openai.js";
import { clip } from "../evidence.js";
import { callLabel, isPlainObject, jsonKind, listNames, parseArguments, show, takesNoArguments, toolsByName } from "./args.js";
import type { MadeCall, ToolCheck } from "./types.js";

type Compiled = { ok: true; validate: ValidateFunction } | { ok: false; error: string };

/** Most distinct schemas kept compiled; past it the cache (and the Ajv instance) starts over. */
const CACHE_MAX = 256;
let ajv = newAjv();
const cache = new Map<string, Compiled>();

function newAjv(): Ajv {
  // No logging (pure), unknown formats and keywords tolerated (tool schemas in the wild carry them).
  return new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });
}

/** Type names some tool definitions use (BFCL's Python-ish ones) mapped to JSON Schema's. */
const TYPE_ALIASES: Readonly<Record<string, string>> = { dict: "object", float: "number", tuple: "array", int: "integer", bool: "boolean", str: "string", list: "array" };

/** A copy of a schema Ajv can compile: `$schema` dropped, type aliases mapped. */
function normalizeSchema(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalizeSchema);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "$schema" || k === "$id") continue;
    if (k === "type" && typeof x === "string") out[k] = TYPE_ALIASES[x] ?? (x === "any" ? undefined : x);
    else if (k === "type" && Array.isArray(x)) out[k] = x.map((t) => (typeof t === "string" ? (TYPE_ALIASES[t] ?? t) : t));
    else if (k === "properties" || k === "patternProperties" || k === "$defs" || k === "definitions") {
      out[k] = isPlainObject(x) ? Object.fromEntries(Object.entries(x).map(([name, s]) => [name, normalizeSchema(s)])) : x;
    } else if (k === "enum" || k === "const" || k === "default" || k === "examples" || k === "required") out[k] = x;
    else out[k] = normalizeSchema(x);
  }
  if (out["type"] === undefined) delete out["type"];
  return out;
}

/**
 * The schema a call is validated against: the tool's parameters, with
 * `additionalProperties: false` at the top when the schema lists properties and says
 * nothing about others (an argument the tool does not declare is an error an executor
 * would raise); no parameters at all: no arguments.
 */
function callSchema(tool: WireTool): Record<string, unknown> {
  const p = tool.function.parameters;
  if (p === undefined || takesNoArguments(tool)) {
    const base = p === undefined ? { type: "object" } : (normalizeSchema(p) as Record<string, unknown>);
    return base["additionalProperties"] === undefined ? { ...base, additionalProperties: false } : base;
  }
  const s = normalizeSchema(p) as Record<string, unknown>;
  if (s["additionalProperties"] === undefined && s["patternProperties"] === undefined && isPlainObject(s["properties"])) s["additionalProperties"] = false;
  return s;
}

function compile(tool: WireTool): Compiled {
  const schema = callSchema(tool);
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit;
  if (cache.size >= CACHE_MAX) {
    cache.clear();
    ajv = newAjv();
  }
  let c: Compiled;
  try {
    c = { ok: true, validate: ajv.compile(schema) };
  } catch (e) {
    c = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  cache.set(key, c);
  return c;
}

/** The argument an Ajv error is about: 'city', 'location.city', 'stops[1]'. */
function argPath(instancePath: string, child?: string): string {
  const parts = instancePath.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (child !== undefined) parts.push(child);
  return parts.reduce((acc, p) => (/^\d+$/.test(p) && acc !== "" ? `${acc}[${p}]` : acc === "" ? p : `${acc}.${p}`), "");
}

function valueAt(args: unknown, instancePath: string): unknown {
  let v: unknown = args;
  for (const raw of instancePath.split("/").slice(1)) {
    const p = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(v)) v = v[Number(p)];
    else if (isPlainObject(v)) v = v[p];
    else return undefined;
  }
  return v;
}

/** An Ajv error in words a reader of the report understands. */
function describeError(err: ErrorObject, args: unknown, declared: readonly string[]): string {
  const params = err.params as Record<string, unknown>;
  const at = argPath(err.instancePath);
  const got = valueAt(args, err.instancePath);
  switch (err.keyword) {
    case "required":
      return `missing required argument '${argPath(err.instancePath, String(params["missingProperty"]))}'`;
    case "additionalProperties": {
      const extra = argPath(err.instancePath, String(params["additionalProperty"]));
      const where = at === "" ? ` (the tool declares: ${listNames(declared)})` : "";
      return `unexpected argument '${extra}'${where}`;
    }
    case "type":
      return `argument '${at}' must be ${String(params["type"])}, got ${show(got, 60)} (${jsonKind(got)})`;
    case "enum":
      return `argument '${at}' must be one of ${((params["allowedValues"] as unknown[] | undefined) ?? []).map((v) => show(v, 40)).join(", ")}; got ${show(got, 60)}`;
    case "const":
      return `argument '${at}' must be ${show(params["allowedValue"], 60)}; got ${show(got, 60)}`;
    default:
      return at === "" ? `arguments ${err.message ?? err.keyword}` : `argument '${at}' ${err.message ?? err.keyword} (got ${show(got, 60)})`;
  }
}

/**
 * Each call against the tool it names: unknown function, arguments not JSON, missing
 * required, wrong type, not in the enum, an argument the tool does not declare. The
 * evidence names the call and the argument.
 */
export function checkSchema(calls: readonly MadeCall[], tools: readonly WireTool[]): ToolCheck {
  if (calls.length === 0) return { check: "schema_valid", pass: true, reason: "no calls to check", evidence: [] };
  const byName = toolsByName(tools);
  const offered = [...byName.keys()];
  const evidence: string[] = [];
  let badCalls = 0;
  let caseErrors = 0;
  calls.forEach((c, i) => {
    const who = callLabel(c, i);
    const tool = byName.get(c.name);
    if (!tool) {
      const near = offered.find((n) => n.toLowerCase() === c.name.toLowerCase());
      evidence.push(`${who}: unknown function '${c.name}' (offered: ${listNames(offered)})${near ? `; did it mean '${near}'? names must match exactly` : ""}`);
      badCalls++;
      return;
    }
    const p = parseArguments(c.arguments);
    if (!p.ok) {
      evidence.push(`${who}: not checked, the arguments are ${p.error} (see json_valid)`);
      badCalls++;
      return;
    }
    const compiled = compile(tool);
    if (!compiled.ok) {
      evidence.push(`${who}: the tool's parameters are not a JSON Schema Ajv can compile (${clip(compiled.error, 160)}): a case error, not the model's`);
      caseErrors++;
      badCalls++;
      return;
    }
    if (compiled.validate(p.value)) return;
    const props = tool.function.parameters?.["properties"];
    const declared = isPlainObject(props) ? Object.keys(props) : [];
    const errors = (compiled.validate.errors ?? []).map((e) => describeError(e, p.value, declared));
    evidence.push(`${who}: ${[...new Set(errors)].join("; ")}; arguments ${clip(c.arguments, 160)}`);
    badCalls++;
  });
  if (badCalls === 0) return { check: "schema_valid", pass: true, reason: `all ${calls.length} call(s) name an offered tool and match its parameters`, evidence: [] };
  const reason =
    `${badCalls} of ${calls.length} call(s) do not match the tool's schema` + (caseErrors > 0 ? ` (${caseErrors} because a tool's schema does not compile: fix the case)` : "");
  return { check: "schema_valid", pass: false, reason, evidence };
}
