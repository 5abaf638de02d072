/**
 * The program a server's command line runs, and whether it can be run here: so a grid can
 * say "vllm: not found on PATH" before it starts anything, instead of an exit code 127 later.
 */
import { accessSync, constants, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parse } from "shell-quote";

/** Builtins of POSIX sh (and bash's common ones): nothing on PATH to look for. */
const BUILTINS = new Set([
  ".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec", "exit", "export", "false", "fg", "getopts",
  "hash", "jobs", "kill", "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test", "times", "trap", "true",
  "type", "ulimit", "umask", "unalias", "unset", "wait",
]);

/** Words that start shell syntax rather than a command. */
const RESERVED = new Set(["!", "{", "}", "[[", "]]", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "select", "then", "time", "until", "while"]);

/** Builtins whose real target cannot be told from the line. */
const UNCHECKABLE = new Set(["eval"]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Marks a `$VAR` in parsed words: a word that holds one cannot be checked. */
const VAR_MARK = "\u0000";

/**
 * The program a shell command line would run: its first word after leading VAR=value
 * assignments (parsed with shell-quote). `exec prog …` gives prog. `cd x && vllm serve`
 * gives "cd" (a builtin: programExists says yes). undefined when the line is empty, starts
 * with shell syntax (a subshell, `{`, `if`, a redirection, a glob, a comment), with a
 * variable (`$VLLM serve`), or with a builtin whose target cannot be checked (eval).
 */
export function commandProgram(command: string): string | undefined {
  let entries: ReturnType<typeof parse>;
  try {
    entries = parse(command, (key: string) => `${VAR_MARK}${key}`);
  } catch {
    return undefined;
  }
  let i = 0;
  while (i < entries.length) {
    const e = entries[i];
    if (typeof e === "string" && ASSIGNMENT.test(e)) i++;
    else break;
  }
  let first = entries[i];
  if (first === "exec") {
    i++;
    // exec's own options: -c, -l, -a NAME
    while (typeof entries[i] === "string" && (entries[i] as string).startsWith("-")) {
      if (entries[i] === "-a") i++;
      i++;
    }
    first = entries[i];
    if (first === undefined) return "exec";
  }
  if (typeof first !== "string" || first === "") return undefined;
  if (first.includes(VAR_MARK) || RESERVED.has(first) || UNCHECKABLE.has(first)) return undefined;
  return first;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a program can be run: a shell builtin (cd, exec, export, source, ., true, …); a
 * path (it contains "/"; "~/" is the home folder; relative to cwd) that is an executable
 * file; or a name found as an executable file in a folder of env.PATH (default: this
 * process's environment; an empty PATH entry is cwd).
 */
export function programExists(program: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): boolean {
  if (program === "") return false;
  if (BUILTINS.has(program)) return true;
  let path = program;
  if (path.startsWith("~/")) path = join(env.HOME ?? homedir(), path.slice(2));
  if (path.includes("/")) return isExecutableFile(isAbsolute(path) ? path : resolve(cwd, path));
  for (const dir of (env.PATH ?? "").split(":")) {
    const folder = dir === "" ? cwd : resolve(cwd, dir);
    if (isExecutableFile(join(folder, path))) return true;
  }
  return false;
}
