import { describe, expect, it } from "vitest";
import { KvBlockPool } from "../../../src/sim/kv-cache.js";

describe("KvBlockPool", () => {
  it("allocates within the budget and refuses beyond it", () => {
    const pool = new KvBlockPool(4, 16);
    const a = pool.allocate(3);
    expect(a).toHaveLength(3);
    expect(pool.usage()).toBe(0.75);
    expect(pool.allocate(2)).toBeNull();
    expect(pool.canAllocate(1)).toBe(true);
    pool.release(a ?? []);
    expect(pool.numUsed()).toBe(0);
    expect(pool.numFree()).toBe(4);
  });

  it("finds registered blocks by chained hash (leading run only)", () => {
    const pool = new KvBlockPool(8, 16);
    const blocks = pool.allocate(3) ?? [];
    blocks.forEach((b, i) => pool.register(b, 100 + i));
    expect(pool.findCached([100, 101, 102])).toEqual(blocks);
    expect(pool.findCached([100, 999, 102])).toEqual(blocks.slice(0, 1));
    expect(pool.findCached([999, 101])).toEqual([]);
    pool.release(blocks);
    // still cached after release (evictable, not evicted)
    expect(pool.findCached([100, 101, 102])).toEqual(blocks);
    expect(pool.numCached()).toBe(3);
  });

  it("shares cached blocks between holders and never evicts blocks in use", () => {
    const pool = new KvBlockPool(4, 16);
    const [b0] = pool.allocate(1) ?? [];
    if (b0 === undefined) throw new Error("no block");
    pool.register(b0, 7);
    const hits = pool.findCached([7]);
    expect(pool.canAllocate(3, hits)).toBe(true);
    pool.acquire(hits); // second holder
    expect(pool.numUsed()).toBe(1);
    pool.release([b0]); // first holder leaves
    expect(pool.allocate(3)).toHaveLength(3);
    expect(pool.allocate(1)).toBeNull(); // b0 is still held
    expect(pool.findCached([7])).toEqual([b0]);
  });

  it("uses never-cached blocks first, then evicts the least recently freed, tail first", () => {
    const pool = new KvBlockPool(6, 16);
    const seqA = pool.allocate(2) ?? [];
    seqA.forEach((b, i) => pool.register(b, 10 + i));
    const seqB = pool.allocate(2) ?? [];
    seqB.forEach((b, i) => pool.register(b, 20 + i));
    pool.release(seqA); // A freed first: evicted first; its tail (hash 11) before its head (10)
    pool.release(seqB);
    expect(pool.allocate(2)).toHaveLength(2); // the two never-used blocks
    expect(pool.evictions).toBe(0);
    pool.allocate(1);
    expect(pool.evictions).toBe(1);
    expect(pool.findCached([10])).toHaveLength(1);
    expect(pool.findCached([10, 11])).toHaveLength(1); // 11 evicted
    pool.allocate(1);
    expect(pool.findCached([10])).toHaveLength(0);
    expect(pool.findCached([20, 21])).toHaveLength(2);
  });

  it("counts a cached free block against the budget when it is taken", () => {
    const pool = new KvBlockPool(2, 16);
    const [b0] = pool.allocate(1) ?? [];
    if (b0 === undefined) throw new Error("no block");
    pool.register(b0, 1);
    pool.release([b0]);
    const hits = pool.findCached([1]);
    expect(pool.canAllocate(1, hits)).toBe(true);
    expect(pool.canAllocate(2, hits)).toBe(false);
  });

  it("resets the prefix cache only when nothing is in use", () => {
    const pool = new KvBlockPool(4, 16);
    const blocks = pool.allocate(2) ?? [];
    blocks.forEach((b, i) => pool.register(b, i + 1));
    expect(pool.resetPrefixCache()).toBe(false);
    pool.release(blocks);
    expect(pool.resetPrefixCache()).toBe(true);
    expect(pool.findCached([1])).toEqual([]);
    expect(pool.numFree()).toBe(4);
  });

  it("keeps the first block registered under a hash", () => {
    const pool = new KvBlockPool(4, 16);
    const [a, b] = pool.allocate(2) ?? [];
    if (a === undefined || b === undefined) throw new Error("no block");
    pool.register(a, 5);
    pool.register(b, 5);
    expect(pool.findCached([5])).toEqual([a]);
    expect(pool.numCached()).toBe(1);
  });
});
