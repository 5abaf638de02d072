import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../src/sim/index.js";
import { tempDir, runDirs } from "../helpers/tmp.js";
import { afterTurns, runCli, runCliInProcess } from "./helpers.js";

const work = tempDir();
// The real binary (runCli, a child process) where the process matters: its exit codes, a
// full run, stdout holding nothing but the JSON, signals. The refusals and the offline
// report run through the same entry point in this process (runCliInProcess): same code,
// same exit codes and messages, without a Node start and module load each.
// Timing thresholds on 2 requests would test the machine's load, not the CLI: keep one that cannot flake.
const steady = ["--set", 'conversation.thresholds=["success_rate > 95%"]'];
const quick = ["--profile", "fast", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", ...steady];

function onlyRunDir(parent: string): string {
  const dirs = runDirs(parent);
  expect(dirs).toHaveLength(1);
  return join(parent, dirs[0]!);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe("shakedown CLI", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ profile: "fast", port: 0, apiKey: "sk-right-key-123" });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("prints help with exit 0", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("run");
    expect(r.stdout).toContain("sim");
    expect(r.stdout).toContain("report");
    const h = await runCliInProcess(["run", "--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--api-key-env");
  });

  // The default run, made once by whichever of the tests that need it comes first (the file's
  // tests must pass in any order: vitest --sequence.shuffle).
  let defaultRun: ReturnType<typeof runCliInProcess> | undefined;
  // In this process: the real binary's full run, exit 0 and stdout are checked by --json below.
  const runDefault = () => (defaultRun ??= runCliInProcess(["run", ...quick, "--out", join(work, "default")]));

  it("runs the default scenario on the embedded simulator, exits 0 and writes the run folder", async () => {
    const out = join(work, "default");
    const r = await runDefault();
    expect(r.stderr + r.stdout).not.toContain("internal error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("PASS");
    expect(r.stdout).toContain("simulator");
    const dir = onlyRunDir(out);
    expect(existsSync(join(dir, "report.md"))).toBe(true);
    // One warm-up request, 2 conversation turns, then the seed's 3 French reasoning tasks.
    expect(readFileSync(join(dir, "records.jsonl"), "utf8").trim().split("\n")).toHaveLength(6);
  });

  it("--json prints results.json on stdout", async () => {
    const out = join(work, "json");
    const r = await runCli(["run", ...quick, "--out", out, "--json"]); // the real binary: nothing else may reach its stdout
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout) as { status: string; scenarios: unknown[] };
    expect(results.status).toBe("pass");
    expect(results.scenarios.map((s) => (s as { kind: string }).kind)).toEqual(["conversation", "reasoning"]);
  });

  it("report DIR re-renders the report offline", async () => {
    const out = join(work, "default");
    expect((await runDefault()).code).toBe(0);
    const dir = onlyRunDir(out);
    const before = readFileSync(join(dir, "results.json"), "utf8");
    const r = await runCliInProcess(["report", dir]);
    expect(r.code).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { scenarios: unknown; status: string };
    expect(after.scenarios).toEqual((JSON.parse(before) as { scenarios: unknown }).scenarios);
    expect(after.status).toBe("pass");
  });

  it("report on a folder that is not a run folder exits 2", async () => {
    const r = await runCliInProcess(["report", work]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("not a shakedown run folder");
    const missing = await runCliInProcess(["report", join(work, "nope")]);
    expect(missing.code).toBe(2);
  });

  it("bad YAML exits 2 with file:line:col", async () => {
    const f = join(work, "bad.yaml");
    writeFileSync(f, "name: x\nscenarios:\n  - kind: conversation\n    turns: [1, 2\n");
    const r = await runCliInProcess(["run", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("an unknown field exits 2 and names it with its position", async () => {
    const f = join(work, "unknown.yaml");
    writeFileSync(f, "name: x\nscenarios:\n  - kind: conversation\n    turnz: 5\n");
    const r = await runCliInProcess(["run", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("turnz");
    expect(r.stderr).toMatch(/unknown\.yaml:4:5/);
  });

  it("an unknown option or a bad value exits 2", async () => {
    expect((await runCli(["run", "--bogus"])).code).toBe(2); // the real binary's exit status
    expect((await runCliInProcess(["run", "--prefix-caching", "maybe"])).code).toBe(2);
    expect((await runCliInProcess(["run", "--set", "nonsense"])).code).toBe(2);
  });

  it("an unreachable target exits 3 before the run starts", async () => {
    const port = await freePort();
    const out = join(work, "unreachable");
    const r = await runCliInProcess(["run", "--target", `http://127.0.0.1:${port}/v1`, "--out", out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(existsSync(out)).toBe(false);
  });

  it("a wrong API key exits 2 and never prints the key", async () => {
    const r = await runCliInProcess(["run", "--target", sim.baseUrl, "--api-key-env", "SD_TEST_KEY", "--out", join(work, "wrong")], {
      env: { SD_TEST_KEY: "sk-wrong-key-456" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("SD_TEST_KEY");
    expect(r.stderr + r.stdout).not.toContain("sk-wrong-key-456");
  });

  it("an unset API key variable exits 2", async () => {
    const r = await runCliInProcess(["run", "--target", sim.baseUrl, "--api-key-env", "SD_TEST_KEY_UNSET"], { env: { SD_TEST_KEY_UNSET: "" } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("SD_TEST_KEY_UNSET");
  });

  it("the right API key runs against a real URL, and the key is in no file of the run folder", async () => {
    const out = join(work, "keyed");
    const r = await runCliInProcess(
      ["run", "--scenario", "conversation", "--target", sim.baseUrl, "--api-key-env", "SD_TEST_KEY", "--out", out, "--set", "conversation.turns=2", "--set", "conversation.iterations=1", ...steady],
      { env: { SD_TEST_KEY: "sk-right-key-123" } },
    );
    expect(r.code).toBe(0);
    const dir = onlyRunDir(out);
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), "utf8")).not.toContain("sk-right-key-123");
    expect(readFileSync(join(dir, "run.json"), "utf8")).toContain("SD_TEST_KEY");
  });

  it("sim serves the API until SIGTERM, and says it is a simulator", async () => {
    const r = await runCli(["sim", "--port", "0", "--profile", "fast", "--prefix-caching", "off"], {
      onStart(child, io) {
        const poll = setInterval(() => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(io.stdout());
          if (!m) return;
          clearInterval(poll);
          void fetch(`${m[1]}/models`)
            .then((res) => res.json())
            .then((body) => {
              expect(JSON.stringify(body)).toContain("shakedown-sim");
              child.kill("SIGTERM");
            });
        }, 20);
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("not a model");
    expect(r.stdout).toContain("prefix caching off");
  });

  it("sim refuses a bad knob with exit 2", async () => {
    const r = await runCliInProcess(["sim", "--max-num-seqs", "0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max-num-seqs");
  });

  it("simulator knobs with --target are a usage error", async () => {
    const r = await runCliInProcess(["run", "--target", sim.baseUrl, "--profile", "seed"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("only when no --target");
  });

  it("SIGINT mid-run keeps the records, writes an incomplete report and exits non-zero", async () => {
    const out = join(work, "sigint");
    mkdirSync(out, { recursive: true });
    const r = await runCli(
      ["run", "--profile", "seed", "--time-scale", "0.2", "--set", "conversation.turns=15", "--set", "conversation.iterations=3", "--out", out],
      {
        onStart: afterTurns(2, (child) => child.kill("SIGINT")),
      },
    );
    expect(r.code).toBe(130);
    const dir = onlyRunDir(out);
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { complete: boolean; status: string; interruption: string; records: { count: number } };
    expect(results.complete).toBe(false);
    expect(results.status).toBe("incomplete");
    expect(results.interruption).toContain("SIGINT");
    expect(results.records.count).toBeGreaterThanOrEqual(2);
    expect(results.records.count).toBeLessThan(45);
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("Incomplete run");
  });
});
