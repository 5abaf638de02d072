/** The load scenario kind: closed-loop and open-loop (constant, Poisson, gamma) load with SLO goodput. */
import type { LoadScenarioConfig } from "../../config/schema.js";
import { validateDataset, type DatasetCheckConfig } from "../../workload/datasets.js";
import type { ScenarioModule } from "../types.js";
import { analyzeLoad, LOAD_DEFAULT_THRESHOLDS, LOAD_METRICS, type LoadDetail, type LoadResultDetail, type LoadSweepDetail } from "./analyze.js";
import { runLoad } from "./driver.js";
import { totalRequests } from "./request.js";

/** The scenario's dataset as known before the run (the tokenizer may still be "auto"). */
function datasetCheck(config: LoadScenarioConfig): DatasetCheckConfig {
  const ds = config.dataset;
  if (ds.source === "synthetic") return { ...ds, input_tokens: config.input_tokens, output_tokens: config.output_tokens, seed: config.seed };
  return { ...ds, seed: config.seed };
}

export const loadScenario: ScenarioModule<LoadScenarioConfig, LoadResultDetail> = {
  kind: "load",
  metricNames: LOAD_METRICS,
  defaultThresholds: LOAD_DEFAULT_THRESHOLDS,
  validate(config) {
    // Reads and checks the whole dataset file now (kept for the load), so a bad dataset fails before the suite's first request.
    validateDataset(datasetCheck(config), totalRequests(config));
  },
  run: runLoad,
  analyze: analyzeLoad,
};

export type { LoadDetail, LoadResultDetail, LoadSweepDetail };
