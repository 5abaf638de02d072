/** Shared helpers for the client unit tests: fixtures and a result without timing noise. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { newResult } from "../../../src/client/assemble.js";
import { ChatStream } from "../../../src/client/stream.js";
import type { ChatResult } from "../../../src/client/types.js";

const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

/** A fixture file's text. */
export function fixture(rel: string): string {
  return readFileSync(FIXTURES + rel, "utf8");
}

/** A fixture file's bytes. */
export function fixtureBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + rel));
}

/**
 * Feeds `pieces` (bytes or text) as successive body chunks, chunk i arriving at time i+1,
 * ends the body at pieces.length+1 and returns the finished result.
 */
export function feed(pieces: (string | Uint8Array)[], secret?: string): ChatResult {
  const r = newResult(true, 0, 0);
  const s = new ChatStream(r, secret);
  let going = true;
  let i = 0;
  for (; i < pieces.length && going; i++) {
    const p = pieces[i]!;
    going = typeof p === "string" ? s.pushText(p, i + 1) : s.push(p, i + 1);
  }
  const err = going ? s.end(i + 1) : s.error;
  s.finish();
  if (err) r.error = err;
  r.ok = err === undefined;
  return r;
}

/** The result minus everything that depends on when bytes arrived. */
export function timeless(r: ChatResult): unknown {
  const { t, chunkTimes, startedAtEpochMs, sentPerfMs, ...rest } = r;
  return { ...rest, nChunks: chunkTimes.length, has: Object.keys(t).sort() };
}

/** Splits `bytes` at the given offsets. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  out.push(bytes.subarray(prev));
  return out;
}
