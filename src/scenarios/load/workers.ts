/**
 * The main thread's side of load.workers: starts the worker threads, hands each stage to
 * all of them with one start instant, and records what they send back. Records merge
 * exactly: every request's record comes back whole, its times moved onto the main thread's
 * clock (performance.now() differs between threads by their time origins), so the analysis
 * cannot tell a run with workers from one without.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RequestRecord } from "../../store/records.js";
import type { StagePlan } from "../../workload/dispatch.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-thread.js";

/** Lead time between handing a stage out and its start, so every thread starts on time (ms). */
const START_LEAD_MS = 50;

/** Starts a worker thread on worker-thread.js (built) or .ts (from source, through tsx). */
function spawnWorker(init: WorkerInit): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return new Worker(join(dirname(here), "worker-thread.js"), { workerData: init });
  const entry = pathToFileURL(join(dirname(here), "worker-thread.ts")).href;
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

/**
 * How a stage is split over `threads` threads: the shards (request i goes to shard i mod
 * count) with each one's slots. Closed loop splits the concurrency (fewer threads than
 * slots: one slot each, the rest idle); open loop splits the cap.
 */
export function splitStage(plan: StagePlan, threads: number): StagePlan[] {
  const count = plan.mode === "closed" ? Math.min(threads, plan.concurrency) : threads;
  return Array.from({ length: count }, (_, index) => ({
    ...plan,
    shard: { index, count },
    concurrency: plan.mode === "closed" ? Math.floor(plan.concurrency / count) + (index < plan.concurrency % count ? 1 : 0) : Math.ceil(plan.concurrency / count),
  }));
}

interface Thread {
  worker: Worker;
  /** Worker timeOrigin − main timeOrigin: added to a worker's performance.now() times. */
  offsetMs: number;
}

export class LoadWorkers {
  private current: { pending: number; record: (rec: RequestRecord) => void; resolve: () => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly threads: Thread[]) {
    for (const t of threads) {
      t.worker.on("message", (m: FromWorker) => this.onMessage(t, m));
      t.worker.on("error", (e) => this.fail(new Error(`load worker failed: ${e.message}`)));
    }
  }

  static async start(count: number, init: WorkerInit, signal: AbortSignal): Promise<LoadWorkers> {
    const workers = Array.from({ length: count }, () => spawnWorker(init));
    try {
      const threads = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<Thread>((resolve, reject) => {
              const onMessage = (m: FromWorker) => {
                if (m.type === "ready") resolve({ worker, offsetMs: m.timeOrigin - performance.timeOrigin });
                else if (m.type === "failed") reject(new Error(`load worker failed to start: ${m.message}`));
                else return;
                worker.off("message", onMessage);
              };
              worker.on("message", onMessage);
              worker.once("error", reject);
            }),
        ),
      );
      const pool = new LoadWorkers(threads);
      // A signal that fired while the threads started stops them at once.
      if (signal.aborted) pool.broadcast({ type: "abort" });
      else signal.addEventListener("abort", () => pool.broadcast({ type: "abort" }), { once: true });
      return pool;
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  private broadcast(m: ToWorker): void {
    for (const t of this.threads) t.worker.postMessage(m);
  }

  private onMessage(t: Thread, m: FromWorker): void {
    const cur = this.current;
    if (m.type === "record" && cur) {
      const rec = m.rec;
      rec.result.sentPerfMs += t.offsetMs;
      if (rec.intendedSendPerfMs !== undefined) rec.intendedSendPerfMs += t.offsetMs;
      cur.record(rec);
    } else if (m.type === "stage-done" && cur) {
      if (--cur.pending === 0) {
        this.current = undefined;
        cur.resolve();
      }
    } else if (m.type === "failed") this.fail(new Error(`load worker failed: ${m.message}`));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const cur = this.current;
    this.current = undefined;
    cur?.reject(e);
  }

  /** Runs a stage on every thread (each its share), from one start instant; records come back through `record`. */
  runStage(plan: StagePlan, base: number, record: (rec: RequestRecord) => void): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const shards = splitStage(plan, this.threads.length);
    const startEpochMs = performance.timeOrigin + performance.now() + START_LEAD_MS;
    return new Promise<void>((resolve, reject) => {
      this.current = { pending: shards.length, record, resolve, reject };
      shards.forEach((shard, i) => this.threads[i]!.worker.postMessage({ type: "stage", plan: shard, base, startEpochMs } satisfies ToWorker));
    });
  }

  async close(): Promise<void> {
    this.broadcast({ type: "close" });
    await Promise.all(
      this.threads.map(
        (t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void t.worker.terminate().then(() => resolve()), 5_000);
            t.worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

