#!/usr/bin/env node
/**
 * The node_modules packages the built GPU sampler needs at run time, one a line (for pack.sh).
 *
 *   node bench/device/runtime-packages.mjs [DIST]        (default: dist)
 *
 * Two sources, joined: the bare imports of dist/monitor/gpu/index.js and of every file it
 * imports (the ES module packages, e.g. simple-statistics, appear only there), and the CommonJS
 * packages Node loaded once the sampler was imported and summarizeGpu had run (require's cache:
 * the dependencies of those packages, e.g. the @stdlib tree under t-cdf and t-quantile).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";

const dist = resolve(process.argv[2] ?? "dist");
const entry = resolve(dist, "monitor", "gpu", "index.js");
const packages = new Set();
const packageOf = (specifier) => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

// 1. The import graph of the built files.
const seen = new Set();
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;
function walk(file) {
  if (seen.has(file)) return;
  seen.add(file);
  for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s.startsWith(".")) walk(resolve(dirname(file), s));
    else if (!s.startsWith("node:")) packages.add(packageOf(s));
  }
}
walk(entry);

// 2. What Node loaded: import the sampler, run a summary (the slope's t-quantile and t-cdf).
const gpu = await import(pathToFileURL(entry).href);
const samples = Array.from({ length: 12 }, (_, i) => ({ t: i * 250, epochMs: i * 250, gpu: 0, memoryUsedMiB: 1000 + (i % 3), powerW: 100 + i, energyJ: i * 25 }));
if (!gpu.summarizeGpu(samples, 0, 1e9)?.gpus[0]?.memoryUsedMiB?.slope) throw new Error("summarizeGpu gave no slope: the check did not reach the t distribution");
const modules = resolve(dirname(dist), "node_modules");
for (const file of Object.keys(createRequire(import.meta.url).cache)) {
  const rel = relative(modules, file);
  if (rel.startsWith("..")) continue;
  packages.add(packageOf(rel.split(sep).join("/")));
}

process.stdout.write([...packages].sort().join("\n") + "\n");
