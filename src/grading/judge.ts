/**
 * The judge pack: an LLM checks an answer against a checklist rubric (one item a line).
 * Model-graded and asynchronous, apart from the pure rule-based graders; its results
 * are stored beside theirs and never replace them (taskScore leaves them out).
 *
 * The judge must reply {"items":[{"item","pass","reason","evidence"}]}. Parsing is
 * tolerant (a ```json fence, text around the object, a <think> block first, "yes"/"no"
 * for booleans) but strict on substance: one entry per rubric item with a boolean
 * verdict. An unusable reply is asked again once; a judge that cannot be reached or
 * still answers garbage gives a result with `error`, never a silent pass or fail.
 */
import { z } from "zod";
import type { JudgeCriterion } from "./criteria.js";
import type { Evidence, GradeResult } from "./types.js";
import { clip, errorResult, evidence, result, withoutThink } from "./evidence.js";
import { JUDGE_PROMPTS, fillPrompt } from "./judge-prompts.js";
import { fold, toOriginal } from "./normalize.js";

export type JudgeMessage = { role: "system" | "user"; content: string };
/** Sends messages to the judge model; failures come back as { ok: false }, not as throws. */
export type Complete = (messages: JudgeMessage[]) => Promise<{ ok: true; text: string } | { ok: false; error: string }>;

export interface JudgeContext {
  /** The task prompt the answer was written for. */
  prompt: string;
  answer: string;
  reasoning?: string;
  /** What a good answer looks like (the task's `reference`), shown to the judge when given. */
  reference?: string;
  complete: Complete;
}

/** The rubric's items: one a line, list markers and checkboxes dropped, blank lines skipped. */
export function rubricItems(rubric: string): string[] {
  return rubric
    .split(/\r?\n/)
    .map((l) =>
      l
        .trim()
        .replace(/^(?:[-*+•]|\d{1,3}[.)])(?:\s+|$)/, "")
        .replace(/^\[[ xX]?\](?:\s+|$)/, "")
        .trim(),
    )
    .filter((l) => l.length > 0);
}

const verdictSchema = z.union([
  z.boolean(),
  z
    .string()
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(["true", "false", "yes", "no", "pass", "fail", "passed", "failed", "met", "not met", "oui", "non"]))
    .transform((s) => ["true", "yes", "pass", "passed", "met", "oui"].includes(s)),
]);

const itemSchema = z.object({
  item: z.string().optional(),
  pass: verdictSchema.optional(),
  criteria_met: verdictSchema.optional(),
  met: verdictSchema.optional(),
  reason: z.string().optional(),
  explanation: z.string().optional(),
  evidence: z.union([z.string(), z.array(z.string())]).optional(),
  quote: z.string().optional(),
});

export interface JudgeItem {
  item: string;
  pass: boolean;
  reason: string;
  /** The passage the judge quoted, if any. */
  quote: string;
}

/** Balanced {...} substrings, outermost first, strings respected. */
function jsonObjects(text: string, max = 8): string[] {
  const out: string[] = [];
  for (let i = text.indexOf("{"); i >= 0 && out.length < max; i = text.indexOf("{", i + 1)) {
    let depth = 0;
    let inString = false;
    for (let j = i; j < text.length; j++) {
      const ch = text[j];
      if (inString) {
        if (ch === "\\") j++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}") {
        depth--;
        if (depth === 0) {
          out.push(text.slice(i, j + 1));
          break;
        }
      }
    }
  }
  return out;
}

/** Reads a judge reply: the items, or why the reply is unusable. */
export function parseJudgeReply(reply: string, count: number): { ok: true; items: JudgeItem[] } | { ok: false; problem: string } {
  let text = reply.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  if (/<think>/i.test(text)) return { ok: false, problem: "the reply was cut inside <think> (no verdict after the reasoning)" };
  if (/<\/think>/i.test(text)) text = text.slice(text.toLowerCase().lastIndexOf("</think>") + 8).trim();
  if (text === "") return { ok: false, problem: "the reply is empty" };
  const candidates: string[] = [];
  for (const m of text.matchAll(/```(?:json|JSON)?\s*\n?([\s\S]*?)```/g)) candidates.push((m[1] ?? "").trim());
  candidates.push(text);
  candidates.push(...jsonObjects(text));
  let lastProblem = "no JSON object with an \"items\" list in the reply";
  for (const cand of candidates) {
    let data: unknown;
    try {
      data = JSON.parse(cand);
    } catch {
      continue;
    }
    const list = Array.isArray(data) ? data : data && typeof data === "object" ? (data as Record<string, unknown>)["items"] : undefined;
    if (!Array.isArray(list)) continue;
    const items: JudgeItem[] = [];
    let bad: string | undefined;
    list.forEach((raw, i) => {
      if (bad) return;
      const p = itemSchema.safeParse(raw);
      if (!p.success) {
        bad = `item ${i + 1} is malformed (${p.error.issues[0]?.message ?? "invalid"})`;
        return;
      }
      const v = p.data.pass ?? p.data.criteria_met ?? p.data.met;
      if (v === undefined) {
        bad = `item ${i + 1} has no boolean "pass"`;
        return;
      }
      const ev = p.data.evidence ?? p.data.quote ?? "";
      items.push({ item: p.data.item ?? "", pass: v, reason: p.data.reason ?? p.data.explanation ?? "", quote: Array.isArray(ev) ? (ev[0] ?? "") : ev });
    });
    if (bad) {
      lastProblem = bad;
      continue;
    }
    if (items.length !== count) {
      lastProblem = `${items.length} items in the reply for ${count} rubric items`;
      continue;
    }
    return { ok: true, items };
  }
  return { ok: false, problem: lastProblem };
}

/** Where the judge's quote is in the graded text: exact, else after folding (case, accents, spaces). */
export function locateQuote(text: string, q: string): { start: number; end: number } | undefined {
  const needle = q.trim().replace(/^["'«“]+|["'»”]+$/g, "").replace(/(?:\.\.\.|…)$/, "").trim();
  if (needle.length < 2) return undefined;
  const exact = text.indexOf(needle);
  if (exact >= 0) return { start: exact, end: exact + needle.length };
  const ft = fold(text);
  const fq = fold(needle).text.trim();
  if (fq.length < 2) return undefined;
  const at = ft.text.indexOf(fq);
  if (at < 0) return undefined;
  return toOriginal(ft, at, at + fq.length);
}

async function ask(complete: Complete, messages: JudgeMessage[]): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    return await complete(messages);
  } catch (e) {
    return { ok: false, error: (e as Error).message ?? String(e) };
  }
}

/** Asks the judge about one criterion. */
export async function judgeCriterion(c: JudgeCriterion, ctx: JudgeContext): Promise<GradeResult> {
  const on = c.on ?? "answer";
  const graded = on === "reasoning" ? (ctx.reasoning ?? "") : ctx.answer;
  // The judge reads the answer without inline <think> reasoning; quotes are found in the full text.
  const shown = on === "reasoning" ? graded : withoutThink(graded).trim();
  if (shown.trim() === "") return errorResult(c, `nothing to judge: the ${on} is empty`);
  const items = rubricItems(c.rubric);
  if (items.length === 0) return errorResult(c, "the rubric has no items");
  const values = {
    prompt: ctx.prompt,
    answer: shown,
    graded: on,
    count: String(items.length),
    items: items.map((it, i) => `${i + 1}. ${it}`).join("\n"),
    reference: ctx.reference !== undefined && ctx.reference.trim() !== "" ? fillPrompt(JUDGE_PROMPTS.reference, { text: ctx.reference.trim() }) : "",
  };
  const messages: JudgeMessage[] = [
    { role: "system", content: JUDGE_PROMPTS.system },
    { role: "user", content: fillPrompt(JUDGE_PROMPTS.user, values) },
  ];
  let reply = await ask(ctx.complete, messages);
  if (!reply.ok) return errorResult(c, `judge unreachable: ${reply.error}`);
  let parsed = parseJudgeReply(reply.text, items.length);
  if (!parsed.ok) {
    const repair: JudgeMessage = {
      role: "user",
      content: fillPrompt(JUDGE_PROMPTS.repair, { problem: parsed.problem, previous: clip(reply.text, 400), count: String(items.length) }),
    };
    reply = await ask(ctx.complete, [...messages, repair]);
    if (!reply.ok) return errorResult(c, `judge unreachable on retry: ${reply.error}`);
    parsed = parseJudgeReply(reply.text, items.length);
    if (!parsed.ok) return errorResult(c, `judge reply unusable after one retry: ${parsed.problem}`);
  }
  const verdicts = parsed.items;
  const passed = verdicts.filter((v) => v.pass).length;
  const ev: Evidence[] = [];
  const lines = verdicts.map((v, i) => {
    const label = items[i] ?? v.item;
    let note = "";
    if (v.quote.trim() !== "") {
      const at = locateQuote(on === "reasoning" ? graded : withoutThink(graded), v.quote);
      if (at) ev.push(evidence(graded, at.start, at.end, `item ${i + 1} ${v.pass ? "✓" : "✗"} ${clip(label, 60)}: ${clip(v.reason, 120)}`));
      else note = " (its quote is not in the text)";
    }
    return `${v.pass ? "✓" : "✗"} ${clip(label, 80)}${v.reason ? ` — ${clip(v.reason, 160)}` : ""}${note}`;
  });
  ev.sort((a, b) => a.start - b.start);
  return result(c, {
    pass: passed === verdicts.length,
    score: passed / verdicts.length,
    reason: `judge: ${passed}/${verdicts.length} rubric items met. ${lines.join("; ")}`,
    evidence: ev,
  });
}

/** Asks the judge about each criterion, one after another, in order. */
export async function judgeCriteria(criteria: JudgeCriterion[], ctx: JudgeContext): Promise<GradeResult[]> {
  const out: GradeResult[] = [];
  for (const c of criteria) {
    try {
      out.push(await judgeCriterion(c, ctx));
    } catch (e) {
      out.push(errorResult(c, `judge failed: ${(e as Error).message ?? String(e)}`));
    }
  }
  return out;
}
