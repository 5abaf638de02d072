import { describe, expect, it } from "vitest";
import { loadScenarioSchema } from "../../../src/config/schema.js";
import { LoadWorkers } from "../../../src/scenarios/load/workers.js";

describe("load worker threads", () => {
  it("a thread that cannot start (its dataset cannot be read) fails the start with the reason", async () => {
    const config = loadScenarioSchema.parse({ kind: "load", dataset: { source: "jsonl", path: "no/such/prompts.jsonl", tokenizer: "approx" } });
    const start = LoadWorkers.start(
      2,
      {
        config,
        endpoint: { baseUrl: "http://127.0.0.1:9/v1", timeouts: { connectMs: 100, firstByteMs: 100, betweenTokensMs: 100, totalMs: 100 } },
        model: "m",
        stream: true,
        continuousUsage: false,
        extraBody: undefined,
      },
      new AbortController().signal,
    );
    await expect(start).rejects.toThrow(/load worker failed to start: .*no\/such\/prompts\.jsonl/);
  }, 30_000);
});
