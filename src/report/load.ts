/** The load scenario's section of the Markdown report. */
import type { Summary } from "../metrics/index.js";
import type { Calibration } from "../calibrate/index.js";
import type { CalibrationView, LoadDetail, LoadResultDetail, LoadSweepDetail } from "../scenarios/load/analyze.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct, fmtSignedPct } from "./format.js";
import { heading, paragraph, strong, table, text } from "./md.js";

const STATS = ["n", "mean", "p50", "p90", "p99", "max"] as const;

function statCell(s: Summary | undefined, stat: (typeof STATS)[number]): string {
  if (!s) return "—";
  return stat === "n" ? String(s.n) : fmtMs(s[stat]);
}

function latencyRows(label: string, s: Summary | undefined, fromIntended?: Summary): string[][] {
  const rows = [[label, ...STATS.map((st) => statCell(s, st))]];
  if (fromIntended) rows.push([`${label} from intended send`, ...STATS.map((st) => statCell(fromIntended, st))]);
  return rows;
}

const rate = (v: number | undefined) => (v === undefined ? "—" : `${fmtNum(v, 2)} req/s`);

export function renderLoadSection(res: ScenarioResult<LoadResultDetail>): string {
  return res.detail.sweep ? renderSweep(res as ScenarioResult<LoadSweepDetail>) : renderStage(res as ScenarioResult<LoadDetail>, "###");
}

function renderSweep(res: ScenarioResult<LoadSweepDetail>): string {
  const d = res.detail;
  const out: string[] = ["### Sweep"];
  out.push(
    paragraph(
      "Synchronous rate (1 in flight): ",
      strong(rate(d.syncRate)),
      "; maximum throughput: ",
      strong(rate(d.maxThroughput)),
      `; ${d.stages.filter((s) => s.stage.mode !== "closed").length} ${d.arrival} stage(s) between`,
      d.maxGoodput ? ["; best goodput ", strong(rate(d.maxGoodput.value)), " at stage ", text(d.maxGoodput.stage), "."] : ".",
    ),
  );
  out.push(
    table(
      ["Stage", "Load", "n (measured)", "Achieved send rate", "Completed/s", "Output tok/s", "TTFT p50", "TTFT p99", "TPOT p50", "E2E p99", "Goodput", "Client lag p99", "Errors"],
      d.stages.map(({ stage, result: r }) => {
        const s = r.detail;
        const open = stage.mode !== "closed";
        const ttft = open ? s.latency.ttftFromIntended : s.latency.ttft;
        const e2e = open ? s.latency.e2eFromIntended : s.latency.e2e;
        return [
          [text(stage.name), s.clientLimited && " ⚠️"],
          open ? `${stage.mode} ${fmtNum(stage.rate, 2)} req/s` : `${stage.concurrency} in flight`,
          String(s.exclusions.measured),
          rate(s.achievedRate),
          rate(s.throughput),
          fmtNum(s.outputTpsTotal, 0),
          fmtMs(ttft?.p50),
          fmtMs(ttft?.p99),
          fmtMs(s.latency.tpot?.p50),
          fmtMs(e2e?.p99),
          s.goodput === undefined ? "—" : `${rate(s.goodput)} (${fmtPct(s.goodputFraction)})`,
          open ? fmtMs(s.clientLag?.p99) : "—",
          String(r.requests.failed),
        ];
      }),
    ),
  );
  out.push(
    "n: the stage's requests left after the ramp-up, warm-up and cool-down windows; the figures rest on those that succeeded (Errors counts the others). Open-loop stages' TTFT and E2E are from the intended send time; ⚠️ marks a client-limited stage, whose percentiles are not the server's.",
  );
  if (d.calibration) out.push(renderCalibration(d.calibration, "###"));
  for (const { stage, result } of d.stages) {
    out.push(heading(3, "Stage ", text(stage.name)));
    out.push(renderStage(result, "####"));
  }
  return out.join("\n\n");
}

/** The client's self-calibration: its noise floor and capacity, and (for one stage) the run against them. */
function renderCalibration(cal: Calibration | { error: string }, h: "###" | "####", view?: CalibrationView): string {
  const out = [`${h} Client calibration`];
  if ("error" in cal) {
    out.push(paragraph("Calibration failed: ", text(cal.error, 400), ". The run has no measured noise floor."));
    return out.join("\n\n");
  }
  const t = cal.clientAddedTtftMs;
  const c = cal.capacity;
  out.push(
    table(
      ["Figure", "Measured", "Run against it"],
      [
        [
          `Client-added TTFT at ${cal.concurrency} in flight (p50 / p99 / max, n)`,
          t ? `${fmtMs(t.p50)} / ${fmtMs(t.p99)} / ${fmtMs(t.max)}, n=${t.n}` : "—",
          view?.floorShare !== undefined ? `p99 = ${fmtPct(view.floorShare)} of the run's TTFT p50` : "—",
        ],
        [
          `Output chunks/s the client took in (${c.concurrency} streams)`,
          `${c.limitedBy === "server" ? "≥ " : ""}${fmtNum(c.chunksPerSec, 0)} chunks/s, ${fmtNum(c.requestsPerSec, 0)} req/s (client CPU ${fmtPct(c.clientCpu)} of a core; limited by the ${c.limitedBy})`,
          view?.capacityShare !== undefined ? `run: ${fmtPct(view.capacityShare)} of it` : "—",
        ],
      ],
    ),
  );
  out.push(
    `Measured before the run against the simulator in its own process, at ${cal.inputTokens} prompt and ${cal.outputTokens} output tokens: client-added TTFT is the client's TTFT minus the instant the simulator's first-token bytes left for the kernel. ${view?.beyond ? "**The run went beyond it: see the notes under Method.**" : ""}`.trim(),
  );
  return out.join("\n\n");
}

function renderStage(res: ScenarioResult<LoadDetail>, h: "###" | "####"): string {
  const d = res.detail;
  const out: string[] = [];
  if (d.clientLimited) {
    out.push(
      `> ⚠️ **Client-limited: these latency percentiles are not the server's.** The p99 lag between intended and actual send is ${fmtMs(d.clientLag?.p99)}, above max_client_lag_ms (${fmtMs(d.maxClientLagMs)}). See the client lag table and the notes under Method.`,
    );
  }
  out.push(`${h} Schedule`);
  out.push(
    table(
      ["", ""],
      [
        ["Mode", d.open ? `open loop, ${d.mode}${d.burstiness !== undefined ? ` (burstiness ${d.burstiness})` : ""}` : "closed loop"],
        [d.open ? "Most in flight" : "In flight", String(d.concurrency)],
        ...(d.open ? [["Target rate", rate(d.targetRate)]] : []),
        ["Achieved send rate", `${rate(d.achievedRate)}${d.open ? ` (${fmtSignedPct(res.metrics["rate_error"]?.value)} vs target)` : ""}`],
        ["Requests", `${d.sent} sent of ${d.planned} planned${d.notSent ? ` (${d.notSent} not sent)` : ""}`],
        [
          "Excluded",
          (d.exclusions.rampUpS ?? 0) + d.exclusions.warmupS + d.exclusions.cooldownS === 0
            ? `none (no ramp-up, warm-up or cool-down window); figures rest on ${d.exclusions.measured}`
            : `${d.exclusions.rampUp ?? 0} in the ramp-up (first ${d.exclusions.rampUpS ?? 0} s), ${d.exclusions.warmup} in the warm-up (${d.exclusions.warmupS} s after it), ${d.exclusions.cooldown} in the cool-down (last ${d.exclusions.cooldownS} s); figures rest on ${d.exclusions.measured}`,
        ],
        ["Completed (ok) per second", rate(d.throughput)],
        ["Output tokens per second (all requests)", d.outputTpsTotal === undefined ? "—" : `${fmtNum(d.outputTpsTotal)} tok/s`],
        [
          "Tokens per request (mean)",
          `${fmtNum(d.tokens.promptMean, 0)} prompt${d.tokens.inputMean !== undefined ? ` (${fmtNum(d.tokens.inputMean, 0)} by the dataset's tokenizer, + ${fmtNum(d.tokens.templateOverhead?.mean, 1)} of chat template)` : ""}, ${fmtNum(d.tokens.outputMean, 0)} output (${fmtNum(d.tokens.outputAsked, 0)} asked${d.tokens.outputExact ? `; exact in ${d.tokens.outputExact.n} of ${d.tokens.outputExact.of}` : ""})`,
        ],
      ],
    ),
  );
  out.push(`${h} Latency`);
  out.push(
    table(
      ["Figure", ...STATS],
      [
        ...latencyRows("TTFT", d.latency.ttft, d.open ? d.latency.ttftFromIntended : undefined),
        ...latencyRows("E2E", d.latency.e2e, d.open ? d.latency.e2eFromIntended : undefined),
        ...latencyRows("TPOT", d.latency.tpot),
        ...latencyRows("ITL", d.latency.itl),
      ],
    ),
  );
  out.push(
    d.open
      ? "Rows “from intended send” add the client's lag to the latency measured from the actual send: they are what a request arriving on schedule waited (no coordinated omission)."
      : "Closed loop: latencies are from the actual send; a closed loop cannot show queueing beyond its concurrency.",
  );
  if (d.open) {
    out.push(`${h} Client lag`);
    out.push(
      table(
        ["Figure", ...STATS],
        [
          ["Lag (actual − intended send)", ...STATS.map((st) => statCell(d.clientLag, st))],
          ["… of which the dispatcher's own", ...STATS.map((st) => statCell(d.dispatchLag, st))],
          ["Wait for a concurrency slot (sends that waited)", ...STATS.map((st) => statCell(d.slotWait, st))],
        ],
      ),
    );
    out.push(
      `${d.lateSends} send(s) later than 1 ms; ${d.slotWaits} waited for a concurrency slot. Limit: p99 lag ≤ ${fmtMs(d.maxClientLagMs)} (max_client_lag_ms) — ${d.clientLimited ? "**exceeded: client-limited**" : "met"}.`,
    );
  }
  out.push(`${h} Goodput`);
  const sloNames = Object.keys(d.slo) as (keyof LoadDetail["slo"])[];
  if (sloNames.length === 0) out.push("No SLO set (slo.ttft_ms, slo.tpot_ms, slo.e2e_ms): goodput not measured.");
  else {
    out.push(
      table(
        ["SLO", "Limit", "Measured requests missing it"],
        sloNames.map((k) => [
          k === "ttft_ms" ? `TTFT${d.open ? " from intended send" : ""}` : k === "e2e_ms" ? `E2E${d.open ? " from intended send" : ""}` : "TPOT",
          fmtMs(d.slo[k]),
          String(d.misses[k]),
        ]),
      ),
    );
    out.push(
      `Goodput: **${rate(d.goodput)}** — ${d.good ?? 0} of ${d.exclusions.measured} measured requests (${fmtPct(d.goodputFraction)}) succeeded and met every SLO.`,
    );
  }
  // A sweep shows the calibration once, above its stages.
  if (h === "###" && d.calibration) {
    const cal = d.calibration.result ?? (d.calibration.error !== undefined ? { error: d.calibration.error } : undefined);
    if (cal) out.push(renderCalibration(cal, h, d.calibration));
  }
  return out.join("\n\n");
}
