/**
 * The "Server metrics" section of report.md: what the server's own /metrics said over a
 * window (counter deltas, gauges, latency histograms) and how its TTFT compares with the
 * client's. Pure: a ServerWindowSummary in, Markdown out. Every value is a number or one
 * of our own words, except the server's own name (its Server header), which md.ts escapes;
 * a figure the server does not expose says so.
 */
import type { HistogramWindowSummary, ServerCounterName, ServerKind, ServerWindowSummary } from "../monitor/types.js";
import { fmtDuration, fmtMs, fmtPct, table } from "./format.js";
import { code, heading, type Inline } from "./md.js";

export interface ClientTtft {
  mean?: number;
  p50?: number;
  p90?: number;
  n: number;
}


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

/** What the target said about itself (the run's TargetInfo): who serves the metrics. */
export interface ServerIdentity {
  /** True for shakedown's own simulator. */
  simulated?: boolean;
  /** The HTTP `Server` header of GET /v1/models, when the server sent one. */
  serverHeader?: string;
}

export interface ServerMetricsSectionOptions {
  /** The `###` heading's text; false when the caller writes its own heading. */
  heading?: string | false;
  /** Who serves the metrics, for the heading: the metric names say only which dialect they speak. */
  identity?: ServerIdentity;
  /** True when the scenario has the server's per-request timings (their own table follows). */
  perRequestTruth?: boolean;
}

/** Whose names the scrape used: a dialect, not a claim about the server behind it. */
const DIALECTS: Record<ServerKind, string | undefined> = {
  vllm: "vLLM",
  sglang: "SGLang",
  llamacpp: "llama.cpp",
  tgi: "TGI",
  unknown: undefined,
};

/**
 * "Server metrics (vLLM-style names, served by shakedown's simulator)": the mapping detects
 * the names' dialect; the simulator flag and the Server header say who served them.
 */
export function serverMetricsHeading(kind: ServerKind, identity: ServerIdentity = {}): Inline[] {
  const dialect = DIALECTS[kind];
  const names = dialect ? `${dialect}-style names` : "names of no known server";
  if (identity.simulated) return [`Server metrics (${names}, served by shakedown's simulator)`];
  if (identity.serverHeader) return [`Server metrics (${names}; the server calls itself `, code(identity.serverHeader, 80), ")"];
  return [`Server metrics (${names})`];
}

const QUANTILES = ["p50", "p90", "p99"] as const;

/** What a histogram row cannot resolve, in words: where the unresolved quantiles' observations lie. */
function unresolvedText(h: HistogramWindowSummary): string {
  const parts: string[] = [];
  const u = h.unresolved;
  if (u) {
    const qs = u.quantiles.join(", ");
    const share = (count: number) => (count >= h.n ? `all ${fmtCount(h.n)}` : `${fmtCount(count)} of ${fmtCount(h.n)}`);
    if (u.firstBucket) parts.push(`${qs}: ${share(u.firstBucket.count)} observations lie in the first bucket, between 0 and ${fmtMs(u.firstBucket.le)}`);
    else if (u.aboveLast) parts.push(`${qs}: ${share(u.aboveLast.count)} observations lie above the last bound, ${fmtMs(u.aboveLast.le)}`);
    if (u.firstBucket && u.aboveLast) parts.push(`${fmtCount(u.aboveLast.count)} lie above the last bound, ${fmtMs(u.aboveLast.le)}`);
  }
  if (h.mean === undefined) parts.push("no mean: the sum did not move (every observation 0, or the server records no sum)");
  return parts.join("; ");
}

/**
 * The client-vs-server TTFT comparison, only between like populations: when the server's
 * histogram counted as many requests in the window as the client measured TTFT on, they
 * are the same requests (the window holds this scenario alone); otherwise the two figures
 * are shown side by side, and their difference is not computed.
 */
function ttftComparison(s: ServerWindowSummary, c: ClientTtft, perRequestTruth: boolean): string[] {
  const out: string[] = [];
  const srv = s.ttftMs;
  if (!srv) {
    out.push(
      perRequestTruth
        ? "The server's /metrics have no TTFT histogram; its own per-request timings are compared with the client's, request by request, in the next table."
        : `The server's /metrics have no TTFT histogram: the client's TTFT (mean ${ms(c.mean)}, n = ${c.n}) has no server-side counterpart here.`,
    );
    out.push("");
    return out;
  }
  const atEdges = s.edges?.start === "at" && s.edges.end === "at";
  const same = srv.n === c.n;
  const srvQ = (k: "p50" | "p90") => (srv[k] === undefined ? "— (not resolved by the buckets)" : ms(srv[k]));
  if (same) {
    out.push(
      table(
        ["TTFT, same requests", "Client-measured", "Server histogram", "Client − server"],
        [
          ["n", String(c.n), String(srv.n), "—"],
          ["Mean", ms(c.mean), ms(srv.mean), gap(c.mean, srv.mean)],
          ...(["p50", "p90"] as const).map((k) => [k, ms(c[k]), srvQ(k), gap(c[k], srv[k])]),
        ],
      ),
    );
    out.push("");
    out.push(
      `Both columns count the same ${c.n} requests${atEdges ? " (the window is bounded by snapshots taken at its start and at its end)" : ""}. ` +
        "The difference is the time outside the server's TTFT clock: the network both ways, the server's HTTP handling and whatever it does before its clock starts " +
        "(where that is depends on the server and its version: chat-template rendering and tokenization may come before it), SSE framing and the client reading the chunk. " +
        "It is not the client's own overhead alone. Server quantiles are interpolated inside buckets, so their differences are only as fine as the buckets.",
    );
  } else {
    out.push(
      table(
        ["TTFT", "Client-measured", "Server histogram"],
        [
          ["n", String(c.n), String(srv.n)],
          ["Mean", ms(c.mean), ms(srv.mean)],
          ...(["p50", "p90"] as const).map((k) => [k, ms(c[k]), srvQ(k)]),
        ],
      ),
    );
    out.push("");
    const more = srv.n > c.n;
    out.push(
      `Not compared: the two columns rest on different requests. The server's histogram counted ${srv.n} request${srv.n === 1 ? "" : "s"} in this window, the client measured TTFT on ${c.n} ` +
        "(successful streamed requests of this scenario; a non-streamed request has no client TTFT). " +
        (more
          ? `The other ${srv.n - c.n} — non-streamed or failed requests, ${atEdges ? "or other clients' traffic" : "the warm-up, a neighbouring scenario or other clients' traffic"} — are in the server's figure only, `
          : `${c.n - srv.n} of the client's requests are not in the server's figure (the counters' window is narrower than the scenario: see the notes), `) +
        "so the difference between the columns is not an overhead and is not given.",
    );
  }
  out.push("");
  return out;
}

/**
 * The section, starting with a `###` heading (no deeper one inside). `client` adds the
 * client-vs-server TTFT comparison.
 */
export function renderServerMetricsSection(
  s: ServerWindowSummary,
  client?: { ttftMs?: ClientTtft },
  options: ServerMetricsSectionOptions = {},
): string {
  const out: string[] = [];
  if (options.heading !== false) {
    out.push(options.heading !== undefined ? `### ${options.heading}` : heading(3, serverMetricsHeading(s.server, options.identity)));
    out.push("");
  }
  const windowMs = s.to - s.from;
  const atEdges = s.edges?.start === "at" && s.edges.end === "at";
  const span = !s.deltaSpan
    ? "There is no pair of snapshots to diff counters between."
    : atEdges
      ? "Counters are diffed between the snapshots taken at the window's start and at its end: they count this window's requests and no other request of this run (another client's would count too)."
      : `Counters are diffed between the snapshots at ${fmtDuration(s.deltaSpan.from - s.from)} and ${fmtDuration(s.deltaSpan.to - s.from)} from the window start (see the notes).`;
  out.push(
    `From the server's /metrics over a window of ${fmtDuration(windowMs)}. ${span} The gauges rest on the ${s.samples} snapshot${s.samples === 1 ? "" : "s"} inside the window.` +
      (s.prefixCachingEnabled === undefined ? "" : ` Prefix caching: ${s.prefixCachingEnabled ? "on" : "off"} (server configuration).`),
  );
  out.push("");

  const llama = s.server === "llamacpp";
  const rows: string[][] = [];
  if (llama) {
    rows.push(["Prompt tokens computed (llama.cpp's prompt_tokens_total: cached ones excluded)", counterCell(s, "promptTokens")]);
    rows.push(["Prompt tokens reused from the cache (prompt_tokens_cached_total)", counterCell(s, "promptTokensCached")]);
    const p = s.deltas.promptTokens;
    const c = s.deltas.promptTokensCached;
    if (p !== undefined && c !== undefined) rows.push(["Prompt tokens in all (computed + reused)", fmtCount(p + c)]);
  } else {
    const included = s.server === "vllm" || s.server === "sglang" ? " (cached ones included)" : "";
    rows.push([`Prompt tokens${included}`, counterCell(s, "promptTokens")]);
    if (s.deltas.promptTokensCached !== undefined) rows.push(["Prompt tokens served from the cache", counterCell(s, "promptTokensCached")]);
  }
  rows.push(["Generation tokens", counterCell(s, "generationTokens")]);
  if (!llama) {
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

  const hists: [string, HistogramWindowSummary][] = [];
  for (const [label, h] of [
    ["TTFT", s.ttftMs],
    ["Inter-token latency", s.itlMs],
    ["E2E latency", s.e2eMs],
    ["Queue time", s.queueTimeMs],
  ] as const) {
    if (h) hists.push([label, h]);
  }
  if (hists.length > 0) {
    const notes = hists.map(([, h]) => unresolvedText(h));
    const withNotes = notes.some((n) => n !== "");
    const latencyRows = hists.map(([label, h], i) => {
      const row = [label, fmtCount(h.n), ms(h.mean), ...QUANTILES.map((k) => ms(h[k]))];
      return withNotes ? [...row, notes[i] || "—"] : row;
    });
    out.push(table(["Server histogram, over the window", "n", "Mean", "p50", "p90", "p99", ...(withNotes ? ["Not resolved by the buckets"] : [])], latencyRows));
    out.push("");
    out.push(
      "Server quantiles are interpolated inside histogram buckets (as Prometheus' histogram_quantile), so they are only as fine as the buckets. " +
        "A quantile that falls in the first bucket (between 0 and its bound) or above the last bound is not resolved: it is shown as “—”, and the last column says where its observations lie.",
    );
    out.push("");
  }

  const c = client?.ttftMs;
  if (c && c.n > 0) out.push(...ttftComparison(s, c, options.perRequestTruth ?? false));

  if (s.notes && s.notes.length > 0) {
    out.push("Notes:");
    for (const n of s.notes) out.push(`- ${n}`);
    out.push("");
  }
  return out.join("\n").trimEnd() + "\n";
}
