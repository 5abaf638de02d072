/**
 * The answer gate (issue 11, item 12): an answer is credited only when its prose is in the
 * task's language, and what it copies from the prompt is not graded. Word salad from a
 * random-weight model scored 67 % on a plan because keyword graders found "docker" in it.
 */
import { describe, expect, it } from "vitest";
import { gateAnswer, gradeRules, promptEchoSpans, readProse, taskScore } from "../../../src/grading/index.js";
import { crit, input } from "./helpers.js";
import { salads, wordSalad } from "./noise.js";

const EN_PLAN = `Here is the plan.

1. **Discovery** — interview a few users and sketch the screens in Figma (3 days).
2. **Architecture** — React on the front end, Node.js with Express, PostgreSQL for the data (2 days).
3. **Testing** — unit tests with Jest and end-to-end tests with Playwright (4 days).
4. **Deployment** — Docker images on AWS, with monitoring and alerts (2 days).

Total: 11 days for one developer.`;

const FR_PLAN = `Voici le plan de développement.

1. **Cadrage** — entretiens avec les utilisateurs et maquettes sous Figma (3 jours).
2. **Architecture** — React pour le front, Node.js et Express pour l'API, PostgreSQL pour les données (2 jours).
3. **Tests** — tests unitaires avec Jest et tests de bout en bout avec Playwright (4 jours).
4. **Déploiement** — images Docker sur AWS, avec la supervision et les alertes (2 jours).

Durée totale : 11 jours pour un développeur.`;

describe("readProse: is the answer prose in the task's language", () => {
  it("accepts ordinary answers, terse tables and code-heavy answers", () => {
    expect(readProse(EN_PLAN, "en").ok).toBe(true);
    expect(readProse(FR_PLAN, "fr").ok).toBe(true);
    const table = "| # | Step | Technologies | Duration |\n|---|---|---|---|\n| 1 | Requirements and wireframes | Figma | 2 days |\n| 2 | Architecture and tech choices | React, Node.js | 1 day |\n| 3 | Repository and CI | GitHub Actions | 2 days |\n\n**Total: 5 working days, about a week with a buffer for reviews.**";
    expect(readProse(table, "en").ok).toBe(true);
    const code = "```python\ndef top_words(text, n):\n    counts = Counter(re.findall(r\"[a-z']+\", text.lower()))\n    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]\n```\nThe key sorts by count, then by word.";
    expect(readProse(code, "en").ok).toBe(true);
  });

  it("does not judge a terse answer: too few words to tell", () => {
    for (const a of ["A = 10, C = 5, 5 < B < 10.", "t = 2.5 h, d = 200 km", "Canberra.", "S = 65.3 m², L = 13.06 L, N = 6"]) {
      expect(readProse(a, "en").ok, a).toBe(true);
    }
  });

  it("rejects word salad in any script, and says why", () => {
    for (const s of salads(7, ["docker", "testing", "React", "days"])) {
      const r = readProse(s.answer, "en");
      expect(r.ok, s.name).toBe(false);
      expect(r.reason).toMatch(/not English prose/);
    }
    const cyrillic = wordSalad(3, { scripts: ["cyrillic", "cjk"], words: 20 });
    expect(readProse(cyrillic, "fr").reason).toMatch(/non-Latin script/);
  });

  it("rejects an answer in the other language than the task's", () => {
    const r = readProse(EN_PLAN, "fr");
    expect(r.ok).toBe(false);
    expect(r.reason).toMatch(/reads as English/);
    expect(readProse(FR_PLAN, "en").reason).toMatch(/reads as French/);
  });
});

describe("promptEchoSpans: what the answer copies from the prompt", () => {
  const prompt =
    "Solve this logic problem and explain your reasoning step by step. Three real numbers A, B and C satisfy the following conditions: C equals 5; A is twice C; B is greater than C and less than A.";

  it("finds runs of eight words or more copied from the prompt, not shorter restatements", () => {
    const answer = "Three real numbers A, B and C satisfy the following conditions. So A = 2 × 5 = 10, and A is twice C.";
    const spans = promptEchoSpans(answer, prompt);
    expect(spans).toHaveLength(1);
    expect(answer.slice(spans[0]!.start, spans[0]!.end)).toBe("Three real numbers A, B and C satisfy the following conditions");
  });

  it("takes a code block the prompt holds as an echo, but not code that reuses its signature", () => {
    const p = "Review this function:\n\n```python\ndef f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n```";
    const quoted = "The original:\n\n```python\ndef f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return out\n```\n\nRewritten:\n\n```python\ndef f(xs):\n    return [x * 2 for x in xs]\n```";
    const spans = promptEchoSpans(quoted, p);
    expect(spans).toHaveLength(1);
    expect(quoted.slice(spans[0]!.start, spans[0]!.end)).toContain("out.append");
    expect(quoted.slice(spans[0]!.end)).toContain("[x * 2 for x in xs]");
  });
});

describe("the answer gate in gradeRules", () => {
  const criteria = [
    crit({ id: "steps", grader: "structure", min_steps: 4 }),
    crit({ id: "tech", grader: "text", min_matches: 2, any: [["React", "Vue"], ["Docker", "Kubernetes"], ["PostgreSQL", "MySQL"]] }),
    crit({ id: "testing", grader: "text", all: [["testing", "tests"]] }),
  ];
  const prompt = "Write a 4-step plan for a to-do application, naming the technologies for each step.";

  it("credits nothing in word salad, whatever keywords it holds, and says why on every criterion", () => {
    const salad = wordSalad(11, { scripts: ["latin", "cyrillic", "cjk"], words: 120, keywords: ["docker", "testing", "React", "PostgreSQL"], lines: 4 });
    const results = gradeRules(criteria, input(salad, { language: "en", prompt }));
    expect(taskScore(criteria, results, 0.75).score).toBe(0);
    for (const r of results) {
      expect(r.pass).toBe(false);
      expect(r.reason).toMatch(/^✗ not credited: the answer is not coherent text in the task's language: .*\[read without this check: /);
    }
    // the same salad without the task's language is graded as before (the gate is opt-in)
    expect(gradeRules(criteria, input(salad)).some((r) => r.pass)).toBe(true);
  });

  it("fails an answer that only repeats the prompt (a fail, not 'not graded')", () => {
    const results = gradeRules(criteria, input(prompt, { language: "en", prompt }));
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.score).toBe(0);
      expect(r.reason).toMatch(/only repeats the prompt/);
    }
    expect(gateAnswer(input(prompt, { language: "en", prompt })).echoOnly).toBe(true);
  });

  it("keeps an empty answer 'not graded', and leaves good answers alone", () => {
    expect(gradeRules(criteria, input("", { language: "en", prompt })).every((r) => r.error !== undefined)).toBe(true);
    const good = gradeRules(criteria, input(EN_PLAN, { language: "en", prompt }));
    expect(good.every((r) => r.pass), good.map((r) => r.reason).join(" | ")).toBe(true);
  });
});
