/**
 * diffRuns: run B against run A, figure by figure, with intervals and tests from the records
 * themselves (docs/diff.md). Reading the folders is the only I/O; the rest is pure.
 */
import { buildResults } from "../run/analyze.js";
import { ConfigError } from "../errors.js";
import { DEFAULT_BOOTSTRAP_SEED } from "../metrics/bootstrap.js";
import {
  compareEstimates,
  compareProportions,
  compareSamples,
  DEFAULT_ALPHA,
  DEFAULT_ITERATIONS,
  deriveSeed,
  isSampleStatistic,
  type ChangeWord,
  type Direction,
  type Interval,
} from "../metrics/compare.js";
import { loadOverrides } from "../review/overrides.js";
import type { ScenarioConfig } from "../config/schema.js";
import type { MetricValue, ScenarioResult } from "../scenarios/types.js";
import { loadRunFolder, type LoadedRun, type RunResults } from "../store/run-folder.js";
import { checkComparable } from "./comparable.js";
import { beyond, parseFailOn, type FailOnBound } from "./fail-on.js";
import { DEFAULT_STATISTICS, figureDirection, isTiming, splitFigure } from "./figures.js";
import { scenarioGroups, type RecordGroup } from "./samples.js";

export const DIFF_SCHEMA_VERSION = 1;

export interface DiffOptions {
  /** Compare runs that are not comparable (different suites or workloads); what differs is said. */
  force?: boolean;
  /** Significance level (default 0.05); intervals are at 1 − alpha. */
  alpha?: number;
  /** Bounds on the change that fail the diff when breached with significance ("ttft.p90 > +10%"). */
  failOn?: string[];
  /** Bootstrap seed (default 0x5eed): the same runs and seed give the same numbers. */
  seed?: number;
  /** Bootstrap resamples (default 2000). */
  iterations?: number;
}

export interface RunSide {
  dir: string;
  runId: string;
  suite: string;
  startedAt: string;
  /** The run's overall verdict (results.json); absent without one. */
  status?: string;
  complete: boolean;
  target: { url: string; model: string; simulated: boolean; simProfile?: string };
}

/** How a figure's change was tested. */
export type FigureTest = "mann-whitney" | "wilcoxon" | "two proportions" | "intervals" | "none";

export interface FigureDiff {
  /** "ttft.p50", "success_rate", "ttft_miss.continued.mean". */
  figure: string;
  unit: MetricValue["unit"];
  direction: Direction;
  /** Where the values come from: the records (per request or per task), or results.json. */
  source: "records" | "results";
  a?: number;
  b?: number;
  /** b − a, in the figure's unit. */
  change?: number;
  /** b / a − 1; absent when a = 0. */
  relative?: number;
  /** Interval of the change at 1 − alpha (bootstrap, Newcombe, or from the runs' intervals). */
  ci?: Interval;
  relativeCi?: Interval;
  /** Two-sided p-value of the test. */
  pValue?: number;
  test: FigureTest;
  paired: boolean;
  /** Values the comparison rests on: per run, and pairs when paired. */
  n: { a: number; b: number; pairs?: number };
  /** The test is significant at alpha and the interval excludes 0, the same way. */
  significant: boolean;
  word: ChangeWord;
  /** Why it was not tested, or how (e.g. "exact distribution"). */
  note?: string;
}

export interface ScenarioDiff {
  scenario: string;
  kind: string;
  /** "" for the scenario's own figures; else the group ("c5", "stage rate-2"). */
  group: string;
  /** The group as a report names it ("5 sessions at once"); "" for the scenario itself. */
  label: string;
  /** Per-request figures compared request by request (same ids in both runs). */
  paired: boolean;
  /** Why paired or not, in a few words. */
  pairing: string;
  figures: FigureDiff[];
  notes: string[];
}

export interface FailOnOutcome {
  /** The expression as written. */
  expression: string;
  /** fail: beyond the bound with significance; pass: not; not_tested: the figure has no test; not_measured: a value is missing. */
  status: "fail" | "pass" | "not_tested" | "not_measured";
  scenario?: string;
  group?: string;
  figure?: string;
  /** The change the bound was read against (relative or absolute). */
  change?: number;
  reason: string;
}

export interface DiffResult {
  schemaVersion: typeof DIFF_SCHEMA_VERSION;
  a: RunSide;
  b: RunSide;
  /** Same suite, same kinds, same workloads. */
  comparable: boolean;
  /** Not comparable and not forced: nothing was compared (`problems` says why). */
  refused: boolean;
  forced: boolean;
  /** Why the runs are not comparable. */
  problems: string[];
  /** What differs without preventing the comparison (model, target, scenarios only in one run…). */
  notes: string[];
  alpha: number;
  confidence: number;
  seed: number;
  iterations: number;
  scenarios: ScenarioDiff[];
  failOn: FailOnOutcome[];
  /** A --fail-on bound was breached with significance. */
  failed: boolean;
  /** Figures by word, over every scenario. */
  counts: Partial<Record<ChangeWord, number>>;
}

function side(run: LoadedRun): RunSide {
  const m = run.manifest;
  return {
    dir: run.dir,
    runId: m.runId,
    suite: m.suite.name,
    startedAt: m.startedAt,
    ...(run.previous?.status ? { status: run.previous.status } : {}),
    complete: run.previous?.complete ?? false,
    target: {
      url: m.target.url,
      model: m.target.model,
      simulated: m.target.simulated,
      ...(m.target.simProfile !== undefined ? { simProfile: m.target.simProfile } : {}),
    },
  };
}

/** results.json, or the records re-analysed when it is missing or unreadable (diff and the grid's comparison). */
export function resultsOf(run: LoadedRun): RunResults {
  if (run.previous && Array.isArray(run.previous.scenarios)) return run.previous;
  return buildResults(
    run.manifest,
    run.records,
    { complete: false },
    { server: run.server, gpu: run.gpu, reviews: loadOverrides(run.dir), attachments: run.attachments },
  );
}

/** Statistics of a summary left out of the table unless a --fail-on names them. */
const SUMMARY_EXTRAS = new Set(["std", "min", "max", "p95", "p99"]);

/** Proportions that count events (successes over requests); a mean of scores is not one. */
const PROPORTION = /(^|[._])(rate|fraction)$/;

function countsOf(m: MetricValue): { x: number; n: number } | undefined {
  const v = m.value;
  if (v === undefined || !Number.isFinite(v) || v < 0 || v > 1 || !(m.n >= 1) || !Number.isInteger(m.n)) return undefined;
  const x = v * m.n;
  return Math.abs(x - Math.round(x)) < 1e-6 * Math.max(1, m.n) ? { x: Math.round(x), n: m.n } : undefined;
}

interface Ctx {
  alpha: number;
  seed: number;
  iterations: number;
  /** Statistics asked for by --fail-on, by figure base. */
  requested: Map<string, Set<string>>;
  /** Figures a --fail-on names exactly (kept even where they would be left out). */
  named: Set<string>;
}

/** Pairing of two groups: paired when both hold the same request ids, each once. */
function pairingOf(ga: RecordGroup, gb: RecordGroup): { paired: boolean; pairing: string } {
  const idsA = ga.records.map((r) => r.id);
  const idsB = gb.records.map((r) => r.id);
  const setA = new Set(idsA);
  const setB = new Set(idsB);
  if (idsA.length === 0 && idsB.length === 0) return { paired: false, pairing: "figures of the scenario as a whole (one value per run)" };
  if (idsA.length === 0 || idsB.length === 0) return { paired: false, pairing: `no request records in ${idsA.length === 0 ? "A" : "B"}` };
  if (setA.size !== idsA.length || setB.size !== idsB.length) return { paired: false, pairing: "unpaired: request ids repeat" };
  const onlyA = idsA.filter((id) => !setB.has(id)).length;
  const onlyB = idsB.filter((id) => !setA.has(id)).length;
  if (onlyA === 0 && onlyB === 0) return { paired: true, pairing: `paired by request id (${idsA.length} requests in both runs)` };
  return { paired: false, pairing: `unpaired: the runs' requests differ (${onlyA} only in A, ${onlyB} only in B)` };
}

function untested(figure: string, unit: MetricValue["unit"], a: number | undefined, b: number | undefined, n: FigureDiff["n"], note: string, source: FigureDiff["source"] = "results"): FigureDiff {
  const d: FigureDiff = { figure, unit, direction: figureDirection(figure), source, test: "none", paired: false, n, significant: false, word: "not tested", note };
  if (a !== undefined) d.a = a;
  if (b !== undefined) d.b = b;
  if (a !== undefined && b !== undefined) {
    d.change = b - a;
    if (a !== 0) d.relative = b / a - 1;
  }
  return d;
}

/** Aligned values of two maps by id (paired) or all values of each (unpaired). */
function sampleArrays(va: Map<string, number>, vb: Map<string, number>, paired: boolean): { a: number[]; b: number[] } {
  if (!paired) return { a: [...va.values()], b: [...vb.values()] };
  const a: number[] = [];
  const b: number[] = [];
  for (const [id, x] of va) {
    const y = vb.get(id);
    if (y !== undefined) {
      a.push(x);
      b.push(y);
    }
  }
  return { a, b };
}

function sampleFigures(
  base: string,
  unit: MetricValue["unit"],
  va: Map<string, number>,
  vb: Map<string, number>,
  paired: boolean,
  statistics: readonly string[],
  seedLabel: string,
  ctx: Ctx,
  source: FigureDiff["source"] = "records",
): FigureDiff[] {
  const { a, b } = sampleArrays(va, vb, paired);
  const name = (stat: string) => `${base}.${stat}`;
  const direction = figureDirection(`${base}.p50`);
  const timing = isTiming(`${base}.p50`, unit);
  const cmp = compareSamples(a, b, { paired, alpha: ctx.alpha, seed: deriveSeed(ctx.seed, seedLabel), iterations: ctx.iterations, statistics, direction, timing });
  const n = paired ? { a: a.length, b: b.length, pairs: a.length } : { a: a.length, b: b.length };
  if (!cmp) {
    return statistics.map((s) => untested(name(s), unit, undefined, undefined, n, `fewer than 2 ${paired ? "pairs" : "values in a run"}`, source));
  }
  const t = cmp.test;
  const how = t.exact ? "exact distribution" : t.approximate ? "normal approximation on few values" : undefined;
  return cmp.statistics.map((s) => {
    const d: FigureDiff = {
      figure: name(s.statistic),
      unit,
      direction,
      source,
      a: s.a,
      b: s.b,
      change: s.change,
      pValue: s.pValue,
      test: t.test,
      paired,
      n,
      significant: s.significant,
      word: s.word,
    };
    if (s.relative !== undefined) d.relative = s.relative;
    if (s.ci) d.ci = s.ci;
    if (s.relativeCi) d.relativeCi = s.relativeCi;
    if (how) d.note = how;
    return d;
  });
}

function compareGroup(scenario: string, ga: RecordGroup, gb: RecordGroup, ctx: Ctx): { figures: FigureDiff[]; paired: boolean; pairing: string } {
  const { paired, pairing } = pairingOf(ga, gb);
  const figures: FigureDiff[] = [];
  const compared = new Set<string>();
  const label = `${scenario}/${ga.key}`;
  for (const [base, va] of ga.values) {
    const vb = gb.values.get(base);
    if (!vb) continue;
    if (base === "ttfa" && !ga.reasoned && !gb.reasoned) continue; // without reasoning it is the TTFT again
    if (va.size === 0 || vb.size === 0) continue;
    const statistics = [...new Set([...DEFAULT_STATISTICS, ...(ctx.requested.get(base) ?? [])])];
    figures.push(...sampleFigures(base, ga.units.get(base) ?? "ms", va, vb, paired, statistics, `${label}/${base}`, ctx));
    compared.add(base);
  }
  // The figures of results.json that the records above do not already give; of a summary
  // without records (a load test's latency from the intended send), the mean, p50 and p90.
  const skipBase = (figure: string): boolean => {
    if (ctx.named.has(figure) && !figures.some((f) => f.figure === figure)) return false;
    const { base, statistic } = splitFigure(figure);
    if (statistic !== undefined && SUMMARY_EXTRAS.has(statistic) && `${base}.p50` in ga.metrics) return true;
    return compared.has(base) || (base === "ttfa" && !ga.reasoned && !gb.reasoned);
  };
  for (const [figure, ma] of Object.entries(ga.metrics)) {
    const mb = gb.metrics[figure];
    if (!mb || skipBase(figure)) continue;
    const a = ma.value;
    const b = mb.value;
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    const ra = ga.perRecord[figure];
    const rb = gb.perRecord[figure];
    if (ra && rb) {
      const same = ra.size === rb.size && [...ra.keys()].every((k) => rb.has(k));
      // A mean of a per-record value ("score.mean"): the mean, compared record by record.
      const rows = sampleFigures(splitFigure(figure).base, ma.unit, ra, rb, same, ["mean"], `${label}/${figure}`, ctx, "records");
      figures.push(...rows.map((r) => ({ ...r, note: [same ? "paired by task run" : "unpaired: the task runs differ", r.note].filter(Boolean).join("; ") })));
      continue;
    }
    const ea = ga.estimates[figure];
    const eb = gb.estimates[figure];
    if (ea && eb) {
      const c = compareEstimates(ea, eb, { alpha: ctx.alpha, direction: figureDirection(figure) });
      if (c) {
        figures.push({
          figure,
          unit: ma.unit,
          direction: figureDirection(figure),
          source: "results",
          a,
          b,
          change: b - a,
          ...(a !== 0 ? { relative: b / a - 1 } : {}),
          ci: c.ci,
          pValue: c.pValue,
          test: "intervals",
          paired: false,
          n: { a: ma.n, b: mb.n },
          significant: c.significant,
          word: c.word,
          note: "normal approximation from each run's bootstrap interval",
        });
        continue;
      }
    }
    const ca = ma.unit === "fraction" && PROPORTION.test(figure) ? countsOf(ma) : undefined;
    const cb = ca ? countsOf(mb) : undefined;
    if (ca && cb) {
      const p = compareProportions(ca.x, ca.n, cb.x, cb.n, { alpha: ctx.alpha, direction: figureDirection(figure) });
      figures.push({
        figure,
        unit: ma.unit,
        direction: figureDirection(figure),
        source: "results",
        a: p.a,
        b: p.b,
        change: p.change,
        ...(p.relative !== undefined ? { relative: p.relative } : {}),
        ci: p.ci,
        ...(p.relativeCi ? { relativeCi: p.relativeCi } : {}),
        pValue: p.pValue,
        test: "two proportions",
        paired: false,
        n: { a: ca.n, b: cb.n },
        significant: p.significant,
        word: p.word,
      });
      continue;
    }
    figures.push(untested(figure, ma.unit, a, b, { a: ma.n, b: mb.n }, "a single value per run: no spread to test"));
  }
  return { figures, paired, pairing };
}

/** Scenarios to set side by side: by name; forced with none in common, by kind where each kind appears once. */
function matchScenarios(a: LoadedRun, b: LoadedRun, force: boolean): { a: ScenarioConfig; b: ScenarioConfig }[] {
  const sa = a.manifest.suite.scenarios;
  const sb = b.manifest.suite.scenarios;
  const byName = sa.flatMap((ca) => {
    const cb = sb.find((s) => s.name === ca.name && s.kind === ca.kind);
    return cb ? [{ a: ca, b: cb }] : [];
  });
  if (byName.length > 0 || !force) return byName;
  return sa.flatMap((ca) => {
    const ka = sa.filter((s) => s.kind === ca.kind);
    const kb = sb.filter((s) => s.kind === ca.kind);
    return ka.length === 1 && kb.length === 1 ? [{ a: ca, b: kb[0] as ScenarioConfig }] : [];
  });
}

function evaluateBounds(bounds: FailOnBound[], scenarios: ScenarioDiff[]): FailOnOutcome[] {
  const out: FailOnOutcome[] = [];
  for (const bound of bounds) {
    const matches = scenarios.flatMap((s) =>
      s.figures.filter((f) => f.figure === bound.metric || `${s.scenario}.${f.figure}` === bound.metric).map((f) => ({ s, f })),
    );
    if (matches.length === 0) {
      const known = [...new Set(scenarios.flatMap((s) => s.figures.map((f) => f.figure)))];
      throw new ConfigError(
        `--fail-on "${bound.source}": no figure "${bound.metric}" in both runs; figures compared: ${known.length ? known.join(", ") : "(none)"}`,
      );
    }
    for (const { s, f } of matches) {
      const where = { scenario: s.scenario, ...(s.group ? { group: s.group } : {}), figure: f.figure };
      if (bound.unit !== undefined && !bound.relative && bound.unit !== f.unit) {
        throw new ConfigError(`--fail-on "${bound.source}": ${f.figure} is in ${f.unit}, not ${bound.unit}; write the bound in ${f.unit}, or as a percentage (a relative change)`);
      }
      const change = bound.relative ? f.relative : f.change;
      const what = bound.relative ? "relative change" : "change";
      if (change === undefined) {
        out.push({ expression: bound.source, status: "not_measured", ...where, reason: `no ${what} (${f.a === 0 ? "A is 0" : "a value is missing"})` });
        continue;
      }
      if (f.test === "none") {
        out.push({ expression: bound.source, status: "not_tested", ...where, change, reason: `${f.figure} cannot be tested (${f.note ?? "no test"}): the bound is not judged` });
        continue;
      }
      const over = beyond(change, bound);
      const status = over && f.significant ? "fail" : "pass";
      const reason = !over
        ? `${what} ${fmtChange(change, bound.relative)} is within the bound`
        : f.significant
          ? `${what} ${fmtChange(change, bound.relative)} is beyond the bound and significant (p ${fmtP(f.pValue)})`
          : `${what} ${fmtChange(change, bound.relative)} is beyond the bound but not beyond noise (p ${fmtP(f.pValue)})`;
      out.push({ expression: bound.source, status, ...where, change, reason });
    }
  }
  return out;
}

function fmtChange(v: number, relative: boolean): string {
  if (relative) return `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)} %`;
  return `${v >= 0 ? "+" : "−"}${Math.abs(v).toPrecision(3)}`;
}

function fmtP(p: number | undefined): string {
  if (p === undefined) return "n/a";
  return p < 0.001 ? "< 0.001" : `= ${p.toFixed(3)}`;
}

/**
 * Compares run B with run A (folders, or runs already loaded): the comparability check, then
 * for each scenario both ran, each figure both have, the change B vs A with its interval, test
 * and word, and the --fail-on bounds. Not comparable and not forced: `refused`, nothing
 * compared. Throws RunFolderError for a folder that is not a run, ConfigError for a bad
 * --fail-on (or one naming a figure neither run has) or alpha.
 */
export function diffRuns(a: string | LoadedRun, b: string | LoadedRun, opts: DiffOptions = {}): DiffResult {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 0.5)) throw new ConfigError(`alpha must be a number between 0 and 0.5 (e.g. 0.05), got ${alpha}`);
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  if (!(Number.isInteger(iterations) && iterations >= 100)) throw new ConfigError(`iterations must be an integer ≥ 100, got ${iterations}`);
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const bounds = (opts.failOn ?? []).map(parseFailOn);
  const runA = typeof a === "string" ? loadRunFolder(a) : a;
  const runB = typeof b === "string" ? loadRunFolder(b) : b;
  const force = opts.force ?? false;

  const check = checkComparable(runA, runB);
  const comparable = check.problems.length === 0;
  const result: DiffResult = {
    schemaVersion: DIFF_SCHEMA_VERSION,
    a: side(runA),
    b: side(runB),
    comparable,
    refused: !comparable && !force,
    forced: force && !comparable,
    problems: check.problems,
    notes: check.notes,
    alpha,
    confidence: 1 - alpha,
    seed,
    iterations,
    scenarios: [],
    failOn: [],
    failed: false,
    counts: {},
  };
  if (result.refused) return result;

  const scenarioNames = new Set([...runA.manifest.suite.scenarios, ...runB.manifest.suite.scenarios].map((s) => s.name));
  const requested = new Map<string, Set<string>>();
  const named = new Set<string>();
  for (const bound of bounds) {
    const prefix = [...scenarioNames].find((n) => bound.metric.startsWith(`${n}.`));
    const figure = prefix ? bound.metric.slice(prefix.length + 1) : bound.metric;
    named.add(figure);
    const { base, statistic } = splitFigure(figure);
    if (statistic !== undefined && isSampleStatistic(statistic)) {
      let set = requested.get(base);
      if (!set) requested.set(base, (set = new Set()));
      set.add(statistic);
    }
  }
  const ctx: Ctx = { alpha, seed, iterations, requested, named };

  const resultsA = resultsOf(runA);
  const resultsB = resultsOf(runB);
  const resultOf = (r: RunResults, name: string): ScenarioResult | undefined => r.scenarios.find((s) => s.name === name);
  for (const pair of matchScenarios(runA, runB, force)) {
    const groupsA = scenarioGroups(pair.a, resultOf(resultsA, pair.a.name), runA.records);
    const groupsB = scenarioGroups(pair.b, resultOf(resultsB, pair.b.name), runB.records);
    const name = pair.a.name === pair.b.name ? pair.a.name : `${pair.a.name} / ${pair.b.name}`;
    for (const ga of groupsA) {
      const gb = groupsB.find((g) => g.key === ga.key);
      if (!gb) continue;
      const { figures, paired, pairing } = compareGroup(pair.a.name, ga, gb, ctx);
      const notes: string[] = [];
      if (ga.key === "") {
        const onlyA = groupsA.filter((g) => g.key !== "" && !groupsB.some((h) => h.key === g.key)).map((g) => g.label);
        const onlyB = groupsB.filter((g) => g.key !== "" && !groupsA.some((h) => h.key === g.key)).map((g) => g.label);
        if (onlyA.length) notes.push(`only in A: ${onlyA.join(", ")}`);
        if (onlyB.length) notes.push(`only in B: ${onlyB.join(", ")}`);
      }
      if (figures.length === 0 && ga.records.length + gb.records.length === 0 && Object.keys(ga.metrics).length === 0) continue;
      result.scenarios.push({ scenario: name, kind: pair.a.kind, group: ga.key, label: ga.label, paired, pairing, figures, notes });
    }
  }
  result.failOn = evaluateBounds(bounds, result.scenarios);
  result.failed = result.failOn.some((o) => o.status === "fail");
  for (const s of result.scenarios) for (const f of s.figures) result.counts[f.word] = (result.counts[f.word] ?? 0) + 1;
  return result;
}

