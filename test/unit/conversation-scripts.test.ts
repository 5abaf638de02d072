import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const dir = new URL("../../suites/conversations/", import.meta.url);
const files = readdirSync(fileURLToPath(dir))
  .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
  .sort();

const MIN_TURNS = 30;

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim().length > 0;
}

describe("built-in conversation scripts", () => {
  it("directory contains conversation scripts", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  describe.each(files)("%s", (file) => {
    const text = readFileSync(new URL(file, dir), "utf8");
    const doc: unknown = parse(text);
    const script = (doc ?? {}) as Record<string, unknown>;

    it("parses to a mapping", () => {
      expect(doc).toBeTypeOf("object");
      expect(doc).not.toBeNull();
      expect(Array.isArray(doc)).toBe(false);
    });

    it("has the required string fields", () => {
      for (const key of ["name", "title", "language", "description", "system_prompt"]) {
        expect(isNonEmptyString(script[key]), `field ${key}`).toBe(true);
      }
    });

    it("name matches the file name", () => {
      const base = file.replace(/\.ya?ml$/, "");
      expect(script.name).toBe(base);
      expect(base).toMatch(/^[a-z0-9-]+$/);
    });

    it("language is en or fr", () => {
      expect(["en", "fr"]).toContain(script.language);
    });

    it(`has at least ${MIN_TURNS} non-empty string turns`, () => {
      const turns = script.turns;
      expect(Array.isArray(turns)).toBe(true);
      const list = turns as unknown[];
      expect(list.length).toBeGreaterThanOrEqual(MIN_TURNS);
      list.forEach((t, i) => {
        expect(isNonEmptyString(t), `turn ${i + 1}`).toBe(true);
      });
    });

    it("has no duplicate turns", () => {
      const list = (Array.isArray(script.turns) ? script.turns : []) as unknown[];
      const seen = new Map<string, number>();
      const dupes: string[] = [];
      list.forEach((t, i) => {
        const key = String(t).trim();
        const prev = seen.get(key);
        if (prev !== undefined) dupes.push(`turn ${i + 1} repeats turn ${prev + 1}`);
        else seen.set(key, i);
      });
      expect(dupes).toEqual([]);
    });
  });
});
