/**
 * Tool-calling cases as data (suites/tools/*.yaml): the tools offered, the user's request,
 * the calls a correct model makes step by step, and what the final answer must contain.
 * A user adds a case without writing code.
 */
import { z } from "zod";
import { termSchema } from "../../grading/criteria.js";

export const TOOL_CATEGORIES = ["simple", "multi_tool", "compositional", "irrelevance", "parallel", "required_arg", "agent_loop"] as const;

/** An OpenAI `tools` entry, or the name of a built-in tool (suites/tools/tools.yaml). */
export const toolSpecSchema = z.union([
  z.string().min(1),
  z
    .object({
      type: z.literal("function"),
      function: z.object({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      }),
    })
    .strict(),
]);

/**
 * What an argument must be. A literal (string, number, boolean) is compared tolerantly
 * (strings folded for case, accents and whitespace; "10" matches 10; numbers within 1e-9
 * relative). An object says more: any (a list of acceptable values), tolerance (absolute,
 * for numbers), contains (terms a free-text argument must contain), optional (may be
 * absent), absent (must not be given).
 */
export const argMatcherSchema: z.ZodType<ArgMatcher> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z
      .object({
        value: z.union([z.string(), z.number(), z.boolean()]).optional(),
        any: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1).optional(),
        tolerance: z.number().min(0).optional(),
        contains: z.array(termSchema).min(1).optional(),
        optional: z.boolean().optional(),
        absent: z.boolean().optional(),
      })
      .strict(),
  ]),
);

export type ArgMatcher =
  | string
  | number
  | boolean
  | {
      value?: string | number | boolean;
      any?: (string | number | boolean)[];
      tolerance?: number;
      contains?: (string | string[])[];
      optional?: boolean;
      absent?: boolean;
    };

export const expectedCallSchema = z
  .object({
    name: z.string().min(1),
    arguments: z.record(z.string(), argMatcherSchema).default({}),
  })
  .strict();

/** What makes a negative final answer wrong (docs/tool-cases.md#negatives). */
export const TOOL_NEGATIVE_KINDS = ["wrong_value", "wrong_order", "negated", "refusal", "off_topic", "incomplete", "other"] as const;

/**
 * A wrong-but-plausible final answer kept next to its case: the final_answer check must fail
 * on it. Tests check every negative of every built-in case; the scenario never sends them.
 */
export const toolNegativeSchema = z
  .object({
    kind: z.enum(TOOL_NEGATIVE_KINDS),
    /** Why the answer is wrong, for readers of the pack. */
    note: z.string().min(1),
    answer: z.string().min(1),
  })
  .strict();

export const toolCaseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    title: z.string().min(1),
    language: z.enum(["en", "fr"]),
    category: z.enum(TOOL_CATEGORIES),
    system_prompt: z.string().optional(),
    prompt: z.string().min(1),
    tools: z.array(toolSpecSchema).min(1),
    /**
     * The calls, step by step: each step is the list of calls expected in one assistant turn
     * (several = parallel calls, in any order). Empty list of steps = no tool should be called.
     */
    steps: z.array(z.array(expectedCallSchema).min(1)),
    /** Calls of a step must come in the listed order (default: any order within a step). */
    ordered: z.boolean().default(false),
    /** Most assistant turns before the loop stops. */
    max_steps: z.int().min(1).max(20).default(6),
    /** Terms the final answer must contain (e.g. a value only a tool result gives). */
    final_answer: z.array(termSchema).optional(),
    max_tokens: z.int().positive().default(512),
    /** Wrong-but-plausible final answers the final_answer check must reject (tests only; never sent). */
    negatives: z.array(toolNegativeSchema).optional(),
  })
  .strict();

export const toolPackSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    title: z.string().min(1),
    cases: z.array(toolCaseSchema).min(1),
  })
  .strict();

export type ToolSpec = z.infer<typeof toolSpecSchema>;
export type ExpectedCall = z.infer<typeof expectedCallSchema>;
export type ToolCase = z.infer<typeof toolCaseSchema>;
export type ToolNegative = z.infer<typeof toolNegativeSchema>;

/** The case as a run records it: negatives are test data, not part of what was asked. */
export function caseAsRun(c: ToolCase): ToolCase {
  if (c.negatives === undefined) return c;
  const { negatives: _negatives, ...rest } = c;
  return rest;
}
export type ToolPack = z.infer<typeof toolPackSchema>;
