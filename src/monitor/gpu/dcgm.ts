/**
 * The dcgm source: a DCGM exporter's /metrics polled every interval (one request at a
 * time: a tick that finds one in flight is skipped), each page mapped to one sample per GPU
 * (dcgm-parse.ts), all stamped with the instant the request was sent.
 *
 * Unreachable (or not a DCGM exporter) at start: a ConfigError. Failing later: a warning
 * when it starts failing and another when it answers again; polling goes on.
 *
 * Note: dcgm-exporter refreshes its values on its own collection interval (its -c flag);
 * polling faster than that reads the same values again.
 */
import { performance } from "node:perf_hooks";
import type { Agent } from "undici";
import { displayUrl, fetchPage, pollingAgent } from "../fetch-page.js";
import { ConfigError } from "../../errors.js";
import { GPU_MONITOR_ERROR } from "./csv-stream.js";
import { parseDcgmMetrics, type DcgmPage } from "./dcgm-parse.js";
import type { SampleSink } from "./sink.js";

const TIMEOUT_MS = 5_000;

type Fetched = { ok: true; page: DcgmPage } | { ok: false; reason: string };

/** One GET, parsed. Never throws. */
export async function fetchDcgm(agent: Agent, url: string, apiKey: string | undefined, signal?: AbortSignal): Promise<Fetched> {
  const shown = displayUrl(url);
  const got = await fetchPage(agent, url, {
    ...(apiKey ? { apiKey } : {}),
    timeoutMs: TIMEOUT_MS,
    ...(signal ? { signal } : {}),
    refusedHint: "is dcgm-exporter running?",
    unauthorized: (status, keySent) => `${shown} answered ${status}: it wants ${keySent ? "another" : "an"} API key`,
  });
  if (!got.ok) return { ok: false, reason: got.reason };
  const page = parseDcgmMetrics(got.text);
  if (page.dcgmSamples === 0) {
    return {
      ok: false,
      reason: `${shown} answered, but with no DCGM_FI_* metric (${page.sampleCount} other samples): is it a dcgm-exporter? (its default is http://<host>:9400/metrics)`,
    };
  }
  if (page.readings.length === 0) return { ok: false, reason: `${shown} has DCGM metrics but none with a "gpu" label` };
  return { ok: true, page };
}

export interface DcgmSourceOptions {
  url: string;
  apiKey?: string;
  intervalMs: number;
  sink: SampleSink;
  warn(message: string): void;
}

export class DcgmPoller {
  private readonly agent = pollingAgent(TIMEOUT_MS);
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failing: { since: number; count: number } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly o: DcgmSourceOptions) {}

  /**
   * Scrapes once (a ConfigError when that fails), records it, then polls on an unref'd
   * timer. Returns the GPU indexes of the first page (before the gpus filter).
   */
  async start(): Promise<number[]> {
    const t = performance.now();
    const epochMs = Date.now();
    const r = await fetchDcgm(this.agent, this.o.url, this.o.apiKey, this.abort.signal);
    if (!r.ok) {
      await this.agent.close().catch(() => undefined);
      throw new ConfigError(`GPU monitor: cannot read the DCGM exporter at monitor.gpu.url: ${r.reason}`, GPU_MONITOR_ERROR);
    }
    for (const reading of r.page.readings) this.o.sink.noteGpu(reading);
    this.record(r.page, t, epochMs);
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
    return r.page.readings.map((x) => x.gpu);
  }

  private record(page: DcgmPage, t: number, epochMs: number): void {
    for (const reading of page.readings) this.o.sink.add(reading, t, epochMs);
  }

  private tick(): void {
    if (this.stopping || this.inFlight) return;
    this.inFlight = this.scrape().finally(() => {
      this.inFlight = undefined;
    });
  }

  private async scrape(): Promise<void> {
    const t = performance.now();
    const epochMs = Date.now();
    const r = await fetchDcgm(this.agent, this.o.url, this.o.apiKey, this.abort.signal);
    if (this.stopping) return;
    if (!r.ok) {
      this.o.sink.stats.failures++;
      if (!this.failing) {
        this.failing = { since: epochMs, count: 0 };
        this.o.warn(`DCGM exporter scrape failed (${r.reason}); still polling every ${this.o.intervalMs} ms`);
      }
      this.failing.count++;
      return;
    }
    if (this.failing) {
      const s = Math.round((epochMs - this.failing.since) / 100) / 10;
      this.o.warn(`the DCGM exporter answers again after ${this.failing.count} failed scrapes (about ${s} s without GPU samples)`);
      this.failing = undefined;
    }
    this.record(r.page, t, epochMs);
  }

  /** Stops polling, cancels a scrape in flight, closes the connection. Idempotent, bounded. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.abort.abort();
      await this.inFlight?.catch(() => undefined);
      await Promise.race([this.agent.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    })();
    return this.stopping;
  }
}
