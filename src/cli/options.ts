/** Parsers for option values shared by several commands. */
import { InvalidArgumentError } from "commander";
import { SIM_PROFILES, type SimKnobs } from "../config/schema.js";

export function onOff(v: string): boolean {
  if (/^(on|true|yes|1)$/i.test(v)) return true;
  if (/^(off|false|no|0)$/i.test(v)) return false;
  throw new InvalidArgumentError("expected on or off.");
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer.");
  return n;
}

/** A comma-separated list of positive integers: "1,64,256". */
export function positiveIntList(v: string): number[] {
  const parts = v.split(",").map((x) => x.trim());
  if (parts.length === 0 || parts.some((x) => !/^\d+$/.test(x) || Number(x) <= 0))
    throw new InvalidArgumentError("expected positive integers separated by commas, e.g. 1,64,256.");
  return parts.map(Number);
}

export function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number 0-65535 (0 = any free port).");
  return n;
}

export function fraction(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("expected a number between 0 and 1.");
  return n;
}

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number.");
  return n;
}

export function nonNegativeNumber(v: string): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("expected a number >= 0.");
  return n;
}

export function integer(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

export function profile(v: string): (typeof SIM_PROFILES)[number] {
  if ((SIM_PROFILES as readonly string[]).includes(v)) return v as (typeof SIM_PROFILES)[number];
  throw new InvalidArgumentError(`expected one of ${SIM_PROFILES.join(", ")}.`);
}

export function toolParser(v: string): "hermes" | "none" {
  if (v === "hermes" || v === "none") return v;
  throw new InvalidArgumentError("expected hermes or none.");
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** Simulator knob flags, camelCased by commander. */
export interface SimFlags {
  profile?: SimKnobs["profile"];
  prefixCaching?: boolean;
  chunkedPrefill?: boolean;
  maxNumSeqs?: number;
  failRate?: number;
  timeScale?: number;
  seed?: number;
  scriptedAnswers?: boolean;
  toolParser?: "hermes" | "none";
  slowdownPerHour?: number;
  leakMbPerHour?: number;
  answerChangeAfter?: number;
  fakeGpu?: boolean;
}

export function simKnobsFromFlags(f: SimFlags & { simApiKey?: string }): Partial<SimKnobs> {
  const k: Partial<SimKnobs> = {};
  if (f.profile !== undefined) k.profile = f.profile;
  if (f.prefixCaching !== undefined) k.prefix_caching = f.prefixCaching;
  if (f.chunkedPrefill !== undefined) k.chunked_prefill = f.chunkedPrefill;
  if (f.maxNumSeqs !== undefined) k.max_num_seqs = f.maxNumSeqs;
  if (f.failRate !== undefined) k.fail_rate = f.failRate;
  if (f.timeScale !== undefined) k.time_scale = f.timeScale;
  if (f.seed !== undefined) k.seed = f.seed;
  if (f.simApiKey !== undefined) k.api_key = f.simApiKey;
  if (f.scriptedAnswers !== undefined) k.scripted_answers = f.scriptedAnswers;
  if (f.toolParser !== undefined) k.tool_parser = f.toolParser;
  if (f.slowdownPerHour !== undefined) k.slowdown_per_hour = f.slowdownPerHour;
  if (f.leakMbPerHour !== undefined) k.leak_mb_per_hour = f.leakMbPerHour;
  if (f.answerChangeAfter !== undefined) k.answer_change_after = f.answerChangeAfter;
  if (f.fakeGpu !== undefined) k.fake_gpu = f.fakeGpu;
  return k;
}

/** The command-line flags that set these knobs (for messages), e.g. ["--profile", "--fake-gpu"]. */
export function simFlagNames(k: Partial<SimKnobs>): string[] {
  return Object.keys(k).map((key) => (key === "api_key" ? "--sim-api-key" : `--${key.replace(/_/g, "-")}`));
}

/** `--gpu`: off, nvidia-smi, a DCGM exporter's metrics URL, or cmd:<a command printing nvidia-smi's query CSV>. */
export function gpuFlag(v: string): { source: "off" | "nvidia-smi" | "dcgm" | "command"; url?: string; command?: string } {
  if (v === "off" || v === "nvidia-smi") return { source: v };
  if (/^https?:\/\//i.test(v)) return { source: "dcgm", url: v };
  if (v.startsWith("cmd:") && v.slice(4).trim() !== "") return { source: "command", command: v.slice(4).trim() };
  throw new InvalidArgumentError(
    'expected off, nvidia-smi, a DCGM exporter URL (http://host:9400/metrics) or cmd:COMMAND (e.g. "cmd:ssh gpu1 nvidia-smi --query-gpu={fields} --format=csv,noheader,nounits -lms {interval_ms}").',
  );
}

/** --target, --model and --api-key-env, as the flags of the commands that aim at a server give them. */
export interface TargetFlags {
  target?: string;
  model?: string;
  apiKeyEnv?: string;
}

/** The target part of resolveSuite's input from those flags (only the ones given). */
export function targetFromFlags(flags: TargetFlags): { url?: string; model?: string; apiKeyEnv?: string } {
  return {
    ...(flags.target !== undefined ? { url: flags.target } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(flags.apiKeyEnv !== undefined ? { apiKeyEnv: flags.apiKeyEnv } : {}),
  };
}
