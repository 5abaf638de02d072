import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterEach, describe, expect, it } from "vitest";
import type { GpuMonitorConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/errors.js";
import { startGpuSampler, summarizeGpu, type GpuSample, type GpuSamplerOptions, type RunningGpuSampler } from "../../../src/monitor/gpu/index.js";
import { readJsonl } from "../../../src/store/files.js";
import { tempDir } from "../../helpers/tmp.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");
const BIN_DIR = join(FIXTURES, "bin");
const FAKE = join(BIN_DIR, "nvidia-smi");
const dir = tempDir("shakedown-gpu-");
let fileNo = 0;
const timeline = () => join(dir, `gpu-metrics-${++fileNo}.jsonl`);

const running: RunningGpuSampler[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** Polls `cond` every 20 ms; fails after `timeoutMs` (generous: the machine may be busy). */
async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function config(c: Partial<GpuMonitorConfig> & { source: GpuMonitorConfig["source"] }): GpuMonitorConfig {
  return { interval_ms: 50, ...c } as GpuMonitorConfig;
}

async function start(o: Partial<GpuSamplerOptions> & { config: GpuMonitorConfig }, warnings: string[] = []): Promise<RunningGpuSampler> {
  const s = await startGpuSampler({ timelinePath: timeline(), onWarning: (m) => warnings.push(m), ...o });
  running.push(s);
  return s;
}

const fakeEnv = (vars: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...process.env, ...vars });

async function startError(o: Partial<GpuSamplerOptions> & { config: GpuMonitorConfig }): Promise<ConfigError> {
  try {
    await start(o);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const onDisk = (path: string) => readJsonl<GpuSample>(path).items;

describe("nvidia-smi source (fake nvidia-smi replaying a real H200 recording)", () => {
  it("samples two GPUs with every field, on disk as they come, on the process's clock", async () => {
    const path = timeline();
    const before = performance.now();
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GPUS: "2" }), timelinePath: path });
    expect(s.source).toBe("nvidia-smi");
    expect(s.gpus).toEqual([
      { index: 0, name: "NVIDIA H200", uuid: "GPU-ddd5b77b-ef07-a460-836d-b901490614f1", memoryTotalMiB: 143771 },
      { index: 1, name: "NVIDIA H200", uuid: "GPU-ddd5b77b-ef07-a460-836d-b901490614f1".replace(/.$/, "1"), memoryTotalMiB: 143771 },
    ]);
    expect(s.fields).toContain("clocks_event_reasons.active");
    expect(s.fields).toContain("total_energy_consumption");
    await waitFor(() => s.samples.length >= 20, "20 samples");
    // on disk while running (the writer flushes within a fraction of a second)
    await waitFor(() => onDisk(path).length >= 10, "samples on disk");
    await s.stop();
    const after = performance.now();
    const mem = s.samples;
    expect(new Set(mem.map((x) => x.gpu))).toEqual(new Set([0, 1]));
    for (const x of mem) {
      expect(x.t).toBeGreaterThanOrEqual(before - 1);
      expect(x.t).toBeLessThanOrEqual(after);
      expect(x.powerW).toBeGreaterThan(0);
      expect(x.energyJ).toBeGreaterThan(100_000_000);
      expect(Array.isArray(x.throttleReasons)).toBe(true);
      expect(x.memoryTotalMiB).toBe(143771);
    }
    expect(onDisk(path)).toEqual(mem);
    expect(s.stats).toMatchObject({ samples: mem.length, failures: 0, restarts: 0, gaveUp: false });
    const n = mem.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(s.samples.length).toBe(n); // stopped means stopped

    const summary = summarizeGpu(mem, before, after)!;
    expect(summary.total.gpuCount).toBe(2);
    expect(summary.gpus[0]!.energy?.energySource).toBe("counter");
  });

  it("finds nvidia-smi on PATH", async () => {
    const s = await start({ config: config({ source: "nvidia-smi" }), env: fakeEnv({ PATH: `${BIN_DIR}:${process.env.PATH ?? ""}` }) });
    await waitFor(() => s.samples.length >= 2, "2 samples");
    expect(s.gpus.map((g) => g.index)).toEqual([0]);
  });

  it("drops optional fields the driver refuses (as the real nvidia-smi refuses the whole query)", async () => {
    const log = join(dir, "fake-log-1.txt");
    const warnings: string[] = [];
    const s = await start(
      {
        config: config({ source: "nvidia-smi" }),
        binary: FAKE,
        env: fakeEnv({ FAKE_NVSMI_UNSUPPORTED: "clocks_event_reasons.active,total_energy_consumption", FAKE_NVSMI_LOG: log }),
      },
      warnings,
    );
    expect(s.fields).toContain("clocks_throttle_reasons.active");
    expect(s.fields).not.toContain("clocks_event_reasons.active");
    expect(s.fields).not.toContain("total_energy_consumption");
    await waitFor(() => s.samples.length >= 3, "3 samples");
    expect(s.samples[0]!.energyJ).toBeUndefined();
    expect(s.samples[0]!.throttleReasons).toBeDefined();
    expect(warnings).toEqual([]); // optional fields: expected on older drivers
    const starts = readFileSync(log, "utf8").trim().split("\n");
    expect(starts.filter((l) => l.startsWith("probe"))).toHaveLength(3);
    expect(starts.filter((l) => l.startsWith("loop"))).toHaveLength(1);
  });

  it("leaves [N/A] and [Not Supported] values out of the samples and the file", async () => {
    const path = timeline();
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GPUS: "2", FAKE_NVSMI_NA: "1" }), timelinePath: path });
    await waitFor(() => s.samples.filter((x) => x.gpu === 1).length >= 3, "3 samples of GPU 1");
    await s.stop();
    for (const x of onDisk(path).filter((x) => x.gpu === 1)) {
      expect(x).not.toHaveProperty("powerW");
      expect(x).not.toHaveProperty("memoryUtilization");
      expect(x).not.toHaveProperty("pstate");
      expect(x).not.toHaveProperty("throttleReasons");
      expect(x.temperatureC).toBeGreaterThan(0);
    }
    const gpu0 = s.samples.find((x) => x.gpu === 0)!;
    expect(gpu0.powerW).toBeGreaterThan(0);
    expect(gpu0.pstate).toBe("P0");
  });

  it("keeps only the GPUs asked for, and refuses a GPU that does not exist", async () => {
    const s = await start({ config: config({ source: "nvidia-smi", gpus: [1] }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GPUS: "2" }) });
    await waitFor(() => s.samples.length >= 4, "4 samples");
    expect(new Set(s.samples.map((x) => x.gpu))).toEqual(new Set([1]));
    expect(s.gpus.map((g) => g.index)).toEqual([1]);
    const err = await startError({ config: config({ source: "nvidia-smi", gpus: [0, 5] }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GPUS: "2" }) });
    expect(err.message).toMatch(/monitor\.gpu\.gpus names GPU 5, but the source reports GPU 0, 1/);
  });

  it("a missing nvidia-smi is a ConfigError before the run", async () => {
    const err = await startError({ config: config({ source: "nvidia-smi" }), binary: join(dir, "no-such-nvidia-smi") });
    expect(err.code).toBe("SHAKEDOWN_GPU_MONITOR");
    expect(err.message).toMatch(/no-such-nvidia-smi not found/);
    const onPath = await startError({ config: config({ source: "nvidia-smi" }), env: fakeEnv({ PATH: join(dir, "empty-bin") }) });
    expect(onPath.message).toMatch(/nvidia-smi not found on PATH.*source: command with ssh, or source: dcgm/);
  });

  it("a failing driver is a ConfigError that quotes nvidia-smi", async () => {
    const err = await startError({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_FAIL: "1" }) });
    expect(err.message).toMatch(/nvidia-smi exited with code 9: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/);
  });

  it("a GPU fallen off the bus: the probe fails, but the other GPUs are sampled, with warnings", async () => {
    const warnings: string[] = [];
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GPUS: "2", FAKE_NVSMI_LOST: "1" }) }, warnings);
    expect(s.gpus.map((g) => g.index)).toEqual([0]);
    await waitFor(() => s.samples.length >= 3 && warnings.length >= 2, "samples of GPU 0 and a warning per lost line");
    expect(warnings[0]).toMatch(/^nvidia-smi exited with code 15 but listed GPU 0 \("Unable to determine the device handle for GPU0000:00:07.0: Unknown Error"\); sampling those$/);
    expect(warnings[1]).toMatch(/^unreadable line from nvidia-smi \(expected 16 values, got 1: "Unable to determine the device handle/);
  });

  it("dying mid-run: warnings, bounded restarts with backoff, samples kept on disk", async () => {
    const path = timeline();
    const warnings: string[] = [];
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_DIE_AFTER: "5" }), timelinePath: path }, warnings);
    await waitFor(() => s.stats.gaveUp, "the sampler to give up", 30_000);
    expect(s.stats.restarts).toBe(3);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(
      /^nvidia-smi exited with code 1 \("Unable to determine the device handle for GPU0000:00:06.0: Unknown Error"\) after 5 samples; restarting it in 500 ms \(restart 1 of 3\)/,
    );
    expect(warnings[1]).toMatch(/restarting it in 1 s \(restart 2 of 3\)/);
    expect(warnings[2]).toMatch(/restarting it in 2 s \(restart 3 of 3\)/);
    expect(warnings[3]).toMatch(/stopped 4 times in a row, giving up: no more GPU samples in this run \(20 kept\)/);
    expect(s.samples).toHaveLength(20);
    await s.stop();
    expect(onDisk(path)).toHaveLength(20);
  });

  it("garbage lines are warnings (the first few), counted, and sampling goes on", async () => {
    const warnings: string[] = [];
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_GARBAGE_EVERY: "3" }) }, warnings);
    await waitFor(() => s.stats.failures >= 5 && s.samples.length >= 10, "garbage and samples");
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^unreadable line from nvidia-smi \(expected 16 values, got 1: "@@ this is not a GPU line @@"\)$/);
    expect(warnings[2]).toMatch(/further unreadable lines are counted, not shown/);
  });

  it("places lines that arrive in bursts (a pipe not flushed per line) back at their own instants", async () => {
    const s = await start({ config: config({ source: "nvidia-smi", interval_ms: 100 }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_BURST: "4" }) });
    await waitFor(() => s.samples.length >= 12, "3 bursts");
    const ts = s.samples.map((x) => x.t).sort((a, b) => a - b);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!).sort((a, b) => a - b);
    // read at arrival, 3 of every 4 gaps would be ~0 ms; placed by their timestamps, they are ~100 ms
    expect(gaps[Math.floor(gaps.length / 2)]!).toBeGreaterThan(50);
  });

  it("stop() ends a child that ignores SIGTERM (SIGKILL after the grace), in bounded time", async () => {
    const s = await start({ config: config({ source: "nvidia-smi" }), binary: FAKE, env: fakeEnv({ FAKE_NVSMI_IGNORE_TERM: "1" }) });
    await waitFor(() => s.samples.length >= 2, "2 samples");
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeLessThan(10_000);
    const n = s.samples.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(s.samples.length).toBe(n);
    await s.stop(); // idempotent
  });
});

describe("command source (the fake nvidia-smi through /bin/sh)", () => {
  const template = `node ${FAKE} --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}`;

  it("runs the command line with {fields} and {interval_ms} replaced", async () => {
    const log = join(dir, "fake-log-2.txt");
    const s = await start({ config: config({ source: "command", command: template, interval_ms: 60 }), env: fakeEnv({ FAKE_NVSMI_GPUS: "2", FAKE_NVSMI_LOG: log }) });
    expect(s.source).toBe("command");
    expect(s.gpus.map((g) => g.index)).toEqual([0, 1]);
    await waitFor(() => s.samples.length >= 6, "6 samples");
    expect(readFileSync(log, "utf8")).toMatch(/^loop timestamp,index,uuid,name,.*,clocks_event_reasons\.active,total_energy_consumption\n$/);
    expect(s.samples.every((x) => x.energyJ !== undefined && x.name === "NVIDIA H200")).toBe(true);
  });

  it("starts the command again without an optional field it refuses", async () => {
    const warnings: string[] = [];
    const s = await start({ config: config({ source: "command", command: template }), env: fakeEnv({ FAKE_NVSMI_UNSUPPORTED: "total_energy_consumption" }) }, warnings);
    expect(s.fields).not.toContain("total_energy_consumption");
    await waitFor(() => s.samples.length >= 2, "2 samples");
    expect(warnings).toEqual([]);
  });

  it("a command that is not found is a ConfigError (exit 127 at once)", async () => {
    const err = await startError({ config: config({ source: "command", command: "no-such-gpu-tool-xyz --query-gpu={fields} -lms {interval_ms}" }), env: fakeEnv() });
    expect(err.message).toMatch(/monitor\.gpu\.command: the shell could not find the program \(".*no-such-gpu-tool-xyz.*not found"\)/);
  });

  it("refuses a template without {fields}, and a command that prints once and exits", async () => {
    const noFields = await startError({ config: config({ source: "command", command: "nvidia-smi -lms 1000" }), env: fakeEnv() });
    expect(noFields.message).toMatch(/must contain \{fields\}/);
    const once = await startError({ config: config({ source: "command", command: `node ${FAKE} --query-gpu={fields} --format=csv,noheader,nounits` }), env: fakeEnv() });
    expect(once.message).toMatch(/exited with code 0 right after its first GPU lines; it must keep printing/);
  });

  it("a command that dies later is a warning and is restarted", async () => {
    const warnings: string[] = [];
    const s = await start({ config: config({ source: "command", command: template }), env: fakeEnv({ FAKE_NVSMI_DIE_AFTER: "3" }) }, warnings);
    await waitFor(() => s.stats.restarts >= 1 && s.samples.length >= 6, "a restart and more samples");
    expect(warnings[0]).toMatch(/^monitor\.gpu\.command exited with code 1 .*after 3 samples; restarting it in 500 ms \(restart 1 of 3\)/);
  });
});

describe("dcgm source (a local server with the documented exporter page)", () => {
  const page = readFileSync(join(FIXTURES, "dcgm", "dcgm-exporter-h200x2.txt"), "utf8");
  let scrapes = 0;
  let failing = false;

  /** The fixture with GPU 0's memory growing by 10 MiB and its energy by 500 J per scrape. */
  function changing(): string {
    const k = scrapes++;
    return page
      .replace(/^(DCGM_FI_DEV_FB_USED\{gpu="0"[^}]*\}) (\d+)$/m, (_, head: string, v: string) => `${head} ${Number(v) + 10 * k}`)
      .replace(/^(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\{gpu="0"[^}]*\}) (\d+)$/m, (_, head: string, v: string) => `${head} ${Number(v) + 500_000 * k}`);
  }

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    const close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    return { url, server, close };
  }

  const exporter = (req: IncomingMessage, res: ServerResponse) => {
    if (failing) {
      res.writeHead(503).end("busy");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(changing());
  };

  it("polls the exporter and maps its fields; energy from the counter", async () => {
    scrapes = 0;
    failing = false;
    const { url, close } = await serve(exporter);
    try {
      const path = timeline();
      const s = await start({ config: config({ source: "dcgm", url }), timelinePath: path });
      expect(s.source).toBe("dcgm");
      expect(s.fields).toEqual([]);
      expect(s.gpus).toEqual([
        { index: 0, name: "NVIDIA H200", uuid: "GPU-ddd5b77b-ef07-a460-836d-b901490614f1", memoryTotalMiB: 143771 },
        { index: 1, name: "NVIDIA H200", uuid: "GPU-5a3c9e12-7b41-08d2-c6f4-1e2d3c4b5a69", memoryTotalMiB: 143771 },
      ]);
      await waitFor(() => s.samples.filter((x) => x.gpu === 0).length >= 6, "6 scrapes");
      await s.stop();
      const gpu0 = s.samples.filter((x) => x.gpu === 0);
      expect(gpu0[0]).toMatchObject({ utilization: 100, powerW: 688.421, memoryUsedMiB: 20085, throttleReasons: ["sw_power_cap"], temperatureC: 55 });
      expect(gpu0[5]!.memoryUsedMiB).toBe(20085 + 50);
      const gpu1 = s.samples.find((x) => x.gpu === 1)!;
      expect(gpu1).toMatchObject({ utilization: 0, powerW: 77.218, throttleReasons: ["gpu_idle"] });
      // both GPUs of a scrape share its instant
      expect(s.samples[0]!.t).toBe(s.samples[1]!.t);
      expect(onDisk(path)).toEqual(s.samples);
      const sum = summarizeGpu(s.samples, 0, performance.now())!;
      expect(sum.gpus[0]!.energy).toMatchObject({ energySource: "counter", joules: 500 * (gpu0.length - 1) });
      expect(sum.gpus[0]!.memoryUsedMiB!.slope!.mibPerHour).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it("an unreachable exporter, or a page that is not one, is a ConfigError", async () => {
    const { url, close } = await serve(exporter);
    await close();
    const refused = await startError({ config: config({ source: "dcgm", url }) });
    expect(refused.message).toMatch(/cannot read the DCGM exporter at monitor\.gpu\.url: connection refused by 127\.0\.0\.1:\d+/);

    const vllm = readFileSync(join(FIXTURES, "metrics", "vllm-v1.txt"), "utf8");
    const other = await serve((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end(vllm));
    try {
      const err = await startError({ config: config({ source: "dcgm", url: other.url }) });
      expect(err.message).toMatch(/no DCGM_FI_\* metric .*is it a dcgm-exporter\?/);
    } finally {
      await other.close();
    }
  });

  it("failing mid-run is a warning; polling goes on and says when it answers again", async () => {
    scrapes = 0;
    failing = false;
    const { url, close } = await serve(exporter);
    try {
      const warnings: string[] = [];
      const s = await start({ config: config({ source: "dcgm", url }) }, warnings);
      await waitFor(() => s.samples.length >= 4, "samples");
      failing = true;
      await waitFor(() => s.stats.failures >= 3, "failed scrapes");
      const before = s.samples.length;
      failing = false;
      await waitFor(() => s.samples.length >= before + 4, "samples again");
      expect(warnings[0]).toMatch(/^DCGM exporter scrape failed \(.*answered HTTP 503\); still polling every 50 ms$/);
      expect(warnings[1]).toMatch(/^the DCGM exporter answers again after \d+ failed scrapes/);
      expect(warnings).toHaveLength(2);
    } finally {
      await close();
    }
  });

  it("sends the API key (the simulator's /gpu/metrics wants it) and never shows it", async () => {
    const key = "sk-gpu-test-5f4dcc3b5aa765d61d8327deb882cf99";
    const { url, close } = await serve((req, res) => {
      if (req.headers.authorization !== `Bearer ${key}`) return void res.writeHead(401).end("no");
      res.writeHead(200).end(page);
    });
    try {
      const s = await start({ config: config({ source: "dcgm", url }), apiKey: key });
      expect(s.samples.length).toBeGreaterThanOrEqual(2);
      const err = await startError({ config: config({ source: "dcgm", url }), apiKey: "sk-wrong-one" });
      expect(err.message).toMatch(/answered 401/);
      expect(err.message).not.toContain("sk-wrong-one");
    } finally {
      await close();
    }
  });
});
