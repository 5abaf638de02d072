/**
 * `shakedown report A B C --final [--lang fr|en] [--out DIR]`: the consolidated report of
 * several run folders (final-report.md and final-report.html, docs/final-report.md).
 *
 * Exit code: the overall verdict, as `shakedown report DIR` gives a run's, so CI can gate on
 * it: 0 every run passed, 1 a run failed (or measured nothing), 4 a run did not finish (none
 * failed), 5 a verdict was inconclusive (none failed, all finished). The report is written
 * whatever the verdict. 2: a folder is not a run folder (nor a grid folder whose grid.json
 * can be read), or the flags are wrong (nothing is written); 74: the report could not be
 * written. A grid folder does not gate: docs/final-report.md.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { printable } from "../../config/file-check.js";
import { ConfigError } from "../../errors.js";
import type { FinalLang } from "../../report/final/format.js";
import { STATUS_ICON } from "../../report/format.js";
import { TOOL_VERSION } from "../../version.js";
import { GRID_FILES } from "../../grid/types.js";

export interface FinalFlags {
  lang?: FinalLang;
  out?: string;
}

/** The `report` command's flags. */
export interface ReportFlags extends FinalFlags {
  json?: boolean;
  final?: boolean;
}

/**
 * `shakedown report DIR...`: one folder without --final is re-analysed and re-rendered
 * (report.ts; a grid folder, one holding grid.json: gridReportCommand); --final joins one or
 * more (grid folders become section 3's Phase 3); several folders without --final is a usage error.
 */
export async function reportEntry(dirs: string[], flags: ReportFlags): Promise<number> {
  if (flags.final) {
    if (flags.json) throw new ConfigError("report --final: --json applies to one run folder's report, not to the consolidated one.");
    return finalCommand(dirs, { ...(flags.lang ? { lang: flags.lang } : {}), ...(flags.out !== undefined ? { out: flags.out } : {}) });
  }
  if (dirs.length > 1) {
    throw new ConfigError(
      `report: ${dirs.length} folders given; several run folders are joined only with --final (shakedown report A B C --final); without it, report re-renders one folder.`,
    );
  }
  if (flags.lang !== undefined || flags.out !== undefined) throw new ConfigError(`report: ${flags.lang !== undefined ? "--lang" : "--out"} applies to --final only.`);
  if (dirs[0] !== undefined && existsSync(join(dirs[0], GRID_FILES.manifest))) return gridReportCommand(dirs[0], { ...(flags.json ? { json: true } : {}) });
  return (await import("./report.js")).reportCommand(dirs[0]!, { ...(flags.json ? { json: true } : {}) });
}

/**
 * `shakedown report GRIDDIR`: re-analyses a grid folder (one that holds grid.json) and
 * rewrites its grid-results.json, report.md and report.html, printing the summary (with
 * --json: the analysis on stdout, the summary on stderr). Exit 0; a grid folder that cannot
 * be read is a RunFolderError (exit 2), a failed write a StorageError (exit 74).
 */
export async function gridReportCommand(dir: string, flags: { json?: boolean }): Promise<number> {
  const { analyzeGrid } = await import("../../grid/analyze.js");
  const { renderGridText, writeGridReports } = await import("../../grid/report.js");
  const analysis = await analyzeGrid(dir);
  const warnings = await writeGridReports(analysis.dir, analysis);
  for (const w of warnings) process.stderr.write(`shakedown: warning: ${printable(w)}\n`);
  (flags.json ? process.stderr : process.stdout).write(renderGridText(analysis));
  if (flags.json) process.stdout.write(JSON.stringify(analysis, null, 2) + "\n");
  return 0;
}

export async function finalCommand(dirs: string[], flags: FinalFlags): Promise<number> {
  // Loaded when used: the renderer brings the chart library with it.
  const { writeFinalReport, messages, Fmt } = await import("../../report/final/index.js");
  const written = await writeFinalReport(dirs, { lang: flags.lang ?? "en", ...(flags.out !== undefined ? { out: flags.out } : {}), version: TOOL_VERSION });
  for (const run of written.runs) {
    for (const note of run.notes) process.stderr.write(`shakedown: ${printable(run.label)}: ${printable(note)}\n`);
  }
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  const r = written.report;
  const grids = written.grids.length ? ` and ${written.grids.length} grid${written.grids.length === 1 ? "" : "s"}` : "";
  const lines = [
    "",
    `shakedown consolidated report of ${written.runs.length} run${written.runs.length === 1 ? "" : "s"}${grids}: ${STATUS_ICON[r.status].toUpperCase()}`,
    ...written.runs.map((run) => `  ${printable(run.label)}: ${STATUS_ICON[run.results.status]}`),
    ...written.grids.map((g) => {
      const a = g.analysis;
      const measured = a.cells.filter((c) => c.status === "measured").length;
      const champion = a.champion.cell !== undefined ? `champion ${printable(a.cells.find((c) => c.id === a.champion.cell)?.label ?? a.champion.cell)}` : "no champion";
      return `  ${printable(g.label)}: grid of ${a.cells.length} cell${a.cells.length === 1 ? "" : "s"} (${measured} measured), ${champion}`;
    }),
    ...(r.notMeasured.length ? [`  not measured: ${r.notMeasured.map((u) => messages(new Fmt("en")).useCase[u].toLowerCase()).join(", ")}`] : []),
    `  report: ${printable(rel(written.htmlPath))}`,
    `          ${printable(rel(written.markdownPath))}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  return r.exitCode;
}
