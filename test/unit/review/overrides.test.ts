import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunFolderError } from "../../../src/errors.js";
import { humanScore, loadOverrides } from "../../../src/review/overrides.js";
import { tempDir } from "../../helpers/tmp.js";

const root = tempDir();
let n = 0;
function runDirWith(text: string | undefined): string {
  const dir = join(root, `run${++n}`);
  mkdirSync(join(dir, "review"), { recursive: true });
  if (text !== undefined) writeFileSync(join(dir, "review", "overrides.yaml"), text);
  return dir;
}

describe("review overrides", () => {
  it("no file: no overrides", () => {
    expect(loadOverrides(runDirWith(undefined))).toEqual({});
  });

  it("reads verdicts, scores, notes and nulls", () => {
    const o = loadOverrides(
      runDirWith(
        "reasoning/t1/r1:\n  task: t1\n  score: null\n  criteria:\n    steps: { auto: fail 70 %, human: pass, note: ok }\n    tech: { human: 0.5 }\n    other: { human: null }\n",
      ),
    );
    const c = o["reasoning/t1/r1"]!.criteria!;
    expect(humanScore(c["steps"]!.human)).toBe(1);
    expect(humanScore(c["tech"]!.human)).toBe(0.5);
    expect(humanScore(c["other"]!.human)).toBeUndefined();
    expect(humanScore("fail")).toBe(0);
  });

  it("a YAML error names file:line:col", () => {
    expect(() => loadOverrides(runDirWith("a:\n  criteria: [\n"))).toThrow(RunFolderError);
    expect(() => loadOverrides(runDirWith("a:\n  criteria: [\n"))).toThrow(/overrides\.yaml:\d+:\d+: YAML syntax error/);
  });

  it("a bad verdict says what is accepted", () => {
    const dir = runDirWith("r1:\n  criteria:\n    steps: { human: maybe }\n");
    expect(() => loadOverrides(dir)).toThrow(/r1\.criteria\.steps\.human: .*pass, fail or a score from 0 to 1/);
    expect(() => loadOverrides(runDirWith("r1:\n  score: 1.5\n"))).toThrow(RunFolderError);
    expect(() => loadOverrides(runDirWith("r1:\n  grade: 1\n"))).toThrow(/grade/);
  });
});
