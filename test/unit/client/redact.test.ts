/** Issue 10 item 1: the API key is cut out in every spelling a server can echo it in. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redact, redactDeep, redactor, REDACTED, secretPattern } from "../../../src/client/redact.js";

const KEY = "sk-proj/abc+Zx9=";

describe("redact", () => {
  it.each([
    ["raw", `Bearer ${KEY}`],
    ["JSON-escaped slash", "Bearer sk-proj\\/abc+Zx9="],
    ["\\u003d for =", "Bearer sk-proj/abc+Zx9\\u003d"],
    ["\\u escapes in upper case", "Bearer sk-proj\\u002Fabc\\u002BZx9\\u003D"],
    ["every character \\u-escaped", `Bearer ${[...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}`],
    ["URL-encoded", `Bearer ${encodeURIComponent(KEY)}`],
    ["URL-encoded in lower case", "Bearer sk-proj%2fabc%2bZx9%3d"],
    ["URL-encoded twice", `Bearer ${encodeURIComponent(encodeURIComponent(KEY))}`],
    ["JSON-escaped twice", "Bearer sk-proj\\\\/abc+Zx9\\\\u003d"],
    ["HTML references", "Bearer sk-proj&#47;abc&#x2B;Zx9&#61;"],
  ])("%s", (_name, text) => {
    const out = redact(text, KEY);
    expect(out).toBe(`Bearer ${REDACTED}`);
  });

  it("leaves text without the key alone, and treats the key's regex characters literally", () => {
    expect(redact("sk-proj/abc Zx9=", KEY)).toBe("sk-proj/abc Zx9=");
    expect(redact("a.b*c", "a.b*c")).toBe(REDACTED);
    expect(redact("aXbYc", "a.b*c")).toBe("aXbYc");
    expect(redact("anything", undefined)).toBe("anything");
  });

  it("finds keys with characters outside the BMP, escaped as surrogate pairs", () => {
    const key = "k€y-😀-long";
    expect(redact(`x ${JSON.stringify(key).slice(1, -1)} y`, key)).toBe(`x ${REDACTED} y`);
    expect(redact(`x \\u006b\\u20ac\\u0079-\\ud83d\\ude00-long y`, key)).toBe(`x ${REDACTED} y`);
    expect(redact(`x ${encodeURIComponent(key)} y`, key)).toBe(`x ${REDACTED} y`);
  });

  it("property: any mix of spellings per character is found", () => {
    const spell = (c: string, how: number): string => {
      const cp = c.charCodeAt(0);
      switch (how % 5) {
        case 0:
          return c;
        case 1:
          return `\\u${cp.toString(16).padStart(4, "0")}`;
        case 2:
          return encodeURIComponent(c) === c ? `%${cp.toString(16).padStart(2, "0").toUpperCase()}` : encodeURIComponent(c);
        case 3:
          return `&#${cp};`;
        default:
          return c === "/" ? "\\/" : c;
      }
    };
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(..."abcXYZ019-_+/=.~:"), minLength: 8, maxLength: 40 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.string({ maxLength: 20 }),
        (key, hows, around) => {
          const spelled = [...key].map((c, i) => spell(c, hows[i]!)).join("");
          const out = redact(`${around}${spelled}${around}`, key);
          expect(out.match(secretPattern(key)) ?? []).toEqual([]);
          expect(out).toContain(REDACTED);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("redactor and redactDeep apply every secret to every string, keys included", () => {
    const clean = redactor([KEY, undefined, "other-secret-9"]);
    expect(clean(`${KEY} and other-secret-9`)).toBe(`${REDACTED} and ${REDACTED}`);
    expect(redactDeep({ [KEY]: [`x${KEY}`, 3, null], n: { s: "other-secret-9" } }, clean)).toEqual({ [REDACTED]: [`x${REDACTED}`, 3, null], n: { s: REDACTED } });
    expect(redactor([])("same")).toBe("same");
  });
});
