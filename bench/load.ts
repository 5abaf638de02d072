/**
 * The load benchmarks (issue 6): what shakedown's load scenario can be trusted with on one
 * core, measured side by side in one run against servers in a separate process.
 *
 *   npx tsx bench/load.ts [--quick] [--only ingest,timing,rate,memory,sim] [--wait-quiet] [--profile DIR]
 *
 * --wait-quiet: before each benchmark, wait (up to 10 min) until the machine is idle; on a
 * shared machine other work skews every figure (each benchmark prints the background load).
 * --profile DIR: a CPU profile of every shakedown load phase (this process) into DIR;
 * `npx tsx bench/lib/profile-summary.ts DIR/shakedown-load-N.cpuprofile` summarises one
 * (profiling slows the client: take figures from a run without it).
 *
 * "shakedown" is the real thing: executeRun() of a suite with one load scenario against the
 * server's URL (client, SSE, timestamps, assembly, RequestRecord, records.jsonl), figures
 * computed from the records' own timestamps. Servers run in child processes: the blaster
 * (bench/servers/blaster.ts, pre-built SSE as fast as it can) and the simulator
 * (bench/servers/sim.ts, with its ground truth of when each first token left). With
 * taskset, this process is pinned to core 0 and the servers to core 1.
 *
 * 1. ingest: req/s and output tok/s, closed loop, 64-token replies, vs a bare undici reader
 *    that only counts chunks (and a parsing reader: decode + SSE + JSON.parse, the least a
 *    client that reads tokens must do). Target ≥ 0.8 of the bare reader, and 3× what vLLM's
 *    Python client does on one core (1 000 req/s, 60k tok/s).
 * 2. timing fidelity: client TTFT − the simulator's first-token flush, p50/p99, at 1, 64,
 *    256, 1024 streams. Target p99 < 1 ms up to 256.
 * 3. rate fidelity: achieved vs scheduled request rate, open loop, 10-1000 req/s. Target 1 %.
 * 4. memory: RSS per in-flight stream at 1024 streams (a fresh process per contender).
 *    Target ≤ 64 KB.
 * 5. simulator capacity: what the simulator sustains flat out vs what benchmark 2 asks.
 *
 * Prints Markdown tables (measured, target, PASS/MISS, ratios) as each benchmark ends, and
 * a summary. Benchmarks are not tests: nothing here fails a build.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { clientAddedTtftMs } from "../src/calibrate/ttft-error.js";
import { createClient, type ChatResult } from "../src/client/index.js";
import { deriveRequestMetrics } from "../src/metrics/request.js";
import type { RequestRecord } from "../src/store/records.js";
import { bareAgent, bareClosedLoop, type BareRun } from "./lib/bare.js";
import { pinSelf, REPO_ROOT, startBenchServer, taskset, type BenchServer } from "./lib/child.js";
import { failures, median, ms, outputTokens, pct, percent, ratio, recordSpanMs, sentAfter, si, table, ttfts, verdict } from "./lib/figures.js";
import type { MemoryProbeResult } from "./lib/memory-probe.js";
import { cleanupRuns, profileLoadPhases, runShakedown, type LoadOptions, type ShakedownRun } from "./lib/shakedown.js";

const BENCHMARKS = ["ingest", "timing", "rate", "memory", "sim"] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const WAIT_QUIET = argv.includes("--wait-quiet");
const profileArg = argv.indexOf("--profile");
const PROFILE_DIR = profileArg >= 0 ? argv[profileArg + 1] : undefined;
const onlyArg = argv.indexOf("--only");
const ONLY = new Set<Benchmark>(
  onlyArg >= 0 ? ((argv[onlyArg + 1] ?? "").split(",").filter((x) => (BENCHMARKS as readonly string[]).includes(x)) as Benchmark[]) : BENCHMARKS,
);

const CLIENT_CORE = 0;
const SERVER_CORE = 1;
const INPUT_TOKENS = 32;
const CHAT_PATH = "/v1/chat/completions";
/** vLLM's benchmark client on one core (the issue's figures), and our multiple of it. */
const VLLM_REQ_S = 1000;
const VLLM_TOK_S = 60_000;
const VLLM_MULTIPLE = 3;

/** Reply length of the timing and simulator-capacity benchmarks. */
const TIMING_OUT = 32;
/** Simulator options of the timing benchmark: fast steps, room for 1024 streams in one batch. */
const SIM_TIMING = { profile: "fast", maxNumSeqs: 2048, kvBlocks: 16384, maxNumBatchedTokens: 8192 } as const;


interface Verdict {
  benchmark: string;
  figure: string;
  measured: string;
  target: string;
  pass: boolean | undefined;
}

const verdicts: Verdict[] = [];

function say(text = ""): void {
  process.stdout.write(`${text}\n`);
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return m?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown CPU";
  } catch {
    return cpus()[0]?.model ?? "unknown CPU";
  }
}

/**
 * JSON.parse of one vLLM-shaped chunk (µs, best of 5), in a fresh Node process on the client's
 * core: how fast this machine is right now (a shared machine drifts). A fresh process, so
 * that this one's own state (heap, caches) does not colour it.
 */
function speedProbe(): number {
  const code = `
    const data = '{"id":"chatcmpl-b00000000","object":"chat.completion.chunk","created":1700000000,"model":"blaster","choices":[{"index":0,"delta":{"content":" tok"},"logprobs":null,"finish_reason":null}],"usage":{"prompt_tokens":32,"total_tokens":40,"completion_tokens":8}}';
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const n = 100000, t0 = performance.now();
      let x = 0;
      for (let i = 0; i < n; i++) x += JSON.parse(data).created;
      const us = ((performance.now() - t0) * 1000) / n;
      if (x > 0 && us < best) best = us;
    }
    process.stdout.write(String(best));`;
  try {
    return Number(execFileSync(process.execPath, ["-e", code], { encoding: "utf8" }));
  } catch {
    return Number.NaN;
  }
}

/** A prompt of about `tokens` tokens (one short word each). */
function prompt(tokens: number): string {
  const words = ["the", "model", "serves", "a", "request", "under", "load", "and", "each", "token", "is", "timed"];
  return Array.from({ length: tokens }, (_, i) => words[i % words.length]).join(" ");
}

function bareBody(outputTokens: number, model: string): string {
  // what the load scenario sends: a prompt of INPUT_TOKENS, usage options, exact length asked
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: prompt(INPUT_TOKENS) }],
    stream: true,
    max_tokens: outputTokens,
    stream_options: { include_usage: true, continuous_usage_stats: true },
    min_tokens: outputTokens,
    ignore_eos: true,
  });
}

/** Share of the machine's CPU time (all cores) spent busy over `ms`, from /proc/stat; NaN where unreadable. */
async function machineBusy(ms: number): Promise<number> {
  const read = (): [number, number] | undefined => {
    try {
      const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
      const idle = (f[3] ?? 0) + (f[4] ?? 0);
      return [f.reduce((a, b) => a + b, 0), idle];
    } catch {
      return undefined;
    }
  };
  const a = read();
  await new Promise((r) => setTimeout(r, ms));
  const b = read();
  if (!a || !b || b[0] === a[0]) return Number.NaN;
  return 1 - (b[1] - a[1]) / (b[0] - a[0]);
}

/** Says (and remembers) how busy the machine is before a benchmark: other work on it skews every figure. */
const backgroundLoad: string[] = [];
async function checkQuiet(name: string): Promise<void> {
  let busy = await machineBusy(QUICK ? 300 : 1000);
  // --wait-quiet: wait (up to 10 minutes) for other work on the machine to stop first
  for (const end = performance.now() + 600_000; WAIT_QUIET && busy > 0.1 && performance.now() < end; ) busy = await machineBusy(2000);
  const note = `background CPU before ${name}: ${percent(busy, 0)} of the machine`;
  backgroundLoad.push(`${name} ${percent(busy, 0)}`);
  say(busy > 0.1 ? `> WARNING: ${note}: another workload shares the machine; figures are skewed.\n` : `_${note}_\n`);
}

type Cpu = { userMs: number; systemMs: number };
const cpuShare = (c: Cpu, wallMs: number) => (c.userMs + c.systemMs) / wallMs;

/** Ground truth from the blaster: response id → first chunk handed to the kernel (epoch ms). */
async function blasterTruth(b: BenchServer): Promise<Map<string, number>> {
  return new Map(await b.command<[string, number][]>("truth"));
}

function bareAdded(r: BareRun, truth: Map<string, number>): number[] {
  const out: number[] = [];
  for (const f of r.firstChunks) {
    const t = truth.get(f.id);
    if (t !== undefined) out.push(f.seenEpochMs - t);
  }
  return out;
}

function resultsOf(records: readonly RequestRecord[]) {
  return records.map((r) => r.result);
}

// ==================================================================== 1. ingest

interface IngestMeasure {
  reqS: number;
  tokS: number;
  ttftP50: number;
  addedP50: number;
  addedP99: number;
  serverCpu: number;
  clientCpu: number;
  failed: number;
}

async function ingest(): Promise<void> {
  const OUT = 64;
  const seconds = QUICK ? 1 : 2;
  const rounds = QUICK ? 1 : 3;
  const configs: { mode: "burst" | "per-event"; c: number }[] = QUICK
    ? [{ mode: "burst", c: 64 }]
    : [
        { mode: "burst", c: 16 },
        { mode: "burst", c: 64 },
        { mode: "burst", c: 256 },
        { mode: "per-event", c: 64 },
      ];
  say(`## 1. Ingest capacity\n`);
  say(
    `Closed loop against the blaster, ${OUT}-token replies with continuous usage (${OUT + 4} SSE events a reply), ${INPUT_TOKENS}-token prompts, ` +
      `${seconds} s per measurement, ${rounds} round(s), contenders alternating; medians (ratios: median of each round's ratio). ` +
      `shakedown = executeRun() of a load scenario; client.chat() alone = the shipped client in a closed loop (no scenario, no records); ` +
      `parsing reader = undici + TextDecoder + eventsource-parser + JSON.parse of every event; bare reader = undici, chunks counted. ` +
      `burst = the blaster writes the first chunk, then the rest of the reply in one write; per-event = one event per write, streams round-robin.\n`,
  );
  const b = await startBenchServer("bench/servers/blaster.ts", [], { core: SERVER_CORE });
  const agent = bareAgent();
  const body = bareBody(OUT, "blaster");
  const load = (c: number, s: number): LoadOptions => ({ mode: "closed", concurrency: c, requests: 1_000_000, duration_s: s, input_tokens: INPUT_TOKENS, output_tokens: OUT });

  const shakedown = async (c: number): Promise<IngestMeasure> => {
    await b.command("truth");
    await b.command("cpu");
    const run = await runShakedown(b.baseUrl, load(c, seconds));
    const span = recordSpanMs(run.records);
    const cpu = await b.command<Cpu>("cpu");
    const added = clientAddedTtftMs(resultsOf(run.records), await blasterTruth(b));
    return {
      reqS: (run.records.length / span) * 1000,
      tokS: (outputTokens(run.records) / span) * 1000,
      ttftP50: median(ttfts(run.records)),
      addedP50: pct(added, 50),
      addedP99: pct(added, 99),
      serverCpu: cpuShare(cpu, run.loadPhase.wallMs),
      clientCpu: run.loadPhase.cpuMs / run.loadPhase.wallMs,
      failed: failures(run.records),
    };
  };
  const reader = (parse: boolean) => async (c: number): Promise<IngestMeasure> => {
    await b.command("truth");
    await b.command("cpu");
    const cpu0 = process.cpuUsage();
    const r = await bareClosedLoop(agent, { origin: b.origin, path: CHAT_PATH, body, concurrency: c, durationMs: seconds * 1000, parse });
    const cc = process.cpuUsage(cpu0);
    const cpu = await b.command<Cpu>("cpu");
    const added = bareAdded(r, await blasterTruth(b));
    return {
      reqS: (r.requests / r.spanMs) * 1000,
      tokS: ((r.requests - r.failures) * OUT * 1000) / r.spanMs,
      ttftP50: median(r.firstChunks.map((f) => f.ttftMs)),
      addedP50: pct(added, 50),
      addedP99: pct(added, 99),
      serverCpu: cpuShare(cpu, r.spanMs),
      clientCpu: (cc.user + cc.system) / 1000 / r.spanMs,
      failed: r.failures,
    };
  };
  // the shipped client alone: createClient().chat() in a closed loop, no records, no scenario
  const client = createClient({ baseUrl: b.baseUrl, timeouts: { connectMs: 5000, firstByteMs: 120_000, betweenTokensMs: 60_000, totalMs: 600_000 } });
  const messages = [{ role: "user" as const, content: prompt(INPUT_TOKENS) }];
  const chatOnly = async (c: number): Promise<IngestMeasure> => {
    await b.command("truth");
    await b.command("cpu");
    const cpu0 = process.cpuUsage();
    const results: ChatResult[] = [];
    const t0 = performance.now();
    const stopAt = t0 + seconds * 1000;
    const loop = async (): Promise<void> => {
      while (performance.now() < stopAt) {
        results.push(
          await client.chat({ model: "blaster", messages, stream: true, maxTokens: OUT, continuousUsage: true, extraBody: { min_tokens: OUT, ignore_eos: true } }),
        );
      }
    };
    await Promise.all(Array.from({ length: c }, loop));
    const wall = performance.now() - t0;
    const cc = process.cpuUsage(cpu0);
    const cpu = await b.command<Cpu>("cpu");
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    let tokens = 0;
    for (const r of results) {
      first = Math.min(first, r.sentPerfMs);
      last = Math.max(last, r.sentPerfMs + (r.t.lastByte ?? 0));
      tokens += r.usage?.completionTokens ?? 0;
    }
    const span = last - first;
    const added = clientAddedTtftMs(results, await blasterTruth(b));
    return {
      reqS: (results.length / span) * 1000,
      tokS: (tokens / span) * 1000,
      ttftP50: median(results.map((r) => deriveRequestMetrics(r).ttftMs ?? Number.NaN).filter(Number.isFinite)),
      addedP50: pct(added, 50),
      addedP99: pct(added, 99),
      serverCpu: cpuShare(cpu, wall),
      clientCpu: (cc.user + cc.system) / 1000 / wall,
      failed: results.filter((r) => !r.ok).length,
    };
  };
  const contenders: [string, (c: number) => Promise<IngestMeasure>][] = [
    ["shakedown", shakedown],
    ["client", chatOnly],
    ["parsing", reader(true)],
    ["bare", reader(false)],
  ];

  // warm-up: JIT every path, open connections
  await b.command("config", { mode: "burst", holdMs: 0 });
  for (const [, run] of contenders) await run(64);

  const rows: string[][] = [];
  const detail: string[][] = [];
  let worstRatio = Number.POSITIVE_INFINITY;
  let worstLabel = "";
  let bestReq = 0;
  let bestTok = 0;
  for (const cfg of configs) {
    await b.command("config", { mode: cfg.mode, holdMs: 0 });
    const got = new Map<string, IngestMeasure[]>(contenders.map(([n]) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? contenders : [...contenders].reverse();
      for (const [name, run] of order) got.get(name)!.push(await run(cfg.c));
    }
    const med = (name: string, f: (m: IngestMeasure) => number) => median(got.get(name)!.map(f));
    const perRound = (a: string, base: string) => median(got.get(a)!.map((m, i) => m.reqS / got.get(base)![i]!.reqS));
    const vsBare = perRound("shakedown", "bare");
    const vsParsing = perRound("shakedown", "parsing");
    const label = `${cfg.mode}, ${cfg.c} streams`;
    // a reader whose server ran at ≥ 90 % of its core measured the server, not itself
    const bound = (name: string) => (med(name, (m) => m.serverCpu) >= 0.9 ? " (server-bound)" : "");
    if (vsBare < worstRatio) {
      worstRatio = vsBare;
      worstLabel = label;
    }
    bestReq = Math.max(bestReq, med("shakedown", (m) => m.reqS));
    bestTok = Math.max(bestTok, med("shakedown", (m) => m.tokS));
    const failed = [...got.values()].flat().reduce((a, m) => a + m.failed, 0);
    rows.push([
      cfg.mode,
      String(cfg.c),
      `${si(med("shakedown", (m) => m.reqS))} req/s, ${si(med("shakedown", (m) => m.tokS), "tok/s")}`,
      `${si(med("client", (m) => m.reqS))} req/s${bound("client")}`,
      `${si(med("parsing", (m) => m.reqS))} req/s${bound("parsing")}`,
      `${si(med("bare", (m) => m.reqS))} req/s${bound("bare")}`,
      ratio(vsBare),
      ratio(perRound("shakedown", "client")),
      ratio(vsParsing),
      `${percent(med("shakedown", (m) => m.clientCpu), 0)} / ${percent(med("shakedown", (m) => m.serverCpu), 0)}`,
      `${percent(med("bare", (m) => m.clientCpu), 0)} / ${percent(med("bare", (m) => m.serverCpu), 0)}`,
      String(failed),
    ]);
    detail.push([
      cfg.mode,
      String(cfg.c),
      ms(med("shakedown", (m) => m.ttftP50)),
      `${ms(med("shakedown", (m) => m.addedP50))} / ${ms(med("shakedown", (m) => m.addedP99))}`,
      ms(med("bare", (m) => m.ttftP50)),
      `${ms(med("bare", (m) => m.addedP50))} / ${ms(med("bare", (m) => m.addedP99))}`,
    ]);
  }
  await agent.close();
  await client.close();
  await b.close();
  say(
    table(
      [
        "writes",
        "streams",
        "shakedown",
        "client.chat() alone",
        "parsing reader",
        "bare reader",
        "shakedown / bare",
        "shakedown / client.chat()",
        "shakedown / parsing",
        "CPU client / server (shakedown)",
        "CPU client / server (bare)",
        "failed",
      ],
      rows,
    ),
  );
  say();
  say("TTFT in the same runs (closed loop: every contender runs flat out, so TTFT includes the client's own queue):\n");
  say(table(["writes", "streams", "shakedown TTFT p50", "shakedown client-added p50 / p99", "bare TTFT p50", "bare client-added p50 / p99"], detail));
  say();
  verdicts.push(
    { benchmark: "ingest", figure: `req/s vs bare reader (worst: ${worstLabel})`, measured: ratio(worstRatio), target: "≥ ×0.80", pass: worstRatio >= 0.8 },
    {
      benchmark: "ingest",
      figure: "req/s, best configuration",
      measured: si(bestReq, "req/s"),
      target: `≥ ${si(VLLM_MULTIPLE * VLLM_REQ_S, "req/s")} (${VLLM_MULTIPLE}× vLLM's client)`,
      pass: bestReq >= VLLM_MULTIPLE * VLLM_REQ_S,
    },
    {
      benchmark: "ingest",
      figure: "output tok/s, best configuration",
      measured: si(bestTok, "tok/s"),
      target: `≥ ${si(VLLM_MULTIPLE * VLLM_TOK_S, "tok/s")} (${VLLM_MULTIPLE}× vLLM's client)`,
      pass: bestTok >= VLLM_MULTIPLE * VLLM_TOK_S,
    },
  );
}

// ==================================================================== 2. timing fidelity

interface SimTruth {
  arrivals: [string, number][];
  written: [string, number][];
  flushed: [string, number][];
}
type LoopDelay = { p50: number; p99: number; max: number };

/** What benchmark 2 asked of the simulator at its busiest (for benchmark 5). */
let timingAsked: { reqS: number; tokS: number; c: number } | undefined;

async function timing(): Promise<void> {
  const OUT = TIMING_OUT;
  const levels = QUICK ? [1, 64, 256] : [1, 64, 256, 1024];
  const rampS = QUICK ? 0.4 : 1;
  const seconds = QUICK ? 1.2 : 5;
  say(`## 2. Timing fidelity\n`);
  say(
    `Closed loop against the simulator (profile fast: steps of 1 ms + 0.05 ms per sequence; max_num_seqs 2048), ${OUT}-token replies, ` +
      `${INPUT_TOKENS}-token prompts, ${seconds} s per level` +
      (rampS > 0 ? `, workers started over ${rampS} s (ramp_up_s) and only requests sent after it counted` : "") +
      `. client-added = client TTFT − the instant the simulator's first-token bytes left for the kernel (flushed). ` +
      `The bare reader runs the same load right after (its first body chunk against the same truth): what any one-thread Node reader adds. ` +
      `"vs written" uses the simulator's own onFirstTokenWritten (what calibration uses), a check of it against the bench's flush timestamp.\n`,
  );
  const sim = await startBenchServer("bench/servers/sim.ts", [JSON.stringify(SIM_TIMING)], { core: SERVER_CORE });
  const agent = bareAgent();
  const body = bareBody(OUT, "shakedown-sim");
  const load = (c: number, s: number): LoadOptions => ({
    mode: "closed",
    concurrency: c,
    requests: 1_000_000,
    duration_s: s,
    input_tokens: INPUT_TOKENS,
    output_tokens: OUT,
    ramp_up_s: rampS,
  });
  await runShakedown(sim.baseUrl, load(64, 1)); // warm-up
  await bareClosedLoop(agent, { origin: sim.origin, path: CHAT_PATH, body, concurrency: 64, durationMs: 1000 });
  const rows: string[][] = [];
  const p99At = new Map<number, number>();
  const p50At = new Map<number, number>();
  const bareP99At = new Map<number, number>();
  for (const c of levels) {
    await sim.command("truth");
    await sim.command("cpu");
    await sim.command("loop");
    const run: ShakedownRun = await runShakedown(sim.baseUrl, load(c, seconds));
    const cpu = await sim.command<Cpu>("cpu");
    const simLoop = await sim.command<LoopDelay>("loop");
    const t = await sim.command<SimTruth>("truth");
    const flushed = new Map(t.flushed);
    const written = new Map(t.written);
    const arrived = new Map(t.arrivals);
    const spanAll = recordSpanMs(run.records);
    const recs = rampS > 0 ? sentAfter(run.records, rampS * 1000) : run.records;
    const results = resultsOf(recs);
    const added = clientAddedTtftMs(results, flushed);
    const addedWritten = clientAddedTtftMs(results, written);
    const sendLag: number[] = [];
    const serverTtft: number[] = [];
    for (const r of results) {
      const id = r.responseId;
      if (id === undefined) continue;
      const a = arrived.get(id);
      const f = flushed.get(id);
      if (a !== undefined) sendLag.push(a - (performance.timeOrigin + r.sentPerfMs));
      if (a !== undefined && f !== undefined) serverTtft.push(f - a);
    }
    const span = recordSpanMs(recs);
    const reqS = (recs.length / span) * 1000;
    const tokS = (outputTokens(recs) / span) * 1000;
    if (!timingAsked || tokS > timingAsked.tokS) timingAsked = { reqS, tokS, c };
    p99At.set(c, pct(added, 99));
    p50At.set(c, pct(added, 50));

    // the bare reader under the same load
    const br = await bareClosedLoop(agent, { origin: sim.origin, path: CHAT_PATH, body, concurrency: c, durationMs: seconds * 1000, rampMs: rampS * 1000 });
    const bt = new Map((await sim.command<SimTruth>("truth")).flushed);
    const firstSent = Math.min(...br.firstChunks.map((f) => f.sentPerfMs));
    const bareAddedMs: number[] = [];
    for (const f of br.firstChunks) {
      const w = bt.get(f.id);
      if (w !== undefined && f.sentPerfMs - firstSent >= rampS * 1000) bareAddedMs.push(f.seenEpochMs - w);
    }
    bareP99At.set(c, pct(bareAddedMs, 99));

    rows.push([
      String(c),
      `${recs.length}${failures(recs) ? ` (${failures(recs)} failed)` : ""}`,
      `${si(reqS)} / ${si(tokS)}`,
      ms(median(ttfts(recs))),
      ms(median(serverTtft)),
      `${ms(pct(added, 50), 3)} / ${ms(pct(added, 99), 3)}`,
      `${ms(pct(bareAddedMs, 50), 3)} / ${ms(pct(bareAddedMs, 99), 3)}`,
      `${ms(pct(addedWritten, 50), 3)} / ${ms(pct(addedWritten, 99), 3)}`,
      `${ms(pct(sendLag, 50))} / ${ms(pct(sendLag, 99))}`,
      `${percent(run.loadPhase.cpuMs / run.loadPhase.wallMs, 0)}, ${ms(run.loadPhase.loopDelayP99Ms, 1)}`,
      `${percent(cpuShare(cpu, spanAll), 0)}, ${ms(simLoop.p99, 1)}`,
    ]);
  }
  await agent.close();
  await sim.close();
  say(
    table(
      [
        "streams",
        "requests",
        "req/s / tok/s",
        "client TTFT p50",
        "server TTFT p50",
        "client-added p50 / p99",
        "bare reader: client-added p50 / p99",
        "vs written p50 / p99",
        "send lag p50 / p99",
        "client CPU, loop delay p99",
        "sim CPU, loop delay p99",
      ],
      rows,
    ),
  );
  say();
  say(
    "server TTFT = first-token flush − request arrival at the simulator; send lag = arrival − the client's send timestamp " +
      "(the client's send path, the kernel, and the simulator's own event-loop delay). CPU and loop delay: during the shakedown run.\n",
  );
  for (const c of levels) {
    const p99 = p99At.get(c) ?? Number.NaN;
    verdicts.push({
      benchmark: "timing",
      figure: `client-added TTFT p99, ${c} stream${c === 1 ? "" : "s"} (bare reader: ${ms(bareP99At.get(c) ?? Number.NaN, 3)})`,
      measured: ms(p99, 3),
      target: c <= 256 ? "< 1 ms" : "(reported)",
      pass: c <= 256 ? p99 < 1 : undefined,
    });
  }
  const p50Low = p50At.get(1) ?? Number.NaN;
  const p50High = p50At.get(256) ?? Number.NaN;
  verdicts.push({
    benchmark: "timing",
    figure: "client-added TTFT p50 does not grow, 1 → 256 streams",
    measured: `${ms(p50Low, 3)} → ${ms(p50High, 3)}`,
    target: "growth < 1 ms",
    pass: p50High - p50Low < 1,
  });
}

// ==================================================================== 3. rate fidelity

async function rate(): Promise<void> {
  const OUT = 16;
  const cases: { mode: "constant" | "poisson"; rate: number; requests: number }[] = QUICK
    ? [
        { mode: "constant", rate: 10, requests: 20 },
        { mode: "constant", rate: 100, requests: 200 },
        { mode: "constant", rate: 1000, requests: 1500 },
        { mode: "poisson", rate: 100, requests: 200 },
      ]
    : [
        { mode: "constant", rate: 10, requests: 100 },
        { mode: "constant", rate: 100, requests: 500 },
        { mode: "constant", rate: 1000, requests: 5000 },
        { mode: "poisson", rate: 100, requests: 500 },
      ];
  say(`## 3. Rate fidelity\n`);
  say(
    `Open loop against the blaster (burst writes), ${OUT}-token replies, ${INPUT_TOKENS}-token prompts. ` +
      `achieved = (sent − 1) / (last actual send − first actual send); scheduled = the same over the intended send times ` +
      `(for constant arrivals exactly the target rate; a Poisson schedule's n − 1 gaps differ from n / rate by its last gap). ` +
      `client-added TTFT against the blaster's first-chunk flush, at a rate the client keeps up with.\n`,
  );
  const b = await startBenchServer("bench/servers/blaster.ts", [], { core: SERVER_CORE });
  await b.command("config", { mode: "burst", holdMs: 0 });
  await runShakedown(b.baseUrl, { mode: "closed", concurrency: 16, requests: 500, input_tokens: INPUT_TOKENS, output_tokens: OUT }); // warm-up
  const rows: string[][] = [];
  for (const k of cases) {
    await b.command("truth");
    const run = await runShakedown(b.baseUrl, { mode: k.mode, rate: k.rate, requests: k.requests, input_tokens: INPUT_TOKENS, output_tokens: OUT, seed: 1 });
    const truth = await blasterTruth(b);
    const sends = run.records.map((r) => r.result.sentPerfMs);
    const intended = run.records.map((r) => r.intendedSendPerfMs).filter((x): x is number => x !== undefined);
    const n = sends.length;
    const achieved = ((n - 1) * 1000) / (Math.max(...sends) - Math.min(...sends));
    const scheduled = intended.length === n ? ((n - 1) * 1000) / (Math.max(...intended) - Math.min(...intended)) : k.rate;
    const err = achieved / scheduled - 1;
    const lags = run.records.map((r) => r.clientLagMs).filter((x): x is number => x !== undefined);
    const added = clientAddedTtftMs(resultsOf(run.records), truth);
    rows.push([
      `${k.mode} ${k.rate} req/s`,
      `${n}${failures(run.records) ? ` (${failures(run.records)} failed)` : ""}`,
      `${achieved.toFixed(k.rate >= 100 ? 1 : 3)} req/s`,
      `${scheduled.toFixed(k.rate >= 100 ? 1 : 3)} req/s`,
      `${err >= 0 ? "+" : ""}${(err * 100).toFixed(3)} %`,
      `${ms(pct(lags, 50), 3)} / ${ms(pct(lags, 99), 3)}`,
      `${ms(pct(added, 50), 3)} / ${ms(pct(added, 99), 3)}`,
      verdict(Math.abs(err) < 0.01),
    ]);
    verdicts.push({
      benchmark: "rate",
      figure: `achieved vs scheduled, ${k.mode} ${k.rate} req/s`,
      measured: `${err >= 0 ? "+" : ""}${(err * 100).toFixed(3)} %`,
      target: "within 1 %",
      pass: Math.abs(err) < 0.01,
    });
  }
  await b.close();
  say(table(["schedule", "requests", "achieved", "scheduled", "error", "client lag p50 / p99", "client-added TTFT p50 / p99", "verdict"], rows));
  say();
}

// ==================================================================== 4. memory

function runProbe(contender: "shakedown" | "bare", streams: number, holdMs: number): Promise<MemoryProbeResult> {
  return new Promise((resolve, reject) => {
    const args = ["--expose-gc", "--import", "tsx", "bench/lib/memory-probe.ts", contender, String(streams), String(holdMs), QUICK ? "1" : "3"];
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.once("error", reject);
    child.once("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as MemoryProbeResult);
      } catch {
        reject(new Error(`memory probe (${contender}) exited ${code} without a result: ${out.slice(-500)}`));
      }
    });
  });
}

async function memory(): Promise<void> {
  const streams = 1024;
  const holdMs = QUICK ? 2500 : 4000;
  say(`## 4. Memory per in-flight stream\n`);
  say(
    `${streams} streams at once against the blaster, which holds each open for ${holdMs} ms after its first chunk (64-token replies). ` +
      `A fresh process per contender (node --expose-gc): warm-up, two full GCs, baseline; then, once the blaster holds every stream, ` +
      `two full GCs and a second sample. Per stream = (second − baseline) / streams held.\n`,
  );
  const rows: string[][] = [];
  const per = new Map<string, number>();
  // --quick: shakedown only (each probe is a fresh process: a few seconds of start-up)
  for (const contender of QUICK ? (["shakedown"] as const) : (["bare", "shakedown"] as const)) {
    const r = await runProbe(contender, streams, holdMs);
    const d = (k: keyof MemoryProbeResult["baseline"]) => (r.inFlight[k] - r.baseline[k]) / Math.max(1, r.held);
    // RSS alone can under-count (a heap grown by the warm-up is reused): the larger of the two
    per.set(contender, Math.max(d("rss"), d("heapUsed") + d("external")));
    rows.push([
      contender === "bare" ? "bare reader" : "shakedown",
      `${r.held} / ${r.streams}`,
      `${(r.baseline.rss / 2 ** 20).toFixed(1)} MiB → ${(r.inFlight.rss / 2 ** 20).toFixed(1)} MiB`,
      `${(d("rss") / 1024).toFixed(1)} KB`,
      `${(d("heapUsed") / 1024).toFixed(1)} KB`,
      `${(d("external") / 1024).toFixed(1)} KB`,
      `${r.completed}${r.gcExposed ? "" : " (no gc: figures include garbage)"}`,
    ]);
  }
  say(table(["contender", "streams held", "RSS", "RSS / stream", "JS heap / stream", "external / stream", "completed"], rows));
  say();
  const sd = per.get("shakedown") ?? Number.NaN;
  const bare = per.get("bare") ?? Number.NaN;
  verdicts.push({
    benchmark: "memory",
    figure: `per in-flight stream at ${streams}, the larger of RSS and JS heap + external${Number.isFinite(bare) ? ` (bare reader: ${(bare / 1024).toFixed(1)} KB)` : ""}`,
    measured: `${(sd / 1024).toFixed(1)} KB${Number.isFinite(bare) ? ` (${ratio(sd / bare)} bare)` : ""}`,
    target: "≤ 64 KB",
    pass: sd <= 64 * 1024,
  });
}

// ==================================================================== 5. simulator capacity

async function simCapacity(): Promise<void> {
  const OUT = TIMING_OUT;
  const seconds = QUICK ? 1 : 3;
  const levels = QUICK ? [256] : [256, 1024];
  say(`## 5. Simulator capacity\n`);
  say(
    `The timing benchmark's simulator (same options) with time_scale 0.001 (steps of ~1 µs: as fast as its one core goes), ` +
      `read by the bare reader (${OUT}-token replies, ${seconds} s per level). Asked = the busiest level of benchmark 2` +
      `${timingAsked ? "" : " (not run now: the simulator's timing model at 256 streams instead)"}.\n`,
  );
  const sim = await startBenchServer("bench/servers/sim.ts", [JSON.stringify({ ...SIM_TIMING, timeScale: 0.001 })], { core: SERVER_CORE });
  const agent = bareAgent();
  const body = bareBody(OUT, "shakedown-sim");
  await bareClosedLoop(agent, { origin: sim.origin, path: CHAT_PATH, body, concurrency: 64, durationMs: 1000 }); // warm-up
  const rows: string[][] = [];
  const sustained = new Map<number, { reqS: number; tokS: number }>();
  for (const c of levels) {
    await sim.command("cpu");
    await sim.command("loop");
    const cpu0 = process.cpuUsage();
    const r = await bareClosedLoop(agent, { origin: sim.origin, path: CHAT_PATH, body, concurrency: c, durationMs: seconds * 1000 });
    const cc = process.cpuUsage(cpu0);
    const cpu = await sim.command<Cpu>("cpu");
    const loop = await sim.command<LoopDelay>("loop");
    const reqS = ((r.requests - r.failures) * 1000) / r.spanMs;
    const tokS = reqS * OUT;
    sustained.set(c, { reqS, tokS });
    rows.push([
      String(c),
      `${si(reqS, "req/s")}, ${si(tokS, "tok/s")}`,
      percent(cpuShare(cpu, r.spanMs), 0),
      percent((cc.user + cc.system) / 1000 / r.spanMs, 0),
      ms(loop.p99, 1),
      String(r.failures),
    ]);
  }
  await agent.close();
  await sim.close();
  // without benchmark 2 in this run: the timing model's steady state at 1024 streams
  const modelTokS = (256 * 1000) / (1 + 0.05 * 256);
  const asked = timingAsked ?? { reqS: modelTokS / OUT, tokS: modelTokS, c: 256 };
  say(table(["streams", "sustained", "sim CPU", "reader CPU", "sim loop delay p99", "failed"], rows));
  say();
  say(`Asked by the timing benchmark at its busiest (${asked.c} streams): ${si(asked.reqS, "req/s")}, ${si(asked.tokS, "tok/s")}.\n`);
  // compared at the same concurrency where it was measured, else with the best level
  const same = sustained.get(asked.c);
  const best = [...sustained.values()].reduce((a, b) => (b.tokS > a.tokS ? b : a), { reqS: 0, tokS: 0 });
  const cap = same ?? best;
  const at = same ? `${asked.c} streams` : "best level";
  const bestReq = cap.reqS;
  const bestTok = cap.tokS;
  verdicts.push(
    {
      benchmark: "sim",
      figure: `req/s flat out vs asked, ${at} (${si(asked.reqS, "req/s")})`,
      measured: `${si(bestReq, "req/s")} (${ratio(bestReq / asked.reqS)})`,
      target: "≥ ×2",
      pass: bestReq >= 2 * asked.reqS,
    },
    {
      benchmark: "sim",
      figure: `tok/s flat out vs asked, ${at} (${si(asked.tokS, "tok/s")})`,
      measured: `${si(bestTok, "tok/s")} (${ratio(bestTok / asked.tokS)})`,
      target: "≥ ×2",
      pass: bestTok >= 2 * asked.tokS,
    },
  );
}

// ==================================================================== main

async function main(): Promise<void> {
  const pinned = pinSelf(CLIENT_CORE);
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    profileLoadPhases(PROFILE_DIR);
  }
  const started = performance.now();
  say(`# shakedown load benchmarks${QUICK ? " (--quick)" : ""}\n`);
  say(`- date: ${new Date().toISOString()}`);
  say(`- machine: ${cpuModel()}, ${cpus().length} cores; Node ${process.version}`);
  say(
    `- pinning: ${
      pinned && taskset()
        ? `client (this process) on core ${CLIENT_CORE}, servers on core ${SERVER_CORE} (taskset)`
        : "none (no taskset): client and servers share the cores"
    }`,
  );
  say(`- command: npx tsx bench/load.ts ${argv.join(" ")}`.trimEnd());
  const speedBefore = speedProbe();
  say(`- speed probe: JSON.parse of one 264-byte chunk ${speedBefore.toFixed(2)} µs\n`);
  try {
    const sections: [Benchmark, () => Promise<void>][] = [
      ["ingest", ingest],
      ["timing", timing],
      ["rate", rate],
      ["memory", memory],
      ["sim", simCapacity],
    ];
    for (const [name, run] of sections) {
      if (!ONLY.has(name)) continue;
      await checkQuiet(name);
      const t0 = performance.now();
      await run();
      say(`_${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s_\n`);
    }
  } finally {
    cleanupRuns();
  }
  say(`## Summary\n`);
  say(table(["benchmark", "figure", "measured", "target", "verdict"], verdicts.map((v) => [v.benchmark, v.figure, v.measured, v.target, verdict(v.pass)])));
  say();
  say(
    `${((performance.now() - started) / 1000).toFixed(0)} s in all; speed probe ${speedBefore.toFixed(2)} µs before, ${speedProbe().toFixed(2)} µs after ` +
      `(a shared machine drifts: compare ratios measured in the same run, not absolute figures across runs); ` +
      `background CPU before each benchmark: ${backgroundLoad.join(", ")}.`,
  );
}

await main();
