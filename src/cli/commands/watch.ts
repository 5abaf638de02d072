/**
 * `shakedown watch [suite]`: flags → a canary suite, alert rules and a schedule; the watch runs
 * in src/watch/; this prints its events as log lines and maps the end to an exit code:
 * 0 when no alert is firing at the end, 1 when one is (--once: after its one cycle; a stop by
 * SIGTERM or SIGINT: after the cycle in progress ends), 2 for a bad flag, suite or rules file
 * (before anything runs), 74 when the watch folder cannot be written.
 */
import { printable } from "../../config/file-check.js";
import { parseDuration, DURATION_FORMS } from "../../config/duration.js";
import { builtinSuitePath, resolveSuite } from "../../config/resolve.js";
import { ConfigError, EXIT } from "../../errors.js";
import { resolveRunRef } from "../../store/history.js";
import { defaultRules, formatValue, loadRulesFile, startWatch, type CycleSummary, type WatchRules } from "../../watch/index.js";
import { formatMs } from "../../watch/remediation.js";
import { webhookUrlProblem } from "../../watch/rules.js";
import { targetFromFlags } from "../options.js";

export interface WatchFlags {
  target?: string;
  model?: string;
  apiKeyEnv?: string;
  rules?: string;
  every: string;
  for?: string;
  once?: boolean;
  baseline?: string;
  reset?: boolean;
  stopGrace: string;
  out?: string;
  set: string[];
  metricsPort?: number;
  metricsHost: string;
  webhook?: string;
  json?: boolean;
  /** false with --no-history. */
  history?: boolean;
}

/** --every and --for: a duration, or a usage error (exit 2) before anything runs. */
export function durationFlag(flag: string, v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined) throw new ConfigError(`${flag} ${JSON.stringify(v)}: expected ${DURATION_FORMS}.`);
  return ms;
}

const stamp = (): string => new Date().toISOString();

export async function watchCommand(suiteFile: string | undefined, flags: WatchFlags): Promise<number> {
  if (flags.once && flags.for !== undefined) throw new ConfigError("--once runs one cycle; --for runs cycles for a duration: give one or the other.");
  const everyMs = durationFlag("--every", flags.every);
  const forMs = flags.for !== undefined ? durationFlag("--for", flags.for) : undefined;
  const stopGraceMs = durationFlag("--stop-grace", flags.stopGrace);
  const suite = resolveSuite({
    file: suiteFile ?? builtinSuitePath("watch-canary"),
    sets: flags.set,
    target: targetFromFlags(flags),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
  });
  if (suite.target.url === undefined) {
    throw new ConfigError("watch needs a server to watch: give --target URL (e.g. http://127.0.0.1:8000/v1), or target.url in the suite. To try it, start a simulator first: shakedown sim --port 8000");
  }
  const scenarios = suite.scenarios.map((s) => s.name);
  let rules: WatchRules = flags.rules !== undefined ? loadRulesFile(flags.rules, scenarios) : defaultRules(scenarios);
  if (flags.webhook !== undefined) {
    const problem = webhookUrlProblem(flags.webhook);
    if (problem !== undefined) throw new ConfigError(`--webhook: ${problem}`);
    rules = { ...rules, webhook: { timeoutMs: 5_000, retries: 3, backoffMs: 1_000, on: ["firing", "resolved"], ...rules.webhook, url: flags.webhook } };
  }
  const baselineDir = flags.baseline !== undefined ? resolveRunRef(flags.baseline, { outDir: suite.output.dir, suite: suite.name }) : undefined;

  // Human lines go to stdout, or to stderr when --json prints the cycles there.
  const out = flags.json ? process.stderr : process.stdout;
  const say = (line: string): void => void out.write(`${stamp()} ${printable(line)}\n`);
  const watch = startWatch({
    suite,
    rules,
    everyMs,
    ...(forMs !== undefined ? { forMs } : {}),
    ...(flags.once ? { once: true } : {}),
    outDir: suite.output.dir,
    ...(flags.history === false ? { history: false } : {}),
    ...(baselineDir !== undefined ? { baselineDir } : {}),
    ...(flags.reset ? { reset: true } : {}),
    stopGraceMs,
    ...(flags.metricsPort !== undefined ? { metrics: { port: flags.metricsPort, host: flags.metricsHost } } : {}),
  });
  watch.on("start", (s) => {
    const schedule = flags.once ? "once" : `every ${formatMs(s.everyMs)}${forMs !== undefined ? ` for ${formatMs(forMs)}` : ""}`;
    say(`watching ${s.target} ${schedule} from cycle ${s.firstCycle} (suite ${suite.name}: ${scenarios.join(", ")}; rules: ${s.rules}, ${rules.alerts.length} alerts)`);
    say(`writing ${s.dir}`);
    if (s.metricsUrl) say(`metrics at ${s.metricsUrl}`);
    if (s.webhook) say(`webhook ${s.webhook} on ${rules.webhook?.on.join(" and ") ?? ""}`);
    if (rules.remediation) say(`remediation on ${rules.remediation.on.join(", ")}: cool-down ${formatMs(rules.remediation.cooldownMs)}, at most ${rules.remediation.maxPerDay} a day`);
    const b = s.baseline;
    say(b.source === "run" ? `baseline: the run folder ${b.dir ?? "?"}` : b.ready ? `baseline: ready (${b.cycles} healthy cycles)` : `baseline: forming from the first ${b.needed} healthy cycles (${b.cycles} so far)`);
    for (const n of s.notes) say(`note: ${n}`);
  });
  watch.on("cycle:end", (c) => {
    if (flags.json) process.stdout.write(JSON.stringify(c) + "\n");
    say(cycleLine(c));
  });
  watch.on("alert", (t) => {
    const how = t.state === "firing" ? `after ${t.cycles} cycle${t.cycles === 1 ? "" : "s"}` : `after ${t.cycles} clear cycle${t.cycles === 1 ? "" : "s"}${t.since ? `, firing since ${t.since}` : ""}`;
    say(`ALERT ${t.state.toUpperCase()} ${t.alert} (${t.severity}): ${t.detail} [${t.when}] ${how}`);
  });
  watch.on("log", (m) => say(m));
  watch.on("warning", (m) => void process.stderr.write(`${stamp()} shakedown: warning: ${printable(m)}\n`));

  let signalName: string | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    if (signalName !== undefined) {
      process.stderr.write(`\n${name} again: exiting now; what was measured is in the watch folder.\n`);
      process.exit(EXIT.interrupted);
    }
    signalName = name;
    process.stderr.write(`\n${name}: ending the cycle in progress (its requests are cut after ${formatMs(stopGraceMs)}), then stopping (send again to quit at once)…\n`);
    watch.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const o = await watch;
    const firing = o.firing.length > 0 ? `firing: ${o.firing.join(", ")}` : "no alert firing";
    const why = o.end === "once" ? "one cycle (--once)" : o.end === "for" ? "--for elapsed" : o.end === "storage" ? "the watch folder cannot be written" : `stopped${signalName ? ` by ${signalName}` : ""}`;
    say(`watch ended after ${o.cycles} cycle${o.cycles === 1 ? "" : "s"} (${why}); ${firing}`);
    if (o.storageError) {
      process.stderr.write(`shakedown: ${printable(o.storageError.message)}\n`);
      return EXIT.io;
    }
    return o.firing.length > 0 ? EXIT.verdictFailed : EXIT.ok;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** One cycle in one line. */
export function cycleLine(c: CycleSummary): string {
  const parts: string[] = [];
  if (c.outcome === "unreachable") parts.push(`cycle ${c.cycle} UNREACHABLE: ${c.reason ?? "no answer"}`);
  else if (c.outcome === "interrupted") parts.push(`cycle ${c.cycle} interrupted (${c.requests} requests kept, not judged)`);
  else {
    parts.push(`cycle ${c.cycle} ok: ${c.requests} requests, ${c.errors} failed${c.errorKinds.length ? ` (${c.errorKinds.map((e) => `${e.kind} ×${e.count}`).join(", ")})` : ""}`);
    const f = c.figures;
    const ms = (k: string): string | undefined => (f[k] !== undefined ? formatValue(f[k] as number, "ms") : undefined);
    const lat = [ms("ttft.p50") && `TTFT p50 ${ms("ttft.p50")}`, ms("ttft.p90") && `p90 ${ms("ttft.p90")}`, ms("e2e.p90") && `E2E p90 ${ms("e2e.p90")}`].filter(Boolean);
    if (lat.length) parts.push(lat.join(", "));
    const judged = c.canaries.filter((x) => x.pass !== undefined);
    if (c.canaries.length) {
      const bad = c.canaries.filter((x) => x.pass === false).map((x) => `${x.name} ${x.wrong ? "wrong" : x.changed ? "changed" : "failed"}`);
      parts.push(`canaries ${judged.filter((x) => x.pass).length}/${judged.length} pass${bad.length ? ` (${bad.join(", ")})` : ""}`);
    }
  }
  if (c.figures["server.uptime_hours"] !== undefined) parts.push(`server up ${formatMs(c.figures["server.uptime_hours"] * 3_600_000)}`);
  if (c.figures["server.restarted"] === 1) parts.push("server RESTARTED");
  if (!c.baseline.ready) parts.push(`baseline ${c.baseline.cycles}/${c.baseline.needed}`);
  parts.push(formatMs(c.durationMs));
  const pending = c.alerts.filter((a) => a.status === "pending").map((a) => a.name);
  parts.push(c.firing.length ? `FIRING: ${c.firing.join(", ")}` : "firing: none");
  if (pending.length) parts.push(`pending: ${pending.join(", ")}`);
  return parts.join(" · ");
}

