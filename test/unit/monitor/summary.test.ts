import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diffHistogram, histogramQuantile, readScenarioSpan, summarizeHistogramMs, summarizeScenarioWindow, summarizeWindow } from "../../../src/monitor/summary.js";
import type { ServerSnapshot } from "../../../src/monitor/types.js";
import { failed, histogramOf, snap } from "./helpers.js";

const BOUNDS = [0.1, 0.2, 0.5, 1];

describe("summarizeWindow: counters", () => {
  // polls a second apart
  const timeline: ServerSnapshot[] = [
    snap(0, { prefixCacheQueries: 100, prefixCacheHits: 50, promptTokens: 1000, generationTokens: 10, requestsRunning: 0 }),
    snap(1000, { prefixCacheQueries: 150, prefixCacheHits: 60, promptTokens: 1100, generationTokens: 20, requestsRunning: 4 }),
    snap(2000, { prefixCacheQueries: 300, prefixCacheHits: 170, promptTokens: 1300, generationTokens: 40, requestsRunning: 2 }),
    snap(3000, { prefixCacheQueries: 400, prefixCacheHits: 250, promptTokens: 1400, generationTokens: 60, requestsRunning: 0 }),
  ];

  it("\"around\": diffs between the last snapshot at/before `from` and the first at/after `to`, and says what it takes in", () => {
    const s = summarizeWindow(timeline, 500, 2500, { bounds: "around" })!;
    expect(s.deltaSpan).toEqual({ from: 0, to: 3000 });
    expect(s.bounds).toBe("around");
    expect(s.edges).toEqual({ start: "outside", end: "outside" });
    expect(s.deltas).toEqual({ prefixCacheQueries: 300, prefixCacheHits: 200, promptTokens: 400, generationTokens: 50 });
    expect(s.prefixCacheHitRate).toBeCloseTo(200 / 300, 12);
    expect(s.prefixCacheHitRateBasis).toBe("hits/queries");
    expect(s.samples).toBe(2);
    expect(s.notes).toEqual([
      "no snapshot at the window start: deltas start at the last snapshot before it, 500 ms early (traffic before the window is counted)",
      "no snapshot at the window end: deltas end at the first snapshot after it, 500 ms late (traffic after the window is counted)",
    ]);
  });

  it("\"inside\" (the default), without snapshots at the edges: the first and last snapshots inside, never traffic outside", () => {
    const s = summarizeWindow(timeline, 500, 2500)!;
    expect(s.bounds).toBe("inside");
    expect(s.deltaSpan).toEqual({ from: 1000, to: 2000 });
    expect(s.edges).toEqual({ start: "inside", end: "inside" });
    expect(s.deltas.prefixCacheQueries).toBe(150);
    expect(s.notes).toEqual([
      "no snapshot at the window start: deltas start at the first snapshot inside it, 500 ms late (the window's requests before it are not counted)",
      "no snapshot at the window end: deltas end at the last snapshot inside it, 500 ms early (the window's requests after it are not counted)",
    ]);
  });

  it("uses snapshots exactly at the window bounds, whichever the bounds", () => {
    for (const bounds of ["inside", "around"] as const) {
      const s = summarizeWindow(timeline, 1000, 2000, { bounds })!;
      expect(s.deltaSpan).toEqual({ from: 1000, to: 2000 });
      expect(s.edges).toEqual({ start: "at", end: "at" });
      expect(s.deltas.prefixCacheQueries).toBe(150);
      expect(s.samples).toBe(2);
      expect(s.notes).toBeUndefined();
    }
  });

  it("does not depend on input order", () => {
    expect(summarizeWindow([...timeline].reverse(), 500, 2500)).toEqual(summarizeWindow(timeline, 500, 2500));
    expect(summarizeWindow([...timeline].reverse(), 500, 2500, { bounds: "around" })).toEqual(summarizeWindow(timeline, 500, 2500, { bounds: "around" }));
  });

  it("skips failed scrapes", () => {
    const withFailures = [failed(0), ...timeline.slice(1, 3), failed(3000), failed(3100)];
    const s = summarizeWindow(withFailures, 500, 2500, { bounds: "around" })!;
    // no good snapshot at/before 500 nor at/after 2500: the first and last good ones, with notes
    expect(s.deltaSpan).toEqual({ from: 1000, to: 2000 });
    expect(s.deltas.prefixCacheQueries).toBe(150);
    expect(s.notes).toEqual([
      "no snapshot at the window start: deltas start at the first snapshot inside it, 500 ms late (the window's requests before it are not counted)",
      "no snapshot at the window end: deltas end at the last snapshot inside it, 500 ms early (the window's requests after it are not counted)",
    ]);
  });

  it("leaves the delta of a counter that went down undefined (restart) and says so", () => {
    const restarted = [
      snap(0, { promptTokens: 1000, generationTokens: 10 }),
      snap(100, { promptTokens: 20, generationTokens: 15 }),
      snap(200, { promptTokens: 1500, generationTokens: 30 }),
    ];
    const s = summarizeWindow(restarted, 0, 200)!;
    expect(s.deltas.promptTokens).toBeUndefined();
    expect(s.deltas.generationTokens).toBe(20);
    expect(s.resetCounters).toEqual(["promptTokens"]);
    expect(s.notes?.[0]).toMatch(/promptTokens went down inside the window/);
  });

  it("gives no deltas when one snapshot covers the window", () => {
    const s = summarizeWindow([snap(10, { promptTokens: 5, requestsRunning: 3 })], 0, 100)!;
    expect(s.deltas).toEqual({});
    expect(s.deltaSpan).toBeUndefined();
    expect(s.gauges.requestsRunning).toEqual({ mean: 3, max: 3 });
    expect(s.notes).toContain("a single usable snapshot covers the window: no counter deltas");
  });

  it("is undefined when no scrape succeeded", () => {
    expect(summarizeWindow([], 0, 1)).toBeUndefined();
    expect(summarizeWindow([failed(0), failed(10)], 0, 10)).toBeUndefined();
  });

  it("survives a JSON round trip of the timeline (server-metrics.jsonl)", () => {
    const withHist = timeline.map((s, i) => ({ ...s, values: { ...s.values!, ttft: histogramOf(BOUNDS, Array(i * 3).fill(0.15)) } }));
    const back = JSON.parse(JSON.stringify(withHist)) as ServerSnapshot[];
    expect(summarizeWindow(back, 500, 2500)).toEqual(summarizeWindow(withHist, 500, 2500));
  });

  it("delta = last − first for any increasing counter (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 2, maxLength: 30 }), (increments) => {
        let v = 0;
        const tl = increments.map((inc, i) => snap(i * 10, { promptTokens: (v += inc) }));
        const s = summarizeWindow(tl, 0, (increments.length - 1) * 10)!;
        expect(s.deltas.promptTokens).toBe(v - increments[0]!);
      }),
    );
  });
});

describe("summarizeWindow: gauges", () => {
  it("averages and maxes only the snapshots inside [from, to]", () => {
    const s = summarizeWindow(
      [
        snap(0, { requestsRunning: 100, kvCacheUsage: 0.9 }),
        snap(10, { requestsRunning: 2, requestsWaiting: 0, kvCacheUsage: 0.2 }),
        snap(20, { requestsRunning: 4, requestsWaiting: 3, kvCacheUsage: 0.4 }),
        { t: 25, epochMs: 0, error: "HTTP 500" },
        snap(30, { requestsRunning: 6, kvCacheUsage: 0.6 }),
        snap(40, { requestsRunning: 100 }),
      ],
      10,
      30,
    )!;
    expect(s.samples).toBe(3);
    expect(s.gauges.requestsRunning).toEqual({ mean: 4, max: 6 });
    expect(s.gauges.requestsWaiting).toEqual({ mean: 1.5, max: 3 });
    expect(s.gauges.kvCacheUsage?.mean).toBeCloseTo(0.4, 12);
    expect(s.gauges.kvCacheUsage?.max).toBe(0.6);
  });
});

describe("summarizeWindow: hit rate by server", () => {
  it("llama.cpp: Δcached / (Δcached + Δcomputed), its prompt counter excluding cached tokens", () => {
    const s = summarizeWindow(
      [
        snap(0, { server: "llamacpp", promptTokens: 4912, promptTokensCached: 5674 }),
        snap(10, { server: "llamacpp", promptTokens: 5012, promptTokensCached: 5974 }),
      ],
      0,
      10,
    )!;
    expect(s.server).toBe("llamacpp");
    expect(s.prefixCacheHitRate).toBe(300 / 400);
    expect(s.prefixCacheHitRateBasis).toBe("cached/(cached+computed)");
  });

  it("SGLang: Δcached / Δprompt (its prompt counter includes cached tokens)", () => {
    const s = summarizeWindow(
      [snap(0, { server: "sglang", promptTokens: 1000, promptTokensCached: 100 }), snap(10, { server: "sglang", promptTokens: 1400, promptTokensCached: 400 })],
      0,
      10,
    )!;
    expect(s.prefixCacheHitRate).toBe(300 / 400);
    expect(s.prefixCacheHitRateBasis).toBe("cached/prompt");
  });

  it("no lookup in the window: no rate", () => {
    const s = summarizeWindow([snap(0, { prefixCacheQueries: 5, prefixCacheHits: 5 }), snap(10, { prefixCacheQueries: 5, prefixCacheHits: 5 })], 0, 10)!;
    expect(s.deltas.prefixCacheQueries).toBe(0);
    expect(s.prefixCacheHitRate).toBeUndefined();
  });

  it("takes prefixCachingEnabled from the latest snapshot of the span", () => {
    const s = summarizeWindow([snap(0, { prefixCachingEnabled: false }), snap(10, { prefixCachingEnabled: true })], 0, 10)!;
    expect(s.prefixCachingEnabled).toBe(true);
  });
});

describe("histograms", () => {
  // Δ observations: 4 in (0, 0.1], 4 in (0.1, 0.2], 2 in (0.2, 0.5]
  const before = [0.05, 0.3, 0.7];
  const added = [0.02, 0.04, 0.06, 0.08, 0.12, 0.14, 0.16, 0.18, 0.3, 0.4];

  it("diffs bucket by bucket and interpolates quantiles inside buckets, in ms", () => {
    const s = summarizeWindow(
      [snap(0, { ttft: histogramOf(BOUNDS, before) }), snap(10, { ttft: histogramOf(BOUNDS, [...before, ...added]) })],
      0,
      10,
    )!;
    const sum = added.reduce((a, b) => a + b, 0);
    expect(s.ttftMs?.n).toBe(10);
    expect(s.ttftMs?.mean).toBeCloseTo((sum / 10) * 1000, 9);
    // rank 5 in (0.1, 0.2] holding ranks 5..8: 0.1 + 0.1 · 1/4
    expect(s.ttftMs?.p50).toBeCloseTo(125, 9);
    // rank 9 in (0.2, 0.5] holding ranks 9..10: 0.2 + 0.3 · 1/2
    expect(s.ttftMs?.p90).toBeCloseTo(350, 9);
    expect(s.ttftMs?.p99).toBeCloseTo(485, 9);
  });

  it("follows histogram_quantile at the edges", () => {
    const h = histogramOf(BOUNDS, [0.05, 0.05, 3, 4]);
    // first bucket: lower bound 0
    expect(histogramQuantile(0.25, h)).toBeCloseTo(0.05, 12);
    // a rank in the +Inf bucket: the highest finite bound
    expect(histogramQuantile(0.99, h)).toBe(1);
    // a first bucket with a bound ≤ 0 (SGLang's le="0.0"): that bound
    expect(histogramQuantile(0.5, histogramOf([0, 1], [0, 0, 0.5]))).toBe(0);
    expect(histogramQuantile(0.5, { buckets: [], sum: 0, count: 3 })).toBeUndefined();
    expect(histogramQuantile(0.5, histogramOf(BOUNDS, []))).toBeUndefined();
  });

  it("quantiles grow with q and stay within the bounds (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (obs, a, b) => {
        const h = histogramOf(BOUNDS, obs);
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const qa = histogramQuantile(lo, h)!;
        const qb = histogramQuantile(hi, h)!;
        expect(qa).toBeLessThanOrEqual(qb + 1e-12);
        expect(qa).toBeGreaterThanOrEqual(0);
        expect(qb).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("refuses a histogram that went down or changed its buckets", () => {
    expect(diffHistogram(histogramOf(BOUNDS, [0.1, 0.2]), histogramOf(BOUNDS, [0.1]))).toEqual({ ok: false, reason: "reset" });
    expect(diffHistogram(histogramOf(BOUNDS, [0.1]), histogramOf([0.1, 1], [0.1, 0.2]))).toEqual({ ok: false, reason: "layout" });
    const s = summarizeWindow([snap(0, { e2e: histogramOf(BOUNDS, [0.1, 0.2]) }), snap(10, { e2e: histogramOf(BOUNDS, [0.1]) })], 0, 10)!;
    expect(s.e2eMs).toBeUndefined();
    expect(s.notes?.[0]).toMatch(/e2e histogram went down/);
  });

  it("no observation in the window: no summary", () => {
    const h = histogramOf(BOUNDS, [0.1]);
    const s = summarizeWindow([snap(0, { itl: h }), snap(10, { itl: h })], 0, 10)!;
    expect(s.itlMs).toBeUndefined();
  });
});

describe("series created inside the window", () => {
  it("count from zero (labelled series appear on first use)", () => {
    const s = summarizeWindow(
      [snap(0, { promptTokens: 10 }), snap(10, { promptTokens: 30, preemptions: 2, ttft: histogramOf(BOUNDS, [0.15, 0.15]) })],
      0,
      10,
    )!;
    expect(s.deltas).toEqual({ promptTokens: 20, preemptions: 2 });
    expect(s.ttftMs?.n).toBe(2);
  });
});

describe("summarizeHistogramMs", () => {
  it("gives no quantile that falls in the first bucket (a bound is not a quantile), and says where the observations lie", () => {
    // vLLM's queue-time buckets start at 0.3 s: seven requests that never queued long.
    const h = { buckets: [{ le: 0.3, count: 7 }, { le: 0.5, count: 7 }], sum: 0.0007, count: 7 };
    const s = summarizeHistogramMs(h)!;
    expect(s.mean).toBeCloseTo(0.1, 6);
    expect(s.p50).toBeUndefined();
    expect(s.p90).toBeUndefined();
    expect(s.p99).toBeUndefined();
    expect(s.unresolved).toEqual({ quantiles: ["p50", "p90", "p99"], firstBucket: { le: 300, count: 7 } });
  });

  it("no mean from a sum that did not move (every observation 0, or no sum recorded), instead of a fake 0.0 ms", () => {
    const s = summarizeHistogramMs({ buckets: [{ le: 0.3, count: 8 }], sum: 0, count: 8 })!;
    expect(s.n).toBe(8);
    expect(s.mean).toBeUndefined();
  });

  it("interpolates, unflagged, past the first bucket", () => {
    const h = { buckets: [{ le: 0.1, count: 0 }, { le: 0.2, count: 10 }], sum: 1.5, count: 10 };
    const s = summarizeHistogramMs(h)!;
    expect(s.p50).toBeCloseTo(150, 6);
    expect(s.unresolved).toBeUndefined();
  });

  it("leaves out a quantile above the last finite bound (histogram_quantile would give the bound itself)", () => {
    // 10 observations: 8 in (0.1, 0.2], 2 above 1 s
    const s = summarizeHistogramMs(histogramOf(BOUNDS, [...Array(8).fill(0.15), 3, 4]))!;
    expect(s.p50).toBeCloseTo(100 + 100 * (5 / 8), 6);
    expect(s.p90).toBeUndefined();
    expect(s.p99).toBeUndefined();
    expect(s.unresolved).toEqual({ quantiles: ["p90", "p99"], aboveLast: { le: 1000, count: 2 } });
  });
});

describe("issue 11 item 9: a scenario's window holds that scenario alone", () => {
  // A run as the executor takes it: polls every second; a warm-up (4 tokens) before the
  // scenario; a snapshot right before the scenario's start (then its span starts) and one
  // right after its end (its span ends first); the next scenario starts at once and has
  // generated 28 tokens by the next poll.
  const scrape = (t: number, generationTokens: number, scrapeMs = 6): ServerSnapshot => ({ ...snap(t, { generationTokens }), scrapeMs });
  const timeline: ServerSnapshot[] = [
    scrape(0, 0), // poll, before the warm-up
    scrape(150, 4), // the scenario's start snapshot (after the warm-up)
    scrape(1000, 250),
    scrape(2000, 500),
    scrape(3000, 750),
    scrape(4000, 1000),
    scrape(4510, 1000), // the scenario's end snapshot; the next scenario starts right after
    scrape(5000, 1028), // poll: the next scenario's first tokens
  ];
  const span = { startEpochMs: 1_700_000_000_156, startPerfMs: 156.5, endEpochMs: 1_700_000_004_509, endPerfMs: 4509.8 };
  // first send to last byte of the scenario's requests
  const requests = { start: 160, end: 4505 };

  it("diffs between the scenario's own start and end snapshots: the warm-up and the next scenario are not counted", () => {
    const s = summarizeScenarioWindow(timeline, span, requests)!;
    expect(s.deltaSpan).toEqual({ from: 150, to: 4510 });
    expect(s.edges).toEqual({ start: "at", end: "at" });
    expect(s.deltas.generationTokens).toBe(996);
    expect(s.notes).toBeUndefined();
  });

  it("before: the nearest polls around the requests took in the warm-up and the neighbour (+3.2 % here)", () => {
    const polls = timeline.filter((x) => x.t !== 150 && x.t !== 4510);
    const s = summarizeWindow(polls, requests.start, requests.end, { bounds: "around" })!;
    expect(s.deltas.generationTokens).toBe(1028);
    expect(s.notes?.join(" ")).toMatch(/traffic before the window is counted.*traffic after the window is counted/);
    // now: the polls inside the scenario, and notes that say what is left out
    const inside = summarizeScenarioWindow(polls, span, requests)!;
    expect(inside.deltaSpan).toEqual({ from: 1000, to: 4000 });
    expect(inside.deltas.generationTokens).toBe(750);
    expect(inside.notes).toHaveLength(2);
  });

  it("the boundary snapshots are found whichever side of the span's edges they were taken on", () => {
    // snapshots taken just inside the span (span started before the scrape, ended after it)
    const s = summarizeScenarioWindow(timeline, { startPerfMs: 149, endPerfMs: 4520 }, requests)!;
    expect(s.deltaSpan).toEqual({ from: 150, to: 4510 });
    expect(s.edges).toEqual({ start: "at", end: "at" });
  });

  it("an end snapshot that waited for a slow scrape in flight at the end is still the end's own", () => {
    const slow: ServerSnapshot[] = [scrape(0, 0), scrape(100, 10, 400), { ...scrape(4400, 900), scrapeMs: 400 }, scrape(4790, 1000), scrape(5000, 1028)];
    // the poll at 4400 was in flight until 4800; the end snapshot asked at 4500 was sent at 4790
    const s = summarizeScenarioWindow(slow, { startPerfMs: 500, endPerfMs: 4500 })!;
    expect(s.deltaSpan).toEqual({ from: 100, to: 4790 });
    expect(s.edges).toEqual({ start: "at", end: "at" });
    expect(s.deltas.generationTokens).toBe(990);
  });

  it("without a recorded span (older run folders), around the requests' span, and says so", () => {
    const s = summarizeScenarioWindow(timeline, undefined, requests)!;
    expect(s.bounds).toBe("around");
    expect(s.deltaSpan).toEqual({ from: 150, to: 4510 });
    expect(s.notes?.at(-1)).toMatch(/no span recorded for this scenario/);
    expect(summarizeScenarioWindow(timeline, { startPerfMs: "x" }, undefined)).toBeUndefined();
    expect(readScenarioSpan({ startPerfMs: 5, endPerfMs: 1 })).toBeUndefined();
    expect(readScenarioSpan(span)).toEqual(span);
  });
});
