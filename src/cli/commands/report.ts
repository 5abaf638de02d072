/** `shakedown report DIR`: re-analyse a run folder offline and re-render its results and reports (report.md, report.html). */
import { join } from "node:path";
import { buildResults } from "../../run/analyze.js";
import { renderMarkdownReport } from "../../report/markdown.js";
import { writeHtmlReport } from "../../report/html/write.js";
import { StorageError } from "../../errors.js";
import { describeSkippedLines, writeFileAtomic, writeJsonAtomic } from "../../store/files.js";
import { loadRunFolder, RUN_FILES, SKIPPED_KEPT } from "../../store/run-folder.js";
import { exitCodeFor, printSummary } from "../summary.js";
import { loadOverrides } from "../../review/overrides.js";

/**
 * Refuses (RunFolderError, exit 2, files untouched) when records.jsonl is missing or holds
 * no record while results.json / report.md exist: re-rendering would replace real results
 * with an empty report. Otherwise re-renders from every readable record and names on stderr
 * each line it skipped (torn last line, corrupt line) and each side file it could not read.
 */
export async function reportCommand(dirArg: string, flags: { json?: boolean }): Promise<number> {
  const run = loadRunFolder(dirArg);
  for (const line of [...describeSkippedLines(RUN_FILES.records, run.skippedLines), ...run.notes]) {
    process.stderr.write(`shakedown: ${line}\n`);
  }
  const prev = run.previous;
  const results = buildResults(run.manifest, run.records, {
    // A run that never wrote results.json died before its end: it is incomplete.
    complete: prev?.complete ?? false,
    ...(prev?.finishedScenarios ? { finishedScenarios: prev.finishedScenarios } : {}),
    interruption: prev
      ? prev.interruption
      : run.previousUnreadable !== undefined
        ? `results.json was unreadable (${run.previousUnreadable}): whether the run finished is unknown`
        : "the run ended before writing results.json (crash or kill)",
    ...(prev?.endedAt !== undefined ? { endedAt: prev.endedAt } : {}),
    ...(prev?.durationMs !== undefined ? { durationMs: prev.durationMs } : {}),
    tornTail: run.tornTail,
  }, { server: run.server, gpu: run.gpu, reviews: loadOverrides(run.dir), attachments: run.attachments });
  if (run.skippedLines.length > 0) {
    results.records = { ...results.records, skippedLines: run.skippedLines.length, skipped: run.skippedLines.slice(0, SKIPPED_KEPT) };
  }
  writeJsonAtomic(join(run.dir, RUN_FILES.results), results);
  writeFileAtomic(join(run.dir, RUN_FILES.report), renderMarkdownReport(results));
  // report.html from the same folder: a rendering failure is a warning; a failed write fails
  // the command as a failed write of report.md would (exit 74), after the summary.
  const html = await writeHtmlReport(run.dir, { results, records: run.records, server: run.server, gpu: run.gpu }, (path, text) => writeFileAtomic(path, text));
  if (typeof html === "string") process.stderr.write(`shakedown: warning: ${html}\n`);
  printSummary(results, run.dir, flags.json ? process.stderr : process.stdout);
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  if (html instanceof StorageError) throw html;
  return exitCodeFor(results);
}
