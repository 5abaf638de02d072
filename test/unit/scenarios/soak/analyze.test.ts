import { describe, expect, it } from "vitest";
import type { ChatResult } from "../../../../src/client/index.js";
import { soakScenarioSchema } from "../../../../src/config/schema.js";
import { mulberry32 } from "../../../../src/metrics/bootstrap.js";
import type { ServerSnapshot } from "../../../../src/monitor/types.js";
import { analyzeSoak } from "../../../../src/scenarios/soak/analyze.js";
import type { AnalysisInput } from "../../../../src/scenarios/types.js";
import type { RequestRecord } from "../../../../src/store/records.js";

const START = 10_000;
const cfg = (o: Record<string, unknown> = {}) => soakScenarioSchema.parse({ kind: "soak", duration: "60s", ...o });

let counter = 0;
function rec(o: { at: number; ttft: number; e2e?: number; ok?: boolean; probe?: string; session?: string; iteration?: number; content?: string }): RequestRecord {
  const ok = o.ok ?? true;
  const e2e = o.e2e ?? o.ttft * 3;
  const sent = START + o.at;
  const result: ChatResult = {
    ok,
    startedAtEpochMs: 1_700_000_000_000 + sent,
    sentPerfMs: sent,
    stream: true,
    t: ok ? { firstByte: o.ttft, firstContent: o.ttft, lastToken: e2e, lastByte: e2e } : { lastByte: 3 },
    chunkTimes: ok ? [o.ttft, e2e] : [],
    chunkTokens: [],
    content: ok ? (o.content ?? "x") : "",
    reasoning: "",
    toolCalls: [],
    continuousUsage: false,
    ...(ok ? { usage: { promptTokens: 50, completionTokens: 20, totalTokens: 70 } } : { error: { kind: "http_status" as const, status: 500, message: "boom" } }),
  };
  counter++;
  return {
    v: 1,
    id: `soak/r${counter}`,
    scenario: "soak",
    kind: "soak",
    probe: o.probe ?? "short",
    ...(o.session ? { session: o.session } : {}),
    ...(o.iteration !== undefined ? { iteration: o.iteration } : {}),
    newMessages: [{ role: "user", content: "p" }],
    messageCount: 1,
    params: { model: "m", maxTokens: 20, stream: true },
    result,
  };
}

/** 60 s of requests every 250 ms; TTFT = base × (1 + growth × t/60 s) × (1 ± noise). */
function soakRecords(growth: number, seed = 1, noise = 0.1): RequestRecord[] {
  const rand = mulberry32(seed);
  const out: RequestRecord[] = [];
  for (let at = 0; at < 60_000; at += 250) {
    const ttft = 100 * (1 + (growth * at) / 60_000) * (1 + noise * (rand() * 2 - 1));
    out.push(rec({ at, ttft }));
  }
  return out;
}

function input(records: RequestRecord[], server: ServerSnapshot[] = []): AnalysisInput {
  const last = records.reduce((a, r) => Math.max(a, r.result.sentPerfMs + (r.result.t.lastByte ?? 0)), START);
  return {
    records,
    target: { url: "http://x", model: "m", simulated: true, models: [] },
    server,
    reviews: {} as AnalysisInput["reviews"],
    attachments: {
      soak: {
        soak: { startPerfMs: START, startEpochMs: 1_700_000_000_000 + START, durationMs: 60_000, windowMs: 5_000 },
        span: { startPerfMs: START, endPerfMs: last },
      },
    },
  };
}

const noCanary = { canary: { enabled: false } };

describe("analyzeSoak", () => {
  it("a server 50 % slower at the end is degrading, with the evidence in words", () => {
    const r = analyzeSoak(cfg(noCanary), input(soakRecords(0.5)));
    expect(r.detail.stability).toBe("degrading");
    expect(r.status).toBe("fail");
    const v = r.verdicts.find((x) => x.metric === "drift.ttft_p90");
    expect(v?.status).toBe("fail");
    const t = r.detail.trends.find((x) => x.figure === "ttft_p90");
    expect(t?.significant).toBe(true);
    expect(t?.direction).toBe("worse");
    expect(t?.n).toBe(12);
    // 11 of 12 window-widths between the first and last window middles: +45.8 % expected.
    expect(t?.change?.estimate).toBeGreaterThan(0.35);
    expect(t?.change?.estimate).toBeLessThan(0.56);
    expect(t?.change?.lower).toBeGreaterThan(0.1);
    expect(r.detail.evidence[0]).toMatch(/TTFT p90 rose \+\d+\.\d % \(CI/);
    expect(r.headline).toMatch(/^was degrading over 60.0 s \(240 requests in 12 windows\): TTFT p90 rose/);
  });

  it("a flat server is stable and passes, whatever the seed", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = analyzeSoak(cfg(noCanary), input(soakRecords(0, seed)));
      expect(r.verdicts.filter((v) => v.status !== "pass" && v.status !== "not_measured")).toEqual([]);
      expect(r.detail.stability).not.toBe("degrading");
      expect(r.status).toBe("pass");
    }
    expect(analyzeSoak(cfg(noCanary), input(soakRecords(0, 1))).detail.stability).toBe("stable");
  });

  it("a noisy trend over the limit that is not significant is not a fail", () => {
    // Huge noise, small growth: the estimate may breach 10 % but no test finds a trend.
    const r = analyzeSoak(cfg(noCanary), input(soakRecords(0.02, 9, 0.9)));
    const v = r.verdicts.find((x) => x.metric === "drift.ttft_p90");
    expect(v?.status).not.toBe("fail");
  });

  it("a drift below the limit is drifting, not degrading", () => {
    const r = analyzeSoak(cfg(noCanary), input(soakRecords(0.08, 3, 0.01)));
    expect(r.detail.stability).toBe("drifting");
    expect(r.verdicts.find((x) => x.metric === "drift.ttft_p90")?.status).toBe("pass");
  });

  it("keeps a last, partial window out of the trends; too few windows are not measured", () => {
    const recs = soakRecords(0).filter((x) => x.result.sentPerfMs - START < 12_500);
    const r = analyzeSoak(cfg(noCanary), input(recs));
    expect(r.detail.windows.map((w) => Boolean(w.partial))).toEqual([false, false, true]);
    expect(r.detail.stability).toBe("not_measured");
    expect(r.status).toBe("not_measured");
  });

  it("flags a canary whose answer changes, from the round it changed", () => {
    const recs = soakRecords(0);
    for (let round = 1; round <= 12; round++) {
      const content = round < 7 ? "2, 3, 5, 7, 11, 13, 17, 19, 23, 29" : "The primes are: 2 3 5 7 and that is all I know about it.";
      recs.push(rec({ at: (round - 1) * 5000, ttft: 50, probe: "canary", session: "canary1", iteration: round, content }));
    }
    const r = analyzeSoak(cfg({ canary: { prompts: ["primes"] } }), input(recs));
    const c = r.detail.canaries[0];
    expect(c?.compared).toBe(11);
    expect(c?.identical).toBe(5);
    expect(c?.changed).toBe(6);
    expect(c?.firstChange?.round).toBe(7);
    expect(c?.firstChange?.atMs).toBe(30_000);
    expect(r.metrics["canary.changed"]?.value).toBe(6);
    expect(r.verdicts.find((v) => v.metric === "canary.changed")?.status).toBe("fail");
    expect(r.detail.evidence.join(" ")).toMatch(/canary 1's answer changed at 30\.0 s \(round 7/);
    // Canaries are not part of the mix's figures.
    expect(r.metrics["ttft.p50"]?.n).toBe(240);
  });

  it("reads the server's restarts and memory growth from the process metrics", () => {
    const server: ServerSnapshot[] = [];
    for (let s = 0; s <= 60; s += 1) {
      const restarted = s >= 40;
      server.push({
        t: START + s * 1000,
        epochMs: 1_700_000_000_000 + START + s * 1000,
        values: { server: "vllm", processStartTimeSeconds: restarted ? 1_700_000_050 : 1_699_990_000, processResidentMemoryBytes: (1000 + (restarted ? 0 : s * 10)) * 1e6 },
      });
    }
    const r = analyzeSoak(cfg(noCanary), input(soakRecords(0), server));
    expect(r.serverProcess?.restarts).toHaveLength(1);
    expect(r.serverProcess?.restarts[0]?.atMs).toBe(40_000);
    expect(r.serverProcess?.uptimeStartH).toBeCloseTo((1_700_000_010 - 1_699_990_000) / 3600, 3);
    expect(r.metrics["server.restarts"]?.value).toBe(1);
    expect(r.detail.stability).toBe("drifting");
    expect(r.detail.evidence.join(" ")).toMatch(/restarted 1 time/);
  });
});
