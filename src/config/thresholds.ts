/**
 * Thresholds are data, as in k6: "<metric> <op> <value>[unit]", e.g. "ttft.mean < 4000",
 * "ttft.p90 <= 4 s", "degradation.ttft < 20%", "success_rate > 95%", "tok_per_s.mean > 35 tok/s".
 * Values are normalised: a percentage is a fraction (20% → 0.2), seconds are milliseconds
 * (4 s → 4000, unit "ms").
 */
import { ConfigError } from "../errors.js";
import { closest } from "./describe.js";
import { THRESHOLD_RE } from "./schema.js";

import type { Threshold as EvaluatedThreshold, ThresholdOp } from "../metrics/verdicts.js";

export type { ThresholdOp };
export type ThresholdUnit = "%" | "ms" | "s" | "tok/s";

/** What the metrics' verdicts evaluate, plus the unit the text was written in. */
export interface Threshold extends EvaluatedThreshold {
  /**
   * The unit of `value` after normalisation: "%" (value is a fraction), "ms" (written in ms
   * or s), "tok/s"; absent when none was written (the metric's own unit). "s" is never produced.
   */
  unit?: ThresholdUnit;
}

export const THRESHOLD_FORMS =
  '"<metric> <op> <value>[unit]" with op one of < <= > >= and unit one of %, ms, s, tok/s, ' +
  'e.g. "ttft.mean < 4000", "ttft.p90 <= 4 s", "degradation.ttft < 20%", "success_rate > 95%"';

/** Parses one threshold; a ConfigError says the accepted form when it does not parse. */
export function parseThreshold(s: string): Threshold {
  const match = THRESHOLD_RE.exec(s);
  if (!match) throw new ConfigError(`bad threshold ${JSON.stringify(s)}: expected ${THRESHOLD_FORMS}`);
  const [, metric, op, number, unit] = match;
  if (metric === undefined || op === undefined || number === undefined) {
    throw new ConfigError(`bad threshold ${JSON.stringify(s)}: expected ${THRESHOLD_FORMS}`);
  }
  if (metric.endsWith(".") || metric.includes("..")) {
    throw new ConfigError(`bad threshold ${JSON.stringify(s)}: metric name ${JSON.stringify(metric)} has an empty part`);
  }
  const written = Number(number);
  const threshold: Threshold = { source: s.trim(), metric, op: op as ThresholdOp, value: written };
  switch (unit) {
    case "%":
      threshold.value = written / 100;
      threshold.unit = "%";
      break;
    case "s":
      threshold.value = written * 1000;
      threshold.unit = "ms";
      break;
    case "ms":
    case "tok/s":
      threshold.unit = unit;
      break;
    default:
      break;
  }
  if (!Number.isFinite(threshold.value)) {
    // 400 digits parse as Infinity, which no metric can be compared with (and JSON writes as null)
    throw new ConfigError(`bad threshold ${JSON.stringify(s)}: the value is too large; write a finite number`);
  }
  return threshold;
}

/** Parses a list of thresholds; `where` prefixes the error (e.g. "suite.yaml: scenarios[0].thresholds"). */
export function parseThresholds(sources: readonly string[], where: string): Threshold[] {
  return sources.map((s) => {
    try {
      return parseThreshold(s);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${where}: ${err.message}`);
      throw err;
    }
  });
}

/**
 * Throws a ConfigError naming every threshold whose metric the scenario does not publish,
 * with the list of metrics it does. `where` says which scenario (and file) it is.
 */
export function checkThresholdMetrics(thresholds: readonly Threshold[], known: readonly string[], where: string): void {
  const unknown = thresholds.filter((t) => !known.includes(t.metric));
  if (unknown.length === 0) return;
  const lines = unknown.map((t) => {
    const suggestion = closest(t.metric, known);
    return `unknown metric "${t.metric}" in threshold "${t.source}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`;
  });
  const knownList = known.length > 0 ? known.join(", ") : "(none)";
  throw new ConfigError(`${where}: ${lines.join("; ")}; known metrics: ${knownList}`);
}
