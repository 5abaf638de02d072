import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/shakedown.js", import.meta.url));
/** What BIN runs: the built entry point (npm test builds dist/ first). */
const MAIN = new URL("../../dist/cli/main.js", import.meta.url).href;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (npm test builds dist/ first). */
export function runCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; onStart?: (child: ChildProcess, out: { stdout: () => string; stderr: () => string }) => void; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, CI: "1", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onStart?.(child, { stdout: () => stdout, stderr: () => stderr });
  });
}

/**
 * An onStart for runCli that calls `act` once the CLI has printed `turns` per-turn progress
 * lines (non-TTY progress prints one line per request that ends): "interrupt after two turns".
 */
export function afterTurns(turns: number, act: (child: ChildProcess) => void): (child: ChildProcess, io: { stderr: () => string }) => void {
  return (child, io) => {
    const poll = setInterval(() => {
      if ((io.stderr().match(/ turn \d+: /g) ?? []).length >= turns) {
        clearInterval(poll);
        act(child);
      }
    }, 10);
    child.once("exit", () => clearInterval(poll));
  };
}

/**
 * Runs the CLI inside the test process, through the entry point the binary calls (`main(argv)`
 * of the built dist/cli/main.js, which resolves to the exit code instead of exiting):
 * for the many cases that only check what a command answers (a refusal, its message and
 * exit code, a re-rendered report), without paying for a Node start and the module graph
 * in a child process each time. stdout and stderr are captured apart, as the child's would
 * be, console output included; `env` and `cwd` apply for the call and are restored after.
 *
 * What depends on the process itself (signals, the real binary's exit, nothing else on
 * stdout, a hang killed at a time limit) keeps using `runCli`. Calls are serialized:
 * the capture is process-wide, so a second call waits for the first to end.
 */
export function runCliInProcess(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  const run = inProcessQueue.then(() => runInProcessNow(args, opts));
  inProcessQueue = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

let inProcessQueue: Promise<void> = Promise.resolve();

async function runInProcessNow(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  const { main } = (await import(/* @vite-ignore */ MAIN)) as { main: (argv: string[]) => Promise<number> };
  const { format } = await import("node:util");
  let stdout = "";
  let stderr = "";
  const capture =
    (append: (s: string) => void) =>
    (chunk: string | Uint8Array, encoding?: BufferEncoding | ((err?: Error | null) => void), cb?: (err?: Error | null) => void): boolean => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof encoding === "string" ? encoding : "utf8"));
      const done = typeof encoding === "function" ? encoding : cb;
      if (done) process.nextTick(done);
      return true;
    };
  const toOut = (s: string) => (stdout += s);
  const toErr = (s: string) => (stderr += s);
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    console: { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error, trace: console.trace },
    cwd: process.cwd(),
  };
  const env: NodeJS.ProcessEnv = { CI: "1", ...opts.env };
  const envBefore = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  process.stdout.write = capture(toOut) as typeof process.stdout.write;
  process.stderr.write = capture(toErr) as typeof process.stderr.write;
  console.log = console.info = console.debug = (...a: unknown[]) => void toOut(format(...a) + "\n");
  console.warn = console.error = console.trace = (...a: unknown[]) => void toErr(format(...a) + "\n");
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    if (opts.cwd !== undefined) process.chdir(opts.cwd);
    const code = await main([process.execPath, BIN, ...args]);
    return { code, signal: null, stdout, stderr };
  } finally {
    process.chdir(saved.cwd);
    for (const [k, v] of envBefore) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    Object.assign(console, saved.console);
  }
}
