import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { resolveSimOptions, Simulator, type SequenceRecord, type SimOptions, type SimProfileName } from "../../../src/sim/index.js";
import type { WireChatChunk, WireChatResponse, WireError } from "../../../src/wire/openai.js";

/** A simulator over HTTP whose engine records every sequence it finished, on its own timeline. */
export interface ObservedSimulator {
  baseUrl: string;
  /**
   * Finished (or aborted) sequences in the order they ended. Their times are the engine's: its
   * virtual timeline of back-to-back steps, the timing model exactly, whatever the load of the
   * machine (a late host only makes the bytes late, never the model's times). Arrival is the
   * instant the request reached the engine.
   */
  sequences: SequenceRecord[];
  /** Every engine step, in order: its span on the engine's timeline and the tokens it computed. */
  steps: { startMs: number; endMs: number; prefillTokens: number; decodeTokens: number }[];
  close(): Promise<void>;
}

/**
 * Starts a simulator (as startSimulator does) and observes its engine, for timing tests that
 * must not depend on the machine being idle (DESIGN.md: tests use the simulator's known timing
 * model). The client's own timings include the host's stalls; the engine's do not.
 */
export async function startObservedSimulator(partial: Partial<SimOptions> & { profile?: SimProfileName } = {}): Promise<ObservedSimulator> {
  const sim = new Simulator(resolveSimOptions(partial));
  const sequences: SequenceRecord[] = [];
  const steps: ObservedSimulator["steps"] = [];
  sim.engine.addObserver({ onEnd: (r) => sequences.push(r), onStep: (s) => steps.push({ ...s }) });
  const server = createServer(sim.handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    sequences,
    steps,
    close: () =>
      new Promise<void>((resolve) => {
        sim.shutdown();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A finished sequence's TTFT and decode figures on the engine's timeline (ms, tokens per second). */
export function engineTiming(r: SequenceRecord): { ttftMs: number; e2eMs: number; decodeTps: number } {
  const first = r.firstTokenMs ?? NaN;
  return {
    ttftMs: first - r.arrivalMs,
    e2eMs: r.endMs - r.arrivalMs,
    decodeTps: r.generatedTokens > 1 ? ((r.generatedTokens - 1) * 1000) / (r.endMs - first) : NaN,
  };
}

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
