/**
 * One load request, from prompt to record: what the main thread and the worker threads
 * (load.workers) share, so a request is sent and recorded the same way wherever it runs.
 */
import type { ChatClient } from "../../client/index.js";
import type { LoadScenarioConfig } from "../../config/schema.js";
import { RECORD_VERSION, type RequestRecord } from "../../store/records.js";
import type { Send, StagePlan } from "../../workload/dispatch.js";
import { loadDataset, type DatasetConfig, type DatasetInfo, type DatasetRequest } from "../../workload/datasets.js";
import { tokenizerForModel, type TokenCounter, type TokenizerName } from "../../workload/tokenizers.js";

/** The scenario's requests, by index (deterministic: every thread builds the same). */
export type RequestSource = (index: number) => DatasetRequest;

/** Requests the scenario sends at most: a sweep's stages each send `requests`, with prompts of their own. */
export function totalRequests(config: LoadScenarioConfig): number {
  return config.mode === "sweep" ? config.requests * (2 + config.sweep.rates) : config.requests;
}

/**
 * The tokenizer a scenario uses: the one named; for "auto", the local one the served model's
 * name points to (qwen3, llama3), else the server's own when it counts tokens
 * (`serverCounts`: it answered /tokenize), else approx (estimates).
 */
export function resolveTokenizer(choice: TokenizerName | "auto", model: string, serverCounts = false): TokenizerName {
  if (choice !== "auto") return choice;
  return tokenizerForModel(model) ?? (serverCounts ? "server" : "approx");
}

/** The dataset config of a scenario: its `dataset` key with the scenario's lengths, seed and tokenizer (resolved by the caller, else from the name). */
export function datasetConfig(config: LoadScenarioConfig, model: string, resolved?: TokenizerName): DatasetConfig {
  const ds = config.dataset;
  const tokenizer = resolved ?? resolveTokenizer(ds.tokenizer, model);
  if (ds.source === "synthetic")
    return { ...ds, tokenizer, input_tokens: config.input_tokens, output_tokens: config.output_tokens, seed: config.seed };
  return { ...ds, tokenizer, seed: config.seed };
}

/** Loads the scenario's requests (before the clock starts); `counter` counts for `tokenizer: server`. */
export async function requestSource(
  config: LoadScenarioConfig,
  model: string,
  opts: { tokenizer?: TokenizerName; counter?: TokenCounter } = {},
): Promise<{ source: RequestSource; info: DatasetInfo }> {
  const ds = await loadDataset(datasetConfig(config, model, opts.tokenizer), totalRequests(config), opts.counter ? { counter: opts.counter } : {});
  return { source: (i) => ds.get(i), info: ds.info };
}

/** The request body fields that ask for exactly `tokens` tokens; target.extra_body wins. */
export function exactLengthBody(tokens: number, targetExtra: Record<string, unknown> | undefined): Record<string, unknown> {
  return { min_tokens: tokens, ignore_eos: true, ...(targetExtra ?? {}) };
}

/** What a thread needs to send the scenario's requests. */
export interface LoadSender {
  client: ChatClient;
  model: string;
  stream: boolean;
  continuousUsage: boolean;
  /** target.extra_body */
  extraBody: Record<string, unknown> | undefined;
  source: RequestSource;
  signal: AbortSignal;
}

/**
 * The Send of a stage: request `base + index` of the source, recorded under the stage's id
 * `<scenario>/[<stage>/]r<index+1>`, with its intended send and slot wait when given.
 */
export function stageSend(config: LoadScenarioConfig, plan: StagePlan, base: number, s: LoadSender, record: (rec: RequestRecord) => void): Send {
  const width = String(config.requests).length;
  return async (index, timing) => {
    const req = s.source(base + index);
    const maxTokens = req.outputTokens ?? config.output_tokens;
    const result = await s.client.chat({
      model: s.model,
      messages: req.messages,
      stream: s.stream,
      maxTokens,
      continuousUsage: s.continuousUsage,
      extraBody: exactLengthBody(maxTokens, s.extraBody),
      signal: s.signal,
    });
    record({
      v: RECORD_VERSION,
      id: `${config.name}/${plan.stage ? `${plan.stage.name}/` : ""}r${String(index + 1).padStart(width, "0")}`,
      scenario: config.name,
      kind: config.kind,
      iteration: index + 1,
      concurrency: plan.concurrency,
      ...(plan.stage ? { stage: plan.stage } : {}),
      newMessages: req.messages,
      messageCount: req.messages.length,
      ...(req.inputTokens !== undefined ? { inputTokens: req.inputTokens } : {}),
      ...(req.askedInputTokens !== undefined ? { inputTokensAsked: req.askedInputTokens } : {}),
      params: { model: s.model, maxTokens, stream: s.stream },
      ...(timing.intendedSendPerfMs !== undefined
        ? { intendedSendPerfMs: timing.intendedSendPerfMs, clientLagMs: result.sentPerfMs - timing.intendedSendPerfMs }
        : {}),
      ...(timing.slotWaitMs !== undefined ? { slotWaitMs: timing.slotWaitMs } : {}),
      result,
    });
  };
}
