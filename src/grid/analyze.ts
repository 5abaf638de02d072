/**
 * analyzeGrid: the comparison of a grid's cells (docs/grid.md, "Comparing the cells"). Reads
 * grid.json, visits.jsonl and each done visit's run folder; the rest is pure:
 * compare-figures.ts (what is compared and each cell's values), compare-pairs.ts (every pair of
 * cells on every figure, and when a change counts), recommend.ts (Pareto front, champion,
 * recommendations), compare-sentences.ts (the words).
 *
 * Nothing here touches the network; a grid folder can be re-analysed offline
 * (`shakedown report GRIDDIR`) and gives the same numbers for the same seed.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { resultsOf } from "../compare/diff.js";
import { scenarioGroups, type RecordGroup } from "../compare/samples.js";
import type { ScenarioConfig } from "../config/schema.js";
import { RunFolderError } from "../errors.js";
import { DEFAULT_BOOTSTRAP_SEED } from "../metrics/bootstrap.js";
import { DEFAULT_ALPHA, DEFAULT_ITERATIONS } from "../metrics/compare.js";
import { fmtMetric } from "../report/format.js";
import { flatten } from "../report/md.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { describeSkippedLines, readJsonl } from "../store/files.js";
import { loadRunFolder, type LoadedRun } from "../store/run-folder.js";
import { TOOL_VERSION } from "../version.js";
import { cellFigure, figureSpecs, outputTpsSpec, visitValues, type FigureSpec, type VisitValues } from "./compare-figures.js";
import { comparePair, decidePairs, type RawPair } from "./compare-pairs.js";
import { pairSentence, plain, quoted, type SentenceCtx } from "./compare-sentences.js";
import {
  GRID_ANALYSIS_SCHEMA_VERSION,
  type CellFigure,
  type GridAnalysis,
  type GridCellAnalysis,
  type GridCellVisit,
  type GridFigure,
} from "./compare-types.js";
import { buildChampion, buildPareto, GRID_USE_CASES, recommend, type RecommendInput } from "./recommend.js";
import { GRID_FILES, GRID_SCHEMA_VERSION, type GridManifest, type GridVisit } from "./types.js";

export * from "./compare-types.js";

export interface AnalyzeGridOptions {
  /** Significance level (default: grid.json's alpha, else 0.05); intervals are at 1 − alpha. */
  alpha?: number;
  /** Bootstrap seed (default 0x5eed). */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  iterations?: number;
}

function errText(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
  return m.length > 200 ? `${m.slice(0, 197)}...` : m;
}

/** grid.json, checked enough to be analysed; RunFolderError when it is not a grid folder. */
export function readGridManifest(dirArg: string): GridManifest {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RunFolderError(`${dirArg}: no such grid folder.`);
  const path = join(dir, GRID_FILES.manifest);
  if (!existsSync(path)) throw new RunFolderError(`${dirArg}: not a shakedown grid folder (no ${GRID_FILES.manifest}).`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new RunFolderError(`${path}: unreadable grid manifest (${errText(e)}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new RunFolderError(`${path}: unreadable grid manifest (not a JSON object).`);
  const m = parsed as Partial<GridManifest>;
  if (m.schemaVersion !== GRID_SCHEMA_VERSION) {
    throw new RunFolderError(`${path}: schema version ${String(m.schemaVersion)} is not supported by this version of shakedown (expects ${GRID_SCHEMA_VERSION}).`);
  }
  const cellsOk = Array.isArray(m.cells) && m.cells.every((c) => typeof c === "object" && c !== null && typeof c.id === "string" && typeof c.label === "string");
  const suiteOk = typeof m.suite === "object" && m.suite !== null && Array.isArray(m.suite.scenarios);
  if (!cellsOk || !suiteOk || typeof m.repeats !== "number") {
    throw new RunFolderError(`${path}: unreadable grid manifest (${!cellsOk ? "cells" : !suiteOk ? "suite" : "repeats"} missing or malformed).`);
  }
  return m as GridManifest;
}

/** A folder holds a grid (grid.json): how `shakedown report` tells a grid from a run folder. */
export function isGridFolder(dir: string): boolean {
  return existsSync(join(resolve(dir), GRID_FILES.manifest));
}

/** Why a line of visits.jsonl is not a visit (undefined when it is one). */
export function visitProblem(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a visit";
  const x = v as Partial<GridVisit>;
  if (typeof x.cell !== "string" || typeof x.repeat !== "number" || typeof x.status !== "string") return "not a visit";
  return undefined;
}

/** One visit's values of every figure: scenario groups "" read from its run folder. */
function readVisit(run: LoadedRun, specs: readonly FigureSpec[]): Map<string, VisitValues> {
  const results = resultsOf(run);
  const out = new Map<string, VisitValues>();
  const groups = new Map<string, RecordGroup | undefined>();
  for (const f of specs) {
    if (!groups.has(f.scenario)) {
      const cfg: ScenarioConfig | undefined = run.manifest.suite.scenarios.find((s) => s.name === f.scenario && s.kind === f.kind);
      const result: ScenarioResult | undefined = results.scenarios.find((s) => s.name === f.scenario);
      groups.set(f.scenario, cfg ? scenarioGroups(cfg, result, run.records).find((g) => g.key === "") : undefined);
    }
    const v = visitValues(f, groups.get(f.scenario));
    if (v) out.set(f.key, v);
  }
  return out;
}

const USE_OF_OUTPUT_TPS = new Set(["conversation", "reasoning", "soak"]);

/** The figures compared: each scenario's headline figures, and a p50 of output tok/s when the Pareto front needs one. */
function allSpecs(scenarios: readonly ScenarioConfig[]): FigureSpec[] {
  const specs = scenarios.flatMap(figureSpecs);
  if (!scenarios.some((s) => s.kind === "load")) {
    const sc = scenarios.find((s) => USE_OF_OUTPUT_TPS.has(s.kind));
    if (sc && !specs.some((f) => f.key === `${sc.name}/output_tps.p50`)) specs.push(outputTpsSpec(sc));
  }
  return specs;
}

function publicFigure(f: FigureSpec): GridFigure {
  const { from: _from, statistic: _statistic, filter: _filter, ...rest } = f;
  return rest;
}

/**
 * Reads a grid folder and compares its cells. Throws RunFolderError when grid.json is missing
 * or unreadable; a run folder that cannot be read is left out with a note.
 */
export async function analyzeGrid(dirArg: string, opts: AnalyzeGridOptions = {}): Promise<GridAnalysis> {
  const dir = resolve(dirArg);
  const manifest = readGridManifest(dirArg);
  const alpha = opts.alpha ?? (typeof manifest.alpha === "number" && manifest.alpha > 0 && manifest.alpha < 0.5 ? manifest.alpha : DEFAULT_ALPHA);
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`alpha must be between 0 and 0.5, got ${alpha}`);
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  const notes: string[] = [];

  const visitsPath = join(dir, GRID_FILES.visits);
  let visits: GridVisit[] = [];
  try {
    const read = readJsonl<GridVisit>(visitsPath, visitProblem);
    visits = read.items;
    notes.push(...describeSkippedLines(GRID_FILES.visits, read.skipped));
  } catch (e) {
    notes.push(`${GRID_FILES.visits} cannot be read (${errText(e)}): no visit is known.`);
  }
  if (!existsSync(visitsPath)) notes.push(`${GRID_FILES.visits} is missing: no visit was recorded.`);
  // The last line of a visit wins (a resumed grid runs a failed or interrupted visit again).
  const lastVisit = new Map<string, GridVisit>();
  for (const v of visits) lastVisit.set(`${v.cell}\u0000${v.repeat}`, v);

  const scenarios = manifest.suite.scenarios;
  const specs = allSpecs(scenarios);
  const repeatsOf = (cellId: string): number[] => {
    const planned = (Array.isArray(manifest.order) ? manifest.order : []).filter((o) => o.cell === cellId).map((o) => o.repeat);
    const seen = [...lastVisit.values()].filter((v) => v.cell === cellId).map((v) => v.repeat);
    return [...new Set([...planned, ...seen])].sort((a, b) => a - b);
  };

  // Per cell: the visits, and each used visit's values by figure.
  const collected = new Map<string, CollectedCell>();
  for (const cell of manifest.cells) {
    const byRepeat = new Map<number, Map<string, VisitValues>>();
    const cellVisits: GridCellVisit[] = [];
    const cellNotes: string[] = [];
    for (const repeat of repeatsOf(cell.id)) {
      const v = lastVisit.get(`${cell.id}\u0000${repeat}`);
      if (!v) {
        cellVisits.push({ repeat, status: "interrupted", reason: `not run: no line for it in ${GRID_FILES.visits} (the grid stopped before this visit)`, used: false });
        continue;
      }
      const visit: GridCellVisit = {
        repeat,
        status: v.status,
        ...(v.startedAt !== undefined ? { startedAt: v.startedAt } : {}),
        ...(v.endedAt !== undefined ? { endedAt: v.endedAt } : {}),
        ...(v.runDir !== undefined ? { runDir: v.runDir } : {}),
        ...(v.runStatus !== undefined ? { runStatus: v.runStatus } : {}),
        ...(v.reason !== undefined ? { reason: v.reason } : {}),
        ...(typeof v.startupMs === "number" ? { startupMs: v.startupMs } : {}),
        ...(v.cacheReset !== undefined ? { cacheReset: v.cacheReset } : {}),
        used: false,
      };
      cellVisits.push(visit);
      if (v.status !== "done") continue;
      if (v.runDir === undefined) {
        visit.reason = "done, but no run folder recorded";
        continue;
      }
      try {
        const run = loadRunFolder(join(dir, v.runDir));
        byRepeat.set(repeat, readVisit(run, specs));
        visit.used = true;
      } catch (e) {
        const why = `its run folder cannot be read (${errText(e)})`;
        visit.reason = why;
        cellNotes.push(`repeat ${repeat}: ${why}; left out.`);
      }
    }
    collected.set(cell.id, { visits: cellVisits, byRepeat, notes: cellNotes });
  }
  return compareGridCells(manifest, collected, { dir, alpha, seed, iterations, notes });
}

/** One cell's visits as read from the grid folder, and each used visit's values by figure key. */
export interface CollectedCell {
  visits: GridCellVisit[];
  byRepeat: Map<number, Map<string, VisitValues>>;
  /** What reading its visits left out. */
  notes: string[];
}

export interface CompareGridOptions {
  dir: string;
  alpha: number;
  seed: number;
  iterations: number;
  /** Notes of the reading (unreadable lines of visits.jsonl…), kept after the method's. */
  notes?: string[];
  /** When the analysis is made (default: now). */
  now?: Date;
}

/**
 * The comparison itself, pure: the cells' figures, every pair, the Pareto front, the champion
 * and the recommendations, from each cell's visits and values (analyzeGrid reads them).
 */
export function compareGridCells(manifest: GridManifest, collected: ReadonlyMap<string, CollectedCell>, o: CompareGridOptions): GridAnalysis {
  const { alpha, seed, iterations } = o;
  const notes: string[] = [...(o.notes ?? [])];
  const scenarios = manifest.suite.scenarios;
  const specs = allSpecs(scenarios);
  const data = new Map<string, Map<number, Map<string, VisitValues>>>();
  const cells: GridCellAnalysis[] = [];
  for (const cell of manifest.cells) {
    const got = collected.get(cell.id) ?? { visits: [], byRepeat: new Map(), notes: [] };
    const byRepeat = got.byRepeat;
    const cellVisits = got.visits;
    const cellNotes = [...got.notes];
    data.set(cell.id, byRepeat);
    const repeats = [...byRepeat.keys()].sort((a, b) => a - b);
    const failedVisits = cellVisits.filter((v) => !v.used);
    const analysis: GridCellAnalysis = {
      id: cell.id,
      index: cell.index,
      label: cell.label,
      params: cell.params,
      status: repeats.length > 0 ? "measured" : "failed",
      visits: cellVisits,
      repeats,
      figures: [],
      notes: cellNotes,
    };
    if (repeats.length === 0) {
      const reasons = [...new Set(failedVisits.map((v) => v.reason ?? v.status))];
      analysis.failure = reasons.length ? reasons.join("; ") : "never visited";
    } else if (failedVisits.length > 0) {
      cellNotes.push(
        `${repeats.length} of ${cellVisits.length} visits measured (${failedVisits.map((v) => `repeat ${v.repeat}: ${v.reason ?? v.status}`).join("; ")}): its pairs use the repeats both cells have.`,
      );
    }
    cells.push(analysis);
  }

  // Figures no cell measured are left out.
  const measured = cells.filter((c) => c.status === "measured");
  const used = specs.filter((f) => measured.some((c) => [...data.get(c.id)!.values()].some((m) => m.has(f.key))));
  const dropped = specs.filter((f) => !used.includes(f));
  if (dropped.length) notes.push(`Not measured in any cell, so not compared: ${dropped.map((f) => `${f.label} (${f.scenario})`).join(", ")}.`);

  const byRepeatOf = (cellId: string, key: string): Map<number, VisitValues> => {
    const out = new Map<number, VisitValues>();
    for (const [r, m] of data.get(cellId) ?? []) {
      const v = m.get(key);
      if (v) out.set(r, v);
    }
    return out;
  };
  for (const c of measured) {
    c.figures = used.map((f) => cellFigure(f, byRepeatOf(c.id, f.key), { alpha, seed, iterations, cell: c.id }));
  }
  const figureOf = (cellId: string, key: string): CellFigure | undefined => cells.find((c) => c.id === cellId)?.figures.find((x) => x.figure === key);

  // Every pair of measured cells on every figure both have.
  const raw: RawPair[] = [];
  for (const f of used) {
    for (let i = 0; i < measured.length; i++) {
      for (let j = i + 1; j < measured.length; j++) {
        const a = measured[i]!;
        const b = measured[j]!;
        const fa = figureOf(a.id, f.key);
        const fb = figureOf(b.id, f.key);
        if (!fa || !fb || fa.value === undefined || fb.value === undefined) continue;
        raw.push(
          comparePair({
            spec: f,
            a: { id: a.id, byRepeat: byRepeatOf(a.id, f.key), figure: fa },
            b: { id: b.id, byRepeat: byRepeatOf(b.id, f.key), figure: fb },
            alpha,
            seed,
            iterations,
          }),
        );
      }
    }
  }
  const pairs = decidePairs(raw, used, alpha);
  const figures = used.map(publicFigure);
  const labelOf = (id: string) => cells.find((c) => c.id === id)?.label ?? id;
  const multiScenario = scenarios.length > 1;
  const plainCtx: SentenceCtx = {
    cell: (id) => quoted(labelOf(id)),
    figure: (key) => figures.find((f) => f.key === key),
    multiScenario,
    repeats: manifest.repeats,
    confidence: 1 - alpha,
  };
  for (const p of pairs) {
    if (p.repeats.length === 1) p.notes.push(manifest.repeats <= 1 ? "one repeat: drift of the machine between cells not measured" : "one repeat both cells have: drift of the machine between cells not measured");
    p.sentence = plain(pairSentence(p, plainCtx));
  }

  const rankInput = { cells: measured.map((c) => c.id), figures, pairs, value: figureOf };
  const { pareto, objectiveFigures } = buildPareto(rankInput, scenarios);
  const champion = buildChampion(measured.map((c) => c.id), pairs, objectiveFigures, plainCtx).champion;
  const recInput: RecommendInput = { ...rankInput, scenarios };
  const recommendations = GRID_USE_CASES.map((u) => recommend(u, recInput, plainCtx, fmtMetric).rec);

  // Method and caveats.
  const failed = cells.filter((c) => c.status === "failed");
  notes.unshift(...methodNotes(manifest.repeats, alpha, measured.length));
  for (const c of failed) notes.push(`Cell ${quoted(c.label)} failed and is excluded: ${flatten(c.failure ?? "no visit measured", 300)}.`);
  for (const c of measured) for (const n of c.notes) notes.push(`Cell ${quoted(c.label)}: ${n}`);
  if (pairs.some((p) => !p.paired && (p.test === "mann-whitney" || p.test === "wilcoxon") && figures.find((f) => f.key === p.figure)?.source !== "run")) {
    notes.push("Some pairs could not be compared request by request (the cells' requests differ): those use the Mann-Whitney test on independent samples, as their pairing says.");
  }

  return {
    schemaVersion: GRID_ANALYSIS_SCHEMA_VERSION,
    dir: o.dir,
    name: manifest.name,
    createdAt: manifest.createdAt,
    analysedAt: (o.now ?? new Date()).toISOString(),
    shakedownVersion: manifest.shakedownVersion,
    analysedWith: TOOL_VERSION,
    suite: { name: manifest.suite.name, scenarios: scenarios.map((s) => ({ name: s.name, kind: s.kind })) },
    server: {
      kind: manifest.server?.kind ?? "endpoint",
      url: manifest.server?.url ?? "",
      ...(manifest.server?.command !== undefined ? { command: manifest.server.command } : {}),
    },
    params: manifest.params ?? [],
    repeats: manifest.repeats,
    order: manifest.order ?? [],
    alpha,
    confidence: 1 - alpha,
    seed,
    iterations,
    cells,
    figures,
    pairs,
    pareto,
    recommendations,
    champion,
    notes,
  };
}

/** The method in a few sentences (report.md's last section, the JSON's first notes). */
function methodNotes(repeats: number, alpha: number, measuredCells: number): string[] {
  const pct = `${Number(((1 - alpha) * 100).toFixed(1))} %`;
  const out = [
    `Every cell ran the same suite ${repeats} time${repeats === 1 ? "" : "s"}, the visits interleaved (every cell once per round, round after round), so that a drift of the machine is spread over the cells rather than mistaken for a configuration's effect.`,
    "A cell's figures pool its done visits; per-request values are keyed by repeat and record id, so that two cells are compared request by request within a repeat (Wilcoxon signed-rank), or as independent samples (Mann-Whitney) when their requests differ.",
    `A difference between two cells is reported only when (a) its test is significant at alpha = ${alpha} after Holm's adjustment over the ${measuredCells * (measuredCells - 1) / 2} pair${measuredCells * (measuredCells - 1) / 2 === 1 ? "" : "s"} of cells of that figure and its ${pct} interval excludes 0, (b) it goes the same way in every repeat, and (c) its interval lies beyond the noise floor: the largest difference between two repeats of one cell. Otherwise it is "no difference beyond noise", which does not prove the cells equal.`,
    "Figures with one value per visit (a load test's throughput) are compared over the visits of each cell: with fewer than 3 visits per cell they are not tested.",
  ];
  if (repeats <= 1) out.push("One repeat: drift of the machine between cells not measured. Differences rest on the tests alone, and the noise floor (c) is not applied.");
  return out;
}
