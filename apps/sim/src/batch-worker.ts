/**
 * The batch scheduler: an iteration-level (continuous-batching, vLLM-like) worker, unified or one side of a P/D
 * pair. Each step admits waiting sequences FIFO while slots, KV and the token budget allow, reserves KV for decode
 * growth (preempting the newest sequences for recompute when it does not fit), mixes prefill chunks with decodes
 * (chunked prefill) or runs whole prompts alone, and is costed by the {@link StepCostModel}.
 */
import { StepCostModel } from './cost-model.js';
import { KvCache } from './kv-cache.js';
import type { Prng } from './prng.js';
import type { BatchedProfile } from './profiles.js';
import type { Seq } from './seq.js';
import { removeFrom, type Worker, type WorkerHost } from './worker.js';

interface PlannedStep {
  startMs: number;
  endMs: number;
  decode: Seq[];
  prefill: { seq: Seq; tokens: number }[];
}

/** Continuous-batching worker (unified, prefill-only or decode-only). */
export class BatchWorker implements Worker {
  private readonly waiting: Seq[] = [];
  private readonly running: Seq[] = [];
  private readonly kv: KvCache;
  private readonly cost: StepCostModel;
  private freeAtMs = 0;
  private step: PlannedStep | null = null;
  /** set when planning found nothing to run; cleared by submit/abort (never spin on it) */
  private stuck = false;

  constructor(
    readonly role: 'unified' | 'prefill' | 'decode',
    private readonly engine: WorkerHost,
    private readonly p: BatchedProfile,
    rng: Prng,
    /** P/D: where finished prefills go */
    private readonly decodeWorker: BatchWorker | null = null,
  ) {
    this.kv = new KvCache(p.kvCapacityTokens);
    this.cost = new StepCostModel(p, rng);
  }

  get runningCount(): number {
    return this.running.length;
  }
  get waitingCount(): number {
    return this.waiting.length;
  }
  get kvUsedTokens(): number {
    return this.kv.usedTokens;
  }
  get kvCapacityTokens(): number {
    return this.kv.capacityTokens;
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
      this.kv.release(seq);
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
    return this.running.length < this.p.maxNumSeqs && this.kv.hasRoomFor(s.promptTokens + s.generated);
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
    while (!this.kv.hasRoomFor(need) && this.running.length > 0) {
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
      this.kv.allocate(s);
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
    this.kv.release(s);
    // recompute: the prompt and everything generated so far must be prefilled again
    s.prefillRemaining = s.promptTokens + s.generated;
    s.state = 'waiting';
    s.preemptions++;
    this.engine.counters.preemptions++;
    this.waiting.unshift(s);
  }

  private finishPlan(startMs: number, decode: Seq[], prefill: { seq: Seq; tokens: number }[]): PlannedStep {
    let kvReadTokens = 0;
    for (const s of decode) kvReadTokens += s.kvTokens;
    let prefillTokens = 0;
    for (const e of prefill) prefillTokens += e.tokens;
    const costMs = this.cost.stepMs({
      decodeSeqs: decode.length,
      kvReadTokens,
      prefillTokens,
      speculative: decode.length > 0 && this.role !== 'prefill',
    });
    return { startMs, endMs: startMs + costMs, decode, prefill };
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
    this.kv.grow(seq, n);
    if (first === 0) seq.firstTokenMs = t;
    else this.engine.onInterToken?.(t - seq.lastTokenMs);
    seq.lastTokenMs = t;
    this.engine.counters.generationTokens += n;
    seq.listener.onTokens(seq, first, n, t);
    if (seq.state !== 'running') return; // the listener aborted it (injected disconnect)
    if (seq.generated >= seq.targetTokens) {
      removeFrom(this.running, seq);
      this.kv.release(seq);
      this.engine.finish(seq, t);
    } else if (seq.stallAtToken >= 0 && seq.generated >= seq.stallAtToken) {
      seq.stalledUntilMs = t + seq.stallMs;
      seq.stallAtToken = -1;
    }
  }

  private handOff(seq: Seq, t: number): void {
    const d = this.p.disaggregation!;
    removeFrom(this.running, seq);
    this.kv.release(seq);
    seq.state = 'transfer';
    seq.readyAtMs = t + d.kvTransferBaseMs + d.kvTransferPerTokenMs * seq.promptTokens;
    this.decodeWorker!.submit(seq);
  }
}
