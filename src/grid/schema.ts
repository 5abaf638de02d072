/**
 * The grid file (docs/grid.md): a matrix of server parameters, how each cell's server is
 * started (a command, a docker compose service, or an endpoint already running), and the suite
 * run in every cell. YAML keys are snake_case, as in suites.
 */
import { z } from "zod";
import { durationSchema } from "../config/schema.js";

/** Template fields shakedown fills itself; a matrix parameter may not take these names. */
export const RESERVED_FIELDS = ["port", "model", "cell", "repeat", "shakedown"] as const;

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const paramValue = z.union([z.string().min(1, "an empty value cannot be told apart in a cell's name"), z.number().finite(), z.boolean()]);

export const gridServerSchema = z
  .strictObject({
    command: z.string().min(1).optional().describe("shell command line that starts one cell's server; {name} is a matrix parameter, {port} a free port, {model}, {cell}, {repeat}, {shakedown} this shakedown"),
    compose: z
      .strictObject({
        file: z.string().min(1).describe("docker compose file (relative to the grid file)"),
        service: z.string().min(1).describe("the service to start and stop per cell"),
        project: z.string().min(1).optional().describe("compose project name (-p)"),
      })
      .optional()
      .describe("start each cell as a docker compose service; parameters reach it through env"),
    env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional().describe("environment for the command or docker compose; values may hold {name} fields"),
    cwd: z.string().min(1).optional().describe("working folder of the command (relative to the grid file; default: the grid file's folder)"),
    url: z.string().min(1).optional().describe('the API base URL of a cell, e.g. "http://127.0.0.1:{port}/v1" (the default with a command or compose)'),
    health: z.string().min(1).optional().describe("polled until it answers 2xx before a cell runs (default: the URL's origin + /health)"),
    model: z.string().min(1).optional().describe("model name sent (default: the first the server lists); {model} in templates"),
    api_key_env: z.string().min(1).optional().describe("environment variable holding the API key of the cells' servers"),
    startup_timeout: durationSchema().default("10m").describe("how long a server may take to answer its health URL"),
    stop_grace: durationSchema().default("30s").describe("how long a server may take to stop after SIGTERM before it is killed"),
    reset_prefix_cache: z.boolean().default(true).describe("empty the server's prefix cache before each run where it allows it (vLLM /reset_prefix_cache, SGLang /flush_cache)"),
  })
  .describe("how each cell's server is provided");

export const gridFileSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, . _ and - (at most 64), starting with a letter or digit")
    .optional()
    .describe("the grid's name (default: the file's name)"),
  suite: z
    .union([z.string().min(1), z.record(z.string(), z.unknown())])
    .optional()
    .describe("the suite run in every cell: a suite file (relative to the grid file) or a suite mapping; default: the built-in suite"),
  scenario: z.string().min(1).optional().describe("keep only this scenario of the suite (a kind or a name)"),
  set: z.array(z.string().min(1)).optional().describe('suite overrides, as --set: ["conversation.turns=6"]'),
  repeats: z.int().min(1).max(50).default(2).describe("visits of every cell, interleaved (A B C A B C)"),
  alpha: z.number().gt(0).lt(1).default(0.05).describe("significance level of the comparisons between cells"),
  matrix: z
    .record(
      z.string().regex(PARAM_NAME, "a parameter name is letters, digits, _ and -, starting with a letter or _"),
      z.array(paramValue).min(1, "give at least one value").max(64),
    )
    .default({})
    .describe("parameter → its values; the cells are every combination"),
  exclude: z
    .array(z.record(z.string(), paramValue))
    .optional()
    .describe("combinations left out: each entry a partial set of parameters (a cell matching every one is skipped)"),
  server: gridServerSchema,
  output: z.strictObject({ dir: z.string().min(1).optional() }).optional(),
});

export type GridFile = z.infer<typeof gridFileSchema>;
export type GridServer = z.infer<typeof gridServerSchema>;
