/**
 * Self-calibration: the client measures itself against the simulator, at the concurrencies
 * a load run will use and its lengths, before the run (and on `shakedown calibrate`). Two
 * figures make the noise floor attached to the results:
 *
 * - client-added TTFT: the client's TTFT minus the instant the simulator wrote the first
 *   token (its ground truth), over one closed-loop pass per concurrency level against a
 *   simulator pacing tokens a little faster than a server under load (a token per stream
 *   every 5 ms). This is what the client's own event loop, HTTP stack and SSE parsing add
 *   to every TTFT it reports at that load; it grows with the streams in flight, so each
 *   stage of a run is compared with the level (or the interpolation between the two levels)
 *   at its own concurrency (see `floorAt`).
 * - ingest capacity: output chunks (and requests) per second the client takes in from the
 *   blaster (blaster.ts: pre-built chunks, one event per write, streams round-robin, as an
 *   engine with no step time), with the share of a core the client used meanwhile. When
 *   the client used most of a core, the figure is the client's limit; otherwise the server
 *   was, and the client's capacity is at least that (limitedBy says which).
 *
 * The servers run in a child process (calibrate/sim-process.ts): sharing the client's
 * event loop would make the client measure their work as its own.
 */
import { fork, type ChildProcess } from "node:child_process";
import { setMaxListeners } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, type ChatClient } from "../client/index.js";
import type { ChatResult } from "../client/types.js";
import { summarize, type Summary } from "../metrics/index.js";
import { loadDataset } from "../workload/datasets.js";
import { runStage } from "../workload/dispatch.js";
import type { StartSimulatorOptions } from "../sim/server.js";
import { clientAddedTtftMs } from "./ttft-error.js";

export { calibrationLevels, floorAt, type FloorEstimate } from "./floor.js";

export interface CalibrationOptions {
  /** Requests in flight: one fidelity pass at each level (the concurrencies the run will use). */
  concurrency: number | readonly number[];
  inputTokens: number;
  outputTokens: number;
  /** Aborts the calibration (the run's stop signal). */
  signal?: AbortSignal;
  /** How long each pass sends (ms); default PASS_MS, or SHAKEDOWN_CALIBRATE_PASS_MS ("fidelity,capacity", for tests). */
  passMs?: { fidelity: number; capacity: number };
}

/** Client-added TTFT at one concurrency level. */
export interface CalibrationLevel {
  concurrency: number;
  /** Client TTFT − simulator's first-token write (ms), one pass at this concurrency. */
  clientAddedTtftMs?: Summary;
  /** Requests of this pass that failed. */
  failed: number;
}

export interface Calibration {
  /** The highest level calibrated (clientAddedTtftMs is its figure). */
  concurrency: number;
  inputTokens: number;
  outputTokens: number;
  /** Client TTFT − simulator's first-token write (ms), the pass at `concurrency`. */
  clientAddedTtftMs?: Summary;
  /**
   * Every level calibrated, ascending (the last is `concurrency`). Absent in run folders
   * written before levels existed: `calibrationLevels` reads those as one level.
   */
  levels?: CalibrationLevel[];
  capacity: {
    /** Streams of the capacity pass (at least 64: enough that the client, not round trips, sets the pace). */
    concurrency: number;
    chunksPerSec: number;
    requestsPerSec: number;
    /** Share of one core the client process used during the pass (0..1+). */
    clientCpu: number;
    /** "client" when the client used most of a core (≥ 85 %): the figure is its limit; else the server (the blaster) was. */
    limitedBy: "client" | "server";
  };
  /** Requests that failed during calibration (should be 0). */
  failed: number;
  durationMs: number;
}

/** A client CPU share at or above this means the client, not the server, set the pace. */
export const CLIENT_BOUND_CPU = 0.85;

/** The servers' child process: the simulators' URLs, the blaster's, the ground truth, and a way to stop them. */
interface SimChild {
  urls: string[];
  blasterUrl: string;
  truth(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

async function startSimChild(options: StartSimulatorOptions[]): Promise<SimChild> {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith(".ts");
  const script = join(dirname(here), fromSource ? "sim-process.ts" : "sim-process.js");
  const child: ChildProcess = fork(script, [JSON.stringify(options)], {
    execArgv: fromSource ? ["--import", "tsx"] : [],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const next = <T>(pick: (m: Record<string, unknown>) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: unknown) => {
        const v = pick(m as Record<string, unknown>);
        if (v === undefined) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(v);
      };
      const onExit = (code: number | null) => reject(new Error(`calibration servers exited (${code}): ${stderr.trim().slice(0, 500)}`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const ready = await next((m) => (m["ports"] ? (m as { ports: number[]; blaster: number }) : undefined));
  return {
    urls: ready.ports.map((port) => `http://127.0.0.1:${port}/v1`),
    blasterUrl: `http://127.0.0.1:${ready.blaster}/v1`,
    async truth() {
      const p = next((m) => m["truth"] as [string, number][] | undefined);
      child.send("truth");
      return new Map(await p);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.send("close");
      }),
  };
}

/** One closed-loop pass: `concurrency` in flight for `durationMs`; results, span and the client's CPU. */
async function pass(client: ChatClient, opts: CalibrationOptions, concurrency: number, durationMs: number, seed: number) {
  const requests = await loadDataset({ source: "synthetic", tokenizer: "approx", input_tokens: opts.inputTokens, output_tokens: opts.outputTokens, seed }, 100_000);
  const signal = opts.signal ?? new AbortController().signal;
  // Every request in flight listens to the signal.
  setMaxListeners(0, signal);
  const results: ChatResult[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runStage(
    { mode: "closed", rate: 1, burstiness: 1, concurrency, requests: 1_000_000, durationMs, rampUpMs: 0, seed },
    async (i) => {
      results.push(
        await client.chat({
          model: "shakedown-sim",
          messages: requests.get(i).messages,
          stream: true,
          maxTokens: opts.outputTokens,
          extraBody: { min_tokens: opts.outputTokens, ignore_eos: true },
          signal,
        }),
      );
    },
    signal,
  );
  const spanMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { results, spanMs, cpuShare: (cpu.user + cpu.system) / 1000 / spanMs };
}

/**
 * Steps of the fidelity pass (ms): a token per stream every 5 ms, busier than most servers
 * under load (20-50 ms), so the floor it measures errs on the high side.
 */
export const CALIBRATION_STEP_MS = 5;

/**
 * How long each pass sends (ms): requests in flight then end; bounded so a run's preamble
 * stays short. With several levels each fidelity pass gets MULTI_LEVEL_SHARE of it.
 */
export const PASS_MS = { fidelity: 3000, capacity: 2000 } as const;
export const MULTI_LEVEL_SHARE = 2 / 3;

/** The levels asked, as positive integers, distinct and ascending. */
export function normalizeLevels(concurrency: number | readonly number[]): number[] {
  const list = typeof concurrency === "number" ? [concurrency] : [...concurrency];
  const out = [...new Set(list.map((c) => Math.max(1, Math.round(c))))].sort((a, b) => a - b);
  if (out.length === 0) throw new RangeError("calibration: no concurrency level");
  return out;
}

/** Simulator settings for calibration: room for every sequence at once, nothing queued. */
function simOptions(opts: CalibrationOptions, seqs: number, stepMs: number): StartSimulatorOptions {
  const perSeq = opts.inputTokens + opts.outputTokens + 64;
  return {
    profile: "fast",
    maxNumSeqs: seqs,
    maxNumBatchedTokens: Math.max(8192, opts.inputTokens * 4),
    decodeStepMs: stepMs,
    decodeStepMsPerSeq: 0,
    overheadMs: 0,
    maxModelLen: perSeq,
    kvBlocks: Math.ceil((seqs * perSeq) / 16) + 64,
    prefixCaching: false,
    scriptedAnswers: false,
  };
}

/** Pass durations from SHAKEDOWN_CALIBRATE_PASS_MS="fidelity,capacity" (ms), else PASS_MS. */
export function passDurations(env: NodeJS.ProcessEnv = process.env): { fidelity: number; capacity: number } {
  const raw = env["SHAKEDOWN_CALIBRATE_PASS_MS"];
  const [f, c] = (raw ?? "").split(",").map(Number);
  return raw && f! > 0 && c! > 0 ? { fidelity: f!, capacity: c! } : { ...PASS_MS };
}

/**
 * Measures the client's noise floor at each concurrency level asked (one fidelity pass each,
 * lowest first) and its ingest capacity (one pass), at the given lengths.
 */
export async function calibrateClient(opts: CalibrationOptions): Promise<Calibration> {
  const t0 = performance.now();
  const levelsAsked = normalizeLevels(opts.concurrency);
  const top = levelsAsked[levelsAsked.length - 1]!;
  const passMs = opts.passMs ?? passDurations();
  const fidelityMs = levelsAsked.length > 1 ? Math.max(200, Math.round(passMs.fidelity * MULTI_LEVEL_SHARE)) : passMs.fidelity;
  if (opts.signal?.aborted) throw new Error("calibration: stopped before it started");
  const timeouts = { connectMs: 10_000, firstByteMs: 60_000, betweenTokensMs: 60_000, totalMs: 300_000 };
  const capConcurrency = Math.max(64, top);

  // One child process: a simulator per level pacing tokens as a server under load does
  // (fidelity, with room for exactly that many sequences) and the blaster (capacity).
  const sims = await startSimChild(levelsAsked.map((c) => simOptions(opts, c, CALIBRATION_STEP_MS)));
  const pacedClients = levelsAsked.map((c, i) => createClient({ baseUrl: sims.urls[i]!, timeouts, maxConnections: Math.max(c, 1) }));
  const flatClient = createClient({ baseUrl: sims.blasterUrl, timeouts, maxConnections: capConcurrency });
  const levels: CalibrationLevel[] = [];
  let capacity: Awaited<ReturnType<typeof pass>>;
  let fidelityFailed = 0;
  try {
    for (const [i, c] of levelsAsked.entries()) {
      const fidelity = await pass(pacedClients[i]!, opts, c, fidelityMs, 1 + i);
      const truth = await sims.truth();
      const summary = summarize(clientAddedTtftMs(fidelity.results, truth));
      const failed = fidelity.results.filter((r) => !r.ok).length;
      fidelityFailed += failed;
      levels.push({ concurrency: c, ...(summary ? { clientAddedTtftMs: summary } : {}), failed });
      if (opts.signal?.aborted) throw new Error("calibration: stopped");
    }
    capacity = await pass(flatClient, opts, capConcurrency, passMs.capacity, 1 + levelsAsked.length);
  } finally {
    await Promise.all([...pacedClients.map((c) => c.close()), flatClient.close()]);
    await sims.close();
  }

  const ok = capacity.results.filter((r) => r.ok);
  const chunks = ok.reduce((a, r) => a + r.chunkTimes.length, 0);
  const failed = fidelityFailed + capacity.results.length - ok.length;
  const summary = levels[levels.length - 1]!.clientAddedTtftMs;
  return {
    concurrency: top,
    inputTokens: opts.inputTokens,
    outputTokens: opts.outputTokens,
    ...(summary ? { clientAddedTtftMs: summary } : {}),
    levels,
    capacity: {
      concurrency: capConcurrency,
      chunksPerSec: (chunks * 1000) / capacity.spanMs,
      requestsPerSec: (ok.length * 1000) / capacity.spanMs,
      clientCpu: capacity.cpuShare,
      limitedBy: capacity.cpuShare >= CLIENT_BOUND_CPU ? "client" : "server",
    },
    failed,
    durationMs: performance.now() - t0,
  };
}
