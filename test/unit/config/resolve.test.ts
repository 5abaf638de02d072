import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSuiteFile } from "../../../src/config/load.js";
import { builtinSuitePath, redactSuite, resolveSuite } from "../../../src/config/resolve.js";
import { configError, conversations, fixture } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "shakedown-resolve-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function suiteFile(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe("the built-in default suite", () => {
  it("loads, and is the seed report's 15 turns × 3 iterations and its French reasoning tasks, against the simulator", () => {
    const suite = loadSuiteFile(builtinSuitePath("default"));
    expect(suite.name).toBe("default");
    expect(suite.target.url).toBeUndefined();
    expect(suite.scenarios).toHaveLength(2);
    expect(suite.scenarios[0]).toMatchObject({ kind: "conversation", name: "conversation", turns: 15, iterations: 3 });
    expect(suite.scenarios[1]).toMatchObject({ kind: "reasoning", name: "reasoning", pack: "seed", language: "fr" });
    expect(suite.output.dir).toBe("runs");
  });

  it("is what resolveSuite gives without a file", () => {
    expect(resolveSuite({})).toEqual(loadSuiteFile(builtinSuitePath("default")));
    expect(resolveSuite()).toEqual(resolveSuite({}));
  });

  it("is found from the package, whatever the working directory", () => {
    const cwd = process.cwd();
    try {
      process.chdir(tmp);
      expect(resolveSuite({}).name).toBe("default");
    } finally {
      process.chdir(cwd);
    }
  });

  it("builtinSuitePath lists the built-in suites for an unknown name", () => {
    expect(builtinSuitePath("default")).toMatch(/suites[\\/]default\.yaml$/);
    expect(configError(() => builtinSuitePath("nope")).message).toMatch(/no built-in suite named "nope"; built-in suites: .*default/);
    expect(configError(() => builtinSuitePath("../package.json")).message).toMatch(/no built-in suite named/);
  });
});

describe("--scenario", () => {
  it("without a file: one scenario of that kind with its defaults", () => {
    const suite = resolveSuite({ scenario: "conversation" });
    expect(suite.name).toBe("conversation");
    expect(suite.scenarios).toEqual([
      { kind: "conversation", name: "conversation", turns: 15, iterations: 3, script: "auto", max_tokens: 256, temperature: 0.7, concurrency: 1 },
    ]);
  });

  it("without a file: an unknown kind lists the known kinds", () => {
    const err = configError(() => resolveSuite({ scenario: "cahce" }));
    expect(err.message).toMatch(/^--scenario cahce: unknown scenario kind; without a suite file, --scenario takes a kind: conversation, cache/);
  });

  it("with a file: keeps the scenarios whose name or kind matches", () => {
    expect(resolveSuite({ file: fixture("multi.yaml"), scenario: "long" }).scenarios.map((s) => s.name)).toEqual(["long"]);
    expect(resolveSuite({ file: fixture("multi.yaml"), scenario: "conversation" }).scenarios.map((s) => s.name)).toEqual([
      "short",
      "long",
    ]);
  });

  it("with a file: no match lists the file's scenarios", () => {
    const err = configError(() => resolveSuite({ file: fixture("multi.yaml"), scenario: "medium" }));
    expect(err.message).toMatch(/^--scenario medium: no scenario of .*multi\.yaml has that kind or name; its scenarios: short \(conversation\), long \(conversation\)$/);
  });

  it("with a file: errors in a kept scenario keep the file's position and index", () => {
    const path = suiteFile(
      "filtered.yaml",
      "scenarios:\n  - kind: conversation\n    name: good\n  - kind: conversation\n    name: bad\n    turns: 0\n",
    );
    const err = configError(() => resolveSuite({ file: path, scenario: "bad" }));
    expect(err.message).toBe(`${path}:6:12: scenarios[1].turns: expected an integer from 1 to 500, got 0`);
  });

  it("--set cannot reach a scenario that --scenario left out", () => {
    const err = configError(() => resolveSuite({ file: fixture("multi.yaml"), scenario: "short", sets: ["long.turns=3"] }));
    expect(err.message).toMatch(/"long" is not a top-level key .* or a scenario name of this suite \(short\)/);
  });
});

describe("--set and flags", () => {
  it("applies --set to the file, with YAML types", () => {
    const suite = resolveSuite({
      file: fixture("multi.yaml"),
      sets: ["conversation.iterations=4", "short.temperature=0", "target.timeouts.total_ms=1000", "output.dir=/tmp/x", "name=nightly"],
    });
    expect(conversations(suite).map((s) => s.iterations)).toEqual([4, 4]);
    expect(conversations(suite)[0]?.temperature).toBe(0);
    expect(suite.target.timeouts).toEqual({ connect_ms: 5000, first_byte_ms: 120000, between_tokens_ms: 60000, total_ms: 1000 });
    expect(suite.output.dir).toBe("/tmp/x");
    expect(suite.name).toBe("nightly");
  });

  it("applies --set to the built-in default suite", () => {
    expect(conversations(resolveSuite({ sets: ["conversation.turns=5"] }))[0]?.turns).toBe(5);
  });

  it("flags win over the file and over --set", () => {
    const suite = resolveSuite({
      file: fixture("multi.yaml"),
      sets: ["target.model=from-set", "output.dir=from-set"],
      target: { url: "https://llm.example.com/v1", model: "from-flag", apiKeyEnv: "OTHER_KEY" },
      outDir: "from-flag",
    });
    expect(suite.target).toMatchObject({ url: "https://llm.example.com/v1", model: "from-flag", api_key_env: "OTHER_KEY" });
    expect(suite.output.dir).toBe("from-flag");
  });

  it("an invalid --set value is reported at the --set, not in the file", () => {
    const err = configError(() => resolveSuite({ file: fixture("multi.yaml"), sets: ["long.turns=0", "target.stream=maybe"] }));
    expect(err.message.split("\n")).toEqual([
      "--set long.turns=0: scenarios[1].turns: expected an integer from 1 to 500, got 0",
      '--set target.stream=maybe: target.stream: expected true or false, got "maybe"',
    ]);
  });

  it("an unknown key brought by --set is reported at the --set", () => {
    const err = configError(() => resolveSuite({ sets: ["conversation.turnz=3"] }));
    expect(err.message).toMatch(/^--set conversation\.turnz=3: scenarios\[0\]\.turnz: unknown key; did you mean "turns"\?/);
  });

  it("file errors and --set errors are reported together, the file's first", () => {
    const path = suiteFile("mixed.yaml", "scenarios:\n  - kind: conversation\n    iterations: 0\n");
    const err = configError(() => resolveSuite({ file: path, sets: ["conversation.turns=0"] }));
    expect(err.message.split("\n")).toEqual([
      `${path}:3:17: scenarios[0].iterations: expected an integer from 1 to 1000, got 0`,
      "--set conversation.turns=0: scenarios[0].turns: expected an integer from 1 to 500, got 0",
    ]);
  });

  it("an invalid flag value is reported at the flag", () => {
    const err = configError(() => resolveSuite({ target: { url: "localhost:8000/v1" } }));
    expect(err.message).toMatch(/^--target localhost:8000\/v1: target\.url: expected an http:\/\/ or https:\/\/ URL/);
    const key = configError(() => resolveSuite({ target: { url: "http://h/v1", apiKeyEnv: "$KEY" } }));
    expect(key.message).toMatch(/^--api-key-env: target\.api_key_env: expected an environment variable name .*without the \$$/);
  });

  it("a flag key-looking value is rejected without being echoed", () => {
    const secret = "sk-live-0123456789abcdefABCDEF";
    const err = configError(() => resolveSuite({ target: { url: "http://h/v1", apiKeyEnv: secret } }));
    expect(err.message).not.toContain(secret);
  });
});

describe("simulator knobs from flags", () => {
  it("merge over the file's knobs when there is no url", () => {
    const suite = resolveSuite({ file: fixture("sim-knobs.yaml"), sim: { prefix_caching: true, max_num_seqs: 4 } });
    expect(suite.target.sim).toEqual({ profile: "seed", prefix_caching: true, max_num_seqs: 4, api_key: "test-secret-key" });
  });

  it("apply to the default suite", () => {
    expect(resolveSuite({ sim: { profile: "fast", time_scale: 0.1 } }).target.sim).toEqual({ profile: "fast", time_scale: 0.1 });
  });

  it("ignore undefined knobs", () => {
    expect(resolveSuite({ sim: { seed: undefined } }).target.sim).toBeUndefined();
  });

  it("are an error with --target", () => {
    const err = configError(() => resolveSuite({ target: { url: "http://127.0.0.1:8000/v1" }, sim: { profile: "seed" } }));
    expect(err.message).toMatch(/^simulator knobs apply only when no --target is given; .*\(--target\): drop the simulator flags \(profile\)$/);
  });

  it("are an error when the suite's target has a url", () => {
    const err = configError(() => resolveSuite({ file: fixture("multi.yaml"), sim: { fail_rate: 0.1 } }));
    expect(err.message).toMatch(/^simulator knobs apply only when no --target is given; .*the suite's target\.url \(http:\/\/127\.0\.0\.1:5002\/v1\)/);
  });

  it("a file's knobs are dropped when --target picks a real server", () => {
    const suite = resolveSuite({ file: fixture("sim-knobs.yaml"), target: { url: "http://127.0.0.1:8000/v1" } });
    expect(suite.target.url).toBe("http://127.0.0.1:8000/v1");
    expect(suite.target.sim).toBeUndefined();
  });
});

describe("redactSuite", () => {
  it("replaces the simulator's api_key in a deep copy", () => {
    const suite = resolveSuite({ file: fixture("sim-knobs.yaml") });
    const redacted = redactSuite(suite);
    expect(redacted.target.sim?.api_key).toBe("***");
    expect(suite.target.sim?.api_key).toBe("test-secret-key");
    expect(JSON.stringify(redacted)).not.toContain("test-secret-key");
    conversations(redacted)[0]!.turns = 99;
    expect(conversations(suite)[0]?.turns).toBe(4);
  });

  it("leaves a suite without secrets equal", () => {
    const suite = resolveSuite({ file: fixture("multi.yaml") });
    expect(redactSuite(suite)).toEqual(suite);
    expect(redactSuite(suite)).not.toBe(suite);
  });
});
