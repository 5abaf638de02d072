/**
 * Turns zod issues (and the loader's own cross-field checks) into messages a person can
 * act on: where (file:line:col, or the --set / flag that wrote the value), which path,
 * what was found and what shape was expected. Every problem is reported at once, sorted
 * by position.
 */
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { closest, constOf, describeSchema, knownKeys, maskSecret, schemaAt, showValue } from "./describe.js";
import { suiteJsonSchema } from "./json-schema.js";
import { isPlainObject } from "./kinds.js";
import { formatPath, type ConfigPath, type Position, type Provenance } from "./source.js";
import { urlCredentialProblem, urlForDisplay } from "../client/endpoint.js";

/** A problem found in a suite, before it is given a location. */
export interface PendingIssue {
  path: ConfigPath;
  /** What to point at: the key (unknown keys), the value, or the enclosing mapping (missing keys). */
  at: "key" | "value" | "parent";
  /** The message after `path: `. */
  message: string;
}

/** One located problem. `text` is the full line printed to the user. */
export interface SuiteIssue {
  /** `suite.yaml:7:12`, `--set conversation.turns=0`, or the suite's label. */
  where: string;
  /** `scenarios[0].turns`. */
  path: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  text: string;
}

/** A suite that failed validation; `issues` lists every problem (the message holds them all). */
export class SuiteValidationError extends ConfigError {
  readonly issues: readonly SuiteIssue[];
  constructor(issues: readonly SuiteIssue[]) {
    super(issues.map((i) => i.text).join("\n"));
    this.name = "SuiteValidationError";
    this.issues = issues;
  }
}

/** Unknown keys people write for a known one. */
const KEY_ALIASES: Partial<Record<string, string>> = Object.assign(Object.create(null) as Record<string, string>, {
  base_url: "url",
  baseurl: "url",
  endpoint: "url",
  api_base: "url",
  host: "url",
  model_name: "model",
  type: "kind",
  scenario: "kind",
  rounds: "turns",
  repeats: "iterations",
  runs: "iterations",
  threshold: "thresholds",
});

/** Keys that would hold a secret in the file (their values are never echoed anyway). */
const SECRET_KEYS: Record<string, true> = { api_key: true, apikey: true, key: true, token: true, api_token: true, bearer: true, password: true };

/** Values never echoed in messages. */
function isSecretPath(path: ConfigPath): boolean {
  return path[path.length - 1] === "api_key";
}

export function valueAt(raw: unknown, path: ConfigPath): unknown {
  let value = raw;
  for (const seg of path) {
    if (Array.isArray(value) && typeof seg === "number") value = value[seg];
    else if (isPlainObject(value)) value = Object.hasOwn(value, seg as string) ? value[seg as string] : undefined;
    else return undefined;
  }
  return value;
}

function got(raw: unknown, path: ConfigPath): string {
  const value = valueAt(raw, path);
  if (isSecretPath(path)) return maskSecret(value);
  if (path[path.length - 1] === "api_key_env" && typeof value === "string" && looksLikeSecret(value)) return maskSecret(value);
  // A URL may hold user:password@ or ?key=…: shown without them.
  if (path[path.length - 1] === "url" && typeof value === "string") return showValue(urlForDisplay(value));
  return showValue(value);
}

/**
 * A value that is probably an API key rather than the name of a variable holding one:
 * a well-known key prefix, or a long random-looking token (digits, few underscores).
 */
export function looksLikeSecret(value: string): boolean {
  const upperSnake = /^[A-Z0-9_]+$/.test(value);
  if (/^(?:sk|pk|rk)-/.test(value)) return true;
  if (/^(?:sk|pk|rk|hf|gh[pousr]|github_pat|glpat|xox[abpr])[-_][A-Za-z0-9_-]{16,}$/.test(value) && !upperSnake) return true;
  if (/^AKIA[0-9A-Z]{16}$/.test(value) || /^AIza[0-9A-Za-z_-]{35}$/.test(value)) return true;
  if (value.length < 20) return false;
  const digits = (value.match(/[0-9]/g) ?? []).length;
  const underscores = (value.match(/_/g) ?? []).length;
  const mixedCase = /[a-z]/.test(value) && /[A-Z]/.test(value);
  return underscores <= 1 && (digits >= 4 || (mixedCase && digits >= 2));
}

/** Converts the issues of a failed `suiteSchema.safeParse(raw)`. */
export function issuesFromZod(error: z.ZodError, raw: unknown): PendingIssue[] {
  const schema = suiteJsonSchema();
  const out: PendingIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path as ConfigPath;
    const expected = () => describeSchema(schemaAt(schema, path, raw));
    const present = valueAt(raw, path) !== undefined;
    switch (issue.code) {
      case "unrecognized_keys": {
        const parent = schemaAt(schema, path, raw);
        const known = knownKeys(parent);
        const kind = constOf(parent, "kind");
        const owner = kind ? `a ${kind} scenario` : path.length === 0 ? "a suite" : formatPath(path);
        for (const key of issue.keys) {
          const suggestion = KEY_ALIASES[key.toLowerCase()] ?? closest(key, known);
          const hint = Object.hasOwn(SECRET_KEYS, key.toLowerCase()) && known.includes("api_key_env")
            ? "a suite never holds the API key itself: put it in an environment variable and write api_key_env: VARIABLE_NAME; "
            : suggestion && known.includes(suggestion)
              ? `did you mean "${suggestion}"? `
              : "";
          out.push({
            path: [...path, key],
            at: "key",
            message: `unknown key; ${hint}the keys of ${owner} are: ${known.join(", ")}`,
          });
        }
        break;
      }
      case "invalid_union": {
        const disc = "discriminator" in issue ? issue.discriminator : undefined;
        if (typeof disc === "string") {
          const options = "options" in issue && Array.isArray(issue.options) ? issue.options.map(String) : [];
          const what = path[0] === "scenarios" ? "scenario kind" : disc;
          // zod's path ends at the discriminator key; report a missing one on the mapping.
          const atDisc = path[path.length - 1] === disc ? path : [...path, disc];
          const value = valueAt(raw, atDisc);
          const container = valueAt(raw, atDisc.slice(0, -1));
          if (!isPlainObject(container)) {
            out.push({ path: atDisc.slice(0, -1), at: "value", message: `expected a mapping with ${disc}: one of ${options.join(", ")}, got ${showValue(container)}` });
          } else if (value === undefined) {
            out.push({ path: atDisc, at: "parent", message: `missing; every scenario needs a ${disc}, one of: ${options.join(", ")}` });
          } else {
            out.push({ path: atDisc, at: "value", message: `unknown ${what} ${showValue(value)}; known ${what}s: ${options.join(", ")}` });
          }
        } else {
          out.push({ path, at: "value", message: `expected ${expected()}, got ${got(raw, path)}` });
        }
        break;
      }
      case "invalid_type":
        if (!present) out.push({ path, at: "parent", message: `missing (required); expected ${expected()}` });
        else out.push({ path, at: "value", message: `expected ${expected()}, got ${got(raw, path)}${typeHint(issue.expected, valueAt(raw, path))}` });
        break;
      case "invalid_format": {
        const custom = issue.format === "regex" && !/^Invalid/.test(issue.message);
        let message = `expected ${custom ? issue.message : expected()}, got ${got(raw, path)}`;
        message += hintFor(path, valueAt(raw, path));
        out.push({ path, at: "value", message });
        break;
      }
      case "invalid_value":
        out.push({
          path,
          at: present ? "value" : "parent",
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${got(raw, path)}`,
        });
        break;
      case "too_small":
      case "too_big":
      case "not_multiple_of":
        out.push({ path, at: "value", message: `expected ${expected()}, got ${got(raw, path)}` });
        break;
      case "custom":
        out.push({ path, at: "value", message: `${issue.message} (got ${got(raw, path)})` });
        break;
      default:
        out.push({ path, at: present ? "value" : "parent", message: `${issue.message} (got ${got(raw, path)})` });
    }
  }
  return out;
}

/** Quoted numbers and YAML 1.1 booleans: the value is right, its spelling is not. */
function typeHint(expected: string, value: unknown): string {
  if (typeof value !== "string") return "";
  const text = value.trim();
  if ((expected === "number" || expected === "int") && text !== "" && Number.isFinite(Number(text))) {
    return "; write the number without quotes";
  }
  if (expected === "boolean") {
    if (/^(true|false)$/i.test(text)) return "; write true or false without quotes";
    if (/^(yes|no|on|off|y|n)$/i.test(text)) return "; YAML 1.2 reads yes/no/on/off as text: write true or false";
  }
  return "";
}

/** A how-to-fix for common mistakes, appended to the message. */
function hintFor(path: ConfigPath, value: unknown): string {
  const last = path[path.length - 1];
  if (last === "api_key_env" && typeof value === "string") {
    if (looksLikeSecret(value) || /^(sk|pk)-/.test(value)) {
      return "; this looks like an API key itself: put the key in an environment variable (export VLLM_API_KEY=…) and give its name here";
    }
    if (value.startsWith("$")) return "; write the variable's name without the $";
  }
  if (last === "url" && typeof value === "string" && !/^[a-z]+:\/\//i.test(value)) {
    const problem = urlCredentialProblem(`http://${value}`);
    return `; add the scheme, e.g. http://${urlForDisplay(`http://${value}`).slice("http://".length)}${problem ? `; besides, ${problem}` : ""}`;
  }
  return "";
}

/** Gives each issue its location, sorts them (file order, then overrides in order) and renders them. */
export function locateIssues(pending: readonly PendingIssue[], provenance: Provenance): SuiteIssue[] {
  const located = pending.map((issue, index) => {
    const location = provenance.locate(issue.path, issue.at);
    const path = formatPath(provenance.displayPath?.(issue.path) ?? issue.path);
    const out: SuiteIssue = {
      where: location.where,
      path,
      message: issue.message,
      text: `${location.where}: ${path}: ${issue.message}`,
    };
    if (location.file !== undefined) out.file = location.file;
    if (location.position) {
      out.line = location.position.line;
      out.col = location.position.col;
    }
    return { out, position: location.position, order: location.order, index };
  });
  located.sort((a, b) => rank(a) - rank(b) || key(a.position, a.order) - key(b.position, b.order) || a.index - b.index);
  // The same message at the same place once (zod may report a key twice through unions).
  const seen = new Set<string>();
  return located.map((l) => l.out).filter((i) => (seen.has(i.text) ? false : (seen.add(i.text), true)));
}

function rank(l: { position: Position | undefined; order: number | undefined }): number {
  if (l.position) return 0;
  if (l.order !== undefined) return 1;
  return 2;
}

function key(position: Position | undefined, order: number | undefined): number {
  return position ? position.offset : (order ?? 0);
}
