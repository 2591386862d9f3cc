/**
 * The simulated inference engine of one served model: its workers (continuous-batching
 * scheduler in batch-worker.ts, P/D disaggregation as a prefill + decode pair, or the
 * constant-latency fixed-worker.ts), its counters and its prefix cache. The Driver (driver.ts)
 * advances the workers of every model in real wall time.
 */
import { BatchWorker } from './batch-worker.js';
import { FixedWorker } from './fixed-worker.js';
import { PrefixCache } from './prefix-cache.js';
import { Prng, deriveSeed } from './prng.js';
import type { SimProfile } from './profiles.js';
import type { Seq } from './seq.js';
import type { DriverHooks, EngineCounters, Worker, WorkerHost } from './worker.js';

export { Seq, type FinishReason, type SeqInit, type SeqListener } from './seq.js';

/** All workers serving one model name, plus its counters and prefix cache. */
export class ModelEngine implements WorkerHost {
  readonly counters: EngineCounters = {
    promptTokens: 0,
    generationTokens: 0,
    preemptions: 0,
    successStop: 0,
    successLength: 0,
    aborted: 0,
    steps: 0,
    busyMs: 0,
    prefixQueryTokens: 0,
    prefixHitTokens: 0,
  };
  /** Workers in the order the Driver advances them (prefill before decode). */
  readonly workers: Worker[];
  private readonly entry: Worker;
  /** null for a fixed profile (no prefix caching) */
  private readonly prefixCache: PrefixCache | null;
  driverHooks: DriverHooks | null = null;
  /** Called once per finished (not aborted) sequence, after its listener. */
  onFinished: ((seq: Seq) => void) | null = null;
  /** Called per emission after the first, with the engine-time gap to the previous one (ms). */
  onInterToken: ((gapMs: number) => void) | null = null;

  constructor(
    readonly name: string,
    readonly profile: SimProfile,
    seed: number,
  ) {
    if (profile.kind === 'fixed') {
      this.entry = new FixedWorker(this, profile, new Prng(deriveSeed(seed, 1)));
      this.workers = [this.entry];
      this.prefixCache = null;
    } else {
      this.prefixCache = new PrefixCache(
        profile.blockSize,
        Math.floor(profile.kvCapacityTokens / profile.blockSize),
      );
      if (profile.disaggregation) {
        const decode = new BatchWorker('decode', this, profile, new Prng(deriveSeed(seed, 2)));
        this.entry = new BatchWorker('prefill', this, profile, new Prng(deriveSeed(seed, 1)), decode);
        this.workers = [this.entry, decode];
      } else {
        this.entry = new BatchWorker('unified', this, profile, new Prng(deriveSeed(seed, 1)));
        this.workers = [this.entry];
      }
    }
  }

  /** Queues a new sequence (its readyAtMs is its arrival time). */
  submit(seq: Seq): void {
    this.entry.submit(seq);
  }

  /** Removes a sequence (client went away); frees its slot and KV. Idempotent. */
  abort(seq: Seq, nowMs: number): void {
    if (seq.isDone) return;
    (seq.worker ?? this.entry).abort(seq, nowMs);
    seq.state = 'aborted';
    this.counters.aborted++;
  }

  /** @internal called by workers */
  finish(seq: Seq, t: number): void {
    seq.state = 'finished';
    seq.finishedMs = t;
    if (seq.finishReason === 'stop') this.counters.successStop++;
    else this.counters.successLength++;
    seq.listener.onFinish(seq, seq.finishReason);
    this.onFinished?.(seq);
  }

  /** @internal prefix-cache lookup at first admission: skips the cached leading blocks. */
  lookupPrefix(seq: Seq): void {
    if (!this.prefixCache) return;
    const cached = this.prefixCache.lookup(seq.blockHashes, seq.promptTokens);
    this.counters.prefixQueryTokens += seq.promptTokens;
    if (cached > 0) {
      this.counters.prefixHitTokens += cached;
      seq.cachedTokens = cached;
      seq.prefillRemaining -= cached;
    }
  }

  /** @internal after a prefill completes its blocks become cached (LRU eviction beyond KV capacity). */
  insertPrefix(seq: Seq): void {
    this.prefixCache?.insert(seq.blockHashes);
  }

  get runningCount(): number {
    let n = 0;
    for (const w of this.workers) n += w.runningCount;
    return n;
  }
  get waitingCount(): number {
    let n = 0;
    for (const w of this.workers) n += w.waitingCount;
    return n;
  }
  /** KV used / capacity over all workers, 0..1. */
  get kvUsage(): number {
    let used = 0;
    let cap = 0;
    for (const w of this.workers) {
      used += w.kvUsedTokens;
      cap += w.kvCapacityTokens;
    }
    return cap > 0 ? used / cap : 0;
  }
}
