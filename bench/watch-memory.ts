/**
 * Issue 16's memory benchmark: `shakedown watch` must run for days, so its memory must stay
 * flat. This runs many cycles back to back (10 000 by default) of a real watch (startWatch:
 * the client, the canaries' drivers and judging, the baseline comparison with diff's
 * statistics, the alert states, the webhook, the Prometheus registry, every file of the watch
 * folder) against the simulator at a high time-scale in a child process (so its memory is not
 * counted), and prints the resident memory (RSS) and the V8 heap after full GCs along the way.
 *
 *   npm run bench:watch                  # node --expose-gc --import tsx bench/watch-memory.ts
 *   npm run bench:watch -- --cycles 2000 --keep     # --no-webhook, --no-metrics: without them
 *
 * The canary suite is small (two chat turns and a tool-calling case), the simulator fails 10 %
 * of requests so that alerts fire and resolve (and the webhook is called) now and then, and
 * /metrics is scraped every 500 cycles. Target: RSS growth under 10 MB from the end of the
 * warm-up (1 000 cycles, a tenth of a shorter run) to the last cycle. Benchmarks are not tests:
 * nothing here fails a build.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSuite } from "../src/index.js";
import { rulesFromObject, startWatch, type CycleSummary } from "../src/watch/index.js";
import { startBenchServer } from "./lib/child.js";

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const CYCLES = flag("--cycles", 10_000);
const WARMUP = Math.min(1000, Math.floor(CYCLES / 10));
const SAMPLE_EVERY = Math.max(100, Math.floor(CYCLES / 10));
const KEEP = args.includes("--keep");
/** To tell which part a growth comes from: leave the webhook or the exposition out. */
const NO_WEBHOOK = args.includes("--no-webhook");
const NO_METRICS = args.includes("--no-metrics");

const gc = (globalThis as { gc?: () => void }).gc;
function sample(): { rss: number; heap: number; heapTotal: number; external: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}
const mb = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  if (!gc) process.stdout.write("note: run with node --expose-gc for figures after full GCs (npm run bench:watch does)\n");
  const sim = await startBenchServer("bench/servers/sim.ts", [JSON.stringify({ timeScale: 0.001, failRate: 0.1 })], { core: 1 });
  const out = mkdtempSync(join(tmpdir(), "shakedown-bench-watch-"));
  let hooks = 0;
  const hook = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      hooks++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const suite = loadSuite({
    name: "bench-canary",
    target: { url: sim.baseUrl, warmup_requests: 0 },
    scenarios: [
      { kind: "conversation", name: "chat", script: "trip-planning", turns: 2, iterations: 1, max_tokens: 8, temperature: 0, seed: 1 },
      { kind: "tools", name: "tools", pack: "core", cases: ["weather-toronto-en"], temperature: 0, compare_non_streamed: false },
    ],
    output: { dir: out },
  });
  const rules = rulesFromObject(
    {
      baseline: { cycles: 5, iterations: 500 },
      alerts: [
        { name: "ttft_p90", when: "ttft.p90 > 5s" },
        { name: "degradation_ttft", when: "baseline.ttft.p50 > +15%", window: 3 },
        { name: "degradation_e2e", when: "baseline.e2e.p50 > +15%", window: 3 },
        // for 1 / resolve_after 1: with the simulator's every-tenth-request failure it fires and resolves every few cycles
        { name: "error_rate", when: "error_rate > 20%", for: 1, resolve_after: 1 },
        { name: "unreachable", when: "unreachable > 0", for: 1, resolve_after: 1 },
        { name: "canary_wrong", when: "canary.wrong > 0" },
        { name: "canary_changed", when: "canary.changed > 0", for: 1 },
      ],
      ...(NO_WEBHOOK ? {} : { webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, timeout: "2s" } }),
    },
    "bench rules",
    ["chat", "tools"],
  );
  const w = startWatch({ suite, rules, everyMs: 1, outDir: out, ...(NO_METRICS ? {} : { metrics: { port: 0, host: "127.0.0.1" } }) });
  let metricsUrl = "";
  w.on("start", (s) => (metricsUrl = s.metricsUrl ?? ""));
  let alerts = 0;
  w.on("alert", () => alerts++);
  let base: ReturnType<typeof sample> | undefined;
  const rssSeen: number[] = [];
  const rows: string[] = [];
  const t0 = performance.now();
  let cpu0 = process.cpuUsage();
  let last: CycleSummary | undefined;
  let chain: Promise<void> = Promise.resolve();
  w.on("cycle:end", (c) => {
    last = c;
    const n = c.cycle;
    if (n % 500 === 0 && n < CYCLES && metricsUrl !== "") chain = chain.then(() => fetch(metricsUrl).then((r) => r.text()).then(() => undefined, () => undefined));
    if (n % 1000 === 0) void sim.command("truth"); // the simulator child keeps first-token times until asked
    if (n === WARMUP) {
      base = sample();
      cpu0 = process.cpuUsage();
      rows.push(`| ${n} (end of warm-up) | ${mb(base.rss)} | ${mb(base.heap)} | ${mb(base.heapTotal)} | ${mb(base.external)} | — | — |`);
      process.stdout.write(`${rows.at(-1)}\n`);
    } else if (base && (n % SAMPLE_EVERY === 0 || n === CYCLES)) {
      const s = sample();
      rssSeen.push(s.rss);
      rows.push(`| ${n} | ${mb(s.rss)} | ${mb(s.heap)} | ${mb(s.heapTotal)} | ${mb(s.external)} | ${mb(s.rss - base.rss)} | ${mb(s.heap - base.heap)} |`);
      process.stdout.write(`${rows.at(-1)}\n`);
    }
    if (n >= CYCLES) w.stop();
  });
  process.stdout.write(`watch: ${CYCLES} cycles against the simulator (child process, time-scale 0.001, fail rate 0.1)\n`);
  process.stdout.write("| cycle | RSS | heap used | heap total | external | RSS growth | heap growth |\n|---|---|---|---|---|---|---|\n");
  const o = await w;
  await chain;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const end = sample();
  const size = (f: string) => statSync(join(o.dir, f)).size;
  process.stdout.write(
    [
      "",
      `cycles: ${o.cycles}, wall ${wall.toFixed(1)} s (${((wall * 1000) / o.cycles).toFixed(1)} ms a cycle), CPU after warm-up ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
      `alert transitions: ${alerts}, webhook deliveries: ${hooks}; last cycle: ${last?.requests ?? 0} requests`,
      `RSS growth from cycle ${WARMUP} to the end: ${base ? mb(end.rss - base.rss) : "n/a"} (target < 10 MB); RSS between ${mb(Math.min(...rssSeen))} and ${mb(Math.max(...rssSeen))} after the warm-up; heap growth ${base ? mb(end.heap - base.heap) : "n/a"}`,
      `watch folder: records.jsonl ${mb(size("records.jsonl"))}, cycles.jsonl ${mb(size("cycles.jsonl"))}`,
      "",
    ].join("\n"),
  );
  await sim.close();
  await new Promise((r) => hook.close(r));
  if (!KEEP) rmSync(out, { recursive: true, force: true });
  else process.stdout.write(`kept ${o.dir}\n`);
}

await main();
