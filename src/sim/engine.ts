/**
 * The simulated inference engine: a vLLM-like scheduler of discrete steps over a KV
 * block pool, driven by timers to absolute deadlines on an injectable clock.
 *
 * Life of a sequence: submitted at time a → ready at a + overhead (tokenization, frontend)
 * → FIFO waiting queue → admitted when a slot (maxNumSeqs) and KV blocks are free → prefill
 * (prompt tokens not found in the prefix cache, possibly over several steps) → the first
 * token is emitted at the end of the step that finishes its prefill → one token per step
 * until its planned length → finished, blocks freed (full blocks stay cached).
 *
 * Step duration = (decodeStepMs + decodeStepMsPerSeq × decoding sequences in the step
 *                  + prefillMsPerToken × prefill tokens in the step) × timeScale × slowdown,
 * where slowdown = 1 + slowdownPerHour × uptime hours at the step's start (uptime: time on
 * the engine's clock since the engine was made). The overhead is scaled the same way, with
 * the factor at the request's arrival.
 *
 * Steps follow each other back to back on a virtual timeline (each starts at the previous
 * one's end deadline); when the host falls behind, due steps are run in a catch-up loop so
 * the timeline, and every rate derived from it, stays exact. docs/simulator.md has the
 * full model.
 */
import type { SimClock, TimerHandle } from "./clock.js";
import { hashInts } from "./hash.js";
import { KvBlockPool } from "./kv-cache.js";

export interface EngineConfig {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  chunkedPrefill: boolean;
  prefixCaching: boolean;
  blockSize: number;
  kvBlocks: number;
  overheadMs: number;
  prefillMsPerToken: number;
  decodeStepMs: number;
  decodeStepMsPerSeq: number;
  timeScale: number;
  /** Every duration × (1 + slowdownPerHour × uptime hours); default 0 (no slowdown). */
  slowdownPerHour?: number;
}

const MS_PER_HOUR = 3_600_000;

/** What a finished (or aborted) sequence went through; times are on the engine's clock (ms). */
export interface SequenceRecord {
  id: number;
  outcome: "finished" | "aborted";
  promptTokens: number;
  /** Prompt tokens found in the prefix cache at first admission (what usage reports). */
  cachedTokens: number;
  generatedTokens: number;
  preemptions: number;
  arrivalMs: number;
  queuedMs: number;
  /** First admission into the running batch (undefined if aborted before). */
  scheduledMs: number | undefined;
  firstTokenMs: number | undefined;
  endMs: number;
}

export interface SequenceInput {
  /** Token ids of the rendered prompt. */
  promptIds: readonly number[];
  /** Token ids of the planned output; its length is the number of tokens generated. */
  outputIds: readonly number[];
}

export interface SequenceEvents {
  /** Token `index` (0-based) was produced at `atMs`. */
  onToken?(index: number, atMs: number): void;
  /** The sequence ended (all tokens produced, or aborted). */
  onEnd?(record: SequenceRecord): void;
}

/** Observes engine-wide events (the metrics module subscribes). */
export interface EngineObserver {
  onAdmitted?(info: { queryTokens: number; hitTokens: number; firstAdmission: boolean; queuedMs: number; atMs: number }): void;
  onToken?(info: { index: number; atMs: number; previousMs: number | undefined; promptTokens: number }): void;
  onPreempted?(atMs: number): void;
  onStep?(info: { startMs: number; endMs: number; prefillTokens: number; decodeTokens: number }): void;
  onEnd?(record: SequenceRecord): void;
}

export interface EngineCounters {
  submitted: number;
  finished: number;
  aborted: number;
  /** Prompt tokens of sequences that produced their first token. */
  promptTokens: number;
  /** Prompt tokens reported cached (first admission of each sequence). */
  cachedTokens: number;
  generatedTokens: number;
  preemptions: number;
  /** Tokens looked up in the prefix cache (per admission, when caching is on). */
  prefixCacheQueries: number;
  /** Tokens found in the prefix cache (per admission). */
  prefixCacheHits: number;
  /** Tokens actually prefilled (computed), including recomputation after preemption. */
  prefillTokensComputed: number;
  steps: number;
}

export interface SequenceHandle {
  readonly id: number;
  /** Stops the sequence and frees its blocks; no more events are sent. */
  abort(): void;
}

type SeqState = "pending" | "waiting" | "running" | "done";

interface Seq {
  id: number;
  promptIds: readonly number[];
  outputIds: readonly number[];
  events: SequenceEvents;
  state: SeqState;
  arrivalMs: number;
  readyMs: number;
  scheduledMs: number | undefined;
  firstTokenMs: number | undefined;
  lastTokenMs: number | undefined;
  /** Tokens whose KV is computed. */
  numComputed: number;
  /** Tokens to compute before the next token can be sampled (prompt + generated at admission). */
  prefillTarget: number;
  generated: number;
  blocks: number[];
  /** Chained hashes of full blocks of this sequence's tokens, computed lazily. */
  blockHashes: number[];
  /** How many of `blocks` are registered in the prefix cache. */
  registeredBlocks: number;
  cachedTokens: number | undefined;
  preemptions: number;
}

interface StepEntry {
  seq: Seq;
  tokens: number;
}

interface Step {
  startMs: number;
  endMs: number;
  entries: StepEntry[];
  prefillTokens: number;
  decodeTokens: number;
}

/** At most this many steps are run in one go before yielding to the event loop. */
const MAX_STEPS_PER_PUMP = 256;

export class SimEngine {
  readonly config: Readonly<EngineConfig>;
  readonly kv: KvBlockPool;
  readonly counters: EngineCounters = {
    submitted: 0,
    finished: 0,
    aborted: 0,
    promptTokens: 0,
    cachedTokens: 0,
    generatedTokens: 0,
    preemptions: 0,
    prefixCacheQueries: 0,
    prefixCacheHits: 0,
    prefillTokensComputed: 0,
    steps: 0,
  };
  private readonly clock: SimClock;
  private readonly observers: EngineObserver[] = [];
  private readonly pending: Seq[] = [];
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private current: Step | undefined;
  private lastEndMs: number;
  private timer: TimerHandle | undefined;
  private timerAt = NaN;
  private pumping = false;
  private closed = false;
  private closing = false;
  private nextId = 1;
  /** When the engine was made, on its clock: uptime counts from here. */
  private readonly startMs: number;

  constructor(config: EngineConfig, clock: SimClock) {
    this.config = { ...config };
    this.clock = clock;
    this.kv = new KvBlockPool(config.kvBlocks, config.blockSize);
    this.startMs = clock.now();
    this.lastEndMs = this.startMs;
  }

  /** The engine's clock, ms. */
  now(): number {
    return this.clock.now();
  }

  /** Time since the engine was made, on its clock (ms); with the real clock, wall time. */
  uptimeMs(atMs: number = this.clock.now()): number {
    return Math.max(0, atMs - this.startMs);
  }

  /** What every duration that starts at `atMs` is multiplied by: 1 + slowdownPerHour × uptime hours. */
  slowdownFactor(atMs: number = this.clock.now()): number {
    const perHour = this.config.slowdownPerHour ?? 0;
    return perHour === 0 ? 1 : 1 + (perHour * this.uptimeMs(atMs)) / MS_PER_HOUR;
  }

  /** The step being computed (composed, not yet completed), if any: its span on the engine's timeline. */
  activeStep(): { startMs: number; endMs: number } | undefined {
    return this.current ? { startMs: this.current.startMs, endMs: this.current.endMs } : undefined;
  }

  addObserver(observer: EngineObserver): void {
    this.observers.push(observer);
  }

  /** Sequences in the running batch. */
  numRunning(): number {
    return this.running.length;
  }

  /** Sequences in the waiting queue (ready, not admitted). */
  numWaiting(): number {
    return this.waiting.length;
  }

  /** Sequences still in their per-request overhead (not yet queued). */
  numPending(): number {
    return this.pending.length;
  }

  /** Largest total length (prompt + output) a sequence may have: the KV pool must hold it. */
  maxSequenceTokens(): number {
    return this.config.kvBlocks * this.config.blockSize;
  }

  submit(input: SequenceInput, events: SequenceEvents = {}): SequenceHandle {
    if (this.closed) throw new Error("SimEngine is closed");
    if (input.promptIds.length < 1) throw new Error("a sequence needs at least one prompt token");
    if (input.outputIds.length < 1) throw new Error("a sequence needs at least one output token");
    if (input.promptIds.length + input.outputIds.length > this.maxSequenceTokens()) {
      throw new Error(
        `sequence of ${input.promptIds.length + input.outputIds.length} tokens cannot fit the KV budget of ${this.maxSequenceTokens()} tokens`,
      );
    }
    const now = this.clock.now();
    const seq: Seq = {
      id: this.nextId++,
      promptIds: input.promptIds,
      outputIds: input.outputIds,
      events,
      state: "pending",
      arrivalMs: now,
      readyMs: now + this.config.overheadMs * this.config.timeScale * this.slowdownFactor(now),
      scheduledMs: undefined,
      firstTokenMs: undefined,
      lastTokenMs: undefined,
      numComputed: 0,
      prefillTarget: input.promptIds.length,
      generated: 0,
      blocks: [],
      blockHashes: [],
      registeredBlocks: 0,
      cachedTokens: undefined,
      preemptions: 0,
    };
    this.counters.submitted++;
    this.pending.push(seq);
    this.pump();
    return { id: seq.id, abort: () => this.abort(seq) };
  }

  /** Ends every sequence (as aborted) and stops the timer. */
  close(): void {
    if (this.closed) return;
    this.closing = true;
    const all = [...this.pending, ...this.waiting, ...this.running];
    for (const seq of all) this.abort(seq);
    this.closed = true;
    this.disarm();
    this.current = undefined;
  }

  /** Forgets cached prefixes; false while any block is in use. */
  resetPrefixCache(): boolean {
    return this.kv.resetPrefixCache();
  }

  // ---------------------------------------------------------------- scheduling loop

  private pump(): void {
    if (this.pumping || this.closed || this.closing) return;
    this.pumping = true;
    try {
      for (let steps = 0; ; ) {
        const now = this.clock.now();
        if (this.current) {
          if (this.current.endMs > now) {
            this.arm(this.current.endMs);
            return;
          }
          const step = this.current;
          this.current = undefined;
          this.lastEndMs = step.endMs;
          this.completeStep(step);
          if (this.closed) return;
          if (++steps >= MAX_STEPS_PER_PUMP) {
            this.arm(now); // yield to I/O, continue right after
            return;
          }
          continue;
        }
        const start = this.nextStartMs();
        if (start === undefined) {
          this.disarm();
          return;
        }
        if (start > now) {
          this.arm(start);
          return;
        }
        this.admitPending(start);
        const step = this.composeStep(start);
        if (!step) {
          // Nothing can run (cannot happen while every sequence fits the KV pool); wait for a change.
          this.disarm();
          return;
        }
        this.current = step;
        this.counters.steps++;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** When the next step starts: right after the last one if work is queued, else when the next request is ready. */
  private nextStartMs(): number | undefined {
    if (this.running.length > 0 || this.waiting.length > 0) return this.lastEndMs;
    const next = this.pending[0];
    if (!next) return undefined;
    return Math.max(next.readyMs, this.lastEndMs);
  }

  private admitPending(upTo: number): void {
    while (this.pending.length > 0 && (this.pending[0]?.readyMs ?? Infinity) <= upTo) {
      const seq = this.pending.shift();
      if (!seq) break;
      seq.state = "waiting";
      this.waiting.push(seq);
    }
  }

  private arm(atMs: number): void {
    if (this.timer && this.timerAt === atMs) return;
    this.disarm();
    this.timerAt = atMs;
    this.timer = this.clock.setTimer(atMs, () => {
      this.timer = undefined;
      this.timerAt = NaN;
      this.pump();
    });
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = NaN;
  }

  // ---------------------------------------------------------------- composing a step

  private composeStep(startMs: number): Step | undefined {
    const entries: StepEntry[] = [];
    let prefillTokens = 0;
    let decodeTokens = 0;
    let decodeSeqs = 0;

    if (this.config.chunkedPrefill) {
      let budget = this.config.maxNumBatchedTokens;
      let preempted = false;
      // 1. running sequences, oldest first: decodes (1 token) and unfinished prefills (a chunk).
      for (let i = 0; i < this.running.length && budget > 0; i++) {
        const seq = this.running[i];
        if (!seq) break;
        if (seq.numComputed < seq.prefillTarget) {
          const n = Math.min(seq.prefillTarget - seq.numComputed, budget);
          entries.push({ seq, tokens: n });
          prefillTokens += n;
          budget -= n;
          continue;
        }
        const slot = this.reserveDecodeSlot(seq, startMs);
        if (slot !== "ok") preempted = true;
        if (slot === "self-preempted") break; // seq was the newest: nothing follows it
        entries.push({ seq, tokens: 1 });
        decodeTokens += 1;
        decodeSeqs += 1;
        budget -= 1;
      }
      // 2. waiting sequences, FIFO, while a slot, KV blocks and token budget remain (none after a preemption).
      while (!preempted && budget > 0 && this.running.length < this.config.maxNumSeqs) {
        const seq = this.waiting[0];
        if (!seq || !this.admit(seq, startMs)) break;
        const n = Math.min(seq.prefillTarget - seq.numComputed, budget);
        entries.push({ seq, tokens: n });
        prefillTokens += n;
        budget -= n;
      }
    } else {
      // Without chunked prefill a step is either prefill-only (whole prompts) or decode-only,
      // and waiting prefills go first: running decodes stall while new prompts are prefilled.
      let budget = this.config.maxNumBatchedTokens;
      while (this.running.length < this.config.maxNumSeqs) {
        const seq = this.waiting[0];
        if (!seq) break;
        const remaining = this.remainingAfterHit(seq);
        if (entries.length > 0 && remaining > budget) break;
        if (!this.admit(seq, startMs)) break;
        const n = seq.prefillTarget - seq.numComputed;
        entries.push({ seq, tokens: n });
        prefillTokens += n;
        budget -= n;
      }
      if (entries.length === 0) {
        for (let i = 0; i < this.running.length; i++) {
          const seq = this.running[i];
          if (!seq) break;
          if (this.reserveDecodeSlot(seq, startMs) === "self-preempted") break;
          entries.push({ seq, tokens: 1 });
          decodeTokens += 1;
          decodeSeqs += 1;
        }
      }
    }

    if (entries.length === 0) return undefined;
    const c = this.config;
    const durationMs =
      (c.decodeStepMs + c.decodeStepMsPerSeq * decodeSeqs + c.prefillMsPerToken * prefillTokens) * c.timeScale * this.slowdownFactor(startMs);
    return { startMs, endMs: startMs + durationMs, entries, prefillTokens, decodeTokens };
  }

  /**
   * Makes room in the KV pool for one more token of `seq`, preempting the newest running
   * sequences (as vLLM does) until it fits. "self-preempted" when `seq` itself had to go.
   */
  private reserveDecodeSlot(seq: Seq, atMs: number): "ok" | "preempted-others" | "self-preempted" {
    const bs = this.config.blockSize;
    const need = Math.ceil((seq.numComputed + 1) / bs) - seq.blocks.length;
    if (need <= 0) return "ok";
    let preemptedOthers = false;
    for (;;) {
      const got = this.kv.allocate(need);
      if (got) {
        seq.blocks.push(...got);
        return preemptedOthers ? "preempted-others" : "ok";
      }
      const victim = this.running[this.running.length - 1];
      if (!victim) return "self-preempted";
      this.preempt(victim, atMs);
      if (victim === seq) return "self-preempted";
      preemptedOthers = true;
    }
  }

  private preempt(seq: Seq, atMs: number): void {
    const idx = this.running.indexOf(seq);
    if (idx >= 0) this.running.splice(idx, 1);
    this.kv.release(seq.blocks);
    seq.blocks = [];
    seq.registeredBlocks = 0;
    seq.numComputed = 0;
    seq.state = "waiting";
    seq.preemptions++;
    this.waiting.unshift(seq);
    this.counters.preemptions++;
    for (const o of this.observers) o.onPreempted?.(atMs);
  }

  /** Token id at position `pos` of the sequence (prompt, then output). */
  private tokenAt(seq: Seq, pos: number): number {
    const p = seq.promptIds.length;
    return pos < p ? (seq.promptIds[pos] ?? 0) : (seq.outputIds[pos - p] ?? 0);
  }

  /** Chained hashes of the first `count` full blocks of the sequence. */
  private hashesUpTo(seq: Seq, count: number): number[] {
    const bs = this.config.blockSize;
    const ids = new Array<number>(bs);
    for (let b = seq.blockHashes.length; b < count; b++) {
      for (let j = 0; j < bs; j++) ids[j] = this.tokenAt(seq, b * bs + j);
      const prev = b === 0 ? 0 : (seq.blockHashes[b - 1] ?? 0);
      seq.blockHashes.push(hashInts(prev, ids));
    }
    return seq.blockHashes.slice(0, count);
  }

  /** Blocks that may be served from the cache: full blocks, leaving at least one token to compute. */
  private maxHitBlocks(knownTokens: number): number {
    return Math.floor((knownTokens - 1) / this.config.blockSize);
  }

  private lookupHits(seq: Seq): number[] {
    if (!this.config.prefixCaching) return [];
    const known = seq.promptIds.length + seq.generated;
    const hashes = this.hashesUpTo(seq, this.maxHitBlocks(known));
    return this.kv.findCached(hashes);
  }

  private remainingAfterHit(seq: Seq): number {
    const known = seq.promptIds.length + seq.generated;
    return known - this.lookupHits(seq).length * this.config.blockSize;
  }

  /** Moves the head of the waiting queue into the running batch if KV blocks allow. */
  private admit(seq: Seq, atMs: number): boolean {
    const bs = this.config.blockSize;
    const known = seq.promptIds.length + seq.generated;
    const hits = this.lookupHits(seq);
    const needNew = Math.ceil(known / bs) - hits.length;
    if (!this.kv.canAllocate(needNew, hits)) return false;
    this.kv.acquire(hits);
    const fresh = this.kv.allocate(needNew);
    if (!fresh) throw new Error("SimEngine: allocation failed after canAllocate");
    this.waiting.shift();
    seq.blocks = [...hits, ...fresh];
    seq.registeredBlocks = hits.length;
    seq.numComputed = hits.length * bs;
    seq.prefillTarget = known;
    seq.state = "running";
    this.running.push(seq);
    const firstAdmission = seq.scheduledMs === undefined;
    if (firstAdmission) {
      seq.scheduledMs = atMs;
      seq.cachedTokens = seq.numComputed;
      this.counters.cachedTokens += seq.numComputed;
    }
    if (this.config.prefixCaching) {
      this.counters.prefixCacheQueries += known;
      this.counters.prefixCacheHits += seq.numComputed;
    }
    for (const o of this.observers) {
      o.onAdmitted?.({
        queryTokens: this.config.prefixCaching ? known : 0,
        hitTokens: this.config.prefixCaching ? seq.numComputed : 0,
        firstAdmission,
        queuedMs: seq.readyMs,
        atMs,
      });
    }
    return true;
  }

  // ---------------------------------------------------------------- completing a step

  private completeStep(step: Step): void {
    for (const o of this.observers) {
      o.onStep?.({ startMs: step.startMs, endMs: step.endMs, prefillTokens: step.prefillTokens, decodeTokens: step.decodeTokens });
    }
    for (const { seq, tokens } of step.entries) {
      if (seq.state !== "running") continue; // aborted while the step ran
      const wasPrefilling = seq.numComputed < seq.prefillTarget;
      seq.numComputed += tokens;
      if (wasPrefilling) this.counters.prefillTokensComputed += tokens;
      this.registerFullBlocks(seq);
      if (seq.numComputed >= seq.prefillTarget) this.emitToken(seq, step.endMs);
    }
  }

  private registerFullBlocks(seq: Seq): void {
    if (!this.config.prefixCaching) return;
    const full = Math.min(Math.floor(seq.numComputed / this.config.blockSize), seq.blocks.length);
    if (full <= seq.registeredBlocks) return;
    const hashes = this.hashesUpTo(seq, full);
    for (let b = seq.registeredBlocks; b < full; b++) {
      const block = seq.blocks[b];
      const hash = hashes[b];
      if (block !== undefined && hash !== undefined) this.kv.register(block, hash);
    }
    seq.registeredBlocks = full;
  }

  private emitToken(seq: Seq, atMs: number): void {
    const index = seq.generated;
    const previous = seq.lastTokenMs;
    seq.generated++;
    seq.lastTokenMs = atMs;
    this.counters.generatedTokens++;
    if (index === 0) {
      seq.firstTokenMs = atMs;
      this.counters.promptTokens += seq.promptIds.length;
    }
    for (const o of this.observers) {
      o.onToken?.({ index, atMs, previousMs: previous, promptTokens: index === 0 ? seq.promptIds.length : 0 });
    }
    seq.events.onToken?.(index, atMs);
    if (seq.generated >= seq.outputIds.length && seq.state === "running") this.finish(seq, atMs, "finished");
  }

  private finish(seq: Seq, atMs: number, outcome: "finished" | "aborted"): void {
    const wasState = seq.state;
    seq.state = "done";
    if (wasState === "running") {
      const idx = this.running.indexOf(seq);
      if (idx >= 0) this.running.splice(idx, 1);
    } else if (wasState === "waiting") {
      const idx = this.waiting.indexOf(seq);
      if (idx >= 0) this.waiting.splice(idx, 1);
    } else if (wasState === "pending") {
      const idx = this.pending.indexOf(seq);
      if (idx >= 0) this.pending.splice(idx, 1);
    }
    this.kv.release(seq.blocks);
    seq.blocks = [];
    if (outcome === "finished") this.counters.finished++;
    else this.counters.aborted++;
    const record: SequenceRecord = {
      id: seq.id,
      outcome,
      promptTokens: seq.promptIds.length,
      cachedTokens: seq.cachedTokens ?? 0,
      generatedTokens: seq.generated,
      preemptions: seq.preemptions,
      arrivalMs: seq.arrivalMs,
      queuedMs: seq.readyMs,
      scheduledMs: seq.scheduledMs,
      firstTokenMs: seq.firstTokenMs,
      endMs: atMs,
    };
    for (const o of this.observers) o.onEnd?.(record);
    seq.events.onEnd?.(record);
  }

  private abort(seq: Seq): void {
    if (seq.state === "done" || this.closed) return;
    this.finish(seq, this.clock.now(), "aborted");
    this.pump();
  }
}
