/** The cache scenario kind: how much the server's prefix/KV cache speeds up prompt processing (the seed report's Phase 2.1). */
import type { CacheScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import type { ScenarioModule } from "../types.js";
import { analyzeCache, CACHE_DEFAULT_THRESHOLDS, CACHE_METRICS, type CacheDetail } from "./analyze.js";
import { runCache } from "./driver.js";
import { loadDocument } from "./prompts.js";

export const cacheScenario: ScenarioModule<CacheScenarioConfig, CacheDetail> = {
  kind: "cache",
  metricNames: CACHE_METRICS,
  defaultThresholds: CACHE_DEFAULT_THRESHOLDS,
  validate(config) {
    const seen = new Set<string>();
    for (const p of config.probes) {
      if (seen.has(p)) throw new ConfigError(`scenario "${config.name}": probe "${p}" is listed twice in probes; list each probe once.`);
      seen.add(p);
    }
    if (config.document !== undefined) loadDocument(config.document);
  },
  run: runCache,
  analyze: analyzeCache,
};

export { CACHE_METRICS, CACHE_DEFAULT_THRESHOLDS };
export type { CacheDetail };
