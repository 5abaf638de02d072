/** The reasoning scenario kind: task packs graded by tolerant, explained graders (the seed's Phase 2.3). */
import type { ReasoningScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import type { ScenarioModule } from "../types.js";
import { analyzeReasoning, REASONING_DEFAULT_THRESHOLDS, REASONING_METRICS, type ReasoningDetail } from "./analyze.js";
import { runReasoning } from "./driver.js";
import { selectTasks } from "./packs.js";

export const reasoningScenario: ScenarioModule<ReasoningScenarioConfig, ReasoningDetail> = {
  kind: "reasoning",
  metricNames: REASONING_METRICS,
  defaultThresholds: REASONING_DEFAULT_THRESHOLDS,
  validate(config) {
    // Loads the packs now, so a bad pack fails before the run starts. Judge criteria without
    // a judge are fine: they are reported as not graded.
    const tasks = selectTasks(config);
    if (config.judge && !tasks.some((t) => t.criteria.some((c) => c.grader === "judge"))) {
      throw new ConfigError(`scenario "${config.name}": a judge is configured but no selected task has a criterion with grader: judge.`);
    }
  },
  run: runReasoning,
  analyze: analyzeReasoning,
};

export type { ReasoningDetail };
