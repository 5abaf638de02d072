/**
 * The nvidia-smi source: a one-shot probe settles the field list (nvidia-smi refuses a whole
 * query for one field its driver does not know) and lists the GPUs, then
 * `nvidia-smi --query-gpu=… --format=csv,noheader,nounits -lms <interval>` runs as a child
 * for the whole run (csv-stream.ts).
 */
import { execFile } from "node:child_process";
import { ConfigError } from "../../errors.js";
import { CsvStream, GPU_MONITOR_ERROR } from "./csv-stream.js";
import { DEFAULT_QUERY_FIELDS, isOptionalField, parseQueryLine, refusedField, withoutField } from "./nvidia-smi-csv.js";
import type { SampleSink } from "./sink.js";
import type { GpuInfo } from "./types.js";

const PROBE_TIMEOUT_MS = 20_000;
const MAX_PROBES = 8;

export function queryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(",")}`, "--format=csv,noheader,nounits"];
}

interface ProbeRun {
  code: number | null;
  signal: string | null;
  errno?: string;
  stdout: string;
  stderr: string;
}

function runOnce(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProbeRun> {
  return new Promise((resolve) => {
    execFile(binary, args, { env, timeout: PROBE_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, signal: null, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: string | number; signal?: string | null; killed?: boolean };
      if (typeof e.code === "string") return resolve({ code: null, signal: null, errno: e.code, stdout, stderr });
      resolve({ code: typeof e.code === "number" ? e.code : null, signal: e.signal ?? null, stdout, stderr });
    });
  });
}

function cut(text: string, max = 240): string {
  const clean = text.replace(/\s+/g, " ").replace(/[^\x20-\x7e]/g, "?").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export interface NvidiaSmiProbe {
  fields: string[];
  gpus: GpuInfo[];
}

/**
 * Runs the query once (no -lms) until nvidia-smi accepts the fields: each refused optional
 * field is dropped (the older throttle field tried in place of the newer). Throws a
 * ConfigError when nvidia-smi is missing, fails (no driver, no GPU) or lists no GPU.
 */
export async function probeNvidiaSmi(binary: string, env: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<NvidiaSmiProbe> {
  let fields = [...DEFAULT_QUERY_FIELDS];
  for (let attempt = 1; attempt <= MAX_PROBES; attempt++) {
    const r = await runOnce(binary, queryArgs(fields), env);
    if (r.errno === "ENOENT") {
      throw new ConfigError(
        `GPU monitor: ${binary} not found${binary.includes("/") ? "" : " on PATH"} (monitor.gpu.source: nvidia-smi needs the NVIDIA driver's nvidia-smi on this machine; for a remote GPU host use source: command with ssh, or source: dcgm)`,
        GPU_MONITOR_ERROR,
      );
    }
    if (r.errno !== undefined) throw new ConfigError(`GPU monitor: cannot run ${binary} (${r.errno})`, GPU_MONITOR_ERROR);
    const output = `${r.stdout}\n${r.stderr}`;
    const refused = refusedField(output);
    if (refused !== undefined) {
      const next = withoutField(fields, refused);
      if (next === undefined) throw new ConfigError(`GPU monitor: nvidia-smi refused the query field "${refused}": "${cut(output)}"`, GPU_MONITOR_ERROR);
      if (!isOptionalField(refused)) warn(`this nvidia-smi does not know the field "${refused}"; sampling without it`);
      fields = next;
      continue;
    }
    const how = r.signal ? `was killed by ${r.signal}${r.signal === "SIGKILL" ? ` (no answer within ${PROBE_TIMEOUT_MS / 1000} s?)` : ""}` : `exited with code ${r.code}`;
    const gpus: GpuInfo[] = [];
    const other: string[] = [];
    for (const line of r.stdout.split("\n")) {
      if (line.trim() === "") continue;
      const parsed = parseQueryLine(line, fields);
      if (!parsed.ok) {
        other.push(line);
        continue;
      }
      const { gpu, name, uuid, memoryTotalMiB } = parsed.reading;
      const info: GpuInfo = { index: gpu };
      if (name !== undefined) info.name = name;
      if (uuid !== undefined) info.uuid = uuid;
      if (memoryTotalMiB !== undefined) info.memoryTotalMiB = memoryTotalMiB;
      gpus.push(info);
    }
    const said = cut(`${other.join("\n")}\n${r.stderr}`);
    if (r.code !== 0) {
      // one GPU fallen off the bus fails the command, but the others still answer: sample those
      if (gpus.length === 0) throw new ConfigError(`GPU monitor: nvidia-smi ${how}${said ? `: "${said}"` : ""}`, GPU_MONITOR_ERROR);
      warn(`nvidia-smi ${how} but listed GPU ${gpus.map((g) => g.index).join(", ")}${said ? ` ("${said}")` : ""}; sampling those`);
    }
    if (gpus.length === 0) throw new ConfigError(`GPU monitor: nvidia-smi lists no GPU${said ? ` (it printed: "${said}")` : ""}`, GPU_MONITOR_ERROR);
    return { fields, gpus };
  }
  throw new ConfigError(`GPU monitor: nvidia-smi refused ${MAX_PROBES} query field lists in a row`, GPU_MONITOR_ERROR);
}

export interface NvidiaSmiSourceOptions {
  binary: string;
  env: NodeJS.ProcessEnv;
  intervalMs: number;
  sink: SampleSink;
  warn(message: string): void;
}

/** The -lms child for the probed fields (start it with stream.start()). */
export function nvidiaSmiStream(o: NvidiaSmiSourceOptions, fields: readonly string[]): CsvStream {
  return new CsvStream(
    {
      label: "nvidia-smi",
      command: (f) => ({ file: o.binary, args: [...queryArgs(f), "-lms", String(o.intervalMs)] }),
      env: o.env,
      intervalMs: o.intervalMs,
      sink: o.sink,
      warn: o.warn,
      startTimeoutMs: Math.max(15_000, 3 * o.intervalMs),
    },
    fields,
  );
}
