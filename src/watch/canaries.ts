/**
 * The canaries of a watch cycle: the scenarios of the canary suite, run by their own drivers
 * (a conversation's turns, a reasoning task, a tool-calling case), and each request judged:
 * - a chat canary (a turn of a conversation) against its reference answer, the first answer the
 *   watch saw (or the baseline run's): exact, else the token similarity of compareTexts
 *   (src/metrics/similarity.ts), the soak's canary test; under `min_similarity` it "changed";
 * - a graded canary (a reasoning task, a tool case) by the scenario's own analysis: the task's
 *   graders, the case's call checks; failing them it is "wrong". Its wording may vary from
 *   cycle to cycle (a long reasoning is rarely bit-stable): its grade, not its text, is checked.
 * A canary whose request failed is not judged (the error rate says it).
 *
 * Notes never quote the server's text: only names from the suite and figures.
 */
import type { Suite, ScenarioConfig, ReasoningScenarioConfig, ToolsScenarioConfig } from "../config/schema.js";
import { compareTexts } from "../metrics/similarity.js";
import { scenarioModule } from "../scenarios/registry.js";
import type { AnalysisInput, ScenarioContext, TargetInfo } from "../scenarios/types.js";
import { analyzeReasoning } from "../scenarios/reasoning/analyze.js";
import { analyzeTools } from "../scenarios/tools/analyze.js";
import type { RequestRecord } from "../store/records.js";
import { warmUp } from "../run/warmup.js";
import { countedRecord } from "./figures.js";

/** Kinds a canary suite may hold: short requests with something to check. */
export const CANARY_KINDS: readonly ScenarioConfig["kind"][] = ["conversation", "reasoning", "tools"];

export interface CanaryOutcome {
  /** "chat/t2", "reasoning/sequence-pattern-en", "tools/weather-toronto-en". */
  name: string;
  kind: "chat" | "graded";
  /** undefined: not judged (its request failed, or the cycle stopped). */
  pass?: boolean;
  /** Graded canary that failed its checks. */
  wrong?: boolean;
  /** Chat canary whose answer moved away from its reference. */
  changed?: boolean;
  similarity?: number;
  /** Why, in the suite's own words (criteria ids, check names) or figures; never the server's text. */
  note?: string;
}

/** Runs the canary suite's scenarios once, in order (and its warm-up requests first). */
export async function runCanaries(suite: Suite, ctx: ScenarioContext): Promise<void> {
  if (suite.target.warmup_requests > 0) await warmUp(suite.target.warmup_requests, ctx);
  for (const sc of suite.scenarios) {
    if (ctx.signal.aborted) return;
    await scenarioModule(sc.kind).run(sc as never, ctx);
  }
}

/** The canary name of a conversation record: its scenario and turn ("chat/t2"), with the session when there are several. */
function chatCanaryName(rec: RequestRecord, sessions: number): string {
  return sessions > 1 ? `${rec.session ?? rec.scenario}/t${rec.turn ?? 0}` : `${rec.scenario}/t${rec.turn ?? 0}`;
}

/**
 * Judges the canaries of a cycle's records. `references` (chat canary → reference answer) is
 * updated in place: a chat canary seen for the first time gives its reference.
 */
export function judgeCanaries(
  suite: Suite,
  records: readonly RequestRecord[],
  references: Record<string, string>,
  opts: { minSimilarity: number; target: TargetInfo },
): CanaryOutcome[] {
  const out: CanaryOutcome[] = [];
  const counted = records.filter(countedRecord);
  const input: AnalysisInput = { records: counted, target: opts.target, server: [], reviews: {} };
  for (const sc of suite.scenarios) {
    if (sc.kind === "conversation") {
      const mine = counted.filter((r) => r.scenario === sc.name && r.role === undefined);
      const sessions = new Set(mine.map((r) => r.session)).size;
      for (const rec of mine) {
        const name = chatCanaryName(rec, sessions);
        if (!rec.result.ok) {
          out.push({ name, kind: "chat", note: `request failed (${rec.result.error?.kind ?? "error"})` });
          continue;
        }
        const ref = references[name];
        if (ref === undefined) {
          references[name] = rec.result.content;
          out.push({ name, kind: "chat", pass: true, changed: false, similarity: 1, note: "reference answer recorded" });
          continue;
        }
        const cmp = compareTexts(ref, rec.result.content);
        const changed = !cmp.exact && cmp.similarity < opts.minSimilarity;
        out.push({
          name,
          kind: "chat",
          pass: !changed,
          changed,
          similarity: cmp.similarity,
          ...(cmp.exact ? {} : { note: `similarity ${cmp.similarity.toFixed(3)} to the reference${changed ? ` (under ${opts.minSimilarity})` : ""}, first difference at token ${cmp.firstDifference ?? 0}` }),
        });
      }
    } else if (sc.kind === "reasoning") {
      const result = analyzeReasoning(sc as ReasoningScenarioConfig, input);
      const reps = new Set(result.detail.runs.map((r) => r.repetition)).size;
      for (const run of result.detail.runs) {
        const name = `${sc.name}/${run.taskId}${reps > 1 ? `/r${run.repetition}` : ""}`;
        if (!run.ok) {
          out.push({ name, kind: "graded", note: "request failed" });
          continue;
        }
        const failed = run.auto.filter((g) => !g.pass).map((g) => g.criterion);
        out.push({
          name,
          kind: "graded",
          pass: run.pass,
          wrong: !run.pass,
          note: run.pass
            ? `score ${run.finalScore.toFixed(2)}`
            : `score ${run.finalScore.toFixed(2)} under ${run.passScore}${failed.length ? `; failed: ${failed.join(", ")}` : ""}${run.truncated ? "; cut by max_tokens" : ""}`,
        });
      }
    } else if (sc.kind === "tools") {
      const result = analyzeTools(sc as ToolsScenarioConfig, input);
      const reps = new Set(result.detail.runs.map((r) => r.repetition)).size;
      for (const run of result.detail.runs) {
        const name = `${sc.name}/${run.caseId}${reps > 1 ? `/r${run.repetition}` : ""}`;
        if (run.error !== undefined) {
          out.push({ name, kind: "graded", note: "request failed" });
          continue;
        }
        const failed = run.checks.filter((c) => !c.pass).map((c) => c.check);
        out.push({ name, kind: "graded", pass: run.pass, wrong: !run.pass, ...(failed.length ? { note: `failed: ${failed.join(", ")}` } : {}) });
      }
    }
  }
  return out;
}

/** The canary figures of a cycle. */
export function canaryFigures(canaries: readonly CanaryOutcome[]): Record<string, number | undefined> {
  const judged = canaries.filter((c) => c.pass !== undefined);
  const wrong = canaries.filter((c) => c.wrong === true).length;
  const changed = canaries.filter((c) => c.changed === true).length;
  const sims = canaries.flatMap((c) => (c.similarity !== undefined ? [c.similarity] : []));
  return {
    "canary.wrong": judged.length > 0 ? wrong : undefined,
    "canary.changed": canaries.some((c) => c.kind === "chat" && c.pass !== undefined) ? changed : undefined,
    "canary.failed": judged.length > 0 ? wrong + changed : undefined,
    "canary.pass_rate": judged.length > 0 ? judged.filter((c) => c.pass).length / judged.length : undefined,
    "canary.similarity_min": sims.length > 0 ? Math.min(...sims) : undefined,
  };
}
