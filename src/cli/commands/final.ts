/**
 * `shakedown report A B C --final [--lang fr|en] [--out DIR]`: the consolidated report of
 * several run folders (final-report.md and final-report.html, docs/final-report.md).
 *
 * Exit code: the overall verdict, as `shakedown report DIR` gives a run's, so CI can gate on
 * it: 0 every run passed, 1 a run failed (or measured nothing), 4 a run did not finish (none
 * failed), 5 a verdict was inconclusive (none failed, all finished). The report is written
 * whatever the verdict. 2: a folder is not a run folder, or the flags are wrong (nothing is
 * written); 74: the report could not be written.
 */
import { relative } from "node:path";
import { printable } from "../../config/file-check.js";
import { ConfigError } from "../../errors.js";
import type { FinalLang } from "../../report/final/format.js";
import { STATUS_ICON } from "../../report/format.js";
import { TOOL_VERSION } from "../../version.js";

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
 * (report.ts); --final joins one or more; several folders without --final is a usage error.
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
  return (await import("./report.js")).reportCommand(dirs[0]!, { ...(flags.json ? { json: true } : {}) });
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
  const lines = [
    "",
    `shakedown consolidated report of ${written.runs.length} run${written.runs.length === 1 ? "" : "s"}: ${STATUS_ICON[r.status].toUpperCase()}`,
    ...written.runs.map((run) => `  ${printable(run.label)}: ${STATUS_ICON[run.results.status]}`),
    ...(r.notMeasured.length ? [`  not measured: ${r.notMeasured.map((u) => messages(new Fmt("en")).useCase[u].toLowerCase()).join(", ")}`] : []),
    `  report: ${printable(rel(written.htmlPath))}`,
    `          ${printable(rel(written.markdownPath))}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  return r.exitCode;
}
