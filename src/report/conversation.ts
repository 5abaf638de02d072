/** The conversation scenario's section of the Markdown report. */
import type { ConversationDetail, ConversationLevel, ConversationLevelDetail } from "../scenarios/conversation/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtDuration, fmtMs, fmtNum, fmtPct, fmtSignedPct, STATUS_ICON } from "./format.js";
import { paragraph, strong, table } from "./md.js";

const turnsLabel = (w: [number, number]) => (w[0] === w[1] ? `turn ${w[0]}` : `turns ${w[0]}-${w[1]}`);

export function renderConversationSection(r: ScenarioResult<ConversationDetail>): string {
  const out: string[] = [];
  const sweep = r.detail.levels.length > 1;
  if (sweep) out.push(renderSweep(r.detail));
  for (const level of r.detail.levels) {
    if (sweep) out.push(`### Concurrency ${level.concurrency}: details`);
    out.push(renderLevel(r.detail, level.detail, sweep ? "####" : "###"));
  }
  const first = r.detail.levels[0];
  if (first) out.push(renderSeedComparison(r, first));
  return out.join("\n\n");
}

function failedMetrics(l: ConversationLevel): string {
  const failed = l.verdicts.filter((v) => v.status === "fail").map((v) => v.threshold);
  return failed.length ? `fails ${failed.join(", ")}` : "";
}

function renderSweep(d: ConversationDetail): string {
  const out: string[] = ["### Concurrency sweep"];
  out.push(
    table(
      ["Sessions at once", "Requests ok", "TTFT p50", "TTFT p90", "TTFT p99", "E2E p50", "E2E p90", "Per-stream tok/s", "Total tok/s", "TTFT degradation", "Verdict"],
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
          fmtSignedPct(l.metrics["degradation.ttft"]?.value),
          `${STATUS_ICON[l.status]} ${failedMetrics(l)}`.trim(),
        ];
      }),
    ),
  );
  const max = d.maxConcurrencyWithinThresholds;
  const firstBreak = d.levels.find((l) => l.status === "fail" && (max === undefined || l.concurrency > max));
  out.push(
    paragraph(
      strong(max !== undefined ? `Holds ${max} concurrent ${d.turns}-turn conversation${max > 1 ? "s" : ""} within every threshold.` : "No level met every threshold."),
      firstBreak && ` At ${firstBreak.concurrency}, ${failedMetrics(firstBreak).replace(/^fails /, "it breaks ")}.`,
    ),
  );
  out.push(
    "Per-stream tok/s is the mean decode speed one session sees; total tok/s is every output token of the level over its wall time, what the server delivered to all sessions together.",
  );
  return out.join("\n\n");
}

function renderLevel(top: ConversationDetail, d: ConversationLevelDetail, h: string): string {
  const out: string[] = [];
  out.push(`${h} Per session`);
  out.push(
    table(
      ["Session", ...top.windows.map((w) => `TTFT ${turnsLabel(w)}`), "Degradation", "Duration", "Output tok/s", "E2E mean", "Success"],
      d.perIteration.map((p) => [
        String(p.iteration),
        ...p.windowTtftMeans.map(fmtMs),
        fmtSignedPct(p.degradation),
        fmtDuration(p.durationMs),
        fmtNum(p.outputTpsMean),
        fmtMs(p.e2eMean),
        `${p.ok}/${p.requests}`,
      ]),
    ),
  );
  out.push(
    "Degradation = mean TTFT of the last window / mean TTFT of the first window − 1: **positive means slower** at the end of the conversation.",
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
    "The seed's “TTFT” was the full response time of a non-streamed request, so it compares with our **E2E latency**, not with our TTFT; its “tok/s” was output tokens over that full time.",
  );
  const s = r.detail.seed;
  const worst = level.metrics["degradation.ttft_max"]?.value;
  out.push(
    table(
      ["Figure", "Seed report", "This run"],
      [
        ["“TTFT” as the seed measured it = E2E latency (mean)", fmtMs(s.reportedTtftMs), fmtMs(d.overall.e2e?.mean)],
        ["Spread of that figure (std)", fmtMs(s.reportedTtftStdMs), fmtMs(d.overall.e2e?.std)],
        ["True TTFT (first streamed token, mean)", "not measured", fmtMs(d.overall.ttft?.mean)],
        ["“Tok/s” as the seed measured it = output tokens / E2E (mean)", fmtNum(s.tokensPerSecond), fmtNum(d.overall.e2eOutputTps?.mean)],
        ["Decode speed: output tok/s after the first token (mean)", "not measured", fmtNum(d.overall.outputTps?.mean)],
        ["Worst iteration degradation", `${fmtPct(s.worstDegradation)} (sign lost: was −13.7 %)`, fmtSignedPct(worst)],
        ["Turns × iterations", `${s.turns} × ${s.iterations}`, `${d.turns} × ${d.iterations}`],
      ],
    ),
  );
  return out.join("\n\n");
}
