/**
 * What charts draw of large series (issue 13): the per-bucket reduction keeps the extremes,
 * caps the points, is deterministic and leaves small series alone; a 20 000-request
 * timeline draws at most MAX_POINTS points a layer and says so. And the SVG check every chart
 * passes: it refuses scripts, event handlers, links and outside URLs, and vega's own output
 * for hostile labels passes it (vega escapes text).
 */
import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../src/client/types.js";
import { mulberry32 } from "../../../src/metrics/bootstrap.js";
import { MAX_POINTS, reduceForDrawing, renderTimelineChart } from "../../../src/report/charts/index.js";
import { reductionNote } from "../../../src/report/charts/downsample.js";
import { renderSpec, renameIds, roundGeometry, withheldSvg } from "../../../src/report/charts/render.js";
import { checkSvg } from "../../../src/report/charts/safety.js";
import type { RequestRecord } from "../../../src/store/records.js";
import type { RunResults } from "../../../src/store/run-folder.js";

const HOSTILE = `</svg><script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a' javascript:alert(3)`;

describe("reduceForDrawing", () => {
  const rand = mulberry32(42);
  const series = Array.from({ length: 50_000 }, (_, i) => ({ x: i * 0.1, y: Math.sin(i / 500) * 100 + rand() * 20 }));
  // Planted extremes in the middle of the series.
  series[12_345] = { x: 1234.5, y: 1_000 };
  series[33_333] = { x: 3333.3, y: -1_000 };

  it("leaves a series under the cap as it is", () => {
    const r = reduceForDrawing(series.slice(0, 300), (p) => p.x, (p) => p.y, 300);
    expect(r.reduced).toBe(false);
    expect(r.points).toEqual(series.slice(0, 300));
    expect(reductionNote("Points", r)).toBe("");
  });

  for (const perBucket of [2, 5]) {
    it(`caps the points and keeps the extremes of y and of x (${perBucket} a bucket)`, () => {
      const r = reduceForDrawing(series, (p) => p.x, (p) => p.y, 4_000, perBucket);
      expect(r.reduced).toBe(true);
      expect(r.from).toBe(50_000);
      expect(r.points.length).toBeLessThanOrEqual(4_000);
      expect(r.points.length).toBeGreaterThan(3_000);
      expect(r.points).toContain(series[12_345]);
      expect(r.points).toContain(series[33_333]);
      expect(r.points[0]).toBe(series[0]);
      expect(r.points[r.points.length - 1]).toBe(series[series.length - 1]);
      // In x order, every point one of the input's.
      for (let i = 1; i < r.points.length; i++) expect(r.points[i]!.x).toBeGreaterThanOrEqual(r.points[i - 1]!.x);
      const set = new Set(series);
      for (const p of r.points) expect(set.has(p)).toBe(true);
      // Each bucket's own min and max survive: the envelope is the input's.
      const buckets = Math.floor((4_000 - 2) / perBucket);
      const width = series[series.length - 1]!.x - series[0]!.x;
      const hi = new Map<number, number>();
      const lo = new Map<number, number>();
      for (const p of series) {
        const b = Math.min(buckets - 1, Math.floor(((p.x - series[0]!.x) / width) * buckets));
        hi.set(b, Math.max(hi.get(b) ?? -Infinity, p.y));
        lo.set(b, Math.min(lo.get(b) ?? Infinity, p.y));
      }
      const keptHi = new Map<number, number>();
      const keptLo = new Map<number, number>();
      for (const p of r.points) {
        const b = Math.min(buckets - 1, Math.floor(((p.x - series[0]!.x) / width) * buckets));
        keptHi.set(b, Math.max(keptHi.get(b) ?? -Infinity, p.y));
        keptLo.set(b, Math.min(keptLo.get(b) ?? Infinity, p.y));
      }
      expect(keptHi).toEqual(hi);
      expect(keptLo).toEqual(lo);
      expect(reductionNote("Points", r)).toContain("downsampled for drawing from 50,000 points");
    });
  }

  it("is deterministic, whatever the input order of equal x", () => {
    const a = reduceForDrawing(series, (p) => p.x, (p) => p.y, 1_000, 5);
    const b = reduceForDrawing(series, (p) => p.x, (p) => p.y, 1_000, 5);
    expect(b.points).toEqual(a.points);
    // All x equal: one bucket, its extremes kept.
    const flat = Array.from({ length: 10_000 }, (_, i) => ({ x: 1, y: (i * 7919) % 10_007 }));
    const f = reduceForDrawing(flat, (p) => p.x, (p) => p.y, 100, 5);
    expect(f.points.length).toBeLessThanOrEqual(100);
    expect(Math.max(...f.points.map((p) => p.y))).toBe(Math.max(...flat.map((p) => p.y)));
    expect(Math.min(...f.points.map((p) => p.y))).toBe(Math.min(...flat.map((p) => p.y)));
  });
});

function record(i: number, sent: number, ttft: number, ok = true): RequestRecord {
  const result: ChatResult = {
    ok,
    startedAtEpochMs: 1_700_000_000_000 + sent,
    sentPerfMs: sent,
    stream: true,
    t: ok ? { firstByte: ttft, firstContent: ttft, lastByte: ttft + 20 } : { lastByte: 2 },
    chunkTimes: ok ? [ttft, ttft + 19] : [],
    chunkTokens: [],
    content: "x",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    ...(ok ? { usage: { promptTokens: 10, completionTokens: 2, totalTokens: 12 } } : { error: { kind: "timeout_total" as const, message: "late" } }),
  };
  return { v: 1, id: `load/r${i}`, scenario: "load", kind: "load", newMessages: [], messageCount: 1, params: { model: "m", stream: true }, result };
}

describe("a large timeline is drawn from at most MAX_POINTS points a layer", () => {
  it("20 000 requests: the outliers are drawn, the caption says what was reduced, n counts them all", async () => {
    const rand = mulberry32(9);
    const records = Array.from({ length: 20_000 }, (_, i) => record(i, 1_000 + i * 5, 30 + rand() * 20 + (i === 17_777 ? 5_000 : 0), i % 400 !== 3));
    const results = { startedAt: new Date(1_700_000_000_000).toISOString(), scenarios: [] } as unknown as RunResults;
    const c = await renderTimelineChart({ results, records, server: [], gpu: [] });
    expect(c).toBeDefined();
    expect(c!.n).toBe(20_000);
    expect(c!.caption).toContain("downsampled for drawing from 19,950 points");
    expect(c!.caption).toContain("50 failed requests");
    // Circles of the requests' layer (radius 1.5) — the legend's are larger.
    const circles = c!.svg.match(/d="M1\.5,0A1\.5,1\.5,0,1,1,-1\.5,0A1\.5,1\.5,0,1,1,1\.5,0"/g) ?? [];
    expect(circles.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(circles.length).toBeLessThanOrEqual(MAX_POINTS);
    // The 5-second outlier sets the top of the y axis.
    expect(c!.svg.includes(">5,000<") || c!.svg.includes(">5k<")).toBe(true);
    expect(checkSvg(c!.svg)).toBeUndefined();
  });
});

describe("the SVG check", () => {
  const ok = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10"><g clip-path="url(#c-1)"><text x="1">a &lt; b &amp; c</text><path d="M0,0L1,1"/></g></svg>`;
  it("accepts plain drawing markup", () => {
    expect(checkSvg(ok)).toBeUndefined();
  });
  it.each([
    ["a script", ok.replace("<path", "<script>alert(1)</script><path")],
    ["an event handler", ok.replace("<path", '<path onload="alert(1)"')],
    ["a link", ok.replace("<path", '<path href="https://evil.example/x"')],
    ["an xlink", ok.replace("<path", '<path xlink:href="#x"')],
    ["an outside url()", ok.replace("url(#c-1)", "url(https://evil.example/f.svg#c)")],
    ["a foreign object", ok.replace("<path", "<foreignObject><div>x</div></foreignObject><path")],
    ["an image", ok.replace("<path", '<image width="1" height="1"/><path')],
    ["markup after the end", `${ok}<script>alert(1)</script>`],
    ["an unclosed element", ok.replace("</g>", "")],
    ["a raw < in text", ok.replace("a &lt; b", "a < b")],
    ["a bare &", ok.replace("&amp; c", "& c")],
    ["a namespace elsewhere", ok.replace("http://www.w3.org/2000/svg", "https://evil.example/ns")],
    ["a style with a URL", ok.replace("<path", '<path style="fill:url(https://evil.example/x)"')],
  ])("refuses %s", (_, svg) => {
    expect(checkSvg(svg)).toBeDefined();
  });

  it("vega escapes hostile text in every place a label goes: the output passes, the text stays text", async () => {
    const spec = {
      width: 400,
      height: 120,
      title: { text: HOSTILE, subtitle: HOSTILE },
      data: { values: [{ k: HOSTILE, v: 1 }, { k: "b&b", v: 2 }] },
      mark: "bar",
      encoding: { x: { field: "k", type: "nominal", title: HOSTILE, axis: { labelLimit: 2000 } }, y: { field: "v", type: "quantitative", title: HOSTILE }, color: { field: "k", type: "nominal", legend: { labelLimit: 2000 } } },
    };
    const r = await renderSpec(spec, "t");
    expect(r.warnings.filter((w) => w.startsWith("unsafe"))).toEqual([]);
    expect(checkSvg(r.svg)).toBeUndefined();
    expect(r.svg).not.toMatch(/<script|<img|<\/svg>./);
    expect(r.svg).toContain("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &amp; ");
    expect(r.svg).toContain("b&amp;b");
  });

  it("a mark's link is never written, and rendering it throws nothing", async () => {
    const r = await renderSpec({ width: 100, height: 50, data: { values: [{ v: 1 }] }, mark: { type: "point", href: "https://evil.example/" }, encoding: { x: { field: "v", type: "quantitative" } } }, "h");
    expect(r.svg).not.toContain("evil.example");
    expect(r.svg).not.toMatch(/href/);
    expect(checkSvg(r.svg)).toBeUndefined();
  });

  it("an SVG that fails the check is replaced by a notice that says why", () => {
    const w = withheldSvg(`element <script> ${HOSTILE}`);
    expect(checkSvg(w)).toBeUndefined();
    expect(w).toContain("chart withheld: element &lt;script&gt;");
  });
});

describe("ids and geometry", () => {
  it("renames ids and their references after the chart, in order", () => {
    const svg = `<svg><defs><clipPath id="clip7"><rect/></clipPath><linearGradient id="gradient_3"/></defs><g clip-path="url(#clip7)" fill="url(#gradient_3)"><text>url(#clip7) id="clip7"</text></g></svg>`;
    const out = renameIds(svg, "s1-x");
    expect(out).toContain('id="s1-x-1"');
    expect(out).toContain('id="s1-x-2"');
    expect(out).toContain('clip-path="url(#s1-x-1)"');
    expect(out).toContain('fill="url(#s1-x-2)"');
  });
  it("rounds coordinates in geometry attributes, never in text", () => {
    const svg = `<svg><path transform="translate(12.3456789,0.1234)" d="M1.23456,2.5L3.14159,2"/><text x="1.005">3.14159</text></svg>`;
    const out = roundGeometry(svg);
    expect(out).toContain('transform="translate(12.34,0.12)"');
    expect(out).toContain('d="M1.23,2.5L3.14,2"');
    expect(out).toContain(">3.14159<");
  });
});
