/**
 * Writing report.html beside report.md (after a run, and by `shakedown report DIR`). The page
 * comes after results.json and report.md and never costs them: a rendering failure is a
 * warning line; a failed write is a StorageError, which the caller treats as it treats a
 * failed write of report.md.
 */
import { join } from "node:path";
import { StorageError } from "../../errors.js";
import { RUN_FILES } from "../../store/run-folder.js";
import type { ChartInput } from "../charts/index.js";
import { flatten } from "../md.js";
import { renderHtmlReport } from "./page.js";

/**
 * Renders and writes report.html with `write` (the caller's atomic, redacting writer).
 * Returns undefined when written, the StorageError when the write failed, or a warning to
 * print when the page could not be rendered (the folder's report.html, if any, is left as it was).
 */
export async function writeHtmlReport(dir: string, input: ChartInput, write: (path: string, text: string) => void): Promise<StorageError | string | undefined> {
  let html: string;
  try {
    html = await renderHtmlReport(input);
  } catch (e) {
    const why = flatten(e instanceof Error ? e.message || e.name : String(e), 300);
    return `${RUN_FILES.html} could not be rendered (${why}); results.json and report.md are written, ${RUN_FILES.html} was not replaced`;
  }
  try {
    write(join(dir, RUN_FILES.html), html);
  } catch (e) {
    if (e instanceof StorageError) return e;
    return `${RUN_FILES.html} could not be written (${flatten(e instanceof Error ? e.message : String(e), 300)}); results.json and report.md are written`;
  }
  return undefined;
}
