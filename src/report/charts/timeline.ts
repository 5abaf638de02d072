/**
 * The run's timeline: one chart, rows stacked on a shared time axis (seconds from the run's
 * start): the client's requests (TTFT by send time, failures marked), the server's running
 * and waiting requests, its KV cache usage and preemptions (when /metrics was scraped), the
 * GPUs' utilisation and memory (when sampled).
 *
 * Clocks: records, snapshots and GPU samples carry the shakedown process's performance.now()
 * (one clock, load workers' times already moved onto it) and the wall clock beside it. The
 * run's start (results.startedAt, wall clock) is put on the performance clock through the
 * median of the records' (else the snapshots', else the samples') wall − performance offsets.
 */
import type { GpuSample } from "../../monitor/gpu/types.js";
import type { ServerSnapshot } from "../../monitor/types.js";
import { reduceForDrawing, type Reduced } from "./downsample.js";
import { chart, COLORS, count, isNum, MAX_POINTS, metricsOf, num, type Chart, type ChartInput } from "./common.js";
import type { VlSpec } from "./render.js";

/** The plot width of a row (the legend sits at its right). */
const ROW_WIDTH = 720;
const ROW_HEIGHT = 110;

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** The run's start on the performance clock (ms), and the latest time any series reaches. */
export function timelineOrigin(input: ChartInput): { origin: number; end: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  const see = (t: number, end = t) => {
    if (!isNum(t)) return;
    if (t < first) first = t;
    if (isNum(end) && end > last) last = end;
    if (t > last) last = t;
  };
  for (const r of input.records) see(r.result.sentPerfMs, r.result.sentPerfMs + (r.result.t.lastByte ?? 0));
  for (const s of input.server) see(s.t);
  for (const g of input.gpu) see(g.t);
  if (first === Infinity) return undefined;
  // The median of the wall − performance offsets of up to 2 000 items of a source.
  const offsets = <T>(xs: readonly T[], pair: (x: T) => [number, number]) => {
    const step = Math.max(1, Math.ceil(xs.length / 2000));
    const out: number[] = [];
    for (let i = 0; i < xs.length; i += step) {
      const [e, p] = pair(xs[i] as T);
      if (isNum(e) && isNum(p)) out.push(e - p);
    }
    return median(out);
  };
  const offset =
    offsets(input.records, (r) => [r.result.startedAtEpochMs, r.result.sentPerfMs]) ??
    offsets(input.server, (s) => [s.epochMs, s.t]) ??
    offsets(input.gpu, (g) => [g.epochMs, g.t]);
  const started = Date.parse(input.results.startedAt);
  let origin = offset !== undefined && Number.isFinite(started) ? started - offset : first;
  if (!(origin <= first)) origin = first;
  return { origin, end: last };
}

interface Row {
  spec: VlSpec;
  words: string;
}

function xEnc(domain: [number, number], last: boolean): Record<string, unknown> {
  return {
    field: "t",
    type: "quantitative",
    scale: { domain, nice: false, zero: false },
    axis: last ? { title: "seconds from the run's start" } : { title: null, labels: true },
  };
}

function requestsRow(input: ChartInput, origin: number, domain: [number, number]): Row | undefined {
  const pts: { t: number; v: number; scenario: string }[] = [];
  const failures: { t: number; kind: string }[] = [];
  let noTtft = 0;
  const order: string[] = [];
  const seen = new Set<string>();
  for (const r of input.records) {
    const t = (r.result.sentPerfMs - origin) / 1000;
    if (!isNum(t)) continue;
    if (!seen.has(r.scenario)) {
      seen.add(r.scenario);
      order.push(r.scenario);
    }
    if (!r.result.ok) {
      failures.push({ t, kind: r.result.error?.kind ?? "failed" });
      continue;
    }
    const m = metricsOf(r);
    if (isNum(m.ttftMs)) pts.push({ t, v: m.ttftMs, scenario: r.scenario });
    else noTtft++;
  }
  if (pts.length === 0 && failures.length === 0) return undefined;
  const drawn = reduceForDrawing(pts, (p) => p.t, (p) => p.v, MAX_POINTS, 5);
  const failDrawn = reduceForDrawing(failures, (p) => p.t, (p) => p.t, MAX_POINTS);
  const scenarios = order.filter((s) => pts.some((p) => p.scenario === s));
  const layers: VlSpec[] = [];
  if (pts.length)
    layers.push({
      data: { values: drawn.points },
      mark: { type: "circle", size: 9, opacity: 0.6 },
      encoding: {
        x: xEnc(domain, false),
        y: { field: "v", type: "quantitative", title: "TTFT (ms)" },
        color: { field: "scenario", type: "nominal", title: "scenario", scale: { domain: scenarios }, legend: { orient: "right", labelLimit: 120, symbolLimit: 20 } },
      },
    });
  if (failures.length)
    layers.push({
      data: { values: failDrawn.points },
      mark: { type: "tick", orient: "vertical", color: COLORS.fail, thickness: 1.5, size: 10 },
      encoding: { x: xEnc(domain, false), y: { value: 5 } },
    });
  const kinds = new Map<string, number>();
  for (const f of failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  const sent = pts.length + failures.length + noTtft;
  const words =
    `requests: ${count(sent, "request")} sent; the TTFT of each of the ${pts.length.toLocaleString("en-US")} successful streamed ones at its send time` +
    (noTtft ? ` (${noTtft} successful without a TTFT, not streamed, left out)` : "") +
    (failures.length ? `; ${count(failures.length, "failed request")} marked in red along the top (${[...kinds].map(([k, n]) => `${k}: ${n}`).join(", ")})` : "; no failed request") +
    (drawn.reduced ? `; points downsampled for drawing from ${drawn.from.toLocaleString("en-US")} points to ${drawn.points.length.toLocaleString("en-US")} (per-bucket extremes and quartiles kept)` : "") +
    (failDrawn.reduced ? `; failure marks downsampled for drawing from ${failDrawn.from.toLocaleString("en-US")} points` : "");
  return { spec: { width: ROW_WIDTH, height: ROW_HEIGHT + 30, title: "Client: requests", layer: layers }, words };
}

function lineRow(
  title: string,
  yTitle: string,
  series: { name: string; pts: { t: number; v: number }[] }[],
  domain: [number, number],
  opts: { interpolate?: string; yDomain?: [number, number]; colors?: string[] } = {},
): { spec: VlSpec; reduced: Reduced<unknown>[] } | undefined {
  const live = series.filter((s) => s.pts.length > 0);
  if (live.length === 0) return undefined;
  // A line needs no more than a low and a high point per pixel column.
  const per = Math.min(2 * ROW_WIDTH, Math.max(200, Math.floor(MAX_POINTS / live.length)));
  const reduced = live.map((s) => reduceForDrawing(s.pts, (p) => p.t, (p) => p.v, per));
  const values = live.flatMap((s, i) => (reduced[i] as Reduced<{ t: number; v: number }>).points.map((p) => ({ ...p, series: s.name })));
  return {
    spec: {
      width: ROW_WIDTH,
      height: ROW_HEIGHT,
      title,
      data: { values },
      mark: { type: "line", strokeWidth: 1.2, ...(opts.interpolate ? { interpolate: opts.interpolate } : {}) },
      encoding: {
        x: xEnc(domain, false),
        y: { field: "v", type: "quantitative", title: yTitle, ...(opts.yDomain ? { scale: { domain: opts.yDomain } } : {}) },
        color: { field: "series", type: "nominal", title: null, scale: { domain: live.map((s) => s.name), ...(opts.colors ? { range: opts.colors } : {}) }, legend: { orient: "right", labelLimit: 120 } },
      },
    },
    reduced,
  };
}

function downsampleWords(what: string, reduced: Reduced<unknown>[]): string {
  const r = reduced.filter((x) => x.reduced);
  if (r.length === 0) return "";
  const from = r.reduce((a, x) => a + x.from, 0);
  return `; ${what} downsampled for drawing from ${from.toLocaleString("en-US")} points (per-bucket min/max kept)`;
}

function serverRows(server: ServerSnapshot[], origin: number, domain: [number, number]): Row[] {
  const good = server.filter((s) => s.values && !s.error && isNum(s.t)).sort((a, b) => a.t - b.t);
  if (good.length === 0) return [];
  const t = (s: ServerSnapshot) => (s.t - origin) / 1000;
  const pick = (f: (s: ServerSnapshot) => number | undefined) => good.flatMap((s) => {
    const v = f(s);
    return isNum(v) ? [{ t: t(s), v }] : [];
  });
  const rows: Row[] = [];
  const queue = lineRow("Server: requests running and waiting", "requests", [
    { name: "running", pts: pick((s) => s.values?.requestsRunning) },
    { name: "waiting", pts: pick((s) => s.values?.requestsWaiting) },
  ], domain, { interpolate: "step-after", colors: [COLORS.ttft, COLORS.e2e] });
  if (queue) rows.push({ spec: queue.spec, words: `server: requests running and waiting from ${count(good.length, "scrape")} of /metrics${downsampleWords("lines", queue.reduced)}` });
  const kv = lineRow("Server: KV cache usage", "KV cache (%)", [{ name: "KV cache used", pts: pick((s) => (isNum(s.values?.kvCacheUsage) ? (s.values?.kvCacheUsage as number) * 100 : undefined)) }], domain, { yDomain: [0, 100], colors: ["#54a24b"] });
  if (kv) rows.push({ spec: kv.spec, words: `KV cache usage (%)${downsampleWords("line", kv.reduced)}` });
  // Preemptions: the counter's rise since the first scrape (a restart's reset starts it again from there).
  const pre = pick((s) => s.values?.preemptions);
  if (pre.length > 1) {
    let total = 0;
    const cum: { t: number; v: number }[] = [{ t: (pre[0] as { t: number }).t, v: 0 }];
    for (let i = 1; i < pre.length; i++) {
      const d = (pre[i] as { v: number }).v - (pre[i - 1] as { v: number }).v;
      if (d > 0) total += d;
      cum.push({ t: (pre[i] as { t: number }).t, v: total });
    }
    if (total > 0) {
      const row = lineRow("Server: preemptions", "preemptions", [{ name: "preemptions since the start", pts: cum }], domain, { interpolate: "step-after", colors: [COLORS.fail] });
      if (row) rows.push({ spec: row.spec, words: `preemptions: ${num(total)} over the run (cumulative)${downsampleWords("line", row.reduced)}` });
    }
  }
  return rows;
}

function gpuRows(gpu: GpuSample[], origin: number, domain: [number, number]): Row[] {
  const byGpu = new Map<number, GpuSample[]>();
  for (const s of gpu) {
    if (!isNum(s.t)) continue;
    const g = byGpu.get(s.gpu);
    if (g) g.push(s);
    else byGpu.set(s.gpu, [s]);
  }
  if (byGpu.size === 0) return [];
  const ids = [...byGpu.keys()].sort((a, b) => a - b);
  const series = (f: (s: GpuSample) => number | undefined) =>
    ids.map((id) => ({
      name: `GPU ${id}`,
      pts: (byGpu.get(id) ?? []).flatMap((s) => {
        const v = f(s);
        return isNum(v) ? [{ t: (s.t - origin) / 1000, v }] : [];
      }).sort((a, b) => a.t - b.t),
    }));
  const rows: Row[] = [];
  const util = lineRow("GPU: utilisation", "utilisation (%)", series((s) => s.utilization), domain, { yDomain: [0, 100] });
  if (util) rows.push({ spec: util.spec, words: `GPU utilisation (%) of ${count(ids.length, "GPU")} from ${count(gpu.length, "sample")}${downsampleWords("lines", util.reduced)}` });
  const mem = lineRow("GPU: memory used", "memory (GiB)", series((s) => (isNum(s.memoryUsedMiB) ? s.memoryUsedMiB / 1024 : undefined)), domain);
  if (mem) rows.push({ spec: mem.spec, words: `GPU memory used (GiB)${downsampleWords("lines", mem.reduced)}` });
  return rows;
}

export async function timelineChart(input: ChartInput): Promise<Chart | undefined> {
  const o = timelineOrigin(input);
  if (!o) return undefined;
  const domain: [number, number] = [0, Math.max(0.001, (o.end - o.origin) / 1000)];
  const rows = [requestsRow(input, o.origin, domain), ...serverRows(input.server, o.origin, domain), ...gpuRows(input.gpu, o.origin, domain)].filter((r): r is Row => r !== undefined);
  if (rows.length === 0) return undefined;
  // The time axis's title on the bottom row only.
  const last = rows[rows.length - 1] as Row;
  const setTitle = (s: VlSpec) => {
    const enc = s["encoding"] as Record<string, Record<string, unknown>> | undefined;
    if (enc?.["x"]) enc["x"] = xEnc(domain, true);
  };
  setTitle(last.spec);
  for (const l of (last.spec["layer"] as VlSpec[] | undefined) ?? []) setTitle(l);
  const spec: VlSpec = {
    vconcat: rows.map((r) => r.spec),
    spacing: 14,
    resolve: { scale: { x: "shared", y: "independent", color: "independent" }, legend: { color: "independent" } },
  };
  const n = input.records.length;
  const caption =
    `The whole run on one time axis (seconds from the run's start, ${num(domain[1])} s): ` +
    rows.map((r) => r.words).join("; ") +
    ".";
  return chart("timeline", "timeline", "Timeline of the run", caption, n, spec);
}
