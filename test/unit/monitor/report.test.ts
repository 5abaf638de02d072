import { describe, expect, it } from "vitest";
import { renderServerMetricsSection } from "../../../src/report/server-metrics.js";
import { summarizeWindow } from "../../../src/monitor/summary.js";
import type { ServerWindowSummary } from "../../../src/monitor/types.js";
import { renderMarkdownReport } from "../../../src/report/markdown.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import { RESULTS_SCHEMA_VERSION, type RunResults } from "../../../src/store/run-folder.js";
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
  it("renders counters, hit rate, gauges, histograms and the client-vs-server TTFT gap over the same requests", () => {
    const md = renderServerMetricsSection(vllmSummary(), { ttftMs: { mean: 31.4, p50: 28, p90: 55, n: 10 } });
    expect(md.startsWith("### Server metrics (vLLM-style names)\n")).toBe(true);
    expect(md).not.toMatch(/^#{1,2} /m);
    expect(md).not.toMatch(/^#{4,} /m);
    expect(md).toContain("| Prompt tokens (cached ones included) | 12,345 |");
    expect(md).toContain("| Generation tokens | 1,200 |");
    expect(md).toContain("| Prefix cache hits (tokens) | 9,000 |");
    expect(md).toContain("| Prefix cache hit rate | 72.9 % (Δhits / Δqueries over this window) |");
    expect(md).toContain("never the server's logged rolling rate");
    expect(md).toContain("| Preemptions | 1 |");
    expect(md).toContain("| Requests running | 3.0 | 4 |");
    expect(md).toContain("| KV cache usage | 37.5 % | 50.0 % |");
    expect(md).toContain("Prefix caching: on");
    expect(md).toMatch(/\| TTFT \| 10 \| /);
    expect(md).toContain("| TTFT, same requests | Client-measured | Server histogram | Client − server |");
    expect(md).toMatch(/\| Mean \| 31\.4 ms \| \d+\.\d ms \| [+−]\d+\.\d ms \|/);
    expect(md).toContain("Both columns count the same 10 requests (the window is bounded by snapshots taken at its start and at its end)");
    expect(md).toContain("It is not the client's own overhead alone.");
    expect(md).not.toMatch(/network \+ client \+ HTTP framing overhead/);
  });

  it("says 'not exposed' for what the server does not expose, and renders llama.cpp's hit rate", () => {
    const s = summarizeWindow(
      [snap(0, { server: "llamacpp", promptTokens: 100, promptTokensCached: 0, generationTokens: 5 }), snap(10, { server: "llamacpp", promptTokens: 150, promptTokensCached: 150, generationTokens: 25 })],
      0,
      10,
    )!;
    const md = renderServerMetricsSection(s, { ttftMs: { mean: 12, n: 2 } });
    expect(md).toContain("### Server metrics (llama.cpp-style names)");
    // llama.cpp's prompt counter leaves the cached tokens out: the label says so, beside the reused ones
    expect(md).toContain("| Prompt tokens computed (llama.cpp's prompt_tokens_total: cached ones excluded) | 50 |");
    expect(md).toContain("| Prompt tokens reused from the cache (prompt_tokens_cached_total) | 150 |");
    expect(md).toContain("| Prompt tokens in all (computed + reused) | 200 |");
    expect(md).toContain("| Prefix cache hit rate | 75.0 % (Δcached / (Δcached + Δcomputed prompt tokens) over this window) |");
    expect(md).toContain("| Preemptions | not exposed |");
    expect(md).toContain("| KV cache usage | not exposed | not exposed |");
    expect(md).toContain("The server's /metrics have no TTFT histogram: the client's TTFT (mean 12.0 ms, n = 2) has no server-side counterpart here.");
    expect(md).not.toContain("Client-measured");
    expect(md).not.toContain("Prefix cache queries");
    // with the server's per-request timings, the comparison is there instead of "not exposed"
    const withTruth = renderServerMetricsSection(s, { ttftMs: { mean: 12, n: 2 } }, { perRequestTruth: true });
    expect(withTruth).toContain("its own per-request timings are compared with the client's, request by request, in the next table");
  });

  it("names a counter reset instead of printing a wrong number, and lists the notes", () => {
    const s = summarizeWindow([snap(0, { promptTokens: 500 }), snap(5, { promptTokens: 10 }), snap(10, { promptTokens: 40 })], 0, 10)!;
    const md = renderServerMetricsSection(s);
    expect(md).toContain("| Prompt tokens (cached ones included) | not computed (counter went down: server restart?) |");
    expect(md).toContain("Notes:\n- promptTokens went down inside the window");
    expect(md).not.toContain("Client-measured");
  });

  it("copes with an almost empty summary", () => {
    const md = renderServerMetricsSection({ server: "unknown", from: 0, to: 0, samples: 0, deltas: {}, gauges: {} });
    expect(md).toContain("### Server metrics (names of no known server)");
    expect(md).toContain("| Prompt tokens | not computed (one snapshot) |");
    expect(md).not.toMatch(/NaN|undefined|Infinity/);
  });
});

describe("renderServerMetricsSection options", () => {
  it("leaves the heading to the caller when asked", () => {
    const md = renderServerMetricsSection(vllmSummary(), undefined, { heading: false });
    expect(md).not.toMatch(/^#/m);
    expect(md.startsWith("From the server's /metrics over a window of 1.0 s.")).toBe(true);
    expect(renderServerMetricsSection(vllmSummary(), undefined, { heading: "Server side" })).toMatch(/^### Server side\n/);
  });
});

describe("issue 11 item 6: tables that cannot be misread", () => {
  it("a simulator run's title names the simulator and the names' dialect, not vLLM", () => {
    const md = renderServerMetricsSection(vllmSummary(), undefined, { identity: { simulated: true, serverHeader: "shakedown-sim" } });
    expect(md.startsWith("### Server metrics (vLLM-style names, served by shakedown's simulator)\n")).toBe(true);
    expect(md).not.toMatch(/^### Server metrics \(vLLM[,)]/m);
  });

  it("a real server's title names what its Server header says, escaped", () => {
    const md = renderServerMetricsSection(vllmSummary(), undefined, { identity: { simulated: false, serverHeader: "uvicorn *x*" } });
    expect(md.split("\n")[0]).toBe("### Server metrics (vLLM-style names; the server calls itself `uvicorn *x*`)");
  });

  it("a histogram with every sample in the first bucket shows no fake quantile, and a zero sum no 0.0 ms mean", () => {
    const s = summarizeWindow(
      [
        snap(0, { itl: histogramOf([0.01, 0.025], []), queueTime: histogramOf([0.3, 0.5], []) }),
        snap(1000, {
          itl: histogramOf([0.01, 0.025], Array(503).fill(0.004)),
          // the simulator never queues: 8 observations of 0 s
          queueTime: { buckets: [{ le: 0.3, count: 8 }, { le: 0.5, count: 8 }], sum: 0, count: 8 },
        }),
      ],
      0,
      1000,
    )!;
    const md = renderServerMetricsSection(s);
    // before: "| Queue time | 8 | 0.0 ms | ≤ 300 ms | ≤ 300 ms | ≤ 300 ms |"
    expect(md).not.toContain("≤");
    expect(md).not.toMatch(/\| 0\.0 ms \|/);
    expect(md).toContain(
      "| Queue time | 8 | — | — | — | — | p50, p90, p99: all 8 observations lie in the first bucket, between 0 and 300 ms; no mean: the sum did not move (every observation 0, or the server records no sum) |",
    );
    expect(md).toContain("| Inter-token latency | 503 | 4.0 ms | — | — | — | p50, p90, p99: all 503 observations lie in the first bucket, between 0 and 10.0 ms |");
  });
});

describe("issue 11 item 5: the client-vs-server TTFT gap compares like with like", () => {
  // 34 streamed requests measured by the client; the server's histogram also holds 15
  // non-streamed comparison requests and the warm-up: 49.
  function mixed(): ServerWindowSummary {
    return summarizeWindow(
      [snap(0, { ttft: histogramOf(BOUNDS, []) }), snap(5000, { ttft: histogramOf(BOUNDS, [...Array(34).fill(0.03), ...Array(15).fill(0.002)]) })],
      0,
      5000,
    )!;
  }

  it("does not call the difference of two populations an overhead", () => {
    const md = renderServerMetricsSection(mixed(), { ttftMs: { mean: 55.4, p50: 54, p90: 60, n: 34 } });
    // before: "| Mean | 55.4 ms | 21.7 ms | +33.7 ms |" and "The gap is network + client + HTTP framing overhead"
    expect(md).not.toMatch(/overhead;|framing overhead/);
    expect(md).not.toContain("Client − server");
    expect(md).not.toMatch(/\| Mean \| 55\.4 ms \| [\d.]+ ms \| [+−]/);
    expect(md).toContain("| TTFT | Client-measured | Server histogram |");
    expect(md).toContain("| n | 34 | 49 |");
    expect(md).toContain("Not compared: the two columns rest on different requests. The server's histogram counted 49 requests in this window, the client measured TTFT on 34");
    expect(md).toContain("The other 15 — non-streamed or failed requests, or other clients' traffic — are in the server's figure only");
    expect(md).toContain("is not an overhead and is not given");
  });

  it("with the same requests on both sides, gives the difference and explains it without blaming the client", () => {
    const s = summarizeWindow([snap(0, { ttft: histogramOf(BOUNDS, []) }), snap(5000, { ttft: histogramOf(BOUNDS, Array(34).fill(0.03)) })], 0, 5000)!;
    const md = renderServerMetricsSection(s, { ttftMs: { mean: 35, p50: 34, p90: 38, n: 34 } });
    expect(md).toContain("| n | 34 | 34 | — |");
    expect(md).toMatch(/\| Mean \| 35\.0 ms \| 30\.0 ms \| \+5\.0 ms \|/);
    expect(md).toContain("the time outside the server's TTFT clock");
  });
});

describe("issue 11 items 5, 6, 9 through the whole report (renderMarkdownReport)", () => {
  function run(target: Partial<RunResults["target"]>, scenario: Partial<ScenarioResult>): RunResults {
    return {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: "shakedown", version: "0.0.0" },
      runId: "20260101T000000Z-x",
      startedAt: "2026-01-01T00:00:00.000Z",
      suite: { name: "x", scenarios: [] } as unknown as RunResults["suite"],
      target: { url: "http://127.0.0.1:8000/v1", model: "m", simulated: false, models: [], ...target },
      host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
      durationMs: 1000,
      complete: true,
      status: "pass",
      records: { file: "records.jsonl", count: 34, tornTail: false },
      warmup: { requests: 1, ok: 1, ttftMs: [30] },
      scenarios: [
        {
          name: "conversation",
          kind: "custom",
          metrics: { "ttft.mean": { value: 55.4, n: 34, unit: "ms" }, "ttft.p50": { value: 54, n: 34, unit: "ms" }, "ttft.p90": { value: 60, n: 34, unit: "ms" } },
          verdicts: [],
          status: "pass",
          detail: {},
          requests: { total: 49, ok: 49, failed: 0 },
          errors: [],
          notes: [],
          ...scenario,
        },
      ],
      renderedAt: "2026-01-01T00:00:01.000Z",
    } as RunResults;
  }
  const mixed = summarizeWindow(
    [snap(0, { ttft: histogramOf(BOUNDS, []) }), snap(5000, { ttft: histogramOf(BOUNDS, [...Array(34).fill(0.03), ...Array(15).fill(0.002)]) })],
    0,
    5000,
  )!;

  it("a simulator run: the title names the simulator; 34 streamed vs 49 server-side requests are not compared", () => {
    const md = renderMarkdownReport(run({ simulated: true, simProfile: "default", serverHeader: "shakedown-sim" }, { server: mixed }));
    expect(md).toContain("### Server metrics (vLLM-style names, served by shakedown's simulator)");
    expect(md).not.toContain("### Server metrics (vLLM, from its /metrics)");
    expect(md).toContain("Not compared: the two columns rest on different requests.");
    expect(md).not.toMatch(/framing overhead|\+3\d\.\d ms/);
  });

  it("a llama.cpp run: the per-request server-truth table instead of a \"not exposed\" server TTFT", () => {
    const server = summarizeWindow(
      [snap(0, { server: "llamacpp", promptTokens: 0, promptTokensCached: 0, generationTokens: 0 }), snap(5000, { server: "llamacpp", promptTokens: 300, promptTokensCached: 900, generationTokens: 192 })],
      0,
      5000,
    )!;
    const serverTruth = {
      source: "llamacpp_timings" as const,
      requests: 3,
      without: 0,
      ttftMinusPromptMs: { n: 3, median: 12, p90: 20, min: 8, max: 22 },
      outputTpsRelative: { n: 3, median: -0.002, p90: 0.003, min: -0.004, max: 0.004 },
      outputTokens: { n: 3, median: 0, p90: 0, min: 0, max: 0, equal: 3 },
    };
    const md = renderMarkdownReport(run({ serverHeader: "llama.cpp" }, { server, serverTruth, metrics: { "ttft.mean": { value: 30, n: 3, unit: "ms" } } }));
    expect(md).toContain("### Server metrics (llama.cpp-style names; the server calls itself `llama.cpp`)");
    expect(md).not.toContain("not exposed | —");
    expect(md).toContain("its own per-request timings are compared with the client's, request by request, in the next table");
    expect(md).toContain("### Server-side truth per request (llama.cpp `timings`)");
    expect(md).toContain("| TTFT: client − server prompt_ms | 3 | +12.0 ms | +20.0 ms | +8.0 ms … +22.0 ms |");
    expect(md.indexOf("### Server metrics")).toBeLessThan(md.indexOf("### Server-side truth per request"));
  });
});
