/**
 * Alert notifications by webhook: a JSON POST per firing and per resolution, with a `text`
 * field that Slack and Mattermost incoming webhooks show as the message. Deliveries run in the
 * background, one at a time and in order, each attempt bounded by a timeout, failed attempts
 * retried with exponential backoff: a webhook that hangs or answers 500 never delays a cycle.
 * Every delivery's outcome is reported (and recorded by the watch); a delivery that fails for
 * good is logged. The queue is bounded: when a dead webhook lets it fill up, the oldest
 * notifications are dropped, and said.
 *
 * The URL is never printed whole: a webhook's secret is often its path (Slack's
 * /services/T…/B…/…) or query; logs show scheme and host only (redactUrl).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { errorCodes } from "../monitor/fetch-page.js";
import type { AlertTransition } from "./alerts.js";
import { redactUrl, type WebhookConfig } from "./rules.js";

export interface WebhookPayload {
  alert: string;
  state: "firing" | "resolved";
  severity: string;
  /** The figure's value the condition read (a baseline condition: the change). */
  value: number | null;
  /** The condition, as written in the rules ("ttft.p90 > 5s"). */
  threshold: string;
  /** What the cycle found, in words. */
  detail: string;
  /** The target's base URL (no credentials). */
  target: string;
  cycle: number;
  /** ISO time of the cycle that changed the state. */
  at: string;
  /** When it fired. */
  since: string | null;
  /** The message as Slack and Mattermost show it. */
  text: string;
}

export interface DeliveryOutcome {
  alert: string;
  state: "firing" | "resolved";
  cycle: number;
  ok: boolean;
  attempts: number;
  /** The last HTTP status received. */
  status?: number;
  /** Why the last attempt failed. */
  error?: string;
  /** From the first attempt to the outcome. */
  durationMs: number;
  /** ISO time of the outcome. */
  at: string;
  /** Notifications dropped because the queue was full (set on the outcome that follows a drop). */
  dropped?: number;
}

/** Escapes what Slack's text format reserves (Mattermost's Markdown reads the same entities). */
function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The payload of a transition. */
export function webhookPayload(t: AlertTransition, target: string): WebhookPayload {
  const head = t.state === "firing" ? `:rotating_light: [FIRING] ${t.alert}` : `:white_check_mark: [RESOLVED] ${t.alert}`;
  const how = t.state === "firing" ? `after ${t.cycles} cycle${t.cycles === 1 ? "" : "s"}` : `after ${t.cycles} clear cycle${t.cycles === 1 ? "" : "s"}${t.since ? `; firing since ${t.since}` : ""}`;
  const text = slackEscape(`${head} (${t.severity}) on ${target}: ${t.detail} [${t.when}], ${how}, cycle ${t.cycle}`);
  return {
    alert: t.alert,
    state: t.state,
    severity: t.severity,
    value: t.value ?? null,
    threshold: t.when,
    detail: t.detail,
    target,
    cycle: t.cycle,
    at: t.at,
    since: t.since ?? null,
    text,
  };
}

export interface NotifierOptions {
  /** Each delivery's outcome (recorded in webhooks.jsonl, counted by the exposition). */
  onOutcome?: (o: DeliveryOutcome) => void;
  /** A line for the log (failures, drops). */
  onLog?: (message: string) => void;
  /** Most notifications waiting (default 100). */
  maxQueue?: number;
}

const MAX_BACKOFF_MS = 60_000;

/** Statuses worth another attempt: the server may answer better later. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export class WebhookNotifier {
  readonly shown: string;
  private readonly agent: Agent;
  private readonly queue: WebhookPayload[] = [];
  private readonly closing = new AbortController();
  private running: Promise<void> | undefined;
  private dropped = 0;

  constructor(
    private readonly cfg: WebhookConfig,
    private readonly opts: NotifierOptions = {},
  ) {
    this.shown = redactUrl(cfg.url);
    this.agent = new Agent({ connections: 2, keepAliveTimeout: 4_000, keepAliveMaxTimeout: 4_000, connect: { timeout: cfg.timeoutMs } });
  }

  /** Queues a notification (when its state is one the config sends); returns at once. */
  notify(t: AlertTransition, target: string): void {
    if (!this.cfg.on.includes(t.state) || this.closing.signal.aborted) return;
    const max = this.opts.maxQueue ?? 100;
    if (this.queue.length >= max) {
      const gone = this.queue.shift();
      this.dropped++;
      this.opts.onLog?.(`webhook ${this.shown}: queue full (${max} waiting), dropped the notification of ${gone?.alert ?? "?"} ${gone?.state ?? ""} (cycle ${gone?.cycle ?? "?"})`);
    }
    this.queue.push(webhookPayload(t, target));
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
    });
  }

  /** Notifications not yet delivered (or given up). */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Waits until every queued notification is delivered or given up, at most `timeoutMs`; true when none is left. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.running && performance.now() < deadline) {
      await Promise.race([this.running, sleep(Math.max(1, deadline - performance.now()), undefined, { ref: false })]);
    }
    return this.running === undefined;
  }

  /** Stops: attempts in flight are cut, the queue is dropped. */
  async close(): Promise<void> {
    this.closing.abort();
    this.queue.length = 0;
    await this.running?.catch(() => undefined);
    await this.agent.close().catch(() => undefined);
  }

  private async pump(): Promise<void> {
    for (let p = this.queue.shift(); p !== undefined; p = this.queue.shift()) {
      if (this.closing.signal.aborted) return;
      const outcome = await this.deliver(p);
      if (this.dropped > 0) {
        outcome.dropped = this.dropped;
        this.dropped = 0;
      }
      try {
        this.opts.onOutcome?.(outcome);
      } catch {
        // reporting must not stop the deliveries
      }
      if (!outcome.ok) {
        this.opts.onLog?.(
          `webhook ${this.shown}: could not deliver ${p.alert} ${p.state} (cycle ${p.cycle}) after ${outcome.attempts} attempt${outcome.attempts === 1 ? "" : "s"}: ${outcome.error ?? "failed"}`,
        );
      }
    }
  }

  private async deliver(p: WebhookPayload): Promise<DeliveryOutcome> {
    const started = performance.now();
    const body = JSON.stringify(p);
    const attempts = 1 + this.cfg.retries;
    let status: number | undefined;
    let error: string | undefined;
    let n = 0;
    for (n = 1; n <= attempts; n++) {
      if (this.closing.signal.aborted) break;
      const r = await this.attempt(body);
      status = r.status;
      error = r.error;
      if (r.ok) {
        return { alert: p.alert, state: p.state, cycle: p.cycle, ok: true, attempts: n, ...(status !== undefined ? { status } : {}), durationMs: performance.now() - started, at: new Date().toISOString() };
      }
      if (!r.retry || n === attempts) break;
      const wait = Math.min(MAX_BACKOFF_MS, this.cfg.backoffMs * 2 ** (n - 1));
      try {
        await sleep(wait, undefined, { signal: this.closing.signal, ref: false });
      } catch {
        break; // closing
      }
    }
    return {
      alert: p.alert,
      state: p.state,
      cycle: p.cycle,
      ok: false,
      attempts: Math.min(n, attempts),
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
      durationMs: performance.now() - started,
      at: new Date().toISOString(),
    };
  }

  private async attempt(body: string): Promise<{ ok: boolean; retry: boolean; status?: number; error?: string }> {
    // One controller per attempt, tied to the notifier's closing by a listener removed after it:
    // AbortSignal.any() with the long-lived closing signal would keep a reference per attempt
    // for the life of the watch (Node 20), a slow leak over days.
    const stop = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, this.cfg.timeoutMs);
    const onClose = (): void => stop.abort();
    this.closing.signal.addEventListener("abort", onClose, { once: true });
    try {
      const res = await request(this.cfg.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "shakedown-watch" },
        body,
        dispatcher: this.agent,
        signal: stop.signal,
        headersTimeout: this.cfg.timeoutMs,
        bodyTimeout: this.cfg.timeoutMs,
      });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, retry: false, status: res.statusCode };
      return { ok: false, retry: retryable(res.statusCode), status: res.statusCode, error: `HTTP ${res.statusCode}` };
    } catch (e) {
      const codes = errorCodes(e);
      if (timedOut || codes.some((c) => c.startsWith("UND_ERR_") && c.endsWith("TIMEOUT"))) {
        return { ok: false, retry: true, error: `no answer within ${this.cfg.timeoutMs} ms` };
      }
      if (this.closing.signal.aborted) return { ok: false, retry: false, error: "stopped" };
      const code = codes.find((c) => /^E[A-Z]+$/.test(c) || c.startsWith("UND_ERR_"));
      // The error's own message may quote the URL: only its code is kept.
      return { ok: false, retry: true, error: code !== undefined ? `connection failed (${code})` : "connection failed" };
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener("abort", onClose);
    }
  }
}
