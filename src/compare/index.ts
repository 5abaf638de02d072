/** Comparing two runs: `shakedown diff` and its library entry point (docs/diff.md). */
export { diffRuns, DIFF_SCHEMA_VERSION } from "./diff.js";
export type { DiffOptions, DiffResult, FailOnOutcome, FigureDiff, FigureTest, RunSide, ScenarioDiff } from "./diff.js";
export { checkComparable, ANALYSIS_ONLY_OPTIONS, type Comparability } from "./comparable.js";
export { parseFailOn, type FailOnBound } from "./fail-on.js";
export { renderDiff, renderDiffMarkdown, renderDiffText, refusalText, type DiffFormat } from "./render.js";
