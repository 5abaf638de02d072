/**
 * Parses Prometheus text exposition (format 0.0.4, as vLLM, SGLang, llama.cpp and TGI
 * serve it) into samples indexed by their exact name.
 *
 * The sample lines are read by parse-prometheus-text-format (label quoting and escapes,
 * names with colons such as `vllm:num_requests_running`), but its family grouping is not
 * used, because it loses data real servers send:
 * - a histogram with labels (every vLLM histogram has `model_name` and `engine`) loses its
 *   `_sum` and `_count`, and the buckets of different label sets overwrite each other;
 * - a last sample line without a trailing newline is silently dropped.
 * So comment lines (`# HELP`, `# TYPE`) are read here, only sample lines reach the library,
 * each distinct name comes back as its own untyped family, and histograms are rebuilt from
 * `_bucket`/`_sum`/`_count` samples by the mapping (mapping.ts). Values are parsed here:
 * `NaN`, `+Inf`, `-Inf` included (Number("+Inf") is NaN).
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  /** May be NaN or ±Infinity, as exposed. */
  value: number;
}

export interface ParsedMetrics {
  /** Samples by exact sample name (`vllm:prompt_tokens_total`, `…_bucket`), in exposition order. */
  samples: ReadonlyMap<string, readonly MetricSample[]>;
  /** `# TYPE` declarations by family name. */
  types: ReadonlyMap<string, MetricType>;
  /** Samples read. */
  sampleCount: number;
  /** Lines that are neither comments nor valid samples (skipped). */
  invalidLines: number;
  /** The first invalid line, cut to 80 characters, for error messages. */
  firstInvalidLine?: string;
}

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({});
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

/** A Prometheus sample value: a float, `NaN`, `+Inf`/`Inf`, `-Inf`; undefined when not a number. */
export function parseSampleValue(text: string): number | undefined {
  switch (text) {
    case "+Inf":
    case "Inf":
    case "+inf":
    case "inf":
      return Infinity;
    case "-Inf":
    case "-inf":
      return -Infinity;
    case "NaN":
    case "nan":
      return NaN;
  }
  if (text === "") return undefined;
  const v = Number(text);
  return Number.isNaN(v) ? undefined : v;
}

function isNameStart(code: number): boolean {
  // a-z, A-Z, _, :
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 58;
}

function cut(line: string): string {
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** Parses a /metrics body. Never throws: lines it cannot read are counted in `invalidLines`. */
export function parseMetricsText(text: string): ParsedMetrics {
  const types = new Map<string, MetricType>();
  const samples = new Map<string, MetricSample[]>();
  const sampleLines: string[] = [];
  let invalidLines = 0;
  let firstInvalidLine: string | undefined;
  const invalid = (line: string): void => {
    invalidLines++;
    firstInvalidLine ??= cut(line);
  };

  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const c = line.charCodeAt(0);
    if (c === 35 /* # */) {
      if (line.startsWith("# TYPE ")) {
        const parts = line.slice(7).trim().split(/\s+/);
        const type = parts[1]?.toLowerCase() as MetricType | undefined;
        if (parts[0] && type && TYPES.has(type)) types.set(parts[0], type);
      }
      continue;
    }
    if (!isNameStart(c)) {
      invalid(line);
      continue;
    }
    sampleLines.push(line);
  }

  const add = (name: string, labels: Record<string, string> | undefined, valueText: string | undefined): void => {
    const value = valueText === undefined ? undefined : parseSampleValue(valueText);
    if (!METRIC_NAME.test(name) || value === undefined) {
      invalid(`${name} ${valueText ?? ""}`.trim());
      return;
    }
    let list = samples.get(name);
    if (!list) samples.set(name, (list = []));
    list.push({ name, labels: labels ?? EMPTY_LABELS, value });
  };
  const addFamilies = (families: ReturnType<typeof parsePrometheusTextFormat>): void => {
    for (const family of families) for (const m of family.metrics) add(family.name, m.labels, m.value);
  };

  if (sampleLines.length > 0) {
    try {
      // the trailing newline keeps the library from dropping the last line
      addFamilies(parsePrometheusTextFormat(sampleLines.join("\n") + "\n"));
    } catch {
      // one malformed line makes the library throw for the whole text: redo it line by line
      samples.clear();
      for (const line of sampleLines) {
        try {
          addFamilies(parsePrometheusTextFormat(line + "\n"));
        } catch {
          invalid(line);
        }
      }
    }
  }

  let sampleCount = 0;
  for (const list of samples.values()) sampleCount += list.length;
  const out: ParsedMetrics = { samples, types, sampleCount, invalidLines };
  if (firstInvalidLine !== undefined) out.firstInvalidLine = firstInvalidLine;
  return out;
}

/** True when a body reads as Prometheus text: some samples, and more good lines than bad ones. */
export function looksLikePrometheus(parsed: ParsedMetrics): boolean {
  return parsed.sampleCount > 0 && parsed.invalidLines <= parsed.sampleCount;
}
