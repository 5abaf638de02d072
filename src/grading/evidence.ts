/** Evidence spans and the small helpers every grader shares. */
import type { Evidence, GradeResult, GradingInput } from "./types.js";
import type { Criterion } from "./criteria.js";

/** Longest evidence text kept (the span itself is exact; only the quoted text is cut). */
export const EVIDENCE_TEXT_MAX = 200;
/** Most evidence spans one result carries; the reason says when there were more. */
export const EVIDENCE_MAX = 20;

/** A quote of the graded text, cut to EVIDENCE_TEXT_MAX characters. */
export function clip(text: string, max = EVIDENCE_TEXT_MAX): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** One evidence entry for [start, end) of `text`. */
export function evidence(text: string, start: number, end: number, note?: string): Evidence {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  const ev: Evidence = { start: s, end: e, text: clip(text.slice(s, e)) };
  if (note !== undefined) ev.note = note;
  return ev;
}

/** A short quote for reasons: whitespace runs made single spaces, cut to `max`. */
export function quote(text: string, max = 80): string {
  return JSON.stringify(clip(text.replace(/\s+/g, " ").trim(), max));
}

/**
 * An answer without its inline reasoning: what precedes the last "</think>" (or follows
 * an unclosed "<think>") is blanked to spaces, newlines kept, so offsets still point
 * into the answer as the model sent it.
 */
export function withoutThink(text: string): string {
  const close = text.toLowerCase().lastIndexOf("</think>");
  if (close >= 0) return blank(text, 0, close + "</think>".length);
  const open = text.toLowerCase().indexOf("<think>");
  if (open >= 0) return blank(text, open, text.length);
  return text;
}

function blank(text: string, from: number, to: number): string {
  return text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, " ") + text.slice(to);
}

/** The text a criterion grades: the reasoning, or the answer without inline <think> reasoning. */
export function gradedText(c: { on?: "answer" | "reasoning" }, input: GradingInput): string {
  return (c.on ?? "answer") === "reasoning" ? input.reasoning : withoutThink(input.answer);
}

/** A result shell for a criterion. */
export function result(
  c: Criterion,
  fields: { pass: boolean; score: number; reason: string; evidence?: Evidence[]; error?: string },
): GradeResult {
  const r: GradeResult = {
    criterion: c.id,
    grader: c.grader,
    on: c.on ?? "answer",
    pass: fields.pass,
    score: Math.max(0, Math.min(1, Number.isFinite(fields.score) ? fields.score : 0)),
    reason: fields.reason,
    evidence: fields.evidence ?? [],
  };
  if (fields.error !== undefined) r.error = fields.error;
  return r;
}

/** A result for a grader that could not run: neither pass nor fail. */
export function errorResult(c: Criterion, error: string): GradeResult {
  return result(c, { pass: false, score: 0, reason: `not graded: ${error}`, error });
}

/** Caps an evidence list, saying in the reason how many were found. */
export function capEvidence(list: Evidence[], max = EVIDENCE_MAX): { evidence: Evidence[]; note: string } {
  if (list.length <= max) return { evidence: list, note: "" };
  return { evidence: list.slice(0, max), note: ` (evidence shows the first ${max} of ${list.length})` };
}

