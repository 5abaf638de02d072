/**
 * The synthetic loader's fallback: should a tokenizer not split its word-built prompts at
 * word boundaries, each prompt is fitted by re-encoding. A fake tokenizer that adds one
 * token to any text over 40 characters (a "merge" the fast construction cannot see) drives it.
 */
import { describe, expect, it, vi } from "vitest";
import type { TextTokenizer } from "../../../src/workload/tokenizers.js";

const fake: TextTokenizer = {
  name: "qwen3",
  exact: true,
  count: (text) => (text.match(/\S+/g)?.length ?? 0) + (text.length > 40 ? 1 : 0),
  encode: (text) => Array.from({ length: fake.count(text) }, (_, i) => i),
  decode: () => "",
};

vi.mock("../../../src/workload/tokenizers.js", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../../src/workload/tokenizers.js")>()),
  loadTokenizer: async () => fake,
}));

const { loadDataset } = await import("../../../src/workload/datasets.js");

describe("synthetic prompts with a tokenizer that merges across words", () => {
  it("are fitted by re-encoding, and say so", async () => {
    const ds = await loadDataset({ source: "synthetic", input_tokens: 200, output_tokens: 8, tokenizer: "qwen3", seed: 1, input_spread: 0.5, prefix_tokens: 5 }, 50);
    expect(ds.info.notes.join(" ")).toMatch(/fitted by re-encoding/);
    for (let i = 0; i < 50; i++) {
      const r = ds.get(i);
      expect(fake.count(r.messages[0]!.content!)).toBe(r.inputTokens);
    }
  });
});
