/**
 * Issue 10: nothing leaks, nothing is lost, nothing hangs. Whole runs of the built CLI
 * against servers that misbehave on purpose (test/helpers/hostile-server.ts) and against
 * the simulator; each test is named after the defect it guards against.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { secretPattern } from "../../src/client/redact.js";
import { contentChunk, type ScriptedServer } from "../helpers/scripted-server.js";
import { ev, okStream, reply, startHostileServer } from "../helpers/hostile-server.js";
import { tempDir, runDirs } from "../helpers/tmp.js";
import { fillDisk, tinyTmpfs } from "../helpers/tmpfs.js";
import { afterTurns, BIN, runCli, runCliInProcess } from "./helpers.js";

const work = tempDir();
// The real binary (runCli, a child process) for what depends on the process: signals, a
// run's whole console output, exit codes of the binary, a spin or a hang killed at a time
// limit. Refusals and runs whose files are what is checked go through the CLI's entry point
// in this process (runCliInProcess), without a Node start and module load each.
const servers: ScriptedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function onlyRunDir(parent: string): string {
  const dirs = runDirs(parent);
  expect(dirs).toHaveLength(1);
  return join(parent, dirs[0]!);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? allFiles(join(dir, d.name)) : [join(dir, d.name)]));
}

interface Results {
  complete: boolean;
  status: string;
  interruption?: string;
  scenarios: { name: string; status: string; requests: { total: number; ok: number; failed: number; stopped?: number }; metrics: Record<string, { value?: number; n: number }>; errors: { kind: string }[] }[];
}
/** Servers listening in this process (a simulator left running by an in-process command shows here). */
const listeningServers = (): number => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;

/** Resolves to the number of listening servers once it is back to `before` (a closed server's handle goes within a few loop turns), or after 3 s. */
async function listeningServersSettled(before: number): Promise<number> {
  const deadline = performance.now() + 3000;
  while (listeningServers() !== before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return listeningServers();
}

const readResults = (dir: string): Results => JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as Results;

const conv = (turns: number, extra: string[] = []): string[] => [
  "--scenario",
  "conversation",
  "--set",
  `conversation.turns=${turns}`,
  "--set",
  "conversation.iterations=1",
  "--set",
  'conversation.thresholds=["success_rate > 95%"]',
  ...extra,
];

describe("secrets", () => {
  const KEY = "sk-proj/abc+Zx9=";
  it("the API key is in no file and on no console line when a server echoes it back escaped (JSON \\/, \\u003d, URL-encoded, HTML)", async () => {
    const jsonEscaped = (s: string) => s.replace(/\//g, "\\/").replace(/=/g, "\\u003d");
    const server = await startHostileServer({
      modelsHeaders: { server: `evil/1.0 (${encodeURIComponent(KEY)})` },
      metrics: `# HELP echo ${KEY}\n# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name="${KEY}"} 1\n`,
      chat(n, req) {
        const auth = String(req.headers.authorization ?? "");
        const key = auth.replace(/^Bearer /, "");
        switch (n) {
          case 1: // warm-up: a JSON error body that echoes the header, escaped as JSON encoders do
            return [
              { head: 500, headers: { "content-type": "application/json" } },
              { write: `{"error":{"message":"bad header Authorization: Bearer ${jsonEscaped(key)}","type":"server_error"}}` },
              { end: true },
            ];
          case 2: // an error event inside the stream, URL-encoded
            return reply.sse([contentChunk("Hello"), ev({ error: { code: 500, message: `upstream ${encodeURIComponent(key)} refused` } })]);
          case 3: // the key in the model's answer, raw and as an HTML reference
            return okStream([`Your key is ${key}`, ` or ${key.replace("=", "&#61;")}`]);
          default:
            return okStream(["Fine", " thanks."]);
        }
      },
    });
    servers.push(server);
    const out = join(work, "secrets");
    const r = await runCli(["run", ...conv(3), "--target", server.baseUrl, "--api-key-env", "SD_FAULT_KEY", "--out", out], {
      env: { SD_FAULT_KEY: KEY },
    });
    expect([0, 1]).toContain(r.code);
    const dir = onlyRunDir(out);
    const leaks = (text: string) => text.match(secretPattern(KEY)) ?? [];
    for (const f of allFiles(dir)) expect(leaks(readFileSync(f, "utf8")), f).toEqual([]);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
    // The echoes were there, and were cut out rather than lost.
    expect(readFileSync(join(dir, "records.jsonl"), "utf8")).toContain("[REDACTED]");
    expect(server.requests.some((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
  });

  it("credentials inside --target (user:password@, ?api_key=) are refused with exit 2, pointing at --api-key-env, and never echoed", async () => {
    const urls = ["http://user:S3CRET-VALUE@127.0.0.1:9/v1", "http://127.0.0.1:9/v1?api_key=S3CRET-VALUE", "user:S3CRET-VALUE@127.0.0.1:9/v1"];
    const out = join(work, "creds");
    const runs = await Promise.all(urls.map((url) => runCliInProcess(["run", "--target", url, "--out", out])));
    runs.forEach((r, i) => {
      expect(r.code, urls[i]).toBe(2);
      expect(r.stderr).toContain("--api-key-env");
      expect(r.stdout + r.stderr).not.toContain("S3CRET-VALUE");
    });
    expect(existsSync(out)).toBe(false);
  });
});

describe("stops", () => {
  it("a user's stop is not a server failure: requests cut by Ctrl-C are counted apart, the scenario is incomplete, not failed", async () => {
    const out = join(work, "user-stop");
    const r = await runCli(
      ["run", ...conv(15, ["--set", "conversation.concurrency=4"]), "--profile", "seed", "--time-scale", "0.3", "--out", out],
      {
        onStart: afterTurns(3, (child) => child.kill("SIGINT")),
      },
    );
    expect(r.code).toBe(130);
    const res = readResults(onlyRunDir(out));
    const sc = res.scenarios[0]!;
    expect(res.status).toBe("incomplete");
    expect(sc.status).toBe("incomplete");
    expect(sc.requests.stopped).toBeGreaterThanOrEqual(1);
    expect(sc.requests.failed).toBe(0);
    expect(sc.metrics.success_rate?.value).toBe(1);
    expect(sc.errors.map((e) => e.kind)).not.toContain("aborted");
    expect(r.stdout).toMatch(/cut by the stop, not counted/);
  });

  it("the target going away mid-run is noticed: the run stops, says where, and exits 3 (not 37 connection-refused errors and exit 1)", async () => {
    const out = join(work, "gone");
    const sim = spawn(process.execPath, [BIN, "sim", "--port", "0", "--profile", "seed", "--time-scale", "0.2"], { stdio: ["ignore", "pipe", "pipe"] });
    let simOut = "";
    sim.stdout.on("data", (d: Buffer) => (simOut += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = simOut.match(/http:\/\/127\.0\.0\.1:\d+\/v1/);
        if (m) {
          clearInterval(t);
          resolve(m[0]);
        }
      }, 20);
      sim.once("exit", () => reject(new Error(`sim exited: ${simOut}`)));
    });
    const r = await runCli(["run", ...conv(15), "--target", url, "--out", out, "--set", "target.metrics.scrape=off"], {
      onStart: afterTurns(3, () => sim.kill("SIGKILL")),
    });
    sim.kill("SIGKILL");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the target went away at turn \d+ of session 1 \(scenario conversation\)/);
    const res = readResults(onlyRunDir(out));
    expect(res.complete).toBe(false);
    expect(res.interruption).toMatch(/went away/);
    // It stopped: far fewer than the 15 planned turns ended in connection errors.
    expect(res.scenarios[0]!.requests.failed).toBeLessThanOrEqual(3);
  });

  it("SIGTERM during a stall, with /metrics scrapes hanging, still writes results.json and report.md within a bounded time", async () => {
    const server = await startHostileServer({
      metrics: "hang",
      chat: (n) => (n <= 2 ? okStream(["ok"]) : [...reply.sse([contentChunk("stalling")], { end: false }), { hang: true }]),
    });
    servers.push(server);
    const out = join(work, "stall");
    const started = performance.now();
    const r = await runCli(["run", ...conv(5), "--target", server.baseUrl, "--out", out, "--set", "target.metrics.scrape=auto"], {
      onStart: afterTurns(1, (child) => setTimeout(() => child.kill("SIGTERM"), 300)),
    });
    expect(r.code).toBe(130);
    expect(performance.now() - started).toBeLessThan(25_000);
    const dir = onlyRunDir(out);
    expect(existsSync(join(dir, "results.json"))).toBe(true);
    expect(existsSync(join(dir, "report.md"))).toBe(true);
    expect(readResults(dir).interruption).toContain("SIGTERM");
  });
});

describe("bad --out", () => {
  it("an unwritable --out (a file, /proc/self/x, a path under a file) exits 2 with one line before anything starts, and no simulator is left running", async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    const outs = [file, join(file, "sub"), "/proc/self/x", "/sys/kernel/shakedown-x"];
    // Recursive mkdir on /proc or /sys spins: those two go to the real binary, killed at a time
    // limit if it spins; the two others run in this process, where a server left listening shows.
    const spins = (out: string) => out.startsWith("/proc/") || out.startsWith("/sys/");
    const listening = listeningServers();
    const runs = await Promise.all(outs.map((out) => (spins(out) ? runCli(["run", ...conv(2), "--out", out], { timeoutMs: 20_000 }) : runCliInProcess(["run", ...conv(2), "--out", out]))));
    expect(await listeningServersSettled(listening)).toBe(listening);
    runs.forEach((r, i) => {
      expect(r.signal, outs[i]).toBeNull(); // not killed at the time limit: it neither spun nor hung
      expect(r.code, outs[i]).toBe(2);
      expect(r.stderr.trim().split("\n"), outs[i]).toHaveLength(1);
      expect(r.stderr).toMatch(/^shakedown: --out /);
    });
  });

  it("a read-only --out is refused with exit 2 (root passes permission bits: a real write decides)", async (ctx) => {
    const dir = join(work, "ro");
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", dir], { stdio: "pipe" });
    } catch {
      console.warn("NOTICE: cannot mount a read-only tmpfs here: the read-only --out test is skipped.");
      ctx.skip();
      return;
    }
    try {
      const r = await runCliInProcess(["run", ...conv(2), "--out", join(dir, "runs")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/read-only file system|not writable/);
    } finally {
      execFileSync("umount", [dir]);
    }
  });

  it("a failure after the target is connected (metrics required but absent) stops the simulator: the process exits at once", async () => {
    // In this process, the simulator the run started would show as a server still listening
    // after the command returned (the binary, by contrast, exits 2 s after its last word anyway).
    const listening = listeningServers();
    const r = await runCliInProcess(["run", ...conv(2), "--out", join(work, "after-connect"), "--set", "target.metrics.scrape=on", "--set", "target.metrics.url=http://127.0.0.1:1/metrics"]);
    expect(await listeningServersSettled(listening)).toBe(listening);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("disk full", () => {
  const records = tinyTmpfs(256, "a run whose records fill the disk");
  it.skipIf(records.dir === undefined)("disk full while appending records: exit 74, one line saying how many records were kept, no torn line, no temp file", async () => {
    fillDisk(records.dir!, 40 * 1024);
    const out = join(records.dir!, "runs");
    const r = await runCliInProcess(["run", ...conv(15), "--set", "conversation.iterations=3", "--set", "conversation.max_tokens=512", "--profile", "fast", "--out", out]);
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toMatch(/disk full writing \S*records\.jsonl \(ENOSPC\); \d+ records kept/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const dir = onlyRunDir(out);
    const text = readFileSync(join(dir, "records.jsonl"), "utf8");
    const kept = Number(/(\d+) records kept/.exec(r.stderr)![1]);
    expect(text.endsWith("\n") || text === "").toBe(true);
    const lines = text.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(kept);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  const results = tinyTmpfs(96, "a run whose results fill the disk");
  it.skipIf(results.dir === undefined)("disk full when writing results.json: exit 74, the summary is printed, no temp file left", async () => {
    const out = join(results.dir!, "runs");
    const r = await runCli(["run", ...conv(15), "--set", "conversation.iterations=3", "--set", "conversation.max_tokens=512", "--profile", "fast", "--out", out]);
    expect(r.code, r.stderr).toBe(74);
    expect(r.stderr).toMatch(/disk full writing \S*(records\.jsonl|results\.json|report\.md) \(ENOSPC\)/);
    expect(r.stdout).toContain("conversation:");
    expect(readdirSync(onlyRunDir(out)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("oversized responses", () => {
  it("an endless response is cut at the cap and recorded as response_too_large with what was received; the run goes on and writes its report", async () => {
    const endless = (): import("../helpers/scripted-server.js").Step[] => {
      const steps: import("../helpers/scripted-server.js").Step[] = [{ head: 200, headers: { "content-type": "text/event-stream" } }];
      for (let i = 0; i < 4000; i++) steps.push({ write: contentChunk("token ".repeat(20)) });
      steps.push({ hang: true });
      return steps;
    };
    const server = await startHostileServer({ chat: (n) => (n === 3 ? endless() : okStream(["short", " answer"])) });
    servers.push(server);
    const out = join(work, "endless");
    const r = await runCliInProcess(["run", ...conv(3), "--target", server.baseUrl, "--out", out, "--set", "target.response_limits.max_bytes=65536"]);
    expect(r.code).toBe(1); // success_rate 2/3 fails its threshold: a verdict, not a crash
    const dir = onlyRunDir(out);
    const records = readFileSync(join(dir, "records.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { result: { error?: { kind: string; message: string }; content: string } });
    const cut = records.find((x) => x.result.error?.kind === "response_too_large");
    expect(cut).toBeDefined();
    expect(cut!.result.content.length).toBeGreaterThan(10_000);
    expect(cut!.result.error!.message).toMatch(/max_bytes/);
    expect(records).toHaveLength(4); // warm-up + 3 turns: it went on after the cut
    expect(existsSync(join(dir, "report.md"))).toBe(true);
  });
});
