/**
 * Window summaries of a server-metrics timeline: pure functions, no I/O.
 *
 * Counters are cumulative since the server started, so a window's figure is a difference
 * between two snapshots: the last good one at or before `from` (else the first one) and
 * the first good one at or after `to` (else the last one). A counter that goes down inside
 * that span (the server restarted) gets no delta rather than a wrong one; a counter or
 * histogram absent from the first snapshot and present in the second counts from zero
 * (client libraries create labelled series on first use). Histograms are
 * diffed between the same two snapshots, bucket by bucket; their quantiles are
 * interpolated inside buckets as Prometheus' histogram_quantile() does. Gauges are
 * averaged over the snapshots inside [from, to].
 */
import type {
  HistogramValue,
  HistogramWindowSummary,
  NormalizedMetrics,
  ServerCounterName,
  ServerSnapshot,
  ServerWindowSummary,
} from "./types.js";

const COUNTERS: readonly ServerCounterName[] = [
  "prefixCacheQueries",
  "prefixCacheHits",
  "promptTokens",
  "promptTokensCached",
  "generationTokens",
  "preemptions",
  "requestsSucceeded",
];

type GaugeName = "requestsRunning" | "requestsWaiting" | "kvCacheUsage" | "reportedCacheHitRate";
const GAUGES: readonly GaugeName[] = ["requestsRunning", "requestsWaiting", "kvCacheUsage", "reportedCacheHitRate"];

type GoodSnapshot = ServerSnapshot & { values: NormalizedMetrics };

function isGood(s: ServerSnapshot): s is GoodSnapshot {
  return s.error === undefined && s.values !== undefined;
}

/** Finite upper bounds sorted, +Inf dropped (`null` is how JSON wrote Infinity). */
function finiteBuckets(h: HistogramValue): { le: number; count: number }[] {
  return h.buckets
    .filter((b) => b.le !== null && Number.isFinite(b.le))
    .slice()
    .sort((a, b) => a.le - b.le);
}

/**
 * The q-quantile of a cumulative histogram, as Prometheus' histogram_quantile(): find the
 * bucket holding rank q·count, interpolate linearly between its lower and upper bound
 * (lower bound 0 for the first bucket); a rank in the +Inf bucket gives the highest finite
 * bound. Undefined without observations or finite buckets.
 */
export function histogramQuantile(q: number, h: HistogramValue): number | undefined {
  const buckets = finiteBuckets(h);
  const total = h.count;
  if (!(total > 0) || buckets.length === 0 || !(q >= 0 && q <= 1)) return undefined;
  const rank = q * total;
  let i = buckets.findIndex((b) => b.count >= rank);
  if (i === -1) return buckets[buckets.length - 1]!.le;
  const upper = buckets[i]!;
  if (i === 0 && upper.le <= 0) return upper.le;
  const lowerBound = i === 0 ? 0 : buckets[i - 1]!.le;
  const below = i === 0 ? 0 : buckets[i - 1]!.count;
  const inBucket = upper.count - below;
  if (inBucket <= 0) return lowerBound;
  return lowerBound + (upper.le - lowerBound) * ((rank - below) / inBucket);
}

export type HistogramDelta = { ok: true; value: HistogramValue } | { ok: false; reason: "reset" | "layout" };

/** end − start, bucket by bucket. Fails when the count went down or the bucket bounds changed. */
export function diffHistogram(start: HistogramValue, end: HistogramValue): HistogramDelta {
  if (end.count < start.count) return { ok: false, reason: "reset" };
  const a = finiteBuckets(start);
  const b = finiteBuckets(end);
  if (a.length !== b.length || a.some((x, i) => x.le !== b[i]!.le)) return { ok: false, reason: "layout" };
  const buckets = b.map((x, i) => ({ le: x.le, count: x.count - a[i]!.count }));
  if (buckets.some((x) => x.count < 0)) return { ok: false, reason: "reset" };
  return { ok: true, value: { buckets, sum: end.sum - start.sum, count: end.count - start.count } };
}

/** Mean and p50/p90/p99 of a histogram of seconds, in ms; undefined without observations. */
export function summarizeHistogramMs(h: HistogramValue): HistogramWindowSummary | undefined {
  if (!(h.count > 0)) return undefined;
  const out: HistogramWindowSummary = { n: h.count, mean: (h.sum / h.count) * 1000 };
  const first = finiteBuckets(h)[0];
  const bounds: ("p50" | "p90" | "p99")[] = [];
  for (const [key, q] of [["p50", 0.5], ["p90", 0.9], ["p99", 0.99]] as const) {
    const v = histogramQuantile(q, h);
    if (v === undefined) continue;
    // Inside the first bucket, Prometheus interpolates from 0, which says nothing real:
    // report the bucket's bound instead, flagged as such.
    if (first && first.le > 0 && first.count >= q * h.count) {
      out[key] = first.le * 1000;
      bounds.push(key);
    } else {
      out[key] = v * 1000;
    }
  }
  if (bounds.length > 0) out.upperBounds = bounds;
  return out;
}

/** The same buckets with no observation: a histogram series not created yet. */
function emptyLike(h: HistogramValue): HistogramValue {
  return { buckets: h.buckets.map((b) => ({ le: b.le, count: 0 })), sum: 0, count: 0 };
}

function fmtT(t: number): string {
  return `${t.toFixed(0)} ms`;
}

/**
 * Summarises the snapshots over [from, to] (performance.now() ms). Undefined when no
 * snapshot succeeded. Input order does not matter.
 */
export function summarizeWindow(snapshots: ServerSnapshot[], from: number, to: number): ServerWindowSummary | undefined {
  const good = snapshots.filter(isGood).sort((a, b) => a.t - b.t);
  if (good.length === 0) return undefined;
  const notes: string[] = [];

  // the two snapshots counters and histograms are diffed between
  let startIdx = -1;
  for (let i = 0; i < good.length; i++) if (good[i]!.t <= from) startIdx = i;
  if (startIdx === -1) {
    startIdx = 0;
    notes.push(`no snapshot at or before the window start: deltas start at the first snapshot, ${fmtT(good[0]!.t - from)} late`);
  }
  let endIdx = good.findIndex((s) => s.t >= to);
  if (endIdx === -1) {
    endIdx = good.length - 1;
    if (good[endIdx]!.t < to) notes.push(`no snapshot at or after the window end: deltas end at the last snapshot, ${fmtT(to - good[endIdx]!.t)} early`);
  }
  if (endIdx < startIdx) endIdx = startIdx;
  const start = good[startIdx]!;
  const end = good[endIdx]!;
  const span = good.slice(startIdx, endIdx + 1);

  const inside = good.filter((s) => s.t >= from && s.t <= to);
  const summary: ServerWindowSummary = {
    server: end.values.server,
    from,
    to,
    samples: inside.length,
    deltas: {},
    gauges: {},
  };

  if (endIdx > startIdx) {
    summary.deltaSpan = { from: start.t, to: end.t };
    const resets: ServerCounterName[] = [];
    for (const name of COUNTERS) {
      const b = end.values[name];
      if (b === undefined) continue;
      // a series absent at the start has not been used yet (client libraries create
      // labelled series on first use): it counts from zero
      const a = start.values[name] ?? 0;
      let prev: number | undefined;
      let wentDown = false;
      for (const s of span) {
        const v = s.values[name];
        if (v === undefined) continue;
        if (prev !== undefined && v < prev) wentDown = true;
        prev = v;
      }
      if (wentDown) {
        resets.push(name);
        notes.push(`${name} went down inside the window (server restart?): no delta`);
        continue;
      }
      summary.deltas[name] = b - a;
    }
    if (resets.length > 0) summary.resetCounters = resets;

    for (const [field, key] of [
      ["ttft", "ttftMs"],
      ["itl", "itlMs"],
      ["e2e", "e2eMs"],
      ["queueTime", "queueTimeMs"],
    ] as const) {
      const b = end.values[field];
      if (!b) continue;
      const a = start.values[field] ?? emptyLike(b);
      const d = diffHistogram(a, b);
      if (!d.ok) {
        notes.push(
          d.reason === "reset"
            ? `the ${field} histogram went down inside the window (server restart?): not summarised`
            : `the ${field} histogram changed its buckets inside the window: not summarised`,
        );
        continue;
      }
      const s = summarizeHistogramMs(d.value);
      if (s) summary[key] = s;
    }
  } else {
    notes.push("a single usable snapshot covers the window: no counter deltas");
  }

  // prefix cache hit rate over the window, from counter deltas only
  const d = summary.deltas;
  if (summary.server === "llamacpp") {
    if (d.promptTokensCached !== undefined && d.promptTokens !== undefined && d.promptTokensCached + d.promptTokens > 0) {
      summary.prefixCacheHitRate = d.promptTokensCached / (d.promptTokensCached + d.promptTokens);
      summary.prefixCacheHitRateBasis = "cached/(cached+computed)";
    }
  } else if (d.prefixCacheQueries !== undefined && d.prefixCacheHits !== undefined) {
    if (d.prefixCacheQueries > 0) {
      summary.prefixCacheHitRate = d.prefixCacheHits / d.prefixCacheQueries;
      summary.prefixCacheHitRateBasis = "hits/queries";
    }
  } else if (d.promptTokensCached !== undefined && d.promptTokens !== undefined && d.promptTokens > 0) {
    summary.prefixCacheHitRate = d.promptTokensCached / d.promptTokens;
    summary.prefixCacheHitRateBasis = "cached/prompt";
  }

  for (const name of GAUGES) {
    let sum = 0;
    let n = 0;
    let max = -Infinity;
    for (const s of inside) {
      const v = s.values[name];
      if (v === undefined || !Number.isFinite(v)) continue;
      sum += v;
      n++;
      if (v > max) max = v;
    }
    if (n > 0) summary.gauges[name] = { mean: sum / n, max };
  }

  for (let i = span.length - 1; i >= 0; i--) {
    const flag = span[i]!.values.prefixCachingEnabled;
    if (flag !== undefined) {
      summary.prefixCachingEnabled = flag;
      break;
    }
  }
  if (notes.length > 0) summary.notes = notes;
  return summary;
}
