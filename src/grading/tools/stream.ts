/**
 * Streamed tool calls (deltas assembled by index) against the same request non-streamed:
 * same number of calls, same names in order, arguments equal as parsed JSON (key order and
 * whitespace ignored). vLLM's streaming tool parsers are known to drop arguments, cut them
 * short or split a string (vllm#19056, #21301, #22885, #28806), so where the two differ
 * the evidence shows both argument strings as the server sent them.
 */
import { clip } from "../evidence.js";
import { isPlainObject, parseArguments, show } from "./args.js";
import type { MadeCall, ToolCheck } from "./types.js";

/** Deep equality of JSON values; object key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

const SAMPLING_NOTE = "if the requests were not deterministic (temperature > 0), the model may simply have answered differently";

/** Why two calls' arguments differ, in words; undefined when they are the same. */
function compareArguments(streamed: string, nonStreamed: string): string | undefined {
  if (streamed === nonStreamed) return undefined;
  const s = parseArguments(streamed);
  const n = parseArguments(nonStreamed);
  if (s.ok && n.ok) {
    if (s.empty !== n.empty && jsonEqual(s.value, n.value)) {
      return s.empty
        ? "the streamed arguments are empty where the non-streamed call has {} (vLLM's streaming parsers drop a parameterless call's arguments, vllm#28806)"
        : "the non-streamed arguments are empty where the streamed call has {}";
    }
    if (jsonEqual(s.value, n.value)) return undefined;
    return describeObjectDiff(s.value, n.value);
  }
  if (!s.ok && n.ok) {
    const compactS = streamed.replace(/\s+/g, "");
    const compactN = JSON.stringify(n.value);
    const cut = compactS.length > 0 && compactN.startsWith(compactS);
    return `the streamed arguments are ${s.error}${cut ? ": cut short, a prefix of the non-streamed ones" : ""} (a streaming tool parser that cut or split the JSON)`;
  }
  if (s.ok && !n.ok) return `the non-streamed arguments are ${n.error}, the streamed ones parse`;
  return "both argument strings fail to parse, and they differ";
}

function describeObjectDiff(s: Record<string, unknown>, n: Record<string, unknown>): string {
  const parts: string[] = [];
  const dropped = Object.keys(n).filter((k) => !(k in s));
  const added = Object.keys(s).filter((k) => !(k in n));
  if (dropped.length > 0) parts.push(`the stream dropped argument(s) ${dropped.map((k) => `'${k}'`).join(", ")}`);
  if (added.length > 0) parts.push(`the stream has argument(s) the non-streamed call lacks: ${added.map((k) => `'${k}'`).join(", ")}`);
  let valuesDiffer = false;
  for (const k of Object.keys(n)) {
    if (!(k in s) || jsonEqual(s[k], n[k])) continue;
    const a = s[k];
    const b = n[k];
    if (typeof a === "string" && typeof b === "string" && b.includes(a)) {
      parts.push(`'${k}' is split: the streamed string is only part of the non-streamed one (a fragment lost in the stream): streamed ${show(a, 60)}, non-streamed ${show(b, 60)}`);
    } else if (typeof a === "string" && typeof b === "string" && a.includes(b)) {
      parts.push(`'${k}' has extra text in the stream (a fragment repeated or misplaced): streamed ${show(a, 60)}, non-streamed ${show(b, 60)}`);
    } else {
      valuesDiffer = true;
      parts.push(`'${k}': streamed ${show(a, 60)}, non-streamed ${show(b, 60)}`);
    }
  }
  if (valuesDiffer && dropped.length === 0 && added.length === 0) parts.push(SAMPLING_NOTE);
  return parts.join("; ");
}

export function checkStreamConsistency(streamed: readonly MadeCall[], nonStreamed: readonly MadeCall[]): ToolCheck {
  const names = (cs: readonly MadeCall[]) => (cs.length === 0 ? "no call" : cs.map((c) => c.name || "(no name)").join(", "));
  const both = (i: number, s: MadeCall | undefined, n: MadeCall | undefined): string[] => [
    `streamed #${i + 1}: ${s ? `${s.name}(${clip(s.arguments)})` : "(none)"}`,
    `non-streamed #${i + 1}: ${n ? `${n.name}(${clip(n.arguments)})` : "(none)"}`,
  ];
  if (streamed.length !== nonStreamed.length) {
    const evidence: string[] = [];
    for (let i = 0; i < Math.max(streamed.length, nonStreamed.length); i++) evidence.push(...both(i, streamed[i], nonStreamed[i]));
    return {
      check: "stream_consistency",
      pass: false,
      reason: `streamed ${streamed.length} call(s) (${names(streamed)}), non-streamed ${nonStreamed.length} (${names(nonStreamed)})`,
      evidence,
    };
  }
  if (streamed.length === 0) return { check: "stream_consistency", pass: true, reason: "no call either way", evidence: [] };
  const reasons: string[] = [];
  const evidence: string[] = [];
  streamed.forEach((s, i) => {
    const n = nonStreamed[i];
    if (!n) return;
    if (s.name !== n.name) {
      reasons.push(`call #${i + 1}: streamed ${s.name || "(no name)"}, non-streamed ${n.name || "(no name)"}`);
      evidence.push(...both(i, s, n));
      return;
    }
    const diff = compareArguments(s.arguments, n.arguments);
    if (diff === undefined) return;
    reasons.push(`call #${i + 1} ${s.name}: ${diff}`);
    evidence.push(...both(i, s, n));
  });
  if (reasons.length === 0) {
    return { check: "stream_consistency", pass: true, reason: `the ${streamed.length} streamed call(s) equal the non-streamed ones (${names(streamed)})`, evidence: [] };
  }
  return { check: "stream_consistency", pass: false, reason: reasons.join(" · "), evidence };
}
