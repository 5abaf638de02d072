/**
 * Issue 16: the remediation hook. A command that fails is recorded like one that succeeds (exit
 * code, output tail); one that overruns its timeout is killed; never two at once; a cool-down
 * and a daily maximum; the recovery after a run is measured.
 */
import { describe, expect, it } from "vitest";
import { Remediator, runCommand, type RemediationRecord } from "../../../src/watch/remediation.js";

describe("runCommand", () => {
  it("keeps the exit code and the tail of the output", async () => {
    const r = await runCommand(`printf 'restarting vllm\\n'; echo 'oops' >&2; exit 3`, 5000, process.env);
    expect(r).toMatchObject({ exitCode: 3, signal: null, timedOut: false });
    expect(r.output).toBe("restarting vllm\noops\n");
    const long = await runCommand(`i=0; while [ $i -lt 3000 ]; do echo "line $i"; i=$((i+1)); done`, 5000, process.env);
    expect(long.output.length).toBe(4000);
    expect(long.output.endsWith("line 2999\n")).toBe(true);
  });

  it("kills a command (and its children) that overruns its timeout", async () => {
    const r = await runCommand("sleep 30 & sleep 30; echo never", 150, process.env);
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGTERM");
    expect(r.output).toBe("");
  });
});

describe("Remediator", () => {
  const cfg = { command: "echo restarted; exit ${CODE:-0}", on: ["slow"], cooldownMs: 60_000, maxPerDay: 2, timeoutMs: 5_000 };

  function make(now: { t: number }, env: NodeJS.ProcessEnv = {}) {
    const records: RemediationRecord[] = [];
    const logs: string[] = [];
    const r = new Remediator(cfg, { onRecord: (x) => records.push(x), onLog: (m) => logs.push(m), now: () => now.t, env, redact: (t) => t.replace(/restarted/g, "[R]") });
    return { r, records, logs };
  }

  it("runs on a named alert only, never two at once, then records the run and the recovery after it", async () => {
    const now = { t: 1_000_000 };
    const { r, records, logs } = make(now);
    expect(r.consider(["other"], 1)).toBe("none");
    expect(r.consider(["slow", "other"], 1)).toBe("started");
    expect(r.consider(["slow"], 2)).toBe("running");
    expect(await r.wait(5000)).toBe(true);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ event: "run", cycle: 1, why: ["slow"], command: cfg.command, exitCode: 0, timedOut: false, outputTail: "[R]\n" });
    expect(logs.some((l) => /exited with code 0/.test(l))).toBe(true);
    // A cycle that started before the command ended does not count; nor does an unhealthy one.
    const ended = now.t;
    expect(r.observeCycle(3, ended - 10, ended + 100, true)).toBeUndefined();
    expect(r.observeCycle(4, ended + 200, ended + 300, false)).toBeUndefined();
    expect(r.observeCycle(5, ended + 400, ended + 900, true)).toBe(900);
    expect(records[1]).toMatchObject({ event: "recovered", cycle: 5, recoveryMs: 900 });
    expect(r.snapshot().awaiting).toBeUndefined();
  });

  it("records a failing command, and honours the cool-down and the daily maximum (said once each)", async () => {
    const now = { t: 5_000_000 };
    const { r, records } = make(now, { CODE: "7" });
    expect(r.consider(["slow"], 1)).toBe("started");
    await r.wait(5000);
    expect(records[0]).toMatchObject({ event: "run", exitCode: 7 });
    now.t += 30_000;
    expect(r.consider(["slow"], 2)).toBe("cooldown");
    expect(r.consider(["slow"], 3)).toBe("cooldown");
    expect(records.filter((x) => x.event === "skipped")).toHaveLength(1);
    now.t += 31_000;
    expect(r.consider(["slow"], 4)).toBe("started");
    await r.wait(5000);
    // The run before it never saw a healthy cycle: said when the next one starts.
    expect(records.some((x) => x.event === "not_recovered" && x.cycle === 4)).toBe(true);
    now.t += 120_000;
    expect(r.consider(["slow"], 5)).toBe("max_per_day");
    expect(records.at(-1)).toMatchObject({ event: "skipped", reason: "max_per_day" });
    now.t += 86_400_000;
    expect(r.consider(["slow"], 6)).toBe("started");
    await r.wait(5000);
    // The state survives a restart of the watch.
    const again = new Remediator(cfg, { onRecord: () => undefined, onLog: () => undefined, now: () => now.t + 1000 }, r.snapshot());
    expect(again.consider(["slow"], 7)).toBe("cooldown");
  });

  it("records a command that cannot start", async () => {
    const records: RemediationRecord[] = [];
    const r = new Remediator({ ...cfg, command: "x" }, { onRecord: (x) => records.push(x), onLog: () => undefined, shell: "/nonexistent/shell" });
    r.consider(["slow"], 1);
    await r.wait(5000);
    expect(records[0]).toMatchObject({ event: "run", exitCode: null, error: "ENOENT" });
  });
});
