import { describe, expect, it } from "vitest";
import { applySets, applySetsTracked } from "../../../src/config/overrides.js";
import { configError } from "./helpers.js";

const base = () => ({
  name: "s",
  target: { url: "http://127.0.0.1:8000/v1" },
  scenarios: [
    { kind: "conversation", name: "short", turns: 5 },
    { kind: "conversation", name: "long", turns: 30 },
  ],
});

describe("applySets: values", () => {
  it("parses values as YAML scalars and flow collections", () => {
    const out = applySets(base(), [
      "short.turns=7",
      "short.temperature=0.2",
      "long.thresholds=[\"ttft.mean < 4000\", \"success_rate > 95%\"]",
      "long.windows=[[1, 10], [21, 30]]",
      "target.stream=false",
      "target.model=qwen3:8b",
      'description="quoted: text"',
      "name=nightly",
      "target.extra_body={chat_template_kwargs: {enable_thinking: false}}",
    ]) as ReturnType<typeof base> & Record<string, unknown>;
    expect(out.scenarios[0]).toEqual({ kind: "conversation", name: "short", turns: 7, temperature: 0.2 });
    expect(out.scenarios[1]).toMatchObject({
      thresholds: ["ttft.mean < 4000", "success_rate > 95%"],
      windows: [
        [1, 10],
        [21, 30],
      ],
    });
    expect(out.target).toEqual({
      url: "http://127.0.0.1:8000/v1",
      stream: false,
      model: "qwen3:8b",
      extra_body: { chat_template_kwargs: { enable_thinking: false } },
    });
    expect(out.description).toBe("quoted: text");
    expect(out.name).toBe("nightly");
  });

  it("keeps a URL value whole (only the first = splits)", () => {
    const out = applySets(base(), ["target.url=http://10.0.0.5:8000/v1?a=b"]) as ReturnType<typeof base>;
    expect(out.target.url).toBe("http://10.0.0.5:8000/v1?a=b");
  });

  it("applies a kind to every scenario of that kind, a name to that scenario only", () => {
    const byKind = applySets(base(), ["conversation.iterations=1"]) as ReturnType<typeof base>;
    expect(byKind.scenarios.map((s) => (s as Record<string, unknown>).iterations)).toEqual([1, 1]);
    const byName = applySets(base(), ["long.iterations=2"]) as ReturnType<typeof base>;
    expect(byName.scenarios.map((s) => (s as Record<string, unknown>).iterations)).toEqual([undefined, 2]);
  });

  it("matches a scenario without a name by its kind's default name", () => {
    const out = applySets({ scenarios: [{ kind: "conversation" }] }, ["conversation.turns=3"]) as { scenarios: unknown[] };
    expect(out.scenarios[0]).toEqual({ kind: "conversation", turns: 3 });
  });

  it("creates missing mappings under target and output", () => {
    const out = applySets({ scenarios: [{ kind: "conversation" }] }, ["target.timeouts.total_ms=1000", "output.dir=/tmp/x"]);
    expect(out).toMatchObject({ target: { timeouts: { total_ms: 1000 } }, output: { dir: "/tmp/x" } });
  });

  it("addresses a scenario by index", () => {
    const out = applySets(base(), ["scenarios.1.turns=12"]) as ReturnType<typeof base>;
    expect(out.scenarios[1]?.turns).toBe(12);
  });

  it("removes a key with null, so its default applies again", () => {
    const out = applySets(base(), ["short.turns=null", "target.model=~"]) as ReturnType<typeof base>;
    expect(out.scenarios[0]).not.toHaveProperty("turns");
    expect(out.target).not.toHaveProperty("model");
  });

  it("does not change its input, and later assignments win", () => {
    const input = base();
    const out = applySets(input, ["short.turns=7", "short.turns=8"]) as ReturnType<typeof base>;
    expect(input.scenarios[0]?.turns).toBe(5);
    expect(out.scenarios[0]?.turns).toBe(8);
  });

  it("tells which concrete paths each assignment wrote", () => {
    const { applied } = applySetsTracked(base(), ["conversation.turns=3", "target.model=m"]);
    expect(applied).toEqual([
      { path: ["scenarios", 0, "turns"], origin: "--set conversation.turns=3" },
      { path: ["scenarios", 1, "turns"], origin: "--set conversation.turns=3" },
      { path: ["target", "model"], origin: "--set target.model=m" },
    ]);
  });
});

describe("applySets: bad forms", () => {
  it.each([
    ["turns", /--set turns: no "="; accepted forms: --set name=VALUE, --set target\.KEY=VALUE/],
    ["=5", /--set =5: empty path before "="; accepted forms/],
    ["conversation..turns=5", /empty or blank part in path/],
    [".turns=5", /empty or blank part in path/],
    ["conversation.turns=", /no value after "="; write =null to remove a key or ="" for an empty string/],
    ["conversation.turns=[1, 2", /the value is not a YAML scalar or flow collection/],
    ["bogus.turns=5", /"bogus" is not a top-level key \(name, description, target, output, monitor, verdicts\), a scenario kind \(conversation[^)]*\) or a scenario name of this suite \(short, long\); accepted forms/],
    ["conversation=5", /name a key of the scenario, e.g. --set conversation\.KEY=VALUE/],
    ["conversation.kind=other", /a scenario's kind cannot be changed with --set/],
    ["scenarios.5.turns=1", /the suite has 2 scenario\(s\) \(indexes 0 to 1\); --set cannot add one/],
    ["scenarios.x.turns=1", /use scenarios\.N\.KEY=VALUE/],
    ["scenarios=[]", /use scenarios\.N\.KEY=VALUE/],
    ["name.first=x", /name is not a mapping, so first cannot be set in it/],
    ["target.__proto__.polluted=1", /"__proto__" cannot be set/],
    ["constructor.prototype.x=1", /"constructor" cannot be set/],
  ])("--set %s", (assignment, message) => {
    const err = configError(() => applySets(base(), [assignment]));
    expect(err.message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("does not create a scenario that the suite lacks", () => {
    const err = configError(() => applySets({ scenarios: [] }, ["conversation.turns=5"]));
    expect(err.message).toMatch(
      /--set conversation\.turns=5: the suite has no conversation scenario, and --set does not create one; add it to the suite file .* or run it alone with --scenario conversation/,
    );
  });

  it("rejects a suite that is not a mapping", () => {
    expect(configError(() => applySets([1, 2], ["name=x"])).message).toMatch(/the suite is not a mapping/);
  });
});
