/**
 * The runs a consolidated report joins: each run folder read back (loadRunFolder), its
 * results (results.json as the run wrote it, or re-analysed in memory from records.jsonl
 * when results.json is missing or unreadable), what is known of the server's configuration,
 * and where its own reports lie relative to the consolidated report's folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join, relative, resolve, sep } from "node:path";
import { RunFolderError } from "../../errors.js";
import { buildResults } from "../../run/analyze.js";
import { loadOverrides } from "../../review/overrides.js";
import { describeSkippedLines } from "../../store/files.js";
import { loadRunFolder, RUN_FILES, type RunResults, type RunStatus } from "../../store/run-folder.js";
import type { ServerSnapshot } from "../../monitor/types.js";
import type { ChartInput } from "../charts/index.js";
import type { PrefixCachingInfo } from "./i18n.js";

export interface FinalRun {
  /** The folder as given on the command line. */
  arg: string;
  /** Its absolute path. */
  dir: string;
  /** Its name (the run id unless the folder was renamed). */
  label: string;
  results: RunResults;
  /** results.json as written by the run, or re-analysed from records.jsonl here. */
  origin: "results" | "reanalysed";
  prefixCaching: PrefixCachingInfo;
  /** The run's reports, as relative paths from the consolidated report's folder (POSIX separators), when they exist. */
  links: { folder: string; reportMd?: string; reportHtml?: string };
  /** What reading the folder left out or found odd (English, the tool's own messages). */
  notes: string[];
  /** What the charts of the run's scenarios are drawn from (absent in reports built from results alone). */
  chartInput?: ChartInput;
}

/** What /metrics said of prefix caching (vllm:cache_config_info), else the simulator's setting. */
export function prefixCachingOf(results: RunResults, server: readonly ServerSnapshot[]): PrefixCachingInfo {
  const seen = new Set<boolean>();
  for (const s of server) {
    const v = s.values?.prefixCachingEnabled;
    if (typeof v === "boolean") seen.add(v);
  }
  for (const sc of results.scenarios ?? []) {
    const v = sc.server?.prefixCachingEnabled;
    if (typeof v === "boolean") seen.add(v);
  }
  if (seen.size > 1) return { source: "metrics", changed: true };
  if (seen.size === 1) return { source: "metrics", enabled: [...seen][0]! };
  const sim = results.target?.simulated ? results.target.simOptions?.["prefixCaching"] : undefined;
  if (typeof sim === "boolean") return { source: "simulator", enabled: sim };
  return { source: "none", scraped: results.target?.metrics?.scraped === true };
}

/** A relative link from `from` to `file`, with POSIX separators. */
export function relativeLink(from: string, file: string): string {
  const rel = relative(from, file) || ".";
  return sep === "/" ? rel : rel.split(sep).join("/");
}

function looksLikeResults(v: unknown): v is RunResults {
  const r = v as Partial<RunResults> | undefined;
  return typeof r === "object" && r !== null && typeof r.status === "string" && Array.isArray(r.scenarios) && typeof r.target === "object" && r.target !== null;
}

/**
 * Reads one run folder. Throws RunFolderError (exit 2) for a folder that is not a run folder.
 * A folder whose records.jsonl is gone but whose results.json is whole is still reported from
 * results.json (nothing is re-rendered here).
 */
export function loadFinalRun(arg: string, outDir: string): FinalRun {
  let loaded: ReturnType<typeof loadRunFolder> | undefined;
  let fallback: RunResults | undefined;
  const notes: string[] = [];
  try {
    loaded = loadRunFolder(arg);
  } catch (e) {
    // Only the refusal to re-analyse a folder without readable records is worth getting around:
    // the run's own results.json says everything this report needs.
    if (!(e instanceof RunFolderError) || !/records\.jsonl/.test(e.message)) throw e;
    const resultsPath = join(arg, RUN_FILES.results);
    let parsed: unknown;
    try {
      parsed = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, "utf8")) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!looksLikeResults(parsed)) throw e;
    fallback = parsed;
    notes.push(`${RUN_FILES.records} holds no readable record: reported from ${RUN_FILES.results} as the run wrote it.`);
  }
  let results: RunResults;
  let origin: FinalRun["origin"] = "results";
  if (fallback) {
    results = fallback;
  } else if (loaded && looksLikeResults(loaded.previous)) {
    results = loaded.previous;
    notes.push(...loaded.notes.filter((n) => !n.startsWith(`${RUN_FILES.records} holds`)));
  } else {
    // No results.json (the run was killed) or an unreadable one: analyse the records as `shakedown report DIR` would, in memory.
    const run = loaded!;
    origin = "reanalysed";
    notes.push(...describeSkippedLines(RUN_FILES.records, run.skippedLines), ...run.notes);
    if (run.previous !== undefined) notes.push(`${RUN_FILES.results} does not hold run results: re-analysed from ${RUN_FILES.records}.`);
    results = buildResults(
      run.manifest,
      run.records,
      {
        complete: false,
        interruption:
          run.previousUnreadable !== undefined
            ? `results.json was unreadable (${run.previousUnreadable}): whether the run finished is unknown`
            : "the run ended before writing results.json (crash or kill)",
        tornTail: run.tornTail,
      },
      { server: run.server, gpu: run.gpu, reviews: loadOverrides(run.dir), attachments: run.attachments },
    );
  }
  const absDir = loaded?.dir ?? resolve(arg);
  const links: FinalRun["links"] = { folder: relativeLink(outDir, absDir) };
  if (existsSync(join(absDir, RUN_FILES.report))) links.reportMd = relativeLink(outDir, join(absDir, RUN_FILES.report));
  if (existsSync(join(absDir, RUN_FILES.html))) links.reportHtml = relativeLink(outDir, join(absDir, RUN_FILES.html));
  return {
    arg,
    dir: absDir,
    label: basename(absDir),
    results,
    origin,
    prefixCaching: prefixCachingOf(results, loaded?.server ?? []),
    links,
    notes,
    chartInput: { results, records: loaded?.records ?? [], server: loaded?.server ?? [], gpu: loaded?.gpu ?? [] },
  };
}

const SEVERITY: Record<RunStatus, number> = { pass: 0, inconclusive: 1, incomplete: 2, not_measured: 3, fail: 4 };

/**
 * The overall verdict of several runs: fail when any run failed; else not measured when any
 * run could judge none of its thresholds (a failed measurement: exit 1, as `report DIR` gives
 * for one run); else incomplete when any did not finish; else inconclusive when any was; else pass.
 */
export function overallStatus(runs: readonly { results: Pick<RunResults, "status"> }[]): RunStatus {
  let worst: RunStatus = runs.length === 0 ? "not_measured" : "pass";
  for (const r of runs) if (SEVERITY[r.results.status] > SEVERITY[worst]) worst = r.results.status;
  return worst;
}
