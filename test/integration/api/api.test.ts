/**
 * Issue 14 item 4: the library API (src/index.ts) — runSuite is an EventEmitter of the run's
 * events and a promise of its outcome, stop() ends it as a user stop, loadSuite refuses bad
 * input with a ConfigError, analyseRun re-analyses a folder with or without writing.
 * The installed package is tested in pack.test.ts.
 */
import { EventEmitter } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  analyseRun,
  ConfigError,
  EXIT,
  loadSuite,
  runSuite,
  RunFolderError,
  ShakedownError,
  startSimulator,
  SuiteValidationError,
  type RequestRecord,
  type RunEventMap,
  type SuiteInput,
} from "../../../src/index.js";
import * as api from "../../../src/index.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir("shakedown-api-");

/** A two-turn conversation on the fast simulator profile: a run of about a second. */
function shortSuite(name: string, turns = 2): SuiteInput {
  return {
    name,
    target: { sim: { profile: "fast" } },
    scenarios: [{ kind: "conversation", turns, iterations: 1, max_tokens: 24 }],
    output: { dir: out },
  };
}

describe("runSuite", () => {
  it("emits the run's events and resolves to the outcome (results, run folder written)", async () => {
    const run = runSuite(shortSuite("api-events"));
    const seen: string[] = [];
    const records: RequestRecord[] = [];
    run.on("scenario:start", (s) => seen.push(`start ${s.name} ${s.kind} ${s.plannedRequests}`));
    run.on("request:end", (r) => records.push(r));
    run.on("scenario:end", (s) => seen.push(`end ${s.name}`));
    const outcome = await run;

    expect(seen).toEqual(["start conversation conversation 2", "end conversation"]);
    const scenarioRecords = records.filter((r) => r.scenario === "conversation");
    expect(scenarioRecords.map((r) => r.turn)).toEqual([1, 2]);
    expect(scenarioRecords.every((r) => r.result.ok)).toBe(true);

    expect(outcome.stop).toBeUndefined();
    expect(outcome.writeError).toBeUndefined();
    expect(outcome.results).toMatchObject({ complete: true, status: "pass", suite: { name: "api-events" }, target: { simulated: true } });
    expect(outcome.results.scenarios[0]?.requests).toMatchObject({ total: 2, ok: 2 });
    for (const f of ["run.json", "records.jsonl", "results.json", "report.md", "report.html"]) expect(existsSync(join(outcome.dir, f))).toBe(true);
    // The handle is a promise too: done, then, catch and finally give the same outcome.
    expect(await run.done).toBe(outcome);
    expect(await run.then((o) => o.dir)).toBe(outcome.dir);
    expect(await run.finally(() => undefined)).toBe(outcome);
  });

  it("also emits on the emitter given as `events` (a display shared by several runs)", async () => {
    const shared = new EventEmitter<RunEventMap>();
    const names: string[] = [];
    shared.on("scenario:start", (s) => names.push(s.name));
    let requests = 0;
    shared.on("request:end", () => requests++);
    const outcome = await runSuite(shortSuite("api-shared"), { events: shared });
    expect(names).toEqual(["conversation"]);
    expect(requests).toBe(outcome.results.records.count);
  });

  it("stop() ends the run as a user stop: records kept, results written and marked incomplete", async () => {
    const run = runSuite(shortSuite("api-stop", 15));
    run.on("request:end", (r) => {
      if (r.scenario === "conversation") run.stop("the test");
    });
    const outcome = await run;
    expect(outcome.stop?.cause).toBe("user");
    expect(outcome.results.complete).toBe(false);
    expect(outcome.results.status).toBe("incomplete");
    expect(outcome.results.interruption).toBe("interrupted by the test");
    const sc = outcome.results.scenarios[0]!;
    expect(sc.requests.total + (sc.requests.stopped ?? 0)).toBeLessThan(15);
    const written = JSON.parse(readFileSync(join(outcome.dir, "results.json"), "utf8")) as { complete: boolean };
    expect(written.complete).toBe(false);
    run.stop(); // a second stop does nothing
  });

  it("an aborted signal stops it the same way, named by its string reason", async () => {
    const controller = new AbortController();
    const run = runSuite(shortSuite("api-signal", 15), { signal: controller.signal });
    run.on("request:end", (r) => {
      if (r.scenario === "conversation") controller.abort("a deadline");
    });
    const outcome = await run;
    expect(outcome.stop?.cause).toBe("user");
    expect(outcome.results.interruption).toBe("interrupted by a deadline");
  });

  it("rejects (never throws) with a ConfigError for an invalid suite, before touching anything", async () => {
    const bad = { name: "bad", scenarios: [{ kind: "conversation", turns: 0 }], output: { dir: join(out, "never") } };
    let handle;
    expect(() => (handle = runSuite(bad as SuiteInput))).not.toThrow();
    const error: unknown = await handle!.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SuiteValidationError);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ShakedownError).exitCode).toBe(EXIT.usage);
    expect((error as Error).message).toBe("suite object: scenarios[0].turns: expected an integer from 1 to 500, got 0");
    expect(existsSync(join(out, "never"))).toBe(false);
  });

  it("takes a suite file's path", async () => {
    const outcome = await runSuite(join(out, "missing.yaml")).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(ConfigError);
  });

  it("runs against a server given by URL (here the exported simulator)", async () => {
    const sim = await startSimulator({ profile: "fast", model: "api-model" });
    try {
      const suite = loadSuite(shortSuite("api-url"), { target: { url: sim.baseUrl, model: "api-model" } });
      expect(suite.target.url).toBe(sim.baseUrl);
      expect(suite.target.sim).toBeUndefined();
      const outcome = await runSuite(suite);
      expect(outcome.results).toMatchObject({ status: "pass", target: { simulated: false, model: "api-model" } });
      expect(sim.stats().completed).toBeGreaterThanOrEqual(2);
    } finally {
      await sim.close();
    }
  });
});

describe("loadSuite", () => {
  it("validates an object and fills the defaults", () => {
    const suite = loadSuite(shortSuite("api-load"));
    expect(suite.scenarios[0]).toMatchObject({ kind: "conversation", name: "conversation", turns: 2, iterations: 1 });
    expect(suite.output.dir).toBe(out);
  });

  it("applies scenario, sets, target and outDir as the CLI's flags do", () => {
    const input: SuiteInput = {
      name: "two",
      scenarios: [
        { kind: "conversation", turns: 2 },
        { kind: "cache", name: "cache" },
      ],
    };
    const suite = loadSuite(input, { scenario: "conversation", sets: ["conversation.turns=4", "name=renamed"], target: { model: "m", apiKeyEnv: "KEY_VAR" }, outDir: "elsewhere" });
    expect(suite.name).toBe("renamed");
    expect(suite.scenarios.map((s) => s.kind)).toEqual(["conversation"]);
    expect(suite.scenarios[0]).toMatchObject({ turns: 4 });
    expect(suite.target).toMatchObject({ model: "m", api_key_env: "KEY_VAR" });
    expect(suite.output.dir).toBe("elsewhere");
    // The input object is left as it was.
    expect(input.scenarios).toHaveLength(2);
    expect(input.name).toBe("two");
  });

  it("without a source: the built-in default suite, or one scenario kind with its defaults", () => {
    expect(loadSuite().name).toBe("default");
    expect(loadSuite(undefined, { scenario: "cache" }).scenarios.map((s) => s.kind)).toEqual(["cache"]);
  });

  it("refuses bad input with a ConfigError (exit code 2) naming every problem", () => {
    const refused = (f: () => unknown): ConfigError => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).exitCode).toBe(2);
        return e as ConfigError;
      }
      throw new Error("not refused");
    };
    expect(refused(() => loadSuite(42 as unknown as SuiteInput)).message).toMatch(/suite object: a suite must be a mapping/);
    const many = refused(() => loadSuite({ scenarios: [{ kind: "conversation", turns: -1 }, { kind: "nope" }] } as unknown as SuiteInput));
    expect(many).toBeInstanceOf(SuiteValidationError);
    expect((many as SuiteValidationError).issues.length).toBeGreaterThanOrEqual(2);
    expect(refused(() => loadSuite(shortSuite("x"), { scenario: "load" })).message).toMatch(/no scenario .* has that kind or name; its scenarios: conversation/);
    expect(refused(() => loadSuite(shortSuite("x"), { sets: ["nonsense"] })).message).toMatch(/--set nonsense: no "="/);
    expect(refused(() => loadSuite(join(out, "no-such-suite.yaml"))).message).toContain("no-such-suite.yaml");
    expect(refused(() => loadSuite(shortSuite("x"), { target: { url: "ftp://example.com" } })).message).toMatch(/target\.url/);
  });
});

describe("analyseRun", () => {
  it("re-analyses a run folder without writing, or rewrites it with { write: true }", async () => {
    const outcome = await runSuite(shortSuite("api-analyse"));
    const resultsPath = join(outcome.dir, "results.json");
    const before = statSync(resultsPath).mtimeMs;
    const beforeText = readFileSync(resultsPath, "utf8");

    const analysis = await analyseRun(outcome.dir);
    expect(analysis.dir).toBe(outcome.dir);
    expect(analysis.results.status).toBe(outcome.results.status);
    expect(analysis.results.scenarios[0]?.metrics["ttft.p90"]).toEqual(outcome.results.scenarios[0]?.metrics["ttft.p90"]);
    expect(analysis.records).toHaveLength(outcome.results.records.count);
    expect(analysis.notes).toEqual([]);
    expect(readFileSync(resultsPath, "utf8")).toBe(beforeText);
    expect(statSync(resultsPath).mtimeMs).toBe(before);

    const written = await analyseRun(outcome.dir, { write: true });
    expect(written.writeError).toBeUndefined();
    expect(written.warnings).toEqual([]);
    const rewritten = JSON.parse(readFileSync(resultsPath, "utf8")) as { renderedAt: string; status: string };
    expect(rewritten.renderedAt).toBe(written.results.renderedAt);
    expect(rewritten.status).toBe("pass");
  });

  it("rejects with a RunFolderError for a folder that is not a run", async () => {
    await expect(analyseRun(join(out, "not-a-run"))).rejects.toBeInstanceOf(RunFolderError);
  });
});

describe("docs/api.md", () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const doc = readFileSync(join(root, "docs", "api.md"), "utf8");

  it("shows docs/examples/api-example.ts as it is (the example pack.test.ts compiles and runs)", () => {
    const example = readFileSync(join(root, "docs", "examples", "api-example.ts"), "utf8");
    const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toContain(example);
  });

  it("documents every value the entry point exports", () => {
    const undocumented = Object.keys(api).filter((name) => !doc.includes(`\`${name}`) && !doc.includes(`${name}(`));
    expect(undocumented).toEqual([]);
  });
});
