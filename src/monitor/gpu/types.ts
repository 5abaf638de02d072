/**
 * The GPU sampler's data. One GpuSample is one GPU at one instant; a tick of an 8-GPU host
 * gives 8 samples. Times `t` are performance.now() milliseconds of the shakedown process,
 * the clock of the request records (ChatResult.sentPerfMs), so GPU samples line up with
 * requests; `epochMs` is the same instant on the wall clock.
 *
 * A figure the source does not report (nvidia-smi's `[N/A]`, `[Not Supported]`, a DCGM
 * blank value, a field the driver does not know) is absent, never 0.
 */
import type { GpuMonitorConfig } from "../../config/schema.js";

export interface GpuSample {
  /** performance.now() ms of the shakedown process (same clock as request records), and epoch ms. */
  t: number;
  epochMs: number;
  /** GPU index as the driver numbers it (nvidia-smi `index`, DCGM label `gpu`). */
  gpu: number;
  uuid?: string;
  name?: string;
  /** %, GPU busy (a kernel was running) over the driver's sample period. */
  utilization?: number;
  /** %, memory controller busy (nvidia-smi utilization.memory, DCGM MEM_COPY_UTIL). */
  memoryUtilization?: number;
  memoryUsedMiB?: number;
  memoryTotalMiB?: number;
  powerW?: number;
  powerLimitW?: number;
  /** Cumulative energy counter when the source has one (DCGM TOTAL_ENERGY_CONSUMPTION, nvidia-smi total_energy_consumption), joules. */
  energyJ?: number;
  temperatureC?: number;
  smClockMHz?: number;
  memClockMHz?: number;
  /** Performance state, "P0" (fastest) … "P12". */
  pstate?: string;
  /** Active clock throttle / clock-event reasons, decoded to names (empty: none); undefined when not reported. */
  throttleReasons?: string[];
}

/** A GPU as found at start (and as later samples add to it). */
export interface GpuInfo {
  index: number;
  name?: string;
  uuid?: string;
  memoryTotalMiB?: number;
}

export interface GpuSamplerOptions {
  /** monitor.gpu of the suite; source must not be "off". */
  config: GpuMonitorConfig;
  /** gpu-metrics.jsonl: one GpuSample per line, appended as each arrives. */
  timelinePath: string;
  /**
   * Problems during the run (the source died and was restarted, unreadable output, a failed
   * scrape), as sentences without a "GPU sampler:" prefix (the caller adds its own).
   */
  onWarning(message: string): void;
  /** dcgm: sent as `Authorization: Bearer …` (the simulator's /gpu/metrics wants the target's key); never written anywhere. */
  apiKey?: string;
  /** For tests: the nvidia-smi executable (default "nvidia-smi", looked up on PATH). */
  binary?: string;
  /** For tests: environment of the child process (nvidia-smi and command sources); default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface GpuSamplerStats {
  /** Samples kept (after the gpus filter). */
  samples: number;
  /** Output lines that could not be read (nvidia-smi / command), or failed scrapes (dcgm). */
  failures: number;
  /** Times the child process was started again after it stopped (nvidia-smi / command). */
  restarts: number;
  /** True once the sampler stopped sampling for good before stop() (restarts used up). */
  gaveUp: boolean;
}

export interface RunningGpuSampler {
  /** "nvidia-smi", "dcgm" or "command". */
  readonly source: string;
  /** What was found at start (GPUs seen later are appended), after the gpus filter. */
  readonly gpus: { index: number; name?: string; uuid?: string; memoryTotalMiB?: number }[];
  /** Every sample kept, in arrival order. */
  readonly samples: readonly GpuSample[];
  /** nvidia-smi / command: the --query-gpu fields in use (unsupported optional ones dropped); dcgm: empty. */
  readonly fields: readonly string[];
  readonly stats: GpuSamplerStats;
  /** Stops sampling (kills the child: SIGTERM, then SIGKILL after a grace), closes the timeline. Idempotent, bounded in time. */
  stop(): Promise<void>;
}
