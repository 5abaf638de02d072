/** The conversation scenario's section of the Markdown report. */
import type { ConversationDetail, ConversationLevel, ConversationLevelDetail } from "../scenarios/conversation/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import type { DegradationEvidence } from "../metrics/degradation.js";
import { fmtDuration, fmtMs, fmtNum, fmtPct, fmtSignedPct, STATUS_ICON } from "./format.js";
import { paragraph, strong, table } from "./md.js";

const turnsLabel = (w: [number, number]) => (w[0] === w[1] ? `turn ${w[0]}` : `turns ${w[0]}-${w[1]}`);

export function renderConversationSection(r: ScenarioResult<ConversationDetail>): string {
  const out: string[] = [];
  const sweep = r.detail.levels.length > 1;
  if (sweep) out.push(renderSweep(r.detail, r.headline));
  r.detail.levels.forEach((level, i) => {
    if (sweep) out.push(`### Concurrency ${level.concurrency}: details`);
    out.push(renderLevel(r.detail, level.detail, sweep ? "####" : "###", i === 0));
  });
  const first = r.detail.levels[0];
  if (first) out.push(renderSeedComparison(r, first));
  return out.join("\n\n");
}

/** "+20.4 % (+3.1…+41.0 %), +8.2 ms": a degradation with its 95 % interval and its change in ms. */
export function fmtDegradation(ev: DegradationEvidence | undefined): string {
  if (!ev) return "—";
  const ci = ev.ci ? ` (${fmtSignedPct(ev.ci.lower).replace(/ %$/, "")}…${fmtSignedPct(ev.ci.upper)})` : "";
  return `${fmtSignedPct(ev.estimate)}${ci}, ${ev.deltaMs >= 0 ? "+" : "−"}${fmtMs(Math.abs(ev.deltaMs))}`;
}

/** The level's verdict: its status, then what failed and what was inconclusive. */
function levelVerdict(l: ConversationLevel, gating: boolean): string {
  const failed = l.verdicts.filter((v) => v.status === "fail").map((v) => v.threshold);
  const unsure = l.verdicts.filter((v) => v.status === "inconclusive");
  const noise = l.verdicts.filter((v) => v.status === "pass" && v.reason).map((v) => v.threshold);
  const why = (r: string | undefined) => (r?.startsWith("client overloaded") ? "the client was overloaded" : "not distinguishable from noise");
  const parts = [
    failed.length ? `breaks ${failed.join(", ")}` : "",
    ...unsure.map((v) => `${v.threshold} undecided: ${why(v.reason)}`),
    noise.length ? `${noise.join(", ")} breached within noise` : "",
    gating ? "" : "not gating",
  ].filter(Boolean);
  return `${STATUS_ICON[l.status]}${parts.length ? `: ${parts.join("; ")}` : ""}`;
}

/** The degradation figures the verdicts were taken on: one column per degradation threshold (pooled TTFT without any). */
const DEGRADATION_COLUMNS: Record<string, { title: string; cell: (l: ConversationLevel) => string }> = {
  "degradation.ttft": { title: "TTFT degradation (pooled)", cell: (l) => fmtDegradation(l.detail.degradation?.ttft) },
  "degradation.e2e": { title: "E2E degradation (pooled)", cell: (l) => fmtDegradation(l.detail.degradation?.e2e) },
  "degradation.ttft_max": {
    title: "TTFT degradation, worst session",
    cell: (l) => {
      const w = l.detail.degradation?.worstSession;
      return w ? `${fmtDegradation(w.evidence)} (session ${w.iteration})` : "—";
    },
  },
};

function renderSweep(d: ConversationDetail, headline: string | undefined): string {
  const out: string[] = ["### Concurrency sweep"];
  const judged = [...new Set(d.levels.flatMap((l) => l.verdicts.map((v) => v.metric)))].filter((m) => m in DEGRADATION_COLUMNS);
  const degCols = (judged.length ? judged : ["degradation.ttft"]).map((m) => DEGRADATION_COLUMNS[m]!);
  const gating = (l: ConversationLevel) => d.gatingUpTo === undefined || l.concurrency <= d.gatingUpTo;
  out.push(
    table(
      ["Sessions at once", "Requests ok", "TTFT p50", "TTFT p90", "TTFT p99", "E2E p50", "E2E p90", "Per-stream tok/s", "Total tok/s", ...degCols.map((c) => c.title), "Verdict"],
      d.levels.map((l) => {
        const o = l.detail.overall;
        return [
          String(l.concurrency),
          `${l.requests.ok}/${l.requests.total}`,
          fmtMs(o.ttft?.p50),
          fmtMs(o.ttft?.p90),
          fmtMs(o.ttft?.p99),
          fmtMs(o.e2e?.p50),
          fmtMs(o.e2e?.p90),
          fmtNum(o.outputTps?.mean),
          fmtNum(l.detail.totalOutputTps),
          ...degCols.map((c) => c.cell(l)),
          levelVerdict(l, gating(l)),
        ];
      }),
    ),
  );
  if (headline) out.push(paragraph(strong(`${headline.charAt(0).toUpperCase()}${headline.slice(1)}.`)));
  out.push(
    "Per-stream tok/s is the mean decode speed one session sees; total tok/s is every output token of the level over its wall time, what the server delivered to all sessions together. " +
      "Degradation: estimate (95 % bootstrap interval), change of the window means; how a breach is judged against noise: Method.",
  );
  return out.join("\n\n");
}

/** One level's tables; `explain`: say what the degradation column means (once, at the first level). */
function renderLevel(top: ConversationDetail, d: ConversationLevelDetail, h: string, explain: boolean): string {
  const out: string[] = [];
  out.push(`${h} Per session`);
  out.push(
    table(
      ["Session", ...top.windows.map((w) => `TTFT ${turnsLabel(w)}`), "Degradation (95 % interval), change", "Duration", "Output tok/s", "E2E mean", "Requests ok"],
      [...d.perIteration].sort((a, b) => a.iteration - b.iteration).map((p) => [
        String(p.iteration),
        ...p.windowTtftMeans.map(fmtMs),
        p.degradationEvidence ? fmtDegradation(p.degradationEvidence) : fmtSignedPct(p.degradation),
        fmtDuration(p.durationMs),
        fmtNum(p.outputTpsMean),
        fmtMs(p.e2eMean),
        `${p.ok}/${p.requests}`,
      ]),
    ),
  );
  if (explain)
    out.push(
      "Degradation = mean TTFT of the last window / mean TTFT of the first window − 1: **positive means slower** at the end of the conversation; then its 95 % bootstrap interval and the change of the two means (how a breach is judged against noise: Method).",
    );

  out.push(`${h} Per window of turns (all sessions pooled)`);
  out.push(
    table(
      ["Turns", "n", "TTFT mean", "TTFT std", "TTFT p90", "E2E mean", "Prompt tokens (mean)", "Cached tokens (mean)"],
      d.perWindow.map((w) => [
        turnsLabel(w.window),
        String(w.n),
        fmtMs(w.ttft?.mean),
        fmtMs(w.ttft?.std),
        fmtMs(w.ttft?.p90),
        fmtMs(w.e2e?.mean),
        fmtNum(w.promptTokensMean, 0),
        fmtNum(w.cachedTokensMean, 0),
      ]),
    ),
  );

  out.push(`${h} TTFT per turn`);
  out.push(
    table(
      ["Turn", "n", "TTFT mean", "min", "p50", "max", "E2E mean", "Prompt tokens", "Cached tokens"],
      d.perTurn.map((t) => [
        String(t.turn),
        String(t.n),
        fmtMs(t.ttft?.mean),
        fmtMs(t.ttft?.min),
        fmtMs(t.ttft?.p50),
        fmtMs(t.ttft?.max),
        fmtMs(t.e2eMean),
        fmtNum(t.promptTokensMean, 0),
        fmtNum(t.cachedTokensMean, 0),
      ]),
    ),
  );

  out.push(`${h} TTFT against history length`);
  if (d.trend) {
    const share =
      d.trend.explainedShare !== undefined && d.trend.r2 >= 0.3
        ? ` Between the first and the last window, the fit attributes **${fmtPct(d.trend.explainedShare)}** of the change in mean TTFT to the longer prompt.`
        : "";
    out.push(
      `TTFT ${d.trend.slopeMsPer1k >= 0 ? "grows" : "falls"} by **${fmtNum(Math.abs(d.trend.slopeMsPer1k))} ms per 1 000 prompt tokens** (least-squares fit over ${d.trend.n} requests, r² = ${fmtNum(d.trend.r2, 2)}).${share}` +
        (d.trend.r2 < 0.3 ? " The fit is weak (r² < 0.3): prompt length explains little of the variation in TTFT (with prefix caching, each turn prefills only the new tokens, so a flat TTFT is expected)." : ""),
    );
  } else {
    out.push("Not enough streamed requests with prompt token counts to fit a trend (needs 3 and varying prompt lengths).");
  }
  return out.join("\n\n");
}

function renderSeedComparison(r: ScenarioResult<ConversationDetail>, level: ConversationLevel): string {
  const out: string[] = [];
  const d = { ...level.detail, turns: r.detail.turns, iterations: r.detail.iterations };

  out.push(`### Against the seed report (Phase 2.2)${r.detail.levels.length > 1 ? `, at concurrency ${level.concurrency}` : ""}`);
  out.push(
    "The seed's “TTFT” was the full response time of a non-streamed request, so it compares with our **E2E latency**, not with our TTFT; its “tok/s” was output tokens over that full time. The seed's thresholds are shown beside the figure they were applied to; the default thresholds gate both that figure and the true one.",
  );
  const s = r.detail.seed;
  const worst = level.detail.degradation?.worstSession;
  out.push(
    table(
      ["Figure", "Seed report", "Seed's threshold", "This run"],
      [
        ["“TTFT” as the seed measured it = E2E latency of a turn (mean)", fmtMs(s.reportedTtftMs), "< 4000 ms (e2e.mean)", fmtMs(d.overall.e2e?.mean)],
        ["Spread of that figure (std)", fmtMs(s.reportedTtftStdMs), "< 200 ms (gated on true TTFT: ttft.std)", fmtMs(d.overall.e2e?.std)],
        ["True TTFT (first streamed token, mean)", "not measured", "—", fmtMs(d.overall.ttft?.mean)],
        ["True TTFT spread (std)", "not measured", "—", fmtMs(d.overall.ttft?.std)],
        ["“Tok/s” as the seed measured it = output tokens / E2E (mean)", fmtNum(s.tokensPerSecond), "> 35 (e2e_output_tps.mean)", fmtNum(d.overall.e2eOutputTps?.mean)],
        ["Decode speed: output tok/s after the first token (mean)", "not measured", "—", fmtNum(d.overall.outputTps?.mean)],
        [
          "Worst session degradation (TTFT; the seed's was of its “TTFT”)",
          `${fmtPct(s.worstDegradation)} (sign lost: was −13.7 %)`,
          "< 20 % (degradation.ttft_max, against noise)",
          worst ? `${fmtDegradation(worst.evidence)} (session ${worst.iteration})` : fmtSignedPct(level.metrics["degradation.ttft_max"]?.value),
        ],
        ["Turns × sessions", `${s.turns} × ${s.iterations}`, "—", `${d.turns} × ${d.sessions}`],
      ],
    ),
  );
  return out.join("\n\n");
}
