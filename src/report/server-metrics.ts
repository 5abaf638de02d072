/**
 * The "Server metrics" section of report.md: what the server's own /metrics said over a
 * window (counter deltas, gauges, latency histograms) and how its TTFT compares with the
 * client's. Pure: a ServerWindowSummary in, Markdown out. Every value is a number or one
 * of our own words, so nothing needs escaping; a figure the server does not expose says so.
 */
import type { ServerCounterName, ServerKind, ServerWindowSummary } from "../monitor/types.js";
import { fmtDuration, fmtMs, fmtPct, table } from "./format.js";

export interface ClientTtft {
  mean?: number;
  p50?: number;
  p90?: number;
  n: number;
}

const SERVER_NAMES: Record<ServerKind, string> = {
  vllm: "vLLM",
  sglang: "SGLang",
  llamacpp: "llama.cpp (llama-server)",
  tgi: "TGI",
  unknown: "an unrecognised server",
};

const NOT_EXPOSED = "not exposed";

/** An integer with thousands separators; one decimal for the rare non-integer. */
function fmtCount(v: number): string {
  const rounded = Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
  const [int = "", frac] = rounded.split(".");
  const sign = int.startsWith("-") ? "−" : "";
  const digits = int.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${digits}${frac !== undefined ? `.${frac}` : ""}`;
}

function counterCell(s: ServerWindowSummary, name: ServerCounterName): string {
  const v = s.deltas[name];
  if (v !== undefined && Number.isFinite(v)) return fmtCount(v);
  if (s.resetCounters?.includes(name)) return "not computed (counter went down: server restart?)";
  if (!s.deltaSpan) return "not computed (one snapshot)";
  return NOT_EXPOSED;
}

function gaugeCells(g: { mean: number; max: number } | undefined, pct: boolean): [string, string] {
  if (!g) return [NOT_EXPOSED, NOT_EXPOSED];
  return pct ? [fmtPct(g.mean), fmtPct(g.max)] : [g.mean.toFixed(1), fmtCount(g.max)];
}

function hitRateText(s: ServerWindowSummary): string {
  if (s.prefixCacheHitRate === undefined) {
    if (s.deltas.prefixCacheQueries === 0) return "no prefix-cache lookup in the window";
    return NOT_EXPOSED;
  }
  const basis =
    s.prefixCacheHitRateBasis === "cached/(cached+computed)"
      ? "Δcached / (Δcached + Δcomputed prompt tokens)"
      : s.prefixCacheHitRateBasis === "cached/prompt"
        ? "Δcached / Δprompt tokens"
        : "Δhits / Δqueries";
  return `${fmtPct(s.prefixCacheHitRate)} (${basis} over this window)`;
}

function gap(client: number | undefined, server: number | undefined): string {
  if (client === undefined || server === undefined || !Number.isFinite(client) || !Number.isFinite(server)) return "—";
  const d = client - server;
  return `${d >= 0 ? "+" : "−"}${fmtMs(Math.abs(d))}`;
}

function ms(v: number | undefined): string {
  return v === undefined ? "—" : fmtMs(v);
}

export interface ServerMetricsSectionOptions {
  /** The `###` heading's text; false when the caller writes its own heading. */
  heading?: string | false;
}

/**
 * The section, starting with a `###` heading (no deeper one inside). `client` adds the
 * client-vs-server TTFT table.
 */
export function renderServerMetricsSection(
  s: ServerWindowSummary,
  client?: { ttftMs?: ClientTtft },
  options: ServerMetricsSectionOptions = {},
): string {
  const out: string[] = [];
  const heading = options.heading ?? `Server metrics (${SERVER_NAMES[s.server]}, from its /metrics)`;
  if (heading !== false) {
    out.push(`### ${heading}`);
    out.push("");
  }
  const windowMs = s.to - s.from;
  const span = s.deltaSpan
    ? `counters diffed between the snapshots at ${fmtDuration(s.deltaSpan.from - s.from)} and ${fmtDuration(s.deltaSpan.to - s.from)} from the window start`
    : "no pair of snapshots to diff counters between";
  out.push(
    `Scraped from ${SERVER_NAMES[s.server]} over a window of ${fmtDuration(windowMs)}: ${s.samples} snapshot${s.samples === 1 ? "" : "s"} inside it (the gauges rest on these); ${span}.` +
      (s.prefixCachingEnabled === undefined ? "" : ` Prefix caching: ${s.prefixCachingEnabled ? "on" : "off"} (server configuration).`),
  );
  out.push("");

  const rows: string[][] = [
    ["Prompt tokens", counterCell(s, "promptTokens")],
    ["Generation tokens", counterCell(s, "generationTokens")],
  ];
  if (s.server === "llamacpp" || s.deltas.promptTokensCached !== undefined) {
    rows.push(["Prompt tokens reused from the cache", counterCell(s, "promptTokensCached")]);
  }
  if (s.server !== "llamacpp") {
    rows.push(["Prefix cache queries (tokens)", counterCell(s, "prefixCacheQueries")]);
    rows.push(["Prefix cache hits (tokens)", counterCell(s, "prefixCacheHits")]);
  }
  rows.push(["Prefix cache hit rate", hitRateText(s)]);
  rows.push(["Preemptions", counterCell(s, "preemptions")]);
  rows.push(["Requests finished (stop or length)", counterCell(s, "requestsSucceeded")]);
  out.push(table(["Counter, Δ over the window", "Value"], rows));
  out.push("");
  out.push(
    "The hit rate is computed from the counters' deltas over this window only — never the server's logged rolling rate, " +
      "which covers the last requests the server saw, whoever sent them.",
  );
  if (s.gauges.reportedCacheHitRate) {
    out.push(
      `The server's own rolling hit-rate gauge read ${fmtPct(s.gauges.reportedCacheHitRate.mean)} on average in the window (reference only, not used).`,
    );
  }
  out.push("");

  const [runMean, runMax] = gaugeCells(s.gauges.requestsRunning, false);
  const [waitMean, waitMax] = gaugeCells(s.gauges.requestsWaiting, false);
  const [kvMean, kvMax] = gaugeCells(s.gauges.kvCacheUsage, true);
  out.push(
    table(
      [`Gauge (${s.samples} snapshot${s.samples === 1 ? "" : "s"})`, "Mean", "Max"],
      [
        ["Requests running", runMean, runMax],
        ["Requests waiting", waitMean, waitMax],
        ["KV cache usage", kvMean, kvMax],
      ],
    ),
  );
  out.push("");

  const latencyRows: string[][] = [];
  for (const [label, h] of [
    ["TTFT", s.ttftMs],
    ["Inter-token latency", s.itlMs],
    ["E2E latency", s.e2eMs],
    ["Queue time", s.queueTimeMs],
  ] as const) {
    if (h) {
      const q = (key: "p50" | "p90" | "p99") => (h.upperBounds?.includes(key) ? `≤ ${ms(h[key])}` : ms(h[key]));
      latencyRows.push([label, String(h.n), ms(h.mean), q("p50"), q("p90"), q("p99")]);
    }
  }
  if (latencyRows.length > 0) {
    out.push(table(["Server histogram, over the window", "n", "Mean", "p50", "p90", "p99"], latencyRows));
    out.push("");
    out.push(
      "Server quantiles are interpolated inside histogram buckets (as Prometheus' histogram_quantile), so they are only as fine as the buckets; “≤ x” means the quantile lies in the first bucket, whose upper bound is all that is known.",
    );
    out.push("");
  }

  const c = client?.ttftMs;
  if (c) {
    const srv = s.ttftMs;
    out.push(
      table(
        ["TTFT", "Client-measured", "Server histogram", "Gap (client − server)"],
        [
          ["n", String(c.n), srv ? String(srv.n) : NOT_EXPOSED, "—"],
          ["Mean", ms(c.mean), srv ? ms(srv.mean) : NOT_EXPOSED, gap(c.mean, srv?.mean)],
          ...(["p50", "p90"] as const).map((k) => {
            const bound = srv?.upperBounds?.includes(k) ?? false;
            return [k, ms(c[k]), srv ? `${bound ? "≤ " : ""}${ms(srv[k])}` : NOT_EXPOSED, bound ? "—" : gap(c[k], srv?.[k])];
          }),
        ],
      ),
    );
    out.push("");
    out.push(
      "The gap is network + client + HTTP framing overhead; vLLM measures TTFT from request arrival in its frontend. " +
        "The server counts every request in the window, including other clients' and warm-up requests, so its n can differ.",
    );
    out.push("");
  }

  if (s.notes && s.notes.length > 0) {
    out.push("Notes:");
    for (const n of s.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n").trimEnd() + "\n";
}
