/**
 * Review sheets: one Markdown file per reasoning task run, with the full prompt, the full
 * reasoning, the full answer and each criterion's automatic (and judge) result with its
 * evidence, plus an overrides template the reviewer fills in. Model output is quoted in
 * fenced blocks, never interpreted.
 */
import type { GradeResult } from "../grading/types.js";
import type { TaskRun } from "../scenarios/reasoning/analyze.js";
import type { RequestRecord } from "../store/records.js";
import { stringify } from "yaml";
import type { ReviewOverrides } from "./overrides.js";

/** A fence longer than any backtick run inside the text, so the text cannot close it. */
function fenced(text: string, lang = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function gradeLine(g: GradeResult): string {
  if (g.error) return `⚠ not graded: ${g.error}`;
  return `${g.pass ? "PASS" : "FAIL"} (score ${Math.round(g.score * 100)} %): ${g.reason}`;
}

export function sheetFileName(recordId: string): string {
  return `${recordId.replace(/[^A-Za-z0-9._-]+/g, "_")}.md`;
}

export function renderReviewSheet(run: TaskRun, rec: RequestRecord): string {
  const out: string[] = [];
  out.push(`# Review: ${run.title} (\`${run.taskId}\`${run.repetition > 1 ? `, repetition ${run.repetition}` : ""})`);
  out.push(
    `Record \`${run.recordId}\` · ${run.category} · ${run.language} · finish: ${run.truncated ? "**truncated by max_tokens**" : (run.finishReason ?? "—")} · automatic score ${Math.round(run.autoScore * 100)} % (pass at ${Math.round(run.passScore * 100)} %)` +
      (run.judgeScore !== undefined ? ` · judge ${Math.round(run.judgeScore * 100)} %` : "") +
      (run.humanScore !== undefined ? ` · human ${Math.round(run.humanScore * 100)} %` : ""),
  );
  out.push("To override a verdict, edit `review/overrides.yaml` (not this file), then run `shakedown report DIR`.");
  out.push("## Prompt");
  out.push(fenced(run.prompt));
  if (rec.task?.reference) {
    out.push("## What a good answer looks like (the task's reference)");
    out.push(fenced(rec.task.reference));
  }
  out.push(`## Reasoning${rec.result.reasoningSource ? ` (from ${rec.result.reasoningSource})` : ""}`);
  out.push(rec.result.reasoning ? fenced(rec.result.reasoning) : "_No reasoning was returned._");
  out.push("## Answer");
  out.push(rec.result.content ? fenced(rec.result.content, "markdown") : "_No answer text was returned._");
  out.push("## Criteria");
  for (const c of rec.task?.criteria ?? []) {
    const auto = run.auto.find((g) => g.criterion === c.id);
    const judge = run.judge.find((g) => g.criterion === c.id);
    const human = run.human.find((h) => h.criterion === c.id);
    out.push(`### \`${c.id}\` (${c.grader}, on the ${c.on})${c.description ? `: ${c.description}` : ""}`);
    const lines: string[] = [];
    if (auto) lines.push(`- Automatic: ${gradeLine(auto)}`);
    else if (c.grader === "judge") lines.push("- Automatic: (judge criterion: graded by the judge only)");
    if (judge) lines.push(`- Judge: ${gradeLine(judge)}`);
    if (human) lines.push(`- Human: ${human.score >= 0.5 ? "PASS" : "FAIL"} (score ${Math.round(human.score * 100)} %)${human.note ? `: ${human.note}` : ""}`);
    out.push(lines.join("\n"));
    const evidence = [...(auto?.evidence ?? []), ...(judge?.evidence ?? [])];
    if (evidence.length > 0) {
      out.push("Evidence:");
      out.push(evidence.slice(0, 12).map((e) => `- ${e.note ? `${e.note}: ` : ""}${fenced(e.text).replace(/\n/g, "\n  ")}`).join("\n"));
    }
  }
  return out.join("\n\n") + "\n";
}

/** The overrides file: every task run and criterion, with the automatic verdict for reference. */
export function overridesTemplate(runs: TaskRun[], existing: ReviewOverrides): string {
  const doc: Record<string, unknown> = {};
  for (const r of runs) {
    const prev = existing[r.recordId];
    const criteria: Record<string, unknown> = {};
    for (const g of r.auto) {
      const p = prev?.criteria?.[g.criterion];
      criteria[g.criterion] = {
        auto: g.error ? `not graded: ${g.error}` : `${g.pass ? "pass" : "fail"} ${Math.round(g.score * 100)} %`,
        human: p?.human ?? null,
        note: p?.note ?? null,
      };
    }
    doc[r.recordId] = { task: r.taskId, score: prev?.score ?? null, note: prev?.note ?? null, criteria };
  }
  return (
    "# shakedown review overrides. For each task run, set a criterion's `human` to pass, fail or a\n" +
    "# score from 0 to 1 (and a `note`), or the whole run's `score`. Leave null to keep the automatic\n" +
    "# verdict. Then re-render: shakedown report DIR. `auto` is for reference and is ignored.\n" +
    stringify(doc, { lineWidth: 0 })
  );
}
