/**
 * Issue 16 through the built CLI, against `shakedown sim` child processes: `--once` for cron
 * (exit 0 on a healthy server, 1 on one that is not there, the state carried from one run to the
 * next), the seed's two alerts fired against a degrading simulator with the webhook and the
 * Prometheus endpoint, SIGTERM ending the cycle in progress cleanly (exit 0 when no alert fires,
 * 1 when one does), and bad flags or rules refused with exit 2 before anything runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseMetricsText } from "../../src/monitor/parse.js";
import { tempDir } from "../helpers/tmp.js";
import { BIN, runCli, runCliInProcess } from "./helpers.js";

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** `shakedown sim` in a child process; resolves with its base URL once it listens. */
function simChild(args: string[]): Promise<{ url: string; port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, "sim", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1)/.exec(out);
      if (m) resolve({ url: m[1] as string, port: Number(m[2]), child });
    });
    child.on("exit", (code) => reject(new Error(`sim exited (${code}) before listening: ${out}`)));
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("shakedown watch", () => {
  it("--once exits 0 on a healthy server and 1 on one that is not there; a second --once goes on from the saved state", async () => {
    const s = await simChild(["--time-scale", "0.05"]);
    const out = tempDir();
    const first = await runCliInProcess(["watch", "--target", s.url, "--once", "--out", out]);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/watching http:\/\/127\.0\.0\.1:\d+\/v1 once from cycle 1 \(suite watch-canary: chat, reasoning, tools; rules: the default rules, 8 alerts\)/);
    expect(first.stdout).toMatch(/cycle 1 ok: 6 requests, 0 failed · TTFT p50 [\d.]+ ms, p90 [\d.]+ ms, E2E p90 [\d.]+ ms · canaries 5\/5 pass · server up [\d.]+ m?s · baseline 1\/5 · [\d.]+ ms · firing: none/);
    expect(first.stdout).toMatch(/watch ended after 1 cycle \(one cycle \(--once\)\); no alert firing\n$/);
    const second = await runCliInProcess(["watch", "--target", s.url, "--once", "--out", out, "--json"]);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout.trim()) as { cycle: number; baseline: { cycles: number }; canaries: { name: string; similarity?: number }[] };
    expect(summary.cycle).toBe(2);
    expect(summary.baseline.cycles).toBe(2);
    // The chat canaries are compared with the first run's answers, kept in state.json.
    expect(summary.canaries.filter((c) => c.name.startsWith("chat/")).map((c) => c.similarity)).toEqual([1, 1, 1]);
    expect(second.stderr).toMatch(/from cycle 2/);

    s.child.kill("SIGTERM");
    await new Promise((r) => s.child.once("exit", r));
    const down = await runCliInProcess(["watch", "--target", s.url, "--once", "--out", out]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/cycle 3 UNREACHABLE: .*(refused|ECONNREFUSED)/i);
    expect(down.stdout).toMatch(/ALERT FIRING unreachable \(critical\): unreachable = 1 > 0 \[unreachable > 0\] after 1 cycle/);
    expect(down.stdout).toMatch(/watch ended after 1 cycle \(one cycle \(--once\)\); firing: unreachable\n$/);
    const dir = join(out, "watch", `127.0.0.1_${s.port}`);
    expect(readFileSync(join(dir, "cycles.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
    // Each cycle is in the run history too, as a watch cycle (never a run).
    const hist = await runCliInProcess(["history", "--watch", "--out", out, "--json"]);
    expect(hist.code, hist.stderr).toBe(0);
    const { cycles } = JSON.parse(hist.stdout) as { cycles: { cycle: number; outcome: string; firing: string[] }[] };
    expect(cycles.map((c) => [c.cycle, c.outcome])).toEqual([
      [3, "unreachable"],
      [2, "ok"],
      [1, "ok"],
    ]);
    expect(cycles[0]?.firing).toEqual(["unreachable"]);
  }, 60_000);

  it("fires the seed's two alerts against a degrading simulator: log lines, webhook, /metrics; SIGTERM then exits 1", async () => {
    // Every latency × (1 + 4 × seconds up).
    const s = await simChild(["--time-scale", "0.05", "--slowdown-per-hour", "14400"]);
    const out = tempDir();
    // A canary suite of one short conversation keeps the cycles short while the server slows down.
    const suite = join(out, "canary.yaml");
    writeFileSync(suite, "name: canary-chat\nscenarios:\n  - { kind: conversation, name: chat, script: trip-planning, turns: 3, iterations: 1, max_tokens: 16, temperature: 0, seed: 7 }\n");
    const got: Record<string, unknown>[] = [];
    const hook = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => {
        got.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    servers.push(hook);
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const rules = join(out, "rules.yaml");
    // The seed's two gates, its 5 s TTFT at the simulator's scale (a few ms at time-scale 0.05).
    writeFileSync(
      rules,
      [
        "baseline: { cycles: 4, iterations: 500 }",
        "alerts:",
        '  - { name: ttft_p90, when: "ttft.p90 > 30ms" }',
        '  - { name: degradation_ttft, when: "baseline.ttft.p50 > +15%", window: 3 }',
        '  - { name: unreachable, when: "unreachable > 0", for: 1 }',
      ].join("\n"),
    );
    let metrics: string | undefined;
    let page = "";
    const r = await runCli(
      ["watch", suite, "--target", s.url, "--every", "100ms", "--rules", rules, "--webhook", `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, "--metrics-port", "0", "--out", out],
      {
        onStart: (child, io) => {
          void (async () => {
            await until("both alerts", () => /ALERT FIRING ttft_p90/.test(io.stdout()) && /ALERT FIRING degradation_ttft/.test(io.stdout()));
            metrics = /metrics at (http:\/\/\S+)/.exec(io.stdout())?.[1];
            page = await (await fetch(metrics as string)).text();
            await until("the webhook", () => got.length >= 2);
            child.kill("SIGTERM");
          })().catch(() => child.kill("SIGKILL"));
        },
      },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/ALERT FIRING ttft_p90 \(warning\): ttft\.p90 = [\d.]+ (ms|s) > 30\.0 ms \[ttft\.p90 > 30ms\] after 2 cycles/);
    expect(r.stdout).toMatch(/ALERT FIRING degradation_ttft \(warning\): ttft\.p50 \+[\d.]+ % vs the baseline \(slower, p [<=] [\d.]+, n \d+ \/ \d+\): beyond the bound and significant/);
    expect(r.stdout).toMatch(/watch ended after \d+ cycles \(stopped by SIGTERM\); firing: ttft_p90, degradation_ttft\n$/);
    expect(r.stderr).toMatch(/SIGTERM: ending the cycle in progress/);
    expect(got.map((g) => g.alert)).toEqual(expect.arrayContaining(["ttft_p90", "degradation_ttft"]));
    expect(got[0]).toMatchObject({ state: "firing", target: s.url, text: expect.stringContaining("[FIRING]") });
    const parsed = parseMetricsText(page);
    expect(parsed.invalidLines).toBe(0);
    const firing = parsed.samples.get("shakedown_alert_firing") ?? [];
    expect(firing.filter((x) => x.value === 1).map((x) => x.labels.alert).sort()).toEqual(["degradation_ttft", "ttft_p90"]);
    expect(parsed.samples.get("shakedown_watch_cycles_total")?.[0]?.value).toBeGreaterThan(4);
  }, 60_000);

  it("SIGTERM during a cycle cuts its requests after --stop-grace, keeps them, and exits 0 when no alert fires", async () => {
    const s = await simChild(["--time-scale", "20"]); // a cycle would take minutes
    const out = tempDir();
    const r = await runCli(["watch", "--target", s.url, "--every", "1m", "--stop-grace", "300ms", "--out", out], {
      onStart: (child, io) => {
        void until("the first cycle under way", () => /baseline: forming/.test(io.stdout()))
          .then(() => new Promise((res) => setTimeout(res, 200)))
          .then(() => child.kill("SIGTERM"));
      },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cycle 1 interrupted \(\d+ requests kept, not judged\)/);
    expect(r.stdout).toMatch(/watch ended after 1 cycle \(stopped by SIGTERM\); no alert firing\n$/);
    const dir = join(out, "watch", `127.0.0.1_${s.port}`);
    const cycle = JSON.parse(readFileSync(join(dir, "cycles.jsonl"), "utf8").trim()) as { outcome: string; alerts: { holds: unknown }[] };
    expect(cycle.outcome).toBe("interrupted");
    expect(cycle.alerts.every((a) => a.holds === null)).toBe(true);
    const records = readFileSync(join(dir, "records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { cycle: number; result: { error?: { kind: string } } });
    expect(records.length).toBeGreaterThan(0);
    expect(records.at(-1)).toMatchObject({ cycle: 1, result: { error: { kind: "aborted" } } });
    expect(existsSync(join(dir, "watch.lock"))).toBe(false);
  }, 60_000);

  it("refuses bad flags and bad rules with exit 2 before anything runs", async () => {
    const out = tempDir();
    const rules = join(out, "rules.yaml");
    writeFileSync(rules, 'alerts:\n  - name: slow\n    when: "ttft.p90 > fast"\n');
    const bad = await runCliInProcess(["watch", "--target", "http://127.0.0.1:9/v1", "--rules", rules, "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(`shakedown: ${rules}:3:11: alerts[0].when: bad condition "ttft.p90 > fast": expected "<metric> <op> <value>[unit]" with op one of < <= > >= and unit one of %, ms, s, tok/s, e.g. "ttft.mean < 4000", "ttft.p90 <= 4 s", "degradation.ttft < 20%", "success_rate > 95%"; a baseline comparison is written "baseline.<figure> > +15%"\n`);
    expect(existsSync(join(out, "watch"))).toBe(false);
    const cases: [string[], RegExp][] = [
      [["--every", "often"], /--every "often": expected a duration such as "90s"/],
      [["--once", "--for", "1h"], /--once runs one cycle; --for runs cycles for a duration/],
      [["--metrics-port", "70000"], /expected a port number/],
      [["--webhook", "ftp://x"], /--webhook: the webhook URL must start with http/],
    ];
    for (const [flags, message] of cases) {
      const r = await runCliInProcess(["watch", "--target", "http://127.0.0.1:9/v1", "--out", out, ...flags]);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const noTarget = await runCliInProcess(["watch", "--once", "--out", out]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/watch needs a server to watch: give --target URL/);
    const load = join(out, "load.yaml");
    writeFileSync(load, "target: { url: 'http://127.0.0.1:9/v1' }\nscenarios:\n  - kind: load\n");
    const heavy = await runCliInProcess(["watch", load, "--once", "--out", out]);
    expect(heavy.code).toBe(2);
    expect(heavy.stderr).toMatch(/scenario "load" is a load scenario: a watch cycle sends short canaries \(conversation, reasoning, tools\)/);
    expect(existsSync(join(out, "watch"))).toBe(false);
  }, 30_000);
});
