import Database from "better-sqlite3";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import {
  checkLabel,
  figureHistory,
  historyPath,
  HistoryError,
  indexFinishedRun,
  indexRun,
  indexWatchCycle,
  listRuns,
  listWatchCycles,
  rebuildHistory,
  resolveRunRef,
  setBaseline,
  targetKey,
} from "../../../src/store/history.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir("shakedown-history-");
let seq = 0;
/** A fresh output dir per test. */
function outDir(): string {
  const d = join(root, `out-${++seq}`);
  mkdirSync(d, { recursive: true });
  return d;
}

interface Fake {
  startedAt: string;
  suite?: string;
  url?: string;
  simulated?: boolean;
  model?: string;
  status?: RunResults["status"];
  label?: string;
  scenarios?: { name: string; kind?: string; metrics: Record<string, { value?: number; n: number; unit: string }> }[];
}

function fakeResults(f: Fake): RunResults {
  const suite = f.suite ?? "conversation";
  const runId = `${f.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${suite}`;
  const r = {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.1.0" },
    runId,
    startedAt: f.startedAt,
    endedAt: f.startedAt,
    suite: { name: suite },
    target: { url: f.url ?? "http://127.0.0.1:45555/v1", model: f.model ?? "shakedown-sim", simulated: f.simulated ?? true, models: [] },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    complete: true,
    status: f.status ?? "pass",
    records: { file: "records.jsonl", count: 2, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios: (f.scenarios ?? [{ name: "conversation", metrics: { "ttft.p90": { value: 10, n: 2, unit: "ms" } } }]).map((s) => ({
      name: s.name,
      kind: s.kind ?? s.name,
      metrics: s.metrics,
      verdicts: [],
      status: "pass",
      detail: {},
      requests: { total: 2, ok: 2, failed: 0 },
      errors: [],
      notes: [],
    })),
    renderedAt: f.startedAt,
    ...(f.label !== undefined ? { label: f.label } : {}),
  };
  return r as unknown as RunResults;
}

/** Writes a run folder (run.json + results.json) under `out`; returns its path and results. */
function writeRun(out: string, f: Fake): { dir: string; results: RunResults } {
  const results = fakeResults(f);
  const dir = join(out, results.runId);
  mkdirSync(dir, { recursive: true });
  const { endedAt: _e, complete: _c, status: _s, records: _r, warmup: _w, scenarios: _sc, renderedAt: _ra, ...manifest } = results;
  writeFileSync(join(dir, "run.json"), JSON.stringify(manifest));
  writeFileSync(join(dir, "results.json"), JSON.stringify(results));
  return { dir, results };
}

function ttft(v: number | undefined, n = 2) {
  return [{ name: "conversation", metrics: { "ttft.p90": { ...(v !== undefined ? { value: v } : {}), n, unit: "ms" } } }];
}

describe("indexRun", () => {
  it("adds one row per run and one per (scenario, figure), with the folder relative to the database", () => {
    const out = outDir();
    const { dir, results } = writeRun(out, {
      startedAt: "2026-01-01T10:00:00.000Z",
      scenarios: [
        { name: "conversation", metrics: { "ttft.p90": { value: 12.5, n: 8, unit: "ms" }, "e2e.mean": { n: 0, unit: "ms" } } },
        { name: "cache", metrics: { "hit_ratio": { value: 0.5, n: 4, unit: "ratio" } } },
      ],
    });
    indexRun(dir, results, { label: "v0.11.2" });
    const db = new Database(historyPath(out), { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT version FROM schema_version").all()).toEqual([{ version: 1 }, { version: 2 }]);
      expect(db.prepare("SELECT dir, run_id, label, target, target_key FROM runs").all()).toEqual([
        { dir: results.runId, run_id: results.runId, label: "v0.11.2", target: "http://127.0.0.1:45555/v1", target_key: "simulator" },
      ]);
      expect(db.prepare("SELECT scenario, figure, value, n, unit FROM figures ORDER BY scenario, figure").all()).toEqual([
        { scenario: "cache", figure: "hit_ratio", value: 0.5, n: 4, unit: "ratio" },
        { scenario: "conversation", figure: "e2e.mean", value: null, n: 0, unit: "ms" },
        { scenario: "conversation", figure: "ttft.p90", value: 12.5, n: 8, unit: "ms" },
      ]);
    } finally {
      db.close();
    }
    expect(listRuns({ dbPath: historyPath(out) })).toEqual([
      {
        runId: results.runId,
        dir,
        startedAt: "2026-01-01T10:00:00.000Z",
        suite: "conversation",
        target: "http://127.0.0.1:45555/v1",
        model: "shakedown-sim",
        label: "v0.11.2",
        status: "pass",
        simulated: true,
      },
    ]);
  });

  it("replaces a run indexed again (figures replaced whole) and keeps its label when none is given", () => {
    const out = outDir();
    const { dir, results } = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z", scenarios: ttft(10) });
    indexRun(dir, results, { label: "first" });
    const again = fakeResults({ startedAt: "2026-01-01T10:00:00.000Z", status: "fail", scenarios: [{ name: "conversation", metrics: { "ttft.p50": { value: 3, n: 1, unit: "ms" } } }] });
    indexRun(dir, again);
    const runs = listRuns({ dbPath: historyPath(out) });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "fail", label: "first" });
    expect(() => figureHistory({ dbPath: historyPath(out), figure: "ttft.p90" })).toThrow(ConfigError);
    expect(figureHistory({ dbPath: historyPath(out), figure: "ttft.p50" }).map((p) => p.value)).toEqual([3]);
  });

  it("stores a folder outside the database's folder as an absolute path, and never a URL's credentials", () => {
    const out = outDir();
    const elsewhere = outDir();
    const { dir, results } = writeRun(elsewhere, { startedAt: "2026-01-01T10:00:00.000Z", url: "https://user:secret@gpu-box:8000/v1/", simulated: false });
    indexRun(dir, results, { dbPath: historyPath(out) });
    const db = new Database(historyPath(out), { readonly: true });
    try {
      const row = db.prepare("SELECT dir, target, target_key FROM runs").get() as { dir: string; target: string; target_key: string };
      expect(row.dir).toBe(dir);
      expect(row.target).not.toContain("secret");
      expect(row.target_key).toBe("https://gpu-box:8000");
    } finally {
      db.close();
    }
    expect(listRuns({ dbPath: historyPath(out), target: "https://GPU-box:8000" })).toHaveLength(1);
    expect(listRuns({ dbPath: historyPath(out), target: "simulator" })).toHaveLength(0);
  });

  it("refuses a label that a reference would shadow, and a results object that is not a run's", () => {
    expect(() => checkLabel("last")).toThrow(ConfigError);
    expect(() => checkLabel("last~2")).toThrow(ConfigError);
    expect(() => checkLabel(" ")).toThrow(ConfigError);
    expect(() => checkLabel("a\u001b[31mb")).toThrow(ConfigError);
    expect(checkLabel(" v0.11.2 ")).toBe("v0.11.2");
    expect(checkLabel("baseline")).toBe("baseline");
    const out = outDir();
    expect(() => indexRun(join(out, "x"), {} as RunResults)).toThrow(/not a run's results \(no runId, startedAt, suite.name, target.url, scenarios\)/);
  });

  it("normalises targets: the simulator, trailing slash and /v1", () => {
    expect(targetKey("http://127.0.0.1:1234/v1", true)).toBe("simulator");
    expect(targetKey("sim")).toBe("simulator");
    expect(targetKey("http://Host:8000/v1/")).toBe("http://host:8000");
    expect(targetKey("host:8000")).toBe("http://host:8000");
  });
});

describe("resolveRunRef", () => {
  it("resolves last, last~N, a label, a run id and a folder; filters by target and suite", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z", label: "v0.11.1" });
    const b = writeRun(out, { startedAt: "2026-01-02T10:00:00.000Z", suite: "load", url: "http://gpu:8000/v1", simulated: false });
    const c = writeRun(out, { startedAt: "2026-01-03T10:00:00.000Z" });
    // Indexed out of order: "last" is by start time.
    indexRun(c.dir, c.results, { label: "v0.11.2" });
    indexRun(a.dir, a.results);
    indexRun(b.dir, b.results);
    const o = { cwd: root, outDir: out };
    expect(resolveRunRef("last", o)).toBe(c.dir);
    expect(resolveRunRef("last~1", o)).toBe(b.dir);
    expect(resolveRunRef("last", { ...o, target: "http://gpu:8000" })).toBe(b.dir);
    expect(resolveRunRef("last", { ...o, suite: "conversation", target: "simulator" })).toBe(c.dir);
    expect(resolveRunRef("last~1", { ...o, suite: "conversation" })).toBe(a.dir);
    expect(resolveRunRef("v0.11.2", o)).toBe(c.dir);
    // A label recorded in results.json (the run command's --label) is picked up when indexing.
    expect(resolveRunRef("v0.11.1", o)).toBe(a.dir);
    expect(resolveRunRef(a.results.runId, o)).toBe(a.dir);
    expect(resolveRunRef(b.dir, o)).toBe(b.dir);
    expect(() => resolveRunRef("last~3", o)).toThrow(/only 3 finished runs/);
    let err: unknown;
    try {
      resolveRunRef("v9", o);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/v9: no such run folder, label or run id\. Labels: v0\.11\.2, v0\.11\.1; 3 finished runs/);
  });

  it("baseline: the run most recently labelled baseline or set with setBaseline", () => {
    const out = outDir();
    const o = { cwd: root, outDir: out };
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const b = writeRun(out, { startedAt: "2026-01-02T10:00:00.000Z" });
    const c = writeRun(out, { startedAt: "2026-01-03T10:00:00.000Z" });
    indexRun(a.dir, a.results);
    expect(() => resolveRunRef("baseline", o)).toThrow(/no baseline: label a run "baseline" .* or choose one \(shakedown history --set-baseline DIR\); 3 finished runs in /);
    indexRun(b.dir, b.results, { label: "baseline" });
    expect(resolveRunRef("baseline", o)).toBe(b.dir);
    setBaseline(a.dir);
    expect(resolveRunRef("baseline", o)).toBe(a.dir);
    // Re-indexing b (a re-rendered report) does not make it the baseline again.
    indexRun(b.dir, b.results);
    expect(resolveRunRef("baseline", o)).toBe(a.dir);
    indexRun(c.dir, c.results, { label: "baseline" });
    expect(resolveRunRef("baseline", o)).toBe(c.dir);
    expect(() => resolveRunRef("baseline", { ...o, target: "http://other:1/v1" })).toThrow(/no baseline of target http:\/\/other:1\/v1/);
  });

  it("finds run folders the database does not list, and works without a database", () => {
    const out = outDir();
    const o = { cwd: root, outDir: out };
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    expect(resolveRunRef("last", o)).toBe(a.dir);
    indexRun(a.dir, a.results);
    const b = writeRun(out, { startedAt: "2026-01-02T10:00:00.000Z" }); // run with --no-history
    mkdirSync(join(out, "20990101T000000Z-crashed"));
    writeFileSync(join(out, "20990101T000000Z-crashed", "run.json"), "{}"); // no results.json: not finished
    expect(resolveRunRef("last", o)).toBe(b.dir);
    expect(() => resolveRunRef("last", { cwd: root, outDir: join(root, "nothing-here") })).toThrow(/last: no finished run in .*nothing-here .*does not exist/);
  });

  it("setBaseline indexes a run folder the database does not list, and refuses a folder that is not a run", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    setBaseline(a.dir);
    expect(listRuns({ dbPath: historyPath(out) }).map((r) => r.dir)).toEqual([a.dir]);
    expect(resolveRunRef("baseline", { cwd: root, outDir: out })).toBe(a.dir);
    mkdirSync(join(out, "plain"));
    expect(() => setBaseline(join(out, "plain"))).toThrow(/cannot be the baseline: not a run folder \(no run\.json\)/);
  });
});

describe("figureHistory", () => {
  it("gives a figure oldest first, the newest `limit` runs, with labels and missing values", () => {
    const out = outDir();
    const dbPath = historyPath(out);
    const starts = ["2026-01-03", "2026-01-01", "2026-01-04", "2026-01-02"];
    const values = [30, 10, undefined, 20];
    starts.forEach((d, i) => {
      const r = writeRun(out, { startedAt: `${d}T10:00:00.000Z`, scenarios: ttft(values[i]) });
      indexRun(r.dir, r.results, i === 1 ? { label: "v1" } : {});
    });
    const all = figureHistory({ dbPath, figure: "ttft.p90" });
    expect(all.map((p) => p.startedAt.slice(0, 10))).toEqual(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]);
    expect(all.map((p) => p.value)).toEqual([10, 20, 30, undefined]);
    expect(all[0]).toMatchObject({ label: "v1", n: 2 });
    expect(all[3]).not.toHaveProperty("value");
    expect(existsSync(all[0]!.dir)).toBe(true);
    expect(figureHistory({ dbPath, figure: "ttft.p90", limit: 2 }).map((p) => p.startedAt.slice(0, 10))).toEqual(["2026-01-03", "2026-01-04"]);
    expect(figureHistory({ dbPath, figure: "ttft.p90", target: "http://elsewhere:1" })).toHaveLength(0);
  });

  it("asks for a scenario when several have the figure, and names the figures there are", () => {
    const out = outDir();
    const dbPath = historyPath(out);
    const r = writeRun(out, {
      startedAt: "2026-01-01T10:00:00.000Z",
      scenarios: [
        { name: "conversation", metrics: { "ttft.p90": { value: 1, n: 1, unit: "ms" } } },
        { name: "cache", metrics: { "ttft.p90": { value: 2, n: 1, unit: "ms" } } },
      ],
    });
    indexRun(r.dir, r.results);
    expect(() => figureHistory({ dbPath, figure: "ttft.p90" })).toThrow(/several scenarios \(cache, conversation\): choose one with --scenario/);
    expect(figureHistory({ dbPath, figure: "ttft.p90", scenario: "cache" }).map((p) => p.value)).toEqual([2]);
    expect(() => figureHistory({ dbPath, figure: "ttft.p9" })).toThrow(/no indexed run has the figure ttft\.p9; figures recorded: ttft\.p90/);
  });
});

describe("rebuild", () => {
  it("re-indexes every run folder, skips what is not a finished run with a reason, keeps labels and the baseline", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z", scenarios: ttft(1) });
    const b = writeRun(out, { startedAt: "2026-01-02T10:00:00.000Z", scenarios: ttft(2) });
    const c = writeRun(out, { startedAt: "2026-01-03T10:00:00.000Z", scenarios: ttft(3), label: "from-folder" });
    indexRun(a.dir, a.results, { label: "old" });
    setBaseline(a.dir);
    mkdirSync(join(out, "final-20260105T000000Z"));
    writeFileSync(join(out, "final-20260105T000000Z", "final-report.md"), "# x\n");
    mkdirSync(join(out, "20260106T000000Z-crashed"));
    writeFileSync(join(out, "20260106T000000Z-crashed", "run.json"), "{}");
    mkdirSync(join(out, "20260107T000000Z-torn"));
    writeFileSync(join(out, "20260107T000000Z-torn", "run.json"), "{}");
    writeFileSync(join(out, "20260107T000000Z-torn", "results.json"), '{"schemaVersion": 1, "run');
    writeFileSync(join(out, "notes.txt"), "not a folder");

    const r = rebuildHistory(out);
    expect(r.indexed).toBe(3);
    expect(r.movedAside).toBeUndefined();
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.dir.slice(out.length + 1), s.reason]));
    expect(reasons).toEqual({
      "final-20260105T000000Z": "not a run folder (no run.json)",
      "20260106T000000Z-crashed": expect.stringMatching(/^no results\.json: the run did not finish writing its results/),
      "20260107T000000Z-torn": expect.stringMatching(/^results\.json is unreadable/),
    });
    const dbPath = historyPath(out);
    expect(listRuns({ dbPath }).map((e) => [e.dir, e.label])).toEqual([
      [c.dir, "from-folder"],
      [b.dir, undefined],
      [a.dir, "old"],
    ]);
    expect(resolveRunRef("baseline", { cwd: root, outDir: out })).toBe(a.dir);
    expect(figureHistory({ dbPath, figure: "ttft.p90" }).map((p) => p.value)).toEqual([1, 2, 3]);
    // A second rebuild is the same.
    expect(rebuildHistory(out).indexed).toBe(3);
    expect(listRuns({ dbPath })).toHaveLength(3);
  });

  it("moves a corrupt database aside and builds a new one", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    writeFileSync(historyPath(out), "this is not an SQLite database ".repeat(200));
    const r = rebuildHistory(out);
    expect(r.indexed).toBe(1);
    expect(r.movedAside).toMatch(/history\.sqlite\.corrupt-\d{8}T\d{6}Z$/);
    expect(existsSync(r.movedAside!)).toBe(true);
    expect(listRuns({ dbPath: historyPath(out) }).map((e) => e.dir)).toEqual([a.dir]);
  });

  it("refuses an output dir that does not exist", () => {
    expect(() => rebuildHistory(join(root, "no-such-out"))).toThrow(ConfigError);
  });
});

describe("a database that cannot be used never costs a run", () => {
  it("locked by another connection: a warning, then indexing works once the lock is gone", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const b = writeRun(out, { startedAt: "2026-01-02T10:00:00.000Z" });
    indexRun(a.dir, a.results);
    const holder = new Database(historyPath(out));
    holder.exec("BEGIN EXCLUSIVE");
    const warnings: string[] = [];
    try {
      const t0 = Date.now();
      expect(() => indexFinishedRun(b.dir, b.results, { outDir: out, onWarning: (m) => warnings.push(m) })).not.toThrow();
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the run was not added to the run history .*history\.sqlite: the database is locked by another process/);
    expect(warnings[0]).toMatch(/The run folder is complete; index it later with: shakedown history --rebuild --out /);
    expect(listRuns({ dbPath: historyPath(out) })).toHaveLength(1);
    indexFinishedRun(b.dir, b.results, { outDir: out, label: "later", onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(listRuns({ dbPath: historyPath(out) }).map((e) => e.label)).toEqual(["later", undefined]);
  }, 20_000);

  it("a corrupt file: a warning that says how to rebuild, and the file is left as it was", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const junk = "garbage ".repeat(1000);
    writeFileSync(historyPath(out), junk);
    const warnings: string[] = [];
    indexFinishedRun(a.dir, a.results, { outDir: out, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is not a readable SQLite database/);
    expect(warnings[0]).toMatch(/shakedown history --rebuild --out .* moves it aside and rebuilds it from the run folders/);
    expect(readdirSync(out).sort()).toEqual([a.results.runId, "history.sqlite"]);
    expect(() => listRuns({ dbPath: historyPath(out) })).toThrow(HistoryError);
  });

  it("an unwritable place: a warning", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const file = join(out, "a-file");
    writeFileSync(file, "x");
    const warnings: string[] = [];
    indexFinishedRun(a.dir, a.results, { outDir: file, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot be opened or written/);
  });

  it("a bad label: a warning, not a crash", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const warnings: string[] = [];
    indexFinishedRun(a.dir, a.results, { outDir: out, label: "last", onWarning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/--label last: reserved/);
  });

  it("a database of a newer schema is refused, never rewritten", () => {
    const out = outDir();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    indexRun(a.dir, a.results);
    const db = new Database(historyPath(out));
    db.prepare("INSERT INTO schema_version (version, applied_at, tool_version) VALUES (99, 'now', '9.9.9')").run();
    db.close();
    const warnings: string[] = [];
    indexFinishedRun(a.dir, a.results, { outDir: out, onWarning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/written by a newer shakedown \(history schema 99; this one knows 2\)/);
    let err: unknown;
    try {
      listRuns({ dbPath: historyPath(out) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HistoryError);
    expect((err as HistoryError).exitCode).toBe(2);
  });

  it("migrates a database from an older schema (version 0: an empty version table)", () => {
    const out = outDir();
    const db = new Database(historyPath(out));
    db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, tool_version TEXT NOT NULL)");
    db.close();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    indexRun(a.dir, a.results);
    expect(listRuns({ dbPath: historyPath(out) })).toHaveLength(1);
  });

  it("an SQLite file that is not a history is not touched", () => {
    const out = outDir();
    const db = new Database(historyPath(out));
    db.exec("CREATE TABLE other (x)");
    db.close();
    const a = writeRun(out, { startedAt: "2026-01-01T10:00:00.000Z" });
    const warnings: string[] = [];
    indexFinishedRun(a.dir, a.results, { outDir: out, onWarning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/not a shakedown run history/);
  });
});

describe("watch cycles in the history", () => {
  const cycle = (watch: string, n: number, firing: string[] = []) => ({
    watch,
    cycle: n,
    startedAt: `2026-12-05T01:0${n}:00.000Z`,
    endedAt: `2026-12-05T01:0${n}:02.000Z`,
    target: "http://127.0.0.1:8000/v1",
    outcome: "ok",
    requests: 5,
    errors: n === 2 ? 1 : 0,
    ttftP90Ms: 100 + n,
    e2eP50Ms: 300,
    firing,
  });

  it("indexes each cycle in a table of its own (never a run: `last` still names runs), newest first", async () => {
    const out = outDir();
    const watch = join(out, "watch", "127.0.0.1_8000");
    const warnings: string[] = [];
    for (const n of [1, 2, 3]) indexWatchCycle(cycle(watch, n, n === 3 ? ["ttft_p90"] : []), { outDir: out, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    const rows = listWatchCycles({ dbPath: historyPath(out) });
    expect(rows.map((r) => r.cycle)).toEqual([3, 2, 1]);
    expect(rows[0]).toMatchObject({ watch, firing: ["ttft_p90"], ttftP90Ms: 103, errors: 0 });
    expect(listRuns({ dbPath: historyPath(out) })).toEqual([]);
    expect(listWatchCycles({ dbPath: historyPath(out), target: "http://other:1/v1" })).toEqual([]);
  });

  it("rebuilds the cycles from cycles.jsonl, and migrates a database of the first schema", () => {
    const out = outDir();
    const watch = join(out, "watch", "127.0.0.1_8000");
    mkdirSync(watch, { recursive: true });
    writeFileSync(join(watch, "watch.json"), JSON.stringify({ target: "http://127.0.0.1:8000/v1" }));
    writeFileSync(
      join(watch, "cycles.jsonl"),
      [1, 2].map((n) => JSON.stringify({ v: 1, cycle: n, startedAt: `2026-12-05T01:0${n}:00.000Z`, at: `2026-12-05T01:0${n}:01.000Z`, outcome: "ok", requests: 3, errors: 0, figures: { "ttft.p90": 50 }, firing: [] })).join("\n") + "\n{torn",
    );
    indexWatchCycle(cycle(watch, 1), { outDir: out, onWarning: () => undefined });
    // Back to the first schema: no watch_cycles table, version 1.
    const db = new Database(historyPath(out));
    db.exec("DROP TABLE watch_cycles; DELETE FROM schema_version WHERE version = 2;");
    db.close();
    // A grid folder beside them is not a run, nor a broken one.
    mkdirSync(join(out, "20261205T000000Z-grid-g"), { recursive: true });
    writeFileSync(join(out, "20261205T000000Z-grid-g", "grid.json"), "{}");
    const r = rebuildHistory(out);
    expect(r.watchCycles).toBe(2);
    expect(r.skipped).toEqual([]);
    expect(listWatchCycles({ dbPath: historyPath(out) }).map((c) => [c.cycle, c.ttftP90Ms])).toEqual([
      [2, 50],
      [1, 50],
    ]);
  });
});
