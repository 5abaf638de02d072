/**
 * One line of records.jsonl: one HTTP exchange with its place in the workload and the
 * client's full result (every timestamp, token count, full texts, classified error).
 */
import type { ChatResult } from "../client/types.js";
import type { WireMessage } from "../wire/openai.js";
import type { GradeResult } from "../grading/types.js";
import type { Task } from "../scenarios/reasoning/pack.js";
import type { ToolCase } from "../scenarios/tools/case.js";

export const RECORD_VERSION = 1;

/** A stage of a load sweep, as the driver chose it at run time. */
export interface LoadStage {
  /** "synchronous", "throughput", "rate-1", … */
  name: string;
  mode: "closed" | "constant" | "poisson" | "gamma";
  /** Open-loop stages: the target rate (req/s). */
  rate?: number;
  /** Closed loop: requests in flight; open loop: the most in flight. */
  concurrency: number;
}

export interface RequestRecord {
  v: typeof RECORD_VERSION;
  /** Unique within the run, e.g. "conversation/i2/t7". */
  id: string;
  /** Scenario name (unique within the suite) and kind. */
  scenario: string;
  kind: string;
  /** Session (one multi-turn conversation) and position in it, where the scenario has them. */
  session?: string;
  iteration?: number;
  turn?: number;
  /** Probe within a scenario that has several (the cache scenario: "continued", "independent", "shared_prefix"). */
  probe?: string;
  /**
   * What the request is for within its probe (the cache scenario: "miss", "hit", or "warm",
   * a request that loads a prefix into the server's cache and is excluded from the figures).
   */
  role?: string;
  /** Sessions the scenario ran at once when this request was sent (its concurrency level). */
  concurrency?: number;
  /** Messages added to the conversation by this request (the full prompt = earlier turns + these). */
  newMessages: WireMessage[];
  /** Number of messages sent in the request (history included). */
  messageCount: number;
  /** Request parameters that shape the answer. */
  params: { model: string; maxTokens?: number; temperature?: number; seed?: number; stream: boolean };
  /** Reasoning scenario: the task asked, as it was (criteria included), so a re-analysis grades against what ran. */
  task?: Task;
  /** Tool-calling scenario: the case as it ran (on its first step's record). */
  toolCase?: ToolCase;
  /**
   * Load scenario, open loop: when the arrival schedule meant this request to be sent
   * (performance.now(), the clock of result.sentPerfMs, which is the actual send).
   */
  intendedSendPerfMs?: number;
  /** Load scenario, open loop: actual send − intended send (ms), any wait for a slot included. */
  clientLagMs?: number;
  /** Load scenario: prompt tokens of the message contents as the dataset's tokenizer counted them (no chat template). */
  inputTokens?: number;
  /** Load scenario, synthetic prompts: the prompt length asked (whatever the tokenizer; with approx the prompt is an estimate of it). */
  inputTokensAsked?: number;
  /** Load scenario, sweep: the stage the request belongs to. */
  stage?: LoadStage;
  /** Load scenario: time the request waited for a free concurrency slot before it was sent (ms); a request due while the dispatcher waited for an earlier one's slot counts from its intended send. */
  slotWaitMs?: number;
  /** A judge's exchange: which record it judged, and the grades it gave (beside the rule-based ones). */
  judged?: { recordId: string; grades: GradeResult[] };
  result: ChatResult;
}
