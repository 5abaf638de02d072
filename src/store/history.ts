/**
 * The local run history: a SQLite database (better-sqlite3) beside the run folders,
 * <output dir>/history.sqlite, with one row per finished run and one per (scenario, figure),
 * so that `shakedown history` can show a figure over time and `last`, `baseline` or a label
 * can stand for a run folder.
 *
 * The run folders are the truth; the database is an index of them. Indexing never costs a
 * run: a database that is locked, corrupt or unwritable turns into a warning
 * (indexFinishedRun), and `shakedown history --rebuild` re-reads every run folder. Nothing
 * secret is stored: the target URL as run.json has it (without credentials), names, figures.
 *
 * Schema: a `schema_version` table (one row per migration applied) and MIGRATIONS, applied
 * in order inside one write transaction; a database of a newer schema is refused, never
 * rewritten. WAL journal; every write in an IMMEDIATE transaction; a 2 s busy timeout.
 */
import Database from "better-sqlite3";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError, EXIT, ShakedownError } from "../errors.js";
import { TOOL_VERSION } from "../version.js";
import { readJsonl } from "./files.js";
import { RESULTS_SCHEMA_VERSION, RUN_FILES, runTimestamp, type RunResults } from "./run-folder.js";

type Db = Database.Database;

/** File name of the database in the output dir. */
export const HISTORY_FILE = "history.sqlite";
/** The schema this version of shakedown writes (the number of MIGRATIONS). */
export const HISTORY_SCHEMA_VERSION = 2;
/** How long a write waits for another process's transaction before giving up (SQLITE_BUSY). */
const BUSY_TIMEOUT_MS = 2000;
/** What `--target` matches for runs against the embedded simulator (whose URL is a random loopback port). */
export const SIMULATOR_TARGET = "simulator";

/** Default database: <output dir>/history.sqlite (next to the run folders). */
export function historyPath(outDir: string): string {
  return join(resolve(outDir), HISTORY_FILE);
}

export interface HistoryEntry {
  runId: string;
  /** The run folder, absolute. */
  dir: string;
  startedAt: string;
  suite: string;
  /** The target URL as run.json has it (the simulator's loopback URL when simulated). */
  target: string;
  model: string;
  label?: string;
  status: string;
  simulated: boolean;
}

export interface FigurePoint {
  runId: string;
  startedAt: string;
  label?: string;
  /** Absent when the run had the figure but could not measure it. */
  value?: number;
  n: number;
  /** The run folder, absolute. */
  dir: string;
}

/** Why the database could not be used. */
export type HistoryTrouble = "missing" | "locked" | "corrupt" | "unwritable" | "newer" | "unavailable";

/**
 * The database could not be opened, read or written. Exit 2 when the user can fix it by
 * what they type (no database yet, one of a newer shakedown), 74 otherwise.
 */
export class HistoryError extends ShakedownError {
  readonly trouble: HistoryTrouble;
  readonly dbPath: string;
  constructor(trouble: HistoryTrouble, dbPath: string, message: string) {
    super("SHAKEDOWN_HISTORY", message, trouble === "missing" || trouble === "newer" ? EXIT.usage : EXIT.io);
    this.name = "HistoryError";
    this.trouble = trouble;
    this.dbPath = dbPath;
  }
}

// ---------------------------------------------------------------------------------------
// Schema

/** MIGRATIONS[i] takes the schema from version i to i + 1. Append only; never edit one shipped. */
const MIGRATIONS: readonly ((db: Db) => void)[] = [
  // 0 → 1
  (db) =>
    db.exec(`
      CREATE TABLE runs (
        id           INTEGER PRIMARY KEY,
        dir          TEXT NOT NULL UNIQUE,  -- relative to the database's folder when inside it
        run_id       TEXT NOT NULL,
        started_at   TEXT NOT NULL,         -- ISO 8601 UTC, sorts as text
        ended_at     TEXT,
        suite        TEXT NOT NULL,
        target       TEXT NOT NULL,         -- as run.json has it
        target_key   TEXT NOT NULL,         -- 'simulator', or the URL normalised (what --target matches)
        model        TEXT NOT NULL,
        simulated    INTEGER NOT NULL,
        status       TEXT NOT NULL,
        complete     INTEGER NOT NULL,
        tool_version TEXT,
        label        TEXT,
        labelled_at  TEXT,                  -- when the label was first recorded
        baseline_at  TEXT,                  -- when set as baseline (setBaseline)
        indexed_at   TEXT NOT NULL
      );
      CREATE INDEX runs_started ON runs (started_at);
      CREATE INDEX runs_target ON runs (target_key, started_at);
      CREATE INDEX runs_label ON runs (label);
      CREATE TABLE figures (
        run      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        scenario TEXT NOT NULL,
        kind     TEXT NOT NULL,
        figure   TEXT NOT NULL,
        value    REAL,                      -- NULL: not measured
        n        INTEGER NOT NULL,
        unit     TEXT NOT NULL,
        PRIMARY KEY (run, scenario, figure)
      ) WITHOUT ROWID;
      CREATE INDEX figures_figure ON figures (figure, scenario);
    `),
  // 1 → 2: the cycles of `shakedown watch` (a table of their own: `last` and `baseline` name runs, never cycles)
  (db) =>
    db.exec(`
      CREATE TABLE watch_cycles (
        watch       TEXT NOT NULL,          -- the watch folder, relative to the database's folder when inside it
        cycle       INTEGER NOT NULL,
        started_at  TEXT NOT NULL,
        ended_at    TEXT NOT NULL,
        target      TEXT NOT NULL,
        target_key  TEXT NOT NULL,
        outcome     TEXT NOT NULL,          -- ok, unreachable, interrupted
        requests    INTEGER NOT NULL,
        errors      INTEGER NOT NULL,
        ttft_p90_ms REAL,
        e2e_p50_ms  REAL,
        firing      TEXT NOT NULL,          -- JSON list of the alerts firing after the cycle
        PRIMARY KEY (watch, cycle)
      ) WITHOUT ROWID;
      CREATE INDEX watch_cycles_target ON watch_cycles (target_key, started_at);
    `),
];

if (MIGRATIONS.length !== HISTORY_SCHEMA_VERSION) throw new Error("history: HISTORY_SCHEMA_VERSION must equal the number of migrations");

function readSchemaVersion(db: Db, dbPath: string): number {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get() !== undefined;
  if (!hasTable) {
    const { n } = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (n > 0) throw new HistoryError("corrupt", dbPath, `${dbPath} is an SQLite database but not a shakedown run history (no schema_version table)`);
    return 0;
  }
  const { v } = db.prepare("SELECT max(version) AS v FROM schema_version").get() as { v: number | null };
  return v ?? 0;
}

function checkNotNewer(version: number, dbPath: string): void {
  if (version > HISTORY_SCHEMA_VERSION) {
    throw new HistoryError(
      "newer",
      dbPath,
      `${dbPath} was written by a newer shakedown (history schema ${version}; this one knows ${HISTORY_SCHEMA_VERSION}): upgrade shakedown, or use another --out`,
    );
  }
}

/** Brings the schema up to HISTORY_SCHEMA_VERSION, in one write transaction (re-checked inside it: another process may have done it). */
function migrate(db: Db, dbPath: string): void {
  const before = readSchemaVersion(db, dbPath);
  checkNotNewer(before, dbPath);
  if (before === HISTORY_SCHEMA_VERSION) return;
  db.transaction(() => {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, tool_version TEXT NOT NULL)");
    const from = readSchemaVersion(db, dbPath);
    checkNotNewer(from, dbPath);
    const add = db.prepare("INSERT INTO schema_version (version, applied_at, tool_version) VALUES (?, ?, ?)");
    for (let v = from; v < HISTORY_SCHEMA_VERSION; v++) {
      MIGRATIONS[v]!(db);
      add.run(v + 1, new Date().toISOString(), TOOL_VERSION);
    }
  }).immediate();
}

// ---------------------------------------------------------------------------------------
// Opening, and what an SQLite failure means

function sqliteCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}

function oneLine(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
  return m.length > 200 ? `${m.slice(0, 197)}...` : m;
}

/** An error met while using the database, as a HistoryError that says what it means. */
function classify(e: unknown, dbPath: string): HistoryError {
  if (e instanceof HistoryError) return e;
  const code = sqliteCode(e) ?? "";
  const why = `${oneLine(e)}${code && !oneLine(e).includes(code) ? ` (${code})` : ""}`;
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new HistoryError("locked", dbPath, `${dbPath} is locked by another process (still busy after ${BUSY_TIMEOUT_MS / 1000} s: ${why})`);
  }
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) {
    return new HistoryError("corrupt", dbPath, `${dbPath} is not a readable SQLite database (${why})`);
  }
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|AUTH|FULL|IOERR)/.test(code) || /^E[A-Z]+$/.test(code)) {
    return new HistoryError("unwritable", dbPath, `${dbPath} cannot be opened or written (${why})`);
  }
  return new HistoryError("unavailable", dbPath, `${dbPath} cannot be used (${why})`);
}

/**
 * Opens the database (created when `create`), sets WAL and brings the schema up to date;
 * throws HistoryError. The caller closes it (withDb).
 */
function openDb(dbPath: string, create: boolean): Db {
  if (!create && !existsSync(dbPath)) {
    throw new HistoryError("missing", dbPath, `no run history at ${dbPath}`);
  }
  let db: Db | undefined;
  try {
    if (create) mkdirSync(dirname(dbPath), { recursive: true });
    db = new Database(dbPath, { timeout: BUSY_TIMEOUT_MS, fileMustExist: !create });
    // Persistent once set: the writer that creates the database sets it; a reader only asks
    // (which also fails fast on a file that is not a database).
    if (String(db.pragma("journal_mode", { simple: true })).toLowerCase() !== "wal" && create) db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    migrate(db, dbPath);
    return db;
  } catch (e) {
    try {
      db?.close();
    } catch {
      // closing a connection that failed to open: nothing to keep
    }
    throw classify(e, dbPath);
  }
}

function withDb<T>(dbPath: string, create: boolean, use: (db: Db) => T): T {
  const db = openDb(dbPath, create);
  try {
    return use(db);
  } catch (e) {
    if (e instanceof ShakedownError && !(e instanceof HistoryError)) throw e;
    throw classify(e, dbPath);
  } finally {
    try {
      db.close();
    } catch {
      // the transaction already failed and said why
    }
  }
}

// ---------------------------------------------------------------------------------------
// What a run contributes

/** The key --target matches: "simulator" for the embedded simulator, else the URL without credentials, trailing slash or /v1. */
export function targetKey(url: string, simulated = false): string {
  const t = url.trim();
  if (simulated || /^sim(ulator)?$/i.test(t)) return SIMULATOR_TARGET;
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`);
  } catch {
    return t.replace(/\/+$/, "").replace(/\/v1$/i, "");
  }
  const path = u.pathname.replace(/\/+$/, "").replace(/\/v1$/i, "");
  return `${u.protocol}//${u.host}${path}`.toLowerCase();
}

/** The URL to store: as written, less any user:password (run.json has none; never store one). */
function storedTarget(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}

const RESERVED_REF = /^(last(~\d+)?|baseline)$/;

/**
 * Checks a run label (`--label`); returns it trimmed, or throws ConfigError. "baseline" is
 * allowed (the newest run labelled baseline is `baseline`); "last" and "last~N" are not.
 */
export function checkLabel(label: string): string {
  const l = label.trim();
  if (l === "") throw new ConfigError("--label: empty label.");
  if (l.length > 100) throw new ConfigError(`--label: ${l.length} characters; at most 100.`);
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(l)) throw new ConfigError("--label: control characters are not allowed in a label.");
  if (RESERVED_REF.test(l) && l !== "baseline") throw new ConfigError(`--label ${l}: reserved ("last" and "last~N" name the newest runs); choose another label.`);
  return l;
}

/** A label read from a folder's results.json or run.json, when it records one. */
function labelIn(v: unknown): string | undefined {
  const l = (v as { label?: unknown } | null)?.label;
  if (typeof l !== "string") return undefined;
  try {
    return checkLabel(l);
  } catch {
    return undefined;
  }
}

interface RunRow {
  dir: string;
  run_id: string;
  started_at: string;
  ended_at: string | null;
  suite: string;
  target: string;
  target_key: string;
  model: string;
  simulated: number;
  status: string;
  complete: number;
  tool_version: string | null;
  label: string | null;
  indexed_at: string;
}

interface FigureRow {
  scenario: string;
  kind: string;
  figure: string;
  value: number | null;
  n: number;
  unit: string;
}

/** The database's folder-relative spelling of a run folder (absolute when outside it). */
function storedDir(absDir: string, dbPath: string): string {
  const rel = relative(dirname(dbPath), absDir);
  if (rel === "") return ".";
  return rel.startsWith("..") || isAbsolute(rel) ? absDir : rel;
}

function absoluteDir(stored: string, dbPath: string): string {
  return isAbsolute(stored) ? stored : resolve(dirname(dbPath), stored);
}

const str = (v: unknown): v is string => typeof v === "string" && v !== "";

/** The rows of a run; throws Error (why) when `results` is not a run's results. */
function rowsOf(absDir: string, results: RunResults, dbPath: string, label: string | undefined): { run: RunRow; figures: FigureRow[] } {
  const r = results as Partial<RunResults> | null;
  if (typeof r !== "object" || r === null) throw new Error("not a run's results (not an object)");
  const missing = [
    !str(r.runId) && "runId",
    !str(r.startedAt) && "startedAt",
    !str(r.suite?.name) && "suite.name",
    !str(r.target?.url) && "target.url",
    !Array.isArray(r.scenarios) && "scenarios",
  ].filter((x): x is string => typeof x === "string");
  if (missing.length > 0) throw new Error(`not a run's results (no ${missing.join(", ")})`);
  const target = r.target!;
  const figures: FigureRow[] = [];
  for (const s of r.scenarios!) {
    if (typeof s !== "object" || s === null || !str(s.name) || typeof s.metrics !== "object" || s.metrics === null) continue;
    for (const [figure, m] of Object.entries(s.metrics)) {
      if (typeof m !== "object" || m === null) continue;
      const value = typeof m.value === "number" && Number.isFinite(m.value) ? m.value : null;
      figures.push({
        scenario: s.name,
        kind: str(s.kind) ? s.kind : "",
        figure,
        value,
        n: typeof m.n === "number" && Number.isFinite(m.n) ? Math.round(m.n) : 0,
        unit: str(m.unit) ? m.unit : "",
      });
    }
  }
  return {
    run: {
      dir: storedDir(absDir, dbPath),
      run_id: r.runId!,
      started_at: r.startedAt!,
      ended_at: str(r.endedAt) ? r.endedAt : null,
      suite: r.suite!.name,
      target: storedTarget(target.url),
      target_key: targetKey(target.url, target.simulated === true),
      model: str(target.model) ? target.model : "",
      simulated: target.simulated === true ? 1 : 0,
      status: str(r.status) ? r.status : "unknown",
      complete: r.complete === true ? 1 : 0,
      tool_version: str(r.tool?.version) ? r.tool.version : null,
      label: label ?? null,
      indexed_at: new Date().toISOString(),
    },
    figures,
  };
}

/** Adds or replaces one run (its figures replaced whole); keeps its label and baseline mark when none is given. Returns its row id. */
function upsert(
  db: Db,
  rows: { run: RunRow; figures: FigureRow[] },
  keep?: { label: string | null; labelled_at: string | null; baseline_at: string | null },
  labelledSince: string = rows.run.indexed_at,
): number {
  const run = rows.run;
  const label = run.label ?? keep?.label ?? null;
  const { id } = db
    .prepare(
      `INSERT INTO runs (dir, run_id, started_at, ended_at, suite, target, target_key, model, simulated, status, complete, tool_version, label, labelled_at, baseline_at, indexed_at)
       VALUES (@dir, @run_id, @started_at, @ended_at, @suite, @target, @target_key, @model, @simulated, @status, @complete, @tool_version, @label, @labelled_at, @baseline_at, @indexed_at)
       ON CONFLICT (dir) DO UPDATE SET
         run_id = excluded.run_id, started_at = excluded.started_at, ended_at = excluded.ended_at, suite = excluded.suite,
         target = excluded.target, target_key = excluded.target_key, model = excluded.model, simulated = excluded.simulated,
         status = excluded.status, complete = excluded.complete, tool_version = excluded.tool_version,
         labelled_at = CASE WHEN excluded.label IS NULL OR excluded.label IS runs.label THEN runs.labelled_at ELSE excluded.labelled_at END,
         label = coalesce(excluded.label, runs.label),
         indexed_at = excluded.indexed_at
       RETURNING id`,
    )
    .get({
      ...run,
      label,
      labelled_at: label === null ? null : keep?.label === label && keep.labelled_at !== null ? keep.labelled_at : labelledSince,
      baseline_at: keep?.baseline_at ?? null,
    }) as { id: number };
  db.prepare("DELETE FROM figures WHERE run = ?").run(id);
  const add = db.prepare("INSERT OR REPLACE INTO figures (run, scenario, kind, figure, value, n, unit) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const f of rows.figures) add.run(id, f.scenario, f.kind, f.figure, f.value, f.n, f.unit);
  return id;
}

/** Adds (or replaces) a finished run: one row per run and one per (scenario, figure) with value and n. */
export function indexRun(dir: string, results: RunResults, opts: { label?: string; dbPath?: string } = {}): void {
  const absDir = resolve(dir);
  const dbPath = opts.dbPath !== undefined ? resolve(opts.dbPath) : historyPath(dirname(absDir));
  const label = opts.label !== undefined ? checkLabel(opts.label) : labelIn(results);
  const rows = rowsOf(absDir, results, dbPath, label);
  withDb(dbPath, true, (db) => db.transaction(() => upsert(db, rows)).immediate());
}

/**
 * Indexes a run that just finished, in <outDir>/history.sqlite (for the run command). Never
 * throws: any failure (locked, corrupt or unwritable database, a bad label) is one line
 * passed to onWarning; the run folder is whole either way and `shakedown history --rebuild`
 * indexes it later.
 */
export function indexFinishedRun(dir: string, results: RunResults, opts: { label?: string; outDir: string; onWarning(m: string): void }): void {
  let dbPath = HISTORY_FILE;
  try {
    dbPath = historyPath(opts.outDir);
    indexRun(dir, results, { ...(opts.label !== undefined ? { label: opts.label } : {}), dbPath });
  } catch (e) {
    const why = e instanceof HistoryError ? e.message.replace(`${dbPath} `, "the database ") : oneLine(e);
    const fix =
      e instanceof HistoryError && e.trouble === "corrupt"
        ? `shakedown history --rebuild --out ${opts.outDir} moves it aside and rebuilds it from the run folders`
        : `index it later with: shakedown history --rebuild --out ${opts.outDir}`;
    try {
      opts.onWarning(`the run was not added to the run history ${dbPath}: ${why}. The run folder is complete; ${fix}.`);
    } catch {
      // a warning that cannot be shown must not cost the run either
    }
  }
}

// ---------------------------------------------------------------------------------------
// Reading run folders (rebuild, and runs the database does not list)

type FolderRead = { results: RunResults; label?: string } | { skip: string };

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** A run folder's results for indexing, or why it cannot be indexed. */
export function readRunForIndex(dir: string): FolderRead {
  try {
    if (!statSync(dir).isDirectory()) return { skip: "not a folder" };
  } catch (e) {
    return { skip: `cannot be read (${sqliteCode(e) ?? oneLine(e)})` };
  }
  if (!existsSync(join(dir, RUN_FILES.manifest))) return { skip: `not a run folder (no ${RUN_FILES.manifest})` };
  if (!existsSync(join(dir, RUN_FILES.results))) {
    return { skip: `no ${RUN_FILES.results}: the run did not finish writing its results (shakedown report ${dir} re-analyses it)` };
  }
  let results: unknown;
  try {
    results = readJson(join(dir, RUN_FILES.results));
  } catch (e) {
    return { skip: `${RUN_FILES.results} is unreadable (${oneLine(e)})` };
  }
  const version = (results as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== RESULTS_SCHEMA_VERSION) return { skip: `${RUN_FILES.results} has schema version ${String(version)}; this shakedown reads ${RESULTS_SCHEMA_VERSION}` };
  let label = labelIn(results);
  if (label === undefined) {
    try {
      label = labelIn(readJson(join(dir, RUN_FILES.manifest)));
    } catch {
      // run.json unreadable: no label from it
    }
  }
  return { results: results as RunResults, ...(label !== undefined ? { label } : {}) };
}

function subfolders(outAbs: string): string[] {
  return readdirSync(outAbs, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(outAbs, d.name))
    .sort();
}

export interface RebuildOutcome {
  dbPath: string;
  /** Runs now in the database. */
  indexed: number;
  /** Folders left out, and why. */
  skipped: { dir: string; reason: string }[];
  /** Cycles of `shakedown watch` re-indexed from <out>/watch/<target>/cycles.jsonl. */
  watchCycles: number;
  /** Where an unreadable database was moved before the rebuild. */
  movedAside?: string;
}

function moveAside(dbPath: string): string {
  const aside = `${dbPath}.corrupt-${runTimestamp(new Date())}`;
  let target = aside;
  for (let i = 2; existsSync(target); i++) target = `${aside}-${i}`;
  renameSync(dbPath, target);
  for (const ext of ["-wal", "-shm"]) if (existsSync(dbPath + ext)) renameSync(dbPath + ext, target + ext);
  return target;
}

/**
 * Re-indexes every run folder directly under `outDir` (and the folders outside it that the
 * database listed and that still exist), in one transaction; labels and baseline marks the
 * database held are kept. An unreadable database is moved aside (history.sqlite.corrupt-…)
 * and a new one built. Throws HistoryError when the database is locked or cannot be written.
 */
export function rebuildHistory(outDir: string, opts: { dbPath?: string } = {}): RebuildOutcome {
  const outAbs = resolve(outDir);
  if (!existsSync(outAbs) || !statSync(outAbs).isDirectory()) {
    throw new ConfigError(`--out ${outDir}: no such folder, so there are no run folders to index; give the folder that holds them (output.dir of the suite).`);
  }
  const dbPath = opts.dbPath !== undefined ? resolve(opts.dbPath) : historyPath(outAbs);
  let movedAside: string | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return { ...rebuildOnce(outAbs, dbPath), ...(movedAside !== undefined ? { movedAside } : {}) };
    } catch (e) {
      if (e instanceof ShakedownError && !(e instanceof HistoryError)) throw e;
      const err = classify(e, dbPath);
      if (err.trouble !== "corrupt" || attempt > 0 || !existsSync(dbPath)) throw err;
      movedAside = moveAside(dbPath);
    }
  }
}

function rebuildOnce(outAbs: string, dbPath: string): Omit<RebuildOutcome, "movedAside"> {
  return withDb(dbPath, true, (db) => {
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new HistoryError("corrupt", dbPath, `${dbPath} fails its integrity check (${oneLine(check)})`);
    const kept = new Map(
      (db.prepare("SELECT dir, label, labelled_at, baseline_at FROM runs").all() as { dir: string; label: string | null; labelled_at: string | null; baseline_at: string | null }[]).map(
        (r) => [absoluteDir(r.dir, dbPath), r] as const,
      ),
    );
    // <out>/watch holds the watches' folders (their cycles are indexed below), and a grid folder
    // (grid.json) its cells' runs: neither is a run, nor skipped as a broken one.
    const inside = subfolders(outAbs).filter((d) => existsSync(join(d, RUN_FILES.manifest)) || !(basename(d) === "watch" || existsSync(join(d, "grid.json"))));
    const outside = [...kept.keys()].filter((d) => !inside.includes(d) && existsSync(d));
    const skipped: { dir: string; reason: string }[] = [];
    const found: { rows: { run: RunRow; figures: FigureRow[] }; dir: string }[] = [];
    for (const dir of [...inside, ...outside]) {
      const read = readRunForIndex(dir);
      if ("skip" in read) {
        skipped.push({ dir, reason: read.skip });
        continue;
      }
      try {
        found.push({ dir, rows: rowsOf(dir, read.results, dbPath, read.label) });
      } catch (e) {
        skipped.push({ dir, reason: `${RUN_FILES.results} is ${oneLine(e)}` });
      }
    }
    const cycles = watchCyclesIn(outAbs);
    db.transaction(() => {
      db.exec("DELETE FROM figures; DELETE FROM runs; DELETE FROM watch_cycles;");
      // A label found in a folder and unknown to the old database dates from its run.
      for (const f of found) upsert(db, f.rows, kept.get(f.dir), f.rows.run.started_at);
      for (const c of cycles) insertWatchCycle(db, c, dbPath);
    }).immediate();
    return { dbPath, indexed: found.length, skipped, watchCycles: cycles.length };
  });
}

// ---------------------------------------------------------------------------------------
// Queries

interface StoredRun {
  id: number;
  dir: string;
  run_id: string;
  started_at: string;
  suite: string;
  target: string;
  target_key: string;
  model: string;
  simulated: number;
  status: string;
  label: string | null;
  labelled_at: string | null;
  baseline_at: string | null;
}

function entryOf(r: StoredRun, dbPath: string): HistoryEntry {
  return {
    runId: r.run_id,
    dir: absoluteDir(r.dir, dbPath),
    startedAt: r.started_at,
    suite: r.suite,
    target: r.target,
    model: r.model,
    ...(r.label !== null ? { label: r.label } : {}),
    status: r.status,
    simulated: r.simulated === 1,
  };
}

function limitOf(limit: number | undefined): number {
  return limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : -1;
}

/** Runs, newest first. */
export function listRuns(opts: { dbPath: string; target?: string; limit?: number }): HistoryEntry[] {
  const dbPath = resolve(opts.dbPath);
  return withDb(dbPath, false, (db) => {
    const where = opts.target !== undefined ? "WHERE target_key = @target" : "";
    const rows = db
      .prepare(`SELECT * FROM runs ${where} ORDER BY started_at DESC, id DESC LIMIT @limit`)
      .all({ limit: limitOf(opts.limit), ...(opts.target !== undefined ? { target: targetKey(opts.target) } : {}) }) as StoredRun[];
    return rows.map((r) => entryOf(r, dbPath));
  });
}

export interface FigureSeries {
  figure: string;
  scenario: string;
  unit: string;
  /** Oldest first. */
  points: FigurePoint[];
}

/**
 * A figure over time (the newest `limit` runs that have it, oldest first), with the
 * scenario it belongs to and its unit. Throws ConfigError when no run has it, or when
 * several scenarios do and none was chosen.
 */
export function figureSeries(opts: { dbPath: string; figure: string; scenario?: string; target?: string; limit?: number }): FigureSeries {
  const dbPath = resolve(opts.dbPath);
  return withDb(dbPath, false, (db) => {
    const params = {
      figure: opts.figure,
      ...(opts.scenario !== undefined ? { scenario: opts.scenario } : {}),
      ...(opts.target !== undefined ? { target: targetKey(opts.target) } : {}),
    };
    const filter = `f.figure = @figure${opts.scenario !== undefined ? " AND f.scenario = @scenario" : ""}${opts.target !== undefined ? " AND r.target_key = @target" : ""}`;
    const forTarget = opts.target !== undefined ? ` for target ${opts.target}` : "";
    const scenarios = (db.prepare(`SELECT DISTINCT f.scenario AS s FROM figures f JOIN runs r ON r.id = f.run WHERE ${filter} ORDER BY s`).all(params) as { s: string }[]).map(
      (x) => x.s,
    );
    if (scenarios.length === 0 && opts.target !== undefined) {
      // Recorded, but not for this target: an empty series, not an error.
      const elsewhere = db.prepare(`SELECT DISTINCT scenario FROM figures WHERE figure = @figure${opts.scenario !== undefined ? " AND scenario = @scenario" : ""}`).all(params) as {
        scenario: string;
      }[];
      if (elsewhere.length > 0) return { figure: opts.figure, scenario: opts.scenario ?? (elsewhere.length === 1 ? elsewhere[0]!.scenario : ""), unit: "", points: [] };
    }
    if (scenarios.length === 0) {
      const inScenario = opts.scenario !== undefined ? ` in scenario ${opts.scenario}` : "";
      const similar = (
        db
          .prepare("SELECT DISTINCT figure FROM figures WHERE figure LIKE @p ORDER BY figure LIMIT 12")
          .all({ p: `${opts.figure.split(".")[0] ?? opts.figure}%` }) as { figure: string }[]
      ).map((x) => x.figure);
      const scen = (db.prepare("SELECT DISTINCT scenario FROM figures WHERE figure = ? ORDER BY scenario").all(opts.figure) as { scenario: string }[]).map((x) => x.scenario);
      const hint =
        similar.length > 0 && !similar.includes(opts.figure)
          ? `; figures recorded: ${similar.join(", ")}`
          : scen.length > 0
            ? `; it is recorded in scenario${scen.length === 1 ? "" : "s"} ${scen.join(", ")}`
            : "";
      throw new ConfigError(`no indexed run has the figure ${opts.figure}${inScenario}${forTarget}${hint}.`);
    }
    if (scenarios.length > 1) {
      throw new ConfigError(`${opts.figure} is a figure of several scenarios (${scenarios.join(", ")})${forTarget}: choose one with --scenario.`);
    }
    const scenario = scenarios[0]!;
    const rows = db
      .prepare(
        `SELECT r.run_id, r.started_at, r.label, r.dir, f.value, f.n, f.unit FROM figures f JOIN runs r ON r.id = f.run
         WHERE ${filter} AND f.scenario = @only ORDER BY r.started_at DESC, r.id DESC LIMIT @limit`,
      )
      .all({ ...params, only: scenario, limit: limitOf(opts.limit) }) as {
      run_id: string;
      started_at: string;
      label: string | null;
      dir: string;
      value: number | null;
      n: number;
      unit: string;
    }[];
    rows.reverse();
    return {
      figure: opts.figure,
      scenario,
      unit: rows[rows.length - 1]?.unit ?? "",
      points: rows.map((r) => ({
        runId: r.run_id,
        startedAt: r.started_at,
        ...(r.label !== null ? { label: r.label } : {}),
        ...(r.value !== null ? { value: r.value } : {}),
        n: r.n,
        dir: absoluteDir(r.dir, dbPath),
      })),
    };
  });
}

/** A figure over time: the newest `limit` runs that have it, oldest first. */
export function figureHistory(opts: { dbPath: string; figure: string; scenario?: string; target?: string; limit?: number }): FigurePoint[] {
  return figureSeries(opts).points;
}

/** Marks a run as the baseline (indexing it first when the database does not list it yet). */
export function setBaseline(dir: string, opts: { dbPath?: string } = {}): void {
  const absDir = resolve(dir);
  const dbPath = opts.dbPath !== undefined ? resolve(opts.dbPath) : historyPath(dirname(absDir));
  const stored = storedDir(absDir, dbPath);
  // Read the folder before taking the write lock, in case the database does not list it.
  const listed = existsSync(dbPath) ? withDb(dbPath, false, (db) => db.prepare("SELECT 1 FROM runs WHERE dir = ?").get(stored) !== undefined) : false;
  let rows: { run: RunRow; figures: FigureRow[] } | undefined;
  if (!listed) {
    const read = readRunForIndex(absDir);
    if ("skip" in read) throw new ConfigError(`${dir}: cannot be the baseline: ${read.skip}.`);
    rows = rowsOf(absDir, read.results, dbPath, read.label);
  }
  withDb(dbPath, true, (db) =>
    db
      .transaction(() => {
        if (rows !== undefined && db.prepare("SELECT 1 FROM runs WHERE dir = ?").get(stored) === undefined) upsert(db, rows);
        db.prepare("UPDATE runs SET baseline_at = ? WHERE dir = ?").run(new Date().toISOString(), stored);
      })
      .immediate(),
  );
}

// ---------------------------------------------------------------------------------------
// Run references: last, last~N, baseline, a label, a run id, a folder

interface KnownRun {
  dir: string;
  runId: string;
  startedAt: string;
  suite: string;
  targetKey: string;
  label?: string;
  /** When this run became the baseline: set with setBaseline, or labelled "baseline". */
  baselineSince?: string;
}

/** Finished runs under outAbs, from their run.json (results.json must exist); nothing parsed but run.json. */
function scanFolders(outAbs: string): KnownRun[] {
  if (!existsSync(outAbs)) return [];
  let dirs: string[];
  try {
    dirs = subfolders(outAbs);
  } catch {
    return [];
  }
  const runs: KnownRun[] = [];
  for (const dir of dirs) {
    if (!existsSync(join(dir, RUN_FILES.results))) continue;
    let m: unknown;
    try {
      m = readJson(join(dir, RUN_FILES.manifest));
    } catch {
      continue;
    }
    const r = m as Partial<RunResults> | null;
    if (!str(r?.runId) || !str(r.startedAt) || !str(r.target?.url)) continue;
    const label = labelIn(r);
    runs.push({
      dir,
      runId: r.runId,
      startedAt: r.startedAt,
      suite: str(r.suite?.name) ? r.suite.name : "",
      targetKey: targetKey(r.target.url, r.target.simulated === true),
      ...(label !== undefined ? { label } : {}),
      ...(label === "baseline" ? { baselineSince: r.startedAt } : {}),
    });
  }
  return runs;
}

/** The database's runs (whose folders still exist) and the finished run folders under outAbs it does not list. */
function knownRuns(dbPath: string, outAbs: string): { runs: KnownRun[]; dbNote?: string } {
  const runs = new Map<string, KnownRun>();
  let dbNote: string | undefined;
  if (existsSync(dbPath)) {
    try {
      const rows = withDb(dbPath, false, (db) => db.prepare("SELECT * FROM runs").all() as StoredRun[]);
      for (const r of rows) {
        const dir = absoluteDir(r.dir, dbPath);
        if (!existsSync(dir)) continue;
        const since = [r.baseline_at, r.label === "baseline" ? r.labelled_at : null].filter((x): x is string => x !== null).sort().pop();
        runs.set(dir, {
          dir,
          runId: r.run_id,
          startedAt: r.started_at,
          suite: r.suite,
          targetKey: r.target_key,
          ...(r.label !== null ? { label: r.label } : {}),
          ...(since !== undefined ? { baselineSince: since } : {}),
        });
      }
    } catch (e) {
      dbNote = `${e instanceof HistoryError ? e.message : oneLine(e)}; only the run folders were looked at`;
    }
  } else {
    dbNote = `${dbPath} does not exist; only the run folders were looked at`;
  }
  for (const r of scanFolders(outAbs)) if (!runs.has(r.dir)) runs.set(r.dir, r);
  return { runs: [...runs.values()], ...(dbNote !== undefined ? { dbNote } : {}) };
}

const newestFirst = (a: KnownRun, b: KnownRun): number => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0);

/** The baseline among runs: the one most recently made baseline (setBaseline, or labelled "baseline"). */
function baselineAmong(runs: KnownRun[]): KnownRun | undefined {
  return runs
    .filter((r) => r.baselineSince !== undefined)
    .sort((a, b) => (a.baselineSince! < b.baselineSince! ? 1 : a.baselineSince! > b.baselineSince! ? -1 : newestFirst(a, b)))[0];
}

/** The current baseline's folder (absolute), optionally of this target/suite; undefined when none. */
export function currentBaseline(opts: { dbPath: string; target?: string; suite?: string }): string | undefined {
  const dbPath = resolve(opts.dbPath);
  const { runs } = knownRuns(dbPath, dirname(dbPath));
  return baselineAmong(filterRuns(runs, opts))?.dir;
}

function filterRuns(runs: KnownRun[], opts: { target?: string; suite?: string }): KnownRun[] {
  const key = opts.target !== undefined ? targetKey(opts.target) : undefined;
  return runs.filter((r) => (key === undefined || r.targetKey === key) && (opts.suite === undefined || r.suite === opts.suite));
}

function listNames(names: string[], max = 8): string {
  const uniq = [...new Set(names)];
  return uniq.length > max ? `${uniq.slice(0, max).join(", ")}, … (${uniq.length} in all)` : uniq.join(", ");
}

/**
 * Resolves "last" (the newest run, optionally of this target/suite; "last~1" the one before),
 * "baseline" (the run most recently labelled baseline or set with setBaseline), a label
 * ("v0.11.2", its newest run), a run id, or a folder path → a run folder path (absolute);
 * ConfigError with what exists otherwise. The runs looked at: those the database lists and
 * the finished run folders under the output dir (so a run not indexed is still `last`).
 */
export function resolveRunRef(ref: string, opts: { cwd?: string; outDir?: string; target?: string; suite?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const outAbs = resolve(cwd, opts.outDir ?? "runs");
  const dbPath = historyPath(outAbs);
  const r = ref.trim();
  if (r === "") throw new ConfigError('empty run reference: give "last", "baseline", a label, a run id or a run folder.');
  const last = /^last(?:~(\d+))?$/.exec(r);
  if (last === null && r !== "baseline") {
    const p = resolve(cwd, r);
    if (existsSync(p) && statSync(p).isDirectory()) return p;
  }
  const { runs: all, dbNote } = knownRuns(dbPath, outAbs);
  const runs = filterRuns(all, opts).sort(newestFirst);
  const scope = [opts.target !== undefined && `target ${opts.target}`, opts.suite !== undefined && `suite ${opts.suite}`].filter(Boolean).join(", ");
  const of = scope !== "" ? ` of ${scope}` : "";
  const note = dbNote !== undefined ? ` (${dbNote})` : "";
  const shown = relative(cwd, outAbs);
  const where = shown === "" ? "." : shown.startsWith("..") || isAbsolute(shown) ? outAbs : shown;
  const newest = runs[0] !== undefined ? `; newest: ${runs[0].runId}` : "";
  const what = `${runs.length} finished run${runs.length === 1 ? "" : "s"}${of} in ${where}${newest}`;

  if (last !== null) {
    const k = last[1] !== undefined ? Number(last[1]) : 0;
    const hit = runs[k];
    if (hit === undefined) {
      throw new ConfigError(
        runs.length === 0
          ? `${r}: no finished run${of} in ${where}${note}; run one first (shakedown run), or point --out at the folder that holds the runs.`
          : `${r}: there ${runs.length === 1 ? "is" : "are"} only ${what}${note}.`,
      );
    }
    return hit.dir;
  }
  if (r === "baseline") {
    const hit = baselineAmong(runs);
    if (hit === undefined) {
      throw new ConfigError(
        `no baseline${of}: label a run "baseline" (shakedown run --label baseline) or choose one (shakedown history --set-baseline DIR); ${what}${note}.`,
      );
    }
    return hit.dir;
  }
  const labelled = runs.find((x) => x.label === r);
  if (labelled !== undefined) return labelled.dir;
  const byId = runs.find((x) => x.runId === r);
  if (byId !== undefined) return byId.dir;
  const labels = runs.map((x) => x.label).filter((x): x is string => x !== undefined);
  throw new ConfigError(
    `${ref}: no such run folder, label or run id${of}. Labels: ${labels.length > 0 ? listNames(labels) : "none"}; ${what}${note}; or use last, last~N, baseline.`,
  );
}

// ---------------------------------------------------------------------------------------
// Watch cycles

export interface WatchCycleRow {
  /** The watch folder (absolute). */
  watch: string;
  cycle: number;
  startedAt: string;
  endedAt: string;
  target: string;
  outcome: string;
  requests: number;
  errors: number;
  ttftP90Ms?: number;
  e2eP50Ms?: number;
  firing: string[];
}

/**
 * Indexes one watch cycle (the watch's cycles.jsonl stays the truth). Never costs the watch:
 * a database that cannot be written is a warning. A cycle indexed again replaces its row.
 */
export function indexWatchCycle(row: WatchCycleRow, opts: { outDir: string; onWarning(m: string): void }): void {
  const dbPath = historyPath(opts.outDir);
  try {
    withDb(dbPath, true, (db) => insertWatchCycle(db, row, dbPath));
  } catch (e) {
    if (!(e instanceof HistoryError)) throw e;
    opts.onWarning(`the run history could not index watch cycle ${row.cycle}: ${e.message} (cycles.jsonl keeps it)`);
  }
}

function insertWatchCycle(db: Db, row: WatchCycleRow, dbPath: string): void {
  db.prepare(
    `INSERT OR REPLACE INTO watch_cycles (watch, cycle, started_at, ended_at, target, target_key, outcome, requests, errors, ttft_p90_ms, e2e_p50_ms, firing)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    storedDir(row.watch, dbPath),
    row.cycle,
    row.startedAt,
    row.endedAt,
    row.target,
    targetKey(row.target),
    row.outcome,
    row.requests,
    row.errors,
    finiteOrNull(row.ttftP90Ms),
    finiteOrNull(row.e2eP50Ms),
    JSON.stringify(row.firing),
  );
}

/** The cycles of every watch folder under <out>/watch/ (watch.json names the target; cycles.jsonl the cycles). */
function watchCyclesIn(outAbs: string): WatchCycleRow[] {
  const root = join(outAbs, "watch");
  if (!existsSync(root)) return [];
  const rows: WatchCycleRow[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    let target: unknown;
    try {
      target = (JSON.parse(readFileSync(join(dir, "watch.json"), "utf8")) as { target?: unknown }).target;
    } catch {
      continue; // not a watch folder, or one whose session never started
    }
    if (typeof target !== "string") continue;
    const { items } = readJsonl<Record<string, unknown>>(join(dir, "cycles.jsonl"), (v) => (typeof v === "object" && v !== null && typeof (v as { cycle?: unknown }).cycle === "number" ? undefined : "not a cycle"));
    for (const c of items) {
      const figures = (typeof c.figures === "object" && c.figures !== null ? c.figures : {}) as Record<string, unknown>;
      const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
      const ttft = num(figures["ttft.p90"]);
      const e2e = num(figures["e2e.p50"]);
      rows.push({
        watch: dir,
        cycle: c.cycle as number,
        startedAt: String(c.startedAt ?? c.at ?? ""),
        endedAt: String(c.at ?? c.startedAt ?? ""),
        target,
        outcome: String(c.outcome ?? "unknown"),
        requests: num(c.requests) ?? 0,
        errors: num(c.errors) ?? 0,
        ...(ttft !== undefined ? { ttftP90Ms: ttft } : {}),
        ...(e2e !== undefined ? { e2eP50Ms: e2e } : {}),
        firing: Array.isArray(c.firing) ? c.firing.filter((x): x is string => typeof x === "string") : [],
      });
    }
  }
  return rows;
}

/** The newest watch cycles, newest first (optionally of one target). */
export function listWatchCycles(opts: { dbPath: string; target?: string; limit?: number }): WatchCycleRow[] {
  return withDb(opts.dbPath, false, (db) => {
    const where = opts.target !== undefined ? "WHERE target_key = ?" : "";
    const args: unknown[] = opts.target !== undefined ? [targetKey(opts.target)] : [];
    const rows = db
      .prepare(`SELECT * FROM watch_cycles ${where} ORDER BY started_at DESC, cycle DESC LIMIT ?`)
      .all(...args, opts.limit ?? 20) as Record<string, unknown>[];
    return rows.map((r) => ({
      watch: absoluteDir(String(r.watch), opts.dbPath),
      cycle: Number(r.cycle),
      startedAt: String(r.started_at),
      endedAt: String(r.ended_at),
      target: String(r.target),
      outcome: String(r.outcome),
      requests: Number(r.requests),
      errors: Number(r.errors),
      ...(typeof r.ttft_p90_ms === "number" ? { ttftP90Ms: r.ttft_p90_ms } : {}),
      ...(typeof r.e2e_p50_ms === "number" ? { e2eP50Ms: r.e2e_p50_ms } : {}),
      firing: JSON.parse(String(r.firing)) as string[],
    }));
  });
}

function finiteOrNull(v: number | undefined): number | null {
  return v !== undefined && Number.isFinite(v) ? v : null;
}
