/**
 * Waiting for a server to become healthy, and the sentences that say why it did not.
 * Shared by the command, compose and endpoint kinds.
 */
import { constants as osConstants } from "node:os";
import { performance } from "node:perf_hooks";
import type { Agent } from "undici";
import { printable } from "../config/file-check.js";
import { displayUrl } from "../monitor/fetch-page.js";
import { httpExchange } from "./http.js";
import { lastMeaningfulLine, oomEvidence } from "./log.js";
import { portInUse } from "./ports.js";
import type { ExitStatus, StartFailureKind } from "./types.js";

/** Longest wait for one health answer (ms): a hanging health endpoint cannot hold a poll longer. */
export const POLL_TIMEOUT_MS = 2_000;
/** Between polls, by default (ms). */
export const DEFAULT_POLL_INTERVAL_MS = 500;
/** Between slower "is it still running" checks (docker compose ps), at least (ms). */
export const SLOW_CHECK_MS = 2_000;

/** One health check: ok, or what came back instead ("HTTP 503", "connection refused"). */
export type Probe = (timeoutMs: number) => Promise<{ ok: boolean; last: string }>;

/** A GET of the health URL: any 2xx is healthy; anything else (503 while loading, refused) is polled again. The signal cuts a poll short. */
export function healthProbe(agent: Agent, url: string, signal?: AbortSignal): Probe {
  return async (timeoutMs) => {
    const r = await httpExchange(agent, url, { timeoutMs, maxBytes: 0, ...(signal !== undefined ? { signal } : {}) });
    if (!r.ok) return { ok: false, last: r.reason };
    if (r.status >= 200 && r.status < 300) return { ok: true, last: `HTTP ${r.status}` };
    if (r.status === 401 || r.status === 403) return { ok: false, last: `HTTP ${r.status} (the health URL wants credentials: give one that needs none, such as /health)` };
    return { ok: false, last: `HTTP ${r.status}` };
  };
}

/** A TCP connection to host:port: something accepts connections there. */
export function tcpProbe(host: string, port: number): Probe {
  return async (timeoutMs) => ((await portInUse(host, port, timeoutMs)) ? { ok: true, last: "connected" } : { ok: false, last: "no connection" });
}

/** How a wait for health ended: healthy (at performance.now()), the process exited (and whether the URL answered anyway), timeout (with the last answer), aborted. */
export type WaitResult =
  | { kind: "healthy"; at: number }
  | { kind: "exited"; exit: ExitStatus; answered: boolean }
  | { kind: "timeout"; last: string }
  | { kind: "aborted" };

/** What waitHealthy polls, until when, and how it tells that the server's process ended. */
export interface WaitOptions {
  probe: Probe;
  /** performance.now() of the spawn. */
  started: number;
  /** performance.now() after which it has failed. */
  deadline: number;
  intervalMs: number;
  signal?: AbortSignal;
  /** How the server's own process ended, once it has (checked before and after each probe). */
  exited?: () => ExitStatus | undefined;
  /** Settles when the process ends: cuts a pause short. */
  exitedPromise?: Promise<unknown>;
  /** A slower check that the server still runs (docker compose ps), at most every SLOW_CHECK_MS. */
  slowCheck?: () => Promise<ExitStatus | undefined>;
}

/** Waits `ms`, or less when the signal aborts or `cut` settles. */
export function pause(ms: number, signal?: AbortSignal, cut?: Promise<unknown>): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      resolve();
    };
    const timer = setTimeout(finish, Math.max(0, ms));
    signal?.addEventListener("abort", finish, { once: true });
    cut?.then(finish, finish);
  });
}

/**
 * Polls until healthy, checking first each time that the server's process has not exited
 * (an answer from a port another server holds must not pass for ours), and that the time and
 * the signal allow another poll. Each poll is bounded by POLL_TIMEOUT_MS and the time left.
 */
export async function waitHealthy(o: WaitOptions): Promise<WaitResult> {
  let last = "no answer yet";
  let nextSlow = o.started + SLOW_CHECK_MS;
  for (;;) {
    if (o.signal?.aborted) return { kind: "aborted" };
    const before = o.exited?.();
    if (before) return { kind: "exited", exit: before, answered: false };
    if (o.slowCheck && performance.now() >= nextSlow) {
      const status = await o.slowCheck();
      nextSlow = performance.now() + SLOW_CHECK_MS;
      if (o.signal?.aborted) return { kind: "aborted" };
      if (status) return { kind: "exited", exit: status, answered: false };
    }
    const left = o.deadline - performance.now();
    const r = await o.probe(Math.max(50, Math.min(POLL_TIMEOUT_MS, left)));
    const at = performance.now();
    if (o.signal?.aborted) return { kind: "aborted" };
    const after = o.exited?.();
    if (after) return { kind: "exited", exit: after, answered: r.ok };
    if (r.ok) return { kind: "healthy", at };
    last = r.last;
    if (at >= o.deadline) return { kind: "timeout", last };
    await pause(Math.min(o.intervalMs, o.deadline - at), o.signal, o.exitedPromise);
  }
}

/** "0.03 s", "4.2 s", "95 s". */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s >= 10) return `${Math.round(s)} s`;
  return `${Number(s.toFixed(s < 1 ? 2 : 1))} s`;
}

/** A duration for "after it was healthy": "40 s", "12 min", "2.5 h". */
export function longDuration(ms: number): string {
  if (ms < 120_000) return seconds(ms);
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Number((ms / 3_600_000).toFixed(1))} h`;
}

/** The signal a shell's exit code above 128 stands for ("SIGKILL" for 137). */
export function signalOfShellCode(code: number | null): string | undefined {
  if (code === null || code <= 128 || code > 128 + 64) return undefined;
  const n = code - 128;
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0];
}

/** Killed by SIGKILL, by a signal or by a shell reporting 128 + 9. */
export function killedBySigkill(exit: ExitStatus): boolean {
  return exit.signal === "SIGKILL" || exit.code === 137;
}

const OOM_KILLER = "the kernel's out-of-memory killer?";

/**
 * "exited with code 1", "was killed by SIGSEGV", "exited with code 139 (128 + SIGSEGV)";
 * with `ownExit`, a SIGKILL (or 137) adds "(the kernel's out-of-memory killer?)": it was not ours.
 */
export function exitText(exit: ExitStatus, ownExit = false): string {
  const hint = ownExit && killedBySigkill(exit) ? ` (${OOM_KILLER})` : "";
  if (exit.signal) return `was killed by ${exit.signal}${hint}`;
  const sig = signalOfShellCode(exit.code);
  if (sig === "SIGKILL" && ownExit) return `exited with code 137 (128 + SIGKILL: killed by SIGKILL, ${OOM_KILLER})`;
  return `exited with code ${exit.code ?? "unknown"}${sig ? ` (128 + ${sig}: killed by ${sig})` : ""}`;
}

/** What the log says, for the end of a reason: its out-of-memory line, else its last meaningful line; oom also when SIGKILL ended it. */
export function logEvidence(tail: string, exit?: ExitStatus): { oom: boolean; text: string } {
  const oom = oomEvidence(tail);
  if (oom) return { oom: true, text: `; its log names an out-of-memory error (${oom})` };
  const line = lastMeaningfulLine(tail);
  return { oom: exit !== undefined && killedBySigkill(exit), text: line ? `; last log line: "${line}"` : "; its log is empty" };
}

/** The program a shell did not find: "vllmx" of "sh: 1: vllmx: not found" (dash) or "bash: vllmx: command not found". */
function notFoundProgram(tail: string): string | undefined {
  const lines = tail.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /:\s*([^:\s][^:]*?):\s*(?:command )?not found\s*$/.exec(lines[i] as string);
    if (m) return printable(m[1] as string, { max: 120 });
  }
  return undefined;
}

/** What the sentence of a failed start names. */
export interface FailureContext {
  /** How messages name the server: `server "vllm"`, `compose service "vllm"`. */
  who: string;
  /** The health URL (shown without credentials or query). */
  url: string;
  startupTimeoutMs: number;
  /** Since the start (ms). */
  elapsedMs: number;
  /** The log's last 64 KB. */
  tail: string;
}

/** The kind and the one-sentence reason of a failed start. */
export function describeFailure(result: Exclude<WaitResult, { kind: "healthy" }>, c: FailureContext): { kind: StartFailureKind; reason: string } {
  const url = displayUrl(c.url);
  switch (result.kind) {
    case "aborted":
      return { kind: "aborted", reason: `the start of ${c.who} was cancelled after ${seconds(c.elapsedMs)}, before it answered ${url}; it was stopped` };
    case "timeout": {
      const ev = logEvidence(c.tail);
      return {
        kind: ev.oom ? "oom" : "timeout",
        reason: `${c.who} did not answer ${url} with a 2xx status within ${seconds(c.startupTimeoutMs)} (last answer: ${printable(result.last, { max: 200 })}); it was stopped${ev.text}`,
      };
    }
    case "exited": {
      const exit = result.exit;
      const other = result.answered ? `; yet ${url} answers: the port may be in use by another server` : "";
      if (exit.code === 127) {
        const missing = notFoundProgram(c.tail);
        const line = missing === undefined ? lastMeaningfulLine(c.tail) : undefined;
        const what = missing !== undefined ? `the shell could not find "${missing}"` : `the shell could not find a program${line ? ` ("${line}")` : ""}`;
        return { kind: "exited", reason: `${c.who} could not start: ${what} (exit code 127, command not found)${other}; check the command and PATH` };
      }
      if (exit.code === 126) {
        const line = lastMeaningfulLine(c.tail);
        return { kind: "exited", reason: `${c.who} could not start: the shell exited with code 126 (found, but not executable: permission denied?)${line ? `: "${line}"` : ""}${other}` };
      }
      const ev = logEvidence(c.tail, exit);
      return { kind: ev.oom ? "oom" : "exited", reason: `${c.who} ${exitText(exit, true)} before it answered ${url} (${seconds(c.elapsedMs)} after start)${other}${ev.text}` };
    }
  }
}

/** The reason of an exit after the server was healthy. */
export function describeCrash(who: string, exit: ExitStatus, sinceHealthyMs: number, tail: string): string {
  return `${who} ${exitText(exit, true)} while it was serving (${longDuration(sinceHealthyMs)} after it was healthy)${logEvidence(tail, exit).text}`;
}
