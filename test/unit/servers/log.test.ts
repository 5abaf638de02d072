import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redactor } from "../../../src/client/redact.js";
import { lastMeaningfulLine, oomEvidence, redactFileSync } from "../../../src/servers/log.js";
import { describeCrash, describeFailure, exitText, seconds } from "../../../src/servers/wait.js";

const ctx = { who: 'server "vllm"', url: "http://user:pw@127.0.0.1:8000/health?x=1", startupTimeoutMs: 600_000, elapsedMs: 4200 };

describe("reading a server's log", () => {
  it("finds the out-of-memory line, most specific pattern first", () => {
    expect(oomEvidence("INFO loading\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB\nINFO shutting down\n")).toBe(
      "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    );
    expect(oomEvidence("ValueError: out of memory while building the graph\n")).toBe("ValueError: out of memory while building the graph");
    expect(oomEvidence("OSError: [Errno 12] Cannot allocate memory\n")).toBe("OSError: [Errno 12] Cannot allocate memory");
    expect(oomEvidence("2026-01-01T00:00:00Z state: OOMKilled\n")).toBe("2026-01-01T00:00:00Z state: OOMKilled");
    expect(oomEvidence("RuntimeError: something else\n")).toBeUndefined();
    // control bytes escaped, colours dropped
    expect(oomEvidence("\u001b[31mCUDA out of memory\u0007 here\u001b[0m\n")).toBe("CUDA out of memory\\x07 here");
  });

  it("the last meaningful line: an error line over trailing noise, shakedown's notes left out", () => {
    const log = [
      "[shakedown 2026-01-01T00:00:00.000Z] starting: vllm serve m",
      "INFO 01-01 engine starting",
      "Traceback (most recent call last):",
      '  File "x.py", line 1, in <module>',
      "ValueError: max_model_len 131072 is larger than the model's 40960",
      "[rank0]: destroying process group",
      "",
      "[shakedown 2026-01-01T00:00:09.000Z] start failed: …",
    ].join("\n");
    expect(lastMeaningfulLine(log)).toBe("ValueError: max_model_len 131072 is larger than the model's 40960");
    expect(lastMeaningfulLine("INFO a\nINFO b\n")).toBe("INFO b");
    expect(lastMeaningfulLine("[shakedown x] only a note\n\n")).toBeUndefined();
    expect(lastMeaningfulLine("error: " + "x".repeat(500))?.length).toBe(241);
  });
});

describe("the sentences of a failure", () => {
  it("exit texts: codes, signals, a SIGKILL that was not ours", () => {
    expect(exitText({ code: 1, signal: null })).toBe("exited with code 1");
    expect(exitText({ code: 139, signal: null })).toBe("exited with code 139 (128 + SIGSEGV: killed by SIGSEGV)");
    expect(exitText({ code: null, signal: "SIGKILL" }, true)).toBe("was killed by SIGKILL (the kernel's out-of-memory killer?)");
    expect(exitText({ code: 137, signal: null }, true)).toBe("exited with code 137 (128 + SIGKILL: killed by SIGKILL, the kernel's out-of-memory killer?)");
    expect(exitText({ code: null, signal: "SIGKILL" })).toBe("was killed by SIGKILL");
    expect(seconds(30)).toBe("0.03 s");
    expect(seconds(1500)).toBe("1.5 s");
    expect(seconds(600_000)).toBe("600 s");
  });

  it("names the server, the URL without credentials, the timeout and the evidence", () => {
    expect(describeFailure({ kind: "timeout", last: "HTTP 503" }, { ...ctx, tail: "INFO loading weights\n" })).toEqual({
      kind: "timeout",
      reason: 'server "vllm" did not answer http://127.0.0.1:8000/health with a 2xx status within 600 s (last answer: HTTP 503); it was stopped; last log line: "INFO loading weights"',
    });
    expect(describeFailure({ kind: "timeout", last: "connection refused" }, { ...ctx, tail: "torch.OutOfMemoryError: CUDA out of memory\n" }).kind).toBe("oom");
    expect(describeFailure({ kind: "exited", exit: { code: null, signal: "SIGKILL" }, answered: false }, { ...ctx, tail: "" })).toEqual({
      kind: "oom",
      reason: `server "vllm" was killed by SIGKILL (the kernel's out-of-memory killer?) before it answered http://127.0.0.1:8000/health (4.2 s after start); its log is empty`,
    });
    expect(describeFailure({ kind: "exited", exit: { code: 127, signal: null }, answered: false }, { ...ctx, tail: "bash: line 1: vllmx: command not found\n" }).reason).toBe(
      'server "vllm" could not start: the shell could not find "vllmx" (exit code 127, command not found); check the command and PATH',
    );
    expect(describeFailure({ kind: "exited", exit: { code: 126, signal: null }, answered: false }, { ...ctx, tail: "sh: 1: ./serve.sh: Permission denied\n" }).reason).toBe(
      'server "vllm" could not start: the shell exited with code 126 (found, but not executable: permission denied?): "sh: 1: ./serve.sh: Permission denied"',
    );
    expect(describeCrash('server "vllm"', { code: 1, signal: null }, 12 * 60_000, "RuntimeError: CUDA error: an illegal memory access\n")).toBe(
      'server "vllm" exited with code 1 while it was serving (12 min after it was healthy); last log line: "RuntimeError: CUDA error: an illegal memory access"',
    );
  });
});

describe("redactFileSync", () => {
  const dir = mkdtempSync(join(tmpdir(), "shakedown-redact-"));
  const secret = "sk-abcdefghijklmnop0123456789";

  it("rewrites every line holding the secret, across 1 MiB chunks, and keeps the rest byte for byte", () => {
    const path = join(dir, "big.log");
    // Lines of 100 bytes, the secret on a line that straddles the first 1 MiB read.
    const lines = Array.from({ length: 25_000 }, (_, i) => (i === 10_485 || i === 24_999 ? `key ${secret} line ${i}` : `INFO line ${i} `.padEnd(99, "x")));
    writeFileSync(path, lines.join("\n") + "\n");
    redactFileSync(path, redactor([secret]));
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(secret);
    expect(text.split("\n")[10_485]).toBe("key [REDACTED] line 10485");
    expect(text.split("\n")[24_999]).toBe("key [REDACTED] line 24999");
    expect(text.split("\n")[10_484]).toBe(lines[10_484]);
  });

  it("leaves a file without the secret untouched (not even rewritten), and never throws", () => {
    const path = join(dir, "clean.log");
    writeFileSync(path, Buffer.from([0x49, 0x4e, 0xff, 0xfe, 0x0a])); // invalid UTF-8 stays as it is
    const before = statSync(path).ino;
    redactFileSync(path, redactor([secret]));
    expect(readFileSync(path)).toEqual(Buffer.from([0x49, 0x4e, 0xff, 0xfe, 0x0a]));
    expect(statSync(path).ino).toBe(before);
    expect(() => redactFileSync(join(dir, "missing.log"), redactor([secret]))).not.toThrow();
  });
});
