import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderTemplate, templateFields } from "../../../src/servers/index.js";

/** The arguments /bin/sh sees in a rendered command line `args …` (a function printing each, NUL-separated). */
function shellArgs(rendered: string, env: NodeJS.ProcessEnv = {}): string[] {
  const out = execFileSync("/bin/sh", ["-c", `args() { for a in "$@"; do printf '%s\\0' "$a"; done; }; ${rendered}`], {
    env: { PATH: process.env.PATH, HOME: "/home/someone", ...env },
    encoding: "utf8",
  });
  const parts = out.split("\0");
  parts.pop();
  return parts;
}

describe("templateFields", () => {
  it("lists each placeholder once, in order", () => {
    expect(templateFields("vllm serve {model} --max-num-seqs {max_num_seqs} --port {port} --served-model-name {model}")).toEqual(["model", "max_num_seqs", "port"]);
    expect(templateFields("{_a-1}{B}")).toEqual(["_a-1", "B"]);
    expect(templateFields("no fields")).toEqual([]);
  });

  it("reads {{ and }} as literal braces", () => {
    expect(templateFields(`--hf-overrides '{{"max_model_len": {len}}}'`)).toEqual(["len"]);
    expect(templateFields("{{not_a_field}}")).toEqual([]);
  });

  it("refuses unclosed, empty and malformed placeholders, and a lone }", () => {
    expect(() => templateFields("serve {model")).toThrow(/unclosed placeholder "\{model" at column 7/);
    expect(() => templateFields("serve {}")).toThrow(/empty placeholder "\{\}" at column 7/);
    expect(() => templateFields("serve {a b}")).toThrow(/malformed placeholder "\{a " at column 7.*\{\{ and \}\}/);
    expect(() => templateFields("serve {1x}")).toThrow(/malformed placeholder "\{1x\}".*starts with a letter or _/);
    expect(() => templateFields(`--json '{"a": 1}'`)).toThrow(/malformed placeholder/);
    expect(() => templateFields("a } b")).toThrow(/a lone "\}" at column 3: write \}\}/);
    expect(() => templateFields("line one\n  --x {y")).toThrow(/at line 2, column 7/);
  });
});

describe("renderTemplate", () => {
  it("fills numbers, booleans and strings; plain values stay unquoted", () => {
    expect(renderTemplate("vllm serve {m} --max-num-seqs {n} --gpu-memory-utilization {u} --x={b}", { m: "Qwen/Qwen3-8B", n: 64, u: 0.9, b: true })).toBe(
      "vllm serve Qwen/Qwen3-8B --max-num-seqs 64 --gpu-memory-utilization 0.9 --x=true",
    );
    expect(renderTemplate("{{literal}} {a}", { a: "x" })).toBe("{literal} x");
  });

  it("names the missing field and the fields available", () => {
    expect(() => renderTemplate("serve --port {port} {model}", { port: 1, cell: "c" })).toThrow("template field {model} has no value; available: {port}, {cell}");
    expect(() => renderTemplate("echo ${HOME}", {})).toThrow(/\{HOME\} has no value \(for the shell variable \$\{HOME\}, write \$\{\{HOME\}\} or \$HOME\); available: none/);
    // an inherited property is not a value
    expect(() => renderTemplate("{toString}", {})).toThrow(/\{toString\} has no value/);
  });

  it("keeps an injection attempt one argument (checked by running sh)", () => {
    const hostile = "; rm -rf / #";
    const line = renderTemplate("args --name {v} end", { v: hostile });
    expect(line).toBe("args --name '; rm -rf / #' end");
    expect(shellArgs(line)).toEqual(["--name", hostile, "end"]);
    expect(shellArgs(renderTemplate("args {v}", { v: "$(echo pwned) `echo pwned` $HOME it's" }))).toEqual(["$(echo pwned) `echo pwned` $HOME it's"]);
  });

  it("keeps values shell-quote's quote would change under sh: ~, ! with a quote, empty", () => {
    for (const v of ["~", "~/models", "it's!", "!'", ""]) expect(shellArgs(renderTemplate("args {v}", { v }))).toEqual([v]);
  });

  it("escapes for the quotes the template put around a placeholder", () => {
    const v = `a b'c"d$HOME\`e\\f`;
    expect(shellArgs(renderTemplate(`args '{v}' "{v}" x{v}y "pre {v} post" '--flag={v}'`, { v }))).toEqual([v, v, `x${v}y`, `pre ${v} post`, `--flag=${v}`]);
    // JSON in single quotes with a placeholder inside
    expect(shellArgs(renderTemplate(`args '{{"max_model_len": {len}}}'`, { len: 4096 }))).toEqual(['{"max_model_len": 4096}']);
    // inside $( ) nested in double quotes: a fresh command line
    expect(shellArgs(renderTemplate(`args "$(printf '%s' {v})"`, { v }))).toEqual([v]);
    // a comment that contains an apostrophe does not open a quote
    expect(shellArgs(renderTemplate("args {v} # don't\nargs {v}", { v: "a b" }))).toEqual(["a b", "a b"]);
  });

  it("refuses a special value inside backticks or after a backslash, accepts a plain one", () => {
    expect(() => renderTemplate("args `echo {v}`", { v: "a;b" })).toThrow(/inside backticks.*use \$\(…\)/);
    expect(renderTemplate("args `echo {v}`", { v: "ab" })).toBe("args `echo ab`");
    expect(() => renderTemplate("args \\{v}", { v: "a b" })).toThrow(/follows a backslash/);
  });

  it("any value comes back whole from sh, in every quoting context (property)", () => {
    const chars = fc.constantFrom(..." \t\n!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~aZ09é".split(""));
    fc.assert(
      fc.property(fc.array(fc.string({ unit: chars, maxLength: 8 }), { minLength: 1, maxLength: 60 }), (values) => {
        const fields = Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
        const bare = values.map((_, i) => `{v${i}}`).join(" ");
        const single = values.map((_, i) => `'{v${i}}'`).join(" ");
        const double = values.map((_, i) => `"{v${i}}"`).join(" ");
        const got = shellArgs(renderTemplate(`args ${bare} ${single} ${double}`, fields));
        expect(got).toEqual([...values, ...values, ...values]);
      }),
      { numRuns: 15 },
    );
  });

  it("url: percent-encodes values, keeps a whole URL and a bracketed IPv6 host", () => {
    expect(renderTemplate("http://127.0.0.1:{port}/v1?m={m}", { port: 8000, m: "a b/c&d" }, "url")).toBe("http://127.0.0.1:8000/v1?m=a%20b%2Fc%26d");
    expect(renderTemplate("{endpoint}", { endpoint: "http://gpu-1:8000/v1" }, "url")).toBe("http://gpu-1:8000/v1");
    expect(renderTemplate("{endpoint}/health", { endpoint: "http://gpu-1:8000" }, "url")).toBe("http%3A%2F%2Fgpu-1%3A8000/health");
    expect(renderTemplate("http://{host}:{port}/v1", { host: "[::1]", port: 1 }, "url")).toBe("http://[::1]:1/v1");
  });

  it("none: values as they are", () => {
    expect(renderTemplate("{a}-{b}", { a: "x y;", b: 1 }, "none")).toBe("x y;-1");
  });
});
