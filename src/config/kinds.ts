/**
 * What the scenario union of the schema knows, read from the schema itself so that a new
 * scenario kind added to `scenarioSchema` is picked up everywhere (errors, --set, --scenario).
 */
import { scenarioSchema, type ScenarioConfig } from "./schema.js";

export type ScenarioKind = ScenarioConfig["kind"];

type ScenarioOption = (typeof scenarioSchema.options)[number];

/** The known scenario kinds, in the order of the schema. */
export function scenarioKinds(): string[] {
  return scenarioSchema.options.map((option) => option.shape.kind.value);
}

export function isScenarioKind(value: unknown): value is ScenarioKind {
  return typeof value === "string" && scenarioKinds().includes(value);
}

function optionFor(kind: string): ScenarioOption | undefined {
  return scenarioSchema.options.find((option) => option.shape.kind.value === kind);
}

/** The name a scenario of this kind gets when it has none (the schema's default). */
export function defaultScenarioName(kind: string): string | undefined {
  const option = optionFor(kind);
  if (!option) return undefined;
  const parsed = option.shape.name.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/** The name a raw (not yet validated) scenario entry will have: its `name`, else its kind's default. */
export function effectiveScenarioName(raw: unknown): string | undefined {
  if (!isPlainObject(raw)) return undefined;
  if (typeof raw.name === "string") return raw.name;
  return typeof raw.kind === "string" ? defaultScenarioName(raw.kind) : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
