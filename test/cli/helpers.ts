import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/shakedown.js", import.meta.url));

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
