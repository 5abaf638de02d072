/**
 * report.md: the human report of a run. Pure: results in, text out, so a run folder can
 * be re-rendered offline. Text from the server, the model or the suite is built into the
 * Markdown by md.ts (the mdast library escapes it), never interpolated into Markdown strings.
 */
import type { ConversationDetail } from "../scenarios/conversation/analyze.js";
import type { MetricValue, ScenarioResult } from "../scenarios/types.js";
import type { RunResults } from "../store/run-folder.js";
import { skippedLinesNote } from "../store/run-folder.js"; // issue 10 item 7: skipped records.jsonl lines
import type { CacheDetail } from "../scenarios/cache/analyze.js";
import { cacheFigureLabel, renderCacheSection } from "./cache.js";
import { renderConversationSection } from "./conversation.js";
import { renderReasoningSection } from "./reasoning.js";
import { renderToolsSection } from "./tools.js";
import { renderLoadSection } from "./load.js";
import { renderSoakSection } from "./soak.js";
import { renderResourcesSection } from "./resources.js";
import type { SoakDetail } from "../scenarios/soak/analyze.js";
import type { LoadResultDetail } from "../scenarios/load/analyze.js";
import type { ToolsDetail } from "../scenarios/tools/analyze.js";
import type { ReasoningDetail } from "../scenarios/reasoning/analyze.js";
import { renderServerMetricsSection, type ServerIdentity } from "./server-metrics.js";
import { renderServerTruthSection } from "./server-truth.js";
import { fmtDuration, fmtMetric, fmtMs, STATUS_ICON } from "./format.js";
import { code, heading, paragraph, quote, strong, table, text, type Inline } from "./md.js";

/** What the report knows of a scenario kind: its section, its figures' names, what the synthesis shows. */
interface KindReport {
  render(r: ScenarioResult<never>): string;
  /** Labels of the kind's own figures (a function for figure families such as per-probe ones). */
  label(metric: string): string | undefined;
  /** Figures shown in the synthesis even without a threshold, in order. */
  keyFigures: readonly string[];
}

const fromTable = (t: Record<string, string>) => (m: string) => t[m];

const KIND_REPORTS: Record<string, KindReport> = {
  conversation: {
    render: (r) => renderConversationSection(r as unknown as ScenarioResult<ConversationDetail>),
    label: fromTable({
      "tpot.mean": "TPOT mean",
      "itl.p99": "ITL p99",
      "e2e.mean": "E2E latency of a turn (mean; the seed's “TTFT”)",
      "output_tps.mean": "Decode speed: output tok/s after the first token (mean)",
      "e2e_output_tps.mean": "End-to-end output tok/s: output tokens / E2E (mean; the seed's “tok/s”)",
      "degradation.ttft": "TTFT degradation, last vs first window (pooled)",
      "degradation.ttft_max": "TTFT degradation, worst session",
      "degradation.e2e": "E2E degradation, last vs first window (pooled)",
      total_output_tps: "Total output tok/s (all sessions)",
      max_concurrency_within_thresholds: "Highest concurrency within thresholds",
      ttft_slope_ms_per_1k: "TTFT slope per 1k prompt tokens",
      "prompt_tokens.max": "Largest prompt",
      "cached_tokens.mean": "Cached prompt tokens (mean)",
    }),
    keyFigures: [
      "ttft.mean",
      "ttft.std",
      "ttft.p90",
      "ttft.p99",
      "e2e.mean",
      "e2e_output_tps.mean",
      "tpot.mean",
      "output_tps.mean",
      "degradation.ttft",
      "degradation.ttft_max",
      "success_rate",
      "total_output_tps",
      "max_concurrency_within_thresholds",
      "ttft_slope_ms_per_1k",
      "prompt_tokens.max",
    ],
  },
  cache: {
    render: (r) => renderCacheSection(r as unknown as ScenarioResult<CacheDetail>),
    label: cacheFigureLabel,
    keyFigures: ["success_rate"],
  },
  reasoning: {
    render: (r) => renderReasoningSection(r as unknown as ScenarioResult<ReasoningDetail>),
    label: fromTable({
      "score.mean": "Task score (mean; human where reviewed)",
      "score.min": "Lowest task score",
      "auto_score.mean": "Automatic score (mean)",
      "judge_score.mean": "Judge score (mean)",
      "human_score.mean": "Human score (mean, reviewed runs)",
      pass_rate: "Task runs that pass",
      truncated_rate: "Answers cut by max_tokens",
      "ttfa.mean": "Time to first answer token (mean)",
      "output_tps.mean": "Output tok/s per request (mean)",
      "reasoning_tokens.mean": "Reasoning tokens (mean)",
      "answer_tokens.mean": "Answer tokens (mean)",
    }),
    keyFigures: [
      "score.mean",
      "pass_rate",
      "truncated_rate",
      "judge_score.mean",
      "human_score.mean",
      "ttft.mean",
      "ttfa.mean",
      "e2e.mean",
      "output_tps.mean",
      "reasoning_tokens.mean",
      "answer_tokens.mean",
      "success_rate",
    ],
  },
  tools: {
    render: (r) => renderToolsSection(r as unknown as ScenarioResult<ToolsDetail>),
    label: fromTable({
      call_accuracy: "Cases with the expected tool calls",
      pass_rate: "Case runs that pass every check",
      parser_failure_rate: "Tool calls leaked as text (parser failures)",
      json_validity_rate: "Cases whose call arguments are valid JSON",
      schema_validity_rate: "Cases whose call arguments match the schema",
      stream_mismatch_rate: "Streamed calls differing from non-streamed",
      final_answer_rate: "Final answers using the tool results",
      "steps.mean": "Assistant steps per case (mean)",
      "time_to_first_tool_call.mean": "Time to first tool call (mean)",
      "time_to_first_tool_call.p90": "Time to first tool call (p90)",
    }),
    keyFigures: [
      "call_accuracy",
      "parser_failure_rate",
      "json_validity_rate",
      "schema_validity_rate",
      "stream_mismatch_rate",
      "final_answer_rate",
      "pass_rate",
      "steps.mean",
      "time_to_first_tool_call.mean",
      "ttft.mean",
      "e2e.mean",
      "success_rate",
    ],
  },
  load: {
    render: (r) => renderLoadSection(r as unknown as ScenarioResult<LoadResultDetail>),
    label: fromTable({
      "ttft_from_intended.p50": "TTFT p50 from intended send",
      "ttft_from_intended.p99": "TTFT p99 from intended send",
      "e2e_from_intended.p99": "E2E p99 from intended send",
      "tpot.mean": "TPOT mean",
      "client_lag.p99": "Client lag p99 (actual − intended send)",
      late_sends: "Sends later than 1 ms",
      not_sent: "Planned requests not sent",
      excluded: "Requests excluded (ramp-up, warm-up, cool-down)",
      achieved_rate: "Achieved send rate (req/s)",
      rate_error: "Send rate vs target",
      throughput: "Completed requests per second",
      output_tps_total: "Output tok/s (all requests)",
      goodput: "Goodput (req/s within every SLO)",
      goodput_fraction: "Requests within every SLO",
      client_limited: "Stages client-limited (the client's own lateness in their percentiles)",
      saturated: "Stages where the server did not keep up (saturated)",
      completion_ratio: "Requests ended / arrived (second half of the sending span)",
      "in_flight.mean": "Requests in flight (mean)",
      prompt_length_error: "Prompt length vs asked (server's count)",
      output_length_error: "Reply length vs asked (server's count)",
      sync_rate: "Synchronous rate (1 in flight, req/s)",
      max_throughput: "Maximum throughput (req/s)",
      max_goodput: "Best goodput of a stage (req/s)",
      stages: "Stages run",
    }),
    keyFigures: [
      "achieved_rate",
      "rate_error",
      "ttft.p50",
      "ttft.p99",
      "ttft_from_intended.p99",
      "e2e.p90",
      "e2e_from_intended.p99",
      "tpot.mean",
      "client_lag.p99",
      "client_limited",
      "saturated",
      "completion_ratio",
      "throughput",
      "output_tps_total",
      "goodput",
      "goodput_fraction",
      "excluded",
      "not_sent",
      "sync_rate",
      "max_throughput",
      "max_goodput",
      "stages",
      "prompt_length_error",
      "output_length_error",
      "success_rate",
    ],
  },
  soak: {
    render: (r) => renderSoakSection(r as unknown as ScenarioResult<SoakDetail>),
    label: fromTable({
      "tpot.p50": "TPOT p50",
      "drift.ttft_p90": "TTFT p90 drift over the soak (fitted)",
      "drift.ttft_p50": "TTFT p50 drift over the soak (fitted)",
      "drift.e2e_p90": "E2E p90 drift over the soak (fitted)",
      "drift.tpot_p50": "TPOT p50 drift over the soak (fitted)",
      "drift.output_tps": "Output tok/s drift over the soak (fitted)",
      "drift.error_rate": "Error-rate drift over the soak (points)",
      "drift.score": "Reasoning-score drift over the soak",
      output_tps: "Output tok/s (all requests)",
      error_rate: "Error rate",
      timeouts: "Timeouts",
      windows: "Full windows",
      "score.mean": "Reasoning score (mean)",
      "canary.changed": "Canary answers changed",
      "canary.match_rate": "Canary answers identical to the first",
      "canary.similarity_min": "Lowest canary similarity",
      "server.rss_slope_mb_per_h": "Server resident memory slope (MB/h)",
      "server.restarts": "Server restarts",
      "gpu.memory_slope_mib_per_h": "GPU memory slope (MiB/h)",
    }),
    keyFigures: ["ttft.p50", "ttft.p90", "e2e.p90", "tpot.p50", "output_tps", "drift.output_tps", "drift.error_rate", "timeouts", "windows", "score.mean", "canary.match_rate", "server.rss_slope_mb_per_h", "server.restarts", "gpu.memory_slope_mib_per_h"],
  },
};

/** Labels of figures every kind may publish. */
const COMMON_LABELS: Record<string, string> = {
  "ttft.mean": "TTFT mean",
  "ttft.std": "TTFT std dev",
  "ttft.p50": "TTFT p50",
  "ttft.p90": "TTFT p90",
  "ttft.p99": "TTFT p99",
  "e2e.mean": "E2E latency mean",
  "e2e.p90": "E2E latency p90",
  success_rate: "Success rate (HTTP exchanges)",
};

function figureLabel(kind: string, metric: string): string {
  return KIND_REPORTS[kind]?.label(metric) ?? COMMON_LABELS[metric] ?? metric;
}

function thresholdText(op: string, limit: number, unit: MetricValue["unit"]): string {
  return `${op} ${fmtMetric(limit, unit === "ratio" ? "fraction" : unit)}`;
}

function synthesis(r: ScenarioResult): string {
  const rows: Inline[][] = [];
  const seen = new Set<string>();
  for (const v of r.verdicts) {
    const mv = r.metrics[v.metric];
    const unit = mv?.unit ?? "ms";
    rows.push([
      figureLabel(r.kind, v.metric),
      fmtMetric(v.value, unit),
      thresholdText(v.op, v.limit, unit),
      v.reason ? [STATUS_ICON[v.status], " — ", text(v.reason, 300)] : STATUS_ICON[v.status],
      String(v.n ?? mv?.n ?? 0),
    ]);
    seen.add(v.metric);
  }
  for (const name of KIND_REPORTS[r.kind]?.keyFigures ?? []) {
    const mv = r.metrics[name];
    if (!mv || seen.has(name) || (mv.value === undefined && mv.n === 0)) continue;
    rows.push([figureLabel(r.kind, name), fmtMetric(mv.value, mv.unit), "", "", String(mv.n)]);
  }
  return table(["Figure", "Value", "Threshold", "Status", "n"], rows);
}

function scenarioSection(r: ScenarioResult, target?: ServerIdentity): string {
  const out: string[] = [];
  const passed = r.verdicts.filter((v) => v.status === "pass").length;
  out.push(heading(2, "Scenario ", code(r.name), ` (${r.kind})`));
  out.push(
    paragraph(
      strong(`Verdict: ${STATUS_ICON[r.status]}`),
      ` — ${passed}/${r.verdicts.length} thresholds met; ${r.requests.ok}/${r.requests.total} requests succeeded`,
      r.requests.stopped ? ` (${r.requests.stopped} more were cut in flight by the run's stop and are left out of every figure)` : "",
      ".",
      r.status === "incomplete" ? " The run stopped before this scenario's end: the verdicts rest on what was measured." : "",
      r.headline && [" It ", text(r.headline), "."],
    ),
  );
  out.push("### Synthesis");
  out.push(synthesis(r));
  const kind = KIND_REPORTS[r.kind];
  if (kind) out.push(kind.render(r as ScenarioResult<never>));
  if (r.server) {
    // The client/server TTFT comparison needs the scenario's own TTFT over the same window.
    const n = r.metrics["ttft.mean"]?.n ?? 0;
    const client = n > 0 ? { ttftMs: { mean: r.metrics["ttft.mean"]?.value, p50: r.metrics["ttft.p50"]?.value, p90: r.metrics["ttft.p90"]?.value, n } } : undefined;
    out.push(renderServerMetricsSection(r.server, client, { identity: target, perRequestTruth: r.serverTruth !== undefined }));
  }
  if (r.serverTruth) out.push(renderServerTruthSection(r.serverTruth));
  const resources = renderResourcesSection(r.gpu, r.serverProcess, Boolean(target?.simulated));
  if (resources) out.push(resources);
  if (r.errors.length > 0) {
    out.push("### Errors");
    out.push(table(["Error", "Count", "Example"], r.errors.map((e) => [text(e.kind), String(e.count), text(e.example)])));
  }
  out.push("### Method");
  const m: string[] = [
    `${r.requests.total} requests were sent${r.requests.stopped ? ` and ended (besides ${r.requests.stopped} cut in flight by the run's stop, recorded as aborted and left out of every figure and of success_rate: they are not the server's failures)` : ""}; figures rest on the ${r.requests.ok} that succeeded unless a row says otherwise (column n).`,
    "TTFT = first token-bearing streamed chunk (answer, reasoning or tool call) − request sent; E2E = last byte − request sent; TPOT = (E2E − TTFT) / (output tokens − 1); output tok/s per request = (output tokens − 1) / (E2E − TTFT). Clock: performance.now() in the client.",
    "Percentiles interpolate linearly between ranks (numpy's default); a p99 over fewer than 100 samples is mostly the maximum.",
    "Definitions, and how vLLM's benchmark, GuideLLM and AIPerf name the same figures: docs/metrics.md.",
    ...r.notes,
  ];
  out.push(m.map((x) => `- ${x}`).join("\n"));
  return out.join("\n\n");
}

/** The report in its parts: the run's header, then one section per scenario (report.html interleaves charts). */
export interface MarkdownReportParts {
  header: string;
  scenarios: { name: string; kind: string; markdown: string }[];
  /** Said when no scenario recorded anything. */
  empty?: string;
}

export function renderMarkdownReport(res: RunResults): string {
  const parts = renderMarkdownParts(res);
  return [parts.header, ...parts.scenarios.map((s) => s.markdown), ...(parts.empty ? [parts.empty] : [])].join("\n\n") + "\n";
}

export function renderMarkdownParts(res: RunResults): MarkdownReportParts {
  const out: string[] = [];
  const status = STATUS_ICON[res.status];
  out.push(heading(1, "shakedown report — ", text(res.suite.name)));
  const t = res.target;
  const targetText: Inline = [
    code(t.url, 400),
    t.simulated && [" — ", strong("shakedown's built-in simulator (profile ", code(t.simProfile ?? "?"), "), not a model")],
  ];
  out.push(
    table(
      ["", ""],
      [
        ["Run", code(res.runId)],
        ["Started (UTC)", res.startedAt],
        ["Duration", fmtDuration(res.durationMs)],
        ["Target", targetText],
        ["Model", text(t.model)],
        ...(t.serverHeader ? [["Server", text(t.serverHeader)]] : []),
        ...(t.metrics
          ? [["Server metrics", t.metrics.scraped ? [code(t.metrics.url, 400), ", polled during the run (server-metrics.jsonl)"] : ["not collected: ", text(t.metrics.reason ?? "?")]]]
          : []),
        ...(res.gpu
          ? [["GPU monitor", [text(`${res.gpu.source}${res.gpu.simulated ? " (the simulator's fake GPU)" : ""}`), ": ", text(res.gpu.gpus.map((g) => `GPU ${g.index}${g.name ? ` ${g.name}` : ""}`).join(", ") || "no GPU", 300), ", sampled during the run (gpu-metrics.jsonl)"]]]
          : []),
        ["Status", [strong(status), res.interruption && [" — ", text(res.interruption)]]],
        [
          "Warm-up",
          res.warmup.requests === 0
            ? "none"
            : `${res.warmup.ok}/${res.warmup.requests} request(s) before the scenarios (TTFT ${res.warmup.ttftMs.map((x) => fmtMs(x)).join(", ") || "—"}), excluded from every figure`,
        ],
        ["Requests recorded", `${res.records.count} (records.jsonl)${skippedLinesNote(res.records)}`],
        ["Tool", `${res.tool.name} ${res.tool.version}, Node ${res.host.node}, ${res.host.cpus} CPUs`],
      ],
    ),
  );
  if (t.simulated) {
    out.push(
      quote(
        strong("Simulated target."),
        " These figures describe shakedown's simulator (profile ",
        code(t.simProfile ?? "?"),
        ", a timing model of a vLLM-like server, see docs/simulator.md), not any model or GPU. Point ",
        code("--target"),
        " at a real server to measure one.",
      ),
    );
  }
  if (!res.complete) {
    out.push(
      quote(
        strong("Incomplete run"),
        " (",
        text(res.interruption ?? "interrupted"),
        "). Every request that ended is kept in records.jsonl and analysed below; verdicts rest on what was measured.",
      ),
    );
  }
  return {
    header: out.join("\n\n"),
    scenarios: res.scenarios.map((sc) => ({ name: sc.name, kind: sc.kind, markdown: scenarioSection(sc, res.target) })),
    ...(res.scenarios.length === 0 ? { empty: "No scenario recorded any request." } : {}),
  };
}
