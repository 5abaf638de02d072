/**
 * Issue 11's smaller items against a real llama.cpp server (../shared/llama-server, b10573):
 * `--model NAME` on a server that answers to any name is a warning; a context overflow says
 * that `-c` is split among the `-np` slots; a missing key names --api-key-env. Skipped, with a
 * notice, where the folder is absent (a user's clone).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { targetSchema } from "../../../src/config/schema.js";
import { AuthError } from "../../../src/errors.js";
import { RunEvents } from "../../../src/run/events.js";
import { executeRun } from "../../../src/run/executor.js";
import { connectTarget } from "../../../src/run/target.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { llamaServerAvailable, llamaServerNotice, startLlamaServer, type RunningLlamaServer } from "../../helpers/llama-server.js";
import { tempDir } from "../../helpers/tmp.js";

llamaServerNotice();
const work = tempDir();
const KEY = "sk-llama-hints-test";
const env = { SD_LLAMA_HINTS_KEY: KEY };
// One server for the file (a start costs seconds on a loaded machine): -c 1024 over 4 slots,
// 256 tokens a conversation, and a key.
let server: RunningLlamaServer | undefined;
async function llama(): Promise<RunningLlamaServer> {
  server ??= await startLlamaServer(["-np", "4", "-c", "1024", "--api-key", KEY]);
  return server;
}
afterAll(async () => {
  await server?.stop();
});

function records(dir: string): RequestRecord[] {
  return readFileSync(join(dir, "records.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as RequestRecord);
}

describe.skipIf(!llamaServerAvailable)("against llama-server: hints for a new user", () => {
  it("--model with a name it does not list: a warning (it answers to any name), and the run goes on", async () => {
    const server = await llama();
    const events = new RunEvents();
    const warnings: string[] = [];
    events.on("warning", (w) => warnings.push(w));
    const suite = validateSuiteObject(
      {
        name: "any-model-name",
        target: { url: server.baseUrl, model: "gpt-4o", api_key_env: "SD_LLAMA_HINTS_KEY" },
        scenarios: [{ kind: "conversation", turns: 2, iterations: 1, max_tokens: 8 }],
        output: { dir: join(work, "any-name") },
      },
      "test",
    );
    const { dir, results } = await executeRun(suite, { events, env });
    expect(warnings.filter((w) => w.includes('model "gpt-4o"'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/the server is llama\.cpp \(its Server header says llama\.cpp\), which answers to any model name/);
    expect(warnings[0]).toContain("models/tiny.gguf");
    expect(results.scenarios[0]!.requests).toMatchObject({ total: 2, ok: 2 });
    for (const r of records(dir)) expect(r.params.model).toBe("gpt-4o");
  }, 120_000);

  it("a conversation outgrowing its slot: the error says -c is divided among the -np slots, in the records and the report's errors", async () => {
    // 256 tokens a conversation. Replies never end on this model, so turn 1 fills the slot and
    // turn 2's prompt is over it.
    const server = await llama();
    const suite = validateSuiteObject(
      {
        name: "ctx-overflow",
        target: { url: server.baseUrl, api_key_env: "SD_LLAMA_HINTS_KEY" },
        scenarios: [{ kind: "conversation", turns: 2, iterations: 1, max_tokens: 300 }],
        output: { dir: join(work, "overflow") },
      },
      "test",
    );
    const { dir, results } = await executeRun(suite, { env });
    const failed = records(dir).filter((r) => !r.result.ok && r.scenario !== "warmup");
    expect(failed.length).toBeGreaterThan(0);
    const e = failed[0]!.result.error!;
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^HTTP 400: request \(\d+ tokens\) exceeds the available context size \(256 tokens\), try increasing it\. Hint: /);
    expect(e.message).toContain("llama-server divides -c among its -np slots: each conversation has n_ctx = c / np tokens (256 here)");
    expect(results.scenarios[0]!.errors[0]!.example).toContain("-np slots");
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("llama-server divides -c among its -np slots");
  }, 120_000);

  it("a server started with --api-key and no key given: the message says to use --api-key-env", async () => {
    const server = await llama();
    const err = await connectTarget(targetSchema.parse({ url: server.baseUrl }), {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/refused the API key \(HTTP 401: Invalid API Key\); no key was sent: .*--api-key-env VARIABLE_NAME \(or target\.api_key_env in a suite\)/);
  }, 120_000);
});
