/**
 * Analysis of the reasoning scenario (pure): per task run, the timings that matter for a
 * reasoning model (TTFT, time to first answer token, reasoning vs answer tokens), whether
 * max_tokens cut the answer, and three grades side by side: rule-based (re-computed here
 * from the task as it ran), judge (recorded), human (review/overrides.yaml).
 */
import type { ReasoningScenarioConfig } from "../../config/schema.js";
import { parseThreshold } from "../../config/thresholds.js";
import { gradeRules, taskScore } from "../../grading/index.js";
import type { GradeResult } from "../../grading/types.js";
import { deriveRequestMetrics, evaluate, overallStatus, summarize, type Summary } from "../../metrics/index.js";
import { humanScore, type RecordOverride } from "../../review/overrides.js";
import type { RequestRecord } from "../../store/records.js";
import { collectErrors, summaryMetrics } from "../common.js";
import type { AnalysisInput, MetricValue, ScenarioResult } from "../types.js";
import type { Task } from "./pack.js";

export interface HumanGrade {
  criterion: string;
  score: number;
  note?: string;
}

export interface TaskRun {
  recordId: string;
  taskId: string;
  title: string;
  category: string;
  language: string;
  repetition: number;
  prompt: string;
  ok: boolean;
  error?: string;
  truncated: boolean;
  finishReason?: string;
  /** False for a request sent without streaming: it has no TTFT (the report says so). */
  streamed?: boolean;
  ttftMs?: number;
  ttfaMs?: number;
  e2eMs?: number;
  outputTps?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  answerTokens?: number;
  /** Where the reasoning/answer split comes from: the server's usage, or characters (an estimate). */
  tokenSplit: "usage" | "characters" | "none";
  reasoningSource?: string;
  auto: GradeResult[];
  judge: GradeResult[];
  human: HumanGrade[];
  autoScore: number;
  judgeScore?: number;
  /** The reviewer's task score, or the criteria score with human verdicts in place of automatic ones. */
  humanScore?: number;
  humanNote?: string;
  /** Human where reviewed, else automatic. */
  finalScore: number;
  pass: boolean;
  passScore: number;
}

export interface ReasoningDetail {
  runs: TaskRun[];
  byCategory: { category: string; runs: number; scoreMean?: number; passRate?: number; truncated: number }[];
  reviewed: number;
}

export const REASONING_METRICS = [
  ...["mean", "std", "min", "max", "p50", "p90", "p95", "p99"].flatMap((s) => [`ttft.${s}`, `ttfa.${s}`, `e2e.${s}`]),
  "score.mean",
  "score.min",
  "auto_score.mean",
  "judge_score.mean",
  "human_score.mean",
  "pass_rate",
  "truncated_rate",
  "success_rate",
  "output_tps.mean",
  "reasoning_tokens.mean",
  "answer_tokens.mean",
] as const;

export const REASONING_DEFAULT_THRESHOLDS = ["score.mean >= 0.7", "success_rate > 95%"] as const;

function splitTokens(rec: RequestRecord, outputTokens: number | undefined): Pick<TaskRun, "reasoningTokens" | "answerTokens" | "tokenSplit"> {
  const r = rec.result;
  const usageReasoning = r.usage?.reasoningTokens;
  if (outputTokens !== undefined && usageReasoning !== undefined) {
    return { reasoningTokens: usageReasoning, answerTokens: Math.max(0, outputTokens - usageReasoning), tokenSplit: "usage" };
  }
  if (outputTokens === undefined) return { tokenSplit: "none" };
  const chars = r.reasoning.length + r.content.length;
  if (chars === 0) return { reasoningTokens: 0, answerTokens: outputTokens, tokenSplit: "characters" };
  const reasoningTokens = Math.round((outputTokens * r.reasoning.length) / chars);
  return { reasoningTokens, answerTokens: outputTokens - reasoningTokens, tokenSplit: "characters" };
}

function applyHuman(task: Task, auto: GradeResult[], o: RecordOverride | null | undefined): Pick<TaskRun, "human" | "humanScore" | "humanNote"> {
  if (!o) return { human: [] };
  const human: HumanGrade[] = [];
  for (const [criterion, v] of Object.entries(o.criteria ?? {})) {
    const score = humanScore(v?.human);
    if (score !== undefined) human.push({ criterion, score, ...(v?.note ? { note: v.note } : {}) });
  }
  const note = o.note ?? undefined;
  if (o.score !== undefined && o.score !== null) return { human, humanScore: o.score, ...(note ? { humanNote: note } : {}) };
  if (human.length === 0) return { human, ...(note ? { humanNote: note } : {}) };
  const merged = auto.map((g) => {
    const h = human.find((x) => x.criterion === g.criterion);
    return h ? { ...g, score: h.score, pass: h.score >= 0.5, error: undefined } : g;
  }) as GradeResult[];
  return { human, humanScore: taskScore(task.criteria, merged, task.pass_score).score, ...(note ? { humanNote: note } : {}) };
}

function analyzeRun(rec: RequestRecord, judges: RequestRecord[], reviews: AnalysisInput["reviews"]): TaskRun | undefined {
  const task = rec.task;
  if (!task) return undefined;
  const r = rec.result;
  const m = deriveRequestMetrics(r);
  const truncated = r.finishReason === "length";
  const auto = r.ok ? gradeRules(task.criteria, { answer: r.content, reasoning: r.reasoning, truncated, language: task.language, prompt: task.prompt }) : [];
  const judge = judges.flatMap((j) => j.judged?.grades ?? []);
  const autoScore = r.ok ? taskScore(task.criteria, auto, task.pass_score).score : 0;
  const judgeGraded = judge.filter((g) => g.error === undefined);
  const judgeScore = judgeGraded.length ? judgeGraded.reduce((a, g) => a + g.score, 0) / judgeGraded.length : undefined;
  const human = applyHuman(task, auto, reviews[rec.id]);
  const finalScore = human.humanScore ?? autoScore;
  return {
    recordId: rec.id,
    taskId: task.id,
    title: task.title,
    category: task.category,
    language: task.language,
    repetition: rec.iteration ?? 1,
    prompt: task.prompt,
    ok: r.ok,
    ...(r.error ? { error: `${r.error.kind}: ${r.error.message}` } : {}),
    truncated,
    ...(r.finishReason !== undefined ? { finishReason: r.finishReason } : {}),
    streamed: r.stream,
    ...(m.ttftMs !== undefined ? { ttftMs: m.ttftMs } : {}),
    ...(m.ttfaMs !== undefined ? { ttfaMs: m.ttfaMs } : {}),
    ...(m.e2eMs !== undefined ? { e2eMs: m.e2eMs } : {}),
    ...(m.outputTps !== undefined ? { outputTps: m.outputTps } : {}),
    ...(m.outputTokens !== undefined ? { outputTokens: m.outputTokens } : {}),
    ...splitTokens(rec, m.outputTokens),
    ...(r.reasoningSource !== undefined ? { reasoningSource: r.reasoningSource } : {}),
    auto,
    judge,
    ...human,
    autoScore,
    ...(judgeScore !== undefined ? { judgeScore } : {}),
    finalScore,
    pass: r.ok && finalScore >= task.pass_score,
    passScore: task.pass_score,
  };
}

const values = (runs: TaskRun[], f: (r: TaskRun) => number | undefined) =>
  runs.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));

export function analyzeReasoning(config: ReasoningScenarioConfig, input: AnalysisInput): ScenarioResult<ReasoningDetail> {
  const mine = input.records.filter((r) => r.scenario === config.name);
  const answers = mine.filter((r) => r.role !== "judge");
  const judgeRecs = mine.filter((r) => r.role === "judge");
  const runs = answers.flatMap((rec) => {
    const run = analyzeRun(rec, judgeRecs.filter((j) => j.judged?.recordId === rec.id), input.reviews);
    return run ? [run] : [];
  });
  const ok = runs.filter((r) => r.ok);
  const s = (f: (r: TaskRun) => number | undefined, from = ok): Summary | undefined => summarize(values(from, f));
  const score = s((r) => r.finalScore, runs);
  const metrics: Record<string, MetricValue> = {
    ...summaryMetrics("ttft", s((r) => r.ttftMs), "ms"),
    ...summaryMetrics("ttfa", s((r) => r.ttfaMs), "ms"),
    ...summaryMetrics("e2e", s((r) => r.e2eMs), "ms"),
    "score.mean": { value: score?.mean, n: score?.n ?? 0, unit: "fraction" },
    "score.min": { value: score?.min, n: score?.n ?? 0, unit: "fraction" },
    "auto_score.mean": { value: s((r) => r.autoScore, runs)?.mean, n: runs.length, unit: "fraction" },
    "judge_score.mean": { value: s((r) => r.judgeScore, runs)?.mean, n: values(runs, (r) => r.judgeScore).length, unit: "fraction" },
    "human_score.mean": { value: s((r) => r.humanScore, runs)?.mean, n: values(runs, (r) => r.humanScore).length, unit: "fraction" },
    pass_rate: { value: runs.length ? runs.filter((r) => r.pass).length / runs.length : undefined, n: runs.length, unit: "fraction" },
    truncated_rate: { value: runs.length ? runs.filter((r) => r.truncated).length / runs.length : undefined, n: runs.length, unit: "fraction" },
    success_rate: { value: runs.length ? ok.length / runs.length : undefined, n: runs.length, unit: "fraction" },
    "output_tps.mean": { value: s((r) => r.outputTps)?.mean, n: values(ok, (r) => r.outputTps).length, unit: "tok/s" },
    "reasoning_tokens.mean": { value: s((r) => r.reasoningTokens)?.mean, n: values(ok, (r) => r.reasoningTokens).length, unit: "tokens" },
    "answer_tokens.mean": { value: s((r) => r.answerTokens)?.mean, n: values(ok, (r) => r.answerTokens).length, unit: "tokens" },
  };
  const verdicts = (config.thresholds ?? REASONING_DEFAULT_THRESHOLDS).map((t) => {
    const th = parseThreshold(t);
    const mv = metrics[th.metric];
    return evaluate(th, { value: mv?.value, n: mv?.n });
  });
  const categories = [...new Set(runs.map((r) => r.category))];
  const byCategory = categories.map((category) => {
    const rs = runs.filter((r) => r.category === category);
    return {
      category,
      runs: rs.length,
      scoreMean: summarize(rs.map((r) => r.finalScore))?.mean,
      passRate: rs.length ? rs.filter((r) => r.pass).length / rs.length : undefined,
      truncated: rs.filter((r) => r.truncated).length,
    };
  });
  const notes: string[] = [];
  const truncated = runs.filter((r) => r.truncated);
  if (truncated.length > 0)
    notes.push(
      `${truncated.length} answer(s) were cut by max_tokens (finish_reason "length"): they are graded as they are and marked ✂ truncated, never silently counted as wrong; raise max_tokens to judge them whole.`,
    );
  if (ok.some((r) => r.tokenSplit === "characters"))
    notes.push(
      "The server did not report reasoning tokens (usage.completion_tokens_details.reasoning_tokens; vLLM does not): reasoning vs answer tokens are split in proportion to their characters, an estimate.",
    );
  if (runs.some((r) => r.judge.length > 0)) notes.push("Judge grades come from an LLM judge; they are shown beside the rule-based grades and never replace them.");
  const reviewed = runs.filter((r) => r.humanScore !== undefined || r.human.length > 0).length;
  if (reviewed > 0) notes.push(`${reviewed} task run(s) carry a human review (review/overrides.yaml); their final score is the reviewer's.`);
  else notes.push("No human review yet: `shakedown review DIR` writes review sheets and an overrides file for a reviewer.");
  if (!config.thresholds) notes.push(`Default thresholds: ${REASONING_DEFAULT_THRESHOLDS.join(", ")}.`);
  const passed = runs.filter((r) => r.pass).length;
  return {
    name: config.name,
    kind: config.kind,
    metrics,
    verdicts,
    status: overallStatus(verdicts),
    // A verb phrase: the report prints "It <headline>." and the summary prints it alone.
    headline: `passes ${passed}/${runs.length} task runs, with a mean score of ${score ? (score.mean * 100).toFixed(0) : "—"} %${truncated.length ? `; ${truncated.length} ${truncated.length === 1 ? "was" : "were"} cut by max_tokens` : ""}`,
    detail: { runs, byCategory, reviewed },
    requests: { total: answers.length, ok: answers.filter((r) => r.result.ok).length, failed: answers.filter((r) => !r.result.ok).length },
    errors: collectErrors(answers),
    notes,
  };
}
