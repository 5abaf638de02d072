/**
 * A DiffResult as text (an aligned table for the terminal), Markdown (built with md.ts, which
 * escapes every cell) or JSON.
 */
import { relative } from "node:path";
import { fmtMetric } from "../report/format.js";
import { bullets, code, heading, paragraph, strong, table, text } from "../report/md.js";
import type { MetricValue } from "../scenarios/types.js";
import type { DiffResult, FigureDiff, RunSide, ScenarioDiff } from "./diff.js";
import type { Interval } from "../metrics/compare.js";

export type DiffFormat = "text" | "md" | "json";

const MINUS = "−";

function signed(v: number, digits: number): string {
  const s = Math.abs(v).toFixed(digits);
  return `${v < 0 && Number(s) !== 0 ? MINUS : "+"}${s}`;
}

/** A relative change: "+12.3 %" ("+0.0 %" for a change that rounds to nothing, never "−0.0 %"). */
function fmtRelative(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? "—" : `${signed(v * 100, 1)} %`;
}

/** A change in the figure's unit: "+12.3 ms", "−7.0 pts" for fractions. */
export function fmtDelta(v: number | undefined, unit: MetricValue["unit"]): string {
  if (v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "ms":
      return `${signed(v, Math.abs(v) >= 100 ? 0 : 1)} ms`;
    case "tok/s":
      return `${signed(v, 1)} tok/s`;
    case "req/s":
      return `${signed(v, 2)} req/s`;
    case "fraction":
    case "ratio":
      return `${signed(v * 100, 1)} pts`;
    case "tokens":
      return `${signed(v, 0)} tokens`;
    case "x":
      return `${signed(v, 2)}×`;
    default:
      return Number.isInteger(v) ? signed(v, 0) : signed(v, Math.abs(v) >= 10 ? 1 : 3);
  }
}

function fmtValue(v: number | undefined, unit: MetricValue["unit"]): string {
  return fmtMetric(v, unit);
}

function fmtInterval(ci: Interval | undefined, f: (v: number) => string): string {
  return ci ? `[${f(ci.lower)}, ${f(ci.upper)}]` : "—";
}

export function fmtP(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return "—";
  if (p < 0.001) return "<0.001";
  return p.toFixed(3);
}

function changeCell(f: FigureDiff): string {
  const abs = fmtDelta(f.change, f.unit);
  return f.relative !== undefined && f.unit !== "ratio" ? `${abs} (${fmtRelative(f.relative)})` : abs;
}

function ciCell(f: FigureDiff): string {
  // Fractions (a success rate) and ratios (a degradation) change in points: their own interval is the one in points.
  if (f.relativeCi && f.unit !== "ratio" && f.unit !== "fraction") return fmtInterval(f.relativeCi, fmtRelative);
  return fmtInterval(f.ci, (v) => fmtDelta(v, f.unit));
}

function nCell(f: FigureDiff): string {
  return f.n.pairs !== undefined ? `${f.n.pairs} pairs` : `${f.n.a} / ${f.n.b}`;
}

function wordCell(f: FigureDiff): string {
  return f.word;
}

function rows(s: ScenarioDiff): string[][] {
  return s.figures.map((f) => [f.figure, fmtValue(f.a, f.unit), fmtValue(f.b, f.unit), changeCell(f), ciCell(f), fmtP(f.pValue), wordCell(f), nCell(f)]);
}

function pct(alpha: number): string {
  return `${+((1 - alpha) * 100).toFixed(2)} %`;
}

function header(alpha: number): string[] {
  return ["figure", "A", "B", "change (B vs A)", `${pct(alpha)} CI`, "p", "word", "n"];
}

function sectionTitle(s: ScenarioDiff): string {
  return s.label ? `${s.scenario}, ${s.label}` : s.scenario;
}

function where(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith("..") ? rel : dir;
}

function runLine(r: RunSide): string {
  const t = r.target;
  const target = t.simulated ? `the simulator (profile ${t.simProfile ?? "default"})` : t.url;
  const status = r.status ? `, ${r.status}` : "";
  return `${where(r.dir)} (${r.startedAt}; ${target}, model ${t.model}${status}${r.complete ? "" : ", did not finish"})`;
}

function method(d: DiffResult): string {
  return (
    `B against A at alpha ${d.alpha}: a change counts when its test is significant and its ${pct(d.alpha)} interval excludes 0. ` +
    `Intervals: bootstrap of the change (${d.iterations} resamples, seed ${d.seed}); tests: Wilcoxon signed-rank on paired requests, Mann-Whitney otherwise; ` +
    `proportions: Newcombe interval and two-proportion z test.`
  );
}

function summaryLine(d: DiffResult): string {
  const parts = Object.entries(d.counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([w, n]) => `${n} ${w}`);
  return parts.length ? parts.join(", ") : "no figure compared";
}

function failOnLines(d: DiffResult): string[] {
  return d.failOn.map((o) => {
    const tag = o.status === "fail" ? "FAIL" : o.status === "pass" ? "ok" : o.status === "not_tested" ? "not tested" : "not measured";
    const at = o.scenario ? ` (${o.scenario}${o.group ? `, ${o.group}` : ""})` : "";
    return `${tag}: ${o.expression}${at}: ${o.reason}`;
  });
}

/** Pads the columns of a table of strings, left-aligned. */
function aligned(head: string[], body: string[][]): string {
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((r) => Array.from(r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c + " ".repeat((widths[i] ?? 0) - Array.from(c).length))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** The refusal, as the CLI prints it. */
export function refusalText(d: DiffResult): string {
  return [`the runs are not comparable:`, ...d.problems.map((p) => `  - ${p}`), `Compare them anyway with --force (the differences above are then said in the output).`].join("\n");
}

export function renderDiffText(d: DiffResult): string {
  const out: string[] = [];
  out.push(`shakedown diff: B against A`);
  out.push(`A  ${runLine(d.a)}`);
  out.push(`B  ${runLine(d.b)}`);
  if (d.comparable) out.push(`Comparable: same suite "${d.a.suite}", same workloads.`);
  else out.push(`NOT COMPARABLE, compared because forced:`, ...d.problems.map((p) => `  - ${p}`));
  for (const n of d.notes) out.push(`Note: ${n}`);
  out.push(method(d));
  for (const s of d.scenarios) {
    out.push("", `${sectionTitle(s)}${s.kind !== s.scenario ? ` (${s.kind})` : ""}: ${s.pairing}`);
    if (s.figures.length) out.push(aligned(header(d.alpha), rows(s)));
    else out.push("  no figure in both runs");
    for (const n of s.notes) out.push(`  note: ${n}`);
  }
  if (d.scenarios.length === 0) out.push("", "No scenario compared.");
  if (d.failOn.length) out.push("", "--fail-on:", ...failOnLines(d).map((l) => `  ${l}`));
  out.push("", `Result: ${summaryLine(d)}.${d.failOn.length ? (d.failed ? " FAILED: a --fail-on bound is breached beyond noise." : " No --fail-on bound breached.") : ""}`);
  return out.join("\n") + "\n";
}

export function renderDiffMarkdown(d: DiffResult): string {
  const blocks: string[] = [];
  blocks.push(heading(1, "shakedown diff: B against A"));
  blocks.push(
    table(
      ["", "run", "started", "target", "model", "status"],
      [d.a, d.b].map((r, i) => [
        i === 0 ? "A" : "B",
        code(where(r.dir)),
        r.startedAt,
        r.target.simulated ? `simulator (profile ${r.target.simProfile ?? "default"})` : text(r.target.url),
        text(r.target.model),
        `${r.status ?? "—"}${r.complete ? "" : " (did not finish)"}`,
      ]),
    ),
  );
  if (d.comparable) blocks.push(paragraph(`Comparable: same suite `, code(d.a.suite), `, same workloads.`));
  else blocks.push(paragraph(strong("Not comparable"), ", compared because forced:"), bullets(d.problems.map((p) => text(p, 2000))));
  if (d.notes.length) blocks.push(bullets(d.notes.map((n) => text(n, 2000))));
  blocks.push(paragraph(method(d)));
  for (const s of d.scenarios) {
    blocks.push(heading(2, text(sectionTitle(s)), s.kind !== s.scenario && ` (${s.kind})`));
    blocks.push(paragraph(s.pairing.charAt(0).toUpperCase() + s.pairing.slice(1) + "."));
    if (s.figures.length) blocks.push(table(header(d.alpha), rows(s).map((r) => [code(r[0] ?? ""), ...r.slice(1)])));
    if (s.notes.length) blocks.push(bullets(s.notes.map((n) => text(n, 2000))));
  }
  if (d.failOn.length) {
    blocks.push(heading(2, "--fail-on"));
    blocks.push(bullets(failOnLines(d).map((l) => text(l, 2000))));
  }
  blocks.push(
    paragraph(
      strong("Result"),
      `: ${summaryLine(d)}.`,
      d.failOn.length > 0 && (d.failed ? [" ", strong("Failed"), ": a --fail-on bound is breached beyond noise."] : " No --fail-on bound breached."),
    ),
  );
  return blocks.join("\n\n") + "\n";
}

export function renderDiff(d: DiffResult, format: DiffFormat): string {
  switch (format) {
    case "json":
      return JSON.stringify(d, null, 2) + "\n";
    case "md":
      return renderDiffMarkdown(d);
    case "text":
      return renderDiffText(d);
  }
}
