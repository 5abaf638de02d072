/**
 * Issue 12: a soak against the simulator tells a server that slows down with its uptime
 * (degrading) from one that does not (stable), flags a silent answer change through its
 * canaries, reads the fake GPU and the process metrics, and keeps everything on a stop.
 * Short soaks (6 s in 0.5 s windows) on the default profile, whose ~35 ms TTFT makes a
 * +50 % slowdown large against a busy machine's noise.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { ConfigError, EXIT } from "../../../src/errors.js";
import { exitCodeFor } from "../../../src/cli/summary.js";
import { executeRun, exitCodeForOutcome } from "../../../src/run/executor.js";
import type { SoakDetail } from "../../../src/scenarios/soak/analyze.js";
import { tempDir } from "../../helpers/tmp.js";
import { buildResults } from "../../../src/run/analyze.js";
import { loadRunFolder } from "../../../src/store/run-folder.js";

const SOAK_S = 6;
/** +100 % of every simulated latency at the soak's end: a signal a loaded 2-core machine cannot hide. */
const SLOWDOWN = (1.0 * 3600) / SOAK_S;

function suite(out: string, sim: Record<string, unknown>, soak: Record<string, unknown> = {}, extra: Partial<SuiteInput> = {}): SuiteInput {
  return {
    name: "soak-test",
    target: { sim: { profile: "default", ...sim }, warmup_requests: 1 },
    scenarios: [
      {
        kind: "soak",
        duration: `${SOAK_S}s`,
        concurrency: 8,
        mix: { conversation: 0.5, short: 0.5, reasoning: 0 },
        conversation: { turns: 4, max_tokens: 8 },
        short: { output_tokens: 8 },
        ...soak,
      } as never,
    ],
    output: { dir: out },
    // The verdicts here are about the server: an overloaded client must not turn them inconclusive.
    verdicts: { client_overload: "fail" },
    ...extra,
  };
}

const soakOf = (r: { scenarios: { kind: string; detail: unknown }[] }) => r.scenarios.find((s) => s.kind === "soak")?.detail as SoakDetail;

describe("soak on the simulator", () => {
  it("a server that slows down with uptime is degrading (exit 1), the same server without it stable (exit 0), a silent answer change is flagged", async () => {
    const out = tempDir();
    const [slow, flat, swapped] = await Promise.all([
      executeRun(validateSuiteObject(suite(out, { slowdown_per_hour: SLOWDOWN }, { canary: { enabled: false } }), "slow")),
      executeRun(validateSuiteObject(suite(out, {}, { canary: { enabled: false } }), "flat")),
      executeRun(validateSuiteObject(suite(out, { answer_change_after: 40 }, { mix: { short: 1, conversation: 0, reasoning: 0 }, concurrency: 1 }), "swapped")),
    ]);

    const s = soakOf(slow.results);
    expect(s.stability).toBe("degrading");
    expect(exitCodeForOutcome(slow, exitCodeFor)).toBe(EXIT.verdictFailed);
    // Every latency grew by half: the drift verdicts that failed rest on significant trends.
    const failed = slow.results.scenarios[0]?.verdicts.filter((v) => v.status === "fail") ?? [];
    expect(failed.length).toBeGreaterThan(0);
    for (const v of failed) {
      expect(v.metric).toMatch(/^drift\./);
      const t = s.trends.find((x) => `drift.${x.figure}` === v.metric);
      expect(t?.significant).toBe(true);
      expect(t?.change?.lower).toBeGreaterThan(0.1);
    }
    expect(s.evidence[0]).toMatch(/rose \+\d/);

    const f = soakOf(flat.results);
    expect(f.stability).not.toBe("degrading");
    expect(f.stability).not.toBe("not_measured");
    expect(exitCodeForOutcome(flat, exitCodeFor)).toBe(EXIT.ok);

    const w = soakOf(swapped.results);
    const changed = w.canaries.filter((c) => c.changed > 0);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed[0]?.firstChange?.round).toBeGreaterThan(1);
    expect(w.stability).not.toBe("stable");
    const v = swapped.results.scenarios[0]?.verdicts.find((x) => x.metric === "canary.changed");
    expect(v?.status).toBe("fail");

    // The report says it in words, with the window table.
    const report = readFileSync(join(slow.dir, "report.md"), "utf8");
    expect(report).toMatch(/### Stability/);
    expect(report).toMatch(/degrading/);
    expect(report).toMatch(/### Windows/);
  }, 60_000);

  it("reads the fake GPU and the process metrics, and a stop keeps the records and the GPU timeline", async () => {
    const out = tempDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2_500).unref();
    const outcome = await executeRun(
      validateSuiteObject(
        suite(out, { fake_gpu: true, leak_mb_per_hour: 3_600_000 }, { duration: "20s", window: "1s" }, { monitor: { gpu: { interval_ms: 100 } } as never }),
        "stopped",
      ),
      { signal: controller.signal, interruptionReason: () => "SIGINT" },
    );
    expect(outcome.stop?.cause).toBe("user");
    expect(exitCodeForOutcome(outcome, exitCodeFor)).toBe(EXIT.interrupted);
    const sc = outcome.results.scenarios[0];
    expect(sc?.status).toBe("incomplete");
    const lines = readFileSync(join(outcome.dir, "gpu-metrics.jsonl"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(5);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ gpu: 0, name: "shakedown-sim simulated GPU" });
    expect(readFileSync(join(outcome.dir, "records.jsonl"), "utf8").trim().split("\n").length).toBeGreaterThan(5);
    expect(outcome.results.gpu).toMatchObject({ source: "dcgm", simulated: true });
    expect(sc?.gpu?.gpus[0]?.n).toBeGreaterThan(5);
    // 1 000 MiB a second: the leak is in the GPU's memory slope and the process's.
    expect(sc?.gpu?.gpus[0]?.memoryUsedMiB?.slope?.mibPerHour).toBeGreaterThan(1_000_000);
    expect(sc?.serverProcess?.rssSlopeMbPerHour?.estimate).toBeGreaterThan(1_000_000);
    expect(sc?.serverProcess?.restarts).toEqual([]);
    const report = readFileSync(join(outcome.dir, "report.md"), "utf8");
    expect(report).toMatch(/### Resources/);
    expect(report).toMatch(/fake GPU/);

    // Re-analysed offline from the folder (shakedown report DIR), the figures are the same.
    const run = loadRunFolder(outcome.dir);
    expect(run.gpu.length).toBe(lines.length);
    const again = buildResults(run.manifest, run.records, { complete: false }, { server: run.server, gpu: run.gpu, attachments: run.attachments });
    const sc2 = again.scenarios[0];
    expect(sc2?.gpu).toEqual(sc?.gpu);
    expect(sc2?.serverProcess).toEqual(sc?.serverProcess);
    expect(soakOf(again).windows).toEqual(soakOf(outcome.results).windows);
  }, 60_000);

  it("canaries slower than their interval skip the slots they missed and never outlast the soak", async () => {
    const out = tempDir();
    // Three 48-token canaries take longer than a 0.25 s window: before, every missed round was
    // still sent after the soak's end (a 4 s soak ran 26 s).
    const outcome = await executeRun(validateSuiteObject(suite(out, { slowdown_per_hour: 3600 }, { duration: "3s", mix: { short: 1, conversation: 0, reasoning: 0 }, concurrency: 2 }), "canaries"));
    const span = outcome.results.scenarios[0] && (JSON.parse(readFileSync(join(outcome.dir, "attachments.json"), "utf8")) as Record<string, { span: { startPerfMs: number; endPerfMs: number } }>).soak?.span;
    expect(span).toBeDefined();
    expect((span?.endPerfMs ?? 0) - (span?.startPerfMs ?? 0)).toBeLessThan(3_000 + 3_000);
    const rounds = soakOf(outcome.results).canaries[0]?.sent ?? 0;
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThan(12);
  }, 30_000);

  it("paces requests at a rate (open loop), each with its intended send time", async () => {
    const out = tempDir();
    const outcome = await executeRun(
      validateSuiteObject(suite(out, {}, { duration: "3s", rate: 40, mix: { short: 1, conversation: 0, reasoning: 0 }, canary: { enabled: false } }), "paced"),
    );
    const d = soakOf(outcome.results);
    expect(d.plan.mode).toBe("paced");
    const recs = readFileSync(join(outcome.dir, "records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { scenario: string; intendedSendPerfMs?: number });
    const mine = recs.filter((r) => r.scenario === "soak");
    expect(mine.every((r) => typeof r.intendedSendPerfMs === "number")).toBe(true);
    // 40 req/s for 3 s: 120 sends on the schedule (the last may fall on the end).
    expect(mine.length).toBeGreaterThanOrEqual(119);
    expect(mine.length).toBeLessThanOrEqual(121);
    expect(d.windows.filter((w) => !w.partial).every((w) => w.requests >= 8 && w.requests <= 12)).toBe(true);
  }, 30_000);

  it("refuses bad soak options and GPU sources before the run, leaving no run folder", async () => {
    const out = tempDir();
    const refused = async (input: SuiteInput): Promise<string> => {
      try {
        await executeRun(validateSuiteObject(input, "bad"));
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error("not refused");
    };
    expect(() => validateSuiteObject(suite(out, {}, { duration: "ten minutes" }), "bad")).toThrow(/expected a duration such as "90s"/);
    expect(await refused(suite(out, {}, { duration: "1m", window: "30s" }))).toMatch(/at least 3/);
    expect(await refused(suite(out, {}, {}, { monitor: { gpu: { source: "dcgm", url: "http://127.0.0.1:9/metrics" } } as never }))).toMatch(/GPU monitor/);
    expect(await refused({ ...suite(out, {}), monitor: { gpu: { source: "nvidia-smi" } } as never }).catch((e: Error) => e.message)).toMatch(/GPU monitor/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 30_000);
});
