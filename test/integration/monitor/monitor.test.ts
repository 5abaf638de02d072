import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { metricsUrlFor, probeMetrics, startMonitor, summarizeWindow, type RunningMonitor } from "../../../src/monitor/index.js";
import { startSimulator, type RunningSimulator } from "../../../src/sim/index.js";

const API_KEY = "sk-monitor-test-d41d8cd98f";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A throwaway HTTP server answering every request with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, server };
}
const closeServer = (s: Server) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); });

const METRICS_TEXT = "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 1\nvllm:prompt_tokens_total 10\n";

describe("metricsUrlFor", () => {
  it("puts /metrics at the origin, not under /v1", () => {
    expect(metricsUrlFor("http://10.0.0.5:8000/v1")).toBe("http://10.0.0.5:8000/metrics");
    expect(metricsUrlFor("https://user:pw@llm.example.com/v1/")).toBe("https://llm.example.com/metrics");
    expect(() => metricsUrlFor("not a url")).toThrow(/not a URL/);
    expect(() => metricsUrlFor("ftp://x/v1")).toThrow(/http\(s\)/);
  });
});

describe("monitor against the simulator", () => {
  let sim: RunningSimulator;
  let dir: string;
  let monitor: RunningMonitor | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ profile: "fast", port: 0, apiKey: API_KEY });
    dir = mkdtempSync(join(tmpdir(), "shakedown-monitor-"));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
  });

  it("probes: ok with the key, 401 without", async () => {
    const url = metricsUrlFor(sim.baseUrl);
    expect(await probeMetrics(url, API_KEY)).toMatchObject({ ok: true, server: "vllm" });
    const refused = await probeMetrics(url);
    expect(refused).toMatchObject({ ok: false, status: 401 });
    if (!refused.ok) expect(refused.reason).toMatch(/needs the API key/);
    const wrong = await probeMetrics(url, "sk-wrong");
    if (!wrong.ok) {
      expect(wrong.reason).toMatch(/refused the API key/);
      expect(wrong.reason).not.toContain("sk-wrong");
    } else expect.fail("a wrong key must be refused");
  });

  it("counter deltas over a run equal the simulator's own counts; one JSON line per snapshot", async () => {
    const timelinePath = join(dir, "server-metrics.jsonl");
    const before = sim.stats();
    monitor = await startMonitor({ url: metricsUrlFor(sim.baseUrl), apiKey: API_KEY, intervalMs: 50, timelinePath });
    expect(monitor.available).toBe(true);

    // a conversation resent turn after turn: later turns hit the prefix cache
    const system = { role: "system", content: "You are a careful assistant. ".repeat(40) };
    const history: { role: string; content: string }[] = [system];
    for (let turn = 0; turn < 6; turn++) {
      history.push({ role: "user", content: `Question number ${turn}: tell me about caching.` });
      const res = await fetch(`${sim.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ model: sim.options.model, messages: history, stream: false }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      history.push({ role: "assistant", content: body.choices[0]!.message.content });
    }
    const mid = await monitor.snapshotNow();
    expect(mid?.values?.server).toBe("vllm");
    await sleep(160); // a few timer ticks
    await monitor.stop();
    await monitor.stop(); // idempotent
    const after = sim.stats();

    const tl = monitor.timeline;
    expect(tl.length).toBeGreaterThanOrEqual(4); // start, mid, ≥1 tick, stop
    expect(tl.every((s) => s.error === undefined)).toBe(true);
    expect(tl.map((s) => s.t)).toEqual([...tl.map((s) => s.t)].sort((a, b) => a - b));

    const s = summarizeWindow(tl, tl[0]!.t, tl.at(-1)!.t)!;
    expect(s.server).toBe("vllm");
    expect(s.deltas.prefixCacheQueries).toBe(after.prefixCacheQueries - before.prefixCacheQueries);
    expect(s.deltas.prefixCacheHits).toBe(after.prefixCacheHits - before.prefixCacheHits);
    expect(s.deltas.promptTokens).toBe(after.promptTokens - before.promptTokens);
    expect(s.deltas.generationTokens).toBe(after.generatedTokens - before.generatedTokens);
    expect(s.deltas.preemptions).toBe(after.preemptions - before.preemptions);
    expect(s.deltas.requestsSucceeded).toBe(after.completed - before.completed);
    expect(s.deltas.prefixCacheHits).toBeGreaterThan(0);
    expect(s.prefixCacheHitRate).toBeCloseTo(s.deltas.prefixCacheHits! / s.deltas.prefixCacheQueries!, 12);
    expect(s.ttftMs?.n).toBe(6);
    expect(s.prefixCachingEnabled).toBe(true);

    const file = readFileSync(timelinePath, "utf8");
    const lines = file.trimEnd().split("\n");
    expect(lines).toHaveLength(tl.length);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(JSON.parse(JSON.stringify(tl)));
    expect(file).not.toContain(API_KEY);
    await expect(monitor.snapshotNow()).resolves.toBeUndefined();
  });

  it("is unavailable (and does not poll) when the first scrape is refused", async () => {
    monitor = await startMonitor({ url: metricsUrlFor(sim.baseUrl), intervalMs: 20 });
    expect(monitor.available).toBe(false);
    expect(monitor.unavailableReason).toMatch(/401/);
    await sleep(80);
    expect(monitor.timeline).toHaveLength(1);
    expect(await monitor.snapshotNow()).toBeUndefined();
  });
});

describe("probeMetrics failures", () => {
  it("404: says how to turn metrics on", async () => {
    const { url, server } = await serve((_req, res) => res.writeHead(404).end("Not Found"));
    try {
      const r = await probeMetrics(url);
      expect(r).toMatchObject({ ok: false, status: 404 });
      if (!r.ok) expect(r.reason).toContain("SGLang: --enable-metrics; llama.cpp: --metrics");
    } finally {
      await closeServer(server);
    }
  });

  it("not Prometheus text", async () => {
    const { url, server } = await serve((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><html><body>dashboard</body></html>"));
    try {
      const r = await probeMetrics(url);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/did not answer Prometheus text \(content-type text\/html/);
    } finally {
      await closeServer(server);
    }
  });

  it("connection refused", async () => {
    const { url, server } = await serve(() => undefined);
    await closeServer(server);
    const r = await probeMetrics(url);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/connection refused by 127\.0\.0\.1:\d+/);
  });

  it("timeout", async () => {
    const { url, server } = await serve(() => undefined); // never answers
    try {
      const r = await probeMetrics(url, undefined, 150);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/did not answer within 150 ms/);
    } finally {
      await closeServer(server);
    }
  });
});

describe("polling", () => {
  it("never overlaps scrapes: a slow scrape makes ticks skip", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { url, server } = await serve((_req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(METRICS_TEXT);
      }, 60);
    });
    try {
      const m = await startMonitor({ url, intervalMs: 10 });
      const now = m.snapshotNow(); // queued behind any tick in flight
      await sleep(200);
      await now;
      await m.stop();
      expect(maxInFlight).toBe(1);
      expect(m.stats.skippedTicks).toBeGreaterThan(0);
      expect(m.timeline.every((s) => s.values?.requestsRunning === 1)).toBe(true);
    } finally {
      await closeServer(server);
    }
  });

  it("records a failed scrape as a snapshot with an error and keeps polling", async () => {
    let n = 0;
    const { url, server } = await serve((_req, res) => {
      n++;
      if (n === 2 || n === 3) res.writeHead(500).end("boom");
      else res.writeHead(200).end(METRICS_TEXT);
    });
    try {
      const m = await startMonitor({ url, intervalMs: 15, apiKey: API_KEY });
      for (let i = 0; i < 50 && m.timeline.length < 5; i++) await sleep(15);
      await m.stop();
      const errors = m.timeline.filter((s) => s.error !== undefined);
      expect(errors).toHaveLength(2);
      expect(errors[0]!.error).toMatch(/answered HTTP 500/);
      expect(errors[0]!.values).toBeUndefined();
      expect(m.timeline.slice(3).some((s) => s.values !== undefined)).toBe(true);
      expect(m.stats.failures).toBe(2);
      expect(JSON.stringify(m.timeline)).not.toContain(API_KEY);
    } finally {
      await closeServer(server);
    }
  });

  it("stamps snapshots with the injected clock", async () => {
    const { url, server } = await serve((_req, res) => res.writeHead(200).end(METRICS_TEXT));
    try {
      let clock = 1000;
      const m = await startMonitor({ url, intervalMs: 60_000, now: () => (clock += 5) });
      await m.snapshotNow();
      await m.stop();
      expect(m.timeline.map((s) => s.t)).toEqual([1005, 1010, 1015]);
    } finally {
      await closeServer(server);
    }
  });
});
