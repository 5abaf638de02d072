/**
 * The simulator's soak knobs over HTTP: the silent answer change, /gpu/metrics (the fake
 * GPU's DCGM-exporter text), the process metrics on /metrics, and the slowdown reaching the
 * engine through the options.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseMetricsText, type ParsedMetrics } from "../../../src/monitor/parse.js";
import { loadAnswerBank } from "../../../src/sim/answers.js";
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from "../../../src/sim/index.js";
import { engineTiming, headersFor, postChat, startObservedSimulator, streamChat, userTurn, type ObservedSimulator } from "./helpers.js";

const running: (RunningSimulator | ObservedSimulator)[] = [];
async function start(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ profile: "fast", ...options });
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const canary = { messages: [userTurn("Describe the capital of France in two sentences.")], temperature: 0, seed: 1234, max_tokens: 48 };
const origin = (sim: RunningSimulator): string => `http://127.0.0.1:${sim.port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scrape(url: string, apiKey?: string): Promise<ParsedMetrics> {
  const res = await fetch(url, { headers: headersFor(apiKey) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
  const parsed = parseMetricsText(await res.text());
  expect(parsed.invalidLines).toBe(0);
  return parsed;
}
const value = (m: ParsedMetrics, name: string): number => {
  const s = m.samples.get(name);
  expect(s, name).toHaveLength(1);
  return s?.[0]?.value ?? NaN;
};

describe("answer change after N chat requests", () => {
  it("same prompt, temperature 0 and seed: identical up to request N, different from N + 1, streamed or not", async () => {
    const sim = await start({ answerChangeAfter: 3 });
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) answers.push((await postChat(sim.baseUrl, canary)).json.choices[0]?.message.content ?? "");
    expect(new Set(answers).size).toBe(1);
    // The same answer as a simulator without the knob: before the change, nothing differs.
    const plain = await start({});
    expect((await postChat(plain.baseUrl, canary)).json.choices[0]?.message.content).toBe(answers[0]);

    const after: string[] = [];
    after.push((await postChat(sim.baseUrl, canary)).json.choices[0]?.message.content ?? "");
    after.push((await streamChat(sim.baseUrl, canary)).content);
    after.push((await postChat(sim.baseUrl, canary)).json.choices[0]?.message.content ?? "");
    expect(after[0]).not.toBe(answers[0]);
    expect(new Set(after).size).toBe(1); // changed, and stable again after the change
    expect(sim.stats().changedAnswers).toBe(3);
    expect(sim.stats().requests).toBe(6);
  });

  it("counts requests as failRate does (failures included), and changes the scripted reasoning answers too", async () => {
    const entry = loadAnswerBank().answers.find((e) => e.variants.length > 1)!;
    const task = { messages: [userTurn(`Please solve this. ${entry.match}`)], temperature: 0, seed: 1 };
    const ref = await start({ timeScale: 0.05 }); // scripted answers are long: pace them fast
    const sim = await start({ timeScale: 0.05, answerChangeAfter: 2, failRate: 0.5 });
    // Requests 1 (ok) and 2 (injected failure) come before the change; 3 (ok) and 4 (failure) after it.
    const first = await postChat(sim.baseUrl, task);
    expect(first.status).toBe(200);
    expect((await postChat(sim.baseUrl, task)).status).toBe(500);
    const third = await postChat(sim.baseUrl, task);
    expect(third.status).toBe(200);
    // The reference simulator serves the task's variants 0, 1, … in turn; the changed one is one variant ahead.
    const r1 = (await postChat(ref.baseUrl, task)).json.choices[0]?.message;
    const r2 = (await postChat(ref.baseUrl, task)).json.choices[0]?.message;
    const r3 = (await postChat(ref.baseUrl, task)).json.choices[0]?.message;
    expect(first.json.choices[0]?.message.content).toBe(r1?.content);
    // sim's 2nd scripted answer (its 3rd request) is variant 1 + 1 = 2: the reference's 3rd.
    expect(third.json.choices[0]?.message.content).toBe(entry.variants.length > 2 ? r3?.content : r1?.content);
    expect(third.json.choices[0]?.message.content).not.toBe(r2?.content);
  });
});

describe("/gpu/metrics: the fake GPU", () => {
  it("is DCGM-exporter text: the real field names, types and labels, parsed by the monitor's parser", async () => {
    const sim = await start({ fakeGpu: true });
    expect(sim.gpuMetricsUrl).toBe(`${origin(sim)}/gpu/metrics`);
    const m = await scrape(sim.gpuMetricsUrl!);
    const gauges = [
      "DCGM_FI_DEV_GPU_UTIL",
      "DCGM_FI_DEV_MEM_COPY_UTIL",
      "DCGM_FI_DEV_FB_USED",
      "DCGM_FI_DEV_FB_FREE",
      "DCGM_FI_DEV_POWER_USAGE",
      "DCGM_FI_DEV_GPU_TEMP",
      "DCGM_FI_DEV_SM_CLOCK",
      "DCGM_FI_DEV_MEM_CLOCK",
      "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
    ];
    for (const g of gauges) expect(m.types.get(g), g).toBe("gauge");
    expect(m.types.get("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")).toBe("counter");
    const labels = m.samples.get("DCGM_FI_DEV_GPU_UTIL")?.[0]?.labels ?? {};
    expect(labels.gpu).toBe("0");
    expect(labels.UUID).toMatch(/^GPU-[0-9a-f-]{36}$/);
    expect(labels.device).toBe("nvidia0");
    expect(labels.modelName).toBe("shakedown-sim simulated GPU");
    expect(labels.Hostname?.length).toBeGreaterThan(0);
    for (const name of [...gauges, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"]) expect(m.samples.get(name)?.[0]?.labels).toEqual(labels);
    expect(value(m, "DCGM_FI_DEV_FB_USED") + value(m, "DCGM_FI_DEV_FB_FREE")).toBe(81_920);
  });

  it("util goes up under load (with power and SM clock); the energy counter never decreases", async () => {
    // 8 ms steps: 4 streams of 60 tokens keep the engine busy for ~0.5 s.
    const sim = await start({ fakeGpu: true, decodeStepMs: 8 });
    const url = sim.gpuMetricsUrl!;
    await sleep(50);
    const idle = await scrape(url);
    expect(value(idle, "DCGM_FI_DEV_GPU_UTIL")).toBe(0);
    expect(value(idle, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS")).toBe(1);
    const energies = [value(idle, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION")];

    const load = Promise.all(
      [0, 1, 2, 3].map((i) => streamChat(sim.baseUrl, { messages: [userTurn(`load ${i}`)], max_tokens: 60, ignore_eos: true })),
    );
    let busiest = 0;
    let busy: ParsedMetrics | undefined;
    for (let i = 0; i < 6; i++) {
      await sleep(60);
      const m = await scrape(url);
      energies.push(value(m, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"));
      if (value(m, "DCGM_FI_DEV_GPU_UTIL") > busiest) [busiest, busy] = [value(m, "DCGM_FI_DEV_GPU_UTIL"), m];
    }
    await load;
    expect(busiest).toBeGreaterThanOrEqual(15);
    expect(value(busy!, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS")).toBe(0);
    expect(value(busy!, "DCGM_FI_DEV_POWER_USAGE")).toBeGreaterThan(value(idle, "DCGM_FI_DEV_POWER_USAGE"));
    expect(value(busy!, "DCGM_FI_DEV_SM_CLOCK")).toBeGreaterThan(value(idle, "DCGM_FI_DEV_SM_CLOCK"));
    const after = await scrape(url);
    energies.push(value(after, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"));
    for (let i = 1; i < energies.length; i++) expect(energies[i]).toBeGreaterThanOrEqual(energies[i - 1]!);
    expect(energies.at(-1)).toBeGreaterThan(energies[0]!);
  });

  it("is 404 when fakeGpu is off, and needs the API key like /metrics when the simulator has one", async () => {
    const off = await start({});
    expect(off.gpuMetricsUrl).toBeUndefined();
    expect((await fetch(`${origin(off)}/gpu/metrics`)).status).toBe(404);

    const keyed = await start({ fakeGpu: true, apiKey: "sk-gpu" });
    const url = `${origin(keyed)}/gpu/metrics`;
    const denied = await fetch(url);
    expect(denied.status).toBe(401);
    expect((await fetch(url, { headers: headersFor("sk-wrong") })).status).toBe(401);
    await scrape(url, "sk-gpu");
    expect((await fetch(url, { method: "POST", headers: headersFor("sk-gpu") })).status).toBe(405);
  });
});

describe("/metrics: process metrics", () => {
  it("serves process_start_time_seconds and the simulated process_resident_memory_bytes, read by the monitor's parser", async () => {
    const before = Date.now() / 1000;
    const sim = await start({ leakMbPerHour: 3_600_000 }); // 1000 MiB a second: visible in a test
    const m1 = await scrape(`${origin(sim)}/metrics`);
    const startTime = value(m1, "process_start_time_seconds");
    expect(startTime).toBeGreaterThanOrEqual(before - 1);
    expect(startTime).toBeLessThanOrEqual(Date.now() / 1000);
    await sleep(100);
    const m2 = await scrape(`${origin(sim)}/metrics`);
    const grown = value(m2, "process_resident_memory_bytes") - value(m1, "process_resident_memory_bytes");
    expect(grown).toBeGreaterThanOrEqual(90 * 1024 * 1024); // ≥ 90 ms × 1000 MiB/s
    expect(value(m2, "process_resident_memory_bytes")).toBeGreaterThan(1.5 * 1024 ** 3);
    expect(value(m2, "process_start_time_seconds")).toBe(startTime);
  });
});

describe("slowdown with uptime over HTTP", () => {
  it("a later request is slower than an early one (the engine's own timeline)", async () => {
    // 36,000 per hour = +10 per second of uptime.
    const sim = await startObservedSimulator({ profile: "fast", decodeStepMs: 2, slowdownPerHour: 36_000 });
    running.push(sim);
    const req = { messages: [userTurn("slow down")], max_tokens: 10, ignore_eos: true };
    await streamChat(sim.baseUrl, req);
    await sleep(400);
    await streamChat(sim.baseUrl, req);
    const [early, late] = sim.sequences.map((r) => engineTiming(r));
    expect(late!.decodeTps).toBeLessThan(early!.decodeTps / 1.5);
    expect(late!.ttftMs).toBeGreaterThan(early!.ttftMs * 1.5);
  });
});
