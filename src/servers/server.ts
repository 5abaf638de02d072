/**
 * The lifecycle of the inference servers a grid starts and stops: start one from a spec
 * (a shell command, a docker compose service, or an endpoint already running), wait until it
 * is healthy, stop it, keep its log. Nothing a start began survives: a failed or cancelled
 * start kills its process group, stop() ends the whole group, and an exit hook kills what
 * is still running when shakedown exits.
 */
import { performance } from "node:perf_hooks";
import { printable } from "../config/file-check.js";
import { displayUrl } from "../monitor/fetch-page.js";
import { startCommand } from "./command.js";
import { startCompose } from "./compose.js";
import { dropAgent, shortAgent } from "./http.js";
import { ServerStartError, type ServerSpec, type StartedServer } from "./types.js";
import { DEFAULT_POLL_INTERVAL_MS, healthProbe, POLL_TIMEOUT_MS, seconds, tcpProbe, waitHealthy, type Probe } from "./wait.js";

export { ServerStartError, type ExitStatus, type ServerExitInfo, type ServerSpec, type StartFailureKind, type StartedServer } from "./types.js";
export { killAllServersSync, liveServers } from "./group.js";

function checkSpec(spec: ServerSpec): void {
  const bad = (what: string): never => {
    throw new TypeError(`startServer: ${what}`);
  };
  if (!Number.isFinite(spec.startupTimeoutMs) || spec.startupTimeoutMs <= 0) bad(`startupTimeoutMs must be a positive number of ms (got ${spec.startupTimeoutMs})`);
  if (!Number.isFinite(spec.stopGraceMs) || spec.stopGraceMs < 0) bad(`stopGraceMs must be 0 or more ms (got ${spec.stopGraceMs})`);
  if (spec.kind === "command") {
    if (typeof spec.command !== "string" || spec.command.trim() === "") bad("kind command needs a command");
    if (!spec.healthUrl) bad("kind command needs a healthUrl");
  } else if (spec.kind === "compose") {
    if (!spec.compose?.file || !spec.compose.service) bad("kind compose needs compose.file and compose.service");
    if (!spec.healthUrl) bad("kind compose needs a healthUrl");
  } else if (spec.kind !== "endpoint") bad(`unknown kind ${String(spec.kind)}`);
}

async function checkEndpoint(spec: ServerSpec, signal?: AbortSignal): Promise<StartedServer> {
  const started = performance.now();
  const shownBase = displayUrl(spec.baseUrl);
  if (signal?.aborted) throw new ServerStartError("aborted", `the check of ${shownBase} was cancelled before it began`);
  let probe: Probe;
  let what: string;
  const agent = spec.healthUrl !== undefined ? shortAgent(POLL_TIMEOUT_MS) : undefined;
  if (agent !== undefined && spec.healthUrl !== undefined) {
    probe = healthProbe(agent, spec.healthUrl, signal);
    what = `the server at ${shownBase} did not answer ${displayUrl(spec.healthUrl)} with a 2xx status`;
  } else {
    let url: URL;
    try {
      url = new URL(spec.baseUrl);
    } catch {
      throw new ServerStartError("unreachable", `${printable(spec.baseUrl, { max: 200 })} is not a URL`);
    }
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    probe = tcpProbe(url.hostname, port);
    what = `nothing accepted connections at ${url.host} (${shownBase})`;
  }
  try {
    const result = await waitHealthy({
      probe,
      started,
      deadline: started + spec.startupTimeoutMs,
      intervalMs: spec.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      ...(signal !== undefined ? { signal } : {}),
    });
    if (result.kind === "aborted") throw new ServerStartError("aborted", `the check of ${shownBase} was cancelled after ${seconds(performance.now() - started)}`);
    if (result.kind !== "healthy") {
      const last = result.kind === "timeout" ? ` (last answer: ${printable(result.last, { max: 200 })})` : "";
      throw new ServerStartError("unreachable", `${what} within ${seconds(spec.startupTimeoutMs)}${last}`);
    }
    return { kind: "endpoint", startupMs: result.at - started, exitInfo: () => undefined, stop: async () => undefined };
  } finally {
    if (agent !== undefined) dropAgent(agent);
  }
}

/**
 * Starts the server and waits until healthy (endpoint: until it answers). Rejects with
 * ServerStartError, its process group killed and nothing left running, when: the command
 * cannot be spawned (kind spawn); it exits before healthy (exited; exit code 127 from sh is
 * worded "command not found"; an answer from the health URL while our process has exited
 * says the port may be in use by another server); the startup timeout passes (timeout); the
 * signal aborts (aborted); an endpoint does not answer (unreachable). Out of memory: when
 * the log names it ("CUDA out of memory", "OutOfMemoryError", "out of memory", "Cannot
 * allocate memory", "OOMKilled") or the server was killed by SIGKILL ("the kernel's
 * out-of-memory killer?"), the reason says so and the kind is oom. A health URL that answers
 * non-2xx (vLLM's 503 while loading) or refuses the connection is polled again; each poll
 * has its own timeout (at most 2 s, never past the startup timeout). Throws TypeError for an
 * incomplete spec (a command without healthUrl, …).
 */
export async function startServer(spec: ServerSpec, signal?: AbortSignal): Promise<StartedServer> {
  checkSpec(spec);
  switch (spec.kind) {
    case "command":
      return startCommand(spec, signal);
    case "compose":
      return startCompose(spec, signal);
    case "endpoint":
      return checkEndpoint(spec, signal);
  }
}
