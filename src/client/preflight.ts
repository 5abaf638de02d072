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
export async function preflight(endpoint: Endpoint, opts: { apiKeyEnv?: string } = {}): Promise<PreflightResult> {
  const ep = resolveEndpoint(endpoint);
  const agent = createAgent(endpoint);
  try {
    const listing = await fetchModels(agent, ep, endpoint.timeouts, { apiKeyEnv: opts.apiKeyEnv });
    const out: PreflightResult = { models: listing.models, raw: listing.raw };
    if (listing.serverHeader !== undefined) out.serverHeader = listing.serverHeader;
    return out;
  } finally {
    await agent.close().catch(() => undefined);
  }
}
