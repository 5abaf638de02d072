/**
 * Parsing code blocks with real parsers and naming what they contain.
 *   - Python: @lezer/python; a tree with an error node is invalid, and so are two things
 *     Lezer accepts but Python 3 does not: a Python 2 print statement and an indented
 *     top-level statement.
 *   - JavaScript / TypeScript: @babel/parser with errorRecovery off (module, then script;
 *     JSX for JavaScript; TypeScript with legacy decorators, then TSX).
 * Each parse yields "facts": named constructs with their spans in the block's code.
 */
import { parse as babelParse, type ParserOptions, type ParserPlugin } from "@babel/parser";
import { parser as pythonParser } from "@lezer/python";
import type { SyntaxNode } from "@lezer/common";

export type CodeLanguage = "python" | "javascript" | "typescript";

export interface Fact {
  name: string;
  start: number;
  end: number;
}

export interface ParseOutcome {
  ok: boolean;
  /** Where and why the parse failed (line and column are 1-based, in the block). */
  error?: { message: string; line: number; column: number; offset: number };
  facts: Fact[];
}

function lineCol(code: string, offset: number): { line: number; column: number } {
  const before = code.slice(0, Math.max(0, offset));
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column };
}

// ---------------------------------------------------------------------------------------
// Python

const PY_NODE_FACTS: Readonly<Record<string, readonly string[]>> = {
  ArrayComprehensionExpression: ["list_comprehension", "comprehension"],
  DictionaryComprehensionExpression: ["dict_comprehension", "comprehension"],
  SetComprehensionExpression: ["set_comprehension", "comprehension"],
  ComprehensionExpression: ["generator_expression", "comprehension"],
  DictionaryExpression: ["dict_literal"],
  SetExpression: ["set_literal"],
  ArrayExpression: ["list_literal"],
  TupleExpression: ["tuple"],
  LambdaExpression: ["lambda"],
  WithStatement: ["with_statement"],
  FormatString: ["f_string"],
  FunctionDefinition: ["function"],
  AwaitExpression: ["await"],
  Decorator: ["decorator"],
  TypeDef: ["type_hints"],
  ClassDefinition: ["class"],
  TryStatement: ["try_except"],
  ForStatement: ["for_loop"],
  WhileStatement: ["while_loop"],
  IfStatement: ["if_statement"],
  MatchStatement: ["match_statement"],
  NamedExpression: ["walrus"],
  ImportStatement: ["import"],
  YieldStatement: ["yield"],
  YieldExpression: ["yield"],
  ConditionalExpression: ["ternary"],
  ReturnStatement: ["return"],
  RaiseStatement: ["raise"],
  AssertStatement: ["assert"],
};

function pyCallFacts(node: SyntaxNode, code: string, facts: Fact[]): void {
  const callee = node.firstChild;
  if (!callee) return;
  const span = { start: node.from, end: node.to };
  if (callee.name === "VariableName") {
    facts.push({ name: `call:${code.slice(callee.from, callee.to)}`, ...span });
    return;
  }
  if (callee.name === "MemberExpression") {
    const prop = callee.lastChild;
    if (prop?.name === "PropertyName") facts.push({ name: `call:${code.slice(prop.from, prop.to)}`, ...span });
    const dotted = code.slice(callee.from, callee.to).replace(/\s+/g, "");
    if (/^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+$/.test(dotted)) facts.push({ name: `call:${dotted}`, ...span });
  }
}

/** Parses Python code; facts name what it contains. */
export function parsePython(code: string): ParseOutcome {
  const tree = pythonParser.parse(code);
  const facts: Fact[] = [];
  let error: ParseOutcome["error"];
  const fail = (offset: number, message: string) => {
    if (error) return;
    error = { message, offset, ...lineCol(code, offset) };
  };
  tree.iterate({
    enter: (ref) => {
      const name = ref.type.name;
      if (ref.type.isError) {
        fail(ref.from, "invalid syntax");
        return;
      }
      if (name === "PrintStatement") fail(ref.from, "Python 2 print statement (Python 3 needs print(…))");
      const named = PY_NODE_FACTS[name];
      if (named) for (const f of named) facts.push({ name: f, start: ref.from, end: ref.to });
      if (name === "FunctionDefinition" && ref.node.getChild("async")) facts.push({ name: "async_function", start: ref.from, end: ref.to });
      if (name === "Decorator" && /dataclass/.test(code.slice(ref.from, ref.to))) facts.push({ name: "dataclass", start: ref.from, end: ref.to });
      if (name === "ArgList" && ref.node.getChild("for")) {
        facts.push({ name: "generator_expression", start: ref.from, end: ref.to }, { name: "comprehension", start: ref.from, end: ref.to });
      }
      if (name === "CallExpression") pyCallFacts(ref.node, code, facts);
    },
  });
  // Lezer accepts an indented top-level statement; Python raises "unexpected indent".
  for (let child = tree.topNode.firstChild; child; child = child.nextSibling) {
    if (child.name === "Comment" || child.type.isError) continue;
    const lineStart = code.lastIndexOf("\n", child.from - 1) + 1;
    if (child.from > lineStart && /^[ \t]+$/.test(code.slice(lineStart, child.from))) {
      fail(child.from, "unexpected indent");
      break;
    }
  }
  return error ? { ok: false, error, facts } : { ok: true, facts };
}

// ---------------------------------------------------------------------------------------
// JavaScript / TypeScript

interface BabelNode {
  type: string;
  start?: number | null;
  end?: number | null;
  [key: string]: unknown;
}

const JS_NODE_FACTS: Readonly<Record<string, readonly string[]>> = {
  ArrowFunctionExpression: ["arrow_function", "function"],
  FunctionDeclaration: ["function"],
  FunctionExpression: ["function"],
  ClassMethod: ["method"],
  ObjectMethod: ["method"],
  ClassPrivateMethod: ["method"],
  AwaitExpression: ["await"],
  ClassDeclaration: ["class"],
  ClassExpression: ["class"],
  ObjectPattern: ["destructuring"],
  ArrayPattern: ["destructuring"],
  TemplateLiteral: ["template_literal"],
  OptionalMemberExpression: ["optional_chaining"],
  OptionalCallExpression: ["optional_chaining"],
  SpreadElement: ["spread"],
  RestElement: ["spread"],
  ForOfStatement: ["for_of"],
  ForInStatement: ["for_in"],
  ForStatement: ["for_loop"],
  WhileStatement: ["while_loop"],
  TryStatement: ["try_catch"],
  ImportDeclaration: ["es_module"],
  ExportNamedDeclaration: ["es_module"],
  ExportDefaultDeclaration: ["es_module"],
  JSXElement: ["jsx"],
  JSXFragment: ["jsx"],
  ClassProperty: ["class_field"],
  ClassPrivateProperty: ["class_field"],
  Decorator: ["decorator"],
  ObjectExpression: ["object_literal"],
  ArrayExpression: ["array_literal"],
  ConditionalExpression: ["ternary"],
  YieldExpression: ["yield"],
  TSInterfaceDeclaration: ["interface"],
  TSTypeAliasDeclaration: ["type_alias"],
  TSEnumDeclaration: ["enum"],
  TSTypeParameterDeclaration: ["generics"],
  TSTypeAnnotation: ["type_annotation", "type_hints"],
  TSUnionType: ["union_type"],
  TSAsExpression: ["type_assertion"],
  TSSatisfiesExpression: ["type_assertion", "satisfies"],
  TSTypeAssertion: ["type_assertion"],
  TSNonNullExpression: ["non_null_assertion"],
  TSModuleDeclaration: ["namespace"],
};
const FUNCTION_TYPES = new Set(["ArrowFunctionExpression", "FunctionDeclaration", "FunctionExpression", "ClassMethod", "ObjectMethod", "ClassPrivateMethod"]);
const SKIP_KEYS = new Set(["loc", "extra", "leadingComments", "trailingComments", "innerComments", "comments", "tokens", "range"]);

function dottedName(n: unknown): string | undefined {
  const node = n as BabelNode | undefined;
  if (!node || typeof node !== "object") return undefined;
  if (node.type === "Identifier") return typeof node["name"] === "string" ? node["name"] : undefined;
  if (node.type === "ThisExpression") return "this";
  if ((node.type === "MemberExpression" || node.type === "OptionalMemberExpression") && node["computed"] !== true) {
    const obj = dottedName(node["object"]);
    const prop = dottedName(node["property"]);
    return obj !== undefined && prop !== undefined ? `${obj}.${prop}` : undefined;
  }
  return undefined;
}

function jsFacts(root: unknown): Fact[] {
  const facts: Fact[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (const x of cur) stack.push(x);
      continue;
    }
    if (!cur || typeof cur !== "object") continue;
    const node = cur as BabelNode;
    if (typeof node.type === "string" && typeof node.start === "number" && typeof node.end === "number") {
      const span = { start: node.start, end: node.end };
      for (const f of JS_NODE_FACTS[node.type] ?? []) facts.push({ name: f, ...span });
      if (FUNCTION_TYPES.has(node.type)) {
        if (node["async"] === true) facts.push({ name: "async_function", ...span });
        if (node["generator"] === true) facts.push({ name: "generator", ...span });
      }
      if (node.type === "LogicalExpression" && node["operator"] === "??") facts.push({ name: "nullish_coalescing", ...span });
      if (node.type === "VariableDeclaration" && typeof node["kind"] === "string") facts.push({ name: node["kind"], ...span });
      if ((node.type === "ClassDeclaration" || node.type === "ClassExpression") && node["abstract"] === true) facts.push({ name: "abstract_class", ...span });
      if (node.type === "TSAsExpression") {
        const ann = node["typeAnnotation"] as BabelNode | undefined;
        if (ann?.type === "TSTypeReference" && dottedName(ann["typeName"]) === "const") facts.push({ name: "as_const", ...span });
      }
      if (node.type === "CallExpression" || node.type === "OptionalCallExpression" || node.type === "NewExpression") {
        const callee = node["callee"] as BabelNode | undefined;
        const prefix = node.type === "NewExpression" ? "new" : "call";
        const full = dottedName(callee);
        if (full !== undefined) {
          facts.push({ name: `${prefix}:${full}`, ...span });
          const last = full.split(".").pop();
          if (last !== undefined && last !== full) facts.push({ name: `${prefix}:${last}`, ...span });
        } else if (callee && (callee.type === "MemberExpression" || callee.type === "OptionalMemberExpression") && callee["computed"] !== true) {
          const prop = dottedName(callee["property"]);
          if (prop !== undefined) facts.push({ name: `${prefix}:${prop}`, ...span });
        }
      }
    }
    for (const [k, v] of Object.entries(node)) {
      if (SKIP_KEYS.has(k) || !v || typeof v !== "object") continue;
      stack.push(v);
    }
  }
  return facts.sort((a, b) => a.start - b.start);
}

const BASE_OPTIONS: ParserOptions = {
  errorRecovery: false,
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowImportExportEverywhere: true,
  allowUndeclaredExports: true,
  allowNewTargetOutsideFunction: true,
  allowSuperOutsideMethod: true,
};

function attempts(lang: "javascript" | "typescript"): ParserOptions[] {
  const plugins: ParserPlugin[][] = lang === "typescript" ? [["typescript", "decorators-legacy"], ["typescript", "jsx", "decorators-legacy"]] : [["jsx"], []];
  const out: ParserOptions[] = [];
  for (const p of plugins) for (const sourceType of ["module", "script"] as const) out.push({ ...BASE_OPTIONS, sourceType, plugins: p });
  return out;
}

/** Parses JavaScript or TypeScript; with `lenient`, a failed strict parse still yields facts (error recovery). */
export function parseJs(code: string, lang: "javascript" | "typescript", lenient = false): ParseOutcome {
  let firstError: ParseOutcome["error"];
  for (const opts of attempts(lang)) {
    try {
      const ast = babelParse(code, opts);
      return { ok: true, facts: jsFacts(ast.program) };
    } catch (e) {
      if (!firstError) {
        const err = e as { message?: string; pos?: number; loc?: { line: number; column: number } };
        const offset = typeof err.pos === "number" ? err.pos : 0;
        firstError = {
          message: (err.message ?? "syntax error").replace(/\s*\(\d+:\d+\)\s*$/, ""),
          offset,
          line: err.loc?.line ?? lineCol(code, offset).line,
          column: err.loc ? err.loc.column + 1 : lineCol(code, offset).column,
        };
      }
    }
  }
  let facts: Fact[] = [];
  if (lenient) {
    try {
      const opts = attempts(lang)[0] ?? BASE_OPTIONS;
      facts = jsFacts(babelParse(code, { ...opts, errorRecovery: true }).program);
    } catch {
      facts = [];
    }
  }
  return { ok: false, error: firstError ?? { message: "syntax error", offset: 0, line: 1, column: 1 }, facts };
}

/** Parses code of a language. */
export function parseCode(code: string, lang: CodeLanguage, lenient = false): ParseOutcome {
  return lang === "python" ? parsePython(code) : parseJs(code, lang, lenient);
}

// ---------------------------------------------------------------------------------------
// Construct names

const CONSTRUCTS: Readonly<Record<CodeLanguage, ReadonlySet<string>>> = {
  python: new Set([...Object.values(PY_NODE_FACTS).flat(), "async_function", "dataclass"]),
  javascript: new Set(
    [...Object.entries(JS_NODE_FACTS)]
      .filter(([k]) => !k.startsWith("TS"))
      .flatMap(([, v]) => v)
      .concat(["async_function", "generator", "nullish_coalescing", "const", "let", "var"]),
  ),
  typescript: new Set([...Object.values(JS_NODE_FACTS).flat(), "async_function", "generator", "nullish_coalescing", "const", "let", "var", "abstract_class", "as_const"]),
};

/** Names that stand for a call of that name ("enumerate" is call:enumerate). */
const CALL_SHORTCUTS = new Set([
  "enumerate", "zip", "any", "all", "map", "filter", "sorted", "reversed", "sum", "min", "max", "len", "range", "isinstance",
  "open", "print", "reduce", "defaultdict", "counter", "join", "setdefault", "get", "items", "foreach", "find", "some", "every",
  "includes", "flatmap", "fetch", "json.parse", "json.stringify", "promise.all", "promise.allsettled", "object.entries",
  "object.keys", "object.values", "array.from", "structuredclone",
]);

const ALIASES: Readonly<Record<string, string>> = {
  list_comprehensions: "list_comprehension",
  listcomp: "list_comprehension",
  dict_comprehensions: "dict_comprehension",
  dictionary_comprehension: "dict_comprehension",
  set_comprehensions: "set_comprehension",
  generator: "generator",
  generator_expressions: "generator_expression",
  genexpr: "generator_expression",
  dict: "dict_literal",
  dictionary_literal: "dict_literal",
  dict_literals: "dict_literal",
  list: "list_literal",
  set: "set_literal",
  fstring: "f_string",
  f_strings: "f_string",
  format_string: "f_string",
  with: "with_statement",
  context_manager: "with_statement",
  async: "async_function",
  async_def: "async_function",
  async_await: "async_function",
  decorators: "decorator",
  type_hint: "type_hints",
  type_annotations: "type_hints",
  annotations: "type_hints",
  typing: "type_hints",
  arrow: "arrow_function",
  arrow_functions: "arrow_function",
  classes: "class",
  template_literals: "template_literal",
  template_string: "template_literal",
  optional_chain: "optional_chaining",
  nullish: "nullish_coalescing",
  interfaces: "interface",
  type: "type_alias",
  types: "type_alias",
  type_aliases: "type_alias",
  generic: "generics",
  try: "try_except",
  try_catch: "try_catch",
  lambdas: "lambda",
  walrus_operator: "walrus",
  assignment_expression: "walrus",
};

/** The canonical name of a construct as a criterion writes it ("List comprehension" → list_comprehension). */
export function constructKey(name: string): string {
  const k = name.trim().toLowerCase().replace(/[\s-]+/g, "_");
  if (k.startsWith("call:") || k.startsWith("new:")) return k;
  const alias = ALIASES[k] ?? k;
  if (CALL_SHORTCUTS.has(alias)) return `call:${alias}`;
  return alias;
}

/** Whether a construct name means something for a language (call:… always does). */
export function isKnownConstruct(name: string, lang: CodeLanguage): boolean {
  const k = constructKey(name);
  if (lang === "python" && k === "try_catch") return true;
  if (lang !== "python" && k === "try_except") return true;
  return k.startsWith("call:") || k.startsWith("new:") || CONSTRUCTS[lang].has(k);
}

/** The construct names a language knows (for docs and error messages). */
export function knownConstructs(lang: CodeLanguage): string[] {
  return [...CONSTRUCTS[lang]].sort();
}

/** Whether a fact satisfies a construct key (calls compare case-insensitively). */
export function factMatches(f: Fact, key: string, lang: CodeLanguage): boolean {
  if (key === "try_catch" || key === "try_except") return f.name === (lang === "python" ? "try_except" : "try_catch");
  if (key.startsWith("call:") || key.startsWith("new:")) return f.name.toLowerCase() === key;
  return f.name === key;
}
