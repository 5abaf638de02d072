import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import type { ConversationScenarioConfig, Suite } from "../../../src/config/schema.js";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/suites/", import.meta.url));

export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

/** Runs `fn`, asserts it throws a ConfigError (exit 2) and returns it. */
export function configError(fn: () => unknown): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, "expected a ConfigError to be thrown").toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.exitCode).toBe(2);
  return err;
}

/** The conversation scenarios of a suite, typed as such (tests of conversation options). */
export function conversations(suite: Suite): ConversationScenarioConfig[] {
  return suite.scenarios.filter((s): s is ConversationScenarioConfig => s.kind === "conversation");
}
