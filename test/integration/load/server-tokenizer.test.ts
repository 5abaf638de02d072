/**
 * Issue 11.11: exact prompt lengths on any server, through the server's own /tokenize.
 * Scripted servers that speak llama.cpp's form, vLLM's form, or neither; a fake tokenizer
 * (one token a whitespace-separated word, words over 7 letters two) so the counts are known.
 * The same against a real llama-server is test/integration/llama-server/load-lengths.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { executeRun } from "../../../src/run/executor.js";
import type { LoadDetail } from "../../../src/scenarios/load/analyze.js";
import { probeServerTokenizer, serverRoot } from "../../../src/scenarios/load/server-tokenizer.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { loadDataset } from "../../../src/workload/datasets.js";
import { contentChunk, DONE, finishChunk, reply, startScriptedServer, usageChunk, type ScriptedServer, type SeenRequest } from "../../helpers/scripted-server.js";
import { tempDir } from "../../helpers/tmp.js";

const timeouts = { connectMs: 2000, firstByteMs: 5000, betweenTokensMs: 5000, totalMs: 10_000 };
/** The fake chat template: a marker token before and after the message. */
const TEMPLATE = (content: string) => `<u> ${content} <a>`;
/** The fake tokenizer: a token a word, two for a word of more than 7 letters; with `merge`, one more for any text over 40 characters. */
const countOf = (text: string, merge = false) => (text.match(/\S+/g) ?? []).reduce((a, w) => a + (w.length > 7 ? 2 : 1), 0) + (merge && text.length > 40 ? 1 : 0);

interface Fake {
  dialect: "llama.cpp" | "vllm" | "none";
  merge?: boolean;
}

function tokenizeHandler(f: Fake) {
  return (req: SeenRequest) => {
    const body = (req.json ?? {}) as Record<string, unknown>;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    if (f.dialect === "llama.cpp") {
      if (req.path === "/tokenize" && typeof body["content"] === "string") return reply.json(200, { tokens: ids(countOf(body["content"], f.merge)) });
      // llama.cpp answers vLLM's form with an empty list.
      if (req.path === "/tokenize") return reply.json(200, { tokens: [] });
      if (req.path === "/apply-template") return reply.json(200, { prompt: TEMPLATE(String((body["messages"] as { content: string }[])[0]!.content)) });
    }
    if (f.dialect === "vllm" && req.path === "/tokenize") {
      if (typeof body["prompt"] === "string" && typeof body["model"] === "string") {
        const n = countOf(body["prompt"], f.merge);
        return reply.json(200, { tokens: ids(n), count: n, max_model_len: 4096 });
      }
      if (Array.isArray(body["messages"])) {
        const n = countOf(String((body["messages"] as { content: string }[])[0]!.content)) + 4;
        return reply.json(200, { tokens: ids(n), count: n, max_model_len: 4096 });
      }
      return reply.json(400, { error: { message: "Field required: prompt" } });
    }
    return undefined;
  };
}

/** A server that tokenizes as `f` says and serves streamed chat completions whose usage counts the template too. */
function fakeServer(f: Fake, model = "models/tiny.gguf") {
  const tok = tokenizeHandler(f);
  return startScriptedServer((req) => {
    const t = tok(req);
    if (t) return t;
    if (req.path === "/v1/models") return reply.json(200, { object: "list", data: [{ id: model, object: "model" }] });
    if (req.path === "/v1/chat/completions") {
      const body = req.json as { messages: { content: string }[]; max_tokens: number };
      const prompt = countOf(TEMPLATE(body.messages[0]!.content), f.merge);
      const out = body.max_tokens;
      return reply.sse([...Array.from({ length: out }, () => contentChunk("x ")), finishChunk("length"), usageChunk(prompt, out), DONE]);
    }
    return reply.json(404, { error: { message: "File Not Found" } });
  });
}

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(f: Fake, model?: string): Promise<ScriptedServer> {
  const s = await fakeServer(f, model);
  servers.push(s);
  return s;
}

describe("the server's tokenizer", () => {
  it("serverRoot: the base URL without its /v1", () => {
    expect(serverRoot("http://h:8080/v1")).toBe("http://h:8080");
    expect(serverRoot("http://h:8080/v1/")).toBe("http://h:8080");
    expect(serverRoot("https://h/api/v1")).toBe("https://h/api");
    expect(serverRoot("http://h:8080")).toBe("http://h:8080");
  });

  it("llama.cpp's form: counts at the root (not under /v1), without special tokens, with the key; the template's tokens from /apply-template", async () => {
    const s = await start({ dialect: "llama.cpp" });
    const t = (await probeServerTokenizer({ baseUrl: s.baseUrl, apiKey: "sk-test", timeouts }, "m"))!;
    try {
      expect(t.dialect).toBe("llama.cpp");
      expect(t.via).toBe(`llama.cpp /tokenize at ${s.origin}`);
      expect(await t.countMany(["the cat", "a rainbowlike sky", "one"])).toEqual([2, 4, 1]);
      // "shakedown counts tokens" is 4 tokens ("shakedown" has 9 letters); the template's markers add 2.
      expect(await t.templateTokens()).toBe(2);
      const tokenize = s.requests.filter((r) => r.path === "/tokenize");
      expect(tokenize.every((r) => r.headers.authorization === "Bearer sk-test")).toBe(true);
      expect(tokenize[0]!.json).toEqual({ content: "shakedown counts tokens", add_special: false });
      expect(s.requests.some((r) => r.path.startsWith("/v1/tokenize"))).toBe(false);
      // Short texts are cached: asking again sends nothing.
      const before = s.requests.length;
      await t.countMany(["the cat", "one"]);
      expect(s.requests.length).toBe(before);
    } finally {
      await t.close();
    }
  });

  it("vLLM's form: refused in llama.cpp's form, then {model, prompt, add_special_tokens: false}; the template from a chat tokenization", async () => {
    const s = await start({ dialect: "vllm" });
    const t = (await probeServerTokenizer({ baseUrl: s.baseUrl, timeouts }, "Qwen/Qwen3-8B"))!;
    try {
      expect(t.dialect).toBe("vllm");
      expect(await t.countMany(["the cat sat"])).toEqual([3]);
      expect(await t.templateTokens()).toBe(4);
      expect(s.requests.find((r) => (r.json as { prompt?: string })?.prompt === "the cat sat")?.json).toEqual({ model: "Qwen/Qwen3-8B", prompt: "the cat sat", add_special_tokens: false });
    } finally {
      await t.close();
    }
  });

  it("a server without one: no tokenizer", async () => {
    const s = await start({ dialect: "none" });
    expect(await probeServerTokenizer({ baseUrl: s.baseUrl, timeouts }, "m")).toBeUndefined();
  });

  it("sizes synthetic prompts exactly by the server's counts: its single-token words, asked once", async () => {
    const s = await start({ dialect: "llama.cpp" });
    const t = (await probeServerTokenizer({ baseUrl: s.baseUrl, timeouts }, "m"))!;
    try {
      const cfg = { source: "synthetic" as const, tokenizer: "server" as const, input_tokens: 64, output_tokens: 8, input_spread: 0.5, prefix_tokens: 4, seed: 3 };
      const ds = await loadDataset(cfg, 40, { counter: t });
      expect(ds.info).toMatchObject({ tokenizer: "server", exactCounts: true, tokenizerVia: t.via });
      for (let i = 0; i < 40; i++) {
        const r = ds.get(i);
        const content = r.messages[0]!.content!;
        expect(countOf(content), content).toBe(r.inputTokens);
        expect(r.askedInputTokens).toBe(r.inputTokens);
        // Words of more than 7 letters are two tokens here: the vocabulary left them out.
        expect(content.split(" ").every((w) => w.length <= 7)).toBe(true);
      }
      const asked = s.requests.length;
      await loadDataset({ ...cfg, seed: 4 }, 40, { counter: t });
      // The vocabulary was asked once; a second dataset only checks its three sample prompts.
      expect(s.requests.length - asked).toBeLessThanOrEqual(3);
    } finally {
      await t.close();
    }
  });

  it("a server whose tokenizer merges across words: every prompt fitted before the run through the server, and said", async () => {
    const s = await start({ dialect: "vllm", merge: true });
    const t = (await probeServerTokenizer({ baseUrl: s.baseUrl, timeouts }, "m"))!;
    try {
      const ds = await loadDataset({ source: "synthetic", tokenizer: "server", input_tokens: 60, output_tokens: 8, input_spread: 0.3, seed: 1 }, 30, { counter: t });
      expect(ds.info.notes.join(" ")).toMatch(/fitted by re-encoding/);
      for (let i = 0; i < 30; i++) {
        const r = ds.get(i);
        expect(countOf(r.messages[0]!.content!, true)).toBe(r.inputTokens);
      }
    } finally {
      await t.close();
    }
  });

  it("JSONL and ShareGPT datasets count their prompts (and replies) through the server", async () => {
    const s = await start({ dialect: "llama.cpp" });
    const t = (await probeServerTokenizer({ baseUrl: s.baseUrl, timeouts }, "m"))!;
    try {
      const jsonl = await loadDataset({ source: "jsonl", path: "test/fixtures/datasets/prompts.jsonl", tokenizer: "server", seed: 0 }, 3, { counter: t });
      expect(jsonl.info.exactCounts).toBe(true);
      for (let i = 0; i < 3; i++) {
        const r = jsonl.get(i);
        expect(r.inputTokens).toBe(r.messages.reduce((a, m) => a + countOf(m.content ?? ""), 0));
      }
    } finally {
      await t.close();
    }
  });
});

describe("tokenizer auto in a run: the server's own tokenizer when no local one fits the model's name", () => {
  const out = tempDir();
  async function run(baseUrl: string, dataset: Record<string, unknown>, name: string) {
    const input: SuiteInput = {
      name,
      target: { url: baseUrl, warmup_requests: 0 },
      scenarios: [{ kind: "load", mode: "closed", concurrency: 2, requests: 6, input_tokens: 48, output_tokens: 4, calibrate: false, dataset } as never],
      output: { dir: out },
    } as SuiteInput;
    const { dir, results, stop } = await executeRun(validateSuiteObject(input, "test suite"));
    const records = readFileSync(join(dir, "records.jsonl"), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RequestRecord)
      .filter((r) => r.scenario === "load");
    return { records, result: results.scenarios[0] as ScenarioResult<LoadDetail> | undefined, report: readFileSync(join(dir, "report.md"), "utf8"), stop };
  }

  it("a llama.cpp-like server whose model is a file path: prompts of exactly the asked length by the server's count, the template measured apart", async () => {
    const s = await start({ dialect: "llama.cpp" });
    const { records, result, report } = await run(s.baseUrl, { source: "synthetic", tokenizer: "auto" }, "auto-server");
    expect(records).toHaveLength(6);
    for (const r of records) {
      expect(r.inputTokens).toBe(48);
      // usage.prompt_tokens less the template's 2 tokens (fake tokenizer) is the asked length.
      expect(r.result.usage!.promptTokens! - 2).toBe(48);
    }
    expect(result!.detail.dataset).toMatchObject({ tokenizer: "server", templateTokens: { count: 2 } });
    expect(result!.metrics["prompt_length_error"]?.value).toBe(0);
    expect(report).toMatch(/\| Prompt tokens \| 48\.0 \| 48\.0 \(\+ 2 of chat template, measured\) \| \+0\.0 % \| 6 of 6 \|/);
    expect(report).toMatch(/tokenizer auto: the model name "models\/tiny\.gguf" matches no local tokenizer; the server's own tokenizer counted/);
  }, 30_000);

  it("a server with no /tokenize: estimates, said loudly, and the prompt-length error shown (template included)", async () => {
    const s = await start({ dialect: "none" });
    const { result, report } = await run(s.baseUrl, { source: "synthetic", tokenizer: "auto" }, "auto-approx");
    expect(result!.detail.dataset?.tokenizer).toBe("approx");
    expect(report).toMatch(/LENGTHS ARE ESTIMATES — tokenizer auto: the model name "models\/tiny\.gguf" matches no local tokenizer and the server answers no \/tokenize/);
    expect(result!.detail.lengths.prompt?.template).toBeUndefined();
    expect(report).toMatch(/\| Prompt tokens \| 48\.0 \| [\d.]+ \(chat template included\) \|/);
  }, 30_000);

  it("tokenizer server on a server without /tokenize stops the scenario with what to do", async () => {
    const s = await start({ dialect: "none" });
    const { stop } = await run(s.baseUrl, { source: "synthetic", tokenizer: "server" }, "server-missing");
    expect(stop?.message).toMatch(/dataset\.tokenizer is server, but .* answers no \/tokenize.*choose qwen3 or llama3/);
  }, 30_000);
});
