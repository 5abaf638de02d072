/**
 * The run folder: runs/<UTC timestamp>-<suite>/ holding
 *   run.json       manifest written at the start (suite as resolved minus secrets, target)
 *   records.jsonl  one line per request, appended as each ends, full texts
 *   results.json   metrics and verdicts, written atomically at the end
 *   report.md      the human report, written atomically at the end
 *   server-metrics.jsonl  the server's /metrics timeline, one normalised snapshot per line
 *   attachments.json  what scenarios measured besides requests (the load scenario's calibration)
 * A finished folder can be re-analysed and re-rendered offline (shakedown report DIR).
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Suite } from "../config/schema.js";
import type { ScenarioResult, TargetInfo } from "../scenarios/types.js";
import { RunFolderError } from "../errors.js";
import { readJsonl } from "./files.js";
import type { RequestRecord } from "./records.js";
import type { ServerSnapshot } from "../monitor/types.js";

export const RESULTS_SCHEMA_VERSION = 1;

export const RUN_FILES = {
  manifest: "run.json",
  records: "records.jsonl",
  results: "results.json",
  report: "report.md",
  serverMetrics: "server-metrics.jsonl",
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
}

export type RunStatus = "pass" | "fail" | "not_measured" | "incomplete";

export interface RunResults extends Omit<RunManifest, "schemaVersion"> {
  schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  endedAt?: string;
  durationMs?: number;
  /** False when the run was interrupted (SIGINT/SIGTERM) or a scenario could not finish. */
  complete: boolean;
  interruption?: string;
  status: RunStatus;
  records: { file: string; count: number; tornTail: boolean };
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
  records: RequestRecord[];
  tornTail: boolean;
  server: ServerSnapshot[];
  attachments: Attachments;
  previous?: RunResults;
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
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as RunManifest;
  } catch (e) {
    throw new RunFolderError(`${manifestPath}: unreadable manifest (${(e as Error).message}).`);
  }
  if (manifest.schemaVersion !== RESULTS_SCHEMA_VERSION) {
    throw new RunFolderError(
      `${manifestPath}: schema version ${String(manifest.schemaVersion)} is not supported by this version of shakedown (expects ${RESULTS_SCHEMA_VERSION}).`,
    );
  }
  let records: RequestRecord[];
  let tornTail: boolean;
  try {
    ({ items: records, tornTail } = readJsonl<RequestRecord>(join(dir, RUN_FILES.records)));
  } catch (e) {
    throw new RunFolderError((e as Error).message);
  }
  let server: ServerSnapshot[] = [];
  try {
    server = readJsonl<ServerSnapshot>(join(dir, RUN_FILES.serverMetrics)).items;
  } catch (e) {
    throw new RunFolderError((e as Error).message);
  }
  let attachments: Attachments = {};
  const attachmentsPath = join(dir, RUN_FILES.attachments);
  if (existsSync(attachmentsPath)) {
    try {
      attachments = JSON.parse(readFileSync(attachmentsPath, "utf8")) as Attachments;
    } catch (e) {
      throw new RunFolderError(`${attachmentsPath}: unreadable (${(e as Error).message}).`);
    }
  }
  let previous: RunResults | undefined;
  const resultsPath = join(dir, RUN_FILES.results);
  if (existsSync(resultsPath)) {
    try {
      previous = JSON.parse(readFileSync(resultsPath, "utf8")) as RunResults;
    } catch {
      previous = undefined;
    }
  }
  return { dir, manifest, records, tornTail, server, attachments, ...(previous ? { previous } : {}) };
}
