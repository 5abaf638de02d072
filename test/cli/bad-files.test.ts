/**
 * Bad files given to `shakedown run` (issue 10, items 8 and 9): a bad file in any scenario
 * fails before the first request, with exit 2 and one line naming the scenario and the
 * file; a huge, binary or special file as the suite or a script is refused quickly,
 * without reading it whole and without control bytes in the message.
 */
import { existsSync, mkdirSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/tmp.js";
import { runCli, runCliInProcess, type CliResult } from "./helpers.js";

const work = tempDir("shakedown-bad-files-");
// The refusals run through the CLI's entry point in this process (runCliInProcess: the same
// code, exit code and stderr line as the binary, without a Node start each). A file that
// must not be read at all (the huge sparse file, /dev/zero) goes to the real binary in a
// child process, killed at a time limit: a regression that reads it must fail the test,
// not hang the test process.

function file(name: string, content: string | Uint8Array): string {
  const p = join(work, name);
  writeFileSync(p, content);
  return p;
}

/** A suite on the fast simulator: a short conversation first, then `second`. */
function suite(name: string, second: string): string {
  return file(
    `suite-${name}.yaml`,
    `name: ${name}\ntarget:\n  sim: {profile: fast}\nscenarios:\n  - kind: conversation\n    name: first\n    turns: 1\n    iterations: 1\n    max_tokens: 8\n${second}`,
  );
}

/** Exit 2, one line on stderr, no control byte, nothing sent (no warm-up, no progress), no run folder. */
function expectRefusedBeforeTheRun(r: CliResult, out: string): string {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^shakedown: /);
  expect(r.stderr.trimEnd()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  expect(r.stderr).not.toMatch(/warm-up|\[first\]|at .*\.js:\d+/);
  expect(r.stdout).toBe("");
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  return lines[0]!;
}

const GZIP_SCRIPT = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x1b, 0x5b, 0x32, 0x4a, 0x1b, 0x5d, 0x30, 0x3b, 0x07, 0x00, 0x9b, 0xff, 0x0d, 0x0a]);

describe("shakedown run: bad data in a later scenario fails before the first request", () => {
  it("a suite whose second scenario has a missing dataset fails before the first request", async () => {
    const out = join(work, "runs-missing");
    const s = suite("missing-dataset", "  - kind: load\n    name: replay\n    requests: 5\n    dataset: {source: jsonl, path: does-not-exist.jsonl}\n");
    const r = await runCliInProcess(["run", s, "--out", out], { cwd: work });
    const line = expectRefusedBeforeTheRun(r, out);
    expect(line).toMatch(/^shakedown: scenario "replay" \(load\): JSONL dataset not found: does-not-exist\.jsonl \(looked at .*does-not-exist\.jsonl\); check the dataset path/);
  });

  it("a malformed dataset (a ShareGPT file given as JSONL) in the second scenario fails before the first request", async () => {
    const out = join(work, "runs-malformed-dataset");
    file("conversations.jsonl", '[{"id": "a", "conversations": []}]\n');
    const s = suite("malformed-dataset", "  - kind: load\n    name: replay\n    requests: 5\n    dataset: {source: jsonl, path: conversations.jsonl}\n");
    const line = expectRefusedBeforeTheRun(await runCliInProcess(["run", s, "--out", out], { cwd: work }), out);
    expect(line).toMatch(/scenario "replay" \(load\): conversations\.jsonl:1: an array, not a JSON object/);
  });

  it("a malformed task pack / script in a later scenario fails before the first request", async () => {
    const pack = file("bad-pack.yaml", "name: p\ntitle: P\ntasks:\n  - id: t\n    prompt: 42\n");
    const out = join(work, "runs-pack");
    const s1 = suite("bad-pack", `  - kind: reasoning\n    name: think\n    pack: ${pack}\n`);
    expect(expectRefusedBeforeTheRun(await runCliInProcess(["run", s1, "--out", out]), out)).toMatch(/scenario "think" \(reasoning\): .*bad-pack\.yaml: not a task pack \(tasks\.0\./);

    const script = file("bad-script.yaml", "name: s\ntitle: S\nturns: [\n");
    const s2 = suite("bad-script", `  - kind: conversation\n    name: second\n    script: ${script}\n`);
    expect(expectRefusedBeforeTheRun(await runCliInProcess(["run", s2, "--out", out]), out)).toMatch(/scenario "second" \(conversation\): .*bad-script\.yaml: YAML syntax error: /);
  });

  it("--set can point a scenario at a bad file (refused before the run); --scenario leaves out the bad one", async () => {
    const out = join(work, "runs-set");
    const s = suite("set", "  - kind: load\n    name: replay\n    requests: 2\n");
    file("binary.jsonl", GZIP_SCRIPT);
    const bad = await runCliInProcess(["run", s, "--out", out, "--set", "replay.dataset.source=jsonl", "--set", "replay.dataset.path=binary.jsonl"], { cwd: work });
    expect(expectRefusedBeforeTheRun(bad, out)).toMatch(/scenario "replay" \(load\): binary\.jsonl: not a text file: it seems to be gzip-compressed data/);

    const missing = file("missing-second.yaml", `name: m\ntarget:\n  sim: {profile: fast}\nscenarios:\n  - kind: conversation\n    name: first\n    turns: 1\n    iterations: 1\n    max_tokens: 8\n  - kind: load\n    name: replay\n    dataset: {source: sharegpt, path: nowhere.json}\n`);
    const kept = await runCliInProcess(["run", missing, "--scenario", "first", "--out", out], { cwd: work });
    expect(kept.code, kept.stderr).toBe(0);
  });
});

describe("shakedown run: huge, binary and special files", () => {
  it("a 200 MB suite is refused without reading it", async () => {
    const p = join(work, "huge.json");
    writeFileSync(p, '{"name": "huge", "scenarios": [');
    truncateSync(p, 200 * 1024 * 1024); // sparse: fast, no disk used
    const t0 = performance.now();
    const r = await runCli(["run", p, "--out", join(work, "runs-huge")], { timeoutMs: 30_000 });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(r.signal).toBeNull();
    const line = expectRefusedBeforeTheRun(r, join(work, "runs-huge"));
    expect(line).toBe(
      `shakedown: ${p}: 200 MB, larger than the 8 MB a suite file may be (it was not read); it seems to be binary data (it holds NUL bytes). A suite is a YAML mapping with at least "scenarios:" (see docs/configuration.md)`,
    );
  });

  it("a binary script is refused without control bytes in the message", async () => {
    const script = file("script.yaml", GZIP_SCRIPT);
    const out = join(work, "runs-binary-script");
    const s = suite("binary-script", `  - kind: conversation\n    name: second\n    script: ${script}\n`);
    const line = expectRefusedBeforeTheRun(await runCliInProcess(["run", s, "--out", out]), out);
    expect(line).toMatch(/scenario "second" \(conversation\): .*script\.yaml: not a text file: it seems to be gzip-compressed data \(decompress it first: gunzip\)\. A conversation script is a YAML file/);
  });

  it("a binary suite, random bytes, a directory, /dev/zero, an empty file", async () => {
    const out = join(work, "runs-special");
    const cases: [string, RegExp][] = [
      [file("suite.gz", GZIP_SCRIPT), /suite\.gz: not a text file: it seems to be gzip-compressed data/],
      [file("random.yaml", Buffer.from([0x9b, 0x32, 0x4a, 0x1b, 0x5b, 0x48, 0x00, 0x07, 0xfe, 0x01, 0x02, 0x03])), /random\.yaml: not a text file: it seems to be binary data/],
      [file("empty.yaml", ""), /empty\.yaml: the file is empty; a suite is a YAML mapping with at least "scenarios:"/],
      [work, /is a directory; give the path of a suite file/],
    ];
    if (existsSync("/dev/zero")) cases.push(["/dev/zero", /^shakedown: \/dev\/zero is not a regular file \(a character device, such as \/dev\/zero or a terminal\)/]);
    for (const [path, message] of cases) {
      const run = path === "/dev/zero" ? runCli : runCliInProcess;
      expect(expectRefusedBeforeTheRun(await run(["run", path, "--out", out]), out)).toMatch(message);
    }
  });

  it("a file name with control characters is escaped in the message", async () => {
    const dir = join(work, "names");
    mkdirSync(dir);
    const p = join(dir, "evil\x1b[2J\x07.yaml");
    writeFileSync(p, "");
    const r = await runCliInProcess(["run", p, "--out", join(work, "runs-names")]);
    expect(expectRefusedBeforeTheRun(r, join(work, "runs-names"))).toContain("evil\\x1b[2J\\x07.yaml: the file is empty");
  });
});
