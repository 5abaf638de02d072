/**
 * Issue 11.11 against a real llama.cpp server (../shared/llama-server: its model id is a file
 * path, "models/tiny.gguf", which names no local tokenizer): `tokenizer: auto` sizes the
 * prompts through the server's own /tokenize, so each prompt is exactly the length asked by
 * the server's count (usage.prompt_tokens less the chat template's tokens, measured here
 * independently of shakedown), and the report gives the prompt-length error beside the
 * output-length error. Before the fix, auto fell back to 4 characters a token (196 tokens
 * sent for 256 asked) and the report compared only the output lengths. Skipped, with a
 * notice, where the folder is absent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { executeRun } from "../../../src/run/executor.js";
import type { LoadDetail } from "../../../src/scenarios/load/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { llamaServerAvailable, llamaServerNotice, startLlamaServer, type RunningLlamaServer } from "../../helpers/llama-server.js";
import { tempDir } from "../../helpers/tmp.js";

llamaServerNotice();
const out = tempDir();
let server: RunningLlamaServer | undefined;

beforeAll(async () => {
  if (llamaServerAvailable) server = await startLlamaServer();
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Tokens of a text by the server, as the chat path counts a templated prompt (special tokens parsed). */
async function serverCount(content: string, special = false): Promise<number> {
  return (await post<{ tokens: unknown[] }>("/tokenize", { content, add_special: special, parse_special: special })).tokens.length;
}

/** The chat template's tokens around a user message, measured here apart from shakedown. */
async function templateTokens(): Promise<number> {
  const content = "how many tokens";
  const { prompt } = await post<{ prompt: string }>("/apply-template", { messages: [{ role: "user", content }] });
  return (await serverCount(prompt, true)) - (await serverCount(content));
}

async function run(dataset: Record<string, unknown>, name: string) {
  const input: SuiteInput = {
    name,
    target: { url: server!.baseUrl },
    scenarios: [{ kind: "load", mode: "closed", concurrency: 2, requests: 8, input_tokens: 256, output_tokens: 16, calibrate: false, dataset } as never],
    output: { dir: out },
  } as SuiteInput;
  const { dir, results } = await executeRun(validateSuiteObject(input, "test suite"));
  const records = readFileSync(join(dir, "records.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RequestRecord)
    .filter((r) => r.scenario === "load");
  return { records, result: results.scenarios[0] as ScenarioResult<LoadDetail>, report: readFileSync(join(dir, "report.md"), "utf8") };
}

describe.skipIf(!llamaServerAvailable)("load prompt lengths against llama-server", () => {
  it("tokenizer auto: the server's own tokenizer; every prompt exactly the asked length by the server's usage, the prompt-length error in the report", async () => {
    const template = await templateTokens();
    expect(template).toBeGreaterThan(0);
    const { records, result, report } = await run({ source: "synthetic", tokenizer: "auto", input_spread: 0.2 }, "llama-lengths-auto");
    expect(records).toHaveLength(8);
    expect(result.detail.dataset).toMatchObject({ tokenizer: "server", exactCounts: true, templateTokens: { count: template } });
    const asked = new Set<number>();
    for (const r of records) {
      expect(r.result.ok, JSON.stringify(r.result.error)).toBe(true);
      asked.add(r.inputTokensAsked!);
      // The server's count, two ways: the chat's usage less the template, and /tokenize of the content.
      expect(r.result.usage!.promptTokens! - template).toBe(r.inputTokensAsked);
      expect(await serverCount(r.newMessages[0]!.content!)).toBe(r.inputTokensAsked);
      expect(r.inputTokens).toBe(r.inputTokensAsked);
    }
    // input_spread 0.2: the lengths asked vary, and each was met.
    expect(asked.size).toBeGreaterThan(1);
    expect(result.metrics["prompt_length_error"]).toMatchObject({ value: 0, n: 8 });
    expect(result.metrics["output_length_error"]).toMatchObject({ value: 0, n: 8 });
    expect(report).toMatch(new RegExp(`\\| Prompt tokens \\| [\\d.]+ \\| [\\d.]+ \\(\\+ ${template} of chat template, measured\\) \\| \\+0\\.0 % \\| 8 of 8 \\|`));
    expect(report).toMatch(/\| Output tokens \| 16\.0 \| 16\.0 \| \+0\.0 % \| 8 of 8 \|/);
    expect(report).toMatch(/tokenizer auto: the model name "models\/tiny\.gguf" matches no local tokenizer; the server's own tokenizer counted \(llama\.cpp \/tokenize/);
  }, 60_000);

  it("tokenizer approx (estimates): the report says how far the prompts were from the asked length, by the server's count", async () => {
    const template = await templateTokens();
    const { records, result, report } = await run({ source: "synthetic", tokenizer: "approx" }, "llama-lengths-approx");
    const own = records.map((r) => r.result.usage!.promptTokens! - template);
    const mean = own.reduce((a, b) => a + b, 0) / own.length;
    expect(result.detail.lengths.prompt?.template).toEqual({ count: template, basis: "measured" });
    expect(result.detail.lengths.prompt?.counted).toBeCloseTo(mean, 9);
    expect(result.metrics["prompt_length_error"]?.value).toBeCloseTo(mean / 256 - 1, 9);
    expect(Math.abs(mean - 256)).toBeGreaterThan(5);
    expect(report).toMatch(/PROMPT LENGTHS OFF: prompts were [\d.]+ tokens on average \(the server's count less \d+ tokens of chat template, measured through the server\) where 256 were asked/);
    expect(report).toMatch(/ESTIMATES \(4 characters a token\)/);
  }, 60_000);
});
