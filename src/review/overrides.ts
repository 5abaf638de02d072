/**
 * Human review overrides: a reviewer's verdicts on automatic grades, kept in the run folder
 * (review/overrides.yaml) and read back by every re-analysis. They never erase the
 * automatic or judge grades: reports show the three side by side.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { FILE_LIMITS, printable, readUserText } from "../config/file-check.js";
import { RunFolderError } from "../errors.js";

export const REVIEW_DIR = "review";
export const OVERRIDES_FILE = "overrides.yaml";

const verdictSchema = z.union([z.enum(["pass", "fail"]), z.number().min(0).max(1)]);

export const criterionOverrideSchema = z
  .object({
    /** Written by `shakedown review` for the reviewer's eyes; ignored when read. */
    auto: z.string().optional(),
    human: verdictSchema.nullable().optional(),
    note: z.string().nullable().optional(),
  })
  .strict();

export const recordOverrideSchema = z
  .object({
    task: z.string().optional(),
    /** A whole-task score set by the reviewer (0..1), overriding the criteria's. */
    score: z.number().min(0).max(1).nullable().optional(),
    note: z.string().nullable().optional(),
    criteria: z.record(z.string(), criterionOverrideSchema.nullable()).optional(),
  })
  .strict();

export const overridesSchema = z.record(z.string(), recordOverrideSchema.nullable());

export type ReviewOverrides = z.infer<typeof overridesSchema>;
export type RecordOverride = z.infer<typeof recordOverrideSchema>;

/** A human verdict as a score: pass → 1, fail → 0, a number as is; undefined when not given. */
export function humanScore(v: z.infer<typeof verdictSchema> | null | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  return v === "pass" ? 1 : v === "fail" ? 0 : v;
}

export function overridesPath(runDir: string): string {
  return join(runDir, REVIEW_DIR, OVERRIDES_FILE);
}

/** Reads review/overrides.yaml when present; a malformed file is an error naming file:line:col. */
export function loadOverrides(runDir: string): ReviewOverrides {
  const path = overridesPath(runDir);
  if (!existsSync(path)) return {};
  // Checked first (file-check.ts): a regular UTF-8 text file of at most 8 MB.
  const text = readUserText(path, {
    what: "review overrides file",
    maxBytes: FILE_LIMITS.text,
    expected: "review/overrides.yaml is the YAML file `shakedown review` writes (see docs/review.md); fix it, or delete it to start the review again",
    error: (message) => new RunFolderError(message),
    allowEmpty: true, // an emptied file: no overrides
  });
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new RunFolderError(`${path}${pos ? `:${pos.line}:${pos.col}` : ""}: YAML syntax error: ${printable(e.message.split("\n")[0] ?? "")}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const r = overridesSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new RunFolderError(
      `${path}: ${printable(i.path.join("."), { max: 200 })}: ${printable(i.message, { max: 500 })}. A criterion's human verdict is pass, fail or a score from 0 to 1; see docs/review.md.`,
    );
  }
  return r.data;
}
