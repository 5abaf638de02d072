/** Bad data files (conversation scripts, task packs, tool-case packs): clear ConfigErrors naming the file. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReasoningScenarioConfig, ToolsScenarioConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/errors.js";
import { loadScript } from "../../../src/scenarios/conversation/scripts.js";
import { selectTasks } from "../../../src/scenarios/reasoning/packs.js";
import { resolveToolSpecs } from "../../../src/scenarios/tools/executors.js";
import { selectCases } from "../../../src/scenarios/tools/packs.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir();
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).exitCode).toBe(2);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
const reasoning = (over: Partial<ReasoningScenarioConfig>): ReasoningScenarioConfig =>
  ({ kind: "reasoning", name: "reasoning", pack: "all", repetitions: 1, temperature: 0.6, concurrency: 1, ...over }) as ReasoningScenarioConfig;
const tools = (over: Partial<ToolsScenarioConfig>): ToolsScenarioConfig =>
  ({ kind: "tools", name: "tools", pack: "all", repetitions: 1, temperature: 0, concurrency: 1, compare_non_streamed: true, ...over }) as ToolsScenarioConfig;

describe("conversation scripts", () => {
  it("a YAML syntax error names the file", () => {
    const p = file("broken-script.yaml", "name: x\nturns: [a, b\n");
    expect(configError(() => loadScript(p)).message).toMatch(/broken-script\.yaml: YAML syntax error/);
  });
  it("a file of the wrong shape says what is expected", () => {
    const p = file("shape-script.yaml", "name: x\nturns: 3\n");
    const m = configError(() => loadScript(p)).message;
    expect(m).toContain("not a conversation script");
    expect(m).toContain("Expected: name, title, turns");
  });
  it("an unknown name lists the built-in scripts", () => {
    expect(configError(() => loadScript("no-such-script")).message).toMatch(/neither a built-in script \(.*backend-api-design/);
  });
});

describe("task packs", () => {
  it("a pack of the wrong shape names the file and the problem", () => {
    const p = file("bad-pack.yaml", "name: p\ntitle: P\ntasks:\n  - id: t\n    title: T\n    language: de\n    category: planning\n    prompt: x\n    criteria: []\n");
    const m = configError(() => selectTasks(reasoning({ pack: p }))).message;
    expect(m).toContain("bad-pack.yaml: not a task pack");
    expect(m).toContain("tasks.0.language");
    expect(m).toContain("docs/tasks.md");
  });
  it("an unknown pack lists the built-in packs; an unknown task id lists the known ones", () => {
    expect(configError(() => selectTasks(reasoning({ pack: "nope" }))).message).toMatch(/built-in pack \(core, seed\)/);
    expect(configError(() => selectTasks(reasoning({ pack: "seed", tasks: ["nope"] }))).message).toMatch(/unknown task id\(s\) nope; known: seed-/);
  });
  it("filters that leave nothing are an error", () => {
    expect(configError(() => selectTasks(reasoning({ pack: "seed", tasks: ["seed-logic-fr"], language: "en" }))).message).toContain("no task left");
  });
});

describe("tool-case packs", () => {
  it("a pack of the wrong shape names the file and the problem", () => {
    const p = file("bad-tools.yaml", "name: p\ntitle: P\ncases:\n  - id: c\n    title: C\n    language: en\n    category: weather\n    prompt: x\n    tools: [get_weather]\n    steps: []\n");
    const m = configError(() => selectCases(tools({ pack: p }))).message;
    expect(m).toContain("bad-tools.yaml: not a tool-case pack");
    expect(m).toContain("cases.0.category");
  });
  it("an unknown built-in tool lists the built-in tools", () => {
    expect(configError(() => resolveToolSpecs(["no_such_tool"])).message).toMatch(/no_such_tool.*get_weather/s);
  });
  it("an unknown case id lists the known ones", () => {
    expect(configError(() => selectCases(tools({ cases: ["nope"] }))).message).toMatch(/unknown case id\(s\) nope; known: /);
  });
});
