import { describe, expect, it } from "vitest";
import { SourceClock } from "../../../src/monitor/gpu/clock.js";

describe("SourceClock", () => {
  it("puts a line that waited in a buffer back by its extra delay, never after its arrival", () => {
    const c = new SourceClock(10_000);
    // the first line: 10 ms from the source's clock to ours is the baseline
    expect(c.place(1000, 5000, 1010)).toEqual({ t: 5000, epochMs: 1010 });
    // arrived 340 ms later than the baseline allows: it waited 340 ms
    expect(c.place(1250, 5600, 1600)).toEqual({ t: 5260, epochMs: 1260 });
    expect(c.place(1500, 5600.5, 1600)).toEqual({ t: 5510.5, epochMs: 1510 });
    // a faster line lowers the baseline
    expect(c.place(2000, 6005, 2005)).toEqual({ t: 6005, epochMs: 2005 });
    expect(c.place(2100, 6110, 2110)).toEqual({ t: 6105, epochMs: 2105 });
  });

  it("uses the arrival time without a source time, and starts again after a step of the source clock or a reset", () => {
    const c = new SourceClock(10_000);
    expect(c.place(undefined, 42, 1042)).toEqual({ t: 42, epochMs: 1042 });
    c.place(1000, 5000, 1010);
    // the source's clock stepped back 60 s: not 60 s of buffering
    expect(c.place(1000 - 60_000 + 300, 5300, 1310)).toEqual({ t: 5300, epochMs: 1310 });
    c.reset();
    expect(c.place(0, 7000, 3_600_000)).toEqual({ t: 7000, epochMs: 3_600_000 });
  });
});
