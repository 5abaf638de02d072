/**
 * Deterministic local executors for the built-in tools (suites/tools/tools.yaml), answering
 * from fixed data (suites/tools/fixtures.yaml): a weather table, a calculator, a search
 * index of ten documents, orders, exchange rates and a ticket desk.
 *
 * Nothing the model writes is ever evaluated: the calculator takes an operation name and two
 * numbers, lookups are table lookups. Bad arguments give an error result that goes back to
 * the model as the tool's answer (`{ ok: false, error }`); an executor never throws.
 *
 * State: only create_ticket has any (tickets get sequential ids, TCK-1001, TCK-1002, …). It
 * lives in a ToolSession; executeTool without a session uses one shared by the process.
 * Give each case run its own session (createToolSession) when its ticket numbers must not
 * depend on what ran before or beside it.
 */
import { ConfigError } from "../../errors.js";
import type { WireTool } from "../../wire/openai.js";
import type { ToolSpec } from "./case.js";
import { checkArguments } from "./executor-args.js";
import { loadBuiltinTools, loadToolFixtures, type ToolFixtures } from "./executor-data.js";
import { foldText, rankDocuments } from "./executor-search.js";

export type ToolOutcome = { ok: true; result: unknown } | { ok: false; error: string };

type Args = Record<string, unknown>;
type Handler = (args: Args, fixtures: ToolFixtures, session: ToolSession) => ToolOutcome;

const ok = (result: unknown): ToolOutcome => ({ ok: true, result });
const fail = (error: string): ToolOutcome => ({ ok: false, error });

/** Rounds away binary noise (0.1 + 0.2 → 0.3, 450 × 0.942 → 423.9): 12 significant digits. */
export function roundResult(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(12));
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** A name folded for lookup: case, accents, punctuation and spaces ignored. */
function key(s: string): string {
  return foldText(s).replace(/[^\p{L}\p{N}]+/gu, "");
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

const handlers: Record<string, Handler> = {
  get_weather(args, f) {
    const asked = str(args.city);
    const wanted = key(asked);
    const city = f.weather.cities.find((c) => key(c.city) === wanted || c.aliases.some((a) => key(a) === wanted));
    if (!city) return fail(`get_weather: unknown city "${asked}"; known cities: ${f.weather.cities.map((c) => c.city).join(", ")}`);
    const unit = args.unit === "fahrenheit" ? "fahrenheit" : "celsius";
    const temperature = unit === "fahrenheit" ? round((city.temperature_c * 9) / 5 + 32, 1) : city.temperature_c;
    return ok({
      city: city.city,
      country: city.country,
      temperature,
      unit,
      condition: city.condition,
      humidity_percent: city.humidity,
      wind_kmh: city.wind_kmh,
      observed_at: f.weather.observed_at,
    });
  },

  calculator(args) {
    const operation = str(args.operation);
    const a = num(args.a) ?? NaN;
    const b = num(args.b);
    if (operation !== "sqrt" && b === undefined) return fail(`calculator: "b" is required for ${operation}`);
    let result: number;
    switch (operation) {
      case "add":
        result = a + (b ?? 0);
        break;
      case "subtract":
        result = a - (b ?? 0);
        break;
      case "multiply":
        result = a * (b ?? 0);
        break;
      case "divide":
        if (b === 0) return fail("calculator: division by zero");
        result = a / (b ?? 1);
        break;
      case "power":
        result = a ** (b ?? 1);
        break;
      case "sqrt":
        if (a < 0) return fail(`calculator: cannot take the square root of a negative number (${a})`);
        result = Math.sqrt(a);
        break;
      default:
        return fail(`calculator: unknown operation "${operation}"`);
    }
    if (!Number.isFinite(result)) return fail(`calculator: the result of ${operation} is not a finite number`);
    return ok({ operation, a, ...(operation === "sqrt" || b === undefined ? {} : { b }), result: roundResult(result) });
  },

  search_documents(args, f) {
    const query = str(args.query);
    const topK = num(args.top_k) ?? 3;
    const results = rankDocuments(f.documents, query, topK);
    return ok({ query, results });
  },

  get_document(args, f) {
    const asked = str(args.id);
    const doc = f.documents.find((d) => d.id === asked.trim().toLowerCase());
    if (!doc) return fail(`get_document: no document with id "${asked}"; search_documents gives the ids`);
    return ok({ id: doc.id, title: doc.title, text: doc.text.replace(/\s+/g, " ").trim() });
  },

  get_exchange_rate(args, f) {
    const { rates, date } = f.exchange_rates;
    const from = str(args.from).trim().toUpperCase();
    const to = str(args.to).trim().toUpperCase();
    const known = Object.keys(rates).join(", ");
    const rf = rates[from];
    const rt = rates[to];
    if (rf === undefined) return fail(`get_exchange_rate: unknown currency "${str(args.from)}"; known: ${known} (ISO 4217 codes)`);
    if (rt === undefined) return fail(`get_exchange_rate: unknown currency "${str(args.to)}"; known: ${known} (ISO 4217 codes)`);
    const rate = from === to ? 1 : rf === 1 ? rt : round(rt / rf, 4);
    return ok({ from, to, rate, date });
  },

  get_order(args, f) {
    const asked = str(args.order_id);
    const order = f.orders.find((o) => o.order_id === asked.trim().toUpperCase());
    if (!order) return fail(`get_order: no order "${asked}"`);
    return ok(structuredClone(order));
  },

  create_ticket(args, f, session) {
    const orderId = args.order_id === undefined ? undefined : str(args.order_id).trim().toUpperCase();
    if (orderId !== undefined && !f.orders.some((o) => o.order_id === orderId)) {
      return fail(`create_ticket: no order "${str(args.order_id)}"; check the id with get_order`);
    }
    const ticketId = `${f.tickets.prefix}${f.tickets.first_number + session.ticketsCreated}`;
    session.ticketsCreated++;
    return ok({
      ticket_id: ticketId,
      status: "open",
      title: str(args.title),
      priority: str(args.priority),
      ...(orderId !== undefined ? { order_id: orderId } : {}),
      ...(args.description !== undefined ? { description: str(args.description) } : {}),
      created_at: f.tickets.created_at,
    });
  },
};

/** The state of the tools across the calls of one conversation (ticket numbers). */
export class ToolSession {
  /** Tickets created in this session so far. */
  ticketsCreated = 0;

  /** Runs one call. Never throws: bad arguments and unknown tools give `{ ok: false, error }`. */
  execute(name: string, args: unknown): ToolOutcome {
    const tool = loadBuiltinTools().get(name);
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (!tool || !handler) return fail(`unknown tool "${name}"; the tools here are ${[...loadBuiltinTools().keys()].join(", ")}`);
    const checked = checkArguments(name, tool.function.parameters, args);
    if (!checked.ok) return checked;
    try {
      return handler(checked.args, loadToolFixtures(), this);
    } catch (e) {
      return fail(`${name}: ${(e as Error).message}`);
    }
  }
}

/** A fresh session: its first ticket is TCK-1001. */
export function createToolSession(): ToolSession {
  return new ToolSession();
}

const processSession = new ToolSession();

/**
 * Runs one call of a built-in tool on the fixtures. `args` is the parsed JSON the model sent.
 * Without a session, the process-wide one is used (ticket numbers then keep counting).
 */
export function executeTool(name: string, args: unknown, session: ToolSession = processSession): ToolOutcome {
  return session.execute(name, args);
}

/** The content of the `tool` message that carries an outcome back to the model. */
export function toolMessageContent(outcome: ToolOutcome): string {
  return JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error });
}

/** The built-in tool definitions by name (copies: callers may change them). */
export function builtinTools(): Record<string, WireTool> {
  return Object.fromEntries([...loadBuiltinTools()].map(([name, t]) => [name, structuredClone(t)]));
}

/** The names of the built-in tools, in definition order. */
export function builtinToolNames(): string[] {
  return [...loadBuiltinTools().keys()];
}

/**
 * A case's `tools` as the request sends them: names become the built-in definitions, inline
 * definitions are kept. Throws ConfigError for an unknown name or a name offered twice.
 */
export function resolveToolSpecs(specs: readonly ToolSpec[]): WireTool[] {
  const builtins = loadBuiltinTools();
  const out: WireTool[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    let tool: WireTool;
    if (typeof spec === "string") {
      const found = builtins.get(spec);
      if (!found) {
        throw new ConfigError(
          `unknown tool "${spec}": the built-in tools are ${[...builtins.keys()].join(", ")}; ` +
            "or write the tool's definition in OpenAI tools format (see docs/tool-cases.md)",
        );
      }
      tool = structuredClone(found);
    } else {
      tool = structuredClone(spec) as WireTool;
    }
    if (seen.has(tool.function.name)) throw new ConfigError(`tool "${tool.function.name}" is offered twice in one case`);
    seen.add(tool.function.name);
    out.push(tool);
  }
  return out;
}
