/**
 * Trends: least-squares lines and how much of a conversation's TTFT growth its growing
 * prompt explains. Each turn resends the whole history, so the prompt grows turn after
 * turn and prefill time grows with it; a TTFT that rises only as fast as the prompt
 * predicts is prefill cost, not a server that degrades.
 */
import { linearRegression } from "simple-statistics";
import { defaultWindows, windowMeans, type TurnWindow } from "./windows.js";

export interface LinearFit {
  /** dy/dx. */
  slope: number;
  intercept: number;
  /**
   * Coefficient of determination 1 − SS_res/SS_tot, in [0, 1]. When every y is equal
   * (SS_tot = 0) the flat fitted line reproduces every point and r² is reported as 1.
   */
  r2: number;
  /** Points used (pairs with both coordinates finite). */
  n: number;
}

/**
 * Ordinary least-squares line y = slope·x + intercept through the pairs (xs[i], ys[i]).
 * Pairs with a non-finite coordinate are dropped. Undefined with fewer than 3 points or
 * when every x is equal (the slope is not identifiable). Throws if the lengths differ.
 */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | undefined {
  if (xs.length !== ys.length) throw new RangeError(`linearFit: ${xs.length} xs but ${ys.length} ys`);
  const pts: [number, number][] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (Number.isFinite(x) && Number.isFinite(y)) pts.push([x, y]);
  }
  const n = pts.length;
  if (n < 3) return undefined;
  const x0 = (pts[0] as [number, number])[0];
  if (pts.every(([x]) => x === x0)) return undefined;

  const { m, b } = linearRegression(pts);
  if (!Number.isFinite(m) || !Number.isFinite(b)) return undefined;
  let meanY = 0;
  for (const [, y] of pts) meanY += y;
  meanY /= n;
  let ssTot = 0;
  let ssRes = 0;
  for (const [x, y] of pts) {
    ssTot += (y - meanY) ** 2;
    ssRes += (y - (m * x + b)) ** 2;
  }
  const r2 = ssTot === 0 ? 1 : Math.min(1, Math.max(0, 1 - ssRes / ssTot));
  return { slope: m, intercept: b, r2, n };
}

export interface PromptTtftPoint {
  /** 1-based turn within the session. */
  turn: number;
  promptTokens: number;
  ttftMs: number;
}

export interface PromptGrowth {
  /** Points in the fit. */
  n: number;
  /** Fitted TTFT increase per 1 000 prompt tokens (ms). */
  slopeMsPer1k: number;
  /** Fitted TTFT at 0 prompt tokens (ms): fixed overhead; extrapolated, read with care. */
  interceptMs: number;
  r2: number;
  firstWindow?: TurnWindow;
  lastWindow?: TurnWindow;
  /** mean prompt tokens (last window) − mean prompt tokens (first window). */
  deltaPromptTokens?: number;
  /** mean TTFT (last window) − mean TTFT (first window), ms. */
  deltaTtftMs?: number;
  /** What the fit predicts for that change: slope × deltaPromptTokens, ms. */
  predictedDeltaTtftMs?: number;
  /** predictedDeltaTtftMs / deltaTtftMs, unclamped. */
  rawExplainedShare?: number;
  /**
   * Share of the TTFT change attributed to prompt growth: rawExplainedShare clamped to
   * [0, 1]. Undefined when the TTFT change is ≈ 0 (|Δ| ≤ minRelativeDelta × first mean).
   */
  explainedShare?: number;
}

export interface PromptGrowthOptions {
  /**
   * A TTFT change smaller than this fraction of the first window's mean TTFT counts as
   * no change, and no explained fraction is given (default 0.01: 1 %).
   */
  minRelativeDelta?: number;
}

/**
 * Fits TTFT against prompt tokens over every (promptTokens, ttftMs) pair, then splits the
 * TTFT change between the first and last turn windows into what prompt growth predicts
 * (slope × Δ mean prompt tokens) and the rest:
 *
 *   explainedShare = clamp( slope × ΔpromptTokens / ΔTTFT, 0, 1 )
 *
 * 1 means the growth is what a longer prefill costs; 0 means prompt length explains none
 * of it (or TTFT moved opposite to what longer prompts predict, e.g. got faster). The fit
 * pools all sessions. `windows` defaults to defaultWindows(highest turn seen); the first and
 * last are compared (with fewer than 2 windows only the fit is returned). Undefined when no
 * line can be fitted (see linearFit).
 */
export function growthExplainedByPrompt(
  points: readonly PromptTtftPoint[],
  windows?: readonly TurnWindow[],
  opts: PromptGrowthOptions = {},
): PromptGrowth | undefined {
  const pts = points.filter(
    (p) => Number.isFinite(p.turn) && Number.isFinite(p.promptTokens) && Number.isFinite(p.ttftMs),
  );
  const fit = linearFit(
    pts.map((p) => p.promptTokens),
    pts.map((p) => p.ttftMs),
  );
  if (!fit) return undefined;
  const out: PromptGrowth = {
    n: fit.n,
    slopeMsPer1k: fit.slope * 1000,
    interceptMs: fit.intercept,
    r2: fit.r2,
  };

  const maxTurn = pts.reduce((a, p) => Math.max(a, p.turn), 0);
  const ws = windows ?? defaultWindows(maxTurn);
  if (ws.length < 2) return out;
  const first = ws[0] as TurnWindow;
  const last = ws[ws.length - 1] as TurnWindow;
  const pick = [first, last];
  const prompt = windowMeans(
    pts.map((p) => ({ turn: p.turn, value: p.promptTokens })),
    pick,
  );
  const ttft = windowMeans(
    pts.map((p) => ({ turn: p.turn, value: p.ttftMs })),
    pick,
  );
  const p0 = prompt[0]?.mean;
  const p1 = prompt[1]?.mean;
  const t0 = ttft[0]?.mean;
  const t1 = ttft[1]?.mean;
  out.firstWindow = [first[0], first[1]];
  out.lastWindow = [last[0], last[1]];
  if (p0 === undefined || p1 === undefined || t0 === undefined || t1 === undefined) return out;

  out.deltaPromptTokens = p1 - p0;
  out.deltaTtftMs = t1 - t0;
  out.predictedDeltaTtftMs = fit.slope * out.deltaPromptTokens;
  const minRel = opts.minRelativeDelta ?? 0.01;
  if (Math.abs(out.deltaTtftMs) <= minRel * Math.abs(t0) || out.deltaTtftMs === 0) return out;
  const raw = out.predictedDeltaTtftMs / out.deltaTtftMs;
  out.rawExplainedShare = raw;
  out.explainedShare = Math.min(1, Math.max(0, raw));
  return out;
}
