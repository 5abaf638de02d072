/**
 * Issue 11 (smaller items), connecting to the target:
 * - `--model NAME` on a server that answers to any name (llama.cpp's llama-server lists one model,
 *   its file path, and serves every request with it) is a warning, not a refusal; vLLM and
 *   others still refuse an unknown name;
 * - the message for a server that wants a key when none was sent names --api-key-env.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetSchema } from "../../../src/config/schema.js";
import { AuthError, ConfigError } from "../../../src/errors.js";
import { anyModelNameEvidence, connectTarget, isLlamaCppProps } from "../../../src/run/target.js";
import { reply, startScriptedServer, type ScriptedServer } from "../../helpers/scripted-server.js";

const llamaList = {
  object: "list",
  data: [{ id: "models/tiny.gguf", object: "model", owned_by: "llamacpp", meta: { n_ctx: 4096 } }],
};
const vllmList = { object: "list", data: [{ id: "Qwen/Qwen3-8B", object: "model", owned_by: "vllm", max_model_len: 32768 }] };
const props = { default_generation_settings: { n_ctx: 4096 }, total_slots: 4, model_path: "models/tiny.gguf", build_info: "b10573-d775b896" };

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer(() => reply.json(404, { error: { message: "File Not Found" } }));
});
afterAll(async () => {
  await server.close();
});

function target(extra: Record<string, unknown>) {
  return targetSchema.parse({ url: server.baseUrl, ...extra });
}

async function connect(extra: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const warnings: string[] = [];
  const t = await connectTarget(target(extra), env, { onWarning: (w) => warnings.push(w) });
  await t.close();
  return { info: t.info, warnings };
}

describe("llama.cpp detection", () => {
  it("from the Server header, the model list's owner or /props", () => {
    expect(anyModelNameEvidence("llama.cpp", [])).toMatch(/Server header says llama\.cpp/);
    expect(anyModelNameEvidence(undefined, [{ id: "m.gguf", ownedBy: "llamacpp" }])).toMatch(/owned_by llamacpp/);
    expect(anyModelNameEvidence(undefined, [], props)).toMatch(/\/props/);
    expect(anyModelNameEvidence("uvicorn", [{ id: "Qwen/Qwen3-8B", ownedBy: "vllm" }], undefined)).toBeUndefined();
    expect(isLlamaCppProps({ default_generation_settings: {}, total_slots: 1 })).toBe(true);
    for (const p of [undefined, null, [], "x", {}, { total_slots: 4 }, { default_generation_settings: null, total_slots: 4 }, { default_generation_settings: {} }]) {
      expect(isLlamaCppProps(p), JSON.stringify(p)).toBe(false);
    }
  });
});

describe("connectTarget and --model", () => {
  it("llama.cpp (Server header): a name it does not list is a warning, and requests keep the name asked for", async () => {
    server.handle(() => reply.json(200, llamaList, { server: "llama.cpp" }));
    const { info, warnings } = await connect({ model: "gpt-4o" });
    expect(info.model).toBe("gpt-4o");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('model "gpt-4o" is not in');
    expect(warnings[0]).toContain("models/tiny.gguf");
    expect(warnings[0]).toContain("answers to any model name");
    // The listing told: /props was not asked for.
    expect(server.requests.at(-1)!.path).toBe("/v1/models");
  });

  it("llama.cpp behind a proxy that drops the Server header and the owner: GET /props tells", async () => {
    server.handle((q) =>
      q.path === "/props" ? reply.json(200, props) : reply.json(200, { object: "list", data: [{ id: "models/tiny.gguf", object: "model" }] }, { server: "nginx" }),
    );
    const { info, warnings } = await connect({ model: "qwen3" });
    expect(info.model).toBe("qwen3");
    expect(warnings[0]).toMatch(/llama\.cpp \(its \/props page is llama\.cpp's\)/);
    expect(server.requests.at(-1)!.path).toBe("/props");
  });

  it("vLLM (or any server not known to accept any name): an unknown name is still refused, with the names it serves", async () => {
    server.handle(() => reply.json(200, vllmList, { server: "uvicorn" }));
    const err = await connect({ model: "qwen3" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(`model "qwen3" is not served by ${server.baseUrl} (it serves: Qwen/Qwen3-8B). Fix --model or target.model.`);
    // The /props probe found nothing (404) and did not change the answer.
    expect(server.requests.at(-1)!.path).toBe("/props");
  });

  it("a listed name needs no warning and no probe", async () => {
    server.handle(() => reply.json(200, llamaList, { server: "llama.cpp" }));
    const before = server.requests.length;
    const { info, warnings } = await connect({ model: "models/tiny.gguf" });
    expect(info.model).toBe("models/tiny.gguf");
    expect(warnings).toEqual([]);
    expect(server.requests.slice(before).map((q) => q.path)).toEqual(["/v1/models"]);
  });
});

describe("a server that wants a key when none was sent", () => {
  it("says how to give one: --api-key-env (and target.api_key_env in a suite)", async () => {
    server.handle(() => reply.json(401, { error: { message: "Invalid API Key", type: "authentication_error", code: 401 } }));
    const err = await connect({}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const msg = (err as Error).message;
    expect(msg).toContain("no key was sent");
    expect(msg).toContain("--api-key-env VARIABLE_NAME");
    expect(msg).toContain("target.api_key_env");
  });

  it("an unset variable is named, whichever setting named it", async () => {
    const err = await connect({ api_key_env: "SD_TARGET_TEST_KEY" }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain("SD_TARGET_TEST_KEY");
  });
});
