import { describe, expect, it } from "vitest";
import { DeferredParser } from "../../../src/client/deferred-parse.js";

const tick = () => new Promise((r) => setImmediate(r));
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("DeferredParser (stamp on read, parse later)", () => {
  it("queues reads with their arrival times and parses them after the I/O phase, in order, every stream", async () => {
    const seen: string[] = [];
    const a = new DeferredParser((b, at) => (seen.push(`a:${text(b)}@${at}`), true), () => undefined);
    const b = new DeferredParser((x, at) => (seen.push(`b:${text(x)}@${at}`), true), () => undefined);
    a.add(bytes("1"), 10);
    b.add(bytes("1"), 11);
    a.add(bytes("2"), 12);
    // Nothing parsed while reads are still being taken in.
    expect(seen).toEqual([]);
    await tick();
    expect(seen).toEqual(["a:1@10", "a:2@12", "b:1@11"]);
  });

  it("a parse that returns false stops the stream once; later reads are dropped", async () => {
    let stops = 0;
    const parsed: string[] = [];
    const p = new DeferredParser(
      (b) => {
        parsed.push(text(b));
        return text(b) !== "bad";
      },
      () => stops++,
    );
    p.add(bytes("ok"), 1);
    p.add(bytes("bad"), 2);
    p.add(bytes("after"), 3);
    await tick();
    expect(parsed).toEqual(["ok", "bad"]);
    expect(stops).toBe(1);
    expect(p.stopped).toBe(true);
    p.add(bytes("later"), 4);
    await tick();
    expect(parsed).toEqual(["ok", "bad"]);
  });

  it("drain() parses what is queued at once (the body ended) and the scheduled pass then has nothing left", async () => {
    const parsed: number[] = [];
    const p = new DeferredParser((_, at) => (parsed.push(at), true), () => undefined);
    p.add(bytes("x"), 5);
    p.add(bytes("y"), 6);
    p.drain();
    expect(parsed).toEqual([5, 6]);
    await tick();
    expect(parsed).toEqual([5, 6]);
  });
});
