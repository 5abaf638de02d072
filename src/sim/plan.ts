/**
 * Plans a reply before it is "generated": the exact token strings, which part each token
 * belongs to (reasoning or answer), and the finish reason. The engine then only decides
 * when each token comes out.
 */
import { Rng } from "./hash.js";
import type { SimLengthDistribution, SimReasoningMode } from "./options.js";
import { generateProse, naturalLength, reasoningOpener, sampleLength } from "./reply.js";
import { tokenId } from "./tokenizer.js";

export interface ReplyPlanInput {
  seed: number;
  /** Hash of the rendered prompt: the same conversation replays the same reply. */
  promptHash: number;
  /** The request's own `seed`, if any. */
  requestSeed: number | undefined;
  promptTokens: number;
  maxModelLen: number;
  replyTokens: SimLengthDistribution;
  reasoningTokens: SimLengthDistribution;
  reasoning: SimReasoningMode;
  /** max_completion_tokens ?? max_tokens, if given. */
  maxTokens: number | undefined;
  minTokens: number | undefined;
  ignoreEos: boolean;
  /**
   * 0 or undefined: the reply as always. Another value joins the seeds, so the text (and
   * length) is another one: the simulator's answerChangeAfter, a silent model swap.
   */
  answerEpoch?: number;
}

export type TokenPart = "reasoning" | "content";

export interface ReplyPlan {
  /** Token strings, one per generated token, in order. */
  tokens: string[];
  /** Part of each token (same length as tokens). */
  parts: TokenPart[];
  /** Token ids (same length as tokens). */
  ids: number[];
  finishReason: "stop" | "length";
  /** Tokens in the reasoning part (think tags included in think_tag mode). */
  reasoningTokens: number;
}

const STREAM_LENGTHS = 1;
const STREAM_REASONING = 2;
const STREAM_ANSWER = 3;

function reasoningPart(rng: Rng, lenRng: Rng, dist: SimLengthDistribution, mode: SimReasoningMode): string[] {
  const target = sampleLength(lenRng, dist);
  const prose = generateProse(rng, target + 40, reasoningOpener(rng));
  const n = naturalLength(prose, target, dist.min, dist.max);
  const body = prose.tokens.slice(0, n);
  if (mode === "think_tag") return ["<think>", "\n", ...body, "\n", "</think>", "\n\n"];
  return body;
}

export function planReply(input: ReplyPlanInput): ReplyPlan {
  const seeds = [input.seed, input.promptHash, input.requestSeed ?? 0];
  if (input.answerEpoch) seeds.push(input.answerEpoch);
  const lenRng = new Rng(...seeds, STREAM_LENGTHS);
  const answerTarget = sampleLength(lenRng, input.replyTokens);
  const reasoning =
    input.reasoning === "none" ? [] : reasoningPart(new Rng(...seeds, STREAM_REASONING), lenRng, input.reasoningTokens, input.reasoning);

  const room = input.maxModelLen - input.promptTokens;
  const cap = Math.max(1, Math.min(input.maxTokens ?? room, room));
  const minTokens = Math.min(input.minTokens ?? 0, cap);

  // Generate enough prose for the natural length, min_tokens and ignore_eos; sentence
  // order does not depend on how much is generated, so the natural length is stable.
  const wantAnswer = Math.max(answerTarget + 60, minTokens - reasoning.length, input.ignoreEos ? cap - reasoning.length : 0);
  const prose = generateProse(new Rng(...seeds, STREAM_ANSWER), Math.min(wantAnswer, cap + 60));
  const answerLen = naturalLength(prose, answerTarget, input.replyTokens.min, input.replyTokens.max);

  let total: number;
  let finishReason: "stop" | "length";
  if (input.ignoreEos) {
    total = cap;
    finishReason = "length";
  } else {
    const natural = Math.max(reasoning.length + answerLen, minTokens);
    if (natural > cap) {
      total = cap;
      finishReason = "length";
    } else {
      total = natural;
      finishReason = "stop";
    }
  }

  let answerTokens = prose.tokens;
  if (reasoning.length + answerTokens.length < total) {
    // Same seed, more sentences: the shorter text is a prefix of the longer one.
    answerTokens = generateProse(new Rng(...seeds, STREAM_ANSWER), total - reasoning.length).tokens;
  }
  const all = [...reasoning, ...answerTokens];
  const parts: TokenPart[] = [];
  for (let i = 0; i < total; i++) parts.push(i < reasoning.length ? "reasoning" : "content");
  // think_tag reasoning is inline content.
  if (input.reasoning === "think_tag") parts.fill("content");
  const tokens = all.slice(0, total);
  return {
    tokens,
    parts,
    ids: tokens.map(tokenId),
    finishReason,
    reasoningTokens: Math.min(reasoning.length, total),
  };
}
