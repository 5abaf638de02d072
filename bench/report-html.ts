/**
 * The report's cost on a large run (issue 13): the charts, and report.html as a whole, for a
 * 100 000-request load sweep, against the targets: under 5 s and under 5 MB.
 *
 *   npx tsx bench/report-html.ts [--requests N] [--repeat K] [--write FILE] [--charts-only]
 *
 * --charts-only: the page is not rendered (the charts' first pass is then the cold one).
 * --write FILE: the page (or, without page.ts, the charts on a bare page) is written there to look at.
 *
 * The run is synthetic but goes through the real analysis: 100 000 records (a synchronous
 * stage, a throughput stage at 64 in flight, three Poisson rate stages; 0.3 % failures, 16
 * chunks a reply), a /metrics scrape a second (running, waiting, KV usage, preemptions) and
 * 8 GPUs sampled a second, analysed by buildResults (src/run/analyze.ts) as `shakedown
 * report DIR` does. Building the inputs and analysing them are timed apart and not counted.
 *
 * Timed: every scenario's charts and the timeline (src/report/charts), then the whole page
 * (src/report/html/page.ts renderHtmlReport) when it exists. The first thing timed is cold (a
 * fresh process, as `shakedown report` is): the page when it exists (charts included), else
 * the charts; what follows is warm, and so is every pass after the first (--repeat). Prints
 * seconds and sizes, and PASS/MISS against the targets. Benchmarks are not tests: nothing
 * here fails a build.
 */
import { mulberry32 } from "../src/metrics/bootstrap.js";
import { existsSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChatResult } from "../src/client/types.js";
import { validateSuiteObject } from "../src/config/load.js";
import type { GpuSample } from "../src/monitor/gpu/types.js";
import type { ServerSnapshot } from "../src/monitor/types.js";
import { buildResults } from "../src/run/analyze.js";
import type { LoadStage, RequestRecord } from "../src/store/records.js";
import { RESULTS_SCHEMA_VERSION, type RunManifest, type RunResults } from "../src/store/run-folder.js";
import { renderScenarioCharts, renderTimelineChart, type Chart, type ChartInput } from "../src/report/charts/index.js";

const TARGET_S = 5;
const TARGET_BYTES = 5 * 1024 * 1024;

const argv = process.argv.slice(2);
const arg = (name: string, def: number) => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : def;
  return Number.isFinite(v) && v > 0 ? v : def;
};
const REQUESTS = Math.round(arg("--requests", 100_000));
const REPEAT = Math.round(arg("--repeat", 1));
const WRITE = argv.includes("--write") ? argv[argv.indexOf("--write") + 1] : undefined;

/** Seeded PRNG (mulberry32, the analysis's own): the same run every time. */
const rng = mulberry32;

const EPOCH0 = 1_800_000_000_000;
const PERF0 = 5_000;
const SLOTS = 64;
const OUTPUT = 64;
const CHUNKS = 16;

interface Built {
  input: ChartInput;
  stages: number;
}

function buildRun(total: number): Built {
  const rand = rng(13);
  const lognormal = (median: number, sigma: number) => {
    const u = Math.max(1e-12, rand());
    const v = rand();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
  const stages: { stage: LoadStage; n: number }[] = [];
  const per = Math.floor(total / 5);
  stages.push({ stage: { name: "synchronous", mode: "closed", concurrency: 1 }, n: per });
  stages.push({ stage: { name: "throughput", mode: "closed", concurrency: SLOTS }, n: per });
  for (let k = 1; k <= 3; k++) stages.push({ stage: { name: `rate-${k}`, mode: "poisson", rate: 60 * k, concurrency: SLOTS }, n: k === 3 ? total - 4 * per : per });

  const records: RequestRecord[] = [];
  let clock = PERF0 + 1_000;
  let seq = 0;
  const makeRecord = (stage: LoadStage, sent: number, intended: number | undefined, load: number): RequestRecord => {
    seq++;
    const failed = rand() < 0.003;
    const ttft = lognormal(40 + 60 * load, 0.35);
    const tpot = lognormal(8 + 10 * load, 0.15);
    const e2e = ttft + tpot * (OUTPUT - 1);
    const chunkTimes = Array.from({ length: CHUNKS }, (_, i) => ttft + ((e2e - ttft) * i) / (CHUNKS - 1));
    const result: ChatResult = failed
      ? {
          ok: false,
          startedAtEpochMs: EPOCH0 + sent,
          sentPerfMs: sent,
          stream: true,
          httpStatus: 503,
          t: { firstByte: 4, lastByte: 5 },
          chunkTimes: [],
          chunkTokens: [],
          content: "",
          reasoning: "",
          toolCalls: [],
          continuousUsage: false,
          error: { kind: "http_status", status: 503, message: "Service Unavailable" },
        }
      : {
          ok: true,
          startedAtEpochMs: EPOCH0 + sent,
          sentPerfMs: sent,
          stream: true,
          httpStatus: 200,
          t: { firstByte: ttft - 1, firstChunk: ttft - 0.5, firstContent: ttft, lastToken: e2e - 0.2, lastByte: e2e },
          chunkTimes,
          chunkTokens: [],
          content: "x".repeat(OUTPUT * 4),
          reasoning: "",
          toolCalls: [],
          finishReason: "length",
          continuousUsage: false,
          usage: { promptTokens: 512, completionTokens: OUTPUT, totalTokens: 512 + OUTPUT },
        };
    const rec: RequestRecord = {
      v: 1,
      id: `load/${stage.name}/r${seq}`,
      scenario: "load",
      kind: "load",
      iteration: seq,
      stage,
      newMessages: [{ role: "user", content: "p" }],
      messageCount: 1,
      params: { model: "bench", maxTokens: OUTPUT, stream: true },
      inputTokens: 512,
      inputTokensAsked: 512,
      ...(intended !== undefined ? { intendedSendPerfMs: intended, clientLagMs: sent - intended } : {}),
      result,
    };
    return rec;
  };
  const endOf = (r: RequestRecord) => r.result.sentPerfMs + (r.result.t.lastByte ?? 0);
  for (const { stage, n } of stages) {
    if (stage.mode === "closed") {
      // Each slot sends its next request as its last one ends.
      const slots = Array.from({ length: stage.concurrency }, (_, i) => clock + i * 0.7);
      const load = stage.concurrency === 1 ? 0 : 1;
      for (let i = 0; i < n; i++) {
        const s = i % slots.length;
        const rec = makeRecord(stage, slots[s] as number, undefined, load);
        records.push(rec);
        slots[s] = endOf(rec) + 0.3;
      }
      clock = Math.max(...slots) + 500;
    } else {
      const rate = stage.rate ?? 1;
      let t = clock;
      for (let i = 0; i < n; i++) {
        t += (-Math.log(Math.max(1e-12, rand())) / rate) * 1000;
        const lag = rand() < 0.02 ? rand() * 3 : rand() * 0.3;
        records.push(makeRecord(stage, t + lag, t, Math.min(1, rate / 200)));
      }
      clock = t + 1_000;
    }
  }
  // Records are appended as requests end.
  records.sort((a, b) => endOf(a) - endOf(b));

  // The server's /metrics a second: in flight from the records (running up to the slots, the rest waiting).
  const events: [number, number][] = records.flatMap((r) => [
    [r.result.sentPerfMs, 1],
    [endOf(r), -1],
  ]);
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const server: ServerSnapshot[] = [];
  const gpu: GpuSample[] = [];
  let e = 0;
  let inflight = 0;
  let preemptions = 0;
  let succeeded = 0;
  let gen = 0;
  let prompt = 0;
  const end = clock;
  for (let t = PERF0; t <= end; t += 1000) {
    while (e < events.length && (events[e] as [number, number])[0] <= t) inflight += (events[e++] as [number, number])[1];
    const running = Math.min(SLOTS, inflight);
    const waiting = Math.max(0, inflight - SLOTS);
    if (waiting > 0 && rand() < 0.2) preemptions++;
    succeeded += Math.round(running * 2);
    gen += running * 120;
    prompt += running * 900;
    server.push({
      t,
      epochMs: EPOCH0 + t,
      scrapeMs: 2,
      values: { server: "vllm", requestsRunning: running, requestsWaiting: waiting, kvCacheUsage: Math.min(1, running / SLOTS) * 0.85, preemptions, requestsSucceeded: succeeded, generationTokens: gen, promptTokens: prompt, prefixCacheQueries: prompt, prefixCacheHits: Math.round(prompt * 0.3) },
    });
    for (let g = 0; g < 8; g++) {
      const busy = running / SLOTS;
      gpu.push({
        t: t + g * 0.01,
        epochMs: EPOCH0 + t,
        gpu: g,
        name: "bench GPU",
        utilization: Math.min(100, Math.round(busy * 95 + rand() * 5)),
        memoryUsedMiB: 70_000 + Math.round(busy * 6_000 + rand() * 200),
        memoryTotalMiB: 81_920,
        powerW: 90 + busy * 500 + rand() * 20,
        powerLimitW: 700,
        temperatureC: 40 + busy * 30,
      });
    }
  }

  const suite = validateSuiteObject(
    {
      name: "bench-100k",
      target: { sim: { profile: "default" } },
      scenarios: [{ kind: "load", mode: "sweep", requests: per, input_tokens: 512, output_tokens: OUTPUT, calibrate: false, sweep: { rates: 3, max_concurrency: SLOTS }, slo: { ttft_ms: 200 } }],
    },
    "bench",
  );
  const startedAt = new Date(EPOCH0 + PERF0 - 200).toISOString();
  const manifest: RunManifest = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: "shakedown", version: "bench" },
    runId: "bench-100k",
    startedAt,
    suite,
    target: { url: "http://127.0.0.1:1/v1", model: "bench", simulated: true, models: [{ id: "bench" }] },
    host: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length },
  };
  const results: RunResults = buildResults(manifest, records, { complete: true, endedAt: new Date(EPOCH0 + end).toISOString(), durationMs: end - PERF0 }, { server, gpu });
  return { input: { results, records, server, gpu }, stages: stages.length };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok: boolean) => (ok ? "PASS" : "MISS");

async function chartsPass(input: ChartInput): Promise<{ ms: number; charts: Chart[]; per: { id: string; ms: number; bytes: number }[] }> {
  const per: { id: string; ms: number; bytes: number }[] = [];
  const charts: Chart[] = [];
  const t0 = performance.now();
  for (const s of input.results.scenarios) {
    const t = performance.now();
    const cs = await renderScenarioCharts(s, input);
    charts.push(...cs);
    const dt = performance.now() - t;
    for (const c of cs) per.push({ id: c.id, ms: dt / cs.length, bytes: Buffer.byteLength(c.svg) });
  }
  const t = performance.now();
  const tl = await renderTimelineChart(input);
  if (tl) {
    charts.push(tl);
    per.push({ id: tl.id, ms: performance.now() - t, bytes: Buffer.byteLength(tl.svg) });
  }
  return { ms: performance.now() - t0, charts, per };
}

type PageModule = { renderHtmlReport(input: ChartInput): Promise<string> };

async function pageModule(): Promise<PageModule | undefined> {
  const path = join(fileURLToPath(new URL("..", import.meta.url)), "src", "report", "html", "page.ts");
  if (!existsSync(path)) return undefined;
  const mod = (await import(pathToFileURL(path).href)) as Partial<PageModule>;
  return typeof mod.renderHtmlReport === "function" ? (mod as PageModule) : undefined;
}

async function main(): Promise<void> {
  console.log(`# report.html on a ${REQUESTS.toLocaleString("en-US")}-request load run\n`);
  const tb = performance.now();
  const { input, stages } = buildRun(REQUESTS);
  const built = performance.now() - tb;
  const sc = input.results.scenarios[0];
  console.log(
    `Inputs: ${input.records.length.toLocaleString("en-US")} records in ${stages} stages, ${input.server.length} scrapes, ${input.gpu.length} GPU samples (8 GPUs); built and analysed in ${sec(built)} (not counted). Scenario status: ${sc?.status}, ${sc?.requests.ok.toLocaleString("en-US")} ok.\n`,
  );
  const page = argv.includes("--charts-only") ? undefined : await pageModule();
  const rows: string[][] = [];
  let written = false;
  const write = (html: string) => {
    if (WRITE && !written) {
      writeFileSync(WRITE, html);
      written = true;
    }
  };
  for (let pass = 1; pass <= REPEAT; pass++) {
    let warm = pass > 1;
    if (page) {
      const t = performance.now();
      const html = await page.renderHtmlReport(input);
      const ms = performance.now() - t;
      const bytes = Buffer.byteLength(html);
      rows.push([`report.html, charts included (${warm ? "warm" : "cold"})`, sec(ms), mb(bytes), `${mark(ms < TARGET_S * 1000)} / ${mark(bytes < TARGET_BYTES)}`]);
      write(html);
      warm = true;
    }
    const c = await chartsPass(input);
    const chartBytes = c.charts.reduce((a, x) => a + Buffer.byteLength(x.svg), 0);
    if (pass === 1) {
      console.log("| chart | kind | n | SVG | time |\n|---|---|---:|---:|---:|");
      for (const x of c.charts) {
        const p = c.per.find((q) => q.id === x.id);
        console.log(`| ${x.id} | ${x.kind} | ${x.n.toLocaleString("en-US")} | ${(Buffer.byteLength(x.svg) / 1024).toFixed(0)} KB | ${p ? `${p.ms.toFixed(0)} ms` : "—"} |`);
      }
      console.log("");
    }
    rows.push([`charts only (${warm ? "warm" : "cold"})`, sec(c.ms), mb(chartBytes), `${mark(c.ms < TARGET_S * 1000)} / ${mark(chartBytes < TARGET_BYTES)}`]);
    write(`<!doctype html><meta charset="utf-8"><title>charts</title><body style="max-width:1000px">${c.charts.map((x) => `<figure id="${x.id}">${x.svg}</figure>`).join("\n")}</body>`);
  }
  console.log(`| what | time | size | < ${TARGET_S} s / < 5 MB |\n|---|---:|---:|---|`);
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  if (!page && !argv.includes("--charts-only")) console.log("\nsrc/report/html/page.ts does not export renderHtmlReport yet: the whole page is not timed.");
  console.log(`\nNode ${process.version}, ${cpus().length} CPU(s): ${cpus()[0]?.model ?? "?"}.`);
}

await main();
