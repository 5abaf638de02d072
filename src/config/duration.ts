/**
 * Durations as people write them in suites and flags: "90s", "30m", "2h", "1h30m", "1.5h",
 * "500ms", or a bare number of seconds. One parser for every duration option, so "2h" means
 * the same everywhere and a typo is refused with the accepted forms.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gy;

/** The accepted forms, for error messages. */
export const DURATION_FORMS = 'a duration such as "90s", "30m", "2h", "1h30m", "500ms", or a number of seconds';

/** Milliseconds of a duration, or undefined when the text is not one (or not > 0 and finite). */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) && input > 0 ? input * 1000 : undefined;
  const text = input.trim().toLowerCase();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return parseDuration(Number(text));
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = PART.lastIndex;
    // Allow a space between parts ("1h 30m").
    while (text[PART.lastIndex] === " ") PART.lastIndex++;
  }
  if (consumed !== text.length) return undefined;
  return Number.isFinite(total) && total > 0 ? total : undefined;
}
