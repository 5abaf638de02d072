import { performance } from "node:perf_hooks";
import type { WireChatChunk, WireChatResponse, WireError } from "../../../src/wire/openai.js";

export interface StreamResult {
  status: number;
  headers: Headers;
  /** Parsed `data:` payloads, [DONE] excluded. */
  chunks: WireChatChunk[];
  sawDone: boolean;
  /** ms from send to the first chunk carrying content or reasoning text. */
  ttftMs: number;
  /** ms from send to the end of the body. */
  e2eMs: number;
  /** ms from send to each token-bearing chunk. */
  tokenTimesMs: number[];
  content: string;
  reasoning: string;
  error?: WireError;
}

export function headersFor(apiKey?: string): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json" };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

/** POSTs a streamed chat completion and reads the SSE body, timing each chunk. */
export async function streamChat(baseUrl: string, body: Record<string, unknown>, apiKey?: string): Promise<StreamResult> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: headersFor(apiKey),
    body: JSON.stringify({ stream: true, ...body }),
  });
  const result: StreamResult = {
    status: res.status,
    headers: res.headers,
    chunks: [],
    sawDone: false,
    ttftMs: NaN,
    e2eMs: NaN,
    tokenTimesMs: [],
    content: "",
    reasoning: "",
  };
  if (!res.ok || !res.body) {
    result.error = (await res.json()) as WireError;
    result.e2eMs = performance.now() - t0;
    return result;
  }
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const now = performance.now() - t0;
    buffer += decoder.decode(value, { stream: true });
    let idx: number;
    while ((idx = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      if (!event.startsWith("data: ")) throw new Error(`unexpected SSE line: ${event}`);
      const data = event.slice(6);
      if (data === "[DONE]") {
        result.sawDone = true;
        continue;
      }
      const chunk = JSON.parse(data) as WireChatChunk;
      result.chunks.push(chunk);
      const delta = chunk.choices[0]?.delta;
      const text = (delta?.content ?? "") + (delta?.reasoning ?? "");
      if (text.length > 0) {
        if (result.tokenTimesMs.length === 0) result.ttftMs = now;
        result.tokenTimesMs.push(now);
        result.content += delta?.content ?? "";
        result.reasoning += delta?.reasoning ?? "";
      }
    }
  }
  result.e2eMs = performance.now() - t0;
  return result;
}

export async function postChat(
  baseUrl: string,
  body: unknown,
  apiKey?: string,
): Promise<{ status: number; headers: Headers; json: WireChatResponse & WireError }> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: headersFor(apiKey),
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as WireChatResponse & WireError };
}

/** Value of one sample in Prometheus text, e.g. metric("vllm:prompt_tokens_total"). */
export function metricValue(text: string, name: string, labelFilter = ""): number {
  let sum = 0;
  let found = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([^\s{]+)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (labelFilter && !(m[2] ?? "").includes(labelFilter)) continue;
    sum += Number(m[3]);
    found = true;
  }
  if (!found) throw new Error(`metric ${name}${labelFilter} not found`);
  return sum;
}

export const userTurn = (content: string) => ({ role: "user" as const, content });
