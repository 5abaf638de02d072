import { describe, expect, it } from "vitest";
import { classifyThrown, errorHint, httpStatusError, redact } from "../../../src/client/classify.js";

const ctx = { headersReceived: false, target: "127.0.0.1:9" };
const sys = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe("classifyThrown", () => {
  it.each([
    ["ECONNREFUSED", "connect_refused"],
    ["ENOTFOUND", "dns"],
    ["EAI_AGAIN", "dns"],
    ["UND_ERR_CONNECT_TIMEOUT", "connect_timeout"],
    ["UND_ERR_HEADERS_TIMEOUT", "timeout_first_byte"],
    ["UND_ERR_BODY_TIMEOUT", "timeout_between_tokens"],
    ["UND_ERR_ABORTED", "aborted"],
    ["UND_ERR_SOCKET", "network"],
    ["EHOSTUNREACH", "network"],
  ])("%s → %s", (code, kind) => {
    expect(classifyThrown(sys(code), ctx).kind).toBe(kind);
  });

  it("finds codes in causes and in AggregateError (happy eyeballs)", () => {
    const wrapped = Object.assign(new TypeError("fetch failed"), { cause: sys("ECONNREFUSED") });
    expect(classifyThrown(wrapped, ctx).kind).toBe("connect_refused");
    const agg = new AggregateError([sys("ECONNREFUSED"), sys("ECONNREFUSED")], "");
    expect(classifyThrown(agg, ctx).kind).toBe("connect_refused");
  });

  it("a socket closed after the headers is stream_cut", () => {
    expect(classifyThrown(sys("UND_ERR_SOCKET", "other side closed"), { ...ctx, headersReceived: true }).kind).toBe("stream_cut");
  });

  it("redacts the key from messages", () => {
    const e = classifyThrown(sys("EPROTO", "bad header Bearer sk-secret-123"), { ...ctx, secret: "sk-secret-123" });
    expect(e.message).not.toContain("sk-secret-123");
  });
});

describe("httpStatusError", () => {
  it("takes the message from the OpenAI error JSON", () => {
    const e = httpStatusError(404, '{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","code":404}}', undefined);
    expect(e).toMatchObject({ kind: "http_status", status: 404, message: "HTTP 404: The model `x` does not exist." });
  });

  it("regression (issue 11): llama.cpp's context overflow says that -c is split among the -np slots; vLLM's does not get that hint", () => {
    const llama =
      '{"error":{"code":400,"message":"request (5000 tokens) exceeds the available context size (2048 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":2048}}';
    const e = httpStatusError(400, llama, undefined);
    expect(e.message).toMatch(/^HTTP 400: request \(5000 tokens\) exceeds the available context size \(2048 tokens\), try increasing it\. Hint: /);
    expect(e.message).toContain("llama-server divides -c among its -np slots: each conversation has n_ctx = c / np tokens (2048 here)");
    expect(errorHint(llama)).toContain("-np");
    // vLLM's own overflow is a per-request limit of the model, not a split context.
    const vllm =
      '{"object":"error","message":"This model\'s maximum context length is 4096 tokens. However, you requested 5000 tokens.","type":"BadRequestError","param":null,"code":400}';
    expect(httpStatusError(400, vllm, undefined).message).not.toContain("Hint");
    for (const b of ["", "not json", "null", '{"error":"x"}', '{"error":{"type":"exceed_context_size_error","n_ctx":"4096"}}']) {
      expect(() => errorHint(b)).not.toThrow();
    }
    expect(errorHint('{"error":{"type":"exceed_context_size_error","n_ctx":"4096"}}')).not.toContain("here");
  });

  it("uses FastAPI's detail and plain text bodies", () => {
    expect(httpStatusError(422, '{"detail":"Not Found"}', undefined).message).toBe("HTTP 422: Not Found");
    expect(httpStatusError(502, "Bad Gateway\n", undefined).message).toBe("HTTP 502: Bad Gateway");
    expect(httpStatusError(500, "", undefined).message).toBe("HTTP 500 with an empty body");
  });

  it("keeps at most 2000 characters of the body and redacts the key", () => {
    const key = "sk-live-abcdef";
    const body = `{"error":{"message":"bad key Bearer ${key}"}}` + "x".repeat(5000);
    const e = httpStatusError(401, body, key);
    expect(e.bodyExcerpt!.length).toBe(2000);
    expect(JSON.stringify(e)).not.toContain(key);
  });

  it("redact() replaces every occurrence and is a no-op without a secret", () => {
    expect(redact("a k b k", "k")).toBe("a [REDACTED] b [REDACTED]");
    expect(redact("abc", undefined)).toBe("abc");
  });
});
