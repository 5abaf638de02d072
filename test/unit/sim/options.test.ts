import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { resolveSimOptions, SIM_PROFILES } from "../../../src/sim/options.js";

describe("simulator options", () => {
  it("takes the profile's parameters and applies overrides", () => {
    const o = resolveSimOptions({ profile: "seed", maxNumSeqs: 8, replyTokens: { mean: 100, min: 60, max: 300 } });
    expect(o.profile).toBe("seed");
    expect(o.decodeStepMs).toBe(SIM_PROFILES.seed.parameters.decodeStepMs);
    expect(o.maxNumSeqs).toBe(8);
    expect(o.replyTokens.mean).toBe(100);
    expect(o.model).toBe("shakedown-sim");
    expect(o.prefixCaching).toBe(false); // the seed's chunked_only_safe configuration
    expect(o.chunkedPrefill).toBe(true);
    expect(resolveSimOptions({}).profile).toBe("default");
    expect(resolveSimOptions({ timeScale: undefined }).timeScale).toBe(1);
  });

  it("rejects bad values with a ConfigError that names the option", () => {
    expect(() => resolveSimOptions({ failRate: 1.5 })).toThrow(ConfigError);
    expect(() => resolveSimOptions({ failRate: 1.5 })).toThrow(/failRate/);
    expect(() => resolveSimOptions({ timeScale: 0 })).toThrow(/timeScale/);
    expect(() => resolveSimOptions({ maxNumSeqs: 2.5 })).toThrow(/maxNumSeqs/);
    expect(() => resolveSimOptions({ kvBlocks: 10 })).toThrow(/KV budget/);
    expect(() => resolveSimOptions({ profile: "nope" as "fast" })).toThrow(/unknown profile/);
  });

  it("seed profile: ~45 tok/s per stream, ~1 s TTFT for 4k tokens, ~3.5 s for a 150-token reply", () => {
    const p = SIM_PROFILES.seed.parameters;
    const step = p.decodeStepMs + p.decodeStepMsPerSeq; // one stream
    expect(1000 / step).toBeGreaterThan(43);
    expect(1000 / step).toBeLessThan(48);
    // 4096-token prompt, chunks of maxNumBatchedTokens
    const chunks = Math.ceil(4096 / p.maxNumBatchedTokens);
    const ttft4k = p.overheadMs + chunks * p.decodeStepMs + 4096 * p.prefillMsPerToken;
    expect(ttft4k).toBeGreaterThan(900);
    expect(ttft4k).toBeLessThan(1300);
    const e2e150 = p.overheadMs + p.decodeStepMs + 200 * p.prefillMsPerToken + 149 * step;
    expect(e2e150).toBeGreaterThan(3000);
    expect(e2e150).toBeLessThan(4000);
    expect(p.maxModelLen).toBe(32768);
    expect(p.maxNumSeqs).toBe(64);
  });

  it("default profile: 45 sequential turns of a 15-turn conversation take ~10-20 s", () => {
    const p = SIM_PROFILES.default.parameters;
    let total = 0;
    for (let turn = 1; turn <= 15; turn++) {
      const prompt = 40 + turn * (p.replyTokens.mean + 40);
      total += p.overheadMs + p.decodeStepMs + prompt * p.prefillMsPerToken + (p.replyTokens.mean - 1) * (p.decodeStepMs + p.decodeStepMsPerSeq);
    }
    expect((3 * total) / 1000).toBeGreaterThan(8);
    expect((3 * total) / 1000).toBeLessThan(20);
  });
});
