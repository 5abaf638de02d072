/**
 * `shakedown grid` as a function: plan a grid file (or resume a grid folder), run its visits,
 * compare the cells and write the grid's reports. The CLI and the library API (runGrid) both
 * go through it.
 */
import { analyzeGrid, type GridAnalysis } from "./analyze.js";
import { loadGridFile } from "./plan.js";
import { writeGridReports } from "./report.js";
import { resumeGrid, startGrid, type GridRunOptions } from "./runner.js";
import type { GridManifest, GridVisit } from "./types.js";

export interface RunGridOptions extends Omit<GridRunOptions, "onPlanned"> {
  /** Parent folder of the grid folder (default: the file's output.dir, else "runs"). */
  outDir?: string;
  /** A grid folder to finish instead of starting a new grid (the file may then be omitted). */
  resume?: string;
  /** Called once the grid is planned and checked, before its first server starts. */
  onPlanned?: (manifest: Omit<GridManifest, "createdAt">) => void;
}

export interface GridResult {
  /** The grid folder, absolute. */
  dir: string;
  manifest: GridManifest;
  /** The last visit of every (cell, repeat) that ran. */
  visits: GridVisit[];
  /** Stopped (the signal) before its last visit: `resume` finishes it. */
  interrupted: boolean;
  analysis: GridAnalysis;
  /** Parts of the reports that could not be rendered (a chart). */
  warnings: string[];
}

/**
 * Runs a grid file (docs/grid.md), or finishes the grid folder `opts.resume`. Rejects with a
 * ConfigError (nothing started, nothing written) for a grid that cannot run; a cell that fails
 * is a visit with status "failed" and the grid goes on.
 */
export async function runGrid(file: string | undefined, opts: RunGridOptions = {}): Promise<GridResult> {
  const { onPlanned, resume, outDir, ...runOpts } = opts;
  let outcome;
  if (resume !== undefined) {
    outcome = await resumeGrid(resume, file, runOpts);
  } else {
    if (file === undefined) throw new TypeError("runGrid: give a grid file, or opts.resume");
    const plan = loadGridFile(file, outDir !== undefined ? { outDir } : {});
    outcome = await startGrid(plan, plan.outDir, { ...runOpts, onPlanned: () => onPlanned?.(plan.manifest) });
  }
  const analysis = await analyzeGrid(outcome.dir, { alpha: outcome.manifest.alpha });
  const warnings = await writeGridReports(outcome.dir, analysis);
  return { ...outcome, analysis, warnings };
}
