/**
 * The built-in task packs (suites/reasoning/*.yaml): they validate, their ids are unique,
 * every variant_of points to a task, and every criterion is gradable.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { criterionProblems } from "../../../src/grading/index.js";
import { packSchema, TASK_CATEGORIES, type Task } from "../../../src/scenarios/reasoning/pack.js";
import { BUILTIN_PACKS_DIR, loadPacks, parsePack } from "../../../src/scenarios/reasoning/packs.js";

const files = readdirSync(BUILTIN_PACKS_DIR).filter((f) => f.endsWith(".yaml")).sort();
const packs = files.map((f) => ({ file: f, pack: parsePack(readFileSync(join(BUILTIN_PACKS_DIR, f), "utf8"), f) }));
const tasks: Task[] = packs.flatMap((p) => p.pack.tasks);
const byId = new Map(tasks.map((t) => [t.id, t]));

describe("built-in task packs", () => {
  it("are the seed and core packs, each named after its file", () => {
    expect(files).toEqual(expect.arrayContaining(["core.yaml", "seed.yaml"]));
    for (const { file, pack } of packs) expect(`${pack.name}.yaml`).toBe(file);
  });

  it("every pack file validates with packSchema", () => {
    for (const f of files) {
      const r = packSchema.safeParse(parse(readFileSync(join(BUILTIN_PACKS_DIR, f), "utf8")));
      expect(r.error?.issues ?? [], f).toEqual([]);
    }
    // and load through the scenario's own loader
    expect(loadPacks("all").flatMap((p) => p.tasks).map((t) => t.id)).toEqual(tasks.map((t) => t.id));
  });

  it("task ids are unique across packs", () => {
    const ids = tasks.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every variant_of names an existing task of the same category in the other language", () => {
    for (const t of tasks.filter((x) => x.variant_of !== undefined)) {
      const original = byId.get(t.variant_of ?? "");
      expect(original, `${t.id}.variant_of = ${t.variant_of}`).toBeDefined();
      expect(original?.category).toBe(t.category);
      expect(original?.language).not.toBe(t.language);
      expect(original?.variant_of, `${t.variant_of} is itself a variant`).toBeUndefined();
    }
  });

  it("criterion ids are unique within a task, and every criterion is gradable", () => {
    for (const t of tasks) {
      const ids = t.criteria.map((c) => c.id);
      expect(new Set(ids).size, t.id).toBe(ids.length);
      for (const c of t.criteria) expect(criterionProblems(c), `${t.id}/${c.id}`).toEqual([]);
    }
  });

  it("every task has a reference answer and a max_tokens with room for reasoning", () => {
    for (const t of tasks) {
      expect(t.reference?.length ?? 0, t.id).toBeGreaterThan(80);
      expect(t.max_tokens, t.id).toBeGreaterThanOrEqual(2048);
    }
  });

  it("seed: the seed report's three tasks in French, each with an English variant", () => {
    const seed = packs.find((p) => p.pack.name === "seed")?.pack.tasks ?? [];
    const fr = seed.filter((t) => t.language === "fr");
    expect(fr.map((t) => t.category).sort()).toEqual(["code_review", "logic", "planning"]);
    for (const t of fr) {
      expect(seed.some((e) => e.variant_of === t.id && e.language === "en"), t.id).toBe(true);
      expect(t.prompt.replace(/```[\s\S]*?```/g, "").trim().length, t.id).toBeGreaterThanOrEqual(250);
    }
  });

  it("core: at least 15 tasks over every category but analysis, both languages, 2 to 5 criteria each", () => {
    const core = packs.find((p) => p.pack.name === "core")?.pack.tasks ?? [];
    expect(core.length).toBeGreaterThanOrEqual(15);
    const categories = new Set(core.map((t) => t.category));
    for (const c of TASK_CATEGORIES.filter((x) => x !== "analysis")) expect(categories.has(c), c).toBe(true);
    expect(new Set(core.map((t) => t.language))).toEqual(new Set(["en", "fr"]));
    for (const t of core) {
      expect(t.criteria.length, t.id).toBeGreaterThanOrEqual(2);
      expect(t.criteria.length, t.id).toBeLessThanOrEqual(5);
    }
    const codeLanguages = new Set(core.flatMap((t) => t.criteria.flatMap((c) => (c.grader === "code" ? [c.language] : []))));
    expect(codeLanguages).toEqual(new Set(["python", "javascript", "typescript"]));
  });
});
