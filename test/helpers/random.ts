import { mulberry32 } from "../../src/metrics/bootstrap.js";

/** n normal variates (Box–Muller over the project's seeded mulberry32): the same numbers for the same seed. */
export function normals(n: number, mu: number, sigma: number, seed: number): number[] {
  const rand = mulberry32(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - rand();
    const v = rand();
    out.push(mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}
