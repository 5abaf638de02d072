/**
 * validateScenario reads and checks every file a scenario will read (datasets, scripts,
 * task and tool packs, cache documents) before the run starts, and names the scenario and
 * the file when one is bad.
 */
import { execFileSync } from "node:child_process";
import { truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { suiteSchema, type ScenarioConfig } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/errors.js";
import { validateScenario } from "../../../src/scenarios/registry.js";
import { loadDataset, validateDataset } from "../../../src/workload/datasets.js";
import { tempDir } from "../../helpers/tmp.js";

const dir = tempDir("shakedown-validate-");
function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** A scenario with its defaults, as the suite schema fills them. */
function scenario(s: Record<string, unknown>): ScenarioConfig {
  return suiteSchema.parse({ scenarios: [s] }).scenarios[0]!;
}

function refusal(s: Record<string, unknown>): string {
  let thrown: unknown;
  try {
    validateScenario(scenario(s));
  } catch (e) {
    thrown = e;
  }
  expect(thrown, "expected validateScenario to refuse").toBeInstanceOf(ConfigError);
  const message = (thrown as ConfigError).message;
  expect((thrown as ConfigError).exitCode).toBe(2);
  expect(message.split("\n")).toHaveLength(1);
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  return message;
}

const GZIP = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0x9b, 0x0d, 0xff]);
const entry = (i: number, value = `Question number ${i}: what is the answer to this one?`) => ({ id: `e${i}`, conversations: [{ from: "human", value }, { from: "gpt", value: `The answer to question ${i} is forty-two.` }] });
const jsonLine = (i: number) => JSON.stringify({ prompt: `Prompt number ${i}, please answer briefly.` });

describe("load: the dataset is checked whole before the run", () => {
  const load = (dataset: Record<string, unknown>, over: Record<string, unknown> = {}) => ({ kind: "load", name: "replay", requests: 2, dataset, ...over });

  it("a missing file names the scenario and the file", () => {
    expect(refusal(load({ source: "jsonl", path: join(dir, "nope.jsonl") }))).toMatch(/^scenario "replay" \(load\): JSONL dataset not found: .*nope\.jsonl \(looked at /);
    expect(refusal(load({ source: "sharegpt", path: join(dir, "nope.json") }))).toMatch(/^scenario "replay" \(load\): ShareGPT dataset not found: .*nope\.json/);
  });

  it("a directory, a device, a binary or compressed file", () => {
    expect(refusal(load({ source: "jsonl", path: dir }))).toMatch(/is a directory; give the path of a JSONL dataset$/);
    expect(refusal(load({ source: "sharegpt", path: "/dev/zero" }))).toMatch(/\/dev\/zero is not a regular file \(a character device/);
    const gz = file("sharegpt.json.gz", GZIP);
    expect(refusal(load({ source: "sharegpt", path: gz }))).toMatch(/sharegpt\.json\.gz: not a text file: it seems to be gzip-compressed data \(decompress it first: gunzip\)\. A ShareGPT file is one JSON array/);
    expect(refusal(load({ source: "jsonl", path: file("png.jsonl", Buffer.from("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "latin1")) }))).toMatch(/not a text file: it seems to be a PNG image/);
  });

  it("an empty file, and a blank one", () => {
    expect(refusal(load({ source: "jsonl", path: file("empty.jsonl", "") }))).toMatch(/empty\.jsonl: the file is empty; a JSONL dataset has one prompt a line/);
    expect(refusal(load({ source: "jsonl", path: file("blank.jsonl", "\n  \n\n") }))).toMatch(/blank\.jsonl: no prompts \(the file is blank\)/);
    expect(refusal(load({ source: "sharegpt", path: file("blank.json", "  \n") }))).toMatch(/blank\.json: empty file; a ShareGPT file is one JSON array/);
  });

  it("a file larger than the dataset limit is refused before it is read (sparse: no disk used)", () => {
    const p = join(dir, "huge.jsonl");
    writeFileSync(p, jsonLine(1) + "\n");
    truncateSync(p, 1025 * 1024 * 1024);
    expect(refusal(load({ source: "jsonl", path: p }))).toMatch(/huge\.jsonl: 1074790400 bytes, larger than the 1073741824 bytes a JSONL dataset may be \(it was not read\); it seems to be /);
  });

  it("a bad ShareGPT entry far past the entries the load would read is found", () => {
    const entries: unknown[] = Array.from({ length: 3000 }, (_, i) => entry(i));
    entries[2999] = { id: "broken", turns: [] };
    const p = file("late-bad.json", `[${entries.map((e) => JSON.stringify(e)).join(",\n")}]`);
    // The load of 2 requests never reaches it…
    return loadDataset({ source: "sharegpt", path: p, seed: 1 }, 2).then(() => {
      // …but validation reads every entry.
      expect(refusal(load({ source: "sharegpt", path: p }))).toMatch(/^scenario "replay" \(load\): .*late-bad\.json:3000: entry 3000 has no "conversations" array/);
    });
  });

  it.each([
    ["truncated", `[${JSON.stringify(entry(1))},\n${JSON.stringify(entry(2)).slice(0, 30)}`, /truncated\.json:2: the file ends inside the JSON array/],
    ["jsonl-as-sharegpt", `${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}\n`, /jsonl-as-sharegpt\.json:1: a JSON object; .*jsonl source/],
    ["bad-syntax", `[${JSON.stringify(entry(1))},\n{"id": "x", "conversations": [1 2]}]`, /bad-syntax\.json:2: entry 2 is not valid JSON/],
    ["control-in-string", `[${JSON.stringify(entry(1))},\n{"id": "x\x1b[2J\x07", "conversations": []}]`, /control-in-string\.json:2: entry 2 is not valid JSON \(Bad control character/],
    ["no-usable", JSON.stringify([{ id: "a", conversations: [{ from: "human", value: "hi" }] }, { id: "b", conversations: [{ from: "gpt", value: "x" }, { from: "gpt", value: "y" }] }]), /no-usable\.json: no usable conversation among 2 entries \(skipped: 1 fewer than 2 turns, 1 no human turn followed by a reply\)/],
  ])("ShareGPT %s", (name, text, message) => {
    expect(refusal(load({ source: "sharegpt", path: file(`${name}.json`, text) }))).toMatch(message);
  });

  it("a ShareGPT entry that is not UTF-8 past the first 8 KiB names its line", () => {
    const good = Array.from({ length: 200 }, (_, i) => JSON.stringify(entry(i))).join(",\n");
    const p = file("latin1.json", Buffer.concat([Buffer.from(`[${good},\n`), Buffer.from(JSON.stringify(entry(200, "caf\u00e9 au lait, s'il vous pla\u00eet")), "latin1"), Buffer.from("]")]));
    expect(refusal(load({ source: "sharegpt", path: p }))).toMatch(/latin1\.json:201: entry 201 is not UTF-8 text \(byte 0xE9\); save the file as UTF-8/);
  });

  it("length filters: checked with the approx tokenizer when it is named; a real tokenizer's are left to the load", () => {
    const p = file("short.json", JSON.stringify([entry(1, "Hi"), entry(2, "Yo")]));
    expect(refusal(load({ source: "sharegpt", path: p, tokenizer: "approx" }))).toMatch(/no usable conversation among 2 entries \(skipped: 2 prompt under 4 tokens\)/);
    expect(() => validateScenario(scenario(load({ source: "sharegpt", path: p, tokenizer: "auto" })))).not.toThrow();
  });

  it.each([
    ["bad-json", `${jsonLine(1)}\n{"prompt": "x"\n`, /bad-json\.jsonl:2: not JSON/],
    ["bad-shape", `${jsonLine(1)}\n${jsonLine(2)}\n{"text": "x"}\n`, /bad-shape\.jsonl:3: neither "prompt" nor "messages"/],
    ["bad-role", `{"messages": [{"role": "robot\u202e\u0085", "content": "x"}]}\n`, /bad-role\.jsonl:1: messages\[0\]: role must be "system", "user" or "assistant", found "robot\\u202e\\x85"/],
    ["crlf-then-bad", `${jsonLine(1)}\r\n${jsonLine(2)}\r\n[1]\r\n`, /crlf-then-bad\.jsonl:3: an array, not a JSON object/],
  ])("JSONL %s", (name, text, message) => {
    expect(refusal(load({ source: "jsonl", path: file(`${name}.jsonl`, text) }))).toMatch(message);
  });

  it("a bad JSONL line deep in a large file, and bytes that are not UTF-8, name their line", () => {
    const lines = Array.from({ length: 120_000 }, (_, i) => jsonLine(i));
    lines[99_999] = '{"prompt": 42}';
    expect(refusal(load({ source: "jsonl", path: file("deep.jsonl", lines.join("\n")) }))).toMatch(/deep\.jsonl:100000: "prompt" must be a non-empty string, found a number/);
    lines[99_999] = jsonLine(99_999);
    const bytes = Buffer.concat([Buffer.from(lines.join("\n") + "\n"), Buffer.from('{"prompt": "caf\xe9"}\n', "latin1")]);
    expect(refusal(load({ source: "jsonl", path: file("latin1.jsonl", bytes) }))).toMatch(/latin1\.jsonl:120001: not UTF-8 text; save the file as UTF-8/);
  });

  it("synthetic: prompts too short for the shared prefix and the nonce, with a real or auto tokenizer", () => {
    expect(refusal(load({ source: "synthetic", tokenizer: "qwen3", prefix_tokens: 64 }, { input_tokens: 64 }))).toMatch(
      /^scenario "replay" \(load\): dataset: prompts of 64 tokens .* cannot hold the shared prefix \(64 tokens\) and the 1-token nonce .*raise input_tokens to at least 65/,
    );
    expect(refusal(load({ source: "synthetic", prefix_tokens: 10 }, { input_tokens: 10 }))).toMatch(/cannot hold the shared prefix/);
    expect(() => validateScenario(scenario(load({ source: "synthetic", tokenizer: "approx", prefix_tokens: 10 }, { input_tokens: 10 })))).not.toThrow();
    expect(() => validateScenario(scenario(load({ source: "synthetic", tokenizer: "qwen3" })))).not.toThrow();
  });

  it("good files pass, and the load reuses what validation read while the file is unchanged", async () => {
    const p = file("good.jsonl", [1, 2, 3].map(jsonLine).join("\n") + "\n");
    utimesSync(p, 1_700_000_000, 1_700_000_000);
    validateDataset({ source: "jsonl", path: p, seed: 0 }, 3);
    // Same size and modification time, other text: the load takes the entries validation kept…
    writeFileSync(p, [7, 8, 9].map(jsonLine).join("\n") + "\n");
    utimesSync(p, 1_700_000_000, 1_700_000_000);
    const first = await loadDataset({ source: "jsonl", path: p, seed: 0 }, 3);
    expect(first.get(0).messages[0]!.content).toMatch(/Prompt number [123],/);
    // …once: a second load reads the file.
    const second = await loadDataset({ source: "jsonl", path: p, seed: 0 }, 3);
    expect(second.get(0).messages[0]!.content).toMatch(/Prompt number [789],/);

    const s = file("good.json", JSON.stringify(Array.from({ length: 50 }, (_, i) => entry(i))));
    validateScenario(scenario(load({ source: "sharegpt", path: s })));
    const ds = await loadDataset({ source: "sharegpt", path: s, seed: 0 }, 5);
    expect(ds.info).toMatchObject({ entries: 50, used: 5 });
  });

  it("the built-in example dataset passes", () => {
    expect(() => validateScenario(scenario(load({ source: "jsonl", path: "suites/datasets/example.jsonl" })))).not.toThrow();
  });
});

describe("other kinds: their files are checked the same way", () => {
  it("conversation: a binary, empty, malformed or control-character script", () => {
    const conv = (script: string) => ({ kind: "conversation", name: "chat", turns: 2, script });
    const gz = file("script.yaml", GZIP);
    expect(refusal(conv(gz))).toMatch(/^scenario "chat" \(conversation\): .*script\.yaml: not a text file: it seems to be gzip-compressed data.*A conversation script is a YAML file/);
    expect(refusal(conv(file("empty-script.yaml", "")))).toMatch(/empty-script\.yaml: the file is empty; a conversation script is a YAML file/);
    expect(refusal(conv(file("shape-script.yaml", "name: x\nturns: 3\n")))).toMatch(/shape-script\.yaml: not a conversation script/);
    expect(refusal(conv(file("esc-script.yaml", "name: x\ntitle: y\nturns: [\"a\x1b[31m\", b]\n")))).toMatch(/esc-script\.yaml:3:11: control character U\+001B \(ESC\)/);
    expect(refusal(conv("no-such-script"))).toMatch(/^scenario "chat" \(conversation\): conversation script "no-such-script" is neither a built-in script/);
  });

  it("conversation: a script larger than 8 MB is refused before it is read", () => {
    const p = join(dir, "huge-script.yaml");
    writeFileSync(p, "name: x\ntitle: y\nturns:\n");
    truncateSync(p, 9 * 1024 * 1024);
    expect(refusal({ kind: "conversation", script: p })).toMatch(/huge-script\.yaml: 9 MB, larger than the 8 MB a conversation script may be \(it was not read\)/);
  });

  it("conversation: a FIFO as the script does not hang", () => {
    const fifo = join(dir, "script-fifo.yaml");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return;
    }
    expect(refusal({ kind: "conversation", script: fifo })).toMatch(/script-fifo\.yaml is not a regular file \(a named pipe \(FIFO\)\)/);
  });

  it("reasoning: a binary or malformed task pack", () => {
    expect(refusal({ kind: "reasoning", name: "think", pack: file("pack.yaml", GZIP) })).toMatch(/^scenario "think" \(reasoning\): .*pack\.yaml: not a text file: it seems to be gzip-compressed data.*A task pack is a YAML file/);
    expect(refusal({ kind: "reasoning", pack: file("bad-pack.yaml", "name: p\ntasks: nope\n") })).toMatch(/bad-pack\.yaml: not a task pack/);
    expect(refusal({ kind: "reasoning", pack: file("syntax-pack.yaml", "name: p\ntasks: [\n") })).toMatch(/syntax-pack\.yaml: YAML syntax error/);
  });

  it("tools: a binary or empty case pack", () => {
    expect(refusal({ kind: "tools", name: "calls", pack: file("tools.yaml", Buffer.from("SQLite format 3\x00\x10\x00\x01\x01\x00\x40\x20\x20", "latin1")) })).toMatch(
      /^scenario "calls" \(tools\): .*tools\.yaml: not a text file: it seems to be an SQLite database/,
    );
    expect(refusal({ kind: "tools", pack: file("empty-tools.yaml", "") })).toMatch(/empty-tools\.yaml: the file is empty; a tool-case pack is a YAML file/);
  });

  it("cache: a binary, device or missing document", () => {
    expect(refusal({ kind: "cache", name: "kv", document: file("doc.pdf", "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n") })).toMatch(/^scenario "kv" \(cache\): .*doc\.pdf: not a text file: it seems to be a PDF document/);
    expect(refusal({ kind: "cache", document: "/dev/zero" })).toMatch(/^scenario "cache" \(cache\): document "\/dev\/zero" is not a readable file|\/dev\/zero is not a regular file/);
    expect(refusal({ kind: "cache", document: join(dir, "missing.md") })).toMatch(/^scenario "cache" \(cache\): document ".*missing\.md" is not a readable file/);
  });

  it("a message that already names the scenario is not named twice", () => {
    expect(refusal({ kind: "cache", name: "kv", probes: ["continued", "continued"] })).toMatch(/^scenario "kv": probe "continued" is listed twice/);
  });
});
