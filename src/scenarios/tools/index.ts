/** The tools scenario kind: tool-calling correctness of the server's parser and the model's calls. */
import type { ToolsScenarioConfig } from "../../config/schema.js";
import type { ScenarioModule } from "../types.js";
import { analyzeTools, TOOLS_DEFAULT_THRESHOLDS, TOOLS_METRICS, type ToolsDetail } from "./analyze.js";
import { runTools } from "./driver.js";
import { resolveToolSpecs } from "./executors.js";
import { selectCases } from "./packs.js";

export const toolsScenario: ScenarioModule<ToolsScenarioConfig, ToolsDetail> = {
  kind: "tools",
  metricNames: TOOLS_METRICS,
  defaultThresholds: TOOLS_DEFAULT_THRESHOLDS,
  validate(config) {
    // Loads the cases and resolves their tools now, so bad data fails before the run.
    for (const c of selectCases(config)) resolveToolSpecs(c.tools);
  },
  run: runTools,
  analyze: analyzeTools,
};

export type { ToolsDetail };
