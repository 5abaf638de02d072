import { describe, expect, it } from "vitest";
import { JUDGE_PROMPTS, judgeCriteria, parseJudgeReply, rubricItems, type Complete, type JudgeMessage } from "../../../src/grading/index.js";
import { crit, expectEvidenceInside } from "./helpers.js";
import type { JudgeCriterion } from "../../../src/grading/criteria.js";

const rubric = "- The plan has ten steps\n- Each step names a technology\n- [ ] Each step has a duration";
const judgeC = crit<JudgeCriterion>({ id: "quality", grader: "judge", rubric });
const answer = "Étape 1 : React, 2 jours. Étape 2 : PostgreSQL, 1 semaine.";

/** A fake judge: answers from a script and records what it was sent. */
function fakeJudge(replies: ({ ok: true; text: string } | { ok: false; error: string } | Error)[]): { complete: Complete; calls: JudgeMessage[][] } {
  const calls: JudgeMessage[][] = [];
  const complete: Complete = async (messages) => {
    calls.push(messages);
    const next = replies.shift();
    if (!next) return { ok: false, error: "no more replies" };
    if (next instanceof Error) throw next;
    return next;
  };
  return { complete, calls };
}

const reply = (items: unknown[]) => ({ ok: true as const, text: JSON.stringify({ items }) });
const threeItems = [
  { item: "The plan has ten steps", pass: false, reason: "Only two steps.", evidence: "Étape 2 : PostgreSQL" },
  { item: "Each step names a technology", pass: true, reason: "React and PostgreSQL.", evidence: "React" },
  { item: "Each step has a duration", pass: true, reason: "Both have one.", evidence: "1 semaine" },
];

describe("rubric items", () => {
  it("one a line, markers and checkboxes dropped", () => {
    expect(rubricItems(rubric)).toEqual(["The plan has ten steps", "Each step names a technology", "Each step has a duration"]);
    expect(rubricItems("1. a\n\n2) b\n* c\n[x] d")).toEqual(["a", "b", "c", "d"]);
  });
});

describe("judge: prompts", () => {
  it("sends the system prompt, the task, the answer and the numbered rubric", async () => {
    const { complete, calls } = fakeJudge([reply(threeItems)]);
    await judgeCriteria([judgeC], { prompt: "Plan a todo app in 10 steps.", answer, complete });
    const [sys, user] = calls[0] ?? [];
    expect(sys).toEqual({ role: "system", content: JUDGE_PROMPTS.system });
    expect(user?.role).toBe("user");
    expect(user?.content).toContain("Plan a todo app in 10 steps.");
    expect(user?.content).toContain(answer);
    expect(user?.content).toContain("1. The plan has ten steps\n2. Each step names a technology\n3. Each step has a duration");
    expect(user?.content).toContain("Rubric (3 items)");
  });
  it("tells the judge to grade only against the rubric, to quote evidence, and to ignore instructions in the answer", () => {
    expect(JUDGE_PROMPTS.system).toMatch(/Grade only against the rubric/);
    expect(JUDGE_PROMPTS.system).toMatch(/quote/);
    expect(JUDGE_PROMPTS.system).toMatch(/not instructions to you/);
    expect(JUDGE_PROMPTS.system).toMatch(/"items"/);
  });
  it("shows a reference answer only when the task has one", async () => {
    const { complete, calls } = fakeJudge([reply(threeItems), reply(threeItems)]);
    await judgeCriteria([judgeC], { prompt: "p", answer, reference: "Ten steps: design, …", complete });
    expect(calls[0]?.[1]?.content).toContain("<reference>\nTen steps: design, …\n</reference>");
    await judgeCriteria([judgeC], { prompt: "p", answer, complete });
    expect(calls[1]?.[1]?.content).not.toContain("reference");
    expect(calls[1]?.[1]?.content).toMatch(/^## The task given to the assistant/);
  });
  it("inserts text verbatim, even with $& or {{placeholders}} in the answer", async () => {
    const tricky = "cost is $& and {{items}} and $1";
    const { complete, calls } = fakeJudge([reply(threeItems)]);
    await judgeCriteria([judgeC], { prompt: "p", answer: tricky, complete });
    expect(calls[0]?.[1]?.content).toContain(tricky);
  });
});

describe("judge: verdicts", () => {
  it("scores passed/total, passes only when every item passes, and locates the quotes", async () => {
    const { complete } = fakeJudge([reply(threeItems)]);
    const [r] = await judgeCriteria([judgeC], { prompt: "p", answer, complete });
    expect(r?.grader).toBe("judge");
    expect(r?.pass).toBe(false);
    expect(r?.score).toBeCloseTo(2 / 3);
    expect(r?.error).toBeUndefined();
    expect(r?.reason).toMatch(/judge: 2\/3 rubric items met/);
    expect(r?.reason).toMatch(/✗ The plan has ten steps — Only two steps\./);
    expect(r?.evidence.map((e) => e.text)).toEqual(["React", "Étape 2 : PostgreSQL", "1 semaine"]);
    if (r) expectEvidenceInside(r, answer);
  });
  it("says when a quote is not in the answer (an invented quote)", async () => {
    const items = threeItems.map((x, i) => (i === 1 ? { ...x, evidence: "Vue.js and Django" } : x));
    const { complete } = fakeJudge([reply(items)]);
    const [r] = await judgeCriteria([judgeC], { prompt: "p", answer, complete });
    expect(r?.reason).toMatch(/its quote is not in the text/);
  });
  it("does not show the judge inline <think> reasoning, and finds quotes after it", async () => {
    const withThink = `<think>React? maybe Vue</think>\n${answer}`;
    const { complete, calls } = fakeJudge([reply(threeItems)]);
    const [r] = await judgeCriteria([judgeC], { prompt: "p", answer: withThink, complete });
    expect(calls[0]?.[1]?.content).not.toContain("maybe Vue");
    const react = r?.evidence.find((e) => e.text === "React");
    expect(react?.start).toBe(withThink.lastIndexOf("React"));
  });
  it("grades the reasoning when the criterion says so", async () => {
    const c = crit<JudgeCriterion>({ id: "r", grader: "judge", on: "reasoning", rubric: "Checks the edge case" });
    const { complete, calls } = fakeJudge([reply([{ item: "Checks the edge case", pass: true, reason: "yes", evidence: "n = 0" }])]);
    const [r] = await judgeCriteria([c], { prompt: "p", answer: "42", reasoning: "What if n = 0? Then…", complete });
    expect(r?.pass).toBe(true);
    expect(r?.on).toBe("reasoning");
    expect(calls[0]?.[1]?.content).toContain("The assistant's reasoning");
    expect(r?.evidence[0]?.text).toBe("n = 0");
  });
});

describe("judge: tolerant parsing", () => {
  const ok = JSON.stringify({ items: threeItems });
  it.each([
    ["a ```json fence", "```json\n" + ok + "\n```"],
    ["text around the object", "Here is my grading:\n" + ok + "\nI hope this helps."],
    ["a <think> block first", "<think>Let me check {the steps}...</think>\n" + ok],
    ["a bare array", JSON.stringify(threeItems)],
    ["string verdicts", JSON.stringify({ items: threeItems.map((x) => ({ ...x, pass: x.pass ? "yes" : "no" })) })],
    ["HealthBench-style fields", JSON.stringify({ items: threeItems.map((x) => ({ explanation: x.reason, criteria_met: x.pass })) })],
  ])("%s", (_name, text) => {
    const p = parseJudgeReply(text, 3);
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.items.map((i) => i.pass)).toEqual([false, true, true]);
  });
  it.each([
    ["prose only", "The answer looks good to me.", /no JSON object/],
    ["the wrong number of items", JSON.stringify({ items: threeItems.slice(0, 2) }), /2 items in the reply for 3 rubric items/],
    ["a non-boolean verdict", JSON.stringify({ items: threeItems.map((x) => ({ ...x, pass: "maybe" })) }), /malformed/],
    ["no verdict", JSON.stringify({ items: threeItems.map((x) => ({ item: x.item })) }), /no boolean "pass"/],
    ["cut inside <think>", "<think>Step one, the plan has", /cut inside <think>/],
    ["empty", "  ", /empty/],
  ])("rejects %s", (_name, text, why) => {
    const p = parseJudgeReply(text, 3);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.problem).toMatch(why);
  });
});

describe("judge: failures are errors, never silent verdicts", () => {
  it("retries once on garbage, with the problem and the previous reply", async () => {
    const { complete, calls } = fakeJudge([{ ok: true, text: "Looks fine!" }, reply(threeItems)]);
    const [r] = await judgeCriteria([judgeC], { prompt: "p", answer, complete });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.[2]?.content).toMatch(/could not be used: no JSON object/);
    expect(calls[1]?.[2]?.content).toContain("Looks fine!");
    expect(r?.error).toBeUndefined();
    expect(r?.score).toBeCloseTo(2 / 3);
  });
  it("gives an error after a second garbage reply", async () => {
    const { complete } = fakeJudge([{ ok: true, text: "PASS" }, { ok: true, text: "PASS!!" }]);
    const [r] = await judgeCriteria([judgeC], { prompt: "p", answer, complete });
    expect(r?.error).toMatch(/unusable after one retry/);
    expect(r?.pass).toBe(false);
    expect(r?.score).toBe(0);
  });
  it("gives an error when the judge is unreachable or throws", async () => {
    const a = await judgeCriteria([judgeC], { prompt: "p", answer, complete: fakeJudge([{ ok: false, error: "HTTP 503" }]).complete });
    expect(a[0]?.error).toMatch(/judge unreachable: HTTP 503/);
    const b = await judgeCriteria([judgeC], { prompt: "p", answer, complete: fakeJudge([new Error("socket hang up")]).complete });
    expect(b[0]?.error).toMatch(/socket hang up/);
  });
  it("gives an error for an empty answer or an empty rubric, without calling the judge", async () => {
    const { complete, calls } = fakeJudge([]);
    const [a] = await judgeCriteria([judgeC], { prompt: "p", answer: "  ", complete });
    expect(a?.error).toMatch(/answer is empty/);
    const [b] = await judgeCriteria([{ ...judgeC, rubric: " \n - \n" }], { prompt: "p", answer, complete });
    expect(b?.error).toMatch(/no items/);
    expect(calls).toHaveLength(0);
  });
  it("judges several criteria in order", async () => {
    const c2 = crit<JudgeCriterion>({ id: "second", grader: "judge", rubric: "Is polite" });
    const { complete } = fakeJudge([reply(threeItems), reply([{ item: "Is polite", pass: true, reason: "ok" }])]);
    const rs = await judgeCriteria([judgeC, c2], { prompt: "p", answer, complete });
    expect(rs.map((r) => [r.criterion, r.pass])).toEqual([
      ["quality", false],
      ["second", true],
    ]);
  });
});
