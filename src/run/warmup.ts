/**
 * Warm-up: a few tiny requests before the scenarios, so that the first measured request
 * does not pay for opening the connection (and the server's first-request costs). They are
 * recorded like any request, under the reserved scenario name "warmup", and no analysis
 * counts them.
 */
import { randomUUID } from "node:crypto";
import { RESERVED_SCENARIO_NAME } from "../config/rules.js";
import type { ScenarioContext } from "../scenarios/types.js";
import { sendChat } from "../scenarios/common.js";
import { RECORD_VERSION } from "../store/records.js";

export const WARMUP_SCENARIO = RESERVED_SCENARIO_NAME;

export async function warmUp(count: number, ctx: ScenarioContext): Promise<void> {
  for (let i = 1; i <= count && !ctx.signal.aborted; i++) {
    // A unique nonce so the warm-up cannot seed the prefix cache for what follows.
    const messages = [{ role: "user" as const, content: `Warm-up ${randomUUID()}: reply with one word.` }];
    const { result, params } = await sendChat(ctx, messages, { maxTokens: 4, temperature: 0 });
    ctx.record({
      v: RECORD_VERSION,
      id: `${WARMUP_SCENARIO}/${i}`,
      scenario: WARMUP_SCENARIO,
      kind: WARMUP_SCENARIO,
      newMessages: messages,
      messageCount: 1,
      params,
      result,
    });
    if (!result.ok) {
      ctx.events.emit(
        "warning",
        `warm-up request ${i} failed (${result.error?.kind ?? "?"}: ${result.error?.message ?? ""}); the scenarios will tell whether this persists.`,
      );
    }
  }
}
