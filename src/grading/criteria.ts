/**
 * Criteria as data: what a task pack says about a good answer. Each criterion names its
 * grader and that grader's options. zod schemas are the single source of the shapes.
 * A text alternative is a string or a list of synonyms (any of them counts).
 */
import { z } from "zod";

const base = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a criterion id: lower-case letters, digits, - and _"),
  description: z.string().optional().describe("what a reviewer reads"),
  weight: z.number().positive().default(1),
  /** Which text is graded: the answer (default) or the reasoning. */
  on: z.enum(["answer", "reasoning"]).default("answer"),
};

/** A term: one string, or synonyms of which any may appear. */
export const termSchema = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const structureCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("structure"),
    min_steps: z.int().min(1).optional().describe("at least this many steps (numbered or bulleted items, 'Step N' / 'Étape N' lines, or step headings)"),
    max_steps: z.int().min(1).optional(),
    min_headings: z.int().min(1).optional(),
    table: z.boolean().optional().describe("a Markdown table is required"),
    each_step: z
      .object({
        any: z.array(termSchema).min(1).describe("terms of which one must appear in a step's section (its line and what follows, up to the next step)"),
        min_share: z.number().gt(0).max(1).default(1).describe("the share of steps that must carry one (0.8 = 8 steps of 10)"),
      })
      .strict()
      .optional()
      .describe("what every step must say (a duration, a week number…): the steps of the winning recogniser are checked one by one"),
  })
  .strict();

export const textCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("text"),
    all: z.array(termSchema).optional().describe("every term must appear"),
    any: z.array(termSchema).optional().describe("at least min_matches of these terms must appear"),
    min_matches: z.int().min(1).default(1),
    none: z.array(termSchema).optional().describe("none of these may appear"),
    ordered: z.boolean().optional().describe("the `all` terms must appear in the listed order (lundi before mardi…)"),
    against: z
      .array(termSchema)
      .optional()
      .describe("statements of the opposite (\"Alex: knave\" against \"Alex: knight\"): the last statement in the answer decides, so a hypothesis in the working does not count"),
  })
  .strict();

export const numericCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("numeric"),
    variable: z.string().optional().describe("the name the answer gives the value (A, x, total…); absent: the final answer"),
    expect: z.number(),
    tolerance: z.number().min(0).default(0).describe("absolute tolerance"),
    rel_tolerance: z.number().min(0).default(0).describe("relative tolerance (0.01 = 1 %)"),
    unit: z.string().optional().describe("expected unit, e.g. km, €, h; a value with another unit does not count"),
  })
  .strict();

export const intervalCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("interval"),
    variable: z.string().optional(),
    low: z.number(),
    high: z.number(),
    low_inclusive: z.boolean().default(false),
    high_inclusive: z.boolean().default(false),
    integer: z
      .boolean()
      .optional()
      .describe("the variable is an integer: intervals are compared as sets of integers, so ]5, 10[ ≡ [6, 9]"),
  })
  .strict();

export const codeCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("code"),
    language: z.enum(["python", "javascript", "typescript"]),
    must_parse: z.boolean().default(true).describe("every fenced block in this language must parse"),
    min_blocks: z.int().min(0).default(1),
    constructs: z
      .array(termSchema)
      .optional()
      .describe("constructs the code must contain: names such as list_comprehension, dict_literal, async_function, or a regular expression /…/ on the code text"),
  })
  .strict();

export const judgeCriterionSchema = z
  .object({
    ...base,
    grader: z.literal("judge"),
    rubric: z.string().min(1).describe("what the judge model checks, as a checklist"),
  })
  .strict();

export const criterionSchema = z.discriminatedUnion("grader", [
  structureCriterionSchema,
  textCriterionSchema,
  numericCriterionSchema,
  intervalCriterionSchema,
  codeCriterionSchema,
  judgeCriterionSchema,
]);

export type Term = z.infer<typeof termSchema>;
export type Criterion = z.infer<typeof criterionSchema>;
export type StructureCriterion = z.infer<typeof structureCriterionSchema>;
export type TextCriterion = z.infer<typeof textCriterionSchema>;
export type NumericCriterion = z.infer<typeof numericCriterionSchema>;
export type IntervalCriterion = z.infer<typeof intervalCriterionSchema>;
export type CodeCriterion = z.infer<typeof codeCriterionSchema>;
export type JudgeCriterion = z.infer<typeof judgeCriterionSchema>;
export type RuleCriterion = Exclude<Criterion, JudgeCriterion>;
