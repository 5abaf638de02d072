/**
 * Server templates of a grid: a command line, a URL or an environment value with `{name}`
 * placeholders filled from a cell's parameters ("vllm serve m --max-num-seqs {max_num_seqs}").
 * `{{` and `}}` are literal braces.
 *
 * Shell quoting is the point of this module: a value is data, never shell syntax. A value goes
 * in as is when it is made only of characters no shell treats specially, else POSIX
 * single-quoted; a placeholder that the template itself put inside quotes gets the escaping
 * of those quotes. (shell-quote's `quote` is not used for values: run through /bin/sh, it
 * turns "~" into the home folder and "it's!" into "it's\!"; see test/unit/servers.)
 */
import { printable } from "../config/file-check.js";

/** How values are inserted: see renderTemplate. */
export type TemplateQuoting = "shell" | "url" | "none";

type Piece = { text: string } | { field: string; offset: number };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_-]/;
/** Characters no POSIX shell treats specially, in any position or quoting context. */
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** "line 2, column 5" (or "column 5" in a one-line template) of an offset. */
function where(template: string, offset: number): string {
  const before = template.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return template.includes("\n") ? `line ${line}, column ${column}` : `column ${column}`;
}

function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === "{") {
      if (template[i + 1] === "{") {
        text += "{";
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < template.length && NAME_CHAR.test(template[j] as string)) j++;
      const name = template.slice(i + 1, j);
      if (j >= template.length) {
        throw new Error(`unclosed placeholder "{${printable(name, { max: 40 })}" at ${where(template, i)}: write {name}, or {{ for a literal "{"`);
      }
      if (template[j] !== "}") {
        const shown = printable(template.slice(i, Math.min(template.length, j + 1)), { max: 40 });
        throw new Error(`malformed placeholder "${shown}" at ${where(template, i)}: a placeholder is {name} (letters, digits, _ and -, starting with a letter or _); write {{ and }} for literal braces`);
      }
      if (name === "") throw new Error(`empty placeholder "{}" at ${where(template, i)}: write {name}, or {{}} for literal braces`);
      if (!NAME_START.test(name[0] as string)) {
        throw new Error(`malformed placeholder "{${printable(name, { max: 40 })}}" at ${where(template, i)}: a placeholder name starts with a letter or _`);
      }
      if (text !== "") pieces.push({ text });
      text = "";
      pieces.push({ field: name, offset: i });
      i = j + 1;
      continue;
    }
    if (c === "}") {
      if (template[i + 1] === "}") {
        text += "}";
        i += 2;
        continue;
      }
      throw new Error(`a lone "}" at ${where(template, i)}: write }} for a literal "}"`);
    }
    text += c;
    i++;
  }
  if (text !== "") pieces.push({ text });
  return pieces;
}

/**
 * Placeholder names in a template: "{name}" (letters, digits, _ and -, starting with a letter
 * or _); "{{" and "}}" are literal braces. Each name once, in order of first appearance.
 * Throws a clear Error on an unclosed/empty/malformed placeholder or a lone "}".
 */
export function templateFields(template: string): string[] {
  const seen = new Set<string>();
  for (const p of parse(template)) if ("field" in p) seen.add(p.field);
  return [...seen];
}

/** Where the shell stands at a point of a command line: what a value inserted there needs. */
type ShellContext = "bare" | "single" | "double" | "backtick";

/**
 * Follows the shell's quoting through the literal text of a template: single and double
 * quotes, backslashes, comments, `$(…)` and backticks (nested in double quotes too).
 */
class ShellScanner {
  private readonly stack: ("double" | "subst" | "backtick")[] = [];
  private single = false;
  private escaped = false;
  private comment = false;
  private prev = "";
  private parens: number[] = [];

  feed(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      const next = text[i + 1];
      const prev = this.prev;
      this.prev = c;
      if (this.comment) {
        if (c === "\n") this.comment = false;
        continue;
      }
      if (this.single) {
        if (c === "'") this.single = false;
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (c === "\\") {
        this.escaped = true;
        continue;
      }
      if (top === "double") {
        if (c === '"') this.stack.pop();
        else if (c === "$" && next === "(") {
          i++;
          this.openSubst();
        } else if (c === "`") this.stack.push("backtick");
        continue;
      }
      // bare, inside $( … ) or inside backticks
      if (c === "`") {
        if (top === "backtick") this.stack.pop();
        else this.stack.push("backtick");
      } else if (c === "'") this.single = true;
      else if (c === '"') this.stack.push("double");
      else if (c === "$" && next === "(") {
        i++;
        this.openSubst();
      } else if (c === "#" && (prev === "" || /[\s;&|()]/.test(prev))) this.comment = true;
      else if (top === "subst" && c === "(") this.parens[this.parens.length - 1] = (this.parens[this.parens.length - 1] ?? 0) + 1;
      else if (top === "subst" && c === ")") {
        const depth = this.parens[this.parens.length - 1] ?? 0;
        if (depth > 0) this.parens[this.parens.length - 1] = depth - 1;
        else {
          this.parens.pop();
          this.stack.pop();
        }
      }
    }
  }

  private openSubst(): void {
    this.prev = "(";
    this.stack.push("subst");
    this.parens.push(0);
  }

  /** The context a value inserted now stands in, and whether a backslash precedes it. */
  context(): { ctx: ShellContext; escaped: boolean; comment: boolean } {
    if (this.single) return { ctx: "single", escaped: false, comment: false };
    const top = this.stack[this.stack.length - 1];
    const ctx: ShellContext = top === "double" ? "double" : top === "backtick" ? "backtick" : "bare";
    return { ctx, escaped: this.escaped, comment: this.comment };
  }

  /** A value was inserted: it is a word's text like any other (a backslash before it applied to it). */
  inserted(): void {
    this.prev = "x";
    this.escaped = false;
  }
}

/** A value as one shell word: as is when nothing in it is special, else single-quoted. */
export function shellWord(value: string): string {
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function quoteForShell(value: string, field: string, ctx: ShellContext, escaped: boolean): string {
  if (escaped) {
    if (SHELL_SAFE.test(value)) return value;
    throw new Error(`placeholder {${field}} follows a backslash in the command; remove the backslash (values are quoted for the shell)`);
  }
  switch (ctx) {
    case "bare":
      return shellWord(value);
    case "single":
      // Inside '…': close, an escaped quote, reopen.
      return value.replace(/'/g, `'\\''`);
    case "double":
      return value.replace(/[\\"$`]/g, "\\$&");
    case "backtick":
      if (SHELL_SAFE.test(value)) return value;
      throw new Error(
        `placeholder {${field}} stands inside backticks in the command and its value ${JSON.stringify(printable(value, { max: 60 }))} has characters the shell treats specially; use $(…) instead of backticks`,
      );
  }
}

const FULL_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+(%[A-Za-z0-9_.~-]+)?\]$/;

/** A value in a URL: percent-encoded, except an IPv6 literal in brackets (a host). */
function quoteForUrl(value: string): string {
  if (BRACKETED_IPV6.test(value)) return value;
  return encodeURIComponent(value);
}

/**
 * Fills the placeholders of a template with values (numbers and booleans as JavaScript writes
 * them: 64, 0.9, true).
 * - "shell" (the default): a value is inserted so that it stays one literal piece of data,
 *   never shell syntax (`; rm -rf /` stays one argument): as is when only made of characters
 *   no shell treats specially (letters, digits, `_@%+=:,./-`), else single-quoted; inside
 *   quotes that the template wrote, escaped for those quotes. A placeholder inside backticks
 *   or after a backslash accepts only such plain values (Error otherwise).
 * - "url": encodeURIComponent, except that a template that is exactly "{name}" whose value is
 *   a full URL (scheme://…) takes it unchanged, and a bracketed IPv6 host ("[::1]") is kept.
 * - "none": as is.
 * Throws an Error naming the missing field (and the fields available) when a placeholder has
 * no value, and templateFields' errors for a malformed template.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string | number | boolean>>, quoting: TemplateQuoting = "shell"): string {
  const pieces = parse(template);
  const scanner = quoting === "shell" ? new ShellScanner() : undefined;
  const whole = pieces.length === 1 && "field" in (pieces[0] as Piece);
  let out = "";
  for (const p of pieces) {
    if ("text" in p) {
      out += p.text;
      scanner?.feed(p.text);
      continue;
    }
    if (!Object.hasOwn(values, p.field)) {
      const available = Object.keys(values);
      const shellVar = template[p.offset - 1] === "$" ? ` (for the shell variable \${${p.field}}, write \${{${p.field}}} or $${p.field})` : "";
      throw new Error(
        `template field {${p.field}} has no value${shellVar}; available: ${available.length > 0 ? available.map((n) => `{${n}}`).join(", ") : "none"}`,
      );
    }
    const raw = values[p.field];
    const value = String(raw);
    if (quoting === "none") out += value;
    else if (quoting === "url") out += whole && FULL_URL.test(value) ? value : quoteForUrl(value);
    else {
      const { ctx, escaped, comment } = (scanner as ShellScanner).context();
      out += comment ? value.replace(/\n/g, " ") : quoteForShell(value, p.field, ctx, escaped);
      (scanner as ShellScanner).inserted();
    }
  }
  return out;
}
