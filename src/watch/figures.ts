/**
 * The figures a watch cycle publishes, which alert rules name: the per-request figures of
 * `shakedown diff` (TTFT, E2E, TPOT…, from the same definitions) summarised over a cycle,
 * the cycle's error rate, its canaries, the server process, the target's reachability. Pure:
 * computed from the cycle's records and what the cycle measured besides them.
 *
 * A figure may be scoped to one scenario of the canary suite by prefixing its name
 * ("chat.ttft.p90", "reasoning.error_rate"); unscoped, it is over every request of the cycle.
 */
import { REQUEST_FIGURES, type RequestFigure } from "../compare/figures.js";
import { deriveRequestMetrics } from "../metrics/request.js";
import { summarize, type Summary } from "../metrics/summary.js";
import type { RequestRecord } from "../store/records.js";

/** The per-request figures (diff's), by base name. */
export const REQUEST_BASES = Object.keys(REQUEST_FIGURES) as RequestFigure[];

/** Statistics of a per-request figure a rule may name. */
export const SUMMARY_STATS = ["mean", "std", "min", "max", "p50", "p90", "p95", "p99"] as const;

export type FigureUnit = "ms" | "tok/s" | "fraction" | "count" | "hours" | "MB";

export interface FigureInfo {
  unit: FigureUnit;
  /** Pooled over the last `window` cycles when a rule asks (request figures and rates). */
  windowed: boolean;
  /** May be scoped to a scenario ("chat.error_rate"). */
  scoped: boolean;
  description: string;
}

/** Figures other than the per-request summaries. */
export const CYCLE_FIGURES: Readonly<Record<string, FigureInfo>> = {
  requests: { unit: "count", windowed: false, scoped: true, description: "requests sent in the cycle (warm-up excluded)" },
  errors: { unit: "count", windowed: false, scoped: true, description: "requests that failed" },
  error_rate: { unit: "fraction", windowed: true, scoped: true, description: "failed requests over requests" },
  success_rate: { unit: "fraction", windowed: true, scoped: true, description: "ok requests over requests" },
  unreachable: { unit: "count", windowed: false, scoped: false, description: "1 when the target did not answer GET /models (or no request could connect), else 0" },
  "canary.wrong": { unit: "count", windowed: false, scoped: false, description: "graded canaries (reasoning tasks, tool cases) whose answer failed its check" },
  "canary.changed": { unit: "count", windowed: false, scoped: false, description: "chat canaries whose answer differs from the reference answer (similarity under canaries.min_similarity)" },
  "canary.failed": { unit: "count", windowed: false, scoped: false, description: "canaries wrong or changed" },
  "canary.pass_rate": { unit: "fraction", windowed: false, scoped: false, description: "canaries that passed over canaries judged" },
  "canary.similarity_min": { unit: "fraction", windowed: false, scoped: false, description: "lowest similarity of a chat canary to its reference" },
  "server.restarted": { unit: "count", windowed: false, scoped: false, description: "1 when process_start_time_seconds changed since the previous scrape" },
  "server.uptime_hours": { unit: "hours", windowed: false, scoped: false, description: "hours since the serving process started (process_start_time_seconds)" },
  "server.rss_mb": { unit: "MB", windowed: false, scoped: false, description: "the serving process's resident memory (process_resident_memory_bytes)" },
  "cycle.duration": { unit: "ms", windowed: false, scoped: false, description: "how long the cycle took" },
};

/** What a per-request figure is: its unit (ms or tok/s). */
export function requestFigureUnit(base: RequestFigure): FigureUnit {
  return REQUEST_FIGURES[base] === "tok/s" ? "tok/s" : "ms";
}

/** Every figure name a rule may use unscoped (for "did you mean" and the docs). */
export function knownFigureNames(): string[] {
  const out: string[] = [];
  for (const b of REQUEST_BASES) for (const s of SUMMARY_STATS) out.push(`${b}.${s}`);
  out.push(...Object.keys(CYCLE_FIGURES));
  return out;
}

/** A figure name split into scope (a scenario name, or "" for the whole cycle) and the figure. */
export interface FigureRef {
  scope: string;
  /** "ttft.p90", "error_rate", "canary.changed". */
  figure: string;
  /** For a per-request summary: its base and statistic. */
  base?: RequestFigure;
  stat?: (typeof SUMMARY_STATS)[number];
  info: FigureInfo;
}

/**
 * Reads a figure name against the canary suite's scenario names; undefined when it names no
 * figure (unknown, or a figure that cannot be scoped given a scope).
 */
export function resolveFigure(name: string, scenarios: readonly string[]): FigureRef | undefined {
  const direct = plainFigure(name);
  if (direct) return { scope: "", ...direct };
  const dot = name.indexOf(".");
  if (dot <= 0) return undefined;
  const scope = name.slice(0, dot);
  if (!scenarios.includes(scope)) return undefined;
  const inner = plainFigure(name.slice(dot + 1));
  if (!inner || !inner.info.scoped) return undefined;
  return { scope, ...inner };
}

function plainFigure(name: string): Omit<FigureRef, "scope"> | undefined {
  const info = CYCLE_FIGURES[name];
  if (info) return { figure: name, info };
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return undefined;
  const base = name.slice(0, dot) as RequestFigure;
  const stat = name.slice(dot + 1) as (typeof SUMMARY_STATS)[number];
  if (!REQUEST_BASES.includes(base) || !SUMMARY_STATS.includes(stat)) return undefined;
  return { figure: name, base, stat, info: { unit: requestFigureUnit(base), windowed: true, scoped: true, description: `${stat} of ${base}` } };
}

// ───────────────────────────── per-cycle samples ─────────────────────────────

/** Values of one scope: per-request values by figure base, and request counts. */
export interface ScopeSample {
  values: Partial<Record<RequestFigure, number[]>>;
  requests: number;
  errors: number;
}

/** What one cycle measured per scope ("" = every request), kept for windows and the baseline. */
export type CycleSample = Record<string, ScopeSample>;

/** A record the figures count: not a warm-up, a judge's exchange, a non-streamed comparison, nor one the watch's stop cut. */
export function countedRecord(r: RequestRecord): boolean {
  if (r.scenario === "warmup" || r.role === "judge" || r.role === "non_streamed") return false;
  return r.result.error?.kind !== "aborted";
}

function meanOf(xs: readonly number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

function push(s: ScopeSample, base: RequestFigure, v: number | undefined): void {
  if (v === undefined || !Number.isFinite(v)) return;
  (s.values[base] ??= []).push(v);
}

/**
 * The per-request values of a cycle's records, per scope, as `shakedown diff` takes them
 * (src/compare/samples.ts): ok requests only, streamed ones only when any was streamed, ITL as
 * the mean gap of one request.
 */
export function sampleRecords(records: readonly RequestRecord[]): CycleSample {
  const counted = records.filter(countedRecord);
  const anyStreamed = counted.some((r) => r.result.stream);
  const out: CycleSample = {};
  const scope = (name: string): ScopeSample => (out[name] ??= { values: {}, requests: 0, errors: 0 });
  scope("");
  for (const r of counted) {
    for (const s of [scope(""), scope(r.scenario)]) {
      s.requests++;
      if (!r.result.ok) s.errors++;
    }
    if (!r.result.ok || (anyStreamed && !r.result.stream)) continue;
    const m = deriveRequestMetrics(r.result);
    for (const s of [scope(""), scope(r.scenario)]) {
      push(s, "ttft", m.ttftMs);
      push(s, "ttfa", m.ttfaMs);
      push(s, "e2e", m.e2eMs);
      push(s, "tpot", m.tpotMs);
      push(s, "itl", meanOf(m.itlMs));
      push(s, "output_tps", m.outputTps);
      push(s, "e2e_output_tps", m.e2eOutputTps);
    }
  }
  return out;
}

/** Several cycles' samples pooled (a window), per scope. */
export function poolSamples(samples: readonly CycleSample[]): CycleSample {
  const out: CycleSample = {};
  for (const c of samples) {
    for (const [name, s] of Object.entries(c)) {
      const t = (out[name] ??= { values: {}, requests: 0, errors: 0 });
      t.requests += s.requests;
      t.errors += s.errors;
      for (const [base, vs] of Object.entries(s.values) as [RequestFigure, number[]][]) (t.values[base] ??= []).push(...vs);
    }
  }
  return out;
}

/** A per-request summary statistic, or a rate, of a scope; undefined when not measured. */
export function sampleFigure(sample: CycleSample, ref: FigureRef): { value?: number; n: number } {
  const s = sample[ref.scope];
  if (!s) return { n: 0 };
  if (ref.base !== undefined && ref.stat !== undefined) {
    const sum: Summary | undefined = summarize(s.values[ref.base] ?? []);
    return sum ? { value: sum[ref.stat], n: sum.n } : { n: 0 };
  }
  switch (ref.figure) {
    case "requests":
      return { value: s.requests, n: s.requests };
    case "errors":
      return { value: s.errors, n: s.requests };
    case "error_rate":
      return s.requests > 0 ? { value: s.errors / s.requests, n: s.requests } : { n: 0 };
    case "success_rate":
      return s.requests > 0 ? { value: (s.requests - s.errors) / s.requests, n: s.requests } : { n: 0 };
    default:
      return { n: 0 };
  }
}
