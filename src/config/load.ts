/**
 * Reading and validating suite files. Every error is a ConfigError (exit 2) that names
 * file:line:col, the path, what was found and what was expected; all problems of a file
 * are reported at once.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isAlias, isCollection, isMap, isScalar, LineCounter, parseDocument, visit, YAMLParseError, type Document } from "yaml";
import { ConfigError } from "../errors.js";
import { FILE_LIMITS, printable, readUserText, type UserFileSpec } from "./file-check.js";
import { issuesFromZod, locateIssues, SuiteValidationError, type PendingIssue } from "./issues.js";
import { isPlainObject } from "./kinds.js";
import { crossFieldIssues } from "./rules.js";
import { suiteSchema, type Suite } from "./schema.js";
import { parseThreshold } from "./thresholds.js";
import { labelOnly, positionAt, YamlProvenance, type Provenance } from "./source.js";

/** A suite file parsed as YAML but not yet validated: the raw mapping and where each value came from. */
export interface RawSuite {
  raw: Record<string, unknown>;
  provenance: YamlProvenance;
}

const YAML_HINTS: Partial<Record<string, string>> = {
  TAB_AS_INDENT: "indent with spaces",
  DUPLICATE_KEY: "each key may appear once in a mapping",
  MULTIPLE_DOCS: "a suite file holds one YAML document (remove the second ---)",
  BLOCK_AS_IMPLICIT_KEY: 'a value containing ": " needs quotes',
};

/** Reads a suite file and validates it. */
export function loadSuiteFile(path: string): Suite {
  const { raw, provenance } = readSuiteDocument(path);
  return validateSuiteObject(raw, provenance.label, provenance);
}

/** Parses and validates suite text; `fileLabel` is used in messages (usually the path). */
export function parseSuiteText(text: string, fileLabel: string): Suite {
  const { raw, provenance } = parseSuiteDocument(text, fileLabel);
  return validateSuiteObject(raw, fileLabel, provenance);
}

/**
 * Validates a suite object (from a file, or built in code) and fills defaults.
 * Without `provenance`, messages are located by `label` only.
 */
export function validateSuiteObject(obj: unknown, label: string, provenance: Provenance = labelOnly(label)): Suite {
  if (!isPlainObject(obj)) {
    throw new ConfigError(`${label}: a suite must be a mapping (key: value) with at least "scenarios:", got ${kindOf(obj)}`);
  }
  const parsed = suiteSchema.safeParse(obj);
  let pending: PendingIssue[];
  if (parsed.success) {
    pending = [...notPlainData(parsed.data), ...thresholdIssues(parsed.data), ...crossFieldIssues(parsed.data)];
    if (pending.length === 0) return parsed.data;
  } else {
    pending = issuesFromZod(parsed.error, obj);
  }
  throw new SuiteValidationError(locateIssues(pending, provenance));
}

/**
 * Thresholds the schema's pattern lets through but parseThreshold refuses ("a..b < 1", a value
 * of 400 digits): reported here, at their place in the file, rather than when the plan is made.
 */
function thresholdIssues(suite: Suite): PendingIssue[] {
  const out: PendingIssue[] = [];
  suite.scenarios.forEach((scenario, i) => {
    scenario.thresholds?.forEach((source, j) => {
      try {
        parseThreshold(source);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        out.push({ path: ["scenarios", i, "thresholds", j], at: "value", message: err.message });
      }
    });
  });
  return out;
}

/**
 * Values that passed the schema where it takes any value (target.extra_body) but that are not
 * plain data: YAML builds them (a recursive alias, !!binary, .inf or an overflowing 1e400, and
 * with %YAML 1.1 sets, ordered maps, timestamps) and JSON cannot write them, yet the suite is
 * written to the run folder as JSON and extra_body is sent in every request body.
 */
function notPlainData(value: unknown, path: PropertyKey[] = [], open = new Set<object>()): PendingIssue[] {
  if (typeof value === "number") {
    return Number.isFinite(value) ? [] : [{ path, at: "value", message: `${value} cannot be sent as JSON; write a finite number` }];
  }
  if (value === null || typeof value !== "object") return [];
  if (open.has(value)) {
    return [{ path, at: "value", message: "an alias inside its own anchor (a recursive structure); a suite holds plain data" }];
  }
  if (!Array.isArray(value) && !isPlainObject(value)) {
    const what = value instanceof Uint8Array ? "binary data (!!binary)" : `a ${value.constructor?.name ?? "special"} value`;
    return [{ path, at: "value", message: `${what} cannot be sent as JSON; write text, numbers, true/false, lists or mappings` }];
  }
  open.add(value);
  const out: PendingIssue[] = [];
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, v] of entries) out.push(...notPlainData(v, [...path, key], open));
  open.delete(value);
  return out;
}

/** What a suite file is, for file-check.ts: a YAML file of at most FILE_LIMITS.text. */
const SUITE_FILE: UserFileSpec = {
  what: "suite file",
  maxBytes: FILE_LIMITS.text,
  expected: 'a suite is a YAML mapping with at least "scenarios:" (see docs/configuration.md)',
  code: "SHAKEDOWN_CONFIG_FILE",
  inDirectory: yamlFilesIn,
};

/**
 * Reads a suite file as text after file-check.ts's checks: a clear one-line error for a
 * missing file, a directory, a device or FIFO, no permission, a file over 8 MB (refused
 * before it is read), an empty file, binary content (with a guess of what it is) or text
 * that is not UTF-8.
 */
export function readSuiteText(path: string): string {
  return readUserText(path, SUITE_FILE);
}

function yamlFilesIn(dir: string): string {
  try {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    if (files.length === 0) return " (it holds no .yaml file)";
    const shown = files.slice(0, 5).map((f) => printable(join(dir, f)));
    return ` such as ${shown.join(", ")}${files.length > 5 ? ", …" : ""}`;
  } catch {
    return "";
  }
}

/** Reads and parses a suite file (YAML syntax and top-level shape only). */
export function readSuiteDocument(path: string, label: string = path): RawSuite {
  return parseSuiteDocument(readSuiteText(path), label);
}

/** Parses suite text as one YAML document holding a mapping. */
export function parseSuiteDocument(text: string, label: string): RawSuite {
  const lines = new LineCounter();
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let doc: Document;
  try {
    doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: false });
    checkKeysAndAliases(doc, label);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    // yaml's parser recurses: block collections nested a few thousand deep overflow the stack
    const reason = err instanceof RangeError ? "nested too deeply (thousands of levels) to be read" : err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${label}: YAML error: ${reason}`, "SHAKEDOWN_CONFIG_YAML");
  }
  if (doc.errors.length > 0) {
    const messages = doc.errors
      .map((e) => ({ e, pos: positionAt(lines, e.pos[0]) }))
      .sort((a, b) => a.pos.offset - b.pos.offset)
      .map(({ e, pos }) => {
        const hint = YAML_HINTS[e.code];
        return `${label}:${pos.line}:${pos.col}: YAML syntax error: ${printable(e.message)}${hint ? ` (${hint})` : ""}`;
      });
    throw new ConfigError([...new Set(messages)].join("\n"), "SHAKEDOWN_CONFIG_YAML");
  }
  if (doc.contents === null) {
    throw new ConfigError(
      `${label}: the file is empty; a suite is a YAML mapping with at least "scenarios:" (see docs/configuration.md)`,
    );
  }
  const raw = toJS(doc, label);
  if (!isPlainObject(raw)) {
    const offset = doc.contents.range?.[0] ?? 0;
    const pos = positionAt(lines, offset);
    throw new ConfigError(
      `${label}:${pos.line}:${pos.col}: a suite must be a mapping (key: value) with at least "scenarios:", got ${kindOf(raw)}`,
    );
  }
  return { raw, provenance: new YamlProvenance(label, doc, lines) };
}

/** More anchors and aliases than any suite needs: yaml resolves each alias by a scan of them all. */
const MAX_ANCHORS_AND_ALIASES = 10_000;

/**
 * Duplicate keys in one pass, reported as yaml's own DUPLICATE_KEY errors: yaml's check
 * (uniqueKeys) compares each key with every earlier key of its mapping, seconds for a mapping
 * of 20 000 keys and hours for one the size of the file limit. Also refuses a file with more
 * anchors and aliases than any suite needs, as resolving aliases is quadratic in them.
 */
function checkKeysAndAliases(doc: Document, label: string): void {
  let refs = 0;
  visit(doc, (_key, node) => {
    if (isAlias(node) || ((isScalar(node) || isCollection(node)) && node.anchor !== undefined)) refs++;
    if (!isMap(node)) return;
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (!seen.has(key)) {
        seen.add(key);
        continue;
      }
      const at = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? node.range?.[0] ?? 0;
      doc.errors.push(new YAMLParseError([at, at + 1], "DUPLICATE_KEY", "Map keys must be unique"));
    }
  });
  if (refs > MAX_ANCHORS_AND_ALIASES) {
    throw new ConfigError(
      `${label}: ${refs} YAML anchors and aliases (&name, *name), more than ${MAX_ANCHORS_AND_ALIASES}; a suite needs a handful: is this the right file?`,
      "SHAKEDOWN_CONFIG_YAML",
    );
  }
}

function toJS(doc: Document, label: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${label}: YAML error: ${printable(reason)}`, "SHAKEDOWN_CONFIG_YAML");
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "object") return "a mapping of another type";
  const json = JSON.stringify(value);
  return `a ${typeof value} (${json.length > 60 ? `${json.slice(0, 58)}…` : json})`;
}
