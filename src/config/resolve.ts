/**
 * From command line to validated suite. Precedence, lowest first:
 *   1. the suite file, or the built-in default suite (suites/default.yaml) when none is given,
 *      or, with --scenario KIND and no file, a suite of that one scenario with its defaults;
 *   2. --scenario filtering (keeps the scenarios whose kind or name matches);
 *   3. --set assignments, in order;
 *   4. flags (--target, --model, --api-key-env, --out, simulator knobs);
 *   5. validation of the result (defaults filled, every problem reported with its origin).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import { effectiveScenarioName, isPlainObject, scenarioKinds } from "./kinds.js";
import { readSuiteDocument, validateSuiteObject } from "./load.js";
import { applySetsTracked, type AppliedSet } from "./overrides.js";
import type { SimKnobs, Suite } from "./schema.js";
import { labelOnly, type ConfigPath, type Location, type Provenance } from "./source.js";
import { urlForDisplay } from "../client/endpoint.js";

export interface ResolveInput {
  /** Suite file path; absent: the built-in default suite. */
  file?: string;
  /** A scenario kind or a scenario name. */
  scenario?: string;
  /** `--set path=value` assignments. */
  sets?: string[];
  target?: { url?: string; model?: string; apiKeyEnv?: string };
  outDir?: string;
  /** Simulator knobs from CLI flags (snake_case, as in the suite). */
  sim?: Partial<SimKnobs>;
  /** `--gpu`: the GPU sampler's source, as gpuFlag parses it. */
  gpu?: { source: "off" | "nvidia-smi" | "dcgm" | "command"; url?: string; command?: string };
}

/** The folder holding package.json, found from this module (works from src/ and from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
        if (pkg.name === "shakedown") return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("shakedown: package root not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The path of a built-in suite (suites/NAME.yaml in the package). */
export function builtinSuitePath(name: string): string {
  const dir = join(packageRoot(), "suites");
  if (/^[A-Za-z0-9._-]+$/.test(name) && !name.startsWith(".")) {
    const path = join(dir, name.endsWith(".yaml") ? name : `${name}.yaml`);
    if (existsSync(path)) return path;
  }
  const available = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => f.slice(0, -".yaml".length))
    : [];
  throw new ConfigError(`no built-in suite named "${name}"; built-in suites: ${available.join(", ") || "none"}`);
}

/** Resolves the command line into a validated suite; every error is a ConfigError (exit 2). */
export function resolveSuite(input: ResolveInput = {}): Suite {
  // 1. The base suite.
  let raw: Record<string, unknown>;
  let base: Provenance;
  let scenarioIndex: number[] | undefined;
  if (input.file !== undefined) {
    ({ raw, provenance: base } = readSuiteDocument(input.file));
  } else if (input.scenario !== undefined) {
    const kind = input.scenario;
    if (!scenarioKinds().includes(kind)) {
      throw new ConfigError(
        `--scenario ${kind}: unknown scenario kind; without a suite file, --scenario takes a kind: ${scenarioKinds().join(", ")}`,
      );
    }
    raw = { name: kind, scenarios: [{ kind }] };
    base = labelOnly(`--scenario ${kind}`);
  } else {
    ({ raw, provenance: base } = readSuiteDocument(builtinSuitePath("default")));
  }

  // 2. --scenario filtering (with a file).
  if (input.file !== undefined && input.scenario !== undefined) {
    if (!Array.isArray(raw.scenarios)) return validateSuiteObject(raw, base.label, base); // reports the bad list
    const wanted = input.scenario;
    const all = raw.scenarios as unknown[];
    scenarioIndex = [];
    all.forEach((s, i) => {
      if (isPlainObject(s) && (s.kind === wanted || effectiveScenarioName(s) === wanted)) scenarioIndex?.push(i);
    });
    if (scenarioIndex.length === 0) {
      const available = all.map((s) => describeScenario(s)).join(", ");
      throw new ConfigError(
        `--scenario ${wanted}: no scenario of ${base.label} has that kind or name; its scenarios: ${available || "none"}`,
      );
    }
    raw = { ...raw, scenarios: scenarioIndex.map((i) => all[i]) };
  }

  // 3. --set.
  const { value, applied } = applySetsTracked(raw, input.sets ?? []);
  raw = value;

  // 4. Flags.
  const flags = applyFlags(raw, input);
  applied.push(...flags);

  const provenance = new ResolvedProvenance(base, scenarioIndex, applied);
  return validateSuiteObject(raw, base.label, provenance);
}

function describeScenario(s: unknown): string {
  if (!isPlainObject(s)) return "(not a mapping)";
  const name = effectiveScenarioName(s);
  return name !== undefined && name !== s.kind ? `${name} (${String(s.kind)})` : String(s.kind ?? name ?? "(no kind)");
}

function applyFlags(raw: Record<string, unknown>, input: ResolveInput): AppliedSet[] {
  const applied: AppliedSet[] = [];
  const sim = Object.fromEntries(Object.entries(input.sim ?? {}).filter(([, v]) => v !== undefined));
  const { url, model, apiKeyEnv } = input.target ?? {};
  const needsTarget = url !== undefined || model !== undefined || apiKeyEnv !== undefined || Object.keys(sim).length > 0;
  let target = raw.target;
  if (needsTarget) {
    if (target === undefined || target === null) target = raw.target = {};
    if (!isPlainObject(target)) return applied; // validation reports "target: expected a mapping"
  }
  const t = target as Record<string, unknown>;
  if (url !== undefined) {
    t.url = url;
    // The file's simulator knobs do not apply to a real server chosen on the command line.
    delete t.sim;
    applied.push({ path: ["target", "url"], origin: `--target ${urlForDisplay(url)}` });
  }
  if (model !== undefined) {
    t.model = model;
    applied.push({ path: ["target", "model"], origin: `--model ${model}` });
  }
  if (apiKeyEnv !== undefined) {
    t.api_key_env = apiKeyEnv;
    applied.push({ path: ["target", "api_key_env"], origin: "--api-key-env" });
  }
  if (Object.keys(sim).length > 0) {
    const effectiveUrl = t.url;
    if (effectiveUrl !== undefined && effectiveUrl !== null) {
      const from = url !== undefined ? "--target" : `the suite's target.url (${urlForDisplay(String(effectiveUrl))})`;
      throw new ConfigError(
        `simulator knobs apply only when no --target is given; the target is a real server (${from}): drop the simulator flags (${Object.keys(sim).join(", ")})`,
      );
    }
    const current = isPlainObject(t.sim) ? t.sim : {};
    t.sim = { ...current, ...sim };
    for (const key of Object.keys(sim)) applied.push({ path: ["target", "sim", key], origin: `simulator flag (${key})` });
  }
  if (input.gpu !== undefined) {
    if (raw.monitor === undefined || raw.monitor === null) raw.monitor = {};
    if (isPlainObject(raw.monitor)) {
      const current = isPlainObject(raw.monitor.gpu) ? raw.monitor.gpu : {};
      const { url: _url, command: _command, ...rest } = current;
      raw.monitor.gpu = { ...rest, ...input.gpu };
      applied.push({ path: ["monitor", "gpu"], origin: "--gpu" });
    }
  }
  if (input.outDir !== undefined) {
    if (raw.output === undefined || raw.output === null) raw.output = {};
    if (isPlainObject(raw.output)) {
      raw.output.dir = input.outDir;
      applied.push({ path: ["output", "dir"], origin: `--out ${input.outDir}` });
    }
  }
  return applied;
}

/** Locates a path of the resolved suite: in an override that wrote it, else in the file. */
class ResolvedProvenance implements Provenance {
  readonly label: string;
  constructor(
    private readonly base: Provenance,
    private readonly scenarioIndex: number[] | undefined,
    private readonly applied: readonly AppliedSet[],
  ) {
    this.label = base.label;
  }

  locate(path: ConfigPath, at: "key" | "value" | "parent"): Location {
    for (let i = this.applied.length - 1; i >= 0; i--) {
      const set = this.applied[i];
      if (set && isPrefix(set.path, path)) return { where: set.origin, order: i };
    }
    return this.base.locate(this.displayPath(path), at);
  }

  /** Scenario indexes as in the file (before --scenario kept some). */
  displayPath(path: ConfigPath): ConfigPath {
    if (!this.scenarioIndex || path[0] !== "scenarios" || typeof path[1] !== "number") return path;
    const original = this.scenarioIndex[path[1]];
    return original === undefined ? path : ["scenarios", original, ...path.slice(2)];
  }
}

function isPrefix(prefix: readonly PropertyKey[], path: ConfigPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}

/** A deep copy safe to write into a run folder: the simulator's api_key becomes "***". */
export function redactSuite(suite: Suite): Suite {
  const copy = structuredClone(suite);
  if (copy.target.sim?.api_key !== undefined) copy.target.sim.api_key = "***";
  return copy;
}
