import type {
  ErrorClass,
  Limits,
  LoadLevel,
  RequestParams,
  RequestSample,
  TargetConn,
  TraceEntry,
  Warmup,
  WorkloadSpec,
} from '@inferbench/contracts';
import type { Clock, LlmClient, LlmOutcome, LlmRequest, Tokenizer } from '../ports.js';
import {
  type ArrivalSchedule,
  createRateSchedule,
  createStagedRateSchedule,
  createTraceSchedule,
} from '../strategies/arrivals.js';
import {
  type ConcurrencyProfile,
  createFixedConcurrency,
  createStagedConcurrency,
} from '../strategies/concurrency.js';
import { shardLoadLevel, splitCount } from '../strategies/plan.js';
import { createRng, deriveSeed } from '../strategies/rng.js';
import { normalizeTrace, parseTrace } from '../strategies/trace.js';
import { defaultLoadDataset } from '../workloads/dataset-source.js';
import { createWorkload, type WorkItem, type WorkloadSource } from '../workloads/workload.js';
import { outcomeToSample } from './samples.js';
import { SelfCheck, type SelfCheckReport } from './self-check.js';

/** What to run: one shard of one load point (the fields of a `LoadPointJob`). */
export interface RunLoadPointInput {
  target: TargetConn;
  params: RequestParams;
  workload: WorkloadSpec;
  load: LoadLevel;
  /** measured requests (warm-up not included); with `durationSec`, whichever ends first */
  requests?: number;
  /** measured duration, seconds (after a warm-up, which adds to it) */
  durationSec?: number;
  warmup?: Warmup;
  limits: Limits;
  seed: number;
  /** this agent's part of the point: rate divided by count, concurrency and request counts split */
  shard?: { index: number; count: number };
}

/** Progress, about once per second of the load point. */
export interface LoadTick {
  /** whole seconds since the start */
  tSec: number;
  /** finished requests (not cancelled), warm-up included */
  done: number;
  errors: number;
  inFlight: number;
  outputTokens: number;
  /** total requests planned (warm-up included) when known */
  planned?: number;
}

/** The adapters `runLoadPoint` works through. */
export interface RunLoadPointDeps {
  client: LlmClient;
  clock: Clock;
  tokenizer: Tokenizer;
  /** aborting it cancels the point: sending stops, in-flight requests become `cancelled` samples */
  signal: AbortSignal;
  /** called synchronously once per request, in completion order; must not block (buffer in the caller) */
  onSample(sample: RequestSample): void;
  onTick?(tick: LoadTick): void;
  /** reads datasets and traces (`builtin:` names and paths); default: package data + local files */
  loadDataset?(source: string): Promise<string>;
}

/** How a load point ended: `completed` normally, `cancelled` by the caller's signal, `aborted` by a limit. */
export type LoadPointEndStatus = 'completed' | 'cancelled' | 'aborted';

/** What `runLoadPoint` reports besides the samples. Invariant: sent = completed + cancelledTail = samples emitted. */
export interface RunLoadPointResult {
  status: LoadPointEndStatus;
  /** why the point was aborted or cancelled, in plain language */
  reason?: string;
  /** requests admitted by the schedule (one sample each), warm-up included */
  sent: number;
  /** requests that finished by themselves (successes and failures), warm-up included */
  completed: number;
  /** requests cut off by the end of the window, a limit or a cancel (errorClass `cancelled`), including
   * open-loop requests still waiting for a concurrency slot */
  cancelledTail: number;
  /** warm-up samples */
  warmup: number;
  /** plain-language warnings (client fell behind, shard without load, …) */
  warnings: string[];
  /** wall-clock time of the start (Date.now()), to place µs-relative samples in real time */
  startedAtEpochMs: number;
  selfCheck: SelfCheckReport;
}

/** Finished-request count below which an error rate is not judged (a single early error is not a trend). */
export const ERROR_RATE_MIN_REQUESTS = 20;
/** After cancelling the tail, how long requests get to return their (cancelled) outcome before being recorded anyway. */
export const CANCEL_GRACE_US = 2_000_000;
/** Consecutive sends without a real wait after which the dispatcher yields to the event loop (I/O must run). */
const YIELD_EVERY = 64;

/**
 * Runs one shard of one load point: sends requests by the load level's strategy (closed-loop concurrency, open-loop
 * rate, stages, trace), with warm-up and limits; records every request as a `RequestSample` through `onSample`.
 * Never throws for per-request failures (they are samples); throws only for bad input (e.g. unreadable dataset).
 */
export async function runLoadPoint(
  input: RunLoadPointInput,
  deps: RunLoadPointDeps,
): Promise<RunLoadPointResult> {
  const shard = input.shard ?? { index: 0, count: 1 };
  if (!(shard.count >= 1 && shard.index >= 0 && shard.index < shard.count)) {
    throw new RangeError(`bad shard ${shard.index}/${shard.count}`);
  }
  // The load level is part of the seed: each point of a sweep gets its own prompts. With one seed for all
  // points, every point after the first would resend the first one's prompts, and a server with prefix
  // caching (vLLM's default) would answer them from cache and look faster than it is.
  const seed = deriveSeed(input.seed, 'shard', shard.index, shard.count, 'level', JSON.stringify(input.load));
  const warnings: string[] = [];
  const load = shardLoadLevel(input.load, shard);
  const requests = input.requests !== undefined ? splitCount(input.requests, shard) : undefined;
  const warmupRequests =
    input.warmup?.requests !== undefined ? splitCount(input.warmup.requests, shard) : undefined;
  const maxRequests =
    input.limits.maxRequests !== undefined
      ? Math.max(1, splitCount(input.limits.maxRequests, shard))
      : undefined;

  const empty = (why: string): RunLoadPointResult => ({
    status: 'completed',
    sent: 0,
    completed: 0,
    cancelledTail: 0,
    warmup: 0,
    warnings: [why],
    startedAtEpochMs: Date.now(),
    selfCheck: { wallSec: 0 },
  });
  if (load === null)
    return empty(`shard ${shard.index} of ${shard.count} has no load: the level is too small to split`);
  if (requests === 0)
    return empty(
      `shard ${shard.index} of ${shard.count} has no requests: ${input.requests} split ${shard.count} ways`,
    );

  const loadText = deps.loadDataset ?? defaultLoadDataset;
  const workload = await createWorkload(input.workload, {
    tokenizer: deps.tokenizer,
    seed,
    apiKind: input.target.apiKind,
    loadDataset: loadText,
  });
  warnings.push(...workload.notes);

  let trace: TraceEntry[] | undefined;
  if (load.kind === 'trace') {
    const all = load.entries
      ? normalizeTrace(load.entries)
      : load.source
        ? parseTrace(await loadText(load.source))
        : undefined;
    if (!all) throw new Error('a trace load level needs source or entries');
    trace = all.filter((_, i) => i % shard.count === shard.index);
    if (input.workload.kind !== 'synthetic' || input.workload.sharedPrefix || input.workload.multiTurn) {
      warnings.push(
        "trace replay sends plain synthetic prompts of the trace's lengths; the workload's prompts are not used",
      );
    }
  }

  const run = new PointRun(input, deps, {
    load,
    seed,
    requests,
    warmupRequests,
    maxRequests,
    workload,
    trace,
    warnings,
  });
  return run.execute();
}

interface Resolved {
  load: LoadLevel;
  seed: number;
  requests: number | undefined;
  warmupRequests: number | undefined;
  maxRequests: number | undefined;
  workload: WorkloadSource;
  trace: TraceEntry[] | undefined;
  warnings: string[];
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

type Severity = Record<LoadPointEndStatus, number>;
const SEVERITY: Severity = { completed: 0, aborted: 1, cancelled: 2 };

class PointRun {
  private readonly clock: Clock;
  private startUs = 0;
  private readonly selfCheck = new SelfCheck();

  /** stops the dispatchers' sleeps; set once no more requests will be admitted */
  private readonly stopSending = new AbortController();
  /** aborts in-flight requests (end of window, limit, cancel) */
  private readonly tailAbort = new AbortController();
  /** set when the point is over (ends the deadline, tick and grace tasks) */
  private readonly finished = new AbortController();
  private deadlineRearm = new AbortController();

  private status: LoadPointEndStatus = 'completed';
  private reason: string | undefined;
  private tailCancelled = false;
  private stopDecided = false;

  /** window end, µs from start, and whether reaching it is the planned end or a limit */
  private deadline: { atUs: number; kind: 'end' | 'limit' };
  private readonly warmupDurUs: number;

  private admitted = 0;
  private admittedMeasured = 0;
  private finalizedCount = 0;
  private completedCount = 0;
  private cancelledCount = 0;
  private errorCount = 0;
  private warmupCount = 0;
  private outputTokens = 0;
  private readonly inFlight = new Set<Pending>();
  private readonly queue: Pending[] = [];
  private drainWaiter: (() => void) | undefined;
  private onSampleFailed = false;

  constructor(
    private readonly input: RunLoadPointInput,
    private readonly deps: RunLoadPointDeps,
    private readonly r: Resolved,
  ) {
    this.clock = deps.clock;
    this.warmupDurUs = (input.warmup?.durationSec ?? 0) * 1e6;
    const maxUs = input.limits.maxDurationSec * 1e6;
    let endUs = Infinity;
    if (input.durationSec !== undefined && !(r.warmupRequests && r.warmupRequests > 0)) {
      endUs = this.warmupDurUs + input.durationSec * 1e6;
    }
    if (r.load.kind === 'stages') endUs = Math.min(endUs, this.stagesEndUs(r.load));
    const isBounded =
      input.requests !== undefined ||
      input.durationSec !== undefined ||
      r.load.kind === 'stages' ||
      r.load.kind === 'trace';
    if (!isBounded) {
      r.warnings.push(
        `no requests or durationSec given: ran until limits.maxDurationSec (${input.limits.maxDurationSec} s)`,
      );
      endUs = maxUs;
    }
    this.deadline = endUs <= maxUs ? { atUs: endUs, kind: 'end' } : { atUs: maxUs, kind: 'limit' };
  }

  private stagesEndUs(level: Extract<LoadLevel, { kind: 'stages' }>): number {
    return level.stages.reduce((s, st) => s + st.durationSec, 0) * 1e6;
  }

  private rel(): number {
    return this.clock.nowUs() - this.startUs;
  }

  private get planned(): number | undefined {
    if (this.r.requests !== undefined) return this.r.requests + (this.r.warmupRequests ?? 0);
    if (this.r.trace) return this.r.trace.length;
    return undefined;
  }

  async execute(): Promise<RunLoadPointResult> {
    const { signal } = this.deps;
    this.startUs = this.clock.nowUs();
    const startedAtEpochMs = Date.now();
    this.selfCheck.start();
    const onCancel = (): void => this.stop('cancelled', 'cancelled by the caller', true);
    if (signal.aborted) onCancel();
    else signal.addEventListener('abort', onCancel, { once: true });

    const background = [this.deadlineLoop(), this.tickLoop()];
    try {
      if (!this.stopSending.signal.aborted) await this.dispatch();
      this.stopSendingNow();
      await this.drain();
    } finally {
      signal.removeEventListener('abort', onCancel);
      this.finished.abort();
      await Promise.all(background);
    }
    const { report, warnings } = this.selfCheck.stop();
    try {
      this.r.warnings.push(...(this.deps.client.connectionWarnings?.() ?? []));
    } catch {
      // a client's notes are best effort
    }
    if (this.queueWaits > 0) {
      this.r.warnings.push(
        `${this.queueWaits} requests waited for a concurrency slot (maxConcurrency reached); see clientQueueUs`,
      );
    }
    return {
      status: this.status,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      sent: this.admitted,
      completed: this.completedCount,
      cancelledTail: this.cancelledCount,
      warmup: this.warmupCount,
      warnings: [...this.r.warnings, ...warnings],
      startedAtEpochMs,
      selfCheck: report,
    };
  }

  private queueWaits = 0;

  // ---- ending --------------------------------------------------------------------------------------------

  /** Records why the point ends (the most severe reason wins) and optionally cuts off the in-flight tail. */
  private stop(status: LoadPointEndStatus, reason: string | undefined, cancelTail: boolean): void {
    if (!this.stopDecided || SEVERITY[status] > SEVERITY[this.status]) {
      this.stopDecided = true;
      this.status = status;
      this.reason = reason;
    }
    this.stopSendingNow();
    if (cancelTail) this.cancelTail();
  }

  private stopSendingNow(): void {
    if (!this.stopSending.signal.aborted) this.stopSending.abort();
    this.checkDrained();
  }

  /** Aborts every in-flight request and records queued ones as cancelled; the stragglers get a grace period. */
  private cancelTail(): void {
    if (this.tailCancelled) return;
    this.tailCancelled = true;
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

  private async deadlineLoop(): Promise<void> {
    for (;;) {
      const signal = AbortSignal.any([this.finished.signal, this.deadlineRearm.signal]);
      await this.clock.sleepUntilUs(this.startUs + this.deadline.atUs, signal);
      if (this.finished.signal.aborted) return;
      if (this.deadlineRearm.signal.aborted) {
        this.deadlineRearm = new AbortController();
        continue;
      }
      if (this.deadline.kind === 'end') {
        this.stop('completed', undefined, true);
      } else {
        const of = this.r.requests !== undefined ? ` of ${this.r.requests}` : '';
        this.stop(
          'aborted',
          `limits.maxDurationSec (${this.input.limits.maxDurationSec} s) reached after ${this.admittedMeasured}${of} measured requests` +
            (this.inFlight.size > 0 ? `; ${this.inFlight.size} requests in flight were cancelled` : ''),
          true,
        );
      }
      return;
    }
  }

  /** Moves the deadline earlier (a request-count warm-up ended: the measured duration starts now). */
  private setMeasuredEnd(endUs: number): void {
    if (endUs <= this.deadline.atUs) {
      this.deadline = { atUs: endUs, kind: 'end' };
      this.deadlineRearm.abort();
    }
  }

  private async tickLoop(): Promise<void> {
    const onTick = this.deps.onTick;
    if (!onTick) return;
    for (let tSec = 1; ; tSec++) {
      await this.clock.sleepUntilUs(this.startUs + tSec * 1e6, this.finished.signal);
      if (this.finished.signal.aborted) return;
      const planned = this.planned;
      onTick({
        tSec,
        done: this.completedCount,
        errors: this.errorCount,
        inFlight: this.inFlight.size,
        outputTokens: this.outputTokens,
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

  // ---- admission -----------------------------------------------------------------------------------------

  /**
   * Decides whether one more request may be sent at `tRelUs` (its scheduled time in open loop) and whether it is
   * warm-up. Returns null (and stops sending) once the request count or a request limit is reached.
   */
  private admit(tRelUs: number): { idx: number; warmup: boolean } | null {
    if (this.stopSending.signal.aborted) return null;
    const { requests, warmupRequests, maxRequests } = this.r;
    if (requests !== undefined && this.admittedMeasured >= requests) {
      this.stop('completed', undefined, false);
      return null;
    }
    if (maxRequests !== undefined && this.admitted >= maxRequests) {
      this.stop('aborted', `limits.maxRequests (${maxRequests}) reached`, false);
      return null;
    }
    const warmup =
      warmupRequests !== undefined
        ? this.admitted < warmupRequests
        : this.warmupDurUs > 0 && tRelUs < this.warmupDurUs;
    if (!warmup) {
      if (this.admittedMeasured === 0 && warmupRequests && this.input.durationSec !== undefined) {
        this.setMeasuredEnd(this.rel() + this.input.durationSec * 1e6);
      }
      this.admittedMeasured++;
    }
    return { idx: this.admitted++, warmup };
  }

  // ---- dispatch ------------------------------------------------------------------------------------------

  private async dispatch(): Promise<void> {
    const { load } = this.r;
    const arrivalsRng = createRng(deriveSeed(this.r.seed, 'arrivals'));
    switch (load.kind) {
      case 'concurrency':
        return this.closedLoop(createFixedConcurrency(load.concurrency, load.rampUpSec));
      case 'stages':
        if (load.mode === 'concurrency')
          return this.closedLoop(createStagedConcurrency(load.startTarget ?? 1, load.stages));
        return this.openLoop(
          createStagedRateSchedule(load.startTarget ?? 0, load.stages, load, arrivalsRng),
          load.maxConcurrency,
        );
      case 'rate':
        return this.openLoop(createRateSchedule(load.rate, load, arrivalsRng), load.maxConcurrency);
      case 'trace': {
        const entries = this.r.trace ?? [];
        let i = 0;
        const lengths = (): WorkItem => {
          const e = entries[i++]!;
          return this.r.workload.nextWithLengths(e.inputTokens, e.outputTokens);
        };
        return this.openLoop(
          createTraceSchedule(
            entries.map((e) => e.tMs),
            load.speedup,
          ),
          load.maxConcurrency,
          lengths,
        );
      }
    }
  }

  private async closedLoop(profile: ConcurrencyProfile): Promise<void> {
    const workers: Promise<void>[] = [];
    for (let i = 0; i < profile.maxSlots; i++) workers.push(this.worker(i, profile));
    await Promise.all(workers);
  }

  private async worker(slot: number, profile: ConcurrencyProfile): Promise<void> {
    let sameInstant = 0;
    let lastUs = -1;
    for (;;) {
      if (this.stopSending.signal.aborted) return;
      const nowRel = this.rel();
      if (profile.slotsAt(nowRel) <= slot) {
        const t = profile.firstTimeAtLeast(slot + 1, nowRel);
        if (t === null) return;
        // +1 µs guards against a float crossing time that rounds to "still closed"
        await this.clock.sleepUntilUs(this.startUs + Math.max(t, nowRel + 1), this.stopSending.signal);
        continue;
      }
      const adm = this.admit(nowRel);
      if (!adm) return;
      const p = this.newPending(adm, this.r.workload.next(), undefined);
      this.launch(p);
      await p.done;
      // a client that answers without real waiting would otherwise starve timers and I/O
      if (this.clock.nowUs() === lastUs) {
        if (++sameInstant % YIELD_EVERY === 0) await yieldToLoop();
      } else {
        sameInstant = 0;
        lastUs = this.clock.nowUs();
      }
    }
  }

  private async openLoop(
    schedule: ArrivalSchedule,
    maxConcurrency: number | undefined,
    make?: () => WorkItem,
  ): Promise<void> {
    const workload = this.r.workload;
    let sinceWait = 0;
    for (;;) {
      const t = schedule.next();
      if (t === null) return;
      if (t >= this.deadline.atUs && this.deadline.kind === 'end') {
        // the rest of the schedule lies beyond the window: wait for the deadline to end the point
        return;
      }
      // build the prompt before sleeping so tokenization stays off the send instant
      const item = make ? make() : workload.next();
      const atUs = this.startUs + t;
      if (this.clock.nowUs() < atUs) {
        await this.clock.sleepUntilUs(atUs, this.stopSending.signal);
        sinceWait = 0;
      } else if (++sinceWait % YIELD_EVERY === 0) {
        await yieldToLoop();
      }
      const adm = this.admit(t);
      if (!adm) return;
      const p = this.newPending(adm, item, t);
      if (maxConcurrency !== undefined && (this.inFlight.size >= maxConcurrency || this.queue.length > 0)) {
        this.queueWaits++;
        this.queue.push(p);
      } else {
        if (maxConcurrency !== undefined) p.clientQueueUs = 0;
        this.launch(p);
      }
    }
  }

  private newPending(
    adm: { idx: number; warmup: boolean },
    item: WorkItem,
    scheduledUs: number | undefined,
  ): Pending {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    return {
      idx: adm.idx,
      warmup: adm.warmup,
      item,
      ...(scheduledUs !== undefined ? { scheduledUs } : {}),
      admittedAtUs: this.clock.nowUs(),
      finalized: false,
      resolve,
      done,
    };
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
      (o) => this.finalize(p, o, this.tailCancelled && o.errorClass !== undefined ? 'cancelled' : undefined),
      (err: unknown) => {
        const nowUs = this.clock.nowUs();
        const msg = `client threw: ${err instanceof Error ? err.message : String(err)}`;
        this.finalize(p, cancelledOutcome(nowUs, msg), this.tailCancelled ? 'cancelled' : 'connect');
      },
    );
  }

  /** Releases queued open-loop requests into free slots (FIFO), recording how long each waited. */
  private pump(): void {
    const load = this.r.load;
    const max =
      load.kind === 'rate' || load.kind === 'stages' || load.kind === 'trace'
        ? load.maxConcurrency
        : undefined;
    if (max === undefined || this.tailCancelled) return;
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
    const sample = outcomeToSample(
      o,
      {
        idx: p.idx,
        warmup: p.warmup,
        startUs: this.startUs,
        promptTokens: p.item.promptTokens,
        ...(p.scheduledUs !== undefined ? { scheduledUs: p.scheduledUs } : {}),
        ...(p.clientQueueUs !== undefined ? { clientQueueUs: p.clientQueueUs } : {}),
        ...(errorClass !== undefined ? { errorClass } : {}),
      },
      this.deps.tokenizer,
    );
    this.finalizedCount++;
    if (sample.warmup) this.warmupCount++;
    if (sample.errorClass === 'cancelled') {
      this.cancelledCount++;
    } else {
      this.completedCount++;
      if (sample.errorClass !== undefined) this.errorCount++;
      this.outputTokens += sample.outputTokens;
      // warm-up absorbs one-time costs (connection setup, lazy module/WASM compilation): judge the window only
      if (sample.scheduledUs !== undefined && !sample.warmup) {
        this.selfCheck.recordScheduleDelay(sample.sentUs - sample.scheduledUs - (sample.clientQueueUs ?? 0));
      }
    }
    try {
      this.deps.onSample(sample);
    } catch (err) {
      if (!this.onSampleFailed) {
        this.onSampleFailed = true;
        this.r.warnings.push(
          `the sample consumer threw (${err instanceof Error ? err.message : String(err)}); samples may be missing downstream`,
        );
      }
    }
    this.r.workload.complete(p.item, { ok: sample.errorClass === undefined, replyText: o.text });
    p.resolve();
    this.checkErrorRate();
    this.pump();
    this.checkDrained();
  }

  private checkErrorRate(): void {
    const max = this.input.limits.maxErrorRate;
    if (max === undefined || this.tailCancelled) return;
    const planned = this.planned;
    const minRequests = Math.min(ERROR_RATE_MIN_REQUESTS, planned ?? ERROR_RATE_MIN_REQUESTS);
    if (this.completedCount < minRequests) return;
    const rate = this.errorCount / this.completedCount;
    if (rate > max) {
      this.stop(
        'aborted',
        `error rate ${(rate * 100).toFixed(1)} % (${this.errorCount} of ${this.completedCount} requests) exceeded limits.maxErrorRate ${(max * 100).toFixed(1)} %`,
        true,
      );
    }
  }
}

function cancelledOutcome(nowUs: number, message: string): LlmOutcome {
  return {
    sentUs: nowUs,
    chunkTimesUs: [],
    endUs: nowUs,
    httpStatus: 0,
    errorClass: 'cancelled',
    errorMessage: message,
    text: '',
    reasoningText: '',
    toolCallText: '',
  };
}

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
