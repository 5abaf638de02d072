/**
 * `shakedown history`: the runs indexed in <out>/history.sqlite (newest first), or one
 * figure over time (--figure ttft.p90) with the runs' labels and a sparkline;
 * --rebuild re-indexes the run folders, --set-baseline marks a run as `baseline`.
 */
import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import { printable } from "../../config/file-check.js";
import { ConfigError, EXIT } from "../../errors.js";
import {
  currentBaseline,
  figureSeries,
  HistoryError,
  historyPath,
  listRuns,
  listWatchCycles,
  rebuildHistory,
  resolveRunRef,
  setBaseline,
  targetKey,
  SIMULATOR_TARGET,
  type FigureSeries,
  type HistoryEntry,
  type WatchCycleRow,
} from "../../store/history.js";

export interface HistoryFlags {
  target?: string;
  figure?: string;
  scenario?: string;
  limit?: number;
  json?: boolean;
  rebuild?: boolean;
  setBaseline?: string;
  out?: string;
  /** --watch: the cycles of `shakedown watch` instead of runs. */
  watch?: boolean;
}

/** Rows shown when --limit is not given. */
const DEFAULT_LIMIT = 20;

/** A path as shown: relative to the working folder when under it, else absolute. */
const rel = (p: string): string => {
  const r = relative(process.cwd(), p);
  return r === "" ? "." : r.startsWith("..") || isAbsolute(r) ? p : r;
};
const cell = (s: string | undefined, max = 60): string => (s === undefined || s === "" ? "-" : printable(s, { max }));

/** "2026-12-04T22:47:25.427Z" → "2026-12-04 22:47:25". */
function when(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : printable(iso, { max: 24 });
}

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = " ".repeat(Math.max(0, widths[i]! - [...c].length));
        return rightAligned.has(i) ? pad + c : i === r.length - 1 ? c : c + pad;
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

function formatValue(v: number | undefined, unit: string): string {
  if (v === undefined) return "n/a";
  if (unit === "fraction") return `${(v * 100).toFixed(1)} %`;
  const a = Math.abs(v);
  const num = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit === "" || unit === "count" ? num : `${num} ${unit}`;
}

const BARS = "▁▂▃▄▅▆▇█";

/** One character per value, lowest ▁ to highest █; · where a run had no value. */
export function sparkline(values: (number | undefined)[]): string {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return values.map(() => "·").join("");
  const lo = Math.min(...known);
  const hi = Math.max(...known);
  return values
    .map((v) => {
      if (v === undefined) return "·";
      if (hi === lo) return BARS[3]!;
      return BARS[Math.min(BARS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BARS.length))]!;
    })
    .join("");
}

function targetCell(e: HistoryEntry): string {
  return e.simulated ? SIMULATOR_TARGET : cell(e.target, 50);
}

/** The label, and "(baseline)" on the run that `baseline` stands for. */
function labelCell(e: HistoryEntry, baseline: string | undefined): string {
  if (e.dir !== baseline || e.label === "baseline") return cell(e.label, 30);
  return e.label === undefined ? "(baseline)" : `${cell(e.label, 30)} (baseline)`;
}

function printRuns(entries: HistoryEntry[], more: boolean, flags: HistoryFlags, dbPath: string, baseline: string | undefined): void {
  const of = flags.target !== undefined ? ` of target ${printable(flags.target)}` : "";
  if (entries.length === 0) {
    process.stdout.write(`no runs${of} in ${rel(dbPath)}.\n`);
    return;
  }
  const rows = entries.map((e) => [
    when(e.startedAt),
    labelCell(e, baseline),
    cell(e.suite, 30),
    targetCell(e),
    cell(e.model, 40),
    cell(e.status, 16),
    existsSync(e.dir) ? cell(rel(e.dir), 80) : `${cell(rel(e.dir), 80)} (folder missing)`,
  ]);
  process.stdout.write(table(["started (UTC)", "label", "suite", "target", "model", "status", "folder"], rows));
  if (more) process.stdout.write(`(newest ${entries.length} shown${of}; --limit N for more)\n`);
}

function printSeries(s: FigureSeries, flags: HistoryFlags, more: boolean): void {
  const of = flags.target !== undefined ? `, target ${printable(flags.target)}` : "";
  if (s.points.length === 0) {
    process.stdout.write(`no run${flags.target !== undefined ? ` of target ${printable(flags.target)}` : ""} has ${printable(s.figure)} (other targets' runs do).\n`);
    return;
  }
  process.stdout.write(`${printable(s.figure)} (scenario ${printable(s.scenario)}${s.unit !== "" ? `, ${s.unit}` : ""}${of}), oldest first\n`);
  const rows = s.points.map((p) => [when(p.startedAt), formatValue(p.value, s.unit), String(p.n), cell(p.label, 30), cell(p.runId, 60)]);
  process.stdout.write(table(["started (UTC)", "value", "n", "label", "run"], rows, new Set([1, 2])));
  const known = s.points.map((p) => p.value).filter((v): v is number => v !== undefined);
  if (s.points.length > 1 && known.length > 0) {
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    process.stdout.write(`trend: ${sparkline(s.points.map((p) => p.value))}  (min ${formatValue(lo, s.unit)}, max ${formatValue(hi, s.unit)})\n`);
  }
  if (more) process.stdout.write(`(newest ${s.points.length} run${s.points.length === 1 ? "" : "s"} shown; --limit N for more)\n`);
}

function printCycles(cycles: WatchCycleRow[], flags: HistoryFlags): void {
  const of = flags.target !== undefined ? ` of target ${printable(flags.target)}` : "";
  if (cycles.length === 0) {
    process.stdout.write(`no watch cycles${of} in the history (shakedown watch indexes each cycle as it ends).\n`);
    return;
  }
  const ms = (v: number | undefined) => (v === undefined ? "n/a" : formatValue(v, "ms"));
  const rows = cycles.map((c) => [
    when(c.startedAt),
    cell(c.target, 50),
    String(c.cycle),
    cell(c.outcome, 16),
    `${c.requests - c.errors}/${c.requests}`,
    ms(c.ttftP90Ms),
    ms(c.e2eP50Ms),
    c.firing.length ? cell(c.firing.join(", "), 60) : "-",
  ]);
  process.stdout.write(table(["started (UTC)", "target", "cycle", "outcome", "ok", "TTFT p90", "E2E p50", "firing"], rows, new Set([2, 4, 5, 6])));
}

export async function historyCommand(flags: HistoryFlags): Promise<number> {
  try {
    return await history(flags);
  } catch (e) {
    // Say what to do about a database that cannot be read (the run folders are intact).
    if (e instanceof HistoryError && (e.trouble === "corrupt" || e.trouble === "unavailable") && !flags.rebuild) {
      const outFlag = flags.out !== undefined ? ` --out ${flags.out}` : "";
      throw new HistoryError(e.trouble, e.dbPath, `${e.message}; the run folders are intact: shakedown history --rebuild${outFlag} moves it aside and rebuilds it from them`);
    }
    throw e;
  }
}

async function history(flags: HistoryFlags): Promise<number> {
  const out = flags.out ?? "runs";
  const outFlag = flags.out !== undefined ? ` --out ${flags.out}` : "";
  const dbPath = historyPath(out);
  if (flags.scenario !== undefined && flags.figure === undefined) throw new ConfigError("--scenario applies with --figure (the scenario whose figure to show).");
  if (flags.figure !== undefined && flags.figure.trim() === "") throw new ConfigError("--figure: empty figure name (e.g. --figure ttft.p90).");
  if (flags.target !== undefined && targetKey(flags.target) === "") throw new ConfigError("--target: empty URL.");
  if (flags.watch && (flags.figure !== undefined || flags.scenario !== undefined)) {
    throw new ConfigError("--watch lists the cycles of shakedown watch; --figure and --scenario show a figure of the runs: give one or the other.");
  }

  if (flags.rebuild) {
    const r = rebuildHistory(out);
    if (r.movedAside !== undefined) process.stderr.write(`the old database could not be read: moved aside to ${rel(r.movedAside)}\n`);
    const cycles = r.watchCycles > 0 ? `, ${r.watchCycles} watch cycle${r.watchCycles === 1 ? "" : "s"}` : "";
    process.stderr.write(`rebuilt ${rel(r.dbPath)}: ${r.indexed} run${r.indexed === 1 ? "" : "s"} indexed${cycles}, ${r.skipped.length} folder${r.skipped.length === 1 ? "" : "s"} skipped\n`);
    for (const s of r.skipped.slice(0, 20)) process.stderr.write(`  skipped ${cell(rel(s.dir), 100)}: ${printable(s.reason, { max: 200 })}\n`);
    if (r.skipped.length > 20) process.stderr.write(`  … and ${r.skipped.length - 20} more\n`);
  }
  if (flags.setBaseline !== undefined) {
    const dir = resolveRunRef(flags.setBaseline, { outDir: out });
    setBaseline(dir, { dbPath });
    process.stderr.write(`baseline: ${cell(rel(dir), 100)}\n`);
  }
  if (!existsSync(dbPath)) {
    throw new ConfigError(
      `no run history at ${rel(dbPath)}: runs are added to it as they finish (shakedown run${outFlag}); to index the run folders already in ${out}: shakedown history --rebuild${outFlag}.`,
    );
  }

  if (flags.watch) {
    const limit = flags.limit ?? DEFAULT_LIMIT;
    const cycles = listWatchCycles({ dbPath, limit, ...(flags.target !== undefined ? { target: flags.target } : {}) });
    if (flags.json) process.stdout.write(JSON.stringify({ database: dbPath, cycles }, null, 2) + "\n");
    else printCycles(cycles, flags);
    return EXIT.ok;
  }

  if (flags.figure !== undefined) {
    const limit = flags.limit ?? DEFAULT_LIMIT;
    // One more than shown, to tell whether older runs were left out.
    const fetched = figureSeries({
      dbPath,
      figure: flags.figure.trim(),
      limit: limit + 1,
      ...(flags.scenario !== undefined ? { scenario: flags.scenario } : {}),
      ...(flags.target !== undefined ? { target: flags.target } : {}),
    });
    const more = fetched.points.length > limit;
    const series = more ? { ...fetched, points: fetched.points.slice(1) } : fetched;
    if (flags.json) process.stdout.write(JSON.stringify({ database: dbPath, ...series }, null, 2) + "\n");
    else printSeries(series, flags, more);
    return EXIT.ok;
  }

  const limit = flags.limit ?? DEFAULT_LIMIT;
  const fetched = listRuns({ dbPath, limit: limit + 1, ...(flags.target !== undefined ? { target: flags.target } : {}) });
  const entries = fetched.slice(0, limit);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ database: dbPath, runs: entries }, null, 2) + "\n");
    return EXIT.ok;
  }
  const baseline = currentBaseline({ dbPath, ...(flags.target !== undefined ? { target: flags.target } : {}) });
  printRuns(entries, fetched.length > limit, flags, dbPath, baseline);
  return EXIT.ok;
}
