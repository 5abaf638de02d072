/**
 * shakedown's embedded simulator: an OpenAI-compatible server with a vLLM-like timing
 * model, for testing shakedown and seeing it work without a GPU. Never a model.
 * See docs/simulator.md.
 */
export {
  SIM_PROFILES,
  SIM_PROFILE_NAMES,
  DEFAULT_SIM_MODEL,
  resolveSimOptions,
  type SimOptions,
  type SimProfile,
  type SimProfileName,
  type SimProfileParameters,
  type SimLengthDistribution,
  type SimReasoningMode,
  type SimToolParser,
} from "./options.js";
export { startSimulator, Simulator, type RunningSimulator, type SimStats, type StartSimulatorOptions } from "./server.js";
export { FakeGpu, FAKE_GPU, FAKE_GPU_WINDOW_MS, createFakeGpuMetrics, type FakeGpuReading, type FakeGpuMetrics } from "./gpu.js";
export { SIM_BASE_RSS_BYTES, simulatedRssBytes } from "./metrics.js";
export { ManualClock, realClock, type SimClock, type TimerHandle } from "./clock.js";
export { SimEngine, type EngineConfig, type EngineCounters, type SequenceRecord } from "./engine.js";
export { tokenize, countTokens, encode } from "./tokenizer.js";
export { renderChatPrompt } from "./chat-template.js";
