/**
 * Task packs: reasoning tasks as data (suites/reasoning/*.yaml), each with its prompt and
 * the criteria a good answer meets. A user adds a task without writing code.
 */
import { z } from "zod";
import { criterionSchema } from "../../grading/criteria.js";

export const TASK_CATEGORIES = ["planning", "math", "logic", "code_review", "code_writing", "analysis"] as const;

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
  })
  .strict();

export const packSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    title: z.string().min(1),
    description: z.string().optional(),
    tasks: z.array(taskSchema).min(1),
  })
  .strict();

export type Task = z.infer<typeof taskSchema>;
export type TaskPack = z.infer<typeof packSchema>;
