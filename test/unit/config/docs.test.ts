/** docs/configuration.md stays in sync with the schema: every key is documented, every example suite is valid. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { suiteJsonSchema } from "../../../src/config/json-schema.js";
import { parseSuiteText } from "../../../src/config/load.js";
import { parseThreshold } from "../../../src/config/thresholds.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const doc = readFileSync(`${ROOT}docs/configuration.md`, "utf8");

function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

function propertyNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => propertyNames(n, out));
  else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && typeof value === "object" && value !== null) {
        for (const name of Object.keys(value)) out.add(name);
      }
      propertyNames(value, out);
    }
  }
  return out;
}

describe("docs/configuration.md", () => {
  it("documents every key of the schema", () => {
    const missing = [...propertyNames(suiteJsonSchema())].filter((key) => !doc.includes(`| \`${key}\` |`));
    expect(missing, "keys with no row in a reference table of docs/configuration.md").toEqual([]);
  });

  it("shows only valid example suites", () => {
    const suites = yamlBlocks(doc).filter((block) => /^scenarios:/m.test(block));
    expect(suites.length).toBeGreaterThanOrEqual(2);
    for (const block of suites) expect(() => parseSuiteText(block, "docs/configuration.md")).not.toThrow();
  });

  it("shows only thresholds that parse", () => {
    const thresholds = [...doc.matchAll(/^\s+- "([^"]+)"/gm)].map((m) => m[1] ?? "");
    expect(thresholds.length).toBeGreaterThan(5);
    for (const t of thresholds) expect(() => parseThreshold(t)).not.toThrow();
  });

  it("the complete example targets the vLLM server", () => {
    const example = yamlBlocks(doc).find((b) => b.includes("VLLM_API_KEY_MEDIUM"));
    expect(example).toBeDefined();
    const suite = parseSuiteText(example ?? "", "example");
    expect(suite.target).toMatchObject({ url: "http://127.0.0.1:5002/v1", model: "qwen3", api_key_env: "VLLM_API_KEY_MEDIUM" });
  });
});
