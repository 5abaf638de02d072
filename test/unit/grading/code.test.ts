import { describe, expect, it } from "vitest";
import { guessLanguage, languageBlocks } from "../../../src/grading/code.js";
import { parsePython, parseJs } from "../../../src/grading/code-syntax.js";
import { scanMarkdown } from "../../../src/grading/markdown.js";
import { expectEvidenceInside, grade } from "./helpers.js";

const fence = (tag: string, code: string) => `\`\`\`${tag}\n${code}\n\`\`\``;
const PY = { grader: "code", language: "python" };
const JS = { grader: "code", language: "javascript" };
const TS = { grader: "code", language: "typescript" };

describe("code: extracting blocks", () => {
  it("finds tagged blocks of every spelling", () => {
    for (const tag of ["python", "py", "Python", "python3", "py3"]) expect(languageBlocks(fence(tag, "x = 1"), "python")).toHaveLength(1);
    for (const tag of ["js", "javascript", "jsx", "mjs", "node"]) expect(languageBlocks(fence(tag, "const x = 1;"), "javascript")).toHaveLength(1);
    for (const tag of ["ts", "typescript", "tsx"]) expect(languageBlocks(fence(tag, "const x: number = 1;"), "typescript")).toHaveLength(1);
  });
  it("reads ~~~ fences, longer fences and fences indented in a list item", () => {
    expect(languageBlocks("~~~python\nx = 1\n~~~", "python")).toHaveLength(1);
    expect(languageBlocks("````python\nx = '```'\n````", "python")).toHaveLength(1);
    const nested = "1. Improve it:\n\n   ```python\n   def f(x):\n       return [i for i in x]\n   ```\n";
    const [b] = languageBlocks(nested, "python");
    expect(b?.parse.ok).toBe(true);
    expect(b?.block.code).toBe("def f(x):\n    return [i for i in x]");
  });
  it("guesses untagged blocks by content, and leaves other tags alone", () => {
    expect(guessLanguage("def f(x):\n    return x * 2\n")).toBe("python");
    expect(guessLanguage("const f = (x) => x * 2;\nconsole.log(f(2));")).toBe("javascript");
    expect(guessLanguage("interface A { x: number }\nconst a: A = { x: 1 };")).toBe("typescript");
    expect(guessLanguage("Total: 42 tasks\nDone.")).toBeUndefined();
    expect(languageBlocks(fence("", "def f(x):\n    return x * 2"), "python")).toHaveLength(1);
    expect(languageBlocks(fence("text", "def f(x):\n    return x * 2"), "python")).toHaveLength(0);
    expect(languageBlocks(fence("bash", "python run.py"), "python")).toHaveLength(0);
  });
  it("strips doctest prompts", () => {
    const [b] = languageBlocks(fence("pycon", ">>> x = [i for i in range(3)]\n>>> x\n[0, 1, 2]"), "python");
    expect(b?.parse.ok).toBe(true);
  });
  it("keeps an unclosed block (an answer cut by max_tokens) and says so", () => {
    const { blocks } = scanMarkdown("Here:\n```python\ndef f(:\n");
    expect(blocks[0]?.closed).toBe(false);
    const r = grade(PY, "Here:\n```python\ndef f(:\n");
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/unclosed block/);
  });
});

describe("code: parsing with real parsers", () => {
  it("accepts valid Python, rejects invalid Python", () => {
    expect(parsePython("async def f(x: int) -> list[int]:\n    return [i async for i in x]\n").ok).toBe(true);
    expect(parsePython("match x:\n    case 1:\n        pass\n").ok).toBe(true);
    expect(parsePython("def f(:\n    pass").ok).toBe(false);
    expect(parsePython("if x\n    y()").ok).toBe(false);
    expect(parsePython("x = [1, 2").ok).toBe(false);
    expect(parsePython("def f():\nreturn 1").ok).toBe(false);
  });
  it("rejects what Lezer accepts but Python 3 does not", () => {
    expect(parsePython("print 'hello'").error?.message).toMatch(/Python 2 print/);
    expect(parsePython("x = 1\n    y = 2\n").error?.message).toMatch(/unexpected indent/);
  });
  it("accepts valid JS/TS, rejects invalid", () => {
    expect(parseJs("const {a, ...b} = o; export default async () => a?.b ?? `x${b}`;", "javascript").ok).toBe(true);
    expect(parseJs("const el = <div className='a'>{x}</div>;", "javascript").ok).toBe(true);
    expect(parseJs("return 1;", "javascript").ok).toBe(true);
    expect(parseJs("const x = ;", "javascript").ok).toBe(false);
    expect(parseJs("interface A { x: number }", "javascript").ok).toBe(false);
    expect(parseJs("interface A { x: number }\n@Injectable() class S { constructor(private a: A) {} }", "typescript").ok).toBe(true);
    expect(parseJs("const C = () => <div />;", "typescript").ok).toBe(true);
    const bad = parseJs("function f( {\n  return 1\n}", "typescript");
    expect(bad.ok).toBe(false);
    expect(bad.error?.line).toBe(2);
  });
});

describe("code grader", () => {
  const good = "Improved:\n\n" + fence("python", "LABELS = {'a': 1}\nout = [x * 2 for x in data if x]\nfor i, v in enumerate(out):\n    print(f'{i}: {v}')");
  it("passes with parsing blocks and the named constructs, with evidence spans", () => {
    const r = grade({ ...PY, constructs: ["list_comprehension", "dict_literal", "enumerate", "f_string"] }, good);
    expect(r.pass, r.reason).toBe(true);
    expect(r.evidence.find((e) => e.note === "construct enumerate")?.text).toBe("enumerate(out)");
    expect(r.evidence.find((e) => e.note === "construct f_string")?.text).toBe("f'{i}: {v}'");
    expectEvidenceInside(r, good);
  });
  it("fails and names the missing constructs", () => {
    const r = grade({ ...PY, constructs: ["list_comprehension", "lambda", ["with_statement", "context_manager"]] }, good);
    expect(r.pass).toBe(false);
    expect(r.score).toBeCloseTo(1 / 3); // the parts multiply: a block that parses, a third of the constructs
    expect(r.reason).toMatch(/missing lambda, with_statement\|context_manager/);
  });
  it("false positive: a construct named in prose or a comment does not count", () => {
    const text = "Use a list comprehension here.\n" + fence("python", "# [x for x in y]\nresult = []\nfor x in y:\n    result.append(x)");
    expect(grade({ ...PY, constructs: ["list_comprehension"] }, text).pass).toBe(false);
  });
  it("false positive: a dict comprehension is not a dict literal, a generator is not a list comprehension", () => {
    const text = fence("python", "d = {k: v for k, v in pairs}\ntotal = sum(x for x in xs)");
    const r = grade({ ...PY, constructs: ["dict_literal", "list_comprehension", "dict_comprehension", "generator_expression"] }, text);
    expect(r.reason).toMatch(/constructs 2\/4 \(found dict_comprehension, generator_expression\), missing dict_literal, list_comprehension/);
  });
  it("fails when a block does not parse, and says where", () => {
    const text = fence("python", "def f(x):\n    return [x for x in]\n");
    const r = grade(PY, text);
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/block 1: invalid syntax at block line 2:/);
  });
  it("must_parse: false lets a broken block count", () => {
    expect(grade({ ...PY, must_parse: false, constructs: ["list_comprehension"] }, fence("python", "x = [i for i in y]\ndef broken(:")).pass).toBe(true);
  });
  it("min_blocks", () => {
    expect(grade({ ...PY, min_blocks: 2 }, good).score).toBe(0.5); // half the blocks, all of them parse
    const r = grade(PY, "No code here, only ```bash blocks:\n" + fence("bash", "ls"));
    expect(r.pass).toBe(false);
    expect(r.reason).toMatch(/no python block \(blocks seen: ```bash\)/);
    expect(grade({ ...PY, min_blocks: 0 }, "no code").pass).toBe(true);
  });
  it("gives code that does not parse nothing: no credit for the block, none for its constructs (issue 11)", () => {
    // Word-shuffled or cut code still holds the right tokens; with must_parse it earns nothing.
    const shuffled = fence("python", "orders in o for [o[\"id\"] result = if o[\"paid\"]]\nsum(r for r) total =");
    const r = grade({ ...PY, constructs: ["/sum\\(/", "list_comprehension"] }, shuffled);
    expect(r.pass).toBe(false);
    expect(r.score).toBe(0);
    expect(r.reason).toMatch(/constructs 0\/2/);
    // with must_parse: false, the constructs of a block that does not parse still count
    expect(grade({ ...PY, must_parse: false, constructs: ["/sum\\(/"] }, shuffled).pass).toBe(true);
  });
  it("regex constructs run on the code text", () => {
    expect(grade({ ...PY, constructs: ["/\\.get\\(/"] }, fence("py", "v = d.get('k', 0)")).pass).toBe(true);
    expect(grade({ ...PY, constructs: ["/\\.get\\(/"] }, "d.get('k')\n" + fence("py", "v = d['k']")).pass).toBe(false);
  });
  it("JavaScript and TypeScript constructs", () => {
    const js = fence("js", "const load = async ({ id }) => { const r = await fetch(`/api/${id}`); return r?.body ?? null; };\nclass Store {}\nconst xs = [1, 2].map((x) => x * 2);");
    const r = grade({ ...JS, constructs: ["arrow_function", "async_function", "destructuring", "template_literal", "optional_chaining", "nullish_coalescing", "class", "map", "call:fetch", "await"] }, js);
    expect(r.pass, r.reason).toBe(true);
    const ts = fence("ts", "interface User { id: number }\ntype Id = User['id'];\nenum Role { Admin }\nfunction first<T>(xs: T[]): T | undefined { return xs[0]; }\nconst cfg = { a: 1 } as const;");
    const t = grade({ ...TS, constructs: ["interface", "type_alias", "enum", "generics", "type_annotation", "union_type", "as_const"] }, ts);
    expect(t.pass, t.reason).toBe(true);
  });
  it("a TypeScript criterion does not take a ```js block, but takes untagged JavaScript-looking code", () => {
    expect(grade(TS, fence("js", "const x = 1;")).pass).toBe(false);
    expect(grade(TS, fence("", "const x = 1;\nconsole.log(x);")).pass).toBe(true);
  });
  it("an unknown construct name is an error, not a fail", () => {
    const r = grade({ ...PY, constructs: ["list_comprehensionz"] }, good);
    expect(r.error).toMatch(/unknown python construct 'list_comprehensionz'/);
    expect(grade({ ...JS, constructs: ["list_comprehension"] }, good).error).toMatch(/unknown javascript construct/);
  });
  it("construct names are forgiving about spelling", () => {
    expect(grade({ ...PY, constructs: ["List comprehension", "dict-literal", "f-string"] }, good).pass).toBe(true);
  });
});
