/**
 * Checks, before a run starts, that the parent folder of run folders (`--out`, output.dir)
 * can hold one: a folder (or a path whose missing part can be created) on an ordinary file
 * system, writable. A bad one is refused with one line and exit 2 before the target is
 * touched; found after the first request, it would cost the run.
 */
import { accessSync, constants, mkdtempSync, rmSync, statfsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../errors.js";

/** statfs magic numbers of kernel file systems that cannot hold files of ours (recursive mkdir on /proc spins). */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: "procfs",
  0x62656572: "sysfs",
  0x27e0eb: "cgroup",
  0x63677270: "cgroup2",
  0x64626720: "debugfs",
  0x74726163: "tracefs",
  0x73636673: "securityfs",
  0x1cd1: "devpts",
  0xcafe4a11: "bpf",
  0x42494e4d: "binfmt_misc",
  0x6e736673: "nsfs",
  0x50495045: "pipefs",
};

/** Folders that are never a place for a run folder, whatever file system they are on (but /dev/shm, a tmpfs). */
const SYSTEM_ROOTS = ["/proc", "/sys", "/dev"];

function refuse(shown: string, why: string): never {
  throw new ConfigError(`--out ${shown}: ${why}; choose another folder with --out (or output.dir in the suite).`, "SHAKEDOWN_OUT_DIR");
}

function code(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : "error";
}

/** The nearest ancestor of `path` (itself included) that exists. */
function nearestExisting(path: string): string {
  let p = path;
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch (e) {
      if (code(e) !== "ENOENT" && code(e) !== "ENOTDIR") return p;
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/**
 * Makes sure a run folder can be created under `parent` (which need not exist yet: its
 * missing part is created with the run folder); throws ConfigError (exit 2) with the reason
 * otherwise. Returns the absolute path. Creates nothing.
 */
export function ensureOutDir(parent: string): string {
  const abs = resolve(parent);
  const shown = parent;
  const system = SYSTEM_ROOTS.some((r) => abs === r || abs.startsWith(`${r}/`)) && !abs.startsWith("/dev/shm/") && abs !== "/dev/shm";
  if (system) refuse(shown, `${abs} is a system folder that cannot hold a run folder`);
  const existing = nearestExisting(abs);
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(existing);
  } catch (e) {
    refuse(shown, `${existing} cannot be read (${code(e)})`);
  }
  if (!st.isDirectory()) refuse(shown, existing === abs ? `${abs} is a file, not a folder` : `${existing} is a file, not a folder`);
  try {
    const fsType = statfsSync(existing).type;
    const pseudo = PSEUDO_FS[fsType];
    if (pseudo !== undefined) refuse(shown, `${existing} is on ${pseudo}, a kernel file system that cannot hold a run folder`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    // statfs unsupported here: the write test below decides
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (e) {
    refuse(shown, `${existing} is not writable (${code(e)})`);
  }
  // Root passes access(W_OK) on a read-only mount: only a real write tells. The probe goes into
  // the nearest folder that exists, so a refused run leaves nothing behind.
  try {
    const probe = mkdtempSync(join(existing, ".shakedown-write-test-"));
    rmSync(probe, { recursive: true, force: true });
  } catch (e) {
    refuse(shown, `cannot write in ${existing} (${code(e) === "EROFS" ? "read-only file system" : code(e)})`);
  }
  return abs;
}
