/**
 * A report.html that cannot be rendered never costs a run its results: results.json and
 * report.md are written, the run's outcome (and so its exit code) is unchanged, and a
 * warning says what happened. The page's renderer is replaced by one that throws.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { validateSuiteObject } from "../../../src/config/load.js";
import { StorageError } from "../../../src/errors.js";
import { exitCodeForOutcome, executeRun } from "../../../src/run/executor.js";
import { RunEvents } from "../../../src/run/events.js";
import { writeHtmlReport } from "../../../src/report/html/write.js";
import { exitCodeFor } from "../../../src/cli/summary.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { tempDir } from "../../helpers/tmp.js";

vi.mock("../../../src/report/html/page.js", () => ({
  renderHtmlReport: vi.fn(async () => {
    throw new Error("the page exploded <b>");
  }),
}));

const out = tempDir();

describe("report.html failures", () => {
  it("a page that cannot be rendered is a warning: results.json and report.md are written, the exit code is the verdicts'", async () => {
    const suite = validateSuiteObject(
      { name: "nohtml", target: { sim: { profile: "fast" } }, scenarios: [{ kind: "conversation", turns: 2, iterations: 1, thresholds: ["success_rate > 95%"] }], output: { dir: out } },
      "test",
    );
    const events = new RunEvents();
    const warnings: string[] = [];
    events.on("warning", (w) => warnings.push(w));
    const outcome = await executeRun(suite, { events });
    expect(outcome.writeError).toBeUndefined();
    expect(exitCodeForOutcome(outcome, exitCodeFor)).toBe(0);
    expect(JSON.parse(readFileSync(join(outcome.dir, "results.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(outcome.results)));
    expect(readFileSync(join(outcome.dir, "report.md"), "utf8")).toContain("# shakedown report");
    expect(existsSync(join(outcome.dir, "report.html"))).toBe(false);
    expect(warnings).toEqual(["report.html could not be rendered (the page exploded <b>); results.json and report.md are written, report.html was not replaced"]);
  });

  it("writeHtmlReport hands a failed write back as the StorageError, any other write failure as a warning", async () => {
    const input = { results: {} as RunResults, records: [], server: [], gpu: [] };
    const { renderHtmlReport } = await import("../../../src/report/html/page.js");
    vi.mocked(renderHtmlReport).mockResolvedValueOnce("<!doctype html>").mockResolvedValueOnce("<!doctype html>").mockResolvedValueOnce("<!doctype html>");
    const full = new StorageError("disk full writing /x/report.html (ENOSPC); report.html was not replaced");
    expect(await writeHtmlReport("/x", input, () => { throw full; })).toBe(full);
    expect(await writeHtmlReport("/x", input, () => { throw new TypeError("odd"); })).toMatch(/^report\.html could not be written \(odd\)/);
    const written: string[] = [];
    expect(await writeHtmlReport("/x", input, (p, t) => void written.push(p, t))).toBeUndefined();
    expect(written).toEqual(["/x/report.html", "<!doctype html>"]);
  });
});
