import { describe, expect, it } from "vitest";
import {
  analyzeCache,
  bracket,
  CACHE_METRICS,
  defaultThresholdsFor,
  headlineOf,
  readSpeedup,
} from "../../../../src/scenarios/cache/analyze.js";
import { cacheScenario } from "../../../../src/scenarios/cache/index.js";
import { renderCacheSection } from "../../../../src/report/cache.js";
import { ConfigError } from "../../../../src/errors.js";
import { cacheConfig, pairs, Timeline } from "./helpers.js";

const MISS = [100, 102, 98, 101, 99, 100];
const HIT = [40, 41, 39, 40, 42, 38];

function probe(result: ReturnType<typeof analyzeCache>, name: string) {
  const d = result.detail.probes.find((p) => p.probe === name);
  expect(d, `probe ${name}`).toBeDefined();
  return d!;
}

describe("cache analysis: speedup and its interval", () => {
  it("speedup = mean TTFT(miss) / mean TTFT(hit), with a bootstrap interval around it", () => {
    const tl = new Timeline();
    pairs(tl, "shared_prefix", MISS, HIT, { prompt: 2000, missCached: 0, hitCached: 1984 });
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"], repetitions: 6 }), tl.input());
    const d = probe(r, "shared_prefix");
    const expected = (MISS.reduce((a, b) => a + b) / 6) / (HIT.reduce((a, b) => a + b) / 6);
    expect(d.speedup?.estimate).toBeCloseTo(expected, 10);
    expect(d.speedup!.lower).toBeLessThan(expected);
    expect(d.speedup!.upper).toBeGreaterThan(expected);
    expect(d.speedup!.lower).toBeGreaterThan(2.3);
    expect(d.speedup?.n).toEqual([6, 6]);
    expect(d.reading).toBe("speedup");
    expect(r.metrics["speedup.shared_prefix"]).toMatchObject({ value: expected, n: 12, unit: "x" });
    expect(r.metrics["speedup_ci_low.shared_prefix"]?.value).toBe(d.speedup!.lower);
    expect(r.metrics["ttft_miss.shared_prefix.mean"]).toMatchObject({ value: 100, n: 6, unit: "ms" });
    expect(r.metrics["ttft_hit.shared_prefix.mean"]?.value).toBeCloseTo(40, 10);
    expect(r.metrics["cached_tokens_hit.shared_prefix.mean"]).toMatchObject({ value: 1984, n: 6, unit: "tokens" });
    // Default threshold: the shared-prefix speedup of at least 1.5.
    expect(r.verdicts).toEqual([expect.objectContaining({ threshold: "speedup.shared_prefix >= 1.5", status: "pass" })]);
    expect(r.status).toBe("pass");
  });

  it("the same data always gives the same interval (seeded bootstrap)", () => {
    const run = () => {
      const tl = new Timeline();
      pairs(tl, "shared_prefix", MISS, HIT);
      return analyzeCache(cacheConfig({ probes: ["shared_prefix"] }), tl.input()).detail.probes[0]!.speedup;
    };
    expect(run()).toEqual(run());
  });

  it("an interval that contains 1.0 is no measurable speedup, even with a point estimate above 1", () => {
    const tl = new Timeline();
    pairs(tl, "independent", [100, 90, 112, 104, 96, 110], [95, 108, 99, 102, 91, 105]);
    const r = analyzeCache(cacheConfig({ probes: ["independent"] }), tl.input());
    const d = probe(r, "independent");
    expect(d.speedup!.estimate).toBeGreaterThan(1);
    expect(d.speedup!.lower).toBeLessThan(1);
    expect(d.reading).toBe("no_measurable_speedup");
    const md = renderCacheSection(r);
    expect(md).toContain("no measurable speedup");
    expect(md).toContain("noise floor");
  });

  it("reads intervals: above 1 speedup, below 1 slowdown, none not measured", () => {
    const ci = (lower: number, upper: number) => ({ estimate: (lower + upper) / 2, lower, upper, confidence: 0.95, iterations: 2000, n: [5, 5] });
    expect(readSpeedup(ci(1.1, 1.5))).toBe("speedup");
    expect(readSpeedup(ci(0.9, 1.2))).toBe("no_measurable_speedup");
    expect(readSpeedup(ci(0.5, 0.8))).toBe("slowdown");
    expect(readSpeedup(undefined)).toBe("not_measured");
  });

  it("a failing threshold makes the scenario fail; a threshold on a probe not run is not measured", () => {
    const tl = new Timeline();
    pairs(tl, "shared_prefix", [100, 101, 99], [98, 100, 97]);
    const r = analyzeCache(
      cacheConfig({ probes: ["shared_prefix"], thresholds: ["speedup.shared_prefix >= 1.5", "speedup.continued >= 1.5"] }),
      tl.input(),
    );
    expect(r.verdicts.map((v) => v.status)).toEqual(["fail", "not_measured"]);
    expect(r.status).toBe("fail");
    expect(renderCacheSection(r)).toContain("**Prefix caching is not effective**");
  });

  it("notes a pass whose interval reaches below the threshold", () => {
    const tl = new Timeline();
    pairs(tl, "shared_prefix", [160, 100, 190, 120], [80, 100, 70, 110]);
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"] }), tl.input());
    expect(r.verdicts[0]?.status).toBe("pass");
    expect(r.notes.join(" ")).toMatch(/interval reaches down to .*more repetitions/);
  });

  it("publishes only metric names it declares, and declares every one thresholds may use", () => {
    const tl = new Timeline();
    pairs(tl, "continued", MISS, HIT);
    pairs(tl, "independent", MISS, MISS);
    pairs(tl, "shared_prefix", MISS, HIT);
    const r = analyzeCache(cacheConfig(), tl.input());
    for (const name of Object.keys(r.metrics)) expect(CACHE_METRICS).toContain(name);
    expect(CACHE_METRICS).toEqual(expect.arrayContaining(["speedup.shared_prefix", "speedup_ci_low.continued", "server_hit_rate.independent", "success_rate"]));
    expect(cacheScenario.metricNames).toBe(CACHE_METRICS);
  });
});

describe("cache analysis: records", () => {
  it("excludes the warm request from every figure and says so", () => {
    const tl = new Timeline();
    tl.add("shared_prefix", "warm", 0, { ttft: 5000, prompt: 2000, cached: 0 });
    pairs(tl, "shared_prefix", [100], [40], { hitCached: 1984, missCached: 0 });
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"], repetitions: 1 }), tl.input());
    expect(r.requests).toEqual({ total: 2, ok: 2, failed: 0 });
    expect(r.metrics["ttft_miss.shared_prefix.mean"]?.value).toBe(100);
    expect(probe(r, "shared_prefix").warm).toMatchObject({ n: 1, ok: 1, ttftMs: 5000 });
    expect(r.notes.join(" ")).toMatch(/warm request.*excluded from every figure/);
  });

  it("counts failures in the success rate and keeps them out of the TTFT figures", () => {
    const tl = new Timeline();
    tl.add("continued", "miss", 1, { ttft: 100 });
    tl.add("continued", "hit", 1, { ttft: 40 });
    tl.add("continued", "miss", 2, { ttft: 100, ok: false });
    const r = analyzeCache(cacheConfig({ probes: ["continued"], thresholds: ["success_rate > 95%"] }), tl.input());
    expect(r.metrics.success_rate).toMatchObject({ value: 2 / 3, n: 3 });
    expect(r.verdicts[0]?.status).toBe("fail");
    expect(r.errors).toEqual([expect.objectContaining({ kind: "http_500", count: 1 })]);
    expect(probe(r, "continued").miss).toMatchObject({ n: 2, ok: 1 });
  });

  it("expects a continued hit to reuse its own turn 1 (paired by repetition)", () => {
    const tl = new Timeline();
    tl.add("continued", "miss", 1, { ttft: 100, prompt: 1900, cached: 0 });
    tl.add("continued", "hit", 1, { ttft: 40, prompt: 1950, cached: 1904 });
    tl.add("continued", "miss", 2, { ttft: 100, prompt: 2100, cached: 0 });
    tl.add("continued", "hit", 2, { ttft: 40, prompt: 2150, cached: 2096 });
    const d = probe(analyzeCache(cacheConfig({ probes: ["continued"] }), tl.input()), "continued");
    expect(d.truth.expectedHitMean).toBe(2000);
    expect(d.truth.expectedTotal).toBe(4000);
    expect(d.truth.expectedEstimated).toBe(false);
    expect(d.truth.agreement).toBe("partial"); // no server counters
  });

  it("expects nothing reusable in the control, and a shared_prefix hit to reuse all but what follows the document", () => {
    const tl = new Timeline();
    pairs(tl, "independent", [100], [100], { prompt: 2000, missCached: 0, hitCached: 0 });
    pairs(tl, "shared_prefix", [100], [40], { prompt: 2000, missCached: 0, hitCached: 1984 });
    const r = analyzeCache(cacheConfig({ probes: ["independent", "shared_prefix"] }), tl.input());
    expect(probe(r, "independent").truth.expectedTotal).toBe(0);
    const sp = probe(r, "shared_prefix").truth;
    // "[request 0123456789ab]\nQuestion: What now?" ≈ 11 tokens + 5 of the template's tail.
    expect(sp.expectedHitMean).toBeGreaterThan(1975);
    expect(sp.expectedHitMean).toBeLessThan(1995);
    expect(sp.hitRate.expected).toBeCloseTo(sp.expectedHitMean! / 4000, 10);
  });
});

describe("cache analysis: the cache truth three ways", () => {
  /** A probe of 4 pairs with ~2000-token prompts, and snapshots around it. */
  function scenario(o: { hitCached?: number; serverHits: number; serverQueries?: number; preemptions?: number; enabled?: boolean; noUsage?: boolean }) {
    const tl = new Timeline();
    const base = { prefixCacheHits: 10_000, prefixCacheQueries: 50_000, preemptions: 0, ...(o.enabled !== undefined ? { prefixCachingEnabled: o.enabled } : {}) };
    tl.snap(base);
    tl.add("shared_prefix", "warm", 0, { ttft: 100, prompt: 2000, cached: 0 });
    tl.snap({ ...base, prefixCacheQueries: base.prefixCacheQueries + 2000 });
    pairs(tl, "shared_prefix", [100, 101, 99, 100], [40, 41, 39, 40], {
      prompt: 2000,
      // Without hitCached, usage carries prompt_tokens but no cached_tokens at all.
      ...(o.noUsage ? { noUsage: true } : o.hitCached !== undefined ? { missCached: 0, hitCached: o.hitCached } : {}),
    });
    tl.snap({
      prefixCacheHits: base.prefixCacheHits + o.serverHits,
      prefixCacheQueries: base.prefixCacheQueries + 2000 + (o.serverQueries ?? 16_000),
      preemptions: o.preemptions ?? 0,
      ...(o.enabled !== undefined ? { prefixCachingEnabled: o.enabled } : {}),
    });
    return analyzeCache(cacheConfig({ probes: ["shared_prefix"], repetitions: 4 }), tl.input());
  }

  it("diffs the server's counters over the probe only (the warm request is outside the window)", () => {
    const r = scenario({ hitCached: 1984, serverHits: 4 * 1984 });
    const t = probe(r, "shared_prefix").truth;
    expect(t.server).toMatchObject({ hits: 7936, queries: 16_000 });
    expect(t.server?.hitRate).toBeCloseTo(7936 / 16_000, 10);
    expect(r.metrics["server_hit_rate.shared_prefix"]).toMatchObject({ value: 7936 / 16_000, n: 8, unit: "fraction" });
    expect(t.usage).toMatchObject({ reported: true, hitMean: 1984, missMean: 0, total: 7936 });
    expect(t.hitRate.usage).toBeCloseTo(7936 / 16_000, 10);
    expect(t.agreement).toBe("agree");
    expect(t.findings.join(" ")).toContain("The three sources agree");
  });

  it("calls usage a block under the expectation normal (whole blocks)", () => {
    const r = scenario({ hitCached: 1984 - 16 + 6, serverHits: 4 * (1984 - 10) });
    const t = probe(r, "shared_prefix").truth;
    expect(t.agreement).toBe("agree");
    expect(t.findings.join(" ")).toMatch(/whole KV blocks/);
  });

  it("says the server's counters are off when they count more than usage and the expectation (retries counted twice)", () => {
    const r = scenario({ hitCached: 1984, serverHits: 2 * 4 * 1984, serverQueries: 24_000, preemptions: 3 });
    const t = probe(r, "shared_prefix").truth;
    expect(t.agreement).toBe("disagree");
    expect(t.off).toBe("server");
    const text = t.findings.join(" ");
    expect(text).toMatch(/retried/);
    expect(text).toMatch(/3 preemption/);
    expect(text).toMatch(/24000 queried tokens for 16000 prompt tokens/);
  });

  it("says the expectation is off when usage and the counters agree on less reuse (eviction, caching off)", () => {
    const r = scenario({ hitCached: 0, serverHits: 0 });
    const t = probe(r, "shared_prefix").truth;
    expect(t.off).toBe("expected");
    expect(t.findings.join(" ")).toMatch(/really did not reuse.*KV budget too small/);
  });

  it("says usage is off when the expectation and the counters agree without it", () => {
    const r = scenario({ hitCached: 600, serverHits: 4 * 1984 });
    const t = probe(r, "shared_prefix").truth;
    expect(t.off).toBe("usage");
    expect(t.findings.join(" ")).toMatch(/Usage is off/);
  });

  it("flags cached tokens on misses, which the nonce should have prevented", () => {
    const tl = new Timeline();
    pairs(tl, "independent", [100], [100], { missCached: 512, hitCached: 512 });
    const t = probe(analyzeCache(cacheConfig({ probes: ["independent"] }), tl.input()), "independent").truth;
    expect(t.findings.join(" ")).toMatch(/Misses report 512 cached tokens.*system prompt/);
    expect(t.agreement).toBe("disagree");
  });

  it("usage without cached_tokens: says absent, names the server flags, and the metric is not measured", () => {
    const r = scenario({ serverHits: 4 * 1984 });
    const t = probe(r, "shared_prefix").truth;
    expect(t.usage.reported).toBe(false);
    expect(t.findings.join(" ")).toContain("--enable-prompt-tokens-details");
    expect(t.findings.join(" ")).toContain("--enable-cache-report");
    expect(r.notes.join(" ")).toContain("--enable-prompt-tokens-details");
    expect(r.metrics["cached_tokens_hit.shared_prefix.mean"]).toMatchObject({ value: undefined, n: 0 });
    expect(t.agreement).toBe("partial"); // expectation and counters, which agree
    expect(renderCacheSection(r)).toContain("| absent |");
  });

  it("without server metrics: says so, the hit-rate metric is not measured, caching state falls back to usage", () => {
    const tl = new Timeline();
    pairs(tl, "shared_prefix", MISS, HIT, { missCached: 0, hitCached: 1984 });
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"], thresholds: ["server_hit_rate.shared_prefix > 30%"] }), tl.input());
    const t = probe(r, "shared_prefix").truth;
    expect(t.server).toBeUndefined();
    expect(t.serverMissing).toMatch(/not scraped/);
    expect(r.metrics["server_hit_rate.shared_prefix"]).toMatchObject({ value: undefined, n: 0 });
    expect(r.verdicts[0]?.status).toBe("not_measured");
    expect(r.notes.join(" ")).toMatch(/not scraped/);
    expect(r.detail.caching).toMatchObject({ enabled: true, source: "usage" });
    expect(renderCacheSection(r)).toMatch(/absent \(not scraped/);
  });

  it("without usage or server metrics: cannot tell whether prefix caching is enabled", () => {
    const tl = new Timeline();
    pairs(tl, "shared_prefix", MISS, HIT, { noUsage: true });
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"] }), tl.input());
    expect(r.detail.caching).toMatchObject({ source: "none" });
    expect(r.detail.caching.enabled).toBeUndefined();
    expect(r.detail.caching.text).toMatch(/Cannot tell/);
    // Without prompt_tokens the expectation rests on characters, and says so.
    expect(probe(r, "shared_prefix").truth.expectedEstimated).toBe(true);
  });

  it("prefix caching state: the server's configuration first, else its counters", () => {
    expect(scenario({ hitCached: 0, serverHits: 0, enabled: false }).detail.caching).toMatchObject({ enabled: false, source: "config" });
    expect(scenario({ hitCached: 1984, serverHits: 4 * 1984 }).detail.caching).toMatchObject({ enabled: true, source: "counters" });
    const off = scenario({ hitCached: 0, serverHits: 0, serverQueries: 0 });
    expect(off.detail.caching).toMatchObject({ enabled: false, source: "counters" });
    expect(probe(off, "shared_prefix").truth.findings.join(" ")).toMatch(/looked up no prompt token/);
  });

  it("brackets a window with the last good snapshot before it and the first good one after it", () => {
    const good = (t: number) => ({ t, epochMs: t, values: { server: "vllm" as const } });
    const snaps = [good(0), good(10), { t: 15, epochMs: 15, error: "refused" }, good(50), good(60), good(80)];
    expect(bracket(snaps, 20, 55)).toEqual({ from: 10, to: 60 });
    expect(bracket(snaps, 10, 60)).toEqual({ from: 10, to: 60 });
    expect(bracket(snaps, 20, 90)).toBeUndefined();
  });
});

describe("cache scenario: defaults, headline, validation", () => {
  it("default thresholds follow the probes run", () => {
    expect(defaultThresholdsFor(cacheConfig())).toEqual(["speedup.shared_prefix >= 1.5"]);
    expect(defaultThresholdsFor(cacheConfig({ probes: ["continued", "independent"] }))).toEqual(["speedup.continued >= 1.5"]);
    expect(defaultThresholdsFor(cacheConfig({ probes: ["independent"] }))).toEqual(["success_rate > 95%"]);
    expect(cacheScenario.defaultThresholds).toEqual(["speedup.shared_prefix >= 1.5"]);
  });

  it("the headline names the main probe's speedup, its interval and its hit rate beside a perfect cache's, in under 160 characters", () => {
    const tl = new Timeline();
    tl.snap({ prefixCacheHits: 0, prefixCacheQueries: 0 });
    pairs(tl, "continued", MISS, HIT);
    pairs(tl, "independent", MISS, MISS);
    pairs(tl, "shared_prefix", MISS, HIT);
    tl.snap({ prefixCacheHits: 20_000, prefixCacheQueries: 60_000 });
    const r = analyzeCache(cacheConfig(), tl.input());
    const h = headlineOf(r.detail.probes)!;
    expect(h).toMatch(
      /^measured TTFT miss\/hit ×2\.\d\d on shared_prefix \(95 % CI ×\d\.\d\d–×\d\.\d\d, hit rate 33\.3 % of a possible ≈ \d\d\.\d %\), ×2\.\d\d on continued, ×1\.00 on the control$/,
    );
    expect(h.length).toBeLessThan(160);
    expect(r.headline).toBe(h);
  });

  it("validation refuses a probe listed twice and a missing document", () => {
    expect(() => cacheScenario.validate?.(cacheConfig({ probes: ["continued", "continued"] }))).toThrow(ConfigError);
    expect(() => cacheScenario.validate?.(cacheConfig({ document: "/nonexistent/doc.txt" }))).toThrow(/not a readable file/);
    expect(() => cacheScenario.validate?.(cacheConfig())).not.toThrow();
  });
});

describe("cache analysis: expected vs measured hit rate", () => {
  it("continued: the perfect cache's hit rate is a range (the miss's reply may be reused too); without /metrics usage measures it", () => {
    const tl = new Timeline();
    // turn 1: 1000 prompt tokens, a 3-token reply; turn 2: 1000 + 3 + 20 = 1023, 1000 of them cached
    for (let i = 1; i <= 4; i++) {
      tl.add("continued", "miss", i, { ttft: 100, prompt: 1000, cached: 0 });
      tl.add("continued", "hit", i, { ttft: 40, prompt: 1023, cached: 1000 });
    }
    const r = analyzeCache(cacheConfig({ probes: ["continued"], repetitions: 4 }), tl.input());
    const d = probe(r, "continued");
    expect(d.truth.hitRate.expected).toBeCloseTo(4000 / 8092, 12);
    expect(d.truth.hitRate.expectedUpTo).toBeCloseTo(4012 / 8092, 12);
    expect(d.truth.hitRate.measured).toEqual({ rate: 4000 / 8092, source: "usage" });
    const row = renderCacheSection(r).split("\n").find((l) => l.startsWith("| `continued`"))!;
    expect(row).toContain("| 49.4 % from usage (49.4–49.6 %) |");
  });
});

describe("cache report section", () => {
  it("puts one measured hit rate beside the speedup, with what a perfect cache gives, and the three truths side by side", () => {
    const tl = new Timeline();
    tl.snap({ prefixCacheHits: 0, prefixCacheQueries: 0, prefixCachingEnabled: true });
    pairs(tl, "shared_prefix", MISS, HIT, { prompt: 2000, missCached: 0, hitCached: 1984 });
    tl.snap({ prefixCacheHits: 6 * 1984, prefixCacheQueries: 24_000, prefixCachingEnabled: true });
    const r = analyzeCache(cacheConfig({ probes: ["shared_prefix"], repetitions: 6 }), tl.input());
    const md = renderCacheSection(r);
    const row = md.split("\n").find((l) => l.startsWith("| `shared_prefix`"))!;
    // before: "| 49.6 % |" here, and "49.6 % / 49.6 % / 49.6 %" in the next table
    expect(row).toMatch(/\| 6 \/ 6 \| 100 ms ± \d\.\d ms \| 40\.0 ms ± \d\.\d ms \| ×2\.50 \(×2\.\d\d–×2\.\d\d\) \| 49\.6 % \(≈ 49\.\d %\) \|/);
    expect(md).toContain("| Hit rate: measured (a perfect cache) |");
    expect(md).toContain("about 50 % is a perfect score on `shared_prefix`, not a poor one");
    expect(md).toContain("### Cache truth, three ways");
    expect(md).toMatch(/\| `shared_prefix` \| ≈ 198\d .*\| 1984 \/ 0 \| 11904 \/ 24000 \| agree/);
    // one measured hit-rate figure per probe (and the perfect cache's beside it), not three
    expect(md.match(/49\.6 %/g)).toHaveLength(2);
    expect(md).not.toContain("expected / usage / server");
    expect(md).toContain("Prefix caching is enabled in the server's configuration");
    expect(md).toContain("**Prefix caching is effective**");
    expect(md).toContain("unique nonce");
    expect(md).toContain("contains 1.0 is **no measurable speedup**");
  });
});
