/**
 * The run command's CI outputs through the built CLI: --junit from a real simulator run, a
 * target that cannot be reached, a JUnit file that cannot be written; --repeat (three run
 * folders in rounds and a summary; Ctrl-C in round 2: exit 130 with the summary of the rounds
 * that ran); --label and --no-history.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RepeatSummary } from "../../src/run/repeat.js";
import type { RequestRecord } from "../../src/store/records.js";
import type { RunResults } from "../../src/store/run-folder.js";
import { findAll, parseStrictXml, parseWithExpat, textOf, type XmlElement } from "../helpers/strict-xml.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const work = tempDir();
const tiny = ["--scenario", "conversation", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", "--profile", "fast"];
/** The default suite (conversation, then reasoning), as small as it goes, with gates that cannot flake on 2 requests. */
const tinyTwoScenarios = ["--profile", "fast", "--set", "conversation.turns=2", "--set", "conversation.iterations=1", "--set", 'conversation.thresholds=["success_rate > 95%"]'];

function xml(path: string): XmlElement {
  const text = readFileSync(path, "utf8");
  const root = parseStrictXml(text);
  const expat = parseWithExpat(text);
  if (expat !== undefined) expect(expat).not.toHaveProperty("error");
  return root;
}

const child = (el: XmlElement, name: string) => el.children.find((c): c is XmlElement => typeof c !== "string" && c.name === name);
const outcomeOf = (tc: XmlElement) => (child(tc, "failure") ? "fail" : child(tc, "error") ? "error" : child(tc, "skipped") ? "skipped" : "pass");
const runFolders = (out: string) =>
  readdirSync(out)
    .filter((d) => existsSync(join(out, d, "run.json")))
    .sort();

describe("run --junit", () => {
  it("writes every verdict of a simulator run as a testcase, consistent with the exit code", async () => {
    const out = join(work, "junit");
    const file = join(work, "reports", "junit.xml");
    const r = await runCliInProcess(["run", ...tiny, "--out", out, "--junit", file, "--no-history"]);
    expect(r.stderr).not.toContain("internal error");
    const [dir] = runFolders(out);
    const results = JSON.parse(readFileSync(join(out, dir!, "results.json"), "utf8")) as RunResults;
    const root = xml(file);
    const cases = findAll(root, "testcase");
    const sc = results.scenarios[0]!;
    expect(cases.map((c) => c.attrs["classname"])).toEqual(Array(sc.verdicts.length + 1).fill(`${results.suite.name}.conversation`));
    expect(cases.map((c) => c.attrs["name"])).toEqual([...sc.verdicts.map((v) => v.threshold), "ran to its end"]);
    const want = { pass: "pass", fail: "fail", inconclusive: "error", not_measured: "skipped" } as const;
    expect(cases.slice(0, -1).map(outcomeOf)).toEqual(sc.verdicts.map((v) => want[v.status]));
    for (const [i, v] of sc.verdicts.entries()) {
      const tc = cases[i]!;
      const said = child(tc, "failure")?.attrs["message"] ?? child(tc, "error")?.attrs["message"] ?? textOf(child(tc, "system-out") ?? tc);
      if (v.status !== "not_measured") expect(said).toContain(`n = ${v.n}`);
    }
    // The scenario's time, from its span.
    expect(Number(cases[cases.length - 1]!.attrs["time"])).toBeGreaterThan(0);
    const props = Object.fromEntries(findAll(root, "property").map((p) => [p.attrs["name"], p.attrs["value"]]));
    expect(props["shakedown.run_dir"]).toBe(join(out, dir!));
    expect(props["shakedown.simulated"]).toBe("true");
    // A red test report exactly when the exit code is not 0.
    const red = Number(root.attrs["failures"]) + Number(root.attrs["errors"]) > 0;
    expect(r.code).toBe(red ? (results.status === "inconclusive" ? 5 : 1) : 0);
    // No history database without the history.
    expect(existsSync(join(out, "history.sqlite"))).toBe(false);
  });

  it("a target that cannot be reached still leaves a JUnit file saying why (exit 3)", async () => {
    const file = join(work, "unreachable.xml");
    const r = await runCliInProcess(["run", "--target", "http://127.0.0.1:9/v1", "--out", join(work, "unreachable"), "--junit", file]);
    expect(r.code).toBe(3);
    const [tc] = findAll(xml(file), "testcase");
    expect(tc!.attrs["name"]).toBe("run started");
    expect(child(tc!, "error")!.attrs["message"]).toContain("127.0.0.1:9");
  });

  it("a JUnit file that cannot be written fails the command (exit 74) after the run is kept", async () => {
    const blocker = join(work, "a-file");
    writeFileSync(blocker, "not a folder");
    const out = join(work, "unwritable");
    const r = await runCliInProcess(["run", ...tiny, "--set", 'conversation.thresholds=["success_rate > 95%"]', "--out", out, "--junit", join(blocker, "junit.xml"), "--no-history"]);
    expect(r.code).toBe(74);
    expect(r.stderr).toContain("--junit");
    expect(runFolders(out)).toHaveLength(1);
  });
});

describe("run --label / --no-history", () => {
  it("refuses a label the history would refuse, and --label with --no-history, before running", async () => {
    const out = join(work, "labels");
    const reserved = await runCliInProcess(["run", "--label", "last", "--out", out]);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain("reserved");
    const both = await runCliInProcess(["run", "--label", "v1", "--no-history", "--out", out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--no-history");
    expect(existsSync(out)).toBe(false);
    for (const bad of ["0", "two", "1.5"]) {
      const r = await runCliInProcess(["run", "--repeat", bad, "--out", out]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain("expected a positive integer");
    }
    expect(existsSync(out)).toBe(false);
    const help = await runCliInProcess(["run", "--help"]);
    for (const flag of ["--junit <file>", "--repeat <n>", "--label <text>", "--no-history"]) expect(help.stdout).toContain(flag);
  });
});

describe("run --repeat", () => {
  it("--repeat 3: three run folders in rounds, a summary with three values and an interval per figure, each run in the history", async () => {
    const out = join(work, "repeat");
    const file = join(work, "repeat.xml");
    const r = await runCliInProcess(["run", ...tinyTwoScenarios, "--out", out, "--repeat", "3", "--json", "--junit", file, "--label", "ci-123"]);
    expect(r.stderr).not.toContain("internal error");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/round 1 of 3[\s\S]*round 2 of 3[\s\S]*round 3 of 3/);
    // stdout holds repeat.json and nothing else.
    const summary = JSON.parse(r.stdout) as RepeatSummary;
    expect(summary).toMatchObject({ repeat: 3, rounds: 3, complete: true, status: "pass" });
    const dirs = runFolders(out);
    expect(dirs).toHaveLength(3);
    expect(summary.runs.map((x) => x.runId)).toEqual(dirs);
    const summaryDir = readdirSync(out).find((d) => /-repeat3$/.test(d))!;
    expect(JSON.parse(readFileSync(join(out, summaryDir, "repeat.json"), "utf8"))).toEqual(summary);
    expect(existsSync(join(out, summaryDir, "repeat.md"))).toBe(true);
    for (const sc of summary.scenarios) {
      expect(sc.figures.length).toBeGreaterThan(0);
      for (const f of sc.figures) {
        expect(f.values).toHaveLength(3);
        expect(f.ci95).toBeDefined();
      }
    }
    // Rounds: conversation and reasoning of run 1, then of run 2, then of run 3 (one process: sentPerfMs orders every send).
    const sends = dirs.flatMap((d, i) =>
      readFileSync(join(out, d, "records.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as RequestRecord)
        .filter((rec) => rec.scenario !== "warmup")
        .map((rec) => ({ key: `${rec.scenario}${i + 1}`, perf: rec.result.sentPerfMs, at: rec.result.startedAtEpochMs })),
    );
    sends.sort((a, b) => a.perf - b.perf);
    expect(sends.map((s) => s.at)).toEqual([...sends.map((s) => s.at)].sort((a, b) => a - b));
    expect(sends.map((s) => s.key).filter((k, i, all) => all[i - 1] !== k)).toEqual(["conversation1", "reasoning1", "conversation2", "reasoning2", "conversation3", "reasoning3"]);
    // JUnit: every verdict of every run, told apart by [run r/3].
    const cases = findAll(xml(file), "testcase");
    expect(cases.filter((c) => c.attrs["name"] === "success_rate > 95% [run 2/3]")).toHaveLength(2);
    expect(cases.filter((c) => /\[run 3\/3\]$/.test(c.attrs["name"]!)).length).toBe(cases.length / 3);
    // Each run was indexed in the history.
    expect(existsSync(join(out, "history.sqlite"))).toBe(true);
  }, 90_000);

  it("Ctrl-C during round 2: exit 130, the rounds left are skipped, the summary of the rounds that ran and the JUnit file are written", async () => {
    const out = join(work, "repeat-sigint");
    const file = join(work, "repeat-sigint.xml");
    mkdirSync(out, { recursive: true });
    const r = await runCli(
      ["run", "--scenario", "conversation", "--profile", "seed", "--time-scale", "0.2", "--set", "conversation.turns=4", "--set", "conversation.iterations=1", "--out", out, "--repeat", "3", "--junit", file, "--no-history"],
      {
        onStart: (child, io) => {
          const poll = setInterval(() => {
            const err = io.stderr();
            const at = err.indexOf("round 2 of 3");
            if (at >= 0 && (err.slice(at).match(/ turn \d+: /g) ?? []).length >= 1) {
              clearInterval(poll);
              child.kill("SIGINT");
            }
          }, 10);
          child.once("exit", () => clearInterval(poll));
        },
        timeoutMs: 90_000,
      },
    );
    expect(r.code).toBe(130);
    expect(r.stderr).not.toContain("round 3 of 3");
    const dirs = runFolders(out);
    expect(dirs).toHaveLength(2);
    const second = JSON.parse(readFileSync(join(out, dirs[1]!, "results.json"), "utf8")) as RunResults;
    expect(second.complete).toBe(false);
    expect(second.interruption).toContain("SIGINT");
    const summaryDir = readdirSync(out).find((d) => /-repeat3$/.test(d))!;
    const summary = JSON.parse(readFileSync(join(out, summaryDir, "repeat.json"), "utf8")) as RepeatSummary;
    expect(summary).toMatchObject({ repeat: 3, rounds: 2, complete: false, status: "incomplete" });
    expect(summary.runs.map((x) => [x.complete, x.exitCode])).toEqual([
      [true, expect.any(Number)],
      [false, 130],
    ]);
    expect(summary.scenarios[0]!.counted).toEqual([1]);
    expect(summary.scenarios[0]!.figures[0]!.values).toHaveLength(2);
    expect(r.stdout).toContain("2 of 3 rounds ran");
    // JUnit: round 2's scenario is an error testcase (incomplete).
    const incomplete = findAll(xml(file), "testcase").filter((c) => child(c, "error")?.attrs["type"] === "incomplete");
    expect(incomplete.map((c) => c.attrs["name"])).toEqual(["ran to its end [run 2/3]"]);
  }, 90_000);
});
