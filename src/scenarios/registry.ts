/** Scenario kinds by name. A new kind registers here and in the suite schema. */
import type { ScenarioConfig } from "../config/schema.js";
import { checkThresholdMetrics, parseThreshold } from "../config/thresholds.js";
import { ConfigError } from "../errors.js";
import { cacheScenario } from "./cache/index.js";
import { conversationScenario } from "./conversation/index.js";
import { loadScenario } from "./load/index.js";
import { reasoningScenario } from "./reasoning/index.js";
import { soakScenario } from "./soak/index.js";
import { toolsScenario } from "./tools/index.js";
import type { ScenarioModule } from "./types.js";

const MODULES: Record<ScenarioConfig["kind"], ScenarioModule<never, unknown>> = {
  conversation: conversationScenario as ScenarioModule<never, unknown>,
  cache: cacheScenario as ScenarioModule<never, unknown>,
  reasoning: reasoningScenario as ScenarioModule<never, unknown>,
  tools: toolsScenario as ScenarioModule<never, unknown>,
  load: loadScenario as ScenarioModule<never, unknown>,
  soak: soakScenario as ScenarioModule<never, unknown>,
};

export function scenarioModule<C extends ScenarioConfig>(kind: C["kind"]): ScenarioModule<C, unknown> {
  return MODULES[kind] as unknown as ScenarioModule<C, unknown>;
}

export const SCENARIO_KINDS = Object.keys(MODULES) as ScenarioConfig["kind"][];

/**
 * Checks what the schema cannot, before the run connects to the target: thresholds name
 * known metrics, options fit together, and every file the scenario reads (script, task or
 * tool pack, cache document, dataset) is read and checked now, so that bad data in a later
 * scenario fails before the first request. A ConfigError from the kind's checks is given
 * the scenario's name when it does not say it already.
 */
export function validateScenario(config: ScenarioConfig): void {
  const mod = scenarioModule(config.kind);
  if (config.thresholds) {
    checkThresholdMetrics(config.thresholds.map(parseThreshold), mod.metricNames, `scenario "${config.name}"`);
  }
  try {
    mod.validate?.(config);
  } catch (e) {
    if (e instanceof ConfigError && !e.message.startsWith(`scenario "${config.name}"`)) {
      const named = new ConfigError(`scenario "${config.name}" (${config.kind}): ${e.message}`, e.code);
      throw named;
    }
    throw e;
  }
}
