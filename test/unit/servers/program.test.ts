import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandProgram, programExists } from "../../../src/servers/index.js";
import { tempDir } from "../../helpers/tmp.js";

describe("commandProgram", () => {
  it("is the first word after assignments", () => {
    expect(commandProgram("vllm serve Qwen/Qwen3-8B --port 8000")).toBe("vllm");
    expect(commandProgram(`CUDA_VISIBLE_DEVICES=0 HF_HOME="/data/hf cache" /opt/venv/bin/python -m vllm.entrypoints.openai.api_server`)).toBe("/opt/venv/bin/python");
    expect(commandProgram(`"/opt/my tools/serve" -x`)).toBe("/opt/my tools/serve");
    expect(commandProgram("exec vllm serve m")).toBe("vllm");
    expect(commandProgram("exec -a name llama-server -m x")).toBe("llama-server");
    expect(commandProgram("cd /srv && vllm serve m")).toBe("cd");
    expect(commandProgram("./run.sh 2>&1 | tee log")).toBe("./run.sh");
  });

  it("is undefined for shell syntax, variables and what cannot be checked", () => {
    for (const c of ["(cd x; vllm serve)", "{ vllm serve; }", "if true; then vllm; fi", "$VLLM serve", "${BIN}/vllm serve", "# comment", "*.sh", "", "   ", "FOO=1", "eval \"$CMD\"", "! vllm"]) {
      expect(commandProgram(c), c).toBeUndefined();
    }
  });
});

describe("programExists", () => {
  const dir = tempDir();
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "fake-server"), "#!/bin/sh\n");
  chmodSync(join(bin, "fake-server"), 0o755);
  writeFileSync(join(bin, "not-executable"), "data");
  chmodSync(join(bin, "not-executable"), 0o644);
  mkdirSync(join(bin, "a-folder"));
  const env = { PATH: `/nonexistent:${bin}`, HOME: dir };

  it("finds a name on env.PATH, an executable path, and builtins", () => {
    expect(programExists("fake-server", env)).toBe(true);
    expect(programExists(join(bin, "fake-server"), env)).toBe(true);
    expect(programExists("bin/fake-server", env, dir)).toBe(true);
    expect(programExists("./bin/fake-server", env, dir)).toBe(true);
    expect(programExists("~/bin/fake-server", env)).toBe(true);
    for (const b of ["cd", "exec", "export", "source", ".", "true"]) expect(programExists(b, { PATH: "" })).toBe(true);
    expect(programExists("sh")).toBe(true);
  });

  it("refuses what is absent, not executable or a folder", () => {
    expect(programExists("vllm-that-is-not-here", env)).toBe(false);
    expect(programExists("not-executable", env)).toBe(false);
    expect(programExists(join(bin, "not-executable"), env)).toBe(false);
    expect(programExists("a-folder", env)).toBe(false);
    expect(programExists(join(bin, "a-folder"), env)).toBe(false);
    expect(programExists("fake-server", { PATH: "/nonexistent" })).toBe(false);
    expect(programExists("")).toBe(false);
  });
});
