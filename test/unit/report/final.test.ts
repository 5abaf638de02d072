/**
 * The consolidated report (`report --final`, src/report/final): its seven sections in both
 * languages, numbers formatted per locale, sentences chosen by the data (a missing scenario
 * says "not measured", a failing run fails the conclusion, only comparable runs are set side
 * by side), and text from run folders inert in the Markdown and the HTML.
 *
 * Real results come from small runs against the simulator (fast profile: a short
 * conversation, a reasoning run of 2 tasks, a tools run of 2 cases); the rest is hand-made.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Root, RootContent, Table } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";
import { beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { conversationScenarioSchema, reasoningScenarioSchema, toolsScenarioSchema, type ScenarioConfig } from "../../../src/config/schema.js";
import { RunFolderError } from "../../../src/errors.js";
import { executeRun } from "../../../src/run/executor.js";
import type { MetricValue, ScenarioResult } from "../../../src/scenarios/types.js";
import type { Verdict } from "../../../src/metrics/index.js";
import type { RunResults, RunStatus } from "../../../src/store/run-folder.js";
import {
  buildFinalReport,
  exitCodeOf,
  finalMarkdown,
  loadFinalRun,
  renderFinalHtml,
  writeFinalReport,
  type FinalLang,
  type FinalRun,
} from "../../../src/report/final/index.js";
import { tempDir } from "../../helpers/tmp.js";

const work = tempDir("shakedown-final-");
const NOW = new Date("2026-01-15T10:00:00Z");

const SECTIONS: Record<FinalLang, string[]> = {
  en: ["1. Context", "2. Methodology", "3. Results per phase", "4. Trade-offs", "5. Recommendations per use case", "6. Appendices", "7. Conclusion"],
  fr: ["1. Contexte", "2. Méthodologie", "3. Résultats par phase", "4. Compromis", "5. Recommandations par cas d'usage", "6. Annexes", "7. Conclusion"],
};

const parse = (md: string): Root => fromMarkdown(md, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });

function walk(node: Root | RootContent, visit: (n: Root | RootContent) => void): void {
  visit(node);
  if ("children" in node) for (const c of node.children as RootContent[]) walk(c, visit);
}

function textOf(node: Root | RootContent): string {
  if (node.type === "text" || node.type === "inlineCode") return node.value;
  return "children" in node ? (node.children as RootContent[]).map(textOf).join("") : "";
}

/** Level-2 headings of a Markdown document, in order. */
function sectionHeadings(md: string): string[] {
  return parse(md)
    .children.filter((n) => n.type === "heading" && n.depth === 2)
    .map(textOf);
}

/** Spaces Intl puts in French numbers (narrow no-break, no-break) as plain spaces. */
const plainSpaces = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

function report(runs: FinalRun[], lang: FinalLang) {
  const r = buildFinalReport({ runs, lang, generatedAt: NOW, version: "9.9.9" });
  return { r, md: finalMarkdown(r) };
}

// ---------------------------------------------------------------------------------------------
// Hand-made results

const metric = (value: number | undefined, n: number, unit: MetricValue["unit"]): MetricValue => ({ ...(value !== undefined ? { value } : {}), n, unit });

function verdict(threshold: string, metricName: string, op: Verdict["op"], limit: number, status: Verdict["status"], value?: number, n = 10): Verdict {
  return { threshold, metric: metricName, op, limit, status, n, ...(value !== undefined ? { value } : {}) };
}

interface MkScenario {
  name?: string;
  kind: string;
  config?: Record<string, unknown>;
  metrics: Record<string, MetricValue>;
  verdicts?: Verdict[];
  status?: ScenarioResult["status"];
  headline?: string;
  detail?: unknown;
}

function mkRun(
  label: string,
  o: {
    status?: RunStatus;
    scenarios: MkScenario[];
    model?: string;
    url?: string;
    simulated?: boolean;
    serverHeader?: string;
    prefixCaching?: boolean;
    complete?: boolean;
    interruption?: string;
  },
): FinalRun {
  const configs: ScenarioConfig[] = o.scenarios.map((s) => {
    const raw = { kind: s.kind, name: s.name ?? s.kind, ...(s.config ?? {}) };
    if (s.kind === "conversation") return conversationScenarioSchema.parse(raw);
    if (s.kind === "reasoning") return reasoningScenarioSchema.parse(raw);
    if (s.kind === "tools") return toolsScenarioSchema.parse(raw);
    return raw as unknown as ScenarioConfig;
  });
  const scenarios: ScenarioResult[] = o.scenarios.map((s) => ({
    name: s.name ?? s.kind,
    kind: s.kind,
    metrics: s.metrics,
    verdicts: s.verdicts ?? [],
    status: s.status ?? "pass",
    detail: s.detail ?? {},
    requests: { total: 10, ok: 10, failed: 0 },
    errors: [],
    notes: [],
    ...(s.headline !== undefined ? { headline: s.headline } : {}),
  }));
  const simulated = o.simulated ?? false;
  const results = {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.1.0" },
    runId: label,
    startedAt: "2026-01-14T09:30:00.000Z",
    durationMs: 61_500,
    suite: { name: "suite", scenarios: configs },
    target: {
      url: o.url ?? "http://gpu-1:8000/v1",
      model: o.model ?? "qwen3-32b",
      simulated,
      ...(simulated ? { simProfile: "fast", simOptions: { prefixCaching: o.prefixCaching ?? true } } : {}),
      models: [],
      ...(o.serverHeader !== undefined ? { serverHeader: o.serverHeader } : {}),
      metrics: { url: "http://gpu-1:8000/metrics", scraped: true },
    },
    host: { node: "v20.0.0", platform: "linux", arch: "x64", cpus: 16 },
    complete: o.complete ?? true,
    ...(o.interruption !== undefined ? { interruption: o.interruption } : {}),
    status: o.status ?? "pass",
    records: { file: "records.jsonl", count: 10, tornTail: false },
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    scenarios,
    renderedAt: "2026-01-14T10:00:00.000Z",
  } as unknown as RunResults;
  return {
    arg: label,
    dir: `/runs/${label}`,
    label,
    results,
    origin: "results",
    prefixCaching: o.prefixCaching === undefined ? { source: "none", scraped: true } : { source: "metrics", enabled: o.prefixCaching },
    links: { folder: `../runs/${label}`, reportMd: `../runs/${label}/report.md` },
    notes: [],
  };
}

function convScenario(ttftMean: number | undefined, extra: Partial<MkScenario> = {}): MkScenario {
  return {
    kind: "conversation",
    config: { turns: 15, iterations: 3 },
    metrics: {
      ...(ttftMean !== undefined ? { "ttft.mean": metric(ttftMean, 45, "ms"), "ttft.p90": metric(ttftMean * 1.2, 45, "ms") } : { "ttft.mean": metric(undefined, 0, "ms") }),
      "e2e.mean": metric(3480.54, 45, "ms"),
      "degradation.ttft_max": metric(0.137, 3, "ratio"),
      success_rate: metric(1, 45, "fraction"),
    },
    verdicts: [verdict("ttft.mean < 4000", "ttft.mean", "<", 4000, ttftMean === undefined ? "not_measured" : "pass", ttftMean, 45)],
    detail: { turns: 15, iterations: 3, windows: [[1, 5], [6, 10], [11, 15]], levels: [{ concurrency: 1, status: "pass", metrics: {}, verdicts: [], detail: { sessions: 3 } }] },
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------
// Real runs against the simulator

let real: FinalRun[] = [];
const outDir = join(work, "out");

beforeAll(async () => {
  const runsDir = join(work, "runs");
  const suites = [
    { name: "conv", scenarios: [{ kind: "conversation", turns: 3, iterations: 1 }] },
    { name: "reason", scenarios: [{ kind: "reasoning", pack: "core", tasks: ["trains-meeting-en", "paint-room-en"] }] },
    { name: "tools", scenarios: [{ kind: "tools", cases: ["weather-lyon-fr", "capital-australia-en"] }] },
  ];
  const dirs: string[] = [];
  for (const s of suites) {
    const { dir } = await executeRun(validateSuiteObject({ ...s, target: { sim: { profile: "fast" } }, output: { dir: runsDir } }, "test"));
    dirs.push(dir);
  }
  real = dirs.map((d) => loadFinalRun(d, outDir));
}, 30_000);

describe("consolidated report from real runs", () => {
  it("has the seven sections, in order, in English and in French, in the Markdown and the HTML", async () => {
    for (const lang of ["en", "fr"] as const) {
      const { r, md } = report(real, lang);
      expect(sectionHeadings(md)).toEqual(SECTIONS[lang]);
      const html = await renderFinalHtml(r, real, false);
      const h2 = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((m) => m[1]!.replace(/&#x27;/g, "'"));
      expect(h2).toEqual(SECTIONS[lang]);
      expect(html).toContain(`<html lang="${lang}">`);
    }
  });

  it("says the target is the simulator, never a model, and what each scenario did with its n", () => {
    const { md } = report(real, "en");
    expect(md).toContain("shakedown's built-in simulator (profile `fast`)");
    expect(md).toContain("**Simulated target.** Every run measured shakedown's built-in simulator");
    expect(md).toContain("none: a simulator (serving the name `shakedown-sim`)");
    expect(md).toContain("| **Prefix caching** | on (the server's vllm:cache_config_info) |");
    expect(md).toMatch(/1 session of 3 user turns, each turn resending the whole history, with one session at a time/);
    expect(md).toMatch(/2 graded task runs from the pack core .* n = 2 requests \(2 succeeded, 0 failed\)/);
    expect(md).toMatch(/2 tool-calling case runs from the pack all/);
    // Definitions only for the kinds present: no soak, so no drift.
    expect(md).toContain("Degradation over turns = mean of the last turn window / mean of the first − 1, with a fixed sign");
    expect(md).not.toContain("A soak's drift");
  });

  it("a failing run makes the conclusion fail (exit code 1), naming the threshold; missing use cases are 'not measured'", () => {
    const { r, md } = report(real, "en");
    expect(real.map((x) => x.results.status)).toEqual(["pass", "fail", "pass"]);
    expect(r.status).toBe("fail");
    expect(r.exitCode).toBe(1);
    const conclusion = md.slice(md.indexOf("## 7. Conclusion"));
    expect(conclusion).toContain("**Overall verdict: ❌ fail** over 3 runs: at least one run failed a threshold. shakedown exits with code 1");
    expect(conclusion).toMatch(/`reasoning` fails `score\.mean >= 0\.7` = \d+%/);
    expect(conclusion).toContain("Not measured by these runs: high load and sustained operation");
    const recs = md.slice(md.indexOf("## 5."), md.indexOf("## 6."));
    expect(recs).toContain("**Not measured**: run `shakedown run --target URL --scenario load --set load.mode=sweep` to know.");
    expect(recs).toContain("**Not measured**: run `shakedown run --target URL --scenario soak --set soak.duration=2h` to know.");
    expect(recs).toMatch(/\(simulated target\) `[^`]+-conv` \/ `conversation` \(long conversations\): TTFT mean [\d.,]+ ms, p90 [\d.,]+ ms \(n = 3\) with one session at a time/);
    expect(recs).toMatch(/Not suited as measured: `score\.mean >= 0\.7` = \d+%\./);
    expect(recs).toContain("of case runs made the expected calls (n = 2), with no parser failure. Every threshold passed: suited to tool calling, as measured.");
    // The French report says the same.
    const fr = report(real, "fr").md;
    expect(fr).toContain("**Verdict global : ❌ échec** sur 3 exécutions");
    expect(fr).toContain("**Non mesuré** : lancez `shakedown run --target URL --scenario load --set load.mode=sweep` pour le savoir.");
  });

  it("links each run's reports relative to the report's folder", () => {
    const { md } = report(real, "en");
    for (const run of real) {
      expect(md).toContain(`[report.md](../runs/${run.label}/report.md)`);
      if (existsSync(join(run.dir, "report.html"))) expect(md).toContain(`[report.html](../runs/${run.label}/report.html)`);
    }
  });

  it("writes final-report.md and final-report.html in a new final-<timestamp> folder beside the first run by default", async () => {
    const dirs = real.map((r) => r.dir);
    const w = await writeFinalReport(dirs, { lang: "fr", now: NOW, version: "9.9.9", charts: false });
    expect(basename(w.outDir)).toBe("final-20260115T100000Z");
    expect(dirname(w.outDir)).toBe(dirname(dirs[0]!));
    expect(readdirSync(w.outDir).sort()).toEqual(["final-report.html", "final-report.md"]);
    expect(sectionHeadings(readFileSync(w.markdownPath, "utf8"))).toEqual(SECTIONS.fr);
    // A second report at the same second never reuses the folder.
    const again = await writeFinalReport(dirs, { lang: "en", now: NOW, version: "9.9.9", charts: false });
    expect(basename(again.outDir)).toBe("final-20260115T100000Z-2");
  });

  it("reads a run killed before results.json by re-analysing its records (incomplete), and a run without records from results.json", () => {
    const killed = join(work, "killed");
    cpSync(real[0]!.dir, killed, { recursive: true });
    rmSync(join(killed, "results.json"));
    const k = loadFinalRun(killed, outDir);
    expect(k.origin).toBe("reanalysed");
    expect(k.results.status).toBe("incomplete");
    expect(k.results.scenarios[0]?.metrics["ttft.mean"]?.n).toBe(3);
    const md = report([k], "en").md;
    expect(md).toContain("| **Results** | re-analysed from records.jsonl (results.json missing or unreadable) |");
    expect(md).toContain("the run ended before writing results.json (crash or kill)");
    const lost = join(work, "lost-records");
    cpSync(real[0]!.dir, lost, { recursive: true });
    rmSync(join(lost, "records.jsonl"));
    const l = loadFinalRun(lost, outDir);
    expect(l.origin).toBe("results");
    expect(l.results.status).toBe("pass");
    expect(l.notes.join(" ")).toContain("reported from results.json as the run wrote it");
  });

  it("refuses a folder that is not a run folder, and a folder given twice, before writing anything", async () => {
    const notARun = join(work, "not-a-run");
    mkdirSync(notARun, { recursive: true });
    writeFileSync(join(notARun, "notes.txt"), "hello");
    const out = join(work, "refused");
    await expect(writeFinalReport([real[0]!.dir, notARun], { lang: "en", out, version: "9.9.9", charts: false })).rejects.toThrow(RunFolderError);
    await expect(writeFinalReport([real[0]!.dir, notARun], { lang: "en", out, version: "9.9.9", charts: false })).rejects.toThrow(/not a shakedown run folder \(no run\.json\)/);
    await expect(writeFinalReport([real[0]!.dir, real[0]!.dir], { lang: "en", out, version: "9.9.9", charts: false })).rejects.toThrow(/given twice/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("consolidated report from hand-made results", () => {
  it("formats numbers per locale: 1 234,5 ms and 13,7 % in French, 1,234.5 ms and 13.7% in English", () => {
    const run = mkRun("a", { scenarios: [convScenario(1234.5)] });
    const fr = plainSpaces(report([run], "fr").md);
    expect(fr).toContain("| TTFT moyen | 1 234,5 ms | 45 |");
    expect(fr).toContain("la dégradation du TTFT de la pire session a été de +13,7 %");
    expect(fr).toContain("| **Durée** | 61,5 s |");
    const en = report([run], "en").md;
    expect(en).toContain("| TTFT mean | 1,234.5 ms | 45 |");
    expect(en).toContain("the worst session's TTFT degradation was +13.7%");
  });

  it("says 'not measured' for every use case no scenario measured, in both languages", () => {
    const run = mkRun("a", { scenarios: [convScenario(900)] });
    const { r, md } = report([run], "en");
    expect(r.notMeasured).toEqual(["reasoning", "tools", "load", "soak"]);
    for (const kind of ["reasoning", "tools"]) expect(md).toContain(`**Not measured**: run \`shakedown run --target URL --scenario ${kind}\` to know.`);
    expect(md).toContain("Not measured by these runs: long reasoning, tool calling, high load and sustained operation");
    const fr = report([run], "fr").md;
    expect(fr).toContain("**Non mesuré** : lancez `shakedown run --target URL --scenario tools` pour le savoir.");
    expect(fr).toContain("Non mesuré par ces exécutions : raisonnement long, appels d'outils, forte charge et fonctionnement prolongé");
  });

  it("picks another sentence when a figure is absent: no TTFT (not streamed) says so and gives E2E", () => {
    const run = mkRun("a", { scenarios: [convScenario(undefined)] });
    const { md } = report([run], "en");
    expect(md).toContain("TTFT not measured (no streamed token), E2E mean 3,480.5 ms (n = 45)");
    expect(md).toContain("No threshold could be judged; not measured: `ttft.mean < 4000`.");
    expect(md).not.toMatch(/TTFT mean — /);
  });

  it("says when a threshold passed with its figure beyond the limit (the analysis judged it noise)", () => {
    const sc = convScenario(900, {
      verdicts: [
        verdict("ttft.mean < 4000", "ttft.mean", "<", 4000, "pass", 900, 45),
        { ...verdict("degradation.ttft_max < 20%", "degradation.ttft_max", "<", 0.2, "pass", 0.35, 3), reason: "session 2: not distinguishable from noise" },
      ],
    });
    const md = report([mkRun("a", { scenarios: [sc] })], "en").md;
    expect(md).toContain("Every threshold on these figures passed: suited, as measured, to agent conversations of up to 15 turns with one session at a time. Passed although beyond the limit: `degradation.ttft_max < 20%` = +35%;");
  });

  it("maps the overall verdict to the exit code: fail > not measured > incomplete > inconclusive > pass", () => {
    const of = (...statuses: RunStatus[]) => report(statuses.map((s, i) => mkRun(`r${i}`, { status: s, complete: s !== "incomplete", scenarios: [convScenario(900)] })), "en").r;
    expect(of("pass", "pass").exitCode).toBe(0);
    expect(of("pass", "fail", "incomplete").status).toBe("fail");
    expect(of("pass", "fail").exitCode).toBe(1);
    expect(of("pass", "incomplete", "inconclusive").status).toBe("incomplete");
    expect(of("pass", "incomplete").exitCode).toBe(4);
    expect(of("inconclusive", "pass").exitCode).toBe(5);
    expect(of("not_measured", "inconclusive").exitCode).toBe(1);
    expect(exitCodeOf("pass")).toBe(0);
    const incomplete = report([mkRun("x", { status: "incomplete", complete: false, interruption: "SIGINT", scenarios: [convScenario(900)] })], "en").md;
    expect(incomplete).toContain("**Overall verdict: ⚠️ incomplete** over 1 run: no run failed, but at least one did not finish");
    expect(incomplete).toContain("- `x`: ⚠️ incomplete; the run did not finish (SIGINT).");
  });

  it("sets prefix caching on against off side by side only when the runs differ in nothing else", () => {
    const on = mkRun("on", { prefixCaching: true, scenarios: [convScenario(800)] });
    const off = mkRun("off", { prefixCaching: false, scenarios: [convScenario(1200)] });
    const { md } = report([off, on], "en");
    expect(md).toContain("### Prefix caching on against off: `on` / `off`");
    expect(md).toContain("as far as their run folders record, they differ only in prefix caching.");
    expect(md).toContain("TTFT mean: 800 ms (n = 45) in `on` against 1,200 ms (n = 45) in `off`, ×1.5.");
    // Another model: not compared, and said why.
    const other = mkRun("other", { prefixCaching: false, model: "llama-70b", scenarios: [convScenario(1200)] });
    const two = report([on, other], "en").md;
    expect(two).not.toContain("Prefix caching on against off");
    expect(two).toContain("each ran a long conversations scenario, but no two of them ran under the same conditions (prefix caching aside); they differ in the model and prefix caching: their figures are not set side by side.");
    expect(two).toContain("The runs measured 2 different targets");
    // A different scenario configuration: not compared either.
    const longer = mkRun("longer", { prefixCaching: false, scenarios: [convScenario(1200, { config: { turns: 30, iterations: 3 } })] });
    expect(report([on, longer], "en").md).toMatch(/they differ in prefix caching and the scenario's configuration/);
  });

  it("keeps hostile text inert in the Markdown and the HTML", async () => {
    const evil = "<script>alert(1)</script> | [x](javascript:alert(1)) **bold** `tick` ![i](http://evil/p.png)";
    const run = mkRun("r|<b>", {
      model: evil,
      serverHeader: "<img src=x onerror=alert(1)>|",
      complete: false,
      status: "fail",
      interruption: "</svg><script>alert(2)</script>",
      scenarios: [
        convScenario(900, {
          name: "conv|<script>",
          headline: `holds ${evil}`,
          status: "fail",
          verdicts: [{ ...verdict("ttft.mean < 4000 | <script>", "ttft.mean", "<", 4000, "fail", 5000), reason: `because ${evil}` }],
        }),
      ],
    });
    for (const lang of ["en", "fr"] as const) {
      const { r, md } = report([run], lang);
      const tree = parse(md);
      // No HTML node (but our own <br>), no link but the run's report links, no image.
      walk(tree, (n) => {
        if (n.type === "html") expect(n.value).toBe("<br>");
        if (n.type === "image") throw new Error("an image was made from run text");
        if (n.type === "link") expect(n.url).toMatch(/^\.\.\/runs\//);
      });
      // Every table keeps its columns.
      walk(tree, (n) => {
        if (n.type !== "table") return;
        const t = n as Table;
        const width = t.children[0]!.children.length;
        for (const row of t.children) expect(row.children.length).toBe(width);
      });
      // The text is there, literally.
      const all = textOf(tree);
      expect(all).toContain("<script>alert(1)</script> | [x](javascript:alert(1)) **bold**");
      expect(all).toContain("holds <script>alert(1)</script>");
      expect(all).toContain("ttft.mean < 4000 | <script>");
      const html = await renderFinalHtml(r, [run], false);
      // The only script element is the embedded JSON, which nothing can close.
      expect(html.match(/<script/g)).toHaveLength(1);
      expect(html).toContain('<script type="application/json" id="final-report-data">');
      expect(html).not.toMatch(/<img|<svg|href="javascript:|<[a-z][^>]*\sonerror=/i);
      expect(html).toContain("&#x3C;script>alert(1)&#x3C;/script>");
    }
  });
});
