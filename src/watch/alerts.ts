/**
 * Alert states with hysteresis, so an alert does not flap: it fires after its condition held
 * `for` consecutive cycles, and resolves after it failed to hold `resolve_after` consecutive
 * cycles. A cycle that could not measure the condition's figure (no request succeeded, no
 * baseline yet, no /metrics) neither fires nor resolves: the counts stay as they were. Pure:
 * states in, states and transitions out.
 */
import type { AlertRule, Severity } from "./rules.js";

/** ok: not firing, condition not holding; pending: holding, not yet for `for` cycles; firing. */
export type AlertStatus = "ok" | "pending" | "firing";

export interface AlertState {
  status: AlertStatus;
  /** Consecutive cycles the condition held (reset when it does not hold). */
  held: number;
  /** Consecutive cycles it did not hold (reset when it holds). */
  cleared: number;
  /** When it fired (ISO), and at which cycle: set while firing. */
  since?: string;
  sinceCycle?: number;
  /** The last value the condition was read against, and what it said about it. */
  value?: number;
  detail?: string;
  /** The condition as written when this state was kept (a changed condition starts afresh). */
  when: string;
}

/** What a cycle found for one alert: the condition held (true), did not (false), or could not be read (undefined). */
export interface Evaluation {
  holds: boolean | undefined;
  /** The figure's value (for a baseline condition, the change the bound reads: relative or absolute). */
  value?: number;
  /** A sentence: "ttft.p90 = 6.20 s > 5 s", "not measured: no request succeeded". */
  detail: string;
}

export interface AlertTransition {
  alert: string;
  state: "firing" | "resolved";
  severity: Severity;
  when: string;
  value?: number;
  detail: string;
  cycle: number;
  /** ISO time of the cycle's end. */
  at: string;
  /** When it fired (for a resolution: how long it had been firing). */
  since?: string;
  /** Consecutive cycles behind the change (held for firing, cleared for resolved). */
  cycles: number;
}

export function initialState(rule: AlertRule): AlertState {
  return { status: "ok", held: 0, cleared: 0, when: rule.when };
}

/** The next state of one alert after a cycle, and its transition if it fired or resolved. */
export function step(rule: AlertRule, prev: AlertState | undefined, ev: Evaluation, cycle: number, at: string): { state: AlertState; transition?: AlertTransition } {
  const s: AlertState = prev !== undefined && prev.when === rule.when ? { ...prev } : initialState(rule);
  if (ev.value !== undefined) s.value = ev.value;
  else delete s.value;
  s.detail = ev.detail;
  if (ev.holds === undefined) return { state: s };
  const base = { alert: rule.name, severity: rule.severity, when: rule.when, detail: ev.detail, cycle, at, ...(ev.value !== undefined ? { value: ev.value } : {}) };
  if (ev.holds) {
    s.held++;
    s.cleared = 0;
    if (s.status !== "firing") {
      if (s.held >= rule.for) {
        s.status = "firing";
        s.since = at;
        s.sinceCycle = cycle;
        return { state: s, transition: { ...base, state: "firing", since: at, cycles: s.held } };
      }
      s.status = "pending";
    }
    return { state: s };
  }
  s.cleared++;
  s.held = 0;
  if (s.status === "firing") {
    if (s.cleared >= rule.resolveAfter) {
      const since = s.since;
      s.status = "ok";
      delete s.since;
      delete s.sinceCycle;
      return { state: s, transition: { ...base, state: "resolved", ...(since !== undefined ? { since } : {}), cycles: s.cleared } };
    }
    return { state: s };
  }
  s.status = "ok";
  return { state: s };
}

/** Names of the alerts firing, in rule order. */
export function firingAlerts(rules: readonly AlertRule[], states: Readonly<Record<string, AlertState>>): string[] {
  return rules.filter((r) => states[r.name]?.status === "firing").map((r) => r.name);
}
