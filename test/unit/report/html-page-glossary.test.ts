/** report.html where docs/metrics.md is not beside the package: the page says so in the glossary's place. */
import { describe, expect, it, vi } from "vitest";
import { renderHtmlReport } from "../../../src/report/html/page.js";
import type { RunResults } from "../../../src/store/run-folder.js";
import { scanHtml } from "../../helpers/html-scan.js";

vi.mock("../../../src/version.js", async (original) => ({ ...(await original<typeof import("../../../src/version.js")>()), PACKAGE_ROOT: "/nonexistent/shakedown" }));

describe("the glossary, absent", () => {
  it("is a line saying it is not available, and the page is whole", async () => {
    const results = {
      schemaVersion: 1,
      tool: { name: "shakedown", version: "0.0.0" },
      runId: "r",
      startedAt: "2026-01-01T00:00:00.000Z",
      suite: { name: "s" },
      target: { url: "http://127.0.0.1:1/v1", model: "m", simulated: false, models: [] },
      host: { node: "v20", platform: "linux", arch: "x64", cpus: 2 },
      complete: true,
      status: "not_measured",
      records: { file: "records.jsonl", count: 0, tornTail: false },
      warmup: { requests: 0, ok: 0, ttftMs: [] },
      scenarios: [],
      renderedAt: "2026-01-01T00:00:01.000Z",
    } as unknown as RunResults;
    const html = await renderHtmlReport({ results, records: [], server: [], gpu: [] });
    const scan = scanHtml(html);
    expect(scan.problems).toEqual([]);
    expect(scan.text).toMatch(/The glossary is not available here \(docs\/metrics\.md could not be read: ENOENT/);
    expect(scan.text).toContain("No scenario recorded any request.");
    expect(scan.text).toContain("Nothing to draw on a timeline");
  });
});
