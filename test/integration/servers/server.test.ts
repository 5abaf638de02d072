/**
 * startServer against real child processes: a tiny node HTTP server written to a temp folder
 * (its behaviour set by environment variables), run through /bin/sh like a real server
 * command, or through a fake `docker` script for the compose kind.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, killAllServersSync, liveServers, ServerStartError, startServer, type ServerSpec, type StartedServer } from "../../../src/servers/index.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("shakedown-servers-");
const SERVER = join(dir, "server.cjs");

// Behaviour from the environment: READY_AFTER_MS (503 before), NEVER_READY, OOM_AFTER_MS (print a
// CUDA OOM and exit 1 before listening), CRASH_AFTER_MS (exit 1 with an OOM line after listening),
// IGNORE_TERM, PID_FILE (its pid written there), HANG_HEALTH (never answers /health).
writeFileSync(
  SERVER,
  `const http = require("http"), fs = require("fs");
const port = Number(process.argv[2]);
const env = process.env, t0 = Date.now();
if (env.PID_FILE) fs.writeFileSync(env.PID_FILE, String(process.pid));
console.log("server starting on port " + port + (env.SECRET_TOKEN ? " (token given)" : ""));
if (env.OOM_AFTER_MS) {
  setTimeout(() => {
    console.error("Traceback (most recent call last):");
    console.error("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB");
    console.error("[rank0]: destroying process group");
    process.exit(1);
  }, Number(env.OOM_AFTER_MS));
} else {
  if (env.IGNORE_TERM) process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  const server = http.createServer((req, res) => {
    if (env.HANG_HEALTH) return;
    const ok = !env.NEVER_READY && Date.now() - t0 >= Number(env.READY_AFTER_MS || 0);
    res.writeHead(req.url === "/health" ? (ok ? 200 : 503) : 404);
    res.end();
  });
  server.on("error", (e) => { console.error("OSError: [Errno 98] " + e.message); process.exit(1); });
  server.listen(port, "127.0.0.1", () => console.log("listening"));
  if (env.CRASH_AFTER_MS) setTimeout(() => { console.error("RuntimeError: CUDA error: out of memory"); process.exit(1); }, Number(env.CRASH_AFTER_MS));
}
`,
);

/** The process is gone: no such pid, or a zombie (where PID 1 does not reap orphans, they stay). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

const readPid = (file: string): number => Number(readFileSync(file, "utf8"));

let n = 0;
async function commandSpec(env: Record<string, string>, over: Partial<ServerSpec> = {}): Promise<ServerSpec & { port: number; pidFile: string }> {
  const port = await freePort();
  const pidFile = join(dir, `pid-${++n}`);
  return {
    kind: "command",
    command: `exec node ${SERVER} ${port}`,
    env: { PID_FILE: pidFile, ...env },
    healthUrl: `http://127.0.0.1:${port}/health`,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    startupTimeoutMs: 10_000,
    stopGraceMs: 2_000,
    pollIntervalMs: 50,
    logPath: join(dir, `logs-${n}`, "server.log"),
    ...over,
    port,
    pidFile,
  };
}

async function startFailure(spec: ServerSpec, signal?: AbortSignal): Promise<ServerStartError> {
  const err = await startServer(spec, signal).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServerStartError);
  return err as ServerStartError;
}

const started: StartedServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
  expect(liveServers()).toBe(0);
});

describe("kind command", () => {
  it("waits through 503s, logs everything, and stop() ends the whole process group (grandchild too)", async () => {
    const spec = await commandSpec({ READY_AFTER_MS: "250", SECRET_TOKEN: "s3cret-value" });
    const sleepPidFile = join(dir, "sleep.pid");
    // Not exec'd: sh stays the group's leader with two children, one of which (sleep) the server never knows.
    spec.command = `sleep 60 & echo $! > ${sleepPidFile}; node ${SERVER} ${spec.port}`;
    const server = await startServer(spec);
    started.push(server);
    expect(server.kind).toBe("command");
    expect(server.pid).toBeGreaterThan(0);
    expect(server.startupMs).toBeGreaterThanOrEqual(200);
    expect(server.exitInfo()).toBeUndefined();
    expect(liveServers()).toBe(1);
    const nodePid = readPid(spec.pidFile);
    const sleepPid = readPid(sleepPidFile);
    expect(gone(nodePid) || gone(sleepPid)).toBe(false);

    const stopping = server.stop();
    expect(server.stop()).toBe(stopping);
    expect(await stopping).toBeUndefined();
    expect(gone(nodePid)).toBe(true);
    expect(gone(sleepPid)).toBe(true);
    expect(gone(server.pid as number)).toBe(true);
    expect(liveServers()).toBe(0);
    expect(server.exitInfo()).toBeUndefined();

    const log = readFileSync(spec.logPath as string, "utf8");
    expect(log).toMatch(/^\[shakedown \d{4}-\d\d-\d\dT[\d:.]+Z\] starting: sleep 60 &/);
    expect(log).toContain("environment added: PID_FILE, READY_AFTER_MS, SECRET_TOKEN (values not logged)");
    expect(log).not.toContain("s3cret-value");
    expect(log).toContain("(token given)");
    expect(log).toContain("listening");
    expect(log).toMatch(/healthy after [\d.]+ s/);
    expect(log).toMatch(/\] stopped: /);
  });

  it("secrets never stay: the log is rewritten without them at stop, and a failure's reason and tail are redacted", async () => {
    const token = "hf_shakedownTestToken0123456789abcdef";
    // vLLM prints its arguments (--api-key included) when it starts.
    const base = await commandSpec({ SECRET_TOKEN: token });
    const spec = { ...base, command: `echo "non-default args: {'api_key': '$SECRET_TOKEN'}"; ${base.command}`, secrets: [token] };
    const server = await startServer(spec);
    await server.stop();
    const log = readFileSync(spec.logPath as string, "utf8");
    expect(log).toContain("{'api_key': '[REDACTED]'}");
    expect(log).not.toContain(token);

    const failing = await commandSpec({ SECRET_TOKEN: token });
    const err = await startFailure({ ...failing, command: `echo "error: the key $SECRET_TOKEN is refused" >&2; exit 1`, secrets: [token] });
    expect(err.reason).toContain("error: the key [REDACTED] is refused");
    expect(`${err.reason}${err.logTail}`).not.toContain(token);
    expect(readFileSync(failing.logPath as string, "utf8")).not.toContain(token);
  });

  it("an out-of-memory exit before healthy: kind oom, the line quoted, the log's tail kept", async () => {
    const spec = await commandSpec({ OOM_AFTER_MS: "50" });
    const err = await startFailure(spec);
    expect(err.kind).toBe("oom");
    expect(err.reason).toMatch(/^server "node" exited with code 1 before it answered http:\/\/127\.0\.0\.1:\d+\/health \([\d.]+ s after start\); its log names an out-of-memory error \(torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.00 GiB\)$/);
    expect(err.message).toBe(err.reason);
    expect(err.logTail).toContain("Traceback (most recent call last):\ntorch.OutOfMemoryError");
    expect(liveServers()).toBe(0);
    expect(readFileSync(spec.logPath as string, "utf8")).toMatch(/\] start failed: server "node" exited with code 1/);
  });

  it("a health URL never 2xx, or never answering: kind timeout at the startup timeout, the server stopped", async () => {
    const spec = await commandSpec({ NEVER_READY: "1" }, { startupTimeoutMs: 1500 });
    const hanging = await commandSpec({ HANG_HEALTH: "1" }, { startupTimeoutMs: 1000 });
    const t0 = performance.now();
    const [err, errHanging] = await Promise.all([
      startFailure(spec),
      startFailure(hanging).then((e) => ({ e, took: performance.now() - t0 })),
    ]);
    const took = performance.now() - t0;
    expect(err.kind).toBe("timeout");
    expect(err.reason).toMatch(/^server "node" did not answer http:\/\/127\.0\.0\.1:\d+\/health with a 2xx status within 1\.5 s \(last answer: HTTP 503\); it was stopped; last log line: "listening"$/);
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(1500 + 2000 + 3000);
    expect(gone(readPid(spec.pidFile))).toBe(true);
    // each poll is cut at the time left: a hanging health URL does not stretch the timeout to a poll's 2 s
    expect(errHanging.e.kind).toBe("timeout");
    expect(errHanging.e.reason).toMatch(/within 1 s \(last answer: no answer within \d+ ms\)/);
    expect(errHanging.took).toBeLessThan(1000 + 1000);
  });

  it("a program not found: exit code 127 worded as command not found", async () => {
    const spec = await commandSpec({}, { command: "definitely-not-a-server-xyz --port 1" });
    const err = await startFailure(spec);
    expect(err.kind).toBe("exited");
    expect(err.reason).toBe('server "definitely-not-a-server-xyz" could not start: the shell could not find "definitely-not-a-server-xyz" (exit code 127, command not found); check the command and PATH');
    const cd = await startFailure({ ...spec, command: `cd ${dir} && not-here-either-xyz` });
    expect(cd.reason).toBe('server "cd" could not start: the shell could not find "not-here-either-xyz" (exit code 127, command not found); check the command and PATH');
  });

  it("an aborted start kills the child at once (even during a poll that hangs)", async () => {
    const spec = await commandSpec({ HANG_HEALTH: "1" });
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 300);
    const err = await startFailure(spec, controller.signal);
    expect(err.kind).toBe("aborted");
    expect(err.reason).toMatch(/^the start of server "node" was cancelled after [\d.]+ s, before it answered http:\/\/127\.0\.0\.1:\d+\/health; it was stopped$/);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(gone(readPid(spec.pidFile))).toBe(true);
    expect(await startFailure(spec, AbortSignal.abort()).then((e) => e.kind)).toBe("aborted");
  });

  it("our process exited while another server answers the health URL: the port may be in use", async () => {
    // Another server holds the port, its health answer slow enough that our child's exit is seen first.
    const other = http.createServer((_req, res) => setTimeout(() => res.end("ok"), 300));
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    try {
      const port = (other.address() as AddressInfo).port;
      const spec = await commandSpec({}, { command: `exec node ${SERVER} ${port}`, healthUrl: `http://127.0.0.1:${port}/health` });
      const err = await startFailure(spec);
      expect(err.kind).toBe("exited");
      expect(err.reason).toMatch(/exited with code 1 before it answered .*; yet http:\/\/127\.0\.0\.1:\d+\/health answers: the port may be in use by another server; last log line: "OSError: \[Errno 98\] listen EADDRINUSE/);
    } finally {
      other.closeAllConnections();
      await new Promise((r) => other.close(r));
    }
  });

  it("a working folder that does not exist: kind spawn", async () => {
    const spec = await commandSpec({}, { cwd: join(dir, "no-such-folder") });
    const err = await startFailure(spec);
    expect(err.kind).toBe("spawn");
    expect(err.reason).toContain("its working folder");
  });

  it("a crash after healthy shows in exitInfo (and stays after stop); a server ignoring SIGTERM is killed after the grace", async () => {
    const crashSpec = await commandSpec({ CRASH_AFTER_MS: "200" }, { logPath: undefined });
    const termSpec = await commandSpec({ IGNORE_TERM: "1" }, { stopGraceMs: 300 });
    const [crashing, stubborn] = await Promise.all([startServer(crashSpec), startServer(termSpec)]);
    started.push(crashing, stubborn);
    expect(crashing.exitInfo()).toBeUndefined();
    expect(await eventually(() => crashing.exitInfo() !== undefined)).toBe(true);
    const info = crashing.exitInfo();
    expect(info?.code).toBe(1);
    expect(info?.reason).toMatch(/^server "node" exited with code 1 while it was serving \([\d.]+ s after it was healthy\); its log names an out-of-memory error \(RuntimeError: CUDA error: out of memory\)$/);
    expect(await crashing.stop()).toBeUndefined();
    expect(crashing.exitInfo()).toEqual(info);

    const t0 = performance.now();
    expect(await stubborn.stop()).toBeUndefined();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(gone(readPid(termSpec.pidFile))).toBe(true);
    const log = readFileSync(termSpec.logPath as string, "utf8");
    expect(log).toContain("ignoring SIGTERM");
    expect(log).toContain("killed with SIGKILL: still running 0.3 s after SIGTERM");
  });

  it("killAllServersSync kills every running server's group; it is installed as an exit hook", async () => {
    const spec = await commandSpec({});
    const server = await startServer(spec);
    started.push(server);
    expect(liveServers()).toBe(1);
    expect(process.listeners("exit")).toContain(killAllServersSync);
    killAllServersSync();
    expect(liveServers()).toBe(0);
    expect(await eventually(() => gone(readPid(spec.pidFile)))).toBe(true);
    expect(await server.stop()).toBeUndefined();
  });

  it("nothing survives shakedown killed by SIGKILL (no exit hook runs): the watchman stops the server", async () => {
    const spec = await commandSpec({}, { stopGraceMs: 500 });
    const script = `
      import { startServer } from ${JSON.stringify(fileURLToPath(new URL("../../../src/servers/index.ts", import.meta.url)))};
      await startServer(${JSON.stringify({ ...spec, port: undefined, pidFile: undefined })});
      process.stdout.write("healthy\\n");
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => (d.toString().includes("healthy") ? resolve() : undefined));
        child.once("exit", (code) => reject(new Error(`the child exited (${code}) before its server was healthy`)));
      });
      const serverPid = readPid(spec.pidFile);
      expect(gone(serverPid)).toBe(false);
      child.kill("SIGKILL");
      expect(await eventually(() => gone(serverPid), 5000)).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe("kind compose (a fake docker)", () => {
  const state = join(dir, "compose");
  const fakeDocker = join(dir, "fake-docker");
  let saved: string | undefined;
  beforeAll(() => {
    execFileSync("mkdir", ["-p", state]);
    // Records each call (arguments tab-separated) and emulates compose's up/ps/stop/logs/rm/kill
    // with one node server in the background, its output kept as the "container's" log.
    writeFileSync(
      fakeDocker,
      `#!/bin/sh
S=${state}
for a in "$@"; do printf '%s\\t' "$a"; done >> "$S/argv"; printf '\\n' >> "$S/argv"
while [ $# -gt 0 ]; do
  case "$1" in compose) shift ;; -f|-p) shift 2 ;; *) break ;; esac
done
sub=$1
alive() { [ -f "$S/server.pid" ] && kill -0 "$(cat "$S/server.pid")" 2>/dev/null && [ ! -f "$S/exitcode" ]; }
case "$sub" in
  up)
    printf 'MODEL_NAME=%s PATH_SET=%s\\n' "$MODEL_NAME" "\${PATH:+yes}" >> "$S/env"
    rm -f "$S/exitcode" "$S/server.pid"
    (PID_FILE="$S/server.pid" node ${SERVER} "$FAKE_PORT" > "$S/container.log" 2>&1; echo $? > "$S/exitcode") &
    echo " Container svc-1  Started" ;;
  ps)
    if alive; then echo '{"Name":"svc-1","State":"running","ExitCode":0}';
    elif [ -f "$S/exitcode" ]; then echo "{\\"Name\\":\\"svc-1\\",\\"State\\":\\"exited\\",\\"ExitCode\\":$(cat "$S/exitcode")}"; fi ;;
  stop|rm|kill)
    if alive; then kill -TERM "$(cat "$S/server.pid")"; i=0; while alive && [ $i -lt 100 ]; do sleep 0.02; i=$((i+1)); done; fi ;;
  logs) cat "$S/container.log" ;;
esac
exit 0
`,
    );
    chmodSync(fakeDocker, 0o755);
    saved = process.env.SHAKEDOWN_DOCKER;
    process.env.SHAKEDOWN_DOCKER = fakeDocker;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.SHAKEDOWN_DOCKER;
    else process.env.SHAKEDOWN_DOCKER = saved;
  });

  const calls = (): string[][] =>
    existsSync(join(state, "argv"))
      ? readFileSync(join(state, "argv"), "utf8")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => l.split("\t").slice(0, -1))
      : [];
  const reset = () => {
    for (const f of ["argv", "env", "container.log", "exitcode", "server.pid"]) writeFileSync(join(state, f), "");
    execFileSync("rm", ["-f", join(state, "exitcode"), join(state, "server.pid")]);
  };

  async function composeSpec(env: Record<string, string>, over: Partial<ServerSpec> = {}): Promise<ServerSpec> {
    const port = await freePort();
    return {
      kind: "compose",
      compose: { file: join(dir, "compose.yaml"), service: "svc", project: "grid-1" },
      env: { FAKE_PORT: String(port), MODEL_NAME: "Qwen/Qwen3-8B", ...env },
      cwd: dir,
      healthUrl: `http://127.0.0.1:${port}/health`,
      baseUrl: `http://127.0.0.1:${port}/v1`,
      startupTimeoutMs: 10_000,
      stopGraceMs: 1_000,
      pollIntervalMs: 50,
      logPath: join(dir, `compose-${++n}.log`),
      ...over,
    };
  }

  it("up with the env, healthy, then stop, logs, rm; the container's output lands in the log", async () => {
    reset();
    const spec = await composeSpec({ READY_AFTER_MS: "150" });
    const server = await startServer(spec);
    started.push(server);
    expect(server.kind).toBe("compose");
    expect(server.pid).toBeUndefined();
    expect(server.exitInfo()).toBeUndefined();
    const serverPid = readPid(join(state, "server.pid"));
    expect(await server.stop()).toBeUndefined();
    expect(gone(serverPid)).toBe(true);

    const base = ["compose", "-f", join(dir, "compose.yaml"), "-p", "grid-1"];
    const seen = calls().filter((c) => c[5] !== "ps");
    expect(seen).toEqual([
      [...base, "up", "-d", "--force-recreate", "--no-deps", "svc"],
      [...base, "stop", "-t", "1", "svc"],
      [...base, "logs", "--no-color", "--timestamps", "svc"],
      [...base, "rm", "-f", "-s", "svc"],
    ]);
    // exitInfo asked ps; stop asked it again before stopping
    expect(calls().filter((c) => c[5] === "ps")[0]).toEqual([...base, "ps", "--all", "--format", "json", "svc"]);
    expect(readFileSync(join(state, "env"), "utf8")).toBe("MODEL_NAME=Qwen/Qwen3-8B PATH_SET=yes\n");
    const log = readFileSync(spec.logPath as string, "utf8");
    expect(log).toContain(`$ ${fakeDocker} compose -f ${join(dir, "compose.yaml")} -p grid-1 up -d --force-recreate --no-deps svc`);
    expect(log).toContain("Container svc-1  Started");
    expect(log).toContain("the container's output follows (docker compose logs)");
    expect(log).toContain("listening");
  });

  it("a container that dies of OOM while starting is seen by ps before the timeout: kind oom, logs kept", async () => {
    reset();
    const spec = await composeSpec({ OOM_AFTER_MS: "50" });
    const t0 = performance.now();
    const err = await startFailure(spec);
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(err.kind).toBe("oom");
    expect(err.reason).toMatch(/^compose service "svc" exited with code 1 before it answered .*; its log names an out-of-memory error \(torch\.OutOfMemoryError: CUDA out of memory/);
    expect(err.logTail).toContain("torch.OutOfMemoryError");
    expect(calls().map((c) => c[5])).toEqual(expect.arrayContaining(["up", "ps", "stop", "logs", "rm"]));
  });

  it("a crash while serving: exitInfo reads ps and the container's last lines", async () => {
    reset();
    const server = await startServer(await composeSpec({ CRASH_AFTER_MS: "150" }));
    started.push(server);
    expect(await eventually(() => existsSync(join(state, "exitcode")) && readFileSync(join(state, "exitcode"), "utf8") !== "")).toBe(true);
    const info = server.exitInfo();
    expect(info?.code).toBe(1);
    expect(info?.reason).toMatch(/^compose service "svc" exited with code 1 while it was serving .*out-of-memory error \(RuntimeError: CUDA error: out of memory\)/);
  });

  it("no docker binary: kind spawn, naming SHAKEDOWN_DOCKER", async () => {
    process.env.SHAKEDOWN_DOCKER = join(dir, "no-docker-here");
    try {
      const err = await startFailure(await composeSpec({}));
      expect(err.kind).toBe("spawn");
      expect(err.reason).toMatch(/cannot run .*no-docker-here \(ENOENT\): install Docker with its compose plugin, or set SHAKEDOWN_DOCKER/);
    } finally {
      process.env.SHAKEDOWN_DOCKER = fakeDocker;
    }
  });
});

describe("kind endpoint", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === "/health" ? 200 : 404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const spec = (over: Partial<ServerSpec>): ServerSpec => ({ kind: "endpoint", baseUrl: `http://127.0.0.1:${port}/v1`, startupTimeoutMs: 400, stopGraceMs: 0, pollIntervalMs: 50, ...over });

  it("answers on its health URL, or accepts connections: nothing to stop", async () => {
    const a = await startServer(spec({ healthUrl: `http://127.0.0.1:${port}/health` }));
    expect(a.kind).toBe("endpoint");
    expect(a.exitInfo()).toBeUndefined();
    expect(await a.stop()).toBeUndefined();
    const b = await startServer(spec({}));
    expect(b.startupMs).toBeGreaterThanOrEqual(0);
    expect(liveServers()).toBe(0);
  });

  it("unreachable: kind unreachable with the URL and the time", async () => {
    const free = await freePort();
    const err = await startFailure(spec({ baseUrl: `http://127.0.0.1:${free}/v1` }));
    expect(err.kind).toBe("unreachable");
    expect(err.reason).toBe(`nothing accepted connections at 127.0.0.1:${free} (http://127.0.0.1:${free}/v1) within 0.4 s (last answer: no connection)`);
    const err2 = await startFailure(spec({ healthUrl: `http://127.0.0.1:${port}/not-health` }));
    expect(err2.reason).toBe(`the server at http://127.0.0.1:${port}/v1 did not answer http://127.0.0.1:${port}/not-health with a 2xx status within 0.4 s (last answer: HTTP 404)`);
  });

  it("an incomplete spec is a TypeError", async () => {
    await expect(startServer({ kind: "command", baseUrl: "http://x/v1", startupTimeoutMs: 1, stopGraceMs: 0 })).rejects.toThrow(TypeError);
    await expect(startServer({ kind: "command", command: "x", baseUrl: "http://x/v1", startupTimeoutMs: 1, stopGraceMs: 0 })).rejects.toThrow(/needs a healthUrl/);
  });
});
