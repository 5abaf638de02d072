/**
 * Dominance between cells, pure: cell X dominates Y when X is better beyond noise on at least
 * one objective and worse beyond noise on none. "Beyond noise" is decided elsewhere (the
 * pairwise comparisons, analyze.ts); here an objective only answers better, worse or tie for
 * two cells. An objective that cannot tell two cells apart (a figure one of them lacks) is a tie.
 *
 * The Pareto front is the cells nobody dominates; a champion is a cell that dominates every
 * other cell. Dominance beyond noise is not transitive in general (A beats B by a margin, B
 * beats C, A and C tie), so the front is computed from every pair, never from a sort.
 */

/** How cell x fares against cell y on one objective. */
export type Outcome = "better" | "worse" | "tie";

export interface DominanceInput {
  cells: readonly string[];
  objectives: readonly string[];
  /** x against y on an objective, beyond noise; undefined when it cannot be told (counted as a tie). */
  outcome(objective: string, x: string, y: string): Outcome | undefined;
}

/** X better beyond noise on at least one objective and worse on none. */
export function dominates(input: DominanceInput, x: string, y: string): boolean {
  if (x === y) return false;
  let better = false;
  for (const o of input.objectives) {
    const r = input.outcome(o, x, y);
    if (r === "worse") return false;
    if (r === "better") better = true;
  }
  return better;
}

export interface ParetoFront {
  /** Cells no other cell dominates, in the input's order. */
  front: string[];
  /** For every cell, the cells that dominate it (empty on the front). */
  dominatedBy: Record<string, string[]>;
}

export function paretoFront(input: DominanceInput): ParetoFront {
  const dominatedBy: Record<string, string[]> = {};
  for (const y of input.cells) dominatedBy[y] = input.cells.filter((x) => dominates(input, x, y));
  return { front: input.cells.filter((c) => (dominatedBy[c] ?? []).length === 0), dominatedBy };
}

export type ChampionResult =
  | { cell: string }
  /** fewer than two cells to compare */
  | { cell?: undefined; why: "single_cell" | "no_cells" }
  /** no cell dominates every other: the front, and for each cell of it the cells it does not dominate */
  | { cell?: undefined; why: "no_dominant"; front: string[]; notDominated: Record<string, string[]> };

/** The cell that dominates every other cell, or why there is none. */
export function findChampion(input: DominanceInput): ChampionResult {
  if (input.cells.length === 0) return { why: "no_cells" };
  if (input.cells.length === 1) return { why: "single_cell" };
  const notDominated: Record<string, string[]> = {};
  for (const x of input.cells) {
    const missed = input.cells.filter((y) => y !== x && !dominates(input, x, y));
    if (missed.length === 0) return { cell: x };
    notDominated[x] = missed;
  }
  const { front } = paretoFront(input);
  return { why: "no_dominant", front, notDominated: Object.fromEntries(front.map((c) => [c, notDominated[c] ?? []])) };
}
