/** `shakedown report DIR`: re-analyse a run folder offline and re-render its results and reports (report.md, report.html). */
import { analyseRun } from "../../index.js";
import { exitCodeFor, printSummary } from "../summary.js";

/**
 * Refuses (RunFolderError, exit 2, files untouched) when records.jsonl is missing or holds
 * no record while results.json / report.md exist: re-rendering would replace real results
 * with an empty report. Otherwise re-renders from every readable record and names on stderr
 * each line it skipped (torn last line, corrupt line) and each side file it could not read.
 */
export async function reportCommand(dirArg: string, flags: { json?: boolean }): Promise<number> {
  const { dir, results, notes, warnings, writeError } = await analyseRun(dirArg, { write: true });
  for (const line of notes) process.stderr.write(`shakedown: ${line}\n`);
  for (const w of warnings) process.stderr.write(`shakedown: warning: ${w}\n`);
  printSummary(results, dir, flags.json ? process.stderr : process.stdout);
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  if (writeError) throw writeError;
  return exitCodeFor(results);
}
