import { describe, expect, it } from "vitest";
import { planReply, type ReplyPlanInput } from "../../../src/sim/plan.js";
import { Rng } from "../../../src/sim/hash.js";
import { generateProse, sampleLength } from "../../../src/sim/reply.js";
import { tokenize } from "../../../src/sim/tokenizer.js";

const BASE: ReplyPlanInput = {
  seed: 0,
  promptHash: 12345,
  requestSeed: undefined,
  promptTokens: 100,
  maxModelLen: 4096,
  replyTokens: { mean: 60, min: 20, max: 120 },
  reasoningTokens: { mean: 40, min: 10, max: 80 },
  reasoning: "none",
  maxTokens: undefined,
  minTokens: undefined,
  ignoreEos: false,
};

const plan = (over: Partial<ReplyPlanInput> = {}) => planReply({ ...BASE, ...over });

describe("reply plan", () => {
  it("replays identically for the same seed and prompt, and differs otherwise", () => {
    expect(plan().tokens).toEqual(plan().tokens);
    expect(plan({ promptHash: 999 }).tokens).not.toEqual(plan().tokens);
    expect(plan({ seed: 7 }).tokens).not.toEqual(plan().tokens);
    expect(plan({ requestSeed: 3 }).tokens).not.toEqual(plan().tokens);
  });

  it("stops naturally inside the reply distribution, at a sentence end", () => {
    for (let h = 0; h < 50; h++) {
      const p = plan({ promptHash: h });
      expect(p.finishReason).toBe("stop");
      expect(p.tokens.length).toBeGreaterThanOrEqual(20);
      expect(p.tokens.length).toBeLessThanOrEqual(120);
      expect([".", "?"]).toContain(p.tokens[p.tokens.length - 1]);
      expect(p.ids).toHaveLength(p.tokens.length);
    }
  });

  it("is readable English-like prose, and re-tokenizes to the same tokens", () => {
    const p = plan();
    const text = p.tokens.join("");
    expect(text).toMatch(/^[A-Z][a-z]* [a-z]+/);
    expect(text).not.toMatch(/lorem|ipsum/i);
    expect(tokenize(text)).toEqual(p.tokens);
  });

  it("caps at max_tokens with finish_reason length, keeping the same prefix", () => {
    const natural = plan();
    const capped = plan({ maxTokens: 5 });
    expect(capped.finishReason).toBe("length");
    expect(capped.tokens).toEqual(natural.tokens.slice(0, 5));
    const roomy = plan({ maxTokens: 1000 });
    expect(roomy.tokens).toEqual(natural.tokens);
    expect(roomy.finishReason).toBe("stop");
  });

  it("honours min_tokens and ignore_eos", () => {
    expect(plan({ minTokens: 150, maxTokens: 200 }).tokens.length).toBeGreaterThanOrEqual(150);
    const exact = plan({ ignoreEos: true, maxTokens: 333 });
    expect(exact.tokens).toHaveLength(333);
    expect(exact.finishReason).toBe("length");
    // without max_tokens, ignore_eos runs to the context limit
    expect(plan({ ignoreEos: true, maxModelLen: 600 }).tokens).toHaveLength(500);
  });

  it("puts a reasoning block first: a separate part in field mode, inline <think> in think_tag mode", () => {
    const field = plan({ reasoning: "field" });
    expect(field.reasoningTokens).toBeGreaterThanOrEqual(10);
    expect(field.parts.slice(0, field.reasoningTokens).every((p) => p === "reasoning")).toBe(true);
    expect(field.parts.slice(field.reasoningTokens).every((p) => p === "content")).toBe(true);
    const tag = plan({ reasoning: "think_tag" });
    expect(tag.tokens[0]).toBe("<think>");
    expect(tag.tokens).toContain("</think>");
    expect(tag.parts.every((p) => p === "content")).toBe(true);
    // the answer after the reasoning is the same text as without reasoning
    expect(field.tokens.slice(field.reasoningTokens)).toEqual(plan().tokens);
  });

  it("samples lengths inside [min, max] around the mean", () => {
    const rng = new Rng(1);
    const xs = Array.from({ length: 2000 }, () => sampleLength(rng, { mean: 150, min: 60, max: 300 }));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...xs)).toBeLessThanOrEqual(300);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeGreaterThan(140);
    expect(mean).toBeLessThan(160);
  });

  it("generates prose in the same order whatever the amount asked", () => {
    const short = generateProse(new Rng(5), 50).tokens;
    const long = generateProse(new Rng(5), 500).tokens;
    expect(long.slice(0, short.length)).toEqual(short);
  });
});
