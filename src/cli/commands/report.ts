/** `shakedown report DIR`: re-analyse a run folder offline and re-render its results and report. */
import { join } from "node:path";
import { buildResults } from "../../run/analyze.js";
import { renderMarkdownReport } from "../../report/markdown.js";
import { writeFileAtomic, writeJsonAtomic } from "../../store/files.js";
import { loadRunFolder, RUN_FILES } from "../../store/run-folder.js";
import { exitCodeFor, printSummary } from "../summary.js";
import { loadOverrides } from "../../review/overrides.js";

export async function reportCommand(dirArg: string, flags: { json?: boolean }): Promise<number> {
  const run = loadRunFolder(dirArg);
  const prev = run.previous;
  const results = buildResults(run.manifest, run.records, {
    // A run that never wrote results.json died before its end: it is incomplete.
    complete: prev?.complete ?? false,
    interruption: prev ? prev.interruption : "the run ended before writing results.json (crash or kill)",
    ...(prev?.endedAt !== undefined ? { endedAt: prev.endedAt } : {}),
    ...(prev?.durationMs !== undefined ? { durationMs: prev.durationMs } : {}),
    tornTail: run.tornTail,
  }, run.server, loadOverrides(run.dir), run.attachments);
  writeJsonAtomic(join(run.dir, RUN_FILES.results), results);
  writeFileAtomic(join(run.dir, RUN_FILES.report), renderMarkdownReport(results));
  printSummary(results, run.dir, flags.json ? process.stderr : process.stdout);
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  return exitCodeFor(results);
}
