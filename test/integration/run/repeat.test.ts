/**
 * --repeat through the library (runRepeated) on the embedded simulator: N run folders made in
 * rounds (A1 B1, A2 B2, A3 B3: checked on the records' send times across the folders), a
 * summary folder with N values and a between-run interval per figure, and a stop in round 2
 * that skips the rounds left and still writes the summary of those that ran.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { RunEvents } from "../../../src/run/events.js";
import { exitCodeForRepeat, REPEAT_FILES, runRepeated, type RepeatSummary } from "../../../src/run/repeat.js";
import type { RequestRecord } from "../../../src/store/records.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { tempDir } from "../../helpers/tmp.js";

const work = tempDir();

function tinySuite(out: string, turns = 2): ReturnType<typeof validateSuiteObject> {
  const conversation = (name: string) => ({
    kind: "conversation",
    name,
    turns,
    iterations: 1,
    max_tokens: 16,
    // Timing gates on 2 requests would test the machine's load: keep ones that cannot flake.
    thresholds: ["success_rate > 95%", "ttft.p90 < 60000"],
  });
  const input: SuiteInput = {
    name: "tiny",
    target: { sim: { profile: "fast" } },
    scenarios: [conversation("alpha"), conversation("beta")] as never,
    output: { dir: out },
  };
  return validateSuiteObject(input, "test suite");
}

function records(dir: string): RequestRecord[] {
  return readFileSync(join(dir, "records.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RequestRecord)
    .filter((r) => r.scenario !== "warmup");
}

/** The (round, scenario) blocks in the order their requests were sent, across every folder. */
function sendOrder(dirs: string[]): string[] {
  const all = dirs.flatMap((dir, i) => records(dir).map((r) => ({ round: i + 1, scenario: r.scenario, at: r.result.startedAtEpochMs, perf: r.result.sentPerfMs })));
  // One process ran every round: performance.now() orders the sends exactly; the wall clock agrees.
  all.sort((a, b) => a.perf - b.perf);
  for (let i = 1; i < all.length; i++) expect(all[i]!.at).toBeGreaterThanOrEqual(all[i - 1]!.at);
  const blocks: string[] = [];
  for (const r of all) {
    const key = `${r.scenario}${r.round}`;
    if (blocks[blocks.length - 1] !== key) blocks.push(key);
  }
  return blocks;
}

describe("runRepeated", () => {
  it("runs the suite 3 times in rounds and writes a summary with 3 values and an interval per figure", async () => {
    const out = join(work, "three");
    const seen: number[] = [];
    const o = await runRepeated(tinySuite(out), { repeat: 3, onRoundStart: (r) => seen.push(r) });
    expect(seen).toEqual([1, 2, 3]);
    expect(o.outcomes).toHaveLength(3);
    expect(o.interrupted).toBe(false);
    expect(o.failure).toBeUndefined();
    expect(exitCodeForRepeat(o)).toBe(0);

    // Three run folders as a single run makes them, and the summary folder beside them.
    const dirs = o.outcomes.map((x) => x.dir);
    for (const d of dirs) for (const f of ["run.json", "records.jsonl", "results.json", "report.md", "report.html"]) expect(existsSync(join(d, f)), `${d}/${f}`).toBe(true);
    expect(o.dir).toBeDefined();
    expect(basename(o.dir!)).toMatch(/^\d{8}T\d{6}Z-tiny-repeat3$/);
    expect(readdirSync(out).sort()).toEqual([...dirs.map((d) => basename(d)), basename(o.dir!)].sort());

    // Interleaved: round r runs every scenario once, in suite order.
    expect(sendOrder(dirs)).toEqual(["alpha1", "beta1", "alpha2", "beta2", "alpha3", "beta3"]);

    const summary = JSON.parse(readFileSync(join(o.dir!, REPEAT_FILES.json), "utf8")) as RepeatSummary;
    expect(summary).toMatchObject({ suite: "tiny", repeat: 3, rounds: 3, complete: true, status: "pass" });
    expect(summary.runs.map((r) => r.runId)).toEqual(dirs.map((d) => basename(d)));
    expect(summary.scenarios.map((s) => s.name)).toEqual(["alpha", "beta"]);
    const perRun = dirs.map((d) => JSON.parse(readFileSync(join(d, "results.json"), "utf8")) as RunResults);
    for (const sc of summary.scenarios) {
      expect(sc.counted).toEqual([1, 2, 3]);
      const metrics = sc.figures.map((f) => f.metric);
      // The thresholds' metrics first, then the kind's key figures.
      expect(metrics.slice(0, 2)).toEqual(["success_rate", "ttft.p90"]);
      expect(metrics).toEqual(expect.arrayContaining(["ttft.p50", "e2e.p90", "output_tps.mean"]));
      for (const f of sc.figures) {
        expect(f.values, f.metric).toHaveLength(3);
        expect(f.count).toBe(3);
        // Each value is that run's own figure.
        expect(f.values).toEqual(perRun.map((r) => r.scenarios.find((s) => s.name === sc.name)!.metrics[f.metric]!.value));
        const xs = f.values as number[];
        expect(f.mean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / 3, 9);
        expect(f.ci95, f.metric).toBeDefined();
        expect(f.ci95!.low).toBeLessThanOrEqual(f.mean!);
        expect(f.ci95!.high).toBeGreaterThanOrEqual(f.mean!);
        // t(0.975, 2) = 4.303: the half-width is 4.303 × sd / √3.
        const half = (4.302652729911275 * f.sd!) / Math.sqrt(3);
        if (half === 0) expect(f.ci95!.halfWidth).toBe(0);
        else expect(f.ci95!.halfWidth / half).toBeCloseTo(1, 9);
      }
      expect(sc.verdicts.map((v) => [v.threshold, v.passed, v.of, v.stable])).toEqual([
        ["success_rate > 95%", 3, 3, true],
        ["ttft.p90 < 60000", 3, 3, true],
      ]);
    }
    const md = readFileSync(join(o.dir!, REPEAT_FILES.md), "utf8");
    expect(md).toContain("| figure | run 1 | run 2 | run 3 | mean | 95 % interval (between runs) |");
    expect(md).toContain("Why a between-run interval");
  });

  it("a stop in round 2 skips the rounds left and writes the summary of the rounds that ran (exit 130)", async () => {
    const out = join(work, "stopped");
    const controller = new AbortController();
    const events = new RunEvents();
    let round = 0;
    events.on("request:end", (rec) => {
      if (round === 2 && rec.scenario === "alpha") controller.abort();
    });
    const o = await runRepeated(tinySuite(out, 3), {
      repeat: 3,
      signal: controller.signal,
      events,
      interruptionReason: () => "SIGINT",
      onRoundStart: (r) => (round = r),
    });
    expect(o.outcomes).toHaveLength(2);
    expect(o.interrupted).toBe(true);
    expect(o.outcomes[0]!.stop).toBeUndefined();
    expect(o.outcomes[1]!.stop?.cause).toBe("user");
    expect(exitCodeForRepeat(o)).toBe(130);
    const summary = JSON.parse(readFileSync(join(o.dir!, REPEAT_FILES.json), "utf8")) as RepeatSummary;
    expect(summary).toMatchObject({ repeat: 3, rounds: 2, complete: false, status: "incomplete" });
    expect(summary.stopped).toContain("rounds 3-3 were not run");
    expect(summary.runs.map((r) => r.complete)).toEqual([true, false]);
    expect(summary.runs[1]!.exitCode).toBe(130);
    const [alpha, beta] = summary.scenarios;
    // Round 2's alpha was cut: left out of the figures; beta never ran in round 2.
    expect(alpha!.counted).toEqual([1]);
    expect(alpha!.excluded).toEqual([{ round: 2, why: "stopped before its end" }]);
    expect(beta!.excluded).toEqual([{ round: 2, why: "not run: the run stopped before it" }]);
    for (const f of alpha!.figures) {
      expect(f.values).toHaveLength(2);
      expect(f.values[1]).toBeNull();
      expect(f.ci95).toBeUndefined();
    }
    expect(readdirSync(out)).toHaveLength(3);
  });

  it("a round that cannot start ends the repeat; round 1's error is thrown as a single run's", async () => {
    const out = join(work, "unreachable");
    const bad = validateSuiteObject(
      { name: "tiny", target: { url: "http://127.0.0.1:9/v1", timeouts: { connect_ms: 500 } }, scenarios: [{ kind: "conversation", turns: 1, iterations: 1 }] as never, output: { dir: out } },
      "test suite",
    );
    await expect(runRepeated(bad, { repeat: 2 })).rejects.toMatchObject({ exitCode: 3 });
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
