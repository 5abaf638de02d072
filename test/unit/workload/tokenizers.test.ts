import { beforeAll, describe, expect, it } from "vitest";
import { APPROX_CHARS_PER_TOKEN, loadTokenizer, TOKENIZER_NAMES, tokenizerForModel, type TextTokenizer } from "../../../src/workload/tokenizers.js";

describe("tokenizerForModel", () => {
  it.each([
    ["Qwen/Qwen3-8B", "qwen3"],
    ["Qwen/Qwen3-30B-A3B-Instruct-2507", "qwen3"],
    ["qwen3:32b", "qwen3"],
    ["Qwen3-Coder-480B-A35B-Instruct", "qwen3"],
    ["QWEN_3-0.6B", "qwen3"],
    ["meta-llama/Llama-3.1-8B-Instruct", "llama3"],
    ["meta-llama/Meta-Llama-3-70B-Instruct", "llama3"],
    ["llama3.2:3b", "llama3"],
    ["unsloth/llama-3.3-70b-instruct", "llama3"],
  ] as const)("%s → %s", (model, name) => {
    expect(tokenizerForModel(model)).toBe(name);
  });

  it.each([
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/QwQ-32B",
    "Qwen/Qwen-32B",
    "qwen3b",
    "Qwen/Qwen3.5-9B",
    "openlm-research/open_llama_3b",
    "codellama/CodeLlama-34b-Instruct-hf",
    "meta-llama/Llama-2-7b-chat-hf",
    "meta-llama/Llama-4-Scout-17B-16E",
    "gpt-4o",
    "",
  ])("%j → undefined", (model) => {
    expect(tokenizerForModel(model)).toBeUndefined();
  });
});

describe("approx", () => {
  it("estimates 4 characters a token, with pseudo ids that cannot be decoded", async () => {
    const t = await loadTokenizer("approx");
    expect(t.name).toBe("approx");
    expect(t.exact).toBe(false);
    expect(APPROX_CHARS_PER_TOKEN).toBe(4);
    expect(t.count("")).toBe(0);
    expect(t.count("abcd")).toBe(1);
    expect(t.count("abcde")).toBe(2);
    const ids = t.encode("abcdabcdxy");
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(() => t.decode(ids)).toThrow(/cannot decode/);
  });

  it("is cached", async () => {
    expect(await loadTokenizer("approx")).toBe(await loadTokenizer("approx"));
  });
});

describe.each([
  ["qwen3", 9707],
  ["llama3", 9906],
] as const)("%s", (name, helloId) => {
  let tok: TextTokenizer;
  beforeAll(async () => {
    tok = await loadTokenizer(name);
  });

  it("loads once and is exact", async () => {
    expect(await loadTokenizer(name)).toBe(tok);
    expect(tok.name).toBe(name);
    expect(tok.exact).toBe(true);
    expect(TOKENIZER_NAMES).toContain(name);
  });

  it("encodes without special tokens, counts and round-trips", () => {
    expect(tok.encode("")).toEqual([]);
    expect(tok.encode("Hello")).toEqual([helloId]);
    const text = "Le serveur répond vite — 速い 🚀 <think> ids: [1, 22, 333]\n\tdone.";
    const ids = tok.encode(text);
    expect(tok.count(text)).toBe(ids.length);
    expect(tok.decode(ids)).toBe(text);
  });
});
