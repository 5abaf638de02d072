import { describe, expect, it } from "vitest";
import { renderServerMetricsSection } from "../../../src/report/server-metrics.js";
import { summarizeWindow } from "../../../src/monitor/summary.js";
import type { ServerWindowSummary } from "../../../src/monitor/types.js";
import { histogramOf, snap } from "./helpers.js";

const BOUNDS = [0.01, 0.02, 0.05, 0.1, 0.25];

function vllmSummary(): ServerWindowSummary {
  return summarizeWindow(
    [
      snap(0, {
        prefixCacheQueries: 1000,
        prefixCacheHits: 200,
        promptTokens: 1000,
        generationTokens: 50,
        preemptions: 0,
        requestsSucceeded: 3,
        ttft: histogramOf(BOUNDS, [0.03]),
        prefixCachingEnabled: true,
      }),
      snap(500, { requestsRunning: 2, requestsWaiting: 1, kvCacheUsage: 0.25 }),
      snap(1000, {
        prefixCacheQueries: 13_345,
        prefixCacheHits: 9200,
        promptTokens: 13_345,
        generationTokens: 1250,
        preemptions: 1,
        requestsSucceeded: 13,
        requestsRunning: 4,
        requestsWaiting: 0,
        kvCacheUsage: 0.5,
        ttft: histogramOf(BOUNDS, [0.03, 0.015, 0.018, 0.04, 0.06, 0.012, 0.019, 0.03, 0.02, 0.022, 0.017]),
      }),
    ],
    0,
    1000,
  )!;
}

describe("renderServerMetricsSection", () => {
  it("renders counters, hit rate, gauges, histograms and the client-vs-server TTFT gap", () => {
    const md = renderServerMetricsSection(vllmSummary(), { ttftMs: { mean: 31.4, p50: 28, p90: 55, n: 10 } });
    expect(md.startsWith("### Server metrics (vLLM, from its /metrics)\n")).toBe(true);
    expect(md).not.toMatch(/^#{1,2} /m);
    expect(md).not.toMatch(/^#{4,} /m);
    expect(md).toContain("| Prompt tokens | 12,345 |");
    expect(md).toContain("| Generation tokens | 1,200 |");
    expect(md).toContain("| Prefix cache hits (tokens) | 9,000 |");
    expect(md).toContain("| Prefix cache hit rate | 72.9 % (Δhits / Δqueries over this window) |");
    expect(md).toContain("never the server's logged rolling rate");
    expect(md).toContain("| Preemptions | 1 |");
    expect(md).toContain("| Requests running | 3.0 | 4 |");
    expect(md).toContain("| KV cache usage | 37.5 % | 50.0 % |");
    expect(md).toContain("Prefix caching: on");
    expect(md).toMatch(/\| TTFT \| 10 \| /);
    expect(md).toMatch(/\| Mean \| 31\.4 ms \| \d+\.\d ms \| [+−]\d+\.\d ms \|/);
    expect(md).toContain("network + client + HTTP framing overhead; vLLM measures TTFT from request arrival in its frontend");
  });

  it("says 'not exposed' for what the server does not expose, and renders llama.cpp's hit rate", () => {
    const s = summarizeWindow(
      [snap(0, { server: "llamacpp", promptTokens: 100, promptTokensCached: 0, generationTokens: 5 }), snap(10, { server: "llamacpp", promptTokens: 150, promptTokensCached: 150, generationTokens: 25 })],
      0,
      10,
    )!;
    const md = renderServerMetricsSection(s, { ttftMs: { mean: 12, n: 2 } });
    expect(md).toContain("### Server metrics (llama.cpp (llama-server), from its /metrics)");
    expect(md).toContain("| Prompt tokens reused from the cache | 150 |");
    expect(md).toContain("| Prefix cache hit rate | 75.0 % (Δcached / (Δcached + Δcomputed prompt tokens) over this window) |");
    expect(md).toContain("| Preemptions | not exposed |");
    expect(md).toContain("| KV cache usage | not exposed | not exposed |");
    expect(md).toContain("| Mean | 12.0 ms | not exposed | — |");
    expect(md).not.toContain("Prefix cache queries");
  });

  it("names a counter reset instead of printing a wrong number, and lists the notes", () => {
    const s = summarizeWindow([snap(0, { promptTokens: 500 }), snap(5, { promptTokens: 10 }), snap(10, { promptTokens: 40 })], 0, 10)!;
    const md = renderServerMetricsSection(s);
    expect(md).toContain("| Prompt tokens | not computed (counter went down: server restart?) |");
    expect(md).toContain("Notes:\n- promptTokens went down inside the window");
    expect(md).not.toContain("Client-measured");
  });

  it("copes with an almost empty summary", () => {
    const md = renderServerMetricsSection({ server: "unknown", from: 0, to: 0, samples: 0, deltas: {}, gauges: {} });
    expect(md).toContain("an unrecognised server");
    expect(md).toContain("| Prompt tokens | not computed (one snapshot) |");
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe("renderServerMetricsSection options", () => {
  it("leaves the heading to the caller when asked", () => {
    const md = renderServerMetricsSection(vllmSummary(), undefined, { heading: false });
    expect(md).not.toMatch(/^#/m);
    expect(md.startsWith("Scraped from vLLM over a window of 1.0 s: 3 snapshots")).toBe(true);
    expect(renderServerMetricsSection(vllmSummary(), undefined, { heading: "Server side" })).toMatch(/^### Server side\n/);
  });
});
