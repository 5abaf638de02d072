/** The soak scenario kind: hours of mixed traffic, judged window by window for drift (the seed's Phase 2.5). */
import type { SoakScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import { loadScript } from "../conversation/scripts.js";
import type { ScenarioModule } from "../types.js";
import { analyzeSoak, SOAK_DEFAULT_THRESHOLDS, SOAK_METRICS, type SoakDetail } from "./analyze.js";
import { runSoak, soakTasks } from "./driver.js";
import { soakPlan } from "./plan.js";

export const soakScenario: ScenarioModule<SoakScenarioConfig, SoakDetail> = {
  kind: "soak",
  metricNames: SOAK_METRICS,
  defaultThresholds: SOAK_DEFAULT_THRESHOLDS,
  validate(config) {
    const plan = soakPlan(config);
    const uses = new Set(plan.mix.map((m) => m.kind));
    if (uses.has("reasoning") && soakTasks(config).length === 0) {
      throw new ConfigError(`scenario "${config.name}": the reasoning pack "${config.reasoning.pack}" has no task; set mix.reasoning: 0 or name another pack.`);
    }
    if (uses.has("conversation") && config.conversation.script !== "auto") loadScript(config.conversation.script);
  },
  run: runSoak,
  analyze: analyzeSoak,
};

export type { SoakDetail };
