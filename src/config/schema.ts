/**
 * The suite schema: the single source of truth for suite files, CLI overrides and the
 * exported JSON Schema. Types are inferred from it (z.infer), never written twice.
 * YAML keys are snake_case, as in vLLM's and k6's configs.
 * Checks that span several fields (windows within turns, unique scenario names, an API key
 * written where its variable's name belongs, sim knobs with a url) live in load.ts
 * (validateSuiteObject), so these objects stay plain, extendable zod objects.
 */
import { z } from "zod";
import { TOKENIZER_NAMES } from "../workload/tokenizers.js";
import { urlCredentialProblem } from "../client/endpoint.js";
import { DURATION_FORMS, parseDuration } from "./duration.js";

export const SIM_PROFILES = ["default", "seed", "fast"] as const;

/** Knobs of the embedded simulator (used when a target has no url). */
export const simKnobsSchema = z
  .object({
    profile: z.enum(SIM_PROFILES).default("default").describe("timing profile: default (fast), seed (reproduces the seed report's service), fast (tests)"),
    prefix_caching: z.boolean().optional().describe("block-hashed prefix cache on/off (profile default: on)"),
    chunked_prefill: z.boolean().optional().describe("chunked prefill on/off (profile default: on)"),
    max_num_seqs: z.int().positive().optional().describe("most sequences decoded at once; more wait in a queue"),
    fail_rate: z.number().min(0).max(1).optional().describe("fraction of requests answered with HTTP 500"),
    time_scale: z.number().positive().optional().describe("multiplies every simulated duration (0.1 = ten times faster)"),
    api_key: z.string().optional().describe("require this bearer token (tests only; real keys come from api_key_env)"),
    seed: z.int().optional().describe("seed of the deterministic text generator"),
    scripted_answers: z.boolean().optional().describe("answer the built-in reasoning tasks and tool cases from the simulator's answer banks (default on)"),
    tool_parser: z
      .enum(["hermes", "none"])
      .optional()
      .describe("hermes: structured tool_calls (default); none: tool calls leak into the content as raw <tool_call> text, as a vLLM without --tool-call-parser"),
    slowdown_per_hour: z
      .number()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe("every latency grows by this many times its base value per hour the simulator has been up (30 = +50 % after one minute): a server that degrades with uptime"),
    leak_mb_per_hour: z
      .number()
      .min(0)
      .max(10_000_000)
      .optional()
      .describe("the simulated process's resident memory (and the fake GPU's memory) grows by this many MB per hour up"),
    answer_change_after: z
      .int()
      .min(1)
      .optional()
      .describe("after this many chat requests, every answer changes (a silent model or weight swap), temperature 0 included"),
    fake_gpu: z
      .boolean()
      .optional()
      .describe("expose a simulated GPU as DCGM-exporter metrics at /gpu/metrics (utilisation, memory, power, energy, temperature, clocks); the run's GPU monitor reads it"),
  })
  .strict();

export const timeoutsSchema = z
  .object({
    connect_ms: z.number().positive().default(5_000).describe("TCP/TLS connection timeout, ms"),
    first_byte_ms: z.number().positive().default(120_000).describe("longest wait for the first response byte, ms (prefill of a long history included)"),
    between_tokens_ms: z.number().positive().default(60_000).describe("longest silence between two streamed chunks, ms"),
    total_ms: z.number().positive().default(600_000).describe("longest whole request, ms"),
  })
  .strict()
  .describe("per-request timeouts; a request that times out is recorded as a timeout error");


/** A duration option: "90s", "30m", "2h", "1h30m" or a number of seconds; kept as written, parsed with parseDuration. */
export const durationSchema = () =>
  z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, { message: `expected ${DURATION_FORMS}` });

/** An http(s) URL with no credentials in it: user:password@ and query strings are never sent, and would be written into the run folder. */
const serverUrl = () =>
  z.url({ protocol: /^https?$/ }).superRefine((v, ctx) => {
    const problem = urlCredentialProblem(v);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem, input: "[not shown]" });
  });

export const targetSchema = z
  .object({
    name: z.string().min(1).optional().describe("label used in reports"),
    url: serverUrl()
      .optional()
      .describe("base URL of the OpenAI-compatible API, ending in /v1 (absent: the embedded simulator)"),
    model: z.string().min(1).optional().describe("model name sent in requests (absent: the first of GET /v1/models)"),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name such as VLLM_API_KEY")
      .optional()
      .describe("name of the environment variable holding the API key (never the key itself)"),
    timeouts: timeoutsSchema.prefault({}),
    response_limits: z
      .object({
        max_bytes: z
          .int()
          .min(1024)
          .max(1024 * 1024 * 1024)
          .default(64 * 1024 * 1024)
          .describe("most bytes of one response body; a longer one is cut and recorded as response_too_large"),
        max_tokens: z
          .int()
          .positive()
          .default(262_144)
          .describe("most token chunks of one streamed response; a longer one is cut and recorded as response_too_large"),
      })
      .strict()
      .prefault({})
      .describe("caps on one response, so an endless or runaway answer is cut and recorded instead of exhausting memory"),
    stream: z.boolean().default(true).describe("stream responses (needed for TTFT)"),
    continuous_usage: z.boolean().default(true).describe("ask for stream_options.continuous_usage_stats (vLLM/SGLang); retried without it if refused"),
    warmup_requests: z
      .int()
      .min(0)
      .max(100)
      .default(1)
      .describe("tiny requests sent before the scenarios to open the connection (recorded, excluded from every figure)"),
    extra_body: z.record(z.string(), z.unknown()).optional().describe("extra fields merged into every request body"),
    sim: simKnobsSchema.optional().describe("simulator knobs when url is absent"),
    metrics: z
      .object({
        scrape: z
          .enum(["auto", "on", "off"])
          .default("auto")
          .describe("poll the server's Prometheus /metrics during the run: auto = when it answers, on = required, off = never"),
        interval_ms: z.int().min(100).max(60_000).default(1000).describe("polling interval"),
        url: serverUrl()
          .optional()
          .describe("metrics URL (default: the target's origin + /metrics, e.g. http://host:8000/metrics)"),
      })
      .strict()
      .prefault({})
      .describe("server metrics monitor"),
  })
  .strict()
  .describe("the server under test; without url, the embedded simulator");

/**
 * A threshold is "<metric> <op> <value>", e.g. "ttft.mean < 4000", "success_rate > 95%".
 * The metric names a scenario publishes are checked when the suite is resolved.
 */
export const THRESHOLD_RE = /^\s*([a-z_][a-z0-9_.]*)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(%|ms|s|tok\/s)?\s*$/;
export const thresholdSchema = z
  .string()
  .regex(THRESHOLD_RE, 'a threshold like "ttft.mean < 4000", "degradation.ttft < 20%" or "success_rate > 95%"');

const windowSchema = z
  .tuple([z.int().positive(), z.int().positive()])
  .refine(([a, b]) => a <= b, "a window is [first turn, last turn] with first <= last");

export const conversationScenarioSchema = z
  .object({
    kind: z.literal("conversation").describe("long multi-turn conversations (the seed report's Phase 2.2)"),
    name: z.string().min(1).default("conversation").describe("label in reports, --scenario and --set; unique in a suite"),
    turns: z.int().min(1).max(500).default(15).describe("user turns per session; each turn resends the whole history"),
    iterations: z.int().min(1).max(1000).default(3).describe("sessions run one after another"),
    windows: z.array(windowSchema).min(1).optional().describe("turn windows [first, last] for degradation (default: thirds, as the seed's 1-5, 6-10, 11-15)"),
    script: z.string().min(1).default("auto").describe('conversation script: "auto" (a different built-in topic per iteration), a built-in name, or a YAML file path'),
    system_prompt: z.string().optional().describe("system message of every session (default: the script's own)"),
    max_tokens: z.int().positive().default(256).describe("max_tokens of each reply"),
    temperature: z.number().min(0).max(2).default(0.7).describe("sampling temperature of each request"),
    seed: z.int().optional().describe("sent as the request seed where set"),
    concurrency: z
      .union([z.int().min(1).max(1024), z.array(z.int().min(1).max(1024)).min(1).max(32)])
      .default(1)
      .describe("sessions run at once; a list such as [1, 2, 5, 10] sweeps the levels in order"),
    degradation_floor_ms: z
      .number()
      .min(0)
      .max(600_000)
      .optional()
      .describe(
        "a breached degradation threshold fails only when the window means moved by at least this many ms (and the 95 % interval clears the limit); under it, the breach passes as noise (default 25; 0: the interval alone decides)",
      ),
    thresholds: z.array(thresholdSchema).optional().describe("verdicts; default: the seed report's gates, on E2E and on true TTFT (docs/configuration.md)"),
  })
  .strict();

export const CACHE_PROBES = ["continued", "independent", "shared_prefix"] as const;

export const cacheScenarioSchema = z
  .object({
    kind: z.literal("cache"),
    name: z.string().min(1).default("cache"),
    probes: z
      .array(z.enum(CACHE_PROBES))
      .min(1)
      .default([...CACHE_PROBES])
      .describe("continued: a conversation resent turn after turn; independent: fresh prompts of the same length with a unique leading nonce (the miss baseline); shared_prefix: one long document with different short questions"),
    repetitions: z.int().min(2).max(1000).default(8).describe("miss/hit pairs per probe (more give a narrower interval)"),
    prefix_tokens: z.int().min(64).max(100_000).default(2000).describe("approximate length of the shared document, and of the prompts the probes compare"),
    document: z.string().optional().describe("a file whose text is the shared document (default: built-in text cut to prefix_tokens)"),
    max_tokens: z.int().positive().default(16).describe("reply length: short, since the probes measure prompt processing"),
    temperature: z.number().min(0).max(2).default(0),
    thresholds: z.array(thresholdSchema).optional().describe('verdicts; default: "speedup.shared_prefix >= 1.5"'),
  })
  .strict();

export const judgeSchema = z
  .object({
    url: serverUrl()
      .optional()
      .describe("base URL of an OpenAI-compatible judge (absent: the target itself)"),
    model: z.string().min(1).optional().describe("judge model (absent: the target's model, or the first the judge lists)"),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name such as JUDGE_API_KEY")
      .optional(),
    max_tokens: z.int().positive().default(1024),
  })
  .strict();

export const reasoningScenarioSchema = z
  .object({
    kind: z.literal("reasoning"),
    name: z.string().min(1).default("reasoning"),
    pack: z.string().min(1).default("all").describe('"all" (every built-in task), a built-in pack name (seed, core), or a YAML file'),
    tasks: z.array(z.string().min(1)).min(1).optional().describe("keep only these task ids"),
    language: z.enum(["en", "fr"]).optional().describe("keep only tasks in this language"),
    repetitions: z.int().min(1).max(100).default(1).describe("times each task is asked"),
    max_tokens: z.int().positive().optional().describe("overrides every task's max_tokens"),
    temperature: z.number().min(0).max(2).default(0.6),
    concurrency: z.int().min(1).max(256).default(1).describe("tasks asked at once"),
    judge: judgeSchema.optional().describe("LLM-as-judge for criteria with grader: judge (stored beside the rule-based grades, never replacing them)"),
    thresholds: z.array(thresholdSchema).optional().describe('verdicts; default: "score.mean >= 0.7", "success_rate > 95%"'),
  })
  .strict();

export const toolsScenarioSchema = z
  .object({
    kind: z.literal("tools"),
    name: z.string().min(1).default("tools"),
    pack: z.string().min(1).default("all").describe('"all" (every built-in case), a built-in pack name, or a YAML file'),
    cases: z.array(z.string().min(1)).min(1).optional().describe("keep only these case ids"),
    language: z.enum(["en", "fr"]).optional(),
    repetitions: z.int().min(1).max(100).default(1),
    temperature: z.number().min(0).max(2).default(0),
    concurrency: z
      .union([z.int().min(1).max(256), z.array(z.int().min(1).max(256)).min(1).max(16)])
      .default(1)
      .describe("cases run at once; a list sweeps the levels (streaming parsers misbehave under load)"),
    compare_non_streamed: z.boolean().default(true).describe("also send each case's first request non-streamed and compare the calls"),
    thresholds: z
      .array(thresholdSchema)
      .optional()
      .describe('verdicts; default: "call_accuracy >= 0.8", "parser_failure_rate <= 0", "json_validity_rate >= 0.99"'),
  })
  .strict();

const tokenizerChoice = z
  .enum([...TOKENIZER_NAMES, "auto"])
  .default("auto")
  .describe(
    "tokenizer that sizes prompts and counts dataset tokens: qwen3, llama3, server (the served model's own, through the server's /tokenize: llama.cpp, vLLM), approx (estimates, 4 characters a token), auto (qwen3 or llama3 from the model's name, else the server's, else approx)",
  );
const lengthSpread = z.number().min(0).lt(1).default(0);

export const loadDatasetSchema = z.discriminatedUnion("source", [
  z
    .object({
      source: z.literal("synthetic"),
      tokenizer: tokenizerChoice,
      input_spread: lengthSpread.describe("prompt lengths uniform in [n(1-s), n(1+s)] around input_tokens"),
      output_spread: lengthSpread.describe("reply lengths uniform in [n(1-s), n(1+s)] around output_tokens"),
      prefix_tokens: z.int().min(0).default(0).describe("tokens every prompt shares at its start (exercises a prefix cache)"),
    })
    .strict(),
  z
    .object({
      source: z.literal("sharegpt"),
      path: z.string().min(1).describe("ShareGPT-format JSON file (relative to the working directory)"),
      tokenizer: tokenizerChoice,
      max_input_tokens: z.int().min(4).optional().describe("skip conversations whose prompt is longer"),
      max_output_tokens: z.int().min(4).optional().describe("skip conversations whose reply is longer"),
    })
    .strict(),
  z
    .object({
      source: z.literal("jsonl"),
      path: z.string().min(1).describe('JSONL file: {"prompt": …} or {"messages": […]} a line, optional "output_tokens"'),
      tokenizer: tokenizerChoice,
    })
    .strict(),
]);

export const LOAD_MODES = ["closed", "constant", "poisson", "gamma", "sweep"] as const;

export const loadScenarioSchema = z
  .object({
    kind: z.literal("load"),
    name: z.string().min(1).default("load"),
    mode: z
      .enum(LOAD_MODES)
      .default("closed")
      .describe(
        "closed: a fixed number of requests in flight; constant, poisson, gamma: open loop at a target rate, latencies measured from the intended send time; sweep: the synchronous rate, the maximum throughput, then open-loop rates between them",
      ),
    concurrency: z
      .int()
      .min(1)
      .max(4096)
      .optional()
      .describe("closed loop: requests in flight (default 8); open loop: the most in flight, a safety cap (default 1024, the client's connection pool)"),
    rate: z.number().positive().max(100_000).default(10).describe("open loop: requests per second"),
    burstiness: z.number().positive().default(1).describe("gamma: shape factor (1 = Poisson, < 1 burstier, > 1 more regular)"),
    requests: z.int().min(1).max(1_000_000).default(100).describe("requests in all (the schedule's length); sweep: per stage"),
    duration_s: z.number().positive().optional().describe("stop sending after this many seconds (whichever comes first with requests); sweep: per stage"),
    ramp_up_s: z
      .number()
      .min(0)
      .default(0)
      .describe("open loop: the rate rises linearly from 0 to `rate` over these seconds; closed loop: the workers start one by one over them; requests sent during it are excluded from the figures"),
    warmup_s: z.number().min(0).default(0).describe("requests sent in the first seconds are excluded from the figures"),
    cooldown_s: z.number().min(0).default(0).describe("requests sent in the last seconds are excluded from the figures"),
    input_tokens: z.int().min(1).max(1_000_000).default(256).describe("prompt length of the synthetic prompts (exact with a real tokenizer)"),
    output_tokens: z.int().min(1).max(100_000).default(128).describe("reply length asked (max_tokens, with min_tokens and ignore_eos where the server supports them)"),
    seed: z.int().default(0).describe("seed of the arrival schedule and the prompts"),
    dataset: loadDatasetSchema.prefault({ source: "synthetic" }).describe("where the prompts come from: synthetic (default), sharegpt or jsonl; see docs/datasets.md"),
    workers: z
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe("worker threads sending the load, each with its own connection pool and event loop; records merge exactly in the main thread"),
    slo: z
      .object({ ttft_ms: z.number().positive().optional(), tpot_ms: z.number().positive().optional(), e2e_ms: z.number().positive().optional() })
      .strict()
      .prefault({})
      .describe("service-level objectives for goodput: requests/s that met every one"),
    sweep: z
      .object({
        rates: z.int().min(1).max(50).default(5).describe("open-loop stages at rates evenly spaced between the synchronous rate and the maximum throughput (both excluded)"),
        arrival: z.enum(["constant", "poisson"]).default("constant").describe("arrivals of the rate stages"),
        max_concurrency: z.int().min(1).max(4096).default(256).describe("requests in flight in the maximum-throughput stage"),
      })
      .strict()
      .prefault({})
      .describe("mode sweep: how the stages are chosen"),
    calibrate: z
      .boolean()
      .default(true)
      .describe(
        "before the run, measure the client against the simulator at the concurrencies the run will use (1 to the most in flight) and these lengths: its noise floor and capacity, a few seconds; each stage is compared with the floor at its own concurrency",
      ),
    max_client_lag_ms: z
      .number()
      .positive()
      .default(10)
      .describe(
        "a send this much later than intended by the client's own doing (slot waits excluded) is late; the run is client-limited when over 5 % of sends are late (95 % confidence) and that lag's p95 is at least 10 % of the median latency",
      ),
    thresholds: z.array(thresholdSchema).optional().describe('verdicts; default: "success_rate > 99%"'),
  })
  .strict();

export const SOAK_MIX_KINDS = ["conversation", "short", "reasoning"] as const;

export const soakScenarioSchema = z
  .object({
    kind: z.literal("soak").describe("hours of mixed traffic: does the server stay as fast, as right and as lean as at its start? (the seed's Phase 2.5)"),
    name: z.string().min(1).default("soak"),
    duration: durationSchema().default("30m").describe('how long to send: "30m", "2h", "90s"'),
    window: durationSchema()
      .optional()
      .describe("width of the analysis windows (default: 1 min, or a twelfth of the soak when it is shorter than 12 min); at least 3 windows must fit"),
    mix: z
      .object({
        conversation: z.number().min(0).default(0.5).describe("weight of conversation turns (each worker continues its own conversation, resending the history)"),
        short: z.number().min(0).default(0.3).describe("weight of short single-turn prompts"),
        reasoning: z.number().min(0).default(0.2).describe("weight of reasoning tasks (graded: the score per window is a quality drift)"),
      })
      .strict()
      .prefault({})
      .refine((m) => m.conversation + m.short + m.reasoning > 0, "at least one weight of the mix must be above 0")
      .describe("the request mix, as relative weights"),
    concurrency: z.int().min(1).max(1024).default(2).describe("requests in flight (closed loop) when no rate is given"),
    rate: z.number().positive().max(10_000).optional().describe("paced: requests per second sent on a fixed schedule (open loop, latencies from the intended send time)"),
    max_in_flight: z.int().min(1).max(4096).default(256).describe("paced: most requests in flight, a safety cap"),
    conversation: z
      .object({
        turns: z.int().min(1).max(500).default(8).describe("turns of a conversation before the worker starts a new one"),
        script: z.string().min(1).default("auto"),
        max_tokens: z.int().positive().default(256),
      })
      .strict()
      .prefault({}),
    short: z
      .object({
        input_tokens: z.int().min(1).max(100_000).default(64),
        output_tokens: z.int().min(1).max(100_000).default(64),
      })
      .strict()
      .prefault({}),
    reasoning: z
      .object({
        pack: z.string().min(1).default("all"),
        max_tokens: z.int().positive().optional(),
      })
      .strict()
      .prefault({}),
    temperature: z.number().min(0).max(2).default(0.7).describe("temperature of the mix's requests (canaries always use 0)"),
    canary: z
      .object({
        enabled: z.boolean().default(true),
        every: durationSchema().optional().describe("how often the canaries are sent (default: once per window)"),
        prompts: z.array(z.string().min(1)).min(1).max(20).optional().describe("canary prompts (default: three built-in ones)"),
        max_tokens: z.int().positive().max(4096).default(48),
        seed: z.int().default(1234),
        min_similarity: z
          .number()
          .min(0)
          .max(1)
          .default(0.9)
          .describe("an answer whose token-level similarity to the canary's first answer is below this counts as changed"),
      })
      .strict()
      .prefault({})
      .describe("prompts at temperature 0 with a fixed seed, repeated through the soak and compared with their first answer"),
    alpha: z.number().gt(0).lt(0.5).default(0.01).describe("significance level of the trend and change-point tests"),
    drift_floor: z
      .number()
      .min(0)
      .max(10)
      .default(0.05)
      .describe("a significant trend smaller than this (relative change over the soak) is called stable, not drifting"),
    thresholds: z
      .array(thresholdSchema)
      .optional()
      .describe('verdicts; default: "drift.ttft_p90 < 10%", "drift.e2e_p90 < 10%", "drift.tpot_p50 < 10%", "success_rate > 99%", "canary.changed <= 0" (a drift fails only when its trend is significant)'),
  })
  .strict();

export const scenarioSchema = z.discriminatedUnion("kind", [
  conversationScenarioSchema,
  cacheScenarioSchema,
  reasoningScenarioSchema,
  toolsScenarioSchema,
  loadScenarioSchema,
  soakScenarioSchema,
]);

export const suiteSchema = z
  .object({
    $schema: z.string().optional().describe("path or URL of this JSON Schema, for editors; ignored by shakedown"),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, "a name made of letters, digits, dot, dash and underscore")
      .default("suite")
      .describe("suite name, part of run folder names"),
    description: z.string().optional().describe("free text shown in reports"),
    target: targetSchema.prefault({}),
    scenarios: z.array(scenarioSchema).min(1).describe("the scenarios to run, in order"),
    output: z
      .object({
        dir: z.string().min(1).default("runs").describe("parent folder of run folders"),
      })
      .strict()
      .prefault({})
      .describe("where runs are written"),
    monitor: z
      .object({
        gpu: z
          .object({
            source: z
              .enum(["off", "nvidia-smi", "dcgm", "command"])
              .default("off")
              .describe("off; nvidia-smi: the local binary, sampled as a child process; dcgm: a DCGM exporter's /metrics (url); command: a command whose output is nvidia-smi's query CSV (e.g. over ssh)"),
            url: serverUrl().optional().describe("source dcgm: the exporter's metrics URL, e.g. http://gpu-host:9400/metrics"),
            command: z
              .string()
              .min(1)
              .optional()
              .describe("source command: a command line; {fields} and {interval_ms} are replaced, e.g. ssh gpu1 nvidia-smi --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}"),
            interval_ms: z.int().min(100).max(60_000).default(1000).describe("sampling interval"),
            gpus: z.array(z.int().min(0)).min(1).optional().describe("keep only these GPU indexes (default: all)"),
          })
          .strict()
          .prefault({})
          .superRefine((g, ctx) => {
            if (g.source === "dcgm" && g.url === undefined) ctx.addIssue({ code: "custom", path: ["url"], message: "source dcgm needs the exporter's url" });
            if (g.source === "command" && g.command === undefined) ctx.addIssue({ code: "custom", path: ["command"], message: "source command needs a command" });
          })
          .describe("GPU sampler, running for the whole run; each scenario gets the figures of its own span; its timeline is gpu-metrics.jsonl"),
      })
      .strict()
      .prefault({})
      .describe("what is sampled beside the requests"),
    verdicts: z
      .object({
        client_overload: z
          .enum(["inconclusive", "fail"])
          .default("inconclusive")
          .describe("a timing verdict that fails while the client was overloaded (its event loop late): inconclusive (default), or fail as measured"),
      })
      .strict()
      .prefault({})
      .describe("how verdicts are decided"),
  })
  .strict();

export type SimKnobs = z.infer<typeof simKnobsSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type ConversationScenarioConfig = z.infer<typeof conversationScenarioSchema>;
export type CacheScenarioConfig = z.infer<typeof cacheScenarioSchema>;
export type ReasoningScenarioConfig = z.infer<typeof reasoningScenarioSchema>;
export type JudgeConfig = z.infer<typeof judgeSchema>;
export type ToolsScenarioConfig = z.infer<typeof toolsScenarioSchema>;
export type LoadScenarioConfig = z.infer<typeof loadScenarioSchema>;
export type SoakScenarioConfig = z.infer<typeof soakScenarioSchema>;
export type GpuMonitorConfig = z.infer<typeof suiteSchema>["monitor"]["gpu"];
export type ScenarioConfig = z.infer<typeof scenarioSchema>;
export type Suite = z.infer<typeof suiteSchema>;
export type SuiteInput = z.input<typeof suiteSchema>;
