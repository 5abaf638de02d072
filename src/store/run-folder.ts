/**
 * The run folder: runs/<UTC timestamp>-<suite>/ holding
 *   run.json       manifest written at the start (suite as resolved minus secrets, target)
 *   records.jsonl  one line per request, appended as each ends, full texts
 *   results.json   metrics and verdicts, written atomically at the end
 *   report.md      the human report, written atomically at the end
 *   report.html    the same report as one offline page with charts (inline SVG), results.json embedded
 *   server-metrics.jsonl  the server's /metrics timeline, one normalised snapshot per line
 *   attachments.json  what scenarios measured besides requests (the load scenario's calibration)
 * A finished folder can be re-analysed and re-rendered offline (shakedown report DIR).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Suite } from "../config/schema.js";
import type { ScenarioResult, TargetInfo } from "../scenarios/types.js";
import { RunFolderError } from "../errors.js";
import type { GpuSample } from "../monitor/gpu/index.js";
import { describeSkippedLines, readJsonl, type SkippedLine } from "./files.js";
import type { RequestRecord } from "./records.js";
import type { ServerSnapshot } from "../monitor/types.js";

export const RESULTS_SCHEMA_VERSION = 1;

export const RUN_FILES = {
  manifest: "run.json",
  records: "records.jsonl",
  results: "results.json",
  report: "report.md",
  html: "report.html",
  serverMetrics: "server-metrics.jsonl",
  gpuMetrics: "gpu-metrics.jsonl",
  attachments: "attachments.json",
} as const;

/**
 * What scenarios measured besides requests (the load scenario's calibration), by scenario
 * name then key; attachments.json, rewritten whole as each is added.
 */
export type Attachments = Record<string, Record<string, unknown>>;

export interface RunManifest {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  tool: { name: string; version: string };
  runId: string;
  startedAt: string;
  suite: Suite;
  target: TargetInfo;
  host: { node: string; platform: string; arch: string; cpus: number };
  /** The GPU sampler (monitor.gpu): where it read, and the GPUs it found; absent when off. */
  gpu?: { source: string; simulated: boolean; gpus: { index: number; name?: string; uuid?: string; memoryTotalMiB?: number }[] };
  /** The run's label (--label), e.g. a server version: the history indexes it. */
  label?: string;
}

/** results.json's account of records.jsonl. */
export interface RecordsSummary {
  file: string;
  /** Records the results rest on. */
  count: number;
  /** The last line was cut off mid-write and skipped (also counted in skippedLines). */
  tornTail: boolean;
  /** Lines of records.jsonl that could not be read and were left out, torn tail included; absent when none. */
  skippedLines?: number;
  /** The first of them (at most SKIPPED_KEPT): line number and why. */
  skipped?: SkippedLine[];
}

/** Skipped lines listed in results.json, at most. */
export const SKIPPED_KEPT = 20;

/** What a report says about skipped lines after the record count: "" when none. */
export function skippedLinesNote(r: RecordsSummary): string {
  const n = r.skippedLines ?? (r.tornTail ? 1 : 0);
  if (n === 0) return "";
  if (n === 1 && r.tornTail) return ", last line torn and skipped";
  const first = (r.skipped ?? []).map((s) => s.line);
  const shown = first.length > 0 ? ` (line${n === 1 ? "" : "s"} ${first.slice(0, 5).join(", ")}${n > Math.min(first.length, 5) ? ", …" : ""})` : "";
  return `, ${n} unreadable line${n === 1 ? "" : "s"} skipped${shown}`;
}

export type RunStatus = "pass" | "fail" | "inconclusive" | "not_measured" | "incomplete";

export interface RunResults extends Omit<RunManifest, "schemaVersion"> {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  endedAt?: string;
  durationMs?: number;
  /** False when the run was interrupted (SIGINT/SIGTERM) or a scenario could not finish. */
  complete: boolean;
  interruption?: string;
  /** In an incomplete run: the scenarios that ran to their end (the others are marked incomplete). */
  finishedScenarios?: string[];
  status: RunStatus;
  records: RecordsSummary;
  /** Warm-up requests sent before the scenarios: recorded, excluded from every figure. */
  warmup: { requests: number; ok: number; ttftMs: number[] };
  scenarios: ScenarioResult[];
  /** When the report was re-rendered offline. */
  renderedAt: string;
}

/** UTC timestamp safe in file names: 20261127T213005Z. */
export function runTimestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** Creates a fresh run folder; never reuses an existing one. */
export function createRunFolder(parent: string, suiteName: string, now: Date): { dir: string; runId: string } {
  const base = `${runTimestamp(now)}-${suiteName}`;
  let runId = base;
  for (let i = 2; existsSync(join(parent, runId)); i++) runId = `${base}-${i}`;
  const dir = resolve(parent, runId);
  mkdirSync(dir, { recursive: true });
  return { dir, runId };
}

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  /** Every readable line of records.jsonl. */
  records: RequestRecord[];
  /** The last line of records.jsonl was cut off mid-write (it is also in skippedLines). */
  tornTail: boolean;
  /** Lines of records.jsonl left out (torn or corrupt), in file order. */
  skippedLines: SkippedLine[];
  server: ServerSnapshot[];
  /** The GPU sampler's timeline (gpu-metrics.jsonl), empty when the run sampled no GPU. */
  gpu: GpuSample[];
  attachments: Attachments;
  /** results.json as it was, when readable. */
  previous?: RunResults;
  /** results.json exists but cannot be read: why. */
  previousUnreadable?: string;
  /**
   * What was left out or looks wrong besides the records' skipped lines, one console line
   * each: unreadable server-metrics.jsonl lines, attachments.json, results.json, fewer
   * records than results.json counted.
   */
  notes: string[];
}

/** Why a value read from records.jsonl is not a request record, or undefined. */
function notARecord(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return "not a request record";
  const r = v as Partial<Record<keyof RequestRecord, unknown>>;
  if (typeof r.id !== "string" || typeof r.scenario !== "string" || typeof r.result !== "object" || r.result === null) {
    return "not a request record";
  }
  return undefined;
}

function notAnObject(v: unknown): string | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? undefined : "not a snapshot";
}

/** An error's message on one short line (JSON.parse quotes the text it choked on, newlines and all). */
function errText(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
  return m.length > 160 ? `${m.slice(0, 157)}...` : m;
}

/** A JSON file holding one object (results.json, attachments.json); throws when it is anything else. */
function readJsonObject(path: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
  return parsed as Record<string, unknown>;
}

/** Reads a run folder back for offline re-analysis. */
export function loadRunFolder(dirArg: string): LoadedRun {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RunFolderError(`${dirArg}: no such run folder.`);
  }
  const manifestPath = join(dir, RUN_FILES.manifest);
  if (!existsSync(manifestPath)) {
    throw new RunFolderError(`${dirArg}: not a shakedown run folder (no ${RUN_FILES.manifest}).`);
  }
  let manifest: RunManifest;
  try {
    const parsed: unknown = JSON.parse(readFileSync(manifestPath, "utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a manifest object");
    manifest = parsed as RunManifest;
  } catch (e) {
    throw new RunFolderError(`${manifestPath}: unreadable manifest (${errText(e)}).`);
  }
  if (manifest.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new RunFolderError(
      `${manifestPath}: schema version ${String(manifest.schemaVersion)} is not supported by this version of shakedown (expects ${RESULTS_SCHEMA_VERSION}).`,
    );
  }
  const notes: string[] = [];

  // results.json first: whether a re-render would replace something.
  let previous: RunResults | undefined;
  let previousUnreadable: string | undefined;
  const resultsPath = join(dir, RUN_FILES.results);
  if (existsSync(resultsPath)) {
    try {
      previous = readJsonObject(resultsPath) as unknown as RunResults;
    } catch (e) {
      previousUnreadable = errText(e);
      notes.push(`${RUN_FILES.results} is unreadable (${previousUnreadable}): whether the run finished is unknown (treated as incomplete).`);
    }
  }
  // What a re-render would replace with an empty report (report.html follows them: it is left as it is too).
  const outputs = [RUN_FILES.results, RUN_FILES.report].filter((f) => existsSync(join(dir, f)));
  const kept = outputs.length > 0 ? `${outputs.join(" and ")} ${outputs.length > 1 ? "are" : "is"} left unchanged` : "";
  const counted = typeof previous?.records?.count === "number" ? previous.records.count : undefined;

  const recordsPath = join(dir, RUN_FILES.records);
  let records: RequestRecord[] = [];
  let tornTail = false;
  let skippedLines: SkippedLine[] = [];
  if (!existsSync(recordsPath)) {
    if (outputs.length > 0) {
      throw new RunFolderError(`${dirArg}: ${RUN_FILES.records} is missing, so the run cannot be re-analysed; ${kept}.`);
    }
    notes.push(`${RUN_FILES.records} is missing and the run wrote no results: it stopped before recording anything (nothing measured).`);
  } else {
    try {
      ({ items: records, tornTail, skipped: skippedLines } = readJsonl<RequestRecord>(recordsPath, notARecord));
    } catch (e) {
      throw new RunFolderError(`${recordsPath}: cannot be read (${errText(e)}).`);
    }
    if (records.length === 0 && outputs.length > 0 && ((counted ?? 0) > 0 || skippedLines.length > 0)) {
      const what = skippedLines.length > 0 ? `none of its ${skippedLines.length} line${skippedLines.length === 1 ? "" : "s"} is a readable record` : "it is empty";
      const had = counted !== undefined ? ` while ${RUN_FILES.results} counted ${counted}` : "";
      throw new RunFolderError(
        `${dirArg}: ${RUN_FILES.records} holds no record (${what})${had}; re-rendering would replace the results with an empty report, so ${kept}.`,
      );
    }
    if (counted !== undefined && records.length + skippedLines.length < counted) {
      notes.push(
        `${RUN_FILES.records} holds ${records.length} readable record${records.length === 1 ? "" : "s"} but ${RUN_FILES.results} counted ${counted} (records were not all written, e.g. the disk was full): re-rendered from these ${records.length}.`,
      );
    }
  }

  let server: ServerSnapshot[] = [];
  try {
    const read = readJsonl<ServerSnapshot>(join(dir, RUN_FILES.serverMetrics), notAnObject);
    server = read.items;
    notes.push(...describeSkippedLines(RUN_FILES.serverMetrics, read.skipped));
  } catch (e) {
    notes.push(`${RUN_FILES.serverMetrics} cannot be read (${errText(e)}): rendered without the server's metrics.`);
  }
  let gpu: GpuSample[] = [];
  const gpuPath = join(dir, RUN_FILES.gpuMetrics);
  if (existsSync(gpuPath)) {
    try {
      const read = readJsonl<GpuSample>(gpuPath, notAnObject);
      gpu = read.items;
      notes.push(...describeSkippedLines(RUN_FILES.gpuMetrics, read.skipped));
    } catch (e) {
      notes.push(`${RUN_FILES.gpuMetrics} cannot be read (${errText(e)}): rendered without the GPU figures.`);
    }
  }
  let attachments: Attachments = {};
  const attachmentsPath = join(dir, RUN_FILES.attachments);
  if (existsSync(attachmentsPath)) {
    try {
      attachments = readJsonObject(attachmentsPath) as Attachments;
    } catch (e) {
      notes.push(`${RUN_FILES.attachments} is unreadable (${errText(e)}): rendered without it (a load scenario's calibration and dataset description are missing).`);
    }
  }
  return {
    dir,
    manifest,
    records,
    tornTail,
    skippedLines,
    server,
    gpu,
    attachments,
    notes,
    ...(previous ? { previous } : {}),
    ...(previousUnreadable !== undefined ? { previousUnreadable } : {}),
  };
}
