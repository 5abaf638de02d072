/**
 * Events the executor emits while a run goes on. The engine never prints: progress
 * displays subscribe to these (autocannon's habit).
 */
import { EventEmitter } from "node:events";
import type { RequestRecord } from "../store/records.js";

export interface RunEventMap {
  "scenario:start": [{ name: string; kind: string; plannedRequests: number }];
  "session:start": [{ scenario: string; session: string; iteration: number; sessions: number }];
  "request:end": [RequestRecord];
  "scenario:end": [{ name: string; kind: string }];
  /** What a scenario is doing between requests (reading a dataset, calibrating the client). */
  step: [{ scenario: string; message: string }];
  warning: [string];
}

export class RunEvents extends EventEmitter<RunEventMap> {}
