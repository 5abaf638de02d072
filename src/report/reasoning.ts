/** The reasoning scenario's section of the Markdown report. */
import type { GradeResult } from "../grading/types.js";
import type { ReasoningDetail, TaskRun } from "../scenarios/reasoning/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct } from "./format.js";
import { code, heading, paragraph, strong, table, text, type Inline } from "./md.js";

const pct = (v: number | undefined) => (v === undefined ? "—" : `${Math.round(v * 100)} %`);

function gradeCell(g: GradeResult | undefined): Inline {
  if (!g) return "—";
  if (g.error) return ["⚠ ", text(g.error, 60)];
  return `${g.pass ? "✅" : "❌"} ${pct(g.score)}`;
}

function taskLabel(r: TaskRun): Inline {
  return [code(r.taskId), r.repetition > 1 && ` #${r.repetition}`];
}

function runRow(r: TaskRun): Inline[] {
  const tokens =
    r.reasoningTokens !== undefined ? `${r.reasoningTokens} / ${r.answerTokens ?? "—"}${r.tokenSplit === "characters" ? " ≈" : ""}` : "—";
  return [
    taskLabel(r),
    text(r.category),
    text(r.language),
    fmtMs(r.ttftMs),
    fmtMs(r.ttfaMs),
    fmtMs(r.e2eMs),
    tokens,
    fmtNum(r.outputTps),
    r.ok ? (r.truncated ? "✂ truncated" : text(r.finishReason ?? "—")) : ["failed: ", text(r.error ?? "?", 60)],
    pct(r.autoScore),
    pct(r.judgeScore),
    pct(r.humanScore),
    [strong(pct(r.finalScore)), r.pass ? " ✅" : " ❌"],
  ];
}

function criteriaTable(r: TaskRun): string {
  const ids = [...new Set([...r.auto.map((g) => g.criterion), ...r.judge.map((g) => g.criterion), ...r.human.map((h) => h.criterion)])];
  return table(
    ["Criterion", "Grader", "Automatic", "Why", "Evidence", "Judge", "Human"],
    ids.map((id) => {
      const a = r.auto.find((g) => g.criterion === id);
      const j = r.judge.find((g) => g.criterion === id);
      const h = r.human.find((x) => x.criterion === id);
      const ev = a?.evidence[0];
      return [
        code(id),
        text(a?.grader ?? j?.grader ?? "—"),
        gradeCell(a),
        text(a?.reason ?? j?.reason ?? "", 140),
        ev ? ["“", text(ev.text, 80), "”", a && a.evidence.length > 1 && ` (+${a.evidence.length - 1})`] : "—",
        gradeCell(j),
        h ? [`${h.score >= 0.5 ? "✅" : "❌"} ${pct(h.score)}`, h.note && [" — ", text(h.note, 60)]] : "—",
      ];
    }),
  );
}

export function renderReasoningSection(res: ScenarioResult<ReasoningDetail>): string {
  const d = res.detail;
  const out: string[] = [];
  out.push("### Tasks");
  out.push(
    table(
      ["Task", "Category", "Lang", "TTFT", "Time to answer", "E2E", "Reasoning / answer tokens", "Output tok/s", "Finish", "Automatic", "Judge", "Human", "Final"],
      d.runs.map(runRow),
    ),
  );
  out.push(
    "TTFT is the first token of any kind (reasoning included); *time to answer* is the first answer token after the reasoning. “≈” marks a reasoning/answer split estimated from characters. Final = the human score where a reviewer gave one, else the automatic score; the judge's is shown beside them, never instead.",
  );
  if (d.byCategory.length > 1) {
    out.push("### By category");
    out.push(
      table(
        ["Category", "Runs", "Mean score", "Pass rate", "Truncated"],
        d.byCategory.map((c) => [text(c.category), String(c.runs), pct(c.scoreMean), fmtPct(c.passRate), String(c.truncated)]),
      ),
    );
  }
  out.push("### Criteria, with their evidence");
  for (const r of d.runs) {
    out.push(heading(4, taskLabel(r), ": ", text(r.title, 120), r.truncated && " — ✂ truncated by max_tokens"));
    if (!r.ok) {
      out.push(paragraph("The request failed (", text(r.error ?? "?"), "); nothing to grade."));
      continue;
    }
    out.push(criteriaTable(r));
    if (r.humanNote) out.push(paragraph("Reviewer: ", text(r.humanNote, 400)));
  }
  out.push("Full prompts, reasoning and answers are in records.jsonl; `shakedown review DIR` writes one review sheet per task with everything side by side.");
  return out.join("\n\n");
}
