/**
 * Issue 16, end to end through the library (startWatch) against the simulator's HTTP server,
 * with the soak knobs that make a server go wrong: a slowdown that grows with uptime fires the
 * seed's two alerts (TTFT p90 and degradation against the baseline), a silent answer change
 * fires the canary alert while a hanging webhook never delays a cycle, a server that goes away
 * fires "unreachable", a remediation command brings it back (recovery measured) and the new
 * process is seen as a restart. A local HTTP receiver plays the webhook; the Prometheus endpoint
 * is scraped and parsed. Cycles are 100 ms apart and the simulator runs at a high time-scale.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSuite, runSuite, type Suite } from "../../../src/index.js";
import { ConfigError } from "../../../src/errors.js";
import { parseMetricsText } from "../../../src/monitor/parse.js";
import { startSimulator, type RunningSimulator } from "../../../src/sim/index.js";
import { rulesFromObject, startWatch, type AlertTransition, type CycleSummary, type DeliveryOutcome, type RemediationRecord, type WatchHandle } from "../../../src/watch/index.js";
import { tempDir } from "../../helpers/tmp.js";

const sims: RunningSimulator[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const s of sims) await s.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function sim(opts: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ timeScale: 0.05, ...opts });
  sims.push(s);
  return s;
}

/** A canary suite of one short conversation (no reasoning canary: the simulator rotates its scripted answers through wrong ones on purpose). */
function chatSuite(url: string, out: string, turns = 3): Suite {
  return loadSuite({
    name: "canary-chat",
    target: { url, warmup_requests: 0 },
    scenarios: [{ kind: "conversation", name: "chat", script: "trip-planning", turns, iterations: 1, max_tokens: 16, temperature: 0, seed: 7 }],
    output: { dir: out },
  });
}

/** A webhook receiver: what it got, and how it answers. */
async function receiver(mode: "ok" | "hang"): Promise<{ url: string; got: Record<string, unknown>[] }> {
  const got: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      got.push(JSON.parse(body) as Record<string, unknown>);
      if (mode === "ok") res.writeHead(200).end("ok");
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token`, got };
}

/** Collects a watch's events. */
function collect(w: WatchHandle) {
  const cycles: CycleSummary[] = [];
  const alerts: AlertTransition[] = [];
  const webhooks: DeliveryOutcome[] = [];
  const remediations: RemediationRecord[] = [];
  const logs: string[] = [];
  let metricsUrl: string | undefined;
  w.on("start", (s) => (metricsUrl = s.metricsUrl));
  w.on("cycle:end", (c) => cycles.push(c));
  w.on("alert", (a) => alerts.push(a));
  w.on("webhook", (o) => webhooks.push(o));
  w.on("remediation", (r) => remediations.push(r));
  w.on("log", (m) => logs.push(m));
  return { cycles, alerts, webhooks, remediations, logs, metricsUrl: () => metricsUrl };
}

async function until(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fired = (alerts: AlertTransition[], name: string, state: "firing" | "resolved" = "firing") => alerts.some((a) => a.alert === name && a.state === state);

describe("shakedown watch against the simulator", () => {
  it("fires the seed's two alerts against a server that slows down with uptime, by webhook and on /metrics", async () => {
    // Every latency × (1 + 8 × seconds up): the first cycles form the baseline, then it is 5×, 9×… slower.
    const s = await sim({ slowdownPerHour: 28_800 });
    const out = tempDir();
    const hook = await receiver("ok");
    const suite = chatSuite(s.baseUrl, out);
    const rules = rulesFromObject(
      {
        baseline: { cycles: 4, iterations: 500 },
        alerts: [
          // The seed's TTFT gate at the simulator's scale (its TTFT is a few ms at time-scale 0.05).
          { name: "ttft_p90", when: "ttft.p90 > 40ms" },
          { name: "degradation_ttft", when: "baseline.ttft.p50 > +15%", window: 3 },
          { name: "unreachable", when: "unreachable > 0", for: 1 },
        ],
        webhook: { url: hook.url, timeout: "2s" },
      },
      "test rules",
      ["chat"],
    );
    const w = startWatch({ suite, rules, everyMs: 100, outDir: out, metrics: { port: 0, host: "127.0.0.1" } });
    const ev = collect(w);
    await until("both alerts", () => fired(ev.alerts, "ttft_p90") && fired(ev.alerts, "degradation_ttft"));
    await until("the webhook", () => hook.got.length >= 2);
    const page = await (await fetch(ev.metricsUrl() as string)).text();
    w.stop();
    const o = await w;

    expect(o.firing).toEqual(expect.arrayContaining(["ttft_p90", "degradation_ttft"]));
    expect(o.firing).not.toContain("unreachable");
    expect(o.end).toBe("signal");
    // The degradation is read only once the baseline is formed, and said with diff's words.
    const deg = ev.alerts.find((a) => a.alert === "degradation_ttft")!;
    expect(deg.cycle).toBeGreaterThan(4);
    expect(deg.detail).toMatch(/^ttft\.p50 \+\d+\.\d % vs the baseline \(slower, p (<|=) 0\.\d+, n 12 \/ 9\): beyond the bound and significant/);
    expect(ev.alerts.find((a) => a.alert === "ttft_p90")!.detail).toMatch(/^ttft\.p90 = \d+\.\d ms > 40\.0 ms$/);
    // The webhook got the firing JSON, with Slack/Mattermost text; its URL is never logged.
    expect(hook.got).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alert: "degradation_ttft", state: "firing", threshold: "baseline.ttft.p50 > +15%", target: s.baseUrl, text: expect.stringMatching(/^:rotating_light: \[FIRING\] degradation_ttft/) }),
        expect.objectContaining({ alert: "ttft_p90", state: "firing", value: expect.any(Number), cycle: expect.any(Number), at: expect.any(String) }),
      ]),
    );
    expect(ev.webhooks.every((d) => d.ok && d.attempts === 1)).toBe(true);
    expect(ev.logs.join("\n")).not.toMatch(/secret-token/);
    // The exposition, parsed with shakedown's own Prometheus parser.
    const parsed = parseMetricsText(page);
    expect(parsed.invalidLines).toBe(0);
    const value = (name: string, labels: Record<string, string>) => parsed.samples.get(name)?.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;
    expect(value("shakedown_alert_firing", { alert: "degradation_ttft" })).toBe(1);
    expect(value("shakedown_alert_firing", { alert: "unreachable" })).toBe(0);
    expect(value("shakedown_server_up", { target: s.baseUrl })).toBe(1);
    expect(value("shakedown_canary_pass", { canary: "chat/t1" })).toBe(1);
    expect(value("shakedown_ttft_seconds_count", {})).toBeGreaterThanOrEqual(3 * deg.cycle); // three turns a cycle, every cycle up to the alert
    expect(value("shakedown_baseline_change_ratio", { alert: "degradation_ttft" })).toBeGreaterThan(0.15);
    // Nothing measured is lost: every cycle, transition and request is in the folder.
    const dir = join(out, "watch", `127.0.0.1_${s.port}`);
    const lines = (f: string) => readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines("cycles.jsonl")).toHaveLength(o.cycles);
    expect(lines("alerts.jsonl").map((a) => a.alert)).toEqual(ev.alerts.map((a) => a.alert));
    expect(lines("records.jsonl")).toHaveLength(3 * o.cycles);
    expect(lines("records.jsonl")[3]).toMatchObject({ cycle: 2, id: "chat/i1/t1", scenario: "chat" });
    expect(lines("webhooks.jsonl").length).toBe(ev.webhooks.length);
    const state = JSON.parse(readFileSync(join(dir, "state.json"), "utf8")) as { cycle: number; baseline: { cycles: number; readyAt: string }; alerts: Record<string, { status: string }> };
    expect(state.cycle).toBe(o.cycles);
    expect(state.baseline.cycles).toBe(4);
    expect(state.alerts.degradation_ttft?.status).toBe("firing");
    expect(existsSync(join(dir, "watch.lock"))).toBe(false);
  }, 40_000);

  it("fires the canary alert on a silent answer change, while a hanging webhook never delays a cycle", async () => {
    const s = await sim({ answerChangeAfter: 4 }); // 2 turns a cycle: cycle 3 gets other answers
    const out = tempDir();
    const hook = await receiver("hang");
    const rules = rulesFromObject(
      { alerts: [{ name: "canary_changed", when: "canary.changed > 0", for: 1 }], webhook: { url: hook.url, timeout: "300ms", retries: 2, backoff: "50ms" } },
      "test rules",
      ["chat"],
    );
    const w = startWatch({ suite: chatSuite(s.baseUrl, out, 2), rules, everyMs: 100, outDir: out, drainMs: 100 });
    const ev = collect(w);
    await until("the webhook's outcome", () => ev.webhooks.length > 0);
    const endedBefore = ev.cycles.length;
    w.stop();
    const o = await w;
    const change = ev.alerts.find((a) => a.alert === "canary_changed")!;
    expect(change).toMatchObject({ state: "firing", cycle: 3 });
    expect(ev.cycles[2]!.canaries).toEqual([
      expect.objectContaining({ name: "chat/t1", kind: "chat", pass: false, changed: true }),
      expect.objectContaining({ name: "chat/t2", changed: true }),
    ]);
    expect(ev.cycles[1]!.canaries.every((c) => c.pass === true && c.similarity === 1)).toBe(true);
    // Three attempts of 300 ms and their backoff: the watch went on cycling meanwhile.
    expect(ev.webhooks[0]).toMatchObject({ ok: false, attempts: 3, alert: "canary_changed", error: "no answer within 300 ms" });
    expect(hook.got.length).toBe(3);
    expect(endedBefore - 3).toBeGreaterThanOrEqual(3);
    expect(ev.logs.some((l) => /^webhook http:\/\/127\.0\.0\.1:\d+\/…: could not deliver canary_changed firing \(cycle 3\) after 3 attempts/.test(l))).toBe(true);
    expect(o.firing).toEqual(["canary_changed"]);
    const recorded = readFileSync(join(out, "watch", `127.0.0.1_${s.port}`, "webhooks.jsonl"), "utf8");
    expect(JSON.parse(recorded.split("\n")[0]!)).toMatchObject({ ok: false, attempts: 3 });
  }, 30_000);

  it("fires unreachable when the server goes away, runs the remediation, measures the recovery and sees the restart", async () => {
    const s1 = await sim();
    const started = Date.now();
    const out = tempDir();
    const flag = join(out, "restart-asked");
    const rules = rulesFromObject(
      {
        alerts: [
          { name: "unreachable", when: "unreachable > 0", for: 1, resolve_after: 1 },
          { name: "restarted", when: "server.restarted > 0", for: 1, resolve_after: 1 },
        ],
        remediation: { command: `echo "restarting $SHAKEDOWN_WATCH_ALERTS"; echo asked > '${flag}'`, on: ["unreachable"], cooldown: "1h", max_per_day: 3, timeout: "10s" },
      },
      "test rules",
      ["chat"],
    );
    const w = startWatch({ suite: chatSuite(s1.baseUrl, out, 1), rules, everyMs: 100, outDir: out });
    const ev = collect(w);
    await until("two healthy cycles", () => ev.cycles.filter((c) => c.outcome === "ok").length >= 2);
    await s1.close();
    await until("the remediation", () => existsSync(flag));
    // The "process" restarts (a new start time, more than 2 s after the first: not clock jitter).
    await new Promise((r) => setTimeout(r, Math.max(0, 2_300 - (Date.now() - started))));
    await sim({ port: s1.port });
    await until("the recovery", () => ev.remediations.some((r) => r.event === "recovered") && fired(ev.alerts, "restarted", "resolved"));
    w.stop();
    const o = await w;

    expect(ev.alerts.map((a) => `${a.alert} ${a.state}`)).toEqual(["unreachable firing", "unreachable resolved", "restarted firing", "restarted resolved"]);
    const down = ev.cycles.find((c) => c.outcome === "unreachable")!;
    expect(down.reason).toMatch(/connection refused|ECONNREFUSED|cannot connect|refused/i);
    expect(down.figures).toMatchObject({ unreachable: 1 });
    const run = ev.remediations.find((r) => r.event === "run")!;
    expect(run).toMatchObject({ why: ["unreachable"], exitCode: 0, timedOut: false, outputTail: "restarting unreachable\n" });
    const rec = ev.remediations.find((r) => r.event === "recovered")!;
    expect(rec.id).toBe(run.id);
    expect(rec.recoveryMs).toBeGreaterThan(0);
    // Only one run: the alert resolved before the cool-down could matter.
    expect(ev.remediations.filter((r) => r.event === "run")).toHaveLength(1);
    const restart = ev.cycles.find((c) => c.figures["server.restarted"] === 1)!;
    expect(restart.outcome).toBe("ok");
    expect(ev.logs.some((l) => /^the server restarted: process_start_time_seconds moved/.test(l))).toBe(true);
    expect(o.firing).toEqual([]);
    const saved = readFileSync(join(out, "watch", `127.0.0.1_${s1.port}`, "remediations.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as RemediationRecord);
    // While the server stayed down, the alert asked again: the cool-down said no, once.
    expect(saved.map((r) => [r.event, r.reason])).toEqual([["run", undefined], ["skipped", "cooldown"], ["recovered", undefined]]);
  }, 40_000);

  it("takes its baseline and reference answers from a run folder of the same suite, and refuses another suite's", async () => {
    const s = await sim();
    const out = tempDir();
    const suite = chatSuite(s.baseUrl, out, 2);
    const outcome = await runSuite(suite);
    const rules = rulesFromObject({ alerts: [{ name: "deg", when: "baseline.e2e.p50 > +50%", window: 1 }] }, "test rules", ["chat"]);
    const w = startWatch({ suite, rules, everyMs: 100, once: true, outDir: out, baselineDir: outcome.dir });
    let baseline: unknown;
    w.on("start", (x) => (baseline = x.baseline));
    const ev = collect(w);
    const o = await w;
    expect(baseline).toMatchObject({ source: "run", ready: true, dir: outcome.dir });
    expect(o).toMatchObject({ cycles: 1, end: "once", firing: [] });
    // The first cycle is already judged against the run: its answers equal the run's.
    expect(ev.cycles[0]!.canaries.map((c) => c.similarity)).toEqual([1, 1]);
    expect(ev.cycles[0]!.alerts[0]).toMatchObject({ name: "deg", holds: false });

    const other = loadSuite({ ...JSON.parse(JSON.stringify(suite)), scenarios: [{ ...suite.scenarios[0], turns: 3 }] });
    const refused = startWatch({ suite: other, rules, everyMs: 100, once: true, outDir: out, baselineDir: outcome.dir });
    await expect(refused.done).rejects.toThrow(ConfigError);
    await expect(startWatch({ suite: other, rules, everyMs: 100, once: true, outDir: out, baselineDir: outcome.dir }).done).rejects.toThrow(
      /the run cannot be compared with the canary suite "canary-chat" .*ran a different workload: turns 2 in A, 3 in B/,
    );
  }, 30_000);
});
