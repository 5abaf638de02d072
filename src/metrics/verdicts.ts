/**
 * Verdicts: a threshold checked against a measured figure — pass, fail, inconclusive, or not
 * measured. A figure that could not be measured is never counted as a pass or as a fail; a
 * breach that the evidence cannot pin on the server (within noise, or measured by an
 * overloaded client) is inconclusive, with the reason, never a fail.
 */

export type ThresholdOp = "<" | "<=" | ">" | ">=";

/**
 * A parsed threshold, e.g. "ttft.mean < 4000" → { source: "ttft.mean < 4000",
 * metric: "ttft.mean", op: "<", value: 4000 }. `value` is in the metric's own unit:
 * milliseconds for durations, tokens/s for rates, and a fraction for ratios — so the parser
 * turns "degradation.ttft < 20%" into value 0.2, "success_rate > 95%" into 0.95 and
 * "e2e.p90 < 5s" into 5000.
 */
export interface Threshold {
  source: string;
  metric: string;
  op: ThresholdOp;
  value: number;
}

export type VerdictStatus = "pass" | "fail" | "inconclusive" | "not_measured";

export interface Verdict {
  /** The threshold as written. */
  threshold: string;
  metric: string;
  op: ThresholdOp;
  limit: number;
  /** The measured figure; absent when not measured. */
  value?: number;
  status: VerdictStatus;
  /** Samples the measured figure rests on, when known. */
  n?: number;
  /** Why the verdict is inconclusive (or a pass that needed a word: "within noise"), in one sentence. */
  reason?: string;
}

export interface Measured {
  value?: number;
  n?: number;
}

/** True when `value op limit` holds. */
export function compare(value: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case "<":
      return value < limit;
    case "<=":
      return value <= limit;
    case ">":
      return value > limit;
    case ">=":
      return value >= limit;
  }
}

/**
 * Checks one threshold. Not measured when the value is missing or not finite, or when it
 * rests on n = 0 samples; otherwise pass or fail by the comparison (no tolerance: a value
 * equal to the limit fails "<" and passes "<=").
 */
export function evaluate(th: Threshold, measured: Measured): Verdict {
  const v: Verdict = { threshold: th.source, metric: th.metric, op: th.op, limit: th.value, status: "not_measured" };
  if (measured.n !== undefined) v.n = measured.n;
  const x = measured.value;
  if (x === undefined || !Number.isFinite(x) || measured.n === 0) return v;
  v.value = x;
  v.status = compare(x, th.op, th.value) ? "pass" : "fail";
  return v;
}

/**
 * Overall status of a set of verdicts: "fail" if any failed; otherwise "inconclusive" if
 * any was; otherwise "pass" if at least one passed (not-measured ones do not spoil a pass,
 * but reports list them); "not_measured" only when nothing was measured — including an
 * empty list.
 */
export function overallStatus(verdicts: readonly Pick<Verdict, "status">[]): VerdictStatus {
  let anyPass = false;
  let anyInconclusive = false;
  for (const v of verdicts) {
    if (v.status === "fail") return "fail";
    if (v.status === "inconclusive") anyInconclusive = true;
    if (v.status === "pass") anyPass = true;
  }
  return anyInconclusive ? "inconclusive" : anyPass ? "pass" : "not_measured";
}
