/**
 * The local executors of the built-in tools: each answers from the fixtures, deterministic,
 * and turns bad arguments into an error result (never a throw).
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { checkArguments } from "../../../src/scenarios/tools/executor-args.js";
import { loadToolFixtures } from "../../../src/scenarios/tools/executor-data.js";
import { rankDocuments, searchWords, snippet } from "../../../src/scenarios/tools/executor-search.js";
import {
  builtinToolNames,
  builtinTools,
  createToolSession,
  executeTool,
  resolveToolSpecs,
  roundResult,
  toolMessageContent,
  type ToolOutcome,
} from "../../../src/scenarios/tools/executors.js";

function result(o: ToolOutcome): Record<string, unknown> {
  if (!o.ok) throw new Error(`expected a result, got the error: ${o.error}`);
  return o.result as Record<string, unknown>;
}

function error(o: ToolOutcome): string {
  if (o.ok) throw new Error(`expected an error, got ${JSON.stringify(o.result)}`);
  return o.error;
}

describe("get_weather", () => {
  it("answers from the weather table, in Celsius by default", () => {
    const r = result(executeTool("get_weather", { city: "Lyon" }));
    expect(r).toMatchObject({ city: "Lyon", country: "France", temperature: 17, unit: "celsius", condition: "partly cloudy" });
    expect(r.humidity_percent).toBe(62);
    expect(r.wind_kmh).toBe(12);
  });

  it("converts to Fahrenheit, rounded to 0.1", () => {
    expect(result(executeTool("get_weather", { city: "Toronto", unit: "fahrenheit" })).temperature).toBe(46.4);
    expect(result(executeTool("get_weather", { city: "Oslo", unit: "fahrenheit" })).temperature).toBe(37.4);
  });

  it("folds case, accents and spaces, and knows aliases", () => {
    expect(result(executeTool("get_weather", { city: "  lyon " })).city).toBe("Lyon");
    expect(result(executeTool("get_weather", { city: "montreal" })).city).toBe("Montréal");
    expect(result(executeTool("get_weather", { city: "Londres" })).city).toBe("London");
    expect(result(executeTool("get_weather", { city: "Genève" })).city).toBe("Geneva");
    expect(result(executeTool("get_weather", { city: "newyork" })).city).toBe("New York");
    expect(result(executeTool("get_weather", { city: "Paris", unit: "Celsius" })).unit).toBe("celsius");
  });

  it("says which cities it knows when asked for another", () => {
    const e = error(executeTool("get_weather", { city: "Sydney" }));
    expect(e).toContain('unknown city "Sydney"');
    expect(e).toContain("Lyon");
  });

  it("rejects a missing city, a bad unit and unknown arguments", () => {
    expect(error(executeTool("get_weather", {}))).toContain('missing required argument "city"');
    expect(error(executeTool("get_weather", { city: "Lyon", unit: "kelvin" }))).toContain('"unit" must be one of celsius, fahrenheit');
    expect(error(executeTool("get_weather", { city: "Lyon", country: "FR" }))).toContain('unknown argument "country"');
    expect(error(executeTool("get_weather", { city: ["Lyon"] }))).toContain('"city" must be a string');
  });
});

describe("calculator", () => {
  const calc = (args: unknown) => executeTool("calculator", args);

  it("does the six operations", () => {
    expect(result(calc({ operation: "add", a: 2, b: 3 })).result).toBe(5);
    expect(result(calc({ operation: "subtract", a: 2, b: 3 })).result).toBe(-1);
    expect(result(calc({ operation: "multiply", a: 200, b: 0.9217 })).result).toBe(184.34);
    expect(result(calc({ operation: "divide", a: 1, b: 4 })).result).toBe(0.25);
    expect(result(calc({ operation: "power", a: 2, b: 10 })).result).toBe(1024);
    expect(result(calc({ operation: "sqrt", a: 81 })).result).toBe(9);
  });

  it("rounds away binary noise (12 significant digits)", () => {
    expect(result(calc({ operation: "multiply", a: 450, b: 0.942 })).result).toBe(423.9);
    expect(result(calc({ operation: "add", a: 0.1, b: 0.2 })).result).toBe(0.3);
    expect(roundResult(1 / 3)).toBe(0.333333333333);
    expect(roundResult(0)).toBe(0);
  });

  it("echoes its operands; sqrt has no b", () => {
    expect(result(calc({ operation: "multiply", a: 2, b: 3 }))).toEqual({ operation: "multiply", a: 2, b: 3, result: 6 });
    expect(result(calc({ operation: "sqrt", a: 16, b: 99 }))).toEqual({ operation: "sqrt", a: 16, result: 4 });
  });

  it("takes numbers sent as numeric strings, and nothing else that looks like code", () => {
    expect(result(calc({ operation: "add", a: "2", b: " 3.5 " })).result).toBe(5.5);
    expect(error(calc({ operation: "add", a: "2+2", b: 1 }))).toContain('"a" must be a number');
    expect(error(calc({ operation: "add", a: "process.exit(1)", b: 1 }))).toContain('"a" must be a number');
    expect(error(calc({ operation: "eval", a: 1, b: 1 }))).toContain('"operation" must be one of');
  });

  it("errors on a missing b, division by zero, a negative root and overflow", () => {
    expect(error(calc({ operation: "add", a: 1 }))).toContain('"b" is required for add');
    expect(error(calc({ operation: "divide", a: 1, b: 0 }))).toContain("division by zero");
    expect(error(calc({ operation: "sqrt", a: -4 }))).toContain("negative");
    expect(error(calc({ operation: "power", a: 10, b: 400 }))).toContain("not a finite number");
    expect(error(calc({ a: 1, b: 2 }))).toContain('missing required argument "operation"');
  });
});

describe("search_documents and get_document", () => {
  it("ranks by term overlap, title words counting double, ties by id", () => {
    const r = result(executeTool("search_documents", { query: "politique de remboursement clients" }));
    const results = r.results as { id: string; score: number; title: string; snippet: string }[];
    expect(results.map((x) => x.id)).toEqual(["doc-03", "doc-02"]);
    expect(results[0]!.score).toBe(9); // 3 words, each in the title (2) and the text (1)
    expect(results[1]!.score).toBe(2);
    const en = result(executeTool("search_documents", { query: "incident response runbook P1", top_k: 5 }));
    expect((en.results as { id: string }[])[0]!.id).toBe("doc-05");
  });

  it("keeps top_k results at most (default 3) and leaves out documents that share no word", () => {
    const all = result(executeTool("search_documents", { query: "policy days euros", top_k: 10 })).results as { score: number }[];
    expect(all.length).toBeGreaterThan(3);
    expect(all.every((x) => x.score > 0)).toBe(true);
    expect((result(executeTool("search_documents", { query: "policy days euros" })).results as unknown[]).length).toBe(3);
    expect(result(executeTool("search_documents", { query: "zeppelin" })).results).toEqual([]);
    expect(result(executeTool("search_documents", { query: "the of and" })).results).toEqual([]);
  });

  it("gives a snippet that does not hold the answer, so the document must be read", () => {
    const hits = result(executeTool("search_documents", { query: "incident runbook" })).results as { snippet: string }[];
    expect(hits[0]!.snippet).not.toContain("15 minutes");
    expect(hits[0]!.snippet.length).toBeLessThanOrEqual(101);
    expect(snippet("short text")).toBe("short text");
  });

  it("rejects an empty query and a bad top_k", () => {
    expect(error(executeTool("search_documents", { query: "  " }))).toContain('"query" must not be empty');
    expect(error(executeTool("search_documents", { query: "x", top_k: 0 }))).toContain("at least 1");
    expect(error(executeTool("search_documents", { query: "x", top_k: 2.5 }))).toContain("integer");
  });

  it("folds, drops stop words and a plural s", () => {
    expect(searchWords("Les Clients de la Boutique, en ligne")).toEqual(["client", "boutique", "ligne"]);
    expect(searchWords("Remboursés")).toEqual(["rembourse"]);
    const docs = loadToolFixtures().documents;
    expect(rankDocuments(docs, "", 3)).toEqual([]);
  });

  it("reads a document by id, and says so when the id is unknown", () => {
    const d = result(executeTool("get_document", { id: "doc-03" }));
    expect(d.title).toBe("Politique de remboursement clients");
    expect(d.text).toContain("30 jours");
    expect(result(executeTool("get_document", { id: " DOC-05 " })).id).toBe("doc-05");
    expect(error(executeTool("get_document", { id: "doc-99" }))).toContain('no document with id "doc-99"');
  });

  it("has about ten documents in both languages", () => {
    expect(loadToolFixtures().documents.length).toBeGreaterThanOrEqual(10);
  });
});

describe("get_exchange_rate", () => {
  const rate = (from: string, to: string) => result(executeTool("get_exchange_rate", { from, to })).rate;

  it("gives base rates as they are and cross rates rounded to 4 decimals", () => {
    expect(rate("EUR", "USD")).toBe(1.085);
    expect(rate("USD", "EUR")).toBe(0.9217);
    expect(rate("CHF", "GBP")).toBe(0.9055);
    expect(rate("GBP", "GBP")).toBe(1);
    expect(result(executeTool("get_exchange_rate", { from: "usd", to: "eur" }))).toEqual({ from: "USD", to: "EUR", rate: 0.9217, date: "2026-11-02" });
  });

  it("names the known currencies when given another", () => {
    const e = error(executeTool("get_exchange_rate", { from: "dollars", to: "EUR" }));
    expect(e).toContain('unknown currency "dollars"');
    expect(e).toContain("USD");
    expect(error(executeTool("get_exchange_rate", { from: "USD" }))).toContain('missing required argument "to"');
  });
});

describe("get_order and create_ticket", () => {
  it("looks orders up by id", () => {
    const o = result(executeTool("get_order", { order_id: "ord-1042" }));
    expect(o).toMatchObject({ order_id: "ORD-1042", currency: "USD", total: 300, status: "delivered" });
    expect(error(executeTool("get_order", { order_id: "ORD-0000" }))).toContain('no order "ORD-0000"');
    // An id sent as a number is taken as its text (and then not found).
    expect(error(executeTool("get_order", { order_id: 1042 }))).toContain('no order "1042"');
  });

  it("returns a copy: changing it does not change the fixtures", () => {
    const o = result(executeTool("get_order", { order_id: "ORD-2077" }));
    o.total = 0;
    expect(result(executeTool("get_order", { order_id: "ORD-2077" })).total).toBe(450);
  });

  it("numbers tickets in sequence within a session", () => {
    const s = createToolSession();
    const t1 = result(s.execute("create_ticket", { title: "Broken", priority: "high", order_id: "ORD-1042" }));
    const t2 = result(s.execute("create_ticket", { title: "Other", priority: "LOW" }));
    expect(t1).toMatchObject({ ticket_id: "TCK-1001", status: "open", priority: "high", order_id: "ORD-1042" });
    expect(t2).toMatchObject({ ticket_id: "TCK-1002", priority: "low" });
    expect(t2).not.toHaveProperty("order_id");
    expect(result(createToolSession().execute("create_ticket", { title: "x", priority: "low" })).ticket_id).toBe("TCK-1001");
  });

  it("refuses a ticket for an unknown order, a bad priority or an empty title, without using a number", () => {
    const s = createToolSession();
    expect(error(s.execute("create_ticket", { title: "x", priority: "high", order_id: "ORD-9" }))).toContain('no order "ORD-9"');
    expect(error(s.execute("create_ticket", { title: "x", priority: "critical" }))).toContain('"priority" must be one of low, medium, high, urgent');
    expect(error(s.execute("create_ticket", { title: "", priority: "low" }))).toContain('"title" must not be empty');
    expect(result(s.execute("create_ticket", { title: "x", priority: "low" })).ticket_id).toBe("TCK-1001");
  });
});

describe("executeTool", () => {
  it("never throws: unknown tools and non-object arguments are errors the model sees", () => {
    expect(error(executeTool("rm_rf", {}))).toContain('unknown tool "rm_rf"');
    expect(error(executeTool("toString", {}))).toContain("unknown tool");
    expect(error(executeTool("get_weather", "Lyon"))).toContain("must be a JSON object");
    expect(error(executeTool("get_weather", [1, 2]))).toContain("must be a JSON object");
    expect(error(executeTool("get_order", null))).toContain('missing required argument "order_id"');
  });

  it("is deterministic", () => {
    const a = executeTool("search_documents", { query: "retention logs" });
    const b = executeTool("search_documents", { query: "retention logs" });
    expect(a).toEqual(b);
  });

  it("gives the tool message content: the result, or {error}", () => {
    expect(JSON.parse(toolMessageContent(executeTool("get_exchange_rate", { from: "EUR", to: "GBP" })))).toMatchObject({ rate: 0.853 });
    expect(JSON.parse(toolMessageContent(executeTool("nope", {})))).toEqual({ error: expect.stringContaining("unknown tool") });
  });

  it("has an executor for every built-in tool", () => {
    const sample: Record<string, unknown> = {
      get_weather: { city: "Paris" },
      calculator: { operation: "add", a: 1, b: 1 },
      search_documents: { query: "policy" },
      get_document: { id: "doc-01" },
      get_exchange_rate: { from: "EUR", to: "JPY" },
      get_order: { order_id: "ORD-3310" },
      create_ticket: { title: "t", priority: "medium" },
    };
    expect(builtinToolNames().sort()).toEqual(Object.keys(sample).sort());
    for (const name of builtinToolNames()) expect(executeTool(name, sample[name], createToolSession()).ok, name).toBe(true);
  });
});

describe("checkArguments", () => {
  const schema = {
    type: "object",
    properties: { n: { type: "integer", minimum: 1, maximum: 5 }, flag: { type: "boolean" }, s: { type: "string" } },
    required: ["n"],
    additionalProperties: false,
  };

  it("coerces what is safe and lists every problem at once", () => {
    expect(checkArguments("t", schema, { n: "3", flag: "true", s: 7 })).toEqual({ ok: true, args: { n: 3, flag: true, s: "7" } });
    const r = checkArguments("t", schema, { n: 9, flag: "yes", x: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('"n" must be at most 5');
      expect(r.error).toContain('"flag" must be true or false');
      expect(r.error).toContain('unknown argument "x"');
    }
  });

  it("treats an optional argument sent as null as absent", () => {
    expect(checkArguments("t", schema, { n: 1, s: null })).toEqual({ ok: true, args: { n: 1 } });
    expect(checkArguments("t", schema, { n: null }).ok).toBe(false);
  });
});

describe("builtinTools and resolveToolSpecs", () => {
  it("gives copies of the definitions", () => {
    const a = builtinTools();
    a.get_weather!.function.name = "changed";
    expect(builtinTools().get_weather!.function.name).toBe("get_weather");
  });

  it("turns names into built-in definitions and keeps inline ones", () => {
    const inline = { type: "function" as const, function: { name: "lookup_stock", description: "Stock level", parameters: { type: "object", properties: {} } } };
    const out = resolveToolSpecs(["get_weather", inline]);
    expect(out.map((t) => t.function.name)).toEqual(["get_weather", "lookup_stock"]);
    expect(out[0]!.function.parameters).toMatchObject({ required: ["city"] });
  });

  it("rejects an unknown name with a ConfigError that lists the built-ins, and a tool offered twice", () => {
    expect(() => resolveToolSpecs(["get_wether"])).toThrow(ConfigError);
    expect(() => resolveToolSpecs(["get_wether"])).toThrow(/unknown tool "get_wether": the built-in tools are get_weather, calculator/);
    expect(() => resolveToolSpecs(["calculator", "calculator"])).toThrow(/offered twice/);
  });
});
