/**
 * `shakedown grid` end to end, with real components: every cell's server is `shakedown sim`
 * started and stopped as a child process on a free port (prefix caching on/off × max-num-seqs),
 * two interleaved repeats, then the comparison. Also Ctrl-C (nothing survives, the grid
 * resumes) and the bad inputs that must be refused before any cell runs.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GridAnalysis, GridPair } from "../../src/grid/compare-types.js";
import type { GridVisit } from "../../src/grid/types.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const dir = tempDir("shakedown-grid-cli-");
const MARKER = `grid-test-${process.pid}-${Date.now()}`;
/**
 * A long system prompt (about 1 200 tokens) makes every turn's prefill heavy without a prefix
 * cache and light with one: the difference the test looks for is then many times the noise of
 * a busy machine, as it is on a real server with long conversations.
 */
const SYSTEM_PROMPT = "You are a careful assistant for an operations team; answer briefly and check each step. ".repeat(60);

function gridYaml(o: { name: string; turns?: number; iterations?: number; extra?: string; command?: string; seqs?: string; repeats?: number; exclude?: string }): string {
  const path = join(dir, `${o.name}.yaml`);
  writeFileSync(
    path,
    `name: ${o.name}
repeats: ${o.repeats ?? 2}
${o.exclude ?? ""}matrix:
  prefix_caching: [on, off]
  max_num_seqs: ${o.seqs ?? "[64, 128]"}
server:
  command: "${o.command ?? `{shakedown} sim --port {port} --prefix-caching {prefix_caching} --max-num-seqs {max_num_seqs} --profile seed --time-scale 0.05 --seed 3 --model ${MARKER}`}"
  startup_timeout: 20s
  stop_grace: 5s
${o.extra ?? ""}suite:
  name: ${o.name}
  scenarios:
    - kind: conversation
      turns: ${o.turns ?? 6}
      iterations: ${o.iterations ?? 3}
      concurrency: 3
      max_tokens: 16
      temperature: 0
      system_prompt: "${SYSTEM_PROMPT}"
      thresholds: ["success_rate > 95%"]
`,
  );
  return path;
}

/** Processes whose command line holds the marker (the simulators this file started). */
function survivors(): string[] {
  const out = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(MARKER) && !l.includes("ps -eo"));
}

const onlyDir = (parent: string): string => {
  const dirs = readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory());
  expect(dirs).toHaveLength(1);
  return join(parent, (dirs[0] as { name: string }).name);
};

const visitsOf = (gridDir: string): GridVisit[] =>
  readFileSync(join(gridDir, "visits.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as GridVisit);

const pairOf = (a: GridAnalysis, figure: string, x: string, y: string): GridPair => {
  const p = a.pairs.find((q) => q.figure === figure && ((q.a === x && q.b === y) || (q.a === y && q.b === x)));
  if (!p) throw new Error(`no pair ${x} / ${y} on ${figure}`);
  return p;
};

describe("shakedown grid: prefix caching × max-num-seqs (one combination excluded), three interleaved repeats", () => {
  let result: Awaited<ReturnType<typeof runCliInProcess>>;
  let analysis: GridAnalysis;
  let gridDir: string;
  const out = join(dir, "full");

  beforeAll(async () => {
    // Three repeats: with two, the noise floor rests on one difference per cell (docs/grid.md).
    const file = gridYaml({ name: "full", repeats: 3, exclude: "exclude:\n  - { prefix_caching: off, max_num_seqs: 128 }\n" });
    result = await runCliInProcess(["grid", file, "--out", out, "--json"]);
    gridDir = onlyDir(out);
    analysis = JSON.parse(result.stdout) as GridAnalysis;
  }, 120_000);

  it("runs every visit in interleaved order, each server started and stopped, and exits 0", () => {
    expect(result.code, result.stderr).toBe(0);
    const visits = visitsOf(gridDir);
    const cells = ["prefix_caching-on_max_num_seqs-64", "prefix_caching-on_max_num_seqs-128", "prefix_caching-off_max_num_seqs-64"];
    expect(visits.map((v) => `${v.cell}/${v.repeat}`)).toEqual([1, 2, 3].flatMap((r) => cells.map((c) => `${c}/${r}`)));
    for (const v of visits) {
      expect(v.status).toBe("done");
      expect(v.cacheReset).toBe("reset");
      expect(v.startupMs).toBeGreaterThan(0);
      expect(existsSync(join(gridDir, v.runDir as string, "records.jsonl"))).toBe(true);
      expect(readFileSync(join(gridDir, v.log as string), "utf8")).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\/v1/);
    }
    expect(survivors()).toEqual([]);
    for (const f of ["grid.json", "grid-results.json", "report.md", "report.html"]) expect(existsSync(join(gridDir, f)), f).toBe(true);
  });

  it("records the configuration each server reports (prefix caching as the matrix set it)", () => {
    const on = JSON.parse(readFileSync(join(gridDir, "cells/prefix_caching-on_max_num_seqs-64/server.json"), "utf8")) as { cacheConfig?: Record<string, string> };
    const off = JSON.parse(readFileSync(join(gridDir, "cells/prefix_caching-off_max_num_seqs-64/server.json"), "utf8")) as { cacheConfig?: Record<string, string> };
    expect(on.cacheConfig?.enable_prefix_caching).toBe("True");
    expect(off.cacheConfig?.enable_prefix_caching).toBe("False");
  });

  it("ranks the cache-on cells faster on TTFT of continued turns, beyond noise", () => {
    for (const on of ["prefix_caching-on_max_num_seqs-64", "prefix_caching-on_max_num_seqs-128"]) {
      const p = pairOf(analysis, "conversation/ttft.continued.p50", on, "prefix_caching-off_max_num_seqs-64");
      expect(p.beyondNoise, p.sentence).toBe(true);
      expect(p.better).toBe(on);
      expect(p.sentence).toMatch(/faster/);
    }
  });

  it("finds no difference beyond noise between two cells that are the same server (max-num-seqs above the concurrency)", () => {
    const p = pairOf(analysis, "conversation/ttft.continued.p50", "prefix_caching-on_max_num_seqs-64", "prefix_caching-on_max_num_seqs-128");
    expect(p.beyondNoise, p.sentence).toBe(false);
    expect(p.word).toBe("no difference beyond noise");
  });

  it("prints the comparison and the recommendations", () => {
    expect(result.stderr).toMatch(/\[9\/9\]/);
    expect(result.stderr).toMatch(/Recommendations/);
    const agents = analysis.recommendations.find((r) => r.useCase === "agents");
    expect(agents?.cells.every((c) => c.startsWith("prefix_caching-on"))).toBe(true);
    expect(readFileSync(join(gridDir, "report.md"), "utf8")).toMatch(/prefix_caching=on/);
  });
});

describe("shakedown grid: Ctrl-C and --resume", () => {
  it("stops the current run and its server on SIGINT (nothing survives, exit 130), then --resume finishes the grid", async () => {
    const out = join(dir, "interrupted");
    const file = gridYaml({ name: "interrupted", seqs: "[64]" });
    let sent = false;
    const r = await runCli(["grid", file, "--out", out], {
      timeoutMs: 90_000,
      onStart: (child, io) => {
        const timer = setInterval(() => {
          // The second visit's suite has started: its server is running.
          if (!sent && /\[2\/4\][^\n]*running the suite/.test(io.stderr())) {
            sent = true;
            clearInterval(timer);
            setTimeout(() => child.kill("SIGINT"), 300);
          }
        }, 50);
        child.on("close", () => clearInterval(timer));
      },
    });
    expect(sent).toBe(true);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/shakedown grid --resume /);
    expect(survivors()).toEqual([]);
    const gridDir = onlyDir(out);
    const before = visitsOf(gridDir);
    expect(before.map((v) => v.status)).toEqual(["done", "interrupted"]);
    expect(before[1]?.runDir).toBeDefined(); // the interrupted run's records are kept

    const resumed = await runCliInProcess(["grid", "--resume", gridDir]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/1 of 4 visits already ran; 3 left/);
    const after = visitsOf(gridDir);
    expect(after.filter((v) => v.status === "done")).toHaveLength(4);
    expect(survivors()).toEqual([]);
  }, 150_000);
});

describe("shakedown grid: refused before any cell runs (exit 2, nothing written)", () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer((s) => s.end());
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    busyPort = (busy.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  const refused = async (file: string, pattern: RegExp) => {
    const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
    const r = await runCliInProcess(["grid", file, "--out", out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(existsSync(out)).toBe(false);
  };

  it("a template naming a parameter the matrix lacks", () =>
    refused(gridYaml({ name: "bad-field", command: "{shakedown} sim --port {port} --prefix-caching {prefix_caching} --max-num-seqs {max_seqs}" }), /\{max_seqs\} is not a parameter of the matrix/));

  it("a server command that does not exist", () =>
    refused(gridYaml({ name: "bad-program", command: "vllm-not-installed-here serve --port {port} {prefix_caching} {max_num_seqs}" }), /vllm-not-installed-here is not a program found on PATH/));

  it("a fixed port already in use", () =>
    refused(
      gridYaml({ name: "busy-port", command: `{shakedown} sim --port ${busyPort} --prefix-caching {prefix_caching} --max-num-seqs {max_num_seqs}`, extra: `  url: "http://127.0.0.1:${busyPort}/v1"\n` }).replace(/^/, ""),
      new RegExp(`port ${busyPort} of 127\\.0\\.0\\.1 is already in use`),
    ));

  it("no grid file and no --resume; --resume of a folder that is not a grid", async () => {
    expect((await runCliInProcess(["grid"])).code).toBe(2);
    const r = await runCliInProcess(["grid", "--resume", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a shakedown grid folder/);
  });
});

describe("shakedown grid: a health URL that never answers fails its cells, and the grid goes on", () => {
  it("marks each visit failed with the timeout, stops the server, exits 1", async () => {
    const out = join(dir, "no-health");
    const file = join(dir, "no-health.yaml");
    writeFileSync(
      file,
      `matrix:\n  seed: [1]\nrepeats: 1\nserver:\n  command: "{shakedown} sim --port {port} --seed {seed} --model ${MARKER}"\n  health: "http://127.0.0.1:{port}/not-health"\n  startup_timeout: 1.5s\n  stop_grace: 2s\nsuite:\n  scenarios:\n    - kind: conversation\n      turns: 2\n      iterations: 1\n`,
    );
    const r = await runCliInProcess(["grid", file, "--out", out]);
    expect(r.code, r.stderr).toBe(1);
    const [visit] = visitsOf(onlyDir(out));
    expect(visit?.status).toBe("failed");
    expect(visit?.reason).toMatch(/1\.5 s|timeout|did not answer/i);
    expect(survivors()).toEqual([]);
  }, 30_000);
});
