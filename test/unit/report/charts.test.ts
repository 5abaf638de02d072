/**
 * Charts (issue 13): each scenario kind's charts and the timeline render a non-empty, safe
 * SVG from a realistic detail — synthetic records through the real analyses — with a caption
 * that gives its n; hostile strings are escaped; the same input gives the same SVG; empty
 * inputs give no chart. (Reasoning and tools: charts-scores.test.ts; the reduction rule and
 * the SVG check on their own: charts-downsample.test.ts.)
 */
import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../src/client/types.js";
import { loadScenarioSchema, soakScenarioSchema } from "../../../src/config/schema.js";
import { mulberry32 } from "../../../src/metrics/bootstrap.js";
import type { GpuSample } from "../../../src/monitor/gpu/types.js";
import type { ServerSnapshot } from "../../../src/monitor/types.js";
import { renderScenarioCharts, renderTimelineChart, MAX_WIDTH, type Chart, type ChartInput } from "../../../src/report/charts/index.js";
import { checkSvg } from "../../../src/report/charts/safety.js";
import { chartWarnings } from "../../../src/report/charts/common.js";
import { analyzeCache } from "../../../src/scenarios/cache/analyze.js";
import { analyzeConversation } from "../../../src/scenarios/conversation/analyze.js";
import { analyzeLoad, type LoadDetail, type LoadSweepDetail } from "../../../src/scenarios/load/analyze.js";
import { analyzeSoak } from "../../../src/scenarios/soak/analyze.js";
import type { AnalysisInput, ScenarioResult } from "../../../src/scenarios/types.js";
import type { LoadStage, RequestRecord } from "../../../src/store/records.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { cacheConfig, pairs, Timeline } from "../scenarios/cache/helpers.js";
import { conversationConfig, ConversationRecords } from "../scenarios/conversation/helpers.js";

const HOSTILE = `</svg><script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a' javascript:alert(3) &amp;`;
const EPOCH = 1_700_000_000_000;

function results(scenarios: ScenarioResult[], startPerf = 0): RunResults {
  return {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "test" },
    runId: "test",
    startedAt: new Date(EPOCH + startPerf).toISOString(),
    suite: {} as RunResults["suite"],
    target: { url: "http://x/v1", model: "m", simulated: true, models: [] },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    complete: true,
    status: "pass",
    records: { file: "records.jsonl", count: 0, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios,
    renderedAt: new Date(EPOCH).toISOString(),
  };
}

function analysisInput(records: RequestRecord[], extra: Partial<AnalysisInput> = {}): AnalysisInput {
  return { records, target: { url: "http://x/v1", model: "m", simulated: true, models: [] }, server: [], reviews: {}, ...extra };
}

// ---- conversation: a sweep at 1 and 2 sessions at once, TTFT growing with the turn -------------

function conversationRun(name = "conversation") {
  const recs = new ConversationRecords(name);
  const rand = mulberry32(3);
  const turns = (slow: number) => Array.from({ length: 9 }, (_, k) => ({ ttft: 40 + slow * k + rand() * 6, e2e: 300 + 5 * k + rand() * 30 }));
  recs.session(1, 1, turns(1));
  recs.session(1, 2, turns(2));
  recs.session(2, 1, turns(3), true);
  recs.session(2, 2, turns(0), true);
  const config = conversationConfig({ name, turns: 9, iterations: 2, concurrency: [1, 2], thresholds: ["ttft.mean < 4000", "output_tps.mean > 35", "total_output_tps > 50", "degradation.ttft_max < 20%"] });
  return { records: recs.records, result: analyzeConversation(config, analysisInput(recs.records)) };
}

// ---- cache: three probes of miss/hit pairs ---------------------------------------------------

function cacheRun() {
  const tl = new Timeline();
  pairs(tl, "continued", [120, 130, 125, 140], [40, 45, 42, 50], { prompt: 2000, missCached: 0, hitCached: 1984 });
  pairs(tl, "independent", [120, 118, 126, 131], [119, 125, 122, 128], { prompt: 2000, missCached: 0, hitCached: 0 });
  pairs(tl, "shared_prefix", [110, 115, 121, 117], [35, 38, 41, 36], { prompt: 2000, missCached: 0, hitCached: 1984 });
  const result = analyzeCache(cacheConfig({ probes: ["continued", "independent", "shared_prefix"], repetitions: 4 }), tl.input());
  return { records: tl.records, server: tl.server, result };
}

// ---- load: records of a closed or open-loop stage ---------------------------------------------

let loadCounter = 0;
function loadRecord(o: { scenario?: string; stage?: LoadStage; sent: number; intended?: number; ttft: number; e2e: number; ok?: boolean; errorKind?: string }): RequestRecord {
  const ok = o.ok ?? true;
  const result: ChatResult = {
    ok,
    startedAtEpochMs: EPOCH + o.sent,
    sentPerfMs: o.sent,
    stream: true,
    t: ok ? { firstByte: o.ttft - 1, firstContent: o.ttft, lastToken: o.e2e - 1, lastByte: o.e2e } : { lastByte: 3 },
    chunkTimes: ok ? [o.ttft, (o.ttft + o.e2e) / 2, o.e2e - 1] : [],
    chunkTokens: [],
    content: ok ? "x" : "",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    ...(ok
      ? { usage: { promptTokens: 100, completionTokens: 16, totalTokens: 116 } }
      : { error: { kind: (o.errorKind ?? "http_status") as "http_status", status: 500, message: "boom" } }),
  };
  loadCounter++;
  return {
    v: 1,
    id: `load/r${loadCounter}`,
    scenario: o.scenario ?? "load",
    kind: "load",
    iteration: loadCounter,
    newMessages: [{ role: "user", content: "p" }],
    messageCount: 1,
    params: { model: "m", maxTokens: 16, stream: true },
    ...(o.stage ? { stage: o.stage } : {}),
    ...(o.intended !== undefined ? { intendedSendPerfMs: o.intended, clientLagMs: o.sent - o.intended } : {}),
    result,
  };
}

/** A sweep: synchronous, throughput, then three rate stages, `n` requests each. */
function loadSweep(n = 120, name = "load", stageSuffix = "") {
  const rand = mulberry32(7);
  const records: RequestRecord[] = [];
  let t = 1_000;
  const stages: LoadStage[] = [
    { name: `synchronous${stageSuffix}`, mode: "closed", concurrency: 1 },
    { name: `throughput${stageSuffix}`, mode: "closed", concurrency: 8 },
    { name: `rate-1${stageSuffix}`, mode: "poisson", rate: 20, concurrency: 8 },
    { name: `rate-2${stageSuffix}`, mode: "poisson", rate: 40, concurrency: 8 },
    { name: `rate-3${stageSuffix}`, mode: "poisson", rate: 60, concurrency: 8 },
  ];
  for (const stage of stages) {
    const load = stage.concurrency === 1 ? 0 : (stage.rate ?? 80) / 80;
    for (let i = 0; i < n; i++) {
      const ttft = 20 + 40 * load + rand() * 10 * (1 + load);
      const e2e = ttft + 100 + rand() * 20;
      if (stage.mode === "closed") {
        const sent = t + (stage.concurrency === 1 ? i * 140 : Math.floor(i / 8) * 140 + (i % 8));
        records.push(loadRecord({ scenario: name, stage, sent, ttft, e2e, ok: i % 50 !== 7 }));
      } else {
        const intended = t + (i * 1000) / (stage.rate ?? 1);
        records.push(loadRecord({ scenario: name, stage, sent: intended + rand(), intended, ttft, e2e, ok: i % 50 !== 7 }));
      }
    }
    t = records.reduce((a, r) => Math.max(a, r.result.sentPerfMs + (r.result.t.lastByte ?? 0)), t) + 500;
  }
  const config = loadScenarioSchema.parse({ kind: "load", name, mode: "sweep", requests: n, calibrate: false, sweep: { rates: 3, max_concurrency: 8 } });
  return { records, result: analyzeLoad(config, analysisInput(records)) as ScenarioResult<LoadSweepDetail> };
}

/** One closed-loop stage of `n` requests (4 in flight) with a 1 s warm-up left out of the figures. */
function loadSingle(n: number, name = "load") {
  const rand = mulberry32(11);
  const records: RequestRecord[] = [];
  for (let i = 0; i < n; i++) {
    const sent = 1_000 + Math.floor(i / 4) * 5 + (i % 4);
    const ttft = 10 + rand() * 30 + (i % 997 === 0 ? 400 : 0);
    records.push(loadRecord({ scenario: name, sent, ttft, e2e: ttft + 30, ok: i % 101 !== 5 }));
  }
  const config = loadScenarioSchema.parse({ kind: "load", name, mode: "closed", concurrency: 4, requests: n, calibrate: false, warmup_s: 1 });
  return { records, result: analyzeLoad(config, analysisInput(records)) as ScenarioResult<LoadDetail> };
}

// ---- soak: 60 s in 5 s windows, TTFT growing, GPU sampled, the server's RSS ----------------------

const SOAK_START = 10_000;
function soakRun(name = "soak") {
  const rand = mulberry32(5);
  const records: RequestRecord[] = [];
  for (let at = 0; at < 60_000; at += 200) {
    const ttft = 100 * (1 + (0.5 * at) / 60_000) * (1 + 0.1 * (rand() * 2 - 1)) + (at > 30_000 ? 40 : 0);
    const sent = SOAK_START + at;
    const rec = loadRecord({ scenario: name, sent, ttft, e2e: ttft * 3 });
    records.push({ ...rec, kind: "soak", probe: "short" });
  }
  const gpu: GpuSample[] = [];
  const server: ServerSnapshot[] = [];
  for (let t = SOAK_START - 500; t < SOAK_START + 61_000; t += 500) {
    for (const g of [0, 1]) gpu.push({ t, epochMs: EPOCH + t, gpu: g, utilization: 60 + 30 * rand(), memoryUsedMiB: 40_000 + (t - SOAK_START) / 10, memoryTotalMiB: 81_920, powerW: 300 + 50 * rand() });
    server.push({ t, epochMs: EPOCH + t, values: { server: "vllm", requestsRunning: Math.round(4 * rand()), requestsWaiting: t > SOAK_START + 40_000 ? 2 : 0, kvCacheUsage: 0.2 + 0.5 * rand(), preemptions: t > SOAK_START + 45_000 ? Math.floor((t - SOAK_START - 45_000) / 2000) : 0, processResidentMemoryBytes: 2e9 + t * 1e3 } });
  }
  const last = records.reduce((a, r) => Math.max(a, r.result.sentPerfMs + (r.result.t.lastByte ?? 0)), SOAK_START);
  const config = soakScenarioSchema.parse({ kind: "soak", name, duration: "60s", window: "5s", canary: { enabled: false } });
  const result = analyzeSoak(
    config,
    analysisInput(records, {
      server,
      gpu,
      attachments: { [name]: { soak: { startPerfMs: SOAK_START, startEpochMs: EPOCH + SOAK_START, durationMs: 60_000, windowMs: 5_000 }, span: { startPerfMs: SOAK_START, endPerfMs: last } } },
    }),
  );
  return { records, server, gpu, result };
}

function inputOf(scenarios: ScenarioResult[], records: RequestRecord[], server: ServerSnapshot[] = [], gpu: GpuSample[] = []): ChartInput {
  return { results: results(scenarios), records, server, gpu };
}

/** What every chart must be: an SVG that passes the check, fits the page, names its n. */
function expectGoodChart(c: Chart, kind: string): void {
  expect(c.kind).toBe(kind);
  expect(c.id).toMatch(/^[a-z0-9-]+$/);
  expect(c.svg.startsWith("<svg")).toBe(true);
  expect(c.svg.endsWith("</svg>")).toBe(true);
  expect(checkSvg(c.svg), c.id).toBeUndefined();
  expect(c.svg.includes("withheld"), "withheld").toBe(false);
  expect(c.svg).toMatch(/<(path|rect|line)\s/);
  expect(c.svg.length).toBeGreaterThan(2_000);
  const width = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(c.svg)?.[1]);
  const height = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(c.svg)?.[1]);
  expect(width, `${c.id} width`).toBeGreaterThan(200);
  expect(width, `${c.id} width`).toBeLessThanOrEqual(MAX_WIDTH);
  expect(height).toBeGreaterThan(50);
  expect(c.svg).toMatch(/viewBox="0 0 [\d.]+ [\d.]+"/);
  expect(c.n).toBeGreaterThan(0);
  expect(c.caption).toContain(c.n.toLocaleString("en-US"));
  expect(c.title.length).toBeGreaterThan(0);
  // Nothing to fetch: no link, no outside url(), no http but the namespace declarations.
  expect(c.svg).not.toMatch(/href|src=/i);
  expect(c.svg.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, "")).not.toMatch(/https?:/);
  expect(c.svg.match(/url\((?!#)/g)).toBeNull();
}

const kinds = (cs: Chart[]) => cs.map((c) => c.kind);

describe("charts per scenario kind", () => {
  it("conversation: turns, prompt fit, degradation per session and the concurrency sweep", async () => {
    const { records, result } = conversationRun();
    const charts = await renderScenarioCharts(result, inputOf([result], records));
    expect(kinds(charts)).toEqual(["conversation.turns", "conversation.prompt", "conversation.degradation", "conversation.sweep"]);
    for (const c of charts) expectGoodChart(c, c.kind);
    const [turns, prompt, degradation, sweep] = charts as [Chart, Chart, Chart, Chart];
    expect(turns.n).toBe(records.length);
    expect(turns.caption).toMatch(/4 sessions/);
    // The fit the analysis made, in the caption; its line is drawn in each level's colour.
    const slope = result.detail.levels[0]?.detail.trend?.slopeMsPer1k;
    expect(slope).toBeDefined();
    expect(prompt.caption).toContain("ms per 1k prompt tokens");
    expect(degradation.n).toBe(4);
    expect(degradation.caption).toContain("degradation.ttft_max < 20%");
    expect(sweep.n).toBe(2);
    expect(sweep.caption).toMatch(/thresholds/);
    // The per-stream threshold is drawn as a labelled rule.
    expect(sweep.svg.includes(">output_tps.mean &gt; 35<")).toBe(true);
    expect(sweep.svg.includes(">total_output_tps &gt; 50<")).toBe(true);
  });

  it("cache: miss and hit TTFT per probe", async () => {
    const { records, server, result } = cacheRun();
    const charts = await renderScenarioCharts(result, inputOf([result], records, server));
    expect(kinds(charts)).toEqual(["cache.ttft"]);
    expectGoodChart(charts[0]!, "cache.ttft");
    expect(charts[0]!.n).toBe(24);
    for (const label of ["continued · miss", "continued · hit", "independent · miss", "shared_prefix · hit"]) expect(charts[0]!.svg.includes(label), label).toBe(true);
    expect(charts[0]!.caption).toMatch(/Speedup TTFT\(miss\)\/TTFT\(hit\): continued \d/);
  });

  it("load sweep: percentiles against achieved rate and a TTFT CDF per stage, on the analysis's own requests", async () => {
    const { records, result } = loadSweep();
    const charts = await renderScenarioCharts(result, inputOf([result], records));
    expect(kinds(charts)).toEqual(["load.percentiles", "load.cdf"]);
    for (const c of charts) expectGoodChart(c, c.kind);
    expect(charts[0]!.n).toBe(5);
    for (const s of ["p50", "p90", "p99", "TTFT", "E2E"]) expect(charts[0]!.svg.includes(`>${s}<`), `>${s}<`).toBe(true);
    const measuredOk = result.detail.stages.reduce((a, s) => a + (s.result.detail.latency.ttft?.n ?? 0), 0);
    expect(charts[1]!.n).toBe(measuredOk);
    for (const s of result.detail.stages) expect(charts[1]!.svg.includes(`>${s.stage.name}<`), `>${s.stage.name}<`).toBe(true);
  });

  it("load, one stage: no percentile chart, the CDF leaves out the warm-up as the figures do, and is downsampled for drawing only", async () => {
    const { records, result } = loadSingle(6_000);
    expect(result.detail.exclusions.warmup).toBeGreaterThan(0);
    const charts = await renderScenarioCharts(result, inputOf([result], records));
    expect(kinds(charts)).toEqual(["load.cdf"]);
    const cdf = charts[0]!;
    expectGoodChart(cdf, "load.cdf");
    expect(cdf.n).toBe(result.detail.latency.ttft?.n);
    expect(cdf.caption).toContain(`downsampled for drawing from ${cdf.n.toLocaleString("en-US")} points`);
  });

  it("soak: window figures with trend and change points, resources per window", async () => {
    const { records, server, gpu, result } = soakRun();
    const charts = await renderScenarioCharts(result, inputOf([result], records, server, gpu));
    expect(kinds(charts)).toEqual(["soak.windows", "soak.resources"]);
    for (const c of charts) expectGoodChart(c, c.kind);
    expect(charts[0]!.n).toBe(result.detail.windows.length);
    for (const t of ["TTFT p90", "E2E p90", "TPOT p50", "Output tok/s"]) expect(charts[0]!.svg.includes(`>${t}<`), `>${t}<`).toBe(true);
    expect(charts[0]!.caption).toMatch(/TTFT p90: \+\d/);
    const shifts = result.detail.trends.find((t) => t.figure === "ttft_p90")?.shifts ?? [];
    if (shifts.length) expect(charts[0]!.svg.includes(">shift +"), ">shift +").toBe(true);
    for (const t of ["GPU utilisation", "GPU memory used (all GPUs)", "GPU power (all GPUs)", "Server resident memory"]) expect(charts[1]!.svg.includes(`>${t}<`), `>${t}<`).toBe(true);
  });

  it("timeline: requests, server queue, KV usage, preemptions and GPUs on one time axis", async () => {
    const soak = soakRun();
    const load = loadSingle(300);
    const records = [...load.records, ...soak.records];
    const input = inputOf([load.result, soak.result], records, soak.server, soak.gpu);
    const c = await renderTimelineChart(input);
    expect(c).toBeDefined();
    expectGoodChart(c!, "timeline");
    expect(c!.id).toBe("timeline");
    expect(c!.n).toBe(records.length);
    for (const t of ["Client: requests", "Server: requests running and waiting", "Server: KV cache usage", "Server: preemptions", "GPU: utilisation", "GPU: memory used", "seconds from the run's start"]) expect(c!.svg.includes(`>${t}<`), `>${t}<`).toBe(true);
    expect(c!.caption).toMatch(/failed request/);
    // Without server or GPU data, the rows that need them are left out.
    const bare = await renderTimelineChart(inputOf([load.result], load.records));
    expect(bare!.svg.includes(">Client: requests<"), ">Client: requests<").toBe(true);
    expect(bare!.svg.includes("Server:"), "Server:").toBe(false);
    expect(bare!.svg.includes("GPU:"), "GPU:").toBe(false);
  });
});

describe("charts: the same input gives the same SVG, ids unique in a page", () => {
  it("renders twice to the same bytes; no id appears in two charts", async () => {
    const conv = conversationRun();
    const soak = soakRun();
    const input = inputOf([conv.result, soak.result], [...conv.records, ...soak.records], soak.server, soak.gpu);
    const once = [...(await renderScenarioCharts(conv.result, input)), ...(await renderScenarioCharts(soak.result, input)), (await renderTimelineChart(input))!];
    const twice = [...(await renderScenarioCharts(conv.result, input)), ...(await renderScenarioCharts(soak.result, input)), (await renderTimelineChart(input))!];
    expect(twice.map((c) => c.svg)).toEqual(once.map((c) => c.svg));
    expect(twice.map((c) => c.caption)).toEqual(once.map((c) => c.caption));
    const chartIds = once.map((c) => c.id);
    expect(new Set(chartIds).size).toBe(chartIds.length);
    const svgIds = once.flatMap((c) => [...c.svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    expect(new Set(svgIds).size).toBe(svgIds.length);
    // Every reference points at an id of its own chart.
    for (const c of once) for (const m of c.svg.matchAll(/url\(#([^)]+)\)/g)) expect(c.svg.includes(`id="${m[1]}"`), `id="${m[1]}"`).toBe(true);
  });
});

describe("charts: hostile strings", () => {
  it("scenario names, stage names and error kinds reach the SVG escaped, never as markup", async () => {
    const conv = conversationRun(`conv${HOSTILE}`);
    const load = loadSweep(60, `load${HOSTILE}`, HOSTILE);
    const failing = loadRecord({ scenario: `load${HOSTILE}`, sent: 500, ttft: 1, e2e: 2, ok: false, errorKind: HOSTILE });
    const records = [...conv.records, ...load.records, failing];
    const input = inputOf([conv.result, load.result], records);
    const charts = [...(await renderScenarioCharts(conv.result, input)), ...(await renderScenarioCharts(load.result, input)), (await renderTimelineChart(input))!];
    expect(charts.length).toBe(7);
    for (const c of charts) {
      expect(checkSvg(c.svg), c.id).toBeUndefined();
      expect(c.svg).not.toMatch(/<script|<img|<\/svg>./i);
      // No attribute of any tag is an event handler (the text "onerror=" inside a label is harmless).
      for (const tag of c.svg.match(/<[^>]+>/g) ?? []) expect(tag).not.toMatch(/\son\w+\s*=/i);
      expect(c.id).toMatch(/^[a-z0-9-]+$/);
      // The hostile text is kept, as plain text: in the caption (escaped by whoever inserts it) and the title.
      expect(c.caption + c.title).toContain("<");
    }
    const cdf = charts.find((c) => c.kind === "load.cdf")!;
    // Legend labels are cut to their width; what is left shows the escaping.
    expect(cdf.svg.includes("&lt;/svg&gt;&lt;")).toBe(true);
    const tl = charts.find((c) => c.kind === "timeline")!;
    expect(tl.svg.includes("conv&lt;/svg&gt;&lt;")).toBe(true);
    expect(tl.caption).toContain(`${HOSTILE}: 1`);
  });
});

describe("charts: no warning from vega-lite or vega", () => {
  it("the specs of every chart above compiled and rendered without a warning", () => {
    expect(chartWarnings).toEqual([]);
  });
});

describe("charts: empty inputs give no chart", () => {
  it("a scenario with no records, or a detail of another shape, gives an empty list; a run with nothing timed no timeline", async () => {
    const conv = conversationRun();
    const none: ChartInput = inputOf([conv.result], []);
    const emptyConv = analyzeConversation(conversationConfig({ turns: 3, iterations: 1 }), analysisInput([]));
    expect(await renderScenarioCharts(emptyConv, inputOf([emptyConv], []))).toEqual([]);
    const emptyCache = analyzeCache(cacheConfig({ probes: ["continued"], repetitions: 2 }), analysisInput([]));
    expect(await renderScenarioCharts(emptyCache, inputOf([emptyCache], []))).toEqual([]);
    const emptyLoad = analyzeLoad(loadScenarioSchema.parse({ kind: "load", calibrate: false }), analysisInput([]));
    expect(await renderScenarioCharts(emptyLoad, inputOf([emptyLoad], []))).toEqual([]);
    const emptySweep = analyzeLoad(loadScenarioSchema.parse({ kind: "load", mode: "sweep", calibrate: false }), analysisInput([]));
    expect(await renderScenarioCharts(emptySweep, inputOf([emptySweep], []))).toEqual([]);
    const emptySoak = analyzeSoak(soakScenarioSchema.parse({ kind: "soak", duration: "60s", canary: { enabled: false } }), analysisInput([]));
    expect(await renderScenarioCharts(emptySoak, inputOf([emptySoak], []))).toEqual([]);
    // Odd details (a future kind, a hand-edited results.json): nothing drawn, nothing thrown.
    for (const kind of ["conversation", "cache", "load", "reasoning", "tools", "soak", "mystery"]) {
      for (const detail of [undefined, null, 3, {}, { levels: "x" }, { runs: {} }, { windows: [] }, { stages: [] }]) {
        const odd = { ...conv.result, kind, detail } as ScenarioResult;
        expect(await renderScenarioCharts(odd, none), `${kind} ${JSON.stringify(detail)}`).toEqual([]);
      }
    }
    // The conversation's own records are gone: charts that need them are left out, those from the detail remain.
    const fromDetail = await renderScenarioCharts(conv.result, none);
    expect(kinds(fromDetail)).toEqual(["conversation.degradation", "conversation.sweep"]);
    expect(await renderTimelineChart(none)).toBeUndefined();
  });
});
