/**
 * The watch's Prometheus exposition (--metrics-port): shakedown_* gauges, counters and
 * histograms in a prom-client Registry of its own (never the library's global one, so that an
 * application embedding shakedown keeps its own /metrics), served at /metrics by a small HTTP
 * server. Labels are bounded: the target, the canaries of the suite, the alerts of the rules.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ConfigError } from "../errors.js";

/** Seconds; from 10 ms (a fast canary) to 10 min (a timed-out reasoning one). */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

export class WatchExposition {
  readonly registry = new Registry();
  readonly cycles: Counter<"target" | "outcome">;
  readonly ttft: Histogram<"target">;
  readonly e2e: Histogram<"target">;
  readonly canaryPass: Gauge<"target" | "canary">;
  readonly alertFiring: Gauge<"target" | "alert" | "severity">;
  readonly lastCycle: Gauge<"target">;
  readonly lastCycleDuration: Gauge<"target">;
  readonly up: Gauge<"target">;
  readonly uptime: Gauge<"target">;
  readonly restarts: Counter<"target">;
  readonly errorRate: Gauge<"target">;
  readonly baselineChange: Gauge<"target" | "alert">;
  readonly webhooks: Counter<"target" | "outcome">;
  readonly remediations: Counter<"target" | "outcome">;

  constructor(readonly target: string) {
    const registers = [this.registry];
    this.cycles = new Counter({ name: "shakedown_watch_cycles_total", help: "Watch cycles run, by outcome (ok, unreachable, interrupted).", labelNames: ["target", "outcome"], registers });
    this.ttft = new Histogram({ name: "shakedown_ttft_seconds", help: "Time to first token of the canary requests (streamed, ok).", labelNames: ["target"], buckets: LATENCY_BUCKETS, registers });
    this.e2e = new Histogram({ name: "shakedown_e2e_seconds", help: "End-to-end latency of the canary requests (ok).", labelNames: ["target"], buckets: LATENCY_BUCKETS, registers });
    this.canaryPass = new Gauge({ name: "shakedown_canary_pass", help: "1 when the canary passed in the last cycle that judged it, 0 when it was wrong, changed or failed.", labelNames: ["target", "canary"], registers });
    this.alertFiring = new Gauge({ name: "shakedown_alert_firing", help: "1 while the alert is firing, else 0.", labelNames: ["target", "alert", "severity"], registers });
    this.lastCycle = new Gauge({ name: "shakedown_watch_last_cycle_timestamp_seconds", help: "Unix time at which the last cycle ended.", labelNames: ["target"], registers });
    this.lastCycleDuration = new Gauge({ name: "shakedown_watch_last_cycle_duration_seconds", help: "How long the last cycle took.", labelNames: ["target"], registers });
    this.up = new Gauge({ name: "shakedown_server_up", help: "1 when the target answered in the last cycle, else 0.", labelNames: ["target"], registers });
    this.uptime = new Gauge({ name: "shakedown_server_uptime_seconds", help: "Seconds since the serving process started (its process_start_time_seconds), at the last cycle.", labelNames: ["target"], registers });
    this.restarts = new Counter({ name: "shakedown_server_restarts_total", help: "Restarts of the serving process seen by the watch.", labelNames: ["target"], registers });
    this.errorRate = new Gauge({ name: "shakedown_watch_error_rate", help: "Failed canary requests over requests, in the last cycle.", labelNames: ["target"], registers });
    this.baselineChange = new Gauge({ name: "shakedown_baseline_change_ratio", help: "Change against the baseline that a baseline alert read in the last cycle (relative: 0.15 = +15 %).", labelNames: ["target", "alert"], registers });
    this.webhooks = new Counter({ name: "shakedown_webhook_deliveries_total", help: "Webhook deliveries, by outcome (ok, failed).", labelNames: ["target", "outcome"], registers });
    this.remediations = new Counter({ name: "shakedown_remediations_total", help: "Remediation commands run, by outcome (ok, failed, timeout).", labelNames: ["target", "outcome"], registers });
  }

  /** Sets every alert's gauge (0 until it fires), so a dashboard sees them all from the start. */
  declareAlerts(alerts: readonly { name: string; severity: string }[]): void {
    for (const a of alerts) this.alertFiring.set({ target: this.target, alert: a.name, severity: a.severity }, 0);
  }

  private readonly canaries = new Set<string>();

  /** The canaries of a cycle; a cycle that judged none (the server down) sets every canary seen so far to 0. */
  setCanaries(outcomes: readonly { name: string; pass?: boolean }[]): void {
    if (outcomes.length === 0) {
      for (const name of this.canaries) this.canaryPass.set({ target: this.target, canary: name }, 0);
      return;
    }
    for (const c of outcomes) {
      this.canaries.add(c.name);
      this.canaryPass.set({ target: this.target, canary: c.name }, c.pass === true ? 1 : 0);
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

export interface ExpositionServer {
  /** http://host:port/metrics */
  url: string;
  close(): Promise<void>;
}

/** Serves the registry at http://host:port/metrics; ConfigError (exit 2) when the port cannot be had. */
export async function serveExposition(exposition: WatchExposition, port: number, host: string): Promise<ExpositionServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("shakedown watch: the metrics are at /metrics\n");
      return;
    }
    exposition.text().then(
      (text) => {
        res.writeHead(200, { "content-type": exposition.registry.contentType });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (e: unknown) => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`cannot render the metrics: ${e instanceof Error ? e.message : String(e)}\n`);
      },
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "the port is in use" : e.code === "EACCES" ? "no permission to listen there" : e.code === "EADDRNOTAVAIL" ? "no such local address" : (e.code ?? e.message);
      reject(new ConfigError(`--metrics-port ${port} --metrics-host ${host}: cannot listen (${why}); choose another port, or 0 for any free one`));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${address.port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
