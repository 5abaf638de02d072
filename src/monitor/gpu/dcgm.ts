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
import { Agent, request } from "undici";
import { ConfigError } from "../../errors.js";
import { GPU_MONITOR_ERROR } from "./csv-stream.js";
import { parseDcgmMetrics, type DcgmPage } from "./dcgm-parse.js";
import type { SampleSink } from "./sink.js";

const TIMEOUT_MS = 5_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The URL as shown in messages: no credentials, no query. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown): void => {
    if (typeof e !== "object" || e === null || seen.has(e)) return;
    seen.add(e);
    const r = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof r.code === "string") out.push(r.code);
    if (typeof r.name === "string") out.push(r.name);
    visit(r.cause);
    if (Array.isArray(r.errors)) for (const x of r.errors) visit(x);
  };
  visit(err);
  return out;
}

type Fetched = { ok: true; page: DcgmPage } | { ok: false; reason: string };

/** One GET, parsed. Never throws. */
export async function fetchDcgm(agent: Agent, url: string, apiKey: string | undefined, signal?: AbortSignal): Promise<Fetched> {
  const shown = displayUrl(url);
  const headers: Record<string, string> = { accept: "text/plain;version=0.0.4;q=1, */*;q=0.1" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  try {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const res = await request(url, {
      method: "GET",
      headers,
      dispatcher: agent,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined);
      const status = res.statusCode;
      if (status === 401 || status === 403) return { ok: false, reason: `${shown} answered ${status}: it wants ${apiKey ? "another" : "an"} API key` };
      return { ok: false, reason: `${shown} answered HTTP ${status}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        return { ok: false, reason: `${shown} sent more than ${MAX_BODY_BYTES / 1024 / 1024} MiB: not a metrics page` };
      }
      chunks.push(b);
    }
    const page = parseDcgmMetrics(Buffer.concat(chunks).toString("utf8"));
    if (page.dcgmSamples === 0) {
      return {
        ok: false,
        reason: `${shown} answered, but with no DCGM_FI_* metric (${page.sampleCount} other samples): is it a dcgm-exporter? (its default is http://<host>:9400/metrics)`,
      };
    }
    if (page.readings.length === 0) return { ok: false, reason: `${shown} has DCGM metrics but none with a "gpu" label` };
    return { ok: true, page };
  } catch (err) {
    const codes = errorCodes(err);
    const has = (c: string): boolean => codes.includes(c);
    let host = shown;
    try {
      host = new URL(url).host;
    } catch {
      // keep the shown form
    }
    if (has("ECONNREFUSED")) return { ok: false, reason: `connection refused by ${host}: nothing listens there (is dcgm-exporter running?)` };
    if (has("TimeoutError") || has("UND_ERR_CONNECT_TIMEOUT") || has("UND_ERR_HEADERS_TIMEOUT") || has("UND_ERR_BODY_TIMEOUT")) {
      return { ok: false, reason: `${shown} did not answer within ${TIMEOUT_MS} ms` };
    }
    if (has("AbortError")) return { ok: false, reason: `scrape of ${shown} cancelled` };
    if (has("ENOTFOUND") || has("EAI_AGAIN")) return { ok: false, reason: `cannot resolve the host of ${shown}` };
    const code = codes.find((c) => /^[A-Z_]+$/.test(c));
    return { ok: false, reason: `cannot read ${shown}${code ? ` (${code})` : ""}` };
  }
}

export interface DcgmSourceOptions {
  url: string;
  apiKey?: string;
  intervalMs: number;
  sink: SampleSink;
  warn(message: string): void;
}

export class DcgmPoller {
  private readonly agent = new Agent({
    connections: 1,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 4_000,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    connect: { timeout: TIMEOUT_MS },
  });
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
