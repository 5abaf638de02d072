/**
 * What every chart builder shares: the Chart shape, chart ids, the records of a scenario
 * with their per-request figures (derived once per record), number words for captions, and
 * the sizes that fit a 1 000 px page and print on A4 (the SVGs carry a viewBox: a page may
 * scale them down with `max-width: 100%; height: auto`).
 */
import { deriveRequestMetrics, type RequestMetrics } from "../../metrics/request.js";
import type { ScenarioResult } from "../../scenarios/types.js";
import type { RequestRecord } from "../../store/records.js";
import type { RunResults } from "../../store/run-folder.js";
import type { Chart, ChartInput } from "./index.js";
import { renderSpec, type VlSpec } from "./render.js";

export type { Chart, ChartInput } from "./index.js";

/** Points a layer draws at most (scatters and lines alike); more are reduced for drawing (downsample.ts). */
export const MAX_POINTS = 4000;

/** Sizes: a single view fits in FULL_WIDTH × its height, axes and legend included. */
export const FULL_WIDTH = 920;
export const HEIGHT = 260;
/** The plot width of one of two panels side by side. */
export const HALF_PANEL = 360;
export const PANEL_HEIGHT = 220;

/** A chart id part from any text: lower case, [a-z0-9-], at most 40 characters. */
export function slug(s: string): string {
  const out = s
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return out || "x";
}

/** FNV-1a of a string, as 8 hex digits (stable chart ids for names that slug alike). */
export function hash8(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The id prefix of a scenario's charts: its place in the run and its name ("s2-cache"). */
export function scenarioPrefix(scenario: ScenarioResult, results: RunResults): string {
  const i = results.scenarios.indexOf(scenario);
  const j = i >= 0 ? i : results.scenarios.findIndex((s) => s.name === scenario.name && s.kind === scenario.kind);
  return j >= 0 ? `s${j + 1}-${slug(scenario.name)}` : `s${hash8(scenario.name)}-${slug(scenario.name)}`;
}

const derived = new WeakMap<RequestRecord, RequestMetrics>();

/** deriveRequestMetrics of a record, computed once. */
export function metricsOf(rec: RequestRecord): RequestMetrics {
  let m = derived.get(rec);
  if (!m) derived.set(rec, (m = deriveRequestMetrics(rec.result)));
  return m;
}

/** The records of one scenario. */
export function recordsOf(input: ChartInput, scenario: ScenarioResult): RequestRecord[] {
  return input.records.filter((r) => r.scenario === scenario.name);
}

export function isNum(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** A number for a caption: 3 significant digits at most, thousands separated. */
export function num(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a === 0) return "0";
  return Number(v.toPrecision(digits)).toString();
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

export function pct(fraction: number): string {
  const v = fraction * 100;
  return `${v >= 0 ? "+" : "−"}${num(Math.abs(v))} %`;
}

/**
 * The warnings vega-lite and vega gave while rendering charts ("<chart id>: <warning>"), the
 * latest 100, for tests: a spec mistake (a conflicting legend, an ignored property) shows here
 * rather than on the console. None are expected.
 */
export const chartWarnings: string[] = [];

/** Renders a spec into a Chart (the id doubles as the prefix of the SVG's internal ids). */
export async function chart(id: string, kind: string, title: string, caption: string, n: number, spec: VlSpec): Promise<Chart> {
  const r = await renderSpec(spec, id);
  for (const w of r.warnings) chartWarnings.push(`${id}: ${w}`);
  if (chartWarnings.length > 100) chartWarnings.splice(0, chartWarnings.length - 100);
  return { id, title, caption, svg: r.svg, n, kind };
}

/** Mean of finite values; undefined when none. */
export function meanOf(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function minOf(xs: readonly number[]): number {
  let m = Infinity;
  for (const x of xs) if (x < m) m = x;
  return m;
}

export function maxOf(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** Colours that mean something, the same in every chart. */
export const COLORS = {
  ttft: "#4c78a8",
  e2e: "#f58518",
  fail: "#d62728",
  pass: "#54a24b",
  inconclusive: "#eeca3b",
  neutral: "#888888",
  rule: "#d62728",
  trend: "#222222",
} as const;

export const STATUS_COLOR: Record<string, string> = {
  pass: COLORS.pass,
  fail: COLORS.fail,
  inconclusive: "#e8a317",
  not_measured: COLORS.neutral,
  incomplete: COLORS.neutral,
};
