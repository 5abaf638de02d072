/**
 * One watch cycle's measurements: is the target there (GET /models), its process metrics (one
 * scrape of /metrics), then the canary suite's requests, each record handed on as it ends (the
 * watch appends it to records.jsonl at once). A target that does not answer is a finding of the
 * cycle, never an exception: the canaries are then not sent. A stop asked during the cycle lets
 * it end for a grace period, then cuts its requests (they end as aborted, kept, and the cycle is
 * marked interrupted: its figures judge nothing).
 */
import { setMaxListeners } from "node:events";
import type { Agent } from "undici";
import type { ChatClient, Endpoint, ModelInfo } from "../client/index.js";
import type { Suite } from "../config/schema.js";
import type { RunEvents } from "../run/events.js";
import type { ScenarioContext, TargetInfo } from "../scenarios/types.js";
import type { RequestRecord } from "../store/records.js";
import { runCanaries } from "./canaries.js";
import { countedRecord } from "./figures.js";
import { probeTarget, readServerProcess, type ServerReading } from "./server.js";

/** Errors of a request that could not even connect. */
const CANNOT_CONNECT = new Set(["connect_refused", "dns", "connect_timeout"]);

export interface CycleDeps {
  suite: Suite;
  client: ChatClient;
  endpoint: Endpoint;
  /** The target as shown (no credentials). */
  targetUrl: string;
  /** Where the process metrics are scraped, and the agent for it; absent when target.metrics.scrape is off. */
  metrics?: { url: string; agent: Agent };
  apiKey?: string;
  events: RunEvents;
  /** Longest wait for GET /models and the /metrics scrape. */
  probeTimeoutMs: number;
  /** Called with each request record as it ends. */
  onRecord(rec: RequestRecord): void;
}

export interface CycleMeasure {
  cycle: number;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  durationMs: number;
  reachable: boolean;
  /** Why it is not. */
  reason?: string;
  /** The model the canaries were sent to. */
  model?: string;
  interrupted: boolean;
  records: RequestRecord[];
  server?: ServerReading;
}

export async function measureCycle(
  cycle: number,
  deps: CycleDeps,
  opts: { model: string | undefined; stop: AbortSignal; stopGraceMs: number },
): Promise<CycleMeasure> {
  const startedAt = Date.now();
  const t0 = performance.now();
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let grace: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    grace = setTimeout(() => abort.abort(), opts.stopGraceMs);
  };
  if (opts.stop.aborted) onStop();
  else opts.stop.addEventListener("abort", onStop, { once: true });
  const records: RequestRecord[] = [];
  const out = (m: Omit<CycleMeasure, "cycle" | "startedAt" | "endedAt" | "durationMs" | "records" | "interrupted">): CycleMeasure => ({
    cycle,
    startedAt,
    endedAt: Date.now(),
    durationMs: performance.now() - t0,
    interrupted: abort.signal.aborted,
    records,
    ...m,
  });
  try {
    const [probe, server] = await Promise.all([
      probeTarget(deps.client, deps.probeTimeoutMs),
      deps.metrics ? readServerProcess(deps.metrics.agent, deps.metrics.url, deps.apiKey, deps.probeTimeoutMs) : Promise.resolve(undefined),
    ]);
    const withServer = server ? { server } : {};
    // The first sentence: the client's advice on fixing a URL is for a run, not for every cycle of a watch.
    if (!probe.ok) return out({ reachable: false, reason: firstSentence(probe.reason), ...withServer });
    // The suite's model; else the one used so far while the server still lists it; else the first it lists.
    const listed = (id: string | undefined): boolean => id !== undefined && (probe.models.length === 0 || probe.models.some((x) => x.id === id));
    const model = deps.suite.target.model ?? (listed(opts.model) ? opts.model : probe.models[0]?.id);
    if (model === undefined) return out({ reachable: false, reason: `${deps.targetUrl}/models lists no model`, ...withServer });
    const targetInfo: TargetInfo = {
      url: deps.targetUrl,
      model,
      simulated: false,
      models: probe.models.map((m: ModelInfo) => ({ id: m.id, ...(m.maxModelLen !== undefined ? { maxModelLen: m.maxModelLen } : {}) })),
    };
    const ctx: ScenarioContext = {
      client: deps.client,
      endpoint: deps.endpoint,
      target: deps.suite.target,
      targetInfo,
      record(rec) {
        records.push(rec);
        deps.onRecord(rec);
      },
      attach: () => undefined,
      events: deps.events,
      signal: abort.signal,
    };
    await runCanaries(deps.suite, ctx);
    const counted = records.filter(countedRecord);
    const failed = counted.filter((r) => !r.result.ok);
    if (counted.length > 0 && failed.length === counted.length && failed.every((r) => CANNOT_CONNECT.has(r.result.error?.kind ?? ""))) {
      return out({ reachable: false, reason: `no request could connect (${failed[0]?.result.error?.message ?? "connection failed"})`, model, ...withServer });
    }
    return out({ reachable: true, model, ...withServer });
  } finally {
    clearTimeout(grace);
    opts.stop.removeEventListener("abort", onStop);
  }
}

/** "what. How to fix." → "what." */
function firstSentence(text: string): string {
  return text.split(/(?<=\.)\s+(?=[A-Z])/)[0] ?? text;
}
