import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { METRIC_MAPPINGS } from "../../../src/monitor/mapping.js";

describe("docs/server-metrics.md", () => {
  const doc = readFileSync(fileURLToPath(new URL("../../../docs/server-metrics.md", import.meta.url)), "utf8");
  it("lists every name of the mapping table", () => {
    const missing = METRIC_MAPPINGS.filter((r) => !doc.includes(`\`${r.name}\``)).map((r) => r.name);
    expect(missing).toEqual([]);
  });
});
