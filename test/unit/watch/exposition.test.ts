/**
 * Issue 16: the Prometheus exposition, scraped over HTTP and read back with shakedown's own
 * Prometheus parser (src/monitor/parse.ts): a registry of its own (not prom-client's global one),
 * shakedown_* gauges, counters and histograms with bounded labels.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { parseMetricsText } from "../../../src/monitor/parse.js";
import { WatchExposition, serveExposition } from "../../../src/watch/exposition.js";

const TARGET = "http://gpu1:8000/v1";

describe("the watch's exposition", () => {
  it("serves shakedown_* metrics at /metrics that parse as Prometheus text", async () => {
    const x = new WatchExposition(TARGET);
    x.declareAlerts([
      { name: "ttft_p90", severity: "warning" },
      { name: "unreachable", severity: "critical" },
    ]);
    x.cycles.inc({ target: TARGET, outcome: "ok" }, 3);
    for (const s of [0.02, 0.04, 0.9]) x.ttft.observe({ target: TARGET }, s);
    x.e2e.observe({ target: TARGET }, 1.5);
    x.setCanaries([{ name: "chat/t1", pass: true }, { name: "reasoning/seq", pass: false }]);
    x.alertFiring.set({ target: TARGET, alert: "ttft_p90", severity: "warning" }, 1);
    x.up.set({ target: TARGET }, 1);
    x.uptime.set({ target: TARGET }, 43_200);
    const server = await serveExposition(x, 0, "127.0.0.1");
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      const parsed = parseMetricsText(await res.text());
      expect(parsed.invalidLines).toBe(0);
      const one = (name: string, labels: Record<string, string> = {}) =>
        parsed.samples.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
      expect(one("shakedown_watch_cycles_total", { outcome: "ok", target: TARGET })).toBe(3);
      expect(one("shakedown_ttft_seconds_count")).toBe(3);
      expect(one("shakedown_ttft_seconds_bucket", { le: "0.05" })).toBe(2);
      expect(one("shakedown_ttft_seconds_bucket", { le: "+Inf" })).toBe(3);
      expect(one("shakedown_e2e_seconds_sum")).toBeCloseTo(1.5);
      expect(one("shakedown_canary_pass", { canary: "chat/t1" })).toBe(1);
      expect(one("shakedown_canary_pass", { canary: "reasoning/seq" })).toBe(0);
      expect(one("shakedown_alert_firing", { alert: "ttft_p90", severity: "warning" })).toBe(1);
      expect(one("shakedown_alert_firing", { alert: "unreachable", severity: "critical" })).toBe(0);
      expect(one("shakedown_server_up")).toBe(1);
      expect(one("shakedown_server_uptime_seconds")).toBe(43_200);
      expect(parsed.types.get("shakedown_ttft_seconds")).toBe("histogram");
      // Nothing went into prom-client's global registry.
      expect(await globalRegistry.metrics()).not.toMatch(/shakedown_/);
      // A cycle that judged no canary (the server down) sets them all to 0.
      x.setCanaries([]);
      const after = parseMetricsText(await (await fetch(server.url)).text());
      expect(after.samples.get("shakedown_canary_pass")?.map((s) => s.value)).toEqual([0, 0]);
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("refuses a port in use with a ConfigError (exit 2)", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as AddressInfo).port;
    try {
      await expect(serveExposition(new WatchExposition(TARGET), port, "127.0.0.1")).rejects.toThrow(ConfigError);
      await expect(serveExposition(new WatchExposition(TARGET), port, "127.0.0.1")).rejects.toThrow(/the port is in use/);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
