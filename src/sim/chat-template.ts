/**
 * Renders chat messages into one prompt string with a ChatML-like template, the family
 * Qwen models use:
 *
 *   <|im_start|>system\n{tools block, when tools are given}{system text}<|im_end|>\n
 *   <|im_start|>{role}\n{text}<|im_end|>\n           (one per message)
 *   <|im_start|>assistant\n                          (generation prompt)
 *
 * Message content may be a string, null, or an array of parts; text parts are joined,
 * other parts become a short placeholder. Assistant tool calls are rendered as
 * <tool_call>{json}</tool_call> after the content, like Qwen's template.
 */
import type { WireTool } from "../wire/openai.js";

/** A message as received on the wire, already checked to be an object with a role. */
export interface TemplateMessage {
  role: string;
  content?: unknown;
  tool_calls?: unknown;
}

/** The text of a message's content (string, null, or an array of content parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => {
        if (part && typeof part === "object") {
          const p = part as { type?: unknown; text?: unknown };
          if (typeof p.text === "string") return p.text;
          if (typeof p.type === "string") return `<${p.type}>`;
        }
        return "";
      })
      .join("");
  }
  return JSON.stringify(content);
}

function toolCallsText(toolCalls: unknown): string {
  if (!Array.isArray(toolCalls) || toolCalls.length === 0) return "";
  return toolCalls
    .map((call: unknown) => {
      const fn = (call as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
      const name = typeof fn?.name === "string" ? fn.name : "";
      const args = typeof fn?.arguments === "string" ? fn.arguments : JSON.stringify(fn?.arguments ?? {});
      return `\n<tool_call>\n{"name": ${JSON.stringify(name)}, "arguments": ${args}}\n</tool_call>`;
    })
    .join("");
}

function toolsBlock(tools: readonly WireTool[]): string {
  const lines = tools.map((t) => JSON.stringify(t));
  return (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
    `<tools>\n${lines.join("\n")}\n</tools>\n\n`
  );
}

/** The rendered prompt, ending with the assistant generation prompt. */
export function renderChatPrompt(messages: readonly TemplateMessage[], tools?: readonly WireTool[]): string {
  let out = "";
  let rest = messages;
  if (tools && tools.length > 0) {
    const first = messages[0];
    const system = first && first.role === "system" ? contentText(first.content) : "";
    out += `<|im_start|>system\n${toolsBlock(tools)}${system}<|im_end|>\n`;
    if (first && first.role === "system") rest = messages.slice(1);
  }
  for (const m of rest) {
    const text = contentText(m.content) + (m.role === "assistant" ? toolCallsText(m.tool_calls) : "");
    out += `<|im_start|>${m.role}\n${text}<|im_end|>\n`;
  }
  return out + "<|im_start|>assistant\n";
}
