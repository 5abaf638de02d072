/** Loads task packs: the built-in ones in suites/reasoning/, or a YAML file. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseDataFile, readDataText } from "../../config/data-file.js";
import type { ReasoningScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import { PACKAGE_ROOT } from "../../version.js";
import { packSchema, type Task, type TaskPack } from "./pack.js";

export const BUILTIN_PACKS_DIR = join(PACKAGE_ROOT, "suites", "reasoning");

export function builtinPackNames(): string[] {
  if (!existsSync(BUILTIN_PACKS_DIR)) return [];
  return readdirSync(BUILTIN_PACKS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => basename(f, ".yaml"))
    .sort();
}

export function parsePack(text: string, label: string): TaskPack {
  return parseDataFile(text, label, packSchema, "a task pack", "See docs/tasks.md for the format.");
}

function loadPackFile(path: string): TaskPack {
  return parsePack(readDataText(path, "task pack", "a task pack is a YAML file. See docs/tasks.md for the format."), path);
}

/** "all", a built-in pack name, or a file path. */
export function loadPacks(pack: string): TaskPack[] {
  if (pack === "all") return builtinPackNames().map((n) => loadPackFile(join(BUILTIN_PACKS_DIR, `${n}.yaml`)));
  const builtin = join(BUILTIN_PACKS_DIR, `${pack}.yaml`);
  if (/^[a-z0-9][a-z0-9_-]*$/.test(pack) && existsSync(builtin)) return [loadPackFile(builtin)];
  const path = resolve(pack);
  if (!existsSync(path) || statSync(path).isDirectory()) {
    throw new ConfigError(`task pack "${pack}" is neither "all", a built-in pack (${builtinPackNames().join(", ")}) nor a YAML file.`);
  }
  return [loadPackFile(path)];
}

/** The tasks a scenario runs, after its filters. */
export function selectTasks(config: ReasoningScenarioConfig): Task[] {
  const all = loadPacks(config.pack).flatMap((p) => p.tasks);
  const seen = new Set<string>();
  for (const t of all) {
    if (seen.has(t.id)) throw new ConfigError(`task id "${t.id}" appears twice in pack "${config.pack}".`);
    seen.add(t.id);
  }
  let tasks = all;
  if (config.tasks) {
    const unknown = config.tasks.filter((id) => !seen.has(id));
    if (unknown.length > 0) {
      throw new ConfigError(`scenario "${config.name}": unknown task id(s) ${unknown.join(", ")}; known: ${[...seen].join(", ")}.`);
    }
    tasks = tasks.filter((t) => config.tasks!.includes(t.id));
  }
  if (config.language) tasks = tasks.filter((t) => t.language === config.language);
  if (tasks.length === 0) throw new ConfigError(`scenario "${config.name}": no task left after the filters (tasks, language).`);
  return tasks;
}
