import { criterionSchema, type Criterion, type RuleCriterion } from "../../../src/grading/criteria.js";
import { gradeRule } from "../../../src/grading/index.js";
import type { GradeResult, GradingInput } from "../../../src/grading/types.js";

/** A criterion as a task pack writes it, with the schema's defaults applied. */
export function crit<T extends Criterion = Criterion>(o: Record<string, unknown>): T {
  return criterionSchema.parse({ id: "c", ...o }) as T;
}

export function input(answer: string, extra: Partial<GradingInput> = {}): GradingInput {
  return { answer, reasoning: "", truncated: false, ...extra };
}

/** Grades one criterion (given as data) on an answer. */
export function grade(o: Record<string, unknown>, answer: string, extra: Partial<GradingInput> = {}): GradeResult {
  return gradeRule(crit<RuleCriterion>(o), input(answer, extra));
}

/** Every evidence span must quote the graded text at its offsets. */
export function expectEvidenceInside(r: GradeResult, text: string): void {
  for (const e of r.evidence) {
    if (e.start < 0 || e.end > text.length || e.start > e.end) throw new Error(`evidence ${e.start}-${e.end} outside the text (${text.length})`);
    const real = text.slice(e.start, e.end);
    const shown = e.text.endsWith("…") ? e.text.slice(0, -1) : e.text;
    if (!real.startsWith(shown)) throw new Error(`evidence text ${JSON.stringify(e.text)} is not the text at ${e.start}-${e.end}: ${JSON.stringify(real)}`);
  }
}
