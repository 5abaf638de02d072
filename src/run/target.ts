/**
 * Connects to the suite's target: the embedded simulator when no url is given, else the
 * real server. Checks it before the run (reachable, key accepted, model served).
 */
import { createClient, fetchServerProps, preflight, type ChatClient, type Endpoint, type ModelInfo } from "../client/index.js";
import type { SimKnobs, TargetConfig } from "../config/schema.js";
import { AuthError, ConfigError } from "../errors.js";
import { startSimulator, type RunningSimulator, type SimOptions } from "../sim/index.js";
import type { TargetInfo } from "../scenarios/types.js";

export interface ConnectedTarget {
  client: ChatClient;
  /** Where the client connects, key included: for other clients of the run (load worker threads). */
  endpoint: Endpoint;
  info: TargetInfo;
  /** The key in use, for the metrics monitor's requests only; never written anywhere. */
  apiKey?: string;
  /** The in-process simulator, when the target is simulated. */
  sim?: RunningSimulator;
  close(): Promise<void>;
}

/** Maps the suite's snake_case simulator knobs to the simulator's options. */
export function simOptionsFromKnobs(k: Partial<SimKnobs>): Partial<SimOptions> {
  const o: Partial<SimOptions> = {};
  if (k.profile !== undefined) o.profile = k.profile;
  if (k.prefix_caching !== undefined) o.prefixCaching = k.prefix_caching;
  if (k.chunked_prefill !== undefined) o.chunkedPrefill = k.chunked_prefill;
  if (k.max_num_seqs !== undefined) o.maxNumSeqs = k.max_num_seqs;
  if (k.fail_rate !== undefined) o.failRate = k.fail_rate;
  if (k.time_scale !== undefined) o.timeScale = k.time_scale;
  if (k.api_key !== undefined) o.apiKey = k.api_key;
  if (k.seed !== undefined) o.seed = k.seed;
  if (k.scripted_answers !== undefined) o.scriptedAnswers = k.scripted_answers;
  if (k.tool_parser !== undefined) o.toolParser = k.tool_parser;
  if (k.slowdown_per_hour !== undefined) o.slowdownPerHour = k.slowdown_per_hour;
  if (k.leak_mb_per_hour !== undefined) o.leakMbPerHour = k.leak_mb_per_hour;
  if (k.answer_change_after !== undefined) o.answerChangeAfter = k.answer_change_after;
  if (k.fake_gpu !== undefined) o.fakeGpu = k.fake_gpu;
  return o;
}

function endpointFor(url: string, apiKey: string | undefined, t: TargetConfig): Endpoint {
  return {
    baseUrl: url,
    ...(apiKey !== undefined ? { apiKey } : {}),
    timeouts: {
      connectMs: t.timeouts.connect_ms,
      firstByteMs: t.timeouts.first_byte_ms,
      betweenTokensMs: t.timeouts.between_tokens_ms,
      totalMs: t.timeouts.total_ms,
    },
    limits: { maxBytes: t.response_limits.max_bytes, maxTokens: t.response_limits.max_tokens },
  };
}

/** Reads the API key from the environment variable the suite names; never from files or flags. */
export function apiKeyFromEnv(name: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name === undefined) return undefined;
  const v = env[name];
  if (v === undefined || v === "") {
    throw new AuthError(`the API key variable ${name} is not set (or empty). Export it first: export ${name}=…`);
  }
  return v;
}

/** True for llama.cpp's GET /props page (`default_generation_settings` with `total_slots`, `build_info` or `model_path`). */
export function isLlamaCppProps(props: unknown): boolean {
  if (props === null || typeof props !== "object" || Array.isArray(props)) return false;
  const p = props as Record<string, unknown>;
  const settings = p["default_generation_settings"];
  if (settings === null || typeof settings !== "object") return false;
  return typeof p["total_slots"] === "number" || typeof p["build_info"] === "string" || typeof p["model_path"] === "string";
}

/**
 * How we know that the server answers to any `model` value, or undefined. llama.cpp's
 * llama-server lists one model (the file path given to -m, e.g. models/tiny.gguf) and serves
 * every request with it whatever name the request gives; vLLM, SGLang and others refuse an
 * unknown name (404), so a wrong --model must stop the run there.
 */
export function anyModelNameEvidence(serverHeader: string | undefined, models: readonly ModelInfo[], props?: unknown): string | undefined {
  if (serverHeader !== undefined && /llama\.cpp/i.test(serverHeader)) return `its Server header says ${serverHeader}`;
  if (models.some((m) => m.ownedBy === "llamacpp")) return "its model list says owned_by llamacpp";
  if (isLlamaCppProps(props)) return "its /props page is llama.cpp's";
  return undefined;
}

/** What connectTarget may say besides failing: a warning for the console (the executor emits it as a run event). */
export interface ConnectOptions {
  onWarning?: (message: string) => void;
}

export async function connectTarget(t: TargetConfig, env: NodeJS.ProcessEnv = process.env, opts: ConnectOptions = {}): Promise<ConnectedTarget> {
  let sim: RunningSimulator | undefined;
  let url = t.url;
  let apiKey: string | undefined;
  if (url === undefined) {
    const k = t.sim ?? { profile: "default" as const };
    sim = await startSimulator({ ...simOptionsFromKnobs(k), port: 0 });
    url = sim.baseUrl;
    apiKey = k.api_key;
  } else {
    apiKey = apiKeyFromEnv(t.api_key_env, env);
  }
  const endpoint = endpointFor(url, apiKey, t);
  try {
    const pre = await preflight(endpoint, t.api_key_env !== undefined ? { apiKeyEnv: t.api_key_env } : {});
    const served = pre.models.map((m) => m.id);
    let model = t.model;
    if (model === undefined) {
      model = served[0];
      if (model === undefined) throw new ConfigError(`${url}/models lists no model: give one with --model.`);
    } else if (served.length > 0 && !served.includes(model)) {
      // GET /props only when the name is not listed and the listing did not already tell.
      const anyName =
        anyModelNameEvidence(pre.serverHeader, pre.models) ?? anyModelNameEvidence(undefined, [], await fetchServerProps(endpoint));
      if (anyName === undefined) {
        throw new ConfigError(`model "${model}" is not served by ${url} (it serves: ${served.join(", ")}). Fix --model or target.model.`);
      }
      opts.onWarning?.(
        `model "${model}" is not in ${url}/models (it lists ${served.join(", ")}), but the server is llama.cpp (${anyName}), which answers to any model name with the model it loaded: ` +
          `requests are sent as "${model}" and answered by ${served.join(", ")}.`,
      );
    }
    const client = createClient(endpoint);
    const info: TargetInfo = {
      url,
      model,
      simulated: sim !== undefined,
      ...(sim ? { simProfile: sim.options.profile, simOptions: redactSimOptions(sim.options) } : {}),
      models: pre.models.map((m) => ({ id: m.id, ...(m.maxModelLen !== undefined ? { maxModelLen: m.maxModelLen } : {}) })),
      ...(pre.serverHeader !== undefined ? { serverHeader: pre.serverHeader } : {}),
      ...(t.api_key_env !== undefined ? { apiKeyEnv: t.api_key_env } : {}),
    };
    return {
      client,
      endpoint,
      info,
      ...(apiKey !== undefined ? { apiKey } : {}),
      ...(sim ? { sim } : {}),
      async close() {
        await client.close();
        await sim?.close();
      },
    };
  } catch (e) {
    await sim?.close();
    throw e;
  }
}

function redactSimOptions(o: object): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  if ("apiKey" in copy && copy.apiKey !== undefined) copy.apiKey = "***";
  return copy;
}
