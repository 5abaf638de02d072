/**
 * GridAnalysis: the comparison of a grid's cells (grid-results.json), as analyze.ts computes it
 * and report.ts, the consolidated report and the CLI read it. Plain JSON: every field is a
 * string, number, boolean, array or object; nothing is a Map or a Date. docs/grid.md (the
 * comparison's section) says how each part is computed.
 */
import type { ChangeWord, Direction, Interval } from "../metrics/compare.js";
import type { MetricValue } from "../scenarios/types.js";
import type { ParamValue, ServerKind, VisitStatus } from "./types.js";

export const GRID_ANALYSIS_SCHEMA_VERSION = 1;

/**
 * Where a figure's values come from, and so how two cells are compared:
 * - requests: per-request values (TTFT, E2E…) of every done visit, keyed `r<repeat>:<record id>`;
 *   a percentile or mean of them; Wilcoxon signed-rank when the cells' requests pair, Mann-Whitney otherwise;
 * - per-task: a reasoning task run's final score, keyed the same way; its mean, tested as requests are;
 * - proportion: a rate counted over case runs (successes / n of each visit, pooled); two-proportion z test;
 * - estimate: a figure that comes with its own interval in each visit (a conversation's degradation);
 *   the visits' estimates averaged, compared from their intervals (normal approximation);
 * - run: one value per visit (a load test's throughput); the R values of each cell, Mann-Whitney.
 */
export type GridFigureSource = "requests" | "per-task" | "proportion" | "estimate" | "run";

/** One figure the grid compares: a headline figure of one scenario of the suite. */
export interface GridFigure {
  /** Unique in the analysis: "<scenario>/<figure>", e.g. "conversation/ttft.continued.p50". */
  key: string;
  scenario: string;
  /** The scenario's kind (conversation, cache, reasoning, tools, load, soak). */
  kind: string;
  /** The figure as docs/diff.md names it, statistic included: "ttft.continued.p50", "degradation.ttft", "call_accuracy", "throughput". */
  figure: string;
  /** How reports name it: "p50 TTFT of continued turns". */
  label: string;
  unit: MetricValue["unit"];
  /** Which way is better. */
  direction: Direction;
  /** A duration where lower is better (words faster / slower). */
  timing: boolean;
  source: GridFigureSource;
  /** Changes are read in points (a fraction, a ratio: a rate, a score, a degradation) rather than in %. */
  points: boolean;
}

/** A figure's value in one repeat of a cell. */
export interface RepeatValue {
  repeat: number;
  value?: number;
  /** Values it rests on (requests, task runs, case runs; 1 for a run-level figure). */
  n: number;
}

/** A figure of one cell: its value over every done visit pooled, with its interval. */
export interface CellFigure {
  /** GridFigure.key */
  figure: string;
  value?: number;
  /** The (1 − alpha) interval of the value (bootstrap, Wilson, or the visits' own intervals). */
  ci?: Interval;
  /** Values it rests on, over every repeat. */
  n: number;
  perRepeat: RepeatValue[];
  /**
   * The largest difference between two repeats of this cell (the same configuration twice:
   * what separates them is noise and the machine's drift): max / min − 1, or max − min in
   * points (GridFigure.points). Absent with fewer than two repeats.
   */
  repeatSpread?: number;
  /** Why there is no value, or how the interval was made. */
  note?: string;
}

export interface GridCellVisit {
  repeat: number;
  status: VisitStatus;
  startedAt?: string;
  endedAt?: string;
  /** The visit's run folder, relative to the grid folder. */
  runDir?: string;
  /** The run's results status (pass, fail…). */
  runStatus?: string;
  /** Why the visit failed or stopped; why its run folder could not be used. */
  reason?: string;
  /** Server start to healthy, ms. */
  startupMs?: number;
  cacheReset?: string;
  /** The visit's data is in the figures (done and its run folder readable). */
  used: boolean;
}

export interface GridCellAnalysis {
  id: string;
  index: number;
  label: string;
  params: Record<string, ParamValue>;
  /** measured: at least one done visit whose run folder could be read; failed: none (no figures). */
  status: "measured" | "failed";
  /** Every visit of the cell, in repeat order (a planned visit that never ran is listed as "interrupted" with its reason). */
  visits: GridCellVisit[];
  /** Repeats whose data is used. */
  repeats: number[];
  /** failed: why, from the visits' reasons ("server exited with code 1 …"). */
  failure?: string;
  figures: CellFigure[];
  notes: string[];
}

/** Why a pair is "no difference beyond noise" (the first condition that failed). */
export type NoDifferenceReason =
  /** (a) the test is not significant at alpha after Holm's adjustment, or the interval holds 0. */
  | { code: "not_significant"; pAdjusted?: number; alpha: number; intervalHoldsZero: boolean }
  /** (b) the change does not go the same way in every repeat both cells have. */
  | { code: "inconsistent_repeats"; repeats: number; against: number }
  /** (c) the interval reaches within the noise floor (largest difference between two repeats of one cell). */
  | { code: "within_noise"; floor: number; points: boolean }
  /**
   * A run-level figure with fewer than 3 values in a cell; or so few that no p-value could
   * reach alpha: minP is the smallest p the test can give (after Holm's adjustment over
   * `pairs` pairs when there are several).
   */
  | { code: "too_few_repeats"; values: number; minP?: number; pairs?: number }
  /** No test: a figure missing in a cell, fewer than 2 values. */
  | { code: "not_tested"; why: string };

/** Cell B against cell A on one figure (a change is always B vs A, as in `shakedown diff`). */
export interface GridPair {
  /** GridFigure.key */
  figure: string;
  a: string;
  b: string;
  /** Repeats compared: those both cells have. */
  repeats: number[];
  test: "wilcoxon" | "mann-whitney" | "two proportions" | "intervals" | "none";
  /** Requests compared request by request (same record ids in both cells, repeat by repeat). */
  paired: boolean;
  /** How the values were set side by side, in a few words. */
  pairing: string;
  n: { a: number; b: number; pairs?: number };
  valueA?: number;
  valueB?: number;
  /** valueB − valueA, in the figure's unit. */
  change?: number;
  /** valueB / valueA − 1. */
  relative?: number;
  ci?: Interval;
  relativeCi?: Interval;
  pValue?: number;
  /** Holm-adjusted over the pairs of this figure. */
  pAdjusted?: number;
  /** The change repeat by repeat (each repeat's own statistic in each cell). */
  perRepeat: { repeat: number; a?: number; b?: number; change?: number }[];
  /** Every repeat's change goes the way of the pooled change (undefined with no change to follow). */
  sameWayEveryRepeat?: boolean;
  /** The larger repeatSpread of the two cells (relative, or in points); absent with one repeat. */
  noiseFloor?: number;
  /** (a): significant at alpha after Holm, and the interval excludes 0 the same way. */
  significant: boolean;
  /** (a), (b) and (c) hold: reported as a difference. */
  beyondNoise: boolean;
  /** faster / slower / better / worse / higher / lower (B vs A) when beyond noise; else "no difference beyond noise" or "not tested". */
  word: ChangeWord;
  /** The better cell's id, when beyond noise and the figure has a better side. */
  better?: string;
  reason?: NoDifferenceReason;
  notes: string[];
  /** The finding as one English sentence (cell labels in double quotes). */
  sentence: string;
}

export interface ParetoPoint {
  cell: string;
  /** The latency objective's value (lower is better). */
  latency?: number;
  /** The throughput objective's value (higher is better). */
  throughput?: number;
  /** Mean of the quality figures the cell has (higher is better). */
  quality?: number;
  front: boolean;
  /** Cells that dominate this one. */
  dominatedBy: string[];
}

export interface GridPareto {
  /** The latency objective: the suite's first latency figure. */
  latency?: { figure: string; label: string };
  /** The throughput objective: a load scenario's run-level throughput, else a p50 of per-request output tok/s. */
  throughput?: { figure: string; label: string };
  /** The quality objectives: every score and tool-call accuracy the suite measures (each judged on its own). */
  quality: { figures: string[]; label: string } | undefined;
  points: ParetoPoint[];
  /** Cells no other cell dominates. */
  front: string[];
  notes: string[];
}

export type GridUseCase = "agents" | "reasoning" | "tools" | "load";

export interface GridRecommendation {
  useCase: GridUseCase;
  /**
   * winner: one cell beats the others beyond noise on the deciding figure; tie: the best
   * cell does not beat every other beyond noise (cells: the best and those it does not beat;
   * a single cell when only one measured the figure: nothing to compare it with);
   * not_measured: the suite has no scenario for the use case; no_data: no cell measured it.
   */
  status: "winner" | "tie" | "not_measured" | "no_data";
  /** winner: [the cell]; tie: the tied cells, best value first. */
  cells: string[];
  scenario?: string;
  /** The deciding figure (GridFigure.key). */
  figure?: string;
  /** The cell the winner is set against (the runner-up), or the second of a tie. */
  against?: string;
  /** Cells left out before ranking: a quality figure worse beyond noise than the best (reasoning), by cell id. */
  excluded?: string[];
  /** The quality figure that left cells out (GridFigure.key). */
  qualityFigure?: string;
  /**
   * A second figure read beside the deciding one (agent conversations: the TTFT degradation):
   * winner: how the winner fares against `against` on it (better / worse beyond noise, or tie),
   * with both values; tie: the tied cell better beyond noise than every other tied one, if any.
   */
  secondary?: { figure: string; outcome: "better" | "worse" | "tie"; cell: string; value?: number; other?: string; otherValue?: number };
  /** The recommendation as one English sentence, with its reason. */
  sentence: string;
}

export interface GridChampion {
  /** The cell that dominates every other measured cell; absent when none does. */
  cell?: string;
  /** Why there is none: no objective to rank on, no measured cell, a single one, or no cell dominating every other (the front: pareto.front). */
  why?: "no_objective" | "no_cells" | "single_cell" | "no_dominant";
  /** "X dominates every other cell: …" or "no champion: …". */
  sentence: string;
}

export interface GridAnalysis {
  schemaVersion: typeof GRID_ANALYSIS_SCHEMA_VERSION;
  /** The grid folder, absolute. */
  dir: string;
  name: string;
  createdAt: string;
  /** When this analysis was made. */
  analysedAt: string;
  /** shakedown's version that ran the grid, and the one that analysed it. */
  shakedownVersion: string;
  analysedWith: string;
  suite: { name: string; scenarios: { name: string; kind: string }[] };
  server: { kind: ServerKind; url: string; command?: string };
  /** The matrix's parameter names, in order. */
  params: string[];
  /** Repeats planned per cell. */
  repeats: number;
  /** The interleaved order of visits as planned. */
  order: { cell: string; repeat: number }[];
  alpha: number;
  confidence: number;
  /** Bootstrap seed and resamples: the same folder and seed give the same numbers. */
  seed: number;
  iterations: number;
  cells: GridCellAnalysis[];
  /** The figures compared, in the suite's scenario order. */
  figures: GridFigure[];
  /** Every pair of measured cells on every figure (a before b in the grid's order). */
  pairs: GridPair[];
  pareto: GridPareto;
  recommendations: GridRecommendation[];
  champion: GridChampion;
  /** Method sentences, failed cells, caveats, folders that could not be read. */
  notes: string[];
}
