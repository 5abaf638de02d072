/**
 * Placing a source's samples on this process's clocks. A line of nvidia-smi output carries
 * the instant nvidia-smi read the GPU (its `timestamp`), but reaches us later: at once
 * through a pipe that is flushed per line, seconds later through one that is not, or through
 * ssh. The smallest arrival delay seen so far is taken as the transport delay plus the
 * clock offset between the two machines (or time zones); a line that arrives later than
 * that waited in a buffer, and is placed back by the difference. So samples never get a
 * time later than their arrival, nor earlier than the minimum delay allows; without a
 * source timestamp the arrival time is used.
 */
export interface Placed {
  /** performance.now() ms. */
  t: number;
  epochMs: number;
}

export class SourceClock {
  private minDelay: number | undefined;

  /**
   * @param resetAfterMs a delay this much above the minimum is not believed to be buffering
   *   but a step of the source's clock (NTP): the minimum starts again from it.
   */
  constructor(private readonly resetAfterMs: number) {}

  /** Forgets the delays seen (a new source process). */
  reset(): void {
    this.minDelay = undefined;
  }

  place(sourceEpochMs: number | undefined, arrivalPerf: number, arrivalEpochMs: number): Placed {
    if (sourceEpochMs === undefined || !Number.isFinite(sourceEpochMs)) return { t: arrivalPerf, epochMs: arrivalEpochMs };
    const delay = arrivalEpochMs - sourceEpochMs;
    if (this.minDelay === undefined || delay < this.minDelay || delay - this.minDelay > this.resetAfterMs) this.minDelay = delay;
    const lag = delay - this.minDelay;
    return { t: arrivalPerf - lag, epochMs: arrivalEpochMs - lag };
  }
}
