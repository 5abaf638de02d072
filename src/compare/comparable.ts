/**
 * Can two runs be compared? The same suite, and for every scenario both ran the same kind and
 * the same workload (every option that shapes the requests sent); options that only change
 * how the records are judged (thresholds, windows, SLOs…) may differ. A different server,
 * model or simulator profile is what a comparison is for: it is said, never refused.
 */
import type { ScenarioConfig } from "../config/schema.js";
import type { LoadedRun } from "../store/run-folder.js";

/** Scenario options that change the analysis only, never the requests sent (dotted paths). */
export const ANALYSIS_ONLY_OPTIONS = new Set([
  "thresholds",
  "degradation_floor_ms",
  "windows",
  "slo",
  "max_client_lag_ms",
  "calibrate",
  "alpha",
  "drift_floor",
  "canary.min_similarity",
]);

/** Options that change the client's side (not the requests' content): said, not refused. */
const CLIENT_SIDE_OPTIONS = new Set(["workers", "judge"]);

export interface Comparability {
  /** Reasons the runs are not comparable (empty: comparable). */
  problems: string[];
  /** What differs without preventing the comparison (model, server, profile, scenarios only in one run…). */
  notes: string[];
  /** Scenarios both runs have, with the same kind, in A's order. */
  common: { name: string; kind: string; a: ScenarioConfig; b: ScenarioConfig }[];
}

/** A value as a short text, for "turns 15 → 5". */
function show(v: unknown): string {
  if (v === undefined) return "(unset)";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Leaf paths where two JSON values differ ("a.b", "list"), arrays compared whole. */
export function jsonDifferences(a: unknown, b: unknown, path = ""): { path: string; a: unknown; b: unknown }[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => jsonDifferences(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, a, b }];
}

function ignored(path: string, set: Set<string>): boolean {
  const parts = path.split(".");
  for (let i = 1; i <= parts.length; i++) if (set.has(parts.slice(0, i).join("."))) return true;
  return false;
}

function targetDescription(run: LoadedRun): string {
  const t = run.manifest.target;
  return t.simulated ? `the simulator (profile ${t.simProfile ?? "default"})` : t.url;
}

/** Simulator knobs that say nothing about the server simulated. */
const SIM_PLUMBING = new Set(["api_key"]);

/** The targets' difference in one sentence, or undefined when they are the same. */
function targetDifference(a: LoadedRun, b: LoadedRun): string | undefined {
  const ta = a.manifest.target;
  const tb = b.manifest.target;
  if (ta.simulated && tb.simulated) {
    // The knobs as the suites wrote them (profile, time_scale, prefix_caching…), not every parameter a profile implies.
    const knobs = (run: LoadedRun): Record<string, unknown> => ({ profile: run.manifest.target.simProfile ?? "default", ...(run.manifest.suite.target.sim ?? {}) });
    const diffs = jsonDifferences(knobs(a), knobs(b)).filter((d) => !SIM_PLUMBING.has(d.path.split(".")[0] ?? ""));
    if (diffs.length === 0) return undefined;
    const val = (v: unknown) => (v === undefined ? "(default)" : show(v));
    return `different simulators: ${diffs.map((d) => `${d.path} ${val(d.a)} → ${val(d.b)}`).join(", ")}`;
  }
  if (ta.simulated === tb.simulated && ta.url === tb.url) return undefined;
  return `different targets: ${targetDescription(a)} in A, ${targetDescription(b)} in B`;
}

/** Checks that B can be compared with A; see the module's comment for the rules. */
export function checkComparable(a: LoadedRun, b: LoadedRun): Comparability {
  const problems: string[] = [];
  const notes: string[] = [];
  const sa = a.manifest.suite;
  const sb = b.manifest.suite;
  if (sa.name !== sb.name) problems.push(`different suites: A ran "${sa.name}", B ran "${sb.name}"`);

  const byName = new Map(sb.scenarios.map((s) => [s.name, s]));
  const common: Comparability["common"] = [];
  for (const ca of sa.scenarios) {
    const cb = byName.get(ca.name);
    if (!cb) continue;
    if (ca.kind !== cb.kind) {
      problems.push(`scenario "${ca.name}" is a ${ca.kind} scenario in A but a ${cb.kind} scenario in B`);
      continue;
    }
    const diffs = jsonDifferences(ca, cb).filter((d) => !ignored(d.path, ANALYSIS_ONLY_OPTIONS));
    const clientSide = diffs.filter((d) => ignored(d.path, CLIENT_SIDE_OPTIONS));
    const workload = diffs.filter((d) => !ignored(d.path, CLIENT_SIDE_OPTIONS));
    if (workload.length > 0) {
      problems.push(`scenario "${ca.name}" ran a different workload: ${workload.map((d) => `${d.path} ${show(d.a)} in A, ${show(d.b)} in B`).join("; ")}`);
    } else {
      common.push({ name: ca.name, kind: ca.kind, a: ca, b: cb });
    }
    if (clientSide.length > 0) notes.push(`scenario "${ca.name}": ${clientSide.map((d) => `${d.path} ${show(d.a)} in A, ${show(d.b)} in B`).join("; ")} (the client's side, not the requests)`);
  }
  const onlyA = sa.scenarios.filter((s) => !byName.has(s.name)).map((s) => s.name);
  const namesA = new Set(sa.scenarios.map((s) => s.name));
  const onlyB = sb.scenarios.filter((s) => !namesA.has(s.name)).map((s) => s.name);
  if (onlyA.length) notes.push(`only in A, not compared: ${onlyA.map((n) => `"${n}"`).join(", ")}`);
  if (onlyB.length) notes.push(`only in B, not compared: ${onlyB.map((n) => `"${n}"`).join(", ")}`);
  if (common.length === 0 && !problems.some((p) => p.startsWith("scenario"))) problems.push("no scenario in common");

  // The requests' shape on the target side.
  const ta = sa.target;
  const tb = sb.target;
  if (ta.stream !== tb.stream) problems.push(`requests were ${ta.stream ? "" : "not "}streamed in A but ${tb.stream ? "" : "not "}in B (TTFT exists only when streamed)`);
  if (JSON.stringify(ta.extra_body ?? {}) !== JSON.stringify(tb.extra_body ?? {})) notes.push(`target.extra_body differs: ${show(ta.extra_body)} in A, ${show(tb.extra_body)} in B`);
  if (ta.warmup_requests !== tb.warmup_requests) notes.push(`warm-up requests: ${ta.warmup_requests} in A, ${tb.warmup_requests} in B`);

  // What is compared: said, never refused.
  const ma = a.manifest.target;
  const mb = b.manifest.target;
  if (ma.model !== mb.model) notes.push(`different models: "${ma.model}" in A, "${mb.model}" in B`);
  const target = targetDifference(a, b);
  if (target) notes.push(target);
  if (a.manifest.tool.version !== b.manifest.tool.version) notes.push(`written by shakedown ${a.manifest.tool.version} (A) and ${b.manifest.tool.version} (B)`);
  for (const [label, run] of [["A", a], ["B", b]] as const) {
    if (!run.previous) notes.push(`${label} has no readable results.json: re-analysed from its records`);
    else if (!run.previous.complete) notes.push(`${label} did not finish (${run.previous.interruption ?? "stopped"}): compared on what it measured`);
    if (run.skippedLines.length) notes.push(`${label}: ${run.skippedLines.length} unreadable line(s) of records.jsonl left out`);
  }
  return { problems, notes, common };
}
