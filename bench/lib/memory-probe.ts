/**
 * Memory per in-flight stream, measured in a fresh process (so one contender's high-water
 * mark cannot hide another's): bench/load.ts runs
 *   node --expose-gc --import tsx bench/lib/memory-probe.ts <shakedown|bare> <streams> <holdMs> [warm-up runs]
 * once per contender. The probe starts its own blaster (pinned to the other core), warms
 * the contender up, takes a baseline after two full GCs, then opens `streams` requests at
 * once; the blaster holds each one open for holdMs after its first chunk. Once the blaster
 * holds all of them, two more full GCs and a second sample. Prints one JSON line.
 */
import { bareAgent, bareClosedLoop } from "./bare.js";
import { pinSelf, startBenchServer, type BenchServer } from "./child.js";
import { cleanupRuns, runShakedown } from "./shakedown.js";

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryProbeResult {
  contender: "shakedown" | "bare";
  streams: number;
  /** Streams the blaster held open when the second sample was taken. */
  held: number;
  baseline: MemorySample;
  inFlight: MemorySample;
  /** Requests that completed ok in the measured run. */
  completed: number;
  gcExposed: boolean;
}

const INPUT_TOKENS = 32;
const OUTPUT_TOKENS = 64;

function sample(): MemorySample {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

function fullGc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitHeld(b: BenchServer, streams: number, limitMs: number): Promise<number> {
  const end = performance.now() + limitMs;
  let held = 0;
  while (performance.now() < end) {
    held = (await b.command<{ holding: number }>("stats")).holding;
    if (held >= streams) return held;
    await sleep(25);
  }
  return held;
}

function bareBody(): string {
  return JSON.stringify({
    model: "blaster",
    messages: [{ role: "user", content: "x".repeat(INPUT_TOKENS * 4) }],
    stream: true,
    max_tokens: OUTPUT_TOKENS,
    stream_options: { include_usage: true, continuous_usage_stats: true },
    min_tokens: OUTPUT_TOKENS,
    ignore_eos: true,
  });
}

async function main(): Promise<void> {
  const contender = process.argv[2] === "bare" ? "bare" : "shakedown";
  const streams = Number(process.argv[3] ?? 1024);
  const holdMs = Number(process.argv[4] ?? 3000);
  const warmups = Number(process.argv[5] ?? 3);
  pinSelf(0);
  const b = await startBenchServer("bench/servers/blaster.ts", [], { core: 1 });
  try {
    const load = { mode: "closed" as const, input_tokens: INPUT_TOKENS, output_tokens: OUTPUT_TOKENS };
    const agent = bareAgent();
    const body = bareBody();
    const bare = (n: number, during?: () => Promise<void>) =>
      bareClosedLoop(agent, {
        origin: b.origin,
        path: "/v1/chat/completions",
        body,
        concurrency: n,
        durationMs: 120_000,
        maxRequests: n,
        ...(during ? { onAllStarted: during } : {}),
      });
    // warm-up: every code path compiled, modules loaded, a few connections open
    for (let i = 0; i < warmups; i++) {
      if (contender === "bare") await bare(64);
      else await runShakedown(b.baseUrl, { ...load, concurrency: 64, requests: 64 });
    }
    await sleep(200);
    const gcExposed = fullGc();
    const baseline = sample();
    await b.command("config", { holdMs });
    let inFlight: MemorySample | undefined;
    let held = 0;
    const measure = async (): Promise<void> => {
      // all of them, or as many as are held when the first ones are about to be let go
      held = await waitHeld(b, streams, holdMs - 200);
      fullGc();
      inFlight = sample();
    };
    let completed: number;
    if (contender === "bare") {
      const [r] = await Promise.all([bare(streams), measure()]);
      completed = r.requests - r.failures;
    } else {
      // no warm-up request: the blaster would hold it too, and the load would start only after it
      const [r] = await Promise.all([runShakedown(b.baseUrl, { ...load, concurrency: streams, requests: streams }, undefined, { warmup_requests: 0 }), measure()]);
      completed = r.records.filter((x) => x.result.ok).length;
    }
    await agent.close();
    const out: MemoryProbeResult = { contender, streams, held, baseline, inFlight: inFlight ?? sample(), completed, gcExposed };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    cleanupRuns();
    await b.close();
  }
}

await main();
