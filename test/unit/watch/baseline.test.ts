/**
 * Issue 16: the baseline comparison uses `shakedown diff`'s statistics: a bound on the change
 * is breached only when the change is beyond it AND significant (Mann-Whitney + bootstrap).
 */
import { describe, expect, it } from "vitest";
import { addToBaseline, baselineFromJson, baselineReady, emptyBaseline, evaluateBaseline } from "../../../src/watch/baseline.js";
import type { CycleSample } from "../../../src/watch/figures.js";
import { parseCondition, type BaselineCondition } from "../../../src/watch/rules.js";

/** A cycle's sample with these TTFTs (ms) and E2Es 10× them. */
function cycle(ttfts: number[]): CycleSample {
  const s = { values: { ttft: ttfts, e2e: ttfts.map((x) => x * 10) }, requests: ttfts.length, errors: 0 };
  return { "": s, chat: { values: { ttft: [...ttfts], e2e: ttfts.map((x) => x * 10) }, requests: ttfts.length, errors: 0 } };
}

const jitter = (base: number, i: number) => base * (1 + 0.04 * Math.sin(i * 1.7));
const cond = (when: string) => parseCondition(when, ["chat"]) as BaselineCondition;
const opts = { alpha: 0.05, iterations: 500, seed: 7, name: "deg" };

function formed(cycles = 3): ReturnType<typeof emptyBaseline> {
  const b = emptyBaseline(cycles);
  for (let k = 0; k < cycles; k++) addToBaseline(b, cycle([0, 1, 2, 3, 4, 5].map((i) => jitter(100 + 20 * i, i + 6 * k))), "t");
  return b;
}

describe("evaluateBaseline", () => {
  it("cannot tell while the baseline forms", () => {
    const b = emptyBaseline(3);
    addToBaseline(b, cycle([100, 110]), "t");
    expect(baselineReady(b)).toBe(false);
    expect(evaluateBaseline(cond("baseline.ttft.p50 > +15%"), b, cycle([500, 600]), opts)).toMatchObject({ holds: undefined, detail: expect.stringMatching(/forming \(1\/3/) });
  });

  it("holds for a shift beyond the bound and significant; not for the same server", () => {
    const b = formed();
    const slow = poolOf([0, 1, 2].map((k) => cycle([0, 1, 2, 3, 4, 5].map((i) => jitter((100 + 20 * i) * 1.6, i + 31 * k)))));
    const r = evaluateBaseline(cond("baseline.ttft.p50 > +15%"), b, slow, opts);
    expect(r.holds).toBe(true);
    expect(r.value).toBeGreaterThan(0.4);
    expect(r.detail).toMatch(/ttft\.p50 \+\d+\.\d % vs the baseline \(slower, p (<|=) 0\.\d+, n 18 \/ 18\): beyond the bound and significant/);
    const same = poolOf([0, 1, 2].map((k) => cycle([0, 1, 2, 3, 4, 5].map((i) => jitter(100 + 20 * i, i + 97 * k)))));
    expect(evaluateBaseline(cond("baseline.ttft.p50 > +15%"), b, same, opts).holds).toBe(false);
  });

  it("a change beyond the bound but within noise does not hold (diff's --fail-on rule)", () => {
    const b = formed();
    // Three requests, 20 % slower, among a spread of 100-200 ms: beyond +15 % but not significant.
    const r = evaluateBaseline(cond("baseline.ttft.p50 > +15%"), b, cycle([165, 178, 190]), opts);
    expect(r.value).toBeGreaterThan(0.15);
    expect(r.holds).toBe(false);
    expect(r.detail).toMatch(/beyond the bound but no difference beyond noise/);
  });

  it("scopes to a scenario, bounds an absolute change, and reads too few values as not measured", () => {
    const b = formed();
    const slow = cycle([0, 1, 2, 3, 4, 5].map((i) => (100 + 20 * i) * 3));
    expect(evaluateBaseline(cond("baseline.chat.e2e.mean > 500ms"), b, slow, opts)).toMatchObject({ holds: true });
    expect(evaluateBaseline(cond("baseline.ttft.p50 > +15%"), b, cycle([900]), opts)).toMatchObject({ holds: undefined, detail: expect.stringMatching(/2 needed on each side/) });
  });

  it("survives state.json", () => {
    const b = formed();
    const back = baselineFromJson(JSON.parse(JSON.stringify(b)), 3);
    expect(back).toEqual(b);
    expect(baselineFromJson({ source: "nope" }, 3)).toBeUndefined();
  });
});

function poolOf(cs: CycleSample[]): CycleSample {
  const out: CycleSample = {};
  for (const c of cs) for (const [k, s] of Object.entries(c)) {
    const t = (out[k] ??= { values: {}, requests: 0, errors: 0 });
    t.requests += s.requests;
    for (const [f, vs] of Object.entries(s.values)) ((t.values as Record<string, number[]>)[f] ??= []).push(...(vs as number[]));
  }
  return out;
}
