import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../../src/errors.js";
import {
  afterDocument,
  cutText,
  documentForBudget,
  documentPrompt,
  fillerText,
  loadDocument,
  loadQuestions,
  nonce,
  noncePrompt,
  pickQuestion,
} from "../../../../src/scenarios/cache/prompts.js";

describe("cache prompts", () => {
  const builtin = loadDocument(undefined).text;

  it("ships a realistic document of about 12 000 characters, and questions", () => {
    expect(builtin.length).toBeGreaterThan(11_000);
    expect(builtin).toContain("prefix caching");
    const q = loadQuestions();
    expect(q.document_questions.length).toBeGreaterThanOrEqual(16);
    expect(new Set(q.document_questions).size).toBe(q.document_questions.length);
    expect(q.follow_ups.length).toBeGreaterThan(0);
  });

  it("cuts the document to the token budget (4 characters a token) at a sentence or word boundary", () => {
    const doc = documentForBudget(builtin, 500);
    expect(doc.length).toBeLessThanOrEqual(2000);
    expect(doc.length).toBeGreaterThan(1800);
    expect(builtin.startsWith(doc)).toBe(true);
    expect(cutText("one two three four", 9)).toBe("one two");
    expect(documentForBudget("short text", 1000)).toBe("short text");
  });

  it("fillers are about the budget long, start elsewhere for each request, and repeat a short source", () => {
    const a = fillerText(builtin, 2000, 0);
    const b = fillerText(builtin, 2000, 1);
    for (const f of [a, b]) {
      expect(f.length).toBeLessThanOrEqual(8000);
      expect(f.length).toBeGreaterThan(7000);
    }
    expect(a.slice(0, 200)).not.toBe(b.slice(0, 200));
    const short = fillerText("A short paragraph.\n\nAnother one.", 100, 3);
    expect(short.length).toBeGreaterThan(350);
  });

  it("nonces are unique and lead the prompts of misses", () => {
    const ns = new Set(Array.from({ length: 1000 }, () => nonce()));
    expect(ns.size).toBe(1000);
    expect(nonce()).toMatch(/^\[request [0-9a-f]{12}\]$/);
    expect(noncePrompt("text", "Summarise.", "[request n]")).toBe("[request n]\n\ntext\n\nSummarise.");
  });

  it("a shared_prefix miss puts its nonce before the document, a hit after it: same text, same length", () => {
    const miss = documentPrompt("DOC", "Why?", "before", "[request n]");
    const hit = documentPrompt("DOC", "Why?", "after", "[request n]");
    expect(miss.startsWith("[request n]")).toBe(true);
    expect(hit.startsWith("Read this document")).toBe(true);
    expect(miss.length).toBe(hit.length);
    expect(afterDocument(hit)).toBe("[request n]\nQuestion: Why?");
    expect(afterDocument(miss)).toBe("Question: Why?");
    expect(afterDocument("no document here")).toBeUndefined();
  });

  it("questions are unique for any index", () => {
    const list = ["A?", "B?"];
    expect([0, 1, 2, 3, 4].map((i) => pickQuestion(list, i))).toEqual(["A?", "B?", "A? (variant 2)", "B? (variant 2)", "A? (variant 3)"]);
  });

  it("a user's document is read relative to the working directory; a missing or empty one is a ConfigError", () => {
    const dir = mkdtempSync(join(tmpdir(), "shakedown-doc-"));
    writeFileSync(join(dir, "doc.txt"), "My own document.");
    writeFileSync(join(dir, "empty.txt"), "  \n");
    expect(loadDocument(join(dir, "doc.txt"))).toEqual({ text: "My own document.", source: join(dir, "doc.txt") });
    expect(() => loadDocument(join(dir, "empty.txt"))).toThrow(ConfigError);
    expect(() => loadDocument(join(dir, "missing.txt"))).toThrow(/not a readable file/);
  });
});
