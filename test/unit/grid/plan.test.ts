import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { expandMatrix, interleavedOrder, loadGridFile } from "../../../src/grid/plan.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("shakedown-grid-plan-");
let n = 0;
function gridFile(text: string): string {
  const path = join(dir, `grid-${++n}.yaml`);
  writeFileSync(path, text);
  return path;
}
const SUITE = `suite:\n  scenarios:\n    - kind: conversation\n      turns: 2\n      iterations: 1\n`;

function refusal(text: string): string {
  try {
    loadGridFile(gridFile(text));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("the grid file was accepted");
}

describe("expandMatrix and interleavedOrder", () => {
  it("gives every combination, first parameter slowest, minus the excluded ones, with folder-safe ids", () => {
    const cells = expandMatrix({ prefix_caching: ["on", "off"], max_num_seqs: [64, 256] }, [{ prefix_caching: "off", max_num_seqs: 256 }]);
    expect(cells.map((c) => c.id)).toEqual(["prefix_caching-on_max_num_seqs-64", "prefix_caching-on_max_num_seqs-256", "prefix_caching-off_max_num_seqs-64"]);
    expect(cells[2]?.label).toBe("prefix_caching=off, max_num_seqs=64");
    expect(cells[2]?.params).toEqual({ prefix_caching: "off", max_num_seqs: 64 });
  });

  it("names the single cell of an empty matrix, and numbers ids that would collide", () => {
    expect(expandMatrix({}).map((c) => c.id)).toEqual(["default"]);
    const cells = expandMatrix({ model: ["a/b", "a b"] });
    expect(cells.map((c) => c.id)).toEqual(["model-a-b", "model-a-b-2"]);
  });

  it("interleaves the repeats: every cell once per round", () => {
    const cells = expandMatrix({ x: [1, 2, 3] });
    expect(interleavedOrder(cells, 2).map((v) => `${v.cell}/${v.repeat}`)).toEqual(["x-1/1", "x-2/1", "x-3/1", "x-1/2", "x-2/2", "x-3/2"]);
  });
});

describe("loadGridFile", () => {
  it("plans a command grid: cells, order, default url and health, durations in seconds, the suite validated", () => {
    const plan = loadGridFile(
      gridFile(`name: g1\nrepeats: 3\nmatrix:\n  prefix_caching: [on, off]\nserver:\n  command: "{shakedown} sim --port {port} --prefix-caching {prefix_caching}"\n  startup_timeout: 2m\n  stop_grace: 5s\n${SUITE}`),
    );
    const m = plan.manifest;
    expect(m.name).toBe("g1");
    expect(m.cells).toHaveLength(2);
    expect(m.order).toHaveLength(6);
    expect(m.server).toMatchObject({ kind: "command", url: "http://127.0.0.1:{port}/v1", health: "http://127.0.0.1:{port}/health", startupTimeoutS: 120, stopGraceS: 5, resetPrefixCache: true });
    expect(m.suite.scenarios[0]?.kind).toBe("conversation");
    expect(plan.usesPort).toBe(true);
    expect(plan.outDir).toBe("runs");
  });

  it("refuses a template naming a parameter the matrix lacks, before anything runs", () => {
    const msg = refusal(`matrix:\n  prefix_caching: [on, off]\nserver:\n  command: "{shakedown} sim --port {port} --max-num-seqs {max_num_seqs} --prefix-caching {prefix_caching}"\n${SUITE}`);
    expect(msg).toMatch(/\{max_num_seqs\} is not a parameter of the matrix \(prefix_caching\)/);
  });

  it("refuses a command whose program does not exist", () => {
    const msg = refusal(`matrix:\n  x: [1, 2]\nserver:\n  command: "no-such-server-binary-xyz --x {x} --port {port}"\n${SUITE}`);
    expect(msg).toMatch(/no-such-server-binary-xyz is not a program found on PATH/);
  });

  it("refuses reserved parameter names, duplicate values, unknown exclude keys and an all-excluded matrix", () => {
    expect(refusal(`matrix:\n  port: [1, 2]\nserver:\n  command: "{shakedown} sim --port {port}"\n${SUITE}`)).toMatch(/"port" is a field shakedown fills itself/);
    expect(refusal(`matrix:\n  x: [1, 1]\nserver:\n  command: "{shakedown} sim --port {port} --seed {x}"\n${SUITE}`)).toMatch(/the value 1 is given twice/);
    expect(refusal(`matrix:\n  x: [1]\nexclude:\n  - { y: 2 }\nserver:\n  command: "{shakedown} sim --port {port} --seed {x}"\n${SUITE}`)).toMatch(/exclude\[0\]\.y: not a parameter/);
    expect(refusal(`matrix:\n  x: [1]\nexclude:\n  - { x: 1 }\nserver:\n  command: "{shakedown} sim --port {port} --seed {x}"\n${SUITE}`)).toMatch(/every cell of the matrix is excluded/);
  });

  it("refuses a server no template varies, both command and compose, and no server at all", () => {
    expect(refusal(`matrix:\n  x: [1, 2]\nserver:\n  command: "{shakedown} sim --port {port}"\n${SUITE}`)).toMatch(/no template names a parameter/);
    expect(refusal(`matrix:\n  x: [1]\nserver:\n  model: m\n${SUITE}`)).toMatch(/give a command that starts each cell's server/);
    expect(refusal(`matrix:\n  endpoint: [a, b]\nserver:\n  url: "http://h:8000/v1"\n${SUITE}`)).toMatch(/the url must name a parameter/);
  });

  it("fills every cell's templates before anything runs: a value the shell quoting refuses is a mistake in the file", () => {
    const msg = refusal(`matrix:\n  x: ["a b", "c;d"]\nserver:\n  command: "{shakedown} sim --port {port} --model \`echo {x}\`"\n${SUITE}`);
    expect(msg).toMatch(/server\.command: cell x=a b/);
  });

  it("names file, line and path for a schema error (unknown key, bad duration, repeats 0)", () => {
    const msg = refusal(`repeats: 0\nmatrix:\n  x: [1]\nserver:\n  command: "{shakedown} sim --port {port} --seed {x}"\n  startup_timeout: soon\n  comand: typo\n${SUITE}`);
    expect(msg).toMatch(/grid-\d+\.yaml:1:\d+: repeats/);
    expect(msg).toMatch(/startup_timeout/);
    expect(msg).toMatch(/comand/);
  });

  it("refuses an invalid suite with the suite's own message", () => {
    expect(refusal(`matrix:\n  x: [1]\nserver:\n  command: "{shakedown} sim --port {port} --seed {x}"\nsuite:\n  scenarios:\n    - kind: conversation\n      turns: 0\n`)).toMatch(/turns/);
  });

  it("refuses files that are not grid files: missing, empty, a directory, binary, not a mapping", () => {
    expect(() => loadGridFile(join(dir, "missing.yaml"))).toThrow(ConfigError);
    expect(() => loadGridFile(gridFile(""))).toThrow(ConfigError);
    expect(() => loadGridFile(dir)).toThrow(ConfigError);
    expect(() => loadGridFile(gridFile("\u0000\u0001\u0002binary"))).toThrow(ConfigError);
    expect(() => loadGridFile(gridFile("- a\n- b\n"))).toThrow(ConfigError);
  });
});

describe("serverSecrets", () => {
  it("keeps the API key and the env values that name or look like a secret, never the parameters", async () => {
    const { serverSecrets } = await import("../../../src/grid/runner.js");
    expect(
      serverSecrets("key-of-the-servers", { HF_TOKEN: "hf_aaaaaaaaaaaaaaaaaaaaaa", MAX_NUM_SEQS: "64", VLLM_LOGGING_LEVEL: "INFO", EXTRA: "sk-bbbbbbbbbbbbbbbbbbbbbbbb", SHORT_KEY: "abc" }),
    ).toEqual(["key-of-the-servers", "hf_aaaaaaaaaaaaaaaaaaaaaa", "sk-bbbbbbbbbbbbbbbbbbbbbbbb"]);
    expect(serverSecrets(undefined, {})).toEqual([]);
  });
});
