/**
 * Window summaries of a server-metrics timeline: pure functions, no I/O.
 *
 * Counters are cumulative since the server started, so a window's figure is a difference
 * between two snapshots. By default ("inside") those are the snapshots taken at the window's
 * edges — a scenario's own start and end snapshots — else the first and last ones inside the
 * window, so that the warm-up or a neighbouring scenario is never counted; "around" takes
 * the last one at or before `from` and the first one at or after `to` instead. A counter
 * that goes down inside that span (the server restarted) gets no delta rather than a wrong
 * one; a counter or histogram absent from the first snapshot and present in the second
 * counts from zero (client libraries create labelled series on first use). Histograms are
 * diffed between the same two snapshots, bucket by bucket; their quantiles are
 * interpolated inside buckets as Prometheus' histogram_quantile() does, and left out where
 * the buckets cannot resolve them. Gauges are averaged over the snapshots inside [from, to].
 */
import type {
  HistogramQuantileName,
  HistogramValue,
  HistogramWindowSummary,
  NormalizedMetrics,
  ServerCounterName,
  ServerSnapshot,
  ServerWindowSummary,
  WindowEdge,
  WindowOptions,
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

/**
 * Mean and p50/p90/p99 of a histogram of seconds, in ms; undefined without observations.
 * A quantile the buckets cannot resolve — one in the first bucket, where interpolating from 0
 * invents a value, or one above the highest finite bound, where histogram_quantile() returns
 * that bound — is left out and listed in `unresolved` with the observations that bucket
 * holds. A sum of 0 gives no mean (see HistogramWindowSummary.mean).
 */
export function summarizeHistogramMs(h: HistogramValue): HistogramWindowSummary | undefined {
  if (!(h.count > 0)) return undefined;
  const out: HistogramWindowSummary = { n: h.count };
  if (h.sum !== 0 && Number.isFinite(h.sum)) out.mean = (h.sum / h.count) * 1000;
  const buckets = finiteBuckets(h);
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const unresolved: HistogramQuantileName[] = [];
  let inFirst = false;
  let aboveLast = false;
  for (const [key, q] of [["p50", 0.5], ["p90", 0.9], ["p99", 0.99]] as const) {
    const v = histogramQuantile(q, h);
    if (v === undefined) continue;
    const rank = q * h.count;
    if (first && first.le > 0 && first.count >= rank) {
      unresolved.push(key);
      inFirst = true;
    } else if (last && last.count < rank) {
      unresolved.push(key);
      aboveLast = true;
    } else {
      out[key] = v * 1000;
    }
  }
  if (unresolved.length > 0) {
    out.unresolved = { quantiles: unresolved };
    if (inFirst && first) out.unresolved.firstBucket = { le: first.le * 1000, count: first.count };
    if (aboveLast && last) out.unresolved.aboveLast = { le: last.le * 1000, count: h.count - last.count };
  }
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
 * How far (ms) a snapshot may miss a window's edge and still be the edge's own: the
 * executor scrapes right before a scenario's start and right after its end, so its
 * boundary snapshots lie a scrape's duration (plus a busy event loop's delay) outside the
 * span it records.
 */
export const EDGE_SLACK_MS = 100;

interface Picked {
  snap: GoodSnapshot;
  edge: WindowEdge;
}

/** When a scrape ended (its answer read), or when it was sent if the duration is unknown. */
function scrapeEnd(s: ServerSnapshot): number {
  return s.t + (s.scrapeMs !== undefined && Number.isFinite(s.scrapeMs) ? s.scrapeMs : 0);
}

/** Where a start snapshot lies against the window [from, to]. */
function startEdge(s: ServerSnapshot, from: number, to: number): WindowEdge {
  if (s.t <= from) return scrapeEnd(s) >= from - EDGE_SLACK_MS ? "at" : "outside";
  if (s.t - from <= EDGE_SLACK_MS) return "at";
  return s.t <= to ? "inside" : "outside";
}

/**
 * Where an end snapshot lies against the window [from, to]. A snapshot asked for at `to`
 * waits for the scrape then in flight, so the slack after `to` grows by what was left of
 * that scrape.
 */
function endEdge(s: ServerSnapshot, from: number, to: number, all: readonly ServerSnapshot[]): WindowEdge {
  if (s.t >= to) {
    let inFlight = 0;
    for (const x of all) if (x.t < to) inFlight = Math.max(inFlight, scrapeEnd(x) - to);
    return s.t - to <= EDGE_SLACK_MS + inFlight ? "at" : "outside";
  }
  if (to - s.t <= EDGE_SLACK_MS) return "at";
  return s.t >= from ? "inside" : "outside";
}

/** The snapshot counters start from: the start's own, else the first inside, else the last before. */
function pickStart(good: GoodSnapshot[], from: number, to: number, bounds: "inside" | "around"): Picked {
  let before: GoodSnapshot | undefined;
  for (const s of good) if (s.t <= from) before = s;
  const inside = good.find((s) => s.t > from && s.t <= to);
  const edgeOf = (s: GoodSnapshot): Picked => ({ snap: s, edge: startEdge(s, from, to) });
  if (bounds === "around") return edgeOf(before ?? good[0]!);
  if (before && startEdge(before, from, to) === "at") return edgeOf(before);
  if (inside) return edgeOf(inside);
  return edgeOf(before ?? good[0]!);
}

/** The snapshot counters end at: the end's own, else the last inside, else the first after. */
function pickEnd(good: GoodSnapshot[], all: readonly ServerSnapshot[], from: number, to: number, bounds: "inside" | "around"): Picked {
  const after = good.find((s) => s.t >= to);
  let inside: GoodSnapshot | undefined;
  for (const s of good) if (s.t >= from && s.t < to) inside = s;
  const edgeOf = (s: GoodSnapshot): Picked => ({ snap: s, edge: endEdge(s, from, to, all) });
  if (bounds === "around") return edgeOf(after ?? good[good.length - 1]!);
  if (after && endEdge(after, from, to, all) === "at") return edgeOf(after);
  if (inside) return edgeOf(inside);
  return edgeOf(after ?? good[good.length - 1]!);
}

/**
 * Summarises the snapshots over [from, to] (performance.now() ms). Undefined when no
 * snapshot succeeded. Input order does not matter. `options.bounds` says which two
 * snapshots the counters are diffed between (see WindowBounds); notes say by how much they
 * miss the window when they do not lie at its edges.
 */
export function summarizeWindow(
  snapshots: readonly ServerSnapshot[],
  from: number,
  to: number,
  options: WindowOptions = {},
): ServerWindowSummary | undefined {
  const bounds = options.bounds ?? "inside";
  const all = [...snapshots].sort((a, b) => a.t - b.t);
  const good = all.filter(isGood);
  if (good.length === 0) return undefined;
  const notes: string[] = [];

  // the two snapshots counters and histograms are diffed between
  const a = pickStart(good, from, to, bounds);
  let b = pickEnd(good, all, from, to, bounds);
  if (b.snap.t < a.snap.t) b = a;
  const start = a.snap;
  const end = b.snap;
  const startIdx = good.indexOf(start);
  const endIdx = good.indexOf(end);
  const span = good.slice(startIdx, endIdx + 1);
  if (endIdx > startIdx) {
    if (a.edge === "inside") notes.push(`no snapshot at the window start: deltas start at the first snapshot inside it, ${fmtT(start.t - from)} late (the window's requests before it are not counted)`);
    if (a.edge === "outside") {
      notes.push(
        start.t <= from
          ? `no snapshot at the window start: deltas start at the last snapshot before it, ${fmtT(from - start.t)} early (traffic before the window is counted)`
          : `no snapshot at or inside the window: deltas start at the first snapshot, ${fmtT(start.t - from)} after the window start`,
      );
    }
    if (b.edge === "inside") notes.push(`no snapshot at the window end: deltas end at the last snapshot inside it, ${fmtT(to - end.t)} early (the window's requests after it are not counted)`);
    if (b.edge === "outside") {
      notes.push(
        end.t >= to
          ? `no snapshot at the window end: deltas end at the first snapshot after it, ${fmtT(end.t - to)} late (traffic after the window is counted)`
          : `no snapshot at or inside the window: deltas end at the last snapshot, ${fmtT(to - end.t)} before the window end`,
      );
    }
  }

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
    summary.edges = { start: a.edge, end: b.edge };
    summary.bounds = bounds;
    const resets: ServerCounterName[] = [];
    for (const name of COUNTERS) {
      const last = end.values[name];
      if (last === undefined) continue;
      // a series absent at the start has not been used yet (client libraries create
      // labelled series on first use): it counts from zero
      const first = start.values[name] ?? 0;
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
      summary.deltas[name] = last - first;
    }
    if (resets.length > 0) summary.resetCounters = resets;

    for (const [field, key] of [
      ["ttft", "ttftMs"],
      ["itl", "itlMs"],
      ["e2e", "e2eMs"],
      ["queueTime", "queueTimeMs"],
    ] as const) {
      const hEnd = end.values[field];
      if (!hEnd) continue;
      const hStart = start.values[field] ?? emptyLike(hEnd);
      const d = diffHistogram(hStart, hEnd);
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

/** A scenario's own time span, as the executor attaches it (attachments[scenario].span). */
export interface ScenarioSpan {
  startPerfMs: number;
  endPerfMs: number;
  startEpochMs?: number;
  endEpochMs?: number;
}

/** A ScenarioSpan read from attachments.json (unknown JSON); undefined when it is not one. */
export function readScenarioSpan(value: unknown): ScenarioSpan | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const start = v["startPerfMs"];
  const end = v["endPerfMs"];
  if (typeof start !== "number" || typeof end !== "number" || !Number.isFinite(start) || !Number.isFinite(end) || end < start) return undefined;
  const span: ScenarioSpan = { startPerfMs: start, endPerfMs: end };
  if (typeof v["startEpochMs"] === "number") span.startEpochMs = v["startEpochMs"];
  if (typeof v["endEpochMs"] === "number") span.endEpochMs = v["endEpochMs"];
  return span;
}

/**
 * The server's figures over one scenario. With the scenario's own span (the executor takes a
 * snapshot right before its start and right after its end), counters are diffed between
 * those two snapshots ("inside"): neither the warm-up nor a neighbouring scenario is
 * counted. Without one (run folders written before the span was recorded), around its
 * requests' span, first send to last byte ("around"), which may take in a neighbour's
 * traffic up to the nearest polls; the notes then say by how much.
 */
export function summarizeScenarioWindow(
  snapshots: readonly ServerSnapshot[],
  span: unknown,
  requests?: { start: number; end: number },
): ServerWindowSummary | undefined {
  const own = readScenarioSpan(span);
  if (own) return summarizeWindow(snapshots, own.startPerfMs, own.endPerfMs, { bounds: "inside" });
  if (!requests) return undefined;
  const s = summarizeWindow(snapshots, requests.start, requests.end, { bounds: "around" });
  if (s) s.notes = [...(s.notes ?? []), "no span recorded for this scenario (an older run folder): the window is its requests' span, from the first send to the last byte"];
  return s;
}
