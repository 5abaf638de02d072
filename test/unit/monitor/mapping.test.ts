import { describe, expect, it } from "vitest";
import { detectServerKind, METRIC_MAPPINGS, normalizeMetrics, normalizeMetricsDetailed } from "../../../src/monitor/mapping.js";
import { parseMetricsText } from "../../../src/monitor/parse.js";
import { metricsFixture } from "./helpers.js";

const norm = (text: string) => normalizeMetrics(parseMetricsText(text));

describe("normalizeMetrics on the fixtures", () => {
  it("vLLM V1, two data-parallel engines: sums counters and count gauges, averages KV usage, merges histograms", () => {
    const { values: v, sources } = normalizeMetricsDetailed(parseMetricsText(metricsFixture("vllm-v1.txt")));
    expect(v.server).toBe("vllm");
    expect(v.requestsRunning).toBe(5);
    expect(v.requestsWaiting).toBe(1);
    expect(v.kvCacheUsage).toBeCloseTo(0.3, 12);
    expect(v.prefixCacheQueries).toBe(1_234_567 + 654_321);
    expect(v.prefixCacheHits).toBe(823_456 + 400_000);
    expect(v.promptTokens).toBe(2_000_000);
    expect(v.promptTokensCached).toBe(1_223_456);
    expect(v.generationTokens).toBe(380_000);
    expect(v.preemptions).toBe(3);
    // stop + length of both engines; abort left out
    expect(v.requestsSucceeded).toBe(900 + 40 + 500 + 20);
    expect(v.prefixCachingEnabled).toBe(true);
    expect(v.reportedCacheHitRate).toBeUndefined();
    expect(v.ttft?.count).toBe(945 + 523);
    expect(v.ttft?.buckets).toHaveLength(22);
    expect(v.ttft?.buckets.every((b) => Number.isFinite(b.le))).toBe(true);
    expect(v.ttft?.buckets.at(-1)?.count).toBeLessThanOrEqual(v.ttft?.count ?? 0);
    expect(v.itl?.count).toBe(700);
    expect(v.e2e?.count).toBe(1468);
    expect(v.queueTime?.count).toBe(1468);
    // vllm:iteration_tokens_total (a histogram ending in _total) is not a counter of ours
    expect(sources.promptTokens).toBe("vllm:prompt_tokens_total");
    expect(sources.itl).toBe("vllm:inter_token_latency_seconds");
  });

  it("vLLM early V1 names (gpu_ spellings, time_per_output_token, _created families)", () => {
    const { values: v, sources } = normalizeMetricsDetailed(parseMetricsText(metricsFixture("vllm-v1-old-names.txt")));
    expect(v.server).toBe("vllm");
    expect(v.kvCacheUsage).toBe(0.6125);
    expect(v.prefixCacheQueries).toBe(48_210);
    expect(v.prefixCacheHits).toBe(30_112);
    expect(v.preemptions).toBe(7);
    expect(v.promptTokens).toBe(48_210);
    expect(v.generationTokens).toBe(9_120);
    expect(v.requestsSucceeded).toBe(80);
    expect(v.prefixCachingEnabled).toBe(false);
    expect(v.itl?.count).toBe(200);
    expect(v.ttft?.count).toBe(82);
    expect(sources.kvCacheUsage).toBe("vllm:gpu_cache_usage_perc");
    expect(sources.prefixCacheQueries).toBe("vllm:gpu_prefix_cache_queries_total");
    expect(sources.itl).toBe("vllm:time_per_output_token_seconds");
  });

  it("SGLang: counters, gauges, histograms with _sum first, the rolling hit rate kept for reference", () => {
    const v = norm(metricsFixture("sglang.txt"));
    expect(v.server).toBe("sglang");
    expect(v.requestsRunning).toBe(28);
    expect(v.requestsWaiting).toBe(2759);
    expect(v.kvCacheUsage).toBe(0.28);
    expect(v.promptTokens).toBe(8_128_902);
    expect(v.generationTokens).toBe(7_557_572);
    expect(v.promptTokensCached).toBe(61_025);
    expect(v.preemptions).toBe(4);
    expect(v.reportedCacheHitRate).toBeCloseTo(0.0075, 4);
    expect(v.prefixCacheQueries).toBeUndefined();
    expect(v.ttft?.count).toBe(1100);
    expect(v.itl?.count).toBe(500);
    expect(v.e2e?.count).toBe(1100);
    // SGLang's queue-time buckets start at le="0.0"
    expect(v.queueTime?.buckets[0]?.le).toBe(0);
  });

  it("llama.cpp (the real b10573 recording)", () => {
    const v = norm(metricsFixture("llamacpp-b10573.txt"));
    expect(v).toEqual({
      server: "llamacpp",
      requestsRunning: 0,
      requestsWaiting: 0,
      promptTokens: 4912,
      promptTokensCached: 5674,
      generationTokens: 4694,
    });
  });
});

describe("normalizeMetrics rules", () => {
  it("prefers the new vLLM name when the deprecated one is exposed beside it, never sums them", () => {
    const v = norm(
      [
        'vllm:kv_cache_usage_perc{engine="0"} 0.4',
        'vllm:gpu_cache_usage_perc{engine="0"} 0.9',
        'vllm:prefix_cache_queries_total{engine="0"} 100',
        'vllm:gpu_prefix_cache_queries_total{engine="0"} 999',
        'vllm:inter_token_latency_seconds_bucket{le="0.1"} 1',
        "vllm:inter_token_latency_seconds_count 1",
        "vllm:inter_token_latency_seconds_sum 0.05",
        'vllm:time_per_output_token_seconds_bucket{le="0.1"} 7',
        "vllm:time_per_output_token_seconds_count 7",
        "vllm:time_per_output_token_seconds_sum 0.3",
      ].join("\n"),
    );
    expect(v.kvCacheUsage).toBe(0.4);
    expect(v.prefixCacheQueries).toBe(100);
    expect(v.itl?.count).toBe(1);
  });

  it("reads counters exposed without _total", () => {
    const v = norm("vllm:gpu_prefix_cache_queries 10\nvllm:gpu_prefix_cache_hits 4\nvllm:num_preemptions 3\n");
    expect(v).toMatchObject({ prefixCacheQueries: 10, prefixCacheHits: 4, preemptions: 3 });
  });

  it("reads the V0 hit-rate gauge as reference only", () => {
    expect(norm("vllm:gpu_prefix_cache_hit_rate 0.42\n").reportedCacheHitRate).toBe(0.42);
  });

  it("reads names whose colon was escaped to an underscore (Prometheus storage, sgl-router)", () => {
    const { values, sources } = normalizeMetricsDetailed(parseMetricsText("sglang_num_running_reqs 4\nsglang_token_usage 0.5\n"));
    expect(values).toEqual({ server: "sglang", requestsRunning: 4, kvCacheUsage: 0.5 });
    expect(sources.requestsRunning).toBe("sglang_num_running_reqs");
  });

  it("leaves out finished_reason abort and error from requestsSucceeded", () => {
    const v = norm(
      ["stop", "length", "abort", "error"].map((r, i) => `vllm:request_success_total{finished_reason="${r}"} ${10 ** i}`).join("\n"),
    );
    expect(v.requestsSucceeded).toBe(11);
  });

  it("ignores non-finite values and reports nothing for a field with none left", () => {
    const v = norm('vllm:num_requests_running{engine="0"} NaN\nvllm:num_requests_running{engine="1"} 2\nvllm:num_requests_waiting NaN\n');
    expect(v.requestsRunning).toBe(2);
    expect(v.requestsWaiting).toBeUndefined();
  });

  it("merges histograms whose series have different bounds", () => {
    const v = norm(
      [
        'h:x{e="a",le="1"} 0',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1"} 1',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="1"} 3',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf"} 4',
        'vllm:time_to_first_token_seconds_sum{engine="0"} 2',
        'vllm:time_to_first_token_seconds_count{engine="0"} 4',
        'vllm:time_to_first_token_seconds_bucket{engine="1",le="0.5"} 2',
        'vllm:time_to_first_token_seconds_bucket{engine="1",le="+Inf"} 2',
        'vllm:time_to_first_token_seconds_sum{engine="1"} 0.4',
        'vllm:time_to_first_token_seconds_count{engine="1"} 2',
      ].join("\n"),
    );
    expect(v.ttft).toEqual({
      buckets: [
        { le: 0.1, count: 1 },
        { le: 0.5, count: 1 + 2 },
        { le: 1, count: 3 + 2 },
      ],
      sum: 2.4,
      count: 6,
    });
  });

  it("takes the count from the +Inf bucket when _count is missing", () => {
    const v = norm('vllm:e2e_request_latency_seconds_bucket{le="1"} 1\nvllm:e2e_request_latency_seconds_bucket{le="+Inf"} 3\n');
    expect(v.e2e).toEqual({ buckets: [{ le: 1, count: 1 }], sum: 0, count: 3 });
  });

  it("maps TGI basics", () => {
    expect(norm("tgi_queue_size 3\ntgi_batch_current_size 8\ntgi_request_success 120\n")).toEqual({
      server: "tgi",
      requestsWaiting: 3,
      requestsRunning: 8,
      requestsSucceeded: 120,
    });
  });

  it("calls an unrecognised exposition unknown, never throws", () => {
    expect(norm("go_goroutines 12\nhttp_requests_total 5\n")).toEqual({ server: "unknown" });
    expect(norm("")).toEqual({ server: "unknown" });
    expect(detectServerKind(parseMetricsText("dynamo_frontend_requests_total 3\nvllm:num_requests_running 1\n"))).toBe("vllm");
  });

  it("has one rule per (field, name) and every field's names share one server", () => {
    const keys = METRIC_MAPPINGS.map((r) => `${r.field} ${r.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("normalises a ~50 KB vLLM exposition quickly", () => {
    const base = metricsFixture("vllm-v1.txt");
    let text = base;
    for (let e = 2; text.length < 50_000; e++) text += base.replace(/engine="([01])"/g, (_m, d: string) => `engine="${e * 2 + Number(d)}"`);
    expect(text.length).toBeGreaterThan(50_000);
    const v = norm(text);
    expect(v.requestsRunning).toBe(10);
    // Timing (not asserted; measured with a throwaway tsx script on the dev container, Node 20):
    // parse + normalise of this 55 KB text ≈ 3.7 ms per call warm (parse alone ≈ 2.5 ms, the
    // library's per-character sample-line reader), ≈ 27 ms for the very first call (cold JIT).
  });
});
