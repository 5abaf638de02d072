import { execFileSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, writeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * A tiny tmpfs (a real file system that fills up), mounted for this test file when the
 * machine allows it (Linux, root or CAP_SYS_ADMIN); otherwise `dir` is undefined and
 * `reason` says why, printed once so a skipped test is visible.
 */
export function tinyTmpfs(sizeKiB: number, what: string): { dir: string | undefined; reason: string | undefined } {
  if (process.platform !== "linux") return skipped(what, "not Linux");
  const dir = mkdtempSync(join(tmpdir(), "shakedown-tmpfs-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir], { stdio: "pipe" });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return skipped(what, `cannot mount a tmpfs here (${String((e as { stderr?: Buffer }).stderr ?? e).trim() || "mount failed"})`);
  }
  afterAll(() => {
    try {
      execFileSync("umount", [dir], { stdio: "pipe" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  return { dir, reason: undefined };
}

function skipped(what: string, reason: string): { dir: undefined; reason: string } {
  console.warn(`NOTICE: skipping ${what} on a real full disk: ${reason}. The injected-failure tests still run.`);
  return { dir: undefined, reason };
}

/** Fills the file system holding `dir` with a file `name`, leaving at most `leaveBytes` free (page granularity). */
export function fillDisk(dir: string, leaveBytes = 0, name = "filler"): void {
  const fd = openSync(join(dir, name), "a");
  const chunk = Buffer.alloc(4096, 0x2e);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) {
    execFileSync("truncate", ["-s", `-${leaveBytes}`, join(dir, name)]);
  }
}
