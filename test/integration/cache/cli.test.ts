/**
 * `shakedown run --scenario cache --target URL` through the built CLI (npm run build first),
 * against simulators started in this process: exit 0 with prefix caching on, 1 with it off,
 * and the report shows the server's hit rate beside the client's speedup.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator } from "../../../src/sim/index.js";
import { tempDir, runDirs } from "../../helpers/tmp.js";
import { runCli } from "../../cli/helpers.js";

const work = tempDir();

function reportOf(parent: string): string {
  const dirs = runDirs(parent);
  expect(dirs).toHaveLength(1);
  return readFileSync(join(parent, dirs[0]!, "report.md"), "utf8");
}

/** The cells of the probe's row in the "Miss vs hit per probe" table. */
function probeRow(report: string, probe: string): string[] {
  const section = report.split("### Miss vs hit per probe")[1] ?? "";
  const line = section.split("\n").find((l) => l.startsWith(`| \`${probe}\``));
  expect(line, `row of ${probe}`).toBeDefined();
  return (line ?? "").split("|").map((c) => c.trim());
}

// The probe the default verdict and these tests read (the others are run by cache-run.test.ts):
// a third of the requests, each miss made slow on purpose (below).
const sharedOnly = ["--set", 'cache.probes=["shared_prefix"]'];

describe("shakedown run --scenario cache", () => {
  let on: RunningSimulator;
  let off: RunningSimulator;
  beforeAll(async () => {
    // A miss's prefill made long and every request's overhead short: a miss takes ~180 ms, a
    // hit ~20 ms, so stalls of the machine cannot flip a verdict. (At the default profile's own
    // figures, a hit is mostly its 25 ms overhead: ~70 vs ~30 ms, and with both cores taken by
    // other work the shared-prefix speedup fell under 1.5 and the run exited 5.)
    const timing = { profile: "default" as const, port: 0, timeScale: 2, overheadMs: 5, prefillMsPerToken: 0.04 };
    on = await startSimulator({ ...timing, prefixCaching: true });
    off = await startSimulator({ ...timing, prefixCaching: false });
  });
  afterAll(async () => {
    await on.close();
    await off.close();
  });

  it("exits 0 against a server with prefix caching on; the report shows its hit rate beside the speedup", async () => {
    const out = join(work, "on");
    const r = await runCli(["run", "--scenario", "cache", "--target", on.baseUrl, "--out", out, "--set", "cache.repetitions=4", ...sharedOnly], { timeoutMs: 110_000 });
    expect(r.stderr + r.stdout).not.toContain("internal error");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("speedup.shared_prefix");
    const report = reportOf(out);
    const [, , , , , speedup, hitRate] = probeRow(report, "shared_prefix");
    expect(speedup).toMatch(/^×\d+\.\d\d \(×\d+\.\d\d–×\d+\.\d\d\)/);
    // one measured hit rate, beside what a perfect cache gives for this probe (≈ 50 %: half the requests are misses)
    const [, measured, perfect] = /^(\d+\.\d) % \(≈ (\d+\.\d) %\)$/.exec(hitRate ?? "") ?? [];
    expect(measured, hitRate).toBeDefined();
    expect(Number(perfect)).toBeGreaterThan(40);
    expect(Number(perfect)).toBeLessThan(60);
    expect(Number(measured)).toBeGreaterThan(Number(perfect) * 0.8);
    expect(report).toContain("about 50 % is a perfect score on `shared_prefix`, not a poor one");
    expect(report).toContain("Prefix caching is enabled in the server's configuration");
  }, 120_000);

  // verdicts.client_overload=fail: the server's missing speedup must show as a failure even when
  // the test machine is busy (client health has tests of its own: test/integration/run/client-health.test.ts).
  it("exits 1 against a server with prefix caching off", async () => {
    const out = join(work, "off");
    const r = await runCli(["run", "--scenario", "cache", "--target", off.baseUrl, "--out", out, "--set", "cache.repetitions=4", ...sharedOnly, "--set", "verdicts.client_overload=fail"], { timeoutMs: 110_000 });
    expect(r.stderr + r.stdout).not.toContain("internal error");
    expect(r.code).toBe(1);
    const report = reportOf(out);
    expect(report).toMatch(/Prefix caching is not effective/);
    const [, , , , , speedup] = probeRow(report, "shared_prefix");
    const value = Number.parseFloat((speedup ?? "").slice(1));
    expect(value).toBeGreaterThan(0.6);
    expect(value).toBeLessThan(1.4);
  }, 120_000);
});
