import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mulberry32 } from "../../../src/metrics/bootstrap.js";
import { compareTexts, tokenize } from "../../../src/metrics/similarity.js";

/** Test oracle: textbook O(n·m) dynamic-programming LCS length (the module uses `diff`). */
function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, cur[j - 1] as number);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

describe("tokenize", () => {
  it("splits words, numbers and single punctuation marks", () => {
    expect(tokenize("Hello, world... It costs 3.14 or 1,000!")).toEqual([
      "Hello", ",", "world", ".", ".", ".", "It", "costs", "3.14", "or", "1,000", "!",
    ]);
  });
  it("is Unicode-aware", () => {
    expect(tokenize("naïve café — don't «x» 👍🏽")).toEqual(["naïve", "café", "—", "don't", "«", "x", "»", "👍🏽"]);
    // Scripts written without spaces are split into words, not kept as one run.
    expect(tokenize("日本語のテキストです").length).toBeGreaterThan(1);
    expect(tokenize("  \n\t ")).toEqual([]);
  });
});

describe("compareTexts", () => {
  it("reports identical texts as exact", () => {
    const c = compareTexts("The answer is 42.", "The answer is 42.");
    expect(c).toEqual({ exact: true, similarity: 1, tokensA: 5, tokensB: 5 });
    expect(compareTexts("", "")).toEqual({ exact: true, similarity: 1, tokensA: 0, tokensB: 0 });
  });
  it("matches a hand-computed similarity", () => {
    // The cat sat on the mat .  /  The cat sat on a mat !  → 7 tokens each;
    // LCS = The cat sat on mat (5) → 2·5/14 = 0.714…; first difference at token 4 (the / a).
    const c = compareTexts("The cat sat on the mat.", "The cat sat on a mat!");
    expect(c.exact).toBe(false);
    expect(c.tokensA).toBe(7);
    expect(c.tokensB).toBe(7);
    expect(c.similarity).toBeCloseTo(10 / 14, 12);
    expect(c.firstDifference).toBe(4);
  });
  it("handles a prefix and an empty side", () => {
    // a b c / a b c d: LCS 3 → 6/7; the first 3 tokens agree.
    expect(compareTexts("a b c", "a b c d")).toMatchObject({ similarity: 6 / 7, firstDifference: 3 });
    expect(compareTexts("", "Hello there")).toMatchObject({ exact: false, similarity: 0, tokensA: 0, tokensB: 2, firstDifference: 0 });
  });
  it("counts whitespace only for exactness and the first difference", () => {
    expect(compareTexts("a  b c", "a b c")).toMatchObject({ exact: false, similarity: 1, firstDifference: 1 });
    expect(compareTexts("a b c", "a b c\n")).toMatchObject({ exact: false, similarity: 1, firstDifference: 3 });
    expect(compareTexts("", " ")).toMatchObject({ exact: false, similarity: 1, firstDifference: 0 });
  });
  it("is case- and accent-sensitive", () => {
    expect(compareTexts("Paris", "paris").similarity).toBe(0);
    expect(compareTexts("café au lait", "cafe au lait").similarity).toBeCloseTo(4 / 6, 12);
  });
  it("agrees with a dynamic-programming LCS, is symmetric and in [0, 1] (property)", () => {
    const word = fc.constantFrom("the", "a", "cat", "sat", "42", "3.5", ",", ".", "!", "été", "日本");
    const text = fc.array(word, { maxLength: 30 }).map((ws) => ws.join(" "));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const ab = compareTexts(a, b);
        const ba = compareTexts(b, a);
        expect(ab.similarity).toBeGreaterThanOrEqual(0);
        expect(ab.similarity).toBeLessThanOrEqual(1);
        expect(ba.similarity).toBe(ab.similarity);
        expect(ba.exact).toBe(ab.exact);
        expect(ba.firstDifference).toBe(ab.firstDifference);
        const ta = tokenize(a);
        const tb = tokenize(b);
        const total = ta.length + tb.length;
        expect(ab.similarity).toBeCloseTo(total === 0 ? 1 : (2 * lcsLength(ta, tb)) / total, 12);
        expect(ab.exact).toBe(a === b);
        if (!ab.exact) {
          const i = ab.firstDifference ?? -1;
          expect(ta.slice(0, i)).toEqual(tb.slice(0, i));
        }
      }),
      { numRuns: 300 },
    );
  });
  it("stops at the edit budget and then gives an upper bound", () => {
    const rand = mulberry32(7);
    const words = (n: number): string => Array.from({ length: n }, () => `w${Math.floor(rand() * 400)}`).join(" ");
    // Two unrelated 2 000-word texts: far more than the default budget, max(1 000, 20 % of 4 000).
    const a = words(2000);
    const b = words(2000);
    const c = compareTexts(a, b);
    expect(c.approximate).toBe(true);
    expect(c.similarity).toBeCloseTo(1 - 1001 / 4000, 12);
    // Explicit budget: "x y z" vs "p q r" needs 6 edits.
    expect(compareTexts("x y z", "p q r", { maxEdits: 2 })).toMatchObject({ approximate: true, similarity: 1 - 3 / 6 });
    const full = compareTexts("x y z", "p q r", { maxEdits: 6 });
    expect(full.similarity).toBe(0);
    expect(full.approximate).toBeUndefined();
    // Near-identical long answers stay exact in the similarity.
    const edited = a.replace(/^w\d+/, "changed");
    const near = compareTexts(a, edited);
    expect(near.approximate).toBeUndefined();
    expect(near.similarity).toBeCloseTo(2 * 1999 / 4000, 12);
    expect(near.firstDifference).toBe(0);
    expect(() => compareTexts("a", "b", { maxEdits: -1 })).toThrow(RangeError);
  });
});
