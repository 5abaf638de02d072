import { describe, expect, it } from "vitest";
import { LatencyHistogram, mulberry32, percentile, summarize } from "../../../src/metrics/index.js";

/** Log-normal latencies (ms) around `median`, from a seeded PRNG. */
function latencies(n: number, median: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    out.push(median * Math.exp(0.5 * z));
  }
  return out;
}

/**
 * HDR reports the ⌈pN/100⌉-th smallest value (upper edge of its bucket, ≤ 0.1 % above);
 * numpy interpolates between ranks ⌊h⌋ and ⌊h⌋+1 with h = (N−1)p/100. Both lie between
 * the sorted values one rank either side; allow the bucket's 0.1 % on top.
 */
function expectClose(hdr: number, sorted: number[], p: number): void {
  const n = sorted.length;
  const h = ((n - 1) * p) / 100;
  const lo = sorted[Math.max(0, Math.floor(h) - 1)] as number;
  const hi = sorted[Math.min(n - 1, Math.ceil(h) + 1)] as number;
  expect(hdr).toBeGreaterThanOrEqual(lo * (1 - 1e-3) - 1e-3);
  expect(hdr).toBeLessThanOrEqual(hi * (1 + 1e-3) + 1e-3);
}

describe("LatencyHistogram", () => {
  it("agrees with summarize on random data within its precision", () => {
    const xs = latencies(20_000, 3500, 3);
    const h = new LatencyHistogram();
    for (const x of xs) h.record(x);
    const s = summarize(xs);
    if (!s) throw new Error("no summary");
    const sorted = [...xs].sort((a, b) => a - b);
    for (const p of [50, 90, 99]) {
      const v = h.percentile(p) as number;
      expectClose(v, sorted, p);
      const ref = p === 50 ? s.p50 : p === 90 ? s.p90 : s.p99;
      expect(Math.abs(v - ref) / ref).toBeLessThan(2e-3);
    }
    expect(h.count).toBe(20_000);
    expect(h.mean).toBeCloseTo(s.mean, 6);
    expect(h.min).toBe(s.min);
    expect(h.max).toBe(s.max);
  });

  it("keeps µs resolution for sub-millisecond values", () => {
    const h = new LatencyHistogram();
    for (const x of [0.25, 0.5, 0.75, 1.001]) h.record(x);
    expect(h.percentile(50)).toBe(0.5);
    expect(h.percentile(100)).toBe(1.001);
    expect(h.percentile(0)).toBe(0.25);
  });

  it("merges like recording everything in one", () => {
    const a = latencies(5000, 100, 1);
    const b = latencies(5000, 400, 2);
    const ha = new LatencyHistogram();
    const hb = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (const x of a) {
      ha.record(x);
      all.record(x);
    }
    for (const x of b) {
      hb.record(x);
      all.record(x);
    }
    ha.merge(hb);
    expect(ha.count).toBe(10_000);
    expect(hb.count).toBe(5000);
    for (const p of [1, 50, 90, 99, 99.9]) expect(ha.percentile(p)).toBe(all.percentile(p));
    expect(ha.min).toBe(all.min);
    expect(ha.max).toBe(all.max);
    expect(ha.mean).toBeCloseTo(all.mean as number, 9);
    const sorted = [...a, ...b].sort((x, y) => x - y);
    expectClose(ha.percentile(99) as number, sorted, 99);
    expect(percentile(sorted, 50)).toBeGreaterThan(100);
  });

  it("is empty-safe and counts refused values", () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.percentile(50)).toBeUndefined();
    expect(h.mean).toBeUndefined();
    expect(h.min).toBeUndefined();
    h.record(-1);
    h.record(Number.NaN);
    h.record(Number.POSITIVE_INFINITY);
    expect(h.count).toBe(0);
    expect(h.dropped).toBe(3);
    expect(() => h.percentile(101)).toThrow(RangeError);
  });

  it("round-trips through serialize/deserialize", () => {
    const h = new LatencyHistogram();
    for (const x of latencies(3000, 50, 9)) h.record(x);
    h.record(-5);
    const json = JSON.parse(JSON.stringify(h.serialize()));
    const back = LatencyHistogram.deserialize(json);
    expect(back.count).toBe(h.count);
    expect(back.dropped).toBe(1);
    expect(back.min).toBe(h.min);
    expect(back.max).toBe(h.max);
    expect(back.mean).toBeCloseTo(h.mean as number, 9);
    for (const p of [50, 90, 99]) expect(back.percentile(p)).toBe(h.percentile(p));
    const empty = LatencyHistogram.deserialize(new LatencyHistogram().serialize());
    expect(empty.count).toBe(0);
    expect(empty.min).toBeUndefined();
  });
});
