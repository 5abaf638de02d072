/** Number formatting shared by the text renderers; Markdown building (escaping included) is in md.ts. */
import type { MetricValue } from "../scenarios/types.js";

export function fmtMs(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  return Math.abs(v) >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
}

/**
 * A per-request TTFT cell: "—" alone when it is missing for a reason the row shows (an error),
 * "— (not streamed)" when it cannot exist (a non-streamed response has no first token).
 */
export function fmtTtft(v: number | undefined, streamed: boolean | undefined): string {
  if (streamed === false && (v === undefined || !Number.isFinite(v))) return "— (not streamed)";
  return fmtMs(v);
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** A signed percentage: +12.3 % means larger (slower, for latencies). */
export function fmtSignedPct(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return "—";
  const p = ratio * 100;
  return `${p >= 0 ? "+" : "−"}${Math.abs(p).toFixed(1)} %`;
}

export function fmtPct(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return "—";
  return `${(fraction * 100).toFixed(1)} %`;
}

export function fmtNum(v: number | undefined, digits = 1): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  return v.toFixed(digits);
}

export function fmtMetric(v: number | undefined, unit: MetricValue["unit"]): string {
  switch (unit) {
    case "ms":
      return fmtMs(v);
    case "tok/s":
      return v === undefined ? "—" : `${fmtNum(v)} tok/s`;
    case "tokens":
      return v === undefined ? "—" : `${fmtNum(v, 0)} tokens`;
    case "ratio":
      return fmtSignedPct(v);
    case "fraction":
      return fmtPct(v);
    case "ms/1k tokens":
      return v === undefined ? "—" : `${fmtNum(v)} ms per 1k tokens`;
    case "sessions":
      return v === undefined ? "—" : `${fmtNum(v, 0)} sessions`;
    case "count":
      return v === undefined ? "—" : Number.isInteger(v) ? String(v) : fmtNum(v, 1);
    case "req/s":
      return v === undefined ? "—" : `${fmtNum(v)} req/s`;
    case "x":
      return v === undefined ? "—" : `×${fmtNum(v, 2)}`;
  }
}

/** Tables are built by the Markdown library (md.ts), which escapes every cell for its place. */
export { table } from "./md.js";

export const STATUS_ICON = {
  pass: "✅ pass",
  fail: "❌ fail",
  inconclusive: "❔ inconclusive",
  not_measured: "➖ not measured",
  incomplete: "⚠️ incomplete",
} as const;
