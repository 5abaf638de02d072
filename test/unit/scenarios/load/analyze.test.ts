import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../../src/client/types.js";
import { loadScenarioSchema, type LoadScenarioConfig } from "../../../../src/config/schema.js";
import { analyzeLoad, LOAD_METRICS } from "../../../../src/scenarios/load/analyze.js";
import { loadScenario } from "../../../../src/scenarios/load/index.js";
import type { AnalysisInput } from "../../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../../src/store/records.js";
import { renderLoadSection } from "../../../../src/report/load.js";

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
    for (const m of LOAD_METRICS) expect(r.metrics, m).toHaveProperty([m]);
    expect(Object.keys(r.metrics).sort()).toEqual([...LOAD_METRICS].sort());
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
    expect(r.detail.exclusions).toEqual({ warmupS: 2, cooldownS: 1, warmup: 20, cooldown: 10, measured: 70 });
    expect(r.metrics["excluded"]?.value).toBe(30);
    expect(r.metrics["ttft.max"]?.value).toBe(10);
    expect(r.metrics["ttft.p50"]?.n).toBe(70);
    expect(r.notes.join("\n")).toMatch(/30 of 100 requests excluded.*20 sent in the first 2 s.*10 in the last 1 s.*rest on 70/);
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

  it("flags the percentiles as not the server's when p99 client lag passes max_client_lag_ms", () => {
    const lagging = openRecords(100, 100, (i) => ({ lag: i >= 90 ? 25 : 0.2 }));
    const r = analyzeLoad(config({ mode: "constant", rate: 100, max_client_lag_ms: 10 }), input(lagging));
    expect(r.metrics["client_limited"]?.value).toBe(1);
    expect(r.detail.clientLimited).toBe(true);
    expect(r.notes.join("\n")).toMatch(/CLIENT-LIMITED: p99 client lag 25\.0 ms > max_client_lag_ms 10 ms.*not the server's/);
    expect(r.notes.join("\n")).toMatch(/dispatcher itself sent late/);
    expect(r.headline).toMatch(/CLIENT-LIMITED/);
    expect(renderLoadSection(r)).toMatch(/Client-limited: these latency percentiles are not the server's/);

    const fine = analyzeLoad(config({ mode: "constant", rate: 100, max_client_lag_ms: 10 }), input(openRecords(100, 100, () => ({ lag: 0.2 }))));
    expect(fine.metrics["client_limited"]?.value).toBe(0);
    expect(fine.notes.join("\n")).not.toMatch(/CLIENT-LIMITED/);
    expect(renderLoadSection(fine)).not.toMatch(/Client-limited/);
  });

  it("tells slot waits (concurrency cap reached) from the dispatcher's own lateness", () => {
    const recs = openRecords(100, 100, (i) => (i >= 50 ? { lag: 40, slotWait: 39.5 } : { lag: 0.1 }));
    const r = analyzeLoad(config({ mode: "constant", rate: 100, concurrency: 4 }), input(recs));
    expect(r.metrics["client_limited"]?.value).toBe(1);
    expect(r.metrics["slot_waits"]?.value).toBe(50);
    expect(r.metrics["slot_wait.p99"]?.value).toBeCloseTo(39.5, 9);
    expect(r.detail.dispatchLag?.p99).toBeCloseTo(0.5, 9);
    const notes = r.notes.join("\n");
    expect(notes).toMatch(/50 of 100 sends waited for a concurrency slot.*raise concurrency or lower the rate/);
    expect(notes).not.toMatch(/dispatcher itself sent late/);
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

describe("load analysis at scale", () => {
  it("analyses 200 000 records (no spread of huge arrays into Math.min/max)", () => {
    const recs = openRecords(200_000, 1000);
    const r = analyzeLoad(config({ mode: "constant", rate: 1000, requests: 200_000 }), input(recs));
    expect(r.requests.total).toBe(200_000);
    expect(r.metrics["achieved_rate"]?.value).toBeCloseTo(1000, 6);
  });
});
