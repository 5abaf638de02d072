/** The load scenario kind: closed-loop and open-loop (constant, Poisson, gamma) load with SLO goodput. */
import type { LoadScenarioConfig } from "../../config/schema.js";
import type { ScenarioModule } from "../types.js";
import { analyzeLoad, LOAD_DEFAULT_THRESHOLDS, LOAD_METRICS, type LoadDetail, type LoadResultDetail, type LoadSweepDetail } from "./analyze.js";
import { runLoad } from "./driver.js";

export const loadScenario: ScenarioModule<LoadScenarioConfig, LoadResultDetail> = {
  kind: "load",
  metricNames: LOAD_METRICS,
  defaultThresholds: LOAD_DEFAULT_THRESHOLDS,
  run: runLoad,
  analyze: analyzeLoad,
};

export type { LoadDetail, LoadResultDetail, LoadSweepDetail };
