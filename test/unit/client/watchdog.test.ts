import { describe, expect, it } from "vitest";
import { Watchdog, type DeadlineKind } from "../../../src/client/watchdog.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const T = (o: Partial<{ connectMs: number; firstByteMs: number; betweenTokensMs: number; totalMs: number }>) => ({
  connectMs: 1000,
  firstByteMs: 0,
  betweenTokensMs: 0,
  totalMs: 0,
  ...o,
});

function watch(t: ReturnType<typeof T>): { kinds: DeadlineKind[]; dog: Watchdog; sent: number } {
  const kinds: DeadlineKind[] = [];
  const sent = performance.now();
  const dog = new Watchdog(sent, t, (k) => kinds.push(k));
  return { kinds, dog, sent };
}

describe("Watchdog", () => {
  it("fires first-byte when nothing arrives", async () => {
    const w = watch(T({ firstByteMs: 20, totalMs: 5000 }));
    await sleep(80);
    expect(w.kinds).toEqual(["timeout_first_byte"]);
  });

  it("keeps quiet while activity continues, then fires between-tokens", async () => {
    const w = watch(T({ firstByteMs: 1000, betweenTokensMs: 40, totalMs: 5000 }));
    for (let i = 0; i < 5; i++) {
      w.dog.activity(performance.now() - w.sent);
      await sleep(10);
    }
    expect(w.kinds).toEqual([]);
    await sleep(120);
    expect(w.kinds).toEqual(["timeout_between_tokens"]);
  });

  it("runs between-tokens even with no first-byte or total limit", async () => {
    const w = watch(T({ betweenTokensMs: 20 }));
    w.dog.activity(performance.now() - w.sent);
    await sleep(80);
    expect(w.kinds).toEqual(["timeout_between_tokens"]);
  });

  it("fires total despite steady activity", async () => {
    const w = watch(T({ firstByteMs: 1000, betweenTokensMs: 1000, totalMs: 50 }));
    for (let i = 0; i < 12; i++) {
      w.dog.activity(performance.now() - w.sent);
      await sleep(10);
    }
    expect(w.kinds).toEqual(["timeout_total"]);
  });

  it("stop() cancels", async () => {
    const w = watch(T({ firstByteMs: 20 }));
    w.dog.stop();
    await sleep(50);
    expect(w.kinds).toEqual([]);
  });
});
