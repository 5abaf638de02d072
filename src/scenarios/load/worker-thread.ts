/**
 * A worker thread of the load scenario (load.workers > 1): its own event loop, connection
 * pool and copy of the request source, sending its share of each stage (request i when
 * i mod workers = its index) and posting every record to the main thread as it ends. The
 * main thread (workers.ts) moves the records' times onto its own clock and records them.
 * Each thread builds the request source itself (deterministic by seed): with a real
 * tokenizer that is one tokenizer per thread (≈ 200 MB and 1-2 s each).
 */
import { setMaxListeners } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import { createClient, type Endpoint } from "../../client/index.js";
import type { LoadScenarioConfig } from "../../config/schema.js";
import type { RequestRecord } from "../../store/records.js";
import { runStage, type StagePlan } from "../../workload/dispatch.js";
import type { TokenizerName } from "../../workload/tokenizers.js";
import { requestSource, stageSend } from "./request.js";
import { probeServerTokenizer } from "./server-tokenizer.js";

export interface WorkerInit {
  config: LoadScenarioConfig;
  endpoint: Endpoint;
  /** The tokenizer the main thread resolved (server: this thread counts through the server too, the same deterministic prompts); default from the model's name. */
  tokenizer?: TokenizerName;
  model: string;
  stream: boolean;
  continuousUsage: boolean;
  extraBody: Record<string, unknown> | undefined;
}

export type ToWorker =
  /** `plan` carries this thread's shard and share of the slots. */
  | { type: "stage"; plan: StagePlan; base: number; startEpochMs: number }
  | { type: "abort" }
  | { type: "close" };

export type FromWorker =
  | { type: "ready"; timeOrigin: number }
  | { type: "record"; rec: RequestRecord }
  | { type: "stage-done" }
  | { type: "failed"; message: string };

async function main(): Promise<void> {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const post = (m: FromWorker) => port.postMessage(m);
  const ac = new AbortController();
  setMaxListeners(0, ac.signal);
  const client = createClient(init.endpoint);
  const counter = init.tokenizer === "server" ? await probeServerTokenizer(init.endpoint, init.model) : undefined;
  if (init.tokenizer === "server" && !counter) throw new Error("the server's /tokenize did not answer this thread");
  const { source } = await requestSource(init.config, init.model, { ...(init.tokenizer ? { tokenizer: init.tokenizer } : {}), ...(counter ? { counter } : {}) }).finally(() => counter?.close());
  const sender = { client, model: init.model, stream: init.stream, continuousUsage: init.continuousUsage, extraBody: init.extraBody, source, signal: ac.signal };
  port.on("message", (m: ToWorker) => {
    if (m.type === "abort") ac.abort();
    else if (m.type === "close") void client.close().finally(() => port.close());
    else {
      const plan: StagePlan = { ...m.plan, startPerfMs: m.startEpochMs - performance.timeOrigin };
      runStage(plan, stageSend(init.config, m.plan, m.base, sender, (rec) => post({ type: "record", rec })), ac.signal).then(
        () => post({ type: "stage-done" }),
        (e: unknown) => post({ type: "failed", message: (e as Error).message }),
      );
    }
  });
  post({ type: "ready", timeOrigin: performance.timeOrigin });
}

main().catch((e: unknown) => parentPort!.postMessage({ type: "failed", message: (e as Error).message } satisfies FromWorker));
