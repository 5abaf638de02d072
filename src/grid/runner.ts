/**
 * Runs a grid: visit after visit in the interleaved order, start the cell's server, wait until
 * it is healthy, read what it says of its configuration, empty its prefix cache, run the suite
 * against it (runSuite, the library API), stop it, and append the visit to visits.jsonl. A
 * cell that fails (its server exits, times out, crashes during the run) is recorded with the
 * reason and the grid goes on. A stop (Ctrl-C, the signal) ends the current run as a run
 * stops — every record kept — stops the server and leaves the grid resumable
 * (`shakedown grid --resume DIR`): done and failed visits are kept, the others run.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { jsonDifferences } from "../compare/comparable.js";
import { printable } from "../config/file-check.js";
import { looksLikeSecret } from "../config/issues.js";
import { ConfigError, ShakedownError } from "../errors.js";
import { runSuite } from "../index.js";
import type { RunOutcome } from "../run/executor.js";
import { effectiveConfig, freePort, portInUse, renderTemplate, resetPrefixCache, ServerStartError, startServer, type ServerSpec, type StartedServer } from "../servers/index.js";
import { readJsonl, storageError, writeJsonAtomic } from "../store/files.js";
import { createRunFolder } from "../store/run-folder.js";
import { readGridManifest, visitProblem } from "./analyze.js";
import { checkBeforeStart } from "./checks.js";
import { loadGridFile, shakedownCommand, visitSuite, type GridPlan } from "./plan.js";
import { GRID_FILES, type GridCell, type GridManifest, type GridVisit, type ParamValue } from "./types.js";

export interface GridRunOptions {
  signal?: AbortSignal;
  /** Progress lines (one per visit step); default: nothing. */
  log?: (line: string) => void;
  /** Where api_key_env is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** Poll interval of health URLs (ms; tests use less). */
  pollIntervalMs?: number;
  /** Called after the checks, before the grid folder is created and the first server starts. */
  onPlanned?: () => void;
}

export interface GridRunOutcome {
  dir: string;
  manifest: GridManifest;
  /** The last visit of each (cell, repeat) that ran, in the order they ran (this session and earlier ones). */
  visits: GridVisit[];
  /** The grid stopped before its last visit (the signal). */
  interrupted: boolean;
}

/** The grid.json written with the plan, plus what a resume checks. */
interface StoredManifest extends GridManifest {
  envHash: string;
}

const visitKey = (v: { cell: string; repeat: number }): string => `${v.cell}\u0000${v.repeat}`;

/** Creates the grid folder (`<out>/<timestamp>-grid-<name>`), writes grid.json, and runs every visit. */
export async function startGrid(plan: GridPlan, outDir: string, opts: GridRunOptions = {}): Promise<GridRunOutcome> {
  const now = opts.now ?? (() => new Date());
  await checkBeforeStart(plan, opts.env);
  opts.onPlanned?.();
  const { dir } = createGridFolder(outDir, plan.manifest.name, now());
  const manifest: StoredManifest = { ...plan.manifest, createdAt: now().toISOString(), envHash: plan.envHash };
  writeJsonAtomic(join(dir, GRID_FILES.manifest), manifest);
  return runVisits(dir, manifest, plan, [], opts);
}

function createGridFolder(outDir: string, name: string, at: Date): { dir: string } {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw storageError("creating the output folder", outDir, e);
  }
  return createRunFolder(outDir, `grid-${name}`, at);
}

/** The visits recorded in a grid folder: the last line of each (cell, repeat), in file order. */
export function readVisits(dir: string): GridVisit[] {
  const path = join(dir, GRID_FILES.visits);
  if (!existsSync(path)) return [];
  const { items } = readJsonl<GridVisit>(path, visitProblem);
  const last = new Map<string, GridVisit>();
  for (const v of items) {
    last.delete(visitKey(v));
    last.set(visitKey(v), v);
  }
  return [...last.values()];
}

/**
 * Finishes a grid folder: re-reads its grid file (`file`, else the one grid.json names), checks
 * that it still plans the same grid (else a ConfigError naming what changed), and runs the
 * visits that are not done or failed.
 */
export async function resumeGrid(dirArg: string, file: string | undefined, opts: GridRunOptions = {}): Promise<GridRunOutcome> {
  const dir = resolve(dirArg);
  const stored = readGridManifest(dir) as StoredManifest;
  const gridFile = file ?? stored.file;
  if (gridFile === undefined) throw new ConfigError(`${printable(dir)}: grid.json names no grid file; give it: shakedown grid FILE --resume ${printable(dirArg)}`);
  if (!existsSync(gridFile)) throw new ConfigError(`${printable(dir)} was planned from ${printable(gridFile)}, which is gone; give the grid file: shakedown grid FILE --resume ${printable(dirArg)}`);
  const plan = loadGridFile(gridFile);
  const fresh = { ...plan.manifest, envHash: plan.envHash };
  const { createdAt: _c, file: _f, shakedownVersion: _v, ...before } = stored;
  const { file: _f2, shakedownVersion: _v2, ...after } = fresh;
  const diffs = jsonDifferences(before, after);
  if (diffs.length > 0) {
    const shown = diffs.slice(0, 5).map((d) => (d.path === "envHash" ? "server.env" : d.path || "(the whole plan)"));
    throw new ConfigError(
      `${printable(gridFile)} no longer plans the grid in ${printable(dirArg)} (changed: ${shown.join(", ")}${diffs.length > 5 ? ", …" : ""}): a resumed grid must run what was planned. Start a new grid instead.`,
    );
  }
  await checkBeforeStart(plan, opts.env);
  const kept = readVisits(dir).filter((v) => v.status === "done" || v.status === "failed");
  return runVisits(dir, stored, plan, kept, opts);
}

async function runVisits(dir: string, manifest: StoredManifest, plan: GridPlan, kept: GridVisit[], opts: GridRunOptions): Promise<GridRunOutcome> {
  const log = opts.log ?? (() => undefined);
  const env = opts.env ?? process.env;
  const now = opts.now ?? (() => new Date());
  const cells = new Map(manifest.cells.map((c) => [c.id, c]));
  const finished = new Map(kept.map((v) => [visitKey(v), v]));
  const todo = manifest.order.filter((v) => !finished.has(visitKey(v)));
  const visits: GridVisit[] = [...kept];
  const apiKey = plan.apiKeyEnv !== undefined ? env[plan.apiKeyEnv] : undefined;
  if (finished.size > 0) log(`${finished.size} of ${manifest.order.length} visits already ran; ${todo.length} left`);
  let interrupted = false;
  let n = finished.size;
  for (const step of todo) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    n++;
    const cell = cells.get(step.cell) as GridCell;
    const prefix = `[${n}/${manifest.order.length}] ${cell.label} · repeat ${step.repeat}`;
    const visit = await runVisit(dir, manifest, plan, cell, step.repeat, { ...opts, env, now, log: (l) => log(`${prefix}: ${l}`), apiKey });
    visits.push(visit);
    appendVisit(dir, visit);
    log(`${prefix}: ${visitLine(visit)}`);
    if (visit.status === "interrupted") {
      interrupted = true;
      break;
    }
  }
  return { dir, manifest, visits, interrupted: interrupted || (opts.signal?.aborted ?? false) };
}

function visitLine(v: GridVisit): string {
  if (v.status === "done") return `done (${v.runStatus ?? "?"})${v.runDir ? `, ${v.runDir}` : ""}`;
  if (v.status === "interrupted") return `interrupted${v.reason ? `: ${v.reason}` : ""}`;
  return `FAILED: ${v.reason ?? "unknown reason"}`;
}

function appendVisit(dir: string, visit: GridVisit): void {
  const path = join(dir, GRID_FILES.visits);
  try {
    // After a line torn by a crash, start a new line: the torn one is skipped, this one kept.
    const torn = existsSync(path) && !endsWithNewline(path);
    appendFileSync(path, (torn ? "\n" : "") + JSON.stringify(visit) + "\n");
  } catch (e) {
    throw storageError("appending to", path, e);
  }
}

function endsWithNewline(path: string): boolean {
  const text = readFileSync(path);
  return text.length === 0 || text[text.length - 1] === 0x0a;
}

interface VisitContext extends GridRunOptions {
  env: NodeJS.ProcessEnv;
  now: () => Date;
  log: (line: string) => void;
  apiKey: string | undefined;
}

/** The values a cell's templates are filled with on this visit. */
async function fieldValues(plan: GridPlan, cell: GridCell, repeat: number): Promise<Record<string, ParamValue>> {
  const values: Record<string, ParamValue> = { ...cell.params, cell: cell.id, repeat, shakedown: shakedownCommand() };
  if (plan.model !== undefined) values.model = plan.model;
  if (plan.usesPort) values.port = await freePort();
  return values;
}

async function runVisit(dir: string, manifest: GridManifest, plan: GridPlan, cell: GridCell, repeat: number, ctx: VisitContext): Promise<GridVisit> {
  const startedAt = ctx.now().toISOString();
  const cellDir = join(dir, GRID_FILES.cells, cell.id);
  mkdirSync(cellDir, { recursive: true });
  const base = { cell: cell.id, repeat, startedAt };
  const ended = (v: Omit<GridVisit, "cell" | "repeat" | "startedAt" | "endedAt">): GridVisit => ({ ...base, ...v, endedAt: ctx.now().toISOString() });
  const kind = manifest.server.kind;

  const values = await fieldValues(plan, cell, repeat);
  const url = renderTemplate(manifest.server.url, values, "url");
  const health = manifest.server.health !== undefined ? renderTemplate(manifest.server.health, values, "url") : undefined;
  const logRel = kind === "endpoint" ? undefined : join(GRID_FILES.cells, cell.id, `server-r${repeat}.log`);

  // A fixed port another process holds: our server could not bind it, and its health URL would
  // answer for that other server — whose figures would be filed under this cell.
  if (kind !== "endpoint" && !plan.usesPort) {
    const target = new URL(url);
    const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
    if (await portInUse(target.hostname, port)) {
      return ended({ status: "failed", reason: `port ${port} of ${target.hostname} is already in use by another process before the cell's server started: it could not bind it, and shakedown would measure that other server` });
    }
  }

  const env = Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, renderTemplate(v, values, "none")]));
  const spec: ServerSpec = {
    kind,
    secrets: serverSecrets(ctx.apiKey, env),
    baseUrl: url,
    ...(health !== undefined ? { healthUrl: health } : {}),
    startupTimeoutMs: manifest.server.startupTimeoutS * 1000,
    stopGraceMs: manifest.server.stopGraceS * 1000,
    cwd: plan.cwd,
    env,
    ...(logRel !== undefined ? { logPath: join(dir, logRel) } : {}),
    ...(ctx.pollIntervalMs !== undefined ? { pollIntervalMs: ctx.pollIntervalMs } : {}),
  };
  if (kind === "command") spec.command = renderCommand(manifest.server.command as string, values);
  if (kind === "compose" && plan.compose) spec.compose = plan.compose;

  ctx.log(kind === "endpoint" ? `checking ${url}` : `starting the server (${kind})`);
  let server: StartedServer;
  try {
    server = await startServer(spec, ctx.signal);
  } catch (e) {
    if (!(e instanceof ServerStartError)) throw e;
    if (e.kind === "aborted") return ended({ status: "interrupted", reason: "stopped while the server was starting", ...(logRel ? { log: logRel } : {}) });
    return ended({ status: "failed", reason: e.reason, ...(logRel ? { log: logRel } : {}) });
  }
  const startup = kind === "endpoint" ? {} : { startupMs: Math.round(server.startupMs) };
  if (kind !== "endpoint") ctx.log(`server healthy after ${(server.startupMs / 1000).toFixed(1)} s`);

  let outcome: RunOutcome | undefined;
  let cacheReset: string | undefined;
  let failure: string | undefined;
  try {
    const configPath = join(cellDir, GRID_FILES.serverConfig);
    if (!existsSync(configPath)) writeJsonAtomic(configPath, await effectiveConfig(url, ctx.apiKey !== undefined ? { apiKey: ctx.apiKey } : {}));
    if (manifest.server.resetPrefixCache) cacheReset = await resetPrefixCache(url, ctx.apiKey !== undefined ? { apiKey: ctx.apiKey } : {});
    ctx.log("running the suite");
    outcome = await runSuite(visitSuite(manifest.suite, url, join(cellDir, "runs")), {
      ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}),
      env: ctx.env,
      label: `${manifest.name}/${cell.id}/r${repeat}`,
      interruptionReason: () => "the grid's stop",
    });
  } catch (e) {
    // An invalid suite or key fails every cell alike: the grid stops (exit 2), the server first.
    if (e instanceof ConfigError) {
      await server.stop();
      throw e;
    }
    if (!(e instanceof ShakedownError)) {
      await server.stop();
      throw e;
    }
    failure = `the run could not start: ${e.message}`;
  }
  const died = server.exitInfo();
  const stopProblem = await server.stop();
  const extra = { ...startup, ...(logRel ? { log: logRel } : {}), ...(cacheReset !== undefined ? { cacheReset } : {}) };
  if (outcome === undefined) return ended({ status: "failed", reason: failure ?? "the run did not start", ...extra });
  const runDir = relative(dir, outcome.dir);
  const ran = { runDir, runStatus: outcome.results.status, ...extra };
  if (outcome.stop?.cause === "user") return ended({ status: "interrupted", reason: "stopped during the run; its records are kept in the run folder", ...ran });
  if (died !== undefined) return ended({ status: "failed", reason: `the server stopped during the run: ${died.reason}`, ...ran });
  if (outcome.stop !== undefined) return ended({ status: "failed", reason: outcome.stop.message, ...ran });
  if (stopProblem !== undefined) ctx.log(`warning: ${stopProblem}`);
  return ended({ status: "done", ...ran });
}

/** Names of environment variables that hold secrets. */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

/**
 * What must never stay in a server's log or in a visit's reason: the API key of the cells'
 * servers (vLLM prints its arguments, `--api-key` included, when it starts) and the values of
 * server.env that name or look like a secret (HF_TOKEN, …).
 */
export function serverSecrets(apiKey: string | undefined, env: Record<string, string>): string[] {
  const out = apiKey !== undefined && apiKey !== "" ? [apiKey] : [];
  for (const [name, value] of Object.entries(env)) if (value.length >= 8 && (SECRET_NAME.test(name) || looksLikeSecret(value))) out.push(value);
  return out;
}

/** The command of a visit: {shakedown} goes in as the command line it is, every other value shell-quoted. */
function renderCommand(template: string, values: Record<string, ParamValue>): string {
  // A word the shell quoting leaves alone, replaced afterwards by the command line.
  const MARK = "SHAKEDOWNCOMMAND7f3a9c";
  const { shakedown, ...rest } = values;
  return renderTemplate(template, { ...rest, shakedown: MARK }, "shell").split(MARK).join(String(shakedown));
}

