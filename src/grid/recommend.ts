/**
 * From the pairwise comparisons to what a reader acts on: the Pareto front over latency,
 * throughput and quality, the champion (a cell that dominates every other), and one
 * recommendation per use case. Every claim rests on a pair that is beyond noise
 * (compare-pairs.ts); where the best cell does not beat the next beyond noise, they tie and
 * both are named. Pure.
 */
import type { ScenarioConfig } from "../config/schema.js";
import type { Inline } from "../report/md.js";
import { pairSentence, plain, reasonText, winnerView, figurePhrase, fmtPct, fmtPoints, fmtPValue, repeatsPhrase, type SentenceCtx } from "./compare-sentences.js";
import type { CellFigure, GridChampion, GridFigure, GridPair, GridPareto, GridRecommendation, GridUseCase, ParetoPoint } from "./compare-types.js";
import { findChampion, paretoFront, type DominanceInput, type Outcome } from "./pareto.js";

export interface RankInput {
  /** Measured cells, in the grid's order. */
  cells: readonly string[];
  figures: readonly GridFigure[];
  pairs: readonly GridPair[];
  /** A cell's figure (undefined when it has none). */
  value(cell: string, figure: string): CellFigure | undefined;
}

/** The pair of two cells on a figure, whichever order it was computed in. */
export function findPair(pairs: readonly GridPair[], figure: string, x: string, y: string): GridPair | undefined {
  return pairs.find((p) => p.figure === figure && ((p.a === x && p.b === y) || (p.a === y && p.b === x)));
}

/** x against y on a figure: better / worse beyond noise, tie, or undefined (no pair). */
export function outcomeOf(pairs: readonly GridPair[], figure: string, x: string, y: string): Outcome | undefined {
  const p = findPair(pairs, figure, x, y);
  if (!p) return undefined;
  if (!p.beyondNoise || p.better === undefined) return "tie";
  return p.better === x ? "better" : "worse";
}

// ─────────────────────────────── Pareto ───────────────────────────────

const LATENCY_FIGURE: Record<string, (sc: ScenarioConfig) => string | undefined> = {
  conversation: () => "ttft.p90",
  load: (sc) => (sc.kind === "load" && sc.mode === "sweep" ? undefined : "ttft.p90"),
  soak: () => "ttft.p90",
  cache: (sc) => (sc.kind === "cache" ? `ttft_hit.${sc.probes[0]}.p50` : undefined),
  reasoning: () => "e2e.p50",
};

/** The objectives' figures: the suite's first latency figure; a load scenario's throughput, else a p50 of output tok/s; every quality figure. */
export function objectives(scenarios: readonly ScenarioConfig[], figures: readonly GridFigure[]): { latency?: GridFigure; throughput?: GridFigure; quality: GridFigure[] } {
  const has = (key: string) => figures.find((f) => f.key === key);
  let latency: GridFigure | undefined;
  for (const sc of scenarios) {
    const name = LATENCY_FIGURE[sc.kind]?.(sc);
    const f = name ? has(`${sc.name}/${name}`) : undefined;
    if (f) {
      latency = f;
      break;
    }
  }
  let throughput: GridFigure | undefined;
  for (const sc of scenarios.filter((s) => s.kind === "load")) {
    throughput = has(`${sc.name}/${sc.kind === "load" && sc.mode === "sweep" ? "max_throughput" : "throughput"}`);
    if (throughput) break;
  }
  if (!throughput) throughput = figures.find((f) => f.figure === "output_tps.p50");
  const quality = figures.filter((f) => f.figure === "score.mean" || f.figure === "call_accuracy");
  return { ...(latency ? { latency } : {}), ...(throughput ? { throughput } : {}), quality };
}

function dominanceInput(cells: readonly string[], pairs: readonly GridPair[], objectiveFigures: readonly string[]): DominanceInput {
  return { cells, objectives: objectiveFigures, outcome: (o, x, y) => outcomeOf(pairs, o, x, y) };
}

/** An objective as the notes name it: its label and its scenario. */
function describeObjective(f: GridFigure | undefined, multi = true): string {
  return f ? figurePhrase(f, multi) : "";
}

export function buildPareto(input: RankInput, scenarios: readonly ScenarioConfig[]): { pareto: GridPareto; objectiveFigures: string[] } {
  const o = objectives(scenarios, input.figures);
  const objectiveFigures = [o.latency?.key, o.throughput?.key, ...o.quality.map((f) => f.key)].filter((k): k is string => k !== undefined);
  const { front, dominatedBy } = paretoFront(dominanceInput(input.cells, input.pairs, objectiveFigures));
  const points: ParetoPoint[] = input.cells.map((cell) => {
    const q = o.quality.map((f) => input.value(cell, f.key)?.value).filter((v): v is number => v !== undefined);
    const lat = o.latency ? input.value(cell, o.latency.key)?.value : undefined;
    const thr = o.throughput ? input.value(cell, o.throughput.key)?.value : undefined;
    return {
      cell,
      ...(lat !== undefined ? { latency: lat } : {}),
      ...(thr !== undefined ? { throughput: thr } : {}),
      ...(q.length ? { quality: q.reduce((s, v) => s + v, 0) / q.length } : {}),
      front: front.includes(cell),
      dominatedBy: dominatedBy[cell] ?? [],
    };
  });
  const notes: string[] = [];
  notes.push(
    o.latency
      ? `Latency (lower is better): ${describeObjective(o.latency, true)}, the suite's first latency figure.`
      : "Latency: not an objective (the suite has no latency figure to rank on).",
  );
  if (o.throughput) {
    notes.push(
      o.throughput.source === "run"
        ? `Throughput (higher is better): ${describeObjective(o.throughput, true)}, the load scenario's own figure (one value per visit).`
        : `Throughput (higher is better): ${describeObjective(o.throughput, true)} (the suite has no load scenario: the decode speed of single requests stands in).`,
    );
  } else notes.push("Throughput: not an objective (no figure of throughput was measured).");
  notes.push(
    o.quality.length
      ? `Quality (higher is better): ${o.quality.map((f) => describeObjective(f, true)).join(", ")}; each counts as an objective, and the points show their mean.`
      : "Quality: omitted (the suite measures no score and no tool-call accuracy).",
  );
  notes.push("A cell dominates another when it is better beyond noise on at least one objective and worse beyond noise on none; a figure a cell lacks counts as a tie.");
  return {
    pareto: {
      ...(o.latency ? { latency: { figure: o.latency.key, label: describeObjective(o.latency, true) } } : {}),
      ...(o.throughput ? { throughput: { figure: o.throughput.key, label: describeObjective(o.throughput, true) } } : {}),
      quality: o.quality.length ? { figures: o.quality.map((f) => f.key), label: o.quality.map((f) => describeObjective(f, true)).join(", ") } : undefined,
      points,
      front,
      notes,
    },
    objectiveFigures,
  };
}

/** Why `x` does not dominate `y`, in a few words: the objectives where y is better beyond noise, else a tie on every one. */
function whyNotDominated(x: string, y: string, pairs: readonly GridPair[], objectiveFigures: readonly string[], c: SentenceCtx): string {
  const yBetter = objectiveFigures.filter((f) => pairs.some((p) => p.figure === f && p.beyondNoise && p.better === y && ((p.a === x && p.b === y) || (p.a === y && p.b === x))));
  if (yBetter.length === 0) return "no difference beyond noise on any objective";
  return `worse beyond noise on ${yBetter.map((f) => c.figure(f)?.label ?? f).join(" and ")}`;
}

export function buildChampion(cells: readonly string[], pairs: readonly GridPair[], objectiveFigures: readonly string[], c: SentenceCtx): { champion: GridChampion; pieces: Inline[] } {
  const list = (ids: readonly string[]): Inline[] => ids.flatMap((id, i) => [i === 0 ? "" : i === ids.length - 1 ? " and " : ", ", c.cell(id)]);
  let pieces: Inline[];
  let cell: string | undefined;
  let why: GridChampion["why"];
  if (objectiveFigures.length === 0) {
    pieces = ["No champion: the suite gives no figure to rank the cells on."];
    why = "no_objective";
  } else {
    const r = findChampion(dominanceInput(cells, pairs, objectiveFigures));
    if (r.cell === undefined) why = r.why;
    if (r.cell !== undefined) {
      cell = r.cell;
      pieces = ["Champion: ", c.cell(r.cell), " dominates every other cell: better beyond noise on at least one objective against each, and worse beyond noise on none."];
    } else if (r.why === "no_cells") pieces = ["No champion: no cell was measured."];
    else if (r.why === "single_cell") pieces = ["No champion: only one cell was measured (", c.cell(cells[0]!), "), so there is nothing to compare it with."];
    else if (r.why === "no_dominant") {
      const first = r.front[0];
      const missed = first !== undefined ? (r.notDominated[first] ?? []) : [];
      pieces = [
        "No champion: no cell dominates every other. The Pareto front holds ",
        ...list(r.front),
        first !== undefined && missed.length
          ? [
              "; ",
              c.cell(first),
              " does not dominate ",
              ...missed.flatMap((m, i) => [i === 0 ? "" : i === missed.length - 1 ? " and " : ", ", c.cell(m), ` (${whyNotDominated(first, m, pairs, objectiveFigures, c)})`]),
              ".",
            ]
          : ".",
      ];
    } else pieces = ["No champion."];
  }
  return { champion: { ...(cell !== undefined ? { cell } : {}), ...(why !== undefined ? { why } : {}), sentence: plain(pieces) }, pieces };
}

// ─────────────────────────── recommendations ───────────────────────────

export const USE_CASE_TITLE: Record<GridUseCase, string> = {
  agents: "Agent conversations",
  reasoning: "Long reasoning",
  tools: "Tool calling",
  load: "High load",
};

/** The scenario kind that measures each use case. */
export const USE_CASE_KIND: Record<GridUseCase, string> = { agents: "conversation", reasoning: "reasoning", tools: "tools", load: "load" };

export const GRID_USE_CASES: readonly GridUseCase[] = ["agents", "reasoning", "tools", "load"];

/** The cells with a value of a figure, best first (equal values in the grid's order). */
function ranked(input: RankInput, f: GridFigure, among: readonly string[]): string[] {
  const withValue = among.filter((c) => input.value(c, f.key)?.value !== undefined);
  const sign = f.direction === "higher" ? -1 : 1;
  return [...withValue].sort((x, y) => sign * ((input.value(x, f.key)!.value as number) - (input.value(y, f.key)!.value as number)));
}

export interface Ranking {
  best: string;
  /** Cells the best does not beat beyond noise (best value first). */
  tied: string[];
  /** The next by value (the winner's comparison). */
  runnerUp?: string;
  order: string[];
}

/** The best cell on a figure and the cells it does not beat beyond noise. */
export function rank(input: RankInput, f: GridFigure, among: readonly string[]): Ranking | undefined {
  const order = ranked(input, f, among);
  const best = order[0];
  if (best === undefined) return undefined;
  const tied = order.slice(1).filter((c) => outcomeOf(input.pairs, f.key, best, c) !== "better");
  return { best, tied, ...(order[1] !== undefined ? { runnerUp: order[1] } : {}), order };
}

export interface RecommendInput extends RankInput {
  /** The suite's scenarios, in order (name and kind are enough). */
  scenarios: readonly { name: string; kind: string }[];
}

function figureOf(input: RankInput, scenario: string, names: readonly string[]): GridFigure | undefined {
  for (const n of names) {
    const f = input.figures.find((x) => x.key === `${scenario}/${n}`);
    if (f && input.cells.some((c) => input.value(c, f.key)?.value !== undefined)) return f;
  }
  return undefined;
}

function decidingFigures(useCase: GridUseCase, sc: { name: string; kind: string }, input: RankInput): { main?: GridFigure; secondary?: GridFigure; quality?: GridFigure } {
  switch (useCase) {
    case "agents":
      return { main: figureOf(input, sc.name, ["ttft.continued.p50", "ttft.p90"]), secondary: figureOf(input, sc.name, ["degradation.ttft"]) };
    case "reasoning":
      // Quality first: speed is compared among the cells whose score is not worse beyond noise than the best.
      return { main: figureOf(input, sc.name, ["e2e.p50"]), quality: figureOf(input, sc.name, ["score.mean"]) };
    case "tools":
      return { main: figureOf(input, sc.name, ["call_accuracy"]) };
    case "load":
      // Goodput (requests within every SLO) when the scenario has SLOs, else throughput; a sweep's maxima.
      return { main: figureOf(input, sc.name, ["max_goodput", "max_throughput", "goodput", "throughput"]) };
  }
}

/** The recommendation for a use case, as data (its words: recommendationPieces, or the consolidated report's languages). */
export function decideRecommendation(useCase: GridUseCase, input: RecommendInput): Omit<GridRecommendation, "sentence"> {
  const sc = input.scenarios.find((s) => s.kind === USE_CASE_KIND[useCase]);
  if (!sc) return { useCase, status: "not_measured", cells: [] };
  const { main, secondary, quality } = decidingFigures(useCase, sc, input);
  if (!main) return { useCase, status: "no_data", cells: [], scenario: sc.name };
  let among: string[] = [...input.cells];
  let excluded: string[] = [];
  if (quality) {
    const q = rank(input, quality, among);
    if (q) {
      excluded = among.filter((x) => x !== q.best && outcomeOf(input.pairs, quality.key, q.best, x) === "better");
      among = among.filter((x) => !excluded.includes(x));
    }
  }
  const base = { useCase, scenario: sc.name, figure: main.key, ...(quality ? { qualityFigure: quality.key } : {}), ...(excluded.length ? { excluded } : {}) };
  const r = rank(input, main, among);
  if (!r) return { ...base, status: "no_data", cells: [] };
  if (r.order.length === 1) return { ...base, status: "tie", cells: [r.best] };
  if (r.tied.length === 0) {
    const rec: Omit<GridRecommendation, "sentence"> = { ...base, status: "winner", cells: [r.best], against: r.runnerUp! };
    if (secondary) {
      const o = outcomeOf(input.pairs, secondary.key, r.best, r.runnerUp!);
      const value = input.value(r.best, secondary.key)?.value;
      const otherValue = input.value(r.runnerUp!, secondary.key)?.value;
      if (o !== undefined && value !== undefined) {
        rec.secondary = { figure: secondary.key, outcome: o, cell: r.best, value, other: r.runnerUp!, ...(otherValue !== undefined ? { otherValue } : {}) };
      }
    }
    return rec;
  }
  const group = [r.best, ...r.tied];
  const rec: Omit<GridRecommendation, "sentence"> = { ...base, status: "tie", cells: group, against: r.tied[0]! };
  if (secondary) {
    // Named only when one tied cell is better beyond noise than every other tied cell.
    const sep = group.find((x) => group.every((y) => y === x || outcomeOf(input.pairs, secondary.key, x, y) === "better"));
    const value = sep !== undefined ? input.value(sep, secondary.key)?.value : undefined;
    if (sep !== undefined) rec.secondary = { figure: secondary.key, outcome: "better", cell: sep, ...(value !== undefined ? { value } : {}) };
  }
  return rec;
}

/** "X is 12.3 % faster than Y on … (…)" without its full stop. */
function withoutStop(s: Inline[]): Inline[] {
  const last = s[s.length - 1];
  if (typeof last === "string" && last.endsWith(".")) return [...s.slice(0, -1), last.slice(0, -1)];
  return s;
}

/** The English words of a recommendation (report.md, the terminal, grid-results.json's sentence). */
export function recommendationPieces(
  rec: Omit<GridRecommendation, "sentence">,
  input: RankInput,
  c: SentenceCtx,
  fmtValue: (v: number | undefined, unit: GridFigure["unit"]) => string,
): Inline[] {
  const title = `${USE_CASE_TITLE[rec.useCase]}: `;
  if (rec.status === "not_measured") return [title, `not measured: the suite has no ${USE_CASE_KIND[rec.useCase]} scenario.`];
  const main = input.figures.find((f) => f.key === rec.figure);
  if (rec.status === "no_data" || !main) return [title, "no cell measured it (no value in any cell)."];
  const what = figurePhrase(main, c.multiScenario);
  const valueOf = (cell: string) => fmtValue(input.value(cell, main.key)?.value, main.unit);
  const quality = input.figures.find((f) => f.key === rec.qualityFigure);
  const qualityPieces: Inline[] = rec.excluded?.length
    ? [" Left out first for a ", quality ? figurePhrase(quality, c.multiScenario) : "score", " worse beyond noise than the best: ", ...rec.excluded.flatMap((x, i) => [i ? ", " : "", c.cell(x)]), "."]
    : quality
      ? [" Every cell's ", figurePhrase(quality, c.multiScenario), " is within noise of the best, so speed decides."]
      : [];
  const sec = rec.secondary;
  const secFigure = sec ? input.figures.find((f) => f.key === sec.figure) : undefined;
  const secWhat = secFigure ? figurePhrase(secFigure, c.multiScenario) : "";
  if (rec.status === "winner") {
    const p = findPair(input.pairs, main.key, rec.cells[0]!, rec.against!);
    const pieces: Inline[] = [title, "choose ", c.cell(rec.cells[0]!), ": ", ...(p ? withoutStop(pairSentence(p, c)) : [c.cell(rec.cells[0]!), ` has the best ${what}`])];
    pieces.push(input.cells.length - (rec.excluded?.length ?? 0) > 2 ? `; it beats every other${rec.excluded?.length ? " remaining" : ""} cell beyond noise too.` : ".");
    if (sec && secFigure) {
      const v = fmtValue(sec.value, secFigure.unit);
      const w = fmtValue(sec.otherValue, secFigure.unit);
      if (sec.outcome === "better") pieces.push(` It is also better on ${secWhat} (${v} against ${w}, beyond noise).`);
      else if (sec.outcome === "worse") pieces.push(` But it is worse on ${secWhat} (${v} against ${w}, beyond noise).`);
      else pieces.push(` Its ${secWhat} is ${v} (no difference beyond noise with the runner-up).`);
    }
    pieces.push(...qualityPieces);
    return pieces;
  }
  // tie
  if (rec.cells.length === 1) return [title, "only ", c.cell(rec.cells[0]!), ` measured ${what} (${valueOf(rec.cells[0]!)}): nothing to compare it with.`, ...qualityPieces];
  const best = rec.cells[0]!;
  const other = rec.against ?? rec.cells[1]!;
  const p = findPair(input.pairs, main.key, best, other);
  const why = p?.reason ? reasonText(p.reason) : "no difference beyond noise";
  const pieces: Inline[] = [
    title,
    ...rec.cells.flatMap((x, i): Inline[] => [i === 0 ? "" : i === rec.cells.length - 1 ? " and " : ", ", c.cell(x), ` (${valueOf(x)})`]),
    ` tie on ${what}: the best value, `,
    c.cell(best),
    ", does not beat ",
    c.cell(other),
    ` beyond noise (${why}), so no winner is named.`,
  ];
  if (sec && secFigure) pieces.push(" On ", secWhat, ", ", c.cell(sec.cell), ` is better beyond noise than the other tied cells (${fmtValue(sec.value, secFigure.unit)}).`);
  pieces.push(...qualityPieces);
  return pieces;
}

/** One recommendation: its data and its English sentence. */
export function recommend(
  useCase: GridUseCase,
  input: RecommendInput,
  c: SentenceCtx,
  fmtValue: (v: number | undefined, unit: GridFigure["unit"]) => string,
): { rec: GridRecommendation; pieces: Inline[] } {
  const decided = decideRecommendation(useCase, input);
  const pieces = recommendationPieces(decided, input, c, fmtValue);
  return { rec: { ...decided, sentence: plain(pieces) }, pieces };
}

export { fmtPct, fmtPoints, fmtPValue, repeatsPhrase, winnerView };
