/**
 * `shakedown watch`: production monitoring with canaries. On a schedule, a cycle sends the
 * canary suite's requests to the target, judges them (latencies, errors, canary answers, the
 * server's process metrics), compares the recent cycles with a baseline by `shakedown diff`'s
 * statistics, and moves each alert rule's state (with hysteresis). Transitions are logged,
 * recorded, sent to a webhook; a remediation command may run; a Prometheus endpoint exposes it
 * all. Everything measured is appended to the watch folder as it happens (store.ts).
 *
 * The engine never prints: it emits events (WatchEventMap) that the CLI turns into log lines.
 * A watch runs for days: everything it keeps in memory is bounded (the suite's canaries, the
 * rules' alerts, the windows' cycles); records go to disk and are dropped at the cycle's end.
 *
 *   const w = startWatch({ suite, rules, everyMs: 60_000, outDir: "runs" });
 *   w.on("alert", (t) => console.log(t.alert, t.state));
 *   const outcome = await w;        // after stop(), --for or --once
 */
import { EventEmitter } from "node:events";
import { createClient, type ChatClient, type Endpoint } from "../client/index.js";
import { redactor } from "../client/redact.js";
import { checkComparable } from "../compare/comparable.js";
import { redactSuite } from "../config/resolve.js";
import type { Suite } from "../config/schema.js";
import { ConfigError, StorageError } from "../errors.js";
import { pollingAgent } from "../monitor/fetch-page.js";
import { metricsUrlFor } from "../monitor/monitor.js";
import { RunEvents } from "../run/events.js";
import { apiKeyFromEnv } from "../run/target.js";
import { collectErrors } from "../scenarios/common.js";
import { validateScenario } from "../scenarios/registry.js";
import type { TargetInfo } from "../scenarios/types.js";
import { indexWatchCycle } from "../store/history.js";
import { loadRunFolder, RESULTS_SCHEMA_VERSION, type LoadedRun } from "../store/run-folder.js";
import type { RequestRecord } from "../store/records.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { firingAlerts, step, type AlertState, type AlertTransition, type Evaluation } from "./alerts.js";
import { addToBaseline, baselineReady, emptyBaseline, evaluateBaseline, type Baseline } from "./baseline.js";
import { CANARY_KINDS, canaryFigures, judgeCanaries, type CanaryOutcome } from "./canaries.js";
import { measureCycle, type CycleDeps } from "./cycle.js";
import { WatchExposition, serveExposition, type ExpositionServer } from "./exposition.js";
import { countedRecord, poolSamples, resolveFigure, sampleFigure, sampleRecords, type CycleSample, type FigureRef } from "./figures.js";
import { Remediator, formatMs, type RemediationRecord } from "./remediation.js";
import { redactUrl, thresholdHolds, type AlertRule, type WatchRules } from "./rules.js";
import { runSchedule, type ScheduleEnd } from "./schedule.js";
import { serverFigures } from "./server.js";
import { freshState, restoreState, type WatchState } from "./state.js";
import { WatchStore, watchDir } from "./store.js";
import { WebhookNotifier, type DeliveryOutcome } from "./webhook.js";

export { DEFAULT_ALERTS, defaultRules, loadRulesFile, parseRulesText, rulesFromObject, redactUrl, type AlertRule, type WatchRules } from "./rules.js";
export { targetSlug, watchDir, WATCH_FILES } from "./store.js";
export type { AlertTransition } from "./alerts.js";
export type { CanaryOutcome } from "./canaries.js";
export type { DeliveryOutcome } from "./webhook.js";
export type { RemediationRecord } from "./remediation.js";

export const CYCLE_SUMMARY_VERSION = 1;

export interface WatchOptions {
  /** The canary suite, resolved (its target.url is the server watched). */
  suite: Suite;
  rules: WatchRules;
  everyMs: number;
  /** Start no cycle after this long. */
  forMs?: number;
  /** One cycle, then stop (cron). */
  once?: boolean;
  /** Parent folder: the watch writes <outDir>/watch/<target>/. */
  outDir: string;
  /** Index each cycle in the run history (<outDir>/history.sqlite, table watch_cycles); default true. */
  history?: boolean;
  /** A run folder of the canary suite to take the baseline (and the reference answers) from. */
  baselineDir?: string;
  /** Forget the saved baseline, reference answers, windows and alert states. */
  reset?: boolean;
  /** Serve the Prometheus exposition at http://host:port/metrics. */
  metrics?: { port: number; host: string };
  env?: NodeJS.ProcessEnv;
  /** How long a stopped cycle may go on before its requests are cut (default 10 s). */
  stopGraceMs?: number;
  /** Longest wait for GET /models and the /metrics scrape of a cycle (default 10 s). */
  probeTimeoutMs?: number;
  /** Longest wait at the end for undelivered webhooks (default: the webhook's own attempts, at most 30 s). */
  drainMs?: number;
  /** Aborting it stops the watch as stop() does. */
  signal?: AbortSignal;
}

/** One line of cycles.jsonl. */
export interface CycleSummary {
  v: typeof CYCLE_SUMMARY_VERSION;
  cycle: number;
  startedAt: string;
  at: string;
  durationMs: number;
  outcome: "ok" | "unreachable" | "interrupted";
  reason?: string;
  model?: string;
  requests: number;
  errors: number;
  errorKinds: { kind: string; count: number }[];
  /** The cycle's figures that were measured (ttft.p90, e2e.p50, error_rate, canary.changed, server.uptime_hours…). */
  figures: Record<string, number>;
  canaries: CanaryOutcome[];
  baseline: { source: Baseline["source"]; ready: boolean; cycles: number; needed: number; dir?: string };
  alerts: { name: string; status: AlertState["status"]; holds: boolean | null; value?: number; detail: string }[];
  firing: string[];
}

export interface WatchStart {
  dir: string;
  target: string;
  metricsUrl?: string;
  everyMs: number;
  firstCycle: number;
  baseline: CycleSummary["baseline"];
  notes: string[];
  webhook?: string;
  rules: string;
}

export interface WatchEventMap {
  start: [WatchStart];
  "cycle:start": [{ cycle: number }];
  "cycle:end": [CycleSummary];
  alert: [AlertTransition];
  webhook: [DeliveryOutcome];
  remediation: [RemediationRecord];
  /** Something worth a log line: a late cycle, the baseline ready, a webhook given up, a remediation. */
  log: [string];
  warning: [string];
}

export interface WatchOutcome {
  dir: string;
  /** Cycles run by this session. */
  cycles: number;
  /** Alerts firing at the end. */
  firing: string[];
  end: ScheduleEnd | "storage";
  /** Writing the watch folder failed (the watch stopped). */
  storageError?: StorageError;
  /** Webhook notifications not delivered by the end. */
  undelivered: number;
}

export interface WatchHandle extends EventEmitter<WatchEventMap> {
  /** Ends the watch: the cycle in progress ends (within the stop grace), no other starts. */
  stop(reason?: string): void;
  readonly done: Promise<WatchOutcome>;
  then<A = WatchOutcome, B = never>(
    onfulfilled?: ((o: WatchOutcome) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B>;
}

/** Figures written into a cycle's summary (the rest can be had from records.jsonl). */
const SUMMARY_FIGURES = ["ttft.p50", "ttft.p90", "ttft.max", "e2e.p50", "e2e.p90", "tpot.p50", "output_tps.mean", "error_rate"].map((n) => resolveFigure(n, []) as FigureRef);

/** Figures read from the requests' samples (the others are the cycle's own). */
const SAMPLE_FIGURES = new Set(["requests", "errors", "error_rate", "success_rate"]);

const DEFAULT_STOP_GRACE_MS = 10_000;
const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
const MAX_DRAIN_MS = 30_000;

/** Starts a watch; throws (synchronously in the promise) ConfigError, AuthError, RunFolderError or StorageError before the first cycle. */
export function startWatch(opts: WatchOptions): WatchHandle {
  return new Watch(opts);
}

class Watch extends EventEmitter<WatchEventMap> implements WatchHandle {
  readonly done: Promise<WatchOutcome>;
  private readonly stopper = new AbortController();

  constructor(private readonly opts: WatchOptions) {
    super();
    if (opts.signal) {
      if (opts.signal.aborted) this.stopper.abort();
      else opts.signal.addEventListener("abort", () => this.stop(), { once: true });
    }
    this.done = (async () => {
      await Promise.resolve(); // the caller subscribes first
      return this.run();
    })();
  }

  stop(): void {
    if (!this.stopper.signal.aborted) this.stopper.abort();
  }

  then<A = WatchOutcome, B = never>(
    onfulfilled?: ((o: WatchOutcome) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.done.then(onfulfilled, onrejected);
  }

  private async run(): Promise<WatchOutcome> {
    const { suite, rules } = this.opts;
    const env = this.opts.env ?? process.env;
    // ── everything is checked before anything runs (exit 2) ──
    const url = suite.target.url;
    if (url === undefined) {
      throw new ConfigError("watch needs a server to watch: give --target URL (or target.url in the suite); start a simulator with `shakedown sim` to try it");
    }
    for (const sc of suite.scenarios) {
      if (!CANARY_KINDS.includes(sc.kind)) {
        throw new ConfigError(
          `scenario "${sc.name}" is a ${sc.kind} scenario: a watch cycle sends short canaries (${CANARY_KINDS.join(", ")}); run ${sc.kind} scenarios with shakedown run`,
        );
      }
      validateScenario(sc);
    }
    if (!(this.opts.everyMs > 0)) throw new ConfigError("--every must be a positive duration");
    const apiKey = apiKeyFromEnv(suite.target.api_key_env, env);
    const t = suite.target;
    const endpoint: Endpoint = {
      baseUrl: url,
      ...(apiKey !== undefined ? { apiKey } : {}),
      timeouts: { connectMs: t.timeouts.connect_ms, firstByteMs: t.timeouts.first_byte_ms, betweenTokensMs: t.timeouts.between_tokens_ms, totalMs: t.timeouts.total_ms },
      limits: { maxBytes: t.response_limits.max_bytes, maxTokens: t.response_limits.max_tokens },
      maxConnections: 16,
    };
    const client: ChatClient = createClient(endpoint); // checks the URL (ConfigError)
    const target = url.replace(/\/+$/, "");
    const clean = redactor([apiKey]);
    const notes: string[] = [];

    let fromRun: { baseline: Baseline; references: Record<string, string> } | undefined;
    let exposition: WatchExposition | undefined;
    let server: ExpositionServer | undefined;
    let store: WatchStore | undefined;
    const probeTimeoutMs = this.opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const metricsAgent = t.metrics.scrape === "off" ? undefined : pollingAgent(probeTimeoutMs);
    const closeAll = async (): Promise<void> => {
      await client.close(1_000).catch(() => undefined);
      await metricsAgent?.close().catch(() => undefined);
      await server?.close().catch(() => undefined);
    };
    let storageFailure: StorageError | undefined;
    try {
      if (this.opts.baselineDir !== undefined) fromRun = baselineFromRun(this.opts.baselineDir, suite, rules, notes);
      exposition = new WatchExposition(target);
      exposition.declareAlerts(rules.alerts);
      if (this.opts.metrics) server = await serveExposition(exposition, this.opts.metrics.port, this.opts.metrics.host);
      store = new WatchStore(watchDir(this.opts.outDir, url), (e) => {
        storageFailure ??= e;
        this.stop();
      });
    } catch (e) {
      await closeAll();
      throw e;
    }
    const dir = store.dir;

    // ── the state carried over ──
    let state: WatchState;
    if (this.opts.reset) {
      state = freshState(suite, target);
      const prev = store.readState((m) => notes.push(m));
      if (prev && typeof prev === "object" && typeof (prev as { cycle?: unknown }).cycle === "number") state.cycle = (prev as { cycle: number }).cycle;
      notes.push("--reset: the baseline, the reference answers and the alert states start afresh");
    } else {
      state = restoreState(store.readState((m) => notes.push(m)), suite, target, rules.baseline.cycles, notes);
    }
    if (fromRun) {
      state.baseline = fromRun.baseline;
      state.references = fromRun.references;
    } else if (!state.baseline || (state.baseline.source === "cycles" && state.baseline.needed !== rules.baseline.cycles && !baselineReady(state.baseline))) {
      state.baseline = emptyBaseline(rules.baseline.cycles);
    } else if (state.baseline.source === "run") {
      // A baseline from a run folder given earlier: kept until --baseline or --reset says otherwise.
      notes.push(`baseline from the run folder ${state.baseline.dir ?? "?"} (kept from an earlier start; --reset forgets it)`);
    }
    const baseline = state.baseline as Baseline;
    const maxWindow = Math.max(1, ...rules.alerts.map((r) => r.window));

    // ── outputs ──
    const record = (w: { append(v: unknown): void }, v: unknown): void => {
      try {
        w.append(v);
      } catch {
        // closed at the very end: nothing more is written
      }
    };
    const log = (m: string): void => void this.emit("log", m);
    const webhook = rules.webhook
      ? new WebhookNotifier(rules.webhook, {
          onOutcome: (o) => {
            record(store.webhooks, o);
            exposition.webhooks.inc({ target, outcome: o.ok ? "ok" : "failed" });
            this.emit("webhook", o);
          },
          onLog: log,
        })
      : undefined;
    let clearWindows = false;
    const remediator = rules.remediation
      ? new Remediator(
          rules.remediation,
          {
            onRecord: (r) => {
              record(store.remediations, r);
              if (r.event === "run") {
                exposition.remediations.inc({ target, outcome: r.error !== undefined || r.exitCode !== 0 ? (r.timedOut ? "timeout" : "failed") : "ok" });
                // What the recent cycles saw was the server before the remedy: the windows start afresh.
                clearWindows = true;
              }
              this.emit("remediation", r);
            },
            onLog: log,
            redact: clean,
            env: { SHAKEDOWN_WATCH_TARGET: target },
          },
          state.remediation,
        )
      : undefined;

    store.writeManifest({
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      startedAt: new Date().toISOString(),
      target,
      suite: redactSuite(suite),
      rules: {
        source: rules.source,
        alerts: rules.alerts.map((r) => ({ name: r.name, when: r.when, for: r.for, resolve_after: r.resolveAfter, window: r.window, severity: r.severity })),
        baseline: rules.baseline,
        canaries: rules.canaries,
        ...(rules.webhook ? { webhook: { url: redactUrl(rules.webhook.url), timeout_ms: rules.webhook.timeoutMs, retries: rules.webhook.retries, on: rules.webhook.on } } : {}),
        ...(rules.remediation ? { remediation: { ...rules.remediation } } : {}),
      },
      everyMs: this.opts.everyMs,
      ...(this.opts.forMs !== undefined ? { forMs: this.opts.forMs } : {}),
      once: this.opts.once === true,
      ...(this.opts.baselineDir !== undefined ? { baselineDir: this.opts.baselineDir } : {}),
    });

    const baselineInfo = (): CycleSummary["baseline"] => ({
      source: baseline.source,
      ready: baselineReady(baseline),
      cycles: baseline.cycles,
      needed: baseline.needed,
      ...(baseline.dir !== undefined ? { dir: baseline.dir } : {}),
    });
    this.emit("start", {
      dir,
      target,
      ...(server ? { metricsUrl: server.url } : {}),
      everyMs: this.opts.everyMs,
      firstCycle: state.cycle + 1,
      baseline: baselineInfo(),
      notes,
      ...(webhook ? { webhook: webhook.shown } : {}),
      rules: rules.source,
    });

    const events = new RunEvents();
    events.on("warning", (m) => this.emit("warning", clean(m)));
    const deps: CycleDeps = {
      suite,
      client,
      endpoint,
      targetUrl: target,
      ...(metricsAgent ? { metrics: { url: t.metrics.url ?? metricsUrlFor(url), agent: metricsAgent } } : {}),
      ...(apiKey !== undefined ? { apiKey } : {}),
      events,
      probeTimeoutMs,
      onRecord: (rec) => record(store.records, { cycle: state.cycle, ...rec }),
    };

    let cyclesRun = 0;
    const oneCycle = async (): Promise<void> => {
      const n = ++state.cycle;
      cyclesRun++;
      this.emit("cycle:start", { cycle: n });
      if (clearWindows) {
        state.recent = [];
        clearWindows = false;
      }
      const m = await measureCycle(n, deps, { model: state.model, stop: this.stopper.signal, stopGraceMs: this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS });
      if (m.model !== undefined && state.model !== undefined && m.model !== state.model) log(`the server now serves "${m.model}" (it served "${state.model}"): the canaries are sent to "${m.model}"`);
      if (m.model !== undefined) state.model = m.model;
      const at = new Date(m.endedAt).toISOString();
      const counted = m.records.filter(countedRecord);
      const sample = sampleRecords(m.records);
      const judging = m.reachable && !m.interrupted;
      const targetInfo: TargetInfo = { url: target, model: m.model ?? state.model ?? "", simulated: false, models: [] };
      const canaries = judging ? judgeCanaries(suite, m.records, state.references, { minSimilarity: rules.canaries.minSimilarity, target: targetInfo }) : [];
      const srv = serverFigures(m.server, state.server);
      if (m.server?.startTimeS !== undefined) state.server = { startTimeS: m.server.startTimeS, epochMs: m.server.epochMs };
      if (srv.restarted) {
        // A new process: the windows hold the old one's requests.
        state.recent = [];
        log(`the server restarted: process_start_time_seconds moved from ${new Date((srv.previousStartS ?? 0) * 1000).toISOString()} to ${new Date((m.server?.startTimeS ?? 0) * 1000).toISOString()}`);
      }
      if (!m.interrupted && m.reachable) {
        state.recent.push(sample);
        while (state.recent.length > maxWindow) state.recent.shift();
      }

      // The cycle's own figures (other than the request summaries, read from the samples).
      const own: Record<string, number | undefined> = {
        unreachable: m.interrupted ? undefined : m.reachable ? 0 : 1,
        "cycle.duration": m.durationMs,
        ...(judging ? canaryFigures(canaries) : {}),
        "server.restarted": srv.restarted === undefined ? undefined : srv.restarted ? 1 : 0,
        "server.uptime_hours": srv.uptimeHours,
        "server.rss_mb": srv.rssMb,
      };
      const windowOf = (k: number): CycleSample => (k <= 1 ? sample : poolSamples(state.recent.slice(-k)));
      const evaluate = (rule: AlertRule): Evaluation => {
        const c = rule.condition;
        if (c.kind === "baseline") {
          if (!m.reachable) return { holds: undefined, detail: "not measured: the target did not answer" };
          return evaluateBaseline(c, baseline, windowOf(rule.window), { alpha: rules.baseline.alpha, iterations: rules.baseline.iterations, seed: rules.baseline.seed, name: rule.name });
        }
        const f = c.figure;
        let value: number | undefined;
        let n = 1;
        if (f.base !== undefined || SAMPLE_FIGURES.has(f.figure)) {
          if (!m.reachable) return { holds: undefined, detail: `${f.scope ? `${f.scope}.` : ""}${f.figure}: not measured (the target did not answer)` };
          const r = sampleFigure(windowOf(f.info.windowed ? rule.window : 1), f);
          value = r.value;
          n = r.n;
        } else {
          value = own[f.figure];
        }
        const name = `${f.scope ? `${f.scope}.` : ""}${f.figure}`;
        if (value === undefined || !Number.isFinite(value) || n === 0) return { holds: undefined, detail: `${name}: not measured` };
        const holds = thresholdHolds(value, c);
        const shown = formatValue(value, f.info.unit);
        const limit = formatValue(c.threshold.value, f.info.unit);
        return { holds, value, detail: `${name} = ${shown} ${holds ? c.threshold.op : negate(c.threshold.op)} ${limit}${rule.window > 1 && f.info.windowed ? ` over the last ${Math.min(rule.window, state.recent.length)} cycles` : ""}` };
      };

      const alertRows: CycleSummary["alerts"] = [];
      const transitions: AlertTransition[] = [];
      for (const rule of rules.alerts) {
        if (m.interrupted) {
          const s = state.alerts[rule.name];
          alertRows.push({ name: rule.name, status: s?.status ?? "ok", holds: null, detail: "not judged: the cycle was interrupted" });
          continue;
        }
        const ev = evaluate(rule);
        const { state: next, transition } = step(rule, state.alerts[rule.name], ev, n, at);
        state.alerts[rule.name] = next;
        alertRows.push({ name: rule.name, status: next.status, holds: ev.holds ?? null, ...(ev.value !== undefined ? { value: ev.value } : {}), detail: ev.detail });
        if (transition) transitions.push(transition);
        if (rule.condition.kind === "baseline" && ev.value !== undefined) exposition.baselineChange.set({ target, alert: rule.name }, ev.value);
      }
      // Alert states of rules no longer in the file are forgotten.
      for (const name of Object.keys(state.alerts)) if (!rules.alerts.some((r) => r.name === name)) delete state.alerts[name];

      // The baseline forms from the first healthy cycles.
      if (judging && baseline.source === "cycles" && !baselineReady(baseline) && counted.length > 0 && counted.every((r) => r.result.ok)) {
        if (addToBaseline(baseline, sample, at)) log(`baseline ready: ${baseline.cycles} healthy cycles (${sample[""]?.requests ?? 0} requests a cycle); the baseline alerts judge from the next cycle`);
      }

      const firing = firingAlerts(rules.alerts, state.alerts);
      const figures: Record<string, number> = {};
      for (const ref of SUMMARY_FIGURES) {
        const v = sampleFigure(sample, ref).value;
        if (v !== undefined && Number.isFinite(v)) figures[ref.figure] = v;
      }
      for (const [k, v] of Object.entries(own)) if (v !== undefined && Number.isFinite(v)) figures[k] = v;
      const summary: CycleSummary = {
        v: 1,
        cycle: n,
        startedAt: new Date(m.startedAt).toISOString(),
        at,
        durationMs: m.durationMs,
        outcome: m.interrupted ? "interrupted" : m.reachable ? "ok" : "unreachable",
        ...(m.reason !== undefined ? { reason: clean(m.reason) } : {}),
        ...(m.model !== undefined ? { model: m.model } : {}),
        requests: counted.length,
        errors: counted.filter((r) => !r.result.ok).length,
        errorKinds: collectErrors(counted).map((e) => ({ kind: e.kind, count: e.count })),
        figures,
        canaries,
        baseline: baselineInfo(),
        alerts: alertRows,
        firing,
      };

      // Outputs: the summary first, then each transition (log, record, webhook), then the exposition.
      record(store.cycles, summary);
      if (this.opts.history !== false) {
        indexWatchCycle(
          {
            watch: store.dir,
            cycle: n,
            startedAt: summary.startedAt,
            endedAt: at,
            target,
            outcome: summary.outcome,
            requests: summary.requests,
            errors: summary.errors,
            ...(figures["ttft.p90"] !== undefined ? { ttftP90Ms: figures["ttft.p90"] } : {}),
            ...(figures["e2e.p50"] !== undefined ? { e2eP50Ms: figures["e2e.p50"] } : {}),
            firing,
          },
          { outDir: this.opts.outDir, onWarning: (w) => this.emit("warning", w) },
        );
      }
      updateExposition(exposition, target, summary, m.records, canaries, rules.alerts, state.alerts, srv.restarted === true, srv.uptimeHours);
      this.emit("cycle:end", summary);
      for (const tr of transitions) {
        record(store.alerts, tr);
        this.emit("alert", tr);
        webhook?.notify(tr, target);
      }

      if (remediator && !m.interrupted) {
        // Healthy: the server answered every request, and no alert the remediation is for holds in this cycle.
        const healthy = m.reachable && counted.every((r) => r.result.ok) && !alertRows.some((a) => rules.remediation?.on.includes(a.name) && a.holds === true);
        remediator.observeCycle(n, m.startedAt, m.endedAt, healthy);
        if (!this.stopper.signal.aborted) remediator.consider(firing, n);
        state.remediation = remediator.snapshot();
      }
      state.updatedAt = at;
      try {
        store.writeState(state);
      } catch (e) {
        if (!(e instanceof StorageError)) throw e;
        storageFailure ??= e;
        this.stop();
      }
    };

    let end: ScheduleEnd | "storage" = "signal";
    let undelivered = 0;
    try {
      const r = await runSchedule(oneCycle, {
        everyMs: this.opts.everyMs,
        ...(this.opts.forMs !== undefined ? { forMs: this.opts.forMs } : {}),
        ...(this.opts.once ? { once: true } : {}),
        signal: this.stopper.signal,
        onLate: ({ iteration, tookMs, everyMs }) =>
          log(`cycle ${state.cycle - (cyclesRun - iteration)} took ${formatMs(tookMs)}, longer than --every ${formatMs(everyMs)}: the next starts now`),
      });
      end = storageFailure ? "storage" : r.end;
    } finally {
      // What is still on its way: the webhook's notifications, a remediation in progress.
      if (webhook) {
        const cfg = rules.webhook;
        const own = cfg ? cfg.timeoutMs * (cfg.retries + 1) + cfg.backoffMs * (2 ** cfg.retries - 1) : 0;
        const drainMs = this.opts.drainMs ?? Math.min(MAX_DRAIN_MS, own);
        if (!(await webhook.drain(drainMs))) {
          undelivered = webhook.pending;
          log(`webhook ${webhook.shown}: ${undelivered} notification(s) not delivered within ${formatMs(drainMs)} at the end`);
        }
        await webhook.close();
      }
      if (remediator?.busy) {
        const waitMs = this.opts.once ? (rules.remediation?.timeoutMs ?? 0) + 6_000 : (this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
        log(`waiting up to ${formatMs(waitMs)} for the remediation in progress`);
        if (!(await remediator.wait(waitMs))) log("the remediation is still running: it goes on without the watch (its outcome is not recorded)");
        state.remediation = remediator.snapshot();
        try {
          store.writeState(state);
        } catch {
          // the failure is the storage one already reported
        }
      }
      const closeFailure = store.close();
      storageFailure ??= closeFailure;
      await closeAll();
    }
    return {
      dir,
      cycles: cyclesRun,
      firing: firingAlerts(rules.alerts, state.alerts),
      end: storageFailure ? "storage" : end,
      ...(storageFailure ? { storageError: storageFailure } : {}),
      undelivered,
    };
  }
}

function negate(op: string): string {
  return op === ">" ? "<=" : op === ">=" ? "<" : op === "<" ? ">=" : ">";
}

/** A figure's value as logs show it. */
export function formatValue(v: number, unit: string): string {
  switch (unit) {
    case "ms":
      return Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`;
    case "fraction":
      return `${(v * 100).toFixed(1)} %`;
    case "tok/s":
      return `${v.toFixed(1)} tok/s`;
    case "hours":
      return `${v.toFixed(2)} h`;
    case "MB":
      return `${v.toFixed(0)} MB`;
    default:
      return Number.isInteger(v) ? String(v) : v.toFixed(3);
  }
}

function updateExposition(
  x: WatchExposition,
  target: string,
  s: CycleSummary,
  records: readonly RequestRecord[],
  canaries: readonly CanaryOutcome[],
  rules: readonly AlertRule[],
  states: Readonly<Record<string, AlertState>>,
  restarted: boolean,
  uptimeHours: number | undefined,
): void {
  x.cycles.inc({ target, outcome: s.outcome });
  const sample = sampleRecords(records)[""];
  for (const v of sample?.values.ttft ?? []) x.ttft.observe({ target }, v / 1000);
  for (const v of sample?.values.e2e ?? []) x.e2e.observe({ target }, v / 1000);
  if (s.outcome !== "interrupted") x.setCanaries(canaries);
  for (const r of rules) x.alertFiring.set({ target, alert: r.name, severity: r.severity }, states[r.name]?.status === "firing" ? 1 : 0);
  x.lastCycle.set({ target }, Date.parse(s.at) / 1000);
  x.lastCycleDuration.set({ target }, s.durationMs / 1000);
  if (s.outcome !== "interrupted") x.up.set({ target }, s.outcome === "ok" ? 1 : 0);
  if (uptimeHours !== undefined) x.uptime.set({ target }, uptimeHours * 3600);
  if (restarted) x.restarts.inc({ target });
  const er = s.figures.error_rate;
  if (er !== undefined) x.errorRate.set({ target }, er);
}

/**
 * The baseline and the chat canaries' reference answers from a run folder of the canary suite:
 * refused (ConfigError) when `shakedown diff` would refuse to compare the two (another suite,
 * another workload), with how to make one.
 */
function baselineFromRun(dirArg: string, suite: Suite, rules: WatchRules, notes: string[]): { baseline: Baseline; references: Record<string, string> } {
  const run = loadRunFolder(dirArg);
  const watchSide: LoadedRun = {
    dir: "(this watch)",
    manifest: {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: TOOL_NAME, version: TOOL_VERSION },
      runId: "watch",
      startedAt: new Date().toISOString(),
      suite: redactSuite(suite),
      target: { ...run.manifest.target, url: suite.target.url ?? run.manifest.target.url, model: suite.target.model ?? run.manifest.target.model, simulated: false },
    } as LoadedRun["manifest"],
    records: [],
    tornTail: false,
    skippedLines: [],
    server: [],
    gpu: [],
    attachments: {},
    previous: { complete: true } as LoadedRun["previous"],
    notes: [],
  };
  const c = checkComparable(run, watchSide);
  if (c.problems.length > 0) {
    throw new ConfigError(
      `--baseline ${dirArg}: the run cannot be compared with the canary suite "${suite.name}" (as shakedown diff would refuse): ${c.problems.join("; ")}. ` +
        `Make a baseline run of the same suite: shakedown run <suite.yaml> --target URL (the built-in canary suite is suites/watch-canary.yaml).`,
    );
  }
  for (const n of c.notes) if (!/^B /.test(n) && !/different targets/.test(n)) notes.push(`--baseline: ${n}`);
  const names = new Set(c.common.map((x) => x.name));
  const records = run.records.filter((r) => names.has(r.scenario) || r.scenario === "warmup");
  const sample = sampleRecords(records);
  if ((sample[""]?.requests ?? 0) === 0) throw new ConfigError(`--baseline ${dirArg}: the run has no request of the canary suite's scenarios to compare with`);
  const references: Record<string, string> = {};
  judgeCanaries(suite, records, references, { minSimilarity: rules.canaries.minSimilarity, target: run.manifest.target });
  const okCount = (sample[""]?.requests ?? 0) - (sample[""]?.errors ?? 0);
  notes.push(`baseline: ${okCount} ok requests of the run ${run.manifest.runId} (${run.manifest.startedAt})`);
  return { baseline: { source: "run", dir: run.dir, cycles: 1, needed: 1, readyAt: run.manifest.startedAt, sample }, references };
}

