/**
 * Issue 11 item 2: the seed's gate was lost. The seed gated its "TTFT moyen < 4000 ms" and
 * "Tokens/sec > 35", which were the full response time of a turn and output tokens over it;
 * the defaults applied those limits to true TTFT and decode speed only, so a server with 10 s
 * replies passed. The defaults now gate both. Also (item 7, conversation report): sessions
 * in order, no booleans in figure tables.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  analyzeConversation,
  CONVERSATION_DEFAULT_THRESHOLDS,
  DEFAULT_THRESHOLDS_NOTE,
} from "../../../../src/scenarios/conversation/analyze.js";
import { conversationScenario } from "../../../../src/scenarios/conversation/index.js";
import { renderConversationSection } from "../../../../src/report/conversation.js";
import { renderMarkdownReport } from "../../../../src/report/markdown.js";
import { builtinSuitePath } from "../../../../src/config/resolve.js";
import { loadSuiteFile } from "../../../../src/config/load.js";
import type { ConversationScenarioConfig } from "../../../../src/config/schema.js";
import type { RunResults } from "../../../../src/store/run-folder.js";
import type { ScenarioResult } from "../../../../src/scenarios/types.js";
import { ConversationRecords, flat, type TurnSpec } from "./helpers.js";

/** What the defaults were before: the seed's limits on true TTFT and decode speed only. */
const OLD_DEFAULTS = ["ttft.mean < 4000", "ttft.std < 200", "output_tps.mean > 35", "degradation.ttft_max < 20%", "success_rate > 95%"];

function defaultSuiteConversation(): ConversationScenarioConfig {
  const suite = loadSuiteFile(builtinSuitePath("default"));
  const sc = suite.scenarios.find((s) => s.kind === "conversation");
  expect(sc).toBeDefined();
  return sc as ConversationScenarioConfig;
}

/** 3 sessions of 15 turns, every turn as `turn(ttft)` says. */
function run(turn: (ttft: number) => TurnSpec): ConversationRecords {
  const rec = new ConversationRecords();
  for (let s = 1; s <= 3; s++) rec.session(1, s, flat(300).map(turn), false);
  return rec;
}

const status = (r: ScenarioResult, metric: string) => r.verdicts.find((v) => v.metric === metric)?.status;

describe("the default suite gates what the seed gated (issue 11 item 2)", () => {
  it("the default suite sets no thresholds, so it gets the defaults, which gate E2E and E2E output tok/s besides TTFT and decode speed", () => {
    const cfg = defaultSuiteConversation();
    expect(cfg.thresholds).toBeUndefined();
    expect(conversationScenario.defaultThresholds).toEqual(CONVERSATION_DEFAULT_THRESHOLDS);
    expect([...CONVERSATION_DEFAULT_THRESHOLDS]).toEqual([
      "e2e.mean < 4000",
      "e2e_output_tps.mean > 35",
      "ttft.mean < 4000",
      "ttft.std < 200",
      "output_tps.mean > 35",
      "degradation.ttft_max < 20%",
      "success_rate > 95%",
    ]);
    // The suite's comments list the same thresholds and say what each maps to.
    const yaml = readFileSync(builtinSuitePath("default"), "utf8");
    for (const t of CONVERSATION_DEFAULT_THRESHOLDS) expect(yaml).toContain(`"${t}"`);
    expect(yaml).toContain("the full response time of a turn");
  });

  it("a server with 10 s replies fails the E2E gate while its TTFT and decode speed pass", () => {
    // TTFT 300 ms, then 420 tokens at ~43 tok/s: 10 s a reply.
    const rec = run((ttft) => ({ ttft, e2e: 10_000, output: 420 }));
    const cfg = defaultSuiteConversation();
    // Before: the old defaults passed it.
    const before = analyzeConversation({ ...cfg, thresholds: OLD_DEFAULTS }, rec.input());
    expect(before.status).toBe("pass");
    // Now: the seed's own gate, on the figure it measured, fails it.
    const r = analyzeConversation(cfg, rec.input());
    expect(r.metrics["e2e.mean"]?.value).toBe(10_000);
    expect(status(r, "e2e.mean")).toBe("fail");
    expect(status(r, "ttft.mean")).toBe("pass");
    expect(status(r, "output_tps.mean")).toBe("pass");
    expect(status(r, "e2e_output_tps.mean")).toBe("pass"); // 42 tok/s over the whole reply
    expect(r.status).toBe("fail");
  });

  it("a slow prefill with a fast decode fails the end-to-end tok/s gate that decode speed alone passes", () => {
    // TTFT 2.5 s, 60 tokens decoded at 100 tok/s: E2E 3.09 s (< 4 s), 19 tok/s end to end.
    const rec = run(() => ({ ttft: 2500, e2e: 3090, output: 60 }));
    const r = analyzeConversation(defaultSuiteConversation(), rec.input());
    expect(r.metrics["output_tps.mean"]?.value).toBeCloseTo(100, 6);
    expect(status(r, "output_tps.mean")).toBe("pass");
    expect(status(r, "e2e.mean")).toBe("pass");
    expect(status(r, "e2e_output_tps.mean")).toBe("fail");
    expect(r.metrics["e2e_output_tps.mean"]?.value).toBeCloseTo(60 / 3.09, 6);
  });

  it("the note says exactly what is gated and how it maps to the seed's figures; the labels name the figures", () => {
    const rec = run((ttft) => ({ ttft, e2e: 10_000, output: 420 }));
    const r = analyzeConversation(defaultSuiteConversation(), rec.input());
    expect(r.notes).toContain(DEFAULT_THRESHOLDS_NOTE);
    expect(r.notes.join("\n")).not.toContain("Thresholds are the seed report's defaults");
    for (const s of ["“TTFT moyen < 4000 ms” was the full response time of a turn", "“Tokens/sec > 35”", "`e2e.mean < 4000`", "`e2e_output_tps.mean > 35`", "`ttft.mean < 4000`", "`output_tps.mean > 35`", "`ttft.std < 200`", "`degradation.ttft_max < 20%`"])
      expect(DEFAULT_THRESHOLDS_NOTE).toContain(s);
    const md = renderMarkdownReport(fakeRun(r));
    expect(md).toMatch(/\| E2E latency of a turn \(mean; the seed's “TTFT”\) \| 10000 ms \| < 4000 ms \| ❌ fail \|/);
    expect(md).toContain("| End-to-end output tok/s: output tokens / E2E (mean; the seed's “tok/s”) |");
    expect(md).toContain("| Decode speed: output tok/s after the first token (mean) |");
    // The seed comparison puts each seed threshold beside the figure it was applied to.
    expect(md).toContain("| “TTFT” as the seed measured it = E2E latency of a turn (mean) | 3481 ms | < 4000 ms (e2e.mean) | 10000 ms |");
  });
});

describe("conversation report: sessions in order, no booleans (issue 11 item 7)", () => {
  it("lists sessions by number even when their records finished out of order, and prints no true/false in its tables", () => {
    const rec = new ConversationRecords();
    // Concurrent sessions finish in any order: records arrive as 3, 1, 5, 2, 4.
    for (const s of [3, 1, 5, 2, 4]) rec.session(5, s, flat(40 + s).map((ttft) => ({ ttft })), true);
    const r = analyzeConversation({ ...defaultSuiteConversation(), concurrency: 5, iterations: 1 }, rec.input());
    const l = r.detail.levels[0]!;
    expect(l.detail.perIteration.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5]);
    const md = renderConversationSection(r);
    const section = md.slice(md.indexOf("### Per session"), md.indexOf("### Per window"));
    const rows = section.split("\n").filter((x) => /^\| \d+ \|/.test(x));
    expect(rows.map((x) => x.split("|")[1]!.trim())).toEqual(["1", "2", "3", "4", "5"]);
    const cells = md.split("\n").filter((x) => x.startsWith("|")).flatMap((x) => x.split("|").map((c) => c.trim()));
    expect(cells.filter((c) => /^(true|false)$/i.test(c))).toEqual([]);
  });
});

function fakeRun(sc: ScenarioResult): RunResults {
  return {
    schemaVersion: 1,
    runId: "r",
    suite: { name: "default", scenarios: [] },
    target: { url: "http://x/v1", model: "m", simulated: false, models: [] },
    startedAt: "2026-01-01T00:00:00Z",
    durationMs: 1000,
    status: sc.status,
    complete: true,
    warmup: { requests: 0, ok: 0, ttftMs: [] },
    records: { count: 45 },
    tool: { name: "shakedown", version: "0" },
    host: { node: "v20", cpus: 2 },
    scenarios: [sc],
  } as unknown as RunResults;
}
