/** The conversation scenario kind: long multi-turn sessions (the seed report's Phase 2.2). */
import type { ConversationScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import type { ScenarioModule } from "../types.js";
import { analyzeConversation, CONVERSATION_DEFAULT_THRESHOLDS, CONVERSATION_METRICS, type ConversationDetail } from "./analyze.js";
import { concurrencyLevels, runConversation } from "./driver.js";
import { scriptsForIterations } from "./scripts.js";

export const conversationScenario: ScenarioModule<ConversationScenarioConfig, ConversationDetail> = {
  kind: "conversation",
  metricNames: CONVERSATION_METRICS,
  defaultThresholds: CONVERSATION_DEFAULT_THRESHOLDS,
  validate(config) {
    const sessions = concurrencyLevels(config).reduce((a, c) => a + c * config.iterations, 0);
    for (const s of new Set(scriptsForIterations(config.script, Math.min(sessions, 64)))) {
      if (s.turns.length < config.turns) {
        throw new ConfigError(
          `scenario "${config.name}": script "${s.name}" has ${s.turns.length} user turns but turns is ${config.turns}. Lower turns or give a longer script.`,
        );
      }
    }
  },
  run: runConversation,
  analyze: analyzeConversation,
};

export type { ConversationDetail };
