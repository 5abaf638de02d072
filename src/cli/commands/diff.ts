/**
 * `shakedown diff A B [--fail-on EXPR]... [--force] [--format text|md|json] [--alpha 0.05]`:
 * run B against run A, figure by figure, with intervals and tests (docs/diff.md).
 *
 * A and B are run folders, or `last` / `baseline` / a label / a run id from the run history.
 * Exit code: 0 no --fail-on bound breached; 1 a bound breached with significance; 2 a usage
 * error, a folder that is not a run, or runs that are not comparable (without --force).
 */
import { diffRuns, refusalText, renderDiff, type DiffFormat } from "../../compare/index.js";
import { printable } from "../../config/file-check.js";
import { EXIT } from "../../errors.js";
import { resolveRunRef } from "../../store/history.js";

export interface DiffFlags {
  failOn?: string[];
  force?: boolean;
  format?: DiffFormat;
  alpha?: number;
  seed?: number;
  out?: string;
}


export async function diffCommand(refA: string, refB: string, flags: DiffFlags): Promise<number> {
  const where = { ...(flags.out !== undefined ? { outDir: flags.out } : {}) };
  const a = resolveRunRef(refA, where);
  const b = resolveRunRef(refB, where);
  const result = diffRuns(a, b, {
    ...(flags.force ? { force: true } : {}),
    ...(flags.alpha !== undefined ? { alpha: flags.alpha } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    failOn: flags.failOn ?? [],
  });
  const format = flags.format ?? "text";
  if (result.refused) {
    // JSON readers get the refusal too; people read why on stderr.
    if (format === "json") process.stdout.write(renderDiff(result, "json"));
    process.stderr.write(`shakedown diff: ${printable(refusalText(result), { keepNewlines: true })}\n`);
    return EXIT.usage;
  }
  const out = renderDiff(result, format);
  process.stdout.write(format === "json" ? out : printable(out, { keepNewlines: true }));
  return result.failed ? EXIT.verdictFailed : EXIT.ok;
}
