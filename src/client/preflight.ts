/** Checks a target before a run: reachable, speaks the API, accepts the key. */
import { createAgent, resolveEndpoint, type Endpoint } from "./endpoint.js";
import { fetchModels, type ModelInfo } from "./models.js";

/** What preflight learned about the target. */
export interface PreflightResult {
  models: ModelInfo[];
  /** The `Server` response header, when sent. */
  serverHeader?: string;
  /** The /models JSON, verbatim. */
  raw: unknown;
}

/**
 * Checks the target before a run: GET {base}/models with the key. Throws UnreachableError
 * (connection refused, DNS, timeout, not an OpenAI API: the message gives the URL and
 * suggests checking host, port and the /v1 suffix) or AuthError (401/403: the key was
 * refused; names the environment variable when `apiKeyEnv` is given). ConfigError for a
 * base URL that is not an http(s) URL.
 */
export async function preflight(endpoint: Endpoint, opts: { apiKeyEnv?: string; keySetting?: string } = {}): Promise<PreflightResult> {
  const ep = resolveEndpoint(endpoint);
  const agent = createAgent(endpoint);
  try {
    const listing = await fetchModels(agent, ep, endpoint.timeouts, { apiKeyEnv: opts.apiKeyEnv, keySetting: opts.keySetting });
    const out: PreflightResult = { models: listing.models, raw: listing.raw };
    if (listing.serverHeader !== undefined) out.serverHeader = listing.serverHeader;
    return out;
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/**
 * GET {server root}/props, llama.cpp's description of itself (`default_generation_settings`,
 * `total_slots`, `model_path`, `build_info`): the parsed JSON, or undefined when the server has
 * no such page, refuses it, or does not answer within the first-byte timeout (capped at 5 s).
 * Never throws. The server root is the base URL without its trailing /v1.
 */
export async function fetchServerProps(endpoint: Endpoint): Promise<unknown> {
  const ep = resolveEndpoint(endpoint);
  const agent = createAgent(endpoint);
  const root = ep.basePath.replace(/\/v1$/, "");
  try {
    const res = await agent.request({
      origin: ep.origin,
      path: `${root}/props`,
      method: "GET",
      headers: ep.getHeaders,
      signal: AbortSignal.timeout(Math.min(endpoint.timeouts.firstByteMs, 5_000)),
    });
    if (res.statusCode < 200 || res.statusCode >= 300) {
      res.body.resume();
      return undefined;
    }
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body) {
      text += decoder.decode(chunk as Buffer, { stream: true });
      if (text.length > 4 * 1024 * 1024) return undefined; // not llama.cpp's page
    }
    return JSON.parse(text + decoder.decode()) as unknown;
  } catch {
    return undefined;
  } finally {
    await agent.close().catch(() => undefined);
  }
}
