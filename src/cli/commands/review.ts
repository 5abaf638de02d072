/** `shakedown review DIR`: review sheets and an overrides file for the reasoning tasks of a run. */
import { existsSync, mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { buildResults } from "../../run/analyze.js";
import { RunFolderError, EXIT } from "../../errors.js";
import { loadOverrides, overridesPath, REVIEW_DIR } from "../../review/overrides.js";
import { overridesTemplate, renderReviewSheet, sheetFileName } from "../../review/sheets.js";
import type { ReasoningDetail } from "../../scenarios/reasoning/analyze.js";
import { writeFileAtomic } from "../../store/files.js";
import { loadRunFolder } from "../../store/run-folder.js";

export async function reviewCommand(dirArg: string, flags: { print?: boolean; task?: string }): Promise<number> {
  const run = loadRunFolder(dirArg);
  const overrides = loadOverrides(run.dir);
  const results = buildResults(
    run.manifest,
    run.records,
    { complete: run.previous?.complete ?? false, tornTail: run.tornTail },
    { server: run.server, gpu: run.gpu, reviews: overrides, attachments: run.attachments },
  );
  const reasoning = results.scenarios.filter((s) => s.kind === "reasoning");
  const runs = reasoning.flatMap((s) => (s.detail as ReasoningDetail).runs).filter((r) => !flags.task || r.taskId === flags.task);
  if (runs.length === 0) {
    throw new RunFolderError(
      `${dirArg}: ${flags.task ? `no reasoning task "${flags.task}" in this run` : "this run has no reasoning tasks to review (run a suite with a reasoning scenario)"}.`,
    );
  }
  const byId = new Map(run.records.map((r) => [r.id, r]));
  const dir = join(run.dir, REVIEW_DIR);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const r of runs) {
    const sheet = renderReviewSheet(r, byId.get(r.recordId)!);
    if (flags.print) process.stdout.write(sheet + "\n---\n\n");
    const path = join(dir, sheetFileName(r.recordId));
    writeFileAtomic(path, sheet);
    written.push(path);
  }
  const ovPath = overridesPath(run.dir);
  const existed = existsSync(ovPath);
  // Rewritten with every run and criterion, keeping what the reviewer already entered.
  writeFileAtomic(ovPath, overridesTemplate(runs, overrides));
  const out = flags.print ? process.stderr : process.stdout;
  const rel = (p: string) => relative(process.cwd(), p) || p;
  out.write(
    `${written.length} review sheet(s) in ${rel(dir)}/\n` +
      `${existed ? "updated" : "wrote"} ${rel(ovPath)}: set human verdicts there, then run: shakedown report ${rel(run.dir)}\n`,
  );
  return EXIT.ok;
}
