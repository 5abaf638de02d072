/**
 * The consolidated report's seven sections, built from the runs' results. This file decides
 * which sentence applies (each condition on the figures is here, next to the sentence it
 * picks); i18n.ts words it. A figure that is missing picks another sentence or is left out,
 * never shown as a dash inside a claim. Comparisons between runs are made only when the runs
 * are comparable as far as their folders record (same target, model, server, GPUs, simulator
 * settings, tool version and scenario configuration), and then only for what differs:
 * nothing (a repeat) or prefix caching.
 */
import { isDeepStrictEqual } from "node:util";
import type { Link } from "mdast";
import type {
  CacheScenarioConfig,
  ConversationScenarioConfig,
  LoadScenarioConfig,
  ReasoningScenarioConfig,
  ScenarioConfig,
  SoakScenarioConfig,
  ToolsScenarioConfig,
} from "../../config/schema.js";
import { compare, type Verdict } from "../../metrics/index.js";
import type { CacheDetail } from "../../scenarios/cache/analyze.js";
import type { ConversationDetail } from "../../scenarios/conversation/analyze.js";
import type { LoadDetail, LoadSweepDetail } from "../../scenarios/load/analyze.js";
import type { ReasoningDetail } from "../../scenarios/reasoning/analyze.js";
import type { SoakDetail } from "../../scenarios/soak/analyze.js";
import type { ToolsDetail } from "../../scenarios/tools/analyze.js";
import type { MetricValue, ScenarioResult } from "../../scenarios/types.js";
import type { RunStatus } from "../../store/run-folder.js";
import { bullets, code, heading, paragraph, quote, strong, table, text, type Inline } from "../md.js";
import { Fmt, type FinalLang } from "./format.js";
import { FIGURE_KEYS, KNOWN_KINDS, messages, USE_CASES, type Difference, type FigureKey, type KnownKind, type Messages, type UseCase } from "./i18n.js";
import { overallStatus, type FinalRun } from "./model.js";
import { gridSection, type FinalGrid } from "./grid.js";

export interface FinalReportInput {
  runs: readonly FinalRun[];
  /** Grid folders: section 3's "Phase 3" (grid.ts). */
  grids?: readonly FinalGrid[];
  lang: FinalLang;
  generatedAt: Date;
  /** shakedown's version writing the report. */
  version: string;
}

/** A piece of the report: Markdown, and the scenario whose charts follow it in the HTML. */
export interface Block {
  markdown: string;
  charts?: { run: FinalRun; scenario: ScenarioResult };
  /** A grid's Phase 3 block: its Pareto chart follows it in the HTML. */
  grid?: FinalGrid;
}

export interface FinalReport {
  title: string;
  lang: FinalLang;
  blocks: Block[];
  status: RunStatus;
  exitCode: number;
  /** Use cases no run measured. */
  notMeasured: UseCase[];
}

/** The exit code of an overall verdict, as `shakedown report DIR` maps a run's (exitCodeFor). */
export function exitCodeOf(status: RunStatus): number {
  switch (status) {
    case "pass":
      return 0;
    case "incomplete":
      return 4;
    case "inconclusive":
      return 5;
    default:
      return 1;
  }
}

interface Ctx {
  m: Messages;
  f: Fmt;
  runs: readonly FinalRun[];
  grids: readonly FinalGrid[];
}

type Sc = ScenarioResult;

const isKnown = (k: string): k is KnownKind => (KNOWN_KINDS as readonly string[]).includes(k);
const isFigure = (k: string): k is FigureKey => (FIGURE_KEYS as readonly string[]).includes(k);

function kindName(c: Ctx, kind: string): string {
  return isKnown(kind) ? c.m.kind[kind] : kind;
}

function figureLabel(c: Ctx, key: string): string {
  if (isFigure(key)) return c.m.figure[key];
  const cache = /^(speedup|ttft_miss|ttft_hit)\.([a-z_]+)(?:\.mean)?$/.exec(key);
  if (cache) return c.m.cacheFigure(cache[1] === "speedup" ? "speedup" : cache[1] === "ttft_miss" ? "miss" : "hit", cache[2]!);
  return key;
}

/** A figure's value when it was measured (finite), else undefined. */
function val(sc: Sc | undefined, key: string): number | undefined {
  const v = sc?.metrics?.[key]?.value;
  return v !== undefined && Number.isFinite(v) && (sc?.metrics[key]?.n ?? 0) > 0 ? v : undefined;
}

function nOf(sc: Sc | undefined, key: string): number {
  return sc?.metrics?.[key]?.n ?? 0;
}

function unitOf(sc: Sc, key: string): MetricValue["unit"] {
  return sc.metrics?.[key]?.unit ?? "ms";
}

function configOf<C extends ScenarioConfig>(run: FinalRun, sc: Sc): C | undefined {
  return run.results.suite?.scenarios?.find((s) => s.name === sc.name && s.kind === sc.kind) as C | undefined;
}

/** `threshold` = value, as recommendations and the conclusion quote a verdict. */
function verdictPiece(c: Ctx, sc: Sc, v: Verdict): Inline {
  return v.value !== undefined ? [code(v.threshold), ` = ${c.f.metric(v.value, unitOf(sc, v.metric))}`] : code(v.threshold);
}

function scenarioRef(c: Ctx, run: FinalRun, sc: Sc): Inline {
  return [code(run.label), " / ", code(sc.name), ` (${kindName(c, sc.kind)})`];
}

function link(label: string, path: string): Link {
  return { type: "link", url: path.split("/").map(encodeURIComponent).join("/"), children: [{ type: "text", value: label }] };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const meanOf = (xs: number[]) => (xs.length ? sum(xs) / xs.length : undefined);
const finiteList = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined && Number.isFinite(x));

// ---------------------------------------------------------------------------------------------
// 1. Context

function targetKey(run: FinalRun): string {
  const t = run.results.target;
  return t.simulated ? `sim|${t.simProfile ?? ""}` : `${t.url}|${t.model}`;
}

function targetInline(c: Ctx, run: FinalRun): Inline {
  const t = run.results.target;
  return t.simulated ? c.m.ctx.simulatedTarget(t.simProfile ?? "?") : [code(t.url, 400), " — ", text(t.model)];
}

function gpuList(run: FinalRun): string | undefined {
  const g = run.results.gpu;
  if (!g || g.gpus.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const x of g.gpus) {
    const name = x.name ?? `GPU ${x.index}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => (n > 1 ? `${n} × ${name}` : name)).join(", ");
}

function simSettings(run: FinalRun): Record<string, unknown> | undefined {
  const t = run.results.target;
  return t.simulated ? (t.simOptions ?? {}) : undefined;
}

function context(c: Ctx, input: FinalReportInput): string[] {
  const { m, f, runs } = c;
  const out: string[] = [heading(2, m.sections.context)];
  out.push(paragraph(m.ctx.intro({ runs: runs.length, generated: f.date(input.generatedAt.toISOString()), version: input.version })));
  const targets = new Set(runs.map(targetKey));
  out.push(paragraph(targets.size === 1 ? m.ctx.sameTarget({ runs: runs.length, target: targetInline(c, runs[0]!) }) : m.ctx.differentTargets({ targets: targets.size })));
  if (c.grids.length) out.push(paragraph(m.grid.contextLine({ grids: c.grids.length, names: c.grids.map((g) => code(g.label, 200)) })));
  const simulated = runs.filter((r) => r.results.target.simulated);
  if (simulated.length > 0) {
    out.push(quote(m.ctx.simulatedNotice({ all: simulated.length === runs.length, runs: simulated.flatMap((r, i) => [i > 0 ? ", " : "", code(r.label)]) })));
  }
  const fld = m.ctx.fields;
  const row = (label: string, cell: (r: FinalRun) => Inline): Inline[] => [strong(label), ...runs.map(cell)];
  const rows: Inline[][] = [
    row(fld.suite, (r) => code(r.results.suite?.name ?? "?")),
    row(fld.target, (r) => (r.results.target.simulated ? m.ctx.simulatedTarget(r.results.target.simProfile ?? "?") : code(r.results.target.url, 400))),
    row(fld.model, (r) => (r.results.target.simulated ? m.ctx.simModel(r.results.target.model) : text(r.results.target.model))),
    row(fld.server, (r) => (r.results.target.serverHeader ? text(r.results.target.serverHeader) : m.ctx.noServerHeader)),
    row(fld.serverMetrics, (r) => {
      const mt = r.results.target.metrics;
      return mt?.scraped ? m.ctx.metricsScraped(mt.url) : m.ctx.metricsNotCollected(mt?.reason ? text(mt.reason, 200) : undefined);
    }),
    row(fld.prefixCaching, (r) => m.ctx.prefixCaching(r.prefixCaching)),
  ];
  if (simulated.length > 0) {
    rows.push(
      row(fld.simSettings, (r) => {
        const o = simSettings(r);
        if (!o) return m.ctx.notSimulated;
        const bool = (k: string) => (typeof o[k] === "boolean" ? (o[k] as boolean) : undefined);
        const num = (k: string) => (typeof o[k] === "number" ? (o[k] as number) : undefined);
        return m.ctx.simSettings({
          prefixCaching: bool("prefixCaching"),
          chunkedPrefill: bool("chunkedPrefill"),
          maxNumSeqs: num("maxNumSeqs"),
          toolParser: typeof o["toolParser"] === "string" ? (o["toolParser"] as string) : undefined,
          timeScale: num("timeScale"),
          failRate: num("failRate"),
        });
      }),
    );
  }
  rows.push(
    row(fld.gpus, (r) => {
      const list = gpuList(r);
      return list && r.results.gpu ? m.ctx.gpus({ list: text(list, 300), source: text(r.results.gpu.source, 200), simulated: r.results.gpu.simulated }) : m.ctx.gpuNone;
    }),
    row(fld.host, (r) => {
      const h = r.results.host;
      return h ? m.ctx.host({ platform: h.platform, arch: h.arch, cpus: h.cpus, node: h.node }) : "—";
    }),
    row(fld.started, (r) => f.date(r.results.startedAt)),
    row(fld.duration, (r) => f.duration(r.results.durationMs)),
    row(fld.tool, (r) => `${r.results.tool?.name ?? "shakedown"} ${r.results.tool?.version ?? "?"}`),
    row(fld.status, (r) => m.status[r.results.status]),
    row(fld.source, (r) => (r.origin === "results" ? m.ctx.fromResults : m.ctx.reanalysed)),
  );
  out.push(table([m.col.field, ...runs.map((r) => code(r.label))], rows));
  out.push(paragraph(m.ctx.hostNote));
  return out;
}

// ---------------------------------------------------------------------------------------------
// 2. Methodology

function describeScenario(c: Ctx, run: FinalRun, sc: Sc): Inline {
  const { m, f } = c;
  const cfg = configOf(run, sc);
  if (!cfg) return isKnown(sc.kind) ? m.meth.noConfig : m.meth.unknownKind(sc.kind);
  switch (cfg.kind) {
    case "conversation": {
      const k = cfg as ConversationScenarioConfig;
      const d = sc.detail as Partial<ConversationDetail> | undefined;
      const sessions = d?.levels ? sum(d.levels.map((l) => l.detail?.sessions ?? 0)) : undefined;
      return m.meth.conversation({
        turns: k.turns,
        iterations: k.iterations,
        levels: Array.isArray(k.concurrency) ? k.concurrency : [k.concurrency],
        windows: d?.windows ?? k.windows ?? [],
        maxTokens: k.max_tokens,
        temperature: k.temperature,
        ...(sessions !== undefined && sessions > 0 ? { sessions } : {}),
      });
    }
    case "reasoning": {
      const k = cfg as ReasoningScenarioConfig;
      const d = sc.detail as Partial<ReasoningDetail> | undefined;
      return m.meth.reasoning({ runs: d?.runs?.length ?? 0, pack: k.pack, repetitions: k.repetitions, concurrency: k.concurrency, judge: k.judge !== undefined, reviewed: d?.reviewed ?? 0 });
    }
    case "tools": {
      const k = cfg as ToolsScenarioConfig;
      const d = sc.detail as Partial<ToolsDetail> | undefined;
      return m.meth.tools({ runs: d?.runs?.length ?? 0, pack: k.pack, levels: Array.isArray(k.concurrency) ? k.concurrency : [k.concurrency], compareNonStreamed: k.compare_non_streamed });
    }
    case "load": {
      const k = cfg as LoadScenarioConfig;
      const d = sc.detail as Partial<LoadDetail> | undefined;
      return m.meth.load({
        mode: k.mode,
        rate: k.rate,
        ...(k.mode === "sweep" ? { sweep: { rates: k.sweep.rates, arrival: k.sweep.arrival, maxConcurrency: k.sweep.max_concurrency } } : { concurrency: d?.concurrency ?? k.concurrency ?? 0 }),
        requests: k.requests,
        ...(k.duration_s !== undefined ? { durationS: k.duration_s } : {}),
        inputTokens: k.input_tokens,
        outputTokens: k.output_tokens,
        dataset: k.dataset?.source ?? "synthetic",
        excluded: { rampUpS: k.ramp_up_s, warmupS: k.warmup_s, cooldownS: k.cooldown_s },
      });
    }
    case "soak": {
      const k = cfg as SoakScenarioConfig;
      const d = sc.detail as Partial<SoakDetail> | undefined;
      const plan = d?.plan;
      return m.meth.soak({
        duration: plan ? f.duration(plan.durationMs) : String(k.duration),
        ...(plan ? { window: f.duration(plan.windowMs) } : {}),
        mix: plan?.mix ?? [],
        ...(k.rate !== undefined ? { rate: k.rate } : { concurrency: k.concurrency }),
        canaries: k.canary.enabled,
        alpha: k.alpha,
        driftFloor: k.drift_floor,
      });
    }
    case "cache": {
      const k = cfg as CacheScenarioConfig;
      return m.meth.cache({ probes: [...k.probes], repetitions: k.repetitions, prefixTokens: k.prefix_tokens, maxTokens: k.max_tokens });
    }
  }
}

function methodology(c: Ctx): string[] {
  const { m, runs } = c;
  const out: string[] = [heading(2, m.sections.methodology), paragraph(m.meth.intro), heading(3, m.meth.scenariosTitle)];
  const items: Inline[] = [];
  for (const run of runs) {
    if (run.results.scenarios.length === 0) items.push([code(run.label), m.colon, m.res.noScenario]);
    for (const sc of run.results.scenarios) {
      items.push([scenarioRef(c, run, sc), m.colon, describeScenario(c, run, sc), " ", m.meth.requests(sc.requests ?? { total: 0, ok: 0, failed: 0 })]);
    }
  }
  out.push(bullets(items));
  const kinds = new Set(runs.flatMap((r) => r.results.scenarios.map((s) => s.kind)));
  const defs: Inline[] = [m.meth.defTtft];
  if (kinds.has("conversation") || kinds.has("reasoning") || kinds.has("soak")) defs.push(m.meth.defDecode);
  if (kinds.has("conversation")) defs.push(m.meth.defDegradation);
  if (kinds.has("soak")) defs.push(m.meth.defDrift);
  if (kinds.has("load")) defs.push(m.meth.defOpenLoop);
  if (kinds.has("reasoning") || kinds.has("soak")) defs.push(m.meth.defScore);
  if (kinds.has("tools")) defs.push(m.meth.defTools);
  if (kinds.has("cache")) defs.push(m.meth.defCache);
  defs.push(m.meth.defVerdicts, m.meth.defPercentiles);
  out.push(heading(3, m.meth.definitionsTitle), bullets(defs));
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3. Results per phase

const KEY_FIGURES: Record<KnownKind, readonly FigureKey[]> = {
  conversation: [
    "ttft.mean",
    "ttft.p90",
    "ttft.std",
    "e2e.mean",
    "output_tps.mean",
    "e2e_output_tps.mean",
    "degradation.ttft",
    "degradation.ttft_max",
    "degradation.e2e",
    "total_output_tps",
    "max_concurrency_within_thresholds",
    "success_rate",
  ],
  cache: ["success_rate"],
  reasoning: ["score.mean", "pass_rate", "truncated_rate", "ttft.mean", "ttfa.mean", "e2e.mean", "e2e.p90", "output_tps.mean", "success_rate"],
  tools: ["call_accuracy", "parser_failure_rate", "json_validity_rate", "schema_validity_rate", "stream_mismatch_rate", "final_answer_rate", "pass_rate", "time_to_first_tool_call.mean", "ttft.mean", "e2e.mean", "success_rate"],
  load: [
    "achieved_rate",
    "throughput",
    "output_tps_total",
    "ttft.p50",
    "ttft.p99",
    "ttft_from_intended.p99",
    "e2e.p90",
    "goodput",
    "goodput_fraction",
    "saturated",
    "client_limited",
    "sync_rate",
    "max_throughput",
    "max_goodput",
    "stages",
    "success_rate",
  ],
  soak: [
    "ttft.p50",
    "ttft.p90",
    "e2e.p90",
    "tpot.p50",
    "output_tps",
    "drift.ttft_p90",
    "drift.e2e_p90",
    "drift.tpot_p50",
    "drift.output_tps",
    "drift.error_rate",
    "drift.score",
    "error_rate",
    "timeouts",
    "windows",
    "score.mean",
    "canary.changed",
    "canary.match_rate",
    "server.rss_slope_mb_per_h",
    "server.restarts",
    "success_rate",
  ],
};

function keyFigureNames(sc: Sc): string[] {
  if (sc.kind === "cache") {
    const probes = (sc.detail as Partial<CacheDetail> | undefined)?.probes ?? [];
    return [...probes.flatMap((p) => [`speedup.${p.probe}`, `ttft_miss.${p.probe}.mean`, `ttft_hit.${p.probe}.mean`]), "success_rate"];
  }
  return isKnown(sc.kind) ? [...KEY_FIGURES[sc.kind]] : Object.keys(sc.metrics ?? {});
}

function figureValue(c: Ctx, sc: Sc, key: string): string {
  const mv = sc.metrics[key]!;
  // A single load stage says yes or no where a sweep counts stages.
  if (sc.kind === "load" && (key === "saturated" || key === "client_limited") && mv.value !== undefined) {
    return (sc.detail as Partial<LoadSweepDetail>)?.sweep === true ? `${c.f.int(mv.value)} / ${c.f.int(mv.n)}` : mv.value > 0 ? c.m.yes : c.m.no;
  }
  return c.f.metric(mv.value, mv.unit);
}

function keyFiguresTable(c: Ctx, sc: Sc): string | undefined {
  const rows: Inline[][] = [];
  for (const key of keyFigureNames(sc)) {
    const mv = sc.metrics?.[key];
    if (!mv || mv.value === undefined || !Number.isFinite(mv.value)) continue;
    rows.push([figureLabel(c, key), figureValue(c, sc, key), c.f.int(mv.n)]);
  }
  return rows.length ? table([c.m.col.figure, c.m.col.value, c.m.col.n], rows) : undefined;
}

function verdictsTable(c: Ctx, sc: Sc): string {
  const { m, f } = c;
  return table(
    [m.col.threshold, m.col.value, m.col.status, m.col.n, m.col.reason],
    sc.verdicts.map((v) => {
      const unit = unitOf(sc, v.metric);
      return [code(v.threshold), f.metric(v.value, unit), m.status[v.status], f.int(v.n ?? nOf(sc, v.metric)), v.reason ? text(v.reason, 300) : ""];
    }),
  );
}

function results(c: Ctx): Block[] {
  const { m, runs } = c;
  const blocks: Block[] = [{ markdown: heading(2, m.sections.results) }];
  for (const run of runs) {
    const r = run.results;
    const head = [
      heading(3, ...m.res.runTitle(run.label)),
      paragraph(m.res.runStatus({ status: r.status, scenarios: r.scenarios.length, complete: r.complete !== false, ...(r.interruption ? { interruption: text(r.interruption, 300) } : {}) })),
    ];
    if (r.scenarios.length === 0) head.push(paragraph(m.res.noScenario));
    blocks.push({ markdown: head.join("\n\n") });
    for (const sc of r.scenarios) {
      const out: string[] = [heading(4, ...m.res.scenarioTitle({ name: sc.name, kind: kindName(c, sc.kind) }))];
      const met = sc.verdicts.filter((v) => v.status === "pass").length;
      out.push(
        paragraph(
          m.res.verdictLine({
            status: sc.status,
            met,
            thresholds: sc.verdicts.length,
            ok: sc.requests?.ok ?? 0,
            total: sc.requests?.total ?? 0,
            ...(sc.requests?.stopped ? { stopped: sc.requests.stopped } : {}),
          }),
        ),
      );
      if (sc.status === "incomplete") out.push(paragraph(m.res.incompleteScenario));
      if (sc.headline) out.push(paragraph(m.res.headline(text(sc.headline, 400))));
      const conv = sc.kind === "conversation" ? (sc.detail as Partial<ConversationDetail> | undefined) : undefined;
      if (conv?.levels && conv.levels.length > 1) out.push(paragraph(m.res.sweepFirstLevel(conv.levels[0]!.concurrency, conv.gatingUpTo)));
      const figures = keyFiguresTable(c, sc);
      if (figures) out.push(paragraph(strong(m.res.keyFigures)), figures);
      out.push(paragraph(strong(m.res.verdicts)), sc.verdicts.length ? verdictsTable(c, sc) : paragraph(m.res.noThreshold));
      blocks.push({ markdown: out.join("\n\n"), charts: { run, scenario: sc } });
    }
  }
  for (const g of c.grids) blocks.push({ markdown: gridSection(m, c.f, g), grid: g });
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// 4. Trade-offs

/** Figures set side by side when two runs are comparable, per kind. */
const PAIR_FIGURES: Record<KnownKind, readonly string[]> = {
  conversation: ["ttft.mean", "ttft.p90", "e2e.mean", "output_tps.mean", "degradation.ttft", "cached_tokens.mean"],
  cache: ["speedup.shared_prefix", "speedup.continued", "ttft_miss.shared_prefix.mean", "ttft_hit.shared_prefix.mean"],
  reasoning: ["ttft.mean", "e2e.mean", "score.mean"],
  tools: ["ttft.mean", "e2e.mean", "call_accuracy"],
  load: ["throughput", "ttft.p50", "ttft.p99", "e2e.p90", "max_throughput", "sync_rate"],
  soak: ["ttft.p90", "e2e.p90", "output_tps"],
};

interface PairInfo {
  a: FinalRun;
  b: FinalRun;
  differences: Difference[];
  /** Scenarios of the same name, kind and configuration in both. */
  same: { a: Sc; b: Sc }[];
}

function gpuNames(run: FinalRun): string[] | undefined {
  const g = run.results.gpu;
  return g && g.gpus.length ? g.gpus.map((x) => x.name ?? `GPU ${x.index}`).sort() : undefined;
}

function runDifferences(a: FinalRun, b: FinalRun): Difference[] {
  const ta = a.results.target;
  const tb = b.results.target;
  const d: Difference[] = [];
  if (ta.model !== tb.model) d.push("model");
  if (ta.simulated !== tb.simulated || (ta.simulated ? ta.simProfile !== tb.simProfile : ta.url !== tb.url)) d.push("target");
  if ((ta.serverHeader ?? "") !== (tb.serverHeader ?? "")) d.push("server");
  const ga = gpuNames(a);
  const gb = gpuNames(b);
  if (ga && gb && !isDeepStrictEqual(ga, gb)) d.push("gpus");
  if (ta.simulated && tb.simulated) {
    const strip = (o: Record<string, unknown> | undefined) => {
      const { prefixCaching: _p, ...rest } = o ?? {};
      return rest;
    };
    if (!isDeepStrictEqual(strip(ta.simOptions), strip(tb.simOptions))) d.push("simSettings");
  }
  const pa = a.prefixCaching;
  const pb = b.prefixCaching;
  const known = (p: FinalRun["prefixCaching"]) => p.enabled !== undefined && !p.changed;
  if (known(pa) && known(pb)) {
    if (pa.enabled !== pb.enabled) d.push("prefixCaching");
  } else if (known(pa) !== known(pb) || pa.changed || pb.changed) d.push("prefixCachingUnknown");
  if (a.results.tool?.version !== b.results.tool?.version) d.push("toolVersion");
  if ((a.results.complete !== false) !== (b.results.complete !== false)) d.push("status");
  return d;
}

function pairInfo(a: FinalRun, b: FinalRun): PairInfo {
  const same: PairInfo["same"] = [];
  for (const sa of a.results.scenarios) {
    const sb = b.results.scenarios.find((s) => s.name === sa.name && s.kind === sa.kind);
    if (!sb) continue;
    const ca = configOf(a, sa);
    const cb = configOf(b, sb);
    if (ca && cb && isDeepStrictEqual(ca, cb)) same.push({ a: sa, b: sb });
  }
  return { a, b, differences: runDifferences(a, b), same };
}

function pairSection(c: Ctx, p: PairInfo): string[] {
  const { m, f } = c;
  const cache = p.differences.length === 1 && p.differences[0] === "prefixCaching";
  // For caching, the run with caching on comes first.
  const [first, second] = cache && p.a.prefixCaching.enabled === false ? [p.b, p.a] : [p.a, p.b];
  const pick = (s: { a: Sc; b: Sc }) => (first === p.a ? [s.a, s.b] : [s.b, s.a]) as [Sc, Sc];
  const simulated = first.results.target.simulated;
  const sharedKeys: Difference[] = ["model", "target", "server", ...(gpuNames(first) && gpuNames(second) ? (["gpus"] as const) : []), ...(simulated ? (["simSettings"] as const) : []), "toolVersion"];
  const shared = sharedKeys.map((k) => m.trade.difference[k]);
  const scenarios = p.same.map((s) => s.a.name);
  const out: string[] = [heading(3, ...m.trade.pairTitle({ a: first.label, b: second.label, cache }))];
  out.push(
    paragraph(
      cache
        ? m.trade.pairCache({ on: first.label, off: second.label, shared, scenarios, simulated })
        : m.trade.pairRepeat({ a: first.label, b: second.label, shared, scenarios, simulated }),
    ),
  );
  const rows: Inline[][] = [];
  let latency: Inline | undefined;
  for (const s of p.same) {
    const [sa, sb] = pick(s);
    const names = isKnown(sa.kind) ? PAIR_FIGURES[sa.kind] : [];
    for (const key of names) {
      const va = val(sa, key);
      const vb = val(sb, key);
      if (va === undefined || vb === undefined) continue;
      const unit = unitOf(sa, key);
      rows.push([
        p.same.length > 1 ? [code(sa.name), " — ", figureLabel(c, key)] : figureLabel(c, key),
        `${f.metric(va, unit)} (n = ${f.int(nOf(sa, key))})`,
        `${f.metric(vb, unit)} (n = ${f.int(nOf(sb, key))})`,
        unit === "ratio" || va === 0 ? "—" : f.factor(vb / va),
      ]);
      if (!latency && key === "ttft.mean" && va > 0) {
        latency = m.trade.pairLatency({ figure: figureLabel(c, key), a: first.label, b: second.label, va, vb, na: nOf(sa, key), nb: nOf(sb, key), cache });
      }
    }
  }
  if (latency) out.push(paragraph(latency));
  if (rows.length) {
    out.push(
      table(
        [m.col.figure, m.trade.colA(first.label, cache ? "on" : undefined), m.trade.colA(second.label, cache ? "off" : undefined), m.trade.ratio(cache)],
        rows,
      ),
    );
  }
  return out;
}

function convSweepSection(c: Ctx, run: FinalRun, sc: Sc, d: ConversationDetail): string[] {
  const { m, f } = c;
  const levels = [...d.levels].sort((a, b) => a.concurrency - b.concurrency);
  const lv = (l: ConversationDetail["levels"][number], key: string) => {
    const mv = l.metrics[key];
    return mv && mv.value !== undefined && Number.isFinite(mv.value) && mv.n > 0 ? mv.value : undefined;
  };
  const lo = levels[0]!;
  const hi = levels[levels.length - 1]!;
  const out = [heading(3, ...m.trade.convSweepTitle({ run: run.label, scenario: sc.name }))];
  const args: Parameters<Messages["trade"]["convSweep"]>[0] = { from: lo.concurrency, to: hi.concurrency };
  const tf = lv(lo, "ttft.mean");
  const tt = lv(hi, "ttft.mean");
  if (tf !== undefined && tt !== undefined && tf > 0) Object.assign(args, { ttftFrom: tf, ttftTo: tt });
  const pf = lv(lo, "total_output_tps");
  const pt = lv(hi, "total_output_tps");
  if (pf !== undefined && pt !== undefined && pf > 0) Object.assign(args, { tputFrom: pf, tputTo: pt });
  out.push(paragraph(m.trade.convSweep(args)));
  out.push(
    table(
      [m.col.concurrency, m.figure["ttft.mean"], m.figure["e2e.mean"], m.figure.total_output_tps, m.col.status],
      levels.map((l) => [
        f.int(l.concurrency),
        lv(l, "ttft.mean") !== undefined ? `${f.ms(lv(l, "ttft.mean"))} (n = ${f.int(l.metrics["ttft.mean"]?.n)})` : "—",
        f.ms(lv(l, "e2e.mean")),
        lv(l, "total_output_tps") !== undefined ? `${f.num(lv(l, "total_output_tps"))} tok/s` : "—",
        m.status[l.status],
      ]),
    ),
  );
  return out;
}

function loadSweepSection(c: Ctx, run: FinalRun, sc: Sc, d: LoadSweepDetail): string[] {
  const { m, f } = c;
  const stage = (name: string) => d.stages.find((s) => s.stage.name === name);
  const sync = stage("synchronous");
  const thr = stage("throughput");
  const p50 = (s: typeof sync) => val(s?.result, "ttft.p50");
  const args: Parameters<Messages["trade"]["loadSweep"]>[0] = { maxConcurrency: thr?.stage.concurrency ?? 0 };
  if (d.syncRate !== undefined && d.maxThroughput !== undefined) Object.assign(args, { sync: d.syncRate, max: d.maxThroughput });
  if (p50(sync) !== undefined && p50(thr) !== undefined) Object.assign(args, { ttftSync: p50(sync), ttftMax: p50(thr) });
  return [
    heading(3, ...m.trade.loadSweepTitle({ run: run.label, scenario: sc.name })),
    paragraph(m.trade.loadSweep(args)),
    table(
      [m.col.stage, m.col.mode, m.col.rateAsked, m.col.inFlight, m.figure.throughput, m.figure["ttft.p50"], m.figure["ttft.p99"], m.col.saturated, m.col.status],
      d.stages.map((s) => {
        const sat = s.result.detail?.saturation;
        return [
          code(s.stage.name),
          s.stage.mode,
          s.stage.rate !== undefined ? f.metric(s.stage.rate, "req/s") : "—",
          f.int(s.stage.concurrency),
          f.metric(val(s.result, "throughput"), "req/s"),
          f.ms(val(s.result, "ttft.p50")),
          f.ms(val(s.result, "ttft.p99")),
          sat ? (sat.saturated ? m.yes : m.no) : "—",
          m.status[s.result.status],
        ];
      }),
    ),
  ];
}

function toolsLevelsSection(c: Ctx, run: FinalRun, sc: Sc, d: ToolsDetail): string[] {
  const { m, f } = c;
  return [
    heading(3, ...m.trade.toolsLevelsTitle({ run: run.label, scenario: sc.name })),
    paragraph(m.trade.toolsLevels),
    table(
      [m.col.concurrency, m.col.runs, m.figure.call_accuracy, m.figure.parser_failure_rate, m.figure.stream_mismatch_rate, m.figure["ttft.p50"]],
      d.levels.map((l) => [f.int(l.concurrency), f.int(l.runs), f.pct(l.callAccuracy), f.pct(l.parserFailureRate), f.pct(l.streamMismatchRate), f.ms(l.ttftP50)]),
    ),
  ];
}

function cacheSection(c: Ctx, run: FinalRun, sc: Sc, d: CacheDetail): string[] {
  const { m } = c;
  const items = d.probes.map((p) =>
    m.trade.cacheProbe({
      probe: p.probe,
      reading: p.speedup ? p.reading : "not_measured",
      ...(p.speedup ? { estimate: p.speedup.estimate, lower: p.speedup.lower, upper: p.speedup.upper, n: sum(p.speedup.n ?? []) } : {}),
    }),
  );
  return [heading(3, ...m.trade.cacheProbesTitle({ run: run.label, scenario: sc.name })), bullets(items)];
}

function qualitySection(c: Ctx, run: FinalRun, sc: Sc, d: ReasoningDetail): string[] | undefined {
  const { m } = c;
  const parts: string[] = [];
  const passed = d.runs.filter((r) => r.pass);
  const failed = d.runs.filter((r) => !r.pass);
  const pe = finiteList(passed.map((r) => r.e2eMs));
  const fe = finiteList(failed.map((r) => r.e2eMs));
  if (pe.length > 0 && fe.length > 0) {
    const pt = finiteList(passed.map((r) => r.outputTokens));
    const ft = finiteList(failed.map((r) => r.outputTokens));
    parts.push(
      paragraph(
        m.trade.quality({
          passN: pe.length,
          failN: fe.length,
          passE2e: meanOf(pe)!,
          failE2e: meanOf(fe)!,
          ...(pt.length && ft.length ? { passTokens: meanOf(pt)!, failTokens: meanOf(ft)! } : {}),
        }),
      ),
    );
  }
  const truncated = d.runs.filter((r) => r.truncated).length;
  if (truncated > 0) {
    const maxTokens = configOf<ReasoningScenarioConfig>(run, sc)?.max_tokens;
    parts.push(paragraph(m.trade.truncated({ truncated, runs: d.runs.length, ...(maxTokens !== undefined ? { maxTokens } : {}) })));
  }
  return parts.length ? [heading(3, ...m.trade.qualityTitle({ run: run.label, scenario: sc.name })), ...parts] : undefined;
}

function tradeoffs(c: Ctx): string[] {
  const { m, runs } = c;
  const out: string[] = [heading(2, m.sections.tradeoffs), paragraph(m.trade.intro)];
  const found: string[] = [];
  for (const run of runs) {
    for (const sc of run.results.scenarios) {
      const d = sc.detail as Record<string, unknown> | undefined;
      if (!d) continue;
      if (sc.kind === "conversation" && Array.isArray(d["levels"]) && (d["levels"] as unknown[]).length > 1) found.push(...convSweepSection(c, run, sc, d as unknown as ConversationDetail));
      if (sc.kind === "load" && d["sweep"] === true && Array.isArray(d["stages"]) && (d["stages"] as unknown[]).length > 0) found.push(...loadSweepSection(c, run, sc, d as unknown as LoadSweepDetail));
      if (sc.kind === "tools" && Array.isArray(d["levels"]) && (d["levels"] as unknown[]).length > 1) found.push(...toolsLevelsSection(c, run, sc, d as unknown as ToolsDetail));
      if (sc.kind === "cache" && Array.isArray(d["probes"]) && (d["probes"] as unknown[]).length > 0) found.push(...cacheSection(c, run, sc, d as unknown as CacheDetail));
      if (sc.kind === "reasoning" && Array.isArray(d["runs"])) found.push(...(qualitySection(c, run, sc, d as unknown as ReasoningDetail) ?? []));
    }
  }
  // Pairs of runs: a repeat (nothing differs) or prefix caching on/off (only that differs).
  const pairs: PairInfo[] = [];
  for (let i = 0; i < runs.length; i++) for (let j = i + 1; j < runs.length; j++) pairs.push(pairInfo(runs[i]!, runs[j]!));
  const comparable = pairs.filter((p) => p.same.length > 0 && (p.differences.length === 0 || (p.differences.length === 1 && p.differences[0] === "prefixCaching")));
  for (const p of comparable) found.push(...pairSection(c, p));
  // Kinds run more than once that no comparable pair covers: say why they are not compared.
  const notComparable: string[] = [];
  const kinds = [...new Set(runs.flatMap((r) => r.results.scenarios.map((s) => s.kind)))];
  for (const kind of kinds) {
    const withKind = runs.filter((r) => r.results.scenarios.some((s) => s.kind === kind));
    if (withKind.length < 2) continue;
    const covered = comparable.some((p) => p.same.some((s) => s.a.kind === kind));
    if (covered) continue;
    const [a, b] = withKind as [FinalRun, FinalRun];
    const diffs = runDifferences(a, b);
    const sa = a.results.scenarios.filter((s) => s.kind === kind);
    const sameConfig = sa.some((s) => {
      const other = b.results.scenarios.find((x) => x.kind === kind && x.name === s.name);
      const ca = configOf(a, s);
      return other !== undefined && ca !== undefined && isDeepStrictEqual(ca, configOf(b, other));
    });
    if (!sameConfig) diffs.push("scenarioConfig");
    if (diffs.length === 0) diffs.push("scenarioConfig");
    notComparable.push(paragraph(m.trade.notComparable({ kind: kindName(c, kind), runs: withKind.map((r) => r.label), differences: diffs })));
  }
  if (found.length === 0) out.push(paragraph(m.trade.none));
  out.push(...found, ...notComparable);
  return out;
}

// ---------------------------------------------------------------------------------------------
// 5. Recommendations per use case

const COMMANDS: Record<UseCase, string> = {
  agents: "shakedown run --target URL --scenario conversation",
  reasoning: "shakedown run --target URL --scenario reasoning",
  tools: "shakedown run --target URL --scenario tools",
  load: "shakedown run --target URL --scenario load --set load.mode=sweep",
  soak: "shakedown run --target URL --scenario soak --set soak.duration=2h",
};

/** The sentence that the verdicts of a scenario (those on the figures the use case rests on) imply. */
function verdictSentence(c: Ctx, sc: Sc, verdicts: readonly Verdict[], allPassed: Inline): Inline {
  const { m } = c;
  const pieces = (status: Verdict["status"]) => verdicts.filter((v) => v.status === status).map((v) => verdictPiece(c, sc, v));
  const failed = pieces("fail");
  if (failed.length) return m.rec.notSuited(failed);
  const inconclusive = pieces("inconclusive");
  if (inconclusive.length) return m.rec.undecided(inconclusive);
  const unmeasured = pieces("not_measured");
  const passed = verdicts.filter((v) => v.status === "pass");
  // A pass with the figure beyond its limit: the analysis judged the breach noise (degradation under its floor, a drift without a significant trend).
  const asNoise = passed.filter((v) => v.value !== undefined && !compare(v.value, v.op, v.limit)).map((v) => verdictPiece(c, sc, v));
  const noise: Inline = asNoise.length ? [" ", m.rec.passedAsNoise(asNoise)] : "";
  if (passed.length > 0 && unmeasured.length) return [m.rec.partlyMeasured(unmeasured), noise];
  if (passed.length > 0) return [allPassed, noise];
  if (unmeasured.length) return m.rec.unmeasured(unmeasured);
  return m.rec.noThreshold;
}

function recItem(c: Ctx, run: FinalRun, sc: Sc, ...sentences: Inline[]): Inline {
  return [run.results.target.simulated ? c.m.rec.simulatedPrefix : "", scenarioRef(c, run, sc), c.m.colon, sentences.flatMap((s, i) => (i > 0 ? [" ", s] : [s]))];
}

function scenariosOf(c: Ctx, kind: string): { run: FinalRun; sc: Sc }[] {
  return c.runs.flatMap((run) => run.results.scenarios.filter((sc) => sc.kind === kind).map((sc) => ({ run, sc })));
}

function recAgents(c: Ctx): Inline[] {
  const { m } = c;
  return scenariosOf(c, "conversation").map(({ run, sc }) => {
    const d = sc.detail as Partial<ConversationDetail> | undefined;
    const levels = [...(d?.levels ?? [])].map((l) => l.concurrency);
    const sweep = levels.length > 1;
    const gating = sweep ? levels.filter((l) => d?.gatingUpTo === undefined || l <= d.gatingUpTo) : levels;
    const turns = d?.turns ?? configOf<ConversationScenarioConfig>(run, sc)?.turns ?? 0;
    const figures = m.rec.convFigures({
      ...(val(sc, "ttft.mean") !== undefined ? { ttftMean: val(sc, "ttft.mean") } : {}),
      ...(val(sc, "ttft.p90") !== undefined ? { ttftP90: val(sc, "ttft.p90") } : {}),
      ttftN: nOf(sc, "ttft.mean"),
      ...(val(sc, "e2e.mean") !== undefined ? { e2eMean: val(sc, "e2e.mean") } : {}),
      e2eN: nOf(sc, "e2e.mean"),
      turns,
      ...(val(sc, "degradation.ttft_max") !== undefined ? { degradation: val(sc, "degradation.ttft_max") } : {}),
      degradationN: nOf(sc, "degradation.ttft_max"),
      level: levels[0] ?? 1,
      sweep,
    });
    const verdicts = sc.verdicts.filter((v) => v.metric !== "max_concurrency_within_thresholds");
    return recItem(c, run, sc, figures, verdictSentence(c, sc, verdicts, m.rec.convPass({ turns, levels: gating.length ? gating : [1] })));
  });
}

function recReasoning(c: Ctx): Inline[] {
  const { m } = c;
  return scenariosOf(c, "reasoning").map(({ run, sc }) => {
    const d = sc.detail as Partial<ReasoningDetail> | undefined;
    const runs = d?.runs ?? [];
    const truncated = runs.filter((r) => r.truncated).length;
    const figures = m.rec.reasoningFigures({
      ...(val(sc, "score.mean") !== undefined ? { score: val(sc, "score.mean") } : {}),
      runs: runs.length,
      passed: runs.filter((r) => r.pass).length,
      ...(val(sc, "e2e.mean") !== undefined ? { e2eMean: val(sc, "e2e.mean") } : {}),
      ...(val(sc, "e2e.p90") !== undefined ? { e2eP90: val(sc, "e2e.p90") } : {}),
      e2eN: nOf(sc, "e2e.mean"),
      truncated,
      reviewed: d?.reviewed ?? 0,
    });
    const sentences: Inline[] = [figures, verdictSentence(c, sc, sc.verdicts, m.rec.reasoningPass(val(sc, "e2e.p90") !== undefined ? { e2eP90: val(sc, "e2e.p90") } : {}))];
    if (truncated > 0) sentences.push(m.rec.raiseMaxTokens(truncated));
    return recItem(c, run, sc, ...sentences);
  });
}

function recTools(c: Ctx): Inline[] {
  const { m } = c;
  return scenariosOf(c, "tools").map(({ run, sc }) => {
    const d = sc.detail as Partial<ToolsDetail> | undefined;
    const judged = (d?.runs ?? []).filter((r) => r.error === undefined);
    const failures = judged.filter((r) => r.parserFailure).length;
    const first =
      failures > 0
        ? m.rec.toolsParser({ failures, runs: judged.length })
        : val(sc, "call_accuracy") === undefined
          ? m.rec.toolsNone
          : m.rec.toolsFigures({
            ...(val(sc, "call_accuracy") !== undefined ? { accuracy: val(sc, "call_accuracy") } : {}),
            runs: nOf(sc, "call_accuracy"),
            ...(val(sc, "stream_mismatch_rate") !== undefined ? { mismatch: val(sc, "stream_mismatch_rate") } : {}),
            compared: nOf(sc, "stream_mismatch_rate"),
          });
    return recItem(c, run, sc, first, verdictSentence(c, sc, sc.verdicts, m.rec.toolsPass));
  });
}

function recLoad(c: Ctx): Inline[] {
  const { m } = c;
  const items: Inline[] = [];
  for (const { run, sc } of scenariosOf(c, "conversation")) {
    const d = sc.detail as Partial<ConversationDetail> | undefined;
    const levels = [...(d?.levels ?? [])].sort((a, b) => a.concurrency - b.concurrency);
    if (levels.length < 2) continue;
    const max = d?.maxConcurrencyWithinThresholds ?? 0;
    const next = levels.find((l) => l.concurrency > max && (l.status === "fail" || l.status === "inconclusive"));
    items.push(
      recItem(
        c,
        run,
        sc,
        m.rec.convCapacity({
          max,
          turns: d?.turns ?? configOf<ConversationScenarioConfig>(run, sc)?.turns ?? 0,
          highestAsked: levels[levels.length - 1]!.concurrency,
          lowest: levels[0]!.concurrency,
          ...(next ? { next: { level: next.concurrency, status: next.status as "fail" | "inconclusive" } } : {}),
        }),
      ),
    );
  }
  for (const { run, sc } of scenariosOf(c, "load")) {
    const d = sc.detail as Partial<LoadSweepDetail> & Partial<LoadDetail>;
    if (d?.sweep === true) {
      const stages = d.stages ?? [];
      const open = stages.filter((s) => s.stage.mode !== "closed").sort((a, b) => (a.stage.rate ?? 0) - (b.stage.rate ?? 0));
      // Walk the rate stages up: the last of an unbroken run of stages that kept up, were not client-limited and passed.
      let highestPassing: { rate: number; stage: string } | undefined;
      let next: { rate: number; stage: string; why: "saturated" | "client_limited" | "fail" | "inconclusive" | "not_measured" } | undefined;
      for (const s of open) {
        const det = s.result.detail;
        const why = det?.saturation?.saturated
          ? ("saturated" as const)
          : det?.clientLimited
            ? ("client_limited" as const)
            : s.result.status === "pass"
              ? undefined
              : s.result.status === "fail" || s.result.status === "inconclusive" || s.result.status === "not_measured"
                ? s.result.status
                : ("not_measured" as const);
        if (why) {
          next = { rate: s.stage.rate ?? 0, stage: s.stage.name, why };
          break;
        }
        highestPassing = { rate: s.stage.rate ?? 0, stage: s.stage.name };
      }
      const thr = stages.find((s) => s.stage.name === "throughput");
      items.push(
        recItem(
          c,
          run,
          sc,
          m.rec.loadSweep({
            ...(highestPassing ? { highestPassing } : {}),
            ...(next ? { next } : {}),
            ...(d.firstSaturated ? { firstSaturated: d.firstSaturated } : {}),
            ...(d.maxThroughput !== undefined ? { maxThroughput: d.maxThroughput } : {}),
            maxConcurrency: thr?.stage.concurrency ?? configOf<LoadScenarioConfig>(run, sc)?.sweep.max_concurrency ?? 0,
            anyOpenStage: open.length > 0,
          }),
          verdictSentence(c, sc, sc.verdicts, m.rec.allPassed),
        ),
      );
    } else {
      const single = d as Partial<LoadDetail>;
      const open = single.open === true;
      const p99 = open ? val(sc, "ttft_from_intended.p99") : val(sc, "ttft.p99");
      items.push(
        recItem(
          c,
          run,
          sc,
          m.rec.loadSingle({
            open,
            mode: single.mode ?? "closed",
            rate: single.targetRate ?? 0,
            ...(single.achievedRate !== undefined ? { achieved: single.achievedRate } : {}),
            concurrency: single.concurrency ?? 0,
            ...(single.saturation ? { saturated: single.saturation.saturated } : {}),
            ...(p99 !== undefined ? { ttftP99: p99 } : {}),
            fromIntended: open,
          }),
          verdictSentence(c, sc, sc.verdicts, m.rec.allPassed),
          m.rec.loadSweepHint,
        ),
      );
    }
  }
  return items;
}

function recSoak(c: Ctx): Inline[] {
  const { m, f } = c;
  return scenariosOf(c, "soak").map(({ run, sc }) => {
    const d = sc.detail as Partial<SoakDetail> | undefined;
    return recItem(
      c,
      run,
      sc,
      m.rec.soak({ duration: f.duration(d?.measuredMs), stability: d?.stability ?? "not_measured", windows: val(sc, "windows") ?? 0, requests: sc.requests?.total ?? 0 }),
      verdictSentence(c, sc, sc.verdicts, m.rec.allPassed),
    );
  });
}

function recommendations(c: Ctx): { blocks: string[]; notMeasured: UseCase[] } {
  const { m } = c;
  const out: string[] = [heading(2, m.sections.recommendations), paragraph(m.rec.intro)];
  const notMeasured: UseCase[] = [];
  const by: Record<UseCase, (c: Ctx) => Inline[]> = { agents: recAgents, reasoning: recReasoning, tools: recTools, load: recLoad, soak: recSoak };
  for (const u of USE_CASES) {
    out.push(heading(3, m.useCase[u]));
    const items = by[u](c);
    if (items.length === 0) {
      notMeasured.push(u);
      out.push(paragraph(m.rec.notMeasured({ useCase: u, command: COMMANDS[u] })));
    } else out.push(bullets(items));
  }
  return { blocks: out, notMeasured };
}

// ---------------------------------------------------------------------------------------------
// 6. Appendices

function appendices(c: Ctx): string[] {
  const { m, f, runs } = c;
  const out: string[] = [heading(2, m.sections.appendices), heading(3, m.app.linksTitle), paragraph(m.app.linksIntro)];
  out.push(
    table(
      [m.col.run, m.col.folder, "report.md", "report.html"],
      runs.map((r) => [
        code(r.label),
        code(r.links.folder, 400),
        r.links.reportMd ? link("report.md", r.links.reportMd) : m.app.notWritten("report.md"),
        r.links.reportHtml ? link("report.html", r.links.reportHtml) : m.app.notWritten("report.html"),
      ]),
    ),
  );
  const notes = runs.flatMap((r) => r.notes.map((n): Inline => [code(r.label), m.colon, text(n, 400)]));
  if (notes.length) out.push(heading(3, m.app.loadNotesTitle, m.res.notesInEnglish), bullets(notes));
  out.push(heading(3, m.app.rawTitle), paragraph(m.app.rawIntro));
  for (const run of runs) {
    for (const sc of run.results.scenarios) {
      out.push(heading(4, code(run.label), " / ", code(sc.name), ` (${kindName(c, sc.kind)})`));
      const rows = Object.entries(sc.metrics ?? {}).map(([key, mv]): Inline[] => [code(key), f.metric(mv.value, mv.unit), f.int(mv.n)]);
      out.push(rows.length ? table([m.col.metric, m.col.value, m.col.n], rows) : paragraph("—"));
      if (sc.errors?.length) {
        out.push(
          paragraph(strong(m.app.errorsTitle)),
          table([m.app.errorsCol.kind, m.app.errorsCol.count, m.app.errorsCol.example], sc.errors.map((e) => [text(e.kind), f.int(e.count), text(e.example, 200)])),
        );
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 7. Conclusion

function conclusion(c: Ctx, status: RunStatus, exitCode: number, notMeasured: UseCase[]): string[] {
  const { m, runs } = c;
  const out: string[] = [heading(2, m.sections.conclusion), paragraph(m.concl.overall({ status, exitCode, runs: runs.length }))];
  out.push(
    bullets(
      runs.map((run): Inline => {
        const r = run.results;
        const by = (s: "fail" | "inconclusive") =>
          r.scenarios
            .filter((sc) => sc.status === s)
            .map((sc) => ({ scenario: sc.name, thresholds: sc.verdicts.filter((v) => v.status === s).map((v) => verdictPiece(c, sc, v)) }))
            .filter((x) => x.thresholds.length > 0);
        return [
          code(run.label),
          m.colon,
          m.concl.runLine({
            status: r.status,
            failing: by("fail"),
            inconclusive: by("inconclusive"),
            measuredNothing: r.status === "not_measured",
            ...(r.interruption ? { interruption: text(r.interruption, 300) } : {}),
          }),
        ];
      }),
    ),
  );
  if (runs.some((r) => r.results.target.simulated)) out.push(paragraph(m.concl.simulated));
  out.push(paragraph(notMeasured.length ? m.concl.notMeasured(notMeasured) : m.concl.allMeasured));
  return out;
}

// ---------------------------------------------------------------------------------------------

/** The consolidated report, in blocks (Markdown; the HTML adds each scenario's charts after its block). */
export function buildFinalReport(input: FinalReportInput): FinalReport {
  const f = new Fmt(input.lang);
  const m = messages(f);
  const grids = input.grids ?? [];
  const c: Ctx = { m, f, runs: input.runs, grids };
  if (input.runs.length === 0 && grids.length > 0) {
    // Grids only: their comparison is the report; a grid in which no cell measured anything is "not measured".
    const measured = grids.some((g) => g.analysis.cells.some((x) => x.status === "measured"));
    const gStatus: RunStatus = measured ? "pass" : "not_measured";
    const gExit = exitCodeOf(gStatus);
    const blocks: Block[] = [
      { markdown: [heading(1, m.title), paragraph(m.grid.overallGridsOnly({ grids: grids.length, measured, exitCode: gExit }))].join("\n\n") },
      ...results(c),
    ];
    return { title: m.title, lang: input.lang, blocks, status: gStatus, exitCode: gExit, notMeasured: [] };
  }
  const status = overallStatus(input.runs);
  const exitCode = exitCodeOf(status);
  const rec = recommendations(c);
  const md = (parts: string[]): Block => ({ markdown: parts.join("\n\n") });
  const blocks: Block[] = [
    md([heading(1, m.title), paragraph(m.concl.overall({ status, exitCode, runs: input.runs.length }))]),
    md(context(c, input)),
    md(methodology(c)),
    ...results(c),
    md(tradeoffs(c)),
    md(rec.blocks),
    md(appendices(c)),
    md(conclusion(c, status, exitCode, rec.notMeasured)),
  ];
  return { title: m.title, lang: input.lang, blocks, status, exitCode, notMeasured: rec.notMeasured };
}

export function finalMarkdown(report: FinalReport): string {
  return `${report.blocks.map((b) => b.markdown).join("\n\n")}\n`;
}
