/**
 * The grid comparison's sentences in English, as md.ts inline pieces: a cell is whatever
 * `cell(id)` gives (a code span in report.md, the label in double quotes in plain text), so a
 * label from the grid file never becomes Markdown. `plain()` flattens pieces to one line of
 * text (grid-results.json's `sentence` fields, the terminal summary).
 *
 * Forms (docs/grid.md):
 *   B is 45.1 % faster than A on p50 TTFT of continued turns (95 % CI 40.2 to 50.3 %, p < 0.001, every repeat).
 *   B is better than A on tool-call accuracy: 12.5 points higher (95 % CI 3.1 to 21.9 points, p = 0.010, every repeat).
 *   A and B: no difference beyond noise on p90 TTFT (significant but not the same way in every repeat).
 *   A and B: too few repeats to test throughput (2 values per cell; …).
 */
import type { PhrasingContent } from "mdast";
import { flatten, type Inline } from "../report/md.js";
import type { GridFigure, GridPair, NoDifferenceReason } from "./compare-types.js";

export interface SentenceCtx {
  /** How a cell is named: code(label) in Markdown, "label" in plain text. */
  cell(id: string): Inline;
  figure(key: string): GridFigure | undefined;
  /** The suite has several scenarios: say which one a figure belongs to. */
  multiScenario: boolean;
  /** Repeats planned per cell. */
  repeats: number;
  confidence: number;
}

/** Inline pieces as one line of plain text. */
export function plain(pieces: Inline): string {
  const out: string[] = [];
  const walk = (p: Inline): void => {
    if (p === false || p === null || p === undefined || p === "") return;
    if (typeof p === "string") out.push(p);
    else if (Array.isArray(p)) for (const q of p as readonly Inline[]) walk(q);
    else {
      const node = p as PhrasingContent;
      if (node.type === "text" || node.type === "inlineCode") out.push(node.value);
      else if (node.type === "html") out.push(node.value === "<br>" ? " " : "");
      else if ("children" in node) for (const c of node.children) walk(c as PhrasingContent);
    }
  };
  walk(pieces);
  return out.join("");
}

/** A cell's label in double quotes, on one line (plain text). */
export function quoted(label: string): string {
  return `"${flatten(label, 200)}"`;
}

export function fmtPct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

export function fmtPoints(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} points`;
}

export function fmtPValue(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return "p not computed";
  return p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`;
}

function confidenceWord(c: number): string {
  return `${Number((c * 100).toFixed(1))} %`;
}

/** The figure as a sentence names it: its label, and its scenario when the suite has several. */
export function figurePhrase(f: GridFigure, multiScenario: boolean): string {
  return multiScenario ? `${f.label} in scenario ${flatten(f.scenario, 80)}` : f.label;
}

/** A beyond-noise pair seen from its better cell: how much better, with its interval, in % or points. */
export interface WinnerView {
  winner: string;
  loser: string;
  /** Positive: how much better (a fraction: 0.12 = 12 % or 12 points). */
  magnitude: number;
  ci?: { lower: number; upper: number };
  points: boolean;
  /** The winner's value is higher (else lower) than the loser's. */
  higher: boolean;
}

/**
 * The change seen from the better cell. Relative changes are re-based on the worse cell
 * (W / L − 1, its interval mapped through r ↦ 1/(1 + r) − 1 when the better cell is A, a
 * monotone map under which a percentile interval stays one); points just change sign.
 */
export function winnerView(p: GridPair, f: GridFigure): WinnerView | undefined {
  const winner = p.better ?? (p.change !== undefined && p.change >= 0 ? p.b : p.a);
  const loser = winner === p.b ? p.a : p.b;
  const fromB = winner === p.b;
  if (f.points) {
    if (p.change === undefined) return undefined;
    const d = fromB ? p.change : -p.change;
    const ci = p.ci ? (fromB ? p.ci : { lower: -p.ci.upper, upper: -p.ci.lower }) : undefined;
    const higher = d >= 0;
    return { winner, loser, magnitude: Math.abs(d), ...(ci ? { ci: higher ? ci : { lower: -ci.upper, upper: -ci.lower } } : {}), points: true, higher };
  }
  if (p.relative === undefined) return undefined;
  const inv = (r: number) => 1 / (1 + r) - 1;
  const r = fromB ? p.relative : inv(p.relative);
  let ci = p.relativeCi;
  if (ci && !fromB) ci = ci.lower > -1 ? { lower: inv(ci.upper), upper: inv(ci.lower) } : undefined;
  const higher = r >= 0;
  return { winner, loser, magnitude: Math.abs(r), ...(ci ? { ci: higher ? ci : { lower: -ci.upper, upper: -ci.lower } } : {}), points: false, higher };
}

/** ", every repeat", ", every repeat both cells have (2 of 3)" or "; one repeat: …". */
export function repeatsPhrase(p: GridPair, planned: number): string {
  const k = p.repeats.length;
  if (k <= 1) return planned <= 1 ? "; one repeat: drift of the machine between cells not measured" : "; one repeat both cells have: drift of the machine between cells not measured";
  return k >= planned ? ", every repeat" : `, every repeat both cells have (${k} of ${planned})`;
}

/** Why a pair is no difference beyond noise, in words. */
export function reasonText(r: NoDifferenceReason): string {
  switch (r.code) {
    case "not_significant":
      return r.pAdjusted !== undefined && r.pAdjusted < r.alpha && r.intervalHoldsZero
        ? "the interval of the change includes 0"
        : `not significant: ${fmtPValue(r.pAdjusted)} after Holm's adjustment`;
    case "inconsistent_repeats":
      return `significant but not the same way in every repeat (${r.against} of ${r.repeats} the other way)`;
    case "within_noise":
      return `smaller than the difference between two repeats of one cell (±${r.points ? fmtPoints(r.floor) : fmtPct(r.floor)})`;
    case "too_few_repeats":
      return r.minP !== undefined
        ? `too few repeats to test: with ${r.values} values per cell the smallest possible p ${r.pairs ? `after Holm's adjustment over ${r.pairs} pairs ` : ""}is ${r.minP.toFixed(3)}`
        : `too few repeats to test: ${r.values} value${r.values === 1 ? "" : "s"} per cell, at least 3 needed`;
    case "not_tested":
      return `not tested: ${r.why}`;
  }
}

/** The interval and test of a beyond-noise finding: "(95 % CI 8.1 to 16.0 %, p < 0.001, every repeat)". */
function evidence(p: GridPair, v: WinnerView, c: SentenceCtx): string {
  const f = v.points ? fmtPoints : fmtPct;
  const ci = v.ci ? `${confidenceWord(c.confidence)} CI ${(v.ci.lower * 100).toFixed(1)} to ${f(v.ci.upper)}, ` : "";
  return `(${ci}${fmtPValue(p.pAdjusted ?? p.pValue)}${repeatsPhrase(p, c.repeats)})`;
}

/** One pair's finding as a sentence (ends with a full stop). */
export function pairSentence(p: GridPair, c: SentenceCtx): Inline[] {
  const f = c.figure(p.figure);
  if (!f) return [c.cell(p.a), " and ", c.cell(p.b), `: figure ${p.figure} unknown.`];
  const what = figurePhrase(f, c.multiScenario);
  if (!p.beyondNoise) {
    if (p.reason?.code === "too_few_repeats" && p.reason.minP === undefined) return [c.cell(p.a), " and ", c.cell(p.b), `: too few repeats to test ${what} (${reasonText(p.reason).replace(/^too few repeats to test: /, "")}).`];
    if (p.reason?.code === "not_tested") return [c.cell(p.a), " and ", c.cell(p.b), `: ${what} ${reasonText(p.reason)}.`];
    return [c.cell(p.a), " and ", c.cell(p.b), `: no difference beyond noise on ${what}${p.reason ? ` (${reasonText(p.reason)})` : ""}.`];
  }
  const v = winnerView(p, f);
  if (!v) return [c.cell(p.b), ` is ${p.word} than `, c.cell(p.a), ` on ${what}.`];
  const mag = v.points ? fmtPoints(v.magnitude) : fmtPct(v.magnitude);
  const ev = evidence(p, v, c);
  if (f.direction === "neutral") return [c.cell(v.winner), ` is ${mag} ${v.higher ? "higher" : "lower"} than `, c.cell(v.loser), ` on ${what} ${ev}.`];
  if (f.timing && !v.points) return [c.cell(v.winner), ` is ${mag} faster than `, c.cell(v.loser), ` on ${what} ${ev}.`];
  return [c.cell(v.winner), " is better than ", c.cell(v.loser), ` on ${what}: ${mag} ${v.higher ? "higher" : "lower"} ${ev}.`];
}
