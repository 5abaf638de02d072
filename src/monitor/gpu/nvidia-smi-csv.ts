/**
 * nvidia-smi's query output: `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits`
 * prints one line per GPU (per tick with `-lms N`), the values in the order asked,
 * separated by ", ". A value the GPU or driver does not report is printed as `[N/A]`,
 * `[Not Supported]`, `[Unknown Error]`, `[Insufficient Permissions]` (or `N/A`): those
 * are absent here, never 0.
 *
 * nvidia-smi refuses the whole query when one field is unknown to the driver
 * (`Field "x" is not a valid field to query.`), so the optional fields are negotiated:
 * refusedField() reads the message and withoutField() gives the list to try next.
 */
import type { GpuSample } from "./types.js";
import { decodeClockEventReasons, parseClockEventMask } from "./throttle.js";

/** Fields every driver of the last decade knows, in the order asked. */
export const BASE_FIELDS = [
  "timestamp",
  "index",
  "uuid",
  "name",
  "utilization.gpu",
  "utilization.memory",
  "memory.used",
  "memory.total",
  "power.draw",
  "power.limit",
  "temperature.gpu",
  "clocks.sm",
  "clocks.mem",
  "pstate",
] as const;

/** The clocks-event bitmask: its current name first, the name before driver 535 second. */
export const THROTTLE_FIELDS = ["clocks_event_reasons.active", "clocks_throttle_reasons.active"] as const;

/** Cumulative energy since the driver was loaded, mJ; not every driver offers it to --query-gpu. */
export const ENERGY_FIELD = "total_energy_consumption";

/** The fields asked first; unsupported optional ones are dropped (withoutField). */
export const DEFAULT_QUERY_FIELDS: readonly string[] = [...BASE_FIELDS, THROTTLE_FIELDS[0], ENERGY_FIELD];

/** Fields whose absence is expected on some drivers (dropping them is not worth a warning). */
export function isOptionalField(field: string): boolean {
  return (THROTTLE_FIELDS as readonly string[]).includes(field) || field === ENERGY_FIELD;
}

/** The field nvidia-smi refused (`Field "x" is not a valid field to query.`), if the text says so. */
export function refusedField(output: string): string | undefined {
  return /Field "([^"]+)" is not a valid field to query/.exec(output)?.[1];
}

/**
 * The field list to try after `refused` was refused: the older throttle field in place of
 * the newer one, otherwise the list without it. Undefined when it cannot be dropped
 * (`index`: samples need it) or is not in the list.
 */
export function withoutField(fields: readonly string[], refused: string): string[] | undefined {
  const i = fields.indexOf(refused);
  if (i < 0 || refused === "index") return undefined;
  const next = [...fields];
  if (refused === THROTTLE_FIELDS[0]) next[i] = THROTTLE_FIELDS[1];
  else next.splice(i, 1);
  return next;
}

/** One line read: a sample without its clock, and the source's own timestamp (epoch ms, its local time). */
export type GpuReading = Omit<GpuSample, "t" | "epochMs"> & { sourceEpochMs?: number };

export type QueryLineResult =
  | { ok: true; reading: GpuReading }
  /** A header line (`timestamp, index, …`: the command was run without noheader): skipped, not an error. */
  | { ok: false; header: true }
  | { ok: false; header?: false; reason: string };

const NOT_REPORTED = /^(\[.*\]|n\/a|not supported|unknown error|insufficient permissions|unknown|)$/i;

/** A value that means "not reported": `[N/A]`, `[Not Supported]`, `N/A`, empty, … */
export function isNotReported(value: string): boolean {
  return NOT_REPORTED.test(value.trim());
}

/** A number as printed, with or without its unit (a command run without `nounits`). */
const NUMBER = /^(-?\d+(?:\.\d+)?)(?:\s*(?:W|MiB|MB|%|MHz|mJ|C))?$/;

type NumberField = "utilization" | "memoryUtilization" | "memoryUsedMiB" | "memoryTotalMiB" | "powerW" | "powerLimitW" | "temperatureC" | "smClockMHz" | "memClockMHz";

const NUMBER_FIELDS: Readonly<Record<string, NumberField>> = {
  "utilization.gpu": "utilization",
  "utilization.memory": "memoryUtilization",
  "memory.used": "memoryUsedMiB",
  "memory.total": "memoryTotalMiB",
  "power.draw": "powerW",
  "power.draw.average": "powerW",
  "power.draw.instant": "powerW",
  "power.limit": "powerLimitW",
  "enforced.power.limit": "powerLimitW",
  "temperature.gpu": "temperatureC",
  "clocks.sm": "smClockMHz",
  "clocks.current.sm": "smClockMHz",
  "clocks.mem": "memClockMHz",
  "clocks.current.memory": "memClockMHz",
};

/**
 * nvidia-smi's timestamp, `2026/11/27 20:45:10.164`, in the local time of the machine that
 * printed it, as epoch ms read in this process's time zone. Only differences between
 * timestamps (and their offset to arrival times) are used, so another zone on a remote host
 * does no harm. Undefined when it is not one.
 */
export function parseNvidiaSmiTimestamp(text: string): number | undefined {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, "0"));
  const epoch = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms).getTime();
  return Number.isFinite(epoch) ? epoch : undefined;
}

function cut(text: string, max = 80): string {
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * Reads one output line for the query `fields` (in the order asked). A line with the wrong
 * number of values, a non-integer index, or a number field holding something that is
 * neither a number nor a not-reported marker is refused with the reason.
 */
export function parseQueryLine(line: string, fields: readonly string[]): QueryLineResult {
  const text = line.trim();
  const values = text.split(",").map((v) => v.trim());
  // "timestamp" or "timestamp [unit]": the header nvidia-smi prints without `noheader`
  if (fields.length > 0 && (values[0] ?? "").replace(/\s*\[[^\]]*\]$/, "") === fields[0]) return { ok: false, header: true };
  if (values.length !== fields.length) {
    return { ok: false, reason: `expected ${fields.length} values, got ${values.length}: "${cut(text)}"` };
  }
  const reading: Partial<GpuReading> = {};
  let index: number | undefined;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    const raw = values[i] as string;
    if (field === "index") {
      if (!/^\d+$/.test(raw)) return { ok: false, reason: `GPU index "${cut(raw, 20)}" is not an integer: "${cut(text)}"` };
      index = Number(raw);
      continue;
    }
    if (field === "timestamp") {
      const ts = parseNvidiaSmiTimestamp(raw);
      if (ts !== undefined) reading.sourceEpochMs = ts;
      continue;
    }
    if (isNotReported(raw)) continue;
    switch (field) {
      case "uuid":
        reading.uuid = raw;
        continue;
      case "name":
        reading.name = raw;
        continue;
      case "pstate":
        reading.pstate = raw;
        continue;
      case THROTTLE_FIELDS[0]:
      case THROTTLE_FIELDS[1]: {
        const mask = parseClockEventMask(raw);
        if (mask !== undefined) reading.throttleReasons = decodeClockEventReasons(mask);
        continue;
      }
      case ENERGY_FIELD: {
        const m = NUMBER.exec(raw);
        if (!m) return { ok: false, reason: `${field} "${cut(raw, 20)}" is not a number: "${cut(text)}"` };
        const mJ = Number(m[1]);
        if (mJ >= 0) reading.energyJ = mJ / 1000;
        continue;
      }
    }
    const key = NUMBER_FIELDS[field];
    if (key === undefined) continue; // a field this reader does not map: ignored
    const m = NUMBER.exec(raw);
    if (!m) return { ok: false, reason: `${field} "${cut(raw, 20)}" is not a number: "${cut(text)}"` };
    const v = Number(m[1]);
    if (Number.isFinite(v)) reading[key] = v;
  }
  if (index === undefined) return { ok: false, reason: `no GPU index in "${cut(text)}"` };
  return { ok: true, reading: { ...reading, gpu: index } };
}
