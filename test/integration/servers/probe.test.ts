/**
 * Questions asked of a running server (prefix-cache reset, effective configuration) against
 * the embedded simulator and small in-process HTTP servers shaped like vLLM, SGLang and
 * llama.cpp; and the port helpers.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { effectiveConfig, freePort, portInUse, resetPrefixCache } from "../../../src/servers/index.js";
import { startSimulator, type RunningSimulator } from "../../../src/sim/index.js";

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
}

type Route = (res: http.ServerResponse) => void;
const servers: http.Server[] = [];
const sims: RunningSimulator[] = [];

/** A server answering the given routes ("POST /flush_cache"); anything else 404. Returns its /v1 base URL and what it saw. */
async function fake(routes: Record<string, Route>): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    seen.push({ method: req.method ?? "", path, auth: req.headers.authorization });
    req.resume();
    const route = routes[`${req.method} ${path}`];
    if (route) return route(res);
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"detail":"Not Found"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen };
}

const json =
  (body: unknown, status = 200): Route =>
  (res) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
const empty =
  (status = 200): Route =>
  (res) => {
    res.writeHead(status);
    res.end();
  };

afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all([...servers.map((s) => new Promise((r) => s.close(r))), ...sims.map((s) => s.close())]);
});

describe("resetPrefixCache", () => {
  it("vLLM's /reset_prefix_cache, with the key as a Bearer token", async () => {
    const s = await fake({ "POST /reset_prefix_cache": empty(200) });
    expect(await resetPrefixCache(s.baseUrl, { apiKey: "k-123" })).toBe("reset");
    expect(s.seen).toEqual([{ method: "POST", path: "/reset_prefix_cache", auth: "Bearer k-123" }]);
  });

  it("SGLang's /flush_cache when /reset_prefix_cache is not there", async () => {
    const s = await fake({ "POST /flush_cache": (res) => res.end("Cache flushed.\n") });
    expect(await resetPrefixCache(`${s.baseUrl}/`)).toBe("reset");
    expect(s.seen.map((x) => `${x.method} ${x.path}`)).toEqual(["POST /reset_prefix_cache", "POST /flush_cache"]);
    expect(s.seen[0]?.auth).toBeUndefined();
  });

  it("not supported (404 and 405), failed with the status and the server's message, failed when nothing answers", async () => {
    const none = await fake({ "GET /flush_cache": empty(200) });
    expect(await resetPrefixCache(none.baseUrl)).toBe("not supported");
    const busy = await fake({ "POST /reset_prefix_cache": json({ error: { message: "Failed to reset prefix cache: some blocks are still in use\u001b[0m" } }, 400) });
    expect(await resetPrefixCache(busy.baseUrl)).toBe("failed: /reset_prefix_cache answered HTTP 400 (Failed to reset prefix cache: some blocks are still in use\\x1b[0m)");
    const port = await freePort();
    expect(await resetPrefixCache(`http://127.0.0.1:${port}/v1`)).toBe("failed: /reset_prefix_cache: connection refused");
    const hanging = await fake({ "POST /reset_prefix_cache": () => undefined });
    const t0 = performance.now();
    expect(await resetPrefixCache(hanging.baseUrl, { timeoutMs: 200 })).toBe("failed: /reset_prefix_cache: no answer within 200 ms");
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("the simulator's cache is reset", async () => {
    const sim = await startSimulator({});
    sims.push(sim);
    expect(await resetPrefixCache(sim.baseUrl)).toBe("reset");
  });
});

describe("effectiveConfig", () => {
  it("the simulator: its models and vllm:cache_config_info (with its key)", async () => {
    const sim = await startSimulator({ apiKey: "sim-key", maxModelLen: 8192 });
    sims.push(sim);
    const cfg = await effectiveConfig(sim.baseUrl, { apiKey: "sim-key" });
    expect(cfg.models).toEqual([{ id: sim.options.model, maxModelLen: 8192 }]);
    expect(cfg.cacheConfig).toMatchObject({ block_size: String(sim.options.blockSize), enable_prefix_caching: "True", num_gpu_blocks: String(sim.options.kvBlocks) });
    expect(cfg.version).toBeUndefined();
    expect(cfg.llamaProps).toBeUndefined();
    expect(new Date(cfg.probedAt).getTime()).toBeGreaterThan(0);
    // without the key, /v1/models and /metrics answer 401: nothing but the time
    expect(Object.keys(await effectiveConfig(sim.baseUrl))).toEqual(["probedAt"]);
  });

  it("a vLLM-like /version, and a llama.cpp /props reduced to its small fields", async () => {
    const s = await fake({
      "GET /version": json({ version: "0.11.0" }),
      "GET /props": json({
        default_generation_settings: { id: 0, n_ctx: 4096, params: { temperature: 0.8 } },
        total_slots: 4,
        model_path: "/models/Qwen3-0.6B-Q8_0.gguf",
        chat_template: "x".repeat(10_000),
        build_info: "b6000-abcdef0",
      }),
      "GET /v1/models": json({ object: "list", data: [{ id: "qwen3", object: "model", meta: { n_ctx_train: 40960 } }, { nope: 1 }] }),
    });
    const cfg = await effectiveConfig(s.baseUrl);
    expect(cfg).toEqual({
      probedAt: cfg.probedAt,
      version: "0.11.0",
      models: [{ id: "qwen3" }],
      llamaProps: { total_slots: 4, n_ctx: 4096, model_path: "Qwen3-0.6B-Q8_0.gguf", build_info: "b6000-abcdef0" },
    });
  });

  it("a hostile server: strings escaped, cut and cleared of the key; a body over 1 MB or no answer is absent", async () => {
    const s = await fake({
      "GET /version": json({ version: `\u001b[2Jv1 key=secret-key ${"z".repeat(1000)}` }),
      "GET /v1/models": json({ data: [{ id: "m".repeat(2 * 1024 * 1024) }] }),
      "GET /metrics": () => undefined,
      "GET /props": (res) => res.end("not json"),
    });
    const t0 = performance.now();
    const cfg = await effectiveConfig(s.baseUrl, { apiKey: "secret-key", timeoutMs: 300 });
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(cfg.version).toMatch(/^\\x1b\[2Jv1 key=\[REDACTED\] z+…$/);
    expect(cfg.version?.length).toBeLessThan(220);
    expect(cfg.models).toBeUndefined();
    expect(cfg.cacheConfig).toBeUndefined();
    expect(cfg.llamaProps).toBeUndefined();
  });

  it("nothing listening: only the time, never a throw", async () => {
    const port = await freePort();
    expect(Object.keys(await effectiveConfig(`http://127.0.0.1:${port}/v1`))).toEqual(["probedAt"]);
    expect(Object.keys(await effectiveConfig("not a url"))).toEqual(["probedAt"]);
  });
});

describe("ports", () => {
  it("freePort gives a port that can be bound; portInUse tells a listener from nothing", async () => {
    const port = await freePort();
    expect(await portInUse("127.0.0.1", port)).toBe(false);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    try {
      expect(await portInUse("127.0.0.1", port)).toBe(true);
      expect(await portInUse("localhost", port)).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await portInUse("127.0.0.1", port)).toBe(false);
    expect(await portInUse("no-such-host.invalid", port, 500)).toBe(false);
  });
});
