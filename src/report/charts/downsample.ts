/**
 * Fewer points to draw, never fewer to count: a layer holding more than its cap is reduced
 * for drawing only (every figure, caption n included, rests on all the points).
 *
 * The rule, deterministic: the x range is cut into equal buckets; in each bucket the points
 * are ranked by y and those at evenly spaced ranks are kept, always the lowest and the highest
 * (`perBucket` 2: min and max, for lines; 5: min, quartiles, median and max, for scatters, so
 * the bulk stays visible beside the outliers). The first and the last point by x are kept
 * too. So the global minimum and maximum of y, and the ends of the x range, always survive,
 * and the result holds at most `cap` points, in the input's x order. Ties break on input order.
 */

export interface Reduced<T> {
  points: T[];
  /** Points before the reduction. */
  from: number;
  /** True when points were left out. */
  reduced: boolean;
}

/** The points to draw of one layer: all of them up to `cap`, else the per-bucket reduction. */
export function reduceForDrawing<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number, cap: number, perBucket = 2): Reduced<T> {
  const n = points.length;
  if (n <= cap) return { points: [...points], from: n, reduced: false };
  const k = Math.max(2, Math.floor(perBucket));
  const buckets = Math.max(1, Math.floor((cap - 2) / k));
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let xmin = Infinity;
  let xmax = -Infinity;
  let first = 0;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const p = points[i] as T;
    const v = x(p);
    xs[i] = v;
    ys[i] = y(p);
    if (v < xmin) {
      xmin = v;
      first = i;
    }
    if (v >= xmax) {
      xmax = v;
      last = i;
    }
  }
  // Points grouped by bucket (a counting sort: input order kept within a bucket).
  const width = xmax - xmin;
  const bucketOf = new Int32Array(n);
  const starts = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const b = width > 0 ? Math.min(buckets - 1, Math.floor((((xs[i] as number) - xmin) / width) * buckets)) : 0;
    bucketOf[i] = b;
    (starts[b + 1] as number)++;
  }
  for (let b = 0; b < buckets; b++) starts[b + 1] = (starts[b + 1] as number) + (starts[b] as number);
  const fill = starts.slice(0, buckets);
  const grouped = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const b = bucketOf[i] as number;
    grouped[fill[b] as number] = i;
    fill[b] = (fill[b] as number) + 1;
  }
  const keep = new Set<number>([first, last]);
  for (let b = 0; b < buckets; b++) {
    const from = starts[b] as number;
    const to = starts[b + 1] as number;
    const size = to - from;
    if (size === 0) continue;
    if (size <= k) {
      for (let j = from; j < to; j++) keep.add(grouped[j] as number);
      continue;
    }
    if (k === 2) {
      // Lowest and highest y, the first of equals.
      let lo = grouped[from] as number;
      let hi = lo;
      for (let j = from + 1; j < to; j++) {
        const i = grouped[j] as number;
        if ((ys[i] as number) < (ys[lo] as number)) lo = i;
        if ((ys[i] as number) > (ys[hi] as number)) hi = i;
      }
      keep.add(lo);
      keep.add(hi);
      continue;
    }
    // Ranked by y (ties in input order), the points at evenly spaced ranks.
    const ranked = grouped.slice(from, to).sort((a, b) => (ys[a] as number) - (ys[b] as number) || a - b);
    for (let j = 0; j < k; j++) keep.add(ranked[Math.round((j * (size - 1)) / (k - 1))] as number);
  }
  const idx = [...keep].sort((a, b) => (xs[a] as number) - (xs[b] as number) || a - b);
  return { points: idx.map((i) => points[i] as T), from: n, reduced: true };
}

/** Caption words for a reduced layer ("" when nothing was left out). */
export function reductionNote(what: string, r: { from: number; reduced: boolean; points: readonly unknown[] }): string {
  return r.reduced ? ` ${what}: downsampled for drawing from ${r.from.toLocaleString("en-US")} points to ${r.points.length.toLocaleString("en-US")} (per-bucket extremes kept).` : "";
}
