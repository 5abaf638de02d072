import { describe, expect, it } from "vitest";
import { buildChatBody } from "../../../src/client/chat.js";
import type { ChatCallOptions } from "../../../src/client/types.js";

const base: ChatCallOptions = { model: "m", messages: [{ role: "user", content: "hi" }], stream: true };
const fresh = () => ({ continuousUsageRejected: false, streamOptionsRejected: false });

describe("buildChatBody", () => {
  it("sends only what was given, with include_usage when streaming", () => {
    expect(buildChatBody(base, fresh())).toEqual({ model: "m", messages: base.messages, stream: true, stream_options: { include_usage: true } });
    expect(buildChatBody({ ...base, stream: false }, fresh())).toEqual({ model: "m", messages: base.messages, stream: false });
  });

  it("adds max_tokens, temperature, seed, tools and continuous usage", () => {
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(buildChatBody({ ...base, maxTokens: 5, temperature: 0, seed: 7, tools, continuousUsage: true }, fresh())).toEqual({
      model: "m",
      messages: base.messages,
      stream: true,
      max_tokens: 5,
      temperature: 0,
      seed: 7,
      tools,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
  });

  it("merges extraBody last", () => {
    expect(buildChatBody({ ...base, maxTokens: 5, extraBody: { max_tokens: 9, ignore_eos: true } }, fresh())).toMatchObject({ max_tokens: 9, ignore_eos: true });
  });

  it("follows what the server rejected", () => {
    expect(buildChatBody({ ...base, continuousUsage: true }, { continuousUsageRejected: true, streamOptionsRejected: false }).stream_options).toEqual({ include_usage: true });
    expect(buildChatBody({ ...base, continuousUsage: true }, { continuousUsageRejected: true, streamOptionsRejected: true }).stream_options).toBeUndefined();
  });
});
