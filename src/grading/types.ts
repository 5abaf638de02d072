/**
 * One result shape for every check (promptfoo's habit): pass, score, reason, evidence.
 * Rule-based graders are pure and synchronous; the judge is a separate, asynchronous pack
 * whose verdicts are stored beside the rule-based ones and never replace them.
 */

/** A span of the graded text that satisfied (or contradicted) a criterion. */
export interface Evidence {
  /** Character offsets in the graded text. */
  start: number;
  end: number;
  /** The text of the span (at most ~200 characters). */
  text: string;
  /** What this span shows, e.g. "step 3", "A = 10", "matched synonym 'PostgreSQL'". */
  note?: string;
}

export interface GradeResult {
  criterion: string;
  grader: "structure" | "text" | "numeric" | "interval" | "code" | "judge";
  /** Which text was graded. */
  on: "answer" | "reasoning";
  pass: boolean;
  /** 0..1: partial credit where the grader has it (e.g. 7 of 10 steps → 0.7). */
  score: number;
  /** Why, in one or two sentences a reviewer can check: what was found, or why nothing was. */
  reason: string;
  evidence: Evidence[];
  /** The grader could not run (no text, judge unreachable…): neither pass nor fail. */
  error?: string;
}

/** What a grader sees. */
export interface GradingInput {
  answer: string;
  reasoning: string;
  /** The answer was cut by max_tokens: graders still run, and the report says so. */
  truncated: boolean;
  /**
   * The task's language. When given, an answer whose prose is not in it (word salad, another
   * script, the other language) is credited nothing (prose.ts).
   */
  language?: "en" | "fr";
  /** The task's prompt. When given, what the answer copies from it is not graded (prose.ts). */
  prompt?: string;
}
