/**
 * Score charts (issue 13) from a small real run: the reasoning seed pack and the tool-calling
 * cases against the simulator (fast profile, ~3 s), analysed as every run is. Each chart has a
 * bar per task or case; titles from a pack (free text) are escaped.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { renderScenarioCharts, MAX_WIDTH, type ChartInput } from "../../../src/report/charts/index.js";
import { checkSvg } from "../../../src/report/charts/safety.js";
import { chartWarnings } from "../../../src/report/charts/common.js";
import { executeRun } from "../../../src/run/executor.js";
import type { ReasoningDetail } from "../../../src/scenarios/reasoning/analyze.js";
import type { ToolsDetail } from "../../../src/scenarios/tools/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import { loadRunFolder } from "../../../src/store/run-folder.js";
import { tempDir } from "../../helpers/tmp.js";

const HOSTILE = `</svg><script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a'`;

let input: ChartInput;
let reasoning: ScenarioResult<ReasoningDetail>;
let tools: ScenarioResult<ToolsDetail>;

beforeAll(async () => {
  const suite = validateSuiteObject(
    {
      name: "scores",
      target: { sim: { profile: "fast" }, warmup_requests: 0 },
      scenarios: [
        { kind: "reasoning", pack: "seed", repetitions: 2, concurrency: 8 },
        { kind: "tools", concurrency: 8 },
      ],
      output: { dir: tempDir() },
    },
    "test",
  );
  const { dir, results } = await executeRun(suite);
  const run = loadRunFolder(dir);
  input = { results, records: run.records, server: run.server, gpu: run.gpu };
  reasoning = results.scenarios.find((s) => s.kind === "reasoning") as ScenarioResult<ReasoningDetail>;
  tools = results.scenarios.find((s) => s.kind === "tools") as ScenarioResult<ToolsDetail>;
}, 60_000);

function width(svg: string): number {
  return Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
}

describe("score charts", () => {
  it("reasoning: a bar per task, a dot per run, the pass score", async () => {
    const charts = await renderScenarioCharts(reasoning, input);
    expect(charts.map((c) => c.kind)).toEqual(["reasoning.scores"]);
    const c = charts[0]!;
    expect(c.n).toBe(reasoning.detail.runs.length);
    expect(c.caption).toContain(`${new Set(reasoning.detail.runs.map((r) => r.taskId)).size} tasks over ${c.n} runs`);
    expect(checkSvg(c.svg)).toBeUndefined();
    expect(width(c.svg)).toBeLessThanOrEqual(MAX_WIDTH);
    for (const r of reasoning.detail.runs) expect(c.svg.includes(`>${r.taskId} — `), r.taskId).toBe(true);
    expect(c.svg.includes(">2/2<") || c.svg.includes(">1/2<") || c.svg.includes(">0/2<")).toBe(true);
  });

  it("tools: a bar per case with its pass share and the share of checks passed", async () => {
    const charts = await renderScenarioCharts(tools, input);
    expect(charts.map((c) => c.kind)).toEqual(["tools.cases"]);
    const c = charts[0]!;
    expect(c.n).toBe(tools.detail.runs.length);
    expect(checkSvg(c.svg)).toBeUndefined();
    expect(width(c.svg)).toBeLessThanOrEqual(MAX_WIDTH);
    for (const id of new Set(tools.detail.runs.map((r) => r.caseId))) expect(c.svg.includes(`>${id} — `), id).toBe(true);
  });

  it("titles and ids from a pack are escaped; a detail without runs draws nothing", async () => {
    const hostileReasoning = {
      ...reasoning,
      name: HOSTILE,
      detail: { ...reasoning.detail, runs: reasoning.detail.runs.map((r) => ({ ...r, taskId: `${r.taskId}${HOSTILE}`, title: HOSTILE })) },
    };
    const hostileTools = { ...tools, name: HOSTILE, detail: { ...tools.detail, runs: tools.detail.runs.map((r) => ({ ...r, caseId: HOSTILE, title: HOSTILE })) } };
    for (const sc of [hostileReasoning, hostileTools]) {
      const [c] = await renderScenarioCharts(sc, input);
      expect(c).toBeDefined();
      expect(checkSvg(c!.svg)).toBeUndefined();
      expect(c!.svg).not.toMatch(/<script|<img/);
      expect(c!.svg.includes("&lt;/svg&gt;&lt;script&gt;")).toBe(true);
      expect(c!.id).toMatch(/^[a-z0-9-]+$/);
    }
    expect(await renderScenarioCharts({ ...reasoning, detail: { ...reasoning.detail, runs: [] } }, input)).toEqual([]);
    expect(await renderScenarioCharts({ ...tools, detail: { ...tools.detail, runs: [] } }, input)).toEqual([]);
    expect(chartWarnings).toEqual([]);
  });
});
