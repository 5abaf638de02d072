/**
 * Results of the tool-calling checks: the same shape as every grade (pass, reason,
 * evidence), one per check, so the report can show why a case passed or failed.
 */
export type ToolCheckName =
  | "structured_calls" // the server returned tool_calls, not a call leaked as text
  | "json_valid" // every call's arguments parse as JSON
  | "schema_valid" // arguments match the tool's JSON Schema (required, types, enums)
  | "call_match" // the expected functions with matching arguments, step by step
  | "no_call" // irrelevance: no tool called
  | "final_answer" // the final answer uses the tool results
  | "stream_consistency"; // streamed deltas assemble into the non-streamed calls

export interface ToolCheck {
  check: ToolCheckName;
  pass: boolean;
  reason: string;
  /** Excerpts that show it: the leaked text, the bad argument, the mismatch. */
  evidence: string[];
}

/** A call as the model made it (arguments as the raw string the server sent). */
export interface MadeCall {
  name: string;
  arguments: string;
}

/** What a content string that should have been a structured call looks like. */
export interface LeakedCall {
  format: "hermes" | "function_tag" | "json" | "python_tag";
  text: string;
  start: number;
  end: number;
  name?: string;
}

/**
 * A JSON value as an argument holds it (what `JSON.parse` of a call's arguments gives).
 */
export type ArgValue = string | number | boolean | null | ArgValue[] | { [key: string]: ArgValue };

/**
 * What an argument must be, as matchArguments reads it. A superset of the case schema's
 * ArgMatcher (src/scenarios/tools/case.ts), so a case's expectations pass as they are:
 *   - a literal (string, number, boolean, null) compared tolerantly;
 *   - a matcher object, i.e. an object whose keys are all among value, any, tolerance,
 *     contains, optional, absent (`{}` alone: must be given, any value);
 *   - a list: a JSON array of the same length, element by element, in order;
 *   - any other object: a nested object, key by key with these same rules (keys it does
 *     not name are ignored).
 */
export type ArgExpectation =
  | string
  | number
  | boolean
  | null
  | ArgMatcherObject
  | ArgExpectation[]
  | { [key: string]: ArgExpectation };

export interface ArgMatcherObject {
  /** The value (compared tolerantly, like a literal). */
  value?: ArgValue;
  /** Acceptable values: any one of them matches. */
  any?: ArgValue[];
  /** Absolute tolerance for numbers (on top of the default 1e-9 relative). */
  tolerance?: number;
  /** Terms a free-text argument must all contain (a term may be a list of synonyms). */
  contains?: (string | readonly string[])[];
  /** May be absent (or null). */
  optional?: boolean;
  /** Must not be given (null counts as not given). */
  absent?: boolean;
}

/**
 * An expected call: the case's ExpectedCall (src/scenarios/tools/case.ts) fits this shape.
 * Arguments it does not name are not judged here (schema_valid judges them).
 */
export interface ExpectedToolCall {
  name: string;
  arguments?: Readonly<Record<string, ArgExpectation>>;
}

/** A term of a final-answer check: a string, or synonyms (any one counts); `/re/flags` is a regular expression. */
export type Term = string | readonly string[];

/** The outcome of matching arguments or a step: pass, and why not (empty when it passes). */
export interface MatchResult {
  pass: boolean;
  reasons: string[];
}

/** A step's outcome: also evidence, one line per call made (and what it matched). */
export interface StepMatch extends MatchResult {
  evidence: string[];
}
