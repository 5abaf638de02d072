/**
 * The load scenario's section of the Markdown report. A single stage gets its schedule,
 * latency, client-lag, length and goodput tables; a sweep gets one row per stage in a few
 * tables (rates, latency, client), its findings listed by stage, and what its stages share
 * (lengths, calibration, method) once.
 */
import type { Summary } from "../metrics/index.js";
import { calibrationLevels } from "../calibrate/floor.js";
import type { Calibration } from "../calibrate/index.js";
import type { CalibrationView, LoadDetail, LoadResultDetail, LoadSweepDetail } from "../scenarios/load/analyze.js";
import type { LengthFigures } from "../scenarios/load/findings.js";
import type { ScenarioResult } from "../scenarios/types.js";
import { fmtMs, fmtNum, fmtPct, fmtSignedPct } from "./format.js";
import { bullets, paragraph, quote, strong, table, text } from "./md.js";

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
const inFlight = (v: number | undefined) => (v === undefined ? "—" : Number.isInteger(v) ? String(v) : fmtNum(v, 1));

export function renderLoadSection(res: ScenarioResult<LoadResultDetail>): string {
  return res.detail.sweep ? renderSweep(res as ScenarioResult<LoadSweepDetail>) : renderStage(res as ScenarioResult<LoadDetail>, "###");
}

/** What a stage's row says of it: saturated, client-limited, or nothing. */
function finding(d: LoadDetail): string {
  const parts = [d.saturation?.saturated ? "saturated" : "", d.clientLimited ? "client-limited" : ""].filter(Boolean);
  return parts.length ? parts.join(", ") : "—";
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
      d.firstSaturated
        ? [
            "; the server kept up ",
            d.keptUp ? ["to ", strong(rate(d.keptUp.rate)), ` (${d.keptUp.stage})`] : "with none of them",
            " and ",
            strong(`saturated ${d.firstSaturated.allFaster ? "from" : "at"} ${rate(d.firstSaturated.rate)}`),
            ` (${d.firstSaturated.stage}${d.firstSaturated.allFaster ? "" : "; not at every faster rate"})`,
          ]
        : "",
      d.maxGoodput ? ["; best goodput ", strong(rate(d.maxGoodput.value)), " at stage ", text(d.maxGoodput.stage)] : "",
      ".",
    ),
  );
  const hasGoodput = d.stages.some((s) => s.result.detail.goodput !== undefined);
  out.push(
    table(
      ["Stage", "Load", "n", "Sent/s", "Completed/s", "Output tok/s", "In flight (mean)", ...(hasGoodput ? ["Goodput"] : []), "Errors", "Finding"],
      d.stages.map(({ stage, result: r }) => {
        const s = r.detail;
        const open = stage.mode !== "closed";
        return [
          text(stage.name),
          open ? `${stage.mode} ${fmtNum(stage.rate, 2)} req/s` : `${stage.concurrency} in flight`,
          String(s.exclusions.measured),
          rate(s.achievedRate),
          rate(s.throughput),
          fmtNum(s.outputTpsTotal, 0),
          inFlight(s.inFlightMean),
          ...(hasGoodput ? [s.goodput === undefined ? "—" : `${rate(s.goodput)} (${fmtPct(s.goodputFraction)})`] : []),
          String(r.requests.failed),
          finding(s),
        ];
      }),
    ),
  );
  out.push(
    "n: the stage's requests left after the ramp-up, warm-up and cool-down windows; the figures rest on those that succeeded (Errors counts the others). In flight: requests at the server on average over the stage's busy span. Saturated: requests arrived faster than they ended and piled up; client-limited: the client's own lateness is in the percentiles (rules: docs/load.md).",
  );
  out.push("#### Latency by stage");
  out.push(
    table(
      ["Stage", "TTFT p50", "TTFT p90", "TTFT p99", "E2E p50", "E2E p99", "TPOT p50", "TPOT p99", "ITL p99"],
      d.stages.map(({ stage, result: r }) => {
        const l = r.detail.latency;
        const open = stage.mode !== "closed";
        const ttft = open ? l.ttftFromIntended : l.ttft;
        const e2e = open ? l.e2eFromIntended : l.e2e;
        return [text(stage.name), fmtMs(ttft?.p50), fmtMs(ttft?.p90), fmtMs(ttft?.p99), fmtMs(e2e?.p50), fmtMs(e2e?.p99), fmtMs(l.tpot?.p50), fmtMs(l.tpot?.p99), fmtMs(l.itl?.p99)];
      }),
    ),
  );
  out.push("Open-loop stages' TTFT and E2E are from the intended send time (what a user arriving on schedule waited); closed-loop stages' from the actual send.");
  out.push("#### Client by stage");
  const calibrated = d.calibration !== undefined && !("error" in d.calibration);
  out.push(
    table(
      ["Stage", "Lag p50", "Lag p99", "Own lag p95", "Late by its own doing", "Slot waits", ...(calibrated ? ["Client-added TTFT p99 at its concurrency", "Of TTFT p50"] : [])],
      d.stages.map(({ stage, result: r }) => {
        const s = r.detail;
        const open = stage.mode !== "closed";
        const f = s.calibration?.floor;
        return [
          text(stage.name),
          open ? fmtMs(s.clientLag?.p50) : "—",
          open ? fmtMs(s.clientLag?.p99) : "—",
          open ? fmtMs(s.clientLimit?.ownP95) : "—",
          open && s.clientLimit ? `${s.clientLimit.late} of ${s.clientLimit.sends}` : "—",
          open ? String(s.slotWaits) : "—",
          ...(calibrated ? [f ? `${f.basis === "below" ? "≤ " : f.basis === "above" ? "≥ " : ""}${fmtMs(f.p99)} (${floorBasis(f)})` : "—", fmtPct(s.calibration?.floorShare)] : []),
        ];
      }),
    ),
  );
  out.push(
    `Lag: actual − intended send (open loop); own lag: less any wait for an in-flight slot (a slot wait is the server's slowness at the cap). Late by its own doing: sends whose own lag passed max_client_lag_ms (${fmtMs(d.stages[0]?.result.detail.maxClientLagMs)}).` +
      (calibrated ? " Client-added TTFT: the client's noise floor from the calibration at the stage's concurrency (closed loop: its concurrency; open loop: its mean in flight), interpolated between calibrated levels." : ""),
  );
  const stageFindings = d.stages.flatMap(({ stage, result }) => result.detail.findings.map((f) => [strong(stage.name), ": ", text(f, 2000)]));
  if (stageFindings.length) {
    out.push("#### Findings by stage");
    out.push(bullets(stageFindings));
  }
  out.push(renderLengths(d.lengths, "####"));
  if (d.calibration) out.push(renderCalibration(d.calibration, "####"));
  return out.join("\n\n");
}

function floorBasis(f: NonNullable<CalibrationView["floor"]>): string {
  const c = inFlight(f.concurrency);
  if (f.basis === "measured") return `at ${c}`;
  if (f.basis === "interpolated") return `at ${c}, between ${f.from.join(" and ")}`;
  return `at ${c}, from the level ${f.from[0]}`;
}

/** Prompt and reply lengths: asked against the server's counts. */
function renderLengths(l: LengthFigures, h: "###" | "####"): string {
  const out = [`${h} Lengths`];
  const rows: string[][] = [];
  if (l.prompt)
    rows.push([
      "Prompt tokens",
      fmtNum(l.prompt.asked, 1),
      `${fmtNum(l.prompt.counted, 1)}${l.prompt.template ? ` (+ ${l.prompt.template.count} of chat template, ${l.prompt.template.basis})` : " (chat template included)"}`,
      fmtSignedPct(l.prompt.error),
      `${l.prompt.exact} of ${l.prompt.n}`,
    ]);
  if (l.output) rows.push(["Output tokens", fmtNum(l.output.asked, 1), fmtNum(l.output.counted, 1), fmtSignedPct(l.output.error), `${l.output.exact} of ${l.output.n}`]);
  if (rows.length === 0) {
    out.push("The server gave no token counts (usage): lengths cannot be checked.");
    return out.join("\n\n");
  }
  out.push(table(["", "Asked (mean)", "Server's count (mean)", "Error (mean)", "Exact"], rows));
  out.push(
    "Server's count: usage.prompt_tokens less the chat template's tokens (measured through the server's tokenizer before the run, or inferred from the dataset's exact counts), and usage.completion_tokens. Error: mean of (counted − asked) / asked.",
  );
  return out.join("\n\n");
}

/** The client's self-calibration: its noise floor per level and its capacity, and (for one stage) the stage against them. */
function renderCalibration(cal: Calibration | { error: string }, h: "###" | "####", view?: CalibrationView): string {
  const out = [`${h} Client calibration`];
  if ("error" in cal) {
    out.push(paragraph("Calibration failed: ", text(cal.error, 400), ". The run has no measured noise floor."));
    return out.join("\n\n");
  }
  const c = cal.capacity;
  const f = view?.floor;
  out.push(
    table(
      ["Figure", "Measured", "Run against it"],
      [
        ...calibrationLevels(cal).map((l) => {
          const t = l.clientAddedTtftMs;
          return [`Client-added TTFT at ${l.concurrency} in flight (p50 / p99 / max, n)`, t ? `${fmtMs(t.p50)} / ${fmtMs(t.p99)} / ${fmtMs(t.max)}, n=${t.n}` : "—", ""];
        }),
        ...(f
          ? [[`Client-added TTFT at the run's ${inFlight(f.concurrency)} in flight`, `p99 ${f.basis === "below" ? "≤ " : f.basis === "above" ? "≥ " : ""}${fmtMs(f.p99)} (${floorBasis(f)})`, view?.floorShare !== undefined ? `${fmtPct(view.floorShare)} of the run's TTFT p50` : "—"]]
          : []),
        [
          `Output chunks/s the client took in (${c.concurrency} streams)`,
          `${c.limitedBy === "server" ? "≥ " : ""}${fmtNum(c.chunksPerSec, 0)} chunks/s, ${fmtNum(c.requestsPerSec, 0)} req/s (client CPU ${fmtPct(c.clientCpu)} of a core; limited by the ${c.limitedBy})`,
          view?.capacityShare !== undefined ? `run: ${fmtPct(view.capacityShare)} of it` : "—",
        ],
      ],
    ),
  );
  out.push(
    `Measured before the run against the simulator in its own process, at ${cal.inputTokens} prompt and ${cal.outputTokens} output tokens: client-added TTFT is the client's TTFT minus the instant the simulator's first-token bytes left for the kernel; between calibrated levels it is interpolated. ${view?.beyond ? "**The run went beyond it: see the notes under Method.**" : ""}`.trim(),
  );
  return out.join("\n\n");
}

function renderStage(res: ScenarioResult<LoadDetail>, h: "###" | "####"): string {
  const d = res.detail;
  const out: string[] = [];
  const sat = d.saturation;
  if (sat?.saturated) {
    out.push(
      quote(
        strong("The server did not keep up."),
        ` In the second half of the sending span ${fmtNum(sat.arrivalRate, 2)} req/s arrived and ${fmtNum(sat.completionRate, 2)} req/s ended; requests outstanding grew from ${sat.outstandingMid} to ${sat.outstandingEnd} (max ${sat.outstandingMax})${sat.backlogIn === "slots" ? `, waiting in the client for one of the ${d.concurrency} in-flight slots (the server's slowness at that many in flight, not the client's)` : sat.serverQueue && sat.serverQueue.max > 0 ? `, the server's own queue up to ${fmtNum(sat.serverQueue.max, 0)}` : ""}. Latencies grow with the run's length: they describe this run, not a steady state. See the notes under Method.`,
      ),
    );
  }
  if (d.clientLimited && d.clientLimit) {
    out.push(
      quote(
        strong("Client-limited: the client's own lateness is in these percentiles."),
        ` ${d.clientLimit.late} of ${d.clientLimit.sends} sends left more than ${fmtMs(d.maxClientLagMs)} late by the client's own doing (own lag p95 ${fmtMs(d.clientLimit.ownP95)}). See the client lag table and the notes under Method.`,
      ),
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
        ...(sat
          ? [
              [
                "Arrived vs ended (second half of the sending span)",
                `${fmtNum(sat.arrivalRate, 2)} vs ${fmtNum(sat.completionRate, 2)} req/s (${sat.arrivals} vs ${sat.completions}); outstanding ${sat.outstandingMid} → ${sat.outstandingEnd}, max ${sat.outstandingMax}${sat.serverQueue ? `; server queue ${fmtNum(sat.serverQueue.first, 1)} → ${fmtNum(sat.serverQueue.last, 1)}, max ${fmtNum(sat.serverQueue.max, 0)}` : ""}`,
              ],
            ]
          : []),
        ["Requests in flight (mean)", inFlight(d.inFlightMean)],
        ["Output tokens per second (all requests)", d.outputTpsTotal === undefined ? "—" : `${fmtNum(d.outputTpsTotal)} tok/s`],
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
          ["… of which the client's own (no slot wait)", ...STATS.map((st) => statCell(d.dispatchLag, st))],
          ["Wait for a concurrency slot (sends that waited)", ...STATS.map((st) => statCell(d.slotWait, st))],
        ],
      ),
    );
    const c = d.clientLimit;
    out.push(
      `${d.lateSends} send(s) later than 1 ms; ${d.slotWaits} waited for a concurrency slot (the server's slowness at the cap, not the client's). ` +
        (c
          ? `Rule: client-limited when more than 5 % of the sends (at 95 % confidence) leave over max_client_lag_ms (${fmtMs(d.maxClientLagMs)}) late by the client's own doing and that lag's p95 is at least 10 % of the ${c.reference?.name ?? "latency"} median — here ${c.late} of ${c.sends} (at least ${fmtPct(c.lateShareLow)}), p95 ${fmtMs(c.ownP95)}${c.reference ? ` for a median of ${fmtMs(c.reference.p50)}` : ""}: ${d.clientLimited ? "**client-limited**" : "not client-limited"}.`
          : ""),
    );
  }
  out.push(renderLengths(d.lengths, h));
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
  if (d.calibration) {
    const cal = d.calibration.result ?? (d.calibration.error !== undefined ? { error: d.calibration.error } : undefined);
    if (cal) out.push(renderCalibration(cal, h, d.calibration));
  }
  return out.join("\n\n");
}
