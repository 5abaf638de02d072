/**
 * report.html's document helpers: Markdown as our renderers write it becomes HTML in which
 * nothing a server sent can run, load or break the page's structure, and JSON embedded in
 * the page can never close its <script> element. Checked by reading the HTML strictly
 * (html-scan.ts: every `<` must open a well-formed tag), never by looking for a character.
 */
import { describe, expect, it } from "vitest";
import { htmlDocument, markdownToHtml, scriptSafeJson } from "../../../src/report/html/document.js";
import { safeHref } from "../../../src/report/html/hast.js";
import { BR, code, flatten, heading, paragraph, quote, strong, table, text } from "../../../src/report/md.js";
import { HOSTILE, scanHtml, type Tag } from "../../helpers/html-scan.js";

/** Elements our reports' Markdown may turn into. */
const MARKDOWN_TAGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "strong", "em", "br", "ul", "ol", "li", "a", "del", "hr", "input", "sup", "section"]);

function rowsOf(tags: Tag[]): number[][] {
  // Cells per row, per table.
  const out: number[][] = [];
  let cells = 0;
  for (const t of tags) {
    if (t.name === "table" && !t.closing) out.push([]);
    if (t.name === "tr" && !t.closing) cells = 0;
    if ((t.name === "td" || t.name === "th") && !t.closing) cells++;
    if (t.name === "tr" && t.closing) out[out.length - 1]!.push(cells);
  }
  return out;
}

function expectInert(html: string): ReturnType<typeof scanHtml> {
  const scan = scanHtml(html);
  expect(scan.problems).toEqual([]);
  for (const t of scan.tags) {
    expect(MARKDOWN_TAGS.has(t.name), `<${t.name}>`).toBe(true);
    for (const [name, value] of Object.entries(t.attrs)) {
      expect(name.startsWith("on"), `${name} on <${t.name}>`).toBe(false);
      expect(name === "src" || name === "srcset" || name === "style", `${name} on <${t.name}>`).toBe(false);
      if (name === "href") expect(safeHref(value), value).toBe(true);
    }
  }
  return scan;
}

describe("markdownToHtml: server text our renderers escaped stays text", () => {
  for (const s of HOSTILE) {
    it(`shows ${JSON.stringify(s)} literally, structure intact`, () => {
      const md = [
        heading(2, "Scenario ", code(s), " (custom)"),
        paragraph(strong("Verdict: ❌ fail"), " — It ", text(s), "."),
        table(
          ["Figure", "Example", "Status"],
          [
            [text(s), code(s), ["✅ pass — ", text(s)]],
            ["two", [text(s), BR, text(s)], "❌ fail"],
          ],
        ),
        quote(strong("Incomplete run"), " (", text(s), ")."),
      ].join("\n\n");
      const scan = expectInert(markdownToHtml(md));
      // No link, no image, no element from the string: only the structure we wrote.
      expect(new Set(scan.tags.map((t) => t.name))).toEqual(new Set(["h2", "code", "p", "strong", "table", "thead", "tr", "th", "tbody", "td", "br", "blockquote"]));
      expect(scan.tags.filter((t) => t.name === "br" && !t.closing)).toHaveLength(1);
      expect(rowsOf(scan.tags)).toEqual([[3, 3, 3]]);
      const f = flatten(s);
      // The heading, the verdict, each cell and the quote read the string as sent (folded to one line).
      expect(scan.text).toContain(`Scenario ${f} (custom)`);
      expect(scan.text).toContain(`Verdict: ❌ fail — It ${f}.`);
      expect(scan.text).toContain(`(${f}).`);
      expect(scan.text.split(f).length - 1).toBeGreaterThanOrEqual(7);
      // The status cells are coloured; the server's text in another column is not.
      const statusCells = scan.tags.filter((t) => t.name === "td" && !t.closing && /\bstatus-/.test(t.attrs.class ?? ""));
      expect(statusCells.map((t) => t.attrs.class)).toEqual(["status status-pass", "status status-fail"]);
    });
  }

  it("a server's own status text is never coloured", () => {
    const md = table(["Error", "Example", "Status"], [[text("✅ pass"), text("❌ fail"), text("✅ pass")]]);
    const scan = expectInert(markdownToHtml(md));
    // Its own Status cell starts with an icon and is coloured; the others are not.
    expect(scan.tags.filter((t) => /status/.test(t.attrs.class ?? "")).length).toBe(1);
    const md2 = paragraph(text("**Verdict: ✅ pass**"));
    expect(scanHtml(markdownToHtml(md2)).tags.some((t) => t.name === "strong")).toBe(false);
  });
});

describe("markdownToHtml: raw Markdown and HTML that our renderers would never write", () => {
  const cases: [string, (scan: ReturnType<typeof scanHtml>) => void][] = [
    ["[click](javascript:alert(1))", (s) => expect(s.text).toContain("click")],
    ["[click](JaVaScRiPt:alert(1))", () => undefined],
    ["[click]( javascript:alert(1))", () => undefined],
    ["<java\tscript:alert(1)>", () => undefined],
    ["[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", () => undefined],
    ["[x](vbscript:msgbox(1))", () => undefined],
    ["[x][r]\n\n[r]: javascript:alert(1)", () => undefined],
    ["![px](http://evil.example/p.png)", (s) => expect(s.text).toContain("px")],
    ["![px][i]\n\n[i]: http://evil.example/p.png", () => undefined],
    ["<img src=x onerror=alert(1)>", (s) => expect(s.text).toContain("<img src=x onerror=alert(1)>")],
    ["<script>alert(1)</script>", (s) => expect(s.text).toContain("<script>alert(1)</script>")],
    ["a <script>alert(1)</script> b", (s) => expect(s.text).toContain("<script>alert(1)</script>")],
    ["</svg><script>alert(1)</script>", (s) => expect(s.text).toContain("</svg><script>alert(1)</script>")],
    ["<!-- hidden -->", (s) => expect(s.text).toContain("<!-- hidden -->")],
    ["<iframe src=http://evil.example></iframe>", (s) => expect(s.text).toContain("<iframe")],
    ["<a href=\"javascript:alert(1)\">x</a>", (s) => expect(s.text).toContain('<a href="javascript:alert(1)">')],
    ["x<br>y<br/>z", (s) => expect(s.tags.filter((t) => t.name === "br")).toHaveLength(2)],
  ];
  for (const [md, more] of cases) {
    it(JSON.stringify(md), () => {
      const scan = expectInert(markdownToHtml(md));
      expect(scan.tags.some((t) => t.name === "a" && !safeHref(t.attrs.href ?? ""))).toBe(false);
      expect(scan.tags.some((t) => t.name === "img")).toBe(false);
      more(scan);
    });
  }

  it("keeps http(s), mailto and in-page links", () => {
    const scan = expectInert(markdownToHtml("[a](https://example.org/x) [b](#frag) [c](mailto:a@b.c) <https://example.org/y>"));
    expect(scan.tags.filter((t) => t.name === "a" && !t.closing).map((t) => t.attrs.href)).toEqual(["https://example.org/x", "#frag", "mailto:a@b.c", "https://example.org/y"]);
  });

  it("safeHref refuses every script-bearing scheme however it is spelt", () => {
    for (const u of ["javascript:x", "JAVASCRIPT:x", " javascript:x", "java\nscript:x", "java\tscript:x", "\u0000javascript:x", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "blob:x"]) {
      expect(safeHref(u), JSON.stringify(u)).toBe(false);
    }
    for (const u of ["https://a.b/", "http://a.b", "mailto:x@y.z", "#x", "load.md", "./a/b.md#c", "?q=1"]) expect(safeHref(u), u).toBe(true);
  });
});

describe("htmlDocument", () => {
  const value = {
    hostile: HOSTILE,
    closers: ["</script>", "</SCRIPT >", "<!--", "-->", "<script>", "]]>", "<![CDATA[", "\u2028", "\u2029", "&amp;", "<\/script>"],
    nested: { n: 1.5, t: true, z: null, list: [1, "<b>"] },
  };
  const page = htmlDocument({
    title: "shakedown report — </title><script>alert(1)</script>",
    lang: "en",
    body: "<main><p>body</p></main>",
    json: [
      { id: "results", value },
      { id: "other", value: "</script><script>alert(2)</script>" },
    ],
  });
  const scan = scanHtml(page);

  it("is a whole document: doctype, lang, charset, title escaped, inline CSS, a CSP that forbids scripts and loads", () => {
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(scan.problems).toEqual([]);
    expect(scan.tags.find((t) => t.name === "html")?.attrs.lang).toBe("en");
    expect(scan.tags.some((t) => t.name === "meta" && t.attrs.charset === "utf-8")).toBe(true);
    const csp = scan.tags.find((t) => t.name === "meta" && t.attrs["http-equiv"] === "Content-Security-Policy")?.attrs.content ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    const title = page.slice(page.indexOf("<title>") + 7, page.indexOf("</title>"));
    expect(title).not.toContain("<");
    expect(scan.tags.filter((t) => t.name === "style" && !t.closing)).toHaveLength(1);
    expect(scan.text).toContain("body");
  });

  it("holds no script but the JSON data blocks, and links to nothing", () => {
    const scripts = scan.tags.filter((t) => t.name === "script" && !t.closing);
    expect(scripts.map((t) => t.attrs)).toEqual([
      { type: "application/json", id: "results" },
      { type: "application/json", id: "other" },
    ]);
    expect(page.toLowerCase().split("<script").length - 1).toBe(2);
    for (const t of scan.tags) {
      expect(["link", "img", "iframe", "object", "embed", "base"]).not.toContain(t.name);
      expect(Object.keys(t.attrs).filter((a) => a === "src" || a === "href" || a.startsWith("on"))).toEqual([]);
    }
    expect(page).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
  });

  it("embeds JSON that round-trips and cannot close its element", () => {
    expect(scan.scripts.map((s) => JSON.parse(s.content) as unknown)).toEqual([value, "</script><script>alert(2)</script>"]);
    for (const s of scan.scripts) expect(s.content).not.toMatch(/[<>&\u2028\u2029]/);
    expect(scriptSafeJson("\u2028<&>\u2029")).toBe('"\\u2028\\u003c\\u0026\\u003e\\u2029"');
    expect(JSON.parse(scriptSafeJson(value))).toEqual(value);
  });

  it("prints: print styles keep figures and tables whole and hide the navigation", () => {
    const css = page.slice(page.indexOf("<style>"), page.indexOf("</style>"));
    const print = css.slice(css.indexOf("@media print"));
    expect(print).toMatch(/figure[^{]*table[^{]*\{[^}]*break-inside:\s*avoid/);
    expect(print).toMatch(/nav\.toc[^{]*\{[^}]*display:\s*none/);
    expect(print).toMatch(/thead\s*\{[^}]*table-header-group/);
  });
});
