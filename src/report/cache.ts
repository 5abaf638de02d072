/** The cache scenario's section of the Markdown report. */
import type { CacheDetail, CacheProbeDetail, SpeedupReading } from "../scenarios/cache/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct, STATUS_ICON } from "./format.js";
import { bullets, code, table, text } from "./md.js";

export function fmtFactor(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "—" : `×${x.toFixed(2)}`;
}

function fmtTokens(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "—" : fmtNum(x, 0);
}

function meanStd(s: { mean: number; std: number } | undefined): string {
  return s ? `${fmtMs(s.mean)} ± ${fmtMs(s.std)}` : "—";
}

const READING_TEXT: Record<SpeedupReading, string> = {
  speedup: "speedup",
  no_measurable_speedup: "no measurable speedup (the interval contains 1.0)",
  slowdown: "slower on hits (the interval is below 1.0)",
  not_measured: "not measured",
};

function reading(d: CacheProbeDetail): string {
  const base = READING_TEXT[d.reading];
  if (d.probe !== "independent") return base;
  const ok = d.reading === "no_measurable_speedup" ? "as expected" : d.reading === "not_measured" ? "" : "unexpected for the control";
  return `${base}${ok ? `; ${ok}` : ""} (control: nothing can be reused, ≈ 1.0 is the noise floor)`;
}

function speedupText(d: CacheProbeDetail): string {
  const s = d.speedup;
  if (!s) return "—";
  const core = `${fmtFactor(s.estimate)} (${fmtFactor(s.lower)}–${fmtFactor(s.upper)})`;
  return d.reading === "no_measurable_speedup" ? `${core}, no measurable speedup` : core;
}

function agreementText(d: CacheProbeDetail): string {
  const t = d.truth;
  if (t.agreement === "agree") return "agree";
  if (t.agreement === "partial") return "agree (partial: not every source measured)";
  return t.off ? `disagree: ${t.off === "expected" ? "the expectation" : t.off === "usage" ? "usage" : "the server's counters"} off` : "disagree";
}

function serverText(d: CacheProbeDetail): string {
  const s = d.truth.server;
  if (!s) return d.truth.serverMissing ? `absent (${d.truth.serverMissing})` : "absent";
  return `${fmtTokens(s.hits)} / ${fmtTokens(s.queries)}`;
}

/** What a perfect prefix cache gives for the probe: "≈ 50.3 %", or a range on `continued`. */
function expectedHitRateText(d: CacheProbeDetail): string | undefined {
  const e = d.truth.hitRate.expected;
  if (e === undefined || !Number.isFinite(e)) return undefined;
  const approx = d.truth.expectedEstimated ? "≈ " : "";
  const up = d.truth.hitRate.expectedUpTo;
  return up !== undefined && up - e >= 0.0005 ? `${approx}${(e * 100).toFixed(1)}–${fmtPct(up)}` : `${approx}${fmtPct(e)}`;
}

/** One measured hit rate, with what a perfect cache gives for the probe beside it. */
function hitRateCell(d: CacheProbeDetail): string {
  const measured = d.truth.hitRate.measured;
  const expected = expectedHitRateText(d);
  const perfect = expected ? ` (${expected})` : "";
  if (measured) return `${fmtPct(measured.rate)}${measured.source === "usage" ? " from usage" : ""}${perfect}`;
  if (d.truth.server?.queries === 0) return `— (no lookups)${perfect}`;
  return `—${perfect}`;
}

function usageText(d: CacheProbeDetail): string {
  const u = d.truth.usage;
  if (!u.reported && u.hitMean === undefined && u.missMean === undefined) return "absent";
  return `${fmtTokens(u.hitMean)} / ${fmtTokens(u.missMean)}${u.reported ? "" : " (some requests lacked it)"}`;
}

function expectedText(d: CacheProbeDetail): string {
  const t = d.truth;
  if (d.probe === "independent") return "0 (nothing reusable)";
  if (t.expectedHitMean === undefined) return "—";
  if (d.probe === "shared_prefix") return `≈ ${fmtTokens(t.expectedHitMean)} (hit prompt − what follows the document, at 4 characters a token)`;
  return `${fmtTokens(t.expectedHitMean)}${t.expectedEstimated ? " (estimated at 4 characters a token: no prompt_tokens in usage)" : " (turn 1's prompt tokens)"}`;
}

export function renderCacheSection(r: ScenarioResult<CacheDetail>): string {
  const d = r.detail;
  const out: string[] = [];

  out.push("### Miss vs hit per probe");
  out.push(
    table(
      ["Probe", "n miss / hit", "TTFT miss (mean ± std)", "TTFT hit (mean ± std)", "Speedup miss/hit (95 % CI)", "Hit rate: measured (a perfect cache)", "Prompt tokens miss / hit (mean)", "Reading"],
      d.probes.map((p) => [
        code(p.probe),
        `${p.miss.ttft?.n ?? 0} / ${p.hit.ttft?.n ?? 0}`,
        meanStd(p.miss.ttft),
        meanStd(p.hit.ttft),
        speedupText(p),
        hitRateCell(p),
        `${fmtTokens(p.miss.promptTokens?.mean)} / ${fmtTokens(p.hit.promptTokens?.mean)}`,
        reading(p),
      ]),
    ),
  );
  out.push(
    `Each probe ran ${d.repetitions} miss/hit pairs of prompts of about ${d.prefixTokens} tokens (planned at 4 characters a token; the table shows the server's own counts), replies of at most ${d.maxTokens} tokens. ` +
      "The hit rate is over the probe's misses and hits together: prompt tokens served from the prefix cache / prompt tokens sent. " +
      "Measured by the server's prefix-cache counters over the probe's time span (Δhits / Δqueries, never the rate the server logs), or by usage's cached_tokens where the server gives no counters. " +
      "In brackets is what a perfect prefix cache gives for this probe's design: the tokens the client sent twice / all prompt tokens sent. Half the requests are misses that nothing can reuse, so about 50 % is a perfect score on `shared_prefix`, not a poor one; " +
      "on `continued` the range's upper end counts the miss's reply as reusable too (a cache that keeps generated tokens reuses it).",
  );

  out.push("### Cache truth, three ways");
  out.push(
    table(
      ["Probe", "(a) Expected reusable prefix on hits (tokens, mean)", "(b) Usage cached_tokens, hits / misses (mean)", "(c) Server counters Δhits / Δqueries (tokens)", "Agreement"],
      d.probes.map((p) => [code(p.probe), expectedText(p), usageText(p), serverText(p), agreementText(p)]),
    ),
  );
  const findings = d.probes.flatMap((p) => p.truth.findings.map((f) => [code(p.probe), ": ", text(f, 2000)]));
  if (findings.length > 0) out.push(bullets(findings));
  out.push(
    "(a) is what the client sent twice: turn 1's prompt for `continued`, the document for `shared_prefix`, nothing for `independent`. " +
      "(b) is `usage.prompt_tokens_details.cached_tokens`, a whole number of KV blocks, so up to a block (16 tokens in vLLM) under (a) is normal. " +
      "(c) is the server's `prefix_cache_hits` / `prefix_cache_queries` counters diffed between the scrapes around the probe; vLLM counts a request again each time its KV allocation is retried, and any other client's traffic in the window counts too.",
  );

  out.push("### Prefix caching");
  out.push(d.caching.text);

  out.push("### Verdict");
  const speedups = r.verdicts.filter((v) => v.metric.startsWith("speedup"));
  const lines = r.verdicts.map((v) => {
    const p = /^speedup(?:_ci_low)?\.(.+)$/.exec(v.metric)?.[1];
    const probe = d.probes.find((x) => x.probe === p);
    const unit = r.metrics[v.metric]?.unit;
    const isFactor = v.metric.startsWith("speedup");
    const value = isFactor ? fmtFactor(v.value) : unit === "fraction" ? fmtPct(v.value) : unit === "ms" ? fmtMs(v.value) : fmtNum(v.value);
    const limit = isFactor ? fmtFactor(v.limit) : unit === "fraction" ? fmtPct(v.limit) : unit === "ms" ? fmtMs(v.limit) : fmtNum(v.limit);
    const ci = probe?.speedup && isFactor ? `, 95 % CI ${fmtFactor(probe.speedup.lower)}–${fmtFactor(probe.speedup.upper)}, ${READING_TEXT[probe.reading]}` : "";
    return [`${STATUS_ICON[v.status]} `, code(v.threshold), `: measured ${value} (limit ${v.op} ${limit}${ci}; n = ${v.n ?? 0})`];
  });
  if (speedups.length > 0) {
    const failed = speedups.filter((v) => v.status === "fail");
    const unmeasured = speedups.filter((v) => v.status === "not_measured");
    out.push(
      failed.length > 0
        ? "**Prefix caching is not effective** by the configured minimum speedup."
        : unmeasured.length === speedups.length
          ? "**Cache effectiveness not measured** (no speedup could be computed)."
          : "**Prefix caching is effective** by the configured minimum speedup.",
    );
  }
  if (lines.length > 0) out.push(bullets(lines));

  out.push("### How to read these figures");
  out.push(
    [
      "Speedup = mean TTFT of the misses / mean TTFT of the hits of a probe. Its 95 % interval comes from 2 000 bootstrap resamples of each arm (seeded, so a re-render prints the same numbers); an interval that contains 1.0 is **no measurable speedup**, whatever the point estimate, and a narrow interval needs more repetitions, not a longer prompt.",
      "Every miss (and both arms of the `independent` control) starts with a unique nonce. Prefix caches match from the first token, so a new first token makes the whole prompt a miss; without it a miss could reuse a prefix left by an earlier request or run.",
      "Misses and hits are interleaved pair by pair (the order alternates where the probe allows), so a drift of the server during the run touches both arms alike.",
      "The `independent` control compares two prompts that nothing can reuse: its speedup should be ≈ 1.0, and the width of its interval is the noise floor the other probes must clear.",
      d.probes.some((p) => p.warm)
        ? "The `shared_prefix` probe first sends one warm request that loads the document into the server's cache; it is recorded in records.jsonl and excluded from every figure."
        : "",
    ]
      .filter(Boolean)
      .map((x) => `- ${x}`)
      .join("\n"),
  );
  return out.join("\n\n");
}

const CACHE_FIGURES: Record<string, (probe: string) => string> = {
  speedup: (p) => `Cache speedup, ${p}: TTFT miss ÷ hit`,
  speedup_ci_low: (p) => `Cache speedup, ${p}: lower end of its 95 % interval`,
  ttft_miss: (p) => `TTFT on misses, ${p} (mean)`,
  ttft_hit: (p) => `TTFT on hits, ${p} (mean)`,
  cached_tokens_hit: (p) => `Cached prompt tokens on hits, ${p} (usage, mean)`,
  server_hit_rate: (p) => `Server prefix-cache hit rate over the ${p} probe`,
};

/** Labels of the cache scenario's per-probe figures ("speedup.shared_prefix"), or undefined. */
export function cacheFigureLabel(metric: string): string | undefined {
  const [figure, probe] = metric.split(".");
  return figure !== undefined && probe !== undefined ? CACHE_FIGURES[figure]?.(probe) : undefined;
}
