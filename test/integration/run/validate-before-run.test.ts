/**
 * executeRun checks every scenario's files before it connects to the target: a bad file in
 * the last scenario sends no request at all (not even GET /v1/models) and creates no run
 * folder (issue 10, item 8).
 */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import type { SuiteInput } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/errors.js";
import { executeRun } from "../../../src/run/executor.js";
import { reply, startScriptedServer, type ScriptedServer } from "../../helpers/scripted-server.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("shakedown-validate-run-");
let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer(() => reply.json(500, { error: { message: "no request should reach the server" } }));
});
afterAll(() => server.close());

async function refused(second: Record<string, unknown>): Promise<ConfigError> {
  const out = join(dir, "runs");
  const input: SuiteInput = {
    name: "late",
    target: { url: server.baseUrl, model: "m" },
    scenarios: [{ kind: "conversation", name: "first", turns: 1, iterations: 1 } as never, second as never],
    output: { dir: out },
  };
  const err = await executeRun(validateSuiteObject(input, "test suite")).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  expect(server.requests).toEqual([]);
  expect(server.connections).toBe(0);
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  return err as ConfigError;
}

describe("executeRun: files are checked before the first request", () => {
  it("a suite whose second scenario has a missing dataset fails before the first request", async () => {
    const e = await refused({ kind: "load", name: "replay", dataset: { source: "sharegpt", path: join(dir, "ShareGPT_V3.json") } });
    expect(e.message).toMatch(/^scenario "replay" \(load\): ShareGPT dataset not found: .*ShareGPT_V3\.json/);
  });

  it("a malformed task pack / script in a later scenario fails before the first request", async () => {
    const pack = join(dir, "pack.yaml");
    writeFileSync(pack, "name: p\ntasks: [\n");
    expect((await refused({ kind: "reasoning", name: "think", pack })).message).toMatch(/^scenario "think" \(reasoning\): .*pack\.yaml: YAML syntax error: /);
    const script = join(dir, "script.yaml");
    writeFileSync(script, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]));
    expect((await refused({ kind: "conversation", name: "second", script })).message).toMatch(/^scenario "second" \(conversation\): .*script\.yaml: not a text file: it seems to be a zip archive/);
  });

  it("a JSONL dataset with one bad line deep inside fails before the first request", async () => {
    const path = join(dir, "prompts.jsonl");
    writeFileSync(path, Array.from({ length: 5000 }, (_, i) => (i === 4321 ? '{"prompt": ""}' : JSON.stringify({ prompt: `p${i}` }))).join("\n"));
    expect((await refused({ kind: "load", name: "replay", requests: 10, dataset: { source: "jsonl", path } })).message).toMatch(/prompts\.jsonl:4322: "prompt" must be a non-empty string, found an empty one/);
  });
});
