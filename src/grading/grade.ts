/**
 * The rule-based pack: pure, synchronous, never throws. Each criterion is graded on the
 * answer or on the reasoning (criterion.on); a task's score is the weighted mean of its
 * rule-based results, judge results and errored ones left out.
 */
import type { Criterion, RuleCriterion } from "./criteria.js";
import type { GradeResult, GradingInput } from "./types.js";
import { clip, errorResult, gradedText, result, withoutThink } from "./evidence.js";
import { blankSpans, promptEchoSpans, readProse } from "./prose.js";
import { gradeStructure } from "./structure.js";
import { gradeText } from "./text.js";
import { gradeNumeric } from "./numeric.js";
import { gradeInterval } from "./interval.js";
import { gradeCode } from "./code.js";
import { compileTerm } from "./normalize.js";
import { isKnownConstruct, knownConstructs } from "./code-syntax.js";
import { REGEX_TERM_RE } from "./normalize.js";
import { rubricItems } from "./judge.js";

/** Grades one rule-based criterion. Never throws: a grader that cannot run gives `error`. */
export function gradeRule(c: RuleCriterion, input: GradingInput): GradeResult {
  const on = c.on ?? "answer";
  const text = gradedText(c, input);
  if (typeof text !== "string" || text.trim() === "") {
    const onlyThink = on === "answer" && input.answer.trim() !== "";
    return errorResult(
      c,
      on === "reasoning"
        ? "there is no reasoning text to grade"
        : `the answer is empty${onlyThink ? " (it holds only <think> reasoning)" : ""}${input.truncated ? " (cut by max_tokens, probably inside the reasoning)" : ""}`,
    );
  }
  let r: GradeResult;
  try {
    switch (c.grader) {
      case "structure":
        r = gradeStructure(c, text);
        break;
      case "text":
        r = gradeText(c, text);
        break;
      case "numeric":
        r = gradeNumeric(c, text);
        break;
      case "interval":
        r = gradeInterval(c, text);
        break;
      case "code":
        r = gradeCode(c, text);
        break;
      default: {
        const never: never = c;
        return errorResult(never as Criterion, `unknown grader ${(never as { grader?: string }).grader ?? "?"}`);
      }
    }
  } catch (e) {
    return errorResult(c, `grader crashed: ${(e as Error).message ?? String(e)}`);
  }
  if (input.truncated && !r.pass && r.error === undefined) r.reason += ` (the answer was cut by max_tokens)`;
  // Offsets are the same in the graded view (inline <think> blanked); quotes come from the text as sent.
  const original = on === "reasoning" ? input.reasoning : input.answer;
  if (original !== text) r.evidence = r.evidence.map((e) => ({ ...e, text: clip(original.slice(e.start, e.end)) }));
  return r;
}

/**
 * What the answer gate found: the input with the prompt's echo blanked, and, when the answer
 * is not to be credited at all, why.
 */
export interface AnswerGate {
  input: GradingInput;
  /** Characters of the answer blanked as copied from the prompt. */
  echoed: number;
  /** Set when nothing in the answer may be credited: only the prompt said back, or not prose in the task's language. */
  failure?: string;
  /** The answer is nothing but the prompt's echo (and punctuation). */
  echoOnly?: boolean;
}

/**
 * Checks an answer before its criteria are graded (prose.ts): what it copies from the prompt
 * is blanked (offsets kept), and an answer that is only that echo, or whose prose is not in
 * the task's language (word salad, another script, the other language), is credited nothing.
 * Without `input.language` and `input.prompt` the input passes unchanged.
 */
export function gateAnswer(input: GradingInput): AnswerGate {
  const answer = withoutThink(input.answer);
  if (answer.trim() === "") return { input, echoed: 0 };
  let graded = input;
  let echoed = 0;
  if (input.prompt !== undefined && input.prompt.trim() !== "") {
    const spans = promptEchoSpans(answer, input.prompt);
    echoed = spans.reduce((n, s) => n + (s.end - s.start), 0);
    if (spans.length > 0) {
      const blanked = blankSpans(input.answer, spans);
      graded = { ...input, answer: blanked };
      if (withoutThink(blanked).trim().replace(/[\p{P}\p{S}\s]/gu, "") === "") {
        return {
          input: graded,
          echoed,
          echoOnly: true,
          failure: `the answer only repeats the prompt (${echoed} characters copied from it): nothing in it is the model's own`,
        };
      }
    }
  }
  if (input.language !== undefined) {
    const prose = readProse(withoutThink(graded.answer), input.language);
    if (!prose.ok) return { input: graded, echoed, failure: `the answer is not coherent text in the task's language: ${prose.reason}` };
  }
  return { input: graded, echoed };
}

/**
 * Grades the rule-based criteria of a list, in order; judge criteria are skipped. With the
 * task's language and prompt in the input, the answer gate runs first (gateAnswer): echoed
 * text is not graded, and an answer that fails the gate scores 0 on every criterion, each
 * reason saying why and what the criterion would have read otherwise.
 */
export function gradeRules(criteria: Criterion[], input: GradingInput): GradeResult[] {
  const rules = criteria.filter((c): c is RuleCriterion => c.grader !== "judge");
  let gate: AnswerGate;
  try {
    gate = gateAnswer(input);
  } catch {
    gate = { input, echoed: 0 }; // never throws: a gate that cannot run leaves the answer as it is
  }
  if (gate.failure === undefined) return rules.map((c) => gradeRule(c, gate.input));
  const failure = gate.failure;
  return rules.map((c) => {
    if (gate.echoOnly === true && (c.on ?? "answer") === "answer") return result(c, { pass: false, score: 0, reason: `✗ not credited: ${failure}` });
    const r = gradeRule(c, gate.input);
    if (r.error !== undefined) return r;
    return result(c, { pass: false, score: 0, reason: `✗ not credited: ${failure} [read without this check: ${r.reason}]` });
  });
}

/**
 * A task's score: the weighted mean of its rule-based results' scores (criterion weights,
 * matched by criterion id), leaving out judge results and errored ones. `graded` counts
 * the results used; with none, the score is 0 and the task does not pass: report it as
 * not graded rather than failed.
 */
export function taskScore(criteria: Criterion[], results: GradeResult[], passScore: number): { score: number; pass: boolean; graded: number } {
  const byId = new Map(criteria.map((c) => [c.id, c]));
  let sum = 0;
  let weights = 0;
  let graded = 0;
  for (const r of results) {
    const c = byId.get(r.criterion);
    if (!c || c.grader === "judge" || r.grader === "judge" || r.error !== undefined) continue;
    const w = c.weight ?? 1;
    if (!(w > 0)) continue;
    sum += w * Math.max(0, Math.min(1, r.score));
    weights += w;
    graded++;
  }
  if (graded === 0 || weights === 0) return { score: 0, pass: false, graded: 0 };
  const score = sum / weights;
  return { score, pass: score >= passScore - 1e-9, graded };
}

/**
 * Mistakes in a criterion that would make it ungradable (for task-pack validation):
 * nothing to check, bad /regex/ terms, unknown code constructs, an empty interval, an
 * empty rubric. An empty list means the criterion is fine.
 */
export function criterionProblems(c: Criterion): string[] {
  const out: string[] = [];
  const checkTerms = (terms: readonly (string | readonly string[])[] | undefined, field: string) => {
    for (const t of terms ?? []) {
      try {
        compileTerm(t);
      } catch (e) {
        out.push(`${field}: ${(e as Error).message}`);
      }
    }
  };
  switch (c.grader) {
    case "structure":
      if (c.min_steps === undefined && c.max_steps === undefined && c.min_headings === undefined && c.table !== true && c.each_step === undefined)
        out.push("sets none of min_steps, max_steps, min_headings, table, each_step");
      checkTerms(c.each_step?.any, "each_step.any");
      if (c.min_steps !== undefined && c.max_steps !== undefined && c.min_steps > c.max_steps) out.push("min_steps is above max_steps");
      break;
    case "text":
      if ((c.all?.length ?? 0) + (c.any?.length ?? 0) + (c.none?.length ?? 0) === 0) out.push("lists no terms (all, any or none)");
      if (c.any !== undefined && (c.min_matches ?? 1) > c.any.length) out.push(`min_matches ${c.min_matches} is more than the ${c.any.length} terms of any`);
      checkTerms(c.all, "all");
      checkTerms(c.any, "any");
      checkTerms(c.none, "none");
      checkTerms(c.against, "against");
      if (c.ordered === true && (c.all?.length ?? 0) < 2) out.push("ordered needs two terms or more in all");
      if ((c.against?.length ?? 0) > 0 && (c.all?.length ?? 0) + (c.any?.length ?? 0) === 0) out.push("against needs terms in all or any");
      break;
    case "numeric":
      break;
    case "interval":
      if (c.low > c.high || (c.low === c.high && !(c.low_inclusive && c.high_inclusive))) out.push(`the interval from ${c.low} to ${c.high} is empty`);
      break;
    case "code":
      for (const term of c.constructs ?? []) {
        for (const s of typeof term === "string" ? [term] : term) {
          const rx = REGEX_TERM_RE.exec(s.trim());
          if (rx) {
            try {
              new RegExp(rx[1] ?? "", rx[2] ?? "");
            } catch (e) {
              out.push(`construct ${s}: ${(e as Error).message}`);
            }
          } else if (!isKnownConstruct(s, c.language)) {
            out.push(`unknown ${c.language} construct '${s}' (known: ${knownConstructs(c.language).join(", ")}, call:NAME, or a /regex/)`);
          }
        }
      }
      break;
    case "judge":
      if (rubricItems(c.rubric).length === 0) out.push("the rubric has no items");
      break;
  }
  return out;
}
