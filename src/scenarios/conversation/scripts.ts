/**
 * Conversation scripts: the user turns of realistic multi-turn conversations, kept as
 * data in suites/conversations/*.yaml. A suite may name a built-in script or a file.
 */
import { readdirSync, existsSync, statSync } from "node:fs";
import { join, resolve, basename } from "node:path";
import { parseDataFile, readDataText } from "../../config/data-file.js";
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

const SCRIPT_HELP = "Expected: name, title, turns: [user messages…], optional system_prompt and language.";

function parseScript(text: string, label: string): ConversationScript {
  return parseDataFile(text, label, conversationScriptSchema, "a conversation script", SCRIPT_HELP);
}

/** A script file's text, checked first (file-check.ts): a regular UTF-8 text file of at most 8 MB. */
function readScript(path: string): string {
  return readDataText(path, "conversation script", `a conversation script is a YAML file. ${SCRIPT_HELP}`);
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
    return parseScript(readScript(builtin), builtin);
  }
  const path = resolve(nameOrPath);
  if (!existsSync(path) || statSync(path).isDirectory()) {
    throw new ConfigError(
      `conversation script "${nameOrPath}" is neither a built-in script (${builtinScriptNames().join(", ")}) nor a YAML file.`,
    );
  }
  return parseScript(readScript(path), path);
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
