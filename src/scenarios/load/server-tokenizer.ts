/**
 * The served model's own tokenizer, reached through the server: llama.cpp's and vLLM's
 * `POST /tokenize` (at the server's root, not under /v1). It lets the load scenario size
 * synthetic prompts exactly on any server that has one, whatever its model is called
 * (llama-server names its model after a file: "models/tiny.gguf").
 *
 * - llama.cpp: `{"content": text, "add_special": false}` → `{"tokens": [ids]}`; the chat
 *   template's text from `POST /apply-template {"messages"}` → `{"prompt"}`.
 * - vLLM (and servers that copy it): `{"model", "prompt": text, "add_special_tokens": false}`
 *   → `{"tokens", "count"}`; with `"messages"` instead of `"prompt"` (and
 *   `add_generation_prompt`) it counts the whole chat prompt, template included.
 *
 * `probeServerTokenizer` finds which one the server speaks (llama.cpp's form first: vLLM
 * refuses it, while llama.cpp answers vLLM's form with an empty list) and returns a
 * TokenCounter that sends at most MAX_IN_FLIGHT requests at once and caches short texts'
 * counts (the synthetic prompts' vocabulary is asked once). Counts are of the text alone:
 * no special tokens, no chat template; `templateTokens()` measures the template's own tokens
 * around one user message, so usage.prompt_tokens − that is the prompt's own length.
 */
import { Agent, request } from "undici";
import { resolveEndpoint, type Endpoint } from "../../client/endpoint.js";
import type { TokenCounter } from "../../workload/tokenizers.js";

export type TokenizeDialect = "llama.cpp" | "vllm";

export interface ServerTokenizer extends TokenCounter {
  readonly dialect: TokenizeDialect;
  /** The chat template's tokens around one user message; undefined when the server cannot say. */
  templateTokens(): Promise<number | undefined>;
  /** Closes its connections. */
  close(): Promise<void>;
}

/** Requests in flight at once while counting. */
export const MAX_IN_FLIGHT = 8;
/** Texts up to this many characters have their counts cached (words, short prompts). */
const CACHE_TEXT_CHARS = 1024;
const CACHE_ENTRIES = 100_000;
const PROBE_TEXT = "shakedown counts tokens";

/** The server's root URL: the base URL without its trailing /v1 (where llama.cpp and vLLM serve /tokenize). */
export function serverRoot(baseUrl: string): string {
  const e = resolveEndpoint({ baseUrl, timeouts: { connectMs: 1, firstByteMs: 1, betweenTokensMs: 1, totalMs: 1 } });
  return `${e.origin}${e.basePath.replace(/\/v1$/i, "")}`;
}

interface Poster {
  /** POSTs JSON; `timeoutMs` bounds the wait for the answer (default the poster's). */
  post(path: string, body: unknown, timeoutMs?: number): Promise<{ status: number; json: unknown }>;
  close(): Promise<void>;
}

/** How long a count may take once the server answered the probe (a busy server is slow, not absent). */
const COUNT_TIMEOUT_MS = 30_000;

function poster(endpoint: Endpoint, defaultTimeoutMs: number): Poster {
  const resolved = resolveEndpoint(endpoint);
  const root = `${resolved.origin}${resolved.basePath.replace(/\/v1$/i, "")}`;
  const agent = new Agent({ connections: MAX_IN_FLIGHT });
  const once = async (path: string, body: unknown, timeoutMs: number) => {
    const res = await request(`${root}${path}`, {
      method: "POST",
      dispatcher: agent,
      // One request a connection: llama.cpp's HTTP threads each hold a kept-alive connection
      // until it times out, so a pool of them could starve its other clients (and us).
      reset: true,
      headers: resolved.jsonHeaders,
      body: JSON.stringify(body),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, json };
  };
  return {
    async post(path, body, timeoutMs = defaultTimeoutMs) {
      try {
        return await once(path, body, timeoutMs);
      } catch (e) {
        // One retry, for a connection the server dropped; not for a timeout.
        const code = (e as { code?: string }).code;
        if (code !== "ECONNRESET" && code !== "UND_ERR_SOCKET" && code !== "EPIPE") throw e;
        return await once(path, body, timeoutMs);
      }
    },
    close: () => agent.close(),
  };
}

function tokensOf(json: unknown): unknown[] | undefined {
  const t = (json as { tokens?: unknown } | undefined)?.tokens;
  return Array.isArray(t) ? t : undefined;
}

/** A counting semaphore for the requests in flight. */
function limiter(size: number): <T>(f: () => Promise<T>) => Promise<T> {
  let free = size;
  const waiting: (() => void)[] = [];
  return async (f) => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await f();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free++;
    }
  };
}

/**
 * Finds whether the server counts tokens (llama.cpp's form, then vLLM's) and returns its
 * tokenizer, or undefined when it has none (404, an error, no answer within `timeoutMs`).
 */
export async function probeServerTokenizer(endpoint: Endpoint, model: string, opts: { timeoutMs?: number } = {}): Promise<ServerTokenizer | undefined> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const http = poster(endpoint, timeoutMs);
  const bodies: Record<TokenizeDialect, (text: string) => unknown> = {
    "llama.cpp": (content) => ({ content, add_special: false }),
    vllm: (prompt) => ({ model, prompt, add_special_tokens: false }),
  };
  let dialect: TokenizeDialect | undefined;
  for (const d of ["llama.cpp", "vllm"] as const) {
    try {
      const r = await http.post("/tokenize", bodies[d](PROBE_TEXT));
      if (r.status === 200 && (tokensOf(r.json)?.length ?? 0) > 0) {
        dialect = d;
        break;
      }
    } catch {
      // unreachable, timed out: no tokenizer of that form
    }
  }
  if (!dialect) {
    await http.close();
    return undefined;
  }
  const found = dialect;
  const body = bodies[found];
  const root = serverRoot(endpoint.baseUrl);
  const limit = limiter(MAX_IN_FLIGHT);
  const cache = new Map<string, Promise<number>>();

  const countOne = (text: string): Promise<number> => {
    const cached = cache.get(text);
    if (cached) return cached;
    const p = limit(async () => {
      let r: Awaited<ReturnType<Poster["post"]>>;
      try {
        r = await http.post("/tokenize", body(text), COUNT_TIMEOUT_MS);
      } catch (e) {
        throw new Error(`the server's tokenizer (${root}/tokenize) did not answer: ${(e as Error).message}`);
      }
      const tokens = tokensOf(r.json);
      if (r.status !== 200 || !tokens) throw new Error(`the server's tokenizer (${root}/tokenize) answered ${r.status}${tokens ? "" : " without a token list"}`);
      return tokens.length;
    });
    if (text.length <= CACHE_TEXT_CHARS && cache.size < CACHE_ENTRIES) {
      cache.set(text, p);
      p.catch(() => cache.delete(text));
    }
    return p;
  };

  return {
    name: "server",
    exact: true,
    dialect: found,
    via: `${found === "llama.cpp" ? "llama.cpp" : "vLLM-style"} /tokenize at ${root}`,
    countMany: (texts) => Promise.all(texts.map(countOne)),
    async templateTokens() {
      try {
        const own = await countOne(PROBE_TEXT);
        const messages = [{ role: "user", content: PROBE_TEXT }];
        if (found === "llama.cpp") {
          const t = await http.post("/apply-template", { messages }, COUNT_TIMEOUT_MS);
          const prompt = (t.json as { prompt?: unknown } | undefined)?.prompt;
          if (t.status !== 200 || typeof prompt !== "string") return undefined;
          // As the server tokenizes a chat prompt: special tokens added and parsed.
          const r = await http.post("/tokenize", { content: prompt, add_special: true, parse_special: true }, COUNT_TIMEOUT_MS);
          const tokens = tokensOf(r.json);
          return r.status === 200 && tokens ? tokens.length - own : undefined;
        }
        const r = await http.post("/tokenize", { model, messages, add_generation_prompt: true }, COUNT_TIMEOUT_MS);
        const tokens = tokensOf(r.json);
        return r.status === 200 && tokens ? tokens.length - own : undefined;
      } catch {
        return undefined;
      }
    },
    close: () => http.close(),
  };
}
