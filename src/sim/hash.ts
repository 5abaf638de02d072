/**
 * Deterministic hashing and pseudo-random numbers for the simulator.
 * Nothing here is cryptographic; it only has to be stable across runs and platforms.
 */

const TWO_32 = 4294967296;

/** FNV-1a, 32 bits, over the UTF-16 code units of a string. Used for token ids. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A 53-bit hash (cyrb53 construction) over a list of 32-bit integers, chained from a
 * previous 53-bit value. 53 bits keep collisions negligible for the block counts a
 * simulator holds, and the result is an exact JavaScript number usable as a Map key.
 */
export function hashInts(prev: number, ints: ArrayLike<number>, from = 0, to = ints.length): number {
  let h1 = 0xdeadbeef ^ (prev >>> 0);
  let h2 = 0x41c6ce57 ^ Math.floor(prev / TWO_32);
  for (let i = from; i < to; i++) {
    const x = (ints[i] ?? 0) | 0;
    h1 = Math.imul(h1 ^ x, 2654435761);
    h2 = Math.imul(h2 ^ x, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return TWO_32 * (2097151 & h2) + (h1 >>> 0);
}

/** A 53-bit hash of a string (cyrb53), optionally seeded. */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ (seed >>> 0);
  let h2 = 0x41c6ce57 ^ Math.floor(seed / TWO_32);
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return TWO_32 * (2097151 & h2) + (h1 >>> 0);
}

/** A small seeded generator (sfc32). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Seeds from any number of finite numbers (mixed through hashInts). */
  constructor(...seeds: number[]) {
    const parts: number[] = [];
    for (const s of seeds) {
      const v = Number.isFinite(s) ? Math.trunc(s) : 0;
      parts.push(v >>> 0, Math.floor(Math.abs(v) / TWO_32) >>> 0, v < 0 ? 1 : 0);
    }
    const h1 = hashInts(0x9e3779b9, parts);
    const h2 = hashInts(h1, parts);
    this.a = h1 >>> 0;
    this.b = Math.floor(h1 / TWO_32) >>> 0;
    this.c = h2 >>> 0;
    this.d = (Math.floor(h2 / TWO_32) ^ 0x5bd1e995) >>> 0;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("Rng.pick on an empty list");
    return item;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    if (u < 1e-12) u = 1e-12;
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
