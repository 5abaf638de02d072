/** The tools scenario's section of the Markdown report. */
import type { ToolCheck } from "../grading/tools/types.js";
import type { ToolCaseRun, ToolsDetail } from "../scenarios/tools/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct, fmtTtft } from "./format.js";
import { BR, code, heading, paragraph, table, text, type Inline } from "./md.js";

const CHECK_LABEL: Record<ToolCheck["check"], string> = {
  structured_calls: "structured",
  json_valid: "JSON",
  schema_valid: "schema",
  call_match: "calls",
  no_call: "no call",
  final_answer: "answer",
  stream_consistency: "stream = non-stream",
};

function checksCell(r: ToolCaseRun): string {
  return r.checks.map((c) => `${c.pass ? "✅" : "❌"} ${CHECK_LABEL[c.check]}`).join(" · ");
}

function caseLabel(r: ToolCaseRun): Inline {
  return [code(r.caseId), r.repetition > 1 && ` #${r.repetition}`];
}

/** A failed check's evidence: up to three code spans, one a line. */
function evidenceCell(evidence: readonly string[]): Inline {
  if (evidence.length === 0) return "—";
  return evidence.slice(0, 3).map((e, i) => [i > 0 && BR, code(e, 120)]);
}

export function renderToolsSection(res: ScenarioResult<ToolsDetail>): string {
  const d = res.detail;
  const out: string[] = [];
  out.push("### Cases");
  out.push(
    table(
      ["Case", "Category", "Lang", "Steps", "Time to first tool call", "TTFT (step 1)", "Checks", "Result"],
      d.runs.map((r) => [
        [caseLabel(r), d.levels.length > 1 && ` (c${r.concurrency})`],
        text(r.category),
        text(r.language),
        String(r.steps.length),
        fmtTtft(r.timeToFirstToolCallMs, r.steps[0]?.streamed),
        fmtTtft(r.steps[0]?.ttftMs, r.steps[0]?.streamed),
        r.error ? ["failed: ", text(r.error, 80)] : checksCell(r),
        r.pass ? "✅ pass" : "❌ fail",
      ]),
    ),
  );
  out.push("### By category");
  out.push(
    table(
      ["Category", "Runs", "Call accuracy", "All checks pass"],
      d.byCategory.map((c) => [text(c.category), String(c.runs), fmtPct(c.callAccuracy), fmtPct(c.passRate)]),
    ),
  );
  if (d.levels.length > 1) {
    out.push("### As concurrency rises");
    out.push(
      table(
        ["Cases at once", "Runs", "Call accuracy", "Parser failures", "Stream ≠ non-stream", "TTFT p50"],
        d.levels.map((l) => [String(l.concurrency), String(l.runs), fmtPct(l.callAccuracy), fmtPct(l.parserFailureRate), fmtPct(l.streamMismatchRate), fmtMs(l.ttftP50)]),
      ),
    );
  }
  const failing = d.runs.filter((r) => !r.pass);
  if (failing.length > 0) {
    out.push("### Why the failing cases failed");
    for (const r of failing) {
      out.push(heading(4, caseLabel(r), ": ", text(r.title, 120)));
      if (r.error) {
        out.push(paragraph("The request failed: ", text(r.error), "."));
        continue;
      }
      out.push(
        table(
          ["Check", "Result", "Why", "Evidence"],
          r.checks
            .filter((c) => !c.pass)
            .map((c) => [CHECK_LABEL[c.check], "❌", text(c.reason, 300), evidenceCell(c.evidence)]),
        ),
      );
      const calls = r.steps.map((s) => `step ${s.step}: ${s.calls.length ? s.calls.map((c) => `${c.name}(${c.arguments})`).join(", ") : `answer “${s.content}”`}`);
      out.push(paragraph("What the model did: ", text(calls.join(" → "), 600)));
    }
  }
  out.push(
    `Steps per case: ${fmtNum(res.metrics["steps.mean"]?.value)} on average. The full exchanges, tool results included, are in records.jsonl. How each check works: docs/tool-checks.md.`,
  );
  return out.join("\n\n");
}
