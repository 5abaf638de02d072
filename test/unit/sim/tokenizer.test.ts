import { describe, expect, it } from "vitest";
import { renderChatPrompt } from "../../../src/sim/chat-template.js";
import { countTokens, encode, SPECIAL_TOKENS, tokenId, tokenize } from "../../../src/sim/tokenizer.js";

const ENGLISH =
  "The team validated the inference service before putting it into production. Long conversations, " +
  "prefix caching and concurrent load were measured with care, and every number in the report says how " +
  "many samples it rests on. When the server slowed down, the queue grew and the time to first token " +
  "went up; the report explains why, with charts and tables that people actually read.";

describe("sim tokenizer", () => {
  it("joins back to the exact text", () => {
    for (const text of [ENGLISH, "  two  spaces\n\n\ttabs\r\n", "x=1234567; y = 3.14!?", "héllo wörld 日本語のテキスト", ""]) {
      expect(tokenize(text).join("")).toBe(text);
    }
  });

  it("is deterministic and id-stable", () => {
    expect(encode(ENGLISH)).toEqual(encode(ENGLISH));
    expect(tokenId(" the")).toBe(tokenId(" the"));
    expect(tokenId(" the")).not.toBe(tokenId("the"));
  });

  it("averages roughly 4 characters a token on English", () => {
    const ratio = ENGLISH.length / countTokens(ENGLISH);
    expect(ratio).toBeGreaterThan(3.3);
    expect(ratio).toBeLessThan(5.5);
  });

  it("keeps short words whole and cuts long ones into 4-letter pieces", () => {
    expect(tokenize("the cat")).toEqual(["the", " cat"]);
    expect(tokenize(" inference")).toEqual([" infe", "renc", "e"]);
    expect(tokenize("12345")).toEqual(["123", "45"]);
    expect(tokenize("a, b.")).toEqual(["a", ",", " b", "."]);
  });

  it("treats chat-template markers as single special tokens", () => {
    const toks = tokenize("<|im_start|>user\nhi<|im_end|>\n<think>x</think>");
    expect(toks).toEqual(["<|im_start|>", "user", "\n", "hi", "<|im_end|>", "\n", "<think>", "x", "</think>"]);
    expect(tokenId("<|im_start|>")).toBe(SPECIAL_TOKENS["<|im_start|>"]);
  });

  it("renders ChatML with a generation prompt", () => {
    const text = renderChatPrompt([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Hello" }] },
    ]);
    expect(text).toBe("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
  });

  it("tokenizes a resent reply the same way inside the next prompt (prefix-stable)", () => {
    const reply = "First, check the threshold; then measure the queue.";
    const turn1 = renderChatPrompt([{ role: "user", content: "Q1" }]);
    const turn2 = renderChatPrompt([
      { role: "user", content: "Q1" },
      { role: "assistant", content: reply },
      { role: "user", content: "Q2" },
    ]);
    const prefix = [...encode(turn1), ...encode(reply)];
    expect(encode(turn2).slice(0, prefix.length)).toEqual(prefix);
  });
});
