/**
 * A strict reading of the HTML our report pages are made of, for tests without a browser:
 * every `<` outside a raw-text element (style, script) must open a well-formed tag (text
 * escapes its `<`), so the tags, their attributes and the text between them can be listed
 * exactly. Anything else (a stray `<`) is reported as a problem rather than guessed at.
 */

export interface Tag {
  name: string;
  closing: boolean;
  attrs: Record<string, string>;
  /** Offset in the page. */
  at: number;
}

export interface ScannedHtml {
  tags: Tag[];
  /** Text outside tags, character references decoded, raw-text elements left out. */
  text: string;
  /** The content of each <script> element, in order. */
  scripts: { attrs: Record<string, string>; content: string }[];
  /** Each `<` that opens no tag, with what follows it. */
  problems: string[];
}

const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9:_-]*)((?:\s+[^\s"'=<>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/y;
const ATTR = /([^\s"'=<>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const SPECIAL = /<!doctype html>|<!--[\s\S]*?-->/iy;
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);/g, (m, ref: string) => {
    if (ref[0] === "#") return String.fromCodePoint(ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return NAMED[ref] ?? m;
  });
}

export function scanHtml(html: string): ScannedHtml {
  const tags: Tag[] = [];
  const scripts: ScannedHtml["scripts"] = [];
  const problems: string[] = [];
  let text = "";
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    text += decodeEntities(html.slice(i, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    SPECIAL.lastIndex = lt;
    const special = SPECIAL.exec(html);
    if (special) {
      i = SPECIAL.lastIndex;
      continue;
    }
    TAG.lastIndex = lt;
    const m = TAG.exec(html);
    if (!m) {
      problems.push(html.slice(lt, lt + 40));
      text += "<";
      i = lt + 1;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? "").matchAll(ATTR)) {
      const raw = a[2] ?? "";
      attrs[a[1]!.toLowerCase()] = decodeEntities(/^["']/.test(raw) ? raw.slice(1, -1) : raw);
    }
    const tag: Tag = { name: m[2]!.toLowerCase(), closing: m[1] === "/", attrs, at: lt };
    tags.push(tag);
    i = TAG.lastIndex;
    if (!tag.closing && (tag.name === "script" || tag.name === "style")) {
      const end = html.toLowerCase().indexOf(`</${tag.name}`, i);
      const content = html.slice(i, end < 0 ? html.length : end);
      if (tag.name === "script") scripts.push({ attrs, content });
      i = end < 0 ? html.length : end;
    }
  }
  return { tags, text, scripts, problems };
}

/**
 * Text a hostile server sends (answers, error messages, headers, finish reasons): each would
 * run a script, load something or break the page if it reached the HTML as markup. Those
 * that would run set `window.__pwned` (and open a dialog), so a browser test can tell.
 */
export const HOSTILE = [
  "<script>window.__pwned=1;alert(1)</script>",
  "</svg><script>window.__pwned=2;alert(2)</script>",
  "</script><script>window.__pwned=3;alert(3)</script>",
  "<img src=x onerror=\"window.__pwned=4;alert(4)\">",
  "<svg onload=window.__pwned=5>",
  "[click](javascript:window.__pwned=6)",
  "<a href=\"javascript:window.__pwned=7\">x</a>",
  "\"><script>window.__pwned=8</script>",
  "<iframe src=\"http://evil.example/\"></iframe>",
  "<link rel=stylesheet href=http://evil.example/x.css>",
  "![px](http://evil.example/p.png)",
  "<style>body{display:none}</style>",
  "<!-- the rest is a comment",
  "]]> <![CDATA[ x",
  "<plaintext><textarea>",
  "a `tick` b ``double`` and ` lone",
  "| broken | table |",
  "line\u2028sep\u2029para",
  "&lt;script&gt; &amp; &#60;b&#62;",
  "# heading\n\n- list",
  "https://evil.example/x www.evil.example me@evil.example",
];
