/**
 * Stamp on read, parse later. When many streams have bytes ready at once (a server flushes a
 * token to every stream of its batch in one step), parsing each read as it comes would make
 * every later stream's read, and so its timestamp, wait for the parsing of all earlier ones:
 * the client's own work would show up as the server's latency. Instead each read is only
 * timestamped and queued; the queued reads of every stream are parsed together once the
 * event loop has taken in all that was ready (a setImmediate runs after the I/O phase). Each
 * read keeps its own arrival time, so what is measured does not change, only when the CPU
 * work is done. A stream's reads are parsed in order; the streams are served in the order
 * their first pending read arrived.
 */

/** Parses one read at its arrival time; false stops the stream (error or malformed event). */
export type ParseRead = (bytes: Uint8Array, arrivedMs: number) => boolean;

const ready = new Set<DeferredParser>();
let scheduled = false;

function drainAll(): void {
  scheduled = false;
  for (const p of ready) {
    ready.delete(p);
    p.drain();
  }
}

export class DeferredParser {
  private pending: { bytes: Uint8Array; at: number }[] = [];
  /** True once parsing asked to stop; later reads are dropped. */
  stopped = false;

  /** `onStop` runs once, when a parse returns false (the caller stops reading the body). */
  constructor(
    private readonly parse: ParseRead,
    private readonly onStop: () => void,
  ) {}

  /** Queues a read received at `arrivedMs`; it is parsed after the current I/O phase. */
  add(bytes: Uint8Array, arrivedMs: number): void {
    if (this.stopped) return;
    this.pending.push({ bytes, at: arrivedMs });
    ready.add(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(drainAll);
    }
  }

  /** Parses every queued read now, in order (the body ended, or its turn came). */
  drain(): void {
    ready.delete(this);
    const batch = this.pending;
    this.pending = [];
    for (const { bytes, at } of batch) {
      if (this.stopped) return;
      if (!this.parse(bytes, at)) {
        this.stopped = true;
        this.onStop();
      }
    }
  }
}
