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
    // Records of about 1 kB: a batch fills at 64 kB and is written at once.
    const pad = "x".repeat(1000);
    for (let i = 1; i < 600; i++) w.append({ i, pad });
    const written = readFileSync(path, "utf8").split("\n").length - 1;
    expect(written).toBeGreaterThanOrEqual(500);
    expect(written).toBeLessThan(600);
    w.close();
    expect(readJsonl<{ i: number }>(path).items.map((x) => x.i)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(w.count).toBe(600);
    expect(() => w.append({})).toThrow(/closed/);
  });

  it("serialises a value when it is appended", () => {
    const path = join(tempDir(), "r.jsonl");
    const w = new JsonlWriter(path);
    const v = { n: 1 };
    w.append(v);
    v.n = 2;
    w.close();
    expect(readFileSync(path, "utf8")).toBe('{"n":1}\n');
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
