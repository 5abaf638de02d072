/** Loads tool-calling case packs: the built-in ones in suites/tools/, or a YAML file. */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { loadDataFile } from "../../config/data-file.js";
import type { ToolsScenarioConfig } from "../../config/schema.js";
import { ConfigError } from "../../errors.js";
import { PACKAGE_ROOT } from "../../version.js";
import { toolPackSchema, type ToolCase, type ToolPack } from "./case.js";

export const BUILTIN_TOOL_PACKS_DIR = join(PACKAGE_ROOT, "suites", "tools");
/** Files of suites/tools/ that are not case packs. */
const NOT_PACKS = new Set(["tools", "fixtures"]);

export function builtinToolPackNames(): string[] {
  if (!existsSync(BUILTIN_TOOL_PACKS_DIR)) return [];
  return readdirSync(BUILTIN_TOOL_PACKS_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => basename(f, ".yaml"))
    .filter((n) => !NOT_PACKS.has(n))
    .sort();
}

function loadPackFile(path: string): ToolPack {
  return loadDataFile(path, toolPackSchema, "a tool-case pack", "See docs/tool-cases.md.");
}

export function loadToolPacks(pack: string): ToolPack[] {
  if (pack === "all") return builtinToolPackNames().map((n) => loadPackFile(join(BUILTIN_TOOL_PACKS_DIR, `${n}.yaml`)));
  const builtin = join(BUILTIN_TOOL_PACKS_DIR, `${pack}.yaml`);
  if (/^[a-z0-9][a-z0-9_-]*$/.test(pack) && !NOT_PACKS.has(pack) && existsSync(builtin)) return [loadPackFile(builtin)];
  const path = resolve(pack);
  if (!existsSync(path) || statSync(path).isDirectory()) {
    throw new ConfigError(`tool pack "${pack}" is neither "all", a built-in pack (${builtinToolPackNames().join(", ")}) nor a YAML file.`);
  }
  return [loadPackFile(path)];
}

export function selectCases(config: ToolsScenarioConfig): ToolCase[] {
  const all = loadToolPacks(config.pack).flatMap((p) => p.cases);
  const ids = new Set<string>();
  for (const c of all) {
    if (ids.has(c.id)) throw new ConfigError(`tool case id "${c.id}" appears twice in pack "${config.pack}".`);
    ids.add(c.id);
  }
  let cases = all;
  if (config.cases) {
    const unknown = config.cases.filter((id) => !ids.has(id));
    if (unknown.length > 0) throw new ConfigError(`scenario "${config.name}": unknown case id(s) ${unknown.join(", ")}; known: ${[...ids].join(", ")}.`);
    cases = cases.filter((c) => config.cases!.includes(c.id));
  }
  if (config.language) cases = cases.filter((c) => c.language === config.language);
  if (cases.length === 0) throw new ConfigError(`scenario "${config.name}": no case left after the filters (cases, language).`);
  return cases;
}
