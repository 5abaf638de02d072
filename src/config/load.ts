/**
 * Reading and validating suite files. Every error is a ConfigError (exit 2) that names
 * file:line:col, the path, what was found and what was expected; all problems of a file
 * are reported at once.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { ConfigError } from "../errors.js";
import { issuesFromZod, locateIssues, SuiteValidationError, type PendingIssue } from "./issues.js";
import { isPlainObject } from "./kinds.js";
import { crossFieldIssues } from "./rules.js";
import { suiteSchema, type Suite } from "./schema.js";
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
    pending = crossFieldIssues(parsed.data);
    if (pending.length === 0) return parsed.data;
  } else {
    pending = issuesFromZod(parsed.error, obj);
  }
  throw new SuiteValidationError(locateIssues(pending, provenance));
}

/** Reads a file as text, with a clear error for a missing file, a directory, or no permission. */
export function readSuiteText(path: string): string {
  let stats;
  try {
    stats = statSync(path);
  } catch (err) {
    throw fileError(path, err);
  }
  if (stats.isDirectory()) {
    throw new ConfigError(`${path} is a directory; give the path of a suite file${yamlFilesIn(path)}`, "SHAKEDOWN_CONFIG_FILE");
  }
  if (!stats.isFile()) throw new ConfigError(`${path} is not a regular file; give the path of a suite YAML file`, "SHAKEDOWN_CONFIG_FILE");
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${path}: not UTF-8 text; a suite is a YAML file`, "SHAKEDOWN_CONFIG_FILE");
  }
}

function yamlFilesIn(dir: string): string {
  try {
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    if (files.length === 0) return " (it holds no .yaml file)";
    const shown = files.slice(0, 5).map((f) => join(dir, f));
    return ` such as ${shown.join(", ")}${files.length > 5 ? ", …" : ""}`;
  } catch {
    return "";
  }
}

function fileError(path: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return new ConfigError(`suite file not found: ${path} (looked at ${resolvePath(path)})`, "SHAKEDOWN_CONFIG_FILE");
  }
  if (code === "EACCES" || code === "EPERM") {
    return new ConfigError(`cannot read suite file ${path}: permission denied`, "SHAKEDOWN_CONFIG_FILE");
  }
  const reason = err instanceof Error ? err.message : String(err);
  return new ConfigError(`cannot read suite file ${path}: ${reason}`, "SHAKEDOWN_CONFIG_FILE");
}

/** Reads and parses a suite file (YAML syntax and top-level shape only). */
export function readSuiteDocument(path: string, label: string = path): RawSuite {
  return parseSuiteDocument(readSuiteText(path), label);
}

/** Parses suite text as one YAML document holding a mapping. */
export function parseSuiteDocument(text: string, label: string): RawSuite {
  const lines = new LineCounter();
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const messages = doc.errors
      .map((e) => ({ e, pos: positionAt(lines, e.pos[0]) }))
      .sort((a, b) => a.pos.offset - b.pos.offset)
      .map(({ e, pos }) => {
        const hint = YAML_HINTS[e.code];
        return `${label}:${pos.line}:${pos.col}: YAML syntax error: ${e.message}${hint ? ` (${hint})` : ""}`;
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

function toJS(doc: Document, label: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`${label}: YAML error: ${reason}`, "SHAKEDOWN_CONFIG_YAML");
  }
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "object") return "a mapping of another type";
  const json = JSON.stringify(value);
  return `a ${typeof value} (${json.length > 60 ? `${json.slice(0, 58)}…` : json})`;
}
