/**
 * The check every chart's SVG passes before it is handed out: the markup tokenises into
 * known SVG elements with plain attributes; no element can run a script or fetch anything.
 *
 * - elements: a fixed list of drawing elements (no script, foreignObject, image, use, a,
 *   style, animate…);
 * - attributes: names of letters, digits, `-`, `:` and `.`, none starting with `on`, values
 *   in double quotes holding no `<`; `href`/`xlink:href`/`src` are refused outright; any
 *   `url(…)` must point inside the document (`url(#id)`); the only `http` allowed is the
 *   namespace declarations' own (they are names, never fetched);
 * - text between tags holds no `<` (vega writes `&lt;`), and every `&` starts an entity.
 *
 * Returns undefined when the SVG passes, else why not (one short sentence).
 */

const ELEMENTS = new Set([
  "svg",
  "g",
  "path",
  "rect",
  "line",
  "polyline",
  "polygon",
  "circle",
  "ellipse",
  "text",
  "tspan",
  "title",
  "desc",
  "defs",
  "clipPath",
  "linearGradient",
  "radialGradient",
  "stop",
  "pattern",
]);

const NAMESPACES: Record<string, string> = {
  xmlns: "http://www.w3.org/2000/svg",
  "xmlns:xlink": "http://www.w3.org/1999/xlink",
};

const TAG = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /\s+([A-Za-z_:][\w:.-]*)="([^"<]*)"/g;
const ENTITY = /&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#x[0-9A-Fa-f]+);/y;

function attrProblem(el: string, name: string, value: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith("on")) return `event attribute ${name} on <${el}>`;
  if (lower === "href" || lower.endsWith(":href") || lower === "src") return `link attribute ${name} on <${el}>`;
  if (lower in NAMESPACES || lower.startsWith("xmlns")) {
    return NAMESPACES[lower] === value ? undefined : `namespace ${name} on <${el}>`;
  }
  const decoded = value.replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d))).replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  if (/url\s*\(/i.test(decoded)) {
    for (const m of decoded.matchAll(/url\s*\(\s*(['"]?)([^)'"]*)\1\s*\)/gi)) if (!(m[2] ?? "").startsWith("#")) return `url() leaving the document in ${name} on <${el}>`;
  }
  if ((lower === "style" || lower === "clip-path" || lower === "fill" || lower === "stroke" || lower === "filter" || lower === "mask") && /(javascript|data|https?):/i.test(decoded))
    return `a URL in ${name} on <${el}>`;
  return undefined;
}

export function checkSvg(svg: string): string | undefined {
  if (!svg.startsWith("<svg")) return "does not start with <svg";
  const open: string[] = [];
  let i = 0;
  while (i < svg.length) {
    const lt = svg.indexOf("<", i);
    const end = lt === -1 ? svg.length : lt;
    for (let k = svg.indexOf("&", i); k !== -1 && k < end; k = svg.indexOf("&", k + 1)) {
      ENTITY.lastIndex = k;
      if (!ENTITY.test(svg)) return "a bare & in text";
    }
    if (lt === -1) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(svg);
    if (!m) return `markup that is not a plain tag at ${lt}`;
    const [whole, closing, name, attrs, selfClosing] = m as unknown as [string, string, string, string, string];
    if (!ELEMENTS.has(name)) return `element <${name}>`;
    if (closing) {
      if (attrs) return `attributes on a closing tag </${name}>`;
      if (open.pop() !== name) return `</${name}> closes nothing open`;
    } else {
      for (const a of attrs.matchAll(ATTR)) {
        const p = attrProblem(name, a[1] as string, a[2] as string);
        if (p) return p;
      }
      if (!selfClosing) open.push(name);
    }
    i = lt + whole.length;
    if (open.length === 0 && i < svg.length) return "markup after the closing </svg>";
  }
  if (open.length > 0) return `<${open[open.length - 1]}> left open`;
  return undefined;
}
