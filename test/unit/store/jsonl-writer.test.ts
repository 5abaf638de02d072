import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonlWriter, readJsonl } from "../../../src/store/files.js";
import { tempDir } from "../../helpers/tmp.js";

describe("JsonlWriter", () => {
  it("queues lines and writes them in batches, all of them by close()", () => {
    const path = join(tempDir(), "r.jsonl");
    const w = new JsonlWriter(path);
    w.append({ i: 0 });
    // Queued, not yet written: the write happens off the caller's path.
    expect(readFileSync(path, "utf8")).toBe("");
    for (let i = 1; i < 600; i++) w.append({ i });
    // Full batches were written as they filled.
    expect(readFileSync(path, "utf8").split("\n").length - 1).toBeGreaterThanOrEqual(512);
    w.close();
    expect(readJsonl<{ i: number }>(path).items.map((x) => x.i)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(w.count).toBe(600);
    expect(() => w.append({})).toThrow(/closed/);
  });

  it("writes a partial batch after a short delay", async () => {
    const path = join(tempDir(), "r.jsonl");
    const w = new JsonlWriter(path);
    w.append({ a: 1 });
    await new Promise((r) => setTimeout(r, 120));
    expect(readFileSync(path, "utf8")).toBe('{"a":1}\n');
    w.close();
  });

  it("writes the queue when the process exits without close()", () => {
    const path = join(tempDir(), "r.jsonl");
    const script = `
      import { JsonlWriter } from ${JSON.stringify(join(process.cwd(), "src/store/files.ts"))};
      const w = new JsonlWriter(${JSON.stringify(path)});
      for (let i = 0; i < 3; i++) w.append({ i });
      process.exit(7);
    `;
    try {
      execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "pipe" });
    } catch (e) {
      expect((e as { status: number }).status).toBe(7);
    }
    expect(readJsonl<{ i: number }>(path).items).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });
});
