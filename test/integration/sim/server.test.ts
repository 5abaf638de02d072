import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from "../../../src/sim/index.js";
import { engineTiming, metricValue, postChat, startObservedSimulator, streamChat, userTurn, type ObservedSimulator } from "./helpers.js";

const running: RunningSimulator[] = [];
async function start(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator({ profile: "fast", ...options });
  running.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const hello = { messages: [userTurn("Hello, how does the simulator work?")] };
const origin = (sim: RunningSimulator): string => `http://127.0.0.1:${sim.port}`;

describe("simulator over HTTP: shapes", () => {
  it("streams a role chunk, one chunk per token, a finish chunk, a usage chunk, then [DONE]", async () => {
    const sim = await start();
    const r = await streamChat(sim.baseUrl, { ...hello, stream_options: { include_usage: true } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(r.headers.get("server")).toBe("shakedown-sim");
    expect(r.headers.get("x-shakedown-sim-profile")).toBe("fast");
    expect(r.sawDone).toBe(true);
    const [role, ...rest] = r.chunks;
    expect(role?.choices[0]?.delta).toEqual({ role: "assistant", content: "" });
    const usageChunk = rest.pop();
    const finish = rest.pop();
    expect(finish?.choices[0]?.finish_reason).toBe("stop");
    expect(usageChunk?.choices).toEqual([]);
    const usage = usageChunk?.usage;
    expect(usage?.completion_tokens).toBe(rest.length);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + rest.length);
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    for (const c of rest) {
      expect(c.object).toBe("chat.completion.chunk");
      expect(c.model).toBe("shakedown-sim");
      expect(c.choices[0]?.finish_reason).toBeNull();
      expect(c.choices[0]?.delta.content?.length).toBeGreaterThan(0);
      expect(c.usage).toBeUndefined();
    }
    expect(new Set(r.chunks.map((c) => c.id)).size).toBe(1);
    expect(r.content.length).toBeGreaterThan(10);
  });

  it("sends no usage without stream_options, and cumulative usage on every chunk with continuous_usage_stats", async () => {
    const sim = await start();
    const plain = await streamChat(sim.baseUrl, hello);
    expect(plain.chunks.every((c) => c.usage === undefined)).toBe(true);
    expect(plain.chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");

    const cont = await streamChat(sim.baseUrl, {
      ...hello,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const completions = cont.chunks.map((c) => c.usage?.completion_tokens);
    expect(completions.every((n) => typeof n === "number")).toBe(true);
    expect(completions[0]).toBe(0);
    // role chunk (0), one chunk per token (1..n), finish chunk (n), usage chunk (n)
    const n = cont.tokenTimesMs.length;
    expect(completions).toEqual([...Array.from({ length: n + 1 }, (_, i) => i), n, n]);
    expect(cont.chunks.at(-1)?.choices).toEqual([]);
    expect(cont.chunks.at(-1)?.usage?.completion_tokens).toBe(cont.tokenTimesMs.length);
  });

  it("answers non-streamed requests with the whole message and usage", async () => {
    const sim = await start();
    const { status, json } = await postChat(sim.baseUrl, { ...hello, max_tokens: 5 });
    expect(status).toBe(200);
    expect(json.object).toBe("chat.completion");
    expect(json.choices[0]?.message.role).toBe("assistant");
    expect(json.choices[0]?.finish_reason).toBe("length");
    expect(json.usage?.completion_tokens).toBe(5);
    // same conversation, same reply (streamed or not)
    const streamed = await streamChat(sim.baseUrl, { ...hello, max_tokens: 5 });
    expect(streamed.content).toBe(json.choices[0]?.message.content);
  });

  it("honours ignore_eos (exactly max_tokens) and min_tokens", async () => {
    const sim = await start();
    const a = await postChat(sim.baseUrl, { ...hello, max_tokens: 77, ignore_eos: true });
    expect(a.json.usage?.completion_tokens).toBe(77);
    const b = await postChat(sim.baseUrl, { ...hello, min_tokens: 60, max_completion_tokens: 90 });
    expect(b.json.usage?.completion_tokens).toBeGreaterThanOrEqual(60);
  });

  it("lists the model like vLLM, and answers /health", async () => {
    const sim = await start({ model: "my-sim" });
    const models = (await (await fetch(`${sim.baseUrl}/models`)).json()) as {
      object: string;
      data: { id: string; owned_by: string; max_model_len: number }[];
    };
    expect(models.object).toBe("list");
    expect(models.data[0]).toMatchObject({ id: "my-sim", owned_by: "shakedown-sim", max_model_len: 32768 });
    expect((await fetch(`${origin(sim)}/health`)).status).toBe(200);
  });

  it("replays the same conversation identically (same seed), across simulator instances", async () => {
    const a = await start({ seed: 42 });
    const b = await start({ seed: 42 });
    const c = await start({ seed: 43 });
    const ra = await postChat(a.baseUrl, hello);
    const rb = await postChat(b.baseUrl, hello);
    const rc = await postChat(c.baseUrl, hello);
    expect(rb.json.choices[0]?.message.content).toBe(ra.json.choices[0]?.message.content);
    expect(rc.json.choices[0]?.message.content).not.toBe(ra.json.choices[0]?.message.content);
  });

  it("emits reasoning in delta.reasoning (field) or inline <think> (think_tag)", async () => {
    const field = await start({ reasoning: "field" });
    const r = await streamChat(field.baseUrl, { ...hello, stream_options: { include_usage: true } });
    expect(r.reasoning.length).toBeGreaterThan(0);
    expect(r.content.length).toBeGreaterThan(0);
    const firstReasoning = r.chunks.findIndex((c) => c.choices[0]?.delta.reasoning);
    const firstContent = r.chunks.findIndex((c) => (c.choices[0]?.delta.content ?? "").length > 0);
    expect(firstReasoning).toBeLessThan(firstContent);
    expect(r.chunks.at(-1)?.usage?.completion_tokens).toBe(r.tokenTimesMs.length);
    const nonStream = await postChat(field.baseUrl, hello);
    expect(nonStream.json.choices[0]?.message.reasoning).toBe(r.reasoning);
    const off = await postChat(field.baseUrl, { ...hello, chat_template_kwargs: { enable_thinking: false } });
    expect(off.json.choices[0]?.message.reasoning).toBeUndefined();

    const tag = await start({ reasoning: "think_tag" });
    const t = await streamChat(tag.baseUrl, hello);
    expect(t.reasoning).toBe("");
    expect(t.content.startsWith("<think>\n")).toBe(true);
    expect(t.content).toContain("</think>\n\n");
  });
});

describe("simulator over HTTP: errors", () => {
  it("requires the bearer key on /v1/* and /metrics, not on /health", async () => {
    const sim = await start({ apiKey: "s3cret" });
    expect((await fetch(`${sim.baseUrl}/models`)).status).toBe(401);
    expect((await fetch(`${sim.baseUrl}/models`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${sim.baseUrl}/models`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${origin(sim)}/metrics`)).status).toBe(401);
    expect((await fetch(`${origin(sim)}/metrics`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${origin(sim)}/health`)).status).toBe(200);
    const chat = await postChat(sim.baseUrl, hello);
    expect(chat.status).toBe(401);
    expect(chat.json.error.message).toBe("Unauthorized");
    expect((await postChat(sim.baseUrl, hello, "s3cret")).status).toBe(200);
    expect(sim.stats().unauthorized).toBe(4);
  });

  it("answers bad bodies with 400 and an OpenAI-style error", async () => {
    const sim = await start();
    const badJson = await postChat(sim.baseUrl, "{not json");
    expect(badJson.status).toBe(400);
    expect(badJson.json.error.type).toBe("BadRequestError");
    expect(badJson.json.error.code).toBe(400);
    expect((await postChat(sim.baseUrl, { model: "shakedown-sim" })).status).toBe(400);
    expect((await postChat(sim.baseUrl, { messages: [] })).status).toBe(400);
    expect((await postChat(sim.baseUrl, { messages: [{ role: "wizard", content: "x" }] })).status).toBe(400);
    const so = await postChat(sim.baseUrl, { ...hello, stream_options: { include_usage: true } });
    expect(so.status).toBe(400);
    expect(so.json.error.message).toMatch(/stream=True/);
    expect((await postChat(sim.baseUrl, { ...hello, max_tokens: 0 })).status).toBe(400);
    expect(sim.stats().rejected).toBe(6);
    expect(sim.stats().requests).toBe(0);
  });

  it("answers 404 for unknown paths and unknown models, 405 for a wrong method", async () => {
    const sim = await start();
    const nf = await fetch(`${sim.baseUrl}/completions-nope`);
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { error: { code: number } }).error.code).toBe(404);
    const model = await postChat(sim.baseUrl, { ...hello, model: "gpt-9" });
    expect(model.status).toBe(404);
    expect(model.json.error.message).toBe("The model `gpt-9` does not exist.");
    expect((await fetch(`${sim.baseUrl}/chat/completions`)).status).toBe(405);
  });

  it("rejects prompts over max_model_len like vLLM", async () => {
    const sim = await start({ maxModelLen: 64 });
    const long = await postChat(sim.baseUrl, { messages: [userTurn("word ".repeat(100))] });
    expect(long.status).toBe(400);
    expect(long.json.error.message).toMatch(/maximum context length is 64 tokens\. However, your request has \d+ input tokens/);
    const tooMany = await postChat(sim.baseUrl, { ...hello, max_tokens: 60 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toMatch(/'max_tokens' or 'max_completion_tokens' is too large: 60/);
  });

  it("fails exactly floor(n·failRate) chat requests, deterministically", async () => {
    const sim = await start({ failRate: 0.25 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await postChat(sim.baseUrl, { ...hello, max_tokens: 2 })).status);
    expect(statuses).toEqual([200, 200, 200, 500, 200, 200, 200, 500]);
    const s = sim.stats();
    expect(s.failures).toBe(2);
    expect(s.requests).toBe(8);
    expect(s.completed).toBe(6);
  });
});

describe("simulator over HTTP: timing model", () => {
  // The figures are the engine's (its virtual timeline: the model exactly, whatever the load of
  // the machine). Measured by the client they include the host's stalls: on a busy 2-core
  // machine a stall of ~100 ms on one request broke these ratios. The client's side is checked
  // where it cannot be moved by a stall: it never sees a token before the engine made it.
  const observed: ObservedSimulator[] = [];
  async function startObserved(options: Parameters<typeof startObservedSimulator>[0]): Promise<ObservedSimulator> {
    const sim = await startObservedSimulator({ profile: "fast", ...options });
    observed.push(sim);
    return sim;
  }
  afterEach(async () => {
    await Promise.all(observed.splice(0).map((s) => s.close()));
  });

  it("serves a resent conversation from the prefix cache: cached_tokens > 0 and a shorter TTFT than with caching off", async () => {
    const system = { role: "system", content: "You are a careful assistant for capacity planning. ".repeat(300) };
    const ttft: Record<string, number> = {};
    const cached: Record<string, number> = {};
    for (const caching of [true, false]) {
      const sim = await startObserved({ prefixCaching: caching, prefillMsPerToken: 0.05 });
      const turn1 = [system, userTurn("How many GPUs do we need?")];
      const first = await postChat(sim.baseUrl, { messages: turn1 });
      const reply = first.json.choices[0]?.message.content ?? "";
      const turn2 = [...turn1, { role: "assistant", content: reply }, userTurn("And with twice the traffic?")];
      const second = await streamChat(sim.baseUrl, { messages: turn2, stream_options: { include_usage: true } });
      const engine = engineTiming(sim.sequences[1]!);
      ttft[String(caching)] = engine.ttftMs;
      expect(second.ttftMs).toBeGreaterThanOrEqual(engine.ttftMs);
      cached[String(caching)] = second.chunks.at(-1)?.usage?.prompt_tokens_details?.cached_tokens ?? -1;
      expect(sim.sequences[1]!.cachedTokens).toBe(cached[String(caching)]);
      expect(second.chunks.at(-1)?.usage?.prompt_tokens).toBeGreaterThan(3000);
    }
    expect(cached.true).toBeGreaterThan(3000);
    expect(cached.false).toBe(0);
    // modelled: off ≈ 1 + 8 steps + 0.05·~3400 ≈ 180 ms; on ≈ a few ms
    expect(ttft.true).toBeLessThan((ttft.false ?? 0) * 0.5);
    expect(ttft.false).toBeGreaterThan(150);
  });

  it("TTFT grows with the uncached prompt", async () => {
    const sim = await startObserved({ prefixCaching: false, prefillMsPerToken: 0.05 });
    const short = await streamChat(sim.baseUrl, { messages: [userTurn("short question")], max_tokens: 2 });
    const long = await streamChat(sim.baseUrl, { messages: [userTurn("a much longer question ".repeat(600))], max_tokens: 2 });
    const [s, l] = sim.sequences.map(engineTiming);
    expect(l!.ttftMs).toBeGreaterThan(s!.ttftMs * 2);
    expect(short.ttftMs).toBeGreaterThanOrEqual(s!.ttftMs);
    expect(long.ttftMs).toBeGreaterThanOrEqual(l!.ttftMs);
  });

  it("concurrency 8 vs 1: per-stream tok/s falls, total tok/s rises", async () => {
    const sim = await startObserved({ decodeStepMs: 4, decodeStepMsPerSeq: 2, overheadMs: 1 });
    // 60 tokens: the 8 sequences overlap even when a busy machine spreads their sends out.
    const body = { ...hello, max_tokens: 60, ignore_eos: true };
    const measure = async (c: number): Promise<{ perStream: number; total: number; widest: number }> => {
      const from = { seqs: sim.sequences.length, steps: sim.steps.length };
      await Promise.all(Array.from({ length: c }, () => streamChat(sim.baseUrl, body)));
      const seqs = sim.sequences.slice(from.seqs);
      expect(seqs).toHaveLength(c);
      expect(seqs.every((r) => r.generatedTokens === 60)).toBe(true);
      const perStream = seqs.map((r) => engineTiming(r).decodeTps);
      // Total: tokens over the time the engine was stepping (not over the wall time from the
      // first send, which a stall of the client between its sends would stretch).
      const steps = sim.steps.slice(from.steps);
      const busyMs = steps.reduce((a, s) => a + (s.endMs - s.startMs), 0);
      const tokens = seqs.reduce((a, r) => a + r.generatedTokens, 0);
      return { perStream: perStream.reduce((a, b) => a + b, 0) / c, total: (tokens * 1000) / busyMs, widest: Math.max(...steps.map((s) => s.decodeTokens)) };
    };
    const one = await measure(1);
    const eight = await measure(8);
    // The concurrent requests were batched together.
    expect(one.widest).toBe(1);
    expect(eight.widest).toBeGreaterThan(1);
    // modelled: 6 ms vs 20 ms per step → per-stream ×0.3, total ×2.4
    expect(eight.perStream).toBeLessThan(one.perStream * 0.8);
    expect(eight.total).toBeGreaterThan(one.total * 1.3);
  });

});

describe("simulator over HTTP: metrics and lifecycle", () => {
  it("exposes vLLM metric names whose counters equal the simulator's own counts", async () => {
    const sim = await start({ failRate: 0.2 });
    const prefix = [userTurn("Tell me about queues. ".repeat(20))];
    let promptSum = 0;
    let completionSum = 0;
    for (let i = 0; i < 6; i++) {
      const r = await streamChat(sim.baseUrl, { messages: prefix, stream_options: { include_usage: true }, max_tokens: 3 + i });
      if (r.status !== 200) continue;
      promptSum += r.chunks.at(-1)?.usage?.prompt_tokens ?? 0;
      completionSum += r.chunks.at(-1)?.usage?.completion_tokens ?? 0;
    }
    const text = await (await fetch(`${origin(sim)}/metrics`)).text();
    const s = sim.stats();
    expect(s.failures).toBe(1);
    expect(metricValue(text, "vllm:prompt_tokens_total")).toBe(s.promptTokens);
    expect(s.promptTokens).toBe(promptSum);
    expect(metricValue(text, "vllm:generation_tokens_total")).toBe(s.generatedTokens);
    expect(s.generatedTokens).toBe(completionSum);
    expect(metricValue(text, "vllm:prefix_cache_queries_total")).toBe(s.prefixCacheQueries);
    expect(metricValue(text, "vllm:prefix_cache_hits_total")).toBe(s.prefixCacheHits);
    expect(s.prefixCacheHits).toBeGreaterThan(0);
    expect(metricValue(text, "vllm:num_preemptions_total")).toBe(s.preemptions);
    expect(metricValue(text, "vllm:request_success_total")).toBe(s.completed);
    expect(metricValue(text, "vllm:request_success_total", 'finished_reason="length"')).toBe(s.completed);
    expect(metricValue(text, "vllm:time_to_first_token_seconds_count")).toBe(s.completed);
    expect(metricValue(text, "vllm:e2e_request_latency_seconds_count")).toBe(s.completed);
    expect(metricValue(text, "vllm:request_queue_time_seconds_count")).toBe(s.completed);
    expect(metricValue(text, "vllm:inter_token_latency_seconds_count")).toBe(s.generatedTokens - s.completed);
    expect(metricValue(text, "vllm:request_prompt_tokens_sum")).toBe(promptSum);
    expect(metricValue(text, "vllm:request_generation_tokens_sum")).toBe(completionSum);
    expect(metricValue(text, "vllm:num_requests_running")).toBe(0);
    expect(metricValue(text, "vllm:num_requests_waiting")).toBe(0);
    expect(metricValue(text, "vllm:kv_cache_usage_perc")).toBe(0);
    expect(metricValue(text, "vllm:cache_config_info", 'enable_prefix_caching="True"')).toBe(1);
    expect(text).toContain('block_size="16"');
    expect(text).toContain('num_gpu_blocks="4096"');
    expect(text).toContain('model_name="shakedown-sim"');
  });

  it("keeps several simulators' metrics apart in one process", async () => {
    const a = await start({ model: "sim-a" });
    const b = await start({ model: "sim-b" });
    await postChat(a.baseUrl, { ...hello, model: "sim-a", max_tokens: 4 });
    const ta = await (await fetch(`${origin(a)}/metrics`)).text();
    const tb = await (await fetch(`${origin(b)}/metrics`)).text();
    expect(metricValue(ta, "vllm:generation_tokens_total")).toBe(4);
    expect(metricValue(tb, "vllm:generation_tokens_total")).toBe(0);
    expect(tb).toContain('model_name="sim-b"');
  });

  it("close() ends open streams and the server promptly", async () => {
    const sim = await start({ timeScale: 50 }); // ~50 ms a token
    const pending = streamChat(sim.baseUrl, { ...hello, max_tokens: 200, ignore_eos: true }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.stats().running).toBe(1);
    const t0 = performance.now();
    await sim.close();
    const result = await pending;
    // The stream had ~10 s to go: ending well before that is prompt, on any machine.
    expect(performance.now() - t0).toBeLessThan(5000);
    if (!(result instanceof Error)) expect((result as { sawDone: boolean }).sawDone).toBe(false);
    expect(sim.stats().aborted).toBe(1);
    await expect(fetch(`${origin(sim)}/health`)).rejects.toThrow();
  });

  it("aborts the sequence when the client goes away", async () => {
    const sim = await start({ timeScale: 20 });
    const controller = new AbortController();
    const res = await fetch(`${sim.baseUrl}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...hello, stream: true, max_tokens: 500, ignore_eos: true }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    for (let i = 0; i < 100 && sim.stats().aborted === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sim.stats().aborted).toBe(1);
    expect(sim.stats().running).toBe(0);
    expect(sim.stats().kvCacheUsage).toBe(0);
  });
});
