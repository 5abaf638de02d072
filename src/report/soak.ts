/** The soak scenario's section of the Markdown report: stability and its evidence, the window table, trends, canaries. */
import { FIGURES, type FigureTrend, type SoakDetail } from "../scenarios/soak/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtDuration, fmtMs, fmtNum, fmtPct, fmtSignedPct } from "./format.js";
import { bullets, code, paragraph, strong, table, text, type Inline } from "./md.js";

function stabilityText(d: SoakDetail): string {
  const floor = `${(d.plan.driftFloor * 100).toFixed(0)} %`;
  switch (d.stability) {
    case "stable":
      return `stable — no figure moved by ${floor} or more with evidence beyond noise${d.canaries.some((c) => c.compared > 0) ? ", no canary answer changed" : ""}`;
    case "drifting":
      return "drifting — something changed beyond noise (below), but no drift threshold failed";
    case "degrading":
      return "degrading — a figure worsened beyond its limit, with evidence beyond noise";
    case "not_measured":
      return "not measured — too few windows to judge";
  }
}

function fmtValue(t: FigureTrend, v: number | undefined): string {
  const unit = FIGURES[t.figure].unit;
  if (v === undefined || !Number.isFinite(v)) return "—";
  switch (unit) {
    case "ms":
      return fmtMs(v);
    case "fraction":
      return fmtPct(v);
    case "tok/s":
      return `${fmtNum(v)} tok/s`;
    case "score":
      return fmtNum(v, 2);
    default:
      return `${fmtNum(v, 0)} ${unit}`;
  }
}

function changeText(t: FigureTrend): string {
  const c = t.change;
  if (!c) return "—";
  if (c.kind === "relative") return `${fmtSignedPct(c.estimate)} (${fmtSignedPct(c.lower)} to ${fmtSignedPct(c.upper)})`;
  const unit = FIGURES[t.figure].unit;
  const f = (x: number) => (unit === "fraction" ? `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(2)} pt` : `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`);
  return `${f(c.estimate)} (${f(c.lower)} to ${f(c.upper)})`;
}

function trendWord(t: FigureTrend): Inline {
  if (t.n < 3) return "not measured";
  if (!t.significant) return "no trend beyond noise";
  return t.direction === "worse" ? strong("worsening") : "improving";
}

export function renderSoakSection(r: ScenarioResult<SoakDetail>): string {
  const d = r.detail;
  const out: string[] = [];
  out.push("### Stability");
  out.push(paragraph(strong(stabilityText(d)), "."));
  if (d.evidence.length > 0) out.push(bullets(d.evidence.map((e) => text(e, 600))));
  const mode = d.plan.mode === "paced" ? `paced at ${fmtNum(d.plan.rate, 2)} req/s` : `${d.plan.concurrency} request(s) in flight`;
  out.push(
    paragraph(
      `Planned ${fmtDuration(d.plan.durationMs)}, measured ${fmtDuration(d.measuredMs)}; ${mode}; mix `,
      d.plan.mix.map((m) => `${m.kind} ${(m.share * 100).toFixed(0)} %`).join(", "),
      `; windows of ${fmtDuration(d.plan.windowMs)}.`,
    ),
  );

  out.push("### Trends");
  out.push(
    table(
      ["Figure", "Start (fitted)", "End (fitted)", "Change over the soak (CI)", "Mann-Kendall p", "Reading", "Shifts", "n windows"],
      d.trends
        .filter((t) => t.n > 0)
        .map((t) => [
          FIGURES[t.figure].label,
          fmtValue(t, t.fittedStart),
          fmtValue(t, t.fittedEnd),
          changeText(t),
          t.mannKendallP === undefined ? "—" : t.mannKendallP < 0.001 ? "< 0.001" : t.mannKendallP.toFixed(3),
          trendWord(t),
          t.shifts.length === 0 ? "none" : t.shifts.map((s) => `${fmtDuration(s.atMs)} (${s.relativeShift !== undefined ? fmtSignedPct(s.relativeShift) : `${fmtValue(t, s.before)} → ${fmtValue(t, s.after)}`})`).join(", "),
          String(t.n),
        ]),
    ),
  );

  out.push("### Windows");
  const hasScore = d.windows.some((w) => w.scored > 0);
  const hasGpu = d.windows.some((w) => w.gpuUtilization !== undefined || w.gpuMemoryMiB !== undefined);
  const hasRss = d.windows.some((w) => w.serverRssMb !== undefined);
  out.push(
    table(
      [
        "Window",
        "Requests",
        "Failed",
        "Timeouts",
        "TTFT p50",
        "TTFT p90",
        "E2E p90",
        "TPOT p50",
        "Output tok/s",
        ...(hasScore ? ["Score (n)"] : []),
        ...(hasGpu ? ["GPU util", "GPU memory", "GPU power"] : []),
        ...(hasRss ? ["Server RSS"] : []),
      ],
      d.windows.map((w) => [
        `${fmtDuration(w.startMs)}–${fmtDuration(w.endMs)}${w.partial ? " (partial)" : ""}`,
        String(w.requests),
        String(w.failed),
        String(w.timeouts),
        fmtMs(w.ttftP50),
        fmtMs(w.ttftP90),
        fmtMs(w.e2eP90),
        fmtMs(w.tpotP50),
        fmtNum(w.outputTps),
        ...(hasScore ? [w.scored > 0 ? `${fmtNum(w.score, 2)} (${w.scored})` : "—"] : []),
        ...(hasGpu
          ? [w.gpuUtilization !== undefined ? `${fmtNum(w.gpuUtilization, 0)} %` : "—", w.gpuMemoryMiB !== undefined ? `${fmtNum(w.gpuMemoryMiB, 0)} MiB` : "—", w.gpuPowerW !== undefined ? `${fmtNum(w.gpuPowerW, 0)} W` : "—"]
          : []),
        ...(hasRss ? [w.serverRssMb !== undefined ? `${fmtNum(w.serverRssMb, 0)} MB` : "—"] : []),
      ]),
    ),
  );

  if (d.byKind.length > 0) {
    out.push("### By request kind");
    out.push(
      table(
        ["Kind", "Requests", "Succeeded", "TTFT p50", "TTFT p90", "E2E p90", "n"],
        d.byKind.map((k) => [k.kind, String(k.requests), String(k.ok), fmtMs(k.ttft?.p50), fmtMs(k.ttft?.p90), fmtMs(k.e2e?.p90), String(k.ttft?.n ?? 0)]),
      ),
    );
  }

  if (d.canaries.length > 0) {
    out.push("### Canaries");
    out.push(
      table(
        ["Canary", "Prompt", "Sent", "Compared", "Identical", "Changed", "Lowest similarity", "First change"],
        d.canaries.map((c) => [
          String(c.canary),
          text(c.prompt, 80),
          String(c.sent),
          String(c.compared),
          String(c.identical),
          c.changed > 0 ? strong(String(c.changed)) : "0",
          c.minSimilarity === undefined ? "—" : c.minSimilarity.toFixed(2),
          c.firstChange ? [`${fmtDuration(c.firstChange.atMs)} (round ${c.firstChange.round}): `, code(c.firstChange.answer, 120)] : "—",
        ]),
      ),
    );
  }
  return out.join("\n\n");
}
