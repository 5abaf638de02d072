/**
 * The JSON Schema of suite files, generated from the zod schema (input side: keys with
 * defaults are optional). Editors use it for completion and inline errors; the loader
 * uses it to describe the expected shape in error messages.
 *
 * Regenerate the committed copy with:
 *   npx tsx src/config/json-schema.ts > schema/suite.schema.json
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { suiteSchema } from "./schema.js";

export type JsonSchema = { [key: string]: unknown };

export const REGENERATE_SCHEMA_COMMAND = "npx tsx src/config/json-schema.ts > schema/suite.schema.json";

let cached: JsonSchema | undefined;

/** The suite JSON Schema (draft-07, the dialect editors' YAML support knows best). */
export function suiteJsonSchema(): JsonSchema {
  if (cached) return cached;
  const generated = z.toJSONSchema(suiteSchema, { io: "input", target: "draft-07" }) as JsonSchema;
  const { $schema, ...rest } = generated;
  cached = {
    $schema,
    title: "shakedown suite",
    description:
      "A shakedown suite: the target (an OpenAI-compatible server, or the embedded simulator when url is absent), " +
      "the scenarios to run and where to write the run folder. See docs/configuration.md.",
    ...rest,
  };
  return cached;
}

/** The text of schema/suite.schema.json. */
export function suiteJsonSchemaText(): string {
  return `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) process.stdout.write(suiteJsonSchemaText());
