/** Issue 10 item 10, review sheets too: server and model text on a sheet is inert Markdown. */
import { describe, expect, it } from "vitest";
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { renderReviewSheet } from "../../../src/review/sheets.js";
import type { TaskRun } from "../../../src/scenarios/reasoning/analyze.js";
import type { RequestRecord } from "../../../src/store/records.js";

const HOSTILE = "[click](http://x) ![px](http://evil/p.png) **✅ PASS** <img src=x> # heading";

function nodesOf(tree: Nodes, type: string): Nodes[] {
  const out: Nodes[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === type) out.push(n);
    if ("children" in n) for (const c of n.children) walk(c as Nodes);
  };
  walk(tree);
  return out;
}

describe("review sheets", () => {
  it("regression: evidence after a note rendered its <script> as HTML; a grader reason, a judge error, a finish reason and a title from the server render as text: no link, image, HTML or bold", () => {
    const grade = { criterion: "c1", grader: "text" as const, on: "answer" as const, pass: false, score: 0, reason: HOSTILE, evidence: [{ text: "<script>x</script>", note: HOSTILE }] };
    const run = {
      recordId: "reasoning/t1/1",
      taskId: "t1",
      title: HOSTILE,
      category: "logic",
      language: "en",
      repetition: 1,
      prompt: "Solve it",
      ok: true,
      truncated: false,
      finishReason: HOSTILE,
      tokenSplit: "none",
      auto: [grade],
      judge: [{ ...grade, grader: "judge" as const, error: HOSTILE }],
      human: [],
      autoScore: 0,
      passScore: 0.7,
    } as unknown as TaskRun;
    const rec = {
      result: { reasoning: "", content: "**answer**" },
      task: { criteria: [{ id: "c1", grader: "text", on: "answer", description: HOSTILE }] },
    } as unknown as RequestRecord;
    const sheet = renderReviewSheet(run, rec);
    const tree = fromMarkdown(sheet, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
    for (const kind of ["link", "image", "html", "strong"]) {
      const found = nodesOf(tree, kind).filter((n) => !(kind === "strong" && JSON.stringify(n).includes("truncated")));
      expect(found, kind).toEqual([]);
    }
    // The one heading per section we wrote, none from the text.
    expect(nodesOf(tree, "heading").map((h) => (h as { depth: number }).depth)).toEqual([1, 2, 2, 2, 2, 3]);
    expect(sheet).toContain("answer**"); // the answer stays whole, fenced
    // Evidence after a note is a fenced block of its own (it was inline code, then raw HTML).
    expect(nodesOf(tree, "code").filter((c) => (c as { value: string }).value === "<script>x</script>")).toHaveLength(2);
  });
});
