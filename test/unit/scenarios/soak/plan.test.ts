import { describe, expect, it } from "vitest";
import { soakScenarioSchema } from "../../../../src/config/schema.js";
import { ConfigError } from "../../../../src/errors.js";
import { mixKindOf, shortPrompt, soakPlan } from "../../../../src/scenarios/soak/plan.js";

const cfg = (o: Record<string, unknown> = {}) => soakScenarioSchema.parse({ kind: "soak", ...o });

describe("soakPlan", () => {
  it("defaults to 30 min in 1 min windows, canaries once a window", () => {
    const p = soakPlan(cfg());
    expect(p.durationMs).toBe(1_800_000);
    expect(p.windowMs).toBe(60_000);
    expect(p.windows).toBe(30);
    expect(p.canaryEveryMs).toBe(60_000);
    expect(p.canaryPrompts).toHaveLength(3);
  });

  it("cuts a soak under 12 min into twelve windows", () => {
    const p = soakPlan(cfg({ duration: "60s" }));
    expect(p.windowMs).toBe(5_000);
    expect(p.windows).toBe(12);
  });

  it("refuses a window that leaves fewer than three", () => {
    expect(() => soakPlan(cfg({ duration: "2m", window: "1m" }))).toThrow(ConfigError);
    expect(() => soakPlan(cfg({ duration: "2m", window: "1m" }))).toThrow(/at least 3/);
    expect(() => soakPlan(cfg({ duration: "90s", window: "2m" }))).toThrow(/0 window/);
  });

  it("refuses a paced soak of more requests than it can keep", () => {
    expect(() => soakPlan(cfg({ duration: "2h", rate: 500 }))).toThrow(/3600000 requests; a paced soak plans at most 1000000/);
    expect(soakPlan(cfg({ duration: "2h", rate: 100 })).windows).toBe(120);
  });

  it("refuses canaries that could not be compared", () => {
    expect(() => soakPlan(cfg({ duration: "10m", canary: { every: "6m" } }))).toThrow(/canary/);
    expect(soakPlan(cfg({ duration: "10m", canary: { enabled: false, every: "6m" } })).canaryEveryMs).toBeUndefined();
  });

  it("the schema refuses durations that do not parse, and a mix of zeros", () => {
    expect(soakScenarioSchema.safeParse({ kind: "soak", duration: "soon" }).success).toBe(false);
    expect(soakScenarioSchema.safeParse({ kind: "soak", window: "5 parsecs" }).success).toBe(false);
    expect(soakScenarioSchema.safeParse({ kind: "soak", mix: { conversation: 0, short: 0, reasoning: 0 } }).success).toBe(false);
    expect(soakScenarioSchema.safeParse({ kind: "soak", mix: { short: -1 } }).success).toBe(false);
  });

  it("draws the mix by index, in proportion to the weights", () => {
    const p = soakPlan(cfg({ mix: { conversation: 2, short: 1, reasoning: 1 } }));
    const counts = { conversation: 0, short: 0, reasoning: 0 };
    for (let i = 0; i < 8000; i++) counts[mixKindOf(p, 7, i)]++;
    expect(counts.conversation / 8000).toBeCloseTo(0.5, 1);
    expect(counts.short / 8000).toBeCloseTo(0.25, 1);
    expect(mixKindOf(p, 7, 123)).toBe(mixKindOf(p, 7, 123));
    const only = soakPlan(cfg({ mix: { conversation: 0, short: 1, reasoning: 0 } }));
    for (let i = 0; i < 100; i++) expect(mixKindOf(only, 1, i)).toBe("short");
  });

  it("short prompts are distinct and about the length asked", () => {
    expect(shortPrompt(0, 64)).not.toBe(shortPrompt(12, 64));
    expect(shortPrompt(3, 200).length).toBeGreaterThan(600);
    expect(shortPrompt(3, 200).length).toBeLessThanOrEqual(800);
  });
});
