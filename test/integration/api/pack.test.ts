/**
 * Issue 14 item 4, "done when": the package as a user installs it. The package as `npm test`
 * built it is packed with `npm pack --ignore-scripts`, and the tarball installed into a scratch
 * project; there `import("shakedown")` runs a suite on the simulator, deep imports are refused
 * by the exports map, the types compile under a strict tsconfig with no `any` leaking out, and
 * docs/examples/api-example.ts compiles and runs.
 *
 * The install: by default the tarball is unpacked into node_modules/shakedown beside links to
 * this repository's dependencies (a few seconds); with SHAKEDOWN_TEST_NPM_INSTALL=1, a real
 * `npm install` of the tarball (half a minute: ~460 packages), from the local npm cache
 * (--offline), else with --prefer-offline, else — with a NOTICE — unpacked as by default.
 * Skipped, with a NOTICE, only where npm is not available.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../../helpers/tmp.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/** The environment of the child commands, without the npm_* variables of an enclosing `npm test`. */
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function sh(cmd: string, args: string[], cwd: string, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...childEnv, ...opts.env }, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const npmVersion = sh("npm", ["--version"], ROOT, { timeoutMs: 30_000 });
const npmAvailable = npmVersion.status === 0;
if (!npmAvailable) console.warn(`NOTICE: npm is not available here (${npmVersion.error?.message ?? npmVersion.stderr.trim()}): the pack test (npm pack, install, import) is skipped.`);

interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: string[];
}

describe.skipIf(!npmAvailable)("the packed package, installed into a scratch project", () => {
  const work = tempDir("shakedown-pack-");
  const proj = join(work, "proj");
  const runs = join(work, "runs");
  let packed: Packed;
  let installedWith: string;

  beforeAll(() => {
    // 1. The package as built by `npm test` (dist/ is built before the tests run): packed
    //    with --ignore-scripts, so `prepare` does not rebuild the shared dist/.
    const pkgDir = ROOT;
    // 2. npm pack.
    const dest = join(work, "tarball");
    mkdirSync(dest);
    const report = JSON.parse(ok(sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dest], pkgDir), "npm pack")) as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    }[];
    const first = report[0]!;
    packed = { tarball: join(dest, first.filename), size: first.size, unpackedSize: first.unpackedSize, files: first.files.map((f) => f.path) };
    console.log(`pack: ${first.filename}, ${(first.size / 1024).toFixed(0)} kB packed, ${(first.unpackedSize / 1024).toFixed(0)} kB unpacked, ${packed.files.length} files`);

    // 3. Installed into a scratch project (no install scripts: better-sqlite3's native build is not needed here).
    mkdirSync(proj);
    mkdirSync(runs);
    writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2));
    const flags = ["--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock"];
    // A full `npm install` of the tarball resolves and extracts ~460 packages (half a minute
    // here): it runs when SHAKEDOWN_TEST_NPM_INSTALL=1. By default the tarball is unpacked as
    // npm would unpack it, beside links to this repository's dependencies: what is checked —
    // the files the pack holds, the exports map, the types, the example — is the same.
    if (process.env.SHAKEDOWN_TEST_NPM_INSTALL !== "1") {
      installedWith = "unpacked tarball + links to this repository's node_modules (SHAKEDOWN_TEST_NPM_INSTALL=1 for a full npm install)";
      unpackBeside(packed.tarball, proj);
      console.log(`installed with: ${installedWith}`);
      return;
    }
    const offline = sh("npm", ["install", "--offline", ...flags, packed.tarball], proj, { timeoutMs: 180_000 });
    if (offline.status === 0) {
      installedWith = "npm install --offline";
    } else {
      const preferOffline = sh("npm", ["install", "--prefer-offline", ...flags, packed.tarball], proj, { timeoutMs: 180_000 });
      if (preferOffline.status === 0) {
        installedWith = "npm install --prefer-offline";
        console.warn(`NOTICE: the npm cache could not resolve every dependency offline; installed with --prefer-offline (${lastLine(offline.stderr)}).`);
      } else {
        installedWith = "unpacked tarball + links to this repository's node_modules";
        console.warn(
          `NOTICE: npm install failed offline (${lastLine(offline.stderr)}) and with --prefer-offline (${lastLine(preferOffline.stderr)}); the tarball is unpacked into node_modules/shakedown and the dependencies are links to this repository's node_modules.`,
        );
        unpackBeside(packed.tarball, proj);
      }
    }
    console.log(`installed with: ${installedWith}`);
  }, 600_000);

  it("holds what the API needs at run time, and no sources, tests or source maps", () => {
    const files = new Set(packed.files);
    for (const f of ["package.json", "bin/shakedown.js", "dist-cli/main.js", "dist-cli/worker-thread.js", "dist-cli/sim-process.js", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "docs/metrics.md", "docs/api.md", "suites/default.yaml", "suites/sim/reasoning-answers.yaml", "schema/suite.schema.json"]) {
      expect(files.has(f), f).toBe(true);
    }
    expect(packed.files.filter((f) => /^(src|test|bench|runs|node_modules)\/|\.map$|\.test\.|^tsconfig/.test(f))).toEqual([]);
    // dist-cli/ (the command line bundled with its dependencies, scripts/bundle-cli.mjs: half the start-up CPU) adds about 1.5 MB.
    expect(packed.size).toBeLessThan(3.5 * 1024 * 1024);
  });

  it("node -e \"import('shakedown').then(m => m.runSuite(...))\" runs a suite on the simulator", () => {
    const script = `
      import("shakedown").then(async (m) => {
        const run = m.runSuite({
          name: "packed",
          target: { sim: { profile: "fast" } },
          scenarios: [{ kind: "conversation", turns: 2, iterations: 1, max_tokens: 24 }],
          output: { dir: ${JSON.stringify(runs)} },
        });
        let events = 0;
        run.on("request:end", () => events++);
        const o = await run;
        console.log(JSON.stringify({ status: o.results.status, complete: o.results.complete, total: o.results.scenarios[0].requests.total, events, dir: o.dir, fns: ["runSuite", "loadSuite", "startSimulator", "analyseRun", "diffRuns"].map((f) => typeof m[f]) }));
      });`;
    const r = JSON.parse(ok(sh(process.execPath, ["-e", script], proj), "import('shakedown').runSuite").trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(r).toMatchObject({ status: "pass", complete: true, total: 2, events: 3, fns: ["function", "function", "function", "function", "function"] });
    expect(String(r.dir).startsWith(runs)).toBe(true);
    // The run folder resolved its built-in data (conversation scripts, docs/metrics.md for the glossary) from the package.
    const html = readFileSync(join(String(r.dir), "report.html"), "utf8");
    expect(html).not.toContain("The glossary is not available here");
  }, 180_000);

  it("exports only the entry point and package.json; the CLI still runs", () => {
    const deep = sh(process.execPath, ["--input-type=module", "-e", `import("shakedown/dist/run/executor.js").then(() => console.log("loaded"), (e) => console.log(e.code))`], proj);
    expect(ok(deep, "deep import").trim()).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
    const pkg = sh(process.execPath, ["--input-type=module", "-e", `import p from "shakedown/package.json" with { type: "json" }; console.log(p.name)`], proj);
    expect(ok(pkg, "import shakedown/package.json").trim()).toBe("shakedown");
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(ok(sh(process.execPath, [join(proj, "node_modules", "shakedown", "bin", "shakedown.js"), "--version"], proj), "shakedown --version").trim()).toBe(version.version);
  }, 60_000);

  it("its types compile under a strict tsconfig, with no `any` in what users touch, and docs/examples/api-example.ts runs", () => {
    cpSync(join(ROOT, "docs", "examples", "api-example.ts"), join(proj, "api-example.ts"));
    writeFileSync(join(proj, "types-check.ts"), TYPES_CHECK);
    writeFileSync(
      join(proj, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2023",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2023"],
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          // The package's own declarations are checked too, and those of its dependencies they use.
          skipLibCheck: false,
          // @types/node from this repository: the scratch project installs nothing of its own.
          typeRoots: [join(ROOT, "node_modules", "@types")],
          types: ["node"],
          outDir: "build",
        },
        files: ["api-example.ts", "types-check.ts"],
      }),
    );
    ok(sh(process.execPath, [TSC, "-p", "tsconfig.json"], proj), "tsc of the example and the type checks");

    const tmp = join(work, "example-tmp");
    mkdirSync(tmp);
    const out = ok(sh(process.execPath, [join(proj, "build", "api-example.js")], proj, { env: { TMPDIR: tmp } }), "the example");
    expect(out).toContain("conversation: 8 requests");
    expect(out).toMatch(/^run: pass, folder /m);
    // The words themselves are diff's tests' business (a loaded machine can blur 8 pairs); here: it compared.
    expect(out).toMatch(/^diff: ttft\.p50 [\d.]+ → [\d.]+ ms, (slower|no difference beyond noise)$/m);
    expect(out).toMatch(/^diff: ttft\.p90 [\d.]+ → [\d.]+ ms, (slower|no difference beyond noise)$/m);
    expect(out).toMatch(/^stopped: user, incomplete, interrupted by the example$/m);
    expect(out).toMatch(/^re-analysed: pass, 9 records$/m);
    expect(out).toMatch(/^refused \(exit code 2\): suite object: scenarios\[0\]\.turns/m);
    expect(readdirSync(tmp).some((d) => d.startsWith("shakedown-example-"))).toBe(true);
  }, 240_000);
});

function lastLine(text: string): string {
  return (text.trim().split("\n").filter((l) => /error/i.test(l)).at(0) ?? text.trim().split("\n").at(-1) ?? "").slice(0, 300);
}

/** The fallback install: the tarball unpacked into node_modules/shakedown, each dependency a link into this repository's node_modules. */
function unpackBeside(tarball: string, proj: string): void {
  const modules = join(proj, "node_modules");
  const target = join(modules, "shakedown");
  mkdirSync(target, { recursive: true });
  ok(sh("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"], proj), "tar -x");
  for (const entry of readdirSync(join(ROOT, "node_modules"))) {
    if (entry === "shakedown" || entry.startsWith(".") || existsSync(join(modules, entry))) continue;
    symlinkSync(join(ROOT, "node_modules", entry), join(modules, entry), "dir");
  }
}

/** Compiled in the scratch project: the public types resolve (to no `any`), and the API is shaped as docs/api.md says. */
const TYPES_CHECK = `
import { EventEmitter } from "node:events";
import {
  analyseRun, diffRuns, loadSuite, runSuite, startSimulator, ConfigError, ShakedownError, EXIT,
  type RunHandle, type RunOutcome, type RunResults, type ScenarioResult, type RequestRecord, type Verdict, type DiffResult,
  type Suite, type SuiteInput, type RunEventMap, type RunOptions, type LoadSuiteOptions, type RunAnalysis, type RunningSimulator,
} from "shakedown";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** Fails to compile ("Type 'true' does not satisfy the constraint 'false'") where T is any. */
type NoAny<T extends false> = T;
export type Checks = [
  NoAny<IsAny<Suite>>, NoAny<IsAny<SuiteInput>>, NoAny<IsAny<Suite["scenarios"][number]>>, NoAny<IsAny<RunOutcome>>,
  NoAny<IsAny<RunOutcome["stop"]>>, NoAny<IsAny<RunResults>>, NoAny<IsAny<ScenarioResult>>, NoAny<IsAny<Verdict>>,
  NoAny<IsAny<RunResults["scenarios"][number]["verdicts"][number]>>, NoAny<IsAny<RequestRecord>>, NoAny<IsAny<RequestRecord["result"]>>,
  NoAny<IsAny<RequestRecord["result"]["t"]>>, NoAny<IsAny<RunHandle>>, NoAny<IsAny<RunEventMap["request:end"][0]>>,
  NoAny<IsAny<RunAnalysis>>, NoAny<IsAny<RunningSimulator>>, NoAny<IsAny<ReturnType<RunningSimulator["stats"]>>>,
  NoAny<IsAny<DiffResult>>, NoAny<IsAny<DiffResult["scenarios"][number]["figures"][number]>>, NoAny<IsAny<Parameters<typeof diffRuns>[0]>>,
];

export async function shapes(): Promise<void> {
  const suite: Suite = loadSuite({ scenarios: [{ kind: "load", mode: "poisson" }] }, { sets: ["load.requests=10"], outDir: "out" });
  const opts: RunOptions = { signal: AbortSignal.timeout(1000), events: new EventEmitter<RunEventMap>() };
  const run: RunHandle = runSuite(suite, opts);
  run.on("scenario:start", (s) => s.plannedRequests.toFixed());
  run.on("request:end", (r: RequestRecord) => r.result.t.firstChunk);
  run.on("soak:window", (w) => w.ttftP90Ms);
  // @ts-expect-error: not an event of a run
  run.on("no-such-event", () => undefined);
  run.stop("reason");
  const outcome: RunOutcome = await run;
  const code: number = outcome.stop?.cause === "error" && outcome.stop.error instanceof ShakedownError ? outcome.stop.error.exitCode : EXIT.ok;
  const analysis: RunAnalysis = await analyseRun(outcome.dir, { write: true });
  const status: "pass" | "fail" | "inconclusive" | "not_measured" | "incomplete" = analysis.results.status;
  const sim: RunningSimulator = await startSimulator({ profile: "fast", port: 0 });
  await sim.close();
  const fromPath: RunHandle = runSuite("suite.yaml");
  const diff: DiffResult = diffRuns(outcome.dir, analysis.dir, { failOn: ["ttft.p90 > +10%"], alpha: 0.05, seed: 1, force: false });
  const word: string = diff.scenarios[0]?.figures[0]?.word ?? "";
  const options: LoadSuiteOptions = { scenario: "cache", target: { url: "http://127.0.0.1:8000/v1" } };
  void [code, status, fromPath, options, word, new ConfigError("x")];
}
`;
