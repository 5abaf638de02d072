/**
 * The grid's comparison and reports on synthetic visits (compareGridCells, no run folder): a
 * suite of four scenario kinds, five repeats (with three cells, a figure of one value per visit
 * needs five to pass Holm's adjustment: 3 × 2/C(10, 5) = 0.024), cells built so that the expected outcome is
 * known — A is the champion (as fast as C, faster than B, better quality than C), the agents
 * and tools use cases tie A and C, reasoning leaves C out for its score and picks A over B,
 * load ties A and C on throughput — and a measured cell and a failed cell whose label and
 * reason are hostile text. The reports (report.md, report.html, the terminal text, the
 * consolidated report's Phase 3 in both languages) must say exactly that, and keep the hostile
 * text inert.
 */
import { describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { VisitValues } from "../../../src/grid/compare-figures.js";
import { compareGridCells, type CollectedCell, type GridAnalysis } from "../../../src/grid/analyze.js";
import { renderGridHtml, renderGridMarkdown, renderGridText } from "../../../src/grid/report.js";
import { GRID_SCHEMA_VERSION, type GridManifest } from "../../../src/grid/types.js";
import { gridParetoChart } from "../../../src/report/charts/grid.js";
import { Fmt } from "../../../src/report/final/format.js";
import { gridSection } from "../../../src/report/final/grid.js";
import { messages } from "../../../src/report/final/i18n.js";
import { scanHtml } from "../../helpers/html-scan.js";

const HOSTILE = "C <img src=x onerror=alert(1)>\n| `x` **b** [l](javascript:alert(1))\u0007";
const REASON = "server exited <script>alert(1)</script>\u0001 | ![i](http://evil.example/i.png)";
const REPEATS = 5;

const suite = validateSuiteObject(
  {
    name: "four",
    target: { url: "http://127.0.0.1:8000/v1" },
    scenarios: [
      { kind: "conversation", turns: 4, iterations: 3 },
      { kind: "reasoning" },
      { kind: "tools" },
      { kind: "load", mode: "closed", concurrency: 2, requests: 20 },
    ],
  },
  "test suite",
);

const cells = [
  { id: "a", label: "A", params: { p: "a" } },
  { id: "b", label: "B", params: { p: "b" } },
  { id: "c", label: HOSTILE, params: { p: HOSTILE } },
  { id: "d", label: "D", params: { p: "d" } },
];

const manifest: GridManifest = {
  schemaVersion: GRID_SCHEMA_VERSION,
  name: "synthetic",
  createdAt: "2026-12-05T00:00:00.000Z",
  shakedownVersion: "0.1.0",
  params: ["p"],
  cells: cells.map((c, index) => ({ ...c, index })),
  repeats: REPEATS,
  order: Array.from({ length: REPEATS }, (_, r) => cells.map((c) => ({ cell: c.id, repeat: r + 1 }))).flat(),
  suite,
  server: { kind: "command", command: "vllm serve {model} --port {port}", url: "http://127.0.0.1:{port}/v1", startupTimeoutS: 600, stopGraceS: 10, resetPrefixCache: true },
  alpha: 0.05,
};

function requests(prefix: string, n: number, f: (i: number) => number): VisitValues {
  const values = new Map<string, number>();
  for (let i = 0; i < n; i++) values.set(`${prefix}/i${i}`, f(i));
  return { source: "requests", values, ids: [...values.keys()] };
}

function tasks(n: number, f: (i: number) => number): VisitValues {
  const values = new Map<string, number>();
  for (let i = 0; i < n; i++) values.set(`reasoning/t${i}`, f(i));
  return { source: "per-task", values, ids: [...values.keys()] };
}

/** A cell's visit: latency × `slow`, throughput `tput`, score and accuracy. */
function visit(r: number, o: { slow: number; tput: number; score: number; accuracy: number; degradation: number }): Map<string, VisitValues> {
  const drift = 1 + 0.005 * r; // the machine drifts a little between rounds, alike for every cell
  const lat = (base: number) => (i: number) => (base + (i % 7)) * o.slow * drift;
  return new Map<string, VisitValues>([
    ["conversation/ttft.continued.p50", requests("c", 30, lat(20))],
    ["conversation/ttft.first_turn.p50", requests("f", 10, lat(60))],
    ["conversation/ttft.p90", requests("c", 40, lat(25))],
    ["conversation/e2e.p50", requests("c", 40, lat(200))],
    ["conversation/tpot.p50", requests("c", 40, (i) => (4 + (i % 3) * 0.1) * o.slow * drift)],
    ["conversation/degradation.ttft", { source: "estimate", estimate: { estimate: o.degradation, lower: o.degradation - 0.03, upper: o.degradation + 0.03, confidence: 0.95 } }],
    ["reasoning/e2e.p50", requests("r", 12, lat(900))],
    ["reasoning/score.mean", tasks(12, (i) => Math.min(1, o.score + ((i % 3) - 1) * 0.05))],
    ["tools/call_accuracy", { source: "proportion", x: Math.round(o.accuracy * 20), n: 20 }],
    ["load/ttft.p90", requests("l", 40, lat(40))],
    ["load/e2e.p50", requests("l", 40, lat(300))],
    ["load/output_tps.p50", requests("l", 40, (i) => (200 + (i % 5)) / o.slow)],
    ["load/throughput", { source: "run", value: o.tput * (1 + 0.002 * r) }],
  ]);
}

function collected(): Map<string, CollectedCell> {
  const spec = {
    a: { slow: 1, tput: 20, score: 0.9, accuracy: 0.9, degradation: 0.05 },
    b: { slow: 1.5, tput: 12, score: 0.9, accuracy: 0.5, degradation: 0.6 },
    c: { slow: 1, tput: 20, score: 0.5, accuracy: 0.9, degradation: 0.05 },
  } as const;
  const out = new Map<string, CollectedCell>();
  for (const [id, o] of Object.entries(spec)) {
    const byRepeat = new Map<number, Map<string, VisitValues>>();
    for (let r = 1; r <= REPEATS; r++) byRepeat.set(r, visit(r, o));
    out.set(id, { visits: Array.from({ length: REPEATS }, (_, r) => ({ repeat: r + 1, status: "done" as const, runStatus: "pass", startupMs: 61_000, used: true })), byRepeat, notes: [] });
  }
  out.set("d", { visits: Array.from({ length: REPEATS }, (_, r) => ({ repeat: r + 1, status: "failed" as const, reason: REASON, used: false })), byRepeat: new Map(), notes: [] });
  return out;
}

const a: GridAnalysis = compareGridCells(manifest, collected(), { dir: "/grids/synthetic", alpha: 0.05, seed: 7, iterations: 500, now: new Date("2026-12-05T01:00:00Z") });
const rec = (u: string) => a.recommendations.find((r) => r.useCase === u)!;

describe("compareGridCells on synthetic visits", () => {
  it("finds the champion, the ties and the winners the data hold", () => {
    expect(a.cells.map((c) => c.status)).toEqual(["measured", "measured", "measured", "failed"]);
    expect(a.figures.map((f) => f.key)).toEqual([
      "conversation/ttft.continued.p50",
      "conversation/ttft.first_turn.p50",
      "conversation/ttft.p90",
      "conversation/e2e.p50",
      "conversation/tpot.p50",
      "conversation/degradation.ttft",
      "reasoning/e2e.p50",
      "reasoning/score.mean",
      "tools/call_accuracy",
      "load/ttft.p90",
      "load/e2e.p50",
      "load/output_tps.p50",
      "load/throughput",
    ]);
    expect(a.notes).toContain("Not measured in any cell, so not compared: goodput (load).");
    expect(a.pareto.latency?.figure).toBe("conversation/ttft.p90");
    expect(a.pareto.throughput?.figure).toBe("load/throughput");
    expect(a.pareto.quality?.figures).toEqual(["reasoning/score.mean", "tools/call_accuracy"]);
    expect(a.pareto.front).toEqual(["a"]);
    expect(a.champion).toEqual({ cell: "a", sentence: 'Champion: "A" dominates every other cell: better beyond noise on at least one objective against each, and worse beyond noise on none.' });

    expect(rec("agents")).toMatchObject({ status: "tie", cells: ["a", "c"], against: "c", figure: "conversation/ttft.continued.p50" });
    expect(rec("agents").sentence).toMatch(/^Agent conversations: "A" \([\d.]+ ms\) and "C <img .*" \([\d.]+ ms\) tie on p50 TTFT of continued turns in scenario conversation: the best value, "A", does not beat "C <img .*" beyond noise \(not significant: p = 1\.000 after Holm's adjustment\), so no winner is named\.$/);
    expect(rec("reasoning")).toMatchObject({ status: "winner", cells: ["a"], against: "b", excluded: ["c"] });
    expect(rec("reasoning").sentence).toMatch(/^Long reasoning: choose "A": "A" is 33\.3 % faster than "B" on p50 E2E latency in scenario reasoning \(95 % CI [\d.]+ to [\d.]+ %, p < 0\.001, every repeat\)\. Left out first for a mean score in scenario reasoning worse beyond noise than the best: "C <img .*"\.$/);
    expect(rec("tools")).toMatchObject({ status: "tie", cells: ["a", "c"] });
    expect(rec("load")).toMatchObject({ status: "tie", figure: "load/throughput" });
    expect(rec("load").cells.sort()).toEqual(["a", "c"]);

    const acc = a.pairs.find((p) => p.figure === "tools/call_accuracy" && p.a === "a" && p.b === "b")!;
    expect(acc).toMatchObject({ test: "two proportions", beyondNoise: true, better: "a", word: "worse" });
    expect(acc.sentence).toMatch(/^"A" is better than "B" on tool-call accuracy in scenario tools: 40.0 points higher \(95 % CI [\d.]+ to [\d.]+ points, p < 0\.001, every repeat\)\.$/);
    const tput = a.pairs.find((p) => p.figure === "load/throughput" && p.a === "a" && p.b === "b")!;
    expect(tput).toMatchObject({ test: "mann-whitney", beyondNoise: true, better: "a" });
    expect(tput.sentence).toMatch(/^"A" is better than "B" on throughput in scenario load: 66.7 % higher \(95 % CI .*, p = 0\.0\d\d, every repeat\)\.$/);
    const deg = a.pairs.find((p) => p.figure === "conversation/degradation.ttft" && p.a === "a" && p.b === "b")!;
    expect(deg.sentence).toMatch(/^"A" is better than "B" on TTFT degradation over turns in scenario conversation: 55.0 points lower \(95 % CI/);
  });
});

describe("the reports of a synthetic grid", () => {
  it("report.md: every section, the hostile label and reason inert", () => {
    const md = renderGridMarkdown(a);
    expect(md).toContain("## Champion\n\nChampion: `A` dominates every other cell");
    expect(md).toContain("## Failed cells");
    expect(md).toContain("- Long reasoning: choose `A`: `A` is 33.3 % faster than `B` on p50 E2E latency in scenario reasoning (95 % CI");
    expect(md).toContain("| # | Cell | p | Visits (runs) | Startup |");
    expect(md).toContain("| 2 | `B` | `b` | 5 of 5 (pass, pass, pass, pass, pass) | 61.0 s, 61.0 s, 61.0 s, 61.0 s, 61.0 s |");
    // Outside code spans: no tag, no link, no image; no control byte anywhere; the label's newline folded.
    const outside = md.replace(/(`+)[\s\S]*?\1/g, "");
    expect(outside).not.toMatch(/(?<!\\)<(img|script)|\]\((javascript|https?):/i);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(md).toContain("``C <img src=x onerror=alert(1)> \\| `x` **b** [l](javascript:alert(1))\uFFFD``");
  });

  it("the terminal text: the table, findings, recommendations, champion and failed cells, printable", () => {
    const t = renderGridText(a);
    expect(t).toMatch(/^shakedown grid synthetic: 4 cells × 5 repeats, 3 measured, 1 failed\n/);
    expect(t).toContain("conversation/ttft.continued.p50");
    expect(t).toContain('Champion: "A" dominates every other cell');
    expect(t).toContain("Failed cells (excluded):\n  - D: server exited <script>alert(1)</script>");
    expect(t).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it("report.html and the Pareto chart: no script but the data, labels escaped", async () => {
    const chart = await gridParetoChart(a);
    expect(chart?.kind).toBe("grid.pareto");
    expect(chart!.svg).not.toContain("<img");
    expect(chart!.svg).toContain(">C &lt;img src=x onerror=alert(1…</text>"); // cut at 40 characters, escaped
    const { html, warnings } = await renderGridHtml(a);
    expect(warnings).toEqual([]);
    const scan = scanHtml(html);
    expect(scan.problems).toEqual([]);
    expect(scan.scripts.map((s) => s.attrs.type)).toEqual(["application/json"]);
    expect(scan.tags.some((t) => ["img", "iframe", "object", "embed"].includes(t.name) || Object.keys(t.attrs).some((k) => /^on/i.test(k)))).toBe(false);
    expect(scan.tags.filter((t) => t.name === "a").every((t) => !/^(javascript|https?):/i.test(t.attrs.href ?? ""))).toBe(true);
    expect(JSON.parse(scan.scripts[0]!.content).champion.cell).toBe("a");
  });

  it("the consolidated report's Phase 3, in English and in French", () => {
    const g = { arg: "x", dir: "/grids/synthetic", label: "synthetic", analysis: a, links: { folder: "../synthetic", reportMd: "../synthetic/report.md" } };
    const en = gridSection(messages(new Fmt("en")), new Fmt("en"), g);
    expect(en).toContain("### Phase 3 — comparison of server configurations: grid `synthetic`");
    expect(en).toContain("Champion: `A` dominates every other cell");
    expect(en).toMatch(/- Long reasoning: choose `A`: `A` is 33\.3% faster than `B` on p50 E2E latency in scenario reasoning \(95% CI [\d.]+ to [\d.]+%, p < 0\.001, every repeat\)\. Left out first for a mean score in scenario reasoning worse beyond noise than the best: ``C <img/);
    expect(en).toContain("[report.md](../synthetic/report.md)");
    const fr = gridSection(messages(new Fmt("fr")), new Fmt("fr"), g);
    expect(fr).toContain("### Phase 3 — comparaison des configurations du serveur\u00a0: grille `synthetic`");
    expect(fr).toContain("Championne\u00a0: `A` domine toutes les autres cellules");
    expect(fr).toMatch(/- Raisonnement long\u00a0: choisir `A`\u00a0: `A` est plus rapide que `B` de 33,3[\u00a0\u202f]% sur la latence de bout en bout p50 du scénario reasoning \(IC 95/);
    expect(fr).toMatch(/`A` est meilleure que `B` sur la précision des appels d'outils du scénario tools\u00a0: 40 points de plus \(IC 95[\u00a0\u202f]% /);
    expect(fr).toMatch(/- Appels d'outils\u00a0: `A` \(90[\u00a0\u202f]%\) et ``C <img.*`` \(90[\u00a0\u202f]%\) sont à égalité sur la précision des appels d'outils du scénario tools/);
    for (const md of [en, fr]) {
      expect(md.replace(/(`+)[\s\S]*?\1/g, "")).not.toMatch(/(?<!\\)<(img|script)|\]\((javascript|https?):/i);
      expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
  });
});
