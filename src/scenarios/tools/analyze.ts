/**
 * Analysis of the tools scenario (pure): per case run, the checks with their evidence
 * (structured calls or a leak, JSON, schema, expected calls step by step, final answer,
 * streamed vs non-streamed), the timings of each step, and the rates that matter for a
 * server's tool-call parser, overall, per category and per concurrency level.
 */
import type { ToolsScenarioConfig } from "../../config/schema.js";
import { parseThreshold } from "../../config/thresholds.js";
import {
  checkFinalAnswer,
  checkJson,
  checkSchema,
  checkStreamConsistency,
  checkStructured,
  matchStep,
} from "../../grading/tools/index.js";
import type { MadeCall, ToolCheck } from "../../grading/tools/types.js";
import { deriveRequestMetrics, evaluate, overallStatus, summarize } from "../../metrics/index.js";
import type { RequestRecord } from "../../store/records.js";
import { collectErrors, summaryMetrics } from "../common.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import type { ToolCase } from "./case.js";
import { resolveToolSpecs } from "./executors.js";

export interface ToolStep {
  step: number;
  ok: boolean;
  calls: MadeCall[];
  content: string;
  finishReason?: string;
  /** False for a request sent without streaming: it has no TTFT nor time to first tool call (the report says so). */
  streamed?: boolean;
  ttftMs?: number;
  firstToolCallMs?: number;
  e2eMs?: number;
  promptTokens?: number;
  outputTokens?: number;
}

export interface ToolCaseRun {
  caseId: string;
  title: string;
  category: string;
  language: string;
  repetition: number;
  concurrency: number;
  steps: ToolStep[];
  checks: ToolCheck[];
  pass: boolean;
  /** The server failed an HTTP exchange: the run could not be judged. */
  error?: string;
  parserFailure: boolean;
  callMatch: boolean;
  jsonValid: boolean;
  streamMismatch?: boolean;
  timeToFirstToolCallMs?: number;
  finalAnswer: string;
}

export interface ToolsDetail {
  runs: ToolCaseRun[];
  byCategory: { category: string; runs: number; callAccuracy?: number; passRate?: number }[];
  levels: { concurrency: number; runs: number; callAccuracy?: number; parserFailureRate?: number; streamMismatchRate?: number; ttftP50?: number }[];
}

export const TOOLS_METRICS = [
  "call_accuracy",
  "pass_rate",
  "parser_failure_rate",
  "json_validity_rate",
  "schema_validity_rate",
  "stream_mismatch_rate",
  "final_answer_rate",
  "success_rate",
  "steps.mean",
  "time_to_first_tool_call.mean",
  "time_to_first_tool_call.p90",
  ...["mean", "std", "min", "max", "p50", "p90", "p95", "p99"].flatMap((s) => [`ttft.${s}`, `e2e.${s}`]),
] as const;

export const TOOLS_DEFAULT_THRESHOLDS = ["call_accuracy >= 0.8", "parser_failure_rate <= 0", "json_validity_rate >= 0.99"] as const;

const made = (r: RequestRecord): MadeCall[] => r.result.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments }));

function analyzeRun(stepRecs: RequestRecord[], nonStreamed: RequestRecord | undefined, c: ToolCase): ToolCaseRun {
  const steps: ToolStep[] = stepRecs.map((r) => {
    const m = deriveRequestMetrics(r.result);
    return {
      step: r.turn ?? 0,
      ok: r.result.ok,
      calls: made(r),
      content: r.result.content,
      ...(r.result.finishReason !== undefined ? { finishReason: r.result.finishReason } : {}),
      streamed: r.result.stream,
      ...(m.ttftMs !== undefined ? { ttftMs: m.ttftMs } : {}),
      ...(r.result.t.firstToolCall !== undefined ? { firstToolCallMs: r.result.t.firstToolCall } : {}),
      ...(m.e2eMs !== undefined ? { e2eMs: m.e2eMs } : {}),
      ...(m.promptTokens !== undefined ? { promptTokens: m.promptTokens } : {}),
      ...(m.outputTokens !== undefined ? { outputTokens: m.outputTokens } : {}),
    };
  });
  const first = stepRecs[0]!;
  const failed = stepRecs.find((r) => !r.result.ok);
  const allCalls = steps.flatMap((s) => s.calls);
  const allContent = steps.map((s) => s.content).join("\n");
  const finalAnswer = steps.length > 0 && steps[steps.length - 1]!.calls.length === 0 ? steps[steps.length - 1]!.content : "";
  const tools = resolveToolSpecs(c.tools);
  const checks: ToolCheck[] = [];
  const structured = checkStructured(allCalls, allContent, c.steps.length > 0);
  checks.push(structured);
  const json = checkJson(allCalls);
  if (allCalls.length > 0) {
    checks.push(json);
    checks.push(checkSchema(allCalls, tools));
  }
  let callMatch: boolean;
  if (c.steps.length === 0) {
    const pass = allCalls.length === 0 && structured.pass;
    callMatch = pass;
    checks.push({
      check: "no_call",
      pass,
      reason: pass ? "no tool was called, as expected" : `a tool was called where none should be: ${allCalls.map((x) => x.name).join(", ") || "(leaked in the content)"}`,
      evidence: allCalls.map((x) => `${x.name}(${x.arguments})`),
    });
  } else {
    const reasons: string[] = [];
    const evidence: string[] = [];
    let pass = true;
    const callSteps = steps.filter((s) => s.calls.length > 0);
    c.steps.forEach((expected, i) => {
      const got = callSteps[i]?.calls ?? [];
      const m = matchStep(expected, got, c.ordered);
      if (!m.pass) pass = false;
      reasons.push(`step ${i + 1}: ${m.pass ? "matched" : m.reasons.join("; ")}`);
      evidence.push(...m.evidence);
    });
    if (callSteps.length > c.steps.length) {
      pass = false;
      reasons.push(`${callSteps.length - c.steps.length} more step(s) of calls than expected`);
    }
    callMatch = pass;
    checks.push({ check: "call_match", pass, reason: reasons.join(" · "), evidence });
  }
  if (c.final_answer) checks.push(checkFinalAnswer(finalAnswer, c.final_answer, { language: c.language, prompt: c.prompt }));
  let streamMismatch: boolean | undefined;
  if (nonStreamed?.result.ok && first.result.ok) {
    const sc = checkStreamConsistency(made(first), made(nonStreamed));
    streamMismatch = !sc.pass;
    checks.push(sc);
  }
  return {
    caseId: c.id,
    title: c.title,
    category: c.category,
    language: c.language,
    repetition: first.iteration ?? 1,
    concurrency: first.concurrency ?? 1,
    steps,
    checks,
    pass: failed === undefined && checks.every((x) => x.pass),
    ...(failed?.result.error ? { error: `${failed.result.error.kind}: ${failed.result.error.message}` } : {}),
    parserFailure: !structured.pass,
    callMatch: failed === undefined && callMatch,
    jsonValid: json.pass,
    ...(streamMismatch !== undefined ? { streamMismatch } : {}),
    ...(steps[0]?.firstToolCallMs !== undefined ? { timeToFirstToolCallMs: steps[0].firstToolCallMs } : {}),
    finalAnswer,
  };
}

const rate = (xs: boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : undefined);

export function analyzeTools(config: ToolsScenarioConfig, input: AnalysisInput): ScenarioResult<ToolsDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  const stepRecs = mine.filter((r) => r.role === "step");
  const keyOf = (r: RequestRecord) => `${r.concurrency ?? 1}|${r.session}|${r.iteration}`;
  const groups = new Map<string, RequestRecord[]>();
  for (const r of stepRecs) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  const runs: ToolCaseRun[] = [];
  for (const [key, recs] of groups) {
    recs.sort((a, b) => (a.turn ?? 0) - (b.turn ?? 0));
    const c = recs.find((r) => r.toolCase)?.toolCase;
    if (!c) continue;
    const ns = mine.find((r) => r.role === "non_streamed" && keyOf(r) === key);
    runs.push(analyzeRun(recs, ns, c));
  }
  const judged = runs.filter((r) => r.error === undefined);
  const withCalls = judged.filter((r) => r.steps.some((s) => s.calls.length > 0));
  const compared = judged.filter((r) => r.streamMismatch !== undefined);
  const finals = judged.filter((r) => r.checks.some((c) => c.check === "final_answer"));
  const okSteps = stepRecs.filter((r) => r.result.ok).map((r) => deriveRequestMetrics(r.result));
  const s = (xs: (number | undefined)[]) => summarize(xs.filter((x): x is number => x !== undefined));
  const ttfc = s(judged.map((r) => r.timeToFirstToolCallMs));
  const steps = s(judged.map((r) => r.steps.length));
  const metrics: Record<string, MetricValue> = {
    call_accuracy: { value: rate(judged.map((r) => r.callMatch)), n: judged.length, unit: "fraction" },
    pass_rate: { value: rate(runs.map((r) => r.pass)), n: runs.length, unit: "fraction" },
    parser_failure_rate: { value: rate(judged.map((r) => r.parserFailure)), n: judged.length, unit: "fraction" },
    json_validity_rate: { value: rate(withCalls.map((r) => r.jsonValid)), n: withCalls.length, unit: "fraction" },
    schema_validity_rate: {
      value: rate(withCalls.map((r) => r.checks.find((c) => c.check === "schema_valid")?.pass ?? true)),
      n: withCalls.length,
      unit: "fraction",
    },
    stream_mismatch_rate: { value: rate(compared.map((r) => r.streamMismatch === true)), n: compared.length, unit: "fraction" },
    final_answer_rate: { value: rate(finals.map((r) => r.checks.find((c) => c.check === "final_answer")!.pass)), n: finals.length, unit: "fraction" },
    success_rate: { value: rate(stepRecs.map((r) => r.result.ok)), n: stepRecs.length, unit: "fraction" },
    "steps.mean": { value: steps?.mean, n: steps?.n ?? 0, unit: "count" },
    "time_to_first_tool_call.mean": { value: ttfc?.mean, n: ttfc?.n ?? 0, unit: "ms" },
    "time_to_first_tool_call.p90": { value: ttfc?.p90, n: ttfc?.n ?? 0, unit: "ms" },
    ...summaryMetrics("ttft", s(okSteps.map((m) => m.ttftMs)), "ms"),
    ...summaryMetrics("e2e", s(okSteps.map((m) => m.e2eMs)), "ms"),
  };
  const verdicts = (config.thresholds ?? TOOLS_DEFAULT_THRESHOLDS).map((t) => {
    const th = parseThreshold(t);
    const mv = metrics[th.metric];
    return evaluate(th, { value: mv?.value, n: mv?.n });
  });
  const categories = [...new Set(runs.map((r) => r.category))];
  const levels = [...new Set(runs.map((r) => r.concurrency))].sort((a, b) => a - b);
  const notes: string[] = [];
  const parserFailures = judged.filter((r) => r.parserFailure);
  // The headline is a verb phrase: the report prints "It <headline>." and the summary prints it alone.
  let headline: string;
  if (parserFailures.length > 0) {
    const fix = "tool calls came back as text in the content; check --tool-call-parser (hermes for Qwen3) and --enable-auto-tool-choice";
    headline = `finds the server's tool-call parser failing in ${parserFailures.length}/${judged.length} case runs: ${fix}`;
    notes.push(`Tool calls leaked into the content in ${parserFailures.length} case run(s): ${fix}.`);
  } else {
    const passed = runs.filter((r) => r.pass).length;
    headline = `makes the expected calls in ${judged.filter((r) => r.callMatch).length}/${judged.length} case runs, and ${passed}/${runs.length} pass every check`;
  }
  if (compared.some((r) => r.streamMismatch))
    notes.push("Some streamed tool calls differ from the same request non-streamed: the server's streaming tool parser drops or splits arguments.");
  if (config.compare_non_streamed) notes.push("Each case's first request was also sent non-streamed (recorded, role non_streamed) to compare the calls.");
  notes.push("Tools run locally from deterministic fixtures (suites/tools/); nothing the model writes is executed.");
  if (!config.thresholds) notes.push(`Default thresholds: ${TOOLS_DEFAULT_THRESHOLDS.join(", ")}.`);
  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    headline,
    detail: {
      runs,
      byCategory: categories.map((category) => {
        const rs = runs.filter((r) => r.category === category);
        return { category, runs: rs.length, callAccuracy: rate(rs.map((r) => r.callMatch)), passRate: rate(rs.map((r) => r.pass)) };
      }),
      levels: levels.map((concurrency) => {
        const rs = judged.filter((r) => r.concurrency === concurrency);
        const ttfts = rs.flatMap((r) => r.steps.map((x) => x.ttftMs)).filter((x): x is number => x !== undefined);
        return {
          concurrency,
          runs: rs.length,
          callAccuracy: rate(rs.map((r) => r.callMatch)),
          parserFailureRate: rate(rs.map((r) => r.parserFailure)),
          streamMismatchRate: rate(rs.filter((r) => r.streamMismatch !== undefined).map((r) => r.streamMismatch === true)),
          ttftP50: summarize(ttfts)?.p50,
        };
      }),
    },
    requests: { total: mine.length, ok: mine.filter((r) => r.result.ok).length, failed: mine.filter((r) => !r.result.ok).length },
    errors: collectErrors(mine),
    notes,
  };
}
