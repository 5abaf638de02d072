/**
 * report.html of a real run whose server is hostile: its Server header, its model name, its
 * error messages, its finish reasons and its answers are markup meant to run a script, load
 * something or break the page. The run goes through executeRun against a scripted server,
 * then `shakedown report DIR` re-renders the folder; each report.html is opened in headless
 * Chromium with the network off (scripts enabled, so an injected one would run and be seen):
 * no dialog, no script ran (`window.__pwned`), no request, no console error (a script the
 * page's CSP refused would show there), one section per scenario with its tables, the hostile
 * text on the page as literal text, and the page prints to PDF.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { validateSuiteObject } from "../../../src/config/load.js";
import { executeRun } from "../../../src/run/executor.js";
import { flatten } from "../../../src/report/md.js";
import { chromiumPath, launchChromium, noticeNoChromium, openFile } from "../../helpers/chromium.js";
import { okStream, reply, startHostileServer } from "../../helpers/hostile-server.js";
import { contentChunk, DONE, finishChunk, usageChunk, type ScriptedServer } from "../../helpers/scripted-server.js";
import { tempDir } from "../../helpers/tmp.js";
import { runCli } from "../../cli/helpers.js";

const FILE = "test/integration/report/html-xss.test.ts";
const hasChromium = chromiumPath() !== undefined;
if (!hasChromium) noticeNoChromium(FILE);

/** Where each hostile text enters the run. Those that would run set window.__pwned. */
const SERVER_HEADER = "<script>window.__pwned=1;alert(1)</script> evil/1.0";
const MODEL = "</svg><script>window.__pwned=2;alert(2)</script>";
const ERROR_MESSAGE = "<img src=x onerror=\"window.__pwned=4;alert(4)\"> [click](javascript:window.__pwned=6) <!-- ]]> | a | b |\u2028`tick`";
const FINISH_REASON = "</script><script>window.__pwned=3;alert(3)</script>";
const ANSWER = [
  "\"><script>window.__pwned=8;alert(8)</script>",
  "<a href=\"javascript:window.__pwned=7\">x</a>",
  "<svg onload=window.__pwned=5>",
  "<iframe src=\"http://evil.example/\"></iframe>",
  "![px](http://evil.example/p.png)",
  "<style>body{display:none}</style>",
];

/** What the test reads of the page's DOM (evaluated in the page: the project compiles without the DOM types). */
interface DomFacts {
  sections: { heading: string; tables: number; rowsWidthOk: boolean }[];
  scripts: string[];
  handlers: string[];
  links: string[];
  loaders: number;
  styles: number;
  toc: string[];
  figures: number;
  text: string;
  bodyVisible: boolean;
  results: { runId?: string; scenarios?: unknown[] } | null;
}
const DOM_FACTS = `(() => {
  const all = [...document.querySelectorAll("*")];
  return {
    sections: [...document.querySelectorAll("section.scenario")].map((s) => ({
      heading: s.querySelector("h2")?.textContent ?? "",
      tables: s.querySelectorAll("table").length,
      rowsWidthOk: [...s.querySelectorAll("table")].every((t) => {
        const width = t.rows[0]?.cells.length ?? 0;
        return [...t.rows].every((r) => r.cells.length === width);
      }),
    })),
    scripts: [...document.scripts].map((s) => s.type),
    handlers: all.flatMap((e) => [...e.attributes].filter((a) => a.name.toLowerCase().startsWith("on")).map((a) => e.tagName + " " + a.name)),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href") ?? ""),
    loaders: document.querySelectorAll("img, iframe, object, embed, link, base, foreignObject, image, video, audio, source, use").length,
    styles: document.querySelectorAll("style").length,
    toc: [...document.querySelectorAll("nav.toc a")].map((a) => a.textContent ?? ""),
    figures: document.querySelectorAll("figure.chart:not(.failed)").length,
    text: document.body.innerText,
    bodyVisible: getComputedStyle(document.body).display !== "none",
    results: JSON.parse(document.getElementById("results")?.textContent ?? "null"),
  };
})()`;

const out = tempDir();
let server: ScriptedServer;
let dir: string;

beforeAll(async () => {
  server = await startHostileServer({
    model: MODEL,
    modelsHeaders: { server: SERVER_HEADER },
    chat(n) {
      // Every third request fails with a hostile error message; the others answer hostile text.
      if (n % 3 === 0) return reply.json(500, { error: { message: ERROR_MESSAGE, type: "server_error" } });
      if (n % 3 === 2) return reply.sse([...ANSWER.map((w) => contentChunk(`${w} `)), finishChunk(FINISH_REASON), usageChunk(12, ANSWER.length), DONE]);
      return okStream(ANSWER.map((w) => `${w} `));
    },
  });
  const suite = validateSuiteObject(
    {
      name: "hostile",
      target: { url: server.baseUrl, model: MODEL, warmup_requests: 0 },
      scenarios: [
        { kind: "conversation", name: "chat", turns: 3, iterations: 1 },
        { kind: "reasoning", name: "think", pack: "seed", tasks: ["seed-logic-en"], repetitions: 3 },
        { kind: "tools", name: "call", pack: "core", cases: ["weather-toronto-en"], repetitions: 1 },
      ],
      output: { dir: out },
    },
    "test",
  );
  ({ dir } = await executeRun(suite));
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe.skipIf(!hasChromium)("report.html of a hostile server's run, in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function check(path: string): Promise<void> {
    const html = readFileSync(path, "utf8");
    // The run really carried the hostile text (else this test would prove nothing).
    const records = readFileSync(join(dir, "records.jsonl"), "utf8");
    for (const s of [ANSWER[0]!, FINISH_REASON]) expect(records).toContain(JSON.stringify(s).slice(1, -1));
    expect(html.toLowerCase().split("<script").length - 1).toBe(1);

    const opened = await openFile(browser, path);
    try {
      const { page } = opened;
      expect(opened.dialogs).toEqual([]);
      expect(opened.blocked).toEqual([]);
      expect(opened.console.filter((l) => /^(error|pageerror)/.test(l))).toEqual([]);
      expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");

      const dom = (await page.evaluate(DOM_FACTS)) as DomFacts;
      expect(dom.scripts).toEqual(["application/json"]);
      expect(dom.handlers).toEqual([]);
      expect(dom.loaders).toBe(0);
      expect(dom.styles).toBe(1);
      expect(dom.bodyVisible).toBe(true);
      for (const href of dom.links) expect(href).toMatch(/^(#|https?:|mailto:)/);
      // One section per scenario, each with its tables whole; the TOC links them.
      expect(dom.sections.map((s) => s.heading)).toEqual(["Scenario chat (conversation)", "Scenario think (reasoning)", "Scenario call (tools)"]);
      for (const s of dom.sections) {
        expect(s.tables).toBeGreaterThan(0);
        expect(s.rowsWidthOk).toBe(true);
      }
      expect(dom.toc.slice(0, 3)).toEqual(["Scenario chat (conversation)", "Scenario think (reasoning)", "Scenario call (tools)"]);
      expect(dom.figures).toBeGreaterThan(0);
      // The hostile text is on the page, as text.
      const text = dom.text.replace(/\s+/g, " ");
      for (const s of [SERVER_HEADER, MODEL, FINISH_REASON, ANSWER[0]!, ANSWER[1]!, ANSWER[2]!]) expect(text, s).toContain(flatten(s));
      expect(text).toContain(flatten(ERROR_MESSAGE).slice(0, 60));
      // The raw results, embedded, are the folder's results.json.
      const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as { runId: string; scenarios: unknown[] };
      expect(dom.results?.runId).toBe(results.runId);
      expect(dom.results?.scenarios).toEqual(results.scenarios);

      // It prints.
      const pdf = await page.pdf({ format: "A4", printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
      expect(pdf.length).toBeGreaterThan(10_000);
    } finally {
      await opened.close();
    }
  }

  it("the report.html the run wrote", async () => {
    await check(join(dir, "report.html"));
  }, 60_000);

  it("the report.html `shakedown report DIR` re-renders (built CLI)", async () => {
    const r = await runCli(["report", dir]);
    expect(r.stderr).not.toMatch(/warning|internal error/);
    expect(r.stdout).toMatch(/report: .*report\.html/);
    await check(join(dir, "report.html"));
  }, 60_000);
});
