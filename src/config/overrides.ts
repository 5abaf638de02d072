/**
 * `--set path=value` assignments, applied to the raw suite object before validation:
 *   name=nightly                       a top-level key
 *   target.model=qwen3                 target.*, output.* (missing mappings are created)
 *   target.timeouts.total_ms=1000
 *   conversation.turns=5               <scenario kind or name>.<key>: every matching scenario
 *   scenarios.0.turns=5                one scenario by index
 * Values are YAML scalars or flow collections: 5, true, [1, 2], "quoted text", {a: 1};
 * null removes the key (its default applies again).
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.js";
import { effectiveScenarioName, isPlainObject, scenarioKinds } from "./kinds.js";
import { suiteSchema } from "./schema.js";

type Segment = string | number;

/** One assignment as applied: the concrete path it wrote and the flag text that wrote it. */
export interface AppliedSet {
  path: Segment[];
  origin: string;
}

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function accepted(): string {
  const kinds = scenarioKinds();
  return (
    "accepted forms: --set name=VALUE, --set target.KEY=VALUE (e.g. target.model=qwen3, target.timeouts.total_ms=1000), " +
    "--set output.dir=PATH, --set SCENARIO.KEY=VALUE where SCENARIO is a scenario kind " +
    `(${kinds.join(", ")}) or a scenario name of the suite (e.g. conversation.turns=5), or --set scenarios.N.KEY=VALUE`
  );
}

/** Applies `--set` assignments to a raw suite object; returns a new object (the input is not changed). */
export function applySets(raw: unknown, sets: readonly string[]): unknown {
  return applySetsTracked(raw, sets).value;
}

/** As applySets, also telling which paths each assignment wrote (for error locations). */
export function applySetsTracked(raw: unknown, sets: readonly string[]): { value: Record<string, unknown>; applied: AppliedSet[] } {
  if (!isPlainObject(raw)) throw new ConfigError("--set: the suite is not a mapping, so nothing can be set in it");
  const value = structuredClone(raw);
  const applied: AppliedSet[] = [];
  for (const assignment of sets) {
    const origin = `--set ${assignment}`;
    const { path, parsed } = parseAssignment(assignment);
    for (const concrete of expandPath(value, path, origin)) {
      assign(value, concrete, parsed, origin);
      applied.push({ path: concrete, origin });
    }
  }
  return { value, applied };
}

function parseAssignment(assignment: string): { path: string[]; parsed: unknown } {
  const eq = assignment.indexOf("=");
  if (eq < 0) throw new ConfigError(`--set ${assignment}: no "="; ${accepted()}`);
  const pathText = assignment.slice(0, eq).trim();
  const valueText = assignment.slice(eq + 1);
  if (pathText === "") throw new ConfigError(`--set ${assignment}: empty path before "="; ${accepted()}`);
  const path = pathText.split(".");
  if (path.some((seg) => seg.trim() === "" || seg !== seg.trim())) {
    throw new ConfigError(`--set ${assignment}: empty or blank part in path "${pathText}"; ${accepted()}`);
  }
  const bad = path.find((seg) => FORBIDDEN.has(seg));
  if (bad) throw new ConfigError(`--set ${assignment}: "${bad}" cannot be set`);
  if (valueText.trim() === "") {
    throw new ConfigError(`--set ${assignment}: no value after "="; write =null to remove a key or ="" for an empty string`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(valueText, { strict: true, prettyErrors: false });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`--set ${assignment}: the value is not a YAML scalar or flow collection (${reason}); quote text with spaces or colons: ="a: b"`);
  }
  return { path, parsed };
}

/** Resolves the first segment: a top-level key, scenarios.N, or a scenario kind/name (every match). */
function expandPath(suite: Record<string, unknown>, path: string[], origin: string): Segment[][] {
  const [first, ...rest] = path as [string, ...string[]];
  const topLevel = Object.keys(suiteSchema.shape);
  const scenarios = Array.isArray(suite.scenarios) ? (suite.scenarios as unknown[]) : [];

  if (first === "scenarios") {
    const [index, ...tail] = rest;
    if (index === undefined || !/^\d+$/.test(index) || tail.length === 0) {
      throw new ConfigError(`${origin}: use scenarios.N.KEY=VALUE with N the index of an existing scenario (0-based); ${accepted()}`);
    }
    const n = Number(index);
    if (n >= scenarios.length) {
      throw new ConfigError(`${origin}: the suite has ${scenarios.length} scenario(s) (indexes 0 to ${scenarios.length - 1}); --set cannot add one`);
    }
    return [["scenarios", n, ...tail.map(segment)]];
  }
  if (topLevel.includes(first)) return [[first, ...rest.map(segment)]];

  const kinds = scenarioKinds();
  const matches: number[] = [];
  scenarios.forEach((s, i) => {
    if (isPlainObject(s) && (s.kind === first || effectiveScenarioName(s) === first)) matches.push(i);
  });
  if (matches.length === 0) {
    if (kinds.includes(first)) {
      throw new ConfigError(
        `${origin}: the suite has no ${first} scenario, and --set does not create one; add it to the suite file (scenarios: [{kind: ${first}}]) or run it alone with --scenario ${first}`,
      );
    }
    const names = scenarios.map(effectiveScenarioName).filter((n): n is string => n !== undefined);
    throw new ConfigError(
      `${origin}: "${first}" is not a top-level key (${topLevel.filter((k) => k !== "$schema" && k !== "scenarios").join(", ")}), ` +
        `a scenario kind (${kinds.join(", ")}) or a scenario name of this suite (${names.join(", ") || "none"}); ${accepted()}`,
    );
  }
  if (rest.length === 0) {
    throw new ConfigError(`${origin}: name a key of the scenario, e.g. --set ${first}.KEY=VALUE; ${accepted()}`);
  }
  if (rest[0] === "kind") throw new ConfigError(`${origin}: a scenario's kind cannot be changed with --set`);
  return matches.map((i) => ["scenarios", i, ...rest.map(segment)]);
}

function segment(seg: string): Segment {
  return /^\d+$/.test(seg) ? Number(seg) : seg;
}

function assign(root: Record<string, unknown>, path: Segment[], value: unknown, origin: string): void {
  let container: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i] as Segment;
    const next = path[i + 1] as Segment;
    const here = path.slice(0, i + 1).join(".");
    if (Array.isArray(container)) {
      if (typeof seg !== "number" || seg >= container.length) {
        throw new ConfigError(`${origin}: ${here} is not an existing item of a list (it has ${container.length})`);
      }
      container = container[seg];
    } else if (isPlainObject(container)) {
      const key = String(seg);
      if (!Object.hasOwn(container, key) || container[key] === null || container[key] === undefined) {
        if (value === null) return; // removing something that is not there
        container[key] = typeof next === "number" ? [] : {};
      }
      container = container[key];
    }
    if (!isPlainObject(container) && !Array.isArray(container)) {
      throw new ConfigError(`${origin}: ${here} is not a mapping, so ${path.slice(i + 1).join(".")} cannot be set in it`);
    }
  }
  const last = path[path.length - 1] as Segment;
  if (Array.isArray(container)) {
    if (typeof last !== "number" || last > container.length) {
      throw new ConfigError(`${origin}: index ${String(last)} is out of range (the list has ${container.length} items)`);
    }
    if (value === null) container.splice(last, 1);
    else container[last] = value;
  } else if (isPlainObject(container)) {
    if (value === null) delete container[String(last)];
    else container[String(last)] = value;
  }
}
