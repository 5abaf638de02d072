import { describe, expect, it } from "vitest";
import { analyseStructure } from "../../../src/grading/structure.js";
import { expectEvidenceInside, grade } from "./helpers.js";

const steps = (text: string) => {
  const a = analyseStructure(text);
  return { n: a.steps[a.best].length, by: a.best, all: Object.fromEntries(Object.entries(a.steps).map(([k, v]) => [k, v.length])) };
};
const list = (n: number, fmt: (i: number) => string) => Array.from({ length: n }, (_, i) => fmt(i + 1)).join("\n");

describe("structure: step recognisers (no false negatives)", () => {
  it.each([
    ["1.", (i: number) => `${i}. Faire la chose ${i}`],
    ["1)", (i: number) => `${i}) Do thing ${i}`],
    ["1 -", (i: number) => `${i} - Do thing ${i}`],
    ["1-", (i: number) => `${i}- Do thing ${i}`],
    ["1 :", (i: number) => `${i} : Faire ${i}`],
    ["(1)", (i: number) => `(${i}) Do thing ${i}`],
    ["**1.**", (i: number) => `**${i}.** Do thing ${i}`],
    ["**1. Title**", (i: number) => `**${i}. Thing ${i}**\nSome text.`],
    ["### 1. heading", (i: number) => `### ${i}. Thing ${i}\nBody text.\n`],
    ["Step N:", (i: number) => `Step ${i}: do it`],
    ["**Étape N : …**", (i: number) => `**Étape ${i} : faire**\nUn paragraphe de prose.\n`],
    ["## Étape N : …", (i: number) => `## Étape ${i} : faire\nProse.\n`],
    ["Phase N", (i: number) => `Phase ${i} — build`],
    ["Semaine N", (i: number) => `- **Semaine ${i}** : travail`],
    ["Week N", (i: number) => `Week ${i}: work`],
    ["ETAPE N (no accent, capitals)", (i: number) => `ETAPE ${i} - faire`],
    ["Étape N° N", (i: number) => `Étape n° ${i} : faire`],
  ])("counts 6 steps written as %s", (_name, fmt) => {
    expect(steps(list(6, fmt)).n).toBe(6);
  });
  it("counts Roman-numbered phases", () => {
    expect(steps("Phase I: a\nPhase II: b\nPhase III: c\nPhase IV: d").n).toBe(4);
  });
  it("counts top-level items of a nested numbered list, not the sub-items", () => {
    const text = ["1. Setup", "   1. install", "   2. configure", "2. Build", "   - a", "   - b", "3. Test", "4. Ship"].join("\n");
    expect(steps(text)).toMatchObject({ n: 4, by: "numbered" });
  });
  it("counts steps split by paragraphs and code blocks", () => {
    const text = "1. First\n\nSome text.\n\n```bash\nnpm i\n```\n\n2. Second\n\nMore.\n\n3. Third\n";
    expect(steps(text).n).toBe(3);
  });
  it("counts a bulleted plan", () => {
    expect(steps(list(7, (i) => `- task ${i}`)).n).toBe(7);
    expect(steps(list(7, (i) => `* task ${i}`)).n).toBe(7);
    expect(steps(list(7, (i) => `• tâche ${i}`)).n).toBe(7);
  });
  it("counts table rows when the plan is a table", () => {
    const text = "| Étape | Tâche | Durée |\n|---|---|---|\n" + list(10, (i) => `| ${i} | tâche ${i} | 2 jours |`);
    expect(steps(text)).toMatchObject({ n: 10, by: "table" });
  });
  it("counts headings at one level", () => {
    expect(steps("# Plan\n## Design\ntext\n## Build\ntext\n## Test\ntext\n## Ship\n").n).toBe(4);
  });
  it("counts setext headings", () => {
    const a = analyseStructure("Title\n=====\n\nPart one\n--------\ntext\n");
    expect(a.headings).toHaveLength(2);
  });
});

describe("structure: no false positives", () => {
  it("ignores numbered lines inside code fences", () => {
    const code = "```python\n" + list(12, (i) => `${i}. not a step`) + "\n```\n";
    expect(steps(code).n).toBe(0);
    expect(steps("~~~\n" + list(12, (i) => `Step ${i}: no`) + "\n~~~").n).toBe(0);
  });
  it("does not count 'step 3' in the middle of a sentence", () => {
    expect(steps("As said in step 1, then in step 2, and step 3, we are done.").n).toBe(0);
  });
  it("does not inflate a count with restarted or repeated numbering", () => {
    const text = list(3, (i) => `${i}. a${i}`) + "\n\nRisks:\n\n" + list(3, (i) => `${i}. r${i}`);
    expect(steps(text).all["numbered"]).toBe(3);
    const recap = list(5, (i) => `**Étape ${i} :** faire`) + "\n\nRécapitulatif : Étape 1 et Étape 2 sont critiques.";
    expect(steps(recap).n).toBe(5);
  });
  it("does not read numbers that open prose lines as steps", () => {
    expect(steps("2024 was busy.\n10 jours de travail.\n3.5 millions d'utilisateurs.\n12:30 réunion.").n).toBe(0);
  });
  it("does not take a horizontal rule or bold text for a bullet", () => {
    expect(steps("---\n***\n**bold** line\n*italic* line").all["bullets"]).toBe(0);
  });
});

describe("structure grader", () => {
  const plan = list(7, (i) => `${i}. do thing ${i}`);
  it("gives partial credit below min_steps and says what it found", () => {
    const r = grade({ grader: "structure", min_steps: 10 }, plan);
    expect(r.pass).toBe(false);
    expect(r.score).toBeCloseTo(0.7);
    expect(r.reason).toMatch(/✗ 7 steps by numbered list \(1\. … 7\.\), wanted at least 10/);
    expect(r.evidence).toHaveLength(7);
    expectEvidenceInside(r, plan);
  });
  it("fails above max_steps", () => {
    const r = grade({ grader: "structure", min_steps: 3, max_steps: 5 }, plan);
    expect(r.pass).toBe(false);
    expect(r.score).toBeCloseTo(5 / 7);
  });
  it("caps evidence and says how many steps there were", () => {
    const text = list(30, (i) => `${i}. s`);
    const r = grade({ grader: "structure", min_steps: 10 }, text);
    expect(r.pass).toBe(true);
    expect(r.evidence).toHaveLength(20);
    expect(r.reason).toMatch(/first 20 of 30/);
  });
  it("checks headings and tables", () => {
    const text = "# A\n## B\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n";
    expect(grade({ grader: "structure", min_headings: 2, table: true }, text).pass).toBe(true);
    const r = grade({ grader: "structure", table: true }, "a | b\nno separator line");
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/no Markdown table/);
    expect(grade({ grader: "structure", min_headings: 3 }, "# A\n## B").score).toBeCloseTo(2 / 3);
  });
  it("is an error, not a fail, when the criterion checks nothing", () => {
    const r = grade({ grader: "structure" }, plan);
    expect(r.error).toMatch(/none of/);
  });
});

describe("structure grader: each_step (what every step must say, issue 11)", () => {
  const durations = { grader: "structure", each_step: { any: ["/\\d+\\s*(?:days?|weeks?)/i"], min_share: 0.8 } };
  it("checks every step's section: its line and what follows up to the next step", () => {
    const plan = "### Step 1 — Setup\nRepository and CI.\nDuration: 2 days\n\n### Step 2 — API\nREST endpoints, 5 days.\n\n### Step 3 — Tests\nJest, 3 days.";
    const r = grade(durations, plan);
    expect(r.pass, r.reason).toBe(true);
    expect(r.reason).toMatch(/3 of 3 steps carry/);
  });
  it("fails a plan whose steps carry no duration, one total aside, and names the steps lacking it", () => {
    const plan = "1. Setup the repository.\n2. Build the API.\n3. Write the tests.\n4. Deploy.\n5. Monitor.\n\nTotal: 20 days.";
    const r = grade(durations, plan);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/1 of 5 steps carry .*lacking: step 1, 2, 3, 4/);
    expect(r.score).toBeCloseTo(0.2 / 0.8);
  });
  it("takes a table beside the steps that gives each one its duration", () => {
    const plan = "### Phase 1 — Audit\nCheck extensions.\n\n### Phase 2 — Build\nNew cluster.\n\n### Phase 3 — Switch\nRepoint the pooler.\n\n| Phase | Duration |\n|---|---|\n| 1 | 2 days |\n| 2 | 1 day |\n| 3 | 1 day |";
    const r = grade(durations, plan);
    expect(r.pass, r.reason).toBe(true);
    expect(r.reason).toMatch(/3 of the 3 table rows beside the 3 steps carry/);
  });
  it("scores 0 with no steps at all (a shuffled or one-line answer)", () => {
    const r = grade(durations, "days 2 setup 5 weeks the API deploy");
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0);
  });
});
