/**
 * An OpenAI-compatible server that misbehaves on purpose, for fault tests of whole runs: it
 * answers GET /v1/models and GET /metrics like a server would (or not, as told), and each
 * POST /v1/chat/completions with whatever the test's `chat` function returns for the n-th
 * request (1-based, warm-up included). Built on the scripted server (port 0, 127.0.0.1).
 */
import { contentChunk, DONE, ev, finishChunk, reply, startScriptedServer, usageChunk, type ScriptedServer, type SeenRequest, type Step } from "./scripted-server.js";

export interface HostileOptions {
  /** The n-th chat request (1-based, warm-up included) and what the server saw. */
  chat(n: number, req: SeenRequest): Step[] | Promise<Step[]>;
  /** Extra headers on GET /v1/models (a Server header, say). */
  modelsHeaders?: Record<string, string>;
  /** The /metrics page; "hang": never answer; undefined: 404. */
  metrics?: string | "hang";
  model?: string;
}

/** A well-formed streamed answer made of `words`. */
export function okStream(words: string[], opts: { gapMs?: number } = {}): Step[] {
  return reply.sse([...words.map((w) => contentChunk(w)), finishChunk("stop"), usageChunk(10, words.length), DONE], opts);
}

export { ev, DONE, reply };

export async function startHostileServer(o: HostileOptions): Promise<ScriptedServer> {
  let chats = 0;
  const model = o.model ?? "hostile-model";
  return startScriptedServer((req) => {
    const path = req.path.split("?")[0];
    if (req.method === "GET" && path === "/v1/models") {
      return reply.json(200, { object: "list", data: [{ id: model, object: "model" }] }, o.modelsHeaders ?? {});
    }
    if (req.method === "GET" && path === "/metrics") {
      if (o.metrics === "hang") return [{ hang: true }];
      if (o.metrics === undefined) return reply.json(404, { error: { message: "not found" } });
      return [{ head: 200, headers: { "content-type": "text/plain; version=0.0.4" } }, { write: o.metrics }, { end: true }];
    }
    if (req.method === "POST" && path === "/v1/chat/completions") return o.chat(++chats, req);
    return reply.json(404, { error: { message: "File Not Found" } });
  });
}
