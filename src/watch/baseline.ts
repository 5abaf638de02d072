/**
 * The baseline a watch compares its recent cycles with, and the comparison itself, made with
 * the statistics of `shakedown diff` (src/metrics/compare.ts): the recent requests against the
 * baseline's, by the Mann-Whitney U test and a seeded percentile bootstrap of the change of the
 * statistic the rule names. Like `diff --fail-on`, a bound is breached only when the change is
 * beyond it AND significant (the test at alpha and the interval clear of 0, the same way).
 *
 * The samples are unpaired: a window of cycles holds other requests than the baseline's cycles
 * (diff compares two such runs the same way, "unpaired: the runs' requests differ").
 *
 * The baseline is either the first `baseline.cycles` healthy cycles (every request ok), then
 * frozen — a baseline that moved with the server would absorb a slow degradation, the very thing
 * a watch is for — or the requests of a run folder of the same canary suite (--baseline DIR).
 */
import { compareSamples, deriveSeed } from "../metrics/compare.js";
import { figureDirection, isTiming } from "../compare/figures.js";
import type { RequestFigure } from "../compare/figures.js";
import type { Evaluation } from "./alerts.js";
import { poolSamples, type CycleSample } from "./figures.js";
import { changeBeyond, type BaselineCondition } from "./rules.js";

export interface Baseline {
  /** "cycles": the first healthy cycles of this watch; "run": a run folder. */
  source: "cycles" | "run";
  /** The run folder (source "run"). */
  dir?: string;
  /** Cycles pooled so far (source "cycles"); the baseline is ready at `needed`. */
  cycles: number;
  needed: number;
  /** ISO time it became ready. */
  readyAt?: string;
  sample: CycleSample;
}

export function emptyBaseline(needed: number): Baseline {
  return { source: "cycles", cycles: 0, needed, sample: {} };
}

export function baselineReady(b: Baseline): boolean {
  return b.source === "run" || b.cycles >= b.needed;
}

/** Adds a healthy cycle to a baseline that is still forming; returns true when it became ready. */
export function addToBaseline(b: Baseline, cycle: CycleSample, at: string): boolean {
  if (baselineReady(b)) return false;
  b.sample = poolSamples([b.sample, cycle]);
  b.cycles++;
  if (baselineReady(b)) {
    b.readyAt = at;
    return true;
  }
  return false;
}

function label(c: BaselineCondition): string {
  return `${c.scope ? `${c.scope}.` : ""}${c.base}.${c.stat}`;
}

function fmtChange(change: number, relative: boolean, unit: string): string {
  if (relative) return `${change >= 0 ? "+" : "−"}${Math.abs(change * 100).toFixed(1)} %`;
  return `${change >= 0 ? "+" : "−"}${Math.abs(change).toFixed(unit === "ms" ? 1 : 2)} ${unit}`;
}

/**
 * Reads a baseline condition against the recent window: holds when the change of the statistic
 * is beyond the bound and significant; undefined when it cannot be told (no baseline yet, fewer
 * than 2 values on a side, a relative change against 0).
 */
export function evaluateBaseline(
  c: BaselineCondition,
  baseline: Baseline,
  recent: CycleSample,
  opts: { alpha: number; iterations: number; seed: number; name: string },
): Evaluation {
  const what = label(c);
  if (!baselineReady(baseline)) return { holds: undefined, detail: `${what}: the baseline is forming (${baseline.cycles}/${baseline.needed} healthy cycles)` };
  const a = baseline.sample[c.scope]?.values[c.base] ?? [];
  const b = recent[c.scope]?.values[c.base] ?? [];
  const figure = `${c.base}.p50`;
  const unit = c.base === "output_tps" || c.base === "e2e_output_tps" ? "tok/s" : "ms";
  const cmp = compareSamples(a, b, {
    paired: false,
    alpha: opts.alpha,
    seed: deriveSeed(opts.seed, `${opts.name}/${what}`),
    iterations: opts.iterations,
    statistics: [c.stat],
    direction: figureDirection(figure),
    timing: isTiming(figure, unit),
  });
  if (!cmp) return { holds: undefined, detail: `${what}: not measured (${a.length} baseline values, ${b.length} recent; 2 needed on each side)` };
  const s = cmp.statistics[0];
  if (s === undefined) return { holds: undefined, detail: `${what}: not measured` };
  const change = c.bound.relative ? s.relative : s.change;
  if (change === undefined) return { holds: undefined, detail: `${what}: the baseline's value is 0, no relative change` };
  const beyondBound = changeBeyond(change, c);
  const holds = beyondBound && s.significant;
  const p = s.pValue < 0.001 ? "p < 0.001" : `p = ${s.pValue.toFixed(3)}`;
  const shown = fmtChange(change, c.bound.relative, unit);
  const verdict = holds ? "beyond the bound and significant" : beyondBound ? `beyond the bound but ${s.word}` : "within the bound";
  return { holds, value: change, detail: `${what} ${shown} vs the baseline (${s.word}, ${p}, n ${cmp.n[0]} / ${cmp.n[1]}): ${verdict} (${c.bound.source})` };
}

/** A baseline read back from state.json; undefined when it does not look like one. */
export function baselineFromJson(v: unknown, needed: number): Baseline | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const b = v as Partial<Baseline>;
  if ((b.source !== "cycles" && b.source !== "run") || typeof b.cycles !== "number" || typeof b.sample !== "object" || b.sample === null) return undefined;
  const sample: CycleSample = {};
  for (const [scope, s] of Object.entries(b.sample as Record<string, unknown>)) {
    if (typeof s !== "object" || s === null) continue;
    const x = s as { values?: Record<string, unknown>; requests?: unknown; errors?: unknown };
    const values: Partial<Record<RequestFigure, number[]>> = {};
    for (const [k, arr] of Object.entries(x.values ?? {})) if (Array.isArray(arr)) values[k as RequestFigure] = arr.filter((n): n is number => typeof n === "number" && Number.isFinite(n));
    sample[scope] = { values, requests: typeof x.requests === "number" ? x.requests : 0, errors: typeof x.errors === "number" ? x.errors : 0 };
  }
  return {
    source: b.source,
    ...(typeof b.dir === "string" ? { dir: b.dir } : {}),
    cycles: b.cycles,
    needed: b.source === "run" ? b.needed ?? needed : needed,
    ...(typeof b.readyAt === "string" ? { readyAt: b.readyAt } : {}),
    sample,
  };
}
