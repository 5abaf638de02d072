/**
 * A last check of a chart's SVG before it is put in the page as it is. The charts module
 * renders SVG that is safe to insert (vega escapes every text); this check makes a mistake
 * there a chart that is not drawn rather than a page that runs or loads something, or whose
 * structure a label could break: one <svg> element, closed at the end, made only of the
 * drawing elements charts use, no event handler, no link or URL to anything but the SVG
 * itself, no character reference that could hide one. Text between tags has every `<`
 * escaped, so every `<` must open one of these tags.
 */

/** SVG elements a chart may use (lower case): drawing and text, no script, style, foreign content, animation or image. */
const ALLOWED = new Set([
  "svg", "g", "defs", "clippath", "lineargradient", "radialgradient", "stop", "mask", "pattern", "marker", "symbol",
  "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan", "title", "desc", "use",
]);

const START = /<([a-zA-Z][a-zA-Z0-9:_-]*)((?:\s+[^\s"'=<>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const END = /<\/([a-zA-Z][a-zA-Z0-9:_-]*)\s*>/y;
const COMMENT = /<!--(?!>|->)[\s\S]*?-->/y;
const ATTR = /([^\s"'=<>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?/g;
const NAMED = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as const;

/** An attribute value as the browser reads it, or undefined when it holds a character reference we do not decode. */
function decode(v: string): string | undefined {
  let unknown = false;
  const out = v.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z][a-zA-Z0-9]*);?/g, (_m, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "\uFFFD";
    }
    const named = NAMED[ref as keyof typeof NAMED];
    if (named === undefined) unknown = true;
    return named ?? "";
  });
  return unknown ? undefined : out;
}

function attrProblem(tag: string, attrs: string): string | undefined {
  for (const m of attrs.matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    const quoted = m[2] ?? "";
    const value = decode(/^["']/.test(quoted) ? quoted.slice(1, -1) : quoted);
    if (value === undefined) return `<${tag}> has an attribute with a character reference that is not allowed`;
    if (name.startsWith("on")) return `<${tag}> has an event handler (${name})`;
    if ((name === "href" || name === "xlink:href" || name === "src") && !/^\s*#/.test(value)) return `<${tag}> links outside the chart`;
    if (/url\s*\(\s*["']?\s*(?!#)/i.test(value) || /@import|expression\s*\(|javascript:/i.test(value)) return `<${tag}> refers to an outside resource`;
  }
  return undefined;
}

/** Why `svg` must not be put in the page as it is, or undefined when it may. */
export function svgProblem(svg: string): string | undefined {
  const s = svg.trim();
  if (!/^<svg[\s>]/i.test(s)) return "the chart's SVG does not start with <svg>";
  const open: string[] = [];
  let i = 0;
  let closed = false;
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    if (lt < 0) break;
    if (closed) return "the chart's SVG goes on after its </svg>";
    for (const re of [START, END, COMMENT]) re.lastIndex = lt;
    let m: RegExpExecArray | null;
    if ((m = COMMENT.exec(s))) {
      i = COMMENT.lastIndex;
    } else if ((m = END.exec(s))) {
      const name = m[1]!.toLowerCase();
      if (open.pop() !== name) return `the chart's SVG closes <${name}> where it is not open`;
      if (open.length === 0) closed = true;
      i = END.lastIndex;
    } else if ((m = START.exec(s))) {
      const name = m[1]!.toLowerCase();
      if (!ALLOWED.has(name)) return `the chart's SVG holds a <${name}> element`;
      if (open.length === 0 && (name !== "svg" || lt !== 0)) return "the chart's SVG is not one <svg> element";
      const problem = attrProblem(name, m[2] ?? "");
      if (problem) return `the chart's SVG is refused: ${problem}`;
      if (m[3] !== "/") open.push(name);
      else if (open.length === 0) closed = true;
      i = START.lastIndex;
    } else {
      return "the chart's SVG has a `<` that opens no tag";
    }
  }
  if (!closed || s.slice(i).trim() !== "") return "the chart's SVG is not closed by </svg> at its end";
  return undefined;
}
