/** Small pure helpers for bench/load.ts: percentiles, record spans, number formatting, tables. */
import { percentile } from "../../src/metrics/summary.js";
import { deriveRequestMetrics } from "../../src/metrics/request.js";
import type { RequestRecord } from "../../src/store/records.js";
import { requestSpan } from "../../src/scenarios/common.js";

/** The p-th percentile of unsorted values (NaN when empty). */
export function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return percentile(s, p) ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return pct(values, 50);
}

/** First send → last byte of the records, ms (performance.now() clock). */
export function recordSpanMs(records: readonly RequestRecord[]): number {
  const span = requestSpan(records);
  return span && span.end > span.start ? span.end - span.start : Number.NaN;
}

export function outputTokens(records: readonly RequestRecord[]): number {
  let n = 0;
  for (const r of records) n += r.result.usage?.completionTokens ?? 0;
  return n;
}

export function failures(records: readonly RequestRecord[]): number {
  let n = 0;
  for (const r of records) if (!r.result.ok) n++;
  return n;
}

export function ttfts(records: readonly RequestRecord[]): number[] {
  const out: number[] = [];
  for (const r of records) {
    const t = deriveRequestMetrics(r.result).ttftMs;
    if (t !== undefined) out.push(t);
  }
  return out;
}

/** Records sent at or after `fromMs` after the first send (drops a ramp-up). */
export function sentAfter(records: readonly RequestRecord[], fromMs: number): RequestRecord[] {
  let first = Number.POSITIVE_INFINITY;
  for (const r of records) first = Math.min(first, r.result.sentPerfMs);
  return records.filter((r) => r.result.sentPerfMs - first >= fromMs);
}

// ------------------------------------------------------------------ formatting

/** 12345 → "12 345"-like "12.3 k"; keeps 3 significant digits. */
export function si(x: number, unit = ""): string {
  if (!Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  const u = unit ? ` ${unit}` : "";
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)} M${unit}`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)} k${unit}`;
  if (a >= 1000) return `${Math.round(x)}${u}`;
  return `${x.toPrecision(3)}${u}`;
}

export function ms(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)} ms` : "n/a";
}

export function percent(x: number, digits = 1): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : "n/a";
}

export function ratio(x: number): string {
  return Number.isFinite(x) ? `×${x.toFixed(2)}` : "n/a";
}

export function verdict(pass: boolean | undefined): string {
  return pass === undefined ? "—" : pass ? "PASS" : "MISS";
}

/** A Markdown table (it reads as well in a terminal as in bench/RESULTS.md). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(headers), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
