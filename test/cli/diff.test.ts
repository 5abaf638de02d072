/**
 * `shakedown diff A B` through the built CLI (npm run build first): exit codes 0 / 1 / 2,
 * the three formats, refusals and --force, `last` from an output folder.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../src/config/load.js";
import type { SuiteInput } from "../../src/config/schema.js";
import type { DiffResult } from "../../src/compare/index.js";
import { executeRun } from "../../src/run/executor.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const root = tempDir("shakedown-cli-diff-");

function suite(dir: string, sim: Record<string, unknown>, turns = 4, name = "cli-diff"): ReturnType<typeof validateSuiteObject> {
  const input: SuiteInput = {
    name,
    target: { sim: { seed: 3, ...sim } },
    scenarios: [{ kind: "conversation", turns, iterations: 4, max_tokens: 16, temperature: 0 } as never],
    output: { dir },
  };
  return validateSuiteObject(input, "cli diff suite");
}

let fast = "";
let slow = "";
let other = "";
const slowOut = join(root, "slow-only");

beforeAll(async () => {
  mkdirSync(slowOut, { recursive: true });
  // The run of another workload first: it warms the process up (JIT, sockets), whose first
  // requests are otherwise slower by tens of ms. Then fast (TTFT ≈ 1 ms of simulated time)
  // against default at time scale 3 (≈ 80 ms): far beyond any noise of this machine.
  other = (await executeRun(suite(join(root, "runs"), { profile: "fast" }, 3))).dir;
  const [a, b] = await Promise.all([executeRun(suite(join(root, "runs"), { profile: "fast" })), executeRun(suite(slowOut, { profile: "default", time_scale: 3 }))]);
  fast = a.dir;
  slow = b.dir;
}, 60_000);

describe("shakedown diff", () => {
  it("exits 1 when a --fail-on bound is breached beyond noise (the built binary)", async () => {
    const r = await runCli(["diff", fast, slow, "--fail-on", "ttft.p50 > +10%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("shakedown diff: B against A");
    expect(r.stdout).toMatch(/^ttft\.p50 .* slower /m);
    expect(r.stdout).toContain("FAIL: ttft.p50 > +10% (conversation): relative change +");
    expect(r.stdout).toContain('Note: different simulators: profile "fast" → "default", time_scale (default) → 3');
    expect(r.stderr).toBe("");
  });

  it("exits 0 when nothing is breached, and with no bound at all", async () => {
    const same = await runCliInProcess(["diff", fast, fast, "--fail-on", "ttft.p50 > +10%", "--fail-on", "e2e.p90 > 50ms"]);
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^ttft\.p50 .* no difference beyond noise /m);
    expect(same.stdout).toContain("No --fail-on bound breached.");
    const noBound = await runCliInProcess(["diff", fast, slow]);
    expect(noBound.code).toBe(0);
  });

  it("prints JSON (the DiffResult) and Markdown", async () => {
    const json = await runCliInProcess(["diff", fast, slow, "--format", "json", "--alpha", "0.01", "--seed", "5"]);
    expect(json.code).toBe(0);
    const d = JSON.parse(json.stdout) as DiffResult;
    expect(d).toMatchObject({ schemaVersion: 1, alpha: 0.01, seed: 5, comparable: true, failed: false });
    expect(d.scenarios[0]!.figures.find((f) => f.figure === "ttft.p50")!.word).toBe("slower");
    const md = await runCliInProcess(["diff", fast, slow, "--format", "md"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# shakedown diff: B against A/);
    expect(md.stdout).toContain("| `ttft.p50` |");
  });

  it("refuses runs of different workloads (exit 2), compares them with --force", async () => {
    const refused = await runCliInProcess(["diff", fast, other, "--fail-on", "ttft.p50 > +10%"]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toContain("the runs are not comparable:");
    expect(refused.stderr).toContain('scenario "conversation" ran a different workload: turns 4 in A, 3 in B');
    expect(refused.stderr).toContain("--force");
    const json = await runCliInProcess(["diff", fast, other, "--format", "json"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ refused: true, comparable: false });
    const forced = await runCliInProcess(["diff", fast, other, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("NOT COMPARABLE, compared because forced:");
    expect(forced.stdout).toContain("unpaired: the runs' requests differ (4 only in A, 0 only in B)");
  });

  it("takes last from an output folder", async () => {
    const r = await runCliInProcess(["diff", fast, "last", "--out", slowOut, "--fail-on", "ttft.p50 > +10%"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(slow.split("/").pop()!);
  });

  it("exits 2 on usage errors and folders that are not runs", async () => {
    const notRun = join(root, "not-a-run");
    mkdirSync(notRun, { recursive: true });
    const cases: [string[], RegExp][] = [
      [["diff", fast, notRun], /not a shakedown run folder/],
      [["diff", fast, slow, "--fail-on", "ttft.p50 is slow"], /--fail-on "ttft.p50 is slow": expected a bound on the change B vs A/],
      [["diff", fast, slow, "--fail-on", "nothing.p50 > +1%"], /no figure "nothing.p50" in both runs/],
      [["diff", fast, slow, "--alpha", "2"], /alpha must be a number between 0 and 0.5/],
      [["diff", fast, slow, "--format", "xml"], /argument 'xml' is invalid/],
      [["diff", fast], /missing required argument 'b'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCliInProcess(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
