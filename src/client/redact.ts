/**
 * Redaction of a secret (the API key) in every form a server can echo it back: raw,
 * JSON-escaped (`\/`, `\"`, `\\`, any character as `\u003d`), URL-encoded (`%3D`, `+` for a
 * space), HTML character references (`&#61;`, `&#x3d;`), and those escapes doubled by a
 * body that was JSON-encoded twice. One regular expression per secret matches each of its
 * characters in any of these spellings, so a key that a server wrote as
 * `sk-proj\/abc+Zx9\u003d` is found as surely as the raw one.
 */

/** What replaces a secret in anything kept or printed. */
export const REDACTED = "[REDACTED]";

const hex2 = (c: number): string => c.toString(16).padStart(2, "0");
const hex4 = (c: number): string => c.toString(16).padStart(4, "0");
/** A hex string matched in either case. */
const anyCase = (h: string): string => [...h].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join("");
const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
/** One to four backslashes: an escape, or an escape escaped again. */
const BS = "\\\\{1,4}";

/** The spellings of one UTF-16 code unit (or code point) inside a text a server wrote. */
function unitPattern(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const alts = [reEscape(ch)];
  // JSON: \uXXXX for any character (a surrogate pair as two escapes), \/ \" \\ short forms.
  if (cp > 0xffff) {
    const hi = ch.charCodeAt(0);
    const lo = ch.charCodeAt(1);
    alts.push(`${BS}u${anyCase(hex4(hi))}${BS}u${anyCase(hex4(lo))}`);
  } else {
    alts.push(`${BS}u${anyCase(hex4(cp))}`);
  }
  if (ch === "/" || ch === '"' || ch === "\\") alts.push(`${BS}${reEscape(ch)}`);
  // URL encoding: each UTF-8 byte as %XX (a %25 for an encoded '%' is the same bytes encoded twice).
  const bytes = [...Buffer.from(ch, "utf8")];
  alts.push(bytes.map((b) => `%(?:25)?${anyCase(hex2(b).toLowerCase())}`).join(""));
  if (ch === " ") alts.push("\\+");
  // HTML character references.
  alts.push(`&#0*${cp};`, `&#[xX]0*${anyCase(cp.toString(16))};`);
  return `(?:${alts.join("|")})`;
}

const patterns = new Map<string, RegExp>();

/** The expression that finds `secret` in any of its spellings (cached per secret). */
export function secretPattern(secret: string): RegExp {
  let re = patterns.get(secret);
  if (re === undefined) {
    re = new RegExp([...secret].map(unitPattern).join(""), "g");
    if (patterns.size > 16) patterns.clear();
    patterns.set(secret, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Replaces every spelling of `secret` in `text` (no-op without a secret). */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || text.length === 0) return text;
  const re = secretPattern(secret);
  // Fast path: most texts hold none of the secret's first characters' spellings.
  if (!re.test(text)) return text;
  re.lastIndex = 0;
  return text.replace(re, REDACTED);
}

/** A function that redacts every given secret (a run's key, …); identity when there is none. */
export function redactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const list = secrets.filter((s): s is string => typeof s === "string" && s.length > 0);
  if (list.length === 0) return (t) => t;
  return (t) => list.reduce((acc, s) => redact(acc, s), t);
}

/** Redacts every string inside a JSON-like value (a copy; the value is not changed). */
export function redactDeep<T>(value: T, redactText: (t: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redactText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactText(k)] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
