#!/usr/bin/env node
/**
 * A check of the GPU sampler on a real machine (bench/device/README.md): starts the built
 * sampler (dist/monitor/gpu/index.js) on the local nvidia-smi, samples for SECONDS, and prints
 * what startGpuSampler found, the sample and on-disk line counts as they grow, the warnings,
 * and summarizeGpu over the whole span as JSON. The timeline (gpu-metrics.jsonl lines) goes to
 * TIMELINE, overwritten.
 *
 *   node bench/device/gpu-sampler.mjs [--dist DIR] [--interval-ms N] [--source S] SECONDS TIMELINE
 *
 *   --dist DIR        the built tree (default: dist); on the device: .device/dist
 *   --interval-ms N   sampling interval (default 250)
 *   --source S        as `shakedown run --gpu`: nvidia-smi (default), a DCGM exporter URL, or
 *                     cmd:COMMAND (a command printing nvidia-smi's query CSV)
 *
 * Plain JavaScript, no dependency beyond what the built sampler imports, so that it runs with a
 * bare Node binary. Exit 0: samples were taken; 1: none; 2: the sampler refused to start (the
 * ConfigError a run would exit 2 with), or bad arguments.
 */
import { existsSync, readFileSync, unlinkSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

function usage(message) {
  if (message) process.stderr.write(`gpu-sampler: ${message}\n`);
  process.stderr.write("usage: node bench/device/gpu-sampler.mjs [--dist DIR] [--interval-ms N] [--source S] SECONDS TIMELINE\n");
  process.exit(2);
}

let dist = "dist";
let intervalMs = 250;
let sourceArg = "nvidia-smi";
const positional = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === "--dist") dist = value();
  else if (a === "--interval-ms") intervalMs = Number(value());
  else if (a === "--source") sourceArg = value();
  else if (a === "-h" || a === "--help") usage();
  else if (a.startsWith("--")) usage(`unknown option ${a}`);
  else positional.push(a);
}
if (positional.length !== 2) usage("expected SECONDS and TIMELINE");
const seconds = Number(positional[0]);
const timelinePath = resolve(positional[1]);
if (!(seconds > 0)) usage(`SECONDS must be a positive number, got ${positional[0]}`);
if (!(Number.isInteger(intervalMs) && intervalMs >= 100)) usage(`--interval-ms must be an integer >= 100 (the suite's minimum), got ${intervalMs}`);

/** monitor.gpu as `--gpu S` sets it (src/cli/options.ts gpuFlag). */
function gpuConfig(s) {
  if (s === "nvidia-smi") return { source: "nvidia-smi", interval_ms: intervalMs };
  if (/^https?:\/\//i.test(s)) return { source: "dcgm", url: s, interval_ms: intervalMs };
  if (s.startsWith("cmd:") && s.slice(4).trim() !== "") return { source: "command", command: s.slice(4).trim(), interval_ms: intervalMs };
  return usage(`--source: expected nvidia-smi, a DCGM exporter URL or cmd:COMMAND, got "${s}"`);
}
const config = gpuConfig(sourceArg);

const entry = resolve(dist, "monitor", "gpu", "index.js");
if (!existsSync(entry)) usage(`${entry} not found: build first (npm run build) or give --dist`);
const gpu = await import(pathToFileURL(entry).href);

const show = (label, value) => process.stdout.write(`${label} ${JSON.stringify(value)}\n`);
const linesOnDisk = () => {
  try {
    return readFileSync(timelinePath, "utf8").split("\n").filter((l) => l !== "").length;
  } catch {
    return 0;
  }
};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

if (existsSync(timelinePath)) unlinkSync(timelinePath);
show("node", { version: process.version, platform: process.platform, arch: process.arch });
show("config", config);

const warnings = [];
const t0 = performance.now();
let sampler;
try {
  sampler = await gpu.startGpuSampler({
    config,
    timelinePath,
    onWarning: (m) => {
      warnings.push(m);
      process.stdout.write(`warning GPU sampler: ${m}\n`);
    },
  });
} catch (err) {
  show("start_failed", { name: err?.name, code: err?.code, exitCode: err?.exitCode, message: err?.message });
  process.exit(err?.name === "ConfigError" ? 2 : 1);
}
show("started", {
  source: sampler.source,
  startMs: Math.round(performance.now() - t0),
  fields: sampler.fields,
  gpus: sampler.gpus,
});

const perGpu = () => {
  const counts = {};
  for (const s of sampler.samples) counts[s.gpu] = (counts[s.gpu] ?? 0) + 1;
  return counts;
};
// SECONDS of sampling from the end of the start (the probe and the first tick take a moment).
const tStarted = performance.now();
const ticks = Math.ceil(seconds);
for (let k = 1; k <= ticks; k++) {
  await wait(Math.max(0, tStarted + Math.min(k, seconds) * 1000 - performance.now()));
  show("tick", {
    s: Math.round((performance.now() - tStarted) / 100) / 10,
    samples: sampler.samples.length,
    perGpu: perGpu(),
    linesOnDisk: linesOnDisk(),
    failures: sampler.stats.failures,
    restarts: sampler.stats.restarts,
  });
}

const stopStart = performance.now();
await sampler.stop();
const samples = [...sampler.samples];
show("stopped", { stopMs: Math.round(performance.now() - stopStart), stats: sampler.stats, samples: samples.length, perGpu: perGpu(), linesOnDisk: linesOnDisk(), warnings: warnings.length });
if (samples.length === 0) {
  process.stdout.write("no samples\n");
  process.exit(1);
}

// Which GpuSample fields the source filled, on how many samples (absent = not reported).
const filled = {};
for (const s of samples) for (const k of Object.keys(s)) filled[k] = (filled[k] ?? 0) + 1;
show("fields_filled", filled);
const lines = readFileSync(timelinePath, "utf8").split("\n").filter((l) => l !== "");
show("first_line", lines[0] ? JSON.parse(lines[0]) : null);
show("last_line", lines.length > 0 ? JSON.parse(lines[lines.length - 1]) : null);

const fromT = samples[0].t;
const toT = samples[samples.length - 1].t;
const summary = gpu.summarizeGpu(samples, fromT, toT);
process.stdout.write(`summary ${JSON.stringify(summary, null, 2)}\n`);

// Energy both ways when the counter was used: the counter's difference beside ∫ power dt.
if (summary?.total.energy?.energySource === "counter") {
  const withoutCounter = samples.map(({ energyJ: _drop, ...rest }) => rest);
  const byPower = gpu.summarizeGpu(withoutCounter, fromT, toT)?.total.energy;
  show("energy_check", {
    counterJ: summary.total.energy.joules,
    powerIntegralJ: byPower?.joules,
    ratio: byPower ? summary.total.energy.joules / byPower.joules : undefined,
  });
}
process.exit(0);
