import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REGENERATE_SCHEMA_COMMAND, suiteJsonSchema, suiteJsonSchemaText } from "../../../src/config/json-schema.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

describe("schema/suite.schema.json", () => {
  it("is the schema generated from src/config/schema.ts", () => {
    const committed = readFileSync(`${ROOT}schema/suite.schema.json`, "utf8");
    expect(
      committed === suiteJsonSchemaText(),
      `schema/suite.schema.json is stale; regenerate it with: ${REGENERATE_SCHEMA_COMMAND}`,
    ).toBe(true);
  });

  it("describes the input side: keys with defaults are optional", () => {
    const schema = suiteJsonSchema() as {
      title: string;
      required: string[];
      properties: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
    };
    expect(schema.title).toBe("shakedown suite");
    expect(schema.required).toEqual(["scenarios"]);
    expect(schema.properties.target?.required ?? []).toEqual([]);
    expect(schema.properties.output?.required ?? []).toEqual([]);
  });

  it("the script prints it", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", "src/config/json-schema.ts"], { cwd: ROOT, encoding: "utf8" });
    expect(out).toBe(suiteJsonSchemaText());
  });
});
