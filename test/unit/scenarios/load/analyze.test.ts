import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../../src/client/types.js";
import { loadScenarioSchema, type LoadScenarioConfig } from "../../../../src/config/schema.js";
import { analyzeLoad as analyzeAny, LOAD_METRICS, LOAD_STAGE_METRICS, LOAD_SWEEP_METRICS, type LoadDetail, type LoadSweepDetail } from "../../../../src/scenarios/load/analyze.js";
import { sweepRates } from "../../../../src/scenarios/load/driver.js";
import { loadScenario } from "../../../../src/scenarios/load/index.js";
import type { AnalysisInput, ScenarioResult } from "../../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../../src/store/records.js";
import { renderLoadSection } from "../../../../src/report/load.js";

/** A single-stage analysis (not a sweep). */
const analyzeLoad = (c: LoadScenarioConfig, i: AnalysisInput) => analyzeAny(c, i) as ScenarioResult<LoadDetail>;

function config(over: Record<string, unknown> = {}): LoadScenarioConfig {
  return loadScenarioSchema.parse({ kind: "load", ...over });
}

interface RecOptions {
  /** Intended send (ms on the fake clock); absent for closed loop. */
  intended?: number;
  /** Actual send − intended (ms). */
  lag?: number;
  /** Actual send, closed loop. */
  sent?: number;
  ttft?: number;
  e2e?: number;
  /** Output tokens (usage). */
  out?: number;
  ok?: boolean;
  slotWait?: number;
  scenario?: string;
}

let counter = 0;
function rec(o: RecOptions): RequestRecord {
  const ok = o.ok ?? true;
  const sent = o.sent ?? (o.intended ?? 0) + (o.lag ?? 0);
  const ttft = o.ttft ?? 10;
  const e2e = o.e2e ?? 50;
  const out = o.out ?? 5;
  const result: ChatResult = {
    ok,
    startedAtEpochMs: 1_700_000_000_000 + sent,
    sentPerfMs: sent,
    stream: true,
    t: ok ? { firstByte: ttft, firstContent: ttft, lastToken: e2e, lastByte: e2e } : { lastByte: 3 },
    chunkTimes: ok ? [ttft, e2e] : [],
    chunkTokens: [],
    content: ok ? "x" : "",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    ...(ok ? { usage: { promptTokens: 100, completionTokens: out, totalTokens: 100 + out } } : { error: { kind: "http_status" as const, status: 500, message: "boom" } }),
  };
  counter++;
  return {
    v: 1,
    id: `load/r${counter}`,
    scenario: o.scenario ?? "load",
    kind: "load",
    iteration: counter,
    newMessages: [{ role: "user", content: "p" }],
    messageCount: 1,
    params: { model: "m", maxTokens: out, stream: true },
    ...(o.intended !== undefined ? { intendedSendPerfMs: o.intended, clientLagMs: sent - o.intended } : {}),
    ...(o.slotWait !== undefined ? { slotWaitMs: o.slotWait } : {}),
    result,
  };
}

function input(records: RequestRecord[]): AnalysisInput {
  return { records, target: { url: "http://x", model: "m", simulated: true, models: [] }, server: [], reviews: {} as AnalysisInput["reviews"] };
}

/** n requests at `rate` req/s from t = 1000 ms, open loop. */
function openRecords(n: number, rate: number, f: (i: number) => Partial<RecOptions> = () => ({})): RequestRecord[] {
  return Array.from({ length: n }, (_, i) => rec({ intended: 1000 + (i * 1000) / rate, ...f(i) }));
}

describe("load analysis", () => {
  it("exports its metric names, all published, and a default threshold", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), input(openRecords(20, 10)));
    for (const m of LOAD_STAGE_METRICS) expect(r.metrics, m).toHaveProperty([m]);
    expect(Object.keys(r.metrics).sort()).toEqual([...LOAD_STAGE_METRICS].sort());
    expect(LOAD_METRICS).toEqual(expect.arrayContaining([...LOAD_STAGE_METRICS, ...LOAD_SWEEP_METRICS]));
    expect(loadScenario.defaultThresholds).toEqual(["success_rate > 99%"]);
    expect(r.verdicts.map((v) => [v.metric, v.status])).toEqual([["success_rate", "pass"]]);
  });

  it("excludes requests intended in the warm-up and cool-down windows, and says how many", () => {
    // 100 requests at 10 req/s: intended at 0 … 9.9 s after the start.
    const cfg = config({ mode: "constant", rate: 10, requests: 100, warmup_s: 2, cooldown_s: 1 });
    // The warm-up requests are slow: they must not reach the figures.
    const recs = openRecords(100, 10, (i) => (i < 20 ? { ttft: 5000, e2e: 6000 } : {}));
    const r = analyzeLoad(cfg, input(recs));
    // Warm-up: offsets 0 … 1.9 s (20). Cool-down: offsets > 9.9 − 1 = 8.9 s → 9.0 … 9.9 s (10).
    expect(r.detail.exclusions).toEqual({ rampUpS: 0, warmupS: 2, cooldownS: 1, rampUp: 0, warmup: 20, cooldown: 10, measured: 70 });
    expect(r.metrics["excluded"]?.value).toBe(30);
    expect(r.metrics["ttft.max"]?.value).toBe(10);
    expect(r.metrics["ttft.p50"]?.n).toBe(70);
    expect(r.notes.join("\n")).toMatch(/30 of 100 requests excluded.*20 in the 2 s warm-up.*10 in the last 1 s.*rest on 70/);
    // Every request counts in the success rate.
    expect(r.metrics["success_rate"]?.n).toBe(100);
  });

  it("open loop: measures latency from the intended send as well as from the actual send", () => {
    // Half the requests sent 30 ms late.
    const recs = openRecords(10, 10, (i) => ({ lag: i % 2 ? 30 : 0, ttft: 10, e2e: 50 }));
    const r = analyzeLoad(config({ mode: "poisson", rate: 10 }), input(recs));
    expect(r.metrics["ttft.max"]?.value).toBe(10);
    expect(r.metrics["ttft_from_intended.max"]?.value).toBe(40);
    expect(r.metrics["ttft_from_intended.min"]?.value).toBe(10);
    expect(r.metrics["e2e_from_intended.max"]?.value).toBe(80);
    expect(r.metrics["e2e.max"]?.value).toBe(50);
    expect(r.metrics["client_lag.max"]?.value).toBe(30);
    expect(r.metrics["late_sends"]?.value).toBe(5);
  });

  it("closed loop: no intended-send figures, no client lag, no rate error", () => {
    const recs = Array.from({ length: 10 }, (_, i) => rec({ sent: 1000 + i * 50 }));
    const r = analyzeLoad(config({ mode: "closed", concurrency: 2 }), input(recs));
    expect(r.metrics["ttft_from_intended.p99"]).toEqual({ value: undefined, n: 0, unit: "ms" });
    expect(r.metrics["client_lag.p99"]?.n).toBe(0);
    expect(r.metrics["client_limited"]?.value).toBeUndefined();
    expect(r.metrics["rate_error"]?.value).toBeUndefined();
    expect(r.metrics["achieved_rate"]?.value).toBeCloseTo(20, 9);
  });

  it("achieved send rate, rate error, throughput and output tok/s", () => {
    // 11 sends 100 ms apart (10 req/s), the last one sent at 2000 and ending at 2050.
    const recs = openRecords(11, 10, () => ({ out: 6 }));
    const r = analyzeLoad(config({ mode: "constant", rate: 12.5 }), input(recs));
    expect(r.metrics["achieved_rate"]?.value).toBeCloseTo(10, 9);
    expect(r.metrics["rate_error"]?.value).toBeCloseTo(10 / 12.5 - 1, 9);
    // Busy span: first send 1000 → last end 2050 = 1.05 s.
    expect(r.detail.busySpanMs).toBe(1050);
    expect(r.metrics["throughput"]?.value).toBeCloseTo(11 / 1.05, 9);
    expect(r.metrics["output_tps_total"]?.value).toBeCloseTo(66 / 1.05, 9);
  });

  it("goodput: requests that succeeded and met every SLO, per second of the busy span, and their fraction", () => {
    // 10 requests 100 ms apart; e2e 50, tokens 5 → TPOT (50 − ttft)/4.
    const recs = openRecords(10, 10, (i) => {
      if (i === 0) return { ttft: 300, e2e: 340 }; // misses TTFT (300 > 100) and E2E (340 > 200); TPOT 10
      if (i === 1) return { ttft: 10, e2e: 210 }; // misses TPOT (50) and E2E (210 > 200)
      if (i === 2) return { lag: 95, ttft: 10, e2e: 50 }; // misses TTFT from intended (105) only
      if (i === 3) return { ok: false };
      return { ttft: 10, e2e: 50 }; // TPOT 10: good
    });
    const r = analyzeLoad(config({ mode: "constant", rate: 10, slo: { ttft_ms: 100, tpot_ms: 20, e2e_ms: 200 } }), input(recs));
    expect(r.detail.good).toBe(6);
    expect(r.detail.misses).toEqual({ ttft_ms: 2, tpot_ms: 1, e2e_ms: 2 });
    expect(r.metrics["goodput_fraction"]?.value).toBeCloseTo(0.6, 9);
    // Busy span: first send 1000 → last end (1900 + 50) = 0.95 s.
    expect(r.metrics["goodput"]?.value).toBeCloseTo(6 / 0.95, 9);
    expect(r.metrics["success_rate"]?.value).toBeCloseTo(0.9, 9);
    expect(r.verdicts[0]).toMatchObject({ metric: "success_rate", status: "fail" });
  });

  it("goodput is not measured without an SLO", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), input(openRecords(5, 10)));
    expect(r.metrics["goodput"]).toEqual({ value: undefined, n: 0, unit: "req/s" });
    expect(r.notes.join("\n")).toMatch(/No SLO set/);
  });

  it("flags the percentiles as holding the client's delays when its own lateness is frequent beyond chance and large beside the latency", () => {
    // 10 % of the sends 25 ms late by the client's own doing, beside a 10 ms TTFT.
    const lagging = openRecords(100, 100, (i) => ({ lag: i >= 90 ? 25 : 0.2 }));
    const r = analyzeLoad(config({ mode: "constant", rate: 100, max_client_lag_ms: 10 }), input(lagging));
    expect(r.metrics["client_limited"]?.value).toBe(1);
    expect(r.detail.clientLimited).toBe(true);
    expect(r.detail.clientLimit).toMatchObject({ sends: 100, late: 10, frequent: true, material: true });
    expect(r.notes.join("\n")).toMatch(/CLIENT-LIMITED: 10 of 100 sends .*left more than max_client_lag_ms \(10\.0 ms\) late by the client's own doing/);
    expect(r.notes.join("\n")).toMatch(/add workers/);
    expect(r.headline).toMatch(/CLIENT-LIMITED/);
    expect(renderLoadSection(r)).toMatch(/Client-limited: the client's own lateness is in these percentiles/);

    const fine = analyzeLoad(config({ mode: "constant", rate: 100, max_client_lag_ms: 10 }), input(openRecords(100, 100, () => ({ lag: 0.2 }))));
    expect(fine.metrics["client_limited"]?.value).toBe(0);
    expect(fine.notes.join("\n")).not.toMatch(/CLIENT-LIMITED/);
    expect(renderLoadSection(fine)).not.toMatch(/Client-limited/);
  });

  it("tells slot waits (concurrency cap reached: the server's slowness) from the client's own lateness, and does not call them the client's", () => {
    const recs = openRecords(100, 100, (i) => (i >= 50 ? { lag: 40, slotWait: 39.5 } : { lag: 0.1 }));
    const r = analyzeLoad(config({ mode: "constant", rate: 100, concurrency: 4 }), input(recs));
    expect(r.metrics["client_limited"]?.value).toBe(0);
    expect(r.metrics["slot_waits"]?.value).toBe(50);
    expect(r.metrics["slot_wait.p99"]?.value).toBeCloseTo(39.5, 9);
    expect(r.detail.dispatchLag?.p99).toBeCloseTo(0.5, 9);
    // The waits did not pile up (completions kept pace with the arrivals): the cap was reached in bursts.
    expect(r.metrics["saturated"]?.value).toBe(0);
    const notes = r.notes.join("\n");
    expect(notes).toMatch(/50 of 100 sends waited for one of the 4 in-flight slots.*reached in bursts.*raise concurrency/);
    expect(notes).not.toMatch(/CLIENT-LIMITED/);
  });

  it("counts planned requests not sent (stopped run, or duration_s)", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10, requests: 50 }), input(openRecords(20, 10)));
    expect(r.metrics["not_sent"]?.value).toBe(30);
    // duration_s 2 at 10 req/s: 20 planned (offsets 0 … 1.9 s), all sent.
    const d = analyzeLoad(config({ mode: "constant", rate: 10, requests: 50, duration_s: 2 }), input(openRecords(20, 10)));
    expect(d.detail.planned).toBe(20);
    expect(d.metrics["not_sent"]?.value).toBe(0);
  });

  it("only reads its own scenario's records, and renders a section", () => {
    const recs = [...openRecords(5, 10), rec({ intended: 0, scenario: "other", ok: false })];
    const r = analyzeLoad(config({ mode: "gamma", rate: 10, burstiness: 0.5, slo: { ttft_ms: 100 } }), input(recs));
    expect(r.requests).toEqual({ total: 5, ok: 5, failed: 0 });
    const md = renderLoadSection(r);
    expect(md).toContain("open loop, gamma (burstiness 0.5)");
    expect(md).toContain("TTFT from intended send");
    expect(md).toContain("### Client lag");
    expect(md).toMatch(/Goodput: \*\*[\d.]+ req\/s\*\* — 5 of 5 measured requests/);
  });
});

describe("load ramp-up and sweep analysis", () => {
  it("excludes the ramp-up, then the warm-up after it", () => {
    const cfg = config({ mode: "constant", rate: 10, requests: 100, ramp_up_s: 3, warmup_s: 1 });
    const recs = openRecords(100, 10, (i) => (i < 40 ? { ttft: 900 } : {}));
    const r = analyzeLoad(cfg, input(recs));
    expect(r.detail.exclusions).toMatchObject({ rampUp: 30, warmup: 10, cooldown: 0, measured: 60 });
    expect(r.metrics["ttft.max"]?.value).toBe(10);
    expect(r.notes.join("\n")).toMatch(/40 of 100 requests excluded from the figures: 30 sent during the 3 s ramp-up, 10 in the 1 s warm-up/);
  });

  it("sweep rates lie evenly spaced strictly between the synchronous rate and the maximum", () => {
    expect(sweepRates(2, 12, 4)).toEqual([4, 6, 8, 10]);
    expect(sweepRates(5, 5, 3)).toEqual([]);
    expect(sweepRates(5, 4, 3)).toEqual([]);
  });

  it("a sweep analyses each stage under the config it ran with and sums them up", () => {
    const stage = (name: string, mode: "closed" | "constant", concurrency: number, rate?: number) => ({ name, mode, concurrency, ...(rate ? { rate } : {}) });
    // synchronous: 10 requests back to back, 100 ms each → 10 req/s completed.
    const sync = Array.from({ length: 10 }, (_, i) => ({ ...rec({ sent: i * 100, ttft: 10, e2e: 100 }), stage: stage("synchronous", "closed", 1) }));
    // throughput: 4 in flight, each 100 ms, 10 waves from t = 2000 → 40 req/s.
    const thr = Array.from({ length: 40 }, (_, i) => ({ ...rec({ sent: 2000 + Math.floor(i / 4) * 100, ttft: 20, e2e: 100 }), stage: stage("throughput", "closed", 4) }));
    // one open-loop stage at 25 req/s, sent on time except the last, 30 ms late.
    const mid = Array.from({ length: 25 }, (_, i) => ({
      ...rec({ intended: 5000 + i * 40, lag: i === 24 ? 30 : 0, ttft: 15, e2e: 100 }),
      stage: stage("rate-1", "constant", 1024, 25),
    }));
    const cfg = config({ mode: "sweep", requests: 10, sweep: { rates: 1, max_concurrency: 4 }, slo: { ttft_ms: 18 } });
    const r = analyzeAny(cfg, input([...sync, ...thr, ...mid]));
    expect(r.detail.sweep).toBe(true);
    const d = r.detail as LoadSweepDetail;
    expect(d.stages.map((s) => s.stage.name)).toEqual(["synchronous", "throughput", "rate-1"]);
    expect(d.syncRate).toBeCloseTo(10, 6);
    expect(d.maxThroughput).toBeCloseTo(40, 6);
    expect(r.metrics["sync_rate"]?.value).toBeCloseTo(10, 6);
    expect(r.metrics["max_throughput"]?.value).toBeCloseTo(40, 6);
    // The open stage is analysed as open loop at its own rate: rate error from its own target.
    const rateStage = d.stages[2]!.result;
    expect(rateStage.detail.open).toBe(true);
    expect(rateStage.detail.targetRate).toBe(25);
    expect(rateStage.detail.latency.ttftFromIntended?.max).toBe(45);
    // Goodput: TTFT ≤ 18 ms; synchronous all meet it, throughput none, rate-1 24 of 25.
    expect(rateStage.detail.good).toBe(24);
    expect(d.stages[1]!.result.detail.good).toBe(0);
    // Best goodput: rate-1's 24 good requests over its busy span (5 000 → 5 990 + 100 ms).
    expect(d.maxGoodput?.stage).toBe("rate-1");
    expect(d.maxGoodput?.value).toBeCloseTo((24 * 1000) / 1090, 6);
    expect(Object.keys(r.metrics).sort()).toEqual([...LOAD_SWEEP_METRICS].sort());
    expect(r.metrics["stages"]?.value).toBe(3);
    expect(r.requests.total).toBe(75);
    expect(r.headline).toMatch(/swept from 10\.0 req\/s \(synchronous\) to 40\.0 req\/s \(maximum throughput\) with 1 rate stage/);
    const md = renderLoadSection(r);
    expect(md).toContain("### Sweep");
    // Each stage row says how many requests its figures rest on.
    expect(md).toMatch(/\| rate-1 \| constant 25\.00 req\/s \| 25 \|/);
    expect(md).toMatch(/\| throughput \| 4 in flight \| 40 \|/);
    // Its last send was 30 ms late: one send of 25 is no evidence that the client is the cause (p99 above 10 ms no longer flags it).
    expect(r.metrics["client_limited"]?.value).toBe(0);
    expect(md).toMatch(/\| rate-1 \| 0\.0 ms \| [\d.]+ ms \| 0\.0 ms \| 1 of 25 \| 0 \|/);
    expect(md).toContain("#### Latency by stage");
    expect(md).toContain("#### Client by stage");
  });
});

describe("load analysis against the client's calibration", () => {
  const summary = (p99: number) => ({ n: 100, mean: p99 / 2, std: 0, min: 0, max: p99, p50: p99 / 2, p90: p99, p95: p99, p99 });
  const calibration = (p99: number, chunksPerSec: number, limitedBy: "client" | "server" = "client") => ({
    concurrency: 4,
    inputTokens: 256,
    outputTokens: 5,
    clientAddedTtftMs: summary(p99),
    // The open-loop stage below has about 1 in flight: calibrated at 1 and 4.
    levels: [
      { concurrency: 1, clientAddedTtftMs: summary(p99), failed: 0 },
      { concurrency: 4, clientAddedTtftMs: summary(p99 * 2), failed: 0 },
    ],
    capacity: { concurrency: 64, chunksPerSec, requestsPerSec: 100, clientCpu: 0.95, limitedBy },
    failed: 0,
    durationMs: 5000,
  });
  const withCal = (cal: unknown): AnalysisInput => ({ ...input(openRecords(20, 10)), attachments: { load: { calibration: cal } } });

  it("says nothing when the run stays well within the noise floor and capacity, and shows the calibration", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), withCal(calibration(0.2, 1_000_000)));
    expect(r.detail.calibration?.beyond).toBe(false);
    expect(r.detail.calibration?.floorShare).toBeCloseTo(0.02, 9); // 0.2 ms of a 10 ms TTFT median
    expect(r.notes.join("\n")).not.toMatch(/CAPACITY|client adds/);
    const md = renderLoadSection(r);
    expect(md).toContain("### Client calibration");
    expect(md).toMatch(/Client-added TTFT at 1 in flight/);
    expect(md).toMatch(/Client-added TTFT at 4 in flight/);
    expect(md).toMatch(/Client-added TTFT at the run's 1 in flight \| p99 0\.2 ms \(at 1\)/);
  });

  it("warns when the TTFT noise floor is a tenth of the TTFT measured or more", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), withCal(calibration(2, 1_000_000)));
    expect(r.detail.calibration?.beyond).toBe(true);
    expect(r.notes.join("\n")).toMatch(/The client adds up to 2\.0 ms to a TTFT at p99 at 1 in flight \(calibrated at 1 in flight\), 20\.0 % of the TTFT median/);
  });

  it("warns when the run took in more than half the chunks/s the client sustained (a lower bound when the simulator limited it)", () => {
    // 20 requests of 2 chunks over a 1.95 s busy span: ~20.5 chunks/s.
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), withCal(calibration(0.1, 30, "server")));
    expect(r.detail.chunksPerSec).toBeCloseTo(40 / 1.95, 6);
    expect(r.detail.calibration?.capacityShare).toBeCloseTo(40 / 1.95 / 30, 6);
    expect(r.notes.join("\n")).toMatch(/NEAR THE CLIENT'S CAPACITY.*a lower bound: the server/);
    expect(renderLoadSection(r)).toContain("≥ 30 chunks/s");
  });

  it("a failed calibration is said, not hidden", () => {
    const r = analyzeLoad(config({ mode: "constant", rate: 10 }), withCal({ error: "fork failed" }));
    expect(r.notes.join("\n")).toMatch(/Client calibration failed \(fork failed\)/);
    expect(renderLoadSection(r)).toContain("Calibration failed: fork failed");
  });
});

describe("load analysis at scale", () => {
  it("analyses 200 000 records (no spread of huge arrays into Math.min/max)", () => {
    const recs = openRecords(200_000, 1000);
    const r = analyzeLoad(config({ mode: "constant", rate: 1000, requests: 200_000 }), input(recs));
    expect(r.requests.total).toBe(200_000);
    expect(r.metrics["achieved_rate"]?.value).toBeCloseTo(1000, 6);
  });
});
