/** The short summary printed at the end of a run, and the exit code it implies. */
import { STATUS_ICON } from "../report/format.js";
import { fmtMetric } from "../report/format.js";
import type { RunResults } from "../store/run-folder.js";
import { join, relative } from "node:path";
import { RUN_FILES } from "../store/run-folder.js";

export { exitCodeFor } from "../run/executor.js";

export function printSummary(r: RunResults, dir: string, out: NodeJS.WritableStream): void {
  const lines: string[] = [];
  const where = r.target.simulated ? `shakedown simulator (profile ${r.target.simProfile ?? "?"}; not a model)` : `${r.target.url} (${r.target.model})`;
  lines.push("");
  lines.push(`shakedown ${r.suite.name} against ${where}: ${STATUS_ICON[r.status].toUpperCase()}${r.interruption ? ` (${r.interruption})` : ""}`);
  for (const sc of r.scenarios) {
    const stopped = sc.requests.stopped ? `; ${sc.requests.stopped} cut by the stop, not counted` : "";
    lines.push(`  ${sc.name}: ${STATUS_ICON[sc.status]} — ${sc.requests.ok}/${sc.requests.total} requests ok${stopped}`);
    if (sc.headline) lines.push(`    ${sc.headline}`);
    for (const v of sc.verdicts) {
      const unit = sc.metrics[v.metric]?.unit ?? "ms";
      const limitUnit = unit === "ratio" ? "fraction" : unit;
      lines.push(`    ${STATUS_ICON[v.status].padEnd(16)} ${v.metric} = ${fmtMetric(v.value, unit)} (threshold ${v.op} ${fmtMetric(v.limit, limitUnit)}, n=${v.n ?? 0})${v.reason ? `: ${v.reason}` : ""}`);
    }
  }
  const rel = relative(process.cwd(), dir) || ".";
  lines.push(`  report: ${join(rel, RUN_FILES.html)} (charts; opens offline), ${join(rel, RUN_FILES.report)}`);
  lines.push(`  data:   ${join(rel, RUN_FILES.records)}, ${join(rel, RUN_FILES.results)}`);
  out.write(lines.join("\n") + "\n");
}
