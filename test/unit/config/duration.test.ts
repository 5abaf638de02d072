import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["30m", 1_800_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1h 30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["500ms", 500],
    ["1d", 86_400_000],
    ["45", 45_000],
    [" 2H ", 7_200_000],
  ])("%s → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("takes a number as seconds", () => {
    expect(parseDuration(60)).toBe(60_000);
    expect(parseDuration(0.5)).toBe(500);
  });

  it.each(["", "abc", "10x", "m", "-5s", "5s5", "0s", "0", "1e3s", "h1", "30 minutes", "2h-1m"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("refuses non-finite and non-positive numbers", () => {
    for (const n of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(parseDuration(n)).toBeUndefined();
  });
});
