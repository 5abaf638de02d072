/**
 * Conversation scripts: the user turns of realistic multi-turn conversations, kept as
 * data in suites/conversations/*.yaml. A suite may name a built-in script or a file.
 */
import { readdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { join, resolve, basename } from "node:path";
import { parseDataFile } from "../../config/data-file.js";
import { z } from "zod";
import { ConfigError } from "../../errors.js";
import { PACKAGE_ROOT } from "../../version.js";

export const conversationScriptSchema = z.object({
  name: z.string().min(1),
  title: z.string().min(1),
  language: z.string().min(2).default("en"),
  description: z.string().optional(),
  system_prompt: z.string().optional(),
  turns: z.array(z.string().min(1)).min(1),
});
export type ConversationScript = z.infer<typeof conversationScriptSchema>;

export const BUILTIN_SCRIPTS_DIR = join(PACKAGE_ROOT, "suites", "conversations");

function parseScript(text: string, label: string): ConversationScript {
  return parseDataFile(
    text,
    label,
    conversationScriptSchema,
    "a conversation script",
    "Expected: name, title, turns: [user messages…], optional system_prompt and language.",
  );
}

/** Names of the built-in scripts, sorted. */
export function builtinScriptNames(): string[] {
  if (!existsSync(BUILTIN_SCRIPTS_DIR)) return [];
  return readdirSync(BUILTIN_SCRIPTS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => basename(f, ".yaml"))
    .sort();
}

/** A built-in script by name, or a YAML file path (relative to the cwd). */
export function loadScript(nameOrPath: string): ConversationScript {
  const builtin = join(BUILTIN_SCRIPTS_DIR, `${nameOrPath}.yaml`);
  if (/^[a-z0-9-]+$/.test(nameOrPath) && existsSync(builtin)) {
    return parseScript(readFileSync(builtin, "utf8"), builtin);
  }
  const path = resolve(nameOrPath);
  if (!existsSync(path) || statSync(path).isDirectory()) {
    throw new ConfigError(
      `conversation script "${nameOrPath}" is neither a built-in script (${builtinScriptNames().join(", ")}) nor a YAML file.`,
    );
  }
  return parseScript(readFileSync(path, "utf8"), path);
}

/**
 * The script of each iteration: "auto" rotates through the built-in scripts so that
 * iterations cover several topics; otherwise every iteration uses the named script.
 */
export function scriptsForIterations(script: string, iterations: number): ConversationScript[] {
  if (script !== "auto") {
    const s = loadScript(script);
    return Array.from({ length: iterations }, () => s);
  }
  const names = builtinScriptNames();
  if (names.length === 0) throw new ConfigError(`no built-in conversation scripts found in ${BUILTIN_SCRIPTS_DIR}`);
  const loaded = names.map((n) => loadScript(n));
  return Array.from({ length: iterations }, (_, i) => loaded[i % loaded.length]!);
}
