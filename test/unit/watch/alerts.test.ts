/** Issue 16: alert states with hysteresis (fire after `for` cycles, resolve after `resolve_after`). */
import { describe, expect, it } from "vitest";
import { firingAlerts, step, type AlertState, type Evaluation } from "../../../src/watch/alerts.js";
import { defaultRules, type AlertRule } from "../../../src/watch/rules.js";

const rule: AlertRule = { ...defaultRules([]).alerts[0]!, for: 2, resolveAfter: 3 };

/** Runs a sequence of cycle findings through the state machine; returns the states and transitions. */
function run(seq: (boolean | undefined)[], r: AlertRule = rule): { states: AlertState["status"][]; transitions: string[] } {
  let s: AlertState | undefined;
  const states: AlertState["status"][] = [];
  const transitions: string[] = [];
  seq.forEach((holds, i) => {
    const ev: Evaluation = { holds, ...(holds === undefined ? {} : { value: holds ? 6000 : 100 }), detail: "x" };
    const out = step(r, s, ev, i + 1, `t${i + 1}`);
    s = out.state;
    states.push(s.status);
    if (out.transition) transitions.push(`${out.transition.state}@${out.transition.cycle}/${out.transition.cycles}`);
  });
  return { states, transitions };
}

describe("alert hysteresis", () => {
  it("fires after `for` consecutive cycles and resolves after `resolve_after` clear ones", () => {
    const r = run([false, true, true, true, false, false, true, false, false, false]);
    expect(r.states).toEqual(["ok", "pending", "firing", "firing", "firing", "firing", "firing", "firing", "firing", "ok"]);
    expect(r.transitions).toEqual(["firing@3/2", "resolved@10/3"]);
  });

  it("does not flap: a condition that alternates never fires", () => {
    const r = run([true, false, true, false, true, false]);
    expect(r.transitions).toEqual([]);
    expect(r.states).toEqual(["pending", "ok", "pending", "ok", "pending", "ok"]);
  });

  it("a cycle that cannot measure the figure neither fires nor resolves", () => {
    const r = run([true, undefined, true, false, undefined, false, false]);
    expect(r.transitions).toEqual(["firing@3/2", "resolved@7/3"]);
  });

  it("for: 1 fires at once; a changed condition starts afresh", () => {
    expect(run([true], { ...rule, for: 1 }).transitions).toEqual(["firing@1/1"]);
    const first = step(rule, undefined, { holds: true, detail: "" }, 1, "a").state;
    const changed = step({ ...rule, when: "ttft.p90 > 1s" }, { ...first, held: 5, status: "firing" }, { holds: false, detail: "" }, 2, "b");
    expect(changed.state).toMatchObject({ status: "ok", held: 0, cleared: 1, when: "ttft.p90 > 1s" });
    expect(changed.transition).toBeUndefined();
  });

  it("lists the alerts firing in rule order", () => {
    const rules = defaultRules([]).alerts;
    const states: Record<string, AlertState> = {
      restarted: { status: "firing", held: 1, cleared: 0, when: "" },
      ttft_p90: { status: "firing", held: 2, cleared: 0, when: "" },
      error_rate: { status: "pending", held: 1, cleared: 0, when: "" },
    };
    expect(firingAlerts(rules, states)).toEqual(["ttft_p90", "restarted"]);
  });
});
