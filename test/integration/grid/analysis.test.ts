/**
 * The grid comparison on a real grid folder (test/helpers/grid-fixture.ts): four cells of the
 * embedded simulator, interleaved, two repeats — prefix caching on, off, on again (a twin whose
 * parameter value is hostile text), and a cell whose server never started (a hostile reason).
 *
 * Timing: the simulator's prefill is made slow (0.15 ms per uncached token) and its replies
 * about 24 tokens, so a continued turn without the cache prefills the whole history (~60 to
 * 130 ms by turn 5) while with it only the new user turn (~25 ms): a ratio of about four on
 * the TTFT of continued turns, which no stall of a busy machine can flip; first turns cost the
 * same in both (every session has its own script). No request stands apart from the others of
 * its cell (no long shared prefix whose first miss would sit in the p90), so a cell's p90 TTFT
 * is steady from repeat to repeat. The twins are the same configuration: their figures differ
 * only by the machine's noise, which the grid's rule (Holm, every repeat, the noise floor)
 * calls "no difference beyond noise". Three repeats, so that the noise floor is measured on
 * three visits and a chance difference must go the same way three times.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { analyzeGrid, type GridAnalysis, type GridPair } from "../../../src/grid/analyze.js";
import { renderGridMarkdown, renderGridText, writeGridReports } from "../../../src/grid/report.js";
import { GRID_FILES, type GridManifest, type GridVisit } from "../../../src/grid/types.js";
import { NO_DIFFERENCE } from "../../../src/metrics/compare.js";
import { reportEntry } from "../../../src/cli/commands/final.js";
import { writeFinalReport } from "../../../src/report/final/index.js";
import { RunFolderError } from "../../../src/errors.js";
import { buildGridFixture, type GridFixture } from "../../helpers/grid-fixture.js";
import { scanHtml } from "../../helpers/html-scan.js";
import { tempDir } from "../../helpers/tmp.js";

const work = tempDir("shakedown-grid-analysis-");
const HOSTILE_VALUE = "on <img src=x onerror=alert(1)> [x](javascript:alert(1)) **b** | `c`\u0007";
const HOSTILE_REASON = "server exited with code 1 <script>alert(1)</script> | *boom* ![i](http://evil.example/x.png)\u0001\nsecond line";

let fx: GridFixture;
let a: GridAnalysis;

const ON = "cache-on";
const OFF = "cache-off";
const TWIN = "cache-on-twin";
const BROKEN = "broken";

/** Markdown without its code spans (what a renderer could read as markup). */
function outsideCode(md: string): string {
  return md.replace(/(`+)[\s\S]*?\1/g, "");
}

/** Live markup: a raw tag (not backslash-escaped), a link or an image to a URL. */
const LIVE = /(?<!\\)<(img|script)|\]\((javascript|https?):/i;

function pairOf(an: GridAnalysis, figure: string, x: string, y: string): GridPair {
  const p = an.pairs.find((q) => q.figure === figure && ((q.a === x && q.b === y) || (q.a === y && q.b === x)));
  if (!p) throw new Error(`no pair ${figure} ${x} ${y}`);
  return p;
}

/** A copy of the fixture's grid folder with its plan and visits rewritten (the run folders are copied as they are). */
function variant(name: string, edit: (m: GridManifest, v: GridVisit[]) => { manifest: GridManifest; visits: GridVisit[] }): string {
  const dir = join(mkdtempSync(join(work, `${name}-`)), "grid");
  cpSync(fx.dir, dir, { recursive: true });
  const { manifest, visits } = edit(structuredClone(fx.manifest), structuredClone(fx.visits));
  writeFileSync(join(dir, GRID_FILES.manifest), JSON.stringify(manifest));
  writeFileSync(join(dir, GRID_FILES.visits), visits.map((v) => JSON.stringify(v)).join("\n") + "\n");
  return dir;
}

beforeAll(async () => {
  fx = await buildGridFixture({
    parent: work,
    name: "cache",
    repeats: 3,
    sim: { profile: "fast", prefillMsPerToken: 0.15, overheadMs: 8, seed: 1, replyTokens: { mean: 24, min: 16, max: 32 } },
    scenarios: [{ kind: "conversation", turns: 5, iterations: 3, max_tokens: 32, temperature: 0 } as never],
    cells: [
      { id: ON, params: { prefix_caching: "on" }, sim: { prefixCaching: true } },
      { id: OFF, params: { prefix_caching: "off" }, sim: { prefixCaching: false } },
      { id: TWIN, params: { prefix_caching: HOSTILE_VALUE }, sim: { prefixCaching: true } },
      { id: BROKEN, params: { prefix_caching: "broken" }, failure: HOSTILE_REASON },
    ],
  });
  a = await analyzeGrid(fx.dir, { iterations: 1000 });
}, 120_000);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("analyzeGrid on a real grid folder", () => {
  it("prefix caching on is faster on the TTFT of continued turns, beyond noise in every repeat", () => {
    expect(a.cells.map((c) => [c.id, c.status, c.repeats])).toEqual([
      [ON, "measured", [1, 2, 3]],
      [OFF, "measured", [1, 2, 3]],
      [TWIN, "measured", [1, 2, 3]],
      [BROKEN, "failed", []],
    ]);
    expect(a.figures.map((f) => f.figure)).toEqual(["ttft.continued.p50", "ttft.first_turn.p50", "ttft.p90", "e2e.p50", "tpot.p50", "degradation.ttft", "output_tps.p50"]);
    const key = "conversation/ttft.continued.p50";
    const on = a.cells[0]!.figures.find((f) => f.figure === key)!;
    const off = a.cells[1]!.figures.find((f) => f.figure === key)!;
    expect(on.n).toBe(3 * 3 * 4); // 3 repeats × 3 sessions × turns 2..5
    expect(off.value! / on.value!).toBeGreaterThan(2);
    expect(on.ci!.lower).toBeLessThanOrEqual(on.value!);
    expect(on.ci!.upper).toBeGreaterThanOrEqual(on.value!);

    const p = pairOf(a, key, ON, OFF);
    expect(p).toMatchObject({ a: ON, b: OFF, paired: true, test: "wilcoxon", significant: true, sameWayEveryRepeat: true, beyondNoise: true, word: "slower", better: ON, repeats: [1, 2, 3] });
    expect(p.n.pairs).toBe(36);
    expect(p.pAdjusted).toBeLessThan(0.001);
    expect(p.sentence).toMatch(/^"prefix_caching=on" is \d+\.\d % faster than "prefix_caching=off" on p50 TTFT of continued turns \(95 % CI \d+\.\d to \d+\.\d %, p < 0\.001, every repeat\)\.$/);
    // the twin (cache on too) is as much faster than off
    expect(pairOf(a, key, OFF, TWIN)).toMatchObject({ beyondNoise: true, better: TWIN });
  });

  it("two cells of the same configuration: no difference beyond noise, and the recommendation names both as a tie", () => {
    const p = pairOf(a, "conversation/ttft.continued.p50", ON, TWIN);
    expect(p.beyondNoise).toBe(false);
    expect(p.word).toBe(NO_DIFFERENCE);
    expect(p.reason).toBeDefined();
    expect(p.sentence).toMatch(/^"prefix_caching=on" and "prefix_caching=on <img .*": no difference beyond noise on p50 TTFT of continued turns \(.+\)\.$/);

    const agents = a.recommendations.find((r) => r.useCase === "agents")!;
    expect(agents.status).toBe("tie");
    expect([...agents.cells].sort()).toEqual([ON, TWIN].sort());
    expect(agents.sentence).toMatch(/^Agent conversations: .* tie on p50 TTFT of continued turns: the best value, .*, does not beat .* beyond noise \(.+\), so no winner is named\.$/);
    for (const u of ["reasoning", "tools", "load"] as const) {
      const r = a.recommendations.find((x) => x.useCase === u)!;
      expect(r.status).toBe("not_measured");
      expect(r.sentence).toMatch(/: not measured: the suite has no \w+ scenario\.$/);
    }
    // Off is dominated (its p90 TTFT is far higher, its decode speed the same). Between the twins,
    // the front and the champion rest on p90 TTFT and per-request decode speed, where a
    // difference of a percent between two visits can pass for one: what is asserted here is
    // what noise cannot change; the dominance rules themselves are tested on synthetic outcomes
    // (test/unit/grid/analyze-stats.test.ts).
    expect(a.pareto.latency?.figure).toBe("conversation/ttft.p90");
    expect(a.pareto.throughput?.figure).toBe("conversation/output_tps.p50");
    expect(a.pareto.quality).toBeUndefined();
    const offPoint = a.pareto.points.find((x) => x.cell === OFF)!;
    expect(offPoint.front).toBe(false);
    expect(offPoint.dominatedBy.length).toBeGreaterThan(0);
    expect(a.pareto.front.length).toBeGreaterThan(0);
    expect(a.pareto.front.every((c) => c === ON || c === TWIN)).toBe(true);
    if (a.pareto.front.length === 2) {
      expect(a.champion).toMatchObject({ why: "no_dominant" });
      expect(a.champion.sentence).toMatch(/^No champion: no cell dominates every other\. The Pareto front holds "prefix_caching=on" and "prefix_caching=on <img/);
    }
  });

  it("a failed cell is excluded, named with its reason", () => {
    const broken = a.cells.find((c) => c.id === BROKEN)!;
    expect(broken.failure).toBe(HOSTILE_REASON);
    expect(broken.figures).toEqual([]);
    expect(broken.visits.map((v) => [v.repeat, v.status, v.used])).toEqual([
      [1, "failed", false],
      [2, "failed", false],
      [3, "failed", false],
    ]);
    expect(a.pairs.some((p) => p.a === BROKEN || p.b === BROKEN)).toBe(false);
    expect(a.pareto.points.some((p) => p.cell === BROKEN)).toBe(false);
    expect(a.notes.some((n) => n.startsWith('Cell "prefix_caching=broken" failed and is excluded: server exited with code 1'))).toBe(true);
    const text = renderGridText(a);
    expect(text).toContain("Failed cells (excluded):");
    expect(text).toMatch(/- prefix_caching=broken: server exited with code 1 <script>alert\(1\)<\/script> \| \*boom\* .*second line/);
    // no control byte reaches the terminal
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("one repeat: every pair says the machine's drift is not measured", async () => {
    const dir = variant("r1", (m, v) => ({ manifest: { ...m, repeats: 1, order: m.order.filter((o) => o.repeat === 1) }, visits: v.filter((x) => x.repeat === 1) }));
    const one = await analyzeGrid(dir, { iterations: 300 });
    expect(one.repeats).toBe(1);
    expect(one.notes).toContain("One repeat: drift of the machine between cells not measured. Differences rest on the tests alone, and the noise floor (c) is not applied.");
    for (const p of one.pairs) expect(p.notes).toContain("one repeat: drift of the machine between cells not measured");
    const p = pairOf(one, "conversation/ttft.continued.p50", ON, OFF);
    expect(p.noiseFloor).toBeUndefined();
    expect(p.beyondNoise).toBe(true);
    expect(p.sentence).toMatch(/, p [<=] 0\.\d{3}; one repeat: drift of the machine between cells not measured\)\.$/);
  });

  it("a cell with fewer done visits: its pairs use the repeats both have, and say so", async () => {
    const dir = variant("partial", (m, v) => ({
      manifest: m,
      visits: v.map((x) => (x.cell === TWIN && x.repeat === 3 ? { cell: x.cell, repeat: 3, status: "failed", startedAt: x.startedAt, endedAt: x.endedAt, reason: "server exited with code 137 (killed)" } : x)),
    }));
    const partial = await analyzeGrid(dir, { iterations: 300 });
    const twin = partial.cells.find((c) => c.id === TWIN)!;
    expect(twin.status).toBe("measured");
    expect(twin.repeats).toEqual([1, 2]);
    expect(twin.notes[0]).toBe("2 of 3 visits measured (repeat 3: server exited with code 137 (killed)): its pairs use the repeats both cells have.");
    const p = pairOf(partial, "conversation/ttft.continued.p50", OFF, TWIN);
    expect(p.repeats).toEqual([1, 2]);
    expect(p.notes).toContain("compared on the repeats both cells have (1, 2); repeat 3 measured in one cell only");
    expect(p.sentence).toMatch(/, every repeat both cells have \(2 of 3\)\)\.$/);
  });

  it("refuses a folder without grid.json, or with an unreadable one (RunFolderError)", async () => {
    await expect(analyzeGrid(work)).rejects.toThrow(RunFolderError);
    await expect(analyzeGrid(work)).rejects.toThrow(/not a shakedown grid folder \(no grid\.json\)/);
    const bad = mkdtempSync(join(work, "bad-"));
    writeFileSync(join(bad, GRID_FILES.manifest), "{ not json");
    await expect(analyzeGrid(bad)).rejects.toThrow(/grid\.json: unreadable grid manifest/);
  });
});

describe("the grid's reports", () => {
  it("report.md and report.html show hostile labels and reasons as text, never as markup", async () => {
    const warnings = await writeGridReports(fx.dir, a);
    expect(warnings).toEqual([]);
    const md = readFileSync(join(fx.dir, GRID_FILES.report), "utf8");
    expect(md).toBe(renderGridMarkdown(a));
    for (const title of ["## Plan", "## Failed cells", "## Figures per cell", "## Differences between cells", "### Beyond noise", "## Pareto front", "## Recommendations", "## Champion", "## Method and notes"]) {
      expect(md).toContain(title);
    }
    // Nothing of the hostile text is live Markdown or HTML: outside code spans, no raw tag, no link, no image; no control byte.
    expect(outsideCode(md)).not.toMatch(LIVE);
    expect(md).toContain("`![i](http://evil.example/x.png)\uFFFD`");
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(md).toContain("\\<script>alert(1)\\</script>");
    // Every table keeps its columns (a | in a value stays inside its cell).
    for (const line of md.split("\n").filter((l) => l.startsWith("| `prefix_caching=on <img"))) {
      const cells = line.replace(/\\\|/g, "").replace(/`[^`]*`/g, "x").split("|").length;
      expect(cells).toBeGreaterThan(3);
    }

    const html = readFileSync(join(fx.dir, GRID_FILES.html), "utf8");
    const scan = scanHtml(html);
    expect(scan.problems).toEqual([]);
    expect(scan.scripts.map((s) => s.attrs)).toEqual([{ type: "application/json", id: "grid-results" }]);
    expect(JSON.parse(scan.scripts[0]!.content)).toMatchObject({ schemaVersion: 1, name: "cache" });
    expect(scan.tags.some((t) => t.name === "img" || t.name === "iframe" || t.name === "object")).toBe(false);
    expect(scan.tags.some((t) => Object.keys(t.attrs).some((k) => k.startsWith("on")))).toBe(false);
    expect(scan.tags.some((t) => /javascript:/i.test(t.attrs.href ?? ""))).toBe(false);
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    // The Pareto chart, its labels escaped text inside the SVG.
    expect(html).toContain('id="grid-pareto"');
    expect(scan.text).toContain("prefix_caching=on <img src=x");
    expect(scan.text).toContain("server exited with code 1 <script>alert(1)</script>");
  });

  it("shakedown report GRIDDIR re-analyses the grid and rewrites its files; exit 0, or 2 when grid.json is unreadable", async () => {
    const dir = variant("report", (m, v) => ({ manifest: m, visits: v }));
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const code = await reportEntry([dir], {});
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(out.join("")).toMatch(/^shakedown grid cache: 4 cells × 3 repeats, 3 measured, 1 failed\n/);
    expect(out.join("")).toContain("Differences beyond noise:");
    const results = JSON.parse(readFileSync(join(dir, GRID_FILES.results), "utf8")) as GridAnalysis;
    expect(results.schemaVersion).toBe(1);
    expect(results.pairs.length).toBe(a.pairs.length);
    expect(readFileSync(join(dir, GRID_FILES.report), "utf8")).toContain("# Grid `cache`");

    writeFileSync(join(dir, GRID_FILES.manifest), "[]");
    const err = await reportEntry([dir], {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunFolderError);
    expect((err as RunFolderError).exitCode).toBe(2);
  });

  it("report --final: a grid folder becomes the Phase 3 section, in French and in English", async () => {
    const fr = await writeFinalReport([fx.dir], { lang: "fr", out: join(work, "final-fr"), version: "0.1.0", now: new Date("2026-12-05T10:00:00Z") });
    expect(fr.report.exitCode).toBe(0);
    expect(fr.grids.map((g) => g.label)).toEqual(["20261204T120000Z-grid-cache"]);
    const mdFr = readFileSync(fr.markdownPath, "utf8");
    expect(mdFr).toContain("### Phase 3 — comparaison des configurations du serveur\u00a0: grille `cache`");
    expect(mdFr).toMatch(/`prefix_caching=on` est plus rapide que `prefix_caching=off` de \d+(?:,\d)?[\u00a0\u202f]% sur le TTFT p50 des tours suivants \(IC 95[\u00a0\u202f]% \d+(?:,\d)? à \d+(?:,\d)?[\u00a0\u202f]%, p < 0,001, à chaque répétition\)\./);
    expect(mdFr).toMatch(/Conversations d'agents\u00a0: .* sont à égalité sur le TTFT p50 des tours suivants/);
    expect(mdFr).toContain("Appels d'outils\u00a0: non mesuré\u00a0: la suite n'a pas de scénario d'appels d'outils.");
    expect(mdFr).toMatch(/#### Championne\n\n(Pas de championne|Championne)\u00a0: /);
    expect(mdFr).toContain("#### Cellules en échec");
    expect(outsideCode(mdFr)).not.toMatch(LIVE);
    const htmlFr = readFileSync(fr.htmlPath, "utf8");
    expect(htmlFr).toContain('id="grid-pareto"');
    expect(scanHtml(htmlFr).problems).toEqual([]);

    // With a run folder beside it (one of the grid's own runs): the run's sections, and Phase 3 after them.
    const run = join(fx.dir, fx.visits.find((v) => v.status === "done")!.runDir!);
    const en = await writeFinalReport([run, fx.dir], { lang: "en", out: join(work, "final-en"), version: "0.1.0", now: new Date("2026-12-05T10:00:00Z"), charts: false });
    const mdEn = readFileSync(en.markdownPath, "utf8");
    expect(en.runs).toHaveLength(1);
    expect(mdEn).toContain("The report also joins 1 grid of server configurations (`20261204T120000Z-grid-cache`), compared in section 3 (Phase 3).");
    const results = mdEn.indexOf("## 3. Results per phase");
    const phase3 = mdEn.indexOf("### Phase 3 — comparison of server configurations: grid `cache`");
    expect(results).toBeGreaterThan(0);
    expect(phase3).toBeGreaterThan(results);
    expect(phase3).toBeLessThan(mdEn.indexOf("## 4. Trade-offs"));
    expect(mdEn).toMatch(/`prefix_caching=on` is \d+(?:\.\d)?% faster than `prefix_caching=off` on p50 TTFT of continued turns \(95% CI/);
    expect(mdEn).toMatch(/#### Champion\n\n(No champion|Champion): /);
  });
});
