import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preflight } from "../../../src/client/index.js";
import { AuthError, ConfigError, UnreachableError } from "../../../src/errors.js";
import { closedPort, reply, startScriptedServer, type ScriptedServer } from "../../helpers/scripted-server.js";

const timeouts = { connectMs: 1000, firstByteMs: 2000, betweenTokensMs: 2000, totalMs: 5000 };
const llamaModels = (() => {
  const raw = readFileSync(fileURLToPath(new URL("../../fixtures/llama-server/get_v1_models.txt", import.meta.url)), "utf8");
  return raw.slice(raw.indexOf("\r\n\r\n") + 4);
})();

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer(() => reply.json(200, llamaModels, { server: "llama.cpp" }));
});
afterAll(async () => {
  await server.close();
});

describe("preflight", () => {
  it("returns the models, the Server header and the raw JSON", async () => {
    server.handle(() => reply.json(200, llamaModels, { server: "llama.cpp" }));
    const p = await preflight({ baseUrl: `${server.baseUrl}/`, apiKey: "k-123", timeouts });
    expect(p.models).toEqual([{ id: "qwen3-tiny-random", maxModelLen: 4096, ownedBy: "llamacpp" }]);
    expect(p.serverHeader).toBe("llama.cpp");
    expect((p.raw as { object: string }).object).toBe("list");
    const q = server.requests.at(-1)!;
    expect(q.path).toBe("/v1/models");
    expect(q.headers.authorization).toBe("Bearer k-123");
  });

  it("a refused key is an AuthError naming the variable, never the key", async () => {
    const key = "sk-wrong-key-987654";
    server.handle((q) => reply.json(401, { error: { message: `Invalid API Key ${q.headers.authorization}`, type: "authentication_error" } }));
    const err = await preflight({ baseUrl: server.baseUrl, apiKey: key, timeouts }, { apiKeyEnv: "VLLM_KEY" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const msg = (err as Error).message;
    expect(msg).toContain("refused the API key");
    expect(msg).toContain("VLLM_KEY");
    expect(msg).toContain(server.baseUrl);
    expect(msg).not.toContain(key);
    expect((err as AuthError).exitCode).toBe(2);
  });

  it("a 401 without a key says no key was sent", async () => {
    server.handle(() => reply.json(403, { error: { message: "forbidden" } }));
    const err = await preflight({ baseUrl: server.baseUrl, timeouts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain("no key was sent");
  });

  it("connection refused is UnreachableError with the URL and the /v1 hint", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const err = await preflight({ baseUrl: url, timeouts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toContain("/v1");
    expect((err as Error).message).toContain("connection refused");
    expect((err as UnreachableError).exitCode).toBe(3);
  });

  it("a 404 (missing /v1) is UnreachableError: not an OpenAI API there", async () => {
    server.handle(() => reply.json(404, { detail: "Not Found" }));
    const err = await preflight({ baseUrl: server.origin, timeouts }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toMatch(/HTTP 404.*not an OpenAI-compatible API.*\/v1/s);
  });

  it("an HTML page or JSON without a model list is UnreachableError", async () => {
    server.handle(() => [{ head: 200, headers: { "content-type": "text/html" } }, { write: "<html></html>" }, { end: true }]);
    await expect(preflight({ baseUrl: server.baseUrl, timeouts })).rejects.toBeInstanceOf(UnreachableError);
    server.handle(() => reply.json(200, { status: "ok" }));
    await expect(preflight({ baseUrl: server.baseUrl, timeouts })).rejects.toThrow(/model list/);
  });

  it("a server that never answers is UnreachableError (timeout)", async () => {
    server.handle(() => [{ hang: true }]);
    const err = await preflight({ baseUrl: server.baseUrl, timeouts: { ...timeouts, firstByteMs: 100 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toContain("100 ms");
  });

  it("a base URL that is not a URL is a ConfigError", async () => {
    await expect(preflight({ baseUrl: "localhost:8000", timeouts })).rejects.toBeInstanceOf(ConfigError);
    await expect(preflight({ baseUrl: "not a url", timeouts })).rejects.toBeInstanceOf(ConfigError);
  });
});
