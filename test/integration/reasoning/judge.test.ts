/**
 * The judge path end to end: a task with a judge criterion, the simulator as the target, a
 * scripted OpenAI-compatible judge. The judge's exchange is recorded, its grades sit beside
 * the rule-based ones, and a judge that answers garbage gives "not graded", never a verdict.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { executeRun, exitCodeForOutcome } from "../../../src/run/executor.js";
import { UnreachableError } from "../../../src/errors.js";
import { closedPort } from "../../helpers/scripted-server.js";
import type { ReasoningDetail } from "../../../src/scenarios/reasoning/analyze.js";
import type { ScenarioResult } from "../../../src/scenarios/types.js";
import { contentChunk, DONE, finishChunk, reply, startScriptedServer, type ScriptedServer } from "../../helpers/scripted-server.js";
import { tempDir } from "../../helpers/tmp.js";

const out = tempDir();
const packPath = join(out, "pack.yaml");
writeFileSync(
  packPath,
  `name: judged
title: A judged task
tasks:
  - id: explain-cache
    title: Explain prefix caching
    language: en
    category: analysis
    prompt: "In two sentences, explain what prefix caching does in an LLM server."
    max_tokens: 64
    criteria:
      - id: mentions-cache
        grader: text
        any: [cache, cached, reuse]
      - id: judge-accuracy
        grader: judge
        rubric: |
          The answer says that computed prompt prefixes are reused across requests.
          The answer says it shortens time to first token.
`,
);

describe("LLM judge", () => {
  let judge: ScriptedServer;
  let answer = "";
  beforeAll(async () => {
    judge = await startScriptedServer((req) => {
      if (req.path === "/v1/models") return reply.json(200, { object: "list", data: [{ id: "judge-model", object: "model" }] });
      return reply.sse([contentChunk(answer), finishChunk("stop"), DONE]);
    });
  });
  afterAll(async () => {
    await judge.close();
  });

  function suite(name: string) {
    return validateSuiteObject(
      {
        name,
        target: { sim: { profile: "fast" } },
        scenarios: [{ kind: "reasoning", pack: packPath, judge: { url: judge.baseUrl }, thresholds: ["success_rate > 95%"] }],
        output: { dir: out },
      },
      "test",
    );
  }

  it("records the judge's exchange and shows its grades beside the rule-based ones", async () => {
    answer = JSON.stringify({
      items: [
        { item: "The answer says that computed prompt prefixes are reused across requests.", pass: true, reason: "it says so", evidence: "" },
        { item: "The answer says it shortens time to first token.", pass: false, reason: "not mentioned", evidence: "" },
      ],
    });
    // The judge's requests of this run only: the file's tests share the judge, in any order.
    const from = judge.requests.length;
    const { results } = await executeRun(suite("judged"));
    const run = (results.scenarios[0] as ScenarioResult<ReasoningDetail>).detail.runs[0]!;
    expect(run.judge).toHaveLength(1);
    expect(run.judge[0]).toMatchObject({ criterion: "judge-accuracy", grader: "judge", score: 0.5 });
    expect(run.judgeScore).toBe(0.5);
    // The rule-based grade is still there, and the judge never replaces it.
    expect(run.auto.map((g) => g.criterion)).toEqual(["mentions-cache"]);
    const judged = judge.requests.slice(from).filter((r) => r.path === "/v1/chat/completions");
    expect(judged).toHaveLength(1);
    expect(JSON.stringify(judged[0]!.json)).toContain("prefix caching");
  });

  it("a judge that answers garbage leaves the criterion not graded", async () => {
    answer = "I think it is fine.";
    const { results } = await executeRun(suite("judged-garbage"));
    const run = (results.scenarios[0] as ScenarioResult<ReasoningDetail>).detail.runs[0]!;
    expect(run.judge[0]?.error).toBeDefined();
    expect(run.judgeScore).toBeUndefined();
  });

  it("an unreachable judge stops the run as unreachable (exit 3), naming its URL", async () => {
    const port = await closedPort();
    const suite = validateSuiteObject(
      {
        name: "judge-down",
        target: { sim: { profile: "fast" } },
        scenarios: [{ kind: "reasoning", pack: packPath, judge: { url: `http://127.0.0.1:${port}/v1` } }],
        output: { dir: out },
      },
      "test",
    );
    // The run stops with the judge's error; what was measured is kept, the exit code is its (3).
    const outcome = await executeRun(suite);
    const err = outcome.stop?.cause === "error" ? outcome.stop.error : undefined;
    expect(err).toBeInstanceOf(UnreachableError);
    expect(exitCodeForOutcome(outcome, () => 0)).toBe(3);
    expect(outcome.results.complete).toBe(false);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});
