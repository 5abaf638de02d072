/**
 * Starts the real llama.cpp server of ../shared/llama-server (a CPU build with a tiny
 * random-weight Qwen3 model; see its README) on a free port, for integration tests.
 * On a user's clone the folder is absent: `llamaServerAvailable` is false and the tests
 * that need it are skipped, with a notice printed once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const LLAMA_SERVER_DIR = fileURLToPath(new URL("../../../shared/llama-server/", import.meta.url));
const START = `${LLAMA_SERVER_DIR}start.sh`;

export const llamaServerAvailable = existsSync(START) && existsSync(`${LLAMA_SERVER_DIR}bin/llama-server`);

let noticed = false;
/** Prints, once per test file, why the llama-server tests are skipped. */
export function llamaServerNotice(): void {
  if (llamaServerAvailable || noticed) return;
  noticed = true;
  process.stderr.write(`NOTICE: ${LLAMA_SERVER_DIR} is absent: the tests against a real llama.cpp server are skipped.\n`);
}

export interface RunningLlamaServer {
  baseUrl: string;
  port: number;
  child: ChildProcess;
  /** Everything the server logged (stderr). */
  log(): string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Starts llama-server with `args` after the bundle's defaults and waits until /health answers 200.
 * Healthy in 0.5-0.7 s on an idle 2-core machine, but loading the model's vocabulary is CPU
 * work: with both cores taken by other processes it took 17 s, hence the generous default.
 */
export async function startLlamaServer(args: string[] = [], timeoutMs = 60_000): Promise<RunningLlamaServer> {
  // The free port is free when asked, not necessarily when the server binds it (other tests,
  // and other processes of the machine, take ports too): a lost race is tried again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(args, timeoutMs);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof PortTakenError)) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(args: string[], timeoutMs: number): Promise<RunningLlamaServer> {
  const port = await freePort();
  const child = spawn(START, [String(port), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) {
      const message = `llama-server exited with ${child.exitCode}: ${log.slice(-2000)}`;
      throw log.includes("couldn't bind") ? new PortTakenError(message) : new Error(message);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) return { baseUrl, port, child, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  throw new Error(`llama-server did not become healthy in ${timeoutMs} ms: ${log.slice(-2000)}`);
}
