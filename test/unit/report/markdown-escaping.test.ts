/**
 * Server text is inert in report.md: whatever a server, a model or a suite puts in a
 * string, the report shows it literally (folded to one line, cut where we cut) and the
 * Markdown around it keeps its structure. Checked with the real GFM parser, never by
 * looking for characters in the output.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Nodes, Paragraph, Root, RootContent, Table } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { BR, bullets, code, flatten, heading, paragraph, phrasing, quote, strong, table, text, type Inline } from "../../../src/report/md.js";
import { renderMarkdownReport } from "../../../src/report/markdown.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import type { Suite } from "../../../src/config/schema.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import type { ReasoningDetail, TaskRun } from "../../../src/scenarios/reasoning/analyze.js";
import type { ToolCaseRun, ToolsDetail } from "../../../src/scenarios/tools/analyze.js";

const HOSTILE = [
  "[click](http://x)",
  "![px](http://evil/p.png)",
  "**✅ PASS**",
  "__✅ PASS__",
  "<img src=x>",
  "<script>alert(1)</script>",
  "</svg>",
  "<!-- comment -->",
  "javascript:alert(1)",
  "[x](javascript:alert(1))",
  "https://evil.example/x",
  "see https://evil.example/x.",
  "www.evil.example",
  "mail me@evil.example",
  "<https://evil.example>",
  "[ref]\n\n[ref]: http://evil",
  "[^1]",
  "| broken | table |",
  "a | b",
  "|",
  "first line\nsecond line\r\n\n# heading after a blank line",
  "a `tick` b",
  "``double`` and ` lone",
  "`",
  "&lt;tool_call&gt;",
  "<tool_call>{\"name\": \"get_weather\"}</tool_call>",
  "&amp; &copy; &#60;b&#62; &#x3C;",
  "AT&T",
  "# x",
  "## x ##",
  "- item",
  "* item",
  "+ item",
  "1. item",
  "2) item",
  "---",
  "***",
  "===",
  "> quote",
  "    indented code",
  "```js\nfence\n```",
  "~~strike~~",
  "_em_ and *em*",
  "snake_case_name",
  "x<br>y",
  "trailing backslash \\",
  "C:\\dir\\|x and a\\\\|b",
  "\\[escaped]",
  "- [ ] task",
  "tab\there",
  "control \u0000 nul \u001b[31m ansi \u0085 nel",
  "Hello, world — 3.5 ms (n=4)!",
];

const parse = (md: string): Root => fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });

/** The tree without positions and empty fields, adjacent text nodes merged: what a reader gets. */
function normal(node: unknown): unknown {
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const child of node.map(normal)) {
      const last = out.at(-1) as { type?: string; value?: string } | undefined;
      const c = child as { type?: string; value?: string };
      if (last?.type === "text" && c.type === "text") last.value = `${last.value}${c.value}`;
      else out.push(child);
    }
    return out;
  }
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "position" || v === undefined || v === null) continue;
    if (k === "align" && Array.isArray(v)) continue; // parsed as [null, …]; ours are all null too
    out[k] = normal(v);
  }
  return out;
}

/** Parses `md` and checks it is exactly the `expected` blocks: no node more, no character changed. */
function roundTrip(md: string, expected: RootContent[]): void {
  expect(normal(parse(md).children)).toEqual(normal(expected));
}

function plainText(node: Nodes): string {
  if ("value" in node) return node.value;
  if ("children" in node) return (node.children as Nodes[]).map(plainText).join("");
  return "";
}

function walk(node: Nodes, f: (n: Nodes) => void): void {
  f(node);
  if ("children" in node) for (const c of node.children as Nodes[]) walk(c, f);
}

const nodesOf = (root: Root, type: string): Nodes[] => {
  const out: Nodes[] = [];
  walk(root, (n) => n.type === type && out.push(n));
  return out;
};

const isLiteral = (n: Nodes) => n.type === "text" || n.type === "inlineCode";

/**
 * A tree's shape: node types in document order, values left out, and each run of literal
 * nodes (text and code spans side by side) one "literal", since text() may put a URL in a
 * code span.
 */
function shape(root: Root): string {
  const out: string[] = [];
  walk(root, (n) => {
    const t = isLiteral(n) ? "literal" : n.type === "heading" ? `h${n.depth}` : n.type === "html" ? `html:${n.value}` : n.type;
    if (t !== "literal" || out.at(-1) !== "literal") out.push(t);
  });
  return out.join(" ");
}

/** The text of each run of literal nodes, in document order. */
function literalRuns(root: Root): string[] {
  const out: string[] = [];
  const visit = (n: Nodes): void => {
    if (!("children" in n)) return;
    let run: string | undefined;
    for (const c of n.children as Nodes[]) {
      if (isLiteral(c)) run = (run ?? "") + (c as { value: string }).value;
      else {
        if (run !== undefined) out.push(run);
        run = undefined;
        visit(c);
      }
    }
    if (run !== undefined) out.push(run);
  };
  visit(root);
  return out;
}

describe("the Markdown helpers keep untrusted text literal", () => {
  for (const s of HOSTILE) {
    const flat = flatten(s);
    it(`${JSON.stringify(s)} in every place the report puts text`, () => {
      const p = (...pieces: Inline[]): Paragraph => ({ type: "paragraph", children: phrasing(pieces) });
      // text() spells the folded string with text nodes, and code spans for link-like words only.
      const t = text(s);
      expect(t.map((n) => n.type).filter((type) => type !== "text" && type !== "inlineCode")).toEqual([]);
      expect(t.map((n) => (n as { value: string }).value).join("")).toBe(flat);
      for (const n of t) if (n.type === "inlineCode") expect(n.value).toMatch(/:\/\/|www\.|@|mailto:|xmpp:/i);
      // At the start of a block, where a line-start construct (heading, list, rule, quote) could begin.
      roundTrip(paragraph(text(s)), [p(t)]);
      roundTrip(heading(2, text(s)), [{ type: "heading", depth: 2, children: phrasing([t]) }]);
      roundTrip(bullets([text(s)]), [
        { type: "list", ordered: false, spread: false, children: [{ type: "listItem", spread: false, children: [p(t)] }] },
      ]);
      // Between our own words and markup.
      roundTrip(paragraph(strong("Verdict:"), " It ", text(s), ". “", text(s), "”"), [p(strong("Verdict:"), " It ", t, ". “", t, "”")]);
      roundTrip(paragraph("x ", code(s), " y"), [p("x ", { type: "inlineCode", value: flat }, " y")]);
      roundTrip(paragraph(strong(text(s))), [p(strong(t))]);
      roundTrip(heading(4, code("task-1"), " #2: ", text(s)), [{ type: "heading", depth: 4, children: phrasing([{ type: "inlineCode", value: "task-1" }, " #2: ", t]) }]);
      roundTrip(quote(strong("Incomplete run"), " (", text(s), ")."), [{ type: "blockquote", children: [p(strong("Incomplete run"), " (", t, ").")] }]);
      // In table cells: text, a code span, our markup beside it, several code spans with <br>.
      const md = table(
        ["Error", "Count", "Example", "Evidence"],
        [
          [text(s), "3", [strong("✅ pass"), " — ", text(s)], [code(s), BR, code(s)]],
          ["last", "1", code(s), "—"],
        ],
      );
      const cell = (...pieces: Inline[]) => ({ type: "tableCell" as const, children: phrasing(pieces) });
      const row = (...cells: ReturnType<typeof cell>[]) => ({ type: "tableRow" as const, children: cells });
      // In a cell, a code span is split around a pipe that follows a backslash (md.ts: pipeSafe).
      const inline = flat.split(/(?<=\\)\|/).flatMap((part, i) => [
        ...(i > 0 ? [{ type: "text" as const, value: "|" }] : []),
        ...(part ? [{ type: "inlineCode" as const, value: part }] : []),
      ]);
      roundTrip(md, [
        {
          type: "table",
          align: [null, null, null, null],
          children: [
            row(cell("Error"), cell("Count"), cell("Example"), cell("Evidence")),
            row(cell(t), cell("3"), cell(strong("✅ pass"), " — ", t), cell(inline, BR, inline)),
            row(cell("last"), cell("1"), cell(inline), cell("—")),
          ],
        } satisfies Table,
      ]);
    });
  }

  it("folds whitespace and cuts to the limit before escaping, with an ellipsis", () => {
    expect(flatten("  a\n\n b\t c  ")).toBe("a b c");
    expect(text("[a](b) and more", 7)).toEqual([{ type: "text", value: "[a](b)…" }]);
    expect(code("`x` y z", 4).value).toBe("`x`…");
    roundTrip(paragraph(text("**bold** and more", 7)), [{ type: "paragraph", children: [{ type: "text", value: "**bold…" }] }]);
    // A character outside the BMP is never split in half.
    expect(flatten("ab😀cd", 4)).toBe("ab😀…");
  });

  it("puts link-like words in code spans, their surrounding punctuation outside", () => {
    expect(text("see (https://evil.example/x). Or mail me@evil.example, www.evil.example!")).toEqual([
      { type: "text", value: "see (" },
      { type: "inlineCode", value: "https://evil.example/x" },
      { type: "text", value: "). Or mail " },
      { type: "inlineCode", value: "me@evil.example" },
      { type: "text", value: ", " },
      { type: "inlineCode", value: "www.evil.example" },
      { type: "text", value: "!" },
    ]);
    expect(text("[click](http://x) <https://y.example>")).toEqual([
      { type: "inlineCode", value: "[click](http://x)" },
      { type: "text", value: " <" },
      { type: "inlineCode", value: "https://y.example" },
      { type: "text", value: ">" },
    ]);
    const root = parse(paragraph(text("fetch failed: connect to http://10.0.0.1:8000/v1/chat/completions (HTTP 502)")));
    expect(nodesOf(root, "link")).toEqual([]);
    expect(literalRuns(root)).toEqual(["fetch failed: connect to http://10.0.0.1:8000/v1/chat/completions (HTTP 502)"]);
  });

  it("ordinary prose gets no needless backslash", () => {
    const prose = "fetch failed: connect ECONNREFUSED 127.0.0.1:8000 (HTTP 500, 3.5 ms, n=4, +12.3 %, ×1.02, 'quoted' \"double\")";
    expect(paragraph(text(prose))).toBe(prose);
    expect(table(["Figure", "Value"], [["TTFT p90 — turns 1-5", "+12.3 % ≥ 2"]])).toBe(
      "| Figure | Value |\n| --- | --- |\n| TTFT p90 — turns 1-5 | +12.3 % ≥ 2 |",
    );
    expect(paragraph(text("hermes_tool_parser, snake_case names"))).toBe("hermes_tool_parser, snake_case names");
  });

  it("any string made of Markdown's punctuation stays literal (property)", () => {
    const unit = fc.constantFrom(..."[]()!*_`~<>|&#;\\-+=.:/@ \n\tahtpswmx1<>&{}\"'".split(""), "http://", "www.", "&amp;", "&#x3A;", "<br>", "```", "\u00a0", "é", "😀");
    const forbidden = ["link", "linkReference", "image", "imageReference", "definition", "footnoteReference", "html", "strong", "emphasis", "delete", "break", "heading", "list", "code", "thematicBreak", "blockquote"];
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (s) => {
        const flat = flatten(s, 30);
        for (const md of [paragraph("« ", text(s, 30), " »"), table(["A", "B"], [[text(s, 30), code(s, 30)]])]) {
          const root = parse(md);
          for (const type of forbidden) expect(nodesOf(root, type), `${type} in ${JSON.stringify(md)}`).toEqual([]);
          if (md.startsWith("«")) expect(literalRuns(root)).toEqual([`« ${flat} »`]);
          else {
            const cells = (root.children[0] as Table).children[1]!.children;
            expect(cells.length).toBe(2);
            expect(plainText(cells[0]!)).toBe(flat);
            // A code span, split around a pipe that follows a backslash (see md.ts: pipeSafe).
            expect(plainText(cells[1]!)).toBe(flat);
            for (const n of cells[1]!.children) expect(n.type === "inlineCode" || (n.type === "text" && /^\|+$/.test(n.value))).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("&lt;tool_call&gt; shows literally inside code spans", () => {
    // Before: cell() turned < into &lt; and the report wrapped that in backticks, where
    // entities are not decoded, so a reader saw "&lt;tool_call&gt;" for "<tool_call>".
    for (const s of ["<tool_call>", "&lt;tool_call&gt;", '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris|Lyon"}}</tool_call>']) {
      const tree = parse(table(["Evidence"], [[code(s)]]));
      const spans = nodesOf(tree, "inlineCode");
      expect(spans.map((n) => (n as { value: string }).value)).toEqual([s]);
    }
    // And in a report: a failing tool check's evidence, as the tools section shows it.
    const root = parse(renderMarkdownReport(hostileRun("leaked")));
    const [evidence] = tablesWithHead(root, ["Check", "Result", "Why", "Evidence"]);
    const cell = evidence![0]![3] as { children: Nodes[] };
    expect(cell.children.map((n) => (n.type === "inlineCode" ? n.value : n.type === "html" ? n.value : `!${n.type}`))).toEqual([
      "leaked",
      "<br>",
      "<tool_call>",
      "<br>",
      "&lt;tool_call&gt;",
    ]);
  });
});

// ---- A whole report carrying hostile text wherever a server, a model or a suite speaks.

function taskRun(s: string, over: Partial<TaskRun> = {}): TaskRun {
  return {
    recordId: "r1",
    taskId: `task ${s}`,
    title: s,
    category: s,
    language: s,
    repetition: 2,
    prompt: s,
    ok: true,
    truncated: false,
    finishReason: s,
    ttftMs: 30,
    e2eMs: 900,
    tokenSplit: "usage",
    auto: [
      { criterion: s, grader: "text", on: "answer", pass: false, score: 0, reason: s, evidence: [{ start: 0, end: 1, text: s }, { start: 1, end: 2, text: s }] },
      { criterion: "broken", grader: "numeric", on: "answer", pass: false, score: 0, reason: "no number", evidence: [], error: s },
    ],
    judge: [],
    human: [{ criterion: s, score: 1, note: s }],
    autoScore: 0,
    humanScore: 1,
    humanNote: s,
    finalScore: 1,
    pass: true,
    passScore: 0.7,
    ...over,
  };
}

function toolRun(s: string, over: Partial<ToolCaseRun> = {}): ToolCaseRun {
  return {
    caseId: `case ${s}`,
    title: s,
    category: s,
    language: s,
    repetition: 1,
    concurrency: 1,
    steps: [
      { step: 1, ok: true, calls: [{ name: s, arguments: s }], content: "" },
      { step: 2, ok: true, calls: [], content: s },
    ],
    checks: [{ check: "structured_calls", pass: false, reason: s, evidence: [s, "<tool_call>", "&lt;tool_call&gt;"] }],
    pass: false,
    parserFailure: true,
    callMatch: false,
    jsonValid: true,
    finalAnswer: s,
    ...over,
  };
}

function scenario<D>(kind: string, s: string, detail: D): ScenarioResult<D> {
  return {
    name: s,
    kind,
    metrics: { success_rate: { value: 0.5, n: 2, unit: "fraction" } },
    verdicts: [],
    status: "fail",
    detail,
    requests: { total: 2, ok: 1, failed: 1 },
    errors: [{ kind: s, count: 1, example: s }],
    notes: [],
    headline: s,
  };
}

function hostileRun(s: string): RunResults {
  const reasoning: ReasoningDetail = {
    runs: [taskRun(s), taskRun(s, { ok: false, error: s, repetition: 1 })],
    byCategory: [
      { category: s, runs: 1, scoreMean: 1, passRate: 1, truncated: 0 },
      { category: "other", runs: 1, truncated: 0 },
    ],
    reviewed: 1,
  };
  const tools: ToolsDetail = {
    runs: [toolRun(s), toolRun(s, { error: s, repetition: 2 })],
    byCategory: [{ category: s, runs: 2, callAccuracy: 0, passRate: 0 }],
    levels: [{ concurrency: 1, runs: 2 }],
  };
  return {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.0.0" },
    runId: "20260101T000000Z-x",
    startedAt: "2026-01-01T00:00:00.000Z",
    suite: { name: s } as unknown as Suite,
    target: {
      url: `http://127.0.0.1:8000/v1?q=${s.trim()}`,
      model: s,
      simulated: true,
      simProfile: s,
      models: [],
      serverHeader: s,
      metrics: { url: `http://127.0.0.1:8000/metrics#${s.trim()}`, scraped: false, reason: s },
    },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
    durationMs: 1000,
    complete: false,
    interruption: s,
    status: "incomplete",
    records: { file: "records.jsonl", count: 4, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios: [scenario("custom", s, {}), scenario("reasoning", s, reasoning), scenario("tools", s, tools)],
    renderedAt: "2026-01-01T00:00:01.000Z",
  };
}

/** The table whose header row reads `head`, as rows of cells. */
function tablesWithHead(root: Root, head: string[]): Nodes[][][] {
  return (nodesOf(root, "table") as Table[])
    .filter((t) => JSON.stringify(t.children[0]?.children.map(plainText)) === JSON.stringify(head))
    .map((t) => t.children.slice(1).map((r) => r.children));
}

describe("a whole report with hostile server text", () => {
  const SENTINEL = "SENTINEL";
  const benign = parse(renderMarkdownReport(hostileRun(SENTINEL)));

  for (const s of HOSTILE) {
    it(`keeps its structure and shows ${JSON.stringify(s)} literally`, () => {
      const root = parse(renderMarkdownReport(hostileRun(s)));
      // The same blocks, tables, cells and markup as a report whose texts are plain words.
      expect(shape(root)).toBe(shape(benign));
      for (const type of ["link", "linkReference", "image", "imageReference", "definition", "footnoteReference", "footnoteDefinition", "delete", "code", "thematicBreak", "break"]) {
        expect(nodesOf(root, type), type).toEqual([]);
      }
      expect(new Set(nodesOf(root, "html").map((n) => (n as { value: string }).value))).toEqual(new Set(["<br>"]));
      // Every table row has its header's number of cells.
      for (const t of nodesOf(root, "table") as Table[]) {
        const width = t.children[0]!.children.length;
        for (const r of t.children) expect(r.children.length).toBe(width);
      }
      // What a reader sees is what the server sent, cut where the report cuts: every run of
      // text reads as in the plain report with the string in place of the sentinel (these
      // strings are short enough for no cut; the calls paragraph, which folds them together,
      // is checked below).
      const runs = literalRuns(root);
      const expected = literalRuns(benign).map((r) => r.replaceAll(SENTINEL, flatten(s)));
      expect(runs.length).toBe(expected.length);
      runs.forEach((r, i) => {
        if (!r.startsWith("What the model did: ")) expect(r).toBe(expected[i]);
      });
      const headings = nodesOf(root, "heading").map(plainText);
      expect(headings[0]).toBe(`shakedown report — ${flatten(s)}`);
      expect(headings).toContain(`Scenario ${flatten(s)} (custom)`);
      expect(headings).toContain(`task ${flatten(s)} #2: ${flatten(s, 120)}`);
      expect(headings).toContain(`case ${flatten(s)}: ${flatten(s, 120)}`);
      const run = tablesWithHead(root, ["", ""])[0]!;
      const field = (name: string) => run.find((r) => plainText(r[0]!) === name)?.[1];
      expect(plainText(field("Model")!)).toBe(flatten(s));
      expect(plainText(field("Server")!)).toBe(flatten(s));
      expect(plainText(field("Server metrics")!)).toBe(`not collected: ${flatten(s)}`);
      expect(plainText(field("Status")!)).toBe(`⚠️ incomplete — ${flatten(s)}`);
      expect(plainText(field("Target")!)).toMatch(/^http:\/\/127\.0\.0\.1:8000\/v1\?/);
      for (const errors of tablesWithHead(root, ["Error", "Count", "Example"])) {
        expect(errors.map((r) => r.map(plainText))).toEqual([[flatten(s), "1", flatten(s)]]);
      }
      const verdicts = nodesOf(root, "paragraph").map(plainText).filter((p) => p.startsWith("Verdict:"));
      expect(verdicts).toHaveLength(3);
      for (const v of verdicts) expect(v).toMatch(new RegExp(`It ${flatten(s).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.$`));
      const [evidence] = tablesWithHead(root, ["Check", "Result", "Why", "Evidence"]);
      expect(evidence![0]![2] && plainText(evidence![0]![2])).toBe(flatten(s, 300));
      // Three excerpts, one a line: code spans (split around a backslash-pipe) between <br>s.
      const lines = [""];
      for (const n of (evidence![0]![3] as { children: Nodes[] }).children) {
        if (n.type === "html") lines.push("");
        else lines[lines.length - 1] += plainText(n);
      }
      expect(lines).toEqual([flatten(s, 120), "<tool_call>", "&lt;tool_call&gt;"]);
      const did = nodesOf(root, "paragraph").map(plainText).find((p) => p.startsWith("What the model did: "));
      expect(did).toBe(`What the model did: ${flatten(`step 1: ${s}(${s}) → step 2: answer “${s}”`, 600)}`);
    });
  }

  it("an error message with Markdown renders as a link, an image and a bold PASS", () => {
    // Seen on main: this message, sent by a server in an HTTP 500 body, became a link, an
    // image fetched by whoever opened the report, and a bold "✅ PASS" in the errors table.
    const message = "HTTP 500: [click here](http://evil.example/login) ![px](http://evil.example/p.png) **✅ PASS**";
    const md = renderMarkdownReport(hostileRun(message));
    const root = parse(md);
    expect(nodesOf(root, "link")).toEqual([]);
    expect(nodesOf(root, "image")).toEqual([]);
    expect(nodesOf(root, "strong").map(plainText)).not.toContain("✅ PASS");
    const [errors] = tablesWithHead(root, ["Error", "Count", "Example"]);
    expect(errors).toEqual([[expect.anything(), expect.anything(), expect.anything()]]);
    const example = errors![0]![2]!;
    // Shown as sent: text, with the URLs in code spans (never links, in any GFM renderer).
    expect(plainText(example)).toBe(message);
    expect(new Set((example as { children: Nodes[] }).children.map((n) => n.type))).toEqual(new Set(["text", "inlineCode"]));
  });
});
