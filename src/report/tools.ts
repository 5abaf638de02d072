/** The tools scenario's section of the Markdown report. */
import type { ToolCheck } from "../grading/tools/types.js";
import type { ToolCaseRun, ToolsDetail } from "../scenarios/tools/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { cell, fmtMs, fmtNum, fmtPct, table } from "./format.js";

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

export function renderToolsSection(res: ScenarioResult<ToolsDetail>): string {
  const d = res.detail;
  const out: string[] = [];
  out.push("### Cases");
  out.push(
    table(
      ["Case", "Category", "Lang", "Steps", "Time to first tool call", "TTFT (step 1)", "Checks", "Result"],
      d.runs.map((r) => [
        `\`${r.caseId}\`${r.repetition > 1 ? ` #${r.repetition}` : ""}${d.levels.length > 1 ? ` (c${r.concurrency})` : ""}`,
        r.category,
        r.language,
        String(r.steps.length),
        fmtMs(r.timeToFirstToolCallMs),
        fmtMs(r.steps[0]?.ttftMs),
        r.error ? `failed: ${cell(r.error, 80)}` : checksCell(r),
        r.pass ? "✅ pass" : "❌ fail",
      ]),
    ),
  );
  out.push("### By category");
  out.push(
    table(
      ["Category", "Runs", "Call accuracy", "All checks pass"],
      d.byCategory.map((c) => [c.category, String(c.runs), fmtPct(c.callAccuracy), fmtPct(c.passRate)]),
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
      out.push(`#### \`${r.caseId}\`${r.repetition > 1 ? ` #${r.repetition}` : ""}: ${cell(r.title, 120)}`);
      if (r.error) {
        out.push(`The request failed: ${cell(r.error)}.`);
        continue;
      }
      out.push(
        table(
          ["Check", "Result", "Why", "Evidence"],
          r.checks
            .filter((c) => !c.pass)
            .map((c) => [CHECK_LABEL[c.check], "❌", cell(c.reason, 300), c.evidence.length ? c.evidence.slice(0, 3).map((e) => `\`${cell(e, 120)}\``).join("<br>") : "—"]),
        ),
      );
      const calls = r.steps.map((s) => `step ${s.step}: ${s.calls.length ? s.calls.map((c) => `${c.name}(${c.arguments})`).join(", ") : `answer “${s.content}”`}`);
      out.push(`What the model did: ${cell(calls.join(" → "), 600)}`);
    }
  }
  out.push(
    `Steps per case: ${fmtNum(res.metrics["steps.mean"]?.value)} on average. The full exchanges, tool results included, are in records.jsonl. How each check works: docs/tool-checks.md.`,
  );
  return out.join("\n\n");
}
