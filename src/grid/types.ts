/**
 * The files of a grid folder (docs/grid.md), written by the grid runner (runner.ts) and read by
 * the comparison (analyze.ts) and the reports:
 *
 *   <out>/<UTC timestamp>-grid-<name>/
 *     grid.json             GridManifest: the plan (cells, repeats, interleaved order, suite)
 *     visits.jsonl          one GridVisit per cell visit, appended as each ends
 *     cells/<cell id>/
 *       server-r<repeat>.log   the server's output for that visit (command and compose servers)
 *       server.json            the effective configuration read from the server (first start)
 *       runs/<run folder>/     the suite's run for each visit (a normal run folder)
 *     grid-results.json     GridAnalysis (the comparison), report.md, report.html
 */
import type { Suite } from "../config/schema.js";

export const GRID_FILES = {
  manifest: "grid.json",
  visits: "visits.jsonl",
  cells: "cells",
  results: "grid-results.json",
  report: "report.md",
  html: "report.html",
  serverConfig: "server.json",
} as const;

export const GRID_SCHEMA_VERSION = 1;

/** A parameter's value as the matrix gives it. */
export type ParamValue = string | number | boolean;

export interface GridCell {
  /** Folder-safe and unique: "prefix_caching-on_max_num_seqs-64" (a cell of an empty matrix: "default"). */
  id: string;
  /** Position in the matrix's expansion, from 0. */
  index: number;
  /** The cell's parameters, in the matrix's order. */
  params: Record<string, ParamValue>;
  /** How reports name it: "prefix_caching=on, max_num_seqs=64". */
  label: string;
}

/** How a cell's server is provided. */
export type ServerKind = "command" | "compose" | "endpoint";

export interface GridManifest {
  schemaVersion: typeof GRID_SCHEMA_VERSION;
  /** The grid file's name (or the name it gives). */
  name: string;
  /** The grid file's path as given, and its text (so a resumed grid runs what was planned). */
  file?: string;
  createdAt: string;
  shakedownVersion: string;
  /** The matrix's parameter names, in order. */
  params: string[];
  cells: GridCell[];
  repeats: number;
  /** The interleaved order of visits: every cell once per round, round after round. */
  order: { cell: string; repeat: number }[];
  /** The suite run in every cell (target filled per cell). */
  suite: Suite;
  server: {
    kind: ServerKind;
    /** The templates as written (no secrets expected; env values are not kept). */
    command?: string;
    url: string;
    health?: string;
    startupTimeoutS: number;
    stopGraceS: number;
    resetPrefixCache: boolean;
  };
  /** Significance level of the comparisons (default 0.05). */
  alpha: number;
}

export type VisitStatus = "done" | "failed" | "interrupted";

export interface GridVisit {
  cell: string;
  repeat: number;
  status: VisitStatus;
  startedAt: string;
  endedAt: string;
  /** The visit's run folder, relative to the grid folder (done, and interrupted when the run had started). */
  runDir?: string;
  /** The run's results status (pass, fail, …) when it ran. */
  runStatus?: string;
  /** Why the cell failed or stopped: "server exited with code 1 before it was healthy (CUDA out of memory in its log)". */
  reason?: string;
  /** Server start: time from spawn to a healthy answer (ms); absent for endpoints. */
  startupMs?: number;
  /** The server's log for this visit, relative to the grid folder. */
  log?: string;
  /** The prefix cache reset before the run: "reset", "not supported", or the error. */
  cacheReset?: string;
}
