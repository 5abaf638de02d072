import { describe, expect, it } from "vitest";
import { loadScenarioSchema } from "../../../../src/config/schema.js";
import { loadExtraBody } from "../../../../src/scenarios/load/driver.js";
import { sleepUntil } from "../../../../src/workload/dispatch.js";
import { CHARS_PER_TOKEN, promptFactory } from "../../../../src/scenarios/load/prompts.js";

describe("load prompts", () => {
  it("are about input_tokens × 4 characters, start with a unique nonce and are deterministic by seed", () => {
    const p = promptFactory(256, 7);
    const a = p(0);
    const b = p(1);
    expect(Math.abs(a.length - 256 * CHARS_PER_TOKEN)).toBeLessThan(16);
    expect(a.slice(0, 4)).not.toBe(b.slice(0, 4));
    expect(a).toMatch(/^\[r0 [0-9a-f]{8}\] /);
    expect(promptFactory(256, 7)(0)).toBe(a);
    expect(promptFactory(256, 8)(0)).not.toBe(a);
    // Short prompts still carry their nonce and a few words.
    expect(promptFactory(1, 0)(3)).toMatch(/^\[r3 [0-9a-f]{8}\] \S+/);
  });
});

describe("load request body", () => {
  it("asks for exactly output_tokens with min_tokens and ignore_eos; target.extra_body wins", () => {
    const cfg = loadScenarioSchema.parse({ kind: "load", output_tokens: 64 });
    expect(loadExtraBody(cfg, undefined)).toEqual({ min_tokens: 64, ignore_eos: true });
    expect(loadExtraBody(cfg, { ignore_eos: false, top_k: 1 })).toEqual({ min_tokens: 64, ignore_eos: false, top_k: 1 });
  });
});

describe("sleepUntil", () => {
  it("never resolves before its absolute deadline", async () => {
    const deadline = performance.now() + 15;
    await sleepUntil(deadline, new AbortController().signal);
    expect(performance.now()).toBeGreaterThanOrEqual(deadline);
  });

  it("resolves at once when the signal aborts", async () => {
    const ac = new AbortController();
    const p = sleepUntil(performance.now() + 60_000, ac.signal);
    ac.abort();
    await p; // would time the test out otherwise
  });
});
