/**
 * The watch folder, <out>/watch/<target>/ (the target as host_port): every request record of
 * every cycle (records.jsonl, each line a RequestRecord with its `cycle`), one summary line per
 * cycle (cycles.jsonl: the watch's history), each alert transition (alerts.jsonl), each webhook
 * delivery (webhooks.jsonl), each remediation (remediations.jsonl) — all appended as they
 * happen — and state.json (alert states, baseline, canary references, written atomically after
 * each cycle) so that a watch restarted, or run by cron with --once, goes on where it stopped.
 * watch.json describes the session in progress (suite, rules, target). watch.lock keeps two
 * watches from writing one folder.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, StorageError } from "../errors.js";
import { JsonlWriter, storageError, writeJsonAtomic } from "../store/files.js";

export const WATCH_FILES = {
  records: "records.jsonl",
  cycles: "cycles.jsonl",
  alerts: "alerts.jsonl",
  webhooks: "webhooks.jsonl",
  remediations: "remediations.jsonl",
  state: "state.json",
  manifest: "watch.json",
  lock: "watch.lock",
} as const;

/**
 * A folder name for a target: host and port ("127.0.0.1_8000", "gpu1.lan_443"), the path too
 * when it is not the usual /v1 ("proxy_8080_llm_v1"); letters, digits, dot, dash, underscore.
 */
export function targetSlug(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "target";
  }
  const port = u.port !== "" ? u.port : u.protocol === "https:" ? "443" : "80";
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const path = u.pathname.replace(/\/+$/, "");
  const parts = [host, port, ...(path === "" || path === "/v1" ? [] : [path])];
  const slug = parts
    .join("_")
    .replace(/[^A-Za-z0-9._-]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^[._-]+|_+$/g, "");
  return slug === "" ? "target" : slug.slice(0, 120);
}

/** <out>/watch/<slug>, absolute. */
export function watchDir(outDir: string, url: string): string {
  return resolve(outDir, "watch", targetSlug(url));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class WatchStore {
  readonly records: JsonlWriter;
  readonly cycles: JsonlWriter;
  readonly alerts: JsonlWriter;
  readonly webhooks: JsonlWriter;
  readonly remediations: JsonlWriter;
  private locked = false;

  /**
   * Opens (creates) the folder and takes its lock; ConfigError when another live watch holds it,
   * StorageError when the folder cannot be written.
   */
  constructor(
    readonly dir: string,
    onError: (e: StorageError) => void,
  ) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw storageError("creating", dir, e);
    }
    this.lock();
    try {
      const open = (name: string) => new JsonlWriter(join(dir, name), { onError });
      this.records = open(WATCH_FILES.records);
      this.cycles = open(WATCH_FILES.cycles);
      this.alerts = open(WATCH_FILES.alerts);
      this.webhooks = open(WATCH_FILES.webhooks);
      this.remediations = open(WATCH_FILES.remediations);
    } catch (e) {
      this.unlock();
      throw e;
    }
  }

  private lock(): void {
    const path = join(this.dir, WATCH_FILES.lock);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx");
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.locked = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw storageError("creating", path, e);
      }
      let pid = NaN;
      try {
        pid = Number(readFileSync(path, "utf8").trim());
      } catch {
        // unreadable: treated as stale
      }
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new ConfigError(
          `another shakedown watch (pid ${pid}) is writing ${this.dir}: stop it first, or give this one another --out (a cron job: let one --once finish before the next starts)`,
          "SHAKEDOWN_WATCH_LOCKED",
        );
      }
      try {
        unlinkSync(path); // a lock left by a watch that died
      } catch {
        // removed by someone else meanwhile: try again
      }
    }
    throw new ConfigError(`cannot take the lock ${join(this.dir, WATCH_FILES.lock)}: another watch keeps taking it`, "SHAKEDOWN_WATCH_LOCKED");
  }

  private unlock(): void {
    if (!this.locked) return;
    this.locked = false;
    const path = join(this.dir, WATCH_FILES.lock);
    try {
      // Only our own lock: one taken over by another watch (ours was thought stale) stays.
      if (Number(readFileSync(path, "utf8").trim()) === process.pid) unlinkSync(path);
    } catch {
      // gone already
    }
  }

  /** state.json as saved, or undefined (none yet). A file that cannot be read is moved aside and said. */
  readState(onWarning: (m: string) => void): unknown {
    const path = join(this.dir, WATCH_FILES.state);
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, "utf8")) as unknown;
    } catch (e) {
      const aside = `${path}.unreadable-${Date.now()}`;
      try {
        renameSync(path, aside);
      } catch {
        // left where it is; it is rewritten after the first cycle
      }
      onWarning(`${path} could not be read (${e instanceof Error ? e.message : String(e)}): starting afresh (kept as ${aside})`);
      return undefined;
    }
  }

  writeState(state: unknown): void {
    writeJsonAtomic(join(this.dir, WATCH_FILES.state), state);
  }

  writeManifest(m: unknown): void {
    writeJsonAtomic(join(this.dir, WATCH_FILES.manifest), m);
  }

  /** Closes every file (fsync) and releases the lock; returns the first write failure, if any. */
  close(): StorageError | undefined {
    let failure: StorageError | undefined;
    for (const w of [this.records, this.cycles, this.alerts, this.webhooks, this.remediations]) failure ??= w.close();
    this.unlock();
    return failure;
  }
}
