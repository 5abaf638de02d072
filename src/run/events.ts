/**
 * Events the executor emits while a run goes on. The engine never prints: progress
 * displays subscribe to these (autocannon's habit).
 */
import { EventEmitter } from "node:events";
import type { RequestRecord } from "../store/records.js";

export interface RunEventMap {
  /** plannedRequests: 0 when the scenario is planned by time (a soak: durationMs) rather than by count. */
  "scenario:start": [{ name: string; kind: string; plannedRequests: number; durationMs?: number }];
  "session:start": [{ scenario: string; session: string; iteration: number; sessions: number }];
  "request:end": [RequestRecord];
  "scenario:end": [{ name: string; kind: string }];
  /** What a scenario is doing between requests (reading a dataset, calibrating the client). */
  step: [{ scenario: string; message: string }];
  /** A soak's analysis window closed: where the soak stands, for the progress display. */
  "soak:window": [SoakWindowProgress];
  warning: [string];
}

export interface SoakWindowProgress {
  scenario: string;
  /** 1-based index of the window that closed, and the soak's full windows. */
  window: number;
  windows: number;
  elapsedMs: number;
  remainingMs: number;
  /** Requests of the mix sent in the window, those that failed, and their TTFT p90 (ms). */
  requests: number;
  failed: number;
  ttftP90Ms?: number;
}

export class RunEvents extends EventEmitter<RunEventMap> {}
