/** Synthetic runs (a manifest, records, results) for diffRuns, without a simulator. */
import { validateSuiteObject } from "../../../src/config/load.js";
import { buildResults } from "../../../src/run/analyze.js";
import type { LoadedRun, RunManifest } from "../../../src/store/run-folder.js";
import type { RequestRecord } from "../../../src/store/records.js";
import { ConversationRecords, type TurnSpec } from "../scenarios/conversation/helpers.js";

export interface FakeRunOptions {
  suite?: string;
  scenario?: Record<string, unknown>;
  model?: string;
  /** Per session, its turns. */
  sessions: TurnSpec[][];
  /** Drop these record ids (a run that lost requests). */
  drop?: string[];
  stream?: boolean;
}

let counter = 0;

/** A conversation run: sessions × turns with the TTFTs asked (E2E = TTFT + 200 ms). */
export function fakeRun(o: FakeRunOptions): LoadedRun {
  const turns = o.sessions[0]?.length ?? 1;
  const suite = validateSuiteObject(
    {
      name: o.suite ?? "s",
      target: { url: "http://127.0.0.1:8000/v1", ...(o.stream === false ? { stream: false } : {}) },
      scenarios: [{ kind: "conversation", turns, iterations: o.sessions.length, ...(o.scenario ?? {}) }],
    },
    "fake suite",
  );
  const recs = new ConversationRecords("conversation");
  o.sessions.forEach((turnsOf, i) => recs.session(1, i + 1, turnsOf));
  const records: RequestRecord[] = recs.records.filter((r) => !(o.drop ?? []).includes(r.id));
  const runId = `fake-${++counter}`;
  const manifest: RunManifest = {
    schemaVersion: 1,
    tool: { name: "shakedown", version: "0.0.0-test" },
    runId,
    startedAt: "2026-01-01T00:00:00.000Z",
    suite,
    target: { url: "http://127.0.0.1:8000/v1", model: o.model ?? "m", simulated: false, models: [] },
    host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
  };
  const previous = buildResults(manifest, records, { complete: true });
  return { dir: `/runs/${runId}`, manifest, records, tornTail: false, skippedLines: [], server: [], gpu: [], attachments: {}, previous, notes: [] };
}

/** `n` sessions of `turns` turns whose TTFT grows with the turn (as a conversation's does), times `scale`, plus a small wobble. */
export function growing(n: number, turns: number, scale = 1, wobble = 0): TurnSpec[][] {
  return Array.from({ length: n }, (_, s) =>
    Array.from({ length: turns }, (_, t) => ({ ttft: (100 + 40 * t + 7 * s) * scale + wobble * Math.sin(13 * s + 7 * t) })),
  );
}
