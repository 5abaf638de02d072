/**
 * Alert rules as data (a YAML file, docs/watch.md): each alert is a condition in the syntax of
 * the suites' thresholds that describes the failure ("ttft.p90 > 5s"), with hysteresis
 * (`for` cycles to fire, `resolve_after` cycles to resolve). A condition on `baseline.<figure>`
 * bounds the change against the baseline in the syntax of `shakedown diff --fail-on`
 * ("baseline.ttft.p50 > +15%") and holds only when the change is significant as well.
 * The file also configures the baseline, the canaries' similarity bound, the webhook and the
 * remediation hook.
 *
 * Every problem of a file is reported at once, each with file:line:col, before anything runs.
 */
import { LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { urlForDisplay } from "../client/endpoint.js";
import { beyond, parseFailOn, type FailOnBound } from "../compare/fail-on.js";
import { closest, showValue } from "../config/describe.js";
import { parseDuration } from "../config/duration.js";
import { FILE_LIMITS, printable, readUserText } from "../config/file-check.js";
import { locateIssues, type PendingIssue } from "../config/issues.js";
import { isPlainObject } from "../config/kinds.js";
import { formatPath, labelOnly, positionAt, YamlProvenance, type ConfigPath, type Provenance } from "../config/source.js";
import { parseThreshold, type Threshold } from "../config/thresholds.js";
import { ConfigError } from "../errors.js";
import { DEFAULT_ALPHA, DEFAULT_ITERATIONS, parseStatistic } from "../metrics/compare.js";
import { compare } from "../metrics/verdicts.js";
import { REQUEST_BASES, resolveFigure, knownFigureNames, requestFigureUnit, type FigureRef } from "./figures.js";
import type { RequestFigure } from "../compare/figures.js";

// ───────────────────────────── schema ─────────────────────────────

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const duration = () =>
  z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, {
    message: 'expected a duration such as "5s", "30m", "2h", "1h30m", "500ms", or a number of seconds',
  });

const alertSchema = z
  .object({
    name: z.string().regex(NAME_RE, "a name made of letters, digits, dot, dash and underscore"),
    when: z.string().min(1),
    for: z.int().min(1).max(1000).optional(),
    resolve_after: z.int().min(1).max(1000).optional(),
    window: z.int().min(1).max(100).optional(),
    severity: z.enum(["info", "warning", "critical"]).optional(),
    description: z.string().optional(),
  })
  .strict();

export const rulesSchema = z
  .object({
    $schema: z.string().optional(),
    defaults: z
      .object({
        for: z.int().min(1).max(1000).default(2),
        resolve_after: z.int().min(1).max(1000).default(2),
        severity: z.enum(["info", "warning", "critical"]).default("warning"),
      })
      .strict()
      .prefault({}),
    baseline: z
      .object({
        cycles: z.int().min(2).max(1000).default(5),
        alpha: z.number().gt(0).lt(1).default(DEFAULT_ALPHA),
        iterations: z.int().min(100).max(100_000).default(DEFAULT_ITERATIONS),
        seed: z.int().default(0x5eed),
      })
      .strict()
      .prefault({}),
    canaries: z
      .object({
        min_similarity: z.number().min(0).max(1).default(0.9),
      })
      .strict()
      .prefault({}),
    alerts: z.array(alertSchema).optional(),
    webhook: z
      .object({
        url: z.string().min(1).optional(),
        url_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name such as SHAKEDOWN_WEBHOOK_URL").optional(),
        timeout: duration().default("5s"),
        retries: z.int().min(0).max(10).default(3),
        backoff: duration().default("1s"),
        on: z.array(z.enum(["firing", "resolved"])).min(1).default(["firing", "resolved"]),
      })
      .strict()
      .optional(),
    remediation: z
      .object({
        command: z.string().min(1),
        on: z.array(z.string().min(1)).min(1),
        cooldown: duration().default("30m"),
        max_per_day: z.int().min(1).max(1000).default(3),
        timeout: duration().default("5m"),
      })
      .strict()
      .optional(),
  })
  .strict();

type RulesFile = z.output<typeof rulesSchema>;

/** Keys of each mapping of the file, for "unknown key" messages. */
const KNOWN_KEYS: Record<string, readonly string[]> = {
  "": ["defaults", "baseline", "canaries", "alerts", "webhook", "remediation"],
  defaults: ["for", "resolve_after", "severity"],
  baseline: ["cycles", "alpha", "iterations", "seed"],
  canaries: ["min_similarity"],
  alerts: ["name", "when", "for", "resolve_after", "window", "severity", "description"],
  webhook: ["url", "url_env", "timeout", "retries", "backoff", "on"],
  remediation: ["command", "on", "cooldown", "max_per_day", "timeout"],
};

// ───────────────────────────── the rules in use ─────────────────────────────

export type Severity = "info" | "warning" | "critical";

/** A condition on a figure of the cycle (or of the last `window` cycles). */
export interface ThresholdCondition {
  kind: "threshold";
  figure: FigureRef;
  threshold: Threshold;
}

/** A bound on the change against the baseline, as `shakedown diff --fail-on` reads it. */
export interface BaselineCondition {
  kind: "baseline";
  scope: string;
  base: RequestFigure;
  /** "p50", "mean", "p90"… */
  stat: string;
  bound: FailOnBound;
}

export type Condition = ThresholdCondition | BaselineCondition;

export interface AlertRule {
  name: string;
  /** As written. */
  when: string;
  condition: Condition;
  for: number;
  resolveAfter: number;
  /** Cycles pooled for the figure (request figures, rates and baseline comparisons). */
  window: number;
  severity: Severity;
  description?: string;
}

export interface WebhookConfig {
  /** The URL, secret parts included: never printed (see redactUrl). */
  url: string;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  on: ("firing" | "resolved")[];
}

export interface RemediationConfig {
  command: string;
  on: string[];
  cooldownMs: number;
  maxPerDay: number;
  timeoutMs: number;
}

export interface WatchRules {
  /** Where the rules came from: a file path, or "the default rules". */
  source: string;
  alerts: AlertRule[];
  baseline: { cycles: number; alpha: number; iterations: number; seed: number };
  canaries: { minSimilarity: number };
  webhook?: WebhookConfig;
  remediation?: RemediationConfig;
}

/** The default alerts: the seed's two (TTFT p90 above 5 s, degradation beyond 15 %) and the faults a watch exists for. */
export const DEFAULT_ALERTS: readonly z.input<typeof alertSchema>[] = [
  { name: "ttft_p90", when: "ttft.p90 > 5s", description: "the seed's gate: TTFT p90 above 5 s" },
  { name: "degradation_ttft", when: "baseline.ttft.p50 > +15%", window: 3, description: "the seed's gate: TTFT more than 15 % slower than the baseline, beyond noise" },
  { name: "degradation_e2e", when: "baseline.e2e.p50 > +15%", window: 3, description: "the seed's gate: end-to-end latency more than 15 % slower than the baseline, beyond noise" },
  { name: "error_rate", when: "error_rate > 20%", description: "more than one request in five failed" },
  { name: "unreachable", when: "unreachable > 0", for: 1, resolve_after: 1, severity: "critical", description: "the server does not answer" },
  { name: "canary_wrong", when: "canary.wrong > 0", description: "a canary with an expected answer answered wrong" },
  { name: "canary_changed", when: "canary.changed > 0", for: 1, description: "a chat canary's answer changed (a swapped model, a changed template)" },
  { name: "restarted", when: "server.restarted > 0", for: 1, resolve_after: 1, severity: "info", description: "the serving process restarted (process_start_time_seconds changed)" },
];

// ───────────────────────────── loading ─────────────────────────────

/** The default rules (no rules file). */
export function defaultRules(scenarios: readonly string[]): WatchRules {
  return buildRules({}, "the default rules", labelOnly("the default rules"), scenarios, process.env);
}

/** Reads and checks a rules file; ConfigError (exit 2) naming file:line:col for every problem. */
export function loadRulesFile(path: string, scenarios: readonly string[], env: NodeJS.ProcessEnv = process.env): WatchRules {
  const text = readUserText(path, {
    what: "watch rules file",
    maxBytes: FILE_LIMITS.text,
    expected: "a watch rules file is a YAML mapping with keys such as alerts:, webhook:, remediation: (see docs/watch.md)",
    code: "SHAKEDOWN_WATCH_RULES",
  });
  return parseRulesText(text, path, scenarios, env);
}

/** Parses rules text; `label` names it in messages (usually the path). */
export function parseRulesText(text: string, label: string, scenarios: readonly string[], env: NodeJS.ProcessEnv = process.env): WatchRules {
  const lines = new LineCounter();
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  let doc: Document;
  try {
    doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    throw new ConfigError(`${label}: YAML error: ${printable(e instanceof Error ? e.message : String(e))}`, "SHAKEDOWN_WATCH_RULES");
  }
  if (doc.errors.length > 0) {
    const messages = doc.errors.map((e) => {
      const pos = positionAt(lines, e.pos[0]);
      return `${label}:${pos.line}:${pos.col}: YAML syntax error: ${printable(e.message.split("\n")[0] ?? "")}`;
    });
    throw new ConfigError([...new Set(messages)].join("\n"), "SHAKEDOWN_WATCH_RULES");
  }
  let raw: unknown;
  try {
    raw = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${label}: YAML error: ${printable(e instanceof Error ? e.message : String(e))}`, "SHAKEDOWN_WATCH_RULES");
  }
  if (raw === null || raw === undefined) raw = {};
  if (!isPlainObject(raw)) {
    throw new ConfigError(`${label}:1:1: a watch rules file is a mapping (alerts:, webhook:, remediation: …), got ${showValue(raw)}`, "SHAKEDOWN_WATCH_RULES");
  }
  return buildRules(raw, label, new YamlProvenance(label, doc, lines), scenarios, env);
}

/** Validates a rules object (from a file, or built in code) and resolves its conditions. */
export function rulesFromObject(obj: unknown, label: string, scenarios: readonly string[], env: NodeJS.ProcessEnv = process.env): WatchRules {
  if (!isPlainObject(obj)) throw new ConfigError(`${label}: a watch rules object is a mapping, got ${showValue(obj)}`, "SHAKEDOWN_WATCH_RULES");
  return buildRules(obj, label, labelOnly(label), scenarios, env);
}

function buildRules(raw: Record<string, unknown>, label: string, provenance: Provenance, scenarios: readonly string[], env: NodeJS.ProcessEnv): WatchRules {
  const parsed = rulesSchema.safeParse(raw);
  if (!parsed.success) fail(issuesOf(parsed.error, raw), provenance);
  const file: RulesFile = parsed.data;
  const pending: PendingIssue[] = [];
  const alertsRaw = file.alerts ?? DEFAULT_ALERTS.map((a) => alertSchema.parse(a));
  const alerts: AlertRule[] = [];
  const names = new Set<string>();
  alertsRaw.forEach((a, i) => {
    const at = (key: string): ConfigPath => ["alerts", i, key];
    if (names.has(a.name)) pending.push({ path: at("name"), at: "value", message: `another alert is named "${a.name}"; each alert needs its own name` });
    names.add(a.name);
    const condition = parseCondition(a.when, scenarios);
    if (typeof condition === "string") {
      pending.push({ path: at("when"), at: "value", message: condition });
      return;
    }
    const windowable = condition.kind === "baseline" || condition.figure.info.windowed;
    if (a.window !== undefined && !windowable) {
      pending.push({ path: at("window"), at: "value", message: `"${a.when}" is a figure of the cycle itself; window applies to request figures, rates and baseline comparisons only` });
    }
    alerts.push({
      name: a.name,
      when: a.when,
      condition,
      for: a.for ?? file.defaults.for,
      resolveAfter: a.resolve_after ?? file.defaults.resolve_after,
      window: a.window ?? (condition.kind === "baseline" ? 3 : 1),
      severity: a.severity ?? file.defaults.severity,
      ...(a.description !== undefined ? { description: a.description } : {}),
    });
  });

  let webhook: WebhookConfig | undefined;
  if (file.webhook) {
    const w = file.webhook;
    let url: string | undefined;
    if (w.url !== undefined && w.url_env !== undefined) {
      pending.push({ path: ["webhook", "url_env"], at: "key", message: "give url or url_env, not both" });
    } else if (w.url_env !== undefined) {
      url = env[w.url_env];
      if (url === undefined || url === "") pending.push({ path: ["webhook", "url_env"], at: "value", message: `the variable ${w.url_env} is not set (or empty): export ${w.url_env}=https://…` });
    } else if (w.url !== undefined) {
      url = w.url;
    } else {
      pending.push({ path: ["webhook"], at: "value", message: "a webhook needs url (or url_env, the name of an environment variable holding it)" });
    }
    if (url !== undefined) {
      const problem = webhookUrlProblem(url);
      if (problem !== undefined) pending.push({ path: ["webhook", w.url_env !== undefined ? "url_env" : "url"], at: "value", message: problem });
      else webhook = { url, timeoutMs: parseDuration(w.timeout) as number, retries: w.retries, backoffMs: parseDuration(w.backoff) as number, on: [...new Set(w.on)] };
    }
  }

  let remediation: RemediationConfig | undefined;
  if (file.remediation) {
    const r = file.remediation;
    r.on.forEach((name, j) => {
      if (!names.has(name)) {
        const suggestion = closest(name, [...names]);
        pending.push({ path: ["remediation", "on", j], at: "value", message: `no alert is named "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; alerts: ${[...names].join(", ")}` });
      }
    });
    remediation = {
      command: r.command,
      on: [...new Set(r.on)],
      cooldownMs: parseDuration(r.cooldown) as number,
      maxPerDay: r.max_per_day,
      timeoutMs: parseDuration(r.timeout) as number,
    };
  }
  if (pending.length > 0) fail(pending, provenance);
  return {
    source: label,
    alerts,
    baseline: { ...file.baseline },
    canaries: { minSimilarity: file.canaries.min_similarity },
    ...(webhook ? { webhook } : {}),
    ...(remediation ? { remediation } : {}),
  };
}

function fail(pending: readonly PendingIssue[], provenance: Provenance): never {
  const issues = locateIssues(pending, provenance);
  throw new ConfigError(issues.map((i) => i.text).join("\n"), "SHAKEDOWN_WATCH_RULES");
}

/** Why a webhook URL cannot be used, or undefined. The message never repeats a secret part. */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `not a URL (${redactUrl(raw)}): give the webhook's http(s) URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `the webhook URL must start with http:// or https:// (got ${url.protocol}//…)`;
  return undefined;
}

/**
 * A URL as logs may show it: scheme, host and port only. A webhook's secret is often its path
 * (Slack: /services/T…/B…/XXXX) or its query (?token=…), sometimes user:password@: all cut.
 */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    const more = u.pathname !== "/" || u.search !== "" || u.username !== "" || u.password !== "" ? "/…" : "";
    return `${u.protocol}//${u.host}${more}`;
  } catch {
    const shown = urlForDisplay(raw).replace(/^([a-z][a-z0-9+.-]*:\/\/[^/]*).*$/i, "$1");
    return shown === raw ? "(not a URL)" : `${shown}/…`;
  }
}

/** Reads one condition; a string says why it cannot be read. */
export function parseCondition(when: string, scenarios: readonly string[]): Condition | string {
  const text = when.trim();
  if (/^baseline\./.test(text)) return parseBaselineCondition(text, scenarios);
  let threshold: Threshold;
  try {
    threshold = parseThreshold(text);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `${e.message.replace(/^bad threshold/, "bad condition")}; a baseline comparison is written "baseline.<figure> > +15%"`;
  }
  const figure = resolveFigure(threshold.metric, scenarios);
  if (!figure) {
    const known = [...knownFigureNames(), "baseline.<figure>.<stat>"];
    const suggestion = closest(threshold.metric, known);
    const scoped = scenarios.length > 0 ? `; prefix a request figure or a rate with a scenario of the canary suite to keep to it (${scenarios.map((s) => `${s}.ttft.p90`).join(", ")})` : "";
    return `unknown figure "${threshold.metric}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}; figures: ${knownFigureSummary()}${scoped}`;
  }
  const unitProblem = unitMismatch(threshold, figure);
  if (unitProblem) return unitProblem;
  return { kind: "threshold", figure, threshold };
}

function knownFigureSummary(): string {
  return `${REQUEST_BASES.join(", ")} with .mean, .p50, .p90, .p95, .p99, .min, .max, .std; ${knownFigureNames()
    .filter((n) => !REQUEST_BASES.some((b) => n.startsWith(`${b}.`)))
    .join(", ")}`;
}

function unitMismatch(t: Threshold, f: FigureRef): string | undefined {
  const unit = f.info.unit;
  if (t.unit === undefined) return undefined;
  if (t.unit === "ms" && unit !== "ms") return `"${t.source}": ${f.figure} is not a duration (its unit is ${unit}); write the value without ms or s`;
  if (t.unit === "tok/s" && unit !== "tok/s") return `"${t.source}": ${f.figure} is not in tok/s (its unit is ${unit})`;
  if (t.unit === "%" && unit !== "fraction") return `"${t.source}": % applies to rates (a fraction); ${f.figure} is in ${unit}`;
  return undefined;
}

function parseBaselineCondition(text: string, scenarios: readonly string[]): BaselineCondition | string {
  const rest = text.slice("baseline.".length);
  let bound: FailOnBound;
  try {
    bound = parseFailOn(rest);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return `bad condition "${text}": expected "baseline.<figure>.<statistic> <op> <value>[unit]" as diff --fail-on reads it, e.g. "baseline.ttft.p50 > +15%" (relative change) or "baseline.e2e.p90 > 200ms" (absolute change)`;
  }
  const parts = bound.metric.split(".");
  let scope = "";
  if (parts.length === 3) {
    scope = parts.shift() as string;
    if (!scenarios.includes(scope)) return `"${text}": "${scope}" is not a scenario of the canary suite (${scenarios.join(", ") || "none"})`;
  }
  const [base, stat] = parts as [string, string | undefined];
  if (parts.length !== 2 || !REQUEST_BASES.includes(base as RequestFigure) || stat === undefined || parseStatistic(stat) === undefined) {
    const suggestion = closest(bound.metric, REQUEST_BASES.map((b) => `${b}.p50`));
    return `"${text}": the baseline compares per-request figures (${REQUEST_BASES.join(", ")}) by a statistic (mean, median, p50, p90, any pNN), e.g. baseline.ttft.p50${suggestion ? ` (did you mean "baseline.${suggestion}"?)` : ""}`;
  }
  const unit = requestFigureUnit(base as RequestFigure);
  if (bound.unit !== undefined && bound.unit !== unit) return `"${text}": ${base} is in ${unit}, not ${bound.unit}`;
  return { kind: "baseline", scope, base: base as RequestFigure, stat, bound };
}

/** True when `value op limit` holds: the condition describes the failure, so true means "alerting". */
export function thresholdHolds(value: number, c: ThresholdCondition): boolean {
  return compare(value, c.threshold.op, c.threshold.value);
}

/** True when a change is beyond a baseline bound (significance is checked by the caller). */
export function changeBeyond(change: number, c: BaselineCondition): boolean {
  return beyond(change, c.bound);
}

// ───────────────────────────── zod issues ─────────────────────────────

function issuesOf(error: z.ZodError, raw: unknown): PendingIssue[] {
  const out: PendingIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path as ConfigPath;
    const value = valueAt(raw, path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = KNOWN_KEYS[String(path.find((p) => typeof p === "string") ?? "")] ?? [];
        for (const key of issue.keys) {
          const suggestion = closest(key, known);
          out.push({
            path: [...path, key],
            at: "key",
            message: `unknown key${suggestion ? `; did you mean "${suggestion}"?` : ""}; the keys of ${path.length === 0 ? "a rules file" : formatPath(path)} are: ${known.join(", ")}`,
          });
        }
        break;
      }
      case "invalid_type":
        if (value === undefined) out.push({ path, at: "parent", message: `missing (required); expected ${issue.expected}` });
        else out.push({ path, at: "value", message: `expected ${issue.expected === "int" ? "an integer" : issue.expected}, got ${showValue(value)}` });
        break;
      case "invalid_value":
        out.push({ path, at: value === undefined ? "parent" : "value", message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${showValue(value)}` });
        break;
      case "too_small":
      case "too_big":
        out.push({ path, at: "value", message: `${issue.message.replace(/^Too (small|big): expected (number|int|array|string) to (have|be) /i, "expected ")}, got ${showValue(value)}` });
        break;
      default:
        out.push({ path, at: value === undefined ? "parent" : "value", message: `${issue.message} (got ${showValue(value)})` });
    }
  }
  return out;
}

function valueAt(raw: unknown, path: ConfigPath): unknown {
  let v: unknown = raw;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as PropertyKey];
  }
  return v;
}
