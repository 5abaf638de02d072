/**
 * Scrapes a server's Prometheus /metrics on a timer, off the client's hot path, into a
 * timeline of normalised snapshots (in memory, and one JSON line per snapshot in
 * server-metrics.jsonl). One scrape at a time: a tick that finds a scrape in flight is
 * skipped, and snapshotNow() waits for the one in flight before it scrapes. A failed
 * scrape is recorded as a snapshot with `error` and polling goes on. The API key goes in
 * the Authorization header only: never in messages, snapshots or files.
 */
import { performance } from "node:perf_hooks";
import type { Agent } from "undici";
import { displayUrl, fetchPage, pollingAgent } from "./fetch-page.js";
import { ConfigError } from "../errors.js";
import { JsonlWriter } from "../store/files.js";
import { normalizeMetrics, detectServerKind } from "./mapping.js";
import { looksLikePrometheus, parseMetricsText, type ParsedMetrics } from "./parse.js";
import type { ServerKind, ServerMonitor, ServerSnapshot } from "./types.js";

export const NO_METRICS_HINT =
  "the server exposes no /metrics (vLLM: on by default; SGLang: --enable-metrics; llama.cpp: --metrics)";

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * The /metrics URL of an OpenAI-compatible base URL: its origin + "/metrics". vLLM, SGLang
 * and llama-server serve /metrics at the root, not under /v1. Behind a proxy that rewrites
 * paths, pass the metrics URL to startMonitor() yourself.
 */
export function metricsUrlFor(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`not a URL: "${baseUrl}" (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`not an http(s) URL: "${url.origin}" (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  return `${url.origin}/metrics`;
}

type ScrapeResult =
  | { ok: true; parsed: ParsedMetrics }
  | { ok: false; reason: string; status?: number };

function firstLine(text: string): string {
  const line = (text.split("\n").find((l) => l.trim() !== "") ?? "").trim().replace(/[^\x20-\x7e]/g, "?");
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** One GET of the metrics URL, parsed. Never throws. */
async function scrape(agent: Agent, url: string, apiKey: string | undefined, timeoutMs: number): Promise<ScrapeResult> {
  const shown = displayUrl(url);
  const page = await fetchPage(agent, url, {
    ...(apiKey !== undefined ? { apiKey } : {}),
    timeoutMs,
    verb: "cannot scrape",
    unauthorized: (status, keySent) =>
      keySent
        ? `${shown} answered ${status}: the server refused the API key for /metrics`
        : `${shown} answered ${status}: /metrics needs the API key (llama-server started with --api-key does)`,
  });
  if (!page.ok) {
    if (page.status === 404) return { ok: false, status: 404, reason: `${shown} answered 404: ${NO_METRICS_HINT}` };
    return page;
  }
  const parsed = parseMetricsText(page.text);
  if (!looksLikePrometheus(parsed)) {
    return { ok: false, reason: `${shown} did not answer Prometheus text (content-type ${page.contentType}; first line "${firstLine(page.text)}")` };
  }
  return { ok: true, parsed };
}

export type ProbeResult =
  | { ok: true; server: ServerKind; samples: number }
  | { ok: false; reason: string; status?: number };

/**
 * Checks once that `url` serves Prometheus text: `{ ok: true }` with the detected server
 * kind, or `{ ok: false, reason }` saying why (404: how to turn metrics on; 401/403;
 * connection refused; timeout; not Prometheus text).
 */
export async function probeMetrics(url: string, apiKey?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ProbeResult> {
  const agent = pollingAgent(timeoutMs);
  try {
    const r = await scrape(agent, url, apiKey, timeoutMs);
    if (!r.ok) return r.status === undefined ? { ok: false, reason: r.reason } : { ok: false, reason: r.reason, status: r.status };
    return { ok: true, server: detectServerKind(r.parsed), samples: r.parsed.sampleCount };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

export interface StartMonitorOptions {
  /** The metrics URL (see metricsUrlFor). */
  url: string;
  /** Sent as `Authorization: Bearer …`; never written anywhere. */
  apiKey?: string;
  /** Polling period, ms. */
  intervalMs: number;
  /** server-metrics.jsonl: one ServerSnapshot per line, appended as taken. */
  timelinePath?: string;
  /** Clock of snapshot `t` (default performance.now(), the clock of the request records). */
  now?: () => number;
  /** Per-scrape timeout, ms (default 5000). */
  timeoutMs?: number;
}

export interface MonitorStats {
  /** Scrapes made (timer, snapshotNow, start and stop). */
  scrapes: number;
  failures: number;
  /** Ticks skipped because a scrape was in flight. */
  skippedTicks: number;
  /** Longest scrape (request + parse), ms. */
  maxScrapeMs: number;
}

export interface RunningMonitor extends ServerMonitor {
  /** Every snapshot taken, in time order. */
  readonly timeline: ServerSnapshot[];
  /** Why the monitor is not available (the first scrape's error). */
  readonly unavailableReason?: string;
  readonly stats: MonitorStats;
  /** Stops polling, takes a final snapshot (when available), closes the timeline file. Idempotent. */
  stop(): Promise<void>;
}

class Monitor implements RunningMonitor {
  readonly timeline: ServerSnapshot[] = [];
  readonly stats: MonitorStats = { scrapes: 0, failures: 0, skippedTicks: 0, maxScrapeMs: 0 };
  available = false;
  unavailableReason?: string;
  private readonly agent: Agent;
  private readonly writer: JsonlWriter | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private timer: NodeJS.Timeout | undefined;
  /** Scrapes queued or running. */
  private pending = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private writeFailed = false;

  /** The URL as shown: no credentials, no query. */
  readonly metricsUrl: string;

  constructor(
    private readonly url: string,
    private readonly apiKey: string | undefined,
    private readonly intervalMs: number,
    timelinePath: string | undefined,
    now: (() => number) | undefined,
    timeoutMs: number | undefined,
  ) {
    this.metricsUrl = displayUrl(url);
    this.now = now ?? (() => performance.now());
    this.timeoutMs = timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // the writer first: if its folder cannot be created, no agent is left open
    this.writer = timelinePath === undefined ? undefined : new JsonlWriter(timelinePath);
    this.agent = pollingAgent(this.timeoutMs);
  }

  async start(): Promise<void> {
    const first = await this.enqueue();
    if (first.error !== undefined) {
      this.unavailableReason = first.error;
      return;
    }
    this.available = true;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopping) return;
    if (this.pending > 0) {
      this.stats.skippedTicks++;
      return;
    }
    void this.enqueue();
  }

  /** Runs a scrape after the one in flight, if any. */
  private enqueue(): Promise<ServerSnapshot> {
    this.pending++;
    const p = this.chain.then(() => this.scrapeOnce()).finally(() => this.pending--);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async scrapeOnce(): Promise<ServerSnapshot> {
    const t = this.now();
    const epochMs = Date.now();
    const t0 = performance.now();
    const r = await scrape(this.agent, this.url, this.apiKey, this.timeoutMs);
    const snapshot: ServerSnapshot = r.ok ? { t, epochMs, values: normalizeMetrics(r.parsed) } : { t, epochMs, error: r.reason };
    snapshot.scrapeMs = Math.round((performance.now() - t0) * 100) / 100;
    this.stats.scrapes++;
    if (!r.ok) this.stats.failures++;
    this.stats.maxScrapeMs = Math.max(this.stats.maxScrapeMs, snapshot.scrapeMs);
    this.record(snapshot);
    return snapshot;
  }

  private record(snapshot: ServerSnapshot): void {
    // scrapes are serialised, so the timeline stays in time order
    this.timeline.push(snapshot);
    if (!this.writer || this.writeFailed) return;
    try {
      this.writer.append(snapshot);
    } catch {
      // a full disk must not stop the run; the in-memory timeline keeps going
      this.writeFailed = true;
    }
  }

  async snapshotNow(): Promise<ServerSnapshot | undefined> {
    if (!this.available || this.stopping) return undefined;
    return this.enqueue();
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.chain;
      if (this.available) await this.enqueue();
    } finally {
      try {
        this.writer?.close();
      } catch {
        // already reported through writeFailed, or nothing to flush
      }
      await this.agent.close().catch(() => undefined);
    }
  }
}

/**
 * Starts a monitor: scrapes once now (available = that scrape succeeded), then every
 * `intervalMs` on an unref'd timer. When the first scrape fails the monitor does not poll,
 * `unavailableReason` says why, and snapshotNow() returns undefined.
 */
export async function startMonitor(opts: StartMonitorOptions): Promise<RunningMonitor> {
  if (!(opts.intervalMs > 0)) throw new ConfigError(`server metrics interval must be > 0 ms, got ${opts.intervalMs}`);
  const m = new Monitor(opts.url, opts.apiKey, opts.intervalMs, opts.timelinePath, opts.now, opts.timeoutMs);
  try {
    await m.start();
  } catch (err) {
    await m.stop();
    throw err;
  }
  return m;
}
