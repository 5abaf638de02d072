/**
 * A small mergeable latency histogram over hdr-histogram-js, for load tests where keeping
 * every sample is too much or where per-worker histograms are merged.
 *
 * Values are recorded in integer microseconds (ms × 1000, rounded), so sub-millisecond
 * latencies keep µs resolution; with the default 3 significant digits a recorded value is
 * exact below 2.048 ms and within 0.1 % above. Count, sum, mean, min and max are tracked
 * exactly beside the histogram.
 *
 * Percentiles are HDR's nearest-rank (the ⌈p·N/100⌉-th smallest value, reported as the
 * upper edge of its bucket), not numpy's linear interpolation: on the same data they
 * differ by at most one rank and the bucket width. `summarize` over raw values stays the
 * reference when the values are kept.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

export type SignificantDigits = 1 | 2 | 3 | 4 | 5;

export interface LatencyHistogramOptions {
  /** Significant decimal digits kept (default 3: 0.1 % relative error). */
  significantDigits?: SignificantDigits;
}

/** A histogram as plain data (JSON-safe), for results.json or passing between workers. */
export interface SerializedLatencyHistogram {
  /** HDR histogram in microseconds, compressed and base64-encoded (HdrHistogram's format). */
  hdr: string;
  count: number;
  sumMs: number;
  minMs?: number;
  maxMs?: number;
  dropped: number;
}

const US_PER_MS = 1000;

export class LatencyHistogram {
  private readonly h: Histogram;
  private n = 0;
  private sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private nDropped = 0;

  constructor(opts: LatencyHistogramOptions = {}) {
    this.h = build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: 2,
      autoResize: true,
      numberOfSignificantValueDigits: opts.significantDigits ?? 3,
      bitBucketSize: 32,
      useWebAssembly: false,
    });
  }

  /** Records one latency in ms. Negative or non-finite values are not recorded; they are counted in `dropped`. */
  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      this.nDropped++;
      return;
    }
    this.h.recordValue(Math.round(ms * US_PER_MS));
    this.n++;
    this.sum += ms;
    if (ms < this.lo) this.lo = ms;
    if (ms > this.hi) this.hi = ms;
  }

  /** Adds every value of `other` into this histogram (other is unchanged). Returns this. */
  merge(other: LatencyHistogram): this {
    this.h.add(other.h);
    this.n += other.n;
    this.sum += other.sum;
    this.nDropped += other.nDropped;
    if (other.lo < this.lo) this.lo = other.lo;
    if (other.hi > this.hi) this.hi = other.hi;
    return this;
  }

  /** Values recorded. */
  get count(): number {
    return this.n;
  }

  /** Values refused by record() (negative or non-finite). */
  get dropped(): number {
    return this.nDropped;
  }

  /** Exact mean (ms), undefined when empty. */
  get mean(): number | undefined {
    return this.n === 0 ? undefined : this.sum / this.n;
  }

  /** Exact minimum (ms), undefined when empty. */
  get min(): number | undefined {
    return this.n === 0 ? undefined : this.lo;
  }

  /** Exact maximum (ms), undefined when empty. */
  get max(): number | undefined {
    return this.n === 0 ? undefined : this.hi;
  }

  /** p-th percentile (0 ≤ p ≤ 100) in ms, HDR nearest-rank; undefined when empty. */
  percentile(p: number): number | undefined {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
    if (this.n === 0) return undefined;
    const v = this.h.getValueAtPercentile(p) / US_PER_MS;
    // The bucket's upper edge can exceed the largest value recorded; never report beyond it.
    return Math.min(Math.max(v, this.lo), this.hi);
  }

  serialize(): SerializedLatencyHistogram {
    const out: SerializedLatencyHistogram = {
      hdr: encodeIntoCompressedBase64(this.h),
      count: this.n,
      sumMs: this.sum,
      dropped: this.nDropped,
    };
    if (this.n > 0) {
      out.minMs = this.lo;
      out.maxMs = this.hi;
    }
    return out;
  }

  static deserialize(s: SerializedLatencyHistogram, opts: LatencyHistogramOptions = {}): LatencyHistogram {
    const out = new LatencyHistogram(opts);
    const decoded = decodeFromCompressedBase64(s.hdr, 32, false);
    out.h.add(decoded);
    decoded.destroy();
    out.n = s.count;
    out.sum = s.sumMs;
    out.nDropped = s.dropped;
    if (s.minMs !== undefined) out.lo = s.minMs;
    if (s.maxMs !== undefined) out.hi = s.maxMs;
    return out;
  }
}
