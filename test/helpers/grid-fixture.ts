/**
 * A real grid folder, built without the grid runner: grid.json (a GridManifest) and
 * visits.jsonl written here, and for each (cell, repeat), in the interleaved order, the
 * embedded simulator started in-process with the cell's options and the suite run against it
 * by URL (runSuite), its run folder under cells/<id>/runs/. A cell may fail (no server: a
 * visit with status "failed" and its reason, no run folder), in every repeat or some.
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { loadSuite, runSuite, startSimulator, type StartSimulatorOptions, type SuiteInput } from "../../src/index.js";
import { GRID_FILES, GRID_SCHEMA_VERSION, type GridManifest, type GridVisit, type ParamValue } from "../../src/grid/types.js";

export interface FixtureCell {
  /** Folder-safe id. */
  id: string;
  params: Record<string, ParamValue>;
  /** Default: "k=v, k=v" from params. */
  label?: string;
  /** The simulator's options for this cell (merged over the grid's `sim`). */
  sim?: StartSimulatorOptions;
  /** The server never became healthy: every visit (or those of `failRepeats`) fails with this reason. */
  failure?: string;
  failRepeats?: number[];
}

export interface GridFixtureOptions {
  /** Parent folder; the grid folder is created inside it. */
  parent: string;
  name?: string;
  cells: FixtureCell[];
  repeats: number;
  /** The suite's scenarios (as in a suite file). */
  scenarios: SuiteInput["scenarios"];
  /** Simulator options shared by every cell. */
  sim?: StartSimulatorOptions;
  alpha?: number;
}

export interface GridFixture {
  dir: string;
  manifest: GridManifest;
  visits: GridVisit[];
}

/** Builds the grid folder and runs every visit, interleaved (cell 1, 2, … of round 1, then round 2, …). */
export async function buildGridFixture(o: GridFixtureOptions): Promise<GridFixture> {
  const name = o.name ?? "fixture";
  const dir = join(o.parent, `20261204T120000Z-grid-${name}`);
  mkdirSync(join(dir, GRID_FILES.cells), { recursive: true });
  const input: SuiteInput = { name: `${name}-suite`, target: { url: "http://127.0.0.1:1/v1", warmup_requests: 1 }, scenarios: o.scenarios, output: { dir: "runs" } };
  const suite = loadSuite(input);
  const order: { cell: string; repeat: number }[] = [];
  for (let r = 1; r <= o.repeats; r++) for (const c of o.cells) order.push({ cell: c.id, repeat: r });
  const params = [...new Set(o.cells.flatMap((c) => Object.keys(c.params)))];
  const manifest: GridManifest = {
    schemaVersion: GRID_SCHEMA_VERSION,
    name,
    createdAt: "2026-12-04T12:00:00.000Z",
    shakedownVersion: "0.1.0",
    params,
    cells: o.cells.map((c, index) => ({
      id: c.id,
      index,
      params: c.params,
      label: c.label ?? Object.entries(c.params).map(([k, v]) => `${k}=${String(v)}`).join(", "),
    })),
    repeats: o.repeats,
    order,
    suite,
    server: { kind: "endpoint", url: "http://127.0.0.1:{port}/v1", startupTimeoutS: 60, stopGraceS: 5, resetPrefixCache: false },
    alpha: o.alpha ?? 0.05,
  };
  writeFileSync(join(dir, GRID_FILES.manifest), JSON.stringify(manifest, null, 2) + "\n");
  const visits: GridVisit[] = [];
  for (const { cell: id, repeat } of order) {
    const cell = o.cells.find((c) => c.id === id)!;
    const startedAt = new Date().toISOString();
    let visit: GridVisit;
    if (cell.failure !== undefined && (cell.failRepeats === undefined || cell.failRepeats.includes(repeat))) {
      visit = { cell: id, repeat, status: "failed", startedAt, endedAt: startedAt, reason: cell.failure, startupMs: 12 };
    } else {
      const t0 = performance.now();
      const sim = await startSimulator({ port: 0, ...o.sim, ...cell.sim });
      const startupMs = performance.now() - t0;
      try {
        const runs = join(dir, GRID_FILES.cells, id, "runs");
        mkdirSync(runs, { recursive: true });
        const visitSuite = loadSuite(input, { target: { url: sim.baseUrl }, outDir: runs });
        const outcome = await runSuite(visitSuite);
        visit = {
          cell: id,
          repeat,
          status: "done",
          startedAt,
          endedAt: new Date().toISOString(),
          runDir: relative(dir, outcome.dir),
          runStatus: outcome.results.status,
          startupMs,
          cacheReset: "not supported",
        };
      } finally {
        await sim.close();
      }
    }
    visits.push(visit);
    appendFileSync(join(dir, GRID_FILES.visits), JSON.stringify(visit) + "\n");
  }
  return { dir, manifest, visits };
}
