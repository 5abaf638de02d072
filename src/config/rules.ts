/**
 * Checks that span several fields, run on a suite that passed the schema. They live here,
 * not as zod refinements, so the schema's objects stay plain (extendable) objects.
 */
import type { PendingIssue } from "./issues.js";
import { looksLikeSecret } from "./issues.js";
import type { ScenarioConfig, Suite } from "./schema.js";

/** Records of the warm-up requests carry this scenario name (src/run/warmup.ts). */
export const RESERVED_SCENARIO_NAME = "warmup";

export function crossFieldIssues(suite: Suite): PendingIssue[] {
  const out: PendingIssue[] = [];
  const { target } = suite;

  if (target.api_key_env !== undefined && looksLikeSecret(target.api_key_env)) {
    out.push({
      path: ["target", "api_key_env"],
      at: "value",
      message:
        "this looks like an API key itself, not the name of an environment variable; " +
        "put the key in a variable (export VLLM_API_KEY=…) and write api_key_env: VLLM_API_KEY",
    });
  }
  if (target.url !== undefined && target.sim !== undefined) {
    out.push({
      path: ["target", "sim"],
      at: "key",
      message: "simulator knobs apply only when target.url is absent (the embedded simulator); remove target.sim or target.url",
    });
  }

  const firstByName = new Map<string, number>();
  suite.scenarios.forEach((scenario, i) => {
    const first = firstByName.get(scenario.name);
    if (scenario.name === RESERVED_SCENARIO_NAME) {
      out.push({
        path: ["scenarios", i, "name"],
        at: "value",
        message: `"${RESERVED_SCENARIO_NAME}" is reserved for the warm-up requests; choose another scenario name`,
      });
    } else if (first === undefined) firstByName.set(scenario.name, i);
    else {
      out.push({
        path: ["scenarios", i, "name"],
        at: "value",
        message: `scenario name "${scenario.name}" is already used by scenarios[${first}]; give each scenario its own name`,
      });
    }
    out.push(...scenarioIssues(scenario, i));
  });
  return out;
}

function scenarioIssues(scenario: ScenarioConfig, index: number): PendingIssue[] {
  const out: PendingIssue[] = [];
  if (scenario.kind === "conversation" && scenario.windows) {
    scenario.windows.forEach(([first, last], j) => {
      if (last > scenario.turns) {
        out.push({
          path: ["scenarios", index, "windows", j],
          at: "value",
          message: `window [${first}, ${last}] ends after the last turn (turns: ${scenario.turns})`,
        });
      }
    });
  }
  return out;
}
