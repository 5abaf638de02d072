/**
 * What a cycle asks the server besides the canaries: GET /models (is it there, which model)
 * and one scrape of its Prometheus /metrics for the standard process metrics (when it
 * started, its resident memory), read by the monitor's own parser and mapping. Never throws.
 */
import type { Agent } from "undici";
import type { ChatClient, ModelInfo } from "../client/index.js";
import { summarizeServerProcess } from "../monitor/process.js";
import { fetchPage } from "../monitor/fetch-page.js";
import { normalizeMetrics } from "../monitor/mapping.js";
import { looksLikePrometheus, parseMetricsText } from "../monitor/parse.js";
import type { ServerSnapshot } from "../monitor/types.js";

export type ProbeOutcome = { ok: true; models: ModelInfo[] } | { ok: false; reason: string };

/** GET /models within `timeoutMs`; the reason says why not (connection refused, HTTP status, timeout). */
export async function probeTarget(client: ChatClient, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `GET /models did not answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      client.listModels().then(
        (models): ProbeOutcome => ({ ok: true, models }),
        (e: unknown): ProbeOutcome => ({ ok: false, reason: e instanceof Error ? e.message : String(e) }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One scrape of the process metrics. */
export interface ServerReading {
  epochMs: number;
  /** Why nothing was read (no /metrics, an error). */
  error?: string;
  startTimeS?: number;
  rssBytes?: number;
}

export async function readServerProcess(agent: Agent, url: string, apiKey: string | undefined, timeoutMs: number): Promise<ServerReading> {
  const epochMs = Date.now();
  const page = await fetchPage(agent, url, { ...(apiKey !== undefined ? { apiKey } : {}), timeoutMs, verb: "cannot scrape" });
  if (!page.ok) return { epochMs, error: page.reason };
  const parsed = parseMetricsText(page.text);
  if (!looksLikePrometheus(parsed)) return { epochMs, error: "the metrics page is not Prometheus text" };
  const v = normalizeMetrics(parsed);
  return {
    epochMs,
    ...(v.processStartTimeSeconds !== undefined ? { startTimeS: v.processStartTimeSeconds } : {}),
    ...(v.processResidentMemoryBytes !== undefined ? { rssBytes: v.processResidentMemoryBytes } : {}),
  };
}

/** The server figures of a cycle, given the previous start time seen (a restart: it moved, as the soak's process summary reads it). */
export function serverFigures(
  reading: ServerReading | undefined,
  previous: { startTimeS: number; epochMs: number } | undefined,
): { restarted?: boolean; uptimeHours?: number; rssMb?: number; previousStartS?: number } {
  if (!reading || reading.error !== undefined) return {};
  const snap = (t: number, epochMs: number, start: number | undefined, rss?: number): ServerSnapshot => ({
    t,
    epochMs,
    values: { server: "unknown", ...(start !== undefined ? { processStartTimeSeconds: start } : {}), ...(rss !== undefined ? { processResidentMemoryBytes: rss } : {}) },
  });
  const timeline: ServerSnapshot[] = [];
  if (previous !== undefined && reading.startTimeS !== undefined) timeline.push(snap(0, previous.epochMs, previous.startTimeS));
  timeline.push(snap(1, reading.epochMs, reading.startTimeS, reading.rssBytes));
  const s = summarizeServerProcess(timeline, 0, 1);
  const out: { restarted?: boolean; uptimeHours?: number; rssMb?: number; previousStartS?: number } = {};
  if (reading.startTimeS !== undefined) {
    out.restarted = (s?.restarts.length ?? 0) > 0;
    if (out.restarted && previous) out.previousStartS = previous.startTimeS;
    if (s?.uptimeEndH !== undefined) out.uptimeHours = s.uptimeEndH;
  }
  if (s?.rssLastMb !== undefined) out.rssMb = s.rssLastMb;
  return out;
}
