/**
 * Every text of the consolidated report, one table per language. The table's type is
 * `Messages`: a text missing from a language is a type error. Sentences are functions of the
 * figures they state, and each branch says only what its arguments hold (a figure that is
 * absent picks another wording, never a "—" inside a claim). sections.ts decides which
 * sentence applies; this file only words it.
 *
 * Pieces are md.ts inline pieces: a string is literal text (escaped by the Markdown library),
 * text()/code() wrap text that is not ours (run folders, model names, thresholds from a
 * suite), so nothing a run folder holds can become Markdown or HTML.
 */
import { code, strong, type Inline } from "../md.js";
import type { Fmt, FinalLang } from "./format.js";
import type { RunStatus } from "../../store/run-folder.js";
import { STATUS_ICON } from "../format.js";
import { gridMessagesEn, gridMessagesFr, type GridMessages } from "./grid-i18n.js";

/** The scenario kinds the report knows by name (others are shown by their kind string). */
export const KNOWN_KINDS = ["conversation", "cache", "reasoning", "tools", "load", "soak"] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

/** The use cases of the recommendations, in order. */
export const USE_CASES = ["agents", "reasoning", "tools", "load", "soak"] as const;
export type UseCase = (typeof USE_CASES)[number];

/** Figures shown by name in the results and the trade-offs (others appear in the appendix by their key). */
export const FIGURE_KEYS = [
  "ttft.mean",
  "ttft.std",
  "ttft.p50",
  "ttft.p90",
  "ttft.p99",
  "ttfa.mean",
  "e2e.mean",
  "e2e.p90",
  "tpot.mean",
  "tpot.p50",
  "output_tps.mean",
  "e2e_output_tps.mean",
  "degradation.ttft",
  "degradation.ttft_max",
  "degradation.e2e",
  "total_output_tps",
  "max_concurrency_within_thresholds",
  "cached_tokens.mean",
  "success_rate",
  "score.mean",
  "pass_rate",
  "truncated_rate",
  "call_accuracy",
  "parser_failure_rate",
  "json_validity_rate",
  "schema_validity_rate",
  "stream_mismatch_rate",
  "final_answer_rate",
  "time_to_first_tool_call.mean",
  "achieved_rate",
  "throughput",
  "output_tps_total",
  "ttft_from_intended.p99",
  "goodput",
  "goodput_fraction",
  "saturated",
  "client_limited",
  "sync_rate",
  "max_throughput",
  "max_goodput",
  "stages",
  "output_tps",
  "error_rate",
  "timeouts",
  "windows",
  "drift.ttft_p90",
  "drift.e2e_p90",
  "drift.tpot_p50",
  "drift.output_tps",
  "drift.error_rate",
  "drift.score",
  "canary.changed",
  "canary.match_rate",
  "server.rss_slope_mb_per_h",
  "server.restarts",
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

export const SECTION_KEYS = ["context", "methodology", "results", "tradeoffs", "recommendations", "appendices", "conclusion"] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** A threshold as the recommendations and the conclusion quote it: `ttft.mean < 4000` = 5 012 ms. */
export type VerdictPiece = Inline;

/** Where the prefix-caching state of a run comes from. */
export interface PrefixCachingInfo {
  enabled?: boolean;
  source: "metrics" | "simulator" | "none";
  /** The server's cache_config_info changed during the run. */
  changed?: boolean;
  /** source none: whether /metrics was scraped at all. */
  scraped?: boolean;
}

export interface Messages {
  lang: FinalLang;
  title: string;
  /** Section 3's "Phase 3": a grid of server configurations (grid-i18n.ts). */
  grid: GridMessages;
  sections: Record<SectionKey, string>;
  status: Record<RunStatus, string>;
  kind: Record<KnownKind, string>;
  useCase: Record<UseCase, string>;
  figure: Record<FigureKey, string>;
  /** A cache probe's figure: its speedup, the mean TTFT of its misses or of its hits. */
  cacheFigure(what: "speedup" | "miss" | "hit", probe: string): string;
  yes: string;
  no: string;
  and: string;
  /** Between a label and what is said of it: ": " (French: " : "). */
  colon: string;
  col: {
    field: string;
    figure: string;
    value: string;
    n: string;
    threshold: string;
    status: string;
    reason: string;
    metric: string;
    run: string;
    folder: string;
    concurrency: string;
    stage: string;
    mode: string;
    rateAsked: string;
    inFlight: string;
    saturated: string;
    runs: string;
  };

  /** Section 1. */
  ctx: {
    intro(a: { runs: number; generated: string; version: string }): Inline;
    sameTarget(a: { runs: number; target: Inline }): Inline;
    differentTargets(a: { targets: number }): Inline;
    simulatedTarget(profile: string): Inline;
    simulatedNotice(a: { runs: Inline; all: boolean }): Inline;
    fields: {
      suite: string;
      target: string;
      model: string;
      server: string;
      serverMetrics: string;
      prefixCaching: string;
      simSettings: string;
      gpus: string;
      host: string;
      started: string;
      duration: string;
      tool: string;
      status: string;
      source: string;
    };
    simModel(served: string): Inline;
    noServerHeader: string;
    metricsScraped(url: string): Inline;
    metricsNotCollected(reason: Inline | undefined): Inline;
    prefixCaching(p: PrefixCachingInfo): Inline;
    simSettings(a: { prefixCaching?: boolean; chunkedPrefill?: boolean; maxNumSeqs?: number; toolParser?: string; timeScale?: number; failRate?: number }): Inline;
    notSimulated: string;
    gpus(a: { list: Inline; source: Inline; simulated: boolean }): Inline;
    gpuNone: string;
    host(a: { platform: string; arch: string; cpus: number; node: string }): Inline;
    hostNote: Inline;
    fromResults: string;
    reanalysed: string;
  };

  /** Section 2. */
  meth: {
    intro: Inline;
    scenariosTitle: string;
    conversation(a: { turns: number; iterations: number; levels: number[]; windows: [number, number][]; maxTokens: number; temperature: number; sessions?: number }): Inline;
    reasoning(a: { runs: number; pack: string; repetitions: number; concurrency: number; judge: boolean; reviewed: number }): Inline;
    tools(a: { runs: number; pack: string; levels: number[]; compareNonStreamed: boolean }): Inline;
    load(a: {
      mode: string;
      rate: number;
      concurrency?: number;
      requests: number;
      durationS?: number;
      inputTokens: number;
      outputTokens: number;
      dataset: string;
      sweep?: { rates: number; arrival: string; maxConcurrency: number };
      excluded: { rampUpS: number; warmupS: number; cooldownS: number };
    }): Inline;
    soak(a: {
      duration: string;
      window?: string;
      mix: { kind: string; share: number }[];
      concurrency?: number;
      rate?: number;
      canaries: boolean;
      alpha: number;
      driftFloor: number;
    }): Inline;
    cache(a: { probes: string[]; repetitions: number; prefixTokens: number; maxTokens: number }): Inline;
    unknownKind(kind: string): Inline;
    noConfig: Inline;
    requests(a: { total: number; ok: number; failed: number; stopped?: number }): Inline;
    definitionsTitle: string;
    defTtft: Inline;
    defDecode: Inline;
    defDegradation: Inline;
    defDrift: Inline;
    defOpenLoop: Inline;
    defScore: Inline;
    defTools: Inline;
    defCache: Inline;
    defVerdicts: Inline;
    defPercentiles: Inline;
  };

  /** Section 3. */
  res: {
    runTitle(label: string): Inline[];
    runStatus(a: { status: RunStatus; scenarios: number; interruption?: Inline; complete: boolean }): Inline;
    scenarioTitle(a: { name: string; kind: string }): Inline[];
    verdictLine(a: { status: RunStatus; met: number; thresholds: number; ok: number; total: number; stopped?: number }): Inline;
    headline(headline: Inline): Inline;
    incompleteScenario: Inline;
    /** A conversation sweep: the key figures are its first level's. */
    sweepFirstLevel(level: number, gatingUpTo?: number): Inline;
    keyFigures: string;
    verdicts: string;
    noThreshold: Inline;
    noScenario: Inline;
    notesInEnglish: string;
  };

  /** Section 4. */
  trade: {
    intro: Inline;
    convSweepTitle(a: { run: string; scenario: string }): Inline[];
    convSweep(a: { from: number; to: number; ttftFrom?: number; ttftTo?: number; tputFrom?: number; tputTo?: number }): Inline;
    loadSweepTitle(a: { run: string; scenario: string }): Inline[];
    loadSweep(a: { sync?: number; max?: number; maxConcurrency: number; ttftSync?: number; ttftMax?: number }): Inline;
    toolsLevelsTitle(a: { run: string; scenario: string }): Inline[];
    toolsLevels: Inline;
    cacheProbesTitle(a: { run: string; scenario: string }): Inline[];
    cacheProbe(a: { probe: string; reading: "speedup" | "no_measurable_speedup" | "slowdown" | "not_measured"; estimate?: number; lower?: number; upper?: number; n?: number }): Inline;
    qualityTitle(a: { run: string; scenario: string }): Inline[];
    quality(a: { passN: number; failN: number; passE2e?: number; failE2e?: number; passTokens?: number; failTokens?: number }): Inline;
    truncated(a: { truncated: number; runs: number; maxTokens?: number }): Inline;
    pairTitle(a: { a: string; b: string; cache: boolean }): Inline[];
    pairCache(a: { on: string; off: string; shared: string[]; scenarios: string[]; simulated: boolean }): Inline;
    pairRepeat(a: { a: string; b: string; shared: string[]; scenarios: string[]; simulated: boolean }): Inline;
    pairLatency(a: { figure: string; a: string; b: string; va: number; vb: number; na: number; nb: number; cache: boolean }): Inline;
    colA(label: string, cache?: "on" | "off"): string;
    ratio(cache: boolean): string;
    difference: Record<Difference, string>;
    notComparable(a: { kind: string; runs: string[]; differences: Difference[] }): Inline;
    none: Inline;
  };

  /** Section 5. */
  rec: {
    intro: Inline;
    simulatedPrefix: Inline;
    convFigures(a: { ttftMean?: number; ttftP90?: number; ttftN: number; e2eMean?: number; e2eN: number; turns: number; degradation?: number; degradationN: number; level: number; sweep: boolean }): Inline;
    convPass(a: { turns: number; levels: number[] }): Inline;
    reasoningFigures(a: { score?: number; runs: number; passed: number; e2eMean?: number; e2eP90?: number; e2eN: number; truncated: number; reviewed: number }): Inline;
    reasoningPass(a: { e2eP90?: number }): Inline;
    raiseMaxTokens(truncated: number): Inline;
    toolsParser(a: { failures: number; runs: number }): Inline;
    toolsFigures(a: { accuracy?: number; runs: number; mismatch?: number; compared: number }): Inline;
    toolsPass: Inline;
    toolsNone: Inline;
    convCapacity(a: { max: number; turns: number; highestAsked: number; lowest: number; next?: { level: number; status: "fail" | "inconclusive" } }): Inline;
    loadSweep(a: {
      firstSaturated?: { rate: number; stage: string; allFaster: boolean };
      maxThroughput?: number;
      maxConcurrency: number;
      highestPassing?: { rate: number; stage: string };
      /** The first rate stage above it (or the lowest, when none passed) and what stopped it. */
      next?: { rate: number; stage: string; why: "saturated" | "client_limited" | "fail" | "inconclusive" | "not_measured" };
      anyOpenStage: boolean;
    }): Inline;
    loadSingle(a: { open: boolean; mode: string; rate: number; achieved?: number; concurrency: number; saturated?: boolean; ttftP99?: number; fromIntended: boolean }): Inline;
    loadSweepHint: Inline;
    soak(a: { duration: string; stability: "stable" | "drifting" | "degrading" | "not_measured"; windows: number; requests: number }): Inline;
    notSuited(list: VerdictPiece[]): Inline;
    undecided(list: VerdictPiece[]): Inline;
    allPassed: Inline;
    /** Verdicts that passed with the figure beyond the limit: the analysis judged the breach to be noise. */
    passedAsNoise(list: VerdictPiece[]): Inline;
    partlyMeasured(list: VerdictPiece[]): Inline;
    unmeasured(list: VerdictPiece[]): Inline;
    noThreshold: Inline;
    notMeasured(a: { useCase: UseCase; command: string }): Inline;
  };

  /** Section 6. */
  app: {
    linksTitle: string;
    linksIntro: Inline;
    notWritten(file: string): Inline;
    loadNotesTitle: string;
    rawTitle: string;
    rawIntro: Inline;
    errorsCol: { kind: string; count: string; example: string };
    errorsTitle: string;
  };

  /** Section 7. */
  concl: {
    overall(a: { status: RunStatus; exitCode: number; runs: number }): Inline;
    runLine(a: { status: RunStatus; failing: { scenario: string; thresholds: VerdictPiece[] }[]; inconclusive: { scenario: string; thresholds: VerdictPiece[] }[]; interruption?: Inline; measuredNothing: boolean }): Inline;
    simulated: Inline;
    notMeasured(useCases: UseCase[]): Inline;
    allMeasured: Inline;
  };
}

/** Why two runs are not set side by side. */
export const DIFFERENCES = ["model", "target", "server", "gpus", "simSettings", "prefixCaching", "prefixCachingUnknown", "toolVersion", "scenarioConfig", "status"] as const;
export type Difference = (typeof DIFFERENCES)[number];

const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** "a, b and c" with inline pieces. */
export function joinPieces(items: readonly Inline[], and: string): Inline[] {
  const out: Inline[] = [];
  items.forEach((item, i) => {
    if (i > 0) out.push(i === items.length - 1 ? ` ${and} ` : ", ");
    out.push(item);
  });
  return out;
}

function en(f: Fmt): Messages {
  const levelsText = (levels: number[]) =>
    levels.length === 1 ? (levels[0] === 1 ? "one session at a time" : `${levels[0]} sessions at once`) : `${f.list(levels.map(String))} sessions at once (a sweep)`;
  const difference: Record<Difference, string> = {
      model: "the model",
      target: "the target",
      server: "the server (Server header)",
      gpus: "the GPUs",
      simSettings: "the simulator's settings",
      prefixCaching: "prefix caching",
      prefixCachingUnknown: "prefix caching (unknown in one of them)",
      toolVersion: "the shakedown version",
      scenarioConfig: "the scenario's configuration",
      status: "whether the run finished",
  };
  const useCase: Record<UseCase, string> = { agents: "Agent conversations", reasoning: "Long reasoning", tools: "Tool calling", load: "High load", soak: "Sustained operation" };
  return {
    lang: "en",
    title: "Consolidated benchmark report",
    grid: gridMessagesEn(f),
    sections: {
      context: "1. Context",
      methodology: "2. Methodology",
      results: "3. Results per phase",
      tradeoffs: "4. Trade-offs",
      recommendations: "5. Recommendations per use case",
      appendices: "6. Appendices",
      conclusion: "7. Conclusion",
    },
    status: STATUS_ICON,
    kind: { conversation: "long conversations", cache: "prefix cache", reasoning: "reasoning", tools: "tool calling", load: "load", soak: "endurance soak" },
    useCase,
    figure: {
      "ttft.mean": "TTFT mean",
      "ttft.std": "TTFT std dev",
      "ttft.p50": "TTFT p50",
      "ttft.p90": "TTFT p90",
      "ttft.p99": "TTFT p99",
      "ttfa.mean": "Time to first answer token (mean)",
      "e2e.mean": "E2E latency mean",
      "e2e.p90": "E2E latency p90",
      "tpot.mean": "TPOT mean",
      "tpot.p50": "TPOT p50",
      "output_tps.mean": "Output tok/s per request after the first token (mean)",
      "e2e_output_tps.mean": "Output tok/s over E2E (mean)",
      "degradation.ttft": "TTFT degradation, last vs first window (pooled)",
      "degradation.ttft_max": "TTFT degradation, worst session",
      "degradation.e2e": "E2E degradation, last vs first window (pooled)",
      total_output_tps: "Total output tok/s (all sessions)",
      max_concurrency_within_thresholds: "Highest concurrency within thresholds",
      "cached_tokens.mean": "Cached prompt tokens (mean)",
      success_rate: "Success rate (HTTP exchanges)",
      "score.mean": "Score (mean)",
      pass_rate: "Runs that pass",
      truncated_rate: "Answers cut by max_tokens",
      call_accuracy: "Case runs with the expected tool calls",
      parser_failure_rate: "Tool calls leaked as text (parser failures)",
      json_validity_rate: "Call arguments that are valid JSON",
      schema_validity_rate: "Call arguments that match the schema",
      stream_mismatch_rate: "Streamed calls differing from non-streamed",
      final_answer_rate: "Final answers using the tool results",
      "time_to_first_tool_call.mean": "Time to first tool call (mean)",
      achieved_rate: "Achieved send rate",
      throughput: "Completed requests per second",
      output_tps_total: "Output tok/s (all requests)",
      "ttft_from_intended.p99": "TTFT p99 from the intended send",
      goodput: "Goodput (req/s within every SLO)",
      goodput_fraction: "Requests within every SLO",
      saturated: "Server saturated (a sweep: stages)",
      client_limited: "Client-limited (a sweep: stages)",
      sync_rate: "Synchronous rate (1 in flight)",
      max_throughput: "Maximum throughput",
      max_goodput: "Best goodput of a stage",
      stages: "Stages run",
      output_tps: "Output tok/s (all requests)",
      error_rate: "Error rate",
      timeouts: "Timeouts",
      windows: "Full windows",
      "drift.ttft_p90": "TTFT p90 drift over the soak (fitted)",
      "drift.e2e_p90": "E2E p90 drift over the soak (fitted)",
      "drift.tpot_p50": "TPOT p50 drift over the soak (fitted)",
      "drift.output_tps": "Output tok/s drift over the soak (fitted)",
      "drift.error_rate": "Error-rate drift over the soak (points)",
      "drift.score": "Score drift over the soak (points)",
      "canary.changed": "Canary answers changed",
      "canary.match_rate": "Canary answers identical to the first",
      "server.rss_slope_mb_per_h": "Server resident memory slope (MB/h)",
      "server.restarts": "Server restarts",
    },
    cacheFigure: (what, probe) => (what === "speedup" ? `TTFT miss/hit speedup, ${probe}` : `TTFT of ${what === "miss" ? "misses" : "hits"} (mean), ${probe}`),
    yes: "yes",
    no: "no",
    and: "and",
    colon: ": ",
    col: {
      field: "",
      figure: "Figure",
      value: "Value",
      n: "n",
      threshold: "Threshold",
      status: "Status",
      reason: "Reason",
      metric: "Key",
      run: "Run",
      folder: "Folder",
      concurrency: "Concurrency",
      stage: "Stage",
      mode: "Mode",
      rateAsked: "Rate asked",
      inFlight: "In flight (cap)",
      saturated: "Saturated",
      runs: "Runs",
    },
    ctx: {
      intro: (a) => `This report joins ${a.runs} run ${plural(a.runs, "folder", "folders")}. It was written on ${a.generated} by shakedown ${a.version}.`,
      sameTarget: (a) => [a.runs === 1 ? "The run measured " : `All ${a.runs} runs measured the same target, `, a.target, a.runs === 1 ? "." : "; each run's settings are in the table below."],
      differentTargets: (a) => `The runs measured ${a.targets} different targets: figures from different targets are never set side by side in this report.`,
      simulatedTarget: (profile) => ["shakedown's built-in simulator (profile ", code(profile), ")"],
      simulatedNotice: (a) => [
        strong("Simulated target."),
        " ",
        a.all ? "Every run" : ["The runs ", a.runs],
        " measured shakedown's built-in simulator, a timing model of a vLLM-like server: not a model. Their figures describe no model and no GPU; point ",
        code("--target"),
        " at a real server to measure one.",
      ],
      fields: {
        suite: "Suite",
        target: "Target",
        model: "Model",
        server: "Server (HTTP Server header)",
        serverMetrics: "Server metrics (/metrics)",
        prefixCaching: "Prefix caching",
        simSettings: "Simulator settings",
        gpus: "GPUs (sampled during the run)",
        host: "Client host (where shakedown ran)",
        started: "Started",
        duration: "Duration",
        tool: "Tool",
        status: "Status",
        source: "Results",
      },
      simModel: (served) => ["none: a simulator (serving the name ", code(served), ")"],
      noServerHeader: "no Server header sent",
      metricsScraped: (url) => ["polled during the run (", code(url, 300), ")"],
      metricsNotCollected: (reason) => (reason ? ["not collected: ", reason] : "not collected"),
      prefixCaching: (p) =>
        p.source === "metrics"
          ? p.changed
            ? "changed during the run (vllm:cache_config_info)"
            : `${p.enabled ? "on" : "off"} (the server's vllm:cache_config_info)`
          : p.source === "simulator"
            ? `${p.enabled ? "on" : "off"} (simulator setting)`
            : p.scraped
              ? "unknown: the server's /metrics holds no cache_config_info"
              : "unknown: the server's metrics were not collected",
      simSettings: (a) =>
        [
          a.prefixCaching !== undefined && `prefix caching ${a.prefixCaching ? "on" : "off"}`,
          a.chunkedPrefill !== undefined && `chunked prefill ${a.chunkedPrefill ? "on" : "off"}`,
          a.maxNumSeqs !== undefined && `max_num_seqs ${f.int(a.maxNumSeqs)}`,
          a.toolParser !== undefined && `tool parser ${a.toolParser}`,
          a.timeScale !== undefined && a.timeScale !== 1 && `time scale ${f.num(a.timeScale, 3)}`,
          a.failRate !== undefined && a.failRate > 0 && `fail rate ${f.pct(a.failRate)}`,
        ]
          .filter((x): x is string => typeof x === "string")
          .join(", ") || "defaults",
      notSimulated: "— (a real server)",
      gpus: (a) => [a.list, " (", a.source, a.simulated ? ", the simulator's fake GPU" : "", ")"],
      gpuNone: "not sampled",
      host: (a) => `${a.platform} ${a.arch}, ${f.int(a.cpus)} CPUs, Node ${a.node}`,
      hostNote: "The host row is the machine shakedown ran on (the client), not the server's.",
      fromResults: "results.json",
      reanalysed: "re-analysed from records.jsonl (results.json missing or unreadable)",
    },
    meth: {
      intro:
        "Each scenario below ran as its suite configured it (run.json). Every figure in this report is given with n, the number of samples it rests on: requests, sessions, task or case runs, or windows. Failed requests are counted in the success rate and left out of the latency figures.",
      scenariosTitle: "What each scenario did",
      conversation: (a) => [
        `${a.sessions !== undefined ? `${f.int(a.sessions)} ${plural(a.sessions, "session", "sessions")}` : `${f.int(a.iterations)} ${plural(a.iterations, "session", "sessions")} per slot`} of ${a.turns} user ${plural(a.turns, "turn", "turns")}, each turn resending the whole history, with ${levelsText(a.levels)}; max_tokens ${f.int(a.maxTokens)}, temperature ${f.num(a.temperature, 2)}; `,
        a.windows.length > 1 ? `degradation windows: ${f.list(a.windows.map(([x, y]) => (x === y ? `turn ${x}` : `turns ${x}–${y}`)))}.` : "a single turn window, so no degradation over turns.",
      ],
      reasoning: (a) =>
        `${f.int(a.runs)} graded task ${plural(a.runs, "run", "runs")} from the pack ${a.pack} (${a.repetitions} ${plural(a.repetitions, "repetition", "repetitions")} each, ${a.concurrency} at once), graded by rules on the answer${a.judge ? ", with an LLM judge beside them" : ""}${a.reviewed > 0 ? `; ${a.reviewed} reviewed by a person` : "; none reviewed by a person"}.`,
      tools: (a) =>
        `${f.int(a.runs)} tool-calling case ${plural(a.runs, "run", "runs")} from the pack ${a.pack}, ${a.levels.length > 1 ? `at ${f.list(a.levels.map(String))} cases at once (a sweep)` : `${a.levels[0] ?? 1} at once`}; tools answer from local fixtures${a.compareNonStreamed ? "; each case's first request was also sent non-streamed to compare the calls" : ""}.`,
      load: (a) => {
        const shape = a.sweep
          ? `a sweep: a synchronous stage (1 request in flight), a throughput stage (${f.int(a.sweep.maxConcurrency)} in flight), then ${a.sweep.rates} ${a.sweep.arrival} rate ${plural(a.sweep.rates, "stage", "stages")} between them; ${f.int(a.requests)} requests a stage`
          : a.mode === "closed"
            ? `closed loop, ${f.int(a.concurrency ?? 0)} requests in flight, ${f.int(a.requests)} requests`
            : `${a.mode} arrivals at ${f.num(a.rate, 2)} req/s (at most ${f.int(a.concurrency ?? 0)} in flight), ${f.int(a.requests)} requests`;
        const ex = [a.excluded.rampUpS > 0 && `${f.num(a.excluded.rampUpS)} s ramp-up`, a.excluded.warmupS > 0 && `${f.num(a.excluded.warmupS)} s warm-up`, a.excluded.cooldownS > 0 && `${f.num(a.excluded.cooldownS)} s cool-down`].filter(
          (x): x is string => typeof x === "string",
        );
        return `${shape}${a.durationS !== undefined ? ` or ${f.num(a.durationS)} s` : ""}; ${a.dataset === "synthetic" ? `synthetic prompts of ${f.int(a.inputTokens)} tokens asking ${f.int(a.outputTokens)} output tokens` : `prompts from a ${a.dataset} dataset`}${ex.length ? `; requests sent in the ${f.list(ex)} are left out of the figures` : ""}.`;
      },
      soak: (a) =>
        `${a.duration} of mixed traffic (${a.mix.map((m) => `${m.kind} ${f.pct(m.share)}`).join(", ")}), ${a.rate !== undefined ? `paced at ${f.num(a.rate, 2)} req/s` : `${f.int(a.concurrency ?? 0)} requests in flight`}, cut into windows${a.window ? ` of ${a.window}` : ""}; ${a.canaries ? "canary prompts at temperature 0 compared with their first answer; " : ""}trend tests at alpha ${f.num(a.alpha, 3)}, drift floor ${f.pct(a.driftFloor)}.`,
      cache: (a) =>
        `probes ${a.probes.join(", ")}, ${a.repetitions} miss/hit ${plural(a.repetitions, "pair", "pairs")} each, a shared prefix of about ${f.int(a.prefixTokens)} tokens, max_tokens ${f.int(a.maxTokens)}.`,
      unknownKind: (kind) => ["a scenario of kind ", code(kind), " (see its run report)."],
      noConfig: "its configuration is not in run.json.",
      requests: (a) =>
        `n = ${f.int(a.total)} ${plural(a.total, "request", "requests")} (${f.int(a.ok)} succeeded, ${f.int(a.failed)} failed${a.stopped ? `; ${f.int(a.stopped)} more cut by the run's stop, in no figure` : ""}).`,
      definitionsTitle: "Definitions",
      defTtft:
        "TTFT (time to first token) runs from sending the request to the first streamed chunk that carries a token (answer, reasoning or tool call); E2E runs to the last byte of the response. The seed report's “TTFT” was the E2E time of a non-streamed reply: here the two are kept apart.",
      defDecode: "Output tok/s per request is (output tokens − 1) / (E2E − TTFT), the decode speed after the first token; output tok/s over E2E includes the wait for the first token.",
      defDegradation:
        "Degradation over turns = mean of the last turn window / mean of the first − 1, with a fixed sign: positive means slower at the end, negative faster. The worst session's figure is the largest signed value. A breached degradation threshold fails only when its 95 % bootstrap interval lies wholly beyond the limit and the window means moved by at least degradation_floor_ms (default 25 ms); otherwise it passes as noise or is inconclusive.",
      defDrift:
        "A soak's drift is the fitted relative change of a window figure over the soak (least squares over the full windows). A trend is significant when Mann-Kendall's test gives p < alpha and the slope's interval excludes 0; a drift threshold fails only when the trend is significant and the interval of the change lies wholly beyond the limit.",
      defOpenLoop: "Open-loop load measures latencies from the intended send time as well as the actual one, so queueing in the client is not hidden; a stage is saturated when requests arrived faster than they ended and piled up.",
      defScore: "A task's score is the weighted mean of its rule-based criteria's scores on the answer (0–100 %; a failed request scores 0); where a person reviewed a task run, the reviewer's score replaces it.",
      defTools: "Call accuracy is the share of case runs whose tool calls match the expected ones; a parser failure is a tool call returned as text in the content instead of structured tool_calls.",
      defCache: "A cache probe's speedup is TTFT of a miss / TTFT of a hit, with a 95 % bootstrap interval.",
      defVerdicts:
        "A threshold passes or fails as measured; it is inconclusive when the breach cannot be pinned on the server (within noise, or measured by an overloaded client), and not measured when the figure is missing. A scenario fails when one of its thresholds fails.",
      defPercentiles: "Percentiles interpolate linearly between ranks; a p99 over fewer than 100 samples is close to the maximum.",
    },
    res: {
      runTitle: (label) => ["Run ", code(label)],
      runStatus: (a) => [
        strong(`Run verdict: ${STATUS_ICON[a.status]}`),
        ` — ${a.scenarios} ${plural(a.scenarios, "scenario", "scenarios")}.`,
        !a.complete && [" The run did not finish", a.interruption ? [" (", a.interruption, ")"] : "", ": its verdicts rest on what was measured."],
      ],
      scenarioTitle: (a) => ["Scenario ", code(a.name), ` (${a.kind})`],
      verdictLine: (a) => [
        strong(`Verdict: ${STATUS_ICON[a.status]}`),
        ` — ${a.met}/${a.thresholds} ${plural(a.thresholds, "threshold", "thresholds")} met; ${f.int(a.ok)}/${f.int(a.total)} requests succeeded`,
        a.stopped ? ` (${f.int(a.stopped)} more cut by the run's stop, in no figure)` : "",
        ".",
      ],
      headline: (h) => ["The analysis sums it up: it ", h, "."],
      incompleteScenario: "The run stopped before this scenario's end: its figures rest on what was measured.",
      sweepFirstLevel: (level, upTo) =>
        `A concurrency sweep: the figures below are those of its first level (${level === 1 ? "one session at a time" : `${level} sessions at once`}); section 4 sets the levels side by side, and each verdict is the worst over ${upTo !== undefined ? `the levels up to ${upTo} (those above do not gate)` : "every level"}.`,
      keyFigures: "Key figures",
      verdicts: "Verdicts",
      noThreshold: "No threshold was set for this scenario.",
      noScenario: "No scenario recorded any request in this run.",
      notesInEnglish: "",
    },
    trade: {
      intro: "Only figures measured under comparable conditions are set against each other below.",
      convSweepTitle: (a) => ["Latency against throughput: ", code(a.run), " / ", code(a.scenario)],
      convSweep: (a) => {
        const lat = a.ttftFrom !== undefined && a.ttftTo !== undefined;
        const tput = a.tputFrom !== undefined && a.tputTo !== undefined;
        if (!lat && !tput) return `The levels from ${a.from} to ${a.to} sessions at once lack the figures to compare (see the table).`;
        const parts: string[] = [];
        if (lat) parts.push(`TTFT mean went from ${f.ms(a.ttftFrom)} to ${f.ms(a.ttftTo)} (${f.factor(a.ttftTo! / a.ttftFrom!)})`);
        if (tput) parts.push(`the total output from ${f.num(a.tputFrom)} to ${f.num(a.tputTo)} tok/s (${f.factor(a.tputTo! / a.tputFrom!)})`);
        let reading = "";
        if (lat && tput) {
          const latUp = a.ttftTo! > a.ttftFrom!;
          const tputUp = a.tputTo! > a.tputFrom!;
          reading = latUp && tputUp ? " More sessions at once bought total output at the price of latency." : latUp && !tputUp ? " The total output did not grow with concurrency: the extra sessions only added latency." : "";
        }
        return `From ${a.from} to ${a.to} sessions at once, ${parts.join(" and ")}.${reading}`;
      },
      loadSweepTitle: (a) => ["Latency against rate: ", code(a.run), " / ", code(a.scenario)],
      loadSweep: (a) => {
        if (a.sync === undefined || a.max === undefined) return "The sweep lacks its synchronous or its throughput stage: the table shows the stages that ran.";
        const lat = a.ttftSync !== undefined && a.ttftMax !== undefined ? `, while TTFT p50 went from ${f.ms(a.ttftSync)} to ${f.ms(a.ttftMax)}` : "";
        return `Completed requests per second went from ${f.num(a.sync, 2)} with one request in flight to ${f.num(a.max, 2)} with ${f.int(a.maxConcurrency)} in flight${lat}.`;
      },
      toolsLevelsTitle: (a) => ["Tool calls against concurrency: ", code(a.run), " / ", code(a.scenario)],
      toolsLevels: "The same cases at each level of concurrency (streaming tool parsers may misbehave under load):",
      cacheProbesTitle: (a) => ["Cache hit against miss: ", code(a.run), " / ", code(a.scenario)],
      cacheProbe: (a) => {
        const ci = a.lower !== undefined && a.upper !== undefined ? ` (95 % interval ${f.factor(a.lower)}–${f.factor(a.upper)}${a.n !== undefined ? `, n = ${f.int(a.n)}` : ""})` : "";
        if (a.probe === "independent") return [code(a.probe), ` (the control: prompts that share no prefix): miss/hit TTFT ${a.estimate !== undefined ? f.factor(a.estimate) : "not measured"}${ci}.`];
        switch (a.reading) {
          case "speedup":
            return [code(a.probe), `: the TTFT of a miss was ${f.factor(a.estimate)} that of a hit${ci}: hits were faster.`];
          case "slowdown":
            return [code(a.probe), `: the TTFT of a miss was ${f.factor(a.estimate)} that of a hit${ci}: hits were slower.`];
          case "no_measurable_speedup":
            return [code(a.probe), `: no measurable difference between hits and misses, miss/hit TTFT ${f.factor(a.estimate)}${ci}.`];
          case "not_measured":
            return [code(a.probe), ": not measured."];
        }
      },
      qualityTitle: (a) => ["Speed against quality: ", code(a.run), " / ", code(a.scenario)],
      quality: (a) =>
        [
          `Task runs that passed took an E2E mean of ${f.ms(a.passE2e)} (n = ${f.int(a.passN)}) against ${f.ms(a.failE2e)} for those that failed (n = ${f.int(a.failN)})`,
          a.passTokens !== undefined && a.failTokens !== undefined ? `, with ${f.int(a.passTokens)} and ${f.int(a.failTokens)} output tokens on average.` : ".",
        ].join(""),
      truncated: (a) =>
        `${f.int(a.truncated)} of ${f.int(a.runs)} answers were cut by max_tokens${a.maxTokens !== undefined ? ` (${f.int(a.maxTokens)})` : ""} and graded as cut: a larger max_tokens lets them finish, at the price of a longer E2E.`,
      pairTitle: (a) => [a.cache ? "Prefix caching on against off: " : "Repeated runs: ", code(a.a), " / ", code(a.b)],
      pairCache: (a) => [
        "Runs ",
        code(a.on),
        " (prefix caching on) and ",
        code(a.off),
        ` (off) share ${f.list(a.shared)}, as well as the configuration of ${plural(a.scenarios.length, "scenario", "scenarios")} `,
        joinPieces(a.scenarios.map((s) => code(s)), "and"),
        ": as far as their run folders record, they differ only in prefix caching.",
        a.simulated ? " Both measured the simulator: what the table shows is its model of a prefix cache, not a server's." : "",
      ],
      pairRepeat: (a) => [
        "Runs ",
        code(a.a),
        " and ",
        code(a.b),
        ` share ${f.list(a.shared)}, as well as the configuration of ${plural(a.scenarios.length, "scenario", "scenarios")} `,
        joinPieces(a.scenarios.map((s) => code(s)), "and"),
        ": as far as their run folders record, they are the same measurement twice, so their differences show the run-to-run variation.",
      ],
      pairLatency: (a) => [
        `${a.figure}: ${f.ms(a.va)} (n = ${f.int(a.na)}) in `,
        code(a.a),
        ` against ${f.ms(a.vb)} (n = ${f.int(a.nb)}) in `,
        code(a.b),
        `, ${f.factor(a.vb / a.va)}.`,
      ],
      colA: (label, cache) => (cache ? `${label} (caching ${cache})` : label),
      ratio: (cache) => (cache ? "off / on" : "second / first"),
      difference,
      notComparable: (a) => [
        "Runs ",
        joinPieces(a.runs.map((r) => code(r)), "and"),
        ` each ran a ${a.kind} scenario, but no two of them ran under the same conditions (prefix caching aside); ${a.runs.length > 2 ? "the first two" : "they"} differ in ${f.list(a.differences.map((d) => difference[d]))}: their figures are not set side by side.`,
      ],
      none: "These runs hold no figures that can be set against each other: no concurrency or rate sweep, no cache probe, no graded reasoning run with both passing and failing tasks, and no two runs that differ in nothing but prefix caching.",
    },
    rec: {
      intro: "Each recommendation rests on the figures above and on the thresholds of its scenario; a use case no scenario measured is said so.",
      simulatedPrefix: "(simulated target) ",
      convFigures: (a) => {
        const lat =
          a.ttftMean !== undefined
            ? `TTFT mean ${f.ms(a.ttftMean)}${a.ttftP90 !== undefined ? `, p90 ${f.ms(a.ttftP90)}` : ""} (n = ${f.int(a.ttftN)})`
            : a.e2eMean !== undefined
              ? `TTFT not measured (no streamed token), E2E mean ${f.ms(a.e2eMean)} (n = ${f.int(a.e2eN)})`
              : "no latency measured";
        const deg =
          a.degradation !== undefined
            ? `over ${a.turns} turns the worst session's TTFT degradation was ${f.signedPct(a.degradation)} (n = ${f.int(a.degradationN)} ${plural(a.degradationN, "session", "sessions")})`
            : `no degradation over turns was measured`;
        return `${lat} with ${levelsText([a.level])}${a.sweep ? " (the first level of the sweep)" : ""}; ${deg}.`;
      },
      convPass: (a) => `Every threshold on these figures passed: suited, as measured, to agent conversations of up to ${a.turns} turns with ${levelsText(a.levels)}.`,
      reasoningFigures: (a) =>
        `${a.score !== undefined ? `Mean score ${f.pct(a.score)}` : "No score"} over ${f.int(a.runs)} task ${plural(a.runs, "run", "runs")} (${f.int(a.passed)} passed${a.reviewed > 0 ? `, ${f.int(a.reviewed)} reviewed by a person` : ", rule-based grades, none reviewed by a person"}); ${a.e2eMean !== undefined ? `E2E mean ${f.ms(a.e2eMean)}${a.e2eP90 !== undefined ? `, p90 ${f.ms(a.e2eP90)}` : ""} (n = ${f.int(a.e2eN)})` : "no E2E measured"}${a.truncated > 0 ? `; ${f.int(a.truncated)} ${plural(a.truncated, "answer was", "answers were")} cut by max_tokens` : ""}.`,
      reasoningPass: (a) => `Every threshold passed${a.e2eP90 !== undefined ? `; with an E2E p90 of ${f.ms(a.e2eP90)} per task, budget for that much` : ""}.`,
      raiseMaxTokens: (n) => `Raise max_tokens: ${f.int(n)} ${plural(n, "answer was", "answers were")} cut before their end.`,
      toolsParser: (a) =>
        `Tool calls came back as text in the content in ${f.int(a.failures)} of ${f.int(a.runs)} case runs: fix the server's tool-call parser (vLLM: --enable-auto-tool-choice and the model's --tool-call-parser) before relying on tool calling.`,
      toolsFigures: (a) =>
        `${f.pct(a.accuracy)} of case runs made the expected calls (n = ${f.int(a.runs)}), with no parser failure${a.mismatch !== undefined && a.mismatch > 0 ? `; streamed calls differed from non-streamed ones in ${f.pct(a.mismatch)} of the ${f.int(a.compared)} compared` : ""}.`,
      toolsPass: "Every threshold passed: suited to tool calling, as measured.",
      toolsNone: "No case run could be judged: none ended without an HTTP error (see the errors in the appendix).",
      convCapacity: (a) =>
        a.max > 0
          ? `Holds ${a.max} concurrent ${a.turns}-turn ${plural(a.max, "conversation", "conversations")} within every threshold${
              a.max === a.highestAsked ? ` (the highest level asked, so the limit was not reached: sweep higher levels to find it)` : a.next ? `; at ${a.next.level} it ${a.next.status === "fail" ? "fails a threshold" : "is inconclusive"}` : ""
            }.`
          : `No level asked met every threshold, not even the lowest (${a.lowest} at once).`,
      loadSweep: (a) => {
        const parts: string[] = [];
        if (a.highestPassing) parts.push(`up to ${f.num(a.highestPassing.rate, 2)} req/s (${a.highestPassing.stage}) every rate stage kept up with its arrivals and passed every threshold`);
        else if (a.anyOpenStage) parts.push("the lowest rate stage already did not both keep up and pass every threshold");
        if (a.next && a.next.why !== "saturated") {
          const why = { client_limited: "the client could not keep to its schedule (client-limited), so that stage says nothing certain of the server", fail: "a threshold failed", inconclusive: "a verdict was inconclusive", not_measured: "its thresholds could not be measured" }[a.next.why];
          parts.push(`at ${f.num(a.next.rate, 2)} req/s (${a.next.stage}) ${why}`);
        }
        if (a.firstSaturated) parts.push(`the server saturated ${a.firstSaturated.allFaster ? "from" : "at"} ${f.num(a.firstSaturated.rate, 2)} req/s (${a.firstSaturated.stage})`);
        else if (a.anyOpenStage) parts.push("the server kept up with the arrivals at every rate stage");
        if (a.maxThroughput !== undefined) parts.push(`its maximum throughput was ${f.num(a.maxThroughput, 2)} req/s with ${f.int(a.maxConcurrency)} requests in flight`);
        const s = parts.join("; ");
        return s ? `${s.charAt(0).toUpperCase()}${s.slice(1)}.` : "The sweep measured no stage.";
      },
      loadSingle: (a) =>
        `${a.open ? `At ${f.num(a.rate, 2)} req/s asked (${a.mode}${a.achieved !== undefined ? `, ${f.num(a.achieved, 2)} achieved` : ""})` : `With ${f.int(a.concurrency)} requests in flight (closed loop${a.achieved !== undefined ? `, ${f.num(a.achieved, 2)} req/s` : ""})`}${
          a.saturated === undefined ? "" : a.saturated ? " the server did not keep up with the arrivals" : " the server kept up with the arrivals"
        }${a.ttftP99 !== undefined ? `${a.saturated === undefined ? "" : ";"} TTFT p99 ${f.ms(a.ttftP99)}${a.fromIntended ? " from the intended send" : ""}` : ""}.`,
      loadSweepHint: ["One load level only: run a sweep (", code("--set load.mode=sweep"), ") to find the highest rate within the thresholds."],
      soak: (a) =>
        a.stability === "not_measured"
          ? `The soak ran too short to judge (${a.windows} full ${plural(a.windows, "window", "windows")}; a trend needs 3).`
          : `Over ${a.duration} (${f.int(a.requests)} requests, ${a.windows} full windows) the server was ${a.stability === "stable" ? "stable: no figure moved materially (by the drift floor or more) beyond noise" : a.stability === "drifting" ? "drifting: something moved beyond noise (a trend, a shift, a canary answer, memory or a restart) without failing a drift threshold" : "degrading: a drift threshold failed"}.`,
      notSuited: (l) => ["Not suited as measured: ", joinPieces(l, "and"), "."],
      undecided: (l) => ["Undecided: ", joinPieces(l, "and"), " ", plural(l.length, "is", "are"), " inconclusive (within noise, or measured by an overloaded client)."],
      allPassed: "Every threshold passed.",
      passedAsNoise: (l) => ["Passed although beyond the limit: ", joinPieces(l, "and"), "; the analysis could not tell the change from noise (its reason is in section 3)."],
      partlyMeasured: (l) => ["The thresholds that could be judged passed; not measured, so not judged: ", joinPieces(l, "and"), "."],
      unmeasured: (l) => ["No threshold could be judged; not measured: ", joinPieces(l, "and"), "."],
      noThreshold: "No threshold was set on these figures: weigh them against your own budget.",
      notMeasured: (a) => [strong("Not measured"), ": run ", code(a.command), " to know."],
    },
    app: {
      linksTitle: "Run reports",
      linksIntro: "Paths are relative to this report's folder.",
      notWritten: (file) => ["not written (", code(`shakedown report DIR`), ` writes ${file})`],
      loadNotesTitle: "What reading the run folders left out",
      rawTitle: "Every figure",
      rawIntro: "Every figure of every scenario as results.json holds it (its key, value and n); the run reports hold the per-request tables.",
      errorsCol: { kind: "Error", count: "Count", example: "Example" },
      errorsTitle: "Errors",
    },
    concl: {
      overall: (a) => [
        strong(`Overall verdict: ${STATUS_ICON[a.status]}`),
        ` over ${a.runs} ${plural(a.runs, "run", "runs")}`,
        a.status === "pass"
          ? ": every run passed the thresholds it measured."
          : a.status === "fail"
            ? ": at least one run failed a threshold."
            : a.status === "incomplete"
              ? ": no run failed, but at least one did not finish, so its verdicts rest on part of what was planned."
              : a.status === "inconclusive"
                ? ": no run failed, but at least one verdict could not be decided."
                : ": at least one run could judge none of its thresholds (not measured).",
        ` shakedown exits with code ${a.exitCode} for this report.`,
      ],
      runLine: (a) => {
        const out: Inline[] = [STATUS_ICON[a.status]];
        if (a.measuredNothing) out.push(": no threshold could be judged");
        for (const s of a.failing) out.push("; ", code(s.scenario), " fails ", joinPieces(s.thresholds, "and"));
        for (const s of a.inconclusive) out.push("; ", code(s.scenario), " is inconclusive on ", joinPieces(s.thresholds, "and"));
        if (a.status === "incomplete") out.push("; the run did not finish", a.interruption ? [" (", a.interruption, ")"] : "");
        out.push(".");
        return out;
      },
      simulated: "Figures measured on the simulator describe shakedown's timing model, not a model or a GPU.",
      notMeasured: (u) => [`Not measured by these runs: ${f.list(u.map((x) => useCase[x].toLowerCase()))} (section 5 names the scenario to run).`],
      allMeasured: "Every use case of section 5 was measured by at least one run.",
    },
  };
}

function fr(f: Fmt): Messages {
  const pl = (n: number, one: string, many: string) => (n <= 1 ? one : many);
  const levelsText = (levels: number[]) =>
    levels.length === 1 ? (levels[0] === 1 ? "une session à la fois" : `${levels[0]} sessions simultanées`) : `${f.list(levels.map(String))} sessions simultanées (un balayage)`;
  const statusFr: Record<RunStatus, string> = { pass: "✅ réussi", fail: "❌ échec", inconclusive: "❔ non concluant", not_measured: "➖ non mesuré", incomplete: "⚠️ incomplet" };
  const difference: Record<Difference, string> = {
      model: "le modèle",
      target: "la cible",
      server: "le serveur (en-tête Server)",
      gpus: "les GPU",
      simSettings: "les réglages du simulateur",
      prefixCaching: "le cache de préfixe",
      prefixCachingUnknown: "le cache de préfixe (inconnu dans l'une d'elles)",
      toolVersion: "la version de shakedown",
      scenarioConfig: "la configuration du scénario",
      status: "leur achèvement",
  };
  const useCase: Record<UseCase, string> = { agents: "Conversations d'agents", reasoning: "Raisonnement long", tools: "Appels d'outils", load: "Forte charge", soak: "Fonctionnement prolongé" };
  return {
    lang: "fr",
    title: "Rapport de benchmark consolidé",
    grid: gridMessagesFr(f),
    sections: {
      context: "1. Contexte",
      methodology: "2. Méthodologie",
      results: "3. Résultats par phase",
      tradeoffs: "4. Compromis",
      recommendations: "5. Recommandations par cas d'usage",
      appendices: "6. Annexes",
      conclusion: "7. Conclusion",
    },
    status: statusFr,
    kind: { conversation: "conversations longues", cache: "cache de préfixe", reasoning: "raisonnement", tools: "appels d'outils", load: "charge", soak: "endurance" },
    useCase,
    figure: {
      "ttft.mean": "TTFT moyen",
      "ttft.std": "Écart-type du TTFT",
      "ttft.p50": "TTFT p50",
      "ttft.p90": "TTFT p90",
      "ttft.p99": "TTFT p99",
      "ttfa.mean": "Délai du premier token de réponse (moyen)",
      "e2e.mean": "Latence E2E moyenne",
      "e2e.p90": "Latence E2E p90",
      "tpot.mean": "TPOT moyen",
      "tpot.p50": "TPOT p50",
      "output_tps.mean": "Tok/s de sortie par requête après le premier token (moyenne)",
      "e2e_output_tps.mean": "Tok/s de sortie sur la durée E2E (moyenne)",
      "degradation.ttft": "Dégradation du TTFT, dernière vs première fenêtre (regroupées)",
      "degradation.ttft_max": "Dégradation du TTFT, pire session",
      "degradation.e2e": "Dégradation de l'E2E, dernière vs première fenêtre (regroupées)",
      total_output_tps: "Tok/s de sortie total (toutes sessions)",
      max_concurrency_within_thresholds: "Concurrence la plus haute dans les seuils",
      "cached_tokens.mean": "Tokens de prompt en cache (moyenne)",
      success_rate: "Taux de succès (échanges HTTP)",
      "score.mean": "Score (moyen)",
      pass_rate: "Exécutions réussies",
      truncated_rate: "Réponses coupées par max_tokens",
      call_accuracy: "Cas avec les appels d'outils attendus",
      parser_failure_rate: "Appels d'outils rendus en texte (échecs du parseur)",
      json_validity_rate: "Arguments d'appel en JSON valide",
      schema_validity_rate: "Arguments d'appel conformes au schéma",
      stream_mismatch_rate: "Appels en streaming différents du non-streaming",
      final_answer_rate: "Réponses finales qui utilisent les résultats des outils",
      "time_to_first_tool_call.mean": "Délai du premier appel d'outil (moyen)",
      achieved_rate: "Débit d'envoi atteint",
      throughput: "Requêtes terminées par seconde",
      output_tps_total: "Tok/s de sortie (toutes requêtes)",
      "ttft_from_intended.p99": "TTFT p99 depuis l'envoi prévu",
      goodput: "Goodput (req/s dans tous les SLO)",
      goodput_fraction: "Requêtes dans tous les SLO",
      saturated: "Serveur saturé (balayage : étapes)",
      client_limited: "Limité par le client (balayage : étapes)",
      sync_rate: "Débit synchrone (1 requête en vol)",
      max_throughput: "Débit maximal",
      max_goodput: "Meilleur goodput d'une étape",
      stages: "Étapes exécutées",
      output_tps: "Tok/s de sortie (toutes requêtes)",
      error_rate: "Taux d'erreur",
      timeouts: "Dépassements de délai",
      windows: "Fenêtres complètes",
      "drift.ttft_p90": "Dérive du TTFT p90 sur l'endurance (ajustée)",
      "drift.e2e_p90": "Dérive de l'E2E p90 sur l'endurance (ajustée)",
      "drift.tpot_p50": "Dérive du TPOT p50 sur l'endurance (ajustée)",
      "drift.output_tps": "Dérive des tok/s de sortie sur l'endurance (ajustée)",
      "drift.error_rate": "Dérive du taux d'erreur (points)",
      "drift.score": "Dérive du score (points)",
      "canary.changed": "Réponses témoins modifiées",
      "canary.match_rate": "Réponses témoins identiques à la première",
      "server.rss_slope_mb_per_h": "Pente de la mémoire résidente du serveur (Mo/h)",
      "server.restarts": "Redémarrages du serveur",
    },
    cacheFigure: (what, probe) => (what === "speedup" ? `Accélération TTFT échec/succès de cache, ${probe}` : `TTFT des ${what === "miss" ? "échecs" : "succès"} de cache (moyen), ${probe}`),
    yes: "oui",
    no: "non",
    and: "et",
    colon: "\u00a0: ",
    col: {
      field: "",
      figure: "Mesure",
      value: "Valeur",
      n: "n",
      threshold: "Seuil",
      status: "Statut",
      reason: "Raison (texte de l'analyse, en anglais)",
      metric: "Clé",
      run: "Exécution",
      folder: "Dossier",
      concurrency: "Concurrence",
      stage: "Étape",
      mode: "Mode",
      rateAsked: "Débit demandé",
      inFlight: "En vol (plafond)",
      saturated: "Saturé",
      runs: "Exécutions",
    },
    ctx: {
      intro: (a) => `Ce rapport réunit ${a.runs} ${pl(a.runs, "dossier d'exécution", "dossiers d'exécution")}. Il a été écrit le ${a.generated} par shakedown ${a.version}.`,
      sameTarget: (a) => [a.runs === 1 ? "L'exécution a mesuré " : `Les ${a.runs} exécutions ont mesuré la même cible, `, a.target, a.runs === 1 ? "." : " ; les réglages de chaque exécution figurent dans le tableau ci-dessous."],
      differentTargets: (a) => `Les exécutions ont mesuré ${a.targets} cibles différentes : ce rapport ne met jamais côte à côte des mesures de cibles différentes.`,
      simulatedTarget: (profile) => ["le simulateur intégré de shakedown (profil ", code(profile), ")"],
      simulatedNotice: (a) => [
        strong("Cible simulée."),
        " ",
        a.all ? "Toutes les exécutions ont" : ["Les exécutions ", a.runs, " ont"],
        " mesuré le simulateur intégré de shakedown, un modèle de temps d'un serveur de type vLLM : ce n'est pas un modèle. Leurs mesures ne décrivent aucun modèle ni aucun GPU ; pointez ",
        code("--target"),
        " vers un vrai serveur pour en mesurer un.",
      ],
      fields: {
        suite: "Suite",
        target: "Cible",
        model: "Modèle",
        server: "Serveur (en-tête HTTP Server)",
        serverMetrics: "Métriques du serveur (/metrics)",
        prefixCaching: "Cache de préfixe",
        simSettings: "Réglages du simulateur",
        gpus: "GPU (échantillonnés pendant l'exécution)",
        host: "Machine cliente (où shakedown tournait)",
        started: "Début",
        duration: "Durée",
        tool: "Outil",
        status: "Statut",
        source: "Résultats",
      },
      simModel: (served) => ["aucun : un simulateur (il sert le nom ", code(served), ")"],
      noServerHeader: "aucun en-tête Server envoyé",
      metricsScraped: (url) => ["relevées pendant l'exécution (", code(url, 300), ")"],
      metricsNotCollected: (reason) => (reason ? ["non collectées : ", reason] : "non collectées"),
      prefixCaching: (p) =>
        p.source === "metrics"
          ? p.changed
            ? "modifié pendant l'exécution (vllm:cache_config_info)"
            : `${p.enabled ? "activé" : "désactivé"} (vllm:cache_config_info du serveur)`
          : p.source === "simulator"
            ? `${p.enabled ? "activé" : "désactivé"} (réglage du simulateur)`
            : p.scraped
              ? "inconnu : le /metrics du serveur ne contient pas cache_config_info"
              : "inconnu : les métriques du serveur n'ont pas été collectées",
      simSettings: (a) =>
        [
          a.prefixCaching !== undefined && `cache de préfixe ${a.prefixCaching ? "activé" : "désactivé"}`,
          a.chunkedPrefill !== undefined && `chunked prefill ${a.chunkedPrefill ? "activé" : "désactivé"}`,
          a.maxNumSeqs !== undefined && `max_num_seqs ${f.int(a.maxNumSeqs)}`,
          a.toolParser !== undefined && `parseur d'outils ${a.toolParser}`,
          a.timeScale !== undefined && a.timeScale !== 1 && `échelle de temps ${f.num(a.timeScale, 3)}`,
          a.failRate !== undefined && a.failRate > 0 && `taux d'échec ${f.pct(a.failRate)}`,
        ]
          .filter((x): x is string => typeof x === "string")
          .join(", ") || "par défaut",
      notSimulated: "— (un vrai serveur)",
      gpus: (a) => [a.list, " (", a.source, a.simulated ? ", le faux GPU du simulateur" : "", ")"],
      gpuNone: "non échantillonnés",
      host: (a) => `${a.platform} ${a.arch}, ${f.int(a.cpus)} CPU, Node ${a.node}`,
      hostNote: "La ligne « machine cliente » décrit la machine où shakedown tournait (le client), pas celle du serveur.",
      fromResults: "results.json",
      reanalysed: "réanalysés depuis records.jsonl (results.json absent ou illisible)",
    },
    meth: {
      intro:
        "Chaque scénario ci-dessous a tourné tel que sa suite le configurait (run.json). Chaque mesure de ce rapport est donnée avec n, le nombre d'échantillons sur lesquels elle repose : requêtes, sessions, exécutions de tâches ou de cas, ou fenêtres. Les requêtes en échec comptent dans le taux de succès et sont exclues des latences.",
      scenariosTitle: "Ce que chaque scénario a fait",
      conversation: (a) => [
        `${a.sessions !== undefined ? `${f.int(a.sessions)} ${pl(a.sessions, "session", "sessions")}` : `${f.int(a.iterations)} ${pl(a.iterations, "session", "sessions")} par emplacement`} de ${a.turns} ${pl(a.turns, "tour", "tours")} utilisateur, chaque tour renvoyant tout l'historique, avec ${levelsText(a.levels)} ; max_tokens ${f.int(a.maxTokens)}, température ${f.num(a.temperature, 2)} ; `,
        a.windows.length > 1 ? `fenêtres de dégradation : ${f.list(a.windows.map(([x, y]) => (x === y ? `tour ${x}` : `tours ${x}–${y}`)))}.` : "une seule fenêtre de tours, donc pas de dégradation au fil des tours.",
      ],
      reasoning: (a) =>
        `${f.int(a.runs)} ${pl(a.runs, "exécution", "exécutions")} de tâches notées du pack ${a.pack} (${a.repetitions} ${pl(a.repetitions, "répétition", "répétitions")} chacune, ${a.concurrency} à la fois), notées par des règles sur la réponse${a.judge ? ", avec un juge LLM à côté" : ""}${a.reviewed > 0 ? ` ; ${a.reviewed} relues par une personne` : " ; aucune relue par une personne"}.`,
      tools: (a) =>
        `${f.int(a.runs)} ${pl(a.runs, "exécution", "exécutions")} de cas d'appels d'outils du pack ${a.pack}, ${a.levels.length > 1 ? `à ${f.list(a.levels.map(String))} cas simultanés (un balayage)` : `${a.levels[0] ?? 1} à la fois`} ; les outils répondent depuis des données locales${a.compareNonStreamed ? " ; la première requête de chaque cas a aussi été envoyée sans streaming pour comparer les appels" : ""}.`,
      load: (a) => {
        const shape = a.sweep
          ? `un balayage : une étape synchrone (1 requête en vol), une étape de débit maximal (${f.int(a.sweep.maxConcurrency)} en vol), puis ${a.sweep.rates} ${pl(a.sweep.rates, "étape", "étapes")} à débit fixe (${a.sweep.arrival}) entre les deux ; ${f.int(a.requests)} requêtes par étape`
          : a.mode === "closed"
            ? `boucle fermée, ${f.int(a.concurrency ?? 0)} requêtes en vol, ${f.int(a.requests)} requêtes`
            : `arrivées ${a.mode} à ${f.num(a.rate, 2)} req/s (au plus ${f.int(a.concurrency ?? 0)} en vol), ${f.int(a.requests)} requêtes`;
        const ex = [a.excluded.rampUpS > 0 && `${f.num(a.excluded.rampUpS)} s de montée`, a.excluded.warmupS > 0 && `${f.num(a.excluded.warmupS)} s de chauffe`, a.excluded.cooldownS > 0 && `${f.num(a.excluded.cooldownS)} s de fin`].filter(
          (x): x is string => typeof x === "string",
        );
        return `${shape}${a.durationS !== undefined ? ` ou ${f.num(a.durationS)} s` : ""} ; ${a.dataset === "synthetic" ? `prompts synthétiques de ${f.int(a.inputTokens)} tokens demandant ${f.int(a.outputTokens)} tokens de sortie` : `prompts d'un jeu de données ${a.dataset}`}${ex.length ? ` ; les requêtes envoyées pendant ${f.list(ex)} sont exclues des mesures` : ""}.`;
      },
      soak: (a) =>
        `${a.duration} de trafic mixte (${a.mix.map((m) => `${m.kind} ${f.pct(m.share)}`).join(", ")}), ${a.rate !== undefined ? `cadencé à ${f.num(a.rate, 2)} req/s` : `${f.int(a.concurrency ?? 0)} requêtes en vol`}, découpé en fenêtres${a.window ? ` de ${a.window}` : ""} ; ${a.canaries ? "des prompts témoins à température 0 comparés à leur première réponse ; " : ""}tests de tendance au seuil alpha ${f.num(a.alpha, 3)}, plancher de dérive ${f.pct(a.driftFloor)}.`,
      cache: (a) =>
        `sondes ${a.probes.join(", ")}, ${a.repetitions} ${pl(a.repetitions, "paire", "paires")} échec/succès chacune, un préfixe commun d'environ ${f.int(a.prefixTokens)} tokens, max_tokens ${f.int(a.maxTokens)}.`,
      unknownKind: (kind) => ["un scénario de type ", code(kind), " (voir le rapport de son exécution)."],
      noConfig: "sa configuration ne figure pas dans run.json.",
      requests: (a) =>
        `n = ${f.int(a.total)} ${pl(a.total, "requête", "requêtes")} (${f.int(a.ok)} ${pl(a.ok, "réussie", "réussies")}, ${f.int(a.failed)} en échec${a.stopped ? ` ; ${f.int(a.stopped)} autres coupées par l'arrêt de l'exécution, dans aucune mesure` : ""}).`,
      definitionsTitle: "Définitions",
      defTtft:
        "Le TTFT (délai du premier token) va de l'envoi de la requête au premier fragment diffusé qui porte un token (réponse, raisonnement ou appel d'outil) ; l'E2E va jusqu'au dernier octet de la réponse. Le « TTFT » du rapport d'origine était la durée E2E d'une réponse non diffusée : ici les deux sont distingués.",
      defDecode: "Les tok/s de sortie par requête valent (tokens de sortie − 1) / (E2E − TTFT), la vitesse de décodage après le premier token ; les tok/s sur la durée E2E incluent l'attente du premier token.",
      defDegradation:
        "Dégradation au fil des tours = moyenne de la dernière fenêtre de tours / moyenne de la première − 1, avec un signe fixe : positive signifie plus lent à la fin, négative plus rapide. La mesure de la pire session est la plus grande valeur signée. Un seuil de dégradation dépassé n'échoue que si son intervalle bootstrap à 95 % est tout entier au-delà de la limite et que les moyennes des fenêtres ont bougé d'au moins degradation_floor_ms (25 ms par défaut) ; sinon il passe comme du bruit ou il est non concluant.",
      defDrift:
        "La dérive d'une endurance est la variation relative ajustée d'une mesure par fenêtre sur toute l'endurance (moindres carrés sur les fenêtres complètes). Une tendance est significative quand le test de Mann-Kendall donne p < alpha et que l'intervalle de la pente exclut 0 ; un seuil de dérive n'échoue que si la tendance est significative et que l'intervalle de la variation est tout entier au-delà de la limite.",
      defOpenLoop: "La charge en boucle ouverte mesure les latences depuis l'instant d'envoi prévu autant que depuis l'envoi réel, pour ne pas cacher la file d'attente du client ; une étape est saturée quand les requêtes arrivaient plus vite qu'elles ne se terminaient et s'accumulaient.",
      defScore: "Le score d'une tâche est la moyenne pondérée des scores de ses critères à règles sur la réponse (0–100 % ; une requête en échec vaut 0) ; quand une personne a relu une exécution, sa note remplace ce score.",
      defTools: "La précision des appels est la part des exécutions de cas dont les appels d'outils correspondent à ceux attendus ; un échec du parseur est un appel d'outil rendu en texte dans le contenu au lieu de tool_calls structurés.",
      defCache: "L'accélération d'une sonde de cache est le TTFT d'un échec de cache / le TTFT d'un succès, avec un intervalle bootstrap à 95 %.",
      defVerdicts:
        "Un seuil réussit ou échoue tel que mesuré ; il est non concluant quand le dépassement ne peut pas être imputé au serveur (dans le bruit, ou mesuré par un client surchargé), et non mesuré quand la mesure manque. Un scénario échoue quand l'un de ses seuils échoue.",
      defPercentiles: "Les percentiles interpolent linéairement entre les rangs ; un p99 sur moins de 100 échantillons est proche du maximum.",
    },
    res: {
      runTitle: (label) => ["Exécution ", code(label)],
      runStatus: (a) => [
        strong(`Verdict de l'exécution : ${statusFr[a.status]}`),
        ` — ${a.scenarios} ${pl(a.scenarios, "scénario", "scénarios")}.`,
        !a.complete && [" L'exécution ne s'est pas terminée", a.interruption ? [" (", a.interruption, ")"] : "", " : ses verdicts reposent sur ce qui a été mesuré."],
      ],
      scenarioTitle: (a) => ["Scénario ", code(a.name), ` (${a.kind})`],
      verdictLine: (a) => [
        strong(`Verdict : ${statusFr[a.status]}`),
        ` — ${a.met}/${a.thresholds} ${pl(a.thresholds, "seuil respecté", "seuils respectés")} ; ${f.int(a.ok)}/${f.int(a.total)} requêtes réussies`,
        a.stopped ? ` (${f.int(a.stopped)} autres coupées par l'arrêt de l'exécution, dans aucune mesure)` : "",
        ".",
      ],
      headline: (h) => ["Résumé de l'analyse (en anglais) : « It ", h, ". »"],
      incompleteScenario: "L'exécution s'est arrêtée avant la fin de ce scénario : ses mesures reposent sur ce qui a été mesuré.",
      sweepFirstLevel: (level, upTo) =>
        `Un balayage de concurrence : les mesures ci-dessous sont celles de son premier niveau (${level === 1 ? "une session à la fois" : `${level} sessions simultanées`}) ; la section 4 met les niveaux côte à côte, et chaque verdict est le pire ${upTo !== undefined ? `sur les niveaux jusqu'à ${upTo} (ceux au-dessus ne comptent pas)` : "sur tous les niveaux"}.`,
      keyFigures: "Mesures clés",
      verdicts: "Verdicts",
      noThreshold: "Aucun seuil n'était fixé pour ce scénario.",
      noScenario: "Aucun scénario n'a enregistré de requête dans cette exécution.",
      notesInEnglish: " (messages de l'outil, en anglais)",
    },
    trade: {
      intro: "Seules des mesures prises dans des conditions comparables sont mises en regard ci-dessous.",
      convSweepTitle: (a) => ["Latence contre débit : ", code(a.run), " / ", code(a.scenario)],
      convSweep: (a) => {
        const lat = a.ttftFrom !== undefined && a.ttftTo !== undefined;
        const tput = a.tputFrom !== undefined && a.tputTo !== undefined;
        if (!lat && !tput) return `Les niveaux de ${a.from} à ${a.to} sessions simultanées n'ont pas les mesures nécessaires à la comparaison (voir le tableau).`;
        const parts: string[] = [];
        if (lat) parts.push(`le TTFT moyen est passé de ${f.ms(a.ttftFrom)} à ${f.ms(a.ttftTo)} (${f.factor(a.ttftTo! / a.ttftFrom!)})`);
        if (tput) parts.push(`la sortie totale de ${f.num(a.tputFrom)} à ${f.num(a.tputTo)} tok/s (${f.factor(a.tputTo! / a.tputFrom!)})`);
        let reading = "";
        if (lat && tput) {
          const latUp = a.ttftTo! > a.ttftFrom!;
          const tputUp = a.tputTo! > a.tputFrom!;
          reading = latUp && tputUp ? " Plus de sessions simultanées ont apporté du débit total au prix de la latence." : latUp && !tputUp ? " La sortie totale n'a pas augmenté avec la concurrence : les sessions supplémentaires n'ont ajouté que de la latence." : "";
        }
        return `De ${a.from} à ${a.to} sessions simultanées, ${parts.join(" et ")}.${reading}`;
      },
      loadSweepTitle: (a) => ["Latence contre débit d'arrivée : ", code(a.run), " / ", code(a.scenario)],
      loadSweep: (a) => {
        if (a.sync === undefined || a.max === undefined) return "Il manque au balayage son étape synchrone ou son étape de débit maximal : le tableau montre les étapes exécutées.";
        const lat = a.ttftSync !== undefined && a.ttftMax !== undefined ? `, tandis que le TTFT p50 passait de ${f.ms(a.ttftSync)} à ${f.ms(a.ttftMax)}` : "";
        return `Les requêtes terminées par seconde sont passées de ${f.num(a.sync, 2)} avec une requête en vol à ${f.num(a.max, 2)} avec ${f.int(a.maxConcurrency)} en vol${lat}.`;
      },
      toolsLevelsTitle: (a) => ["Appels d'outils contre concurrence : ", code(a.run), " / ", code(a.scenario)],
      toolsLevels: "Les mêmes cas à chaque niveau de concurrence (les parseurs d'outils en streaming peuvent flancher sous charge) :",
      cacheProbesTitle: (a) => ["Succès contre échec de cache : ", code(a.run), " / ", code(a.scenario)],
      cacheProbe: (a) => {
        const ci = a.lower !== undefined && a.upper !== undefined ? ` (intervalle à 95 % ${f.factor(a.lower)}–${f.factor(a.upper)}${a.n !== undefined ? `, n = ${f.int(a.n)}` : ""})` : "";
        if (a.probe === "independent") return [code(a.probe), ` (le témoin : des prompts sans préfixe commun) : TTFT échec/succès ${a.estimate !== undefined ? f.factor(a.estimate) : "non mesuré"}${ci}.`];
        switch (a.reading) {
          case "speedup":
            return [code(a.probe), ` : le TTFT d'un échec de cache valait ${f.factor(a.estimate)} celui d'un succès${ci} : les succès étaient plus rapides.`];
          case "slowdown":
            return [code(a.probe), ` : le TTFT d'un échec de cache valait ${f.factor(a.estimate)} celui d'un succès${ci} : les succès étaient plus lents.`];
          case "no_measurable_speedup":
            return [code(a.probe), ` : aucune différence mesurable entre succès et échecs, TTFT échec/succès ${f.factor(a.estimate)}${ci}.`];
          case "not_measured":
            return [code(a.probe), " : non mesuré."];
        }
      },
      qualityTitle: (a) => ["Vitesse contre qualité : ", code(a.run), " / ", code(a.scenario)],
      quality: (a) =>
        [
          `Les exécutions de tâches réussies ont pris une durée E2E moyenne de ${f.ms(a.passE2e)} (n = ${f.int(a.passN)}) contre ${f.ms(a.failE2e)} pour celles en échec (n = ${f.int(a.failN)})`,
          a.passTokens !== undefined && a.failTokens !== undefined ? `, avec ${f.int(a.passTokens)} et ${f.int(a.failTokens)} tokens de sortie en moyenne.` : ".",
        ].join(""),
      truncated: (a) =>
        `${f.int(a.truncated)} ${pl(a.truncated, "réponse sur", "réponses sur")} ${f.int(a.runs)} ${pl(a.truncated, "a été coupée", "ont été coupées")} par max_tokens${a.maxTokens !== undefined ? ` (${f.int(a.maxTokens)})` : ""} et ${pl(a.truncated, "notée", "notées")} telles quelles : un max_tokens plus grand les laisse finir, au prix d'une durée E2E plus longue.`,
      pairTitle: (a) => [a.cache ? "Cache de préfixe activé contre désactivé : " : "Exécutions répétées : ", code(a.a), " / ", code(a.b)],
      pairCache: (a) => [
        "Les exécutions ",
        code(a.on),
        " (cache de préfixe activé) et ",
        code(a.off),
        ` (désactivé) partagent ${f.list(a.shared)}, ainsi que la configuration ${pl(a.scenarios.length, "du scénario", "des scénarios")} `,
        joinPieces(a.scenarios.map((s) => code(s)), "et"),
        " : d'après leurs dossiers, elles ne diffèrent que par le cache de préfixe.",
        a.simulated ? " Les deux ont mesuré le simulateur : le tableau montre son modèle de cache de préfixe, pas celui d'un serveur." : "",
      ],
      pairRepeat: (a) => [
        "Les exécutions ",
        code(a.a),
        " et ",
        code(a.b),
        ` partagent ${f.list(a.shared)}, ainsi que la configuration ${pl(a.scenarios.length, "du scénario", "des scénarios")} `,
        joinPieces(a.scenarios.map((s) => code(s)), "et"),
        " : d'après leurs dossiers, c'est deux fois la même mesure, et leurs écarts montrent la variation d'une exécution à l'autre.",
      ],
      pairLatency: (a) => [
        `${a.figure} : ${f.ms(a.va)} (n = ${f.int(a.na)}) dans `,
        code(a.a),
        ` contre ${f.ms(a.vb)} (n = ${f.int(a.nb)}) dans `,
        code(a.b),
        `, ${f.factor(a.vb / a.va)}.`,
      ],
      colA: (label, cache) => (cache ? `${label} (cache ${cache === "on" ? "activé" : "désactivé"})` : label),
      ratio: (cache) => (cache ? "désactivé / activé" : "seconde / première"),
      difference,
      notComparable: (a) => [
        "Les exécutions ",
        joinPieces(a.runs.map((r) => code(r)), "et"),
        ` ont chacune un scénario de ${a.kind}, mais aucune paire n'a tourné dans les mêmes conditions (cache de préfixe mis à part) ; ${a.runs.length > 2 ? "les deux premières" : "elles"} diffèrent par ${f.list(a.differences.map((d) => difference[d]))} : leurs mesures ne sont pas mises côte à côte.`,
      ],
      none: "Ces exécutions ne contiennent aucune mesure à mettre en regard d'une autre : ni balayage de concurrence ou de débit, ni sonde de cache, ni exécution de raisonnement avec des tâches réussies et en échec, ni deux exécutions qui ne diffèrent que par le cache de préfixe.",
    },
    rec: {
      intro: "Chaque recommandation repose sur les mesures ci-dessus et sur les seuils de son scénario ; un cas d'usage qu'aucun scénario n'a mesuré est signalé comme tel.",
      simulatedPrefix: "(cible simulée) ",
      convFigures: (a) => {
        const lat =
          a.ttftMean !== undefined
            ? `TTFT moyen ${f.ms(a.ttftMean)}${a.ttftP90 !== undefined ? `, p90 ${f.ms(a.ttftP90)}` : ""} (n = ${f.int(a.ttftN)})`
            : a.e2eMean !== undefined
              ? `TTFT non mesuré (aucun token diffusé), E2E moyen ${f.ms(a.e2eMean)} (n = ${f.int(a.e2eN)})`
              : "aucune latence mesurée";
        const deg =
          a.degradation !== undefined
            ? `sur ${a.turns} tours, la dégradation du TTFT de la pire session a été de ${f.signedPct(a.degradation)} (n = ${f.int(a.degradationN)} ${pl(a.degradationN, "session", "sessions")})`
            : "aucune dégradation au fil des tours n'a été mesurée";
        return `${lat} avec ${levelsText([a.level])}${a.sweep ? " (le premier niveau du balayage)" : ""} ; ${deg}.`;
      },
      convPass: (a) => `Tous les seuils sur ces mesures sont respectés : adapté, tel que mesuré, aux conversations d'agents jusqu'à ${a.turns} tours avec ${levelsText(a.levels)}.`,
      reasoningFigures: (a) =>
        `${a.score !== undefined ? `Score moyen ${f.pct(a.score)}` : "Aucun score"} sur ${f.int(a.runs)} ${pl(a.runs, "exécution", "exécutions")} de tâches (${f.int(a.passed)} ${pl(a.passed, "réussie", "réussies")}${a.reviewed > 0 ? `, ${f.int(a.reviewed)} relues par une personne` : ", notes par règles, aucune relue par une personne"}) ; ${a.e2eMean !== undefined ? `E2E moyen ${f.ms(a.e2eMean)}${a.e2eP90 !== undefined ? `, p90 ${f.ms(a.e2eP90)}` : ""} (n = ${f.int(a.e2eN)})` : "aucune durée E2E mesurée"}${a.truncated > 0 ? ` ; ${f.int(a.truncated)} ${pl(a.truncated, "réponse coupée", "réponses coupées")} par max_tokens` : ""}.`,
      reasoningPass: (a) => `Tous les seuils sont respectés${a.e2eP90 !== undefined ? ` ; avec un E2E p90 de ${f.ms(a.e2eP90)} par tâche, prévoyez autant` : ""}.`,
      raiseMaxTokens: (n) => `Augmentez max_tokens : ${f.int(n)} ${pl(n, "réponse a été coupée", "réponses ont été coupées")} avant leur fin.`,
      toolsParser: (a) =>
        `Les appels d'outils sont revenus en texte dans le contenu dans ${f.int(a.failures)} exécutions de cas sur ${f.int(a.runs)} : corrigez le parseur d'appels d'outils du serveur (vLLM : --enable-auto-tool-choice et le --tool-call-parser du modèle) avant de compter sur les appels d'outils.`,
      toolsFigures: (a) =>
        `${f.pct(a.accuracy)} des exécutions de cas ont fait les appels attendus (n = ${f.int(a.runs)}), sans échec du parseur${a.mismatch !== undefined && a.mismatch > 0 ? ` ; les appels en streaming différaient des appels sans streaming dans ${f.pct(a.mismatch)} des ${f.int(a.compared)} comparés` : ""}.`,
      toolsPass: "Tous les seuils sont respectés : adapté aux appels d'outils, tel que mesuré.",
      toolsNone: "Aucune exécution de cas n'a pu être jugée : aucune ne s'est terminée sans erreur HTTP (voir les erreurs en annexe).",
      convCapacity: (a) =>
        a.max > 0
          ? `Tient ${a.max} ${pl(a.max, "conversation simultanée", "conversations simultanées")} de ${a.turns} tours dans tous les seuils${
              a.max === a.highestAsked ? ` (le niveau le plus haut demandé, donc la limite n'a pas été atteinte : balayez des niveaux plus hauts pour la trouver)` : a.next ? ` ; à ${a.next.level}, ${a.next.status === "fail" ? "un seuil échoue" : "le verdict est non concluant"}` : ""
            }.`
          : `Aucun niveau demandé n'a respecté tous les seuils, pas même le plus bas (${a.lowest} à la fois).`,
      loadSweep: (a) => {
        const parts: string[] = [];
        if (a.highestPassing) parts.push(`jusqu'à ${f.num(a.highestPassing.rate, 2)} req/s (${a.highestPassing.stage}), chaque étape de débit a suivi ses arrivées et respecté tous les seuils`);
        else if (a.anyOpenStage) parts.push("dès l'étape de débit la plus basse, le serveur n'a pas à la fois suivi les arrivées et respecté tous les seuils");
        if (a.next && a.next.why !== "saturated") {
          const why = { client_limited: "le client n'a pas tenu son calendrier d'envoi (limité par le client), donc cette étape ne dit rien de sûr du serveur", fail: "un seuil a échoué", inconclusive: "un verdict était non concluant", not_measured: "ses seuils n'ont pas pu être mesurés" }[a.next.why];
          parts.push(`à ${f.num(a.next.rate, 2)} req/s (${a.next.stage}), ${why}`);
        }
        if (a.firstSaturated) parts.push(`le serveur a saturé ${a.firstSaturated.allFaster ? "à partir de" : "à"} ${f.num(a.firstSaturated.rate, 2)} req/s (${a.firstSaturated.stage})`);
        else if (a.anyOpenStage) parts.push("le serveur a suivi les arrivées à chaque étape de débit");
        if (a.maxThroughput !== undefined) parts.push(`son débit maximal a été de ${f.num(a.maxThroughput, 2)} req/s avec ${f.int(a.maxConcurrency)} requêtes en vol`);
        const s = parts.join(" ; ");
        return s ? `${s.charAt(0).toUpperCase()}${s.slice(1)}.` : "Le balayage n'a mesuré aucune étape.";
      },
      loadSingle: (a) =>
        `${a.open ? `À ${f.num(a.rate, 2)} req/s demandées (${a.mode}${a.achieved !== undefined ? `, ${f.num(a.achieved, 2)} atteintes` : ""})` : `Avec ${f.int(a.concurrency)} requêtes en vol (boucle fermée${a.achieved !== undefined ? `, ${f.num(a.achieved, 2)} req/s` : ""})`}${
          a.saturated === undefined ? "" : a.saturated ? ", le serveur n'a pas suivi les arrivées" : ", le serveur a suivi les arrivées"
        }${a.ttftP99 !== undefined ? `${a.saturated === undefined ? "" : " ;"} TTFT p99 ${f.ms(a.ttftP99)}${a.fromIntended ? " depuis l'envoi prévu" : ""}` : ""}.`,
      loadSweepHint: ["Un seul niveau de charge : lancez un balayage (", code("--set load.mode=sweep"), ") pour trouver le débit le plus haut dans les seuils."],
      soak: (a) =>
        a.stability === "not_measured"
          ? `L'endurance a été trop courte pour juger (${a.windows} ${pl(a.windows, "fenêtre complète", "fenêtres complètes")} ; une tendance en demande 3).`
          : `Sur ${a.duration} (${f.int(a.requests)} requêtes, ${a.windows} fenêtres complètes), le serveur a été ${a.stability === "stable" ? "stable : aucune mesure n'a bougé sensiblement (du seuil de dérive ou plus) au-delà du bruit" : a.stability === "drifting" ? "en dérive : quelque chose a bougé au-delà du bruit (une tendance, un saut, une réponse témoin, la mémoire ou un redémarrage) sans faire échouer un seuil de dérive" : "en dégradation : un seuil de dérive a échoué"}.`,
      notSuited: (l) => ["Inadapté tel que mesuré : ", joinPieces(l, "et"), "."],
      undecided: (l) => ["Indécis : ", joinPieces(l, "et"), " ", pl(l.length, "est non concluant", "sont non concluants"), " (dans le bruit, ou mesuré par un client surchargé)."],
      allPassed: "Tous les seuils sont respectés.",
      passedAsNoise: (l) => ["Respectés malgré un dépassement de la limite : ", joinPieces(l, "et"), " ; l'analyse n'a pas pu distinguer l'écart du bruit (sa raison est en section 3)."],
      partlyMeasured: (l) => ["Les seuils qui ont pu être jugés sont respectés ; non mesurés, donc non jugés : ", joinPieces(l, "et"), "."],
      unmeasured: (l) => ["Aucun seuil n'a pu être jugé ; non mesurés : ", joinPieces(l, "et"), "."],
      noThreshold: "Aucun seuil n'était fixé sur ces mesures : comparez-les à votre propre budget.",
      notMeasured: (a) => [strong("Non mesuré"), " : lancez ", code(a.command), " pour le savoir."],
    },
    app: {
      linksTitle: "Rapports des exécutions",
      linksIntro: "Les chemins sont relatifs au dossier de ce rapport.",
      notWritten: (file) => ["non écrit (", code(`shakedown report DIR`), ` écrit ${file})`],
      loadNotesTitle: "Ce que la lecture des dossiers a laissé de côté",
      rawTitle: "Toutes les mesures",
      rawIntro: "Toutes les mesures de chaque scénario telles que results.json les contient (clé, valeur et n) ; les rapports des exécutions contiennent les tableaux par requête.",
      errorsCol: { kind: "Erreur", count: "Nombre", example: "Exemple" },
      errorsTitle: "Erreurs",
    },
    concl: {
      overall: (a) => [
        strong(`Verdict global : ${statusFr[a.status]}`),
        ` sur ${a.runs} ${pl(a.runs, "exécution", "exécutions")}`,
        a.status === "pass"
          ? " : chaque exécution a respecté les seuils qu'elle a mesurés."
          : a.status === "fail"
            ? " : au moins une exécution a échoué à un seuil."
            : a.status === "incomplete"
              ? " : aucune exécution n'a échoué, mais au moins une ne s'est pas terminée, et ses verdicts reposent sur une partie de ce qui était prévu."
              : a.status === "inconclusive"
                ? " : aucune exécution n'a échoué, mais au moins un verdict n'a pas pu être tranché."
                : " : au moins une exécution n'a pu juger aucun de ses seuils (non mesuré).",
        ` shakedown sort avec le code ${a.exitCode} pour ce rapport.`,
      ],
      runLine: (a) => {
        const out: Inline[] = [statusFr[a.status]];
        if (a.measuredNothing) out.push(" : aucun seuil n'a pu être jugé");
        for (const s of a.failing) out.push(" ; ", code(s.scenario), " échoue sur ", joinPieces(s.thresholds, "et"));
        for (const s of a.inconclusive) out.push(" ; ", code(s.scenario), " est non concluant sur ", joinPieces(s.thresholds, "et"));
        if (a.status === "incomplete") out.push(" ; l'exécution ne s'est pas terminée", a.interruption ? [" (", a.interruption, ")"] : "");
        out.push(".");
        return out;
      },
      simulated: "Les mesures prises sur le simulateur décrivent le modèle de temps de shakedown, pas un modèle ni un GPU.",
      notMeasured: (u) => [`Non mesuré par ces exécutions : ${f.list(u.map((x) => useCase[x].toLowerCase()))} (la section 5 nomme le scénario à lancer).`],
      allMeasured: "Chaque cas d'usage de la section 5 a été mesuré par au moins une exécution.",
    },
  };
}

const TABLES: Record<FinalLang, (f: Fmt) => Messages> = { en, fr };

export function messages(f: Fmt): Messages {
  return TABLES[f.lang](f);
}
