/**
 * Review sheets: one Markdown file per reasoning task run, with the full prompt, the full
 * reasoning, the full answer and each criterion's automatic (and judge) result with its
 * evidence, plus an overrides template the reviewer fills in. Model output is quoted in
 * fenced blocks, never interpreted; shorter server text is escaped (src/report/md.ts).
 */
import type { GradeResult } from "../grading/types.js";
import type { TaskRun } from "../scenarios/reasoning/analyze.js";
import type { RequestRecord } from "../store/records.js";
import { stringify } from "yaml";
import type { ReviewOverrides } from "./overrides.js";
import { bullets, code, heading, paragraph, strong, text, type Inline } from "../report/md.js";

/** A fence longer than any backtick run inside the text, so the text cannot close it. */
function fenced(text: string, lang = "text"): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** How long a grader's reason or error may run on a sheet (it is shown whole in the records). */
const REASON_MAX = 2000;

function gradeLine(g: GradeResult): Inline[] {
  if (g.error) return ["⚠ not graded: ", text(g.error, REASON_MAX)];
  return [`${g.pass ? "PASS" : "FAIL"} (score ${Math.round(g.score * 100)} %): `, text(g.reason, REASON_MAX)];
}

export function sheetFileName(recordId: string): string {
  return `${recordId.replace(/[^A-Za-z0-9._-]+/g, "_")}.md`;
}

/**
 * A review sheet. Full texts (prompt, reasoning, answer, evidence) are fenced; every other
 * text that came from the server, the model or a data file (finish reason, grader reasons and
 * errors, titles, notes) goes through the report's Markdown helpers, so it is inert too.
 */
export function renderReviewSheet(run: TaskRun, rec: RequestRecord): string {
  const out: string[] = [];
  out.push(heading(1, "Review: ", text(run.title, 200), " (", code(run.taskId), run.repetition > 1 && `, repetition ${run.repetition}`, ")"));
  out.push(
    paragraph(
      "Record ",
      code(run.recordId),
      ` · ${run.category} · ${run.language} · finish: `,
      run.truncated ? strong("truncated by max_tokens") : text(run.finishReason ?? "—", 80),
      ` · automatic score ${Math.round(run.autoScore * 100)} % (pass at ${Math.round(run.passScore * 100)} %)`,
      run.judgeScore !== undefined && ` · judge ${Math.round(run.judgeScore * 100)} %`,
      run.humanScore !== undefined && ` · human ${Math.round(run.humanScore * 100)} %`,
    ),
  );
  out.push("To override a verdict, edit `review/overrides.yaml` (not this file), then run `shakedown report DIR`.");
  out.push("## Prompt");
  out.push(fenced(run.prompt));
  if (rec.task?.reference) {
    out.push("## What a good answer looks like (the task's reference)");
    out.push(fenced(rec.task.reference));
  }
  out.push(heading(2, "Reasoning", rec.result.reasoningSource && ` (from ${rec.result.reasoningSource})`));
  out.push(rec.result.reasoning ? fenced(rec.result.reasoning) : "_No reasoning was returned._");
  out.push("## Answer");
  out.push(rec.result.content ? fenced(rec.result.content, "markdown") : "_No answer text was returned._");
  out.push("## Criteria");
  for (const c of rec.task?.criteria ?? []) {
    const auto = run.auto.find((g) => g.criterion === c.id);
    const judge = run.judge.find((g) => g.criterion === c.id);
    const human = run.human.find((h) => h.criterion === c.id);
    out.push(heading(3, code(c.id), ` (${c.grader}, on the ${c.on})`, c.description && [": ", text(c.description, 400)]));
    const lines: Inline[] = [];
    if (auto) lines.push(["Automatic: ", gradeLine(auto)]);
    else if (c.grader === "judge") lines.push("Automatic: (judge criterion: graded by the judge only)");
    if (judge) lines.push(["Judge: ", gradeLine(judge)]);
    if (human) lines.push([`Human: ${human.score >= 0.5 ? "PASS" : "FAIL"} (score ${Math.round(human.score * 100)} %)`, human.note && [": ", text(human.note, REASON_MAX)]]);
    if (lines.length > 0) out.push(bullets(lines));
    const evidence = [...(auto?.evidence ?? []), ...(judge?.evidence ?? [])];
    if (evidence.length > 0) {
      out.push("Evidence:");
      // A fence opens a line of its own: after a note it goes on the item's next line.
      out.push(evidence.slice(0, 12).map((e) => `- ${e.note ? `${paragraph(text(e.note, 200))}:\n  ` : ""}${fenced(e.text).replace(/\n/g, "\n  ")}`).join("\n"));
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
