/**
 * The "Server-side truth per request" section of report.md: the server's own per-request
 * figures (llama.cpp's `timings`) against the client's, on the same requests, as a compact
 * table of summary rows. Pure: a ServerTruthSummary in, Markdown out; every cell is a
 * number or our own words.
 */
import type { CountAgreement, DifferenceSummary, ServerTruthSummary } from "../metrics/server-truth.js";
import { fmtMs, fmtSignedPct, table } from "./format.js";

function signedMs(v: number): string {
  const abs = fmtMs(Math.abs(v));
  return v > 0 ? `+${abs}` : v < 0 ? `−${abs}` : abs;
}

/** A signed percentage of a ratio − 1, with no "−0.0 %". */
function signedPct(v: number): string {
  return Math.abs(v) < 0.0005 ? "0.0 %" : fmtSignedPct(v);
}

/** Fewest requests for a slope worth printing. */
const MIN_FIT_POINTS = 5;

function fitText(fit: NonNullable<ServerTruthSummary["ttftMinusPromptMs"]>["fit"]): string {
  if (!fit || fit.n < MIN_FIT_POINTS) return `no slope (fewer than ${MIN_FIT_POINTS} requests, or a single prompt length)`;
  const weak = fit.r2 < 0.3 ? "; weak fit: the prompt explains little of it" : "";
  return `${signedMs(fit.slopeMsPer1k)} per 1 000 prompt tokens (fit over ${fit.n}, r² ${fit.r2.toFixed(2)}${weak})`;
}

function signedCount(v: number): string {
  const r = Math.round(v * 10) / 10;
  return r > 0 ? `+${r}` : r < 0 ? `−${Math.abs(r)}` : "0";
}

function range(d: DifferenceSummary, f: (v: number) => string): string {
  return d.min === d.max ? f(d.min) : `${f(d.min)} … ${f(d.max)}`;
}

function countRow(label: string, a: CountAgreement | undefined): string[] | undefined {
  if (!a) return undefined;
  return [label, String(a.n), signedCount(a.median), signedCount(a.p90), range(a, signedCount), `equal on ${a.equal} of ${a.n}`];
}

/** The section, starting with its `###` heading. */
export function renderServerTruthSection(t: ServerTruthSummary): string {
  const out: string[] = [];
  out.push("### Server-side truth per request (llama.cpp `timings`)");
  out.push("");
  out.push(
    `The server returned its own timings with ${t.requests} successful request${t.requests === 1 ? "" : "s"} of this scenario` +
      (t.without > 0 ? ` (${t.without} more came without them)` : "") +
      "; each row compares them with what the client measured on the same requests, so no figure mixes populations.",
  );
  out.push("");
  const rows: string[][] = [];
  const ttft = t.ttftMinusPromptMs;
  if (ttft) {
    rows.push([
      "TTFT: client − server prompt_ms",
      String(ttft.n),
      signedMs(ttft.median),
      signedMs(ttft.p90),
      range(ttft, signedMs),
      fitText(ttft.fit),
    ]);
  }
  const tps = t.outputTpsRelative;
  if (tps) {
    const worst = Math.max(Math.abs(tps.min), Math.abs(tps.max));
    rows.push([
      "Output tok/s: client ÷ server predicted_per_second − 1",
      String(tps.n),
      signedPct(tps.median),
      signedPct(tps.p90),
      range(tps, signedPct),
      `largest difference ${(worst * 100).toFixed(1)} %`,
    ]);
  }
  for (const r of [
    countRow("Output tokens: usage − predicted_n", t.outputTokens),
    countRow("Prompt tokens: usage − (prompt_n + cache_n)", t.promptTokens),
    countRow("Cached prompt tokens: usage − cache_n", t.cachedTokens),
  ]) {
    if (r) rows.push(r);
  }
  out.push(table(["Per request, same requests", "n", "Median", "p90", "Range", "Reading"], rows));
  out.push("");
  const lines: string[] = [];
  if (ttft) {
    lines.push(
      "prompt_ms runs from the moment a slot starts on the request to the end of the prompt decode. Before it, the server has parsed the HTTP request, rendered the chat template and tokenized the prompt " +
        "(and, when every slot is busy, waited for one). So client TTFT − prompt_ms is mostly that server-side work, plus the network both ways and the client reading the first chunk. " +
        "It is not the client's overhead. It grows with the prompt because templating and tokenization do. The slope is fitted against each request's whole prompt (prompt_n + cache_n).",
    );
  }
  if (tps) lines.push("Client output tok/s = (output tokens − 1) / (E2E − TTFT). The server's figure is predicted_n / predicted_ms.");
  if (t.promptTokens) lines.push("llama.cpp's prompt_n counts only the prompt tokens it computed; cache_n counts those reused from the slot's cache. usage.prompt_tokens is their sum.");
  out.push(lines.map((l) => `- ${l}`).join("\n"));
  return out.join("\n").trimEnd() + "\n";
}
