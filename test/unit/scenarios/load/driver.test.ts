import { describe, expect, it } from "vitest";
import { loadScenarioSchema } from "../../../../src/config/schema.js";
import { datasetConfig, exactLengthBody, resolveTokenizer, totalRequests } from "../../../../src/scenarios/load/request.js";
import { splitStage } from "../../../../src/scenarios/load/workers.js";
import { sleepUntil, type StagePlan } from "../../../../src/workload/dispatch.js";

describe("load requests", () => {
  it("ask for exactly their length with min_tokens and ignore_eos; target.extra_body wins", () => {
    expect(exactLengthBody(64, undefined)).toEqual({ min_tokens: 64, ignore_eos: true });
    expect(exactLengthBody(64, { ignore_eos: false, top_k: 1 })).toEqual({ min_tokens: 64, ignore_eos: false, top_k: 1 });
  });

  it("take the tokenizer from the model's name when asked for auto, else approx", () => {
    expect(resolveTokenizer("auto", "Qwen/Qwen3-32B")).toBe("qwen3");
    expect(resolveTokenizer("auto", "meta-llama/Llama-3.1-8B-Instruct")).toBe("llama3");
    expect(resolveTokenizer("auto", "mistral-7b")).toBe("approx");
    expect(resolveTokenizer("llama3", "Qwen/Qwen3-32B")).toBe("llama3");
  });

  it("auto: the local tokenizer the name points to, else the server's own when it answers /tokenize, else approx", () => {
    expect(resolveTokenizer("auto", "models/tiny.gguf", true)).toBe("server");
    expect(resolveTokenizer("auto", "models/tiny.gguf", false)).toBe("approx");
    expect(resolveTokenizer("auto", "Qwen/Qwen3-8B", true)).toBe("qwen3");
    expect(resolveTokenizer("server", "Qwen/Qwen3-8B", true)).toBe("server");
    expect(loadScenarioSchema.safeParse({ kind: "load", dataset: { source: "synthetic", tokenizer: "server" } }).success).toBe(true);
  });

  it("a synthetic dataset takes the scenario's lengths and seed; a sweep's stages get prompts of their own", () => {
    const cfg = loadScenarioSchema.parse({ kind: "load", input_tokens: 100, output_tokens: 20, seed: 5, dataset: { source: "synthetic", prefix_tokens: 10 } });
    expect(datasetConfig(cfg, "Qwen3-8B")).toEqual({
      source: "synthetic",
      tokenizer: "qwen3",
      input_spread: 0,
      output_spread: 0,
      prefix_tokens: 10,
      input_tokens: 100,
      output_tokens: 20,
      seed: 5,
    });
    const file = loadScenarioSchema.parse({ kind: "load", dataset: { source: "jsonl", path: "x.jsonl", tokenizer: "approx" } });
    expect(datasetConfig(file, "m")).toEqual({ source: "jsonl", path: "x.jsonl", tokenizer: "approx", seed: 0 });
    expect(totalRequests(loadScenarioSchema.parse({ kind: "load", requests: 10 }))).toBe(10);
    expect(totalRequests(loadScenarioSchema.parse({ kind: "load", mode: "sweep", requests: 10, sweep: { rates: 3 } }))).toBe(50);
  });

  it("rejects a dataset without a path, an unknown source or tokenizer, and a spread of 1", () => {
    for (const dataset of [{ source: "jsonl" }, { source: "csv", path: "x" }, { source: "synthetic", tokenizer: "gpt2" }, { source: "synthetic", input_spread: 1 }])
      expect(loadScenarioSchema.safeParse({ kind: "load", dataset }).success, JSON.stringify(dataset)).toBe(false);
  });
});

describe("load options that make no sense are refused", () => {
  it.each([
    ["workers 0", { workers: 0 }],
    ["workers 65", { workers: 65 }],
    ["workers 1.5", { workers: 1.5 }],
    ["a negative ramp-up", { ramp_up_s: -1 }],
    ["a sweep of no rates", { mode: "sweep", sweep: { rates: 0 } }],
    ["gamma arrivals in a sweep", { mode: "sweep", sweep: { arrival: "gamma" } }],
    ["an unknown sweep key", { mode: "sweep", sweep: { steps: 3 } }],
    ["calibrate: yes", { calibrate: "yes" }],
    ["an unknown mode", { mode: "burst" }],
  ])("%s", (_, over) => {
    expect(loadScenarioSchema.safeParse({ kind: "load", ...over }).success).toBe(false);
  });

  it("the defaults: one thread, calibration on, no ramp-up, a five-rate constant sweep at 256 in flight", () => {
    const c = loadScenarioSchema.parse({ kind: "load" });
    expect([c.workers, c.calibrate, c.ramp_up_s, c.sweep]).toEqual([1, true, 0, { rates: 5, arrival: "constant", max_concurrency: 256 }]);
    expect(c.dataset).toEqual({ source: "synthetic", tokenizer: "auto", input_spread: 0, output_spread: 0, prefix_tokens: 0 });
  });
});

describe("splitting a stage over worker threads", () => {
  const plan = (mode: "closed" | "constant", concurrency: number): StagePlan => ({ mode, rate: 10, burstiness: 1, concurrency, requests: 100, rampUpMs: 0, seed: 0 });
  it("closed loop splits the concurrency, never giving a thread no slot", () => {
    expect(splitStage(plan("closed", 7), 3).map((p) => [p.shard, p.concurrency])).toEqual([
      [{ index: 0, count: 3 }, 3],
      [{ index: 1, count: 3 }, 2],
      [{ index: 2, count: 3 }, 2],
    ]);
    // Fewer slots than threads: one slot a thread, the rest idle (their requests go to the others).
    expect(splitStage(plan("closed", 1), 4).map((p) => [p.shard, p.concurrency])).toEqual([[{ index: 0, count: 1 }, 1]]);
  });
  it("open loop splits the in-flight cap over every thread", () => {
    expect(splitStage(plan("constant", 1024), 3).map((p) => p.concurrency)).toEqual([342, 342, 342]);
  });
});

describe("sleepUntil", () => {
  it("never resolves before its absolute deadline", async () => {
    const deadline = performance.now() + 15;
    await sleepUntil(deadline, new AbortController().signal);
    expect(performance.now()).toBeGreaterThanOrEqual(deadline);
  });

  it("resolves at once when the signal aborts", async () => {
    const ac = new AbortController();
    const p = sleepUntil(performance.now() + 60_000, ac.signal);
    ac.abort();
    await p; // would time the test out otherwise
  });
});
