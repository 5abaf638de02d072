import { describe, expect, it } from "vitest";
import { checkThresholdMetrics, parseThreshold, parseThresholds } from "../../../src/config/thresholds.js";
import { configError } from "./helpers.js";

describe("parseThreshold", () => {
  it("parses a bare number in the metric's own unit", () => {
    expect(parseThreshold("ttft.mean < 4000")).toEqual({ source: "ttft.mean < 4000", metric: "ttft.mean", op: "<", value: 4000 });
  });

  it.each([
    ["ttft.p90 <= 4000ms", { metric: "ttft.p90", op: "<=", value: 4000, unit: "ms" }],
    ["ttft.p90 <= 4 s", { metric: "ttft.p90", op: "<=", value: 4000, unit: "ms" }],
    ["e2e.p99<2.5s", { metric: "e2e.p99", op: "<", value: 2500, unit: "ms" }],
    ["degradation.ttft < 20%", { metric: "degradation.ttft", op: "<", value: 0.2, unit: "%" }],
    ["degradation.ttft > -10%", { metric: "degradation.ttft", op: ">", value: -0.1, unit: "%" }],
    ["success_rate >= 95%", { metric: "success_rate", op: ">=", value: 0.95, unit: "%" }],
    ["output_tps.mean > 35 tok/s", { metric: "output_tps.mean", op: ">", value: 35, unit: "tok/s" }],
    ["  ttft.std   <   200  ", { metric: "ttft.std", op: "<", value: 200 }],
  ])("%s", (source, expected) => {
    const t = parseThreshold(source);
    expect(t).toMatchObject(expected);
    expect(t.source).toBe(source.trim());
    if (!("unit" in expected)) expect(t.unit).toBeUndefined();
  });

  it("keeps a percentage a fraction, with no rounding surprise", () => {
    expect(parseThreshold("success_rate > 99.5%").value).toBeCloseTo(0.995, 12);
  });

  it.each([
    "ttft.mean <<< 4000",
    "ttft.mean = 4000",
    "ttft.mean < fast",
    "< 4000",
    "TTFT.mean < 4000",
    "ttft.mean < 4000 minutes",
    "ttft.mean < 4e3",
    "ttft..mean < 4000",
    "ttft. < 4000",
    "",
  ])("rejects %j and says the accepted form", (source) => {
    const err = configError(() => parseThreshold(source));
    expect(err.message).toMatch(/^bad threshold /);
    if (!source.includes("..") && !source.includes(". ")) expect(err.message).toMatch(/<metric> <op> <value>\[unit\]/);
  });

  it("parseThresholds prefixes errors with where they are", () => {
    const err = configError(() => parseThresholds(["ttft.mean < 4000", "nope"], "suite.yaml: scenarios[0].thresholds"));
    expect(err.message).toMatch(/^suite\.yaml: scenarios\[0\]\.thresholds: bad threshold "nope"/);
  });
});

describe("checkThresholdMetrics", () => {
  const known = ["ttft.mean", "ttft.p90", "success_rate", "degradation.ttft"] as const;

  it("accepts known metrics", () => {
    expect(() => checkThresholdMetrics(["ttft.mean < 4000", "success_rate > 95%"].map(parseThreshold), known, "x")).not.toThrow();
  });

  it("names every unknown metric, suggests the closest and lists the known ones", () => {
    const thresholds = ["ttft.maen < 4000", "ttft.mean < 4000", "goodput > 3"].map(parseThreshold);
    const err = configError(() => checkThresholdMetrics(thresholds, known, 'scenario "conversation"'));
    expect(err.message).toBe(
      'scenario "conversation": unknown metric "ttft.maen" in threshold "ttft.maen < 4000" (did you mean "ttft.mean"?); ' +
        'unknown metric "goodput" in threshold "goodput > 3"; known metrics: ttft.mean, ttft.p90, success_rate, degradation.ttft',
    );
  });
});
