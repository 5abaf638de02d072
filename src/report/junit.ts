/**
 * JUnit XML of a run's verdicts (`shakedown run --junit FILE`), so that CI systems (GitHub
 * Actions test reporters, GitLab's test report, Jenkins' JUnit plugin) list them as tests.
 *
 * The mapping:
 * - one <testsuite> per scenario, named `<suite>.<scenario>` (with `[run r/N]` after it for
 *   each run of a repeat), its properties saying the target, the model, the run folder;
 * - one <testcase> per verdict: classname `<suite>.<scenario>`, name the threshold as
 *   written ("ttft.p90 < 2000"); the measured value, the limit and n in the message;
 *   - fail → <failure type="threshold">: the server breached the threshold;
 *   - inconclusive → <error type="inconclusive">: shakedown could not decide (a breach within
 *     noise, or measured by an overloaded client). An error, not a failure: in JUnit an error
 *     is a test that could not run to a verdict, which is what this is; every reporter still
 *     shows it red (the run's exit code is 5, not 0), and GitLab's test report and
 *     publish-unit-test-result-action count errors apart from failures, so a breach is never
 *     confused with "could not tell";
 *   - not measured → <skipped> with the reason (the figure could not be measured: neither
 *     a pass nor a fail);
 *   - pass → a bare testcase, its value in <system-out>;
 * - one more <testcase> per scenario, "ran to its end", that carries the scenario's time
 *   (the span attachment: its first request to its last) and its requests; it is an
 *   <error type="incomplete"> when the run stopped inside the scenario, and <skipped> for a
 *   scenario the stopped run never reached. Verdict testcases have time 0: evaluating a
 *   threshold takes no time, and reporters that add testcase times (GitLab) get the run's
 *   true duration rather than the scenario's time counted once per threshold;
 * - a run that stopped while no scenario was under way (in its warm-up, or while writing)
 *   gets a run-level <testcase classname="<suite>" name="run complete"> error; a run that
 *   could not start at all (opts.notStarted) one <testcase name="run started"> error.
 *
 * The XML is written by hand through two escaping functions, since no XML library is a
 * dependency: every text from a server or a suite goes through them. Characters that XML
 * 1.0 forbids even as references (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone
 * surrogates) are written as a visible `\uXXXX`; `&`, `<`, `>` (and so `]]>`) and quotes
 * become entity references; CR, and tab and LF in attributes, become character references
 * so that a parser's line-end and attribute normalisation gives them back. No CDATA.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Verdict } from "../metrics/index.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { RUN_FILES, type RunResults } from "../store/run-folder.js";
import { TOOL_NAME, TOOL_VERSION } from "../version.js";
import { fmtMetric } from "./format.js";

/** A scenario's time span, as the executor attaches it (attachments.json, key "span"). */
export interface ScenarioSpan {
  startEpochMs: number;
  endEpochMs: number;
  startPerfMs?: number;
  endPerfMs?: number;
}

export interface JunitRun {
  results: RunResults;
  /** The run folder (a property of each testsuite). */
  dir: string;
  /** Each scenario's span, by scenario name (readSpans(dir)); a scenario without one has time 0. */
  spans?: Record<string, ScenarioSpan | undefined>;
  /** This run's place in a repeat: testsuite and testcase names get " [run r/N]". */
  round?: { index: number; of: number };
}

export interface JunitOptions {
  /** The run's label (--label), kept as a property. */
  label?: string;
  /**
   * A run that could not start, or a round of a repeat that could not (the target
   * unreachable, a bad file): one error testcase `<suite>` / "run started" saying why, so that
   * a CI job's test report shows the cause rather than "no test report found".
   */
  notStarted?: { suite: string; message: string; round?: { index: number; of: number } };
}

// ─────────────────────────────── escaping ───────────────────────────────

/**
 * Code units that XML 1.0 allows nowhere, not even as a character reference: C0 controls but
 * tab, LF and CR; U+FFFE and U+FFFF; a high surrogate not followed by a low one, and a low
 * one not preceded by a high one.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const visible = (c: string): string => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;

/** Text content of an element: `&`, `<`, `>` and CR as references, forbidden characters made visible. */
export function xmlText(s: string): string {
  return s
    .replace(FORBIDDEN, visible)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\r/g, "&#13;");
}

/** An attribute value (written between double quotes): as text, plus quotes, tab and LF. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, "&quot;").replace(/'/g, "&apos;").replace(/\t/g, "&#9;").replace(/\n/g, "&#10;");
}

/** Longest message attribute; the element's body holds the details. */
const MAX_MESSAGE = 1000;

function cut(s: string, max = MAX_MESSAGE): string {
  const chars = Array.from(s);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : s;
}

// ─────────────────────────────── building ───────────────────────────────

type Attrs = Record<string, string | number | undefined>;

function open(name: string, attrs: Attrs, selfClose = false): string {
  const parts = Object.entries(attrs)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`);
  return `<${name}${parts.join("")}${selfClose ? "/>" : ">"}`;
}

function element(name: string, attrs: Attrs, body?: string): string {
  return body === undefined || body === "" ? open(name, attrs, true) : `${open(name, attrs)}${xmlText(body)}</${name}>`;
}

/** Seconds with millisecond precision, as JUnit's `time`. */
function seconds(ms: number | undefined): string {
  return ms !== undefined && Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : "0";
}

/** ISO 8601 in UTC to the second, as reporters parse `timestamp`. */
function stamp(epochMs: number | undefined): string | undefined {
  if (epochMs === undefined || !Number.isFinite(epochMs)) return undefined;
  return new Date(epochMs).toISOString().replace(/\.\d+Z$/, "Z");
}

function spanMs(span: ScenarioSpan | undefined): number | undefined {
  if (!span) return undefined;
  const d = span.endPerfMs !== undefined && span.startPerfMs !== undefined ? span.endPerfMs - span.startPerfMs : span.endEpochMs - span.startEpochMs;
  return Number.isFinite(d) && d >= 0 ? d : undefined;
}

/** The measured value, the threshold and n, in one line: "ttft.p90 = 2345 ms; threshold < 2000 ms; n = 40". */
export function verdictLine(v: Verdict, sc: Pick<ScenarioResult, "metrics">): string {
  const unit = sc.metrics[v.metric]?.unit ?? "ms";
  const limitUnit = unit === "ratio" ? "fraction" : unit;
  const measured = v.value !== undefined ? fmtMetric(v.value, unit) : "not measured";
  return `${v.metric} = ${measured}; threshold ${v.op} ${fmtMetric(v.limit, limitUnit)}; n = ${v.n ?? 0}`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  timeMs: number;
}

const zero = (): Counts => ({ tests: 0, failures: 0, errors: 0, skipped: 0, timeMs: 0 });

interface Case {
  classname: string;
  name: string;
  timeMs?: number;
  outcome?: { tag: "failure" | "error" | "skipped"; type?: string; message: string; body?: string };
  out?: string;
}

function renderCase(c: Case): string {
  const attrs = { classname: c.classname, name: c.name, time: seconds(c.timeMs) };
  const inner: string[] = [];
  if (c.outcome) {
    const { tag, type, message, body } = c.outcome;
    inner.push(element(tag, { ...(type !== undefined ? { type } : {}), message: cut(message) }, body));
  }
  if (c.out) inner.push(element("system-out", {}, c.out));
  return inner.length === 0 ? `    ${open("testcase", attrs, true)}` : [`    ${open("testcase", attrs)}`, ...inner.map((l) => `      ${l}`), "    </testcase>"].join("\n");
}

function count(cases: Case[], timeMs: number): Counts {
  const c = zero();
  c.tests = cases.length;
  c.timeMs = timeMs;
  for (const k of cases) {
    if (k.outcome?.tag === "failure") c.failures++;
    else if (k.outcome?.tag === "error") c.errors++;
    else if (k.outcome?.tag === "skipped") c.skipped++;
  }
  return c;
}

function renderSuite(name: string, attrs: Attrs, props: [string, string | undefined][], cases: Case[], timeMs: number): { xml: string; counts: Counts } {
  const counts = count(cases, timeMs);
  const head = open("testsuite", {
    name,
    tests: counts.tests,
    failures: counts.failures,
    errors: counts.errors,
    skipped: counts.skipped,
    time: seconds(timeMs),
    ...attrs,
  });
  const properties = props.filter((p): p is [string, string] => p[1] !== undefined).map(([k, v]) => `      ${open("property", { name: k, value: v }, true)}`);
  const xml = [`  ${head}`, ...(properties.length > 0 ? ["    <properties>", ...properties, "    </properties>"] : []), ...cases.map(renderCase), "  </testsuite>"].join("\n");
  return { xml, counts };
}

/** A verdict as a testcase. */
function verdictCase(classname: string, suffix: string, v: Verdict, sc: ScenarioResult, where: string): Case {
  const line = verdictLine(v, sc);
  const name = `${v.threshold}${suffix}`;
  const details = [`threshold: ${v.threshold}`, `measured: ${line}`, ...(v.reason ? [`why: ${v.reason}`] : []), `scenario: ${sc.name} (${sc.kind}), status ${sc.status}`, where].join("\n");
  switch (v.status) {
    case "pass":
      return { classname, name, out: `${line}${v.reason ? ` (${v.reason})` : ""}` };
    case "fail":
      return { classname, name, outcome: { tag: "failure", type: "threshold", message: line, body: details } };
    case "inconclusive":
      return { classname, name, outcome: { tag: "error", type: "inconclusive", message: `${line}: ${v.reason ?? "inconclusive"}`, body: details } };
    case "not_measured":
      return { classname, name, outcome: { tag: "skipped", message: `not measured: ${v.reason ?? `${v.metric} has no value (n = ${v.n ?? 0})`}` } };
  }
}

const RAN = "ran to its end";

/**
 * The JUnit XML document of one run, or of every run of a repeat (a testsuite per scenario
 * per run). Pure: the same input gives the same text.
 */
export function junitXml(runs: readonly JunitRun[], opts: JunitOptions = {}): string {
  const suites: string[] = [];
  const total = zero();
  const add = (c: Counts) => {
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    total.timeMs += c.timeMs;
  };
  for (const run of runs) {
    const r = run.results;
    const suiteName = r.suite.name;
    const suffix = run.round ? ` [run ${run.round.index}/${run.round.of}]` : "";
    const props = (extra: [string, string | undefined][]): [string, string | undefined][] => [
      ["shakedown.target", r.target.url],
      ["shakedown.model", r.target.model],
      ["shakedown.simulated", String(r.target.simulated)],
      ...(r.target.simulated && r.target.simProfile ? [["shakedown.sim_profile", r.target.simProfile] as [string, string]] : []),
      ["shakedown.run_dir", run.dir],
      ["shakedown.run_id", r.runId],
      ["shakedown.run_status", r.status],
      ["shakedown.label", opts.label],
      ...(run.round ? [["shakedown.round", `${run.round.index} of ${run.round.of}`] as [string, string]] : []),
      ["shakedown.version", `${TOOL_NAME} ${TOOL_VERSION}`],
      ...extra,
    ];
    const where = `run folder: ${run.dir}\nreport: ${join(run.dir, RUN_FILES.html)}`;
    const analysed = new Map(r.scenarios.map((s) => [s.name, s]));
    let errorShown = false;
    for (const cfg of r.suite.scenarios) {
      const classname = `${suiteName}.${cfg.name}`;
      const sc = analysed.get(cfg.name);
      const span = run.spans?.[cfg.name];
      const timeMs = spanMs(span);
      const cases: Case[] = [];
      if (!sc) {
        cases.push({
          classname,
          name: `${RAN}${suffix}`,
          outcome: { tag: "skipped", message: `not run: the run stopped before this scenario${r.interruption ? ` (${r.interruption})` : ""}` },
        });
      } else {
        for (const v of sc.verdicts) cases.push(verdictCase(classname, suffix, v, sc, where));
        const reqs = `${sc.requests.ok}/${sc.requests.total} requests ok${sc.requests.stopped ? `; ${sc.requests.stopped} cut by the stop, not counted` : ""}`;
        if (sc.status === "incomplete") {
          errorShown = true;
          cases.push({
            classname,
            name: `${RAN}${suffix}`,
            timeMs,
            outcome: {
              tag: "error",
              type: "incomplete",
              message: `incomplete: the run stopped inside this scenario${r.interruption ? ` (${r.interruption})` : ""}; its verdicts rest on what was measured (${reqs})`,
              body: [`run status: ${r.status}`, ...(r.interruption ? [`why: ${r.interruption}`] : []), where].join("\n"),
            },
          });
        } else {
          cases.push({ classname, name: `${RAN}${suffix}`, timeMs, out: `${sc.status}: ${reqs}${sc.headline ? `\n${sc.headline}` : ""}` });
        }
      }
      const { xml, counts } = renderSuite(
        `${classname}${suffix}`,
        { timestamp: stamp(span?.startEpochMs ?? Date.parse(r.startedAt)) },
        props([
          ["shakedown.scenario.kind", cfg.kind],
          ["shakedown.scenario.status", sc?.status ?? "not_run"],
        ]),
        cases,
        timeMs ?? 0,
      );
      suites.push(xml);
      add(counts);
    }
    if (!r.complete && !errorShown) {
      const { xml, counts } = renderSuite(
        `${suiteName}${suffix}`,
        { timestamp: stamp(Date.parse(r.startedAt)) },
        props([]),
        [
          {
            classname: suiteName,
            name: `run complete${suffix}`,
            outcome: {
              tag: "error",
              type: "incomplete",
              message: `incomplete: ${r.interruption ?? "the run did not finish"}`,
              body: [`run status: ${r.status}`, where].join("\n"),
            },
          },
        ],
        0,
      );
      suites.push(xml);
      add(counts);
    }
  }
  if (opts.notStarted) {
    const { suite, message, round } = opts.notStarted;
    const suffix = round ? ` [run ${round.index}/${round.of}]` : "";
    const { xml, counts } = renderSuite(
      `${suite}${suffix}`,
      {},
      [
        ["shakedown.label", opts.label],
        ["shakedown.version", `${TOOL_NAME} ${TOOL_VERSION}`],
      ],
      [{ classname: suite, name: `run started${suffix}`, outcome: { tag: "error", type: "not_started", message, body: message } }],
      0,
    );
    suites.push(xml);
    add(counts);
  }
  const first = runs[0]?.results;
  const suiteName = first?.suite.name ?? opts.notStarted?.suite;
  const root = open("testsuites", {
    name: suiteName !== undefined ? `${TOOL_NAME} ${suiteName}` : TOOL_NAME,
    tests: total.tests,
    failures: total.failures,
    errors: total.errors,
    skipped: total.skipped,
    time: seconds(runs.reduce((s, r) => s + (r.results.durationMs ?? 0), 0)),
    timestamp: first ? stamp(Date.parse(first.startedAt)) : undefined,
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...suites, "</testsuites>", ""].join("\n");
}

/** The scenarios' spans from a run folder's attachments.json (none when it cannot be read). */
export function readSpans(dir: string): Record<string, ScenarioSpan> {
  const out: Record<string, ScenarioSpan> = {};
  const path = join(dir, RUN_FILES.attachments);
  if (!existsSync(path)) return out;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (typeof parsed !== "object" || parsed === null) return out;
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
      const span = (value as { span?: unknown } | null)?.span as Partial<ScenarioSpan> | undefined;
      if (span && typeof span.startEpochMs === "number" && typeof span.endEpochMs === "number") {
        out[name] = {
          startEpochMs: span.startEpochMs,
          endEpochMs: span.endEpochMs,
          ...(typeof span.startPerfMs === "number" ? { startPerfMs: span.startPerfMs } : {}),
          ...(typeof span.endPerfMs === "number" ? { endPerfMs: span.endPerfMs } : {}),
        };
      }
    }
  } catch {
    // no spans: every scenario gets time 0
  }
  return out;
}
