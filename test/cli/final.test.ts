/**
 * `shakedown report A B C --final [--lang fr|en] [--out DIR]` through the built binary:
 * the consolidated report's files, its exit code (the overall verdict), and the refusals
 * (several folders without --final, a folder that is not a run folder, a bad --lang), each
 * exit 2 with nothing written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { validateSuiteObject } from "../../src/config/load.js";
import { executeRun } from "../../src/run/executor.js";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess } from "./helpers.js";

const work = tempDir("shakedown-final-cli-");
const runs: Record<"conv" | "reason" | "tools", string> = { conv: "", reason: "", tools: "" };

beforeAll(async () => {
  const out = join(work, "runs");
  const suites = {
    conv: [{ kind: "conversation", turns: 3, iterations: 1 }],
    reason: [{ kind: "reasoning", pack: "core", tasks: ["trains-meeting-en", "paint-room-en"] }],
    tools: [{ kind: "tools", cases: ["weather-lyon-fr", "capital-australia-en"] }],
  };
  for (const [name, scenarios] of Object.entries(suites) as [keyof typeof runs, unknown[]][]) {
    runs[name] = (await executeRun(validateSuiteObject({ name, target: { sim: { profile: "fast" } }, scenarios, output: { dir: out } }, "test"))).dir;
  }
}, 30_000);

describe("shakedown report --final", () => {
  it("report A B C --final --lang fr --out X writes the French report; a failing run makes the exit code 1", async () => {
    const x = join(work, "X");
    const r = await runCli(["report", runs.conv, runs.reason, runs.tools, "--final", "--lang", "fr", "--out", x]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(readdirSync(x).sort()).toEqual(["final-report.html", "final-report.md"]);
    const md = readFileSync(join(x, "final-report.md"), "utf8");
    for (const h of ["## 1. Contexte", "## 2. Méthodologie", "## 3. Résultats par phase", "## 4. Compromis", "## 5. Recommandations par cas d'usage", "## 6. Annexes", "## 7. Conclusion"]) {
      expect(md).toContain(`\n${h}\n`);
    }
    expect(md).toContain("**Verdict global : ❌ échec** sur 3 exécutions");
    expect(md).toContain("**Non mesuré** : lancez `shakedown run --target URL --scenario load --set load.mode=sweep` pour le savoir.");
    const html = readFileSync(join(x, "final-report.html"), "utf8");
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain("<h2>7. Conclusion</h2>");
    // The terminal says where the report is and what it found.
    expect(r.stdout).toContain("shakedown consolidated report of 3 runs: ❌ FAIL");
    expect(r.stdout).toContain("not measured: high load, sustained operation");
    expect(r.stdout).toMatch(/report: .*X\/final-report\.html/);
  });

  it("without --out writes a final-<timestamp> folder beside the first run; runs that all pass exit 0", async () => {
    const r = await runCliInProcess(["report", runs.conv, runs.tools, "--final"]);
    expect(r.code).toBe(0);
    const finals = readdirSync(dirname(runs.conv)).filter((d) => /^final-\d{8}T\d{6}Z(-\d+)?$/.test(d));
    expect(finals).toHaveLength(1);
    const md = readFileSync(join(dirname(runs.conv), finals[0]!, "final-report.md"), "utf8");
    expect(md).toContain("**Overall verdict: ✅ pass** over 2 runs");
  });

  it("refuses several folders without --final, a folder that is not a run folder, and a bad --lang, with exit 2 and nothing written", async () => {
    const several = await runCliInProcess(["report", runs.conv, runs.tools]);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain("several run folders are joined only with --final");

    const notARun = join(work, "not-a-run");
    mkdirSync(notARun, { recursive: true });
    writeFileSync(join(notARun, "x.txt"), "x");
    const out = join(work, "refused");
    const bad = await runCliInProcess(["report", runs.conv, notARun, "--final", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a shakedown run folder (no run.json)");
    expect(existsSync(out)).toBe(false);

    const lang = await runCliInProcess(["report", runs.conv, "--final", "--lang", "de", "--out", out]);
    expect(lang.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
