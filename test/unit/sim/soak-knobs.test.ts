/**
 * The simulator's soak knobs, on a ManualClock (exact and instant): slowdown with uptime,
 * the simulated leak in /metrics, the fake GPU's readings, and the answer change's planning.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { simOptionsFromKnobs } from "../../../src/run/target.js";
import { loadAnswerBank, ScriptedAnswers } from "../../../src/sim/answers.js";
import { ManualClock } from "../../../src/sim/clock.js";
import { SimEngine, type EngineConfig, type SequenceRecord } from "../../../src/sim/engine.js";
import { FAKE_GPU, FakeGpu, fakeGpuUuid } from "../../../src/sim/gpu.js";
import { SIM_BASE_RSS_BYTES, simulatedRssBytes } from "../../../src/sim/metrics.js";
import { resolveSimOptions } from "../../../src/sim/options.js";
import { planReply, type ReplyPlanInput } from "../../../src/sim/plan.js";
import { changedReply, Simulator } from "../../../src/sim/server.js";
import { loadToolAnswerBank, ScriptedToolCalls } from "../../../src/sim/tools.js";
import { parseMetricsText } from "../../../src/monitor/parse.js";

const HOUR = 3_600_000;

const BASE: EngineConfig = {
  maxNumSeqs: 8,
  maxNumBatchedTokens: 10_000,
  chunkedPrefill: true,
  prefixCaching: false,
  blockSize: 16,
  kvBlocks: 1000,
  overheadMs: 0,
  prefillMsPerToken: 0.1,
  decodeStepMs: 10,
  decodeStepMsPerSeq: 1,
  timeScale: 1,
};

let nextId = 1;
const ids = (n: number): number[] => Array.from({ length: n }, () => nextId++);

interface Tracked {
  tokens: number[];
  record: SequenceRecord | undefined;
}

function track(engine: SimEngine, promptTokens: number, outputTokens: number): Tracked {
  const t: Tracked = { tokens: [], record: undefined };
  engine.submit({ promptIds: ids(promptTokens), outputIds: ids(outputTokens) }, { onToken: (_i, at) => t.tokens.push(at), onEnd: (r) => (t.record = r) });
  return t;
}

const ttft = (t: Tracked): number => (t.tokens[0] ?? NaN) - (t.record?.arrivalMs ?? NaN);
const gaps = (t: Tracked): number[] => t.tokens.slice(1).map((at, i) => at - (t.tokens[i] ?? NaN));

describe("sim options: soak knobs", () => {
  it("default to off, validate, and map from the suite's knobs", () => {
    const o = resolveSimOptions({ profile: "fast" });
    expect(o.slowdownPerHour).toBe(0);
    expect(o.leakMbPerHour).toBe(0);
    expect(o.answerChangeAfter).toBeUndefined();
    expect(o.fakeGpu).toBe(false);
    expect(() => resolveSimOptions({ slowdownPerHour: -1 })).toThrow(ConfigError);
    expect(() => resolveSimOptions({ slowdownPerHour: -1 })).toThrow(/slowdownPerHour/);
    expect(() => resolveSimOptions({ leakMbPerHour: Number.NaN })).toThrow(/leakMbPerHour/);
    expect(() => resolveSimOptions({ answerChangeAfter: 0 })).toThrow(/answerChangeAfter/);
    expect(() => resolveSimOptions({ answerChangeAfter: 2.5 })).toThrow(/answerChangeAfter/);
    expect(() => resolveSimOptions({ fakeGpu: "yes" as unknown as boolean })).toThrow(/fakeGpu/);
    expect(simOptionsFromKnobs({ slowdown_per_hour: 30, leak_mb_per_hour: 600, answer_change_after: 20, fake_gpu: true })).toEqual({
      slowdownPerHour: 30,
      leakMbPerHour: 600,
      answerChangeAfter: 20,
      fakeGpu: true,
    });
  });
});

describe("slowdown with uptime (engine, ManualClock)", () => {
  it("after 1 simulated hour with F = 0.5, TTFT and every inter-token gap are exactly 1.5× the base", () => {
    const base = (() => {
      const clock = new ManualClock(0);
      const engine = new SimEngine({ ...BASE, slowdownPerHour: 0.5 }, clock);
      const t = track(engine, 100, 4);
      clock.runUntilIdle();
      return t;
    })();
    // At uptime 0 the factor is 1 + 0.5 × (a few ms / 1 h): the base itself, to 1e-5.
    expect(ttft(base)).toBeCloseTo(10 + 0.1 * 100, 4);

    const clock = new ManualClock(0);
    const engine = new SimEngine({ ...BASE, slowdownPerHour: 0.5 }, clock);
    clock.advance(HOUR);
    expect(engine.slowdownFactor()).toBe(1.5);
    const t = track(engine, 100, 4);
    clock.runUntilIdle();
    // overheadMs 0: the prefill step starts at exactly 1 h, so its factor is exactly 1.5.
    expect(ttft(t)).toBe(1.5 * (10 + 0.1 * 100));
    for (const g of gaps(t)) expect(g).toBeCloseTo(1.5 * 11, 3);
    for (const [i, g] of gaps(t).entries()) expect(g / (gaps(base)[i] ?? NaN)).toBeCloseTo(1.5, 4);
  });

  it("scales the overhead too, with the factor at arrival; 30 per hour = +50 % after one minute", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine({ ...BASE, overheadMs: 20, slowdownPerHour: 30 }, clock);
    clock.advance(60_000);
    expect(engine.slowdownFactor()).toBeCloseTo(1.5, 12);
    const t = track(engine, 100, 2);
    clock.runUntilIdle();
    expect((t.record?.queuedMs ?? NaN) - (t.record?.arrivalMs ?? NaN)).toBeCloseTo(30, 9); // 20 ms × 1.5
    // The step starts 30 ms later, when the factor has grown by 30 × 30 ms / 1 h.
    const stepFactor = 1 + (30 * (60_000 + 30)) / HOUR;
    expect(ttft(t)).toBeCloseTo(30 + 20 * stepFactor, 9);
  });

  it("applies to every request of a batch, whatever the concurrency", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine({ ...BASE, overheadMs: 1, slowdownPerHour: 1 }, clock);
    clock.advance(HOUR); // factor 2
    const all = [0, 1, 2, 3].map(() => track(engine, 50, 5));
    clock.runUntilIdle();
    // Ready together after 2 ms of overhead: one prefill step for the four (200 tokens), then decode steps of 4 sequences.
    for (const t of all) {
      expect(ttft(t)).toBeCloseTo(2 * 1 + 2 * (10 + 0.1 * 200), 3);
      for (const g of gaps(t)) expect(g).toBeCloseTo(2 * (10 + 1 * 4), 2); // the factor creeps up by 1e-6 per ms
    }
  });

  it("grows during a long request, and is off at 0 whatever the uptime", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine({ ...BASE, decodeStepMsPerSeq: 0, slowdownPerHour: 3600 }, clock); // +1 per second
    const t = track(engine, 10, 200);
    clock.runUntilIdle();
    const g = gaps(t);
    expect(g.at(-1) ?? 0).toBeGreaterThan(1.5 * (g[0] ?? Infinity));
    for (let i = 1; i < g.length; i++) expect(g[i] ?? 0).toBeGreaterThanOrEqual(g[i - 1] ?? Infinity);

    const off = new ManualClock(0);
    const flat = new SimEngine({ ...BASE }, off);
    off.advance(1000 * HOUR);
    expect(flat.slowdownFactor()).toBe(1);
    const f = track(flat, 100, 3);
    off.runUntilIdle();
    expect(ttft(f)).toBe(10 + 0.1 * 100);
    expect(gaps(f)).toEqual([11, 11]);
  });
});

describe("process metrics: the simulated leak", () => {
  it("process_resident_memory_bytes = 1.5 GiB + leakMbPerHour MiB per hour up; process_start_time_seconds = the start", async () => {
    const clock = new ManualClock(0);
    const before = Date.now() / 1000;
    const sim = new Simulator(resolveSimOptions({ profile: "fast", leakMbPerHour: 600 }), clock);
    const after = Date.now() / 1000;
    const read = async () => parseMetricsText(await sim.metrics.render());

    let m = await read();
    expect(m.invalidLines).toBe(0);
    expect(m.types.get("process_resident_memory_bytes")).toBe("gauge");
    expect(m.types.get("process_start_time_seconds")).toBe("gauge");
    expect(m.samples.get("process_resident_memory_bytes")?.[0]?.value).toBe(SIM_BASE_RSS_BYTES);
    const start = m.samples.get("process_start_time_seconds")?.[0]?.value ?? NaN;
    expect(start).toBeGreaterThanOrEqual(Math.floor(before * 1000) / 1000 - 0.001);
    expect(start).toBeLessThanOrEqual(after + 0.001);
    expect(m.samples.get("process_resident_memory_bytes")?.[0]?.labels).toEqual({});

    clock.advance(HOUR / 2);
    m = await read();
    expect(m.samples.get("process_resident_memory_bytes")?.[0]?.value).toBe(SIM_BASE_RSS_BYTES + 300 * 1024 * 1024);
    clock.advance(HOUR / 2);
    m = await read();
    expect(m.samples.get("process_resident_memory_bytes")?.[0]?.value).toBe(SIM_BASE_RSS_BYTES + 600 * 1024 * 1024);
    expect(m.samples.get("process_start_time_seconds")?.[0]?.value).toBe(start); // the uptime moves, the start does not
    expect(simulatedRssBytes(0, 100 * HOUR)).toBe(SIM_BASE_RSS_BYTES);
    sim.shutdown();
  });
});

describe("fake GPU readings (ManualClock)", () => {
  it("idle: 0 % util, GPU_IDLE clock reason, idle power and clocks, energy = idle power × time", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine(BASE, clock);
    const gpu = new FakeGpu(engine, { kvBlocks: BASE.kvBlocks, leakMbPerHour: 0 });
    clock.advance(5000);
    const r = gpu.read();
    expect(r.gpuUtil).toBe(0);
    expect(r.clocksEventReasons).toBe(1);
    expect(r.powerWatts).toBe(FAKE_GPU.idleWatts);
    expect(r.smClockMHz).toBe(FAKE_GPU.idleSmClockMHz);
    expect(r.energyMj).toBe(FAKE_GPU.idleWatts * 5000);
    expect(r.fbUsedMiB).toBe(FAKE_GPU.weightsMiB);
    expect(r.fbUsedMiB + r.fbFreeMiB).toBe(FAKE_GPU.totalMiB);
    expect(r.tempC).toBe(FAKE_GPU.idleTempC);
  });

  it("busy: util is the busy share of the last second, power follows it, energy integrates it exactly", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine({ ...BASE, decodeStepMsPerSeq: 0, prefillMsPerToken: 0 }, clock); // 10 ms steps
    const gpu = new FakeGpu(engine, { kvBlocks: BASE.kvBlocks, leakMbPerHour: 0 });
    clock.advance(2000);
    track(engine, 20, 50); // 50 steps: busy from 2000 to 2500 ms
    clock.advanceTo(2250);
    let r = gpu.read();
    expect(r.gpuUtil).toBe(25); // 250 ms busy in [1250, 2250]
    expect(r.clocksEventReasons).toBe(0);
    expect(r.smClockMHz).toBe(FAKE_GPU.busySmClockMHz);
    expect(r.powerWatts).toBeCloseTo(FAKE_GPU.idleWatts + 0.25 * (FAKE_GPU.maxWatts - FAKE_GPU.idleWatts), 6);
    expect(r.fbUsedMiB).toBeGreaterThan(FAKE_GPU.weightsMiB); // KV blocks held by the running sequence
    clock.runUntilIdle();
    clock.advanceTo(2900);
    r = gpu.read();
    expect(r.gpuUtil).toBe(50); // 500 ms busy in [1900, 2900]
    expect(r.energyMj).toBe(FAKE_GPU.idleWatts * 2900 + (FAKE_GPU.maxWatts - FAKE_GPU.idleWatts) * 500);
    expect(r.fbUsedMiB).toBe(FAKE_GPU.weightsMiB); // blocks freed
    clock.advanceTo(4000);
    expect(gpu.read().gpuUtil).toBe(0);
  });

  it("energy never decreases, read at any instant; the leak shows in framebuffer use", () => {
    const clock = new ManualClock(0);
    const engine = new SimEngine(BASE, clock);
    const gpu = new FakeGpu(engine, { kvBlocks: BASE.kvBlocks, leakMbPerHour: 1024 });
    let last = -1;
    for (let round = 0; round < 5; round++) {
      track(engine, 30, 7);
      for (let i = 0; i < 40; i++) {
        clock.advance(3.3);
        const e = gpu.read().energyMj;
        expect(e).toBeGreaterThanOrEqual(last);
        last = e;
      }
    }
    clock.advanceTo(HOUR);
    const r = gpu.read();
    expect(r.fbUsedMiB).toBe(FAKE_GPU.weightsMiB + 1024);
    expect(r.fbFreeMiB).toBe(FAKE_GPU.totalMiB - FAKE_GPU.weightsMiB - 1024);
    clock.advanceTo(1000 * HOUR); // a leak past the framebuffer: used stays at the total
    expect(gpu.read().fbUsedMiB).toBe(FAKE_GPU.totalMiB);
    expect(gpu.read().fbFreeMiB).toBe(0);
  });

  it("has a GPU-looking UUID, stable per seed and model", () => {
    expect(fakeGpuUuid(0, "m")).toMatch(/^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(fakeGpuUuid(0, "m")).toBe(fakeGpuUuid(0, "m"));
    expect(fakeGpuUuid(1, "m")).not.toBe(fakeGpuUuid(0, "m"));
  });
});

describe("answer change planning", () => {
  const input = (over: Partial<ReplyPlanInput> = {}): ReplyPlanInput => ({
    seed: 0,
    promptHash: 12345,
    requestSeed: 7,
    promptTokens: 30,
    maxModelLen: 32768,
    replyTokens: { mean: 40, min: 10, max: 80 },
    reasoningTokens: { mean: 16, min: 8, max: 32 },
    reasoning: "none",
    maxTokens: undefined,
    minTokens: undefined,
    ignoreEos: false,
    ...over,
  });

  it("epoch 0 is today's reply; the changed reply differs, for every prompt and even at max_tokens 1", () => {
    expect(planReply(input({ answerEpoch: 0 }))).toEqual(planReply(input()));
    for (let h = 0; h < 100; h++) {
      for (const maxTokens of [undefined, 1, 2, 48]) {
        const i = input({ promptHash: h, maxTokens });
        const a = planReply(i).tokens.join("");
        const b = changedReply(i).tokens.join("");
        expect(b).not.toBe(a);
        expect(changedReply(i).tokens).toEqual(changedReply(i).tokens); // deterministic
      }
    }
  });

  it("scripted reasoning answers and tool calls move one variant on", () => {
    const bank = loadAnswerBank();
    const entry = bank.answers.find((e) => e.variants.length > 1)!;
    const messages = [{ role: "user", content: `Question: ${entry.match}` }];
    const plain = new ScriptedAnswers(bank);
    const shifted = new ScriptedAnswers(bank);
    for (let n = 0; n < entry.variants.length * 2; n++) {
      const a = plain.answer(messages, { maxTokens: 4096, thinking: true });
      const b = shifted.answer(messages, { maxTokens: 4096, thinking: true, variantShift: 1 });
      expect(b?.variantIndex).toBe(((a?.variantIndex ?? 0) + 1) % entry.variants.length);
    }

    const tools = loadToolAnswerBank();
    const tcase = tools.cases.find((c) => c.variants.length > 1)!;
    const calls = new ScriptedToolCalls(tools, "hermes");
    const tm = [{ role: "user", content: tcase.match }];
    for (const seed of [undefined, 0, 1, 5, -3]) {
      const a = calls.answer(tm, { seed, maxTokens: 4096 });
      const b = calls.answer(tm, { seed, maxTokens: 4096, variantShift: 1 });
      expect(b?.variantIndex).toBe(((a?.variantIndex ?? 0) + 1) % tcase.variants.length);
    }
  });
});
