/**
 * A vega-lite spec to inline SVG, in Node, with nothing fetched: the spec is compiled by
 * vega-lite and rendered by vega's headless View (no renderer, toSVG). Data travel inline
 * (`data.values`) and the loader refuses every URI, so a spec can never make vega load a
 * file, a URL or a font. Warnings of either library are kept, never printed.
 *
 * The SVG that comes back is made safe to insert into an HTML page:
 * - ids are renamed after the chart (`<chartId>-1`, `-2`, …) in order of appearance: vega
 *   numbers clip paths and gradients with process-wide counters, which would make the same
 *   chart differ from one rendering to the next and two charts of a page share an id;
 * - it is checked (safety.ts): known SVG elements only, no event-handler attribute, no link
 *   or `url()` that leaves the document. Vega escapes every text it writes (`<`, `>`, `&`
 *   and `"` in text and attributes), so the check is a second line, for a future vega that
 *   would not; a chart that fails it is replaced by a plain notice rather than inserted.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { checkSvg } from "./safety.js";

/** A vega-lite spec, loosely typed (the tests render every chart kind). */
export type VlSpec = Record<string, unknown>;

/** The widest a chart's SVG may be (a 1 000 px page with margins); tests check every chart against it. */
export const MAX_WIDTH = 960;

/** Common look: fixed sizes and fonts the browser has (no web font), y axes of a fixed width so stacked plots align. */
export const CHART_CONFIG = {
  font: "sans-serif",
  background: "white",
  padding: 6,
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", gridColor: "#eee" },
  axisY: { minExtent: 48, maxExtent: 48 },
  legend: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", labelLimit: 160 },
  header: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 12, fontWeight: "normal", anchor: "start" },
  range: { category: ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#eeca3b", "#9d755d", "#ff9da6", "#bab0ac"] },
  // Marks carry no per-item aria-label: on a 5 000-point layer they would be most of the file.
  mark: { aria: false },
  aria: false,
} as const;

function silentLogger(warnings: string[]): vega.LoggerInterface {
  let level = 0;
  const keep = (...args: readonly unknown[]) => {
    warnings.push(args.map(String).join(" "));
  };
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: readonly unknown[]) => (keep(...a), logger),
    warn: (...a: readonly unknown[]) => (keep(...a), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger as unknown as vega.LoggerInterface;
}

/**
 * A loader that loads nothing: data are inline, and there are no images, links or fonts to
 * fetch. A link asked of it (a mark's href) comes back empty rather than refused: vega's SVG
 * renderer does not catch a refusal, which would be an unhandled rejection.
 */
function refusingLoader(): vega.Loader {
  const refuse = (uri: string) => Promise.reject(new Error(`charts load nothing (asked: ${String(uri).slice(0, 80)})`));
  return {
    load: refuse,
    sanitize: () => Promise.resolve({ href: "" }),
    http: refuse,
    file: refuse,
  } as vega.Loader;
}

export interface Rendered {
  svg: string;
  /** Warnings vega-lite or vega gave (kept for tests; none expected). */
  warnings: string[];
  width: number;
  height: number;
}

/** Renames the SVG's ids (and their references) to `<prefix>-1`, `<prefix>-2`, … in order of appearance. */
export function renameIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    const id = m[1] as string;
    if (!ids.has(id)) ids.set(id, `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}${ids.get(id)}${b}` : all))
    .replace(/url\(#([^)]+)\)/g, (all, id: string) => (ids.has(id) ? `url(#${ids.get(id)})` : all))
    .replace(/(href=")#([^"]+)(")/g, (all, a: string, id: string, b: string) => (ids.has(id) ? `${a}#${ids.get(id)}${b}` : all));
}

const GEOMETRY = /\s(transform|d|x|y|x1|x2|y1|y2|width|height|points|cx|cy|r)="([^"]*)"/g;

/**
 * Coordinates to 2 decimals (a hundredth of a pixel) in geometry attributes only, never in
 * text: a 4 000-point layer's SVG loses a quarter of its size.
 */
export function roundGeometry(svg: string): string {
  return svg.replace(GEOMETRY, (all, name: string, v: string) => {
    if (!/\d\.\d{3}/.test(v)) return all;
    return ` ${name}="${v.replace(/(-?\d+)\.(\d{2})\d+(e-?\d+)?/g, (m, i: string, d: string, e?: string) => (e ? m : Number(`${i}.${d}`).toString()))}"`;
  });
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** What stands in for a chart whose SVG failed the safety check: a box with a sentence. */
export function withheldSvg(reason: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="40" viewBox="0 0 480 40" class="marks"><rect width="480" height="40" fill="white" stroke="#ddd"/><text x="8" y="24" font-family="sans-serif" font-size="12">${escapeXml(`chart withheld: ${reason}`.slice(0, 120))}</text></svg>`;
}

/**
 * Renders one vega-lite spec to a safe inline SVG. `idPrefix` names the chart's internal ids
 * (it must be unique in the page and made of [a-z0-9-]).
 */
export async function renderSpec(spec: VlSpec, idPrefix: string): Promise<Rendered> {
  const warnings: string[] = [];
  const logger = silentLogger(warnings);
  const full = { config: CHART_CONFIG, ...spec } as unknown as TopLevelSpec;
  const compiled = compile(full, { logger: logger as never });
  const view = new vega.View(vega.parse(compiled.spec), { renderer: "none", loader: refusingLoader(), logger, logLevel: vega.Warn });
  let raw: string;
  try {
    raw = await view.toSVG();
  } finally {
    view.finalize();
  }
  const svg = roundGeometry(renameIds(raw, idPrefix));
  const problem = checkSvg(svg);
  const width = Number(/^<svg[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1] ?? 0);
  const height = Number(/^<svg[^>]*\sheight="([\d.]+)"/.exec(svg)?.[1] ?? 0);
  if (problem) return { svg: withheldSvg(problem), warnings: [...warnings, `unsafe SVG: ${problem}`], width: 480, height: 40 };
  return { svg, warnings, width, height };
}
