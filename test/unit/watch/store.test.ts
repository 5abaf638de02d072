/** Issue 16: the watch folder: its name, its lock, its state file. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { targetSlug, watchDir, WatchStore } from "../../../src/watch/store.js";
import { tempDir } from "../../helpers/tmp.js";

describe("targetSlug", () => {
  it("names the folder host_port, with the path when it is not /v1", () => {
    expect(targetSlug("http://127.0.0.1:8000/v1")).toBe("127.0.0.1_8000");
    expect(targetSlug("https://llm.example.com/v1/")).toBe("llm.example.com_443");
    expect(targetSlug("http://proxy:8080/team/llm/v1")).toBe("proxy_8080_team_llm_v1");
    expect(targetSlug("http://[::1]:9000/v1")).toBe("1_9000");
    expect(watchDir("runs", "http://gpu1:8000/v1")).toMatch(/\/runs\/watch\/gpu1_8000$/);
  });
});

describe("WatchStore", () => {
  it("keeps a second watch out of a folder in use, and takes over a lock left by a dead one", () => {
    const dir = join(tempDir(), "watch", "t_1");
    const a = new WatchStore(dir, () => undefined);
    expect(readFileSync(join(dir, "watch.lock"), "utf8").trim()).toBe(String(process.pid));
    // Another live process holds it (the parent of this test's process is alive).
    writeFileSync(join(dir, "watch.lock"), `${process.ppid}\n`);
    expect(() => new WatchStore(dir, () => undefined)).toThrow(ConfigError);
    expect(() => new WatchStore(dir, () => undefined)).toThrow(new RegExp(`another shakedown watch \\(pid ${process.ppid}\\)`));
    // A dead process's lock is taken over.
    writeFileSync(join(dir, "watch.lock"), "999999999\n");
    a.writeState({ v: 1, cycle: 3 });
    a.close();
    expect(existsSync(join(dir, "watch.lock"))).toBe(true); // the lock it closed was not its own any more
    writeFileSync(join(dir, "watch.lock"), "999999999\n");
    const b = new WatchStore(dir, () => undefined);
    expect(b.readState(() => undefined)).toEqual({ v: 1, cycle: 3 });
    b.close();
    expect(existsSync(join(dir, "watch.lock"))).toBe(false);
  });

  it("moves an unreadable state.json aside and starts afresh", () => {
    const dir = join(tempDir(), "w");
    const s = new WatchStore(dir, () => undefined);
    writeFileSync(join(dir, "state.json"), "{ torn");
    const warnings: string[] = [];
    expect(s.readState((m) => warnings.push(m))).toBeUndefined();
    expect(warnings[0]).toMatch(/state\.json could not be read .* starting afresh \(kept as .*state\.json\.unreadable-\d+\)/);
    s.close();
  });
});
