/**
 * Issue 11 (smaller items): a request sent without streaming has no first token, so its TTFT
 * cannot exist; the per-request rows of the reasoning and tools reports said only "—".
 * They now say "— (not streamed)"; a streamed row keeps its figure.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { fmtTtft } from "../../../src/report/format.js";
import { executeRun } from "../../../src/run/executor.js";
import type { ReasoningDetail } from "../../../src/scenarios/reasoning/analyze.js";
import type { ToolsDetail } from "../../../src/scenarios/tools/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();

/** The Markdown table rows of the section that starts at `heading`. */
function rowsAfter(report: string, heading: string): string[] {
  const from = report.indexOf(heading);
  expect(from, heading).toBeGreaterThanOrEqual(0);
  const lines = report.slice(from).split("\n").slice(1);
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith("|")) break;
    rows.push(l);
  }
  return rows.slice(2); // header and delimiter
}

async function run(stream: boolean) {
  const suite = validateSuiteObject(
    {
      name: `not-streamed-${stream}`,
      target: { sim: { profile: "fast" }, stream },
      scenarios: [
        { kind: "reasoning", pack: "seed", tasks: ["seed-plan-todo-en", "seed-logic-fr"], concurrency: 2 },
        { kind: "tools", cases: ["weather-lyon-fr", "weather-toronto-en"], concurrency: 2, compare_non_streamed: false },
      ],
      output: { dir: out },
    },
    "test",
  );
  const { dir, results } = await executeRun(suite);
  return { results, report: readFileSync(join(dir, "report.md"), "utf8") };
}

describe("per-request TTFT of a non-streamed request", () => {
  it("fmtTtft says why a TTFT is missing only when the request was not streamed", () => {
    expect(fmtTtft(undefined, false)).toBe("— (not streamed)");
    expect(fmtTtft(undefined, true)).toBe("—");
    expect(fmtTtft(undefined, undefined)).toBe("—");
    expect(fmtTtft(12.34, true)).toBe("12.3 ms");
  });

  it("reasoning and tools rows say “— (not streamed)” for TTFT (and time to answer, time to first tool call); streamed rows keep their figures", async () => {
    const plain = await run(false);
    const reasoning = plain.results.scenarios[0] as ScenarioResult<ReasoningDetail>;
    const tools = plain.results.scenarios[1] as ScenarioResult<ToolsDetail>;
    expect(reasoning.detail.runs.length).toBeGreaterThan(0);
    expect(reasoning.detail.runs.every((r) => r.streamed === false && r.ttftMs === undefined)).toBe(true);
    expect(tools.detail.runs.every((r) => r.steps[0]?.streamed === false)).toBe(true);

    // Every task row (TTFT, time to answer) and every case row (time to first tool call, TTFT) says why.
    const said = plain.report.split("— (not streamed)").length - 1;
    expect(said).toBeGreaterThanOrEqual(2 * reasoning.detail.runs.length + 2 * tools.detail.runs.length);
    const taskRows = rowsAfter(plain.report, "### Tasks");
    for (const row of taskRows) expect(row, row).toContain("— (not streamed)");

    const streamed = await run(true);
    expect(streamed.report).not.toContain("not streamed)");
    const firstTask = rowsAfter(streamed.report, "### Tasks")[0]!;
    expect(firstTask).toMatch(/\| \d+(\.\d)? ms \|/);
  });
});
