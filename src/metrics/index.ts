/**
 * Pure statistics over measured requests: summaries and percentiles, per-request figures,
 * turn windows and degradation, trends, bootstrap intervals, verdicts and a latency
 * histogram. Nothing here does I/O. docs/metrics.md defines every figure.
 */
export * from "./summary.js";
export * from "./request.js";
export * from "./windows.js";
export * from "./trend.js";
export * from "./bootstrap.js";
export * from "./verdicts.js";
export * from "./histogram.js";
export * from "./client-health.js";
