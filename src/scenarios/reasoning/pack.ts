/**
 * Task packs: reasoning tasks as data (suites/reasoning/*.yaml), each with its prompt and
 * the criteria a good answer meets. A user adds a task without writing code.
 */
import { z } from "zod";
import { criterionSchema } from "../../grading/criteria.js";

export const TASK_CATEGORIES = ["planning", "math", "logic", "code_review", "code_writing", "analysis"] as const;

/** What makes a negative example wrong (docs/tasks.md#negatives). */
export const NEGATIVE_KINDS = ["no_working", "wrong_value", "wrong_order", "negated", "refusal", "off_topic", "incomplete", "other"] as const;

/**
 * A wrong-but-plausible answer kept next to its task: the task must not pass on it, and the
 * criteria it names in `fails` must not pass either. Tests grade every negative of every
 * built-in task; the scenario never sends them.
 */
export const negativeSchema = z
  .object({
    kind: z.enum(NEGATIVE_KINDS),
    /** Why the answer is wrong, for readers of the pack. */
    note: z.string().min(1),
    answer: z.string().min(1),
    /** Criteria (by id) that must not pass on this answer. */
    fails: z.array(z.string()).optional(),
    /** fail (default): the task's score stays below pass_score; zero: the score is 0. */
    expect: z.enum(["fail", "zero"]).default("fail"),
  })
  .strict();

export const taskSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "a task id: lower-case letters, digits, - and _"),
    title: z.string().min(1),
    language: z.enum(["en", "fr"]),
    category: z.enum(TASK_CATEGORIES),
    /** The same task in another language (e.g. the seed's French tasks and their English variants). */
    variant_of: z.string().optional(),
    system_prompt: z.string().optional(),
    prompt: z.string().min(1),
    max_tokens: z.int().positive().default(2048).describe("room for reasoning and answer; an answer cut by it is reported as truncated"),
    /** A task passes when its weighted score reaches this. */
    pass_score: z.number().min(0).max(1).default(0.75),
    criteria: z.array(criterionSchema).min(1),
    /** For reviewers: what a good answer looks like. */
    reference: z.string().optional(),
    /** Wrong-but-plausible answers the criteria must reject (tests only; never sent). */
    negatives: z.array(negativeSchema).optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    const ids = new Set(t.criteria.map((c) => c.id));
    t.negatives?.forEach((n, i) => {
      (n.fails ?? []).forEach((id, k) => {
        if (!ids.has(id)) ctx.addIssue({ code: "custom", path: ["negatives", i, "fails", k], message: `no criterion "${id}" in this task (criteria: ${[...ids].join(", ")})` });
      });
    });
  });

export const packSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    title: z.string().min(1),
    description: z.string().optional(),
    tasks: z.array(taskSchema).min(1),
  })
  .strict();

export type Task = z.infer<typeof taskSchema>;
export type Negative = z.infer<typeof negativeSchema>;

/** The task as a run records it: negatives are test data, not part of what was asked. */
export function taskAsRun(task: Task): Task {
  if (task.negatives === undefined) return task;
  const { negatives: _negatives, ...rest } = task;
  return rest;
}
export type TaskPack = z.infer<typeof packSchema>;
