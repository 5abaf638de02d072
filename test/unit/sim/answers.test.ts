import { describe, expect, it } from "vitest";
import {
  DEFAULT_ANSWER_BANK_PATH,
  REASONING_FORMATS,
  SCRIPTED_KINDS,
  ScriptedAnswers,
  lastUserText,
  loadAnswerBank,
  parseAnswerBank,
  planScripted,
  type AnswerBank,
  type ScriptedVariant,
} from "../../../src/sim/answers.js";
import { resolveSimOptions } from "../../../src/sim/options.js";
import { countTokens, tokenId, tokenize } from "../../../src/sim/tokenizer.js";

const variant = (over: Partial<ScriptedVariant> = {}): ScriptedVariant => ({
  kind: "correct",
  reasoning_format: "field",
  reasoning: "C is given as 5. A is twice C, so A is 10.",
  answer: "**A = 10**, C = 5 and 5 < B < 10.",
  ...over,
});

const bank: AnswerBank = {
  answers: [
    {
      task: "alpha",
      match: "the alpha task prompt",
      variants: [variant(), variant({ kind: "wrong", reasoning_format: "reasoning_content", answer: "A = 7" }), variant({ kind: "truncated", reasoning_format: "think_tag", answer: "A = 1" })],
    },
    { task: "beta", match: "the beta task prompt", variants: [variant({ answer: "beta 0" }), variant({ answer: "beta 1" })] },
  ],
};

const user = (content: unknown) => ({ role: "user", content });
const opts = { maxTokens: 10_000, thinking: true };

describe("answer bank: parsing", () => {
  it("loads the built-in bank, which covers every kind and every reasoning format", () => {
    const b = loadAnswerBank();
    expect(b.answers.length).toBeGreaterThanOrEqual(20);
    const variants = b.answers.flatMap((e) => e.variants);
    for (const k of SCRIPTED_KINDS) expect(variants.some((v) => v.kind === k)).toBe(true);
    for (const f of REASONING_FORMATS) expect(variants.some((v) => v.reasoning_format === f)).toBe(true);
    // read and parsed once per process
    expect(loadAnswerBank(DEFAULT_ANSWER_BANK_PATH)).toBe(b);
  });

  it("rejects a bad bank with a message that names the file and the field", () => {
    expect(() => parseAnswerBank("answers: [", "bank.yaml")).toThrow(/bank\.yaml: YAML syntax error/);
    const dup = `answers:\n  - {task: a, match: "a long enough match", variants: [{kind: correct, reasoning_format: field, reasoning: r, answer: x}]}\n  - {task: a, match: "another long match", variants: [{kind: wrong, reasoning_format: field, reasoning: r, answer: y}]}\n`;
    expect(() => parseAnswerBank(dup, "dup.yaml")).toThrow(/dup\.yaml: .*task "a" has two entries/);
    const empty = `answers:\n  - {task: a, match: "a long enough match", variants: [{kind: correct, reasoning_format: field, reasoning: r, answer: ""}]}\n`;
    expect(() => parseAnswerBank(empty, "e.yaml")).toThrow(/answers\.0\.variants\.0\.answer: only a truncated variant may have an empty answer/);
    const format = `answers:\n  - {task: a, match: "a long enough match", variants: [{kind: correct, reasoning_format: xml, reasoning: r, answer: x}]}\n`;
    expect(() => parseAnswerBank(format, "f.yaml")).toThrow(/reasoning_format/);
    expect(() => loadAnswerBank("/nonexistent/bank.yaml")).toThrow(/scripted answer bank not found: .*scriptedAnswers: false/);
  });
});

describe("answer bank: matching", () => {
  it("matches on the last user message only", () => {
    const s = new ScriptedAnswers(bank);
    expect(s.find([user("Please solve the alpha task prompt now")])?.task).toBe("alpha");
    expect(s.find([user("the alpha task prompt"), { role: "assistant", content: "x" }, user("thanks!")])).toBeUndefined();
    expect(s.find([{ role: "system", content: "the alpha task prompt" }, user("hello")])).toBeUndefined();
    expect(s.find([user("the beta task prompt"), { role: "assistant", content: "ok" }])?.task).toBe("beta");
    expect(s.find([user("The Alpha Task Prompt")])).toBeUndefined(); // exact, case-sensitive
    expect(s.find([user([{ type: "text", text: "part one, " }, { type: "text", text: "the beta task prompt" }])])?.task).toBe("beta");
    expect(lastUserText([{ role: "assistant", content: "a" }])).toBe("");
  });

  it("rotates through a task's variants by how many times this simulator has seen it", () => {
    const s = new ScriptedAnswers(bank);
    const ask = (text: string) => s.answer([user(text)], opts);
    expect(ask("the alpha task prompt")?.variantIndex).toBe(0);
    expect(ask("the beta task prompt")?.variantIndex).toBe(0); // counted per task
    expect(ask("the alpha task prompt")?.variantIndex).toBe(1);
    expect(ask("the alpha task prompt")?.variantIndex).toBe(2);
    expect(ask("the alpha task prompt")?.variantIndex).toBe(0); // wraps around
    expect(ask("the beta task prompt")?.variantIndex).toBe(1);
    expect(s.timesSeen("alpha")).toBe(4);
    expect(ask("nothing to see here")).toBeUndefined();
    // another simulator starts again at variant 0
    expect(new ScriptedAnswers(bank).answer([user("the alpha task prompt")], opts)?.variantIndex).toBe(0);
  });
});

describe("answer bank: planning the tokens", () => {
  it("field: reasoning tokens first (part reasoning, field 'reasoning'), then the answer", () => {
    const v = variant();
    const p = planScripted(v, opts)!;
    const r = tokenize(v.reasoning);
    const a = tokenize(v.answer);
    expect(p.tokens).toEqual([...r, ...a]);
    expect(p.parts).toEqual([...r.map(() => "reasoning"), ...a.map(() => "content")]);
    expect(p.ids).toEqual(p.tokens.map(tokenId));
    expect(p.reasoningTokens).toBe(r.length);
    expect(p.reasoningField).toBe("reasoning");
    expect(p.finishReason).toBe("stop");
    expect(p.kind).toBe("correct");
  });

  it("reasoning_content: the same tokens, sent in the reasoning_content field", () => {
    const p = planScripted(variant({ reasoning_format: "reasoning_content" }), opts)!;
    expect(p.reasoningField).toBe("reasoning_content");
    expect(p.parts[0]).toBe("reasoning");
  });

  it("think_tag: one content text '<think>\\n…\\n</think>\\n\\n' + answer, tokenized as a whole", () => {
    const v = variant({ reasoning_format: "think_tag" });
    const p = planScripted(v, opts)!;
    const text = `<think>\n${v.reasoning}\n</think>\n\n${v.answer}`;
    expect(p.tokens.join("")).toBe(text);
    expect(p.tokens).toEqual(tokenize(text));
    expect(p.parts.every((x) => x === "content")).toBe(true);
    expect(p.tokens[0]).toBe("<think>");
    expect(p.tokens.slice(0, p.reasoningTokens).join("")).toBe(`<think>\n${v.reasoning}\n</think>\n\n`);
  });

  it("a truncated variant ends with finish_reason length; one cut while reasoning never closes <think>", () => {
    const t = planScripted(variant({ kind: "truncated", answer: "partial answer, cut in the" }), opts)!;
    expect(t.finishReason).toBe("length");
    const inThink = planScripted(variant({ kind: "truncated", reasoning_format: "think_tag", answer: "" }), opts)!;
    expect(inThink.tokens.join("")).toBe(`<think>\n${variant().reasoning}`);
    expect(inThink.tokens).not.toContain("</think>");
    expect(inThink.finishReason).toBe("length");
    const fieldOnly = planScripted(variant({ kind: "truncated", answer: "" }), opts)!;
    expect(fieldOnly.parts.every((x) => x === "reasoning")).toBe(true);
  });

  it("any variant longer than max_tokens stops at max_tokens with finish_reason length", () => {
    const v = variant();
    const full = countTokens(v.reasoning) + countTokens(v.answer);
    const cut = planScripted(v, { maxTokens: 5, thinking: true })!;
    expect(cut.tokens).toHaveLength(5);
    expect(cut.parts).toHaveLength(5);
    expect(cut.ids).toHaveLength(5);
    expect(cut.reasoningTokens).toBe(5);
    expect(cut.finishReason).toBe("length");
    const exact = planScripted(v, { maxTokens: full, thinking: true })!;
    expect(exact.tokens).toHaveLength(full);
    expect(exact.finishReason).toBe("stop");
  });

  it("with thinking off (enable_thinking: false) only the answer is sent", () => {
    for (const f of REASONING_FORMATS) {
      const v = variant({ reasoning_format: f });
      const p = planScripted(v, { maxTokens: 10_000, thinking: false })!;
      expect(p.tokens.join("")).toBe(v.answer);
      expect(p.parts.every((x) => x === "content")).toBe(true);
      expect(p.reasoningTokens).toBe(0);
    }
    expect(planScripted(variant({ kind: "truncated", answer: "" }), { maxTokens: 100, thinking: false })).toBeUndefined();
  });
});

describe("simulator options", () => {
  it("scriptedAnswers defaults to true and must be a boolean", () => {
    expect(resolveSimOptions().scriptedAnswers).toBe(true);
    expect(resolveSimOptions({ scriptedAnswers: false }).scriptedAnswers).toBe(false);
    expect(() => resolveSimOptions({ scriptedAnswers: "no" as unknown as boolean })).toThrow(/scriptedAnswers must be true or false/);
  });
});
