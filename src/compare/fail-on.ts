/**
 * `--fail-on EXPR`: a bound on the change B vs A, in the thresholds' syntax, that fails the
 * diff when a change beyond it is significant. "ttft.p90 > +10%" fails when TTFT p90 grew by
 * more than 10 % (relative change B / A − 1) and the growth is beyond noise; a value with ms,
 * s or tok/s, or without a unit, bounds the absolute change in that unit (the figure's own unit
 * without one): "ttft.p90 > 50ms", "success_rate < -0.02". The metric may be prefixed with a
 * scenario name ("conversation.ttft.p90") to bound it in that scenario only.
 */
import { parseThreshold } from "../config/thresholds.js";
import { ConfigError } from "../errors.js";
import { compare, type ThresholdOp } from "../metrics/verdicts.js";

export interface FailOnBound {
  /** As written. */
  source: string;
  metric: string;
  op: ThresholdOp;
  /** The bound: a fraction when relative, else in `unit` (ms for seconds). */
  value: number;
  /** True for a percentage: a bound on the relative change. */
  relative: boolean;
  /** The unit written ("ms", "tok/s"); absent: relative, or the figure's own unit. */
  unit?: "ms" | "tok/s";
}

/** Parses one --fail-on expression; a leading + on the value is allowed ("+10%"). ConfigError when it does not parse. */
export function parseFailOn(expr: string): FailOnBound {
  const normalised = expr.replace(/(<=|>=|<|>)\s*\+\s*(?=\d)/, "$1 ");
  let th;
  try {
    th = parseThreshold(normalised);
  } catch (e) {
    if (e instanceof ConfigError) {
      throw new ConfigError(
        `--fail-on ${JSON.stringify(expr)}: expected a bound on the change B vs A, "<figure> <op> <value>[unit]" with op one of < <= > >= and unit one of %, ms, s, tok/s: ` +
          `with %, the relative change ("ttft.p90 > +10%", "output_tps.mean < -5%"); otherwise the change in that unit, or in the figure's own ("e2e.p50 > 200ms", "success_rate < -0.01")`,
      );
    }
    throw e;
  }
  const bound: FailOnBound = { source: expr.trim(), metric: th.metric, op: th.op, value: th.value, relative: th.unit === "%" };
  if (th.unit === "ms" || th.unit === "tok/s") bound.unit = th.unit;
  return bound;
}

/** True when `change op bound` holds: the change is beyond the bound. */
export function beyond(change: number, b: Pick<FailOnBound, "op" | "value">): boolean {
  return compare(change, b.op, b.value);
}
