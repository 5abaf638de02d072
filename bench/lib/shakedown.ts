/**
 * "shakedown" as a benchmark contender: the real thing, executeRun() of a one-scenario
 * suite (a load scenario against the bench server's URL), with the records it emits
 * collected as they end. Figures are computed from the records' own timestamps (first send
 * → last byte), so connecting, the warm-up request, analysis and report writing are
 * outside them, while the whole per-request path (client, SSE, assembly, record building,
 * records.jsonl batching) is inside.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { tmpdir } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { join } from "node:path";
import { suiteSchema, type Suite } from "../../src/config/schema.js";
import { executeRun } from "../../src/run/executor.js";
import { RunEvents } from "../../src/run/events.js";
import type { RequestRecord } from "../../src/store/records.js";

/** The load scenario's options, as a suite file would give them (snake_case). */
export type LoadOptions = Record<string, unknown> & { mode: "closed" | "constant" | "poisson" | "gamma" };

export interface ShakedownRun {
  records: RequestRecord[];
  /** Wall time of the whole executeRun (connect, warm-up, load, analysis, report), ms. */
  wallMs: number;
  /** The load scenario alone (scenario:start → scenario:end), this process. */
  loadPhase: LoadPhase;
}

export interface LoadPhase {
  wallMs: number;
  /** CPU time of this process (user + system), ms. */
  cpuMs: number;
  /** Event-loop delay (ms): how long a ready socket could wait for the client. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

let outRoot: string | undefined;
let profileDir: string | undefined;
let profiles = 0;

/**
 * From now on, write a CPU profile of each run's load phase (scenario:start → scenario:end,
 * this process only) to `dir`/shakedown-load-N.cpuprofile (open in Chrome DevTools, or
 * summarise with bench/lib/profile-summary.ts).
 */
export function profileLoadPhases(dir: string): void {
  profileDir = dir;
}

/** A temp folder for run folders; removed by cleanupRuns(). */
function runsDir(): string {
  outRoot ??= mkdtempSync(join(tmpdir(), "shakedown-bench-"));
  return outRoot;
}

export function cleanupRuns(): void {
  if (outRoot) rmSync(outRoot, { recursive: true, force: true });
  outRoot = undefined;
}

/**
 * The load scenario's pre-run self-calibration (where the schema has it) is switched off:
 * it would run its own simulator and passes before every measurement, and it is what
 * these benchmarks measure in the first place.
 */
const NO_CALIBRATION = { calibrate: false } as const;

/** `target` overrides the suite's target options (snake_case), e.g. { warmup_requests: 0 }. */
export function loadSuite(baseUrl: string, load: LoadOptions, target: Record<string, unknown> = {}): Suite {
  return suiteSchema.parse({
    name: "bench-load",
    target: { url: baseUrl, metrics: { scrape: "off" }, warmup_requests: 1, ...target },
    scenarios: [{ kind: "load", name: "load", ...NO_CALIBRATION, ...load }],
    output: { dir: runsDir() },
  });
}

/**
 * Runs the suite; `during` (optional) is called with the list the records go into, and the
 * run waits for it too (memory sampling while requests are in flight).
 */
export async function runShakedown(
  baseUrl: string,
  load: LoadOptions,
  during?: (records: RequestRecord[]) => Promise<void>,
  target: Record<string, unknown> = {},
): Promise<ShakedownRun> {
  const events = new RunEvents();
  const records: RequestRecord[] = [];
  events.on("request:end", (r) => {
    if (r.scenario === "load") records.push(r);
  });
  events.on("warning", () => undefined);
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let cpu0 = process.cpuUsage();
  let t0 = 0;
  const phase: LoadPhase = { wallMs: Number.NaN, cpuMs: Number.NaN, loopDelayP99Ms: Number.NaN, loopDelayMaxMs: Number.NaN };
  const session = profileDir ? new Session() : undefined;
  if (session) {
    session.connect();
    session.post("Profiler.enable");
  }
  events.on("scenario:start", () => {
    session?.post("Profiler.start");
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    loop.reset();
    loop.enable();
  });
  events.on("scenario:end", () => {
    const d = process.cpuUsage(cpu0);
    loop.disable();
    phase.wallMs = performance.now() - t0;
    phase.cpuMs = (d.user + d.system) / 1000;
    phase.loopDelayP99Ms = loop.percentile(99) / 1e6;
    phase.loopDelayMaxMs = loop.max / 1e6;
    session?.post("Profiler.stop", (err, r) => {
      if (!err && profileDir) writeFileSync(`${profileDir}/shakedown-load-${++profiles}.cpuprofile`, JSON.stringify(r.profile));
      session.disconnect();
    });
  });
  const start = performance.now();
  const run = executeRun(loadSuite(baseUrl, load, target), { events });
  const side = during ? during(records) : Promise.resolve();
  const [outcome] = await Promise.all([run, side]);
  rmSync(outcome.dir, { recursive: true, force: true });
  return { records, wallMs: performance.now() - start, loadPhase: phase };
}
