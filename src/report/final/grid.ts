/**
 * A grid folder in the consolidated report: `shakedown report A GRID --final` reads a folder
 * that holds grid.json as a grid, analyses it (src/grid/analyze.ts, in memory: nothing is
 * written into its folder) and makes it section 3's "Phase 3", the seed report's comparison
 * of configurations: the cells' figures, the differences beyond noise, the recommendations
 * and the champion, in the report's language (grid-i18n.ts).
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { analyzeGrid, isGridFolder } from "../../grid/analyze.js";
import type { GridAnalysis } from "../../grid/compare-types.js";
import { GRID_FILES } from "../../grid/types.js";
import { bullets, code, heading, paragraph, table, text, type Inline } from "../md.js";
import type { Link } from "mdast";
import type { Fmt } from "./format.js";
import type { GridWordsCtx } from "./grid-i18n.js";
import type { Messages } from "./i18n.js";
import { relativeLink } from "./model.js";

export interface FinalGrid {
  /** The folder as given on the command line. */
  arg: string;
  dir: string;
  /** The folder's name. */
  label: string;
  analysis: GridAnalysis;
  /** The grid's folder and reports, relative to the consolidated report's folder (POSIX separators). */
  links: { folder: string; reportMd?: string; reportHtml?: string };
}

export { isGridFolder };

/** Reads and analyses a grid folder (RunFolderError when grid.json is missing or unreadable). */
export async function loadFinalGrid(arg: string, outDir: string): Promise<FinalGrid> {
  const analysis = await analyzeGrid(arg);
  const dir = analysis.dir;
  const links: FinalGrid["links"] = { folder: relativeLink(outDir, dir) };
  if (existsSync(join(dir, GRID_FILES.report))) links.reportMd = relativeLink(outDir, join(dir, GRID_FILES.report));
  if (existsSync(join(dir, GRID_FILES.html))) links.reportHtml = relativeLink(outDir, join(dir, GRID_FILES.html));
  return { arg, dir, label: basename(dir), analysis, links };
}

function link(label: string, path: string): Link {
  return { type: "link", url: path.split("/").map(encodeURIComponent).join("/"), children: [{ type: "text", value: label }] };
}

/** The "Phase 3" block of one grid, as Markdown. */
export function gridSection(m: Messages, f: Fmt, g: FinalGrid): string {
  const a = g.analysis;
  const w = m.grid;
  const labelOf = (id: string) => a.cells.find((c) => c.id === id)?.label ?? id;
  const ctx: GridWordsCtx = { a, cell: (id) => code(labelOf(id), 200) };
  const measured = a.cells.filter((c) => c.status === "measured");
  const failed = a.cells.filter((c) => c.status === "failed");
  const out: string[] = [heading(3, ...w.title(code(a.name, 120)))];
  out.push(paragraph(w.intro({ cells: a.cells.length, repeats: a.repeats, measured: measured.length, failed: failed.length, suite: code(a.suite.name, 120) })));
  if (measured.length && a.figures.length) {
    const multi = a.suite.scenarios.length > 1;
    const head = [w.cell, ...a.figures.map((x) => (multi ? `${x.scenario}: ${w.figureLabel(x)}` : w.figureLabel(x)))];
    const rows = measured.map((cell): Inline[] => [
      code(cell.label, 200),
      ...a.figures.map((x) => {
        const cf = cell.figures.find((y) => y.figure === x.key);
        if (!cf || cf.value === undefined) return "—";
        const ci = cf.ci ? ` [${f.metric(cf.ci.lower, x.unit)}, ${f.metric(cf.ci.upper, x.unit)}]` : "";
        return `${f.metric(cf.value, x.unit)}${ci}, n = ${f.int(cf.n)}`;
      }),
    ]);
    out.push(paragraph(w.figuresNote(a.confidence)), table(head, rows));
  }
  if (failed.length) {
    out.push(heading(4, w.failedTitle), paragraph(w.failedIntro), bullets(failed.map((c): Inline => [code(c.label, 200), m.colon, text(c.failure ?? "", 400)])));
  }
  const beyond = a.pairs.filter((p) => p.beyondNoise);
  out.push(heading(4, w.findingsTitle), beyond.length ? bullets(beyond.map((p) => w.pair(p, ctx))) : paragraph(w.noFinding));
  const rest = a.pairs.length - beyond.length;
  if (rest > 0) out.push(paragraph(w.otherPairs(rest)));
  out.push(heading(4, w.recTitle), bullets(a.recommendations.map((r) => w.recommendation(r, ctx))));
  out.push(heading(4, w.championTitle), paragraph(w.champion(a.champion, ctx)));
  out.push(paragraph(w.method({ alpha: a.alpha, repeats: a.repeats })));
  out.push(
    paragraph(
      w.links({
        folder: code(g.links.folder, 400),
        ...(g.links.reportMd ? { md: link(GRID_FILES.report, g.links.reportMd) } : {}),
        ...(g.links.reportHtml ? { html: link(GRID_FILES.html, g.links.reportHtml) } : {}),
      }),
    ),
  );
  return out.join("\n\n");
}
