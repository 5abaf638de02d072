/**
 * Tool-calling checks (pure; nothing here does I/O). Each returns the same shape (check,
 * pass, reason, evidence) so the report can say why a case passed or failed:
 *   - detectLeakedCalls / checkStructured: calls that leaked into the content as text
 *     (the server's tool-call parser did not parse them);
 *   - checkJson, checkSchema: arguments are a JSON object that fits the tool's schema;
 *   - matchArguments, matchStep: the expected calls, compared tolerantly;
 *   - checkFinalAnswer: the answer carries what the tools returned;
 *   - checkStreamConsistency: streamed calls equal the non-streamed ones.
 * docs/tool-checks.md states every rule with examples.
 */
export { detectLeakedCalls, detectLeakedTags, callShape } from "./leak.js";
export { checkStructured, checkJson, leakEvidence, PARSER_FIX, type StructuredOptions } from "./checks.js";
export { checkSchema } from "./schema.js";
export { matchArguments, matchStep, describeCall, describeExpectation, numbersMatch, foldForEquality, isMatcher, RELATIVE_TOLERANCE } from "./match.js";
export { checkFinalAnswer, type FinalAnswerOptions } from "./final.js";
export { checkStreamConsistency, jsonEqual } from "./stream.js";
export { parseArguments, type ParsedArguments } from "./args.js";
export type * from "./types.js";
