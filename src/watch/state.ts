/**
 * state.json: what a watch carries from one cycle to the next, and across restarts of the
 * watch (a cron job running --once every few minutes goes on where the last one stopped): the
 * cycle count, the alert states and their hysteresis counts, the baseline, the chat canaries'
 * reference answers, the server's last start time, the recent cycles' samples (windows), the
 * remediation's runs of the last day. Everything in it is bounded by the suite and the rules.
 */
import type { Suite } from "../config/schema.js";
import type { AlertState } from "./alerts.js";
import { baselineFromJson, type Baseline } from "./baseline.js";
import type { CycleSample } from "./figures.js";
import type { RemediationState } from "./remediation.js";

export const STATE_VERSION = 1;

export interface WatchState {
  v: typeof STATE_VERSION;
  /** The canary suite's name and a key of its workload: another workload starts the baseline and references afresh. */
  suite: string;
  suiteKey: string;
  target: string;
  updatedAt: string;
  /** The last cycle's number. */
  cycle: number;
  model?: string;
  baseline?: Baseline;
  references: Record<string, string>;
  server?: { startTimeS: number; epochMs: number };
  alerts: Record<string, AlertState>;
  recent: CycleSample[];
  remediation?: RemediationState;
}

/** What decides the requests a cycle sends: the scenarios without their thresholds, and the target's request options. */
export function suiteKey(suite: Suite): string {
  const scenarios = suite.scenarios.map((s) => {
    const { thresholds: _t, ...rest } = s as typeof s & { thresholds?: unknown };
    return rest;
  });
  const t = suite.target;
  return JSON.stringify({ scenarios, stream: t.stream, extra_body: t.extra_body ?? null, warmup: t.warmup_requests });
}

export function freshState(suite: Suite, target: string): WatchState {
  return { v: STATE_VERSION, suite: suite.name, suiteKey: suiteKey(suite), target, updatedAt: new Date().toISOString(), cycle: 0, references: {}, alerts: {}, recent: [] };
}

/**
 * The saved state if it can be used with this suite: a state of another workload keeps its cycle
 * count and alert states but not its baseline, references nor windows (said in `notes`).
 */
export function restoreState(raw: unknown, suite: Suite, target: string, baselineCycles: number, notes: string[]): WatchState {
  const fresh = freshState(suite, target);
  if (typeof raw !== "object" || raw === null || (raw as { v?: unknown }).v !== STATE_VERSION) {
    if (raw !== undefined) notes.push("state.json is of another version: starting afresh");
    return fresh;
  }
  const s = raw as Partial<WatchState>;
  const out: WatchState = { ...fresh, cycle: typeof s.cycle === "number" && Number.isInteger(s.cycle) && s.cycle >= 0 ? s.cycle : 0 };
  if (typeof s.alerts === "object" && s.alerts !== null) out.alerts = s.alerts;
  if (typeof s.remediation === "object" && s.remediation !== null && Array.isArray(s.remediation.starts)) out.remediation = s.remediation;
  if (s.suiteKey !== fresh.suiteKey) {
    notes.push(`the canary suite's requests changed since state.json was written (${s.suite ?? "?"} then, ${suite.name} now): the baseline and the reference answers start afresh`);
    return out;
  }
  if (typeof s.model === "string") out.model = s.model;
  const b = baselineFromJson(s.baseline, baselineCycles);
  if (b) out.baseline = b;
  if (typeof s.references === "object" && s.references !== null) {
    for (const [k, v] of Object.entries(s.references)) if (typeof v === "string") out.references[k] = v;
  }
  if (typeof s.server === "object" && s.server !== null && typeof s.server.startTimeS === "number" && typeof s.server.epochMs === "number") out.server = s.server;
  if (Array.isArray(s.recent)) out.recent = s.recent.filter((c): c is CycleSample => typeof c === "object" && c !== null);
  return out;
}
