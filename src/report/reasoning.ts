/** The reasoning scenario's section of the Markdown report. */
import type { GradeResult } from "../grading/types.js";
import type { ReasoningDetail, TaskRun } from "../scenarios/reasoning/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct, fmtTtft } from "./format.js";
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
    fmtTtft(r.ttftMs, r.streamed),
    fmtTtft(r.ttfaMs, r.streamed),
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

/**
 * A run that needs its full criteria table: it failed (or its request did), it was cut by
 * max_tokens, a reviewer gave it a score or a note, or the judge disagrees with the rules.
 */
export function needsDetail(r: TaskRun): boolean {
  if (!r.ok || !r.pass || r.truncated) return true;
  if (r.humanScore !== undefined || r.human.length > 0 || r.humanNote) return true;
  return r.judge.some((g) => g.error !== undefined || !g.pass);
}

/** One line of criteria for a passing run: every criterion met, or which one was not and its score. */
function criteriaSummary(r: TaskRun): Inline {
  const graded = r.auto.filter((g) => g.error === undefined);
  const missed = graded.filter((g) => !g.pass);
  const errored = r.auto.filter((g) => g.error !== undefined);
  const parts: Inline[] = [`${graded.length - missed.length}/${r.auto.length} met`];
  if (missed.length > 0) parts.push([" — not met: ", missed.map((g, i) => [i > 0 && ", ", code(g.criterion), ` ${pct(g.score)}`])]);
  if (errored.length > 0) parts.push([" — not graded: ", errored.map((g, i) => [i > 0 && ", ", code(g.criterion)])]);
  return parts;
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
  // Say a thing once: passing runs in one compact table, full criteria tables only where a
  // reader has something to check (a failure, a cut answer, a review, a judge that disagrees).
  const detailed = d.runs.filter(needsDetail);
  const passing = d.runs.filter((r) => !needsDetail(r));
  if (passing.length > 0) {
    out.push("### Passing task runs");
    out.push(
      table(
        ["Task", "Title", "Final", "Criteria (automatic)"],
        passing.map((r) => [taskLabel(r), text(r.title, 80), strong(pct(r.finalScore)), criteriaSummary(r)]),
      ),
    );
  }
  out.push("### Failures and reviews, with their evidence");
  if (detailed.length === 0) out.push(paragraph("Every task run passed, with no review and no judge disagreement: nothing to detail."));
  for (const r of detailed) {
    out.push(heading(4, taskLabel(r), ": ", text(r.title, 120), r.truncated && " — ✂ truncated by max_tokens"));
    if (!r.ok) {
      out.push(paragraph("The request failed (", text(r.error ?? "?"), "); nothing to grade."));
      continue;
    }
    out.push(criteriaTable(r));
    if (r.humanNote) out.push(paragraph("Reviewer: ", text(r.humanNote, 400)));
  }
  out.push("Full prompts, reasoning and answers are in records.jsonl; `shakedown review DIR` writes one review sheet per task with everything side by side, passing ones included.");
  return out.join("\n\n");
}
