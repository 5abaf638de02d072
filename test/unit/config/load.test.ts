import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SuiteValidationError } from "../../../src/config/issues.js";
import { loadSuiteFile, parseSuiteText, validateSuiteObject } from "../../../src/config/load.js";
import { configError, conversations, fixture } from "./helpers.js";

function lines(err: Error): string[] {
  return err.message.split("\n");
}

describe("loadSuiteFile: good files", () => {
  it("fills every default of a minimal suite", () => {
    const suite = loadSuiteFile(fixture("good-minimal.yaml"));
    expect(suite).toEqual({
      name: "suite",
      target: {
        timeouts: { connect_ms: 5000, first_byte_ms: 120000, between_tokens_ms: 60000, total_ms: 600000 },
        response_limits: { max_bytes: 67108864, max_tokens: 262144 },
        stream: true,
        continuous_usage: true,
        warmup_requests: 1,
        metrics: { scrape: "auto", interval_ms: 1000 },
      },
      scenarios: [
        { kind: "conversation", name: "conversation", turns: 15, iterations: 3, script: "auto", max_tokens: 256, temperature: 0.7, concurrency: 1 },
      ],
      output: { dir: "runs" },
      monitor: { gpu: { source: "off", interval_ms: 1000 } },
      verdicts: { client_overload: "inconclusive" },
    });
  });

  it("keeps what the file says", () => {
    const suite = loadSuiteFile(fixture("multi.yaml"));
    expect(suite.name).toBe("multi");
    expect(suite.target.url).toBe("http://127.0.0.1:5002/v1");
    expect(suite.target.api_key_env).toBe("VLLM_API_KEY_MEDIUM");
    expect(conversations(suite).map((s) => [s.name, s.turns, s.iterations])).toEqual([
      ["short", 5, 1],
      ["long", 30, 2],
    ]);
    expect(suite.output.dir).toBe("runs/multi");
  });

  it("accepts a UTF-8 byte order mark, anchors and merge keys", () => {
    expect(parseSuiteText("\uFEFFdescription: hello\nscenarios:\n  - kind: conversation\n", "bom.yaml").description).toBe("hello");
    const merged = parseSuiteText(
      "scenarios:\n  - &a {kind: conversation, name: a, turns: 4}\n  - <<: *a\n    name: b\n",
      "merge.yaml",
    );
    expect(conversations(merged).map((s) => [s.name, s.turns])).toEqual([
      ["a", 4],
      ["b", 4],
    ]);
  });
});

describe("loadSuiteFile: YAML problems", () => {
  it("reports a syntax error with file:line:col", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-syntax.yaml")));
    expect(err.message).toMatch(/bad-syntax\.yaml:5:3: YAML syntax error: Flow sequence/);
  });

  it("reports tabs used for indentation", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-tabs.yaml")));
    expect(err.message).toMatch(/bad-tabs\.yaml:3:1: YAML syntax error: Tabs are not allowed as indentation \(indent with spaces\)/);
  });

  it("reports a duplicate key at the second occurrence", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-duplicate-key.yaml")));
    expect(err.message).toMatch(/bad-duplicate-key\.yaml:5:5: YAML syntax error: Map keys must be unique/);
  });

  it("rejects several documents in one file", () => {
    const err = configError(() => parseSuiteText("scenarios: [{kind: conversation}]\n---\nname: x\n", "two.yaml"));
    expect(err.message).toMatch(/^two\.yaml:2:1: YAML syntax error: .*one YAML document/);
  });

  it("reports every syntax error, in order", () => {
    const err = configError(() => parseSuiteText("a: 1\n\tb: 2\nc: 3\nc: 4\n", "many.yaml"));
    const found = lines(err);
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found[0]).toMatch(/^many\.yaml:2:1: /);
    expect(found.at(-1)).toMatch(/^many\.yaml:4:1: .*unique/);
  });

  it("explains a value with an unquoted colon", () => {
    const err = configError(() => parseSuiteText("description: a: b\nscenarios: [{kind: conversation}]\n", "colon.yaml"));
    expect(err.message).toMatch(/colon\.yaml:1:\d+: YAML syntax error: .*needs quotes/);
  });
});

describe("loadSuiteFile: not a suite", () => {
  it("rejects an empty file", () => {
    const err = configError(() => loadSuiteFile(fixture("empty.yaml")));
    expect(err.message).toMatch(/empty\.yaml: the file is empty; a suite is a YAML mapping with at least "scenarios:"/);
  });

  it("rejects a file of comments only", () => {
    const err = configError(() => loadSuiteFile(fixture("comments-only.yaml")));
    expect(err.message).toMatch(/the file is empty/);
  });

  it("rejects a list at the top level", () => {
    const err = configError(() => loadSuiteFile(fixture("top-level-list.yaml")));
    expect(err.message).toMatch(/top-level-list\.yaml:1:1: a suite must be a mapping .* got a list/);
  });

  it("rejects a scalar at the top level", () => {
    const err = configError(() => parseSuiteText("just text\n", "scalar.yaml"));
    expect(err.message).toMatch(/scalar\.yaml:1:1: a suite must be a mapping .* got a string \("just text"\)/);
  });

  it("says a missing file is missing", () => {
    const err = configError(() => loadSuiteFile(fixture("does-not-exist.yaml")));
    expect(err.message).toMatch(/^suite file not found: .*does-not-exist\.yaml/);
    expect(err.stack === undefined || !err.message.includes("    at ")).toBe(true);
  });

  it("says a directory is a directory, and names suite files in it", () => {
    const err = configError(() => loadSuiteFile(fixture("")));
    expect(err.message).toMatch(/is a directory; give the path of a suite file such as .*\.yaml/);
  });

  describe("unreadable files", () => {
    const dir = mkdtempSync(join(tmpdir(), "shakedown-config-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("says a file without read permission cannot be read", () => {
      const path = join(dir, "locked.yaml");
      writeFileSync(path, "scenarios: [{kind: conversation}]\n");
      chmodSync(path, 0o000);
      let readable = false;
      try {
        loadSuiteFile(path);
        readable = true; // running as root: permissions are not enforced
      } catch (err) {
        expect((err as Error).message).toMatch(/cannot read suite file .*locked\.yaml: permission denied/);
      }
      if (readable) expect(process.getuid?.()).toBe(0);
    });

    it("rejects a file that is not UTF-8", () => {
      const path = join(dir, "binary.yaml");
      writeFileSync(path, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
      const err = configError(() => loadSuiteFile(path));
      expect(err.message).toMatch(/binary\.yaml: not UTF-8 text/);
    });
  });
});

describe("loadSuiteFile: schema problems", () => {
  it("points at unknown keys (the key itself) and suggests the right one", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-unknown-keys.yaml")));
    expect(lines(err)).toEqual([
      expect.stringMatching(/bad-unknown-keys\.yaml:2:1: targt: unknown key; did you mean "target"\? the keys of a suite are: \$schema, name, description, target, scenarios, output, monitor, verdicts$/),
      expect.stringMatching(/bad-unknown-keys\.yaml:7:5: scenarios\[0\]\.maxTokens: unknown key; did you mean "max_tokens"\? the keys of a conversation scenario are: kind, name, turns, /),
    ]);
  });

  it("knows the keys people write for known ones, and never echoes a key written in the file", () => {
    const err = configError(() =>
      parseSuiteText(
        "target:\n  base_url: http://x/v1\n  api_key: sk-abcdef123456\nscenarios:\n  - {kind: conversation, rounds: 3}\n",
        "s.yaml",
      ),
    );
    expect(lines(err)).toEqual([
      expect.stringMatching(/^s\.yaml:2:3: target\.base_url: unknown key; did you mean "url"\? the keys of target are: name, url, /),
      expect.stringMatching(/^s\.yaml:3:3: target\.api_key: unknown key; a suite never holds the API key itself: put it in an environment variable and write api_key_env: VARIABLE_NAME; /),
      expect.stringMatching(/^s\.yaml:5:26: scenarios\[0\]\.rounds: unknown key; did you mean "turns"\? /),
    ]);
    expect(err.message).not.toContain("sk-abcdef123456");
  });

  it("reports every wrong value at once, sorted by position, with what was found and what was expected", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-types.yaml")));
    expect(err).toBeInstanceOf(SuiteValidationError);
    const found = lines(err).map((l) => l.replace(/^.*bad-types\.yaml:/, ""));
    expect(found).toEqual([
      '3:8: target.url: expected an http:// or https:// URL such as http://127.0.0.1:8000/v1, got "127.0.0.1:8000/v1"; add the scheme, e.g. http://127.0.0.1:8000/v1',
      '4:11: target.stream: expected true or false, got "yes please"',
      '7:12: scenarios[0].turns: expected an integer from 1 to 500, got "many"',
      "8:17: scenarios[0].iterations: expected an integer from 1 to 1000, got 0",
      "9:18: scenarios[0].temperature: expected a number from 0 to 2, got 3",
      "10:15: scenarios[0].windows[0]: a window is [first turn, last turn] with first <= last (got [6, 2])",
      '13:9: scenarios[0].thresholds[1]: expected a threshold like "ttft.mean < 4000", "degradation.ttft < 20%" or "success_rate > 95%", got "ttft mean under 4 seconds"',
    ]);
    const issues = (err as SuiteValidationError).issues;
    expect(issues[2]).toMatchObject({ line: 7, col: 12, path: "scenarios[0].turns" });
    expect(issues[0]?.file).toMatch(/bad-types\.yaml$/);
  });

  it("rejects zero and negative turns", () => {
    for (const turns of [0, -3]) {
      const err = configError(() => parseSuiteText(`scenarios:\n  - kind: conversation\n    turns: ${turns}\n`, "s.yaml"));
      expect(err.message).toBe(`s.yaml:3:12: scenarios[0].turns: expected an integer from 1 to 500, got ${turns}`);
    }
  });

  it("says how to fix a quoted number and a yes/no boolean", () => {
    const err = configError(() =>
      parseSuiteText('target:\n  stream: yes\nscenarios:\n  - kind: conversation\n    turns: "5"\n', "q.yaml"),
    );
    expect(lines(err)).toEqual([
      'q.yaml:2:11: target.stream: expected true or false, got "yes"; YAML 1.2 reads yes/no/on/off as text: write true or false',
      'q.yaml:5:12: scenarios[0].turns: expected an integer from 1 to 500, got "5"; write the number without quotes',
    ]);
  });

  it("rejects a fractional count", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - {kind: conversation, max_tokens: 1.5}\n", "s.yaml"));
    expect(err.message).toBe("s.yaml:2:38: scenarios[0].max_tokens: expected an integer ≥ 1, got 1.5");
  });

  it("rejects a window whose first turn is after its last", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - kind: conversation\n    windows: [[1, 5], [9, 6]]\n", "w.yaml"));
    expect(err.message).toBe("w.yaml:3:23: scenarios[0].windows[1]: a window is [first turn, last turn] with first <= last (got [9, 6])");
  });

  it("rejects a window of the wrong length", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - kind: conversation\n    windows: [[1]]\n", "w.yaml"));
    expect(err.message).toBe("w.yaml:3:15: scenarios[0].windows[0]: expected a pair [an integer ≥ 1, an integer ≥ 1], got [1]");
  });

  it("rejects a window that ends after the last turn", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - kind: conversation\n    turns: 10\n    windows: [[1, 5], [6, 12]]\n", "w.yaml"));
    expect(err.message).toBe("w.yaml:4:23: scenarios[0].windows[1]: window [6, 12] ends after the last turn (turns: 10)");
  });

  it("rejects a threshold that does not parse", () => {
    const err = configError(() =>
      parseSuiteText('scenarios:\n  - kind: conversation\n    thresholds: ["ttft.mean <<< 4000"]\n', "t.yaml"),
    );
    expect(err.message).toMatch(/^t\.yaml:3:18: scenarios\[0\]\.thresholds\[0\]: expected a threshold like .*, got "ttft\.mean <<< 4000"$/);
  });

  it("lists the known kinds for an unknown kind, and reports a missing kind on the scenario", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-kind.yaml")));
    expect(lines(err)).toEqual([
      expect.stringMatching(/bad-kind\.yaml:4:11: scenarios\[1\]\.kind: unknown scenario kind "benchmarkz"; known scenario kinds: conversation(, |$)/),
      expect.stringMatching(/bad-kind\.yaml:6:5: scenarios\[2\]\.kind: missing; every scenario needs a kind, one of: conversation(, |$)/),
    ]);
  });

  it("reports a scenario that is not a mapping", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - conversation\n", "s.yaml"));
    expect(err.message).toMatch(/^s\.yaml:2:5: scenarios\[0\]: expected a mapping with kind: .*conversation.*, got "conversation"$/);
  });

  it("reports a missing required key on the enclosing mapping", () => {
    const err = configError(() => parseSuiteText("# a comment\nname: x\ndescription: no scenarios\n", "m.yaml"));
    expect(err.message).toMatch(/^m\.yaml:2:1: scenarios: missing \(required\); expected a list of at least 1 item/);
  });

  it("rejects an empty scenario list", () => {
    const err = configError(() => parseSuiteText("scenarios: []\n", "m.yaml"));
    expect(err.message).toMatch(/^m\.yaml:1:12: scenarios: expected a list of at least 1 item.*, got \[\]$/);
  });

  it("rejects a url without http(s)", () => {
    for (const url of ["localhost:8000/v1", "ftp://example.com/v1", "127.0.0.1:5002"]) {
      const err = configError(() => parseSuiteText(`target:\n  url: ${url}\nscenarios: [{kind: conversation}]\n`, "u.yaml"));
      expect(err.message).toMatch(/^u\.yaml:2:8: target\.url: expected an http:\/\/ or https:\/\/ URL/);
    }
  });

  it("rejects api_key_env written with a $", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-api-key-env.yaml")));
    expect(err.message).toMatch(
      /bad-api-key-env\.yaml:4:16: target\.api_key_env: expected an environment variable name such as VLLM_API_KEY, got "\$VLLM_API_KEY_MEDIUM"; write the variable's name without the \$$/,
    );
  });

  it("rejects an API key written where its variable's name belongs, without echoing it", () => {
    const err = configError(() => loadSuiteFile(fixture("bad-api-key-value.yaml")));
    expect(err.message).toMatch(/bad-api-key-value\.yaml:4:16: target\.api_key_env: this looks like an API key itself/);
    expect(err.message).not.toContain("Zx81Qm2Lp9Tk4Rv7Wn3Yb6Hd");
  });

  it("masks a key-shaped api_key_env that also fails the name rule", () => {
    const key = "sk-proj-Abc123def456ghi789jkl";
    const err = configError(() => parseSuiteText(`target:\n  api_key_env: ${key}\nscenarios: [{kind: conversation}]\n`, "k.yaml"));
    expect(err.message).toMatch(/k\.yaml:2:16: target\.api_key_env: .*got "sk-…" \(masked, \d+ characters\); this looks like an API key itself/);
    expect(err.message).not.toContain(key);
  });

  it("accepts ordinary variable names", () => {
    for (const name of ["VLLM_API_KEY_MEDIUM", "OPENAI_API_KEY", "HF_TOKEN", "my_key_2", "ANTHROPIC_API_KEY_2024"]) {
      const suite = parseSuiteText(`target:\n  api_key_env: ${name}\nscenarios: [{kind: conversation}]\n`, "k.yaml");
      expect(suite.target.api_key_env).toBe(name);
    }
  });

  it("never echoes the simulator's api_key", () => {
    const err = configError(() =>
      parseSuiteText("target:\n  sim: {api_key: 12345678901234567890}\nscenarios: [{kind: conversation}]\n", "k.yaml"),
    );
    expect(err.message).toMatch(/target\.sim\.api_key: expected a string, got/);
    expect(err.message).not.toContain("12345678901234567890");
  });

  it("rejects simulator knobs next to a url", () => {
    const err = configError(() =>
      parseSuiteText("target:\n  url: http://127.0.0.1:8000/v1\n  sim: {profile: seed}\nscenarios: [{kind: conversation}]\n", "s.yaml"),
    );
    expect(err.message).toBe(
      "s.yaml:3:3: target.sim: simulator knobs apply only when target.url is absent (the embedded simulator); remove target.sim or target.url",
    );
  });

  it("rejects two scenarios with the same name", () => {
    const err = configError(() => parseSuiteText("scenarios:\n  - kind: conversation\n  - kind: conversation\n", "d.yaml"));
    expect(err.message).toBe(
      'd.yaml:3:5: scenarios[1].name: scenario name "conversation" is already used by scenarios[0]; give each scenario its own name',
    );
  });

  it("rejects a bad suite name and an enum value", () => {
    const err = configError(() =>
      parseSuiteText("name: my suite\ntarget:\n  sim: {profile: turbo}\nscenarios: [{kind: conversation}]\n", "n.yaml"),
    );
    expect(lines(err)).toEqual([
      'n.yaml:1:7: name: expected a name made of letters, digits, dot, dash and underscore, got "my suite"',
      'n.yaml:3:18: target.sim.profile: expected one of "default", "seed", "fast", got "turbo"',
    ]);
  });

  it("says what an empty value is", () => {
    const err = configError(() => parseSuiteText("target:\n  model:\nscenarios: [{kind: conversation}]\n", "e.yaml"));
    expect(err.message).toMatch(/^e\.yaml:2:3: target\.model: expected a non-empty string, got an empty value \(null\)$/);
  });

  it("treats __proto__ as an unknown key, not as a prototype", () => {
    const err = configError(() => parseSuiteText("__proto__: {polluted: 1}\nscenarios: [{kind: conversation}]\n", "p.yaml"));
    expect(err.message).toMatch(/^p\.yaml:1:1: __proto__: unknown key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("validateSuiteObject", () => {
  it("validates a suite built in code and fills defaults", () => {
    const suite = validateSuiteObject({ scenarios: [{ kind: "conversation", turns: 4 }] }, "built-in");
    expect(conversations(suite)[0]?.turns).toBe(4);
    expect(conversations(suite)[0]?.iterations).toBe(3);
    expect(suite.output.dir).toBe("runs");
  });

  it("locates problems by the label and path", () => {
    const err = configError(() => validateSuiteObject({ scenarios: [{ kind: "conversation", turns: "x" }], extra: true }, "code"));
    expect(lines(err)).toEqual([
      'code: scenarios[0].turns: expected an integer from 1 to 500, got "x"',
      "code: extra: unknown key; the keys of a suite are: $schema, name, description, target, scenarios, output, monitor, verdicts",
    ]);
  });

  it("rejects something that is not a mapping", () => {
    expect(configError(() => validateSuiteObject(null, "code")).message).toMatch(/^code: a suite must be a mapping/);
    expect(configError(() => validateSuiteObject([1], "code")).message).toMatch(/got a list/);
  });
});
