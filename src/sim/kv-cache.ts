/**
 * The simulated KV cache: a pool of `numBlocks` blocks of `blockSize` tokens, with
 * vLLM-style automatic prefix caching.
 *
 * - A block is in use while at least one running sequence holds it (reference count > 0);
 *   blocks in use are never evicted.
 * - A full block of computed tokens can be registered under the chained hash of its token
 *   ids (hash of the previous block's hash and this block's ids); only full blocks are
 *   cached, as in vLLM. The first block registered under a hash wins.
 * - Free blocks that hold a cached hash stay findable until they are reused; allocation
 *   takes never-used / uncached free blocks first, then evicts the least recently freed
 *   cached block (LRU). A sequence's blocks are freed tail first, so its tail is evicted
 *   before its head, as in vLLM.
 */

export class KvBlockPool {
  readonly numBlocks: number;
  readonly blockSize: number;
  private readonly refCount: Int32Array;
  private readonly blockHash: (number | undefined)[];
  private readonly hashToBlock = new Map<number, number>();
  /** Free blocks holding no cached hash (a stack). */
  private readonly empty: number[] = [];
  /** Free blocks holding a cached hash, least recently freed first (Map keeps insertion order). */
  private readonly evictable = new Map<number, true>();
  private used = 0;
  /** Cached blocks evicted to make room, since creation. */
  evictions = 0;

  constructor(numBlocks: number, blockSize: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 1) throw new Error(`numBlocks must be a positive integer, got ${numBlocks}`);
    if (!Number.isInteger(blockSize) || blockSize < 1) throw new Error(`blockSize must be a positive integer, got ${blockSize}`);
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.refCount = new Int32Array(numBlocks);
    this.blockHash = new Array<number | undefined>(numBlocks).fill(undefined);
    for (let b = numBlocks - 1; b >= 0; b--) this.empty.push(b);
  }

  /** Blocks that can be handed out now (free, cached or not). */
  numFree(): number {
    return this.empty.length + this.evictable.size;
  }

  /** Blocks held by at least one sequence. */
  numUsed(): number {
    return this.used;
  }

  /** Fraction of blocks in use, 0..1 (vLLM's kv_cache_usage_perc). */
  usage(): number {
    return this.used / this.numBlocks;
  }

  /** Number of blocks currently registered in the prefix cache. */
  numCached(): number {
    return this.hashToBlock.size;
  }

  /** The blocks holding the longest cached prefix of `hashes` (no side effects). */
  findCached(hashes: readonly number[]): number[] {
    const blocks: number[] = [];
    for (const h of hashes) {
      const b = this.hashToBlock.get(h);
      if (b === undefined) break;
      blocks.push(b);
    }
    return blocks;
  }

  /** Whether `cachedBlocks` can be taken and `newBlocks` allocated on top of them. */
  canAllocate(newBlocks: number, cachedBlocks: readonly number[] = []): boolean {
    let freeCached = 0;
    for (const b of cachedBlocks) if ((this.refCount[b] ?? 0) === 0) freeCached++;
    return newBlocks <= this.numFree() - freeCached;
  }

  /** Takes a reference on blocks found in the cache. */
  acquire(blocks: readonly number[]): void {
    for (const b of blocks) {
      const rc = this.refCount[b] ?? 0;
      if (rc === 0) {
        this.evictable.delete(b);
        this.used++;
      }
      this.refCount[b] = rc + 1;
    }
  }

  /** Allocates `n` fresh blocks, evicting LRU cached blocks if needed; null when not enough are free. */
  allocate(n: number): number[] | null {
    if (n <= 0) return [];
    if (n > this.numFree()) return null;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let b = this.empty.pop();
      if (b === undefined) {
        const oldest = this.evictable.keys().next();
        if (oldest.done) throw new Error("KvBlockPool: free count out of sync");
        b = oldest.value;
        this.evictable.delete(b);
        const h = this.blockHash[b];
        if (h !== undefined) {
          this.hashToBlock.delete(h);
          this.blockHash[b] = undefined;
          this.evictions++;
        }
      }
      this.refCount[b] = 1;
      this.used++;
      out.push(b);
    }
    return out;
  }

  /** Registers a full, computed block under its chained hash (no-op if the hash is known or the block already has one). */
  register(block: number, hash: number): void {
    if (this.hashToBlock.has(hash) || this.blockHash[block] !== undefined) return;
    this.hashToBlock.set(hash, block);
    this.blockHash[block] = hash;
  }

  /** Drops one reference on each block; blocks left unreferenced become free (tail first). */
  release(blocks: readonly number[]): void {
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i];
      if (b === undefined) continue;
      const rc = (this.refCount[b] ?? 0) - 1;
      if (rc < 0) throw new Error(`KvBlockPool: block ${b} released more often than taken`);
      this.refCount[b] = rc;
      if (rc === 0) {
        this.used--;
        if (this.blockHash[b] !== undefined) this.evictable.set(b, true);
        else this.empty.push(b);
      }
    }
  }

  /** Forgets every cached hash; refused (false) while any block is in use, as vLLM does. */
  resetPrefixCache(): boolean {
    if (this.used > 0) return false;
    for (const b of this.evictable.keys()) {
      this.blockHash[b] = undefined;
      this.empty.push(b);
    }
    this.evictable.clear();
    this.hashToBlock.clear();
    return true;
  }
}
