import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { RunEvents } from "../../../src/run/events.js";
import { executeRun } from "../../../src/run/executor.js";
import type { LoadDetail, LoadSweepDetail } from "../../../src/scenarios/load/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { arrivalSchedule } from "../../../src/workload/arrivals.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();

async function run(scenario: Record<string, unknown>, name: string) {
  const input: SuiteInput = {
    name,
    target: { sim: { profile: "fast" } },
    // Calibration (a few seconds) is tested on its own below.
    scenarios: [{ kind: "load", input_tokens: 32, output_tokens: 8, calibrate: false, ...scenario } as never],
    output: { dir: out },
  };
  const { dir, results } = await executeRun(validateSuiteObject(input, "test suite"));
  const records = readFileSync(join(dir, "records.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RequestRecord)
    .filter((r) => r.scenario === "load");
  const report = readFileSync(join(dir, "report.md"), "utf8");
  return { records, result: results.scenarios[0] as ScenarioResult<LoadDetail>, report };
}

/** Most requests in flight at once, from the records' send and end times. */
function maxInFlight(records: RequestRecord[]): number {
  const events = records.flatMap((r) => [
    { t: r.result.sentPerfMs, d: 1 },
    { t: r.result.sentPerfMs + (r.result.t.lastByte ?? 0), d: -1 },
  ]);
  // Ends before starts at the same instant: a slot freed and reused is not two in flight.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let cur = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (cur += e.d));
  return max;
}

function expectOpenLoopRecords(records: RequestRecord[]): void {
  for (const r of records) {
    expect(r.kind).toBe("load");
    expect(r.intendedSendPerfMs).toBeTypeOf("number");
    expect(r.clientLagMs).toBeCloseTo(r.result.sentPerfMs - r.intendedSendPerfMs!, 9);
    // Never sent before its intended time.
    expect(r.clientLagMs!).toBeGreaterThanOrEqual(0);
    expect(r.params.maxTokens).toBe(8);
  }
}

describe("load scenario against the simulator", () => {
  it("constant at 50 req/s: every request recorded with intended and actual send; achieved rate within 10 %", async () => {
    // An SLO no request can miss unless something hangs (5 s was missed by 86 of 100 requests
    // when the test process stalled on a machine whose cores other work took).
    const { records, result, report } = await run({ mode: "constant", rate: 50, requests: 100, concurrency: 32, slo: { ttft_ms: 60_000 } }, "constant");
    expect(records).toHaveLength(100);
    expectOpenLoopRecords(records);
    expect(new Set(records.map((r) => r.id)).size).toBe(100);
    // The schedule is the constant one: intended sends 20 ms apart from the first.
    const t0 = records.reduce((m, r) => Math.min(m, r.intendedSendPerfMs!), Infinity);
    const offsets = records.map((r) => r.intendedSendPerfMs! - t0).sort((a, b) => a - b);
    offsets.forEach((o, i) => expect(o).toBeCloseTo(i * 20, 6));
    expect(result.requests).toEqual({ total: 100, ok: 100, failed: 0 });
    // Achieved rate = (n − 1) over the span of the actual sends: the schedule's 1 980 ms, moved
    // only by the client's recorded lag. Within 10 % of 50 req/s on an idle machine; a loaded one
    // lags more, and the lag, not the rate, is what it must then show.
    const achieved = result.metrics["achieved_rate"]?.value ?? 0;
    const sends = records.map((r) => r.result.sentPerfMs);
    const span = Math.max(...sends) - Math.min(...sends);
    expect(achieved).toBeCloseTo((99 * 1000) / span, 6);
    const maxLag = Math.max(...records.map((r) => r.clientLagMs!));
    expect(Math.abs(span - 1980)).toBeLessThanOrEqual(maxLag + 1e-6);
    if (maxLag < 100) expect(Math.abs(achieved / 50 - 1)).toBeLessThan(0.1);
    expect(result.metrics["ttft_from_intended.p99"]?.n).toBe(100);
    // From the intended send is never shorter than from the actual send.
    expect(result.metrics["ttft_from_intended.min"]!.value!).toBeGreaterThanOrEqual(result.metrics["ttft.min"]!.value!);
    // The simulator was asked for exactly 8 tokens (min_tokens + ignore_eos) and gave them.
    expect(result.metrics["output_tokens.mean"]?.value).toBe(8);
    expect(result.metrics["goodput_fraction"]?.value).toBe(1);
    expect(result.status).toBe("pass");
    expect(report).toContain("## Scenario `load` (load)");
    expect(report).toContain("### Client lag");
    expect(report).toContain("TTFT from intended send");
  });

  it("poisson and gamma: the records follow the seeded schedule", async () => {
    for (const [mode, burstiness] of [
      ["poisson", 1],
      ["gamma", 0.5],
    ] as const) {
      const { records, result } = await run({ mode, rate: 200, burstiness, requests: 40, seed: 3, concurrency: 64 }, mode);
      expect(records, mode).toHaveLength(40);
      expectOpenLoopRecords(records);
      const schedule = arrivalSchedule({ mode, rate: 200, burstiness, requests: 40, seed: 3 });
      const byIndex = [...records].sort((a, b) => a.iteration! - b.iteration!);
      const t0 = byIndex[0]!.intendedSendPerfMs!;
      byIndex.forEach((r, i) => expect(r.intendedSendPerfMs! - t0).toBeCloseTo(schedule[i]!, 6));
      expect(result.detail.mode).toBe(mode);
      expect(result.requests.ok).toBe(40);
    }
  });

  it("closed loop never has more than `concurrency` requests in flight", async () => {
    const { records, result } = await run({ mode: "closed", concurrency: 3, requests: 30 }, "closed");
    expect(records).toHaveLength(30);
    expect(maxInFlight(records)).toBeLessThanOrEqual(3);
    expect(records.every((r) => r.intendedSendPerfMs === undefined)).toBe(true);
    expect(result.metrics["achieved_rate"]?.value).toBeGreaterThan(0);
    expect(result.metrics["client_limited"]?.value).toBeUndefined();
  });

  it("open loop caps requests in flight at `concurrency` and records the waits for a slot", async () => {
    // 1 in flight at 500 req/s with replies of 40 steps: most sends wait for the slot.
    const { records, result } = await run({ mode: "constant", rate: 500, requests: 20, concurrency: 1, output_tokens: 40, max_client_lag_ms: 5 }, "capped");
    expect(records).toHaveLength(20);
    expect(maxInFlight(records)).toBeLessThanOrEqual(1);
    const waited = records.filter((r) => r.slotWaitMs !== undefined);
    expect(waited.length).toBeGreaterThan(10);
    for (const r of waited) expect(r.clientLagMs!).toBeGreaterThanOrEqual(r.slotWaitMs! - 1);
    // The waits are the server's slowness at the cap, not the client's: the requests piled up
    // in the client's slot queue, the server (with one in flight) could not keep up. A send
    // due while the dispatcher waited for an earlier one's slot waited for a slot too, so the
    // client's own share of the lag is what is left (small, whatever the machine's load).
    expect(result.metrics["saturated"]?.value).toBe(1);
    expect(result.detail.saturation?.backlogIn).toBe("slots");
    expect(result.notes.join("\n")).toMatch(/SERVER SATURATED.*waited in the client for one of the 1 in-flight slots/);
    expect(result.detail.dispatchLag!.p50).toBeLessThan(result.detail.slotWait!.p50);
    expect(result.headline).toMatch(/^sent constant load at [\d.]+ req\/s \(500 req\/s asked\), and the server did not keep up/);
  });

  it("stops sending at duration_s and counts what was not sent", async () => {
    const { records, result } = await run({ mode: "constant", rate: 100, requests: 1000, duration_s: 0.2 }, "duration");
    // Offsets 0 … 190 ms are due before 200 ms: 20 requests.
    expect(records).toHaveLength(20);
    expect(result.detail.planned).toBe(20);
    expect(result.metrics["not_sent"]?.value).toBe(0);
  });

  it("excludes the warm-up and cool-down windows", async () => {
    const { result } = await run({ mode: "constant", rate: 100, requests: 50, warmup_s: 0.1, cooldown_s: 0.1 }, "windows");
    // Offsets 0 … 490 ms: warm-up < 100 ms (10), cool-down > 390 ms (10).
    expect(result.detail.exclusions).toMatchObject({ warmup: 10, cooldown: 10, measured: 30 });
    expect(result.metrics["ttft.p50"]?.n).toBe(30);
  });

  it("ramp-up: the send rate rises from 0 and the ramp's requests are excluded", async () => {
    const { records, result } = await run({ mode: "constant", rate: 100, requests: 60, ramp_up_s: 0.2 }, "ramp");
    expectOpenLoopRecords(records);
    const offsets = records.map((r) => r.intendedSendPerfMs!).sort((a, b) => a - b).map((t, _, a) => t - a[0]!);
    // The 0.2 s ramp holds 10 requests (R/2 at full rate), sent further apart at first.
    expect(offsets.filter((t) => t < 200)).toHaveLength(10);
    expect(offsets[1]! - offsets[0]!).toBeGreaterThan(offsets[59]! - offsets[58]!);
    expect(result.detail.exclusions).toMatchObject({ rampUp: 10, measured: 50 });
  });

  it("sweep: synchronous, throughput, then open-loop rates between them, each stage in its records and the report", async () => {
    const { records, result, report } = await run(
      { mode: "sweep", requests: 12, sweep: { rates: 2, max_concurrency: 6 }, slo: { ttft_ms: 10_000 } },
      "sweep",
    );
    const d = result.detail as unknown as LoadSweepDetail;
    expect(d.sweep).toBe(true);
    expect(d.stages.map((s) => s.stage.name)).toEqual(["synchronous", "throughput", "rate-1", "rate-2"]);
    expect(records).toHaveLength(48);
    for (const r of records) expect(r.stage).toBeDefined();
    // The rates were chosen between the two measured anchors.
    const rates = d.stages.slice(2).map((s) => s.stage.rate!);
    expect(d.maxThroughput!).toBeGreaterThan(d.syncRate!);
    const step = (d.maxThroughput! - d.syncRate!) / 3;
    // The anchors re-measured by the analysis equal the driver's (same records, same code).
    expect(rates[0]).toBeCloseTo(d.syncRate! + step, 6);
    expect(rates[1]).toBeCloseTo(d.syncRate! + 2 * step, 6);
    // Open-loop stages carry intended send times; closed ones do not.
    for (const r of records) expect(r.intendedSendPerfMs === undefined).toBe(r.stage!.mode === "closed");
    expect(records.filter((r) => r.stage!.name === "throughput").every((r) => r.concurrency === 6)).toBe(true);
    expect(result.metrics["stages"]?.value).toBe(4);
    expect(report).toContain("### Sweep");
    expect(report).toMatch(/\| rate-2 \| constant [\d.]+ req\/s \| 12 \|/);
  });

  it("calibrates the client before the run and keeps the calibration with the run (attachments.json, report)", async () => {
    process.env["SHAKEDOWN_CALIBRATE_PASS_MS"] = "300,200";
    try {
      const input: SuiteInput = {
        name: "calibrated",
        target: { sim: { profile: "fast" } },
        scenarios: [{ kind: "load", mode: "closed", concurrency: 2, requests: 6, input_tokens: 16, output_tokens: 4 } as never],
        output: { dir: out },
      };
      const { dir, results } = await executeRun(validateSuiteObject(input, "test suite"));
      const att = JSON.parse(readFileSync(join(dir, "attachments.json"), "utf8"));
      expect(att.load.calibration.concurrency).toBe(2);
      expect(att.load.calibration.clientAddedTtftMs.n).toBeGreaterThan(0);
      const detail = (results.scenarios[0] as ScenarioResult<LoadDetail>).detail;
      expect(detail.calibration?.result?.capacity.chunksPerSec).toBeGreaterThan(0);
      expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("### Client calibration");
      // A re-analysis of the folder reads it back.
      const { loadRunFolder } = await import("../../../src/store/run-folder.js");
      expect(loadRunFolder(dir).attachments).toEqual(att);
    } finally {
      delete process.env["SHAKEDOWN_CALIBRATE_PASS_MS"];
    }
  }, 30_000);

  it("workers: two threads share an open-loop schedule; records merge onto one clock with the schedule's exact offsets", async () => {
    const { records, result } = await run({ mode: "constant", rate: 100, requests: 40, workers: 2 }, "workers-open");
    expect(records).toHaveLength(40);
    expect(new Set(records.map((r) => r.id)).size).toBe(40);
    expectOpenLoopRecords(records);
    // Intended sends, moved from each thread's clock onto the main one, follow the schedule.
    const byIndex = [...records].sort((a, b) => a.iteration! - b.iteration!);
    const t0 = byIndex[0]!.intendedSendPerfMs!;
    for (const r of byIndex) expect(r.intendedSendPerfMs! - t0).toBeCloseTo((r.iteration! - 1) * 10, 3);
    // The analysis sees one ordinary run: its achieved rate is the merged records' (n − 1) over
    // the span of their actual sends, and that span is the schedule's 390 ms give or take the
    // client's recorded lag (a busy machine lags; sends on two unmerged clocks would not add up).
    // Not "> 90 req/s": with both cores taken by other work, the threads sent late (67.8 req/s).
    const sends = records.map((r) => r.result.sentPerfMs);
    const span = Math.max(...sends) - Math.min(...sends);
    expect(result.metrics["achieved_rate"]?.value).toBeCloseTo((39 * 1000) / span, 6);
    const maxLag = Math.max(...records.map((r) => r.clientLagMs!));
    expect(span).toBeGreaterThanOrEqual(390 - maxLag - 1e-6);
    expect(span).toBeLessThanOrEqual(390 + maxLag + 1e-6);
    expect(result.requests.ok).toBe(40);
  });

  it("workers: a closed loop's concurrency is split over the threads and never exceeded", async () => {
    const { records } = await run({ mode: "closed", concurrency: 3, requests: 30, workers: 2 }, "workers-closed");
    expect(records).toHaveLength(30);
    expect(new Set(records.map((r) => r.iteration)).size).toBe(30);
    expect(maxInFlight(records)).toBeLessThanOrEqual(3);
  });

  it("datasets: prompts from a JSONL file, each record says what it asked", async () => {
    const { records, result, report } = await run(
      { mode: "closed", concurrency: 2, requests: 6, dataset: { source: "jsonl", path: "test/fixtures/datasets/prompts.jsonl", tokenizer: "approx" } },
      "dataset-jsonl",
    );
    const lines = readFileSync("test/fixtures/datasets/prompts.jsonl", "utf8").trim().split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    expect(records).toHaveLength(6);
    for (const r of records) expect(r.newMessages.length).toBeGreaterThan(0);
    expect(result.detail.dataset?.source).toBe("jsonl");
    expect(result.detail.dataset?.entries).toBe(lines.length);
    expect(report).toMatch(/Requests: jsonl file test\/fixtures\/datasets\/prompts\.jsonl/);
  });

  it("datasets: synthetic prompts of exact Qwen3 length; the server's count minus ours is the chat template's, constant", async () => {
    const { records, result } = await run(
      { mode: "closed", concurrency: 2, requests: 6, input_tokens: 40, dataset: { source: "synthetic", tokenizer: "qwen3" } },
      "dataset-qwen3",
    );
    for (const r of records) expect(r.inputTokens).toBe(40);
    expect(result.detail.tokens.inputMean).toBe(40);
    // The simulator's own tokenizer is not Qwen3's: the difference is what it is, but reported.
    expect(result.detail.tokens.templateOverhead).toBeDefined();
    expect(result.detail.tokens.outputExact).toEqual({ n: 6, of: 6 });
  }, 30_000);

  it("a dataset that cannot be read stops the scenario with a clear message", async () => {
    await expect(run({ dataset: { source: "sharegpt", path: "no/such/file.json" } }, "dataset-missing")).rejects.toThrow(/no\/such\/file\.json/);
  });

  it("workers: a stop signal mid-run ends every thread's requests, keeps what was measured and marks the run incomplete", async () => {
    const ac = new AbortController();
    const input: SuiteInput = {
      name: "workers-stopped",
      target: { sim: { profile: "fast" } },
      scenarios: [{ kind: "load", mode: "constant", rate: 50, requests: 500, workers: 2, calibrate: false, input_tokens: 16, output_tokens: 8 } as never],
      output: { dir: out },
    };
    // Stop once ten requests ended (the threads take a moment to start).
    const events = new RunEvents();
    let ended = 0;
    events.on("request:end", (rec) => {
      if (rec.scenario === "load" && ++ended === 10) ac.abort();
    });
    const { dir, results } = await executeRun(validateSuiteObject(input, "test suite"), { signal: ac.signal, events, interruptionReason: () => "a test" });
    // 500 requests at 50 req/s would take 10 s: the stop ended it (fewer than 100 sent, the rest
    // counted as not sent; no wall-clock bound, which a loaded machine's slow thread start breaks).
    expect(results.complete).toBe(false);
    const records = readFileSync(join(dir, "records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RequestRecord).filter((r) => r.scenario === "load");
    expect(records.length).toBeGreaterThanOrEqual(10);
    expect(records.length).toBeLessThan(100);
    expect(results.scenarios[0]?.metrics["not_sent"]?.value).toBe(500 - records.length);
  });
});
