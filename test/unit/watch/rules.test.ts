/**
 * Issue 16: alert rules as data. The defaults (the seed's two gates and the faults a watch is
 * for), the threshold syntax of suites and --fail-on's for baseline bounds, and bad files
 * refused with file:line:col for every problem at once.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { defaultRules, loadRulesFile, parseCondition, parseRulesText, redactUrl, type AlertRule } from "../../../src/watch/rules.js";
import { tempDir } from "../../helpers/tmp.js";

const SCENARIOS = ["chat", "reasoning", "tools"];

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("default rules", () => {
  it("are the seed's two gates plus errors, unreachable, canaries and restarts, with hysteresis", () => {
    const r = defaultRules(SCENARIOS);
    expect(r.alerts.map((a) => a.name)).toEqual(["ttft_p90", "degradation_ttft", "degradation_e2e", "error_rate", "unreachable", "canary_wrong", "canary_changed", "restarted"]);
    const ttft = r.alerts[0]!;
    expect(ttft.condition).toMatchObject({ kind: "threshold", threshold: { metric: "ttft.p90", op: ">", value: 5000, unit: "ms" } });
    expect([ttft.for, ttft.resolveAfter, ttft.window]).toEqual([2, 2, 1]);
    const deg = r.alerts[1]!;
    expect(deg.condition).toMatchObject({ kind: "baseline", scope: "", base: "ttft", stat: "p50", bound: { op: ">", value: 0.15, relative: true } });
    expect(deg.window).toBe(3);
    expect(r.alerts.find((a) => a.name === "unreachable")).toMatchObject({ for: 1, resolveAfter: 1, severity: "critical" });
    expect(r.baseline).toEqual({ cycles: 5, alpha: 0.05, iterations: 2000, seed: 0x5eed });
    expect(r.webhook).toBeUndefined();
  });
});

describe("a rules file", () => {
  it("reads alerts, baseline, webhook (from a variable) and remediation", () => {
    const text = [
      "defaults: { for: 3, resolve_after: 4 }",
      "baseline: { cycles: 8, alpha: 0.01 }",
      "canaries: { min_similarity: 0.8 }",
      "alerts:",
      '  - { name: slow, when: "chat.ttft.p90 > 2 s", window: 2, severity: critical }',
      '  - { name: drift, when: "baseline.reasoning.e2e.mean > +20%" }',
      '  - { name: up_long, when: "server.uptime_hours > 12", for: 1 }',
      "webhook: { url_env: HOOK, timeout: 2s, retries: 1, on: [firing] }",
      "remediation: { command: docker compose restart vllm, on: [slow, drift], cooldown: 10m, max_per_day: 2 }",
    ].join("\n");
    const r = parseRulesText(text, "rules.yaml", SCENARIOS, { HOOK: "https://hooks.example/services/T1/B2/secret" });
    expect(r.alerts.map((a) => [a.name, a.for, a.resolveAfter, a.window, a.severity])).toEqual([
      ["slow", 3, 4, 2, "critical"],
      ["drift", 3, 4, 3, "warning"],
      ["up_long", 1, 4, 1, "warning"],
    ]);
    expect(r.alerts[0]!.condition).toMatchObject({ kind: "threshold", figure: { scope: "chat", figure: "ttft.p90" }, threshold: { value: 2000 } });
    expect(r.alerts[1]!.condition).toMatchObject({ kind: "baseline", scope: "reasoning", base: "e2e", stat: "mean" });
    expect(r.baseline).toMatchObject({ cycles: 8, alpha: 0.01 });
    expect(r.canaries.minSimilarity).toBe(0.8);
    expect(r.webhook).toEqual({ url: "https://hooks.example/services/T1/B2/secret", timeoutMs: 2000, retries: 1, backoffMs: 1000, on: ["firing"] });
    expect(r.remediation).toEqual({ command: "docker compose restart vllm", on: ["slow", "drift"], cooldownMs: 600_000, maxPerDay: 2, timeoutMs: 300_000 });
  });

  it("refuses every problem at once, each at its line and column", () => {
    const text = [
      "alerts:",
      '  - { name: a, when: "ttft.p99 > 5s" }',
      '  - { name: b, when: "tfft.p90 > 5s" }',
      '  - { name: c, when: "error_rate > 2s" }',
      '  - { name: d, when: "unreachable > 0", window: 3 }',
      '  - { name: a, when: "baseline.ttft.p50 > lots" }',
      "  - name: e",
      "    wen: x",
      "remediation: { command: x, on: [a, nope], cooldown: soon }",
    ].join("\n");
    const dir = tempDir();
    const path = join(dir, "rules.yaml");
    writeFileSync(path, text);
    const msg = errorOf(() => loadRulesFile(path, SCENARIOS, {}));
    // zod's problems (the unknown key, the bad duration, the missing when) come first, alone:
    expect(msg).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:8:5: alerts\\[5\\]\\.wen: unknown key; did you mean "when"\\?`));
    expect(msg).toMatch(/:9:53: remediation\.cooldown: expected a duration such as "5s".*\(got "soon"\)/);
    expect(msg).toMatch(/:7:5: alerts\[5\]\.when: missing \(required\)/);
    // the conditions, once the shape is right:
    const fixed = text.replace("    wen: x", '    when: "x > 1"').replace("cooldown: soon", "cooldown: 1h");
    writeFileSync(path, fixed);
    const second = errorOf(() => loadRulesFile(path, SCENARIOS, {}));
    const lines = second.split("\n");
    expect(lines[0]).toMatch(/rules\.yaml:3:22: alerts\[1\]\.when: unknown figure "tfft\.p90" \(did you mean "ttft\.p90"\?\)/);
    expect(lines[1]).toMatch(/rules\.yaml:4:22: alerts\[2\]\.when: "error_rate > 2s": error_rate is not a duration/);
    expect(lines[2]).toMatch(/rules\.yaml:5:49: alerts\[3\]\.window: .*window applies to request figures/);
    expect(lines[3]).toMatch(/rules\.yaml:6:13: alerts\[4\]\.name: another alert is named "a"/);
    expect(lines[4]).toMatch(/rules\.yaml:6:22: alerts\[4\]\.when: bad condition "baseline\.ttft\.p50 > lots"/);
    expect(lines[5]).toMatch(/rules\.yaml:8:11: alerts\[5\]\.when: unknown figure "x"/);
    expect(lines[6]).toMatch(/rules\.yaml:9:36: remediation\.on\[1\]: no alert is named "nope"/);
    expect(lines).toHaveLength(7);
  });

  it("says where a YAML syntax error is, and refuses a file that is not a mapping", () => {
    expect(errorOf(() => parseRulesText("alerts:\n  - { name: a, when: \"x\"\n", "r.yaml", SCENARIOS))).toMatch(/^r\.yaml:\d+:\d+: YAML syntax error/);
    expect(errorOf(() => parseRulesText("- a\n- b\n", "r.yaml", SCENARIOS))).toMatch(/r\.yaml:1:1: a watch rules file is a mapping/);
    expect(errorOf(() => parseRulesText("webhook: { url_env: NOPE }\n", "r.yaml", SCENARIOS, {}))).toMatch(/r\.yaml:1:21: webhook\.url_env: the variable NOPE is not set/);
    expect(errorOf(() => parseRulesText("webhook: { url: 'ftp://x/y' }\n", "r.yaml", SCENARIOS, {}))).toMatch(/must start with http/);
  });

  it("reads conditions in the thresholds' syntax, scoped to a scenario or not", () => {
    expect(parseCondition("canary.changed >= 1", SCENARIOS)).toMatchObject({ kind: "threshold", figure: { figure: "canary.changed" } });
    expect(parseCondition("tools.error_rate > 50%", SCENARIOS)).toMatchObject({ figure: { scope: "tools", figure: "error_rate" }, threshold: { value: 0.5 } });
    expect(parseCondition("output_tps.mean < 30 tok/s", SCENARIOS)).toMatchObject({ kind: "threshold" });
    expect(parseCondition("baseline.output_tps.p50 < -10%", SCENARIOS)).toMatchObject({ kind: "baseline", base: "output_tps", bound: { value: -0.1 } });
    expect(parseCondition("baseline.e2e.p90 > 200ms", SCENARIOS)).toMatchObject({ kind: "baseline", bound: { relative: false, value: 200, unit: "ms" } });
    expect(parseCondition("other.ttft.p90 > 1s", SCENARIOS)).toMatch(/unknown figure "other\.ttft\.p90"/);
    expect(parseCondition("chat.canary.changed > 0", SCENARIOS)).toMatch(/unknown figure/);
    expect(parseCondition("baseline.nope.ttft.p50 > 10%", SCENARIOS)).toMatch(/"nope" is not a scenario/);
    expect(parseCondition("baseline.error_rate > 10%", SCENARIOS)).toMatch(/compares per-request figures/);
  });
});

describe("examples/watch-rules.yaml", () => {
  it("parses, and its first eight alerts are the default rules", () => {
    const example = loadRulesFile(fileURLToPath(new URL("../../../examples/watch-rules.yaml", import.meta.url)), SCENARIOS);
    const shape = (a: AlertRule) => ({ name: a.name, when: a.when, for: a.for, resolveAfter: a.resolveAfter, window: a.window, severity: a.severity });
    expect(example.alerts.slice(0, 8).map(shape)).toEqual(defaultRules(SCENARIOS).alerts.map(shape));
    expect(example.alerts[8]).toMatchObject({ name: "uptime_12h", condition: { figure: { figure: "server.uptime_hours" } } });
  });
});

describe("redactUrl", () => {
  it("shows a webhook's scheme and host, never its path, query or credentials", () => {
    expect(redactUrl("https://hooks.slack.com/services/T000/B000/XXXXSECRET")).toBe("https://hooks.slack.com/…");
    expect(redactUrl("https://user:pw@chat.example:8443/hooks/abc?token=SECRET")).toBe("https://chat.example:8443/…");
    expect(redactUrl("http://127.0.0.1:9000/")).toBe("http://127.0.0.1:9000");
    expect(redactUrl("not a url SECRET")).not.toMatch(/SECRET/);
  });
});
