import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/sim/clock.js";
import { SimEngine, type EngineConfig, type SequenceRecord } from "../../../src/sim/engine.js";

const BASE: EngineConfig = {
  maxNumSeqs: 8,
  maxNumBatchedTokens: 10_000,
  chunkedPrefill: true,
  prefixCaching: true,
  blockSize: 16,
  kvBlocks: 1000,
  overheadMs: 5,
  prefillMsPerToken: 0.1,
  decodeStepMs: 10,
  decodeStepMsPerSeq: 1,
  timeScale: 1,
};

let idBase = 1_000_000;
/** `n` distinct token ids. */
function ids(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(idBase++);
  return out;
}

interface Tracked {
  tokens: number[];
  record: SequenceRecord | undefined;
  abort: () => void;
}

function track(engine: SimEngine, prompt: number[], output: number[] | number): Tracked {
  const t: Tracked = { tokens: [], record: undefined, abort: () => {} };
  const out = typeof output === "number" ? ids(output) : output;
  const h = engine.submit(
    { promptIds: prompt, outputIds: out },
    {
      onToken: (i, at) => {
        expect(i).toBe(t.tokens.length);
        t.tokens.push(at);
      },
      onEnd: (r) => {
        t.record = r;
      },
    },
  );
  t.abort = h.abort;
  return t;
}

function setup(over: Partial<EngineConfig> = {}): { clock: ManualClock; engine: SimEngine } {
  const clock = new ManualClock(0);
  return { clock, engine: new SimEngine({ ...BASE, ...over }, clock) };
}

const ttft = (t: Tracked): number => (t.tokens[0] ?? NaN) - (t.record?.arrivalMs ?? NaN);
function gaps(t: Tracked): number[] {
  const g: number[] = [];
  for (let i = 1; i < t.tokens.length; i++) g.push((t.tokens[i] ?? 0) - (t.tokens[i - 1] ?? 0));
  return g;
}

describe("SimEngine timing model (fake clock, exact)", () => {
  it("follows the step formula for a lone request", () => {
    const { clock, engine } = setup();
    const a = track(engine, ids(100), 5);
    clock.runUntilIdle();
    // ready at 5; prefill step 10 + 0.1·100 = 20 → first token at 25; then 10 + 1·1 per token.
    expect(a.tokens).toHaveLength(5);
    const expected = [25, 36, 47, 58, 69];
    a.tokens.forEach((t, i) => expect(t).toBeCloseTo(expected[i] ?? NaN, 9));
    expect(a.record?.outcome).toBe("finished");
    expect(a.record?.generatedTokens).toBe(5);
    expect(engine.kv.numUsed()).toBe(0);
  });

  it("spreads a long prompt over steps with chunked prefill", () => {
    const { clock, engine } = setup({ maxNumBatchedTokens: 32 });
    const a = track(engine, ids(100), 2);
    clock.runUntilIdle();
    // chunks 32, 32, 32, 4: 3 × 13.2 + 10.4 → 50 after ready at 5
    expect(ttft(a)).toBeCloseTo(5 + 3 * 13.2 + 10.4, 9);
  });

  it("TTFT grows with uncached prompt tokens", () => {
    const results: number[] = [];
    for (const n of [100, 1000, 4000]) {
      const { clock, engine } = setup({ prefixCaching: false });
      const a = track(engine, ids(n), 2);
      clock.runUntilIdle();
      results.push(ttft(a));
      expect(ttft(a)).toBeCloseTo(5 + 10 + 0.1 * n, 6);
    }
    expect(results[0]).toBeLessThan(results[1] ?? 0);
    expect(results[1]).toBeLessThan(results[2] ?? 0);
  });

  it("serves a resent prefix from the cache (full blocks only) and shortens TTFT", () => {
    for (const caching of [true, false]) {
      const { clock, engine } = setup({ prefixCaching: caching });
      const prompt = ids(100);
      const a = track(engine, prompt, 5);
      clock.runUntilIdle();
      const b = track(engine, [...prompt, ...ids(50)], 5);
      clock.runUntilIdle();
      if (caching) {
        // a computed 100 prompt + 4 output tokens → 6 full blocks (96 tokens) registered.
        expect(b.record?.cachedTokens).toBe(96);
        expect(ttft(b)).toBeCloseTo(5 + 10 + 0.1 * (150 - 96), 9);
        expect(engine.counters.prefixCacheQueries).toBe(100 + 150);
        expect(engine.counters.prefixCacheHits).toBe(96);
      } else {
        expect(b.record?.cachedTokens).toBe(0);
        expect(ttft(b)).toBeCloseTo(5 + 10 + 0.1 * 150, 9);
        expect(engine.counters.prefixCacheQueries).toBe(0);
      }
      expect(ttft(a)).toBeCloseTo(5 + 10 + 10, 9);
    }
  });

  it("hits the previous reply's blocks when the conversation is resent", () => {
    const { clock, engine } = setup({ blockSize: 4 });
    const prompt = ids(20);
    const reply = ids(10);
    track(engine, prompt, reply);
    clock.runUntilIdle();
    // computed: 20 prompt + 9 reply tokens = 29 → 7 full blocks of 4.
    const b = track(engine, [...prompt, ...reply, ...ids(7)], 3);
    clock.runUntilIdle();
    expect(b.record?.cachedTokens).toBe(28);
  });

  it("never serves the whole prompt from the cache: the last token is computed", () => {
    const { clock, engine } = setup();
    const prompt = ids(64); // exactly 4 blocks
    track(engine, prompt, 3);
    clock.runUntilIdle();
    const b = track(engine, prompt, 3);
    clock.runUntilIdle();
    expect(b.record?.cachedTokens).toBe(48);
  });

  it("batches concurrent sequences: slower per stream, faster in total", () => {
    const perStream: number[] = [];
    const total: number[] = [];
    for (const c of [1, 8]) {
      const { clock, engine } = setup();
      const seqs = Array.from({ length: c }, () => track(engine, ids(16), 10));
      clock.runUntilIdle();
      const itl = gaps(seqs[0] as Tracked);
      expect(new Set(itl.map((g) => g.toFixed(6))).size).toBe(1);
      expect(itl[0]).toBeCloseTo(10 + c, 9);
      perStream.push(1000 / (itl[0] ?? NaN));
      const end = Math.max(...seqs.map((s) => s.record?.endMs ?? 0));
      const first = Math.min(...seqs.map((s) => s.tokens[0] ?? 0));
      total.push((c * 9 * 1000) / (end - first));
    }
    expect(perStream[1]).toBeLessThan(perStream[0] ?? 0);
    expect(total[1]).toBeGreaterThan(total[0] ?? 0);
  });

  it("queues beyond maxNumSeqs in FIFO order", () => {
    const { clock, engine } = setup({ maxNumSeqs: 3 });
    const seqs = Array.from({ length: 5 }, () => track(engine, ids(16), 4));
    clock.advance(6); // first step started at 5
    expect(engine.numRunning()).toBe(3);
    expect(engine.numWaiting()).toBe(2);
    clock.runUntilIdle();
    const firsts = seqs.map((s) => s.tokens[0] ?? NaN);
    for (let i = 1; i < firsts.length; i++) expect(firsts[i]).toBeGreaterThanOrEqual(firsts[i - 1] ?? 0);
    expect(firsts[3]).toBeGreaterThan(firsts[2] ?? 0);
    expect(seqs.every((s) => s.tokens.length === 4)).toBe(true);
  });

  it("without chunked prefill, a long prefill stalls running decodes (head-of-line)", () => {
    const maxGap: Record<string, number> = {};
    for (const chunked of [true, false]) {
      const { clock, engine } = setup({ chunkedPrefill: chunked, maxNumBatchedTokens: 256 });
      const a = track(engine, ids(16), 40);
      clock.advance(60);
      track(engine, ids(2000), 3);
      clock.runUntilIdle();
      maxGap[String(chunked)] = Math.max(...gaps(a));
    }
    // off: one prefill-only step of 10 + 0.1·2000 = 210 ms; on: chunks of 255 mixed with the decode.
    expect(maxGap.false).toBeGreaterThanOrEqual(210);
    expect(maxGap.true).toBeLessThanOrEqual(10 + 1 + 0.1 * 255 + 1e-9);
  });

  it("preempts the newest sequence when the KV budget runs out, and still finishes everything", () => {
    const { clock, engine } = setup({ kvBlocks: 20, prefixCaching: false });
    const seqs = Array.from({ length: 4 }, () => track(engine, ids(60), 60));
    clock.runUntilIdle();
    expect(engine.counters.preemptions).toBeGreaterThan(0);
    for (const s of seqs) {
      expect(s.record?.outcome).toBe("finished");
      expect(s.tokens).toHaveLength(60);
    }
    expect(engine.counters.generatedTokens).toBe(240);
    expect(engine.counters.promptTokens).toBe(240);
    expect(engine.kv.numUsed()).toBe(0);
  });

  it("makes new sequences wait when running ones hold the KV budget", () => {
    const { clock, engine } = setup({ kvBlocks: 10, prefixCaching: false });
    track(engine, ids(100), 20); // 7 blocks
    track(engine, ids(100), 20); // 7 more do not fit
    clock.advance(6);
    expect(engine.numRunning()).toBe(1);
    expect(engine.numWaiting()).toBe(1);
    clock.runUntilIdle();
    expect(engine.counters.finished).toBe(2);
  });

  it("abort frees the sequence's blocks and ends it", () => {
    const { clock, engine } = setup();
    const a = track(engine, ids(100), 50);
    clock.advance(40);
    expect(engine.kv.numUsed()).toBeGreaterThan(0);
    a.abort();
    expect(a.record?.outcome).toBe("aborted");
    expect(engine.kv.numUsed()).toBe(0);
    expect(engine.numRunning()).toBe(0);
    clock.runUntilIdle();
    expect(engine.counters.aborted).toBe(1);
  });

  it("scales every duration by timeScale", () => {
    const { clock, engine } = setup({ timeScale: 3 });
    const a = track(engine, ids(100), 3);
    clock.runUntilIdle();
    expect(a.tokens[0]).toBeCloseTo(3 * 25, 9);
    expect(a.tokens[2]).toBeCloseTo(3 * 47, 9);
  });

  it("keeps the exact timeline when the event loop stalls (catch-up)", () => {
    const run = (stall: boolean): number[] => {
      const { clock, engine } = setup();
      const a = track(engine, ids(100), 20);
      const b = track(engine, ids(30), 12);
      if (stall) {
        clock.stallUntil(150); // timers fire late, all at once
        clock.stallUntil(400);
      }
      clock.runUntilIdle();
      return [...a.tokens, ...b.tokens];
    };
    const exact = run(false);
    const stalled = run(true);
    expect(stalled).toHaveLength(exact.length);
    stalled.forEach((t, i) => expect(t).toBeCloseTo(exact[i] ?? NaN, 9));
  });

  it("counts exactly what it did", () => {
    const { clock, engine } = setup({ maxNumSeqs: 2 });
    const prompt = ids(40);
    const seqs = [track(engine, prompt, 7), track(engine, prompt, 9), track(engine, ids(10), 4)];
    clock.runUntilIdle();
    const c = engine.counters;
    expect(c.submitted).toBe(3);
    expect(c.finished).toBe(3);
    expect(c.generatedTokens).toBe(7 + 9 + 4);
    expect(c.promptTokens).toBe(40 + 40 + 10);
    expect(c.cachedTokens).toBe(seqs.reduce((s, x) => s + (x.record?.cachedTokens ?? 0), 0));
    expect(c.prefixCacheHits).toBe(c.cachedTokens); // no preemption
  });
});
