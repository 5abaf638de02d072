/**
 * The command source: the user's command line (monitor.gpu.command) with `{fields}` and
 * `{interval_ms}` replaced, run through `/bin/sh -c`, its stdout read as nvidia-smi's query
 * CSV, e.g. `ssh gpu1 nvidia-smi --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}`.
 * There is no one-shot probe (the command runs until stopped): the fields are settled by
 * starting it again without a refused optional field (csv-stream.ts).
 *
 * Messages never repeat the command line (it may hold a host name or worse): they name
 * monitor.gpu.command and what the shell said.
 */
import { ConfigError } from "../../errors.js";
import type { ChildExit } from "./child.js";
import { CsvStream, GPU_MONITOR_ERROR } from "./csv-stream.js";
import { DEFAULT_QUERY_FIELDS } from "./nvidia-smi-csv.js";
import type { SampleSink } from "./sink.js";

const LABEL = "monitor.gpu.command";

/** The command line for these fields and interval. */
export function renderCommand(template: string, fields: readonly string[], intervalMs: number): string {
  return template.replaceAll("{fields}", fields.join(",")).replaceAll("{interval_ms}", String(intervalMs));
}

function cut(text: string, max = 200): string {
  const clean = text.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function explainStartFailure(exit: ChildExit, output: string): string | undefined {
  const said = cut(output);
  if (exit.spawnError) return `GPU monitor: cannot run /bin/sh for ${LABEL} (${exit.spawnError.code ?? exit.spawnError.message})`;
  if (exit.code === 127) return `GPU monitor: ${LABEL}: the shell could not find the program${said ? ` ("${said}")` : ""}; check the command line`;
  if (exit.code === 126) return `GPU monitor: ${LABEL}: the program is not executable${said ? ` ("${said}")` : ""}`;
  return undefined;
}

export interface CommandSourceOptions {
  template: string;
  env: NodeJS.ProcessEnv;
  intervalMs: number;
  sink: SampleSink;
  warn(message: string): void;
}

/** The child for the user's command (start it with stream.start()). Throws a ConfigError for a template without {fields}. */
export function commandStream(o: CommandSourceOptions): CsvStream {
  if (!o.template.includes("{fields}")) {
    throw new ConfigError(
      `GPU monitor: ${LABEL} must contain {fields} (replaced by the --query-gpu field list, whose order the sampler reads), e.g. "ssh gpu1 nvidia-smi --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}"`,
      GPU_MONITOR_ERROR,
    );
  }
  return new CsvStream(
    {
      label: LABEL,
      command: (fields) => ({ file: "/bin/sh", args: ["-c", renderCommand(o.template, fields, o.intervalMs)] }),
      env: o.env,
      intervalMs: o.intervalMs,
      sink: o.sink,
      warn: o.warn,
      // ssh may take a while to connect and authenticate
      startTimeoutMs: Math.max(30_000, 3 * o.intervalMs),
      explainStartFailure,
    },
    DEFAULT_QUERY_FIELDS,
  );
}
