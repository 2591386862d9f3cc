/**
 * The simulated inference engine: per-model workers with an iteration-level scheduler
 * (continuous batching), KV-cache accounting with recompute preemption, prefix caching,
 * chunked prefill, P/D disaggregation and speculative decoding, plus the single timer chain
 * (Driver) that advances every worker in real wall time.
 *
 * Time model: each worker has its own engine timeline in ms (same origin as the Driver's
 * clock, performance.now()). A step is planned at time `start` (the end of the previous
 * step, or when work appeared), costs `c` ms from the cost model, and its tokens become due
 * at `start + c`. The Driver wakes when the earliest step is due and completes every step
 * whose end is <= now, so a late wake-up (timer granularity, CPU saturation) completes
 * several steps at once ("catch-up") instead of stretching the timeline; how late tokens are
 * written compared to their due time is measured as scheduler lag and exposed.
 */
import { Prng, deriveSeed } from './prng.js';
import { QUANT_FACTORS, type BatchedProfile, type FixedProfile, type SimProfile } from './profiles.js';

/** Why a sequence stopped: the seeded EOS point ("stop") or max_tokens ("length"). */
export type FinishReason = 'stop' | 'length';

/** Receives the output of one sequence. Called synchronously from inside Driver.wake(). */
export interface SeqListener {
  /** Tokens [firstIndex, firstIndex + count) of the output became available at engine time tMs. */
  onTokens(seq: Seq, firstIndex: number, count: number, tMs: number): void;
  /** The sequence finished normally (not called for aborted sequences). */
  onFinish(seq: Seq, reason: FinishReason): void;
}

/** What the server knows about a request when it hands it to the engine. */
export interface SeqInit {
  id: number;
  promptTokens: number;
  /** tokens to generate before finishing (already resolved from max_tokens / EOS / min_tokens) */
  targetTokens: number;
  finishReason: FinishReason;
  /** chained prefix-block hashes of the prompt (empty when prefix caching is off) */
  blockHashes: readonly number[];
  /** engine-clock ms when the request arrived */
  arrivalMs: number;
  /** per-request seed (spec-decode acceptance draws) */
  seed: number;
  listener: SeqListener;
  /** stall once when this many tokens have been generated (-1: never) */
  stallAtToken?: number;
  stallMs?: number;
}

type SeqState = 'waiting' | 'running' | 'transfer' | 'finished' | 'aborted';

/** One request inside the engine. Times are engine-clock ms (NaN until reached). */
export class Seq {
  readonly id: number;
  readonly promptTokens: number;
  readonly targetTokens: number;
  readonly finishReason: FinishReason;
  readonly blockHashes: readonly number[];
  readonly arrivalMs: number;
  readonly listener: SeqListener;
  readonly rng: Prng;
  state: SeqState = 'waiting';
  generated = 0;
  /** prompt (+ already generated, after a preemption) tokens still to compute */
  prefillRemaining: number;
  /** KV tokens held by this sequence on its current worker */
  kvTokens = 0;
  /** earliest engine time it may be admitted (arrival, or end of the KV transfer in P/D) */
  readyAtMs: number;
  stalledUntilMs = 0;
  stallAtToken: number;
  stallMs: number;
  /** prompt tokens served from the prefix cache at first admission */
  cachedTokens = 0;
  preemptions = 0;
  firstScheduledMs = Number.NaN;
  firstTokenMs = Number.NaN;
  /** engine time of the latest emission (for inter-token latency) */
  lastTokenMs = Number.NaN;
  finishedMs = Number.NaN;
  /** fixed profile: when the next token is due */
  nextDueMs = 0;
  worker: Worker | null = null;

  constructor(init: SeqInit) {
    this.id = init.id;
    this.promptTokens = init.promptTokens;
    this.targetTokens = Math.max(1, init.targetTokens);
    this.finishReason = init.finishReason;
    this.blockHashes = init.blockHashes;
    this.arrivalMs = init.arrivalMs;
    this.readyAtMs = init.arrivalMs;
    this.listener = init.listener;
    this.rng = new Prng(init.seed);
    this.prefillRemaining = init.promptTokens;
    this.stallAtToken = init.stallAtToken ?? -1;
    this.stallMs = init.stallMs ?? 0;
  }

  get isDone(): boolean {
    return this.state === 'finished' || this.state === 'aborted';
  }
}

/** Counters per model (monotonic), read by /metrics and stats(). */
export interface EngineCounters {
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  successStop: number;
  successLength: number;
  aborted: number;
  steps: number;
  /** sum of step durations (batched workers), ms: engine busy time */
  busyMs: number;
  prefixQueryTokens: number;
  prefixHitTokens: number;
}

/** Steps shorter than this are rounded up so that a zero-cost profile still makes progress. */
const MIN_STEP_MS = 0.001;

/** A worker = one simulated GPU (group) with its own timeline. */
export interface Worker {
  readonly role: 'unified' | 'prefill' | 'decode' | 'fixed';
  /** Earliest engine time at which this worker has something to do (Infinity: idle). */
  nextDueMs(): number;
  /** Completes/plans steps up to `nowMs`, at most maxSteps; returns steps completed. */
  advance(nowMs: number, maxSteps: number): number;
  submit(seq: Seq): void;
  abort(seq: Seq, nowMs: number): void;
  readonly runningCount: number;
  readonly waitingCount: number;
  readonly kvUsedTokens: number;
  readonly kvCapacityTokens: number;
}

interface PlannedStep {
  startMs: number;
  endMs: number;
  decode: Seq[];
  prefill: { seq: Seq; tokens: number }[];
}

/** Continuous-batching worker (unified, prefill-only or decode-only). */
class BatchWorker implements Worker {
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private kvUsed = 0;
  private freeAtMs = 0;
  private step: PlannedStep | null = null;
  /** set when planning found nothing to run; cleared by submit/abort (never spin on it) */
  private stuck = false;
  private readonly q: { weights: number; prefill: number };

  constructor(
    readonly role: 'unified' | 'prefill' | 'decode',
    private readonly engine: ModelEngine,
    private readonly p: BatchedProfile,
    private readonly rng: Prng,
    /** P/D: where finished prefills go */
    private readonly decodeWorker: BatchWorker | null = null,
  ) {
    this.q = QUANT_FACTORS[p.quantization];
  }

  get runningCount(): number {
    return this.running.length;
  }
  get waitingCount(): number {
    return this.waiting.length;
  }
  get kvUsedTokens(): number {
    return this.kvUsed;
  }
  get kvCapacityTokens(): number {
    return this.p.kvCapacityTokens;
  }

  submit(seq: Seq): void {
    seq.state = 'waiting';
    seq.worker = this;
    this.stuck = false;
    // keep `waiting` ordered by readyAtMs (new arrivals append; KV transfers may land out of order)
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1]!.readyAtMs > seq.readyAtMs) i--;
    this.waiting.splice(i, 0, seq);
  }

  abort(seq: Seq): void {
    this.stuck = false;
    if (seq.state === 'waiting') removeFrom(this.waiting, seq);
    else if (seq.state === 'running') {
      removeFrom(this.running, seq);
      this.kvUsed -= seq.kvTokens;
      seq.kvTokens = 0;
    }
    seq.state = 'aborted';
  }

  nextDueMs(): number {
    if (this.step) return this.step.endMs;
    return this.stuck ? Infinity : this.earliestWorkMs();
  }

  /** Earliest time a step could start with the current queues; Infinity when nothing can run. */
  private earliestWorkMs(): number {
    let t = Infinity;
    for (const s of this.running) if (s.stalledUntilMs < t) t = s.stalledUntilMs;
    const head = this.waiting[0];
    if (head && this.canAdmit(head) && head.readyAtMs < t) t = head.readyAtMs;
    return t === Infinity ? t : Math.max(t, this.freeAtMs);
  }

  private canAdmit(s: Seq): boolean {
    return (
      this.running.length < this.p.maxNumSeqs &&
      this.kvUsed + s.promptTokens + s.generated <= this.p.kvCapacityTokens
    );
  }

  advance(nowMs: number, maxSteps: number): number {
    let done = 0;
    while (done < maxSteps) {
      if (this.step) {
        if (this.step.endMs > nowMs) break;
        const step = this.step;
        this.step = null;
        this.complete(step);
        this.engine.driverHooks?.onStepCompleted(step.endMs);
        done++;
        continue;
      }
      if (this.stuck) break;
      const startMs = this.earliestWorkMs();
      if (startMs > nowMs) break;
      const step = this.plan(startMs);
      if (!step) {
        // Nothing runnable although earliestWorkMs said so; not expected with consistent
        // queues, but never spin on it: wait for the next submit/abort.
        this.stuck = true;
        break;
      }
      this.step = step;
    }
    return done;
  }

  private plan(startMs: number): PlannedStep | null {
    const p = this.p;
    const spec = p.speculative && this.role !== 'prefill' ? p.speculative : null;
    const prefill: { seq: Seq; tokens: number }[] = [];
    let budget = p.maxBatchedTokens;

    if (!p.chunkedPrefill) {
      // No chunking (vLLM V0 default): a step with admissible prompts is a prefill-only step
      // and every running decode waits for it, which is where ITL spikes come from.
      budget = this.admit(startMs, budget, prefill, false);
      if (prefill.length > 0) return this.finishPlan(startMs, [], prefill);
    }

    let decode = this.running.filter((s) => s.prefillRemaining === 0 && s.stalledUntilMs <= startMs);
    // Reserve KV for this step's growth; preempt (recompute) the newest sequences if it does not fit.
    const growth = (s: Seq): number => Math.min(spec ? spec.numTokens + 1 : 1, s.targetTokens - s.generated);
    let need = 0;
    for (const s of decode) need += growth(s);
    while (this.kvUsed + need > p.kvCapacityTokens && this.running.length > 0) {
      const victim = this.running[this.running.length - 1]!;
      if (victim.prefillRemaining === 0 && victim.stalledUntilMs <= startMs) need -= growth(victim);
      this.preempt(victim);
    }
    if (decode.some((s) => s.state !== 'running')) decode = decode.filter((s) => s.state === 'running');
    budget -= decode.length;

    if (p.chunkedPrefill) {
      const cap = p.prefillChunkTokens ?? Infinity;
      for (const s of this.running) {
        if (budget <= 0) break;
        if (s.prefillRemaining === 0 || s.stalledUntilMs > startMs) continue;
        const take = Math.min(s.prefillRemaining, budget, cap);
        prefill.push({ seq: s, tokens: take });
        budget -= take;
      }
      const runningBefore = this.running.length;
      this.admit(startMs, budget, prefill, true);
      // an admitted sequence with nothing to prefill (KV arrived from a P/D prefill worker)
      // decodes from the next plan; when it is the only work, plan again now
      if (decode.length === 0 && prefill.length === 0 && this.running.length > runningBefore)
        return this.plan(startMs);
    }
    if (decode.length === 0 && prefill.length === 0) return null;
    return this.finishPlan(startMs, decode, prefill);
  }

  /** Admits waiting sequences (FIFO) while slots, KV and token budget allow; returns the budget left. */
  private admit(
    startMs: number,
    budget: number,
    prefill: { seq: Seq; tokens: number }[],
    chunked: boolean,
  ): number {
    const p = this.p;
    const cap = chunked ? (p.prefillChunkTokens ?? Infinity) : Infinity;
    while (this.waiting.length > 0) {
      const s = this.waiting[0]!;
      if (s.readyAtMs > startMs || !this.canAdmit(s)) break;
      if (
        s.prefillRemaining > 0 &&
        p.prefixCaching &&
        s.preemptions === 0 &&
        Number.isNaN(s.firstScheduledMs)
      ) {
        this.engine.lookupPrefix(s);
      }
      let take = 0;
      if (s.prefillRemaining > 0) {
        if (chunked) {
          take = Math.min(s.prefillRemaining, budget, cap);
          if (take <= 0) break;
        } else {
          // whole prompts only; one prompt larger than the budget may still run alone
          if (s.prefillRemaining > budget && prefill.length > 0) break;
          take = s.prefillRemaining;
        }
      }
      this.waiting.shift();
      this.running.push(s);
      s.state = 'running';
      s.kvTokens = s.promptTokens + s.generated;
      this.kvUsed += s.kvTokens;
      if (Number.isNaN(s.firstScheduledMs)) {
        s.firstScheduledMs = startMs;
        this.engine.counters.promptTokens += s.promptTokens;
      }
      if (take > 0) {
        prefill.push({ seq: s, tokens: take });
        budget -= take;
      }
    }
    return budget;
  }

  private preempt(s: Seq): void {
    removeFrom(this.running, s);
    this.kvUsed -= s.kvTokens;
    s.kvTokens = 0;
    // recompute: the prompt and everything generated so far must be prefilled again
    s.prefillRemaining = s.promptTokens + s.generated;
    s.state = 'waiting';
    s.preemptions++;
    this.engine.counters.preemptions++;
    this.waiting.unshift(s);
  }

  private finishPlan(startMs: number, decode: Seq[], prefill: { seq: Seq; tokens: number }[]): PlannedStep {
    const p = this.p;
    let kvRead = 0;
    for (const s of decode) kvRead += s.kvTokens;
    let prefillTokens = 0;
    for (const e of prefill) prefillTokens += e.tokens;
    const weightMs = p.stepBaseMs * this.q.weights;
    let costMs =
      weightMs +
      decode.length * p.decodePerSeqMs * this.q.weights +
      kvRead * p.decodePerKvTokenMs +
      prefillTokens * p.prefillPerTokenMs * this.q.prefill;
    const spec = p.speculative;
    if (spec && decode.length > 0 && this.role !== 'prefill') {
      // k draft-model passes, and verification of k extra tokens per sequence
      costMs +=
        spec.numTokens * spec.draftCostFrac * weightMs +
        decode.length * p.decodePerSeqMs * this.q.weights * spec.numTokens;
    }
    if (p.jitterFrac > 0) costMs *= 1 + p.jitterFrac * (2 * this.rng.next() - 1);
    return { startMs, endMs: startMs + Math.max(costMs, MIN_STEP_MS), decode, prefill };
  }

  private complete(step: PlannedStep): void {
    const t = step.endMs;
    this.freeAtMs = t;
    this.engine.counters.steps++;
    this.engine.counters.busyMs += t - step.startMs;
    for (const { seq, tokens } of step.prefill) {
      if (seq.state !== 'running') continue;
      seq.prefillRemaining -= tokens;
      if (seq.prefillRemaining > 0) continue;
      if (this.p.prefixCaching) this.engine.insertPrefix(seq);
      // the forward pass that completes a prefill also samples the next token
      this.emit(seq, 1, t);
      if (this.role === 'prefill' && seq.state === 'running') this.handOff(seq, t);
    }
    const spec = this.p.speculative;
    for (const seq of step.decode) {
      if (seq.state !== 'running') continue;
      let n = 1;
      if (spec) {
        // accepted draft tokens: a run of successes, then the target model's own token
        while (n <= spec.numTokens && seq.rng.next() < spec.acceptanceRate) n++;
      }
      this.emit(seq, Math.min(n, seq.targetTokens - seq.generated), t);
    }
  }

  private emit(seq: Seq, n: number, t: number): void {
    const first = seq.generated;
    seq.generated += n;
    seq.kvTokens += n;
    this.kvUsed += n;
    if (first === 0) seq.firstTokenMs = t;
    else this.engine.onInterToken?.(t - seq.lastTokenMs);
    seq.lastTokenMs = t;
    this.engine.counters.generationTokens += n;
    seq.listener.onTokens(seq, first, n, t);
    if (seq.state !== 'running') return; // the listener aborted it (injected disconnect)
    if (seq.generated >= seq.targetTokens) {
      removeFrom(this.running, seq);
      this.kvUsed -= seq.kvTokens;
      seq.kvTokens = 0;
      this.engine.finish(seq, t);
    } else if (seq.stallAtToken >= 0 && seq.generated >= seq.stallAtToken) {
      seq.stalledUntilMs = t + seq.stallMs;
      seq.stallAtToken = -1;
    }
  }

  private handOff(seq: Seq, t: number): void {
    const d = this.p.disaggregation!;
    removeFrom(this.running, seq);
    this.kvUsed -= seq.kvTokens;
    seq.kvTokens = 0;
    seq.state = 'transfer';
    seq.readyAtMs = t + d.kvTransferBaseMs + d.kvTransferPerTokenMs * seq.promptTokens;
    this.decodeWorker!.submit(seq);
  }
}

/** Constant-latency worker: per-sequence timelines in a min-heap, one token per due time. */
class FixedWorker implements Worker {
  readonly role = 'fixed' as const;
  private readonly heap = new SeqHeap();
  private readonly waiting: Seq[] = [];
  private running = 0;

  constructor(
    private readonly engine: ModelEngine,
    private readonly p: FixedProfile,
    private readonly rng: Prng,
  ) {}

  get runningCount(): number {
    return this.running;
  }
  get waitingCount(): number {
    return this.waiting.length;
  }
  get kvUsedTokens(): number {
    return 0;
  }
  get kvCapacityTokens(): number {
    return 1;
  }

  private jitter(ms: number): number {
    return this.p.jitterFrac > 0 ? ms * (1 + this.p.jitterFrac * (2 * this.rng.next() - 1)) : ms;
  }

  submit(seq: Seq): void {
    seq.worker = this;
    if (this.running < this.p.maxNumSeqs) this.start(seq, seq.readyAtMs);
    else {
      seq.state = 'waiting';
      this.waiting.push(seq);
    }
  }

  private start(seq: Seq, t: number): void {
    seq.state = 'running';
    this.running++;
    seq.firstScheduledMs = t;
    this.engine.counters.promptTokens += seq.promptTokens;
    seq.nextDueMs = t + Math.max(this.jitter(this.p.ttftMs), MIN_STEP_MS);
    this.heap.push(seq);
  }

  abort(seq: Seq, nowMs: number): void {
    if (seq.state === 'waiting') removeFrom(this.waiting, seq);
    else if (seq.state === 'running') {
      this.running--;
      this.admitNext(nowMs);
    }
    // a running sequence stays in the heap and is dropped when popped
    seq.state = 'aborted';
  }

  private admitNext(t: number): void {
    const next = this.waiting.shift();
    if (next) this.start(next, Math.max(t, next.readyAtMs));
  }

  nextDueMs(): number {
    return this.heap.peek()?.nextDueMs ?? Infinity;
  }

  advance(nowMs: number, maxSteps: number): number {
    let done = 0;
    while (done < maxSteps) {
      const seq = this.heap.peek();
      if (!seq || seq.nextDueMs > nowMs) break;
      this.heap.pop();
      if (seq.state !== 'running') continue;
      const t = seq.nextDueMs;
      this.engine.driverHooks?.onStepCompleted(t);
      done++;
      const first = seq.generated;
      seq.generated++;
      if (first === 0) seq.firstTokenMs = t;
      else this.engine.onInterToken?.(t - seq.lastTokenMs);
      seq.lastTokenMs = t;
      this.engine.counters.generationTokens++;
      this.engine.counters.steps++;
      seq.listener.onTokens(seq, first, 1, t);
      if (seq.state !== 'running') continue;
      if (seq.generated >= seq.targetTokens) {
        this.running--;
        this.engine.finish(seq, t);
        this.admitNext(t);
        continue;
      }
      let next = t + Math.max(this.jitter(this.p.tpotMs), MIN_STEP_MS);
      if (seq.stallAtToken >= 0 && seq.generated >= seq.stallAtToken) {
        next += seq.stallMs;
        seq.stallAtToken = -1;
      }
      seq.nextDueMs = next;
      this.heap.push(seq);
    }
    return done;
  }
}

/** Hooks the Driver installs to measure lag. */
export interface DriverHooks {
  onStepCompleted(endMs: number): void;
}

/** All workers serving one model name, plus its counters and prefix cache. */
export class ModelEngine {
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
  /** LRU of cached prefix blocks: chained block hash -> true (Map keeps insertion order). */
  private readonly prefixCache = new Map<number, true>();
  private readonly prefixCacheMaxBlocks: number;
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
      this.prefixCacheMaxBlocks = 0;
    } else {
      this.prefixCacheMaxBlocks = Math.floor(profile.kvCapacityTokens / profile.blockSize);
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
    if (this.profile.kind !== 'batched') return;
    let hits = 0;
    for (const h of seq.blockHashes) {
      if (!this.prefixCache.has(h)) break;
      // refresh LRU position
      this.prefixCache.delete(h);
      this.prefixCache.set(h, true);
      hits++;
    }
    // at least one prompt token is always computed (it produces the first output token)
    const cached = Math.min(hits * this.profile.blockSize, seq.promptTokens - 1);
    this.counters.prefixQueryTokens += seq.promptTokens;
    if (cached > 0) {
      this.counters.prefixHitTokens += cached;
      seq.cachedTokens = cached;
      seq.prefillRemaining -= cached;
    }
  }

  /** @internal after a prefill completes its blocks become cached (LRU eviction beyond KV capacity). */
  insertPrefix(seq: Seq): void {
    for (const h of seq.blockHashes) {
      this.prefixCache.delete(h);
      this.prefixCache.set(h, true);
    }
    while (this.prefixCache.size > this.prefixCacheMaxBlocks) {
      const oldest = this.prefixCache.keys().next().value as number;
      this.prefixCache.delete(oldest);
    }
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

/** Lag statistics of the Driver (ms). */
export interface LagStats {
  /** lag of the last wake-up that completed steps: write time - due time of its oldest step */
  lastMs: number;
  maxMs: number;
  meanMs: number;
  /** wake-ups that completed at least one step */
  wakeups: number;
  /** wake-ups whose lag exceeded 10 ms */
  wakeupsOver10Ms: number;
}

/** Most steps completed in one wake-up before yielding to I/O (keeps sockets serviced). */
const MAX_STEPS_PER_WAKE = 4096;

/**
 * The single timer chain. One setTimeout/setImmediate is armed at a time, for the earliest due
 * time over all workers of all models; no per-request timers.
 */
export class Driver {
  private timer: NodeJS.Timeout | null = null;
  private timerDueMs = Infinity;
  private immediate: NodeJS.Immediate | null = null;
  private stopped = false;
  private oldestDueThisWake = Infinity;
  private lagSumMs = 0;
  readonly lag: LagStats = { lastMs: 0, maxMs: 0, meanMs: 0, wakeups: 0, wakeupsOver10Ms: 0 };
  private readonly workers: Worker[];

  constructor(
    private readonly engines: readonly ModelEngine[],
    private readonly clock: () => number,
    /** runs after each wake-up, e.g. to flush buffered socket writes */
    private readonly afterWake: () => void,
  ) {
    this.workers = engines.flatMap((e) => e.workers);
    const hooks: DriverHooks = {
      onStepCompleted: (endMs) => {
        if (endMs < this.oldestDueThisWake) this.oldestDueThisWake = endMs;
      },
    };
    for (const e of engines) e.driverHooks = hooks;
  }

  /** Requests a wake-up on the next turn of the event loop (new work arrived). */
  kick(): void {
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(this.wake);
  }

  /** Stops the timer chain for good. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private readonly wake = (): void => {
    this.immediate = null;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.timerDueMs = Infinity;
    }
    if (this.stopped) return;
    const nowMs = this.clock();
    let steps = 0;
    this.oldestDueThisWake = Infinity;
    for (const w of this.workers) steps += w.advance(nowMs, MAX_STEPS_PER_WAKE - steps);
    this.afterWake();
    if (this.oldestDueThisWake !== Infinity) {
      const lagMs = Math.max(0, this.clock() - this.oldestDueThisWake);
      const l = this.lag;
      l.lastMs = lagMs;
      if (lagMs > l.maxMs) l.maxMs = lagMs;
      l.wakeups++;
      if (lagMs > 10) l.wakeupsOver10Ms++;
      this.lagSumMs += lagMs;
      l.meanMs = this.lagSumMs / l.wakeups;
    }
    if (steps >= MAX_STEPS_PER_WAKE) {
      this.kick();
      return;
    }
    this.arm();
  };

  private arm(): void {
    let due = Infinity;
    for (const w of this.workers) {
      const d = w.nextDueMs();
      if (d < due) due = d;
    }
    if (due === Infinity || this.stopped) return;
    const delayMs = due - this.clock();
    if (delayMs <= 0) {
      this.kick();
      return;
    }
    if (this.timer && this.timerDueMs === due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueMs = due;
    // ceil: a timer that fires early would only re-arm for the remainder (+1 ms of lag)
    this.timer = setTimeout(this.wake, Math.ceil(delayMs));
  }
}

function removeFrom(arr: Seq[], s: Seq): void {
  const i = arr.lastIndexOf(s);
  if (i >= 0) arr.splice(i, 1);
}

/** Binary min-heap of sequences by nextDueMs (ties by id, for determinism). */
class SeqHeap {
  private readonly a: Seq[] = [];
  private static less(x: Seq, y: Seq): boolean {
    return x.nextDueMs < y.nextDueMs || (x.nextDueMs === y.nextDueMs && x.id < y.id);
  }
  peek(): Seq | undefined {
    return this.a[0];
  }
  push(s: Seq): void {
    const a = this.a;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!SeqHeap.less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }
  pop(): Seq | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && SeqHeap.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && SeqHeap.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
