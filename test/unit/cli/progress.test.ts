/**
 * The progress counter counts what the scenario planned (issue 11, item 7): the tools
 * scenario plans case runs, each a loop of several requests and a non-streamed twin, and
 * printed "24/14 session 1 turn 1"; the reasoning scenario's judge requests are not answers.
 */
import { describe, expect, it } from "vitest";
import { attachProgress, progressUnit } from "../../../src/cli/progress.js";
import { RunEvents } from "../../../src/run/events.js";
import type { RequestRecord } from "../../../src/store/records.js";

function rec(o: Partial<RequestRecord>): RequestRecord {
  return {
    v: 1,
    id: "x",
    scenario: "s",
    kind: "tools",
    newMessages: [],
    messageCount: 1,
    params: {},
    result: { ok: true, startedAtEpochMs: 0, sentPerfMs: 0, stream: true, content: "", reasoning: "", toolCalls: [], chunkTimes: [10, 30], chunkTokens: [], continuousUsage: false, t: { firstByte: 5, firstChunk: 10, lastToken: 30, lastByte: 31 } },
    ...o,
  } as unknown as RequestRecord;
}

function capture(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(...s.split("\n").filter((l) => l !== "")) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe("progress counter", () => {
  it("counts tool case runs, not their steps: 14 case runs of 2-3 steps never read 24/14", () => {
    const events = new RunEvents();
    const { stream, lines } = capture();
    const detach = attachProgress(events, stream);
    events.emit("scenario:start", { name: "tools", kind: "tools", plannedRequests: 14 });
    for (let c = 1; c <= 14; c++) {
      const session = `case-${c}`;
      events.emit("request:end", rec({ scenario: "tools", kind: "tools", session, iteration: 1, turn: 1, role: "step" }));
      events.emit("request:end", rec({ scenario: "tools", kind: "tools", session, iteration: 1, turn: 1, role: "non_streamed" }));
      events.emit("request:end", rec({ scenario: "tools", kind: "tools", session, iteration: 1, turn: 2, role: "step" }));
    }
    detach();
    expect(lines[0]).toBe("[tools] tools: 14 case runs planned");
    const counters = lines.slice(1).map((l) => /\] (\d+)\/(\d+) case runs · /.exec(l));
    expect(counters.every((m) => m !== null && Number(m[1]) <= Number(m[2]))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^\[tools\] 14\/14 case runs · case case-14 #1 step 2: /);
    expect(lines.join("\n")).toContain("case case-3 #1 step 1 (non-streamed twin)");
    expect(lines.join("\n")).not.toMatch(/session \d+ turn/);
  });

  it("does not count a reasoning judge's requests as task runs", () => {
    const unit = progressUnit("reasoning");
    expect(unit.counts(rec({ kind: "reasoning", role: "answer", session: "seed-logic-fr", iteration: 1 }))).toBe(true);
    expect(unit.counts(rec({ kind: "reasoning", role: "judge", session: "seed-logic-fr", iteration: 1 }))).toBe(false);
    expect(unit.where(rec({ kind: "reasoning", role: "judge", session: "seed-logic-fr", iteration: 2 }))).toBe("judge of task seed-logic-fr #2");
  });

  it("keeps counting requests, by session and turn, for the other kinds", () => {
    const unit = progressUnit("conversation");
    expect(unit.noun).toBe("requests");
    expect(unit.where(rec({ kind: "conversation", iteration: 2, turn: 5 }))).toBe("session 2 turn 5");
    expect(unit.where(rec({ kind: "conversation", iteration: 2, turn: 5, concurrency: 4 }))).toBe("concurrency 4 session 2 turn 5");
  });

  it("a soak prints its duration, one line per window with elapsed and remaining time, and no line per request", () => {
    const events = new RunEvents();
    const { stream, lines } = capture();
    const detach = attachProgress(events, stream);
    events.emit("scenario:start", { name: "soak", kind: "soak", plannedRequests: 0, durationMs: 1_800_000 });
    for (let i = 0; i < 50; i++) events.emit("request:end", rec({ scenario: "soak", kind: "soak", probe: "short" }));
    events.emit("soak:window", { scenario: "soak", window: 3, windows: 30, elapsedMs: 180_000, remainingMs: 1_620_000, requests: 50, failed: 1, ttftP90Ms: 81.2 });
    detach();
    expect(lines).toEqual(["[soak] soak: 30 min 0 s planned", "[soak] window 3/30 · 3 min 0 s elapsed, 27 min 0 s left · 50 requests, 1 failed, TTFT p90 81.2 ms"]);
  });
});
