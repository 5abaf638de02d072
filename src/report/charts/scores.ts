/**
 * Score charts: the reasoning score of each task (bar: the mean over its runs; dots: each
 * run; tick: the task's pass score), and the tool-calling result of each case (bar: the
 * share of its runs that passed every check; dot: the share of checks passed).
 */
import type { ReasoningDetail } from "../../scenarios/reasoning/analyze.js";
import type { ToolsDetail } from "../../scenarios/tools/analyze.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import { chart, COLORS, count, FULL_WIDTH, meanOf, num, STATUS_COLOR, type Chart } from "./common.js";
import type { VlSpec } from "./render.js";

const LABEL_WIDTH = 260;

function rowHeight(rows: number): number {
  return rows > 60 ? 11 : 20;
}

function outcome(passed: number, runs: number): string {
  return passed === runs ? "all runs pass" : passed === 0 ? "no run passes" : "some runs pass";
}

const OUTCOME_SCALE = { domain: ["all runs pass", "some runs pass", "no run passes"], range: [STATUS_COLOR.pass, STATUS_COLOR.inconclusive, STATUS_COLOR.fail] };

function label(id: string, title: string): string {
  return title && title !== id ? `${id} — ${title}` : id;
}

export async function reasoningCharts(prefix: string, scenario: ScenarioResult<ReasoningDetail>): Promise<Chart[]> {
  const runs = Array.isArray(scenario.detail?.runs) ? scenario.detail.runs : [];
  if (runs.length === 0) return [];
  const order: string[] = [];
  const byTask = new Map<string, typeof runs>();
  for (const r of runs) {
    if (!byTask.has(r.taskId)) {
      order.push(r.taskId);
      byTask.set(r.taskId, []);
    }
    byTask.get(r.taskId)?.push(r);
  }
  const bars = order.map((taskId, i) => {
    const rs = byTask.get(taskId) ?? [];
    const passed = rs.filter((r) => r.pass).length;
    return {
      task: label(taskId, rs[0]?.title ?? ""),
      order: i,
      score: meanOf(rs.map((r) => r.finalScore)) ?? 0,
      passScore: rs[0]?.passScore ?? 0,
      outcome: outcome(passed, rs.length),
      text: `${passed}/${rs.length}`,
    };
  });
  const dots = runs.map((r) => ({ task: label(r.taskId, r.title), order: order.indexOf(r.taskId), score: r.finalScore, run: r.ok ? (r.truncated ? "truncated" : "answered") : "failed" }));
  const y = { field: "task", type: "nominal", title: null, sort: { field: "order", op: "min" }, axis: { labelLimit: LABEL_WIDTH, minExtent: 60, maxExtent: LABEL_WIDTH + 10 } };
  const x = { field: "score", type: "quantitative", title: "score (human where reviewed, else automatic)", scale: { domain: [0, 1] } };
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: rowHeight(bars.length) * bars.length + 60,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      { data: { values: bars }, mark: { type: "bar", opacity: 0.75, height: { band: 0.7 } }, encoding: { y, x, color: { field: "outcome", type: "nominal", title: null, scale: OUTCOME_SCALE, legend: { orient: "top" } } } },
      { data: { values: bars }, mark: { type: "tick", color: "#222", thickness: 2 }, encoding: { y, x: { field: "passScore", type: "quantitative" } } },
      {
        data: { values: dots },
        mark: { type: "point", filled: true, size: 22, color: "#222", opacity: 0.8 },
        encoding: { y, x, shape: { field: "run", type: "nominal", title: null, scale: { domain: ["answered", "truncated", "failed"], range: ["circle", "triangle-up", "cross"] }, legend: { orient: "top" } } },
      },
      { data: { values: bars }, mark: { type: "text", align: "left", dx: 8, fontSize: 9, color: "#444" }, encoding: { y, x: { datum: 1 }, text: { field: "text" } } },
    ],
  };
  const scoreMean = meanOf(runs.map((r) => r.finalScore));
  const caption =
    `Score of each task, ${count(bars.length, "task")} over ${count(runs.length, "run")}: the bar is the mean over the task's runs (colour: whether they pass), each dot one run, the black tick the task's pass score, and k/n the runs that passed. Mean score ${num(scoreMean, 2)}` +
    (scenario.detail.reviewed ? `; ${scenario.detail.reviewed} run(s) reviewed by a human.` : ".");
  return [await chart(`${prefix}-scores`, "reasoning.scores", `${scenario.name}: score per task`, caption, runs.length, spec)];
}

export async function toolsCharts(prefix: string, scenario: ScenarioResult<ToolsDetail>): Promise<Chart[]> {
  const runs = Array.isArray(scenario.detail?.runs) ? scenario.detail.runs : [];
  if (runs.length === 0) return [];
  const order: string[] = [];
  const byCase = new Map<string, typeof runs>();
  for (const r of runs) {
    if (!byCase.has(r.caseId)) {
      order.push(r.caseId);
      byCase.set(r.caseId, []);
    }
    byCase.get(r.caseId)?.push(r);
  }
  const rows = order.map((caseId, i) => {
    const rs = byCase.get(caseId) ?? [];
    const passed = rs.filter((r) => r.pass).length;
    const checks = rs.flatMap((r) => r.checks);
    return {
      case: label(caseId, rs[0]?.title ?? ""),
      order: i,
      pass: passed / rs.length,
      checks: checks.length ? checks.filter((c) => c.pass).length / checks.length : undefined,
      outcome: outcome(passed, rs.length),
      text: `${passed}/${rs.length}${rs.some((r) => r.error !== undefined) ? " (request failed)" : ""}`,
    };
  });
  const y = { field: "case", type: "nominal", title: null, sort: { field: "order", op: "min" }, axis: { labelLimit: LABEL_WIDTH, minExtent: 60, maxExtent: LABEL_WIDTH + 10 } };
  const withChecks = rows.filter((r) => r.checks !== undefined);
  const spec: VlSpec = {
    width: FULL_WIDTH,
    height: rowHeight(rows.length) * rows.length + 60,
    autosize: { type: "fit", contains: "padding" },
    layer: [
      {
        data: { values: rows },
        mark: { type: "bar", opacity: 0.75, height: { band: 0.7 } },
        encoding: { y, x: { field: "pass", type: "quantitative", title: "share of runs that pass every check", scale: { domain: [0, 1] }, axis: { format: "%" } }, color: { field: "outcome", type: "nominal", title: null, scale: OUTCOME_SCALE, legend: { orient: "top" } } },
      },
      ...(withChecks.length
        ? [{ data: { values: withChecks }, mark: { type: "point", filled: true, size: 30, color: COLORS.trend, shape: "diamond" }, encoding: { y, x: { field: "checks", type: "quantitative" } } }]
        : []),
      { data: { values: rows }, mark: { type: "text", align: "left", dx: 8, fontSize: 9, color: "#444" }, encoding: { y, x: { datum: 1 }, text: { field: "text" } } },
    ],
  };
  const passed = runs.filter((r) => r.pass).length;
  const caption = `Result of each tool-calling case, ${count(rows.length, "case")} over ${count(runs.length, "run")} (${passed} passed): the bar is the share of the case's runs that passed every check (k/n at the right), the diamond the share of its checks that passed.`;
  return [await chart(`${prefix}-cases`, "tools.cases", `${scenario.name}: result per case`, caption, runs.length, spec)];
}
