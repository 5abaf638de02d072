/**
 * Simulator options and the built-in profiles. A profile is a complete set of timing and
 * capacity parameters; options given explicitly override it.
 */
import { ConfigError } from "../errors.js";

export type SimProfileName = "default" | "seed" | "fast";

/** How reasoning is emitted: not at all, in `delta.reasoning`, or inline as <think>…</think> content. */
export type SimReasoningMode = "none" | "field" | "think_tag";

/**
 * How tool calls leave the simulator: "hermes" parses the model's <tool_call> text into
 * structured tool_calls (vLLM --enable-auto-tool-choice --tool-call-parser hermes);
 * "none" leaves it as raw text in the content (vLLM without a tool-call parser).
 */
export type SimToolParser = "hermes" | "none";

/** A token-count distribution: truncated normal around `mean`, spread (max − min) / 4, clamped to [min, max]. */
export interface SimLengthDistribution {
  mean: number;
  min: number;
  max: number;
}

/** The timing and capacity parameters a profile sets. */
export interface SimProfileParameters {
  /** Per-request time before the request reaches the scheduler queue (frontend, tokenization), ms. */
  overheadMs: number;
  /** Prefill time per uncached prompt token, ms. */
  prefillMsPerToken: number;
  /** Fixed time of one engine step (one forward pass), ms. */
  decodeStepMs: number;
  /** Extra step time per sequence decoding in the step, ms. */
  decodeStepMsPerSeq: number;
  /** Token budget of one step (decodes count 1 each, prefill chunks their size). vLLM --max-num-batched-tokens. */
  maxNumBatchedTokens: number;
  /** Running sequences at most; more wait in a FIFO queue. vLLM --max-num-seqs. */
  maxNumSeqs: number;
  /** Tokens per KV block. vLLM --block-size. */
  blockSize: number;
  /** KV budget in blocks (vLLM's num_gpu_blocks); must hold at least maxModelLen tokens. */
  kvBlocks: number;
  /** Longest prompt + output, tokens. vLLM --max-model-len. */
  maxModelLen: number;
  /** Natural reply length (answer tokens), when max_tokens does not cut it. */
  replyTokens: SimLengthDistribution;
  /** Reasoning block length, when reasoning is on. */
  reasoningTokens: SimLengthDistribution;
  /** Automatic prefix caching (vLLM V1 default on). */
  prefixCaching: boolean;
  /** Chunked prefill (vLLM V1 default on). */
  chunkedPrefill: boolean;
  /** Reasoning output mode. */
  reasoning: SimReasoningMode;
}

export interface SimOptions extends SimProfileParameters {
  profile: SimProfileName;
  /** Served model name (default "shakedown-sim"). */
  model: string;
  /** Fraction of chat requests answered with HTTP 500, 0..1, deterministic (request n fails when floor(n·F) > floor((n−1)·F)). */
  failRate: number;
  /** Multiplies every duration (overhead and steps): 2 = twice as slow, 0.1 = ten times as fast. */
  timeScale: number;
  /** When set, /v1/* and /metrics require `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Seeds reply text and lengths (with a hash of the prompt). */
  seed: number;
  /** Answer the built-in reasoning tasks from the scripted answer bank (suites/sim/reasoning-answers.yaml); default true. */
  scriptedAnswers: boolean;
  /** How scripted tool calls are sent (suites/sim/tool-answers.yaml): parsed ("hermes", default) or leaked as text ("none"). */
  toolParser: SimToolParser;
  /**
   * Degradation with uptime: every simulated duration (overhead, prefill, decode step) is
   * multiplied by 1 + slowdownPerHour × uptime hours (uptime on the engine's clock: wall time
   * since the simulator started). 0 (default) = none; 30 = +50 % after one minute.
   */
  slowdownPerHour: number;
  /**
   * Simulated memory leak: the reported process_resident_memory_bytes (and the fake GPU's
   * framebuffer use) grow by this many MiB per hour of uptime. 0 (default) = none. Simulated:
   * the simulator's real memory does not grow.
   */
  leakMbPerHour: number;
  /**
   * After this many chat requests (counted as failRate counts them), every answer changes:
   * generated text gets another seed and the scripted banks move to another variant, a silent
   * model swap. Undefined (default) = never.
   */
  answerChangeAfter?: number;
  /** Serve a simulated GPU's DCGM-exporter metrics at GET /gpu/metrics (default false: 404). */
  fakeGpu: boolean;
}

export interface SimProfile {
  description: string;
  parameters: SimProfileParameters;
}

export const SIM_PROFILES: Record<SimProfileName, SimProfile> = {
  default: {
    description:
      "Fast demo server: ~250 output tok/s per stream, ~60-token replies, so the default suite " +
      "(a 15-turn conversation, 3 iterations) finishes in 10-20 s.",
    parameters: {
      overheadMs: 25,
      prefillMsPerToken: 0.02,
      decodeStepMs: 3.8,
      decodeStepMsPerSeq: 0.2,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 64,
      blockSize: 16,
      kvBlocks: 16384,
      maxModelLen: 32768,
      replyTokens: { mean: 60, min: 20, max: 120 },
      reasoningTokens: { mean: 120, min: 40, max: 300 },
      prefixCaching: true,
      chunkedPrefill: true,
      reasoning: "none",
    },
  },
  seed: {
    description:
      "The seed report's service: a 32B-class model on one GPU under vLLM. ~45 output tok/s per " +
      "stream at low concurrency (22.2 ms steps), TTFT ≈ 50 ms + 0.25 ms per uncached prompt " +
      "token (~1.1 s for 4k tokens), ~150-token replies (~3.5 s end to end). Prefix caching off " +
      "and chunked prefill on, as the seed's `chunked_only_safe` configuration.",
    parameters: {
      overheadMs: 50,
      prefillMsPerToken: 0.25,
      decodeStepMs: 21.5,
      decodeStepMsPerSeq: 0.7,
      maxNumBatchedTokens: 2048,
      maxNumSeqs: 64,
      blockSize: 16,
      kvBlocks: 4096,
      maxModelLen: 32768,
      replyTokens: { mean: 150, min: 60, max: 300 },
      reasoningTokens: { mean: 600, min: 200, max: 1500 },
      prefixCaching: false,
      chunkedPrefill: true,
      reasoning: "none",
    },
  },
  fast: {
    description: "For tests: ~1 ms steps, 1 ms overhead, ~12-token replies.",
    parameters: {
      overheadMs: 1,
      prefillMsPerToken: 0.002,
      decodeStepMs: 1,
      decodeStepMsPerSeq: 0.05,
      maxNumBatchedTokens: 512,
      maxNumSeqs: 64,
      blockSize: 16,
      kvBlocks: 4096,
      maxModelLen: 32768,
      replyTokens: { mean: 12, min: 4, max: 24 },
      reasoningTokens: { mean: 16, min: 8, max: 32 },
      prefixCaching: true,
      chunkedPrefill: true,
      reasoning: "none",
    },
  },
};

export const SIM_PROFILE_NAMES = Object.keys(SIM_PROFILES) as SimProfileName[];

export const DEFAULT_SIM_MODEL = "shakedown-sim";

function fail(message: string): never {
  throw new ConfigError(`simulator: ${message}`, "SHAKEDOWN_SIM_OPTIONS");
}

function checkNumber(name: string, v: number, min: number, max = Infinity, integer = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const kind = integer ? "an integer" : "a number";
    const range = max === Infinity ? `>= ${min}` : `between ${min} and ${max}`;
    fail(`${name} must be ${kind} ${range}, got ${String(v)}`);
  }
}

function checkDistribution(name: string, d: SimLengthDistribution): void {
  checkNumber(`${name}.min`, d.min, 1, Infinity, true);
  checkNumber(`${name}.max`, d.max, d.min, Infinity, true);
  checkNumber(`${name}.mean`, d.mean, d.min, d.max);
}

/** A profile's parameters plus `partial`'s overrides, validated. Throws ConfigError. */
export function resolveSimOptions(partial: Partial<SimOptions> & { profile?: SimProfileName } = {}): SimOptions {
  const profileName = partial.profile ?? "default";
  const profile = SIM_PROFILES[profileName];
  if (!profile) fail(`unknown profile "${String(profileName)}" (known: ${SIM_PROFILE_NAMES.join(", ")})`);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SimOptions>;
  const p = profile.parameters;
  const o: SimOptions = {
    ...p,
    replyTokens: { ...p.replyTokens },
    reasoningTokens: { ...p.reasoningTokens },
    model: DEFAULT_SIM_MODEL,
    failRate: 0,
    timeScale: 1,
    seed: 0,
    scriptedAnswers: true,
    toolParser: "hermes",
    slowdownPerHour: 0,
    leakMbPerHour: 0,
    fakeGpu: false,
    ...defined,
    profile: profileName,
  };
  if (defined.replyTokens) o.replyTokens = { ...p.replyTokens, ...defined.replyTokens };
  if (defined.reasoningTokens) o.reasoningTokens = { ...p.reasoningTokens, ...defined.reasoningTokens };

  if (typeof o.model !== "string" || o.model.length === 0) fail("model must be a non-empty string");
  checkNumber("failRate", o.failRate, 0, 1);
  checkNumber("timeScale", o.timeScale, 1e-6);
  checkNumber("seed", o.seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  checkNumber("overheadMs", o.overheadMs, 0);
  checkNumber("prefillMsPerToken", o.prefillMsPerToken, 0);
  checkNumber("decodeStepMs", o.decodeStepMs, 0);
  checkNumber("decodeStepMsPerSeq", o.decodeStepMsPerSeq, 0);
  if (o.decodeStepMs + o.decodeStepMsPerSeq <= 0) fail("decodeStepMs + decodeStepMsPerSeq must be > 0");
  checkNumber("maxNumBatchedTokens", o.maxNumBatchedTokens, 1, Infinity, true);
  checkNumber("maxNumSeqs", o.maxNumSeqs, 1, Infinity, true);
  if (o.maxNumBatchedTokens < o.maxNumSeqs) {
    fail(`maxNumBatchedTokens (${o.maxNumBatchedTokens}) must be >= maxNumSeqs (${o.maxNumSeqs}), as in vLLM`);
  }
  checkNumber("blockSize", o.blockSize, 1, Infinity, true);
  checkNumber("kvBlocks", o.kvBlocks, 1, Infinity, true);
  checkNumber("maxModelLen", o.maxModelLen, 2, Infinity, true);
  if (o.kvBlocks * o.blockSize < o.maxModelLen) {
    fail(
      `the KV budget (kvBlocks ${o.kvBlocks} × blockSize ${o.blockSize} = ${o.kvBlocks * o.blockSize} tokens) ` +
        `must hold one sequence of maxModelLen (${o.maxModelLen}) tokens; raise kvBlocks or lower maxModelLen`,
    );
  }
  checkDistribution("replyTokens", o.replyTokens);
  checkDistribution("reasoningTokens", o.reasoningTokens);
  if (typeof o.prefixCaching !== "boolean") fail("prefixCaching must be true or false");
  if (typeof o.chunkedPrefill !== "boolean") fail("chunkedPrefill must be true or false");
  if (typeof o.scriptedAnswers !== "boolean") fail("scriptedAnswers must be true or false");
  if (!["hermes", "none"].includes(o.toolParser)) fail(`toolParser must be hermes or none, got ${String(o.toolParser)}`);
  if (!["none", "field", "think_tag"].includes(o.reasoning)) fail(`reasoning must be none, field or think_tag, got ${String(o.reasoning)}`);
  checkNumber("slowdownPerHour", o.slowdownPerHour, 0, 1_000_000);
  checkNumber("leakMbPerHour", o.leakMbPerHour, 0, 10_000_000);
  if (o.answerChangeAfter !== undefined) checkNumber("answerChangeAfter", o.answerChangeAfter, 1, Number.MAX_SAFE_INTEGER, true);
  if (typeof o.fakeGpu !== "boolean") fail("fakeGpu must be true or false");
  if (o.apiKey !== undefined && (typeof o.apiKey !== "string" || o.apiKey.length === 0)) fail("apiKey must be a non-empty string when set");
  return o;
}
