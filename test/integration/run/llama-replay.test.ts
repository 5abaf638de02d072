/**
 * A whole `executeRun` against a replay of real llama-server recordings (test/fixtures/
 * llama-server, release b10573): its /v1/models shape, its Server header, headers sent with
 * the first token, its usage chunk with llama.cpp `timings`. What a live llama-server would
 * send, byte for byte, minus the model.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { executeRun } from "../../../src/run/executor.js";
import { startScriptedServer, type ScriptedServer } from "../../helpers/scripted-server.js";
import { tempDir } from "../../helpers/tmp.js";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/llama-server/${name}`, import.meta.url), "utf8");
const modelsBody = fixture("get_v1_models.txt").split(/\r?\n\r?\n/).slice(1).join("\n\n");
const stream = fixture("chat_stream_usage.txt");
const out = tempDir();

describe("a run against recorded llama-server responses", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer((req) => {
      if (req.path === "/v1/models") {
        return [{ head: 200, headers: { "content-type": "application/json; charset=utf-8", server: "llama.cpp" } }, { write: modelsBody }, { end: true }];
      }
      // llama-server sends the status and headers only once the first token exists.
      return [
        { sleep: 15 },
        { head: 200, headers: { "content-type": "text/event-stream", server: "llama.cpp" } },
        { write: stream },
        { end: true },
      ];
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it("reads the served model, usage, cached tokens and timings, and analyses the conversation", async () => {
    const suite = validateSuiteObject(
      {
        name: "llama-replay",
        target: { url: server.baseUrl },
        scenarios: [{ kind: "conversation", turns: 3, iterations: 1, thresholds: ["success_rate > 95%"] }],
        output: { dir: out },
      },
      "test",
    );
    const { results } = await executeRun(suite);
    expect(results.target).toMatchObject({ model: "qwen3-tiny-random", simulated: false, serverHeader: "llama.cpp" });
    expect(results.target.models[0]?.maxModelLen).toBe(4096);
    // The client asked for usage and continuous usage; llama-server ignores the latter.
    const chat = server.requests.filter((r) => r.path === "/v1/chat/completions");
    expect(chat.length).toBe(4); // warm-up + 3 turns
    expect(chat[1]!.json).toMatchObject({ model: "qwen3-tiny-random", stream: true, stream_options: { include_usage: true } });
    const sc = results.scenarios[0]!;
    expect(sc.requests).toEqual({ total: 3, ok: 3, failed: 0 });
    expect(sc.metrics["cached_tokens.mean"]?.value).toBe(3);
    expect(sc.metrics["ttft.mean"]?.value).toBeGreaterThanOrEqual(15);
    expect(sc.notes.join(" ")).not.toContain("estimate");
    expect(results.status).toBe("pass");
  });
});
