/**
 * The constant-latency worker of a `fixed` profile: first token ttftMs after admission, then one token every
 * tpotMs, independent of batch size and prompt length (no KV limit, no cost model).
 */
import type { Prng } from './prng.js';
import type { FixedProfile } from './profiles.js';
import type { Seq } from './seq.js';
import { SeqHeap } from './seq-heap.js';
import { MIN_STEP_MS, removeFrom, type Worker, type WorkerHost } from './worker.js';

/** Constant-latency worker: per-sequence timelines in a min-heap, one token per due time. */
export class FixedWorker implements Worker {
  readonly role = 'fixed' as const;
  private readonly heap = new SeqHeap();
  private readonly waiting: Seq[] = [];
  private running = 0;

  constructor(
    private readonly engine: WorkerHost,
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
