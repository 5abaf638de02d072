/**
 * Issue 16: the webhook. A receiver that answers 500 is retried with backoff until it takes the
 * notification; one that hangs is cut at the timeout, retried, then given up and logged; notify()
 * never waits for any of it; the payload carries a Slack/Mattermost `text`; the URL's secret
 * parts never reach a log line.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import type { AlertTransition } from "../../../src/watch/alerts.js";
import { WebhookNotifier, webhookPayload, type DeliveryOutcome } from "../../../src/watch/webhook.js";

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A receiver whose handler decides per request; returns its URL and what it received. */
async function receiver(handle: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      bodies.push(JSON.parse(body));
      handle(++n, req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T01/B02/SECRETTOKEN?token=SECRET2`, bodies };
}

const firing: AlertTransition = {
  alert: "ttft_p90",
  state: "firing",
  severity: "warning",
  when: "ttft.p90 > 5s",
  value: 6200,
  detail: "ttft.p90 = 6.20 s > 5.00 s",
  cycle: 12,
  at: "2026-11-28T09:15:00.000Z",
  since: "2026-11-28T09:15:00.000Z",
  cycles: 2,
};

function outcomeOf(notifier: { opts?: unknown }, list: DeliveryOutcome[]): Promise<DeliveryOutcome> {
  void notifier;
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (list.length > 0) {
        clearInterval(poll);
        resolve(list[0]!);
      }
    }, 5);
  });
}

describe("webhook payload", () => {
  it("holds the alert, its state, value, threshold, target, cycle and time, and a Slack-compatible text", () => {
    const p = webhookPayload(firing, "http://gpu1:8000/v1");
    expect(p).toMatchObject({ alert: "ttft_p90", state: "firing", value: 6200, threshold: "ttft.p90 > 5s", target: "http://gpu1:8000/v1", cycle: 12, at: firing.at });
    // Slack reserves &, < and > in text.
    expect(p.text).toBe(":rotating_light: [FIRING] ttft_p90 (warning) on http://gpu1:8000/v1: ttft.p90 = 6.20 s &gt; 5.00 s [ttft.p90 &gt; 5s], after 2 cycles, cycle 12");
    const resolved = webhookPayload({ ...firing, state: "resolved", cycles: 3 }, "t");
    expect(resolved.text).toMatch(/^:white_check_mark: \[RESOLVED\] ttft_p90 .* after 3 clear cycles; firing since 2026/);
  });
});

describe("WebhookNotifier", () => {
  it("retries a receiver that answers 500, with backoff, until it takes the notification", async () => {
    const r = await receiver((n, _req, res) => res.writeHead(n < 3 ? 500 : 200).end());
    const outcomes: DeliveryOutcome[] = [];
    const logs: string[] = [];
    const w = new WebhookNotifier({ url: r.url, timeoutMs: 1000, retries: 3, backoffMs: 20, on: ["firing", "resolved"] }, { onOutcome: (o) => outcomes.push(o), onLog: (m) => logs.push(m) });
    w.notify(firing, "http://t/v1");
    const o = await outcomeOf(w as never, outcomes);
    expect(o).toMatchObject({ ok: true, attempts: 3, status: 200, alert: "ttft_p90", state: "firing" });
    expect(r.bodies).toHaveLength(3);
    expect(r.bodies[2]).toMatchObject({ alert: "ttft_p90", state: "firing", text: expect.stringContaining("[FIRING]") });
    expect(logs).toEqual([]);
    await w.close();
  });

  it("cuts a receiver that hangs at the timeout, retries, gives up and logs it; notify() never waits", async () => {
    const r = await receiver(() => undefined); // never answers
    const outcomes: DeliveryOutcome[] = [];
    const logs: string[] = [];
    const w = new WebhookNotifier({ url: r.url, timeoutMs: 150, retries: 1, backoffMs: 10, on: ["firing"] }, { onOutcome: (o) => outcomes.push(o), onLog: (m) => logs.push(m) });
    const t0 = performance.now();
    w.notify(firing, "http://t/v1");
    w.notify({ ...firing, state: "resolved" }, "http://t/v1"); // not sent: `on` is firing only
    const queuedIn = performance.now() - t0;
    expect(queuedIn).toBeLessThan(150); // it returned before a single attempt could time out
    expect(outcomes).toEqual([]);
    const o = await outcomeOf(w as never, outcomes);
    expect(o).toMatchObject({ ok: false, attempts: 2, error: "no answer within 150 ms" });
    expect(await w.drain(1000)).toBe(true);
    expect(outcomes).toHaveLength(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^webhook http:\/\/127\.0\.0\.1:\d+\/…: could not deliver ttft_p90 firing \(cycle 12\) after 2 attempts: no answer within 150 ms$/);
    expect(logs.join("\n")).not.toMatch(/SECRET/);
    await w.close();
  });

  it("does not retry a 4xx, says a connection refused without the URL, and bounds its queue", async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(404).end());
    const outcomes: DeliveryOutcome[] = [];
    const w = new WebhookNotifier({ url: r.url, timeoutMs: 500, retries: 3, backoffMs: 10, on: ["firing"] }, { onOutcome: (o) => outcomes.push(o) });
    w.notify(firing, "t");
    expect(await outcomeOf(w as never, outcomes)).toMatchObject({ ok: false, attempts: 1, status: 404, error: "HTTP 404" });
    await w.close();

    const refused: DeliveryOutcome[] = [];
    const logs: string[] = [];
    const dead = new WebhookNotifier({ url: "http://127.0.0.1:9/hook/SECRET", timeoutMs: 500, retries: 0, backoffMs: 10, on: ["firing"] }, { onOutcome: (o) => refused.push(o), onLog: (m) => logs.push(m), maxQueue: 2 });
    for (let i = 0; i < 5; i++) dead.notify({ ...firing, cycle: i }, "t");
    expect(await dead.drain(5000)).toBe(true);
    expect(refused.map((o) => o.cycle)).toEqual([0, 3, 4]); // 1 and 2 dropped while 0 was on its way
    expect(refused[0]).toMatchObject({ dropped: 2 }); // said with the outcome that follows the drops
    expect(refused[0]!.error).toMatch(/^connection failed/);
    expect(logs.some((l) => /queue full \(2 waiting\), dropped the notification of ttft_p90 firing \(cycle 1\)/.test(l))).toBe(true);
    expect(logs.join("\n")).not.toMatch(/SECRET/);
    await dead.close();
  });
});
