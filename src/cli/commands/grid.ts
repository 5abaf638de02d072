/**
 * `shakedown grid FILE` / `shakedown grid --resume DIR`: plan the grid (every mistake in the
 * file refused before a server starts, exit 2), run its visits, then compare the cells and
 * write the grid's reports. Exit: 0 every visit ran, 1 a cell failed (start, crash), 130
 * stopped by the user (the folder is resumable), 2 usage, 74 a file could not be written.
 * The cells' own verdicts do not set the exit code: a grid ranks configurations.
 */
import { printable } from "../../config/file-check.js";
import { ConfigError, EXIT } from "../../errors.js";
import { runGrid, type GridResult } from "../../grid/index.js";
import { renderGridText } from "../../grid/report.js";
import { killAllServersSync } from "../../servers/index.js";

export interface GridFlags {
  resume?: string;
  out?: string;
  json?: boolean;
}

export async function gridCommand(file: string | undefined, flags: GridFlags): Promise<number> {
  if (file === undefined && flags.resume === undefined) throw new ConfigError("give a grid file (shakedown grid grid.yaml), or a grid folder to finish (shakedown grid --resume DIR)");
  if (flags.resume !== undefined && flags.out !== undefined) throw new ConfigError("--resume finishes a grid in its own folder: --out does not apply");

  const controller = new AbortController();
  let signalName: string | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (signalName !== undefined) {
      process.stderr.write(`\n${name} again: killing the server and exiting now; finished visits are kept.\n`);
      killAllServersSync();
      process.exit(EXIT.interrupted);
    }
    signalName = name;
    process.stderr.write(`\n${name}: stopping the current run and its server; finished visits are kept (send again to quit at once)…\n`);
    controller.abort(name);
  };
  const log = (line: string) => process.stderr.write(`${printable(line)}\n`);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result: GridResult;
  try {
    result = await runGrid(file, {
      signal: controller.signal,
      log,
      ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
      ...(flags.out !== undefined ? { outDir: flags.out } : {}),
      onPlanned: (m) => log(`grid ${m.name}: ${m.cells.length} cell${m.cells.length === 1 ? "" : "s"} × ${m.repeats} repeat${m.repeats === 1 ? "" : "s"}, interleaved (${m.order.length} runs)`),
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const { analysis, warnings } = result;
  for (const w of warnings) log(`warning: ${w}`);
  (flags.json ? process.stderr : process.stdout).write(renderGridText(analysis));
  if (flags.json) process.stdout.write(JSON.stringify(analysis, null, 2) + "\n");
  if (result.interrupted) {
    process.stderr.write(`shakedown: the grid was stopped before its end; finish it with: shakedown grid --resume ${result.dir}\n`);
    return EXIT.interrupted;
  }
  const failed = result.visits.filter((v) => v.status === "failed");
  if (failed.length > 0) {
    process.stderr.write(`shakedown: ${failed.length} visit${failed.length === 1 ? "" : "s"} failed (reasons in the report)\n`);
    return EXIT.verdictFailed;
  }
  return EXIT.ok;
}
