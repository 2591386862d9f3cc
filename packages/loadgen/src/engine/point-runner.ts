import type { ErrorClass } from '@inferbench/contracts';
import type { Clock, LlmOutcome, LlmRequest } from '../ports.js';
import type { WorkItem, WorkloadSource } from '../workloads/workload.js';
import { ConstraintSet, type Constraint, type StopDecision, type WarmupPolicy } from './constraints/index.js';
import type {
  LoadPointEndStatus,
  RunLoadPointDeps,
  RunLoadPointInput,
  RunLoadPointResult,
} from './point-types.js';
import type { ReleaseContext, ReleaseStrategy, Ticket } from './release/index.js';
import { cancelledOutcome, PointCounters, SampleRecorder } from './sample-recorder.js';
import { SelfCheck } from './self-check.js';

/** After cancelling the tail, how long requests get to return their (cancelled) outcome before being recorded anyway. */
export const CANCEL_GRACE_US = 2_000_000;

/** What the runner composes: how requests are released, what limits the point, which requests are warm-up. */
export interface PointRunnerParts {
  workload: WorkloadSource;
  release: ReleaseStrategy;
  constraints: readonly Constraint[];
  isWarmup: WarmupPolicy;
  /** total requests planned (warm-up included) when known */
  planned: number | undefined;
  /** warnings so far; the runner appends its own */
  warnings: string[];
  /**
   * a common start on this runner's clock (worker threads of one point): the runner waits for it (a cancel ends
   * the wait) and every time is relative to it. Default: the moment `execute` is called
   */
  startAtUs?: number;
  /** the self-check to use (worker threads judge their own thread); default a process-wide one */
  selfCheck?: SelfCheck;
}

/** One admitted request. */
interface Pending {
  idx: number;
  warmup: boolean;
  item: WorkItem;
  scheduledUs?: number;
  /** when it was admitted (absolute µs), for client queue time */
  admittedAtUs: number;
  clientQueueUs?: number;
  finalized: boolean;
  resolve: () => void;
  done: Promise<void>;
}

const SEVERITY: Record<LoadPointEndStatus, number> = { completed: 0, aborted: 1, cancelled: 2 };

/**
 * Runs one shard of one load point: the release strategy sends requests through `admit`/`send`, the
 * constraints decide when the point stops (and whether the in-flight tail is cut off), and every request
 * becomes exactly one sample. Invariant: sent = completed + cancelledTail = samples emitted.
 */
export class PointRunner {
  private readonly clock: Clock;
  private startUs = 0;
  private readonly selfCheck: SelfCheck;

  /** stops the strategy's sleeps; set once no more requests will be admitted */
  private readonly stopSending = new AbortController();
  /** aborts in-flight requests (end of window, limit, cancel) */
  private readonly tailAbort = new AbortController();
  /** set when the point is over (ends the timer, tick and grace tasks) */
  private readonly finished = new AbortController();

  private status: LoadPointEndStatus = 'completed';
  private reason: string | undefined;
  private stopDecided = false;

  private queueWaits = 0;
  private readonly inFlight = new Set<Pending>();
  private readonly queue: Pending[] = [];
  private drainWaiter: (() => void) | undefined;
  private readonly recorder: SampleRecorder;
  private readonly constraints: ConstraintSet;
  /** counts so far; constraints read them as PointProgress */
  private readonly n: PointCounters;

  constructor(
    private readonly input: RunLoadPointInput,
    private readonly deps: RunLoadPointDeps,
    private readonly parts: PointRunnerParts,
  ) {
    this.clock = deps.clock;
    this.selfCheck = parts.selfCheck ?? new SelfCheck();
    this.n = new PointCounters(this.inFlight, parts.planned);
    this.constraints = new ConstraintSet(parts.constraints, this.n, (d) => this.stop(d));
    this.recorder = new SampleRecorder(this.n, {
      tokenizer: deps.tokenizer,
      onSample: deps.onSample,
      workload: parts.workload,
      selfCheck: this.selfCheck,
      warnings: parts.warnings,
    });
  }

  private rel(): number {
    return this.clock.nowUs() - this.startUs;
  }

  async execute(): Promise<RunLoadPointResult> {
    const at = this.parts.startAtUs;
    if (at !== undefined) await this.clock.sleepUntilUs(at, this.deps.signal);
    this.startUs = at ?? this.clock.nowUs();
    const startedAtEpochMs =
      at === undefined ? Date.now() : Math.round(Date.now() - (this.clock.nowUs() - this.startUs) / 1000);
    this.selfCheck.start();
    const unwatch = this.constraints.watch();
    const background = [
      this.constraints.runTimer(this.clock, this.startUs, () => this.rel(), this.finished.signal),
      this.tickLoop(),
    ];
    try {
      if (!this.stopSending.signal.aborted) await this.parts.release.run(this.releaseContext());
      this.stopSendingNow();
      await this.drain();
    } finally {
      unwatch();
      this.finished.abort();
      await Promise.all(background);
    }
    const { report, warnings } = this.selfCheck.stop();
    const notes = this.parts.warnings;
    try {
      notes.push(...(this.deps.client.connectionWarnings?.() ?? []));
    } catch {
      // a client's notes are best effort
    }
    if (this.queueWaits > 0) {
      notes.push(
        `${this.queueWaits} requests waited for a concurrency slot (maxConcurrency reached); see clientQueueUs`,
      );
    }
    return {
      status: this.status,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      sent: this.n.admitted,
      completed: this.n.completed,
      cancelledTail: this.n.cancelled,
      warmup: this.n.warmup,
      warnings: [...notes, ...warnings],
      startedAtEpochMs,
      selfCheck: report,
    };
  }

  private releaseContext(): ReleaseContext {
    return {
      clock: this.clock,
      startUs: this.startUs,
      stopSignal: this.stopSending.signal,
      nowRelUs: () => this.rel(),
      plannedEndUs: () => this.constraints.plannedEndUs(),
      admit: (tRelUs) => this.admit(tRelUs),
      send: (ticket, item, scheduledUs) => this.send(ticket, item, scheduledUs),
    };
  }

  // ---- ending --------------------------------------------------------------------------------------------

  /** Records why the point ends (the most severe reason wins) and optionally cuts off the in-flight tail. */
  private stop(d: StopDecision): void {
    if (!this.stopDecided || SEVERITY[d.status] > SEVERITY[this.status]) {
      this.stopDecided = true;
      this.status = d.status;
      this.reason = d.reason;
    }
    this.stopSendingNow();
    if (d.cancelTail) this.cancelTail();
  }

  private stopSendingNow(): void {
    if (!this.stopSending.signal.aborted) this.stopSending.abort();
    this.checkDrained();
  }

  /** Aborts every in-flight request and records queued ones as cancelled; the stragglers get a grace period. */
  private cancelTail(): void {
    if (this.n.tailCancelled) return;
    this.n.tailCancelled = true;
    this.tailAbort.abort();
    const nowUs = this.clock.nowUs();
    for (const p of this.queue.splice(0)) {
      p.clientQueueUs = nowUs - p.admittedAtUs;
      this.finalize(p, cancelledOutcome(nowUs, 'cancelled before it got a concurrency slot'), 'cancelled');
    }
    if (this.inFlight.size > 0) void this.graceLoop(nowUs + CANCEL_GRACE_US);
    this.checkDrained();
  }

  private async graceLoop(untilUs: number): Promise<void> {
    await this.clock.sleepUntilUs(untilUs, this.finished.signal);
    if (this.finished.signal.aborted) return;
    const nowUs = this.clock.nowUs();
    for (const p of [...this.inFlight]) {
      this.finalize(p, cancelledOutcome(nowUs, 'the client did not return after the cancel'), 'cancelled');
    }
  }

  private async tickLoop(): Promise<void> {
    const onTick = this.deps.onTick;
    if (!onTick) return;
    for (let tSec = 1; ; tSec++) {
      await this.clock.sleepUntilUs(this.startUs + tSec * 1e6, this.finished.signal);
      if (this.finished.signal.aborted) return;
      const planned = this.parts.planned;
      onTick({
        tSec,
        done: this.n.completed,
        errors: this.n.errors,
        inFlight: this.inFlight.size,
        outputTokens: this.n.outputTokens,
        ...(planned !== undefined ? { planned } : {}),
      });
    }
  }

  private drain(): Promise<void> {
    if (this.inFlight.size === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
      this.checkDrained();
    });
  }

  private checkDrained(): void {
    if (
      this.drainWaiter &&
      this.stopSending.signal.aborted &&
      this.inFlight.size === 0 &&
      this.queue.length === 0
    ) {
      const w = this.drainWaiter;
      this.drainWaiter = undefined;
      w();
    }
  }

  // ---- admission and sending -----------------------------------------------------------------------------

  /** One more request at `tRelUs`, unless a constraint stops the point first; null once sending is over. */
  private admit(tRelUs: number): Ticket | null {
    if (this.stopSending.signal.aborted) return null;
    if (!this.constraints.mayAdmit()) return null;
    const warmup = this.parts.isWarmup(this.n.admitted, tRelUs);
    this.constraints.admitted(
      { warmup, firstMeasured: !warmup && this.n.admittedMeasured === 0 },
      this.rel(),
    );
    if (!warmup) this.n.admittedMeasured++;
    return { idx: this.n.admitted++, warmup };
  }

  private send(ticket: Ticket, item: WorkItem, scheduledUs: number | undefined): Promise<void> {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const p: Pending = {
      idx: ticket.idx,
      warmup: ticket.warmup,
      item,
      ...(scheduledUs !== undefined ? { scheduledUs } : {}),
      admittedAtUs: this.clock.nowUs(),
      finalized: false,
      resolve,
      done,
    };
    const cap = this.parts.release.slotCap;
    if (cap !== undefined && (this.inFlight.size >= cap || this.queue.length > 0)) {
      this.queueWaits++;
      this.queue.push(p);
    } else {
      if (cap !== undefined) p.clientQueueUs = 0;
      this.launch(p);
    }
    return done;
  }

  private launch(p: Pending): void {
    this.inFlight.add(p);
    const req: LlmRequest = {
      target: this.input.target,
      params: this.input.params,
      prompt: p.item.prompt,
      promptTokens: p.item.promptTokens,
      ...(p.item.maxTokens !== undefined ? { maxTokens: p.item.maxTokens } : {}),
      signal: this.tailAbort.signal,
    };
    let promise: Promise<LlmOutcome>;
    try {
      promise = this.deps.client.send(req);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (o) =>
        this.finalize(p, o, this.n.tailCancelled && o.errorClass !== undefined ? 'cancelled' : undefined),
      (err: unknown) => {
        const nowUs = this.clock.nowUs();
        const msg = `client threw: ${err instanceof Error ? err.message : String(err)}`;
        this.finalize(p, cancelledOutcome(nowUs, msg), this.n.tailCancelled ? 'cancelled' : 'connect');
      },
    );
  }

  /** Releases queued open-loop requests into free slots (FIFO), recording how long each waited. */
  private pump(): void {
    const max = this.parts.release.slotCap;
    if (max === undefined || this.n.tailCancelled) return;
    while (this.queue.length > 0 && this.inFlight.size < max) {
      const p = this.queue.shift()!;
      p.clientQueueUs = this.clock.nowUs() - p.admittedAtUs;
      this.launch(p);
    }
  }

  // ---- recording -----------------------------------------------------------------------------------------

  private finalize(p: Pending, o: LlmOutcome, errorClass: ErrorClass | undefined): void {
    if (p.finalized) return;
    p.finalized = true;
    this.inFlight.delete(p);
    const sample = this.recorder.record(p, o, this.startUs, errorClass);
    p.resolve();
    this.constraints.requestDone(sample);
    this.pump();
    this.checkDrained();
  }
}
