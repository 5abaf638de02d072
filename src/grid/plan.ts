/**
 * A grid file made into a plan: the matrix expanded into cells, the visits in interleaved
 * order (every cell once per round, round after round), the suite loaded and validated, and
 * every template checked against the fields it may name — all before any server starts, so a
 * mistake costs nothing (ConfigError, exit 2).
 */
import { createHash } from "node:crypto";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { loadSuite } from "../index.js";
import { FILE_LIMITS, printable, readUserText } from "../config/file-check.js";
import { issuesFromZod, locateIssues, SuiteValidationError } from "../config/issues.js";
import { parseSuiteDocument } from "../config/load.js";
import { parseDuration } from "../config/duration.js";
import type { Suite, SuiteInput } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import { commandProgram, programExists, renderTemplate, templateFields } from "../servers/index.js";
import { PACKAGE_ROOT, TOOL_VERSION } from "../version.js";
import { gridFileSchema, RESERVED_FIELDS, type GridFile } from "./schema.js";
import { GRID_SCHEMA_VERSION, type GridCell, type GridManifest, type ParamValue, type ServerKind } from "./types.js";

/** At most this many cells, and this many visits in all: a typo in a matrix should not plan a month of runs. */
export const MAX_CELLS = 256;
export const MAX_VISITS = 2000;

/** The default API URL of a started server. */
const DEFAULT_URL = "http://127.0.0.1:{port}/v1";

export interface GridPlan {
  manifest: Omit<GridManifest, "createdAt">;
  /** The grid file's folder: relative paths (suite, compose file, cwd) are resolved from it. */
  baseDir: string;
  /** Environment templates for the servers (never written to grid.json: they may hold tokens). */
  env: Record<string, string>;
  /** A hash of `env`, so that a resumed grid can tell its environment changed. */
  envHash: string;
  compose?: { file: string; service: string; project?: string };
  cwd: string;
  apiKeyEnv?: string;
  model?: string;
  /** Fields the templates use (so a free port is found only when {port} is named). */
  usesPort: boolean;
}

export interface PlanOptions {
  /** --out: parent folder of grid folders (default: the file's output.dir, else "runs"). */
  outDir?: string;
}

/** What a grid file is, for file-check.ts. */
const GRID_FILE_SPEC = {
  what: "grid file",
  maxBytes: FILE_LIMITS.text,
  expected: 'a grid is a YAML mapping with "matrix:" and "server:" (see docs/grid.md)',
  code: "SHAKEDOWN_CONFIG_FILE",
} as const;

/** The grid file read, validated and planned. Throws a ConfigError naming every problem. */
export function loadGridFile(path: string, opts: PlanOptions = {}): GridPlan & { outDir: string } {
  const text = readUserText(path, GRID_FILE_SPEC);
  const { raw, provenance } = parseSuiteDocument(text, path);
  const parsed = gridFileSchema.safeParse(raw);
  if (!parsed.success) throw new SuiteValidationError(locateIssues(issuesFromZod(parsed.error, raw), provenance));
  const baseDir = dirname(resolve(path));
  const name = parsed.data.name ?? safeName(basename(path, extname(path)));
  const plan = planGrid(parsed.data, { baseDir, name, file: resolve(path) });
  const outDir = opts.outDir ?? (parsed.data.output?.dir !== undefined ? resolveFrom(baseDir, parsed.data.output.dir) : "runs");
  return { ...plan, outDir };
}

function safeName(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 64);
  return cleaned === "" ? "grid" : cleaned;
}

function resolveFrom(baseDir: string, p: string): string {
  return isAbsolute(p) ? p : join(baseDir, p);
}

/** A value as it appears in a cell's id and label. */
export function valueText(v: ParamValue): string {
  return typeof v === "boolean" ? (v ? "true" : "false") : String(v);
}

/** Every combination of the matrix, in order (the first parameter changes slowest), minus the excluded ones. */
export function expandMatrix(matrix: Record<string, readonly ParamValue[]>, exclude: readonly Record<string, ParamValue>[] = []): GridCell[] {
  const names = Object.keys(matrix);
  let combos: Record<string, ParamValue>[] = [{}];
  for (const name of names) {
    const values = matrix[name] as readonly ParamValue[];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  const kept = combos.filter((c) => !exclude.some((ex) => Object.entries(ex).every(([k, v]) => k in c && valueText(c[k] as ParamValue) === valueText(v))));
  const ids = new Map<string, number>();
  return kept.map((params, index) => {
    const base = names.length === 0 ? "default" : names.map((n) => `${n}-${valueText(params[n] as ParamValue)}`).join("_");
    let id = base.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 100);
    // Two cells whose values differ only in characters a folder name cannot hold get a number.
    const seen = ids.get(id) ?? 0;
    ids.set(id, seen + 1);
    if (seen > 0) id = `${id}-${seen + 1}`;
    const label = names.length === 0 ? "default" : names.map((n) => `${n}=${valueText(params[n] as ParamValue)}`).join(", ");
    return { id, index, params, label };
  });
}

/** Rounds of visits: every cell once per round (A B C A B C), so a drift of the machine spreads over every cell alike. */
export function interleavedOrder(cells: readonly GridCell[], repeats: number): { cell: string; repeat: number }[] {
  const order: { cell: string; repeat: number }[] = [];
  for (let r = 1; r <= repeats; r++) for (const c of cells) order.push({ cell: c.id, repeat: r });
  return order;
}

/** Plans a validated grid file. `file` is where it was read from (kept in grid.json). */
export function planGrid(grid: GridFile, where: { baseDir: string; name: string; file?: string }): GridPlan {
  const problems: string[] = [];
  const params = Object.keys(grid.matrix);
  for (const p of params) {
    if ((RESERVED_FIELDS as readonly string[]).includes(p)) problems.push(`matrix.${p}: "${p}" is a field shakedown fills itself (${RESERVED_FIELDS.map((f) => `{${f}}`).join(", ")}); rename the parameter`);
    const values = (grid.matrix[p] as ParamValue[]).map(valueText);
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup !== undefined) problems.push(`matrix.${p}: the value ${printable(dup)} is given twice`);
  }
  (grid.exclude ?? []).forEach((ex, i) => {
    for (const k of Object.keys(ex)) if (!params.includes(k)) problems.push(`exclude[${i}].${printable(k)}: not a parameter of the matrix (${params.join(", ") || "it is empty"})`);
  });

  const s = grid.server;
  const kind: ServerKind = s.command !== undefined ? "command" : s.compose !== undefined ? "compose" : "endpoint";
  if (s.command !== undefined && s.compose !== undefined) problems.push("server: give command or compose, not both");
  if (kind === "endpoint" && s.url === undefined) problems.push("server: give a command that starts each cell's server, a compose service, or the url of a server already running (url)");
  const url = s.url ?? DEFAULT_URL;
  const health = s.health ?? (kind === "endpoint" ? undefined : healthFromUrl(url));

  // Every template may name the matrix's parameters and shakedown's own fields, nothing else.
  const known = new Set<string>([...params, ...RESERVED_FIELDS]);
  const templates: [string, string][] = [["server.url", url]];
  if (health !== undefined) templates.push([s.health !== undefined ? "server.health" : "server.health (default)", health]);
  if (s.command !== undefined) templates.push(["server.command", s.command]);
  for (const [k, v] of Object.entries(s.env ?? {})) templates.push([`server.env.${k}`, String(v)]);
  const used = new Set<string>();
  for (const [where, tpl] of templates) {
    let fields: string[];
    try {
      fields = templateFields(tpl);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      continue;
    }
    for (const f of fields) {
      used.add(f);
      if (!known.has(f)) problems.push(`${where}: {${printable(f)}} is not a parameter of the matrix (${params.length ? params.join(", ") : "it has none"}) nor one of ${RESERVED_FIELDS.map((r) => `{${r}}`).join(", ")}`);
    }
  }
  if (used.has("model") && s.model === undefined) problems.push("server: a template names {model} but server.model is not given");
  if (kind !== "endpoint" && params.length > 0 && !params.some((p) => used.has(p))) {
    problems.push(`server: no template names a parameter of the matrix (${params.map((p) => `{${p}}`).join(", ")}): every cell would start the same server`);
  }
  if (kind === "endpoint" && params.length > 0 && !params.some((p) => templateFieldsSafe(url).includes(p))) {
    problems.push(`server.url: with servers already running, the url must name a parameter (e.g. url: "{endpoint}" with matrix.endpoint: [http://a:8000/v1, http://b:8000/v1]); else every cell measures the same server`);
  }
  if (kind === "endpoint" && used.has("port")) problems.push("server.url: {port} is a free port for a server shakedown starts; with servers already running give their ports");

  const cells = expandMatrix(grid.matrix, grid.exclude ?? []);
  // Every cell's templates filled once now: a value the shell quoting refuses (inside backticks,
  // after a backslash) is a mistake in the file, not a failed cell at run time.
  if (problems.length === 0) {
    for (const cell of cells) {
      const values = sampleValues(cell.params, grid);
      for (const [where, tpl] of templates) {
        try {
          renderTemplate(tpl, values, where === "server.command" ? "shell" : where.startsWith("server.env") ? "none" : "url");
        } catch (e) {
          problems.push(`${where}: cell ${cell.label}: ${(e as Error).message}`);
        }
      }
    }
  }

  // The program a command runs must exist (known before any cell: exit 2, not a failed cell each).
  const cwd = s.cwd !== undefined ? resolveFrom(where.baseDir, s.cwd) : where.baseDir;
  const first = cells[0];
  if (s.command !== undefined && problems.length === 0 && first !== undefined) {
    const program = commandProgram(renderTemplate(s.command, sampleValues(first.params, grid), "shell"));
    if (program !== undefined && !programExists(program, process.env, cwd)) {
      problems.push(`server.command: ${printable(program)} is not a program found on PATH${program.includes("/") ? " (no executable file there)" : ""}: install it, or give its full path`);
    }
  }
  if (kind === "compose") {
    const docker = process.env.SHAKEDOWN_DOCKER ?? "docker";
    if (!programExists(docker, process.env, cwd)) problems.push(`server.compose: ${printable(docker)} is not a program found on PATH; docker compose starts the cells' servers`);
  }

  if (cells.length === 0) problems.push("exclude: every cell of the matrix is excluded");
  if (cells.length > MAX_CELLS) problems.push(`matrix: ${cells.length} cells; at most ${MAX_CELLS} (a grid that large belongs in several files)`);
  if (cells.length * grid.repeats > MAX_VISITS) problems.push(`repeats: ${cells.length} cells × ${grid.repeats} repeats = ${cells.length * grid.repeats} runs; at most ${MAX_VISITS}`);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${where.file ?? where.name}: ${p}`).join("\n"));

  const suite = gridSuite(grid, where.baseDir);
  const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    manifest: {
      schemaVersion: GRID_SCHEMA_VERSION,
      name: where.name,
      ...(where.file !== undefined ? { file: where.file } : {}),
      shakedownVersion: TOOL_VERSION,
      params,
      cells,
      repeats: grid.repeats,
      order: interleavedOrder(cells, grid.repeats),
      suite,
      server: {
        kind,
        ...(s.command !== undefined ? { command: s.command } : {}),
        url,
        ...(health !== undefined ? { health } : {}),
        startupTimeoutS: (parseDuration(s.startup_timeout) as number) / 1000,
        stopGraceS: (parseDuration(s.stop_grace) as number) / 1000,
        resetPrefixCache: s.reset_prefix_cache,
      },
      alpha: grid.alpha,
    },
    baseDir: where.baseDir,
    env,
    envHash: createHash("sha256").update(JSON.stringify(Object.entries(env).sort())).digest("hex").slice(0, 16),
    ...(s.compose !== undefined ? { compose: { ...s.compose, file: resolveFrom(where.baseDir, s.compose.file) } } : {}),
    cwd,
    ...(s.api_key_env !== undefined ? { apiKeyEnv: s.api_key_env } : {}),
    ...(s.model !== undefined ? { model: s.model } : {}),
    usesPort: used.has("port"),
  };
}

function templateFieldsSafe(tpl: string): string[] {
  try {
    return templateFields(tpl);
  } catch {
    return [];
  }
}

/** The health URL a server of this API URL most likely has: its origin + /health (vLLM, SGLang, llama.cpp, TGI). */
function healthFromUrl(url: string): string {
  // The URL is a template: keep its fields, cut after host[:port].
  const m = /^(https?:\/\/[^/]+)/.exec(url);
  return `${m ? m[1] : url.replace(/\/v1\/?$/, "")}/health`;
}

/** A cell's values as a visit fills them, before any cell runs (to check the templates and find the program). */
function sampleValues(params: Record<string, ParamValue>, grid: GridFile): Record<string, ParamValue> {
  // {shakedown} runs node: the program to look for.
  return { ...params, port: 8000, model: grid.server.model ?? "model", cell: "cell", repeat: 1, shakedown: process.execPath };
}

/** The command line of this shakedown (node and its bin), for {shakedown} in templates; inserted raw, already quoted. */
export function shakedownCommand(): string {
  const bin = join(PACKAGE_ROOT, "bin", "shakedown.js");
  return `${quoteArg(process.execPath)} ${quoteArg(bin)}`;
}

function quoteArg(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The suite of the grid, validated with a placeholder target (each visit sets its own). */
function gridSuite(grid: GridFile, baseDir: string): Suite {
  const source: string | SuiteInput | undefined = typeof grid.suite === "string" ? resolveFrom(baseDir, grid.suite) : (grid.suite as SuiteInput | undefined);
  return loadSuite(source, {
    ...(grid.scenario !== undefined ? { scenario: grid.scenario } : {}),
    sets: grid.set ?? [],
    target: { url: "http://127.0.0.1:9/v1", ...(grid.server.model !== undefined ? { model: grid.server.model } : {}), ...(grid.server.api_key_env !== undefined ? { apiKeyEnv: grid.server.api_key_env } : {}) },
  });
}

/** The suite of one visit: the grid's, aimed at the cell's server, writing under the cell's folder. */
export function visitSuite(suite: Suite, url: string, outDir: string): Suite {
  return { ...suite, target: { ...suite.target, url }, output: { ...suite.output, dir: outDir } };
}
