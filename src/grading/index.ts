/**
 * Graders: what shakedown uses to say whether an answer is right, and why.
 *   - rule-based (pure, synchronous): structure, text, numeric, interval, code;
 *   - judge (asynchronous, model-graded): a checklist rubric sent to a judge model
 *     through an injected `complete` function; stored beside the rule-based results,
 *     never replacing them.
 * Nothing here does I/O.
 */
export { gradeRule, gradeRules, gateAnswer, taskScore, criterionProblems, type AnswerGate } from "./grade.js";
export { readProse, promptEchoSpans, blankSpans, proseOf, type ProseLanguage, type ProseReading } from "./prose.js";
export { judgeCriteria, judgeCriterion, parseJudgeReply, rubricItems, type Complete, type JudgeContext, type JudgeItem, type JudgeMessage } from "./judge.js";
export { JUDGE_PROMPTS, fillPrompt } from "./judge-prompts.js";
export { analyseStructure, gradeStructure, type StructureAnalysis, type Recogniser } from "./structure.js";
export { gradeText } from "./text.js";
export { gradeNumeric, extractNumericCandidates, type NumericCandidate, type NumericRule } from "./numeric.js";
export { gradeInterval, extractIntervals, type IntervalCandidate } from "./interval.js";
export { gradeCode, languageBlocks, guessLanguage } from "./code.js";
export { parseCode, knownConstructs, type CodeLanguage } from "./code-syntax.js";
export { fold, toOriginal, compileTerm, findTerm, type MappedText, type Span } from "./normalize.js";
export { scanMarkdown, type CodeBlock } from "./markdown.js";
export * from "./criteria.js";
export type { Evidence, GradeResult, GradingInput } from "./types.js";
