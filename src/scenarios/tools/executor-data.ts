/**
 * The data behind the built-in tools: their definitions (suites/tools/tools.yaml) and the
 * fixtures their executors answer from (suites/tools/fixtures.yaml), read and checked once
 * per process.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import { PACKAGE_ROOT } from "../../version.js";
import type { WireTool } from "../../wire/openai.js";

export const BUILTIN_TOOLS_PATH = join(PACKAGE_ROOT, "suites", "tools", "tools.yaml");
export const TOOL_FIXTURES_PATH = join(PACKAGE_ROOT, "suites", "tools", "fixtures.yaml");

const wireToolSchema = z
  .object({
    type: z.literal("function"),
    function: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        description: z.string().min(1),
        parameters: z.record(z.string(), z.unknown()),
      })
      .strict(),
  })
  .strict();

const toolsFileSchema = z.object({ tools: z.array(wireToolSchema).min(1) }).strict();

const citySchema = z
  .object({
    city: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    country: z.string().min(1),
    temperature_c: z.number(),
    condition: z.string().min(1),
    humidity: z.number().min(0).max(100),
    wind_kmh: z.number().min(0),
  })
  .strict();

const orderSchema = z
  .object({
    order_id: z.string().min(1),
    customer: z.string().min(1),
    status: z.string().min(1),
    placed_on: z.string(),
    delivered_on: z.string().optional(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    items: z
      .array(z.object({ sku: z.string(), name: z.string(), quantity: z.int().positive(), unit_price: z.number().min(0) }).strict())
      .min(1),
    total: z.number().min(0),
  })
  .strict();

const documentSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    title: z.string().min(1),
    text: z.string().min(1),
  })
  .strict();

export const fixturesSchema = z
  .object({
    weather: z.object({ observed_at: z.string(), cities: z.array(citySchema).min(1) }).strict(),
    exchange_rates: z
      .object({
        base: z.string().regex(/^[A-Z]{3}$/),
        date: z.string(),
        rates: z.record(z.string().regex(/^[A-Z]{3}$/), z.number().positive()),
      })
      .strict(),
    orders: z.array(orderSchema).min(1),
    tickets: z.object({ prefix: z.string().min(1), first_number: z.int().min(0), created_at: z.string() }).strict(),
    documents: z.array(documentSchema).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    if (f.exchange_rates.rates[f.exchange_rates.base] !== 1) {
      ctx.addIssue({ code: "custom", message: `the base currency ${f.exchange_rates.base} must have rate 1`, path: ["exchange_rates", "rates"] });
    }
    const ids = new Set<string>();
    f.documents.forEach((d, i) => {
      if (ids.has(d.id)) ctx.addIssue({ code: "custom", message: `document id "${d.id}" appears twice`, path: ["documents", i, "id"] });
      ids.add(d.id);
    });
  });

export type ToolFixtures = z.infer<typeof fixturesSchema>;
export type WeatherCity = z.infer<typeof citySchema>;
export type OrderFixture = z.infer<typeof orderSchema>;
export type DocumentFixture = z.infer<typeof documentSchema>;

function readYaml(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the ${what} ${path} (${(e as Error).message}); reinstall shakedown`);
  }
  try {
    return parse(text) as unknown;
  } catch (e) {
    throw new ConfigError(`${path}: YAML syntax error: ${(e as Error).message}`);
  }
}

function check<T>(schema: z.ZodType<T>, raw: unknown, path: string, what: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 8)
    .map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`)
    .join("; ");
  throw new ConfigError(`${path}: not valid ${what} (${issues}). See docs/tool-cases.md.`);
}

let tools: ReadonlyMap<string, WireTool> | undefined;
let fixtures: ToolFixtures | undefined;

/** The built-in tool definitions by name, in file order. */
export function loadBuiltinTools(): ReadonlyMap<string, WireTool> {
  if (tools) return tools;
  const file = check(toolsFileSchema, readYaml(BUILTIN_TOOLS_PATH, "built-in tool definitions"), BUILTIN_TOOLS_PATH, "tool definitions");
  const map = new Map<string, WireTool>();
  for (const t of file.tools) {
    if (map.has(t.function.name)) throw new ConfigError(`${BUILTIN_TOOLS_PATH}: tool "${t.function.name}" is defined twice`);
    map.set(t.function.name, t);
  }
  tools = map;
  return map;
}

/** The fixtures the executors answer from. */
export function loadToolFixtures(): ToolFixtures {
  fixtures ??= check(fixturesSchema, readYaml(TOOL_FIXTURES_PATH, "tool fixtures"), TOOL_FIXTURES_PATH, "tool fixtures");
  return fixtures;
}
