import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ThinkSplitter } from "../../../src/client/think-splitter.js";

/** Runs pieces through a splitter; returns concatenated reasoning/content as the assembler would see them. */
function run(pieces: string[]): { reasoning: string; content: string; reclassified: boolean } {
  const sp = new ThinkSplitter();
  let reasoning = "";
  let content = "";
  let reclassified = false;
  for (const p of pieces) {
    sp.push(p);
    if (sp.reclassified) {
      reclassified = true;
      reasoning = content + reasoning;
      content = "";
    }
    reasoning += sp.reasoning;
    content += sp.content;
  }
  sp.end();
  reasoning += sp.reasoning;
  content += sp.content;
  return { reasoning, content, reclassified };
}

describe("ThinkSplitter", () => {
  it("passes plain content through", () => {
    expect(run(["Hello", " world"])).toEqual({ reasoning: "", content: "Hello world", reclassified: false });
  });

  it("splits a leading <think> block", () => {
    expect(run(["<think>\nhmm\n</think>\n\nAnswer"])).toEqual({ reasoning: "\nhmm\n", content: "\n\nAnswer", reclassified: false });
  });

  it("handles tags split across chunks", () => {
    expect(run(["<th", "ink>", "a", "b</", "think", ">", "c"])).toEqual({ reasoning: "ab", content: "c", reclassified: false });
    expect(run(["  <", "t", "h", "i", "n", "k", ">x<", "/", "t", "hink>y"])).toEqual({ reasoning: "x", content: "y", reclassified: false });
  });

  it("treats everything before a bare </think> as reasoning (Qwen3 with <think> in the prompt)", () => {
    expect(run(["Let me", " think.", "</think>", "\n\n42"])).toEqual({ reasoning: "Let me think.", content: "\n\n42", reclassified: true });
    expect(run(["a</thi", "nk>b"])).toEqual({ reasoning: "a", content: "b", reclassified: true });
  });

  it("treats an unclosed <think> as all reasoning", () => {
    expect(run(["<think>", "still thinking", " </thi"])).toEqual({ reasoning: "still thinking </thi", content: "", reclassified: false });
  });

  it("leaves tags after the answer started, and a <think> not at the start, as text", () => {
    expect(run(["<think>a</think>b <think>c</think>"])).toEqual({ reasoning: "a", content: "b <think>c</think>", reclassified: false });
    expect(run(["Use <think> tags"])).toEqual({ reasoning: "", content: "Use <think> tags", reclassified: false });
  });

  it("keeps a lone partial tag or whitespace at the end as content", () => {
    expect(run(["<thi"])).toEqual({ reasoning: "", content: "<thi", reclassified: false });
    expect(run(["  ", "\n"])).toEqual({ reasoning: "", content: "  \n", reclassified: false });
    expect(run(["x <"])).toEqual({ reasoning: "", content: "x <", reclassified: false });
  });

  it("gives the same split for any chunking of the text (property)", () => {
    const atoms = fc.constantFrom("<think>", "</think>", "<", "/", "think", ">", "a", "b", " ", "\n", "</", "<th", "é", "🙂");
    fc.assert(
      fc.property(fc.array(atoms, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cutSeeds) => {
        const text = parts.join("");
        const cuts = [...new Set(cutSeeds.map((c) => (text.length ? c % (text.length + 1) : 0)))].sort((x, y) => x - y);
        const pieces: string[] = [];
        let prev = 0;
        for (const c of cuts) {
          pieces.push(text.slice(prev, c));
          prev = c;
        }
        pieces.push(text.slice(prev));
        const whole = run([text]);
        const split = run(pieces);
        expect({ reasoning: split.reasoning, content: split.content }).toEqual({ reasoning: whole.reasoning, content: whole.content });
      }),
      { numRuns: 500 },
    );
  });
});
