/**
 * The server-side checks of a tool turn: were the calls structured (or did they leak into
 * the content as text), and are their arguments JSON objects.
 */
import type { WireTool } from "../../wire/openai.js";
import { clip } from "../evidence.js";
import { callLabel, listNames, parseArguments, takesNoArguments, toolsByName } from "./args.js";
import { detectLeakedCalls, detectLeakedTags } from "./leak.js";
import type { LeakedCall, MadeCall, ToolCheck } from "./types.js";

/** The fix, said the same way everywhere (the report and the docs quote it). */
export const PARSER_FIX =
  "the server's tool-call parser did not parse this; check --tool-call-parser (e.g. hermes for Qwen3) and --enable-auto-tool-choice";

const FORMAT_WORDS: Record<LeakedCall["format"], string> = {
  hermes: "hermes <tool_call> text",
  function_tag: "<function=…> text",
  python_tag: "<|python_tag|> text",
  json: "call-shaped JSON",
};

const FORMAT_HINTS: Partial<Record<LeakedCall["format"], string>> = {
  function_tag: "<function=…> is the XML call format of Qwen3-Coder and Qwen3.5 (--tool-call-parser qwen3_coder) and the JSON one of Llama 3.x (llama3_json)",
  python_tag: "<|python_tag|> is Llama 3.x's (--tool-call-parser llama3_json, or pythonic for calls written as code)",
  json: "a bare JSON call is what Llama 3.x and Mistral write (llama3_json, mistral); a Qwen model writes <tool_call>",
};

/** One evidence line for a leaked call: where, which format, the text. */
export function leakEvidence(l: LeakedCall, where = "content"): string {
  return `${where} ${l.start}-${l.end} (${l.format}${l.name ? `, ${l.name}` : ""}): ${clip(l.text)}`;
}

export interface StructuredOptions {
  /**
   * The turn's reasoning text. When a call was due and none came back, a call written in
   * the tag formats inside the reasoning is a leak too: the reasoning parser kept it (vLLM
   * parses tool calls from the content only).
   */
  reasoning?: string;
}

/**
 * The server returned calls as structured `tool_calls`: fails when a call leaked into the
 * content (or, with `options.reasoning`, stayed in the reasoning), and names the fix. A
 * model that answered in text without calling anything passes here (call_match judges it).
 */
export function checkStructured(calls: readonly MadeCall[], content: string, expectCalls: boolean, options: StructuredOptions = {}): ToolCheck {
  const leaks = detectLeakedCalls(content);
  const inReasoning = calls.length === 0 && expectCalls && options.reasoning ? detectLeakedTags(options.reasoning) : [];
  const names = calls.map((c) => c.name);
  if (leaks.length === 0 && inReasoning.length === 0) {
    let reason: string;
    if (calls.length > 0) reason = `${calls.length} structured call(s) (${listNames(names)}); nothing call-like in the content`;
    else if (expectCalls) reason = "no structured call and nothing call-like in the content: the model answered in text (call_match says whether a call was due)";
    else reason = "no call made and none leaked into the content";
    return { check: "structured_calls", pass: true, reason, evidence: [] };
  }
  const all = [...leaks, ...inReasoning];
  const formats = [...new Set(all.map((l) => l.format))];
  const counts = formats.map((f) => `${FORMAT_WORDS[f]} ×${all.filter((l) => l.format === f).length}`).join(", ");
  const parts: string[] = [];
  if (leaks.length > 0) parts.push(`${leaks.length} tool call(s) leaked into the content as text`);
  if (inReasoning.length > 0) parts.push(`${inReasoning.length} tool call(s) stayed in the reasoning (the reasoning parser kept them; vLLM parses calls from the content only)`);
  let reason = `${parts.join(" and ")} (${counts}): ${PARSER_FIX}`;
  const hints = formats.map((f) => FORMAT_HINTS[f]).filter((h): h is string => h !== undefined);
  if (hints.length > 0) reason += `. ${hints.join("; ")}`;
  if (calls.length > 0) reason += `. ${calls.length} other call(s) did come back structured (${listNames(names)})`;
  if (!expectCalls) reason += ". No call was expected here: the model also called a tool it should not have";
  return {
    check: "structured_calls",
    pass: false,
    reason,
    evidence: [...leaks.map((l) => leakEvidence(l)), ...inReasoning.map((l) => leakEvidence(l, "reasoning"))],
  };
}

/**
 * Every call's arguments string is a JSON object. An empty string reads as {}: acceptable
 * for a tool without parameters (with `tools`, checked; without, said in the evidence).
 */
export function checkJson(calls: readonly MadeCall[], tools?: readonly WireTool[]): ToolCheck {
  if (calls.length === 0) return { check: "json_valid", pass: true, reason: "no calls to check", evidence: [] };
  const byName = tools ? toolsByName(tools) : undefined;
  const bad: string[] = [];
  const notes: string[] = [];
  calls.forEach((c, i) => {
    const p = parseArguments(c.arguments);
    const who = callLabel(c, i);
    if (!p.ok) {
      bad.push(`${who}: arguments are ${p.error}: ${clip(c.arguments)}`);
      return;
    }
    if (!p.empty) return;
    const tool = byName?.get(c.name);
    if (tool === undefined) {
      notes.push(`${who}: empty arguments read as {} (acceptable only for a tool without parameters; schema_valid checks the tool's)`);
    } else if (takesNoArguments(tool)) {
      notes.push(`${who}: empty arguments read as {} (the tool takes no parameters)`);
    } else {
      bad.push(`${who}: empty arguments, but the tool has parameters (an empty string is {} only for a tool without any)`);
    }
  });
  if (bad.length > 0) {
    return {
      check: "json_valid",
      pass: false,
      reason: `${bad.length} of ${calls.length} call(s) have arguments that are not a JSON object`,
      evidence: [...bad, ...notes],
    };
  }
  const reason = notes.length > 0 ? `all ${calls.length} call(s) have JSON object arguments (${notes.length} empty, read as {})` : `all ${calls.length} call(s) have JSON object arguments`;
  return { check: "json_valid", pass: true, reason, evidence: notes };
}
