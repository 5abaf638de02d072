/**
 * startGpuSampler: the GPU sampler the run executor starts beside the requests
 * (monitor.gpu in the suite). Every sample goes to memory and to gpu-metrics.jsonl as it
 * arrives. Everything that can go wrong at start (no nvidia-smi, no driver, a command that
 * is not found, an exporter that does not answer, a `gpus` index that does not exist) is a
 * ConfigError (exit 2) thrown before the run begins; what goes wrong later is a warning,
 * and the run goes on.
 */
import { ConfigError } from "../../errors.js";
import { commandStream } from "./command.js";
import { CsvStream, GPU_MONITOR_ERROR } from "./csv-stream.js";
import { DcgmPoller } from "./dcgm.js";
import { nvidiaSmiStream, probeNvidiaSmi } from "./nvidia-smi.js";
import { SampleSink } from "./sink.js";
import type { GpuSample, GpuSamplerOptions, GpuSamplerStats, RunningGpuSampler } from "./types.js";

class Sampler implements RunningGpuSampler {
  private stopping: Promise<void> | undefined;

  constructor(
    readonly source: string,
    private readonly sink: SampleSink,
    private readonly stopSource: () => Promise<void>,
    private readonly fieldList: () => readonly string[],
  ) {}

  get gpus(): { index: number; name?: string; uuid?: string; memoryTotalMiB?: number }[] {
    return this.sink.gpus;
  }

  get samples(): readonly GpuSample[] {
    return this.sink.samples;
  }

  get fields(): readonly string[] {
    return this.fieldList();
  }

  get stats(): GpuSamplerStats {
    return this.sink.stats;
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      try {
        await this.stopSource();
      } finally {
        this.sink.close();
      }
    })();
    return this.stopping;
  }
}

/** A ConfigError when the `gpus` filter names a GPU the source does not have. */
function checkFilter(wanted: readonly number[] | undefined, found: Iterable<number>): void {
  if (wanted === undefined) return;
  const have = [...new Set(found)].sort((a, b) => a - b);
  const missing = wanted.filter((g) => !have.includes(g));
  if (missing.length === 0) return;
  throw new ConfigError(
    `GPU monitor: monitor.gpu.gpus names GPU ${missing.join(", ")}, but the source reports ${have.length === 0 ? "no GPU" : `GPU ${have.join(", ")}`}`,
    GPU_MONITOR_ERROR,
  );
}

/**
 * Starts sampling: probes the source, then samples every interval_ms until stop(). Throws a
 * ConfigError (exit 2) when the source cannot start, a StorageError when the timeline
 * cannot be opened.
 */
export async function startGpuSampler(opts: GpuSamplerOptions): Promise<RunningGpuSampler> {
  const c = opts.config;
  if (c.source === "off") throw new ConfigError("GPU monitor: monitor.gpu.source is off; there is nothing to start", GPU_MONITOR_ERROR);
  const intervalMs = c.interval_ms;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new ConfigError(`GPU monitor: monitor.gpu.interval_ms must be > 0, got ${intervalMs}`, GPU_MONITOR_ERROR);
  const warn = (message: string): void => {
    try {
      opts.onWarning(message);
    } catch {
      // a reporting callback must not break sampling
    }
  };
  const env = opts.env ?? process.env;
  const sink = new SampleSink(opts.timelinePath, c.gpus, warn);

  try {
    switch (c.source) {
      case "nvidia-smi": {
        const binary = opts.binary ?? "nvidia-smi";
        const probe = await probeNvidiaSmi(binary, env, warn);
        checkFilter(c.gpus, probe.gpus.map((g) => g.index));
        for (const g of probe.gpus) sink.noteGpu({ ...g, gpu: g.index });
        const stream = nvidiaSmiStream({ binary, env, intervalMs, sink, warn }, probe.fields);
        await startStream(stream, undefined); // the probe listed every GPU
        return new Sampler("nvidia-smi", sink, () => stream.stop(), () => stream.fields);
      }
      case "command": {
        if (c.command === undefined) throw new ConfigError("GPU monitor: source command needs monitor.gpu.command", GPU_MONITOR_ERROR);
        const stream = commandStream({ template: c.command, env, intervalMs, sink, warn });
        await startStream(stream, c.gpus);
        return new Sampler("command", sink, () => stream.stop(), () => stream.fields);
      }
      case "dcgm": {
        if (c.url === undefined) throw new ConfigError("GPU monitor: source dcgm needs monitor.gpu.url (the exporter's metrics URL, e.g. http://gpu-host:9400/metrics)", GPU_MONITOR_ERROR);
        const poller = new DcgmPoller({ url: c.url, intervalMs, sink, warn, ...(opts.apiKey ? { apiKey: opts.apiKey } : {}) });
        const found = await poller.start();
        try {
          checkFilter(c.gpus, found);
        } catch (err) {
          await poller.stop();
          throw err;
        }
        return new Sampler("dcgm", sink, () => poller.stop(), () => []);
      }
      default:
        throw new ConfigError(`GPU monitor: unknown monitor.gpu.source "${String((c as { source: unknown }).source)}"`, GPU_MONITOR_ERROR);
    }
  } catch (err) {
    sink.close();
    throw err;
  }
}

async function startStream(stream: CsvStream, wanted: readonly number[] | undefined): Promise<void> {
  await stream.start();
  try {
    checkFilter(wanted, stream.found);
  } catch (err) {
    await stream.stop();
    throw err;
  }
}
