/**
 * Every chart kind is visible (issue 13): a small real run on the simulator (every scenario
 * kind, a concurrency sweep, a load sweep, a soak, the fake GPU and the server's /metrics),
 * its charts put in an HTML page, opened in headless Chromium with the network off; each
 * chart's screenshot is decoded (PNG, node:zlib) and must hold drawn pixels of several
 * colours. A second page holds the same charts rendered from hostile names: no script runs,
 * nothing is fetched, every chart is still one <svg> with its text as text.
 *
 * Skipped with a notice when Chromium is absent (test/helpers/chromium.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { renderScenarioCharts, renderTimelineChart, MAX_WIDTH, type Chart, type ChartInput } from "../../../src/report/charts/index.js";
import { chartWarnings } from "../../../src/report/charts/common.js";
import { executeRun } from "../../../src/run/executor.js";
import { loadRunFolder } from "../../../src/store/run-folder.js";
import { chromiumPath, launchChromium, noticeNoChromium, openFile } from "../../helpers/chromium.js";
import { tempDir } from "../../helpers/tmp.js";

const HOSTILE = `</svg><script>alert(1)</script><img src=x onerror=alert(2)> & "q" 'a' javascript:alert(3)`;

const KINDS = [
  "conversation.turns",
  "conversation.prompt",
  "conversation.degradation",
  "conversation.sweep",
  "cache.ttft",
  "reasoning.scores",
  "tools.cases",
  "load.percentiles",
  "load.cdf",
  "soak.windows",
  "soak.resources",
  "timeline",
];

/** A PNG's pixels as RGBA (8-bit, colour types 2 and 6, not interlaced: what Chromium writes). */
export function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  if (png.readUInt32BE(0) !== 0x89504e47) throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString("latin1", pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9] ?? 0;
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) throw new Error(`unsupported PNG (depth ${depth}, colour type ${colorType})`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? (cur[i - bpp] as number) : 0;
      const b = prev[i] as number;
      const c = i >= bpp ? (prev[i - bpp] as number) : 0;
      const x = line[i] as number;
      let v: number;
      switch (filter) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter}`);
      }
      cur[i] = v & 0xff;
    }
    for (let px = 0; px < width; px++) {
      const o = (y * width + px) * 4;
      out[o] = cur[px * bpp] as number;
      out[o + 1] = cur[px * bpp + 1] as number;
      out[o + 2] = cur[px * bpp + 2] as number;
      out[o + 3] = bpp === 4 ? (cur[px * bpp + 3] as number) : 255;
    }
    prev = cur;
  }
  return { width, height, rgba: out };
}

/** Pixels that are not the white background, and how many distinct colours (to 4 bits a channel) they use. */
function inked(img: { width: number; height: number; rgba: Uint8Array }): { share: number; colours: number } {
  let ink = 0;
  const colours = new Set<number>();
  for (let i = 0; i < img.rgba.length; i += 4) {
    const r = img.rgba[i] as number;
    const g = img.rgba[i + 1] as number;
    const b = img.rgba[i + 2] as number;
    if (r < 245 || g < 245 || b < 245) {
      ink++;
      colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
    }
  }
  return { share: ink / (img.width * img.height), colours: colours.size };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function page(charts: Chart[]): string {
  const figures = charts
    .map((c) => `<figure id="${c.id}" data-kind="${c.kind}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}<p>${escapeHtml(c.caption)}</p></figure>`)
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>charts</title><style>body{margin:16px;width:1000px;font-family:sans-serif}figure{margin:0 0 24px}svg{max-width:100%;height:auto;display:block}</style></head><body>${figures}</body></html>`;
}

async function allCharts(input: ChartInput): Promise<Chart[]> {
  const out: Chart[] = [];
  for (const s of input.results.scenarios) out.push(...(await renderScenarioCharts(s, input)));
  const tl = await renderTimelineChart(input);
  if (tl) out.push(tl);
  return out;
}

/** The same run with every scenario, stage and error named by a hostile string. */
function hostile(input: ChartInput): ChartInput {
  const results = structuredClone(input.results);
  const names = new Map<string, string>();
  for (const [i, s] of results.scenarios.entries()) {
    const n = `${i}${HOSTILE}`;
    names.set(s.name, n);
    s.name = n;
    const d = s.detail as { runs?: { taskId?: string; caseId?: string; title?: string }[]; stages?: { stage: { name: string } }[] };
    for (const r of d.runs ?? []) {
      if (r.taskId !== undefined) r.taskId += HOSTILE;
      if (r.caseId !== undefined) r.caseId += HOSTILE;
      r.title = HOSTILE;
    }
    for (const st of d.stages ?? []) st.stage.name += HOSTILE;
  }
  const records = input.records.map((r, i) => ({
    ...r,
    scenario: names.get(r.scenario) ?? HOSTILE,
    ...(r.stage ? { stage: { ...r.stage, name: r.stage.name + HOSTILE } } : {}),
    result: i % 17 === 3 ? { ...r.result, ok: false, error: { kind: HOSTILE as "timeout_total", message: HOSTILE } } : r.result,
  }));
  return { ...input, results, records };
}

const browserPath = chromiumPath();
if (!browserPath) noticeNoChromium("test/integration/report/charts-screenshot.test.ts");

describe.skipIf(!browserPath)("charts in headless Chromium", () => {
  const out = tempDir();
  let browser: Browser;
  let input: ChartInput;
  let charts: Chart[];

  beforeAll(async () => {
    const suite = validateSuiteObject(
      {
        name: "charts",
        target: { sim: { profile: "fast", fake_gpu: true }, warmup_requests: 1 },
        monitor: { gpu: { interval_ms: 100 } },
        scenarios: [
          { kind: "conversation", turns: 4, iterations: 2, concurrency: [1, 2], max_tokens: 16 },
          { kind: "cache", repetitions: 3 },
          { kind: "reasoning", pack: "seed", repetitions: 1, concurrency: 8 },
          { kind: "tools", concurrency: 8 },
          { kind: "load", mode: "sweep", requests: 24, input_tokens: 32, output_tokens: 8, calibrate: false, sweep: { rates: 1, max_concurrency: 8 } },
          { kind: "soak", duration: "1.2s", window: "0.3s", concurrency: 4, mix: { conversation: 0.5, short: 0.5, reasoning: 0 }, conversation: { turns: 3, max_tokens: 8 }, short: { output_tokens: 8 }, canary: { enabled: false } },
        ],
        output: { dir: out },
      },
      "test",
    );
    const [{ dir, results }, b] = await Promise.all([executeRun(suite), launchChromium()]);
    browser = b;
    const run = loadRunFolder(dir);
    input = { results, records: run.records, server: run.server, gpu: run.gpu };
    charts = await allCharts(input);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("every chart kind renders, and its screenshot is not blank", async () => {
    expect(charts.map((c) => c.kind).sort()).toEqual([...KINDS].sort());
    expect(chartWarnings).toEqual([]);
    const file = join(out, "charts.html");
    writeFileSync(file, page(charts));
    const opened = await openFile(browser, file, { width: 1100, height: 900 });
    try {
      for (const c of charts) {
        const svg = opened.page.locator(`#${c.id} > svg`);
        expect(await svg.count(), c.id).toBe(1);
        const box = await svg.boundingBox();
        expect(box, c.id).not.toBeNull();
        expect(box!.width, c.id).toBeGreaterThan(200);
        expect(box!.width, c.id).toBeLessThanOrEqual(MAX_WIDTH);
        expect(box!.height, c.id).toBeGreaterThan(50);
        const img = decodePng(await svg.screenshot());
        expect(Math.abs(img.width - box!.width), `${c.id}: decoded width`).toBeLessThanOrEqual(1);
        expect(Math.abs(img.height - box!.height), `${c.id}: decoded height`).toBeLessThanOrEqual(1);
        const ink = inked(img);
        // Axes, labels and marks: a few per cent of the area at least, in several colours.
        expect(ink.share, `${c.kind}: share of drawn pixels`).toBeGreaterThan(0.02);
        expect(ink.colours, `${c.kind}: colours`).toBeGreaterThanOrEqual(3);
        // The text is there as text: labels the browser laid out.
        const texts = await opened.page.locator(`#${c.id} > svg text`).count();
        expect(texts, c.id).toBeGreaterThan(3);
      }
      expect(opened.blocked).toEqual([]);
      expect(opened.dialogs).toEqual([]);
      expect(opened.console.filter((l) => l.startsWith("pageerror") || l.startsWith("error"))).toEqual([]);
    } finally {
      await opened.close();
    }
  });

  it("charts of hostile names run nothing, fetch nothing, and stay one <svg> each", async () => {
    const bad = await allCharts(hostile(input));
    expect(bad.map((c) => c.kind).sort()).toEqual([...KINDS].sort());
    const file = join(out, "hostile.html");
    writeFileSync(file, page(bad));
    const opened = await openFile(browser, file, { width: 1100, height: 900 });
    try {
      expect(opened.dialogs).toEqual([]);
      expect(opened.blocked).toEqual([]);
      const counts = (await opened.page.evaluate(
        `({ scripts: document.scripts.length, images: document.images.length, svgs: document.querySelectorAll("body > figure > svg").length, figures: document.querySelectorAll("body > figure").length, nested: document.querySelectorAll("svg svg, svg script, svg img, svg foreignObject").length })`,
      )) as { scripts: number; images: number; svgs: number; figures: number; nested: number };
      expect(counts).toEqual({ scripts: 0, images: 0, svgs: bad.length, figures: bad.length, nested: 0 });
      // The hostile text is on the page as text.
      const text = (await opened.page.evaluate(`document.body.innerText`)) as string;
      expect(text).toContain("</svg><script>alert(1)</script>");
      for (const c of bad) {
        const img = decodePng(await opened.page.locator(`#${c.id} > svg`).screenshot());
        expect(inked(img).share, c.kind).toBeGreaterThan(0.02);
      }
    } finally {
      await opened.close();
    }
  });
});
