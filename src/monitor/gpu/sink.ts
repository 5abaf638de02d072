/**
 * Where samples go: memory (for the run's summary) and gpu-metrics.jsonl, one line per
 * sample, appended as it arrives (JsonlWriter: a Ctrl-C or a crash keeps what was sampled).
 * A GPU outside the `gpus` filter is dropped here. A failed write (disk full) is reported
 * once; samples keep coming in memory.
 */
import type { StorageError } from "../../errors.js";
import { JsonlWriter } from "../../store/files.js";
import type { GpuInfo, GpuSample, GpuSamplerStats } from "./types.js";

export type Reading = Omit<GpuSample, "t" | "epochMs">;

export class SampleSink {
  readonly samples: GpuSample[] = [];
  readonly gpus: GpuInfo[] = [];
  readonly stats: GpuSamplerStats = { samples: 0, failures: 0, restarts: 0, gaveUp: false };
  private readonly writer: JsonlWriter;
  private readonly keep: ReadonlySet<number> | undefined;
  private closed = false;

  /** Opens the timeline (throws a StorageError when it cannot). */
  constructor(timelinePath: string, filter: readonly number[] | undefined, warn: (message: string) => void) {
    this.keep = filter === undefined ? undefined : new Set(filter);
    this.writer = new JsonlWriter(timelinePath, {
      onError: (err: StorageError) => warn(`${err.message}; GPU samples are kept in memory only`),
    });
  }

  /** True when the filter keeps this GPU. */
  wants(gpu: number): boolean {
    return this.keep === undefined || this.keep.has(gpu);
  }

  /** Adds the GPU to `gpus` (or fills what it lacked). */
  noteGpu(r: { gpu: number; name?: string; uuid?: string; memoryTotalMiB?: number }): void {
    if (!this.wants(r.gpu)) return;
    let info = this.gpus.find((g) => g.index === r.gpu);
    if (!info) {
      info = { index: r.gpu };
      this.gpus.push(info);
      this.gpus.sort((a, b) => a.index - b.index);
    }
    if (info.name === undefined && r.name !== undefined) info.name = r.name;
    if (info.uuid === undefined && r.uuid !== undefined) info.uuid = r.uuid;
    if (info.memoryTotalMiB === undefined && r.memoryTotalMiB !== undefined) info.memoryTotalMiB = r.memoryTotalMiB;
  }

  /** Records a reading taken at (t, epochMs); false when the filter drops it or the sink is closed. */
  add(reading: Reading & { sourceEpochMs?: number }, t: number, epochMs: number): boolean {
    if (this.closed || !this.wants(reading.gpu)) return false;
    const { sourceEpochMs: _drop, gpu, ...values } = reading;
    void _drop;
    const sample: GpuSample = { t: Math.round(t * 1000) / 1000, epochMs: Math.round(epochMs), gpu, ...values };
    this.noteGpu(reading);
    this.samples.push(sample);
    this.stats.samples++;
    try {
      this.writer.append(sample);
    } catch {
      // append throws only once closed; the sample stays in memory
    }
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
  }
}
