/**
 * Data files (conversation scripts, task packs, tool cases, the simulator's answer banks):
 * YAML validated by a zod schema, with one error style: the file, then what is wrong.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";

/**
 * Parses YAML text and validates it. Throws ConfigError: `label: YAML syntax error: …` or
 * `label: not <what> (path: message; …). <help>`.
 */
export function parseDataFile<S extends z.ZodType>(text: string, label: string, schema: S, what: string, help: string, code?: string): z.output<S> {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigError(`${label}: YAML syntax error: ${(e as Error).message}`, code);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError(`${label}: not ${what} (${issues}). ${help}`, code);
  }
  return r.data;
}

/** Reads and parses a data file (see parseDataFile). */
export function loadDataFile<S extends z.ZodType>(path: string, schema: S, what: string, help: string, code?: string): z.output<S> {
  return parseDataFile(readFileSync(path, "utf8"), path, schema, what, help, code);
}
