import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { loadDataset, type DatasetConfig, type LoadedDataset } from "../../../src/workload/datasets.js";
import { loadTokenizer, type TextTokenizer } from "../../../src/workload/tokenizers.js";

const FIX = "test/fixtures/datasets";
const fix = (name: string): string => join(FIX, name);
const content = (ds: LoadedDataset, i: number): string => ds.get(i).messages[0]!.content!;

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe("synthetic, exact lengths", () => {
  const toks: Record<"qwen3" | "llama3", TextTokenizer> = {} as never;
  beforeAll(async () => {
    toks.qwen3 = await loadTokenizer("qwen3");
    toks.llama3 = await loadTokenizer("llama3");
  });

  it.each(["qwen3", "llama3"] as const)("%s: every prompt is exactly its inputTokens (property)", async (name) => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 4, max: 2000 }),
        fc.integer({ min: 0, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 0.1, 0.5),
        fc.nat({ max: 10_000 }),
        async (n, seed, prefix, spread, index) => {
          const ds = await loadDataset({ source: "synthetic", input_tokens: n, output_tokens: 16, tokenizer: name, seed, prefix_tokens: prefix, input_spread: spread }, 100);
          for (const i of [index, index + 1]) {
            const r = ds.get(i);
            expect(r.messages).toHaveLength(1);
            expect(r.messages[0]!.role).toBe("user");
            expect(toks[name].count(r.messages[0]!.content!)).toBe(r.inputTokens);
            expect(r.inputTokens).toBeGreaterThanOrEqual(Math.floor(n * (1 - spread)));
            expect(r.inputTokens).toBeLessThanOrEqual(Math.ceil(n * (1 + spread)));
          }
          expect(ds.info.notes).toEqual([]); // no fallback to fitting
        },
      ),
      { numRuns: 30, seed: 42 },
    );
  });

  it("prompts are distinct past the shared prefix, and the prefix is exactly prefix_tokens", async () => {
    const tok = toks.qwen3;
    const ds = await loadDataset({ source: "synthetic", input_tokens: 64, output_tokens: 8, tokenizer: "qwen3", seed: 3, prefix_tokens: 20 }, 1000);
    const texts = Array.from({ length: 1000 }, (_, i) => content(ds, i));
    expect(new Set(texts).size).toBe(1000);
    const ids = texts.slice(0, 50).map((t) => tok.encode(t));
    for (const x of ids) expect(x.slice(0, 20)).toEqual(ids[0]!.slice(0, 20));
    // Consecutive requests differ at the first token after the prefix.
    for (let i = 1; i < ids.length; i++) expect(ids[i]![20]).not.toBe(ids[i - 1]![20]);
  });

  it("without a prefix, consecutive prompts differ at the first token", async () => {
    const ds = await loadDataset({ source: "synthetic", input_tokens: 32, output_tokens: 8, tokenizer: "llama3", seed: 9 }, 50);
    const first = Array.from({ length: 50 }, (_, i) => toks.llama3.encode(content(ds, i))[0]);
    for (let i = 1; i < first.length; i++) expect(first[i]).not.toBe(first[i - 1]);
  });

  it("is deterministic by seed", async () => {
    const cfg: DatasetConfig = { source: "synthetic", input_tokens: 100, output_tokens: 50, tokenizer: "qwen3", seed: 11, input_spread: 0.3, output_spread: 0.5 };
    const a = await loadDataset(cfg, 20);
    const b = await loadDataset(cfg, 20);
    const c = await loadDataset({ ...cfg, seed: 12 }, 20);
    expect(Array.from({ length: 20 }, (_, i) => a.get(i))).toEqual(Array.from({ length: 20 }, (_, i) => b.get(i)));
    expect(content(a, 0)).not.toBe(content(c, 0));
    expect(a.get(5)).toEqual(a.get(5)); // any order, any number of calls
  });

  it("output lengths: exact without spread, uniform integers within the spread", async () => {
    const fixed = await loadDataset({ source: "synthetic", input_tokens: 16, output_tokens: 77, tokenizer: "qwen3", seed: 1 }, 10);
    expect(new Set(Array.from({ length: 10 }, (_, i) => fixed.get(i).outputTokens))).toEqual(new Set([77]));
    const spread = await loadDataset({ source: "synthetic", input_tokens: 16, output_tokens: 100, output_spread: 0.5, tokenizer: "qwen3", seed: 1 }, 2000);
    const outs = Array.from({ length: 2000 }, (_, i) => spread.get(i).outputTokens!);
    expect(Math.min(...outs)).toBe(50);
    expect(Math.max(...outs)).toBe(150);
    expect(outs.every(Number.isInteger)).toBe(true);
    const mean = outs.reduce((s, x) => s + x, 0) / outs.length;
    expect(mean).toBeGreaterThan(95);
    expect(mean).toBeLessThan(105);
    expect(spread.info).toMatchObject({ source: "synthetic", tokenizer: "qwen3", exactCounts: true, entries: 2000, used: 2000, skipped: {} });
  });

  it("refuses prompts too short for the prefix and the nonce", async () => {
    const e = await configError(loadDataset({ source: "synthetic", input_tokens: 10, output_tokens: 8, tokenizer: "qwen3", seed: 1, prefix_tokens: 10 }, 100));
    expect(e.message).toMatch(/prefix_tokens|nonce/);
    expect(e.code).toBe("SHAKEDOWN_DATASET_INVALID");
    // 1 token is enough for fewer requests than the nonce vocabulary; not for 100k.
    await expect(loadDataset({ source: "synthetic", input_tokens: 1, output_tokens: 1, tokenizer: "qwen3", seed: 1 }, 100)).resolves.toBeDefined();
    await configError(loadDataset({ source: "synthetic", input_tokens: 1, output_tokens: 1, tokenizer: "qwen3", seed: 1 }, 100_000));
  });
});

describe("synthetic, approx", () => {
  it("sizes prompts at 4 characters a token, without claiming a count", async () => {
    const ds = await loadDataset({ source: "synthetic", input_tokens: 256, output_tokens: 32, tokenizer: "approx", seed: 5, prefix_tokens: 16 }, 100);
    const texts = Array.from({ length: 100 }, (_, i) => content(ds, i));
    expect(new Set(texts).size).toBe(100);
    for (const t of texts) expect(t.length).toBe(256 * 4);
    for (const t of texts) expect(t.slice(0, 64)).toBe(texts[0]!.slice(0, 64));
    expect(texts[1]!.slice(0, 65)).not.toBe(texts[0]!.slice(0, 65));
    expect(ds.get(0).inputTokens).toBeUndefined();
    expect(ds.get(0).outputTokens).toBe(32);
    expect(ds.info.exactCounts).toBe(false);
  });

  it("rejects bad knobs", async () => {
    await configError(loadDataset({ source: "synthetic", input_tokens: 100, output_tokens: 10, tokenizer: "approx", seed: 1, input_spread: 1 }, 10));
    await configError(loadDataset({ source: "synthetic", input_tokens: 0, output_tokens: 10, tokenizer: "approx", seed: 1 }, 10));
    await configError(loadDataset({ source: "synthetic", input_tokens: 10, output_tokens: 10, tokenizer: "approx", seed: 1, prefix_tokens: -1 }, 10));
    await expect(loadDataset({ source: "synthetic", input_tokens: 10, output_tokens: 10, tokenizer: "approx", seed: 1 }, 0)).rejects.toThrow(RangeError);
    const ds = await loadDataset({ source: "synthetic", input_tokens: 10, output_tokens: 10, tokenizer: "approx", seed: 1 }, 1);
    expect(() => ds.get(-1)).toThrow(RangeError);
  });
});

describe("sharegpt", () => {
  const small = fix("sharegpt-small.json");

  it("takes the first human turn and its reply, skipping as vLLM does, and counts why", async () => {
    const ds = await loadDataset({ source: "sharegpt", path: small, seed: 1 }, 100);
    expect(ds.info).toMatchObject({
      source: "sharegpt",
      path: small,
      tokenizer: "approx",
      exactCounts: false,
      entries: 13,
      examined: 13,
      used: 7,
      skipped: { too_few_turns: 2, empty_text: 1, prompt_too_short: 1, output_too_short: 1, no_prompt_reply: 1 },
    });
    expect(ds.info.notes.join(" ")).toMatch(/estimates/);
    expect(ds.info.notes.join(" ")).toMatch(/7 usable entries for 100 requests/);
    const prompts = new Set(Array.from({ length: 7 }, (_, i) => content(ds, i)));
    expect(prompts.size).toBe(7);
    expect(prompts).toContain("List three prime numbers greater than one hundred.");
    expect(prompts).toContain("What is the capital city of Australia, please?");
    expect(prompts).toContain("Traduis en français : « le serveur répond vite » — et explique 🚀 [{ \"quoted\" }].");
    // It cycles over the shuffled entries.
    expect(ds.get(7)).toEqual(ds.get(0));
    expect(ds.get(0).messages).toEqual([{ role: "user", content: content(ds, 0) }]);
    expect(ds.get(0).inputTokens).toBeUndefined();
    const haiku = Array.from({ length: 7 }, (_, i) => ds.get(i)).find((r) => r.messages[0]!.content!.includes("haiku"))!;
    expect(haiku.outputTokens).toBe(Math.ceil("Fans roar in the dark,\nsilicon dreams of matrices,\ndawn finds it still warm.".length / 4));
  });

  it("counts with a real tokenizer, and filters on max lengths", async () => {
    const tok = await loadTokenizer("qwen3");
    const ds = await loadDataset({ source: "sharegpt", path: small, seed: 1, tokenizer: "qwen3", max_input_tokens: 60, max_output_tokens: 60 }, 100);
    expect(ds.info.used).toBe(5);
    expect(ds.info.skipped).toMatchObject({ prompt_too_long: 1, output_too_long: 1 });
    expect(ds.info.exactCounts).toBe(true);
    for (let i = 0; i < 5; i++) {
      const r = ds.get(i);
      expect(r.inputTokens).toBe(tok.count(r.messages[0]!.content!));
      expect(r.inputTokens).toBeLessThanOrEqual(60);
      expect(r.outputTokens).toBeLessThanOrEqual(60);
      expect(r.outputTokens).toBeGreaterThanOrEqual(4);
    }
    const kv = Array.from({ length: 5 }, (_, i) => ds.get(i)).find((r) => r.messages[0]!.content!.includes("KV cache"))!;
    expect(kv.outputTokens).toBe(tok.count("A KV cache stores the attention keys and values of tokens already processed. Each new token then attends to them without recomputing the whole prefix."));
  });

  it("stops reading once it has enough, deterministically by seed", async () => {
    const a = await loadDataset({ source: "sharegpt", path: small, seed: 7 }, 2);
    const b = await loadDataset({ source: "sharegpt", path: small, seed: 7 }, 2);
    expect(a.info.used).toBe(2);
    expect(a.info.examined).toBeLessThan(13);
    expect([a.get(0), a.get(1)]).toEqual([b.get(0), b.get(1)]);
    const orders = new Set<string>();
    for (let seed = 0; seed < 8; seed++) orders.add(content(await loadDataset({ source: "sharegpt", path: small, seed }, 1), 0));
    expect(orders.size).toBeGreaterThan(1);
  });

  describe("a file larger than the scan buffer", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "shakedown-datasets-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("is indexed across chunk boundaries, strings with brackets and escapes included", async () => {
      const tricky = 'He said "}]{[" and \\ then \\" — ünïcödé ✓ ' + "x".repeat(3000);
      const entries = Array.from({ length: 2500 }, (_, i) => ({ id: `e${i}`, conversations: [{ from: "human", value: `Question ${i}: ${tricky}` }, { from: "gpt", value: `Answer number ${i}.` }] }));
      const path = join(dir, "big.json");
      writeFileSync(path, "\uFEFF" + JSON.stringify(entries, null, 1));
      const ds = await loadDataset({ source: "sharegpt", path, seed: 2 }, 2500);
      expect(ds.info).toMatchObject({ entries: 2500, used: 2500, skipped: {} });
      const seen = new Set(Array.from({ length: 2500 }, (_, i) => /^Question (\d+):/.exec(content(ds, i))![1]));
      expect(seen.size).toBe(2500);
      expect(content(ds, 0).endsWith(tricky)).toBe(true);
    });

    it.each([0, 1])("keeps an escaped quote whose backslash is the last byte of a chunk (shift %i)", async (shift) => {
      const head = '[{"conversations": [{"from": "human", "value": "';
      const chunk = 4 << 20;
      // Bytes: head, then 'a' up to the chunk's last byte (or the one before), then \" and more text.
      const pad = "a".repeat(chunk - 1 - shift - head.length);
      const value = `${pad}"} ], [ { still the same string`;
      const path = join(dir, `boundary-${shift}.json`);
      writeFileSync(path, head + JSON.stringify(value).slice(1, -1) + '"}, {"from": "gpt", "value": "a reply of some length"}]}]');
      const ds = await loadDataset({ source: "sharegpt", path, seed: 0 }, 1);
      expect(ds.info.entries).toBe(1);
      expect(content(ds, 0)).toBe(value);
    });
  });

  it.each([
    ["missing.json", /^ShareGPT dataset not found: .*missing\.json \(looked at /],
    ["sharegpt-bad-jsonl.json", /sharegpt-bad-jsonl\.json:1: a JSON object; .*jsonl source/],
    ["sharegpt-bad-not-json.json", /sharegpt-bad-not-json\.json:1: not a JSON array/],
    ["sharegpt-bad-truncated.json", /sharegpt-bad-truncated\.json:3: the file ends inside the JSON array/],
    ["sharegpt-bad-entry.json", /sharegpt-bad-entry\.json:3: entry 2 is not an object/],
    ["sharegpt-bad-no-conversations.json", /sharegpt-bad-no-conversations\.json:2: entry 1 has no "conversations" array/],
    ["sharegpt-bad-turn.json", /sharegpt-bad-turn\.json:2: entry 1, turn 1: expected \{"from"/],
    ["sharegpt-bad-empty-array.json", /the array is empty/],
    ["sharegpt-all-skipped.json", /no usable conversation among 2 entries \(skipped: 1 prompt under 4 tokens, 1 fewer than 2 turns\)|no usable conversation among 2 entries \(skipped: 1 fewer than 2 turns, 1 prompt under 4 tokens\)/],
  ])("%s → ConfigError", async (name, message) => {
    const e = await configError(loadDataset({ source: "sharegpt", path: fix(name), seed: 0 }, 10));
    expect(e.message).toMatch(message);
  });

  it("reports a syntax error inside an entry with its line", async () => {
    // Too few good entries for the requests, so the loader reaches the broken one (line 4).
    const e = await configError(loadDataset({ source: "sharegpt", path: fix("sharegpt-bad-syntax.json"), seed: 0 }, 10));
    expect(e.message).toMatch(/sharegpt-bad-syntax\.json:4: entry 2 is not valid JSON/);
  });

  it("rejects a directory and bad max lengths", async () => {
    await configError(loadDataset({ source: "sharegpt", path: FIX, seed: 0 }, 1));
    await configError(loadDataset({ source: "sharegpt", path: small, seed: 0, max_input_tokens: 2 }, 1));
  });
});

describe("jsonl", () => {
  const good = fix("prompts.jsonl");

  it("reads prompts and messages, skips blank lines, keeps per-line output lengths", async () => {
    const ds = await loadDataset({ source: "jsonl", path: good, seed: 4 }, 5);
    expect(ds.info).toMatchObject({ source: "jsonl", entries: 5, examined: 5, used: 5, skipped: {}, tokenizer: "approx", exactCounts: false, notes: [] });
    const all = Array.from({ length: 5 }, (_, i) => ds.get(i));
    const byFirst = new Map(all.map((r) => [r.messages[r.messages.length - 1]!.content, r]));
    expect(byFirst.get("Write one sentence about the moon.")!.outputTokens).toBe(32);
    expect(byFirst.get("Say good morning.")!.outputTokens).toBe(16);
    expect(byFirst.get("Say good morning.")!.messages).toEqual([
      { role: "system", content: "You answer in French." },
      { role: "user", content: "Say good morning." },
    ]);
    expect(byFirst.get("Another one?")!.messages).toHaveLength(3);
    expect(byFirst.get("Count from one to five.")!.outputTokens).toBeUndefined();
    expect(byFirst.get("Count from one to five.")!.messages).toEqual([{ role: "user", content: "Count from one to five." }]);
  });

  it("shuffles by seed and cycles", async () => {
    const a = await loadDataset({ source: "jsonl", path: good, seed: 4 }, 12);
    const b = await loadDataset({ source: "jsonl", path: good, seed: 4 }, 12);
    expect(Array.from({ length: 12 }, (_, i) => a.get(i))).toEqual(Array.from({ length: 12 }, (_, i) => b.get(i)));
    expect(a.get(5)).toEqual(a.get(0));
    expect(a.info.notes.join(" ")).toMatch(/5 usable entries for 12 requests/);
  });

  it("counts content tokens with a real tokenizer, only for the entries used", async () => {
    const tok = await loadTokenizer("llama3");
    const ds = await loadDataset({ source: "jsonl", path: good, seed: 4, tokenizer: "llama3" }, 2);
    expect(ds.info.used).toBe(2);
    expect(ds.info.entries).toBe(5);
    for (const i of [0, 1]) {
      const r = ds.get(i);
      expect(r.inputTokens).toBe(r.messages.reduce((s, m) => s + tok.count(m.content!), 0));
    }
  });

  it.each([
    ["missing.jsonl", /^JSONL dataset not found: .*missing\.jsonl \(looked at .*\); check the dataset path/],
    ["jsonl-bad-syntax.jsonl", /jsonl-bad-syntax\.jsonl:3: not JSON/],
    ["jsonl-bad-not-object.jsonl", /jsonl-bad-not-object\.jsonl:2: an array, not a JSON object/],
    ["jsonl-bad-role.jsonl", /jsonl-bad-role\.jsonl:2: messages\[0\]: role must be "system", "user" or "assistant", found "robot"/],
    ["jsonl-bad-both.jsonl", /jsonl-bad-both\.jsonl:1: both "prompt" and "messages"/],
    ["jsonl-bad-output-tokens.jsonl", /jsonl-bad-output-tokens\.jsonl:1: "output_tokens" must be a positive integer/],
    ["jsonl-bad-content-parts.jsonl", /jsonl-bad-content-parts\.jsonl:1: messages\[0\]: content must be a string/],
    ["jsonl-empty.jsonl", /jsonl-empty\.jsonl: no prompts/],
  ])("%s → ConfigError", async (name, message) => {
    const e = await configError(loadDataset({ source: "jsonl", path: fix(name), seed: 0 }, 10));
    expect(e.message).toMatch(message);
  });
});

describe("suites/datasets/example.jsonl", () => {
  it("loads", async () => {
    const ds = await loadDataset({ source: "jsonl", path: "suites/datasets/example.jsonl", seed: 0 }, 100);
    expect(ds.info.entries).toBeGreaterThanOrEqual(5);
  });
});
