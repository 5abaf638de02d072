/**
 * Data files (conversation scripts, task packs, tool cases, the simulator's answer banks,
 * the cache scenario's document): YAML validated by a zod schema, with one error style:
 * the file, then what is wrong. Every file is read through file-check.ts first (a regular
 * file of at most FILE_LIMITS.text, UTF-8 text without control characters).
 */
import { parse } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { FILE_LIMITS, printable, readUserText } from "./file-check.js";

/**
 * Parses YAML text and validates it. Throws ConfigError: `label: YAML syntax error: …` or
 * `label: not <what> (path: message; …). <help>`.
 */
export function parseDataFile<S extends z.ZodType>(text: string, label: string, schema: S, what: string, help: string, code?: string): z.output<S> {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    // One line: the parser's first line says what and where ("… at line 3, column 1:"); its code frame is left out.
    const first = ((e as Error).message.split("\n")[0] ?? "").replace(/:\s*$/, "");
    throw new ConfigError(`${label}: YAML syntax error: ${printable(first, { max: 300 })}`, code);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues
      .slice(0, 8)
      .map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`)
      .join("; ");
    throw new ConfigError(`${label}: not ${printable(what)} (${printable(issues, { max: 2000 })}). ${help}`, code);
  }
  return r.data;
}

/**
 * Reads a data file's text after file-check's checks (not a directory, device or FIFO;
 * at most FILE_LIMITS.text; UTF-8 text). `what` names it in messages ("conversation script").
 */
export function readDataText(path: string, what: string, expected: string, code?: string, fix?: string): string {
  return readUserText(path, { what, maxBytes: FILE_LIMITS.text, expected, ...(code !== undefined ? { code } : {}), ...(fix !== undefined ? { fix } : {}) });
}

/** Reads and parses a data file (see parseDataFile). */
export function loadDataFile<S extends z.ZodType>(path: string, schema: S, what: string, help: string, code?: string): z.output<S> {
  return parseDataFile(readDataText(path, what.replace(/^an? /, ""), `${what} is a YAML file. ${help}`, code), path, schema, what, help, code);
}
