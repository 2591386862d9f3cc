import {
  JOBS,
  PROTOCOL_VERSION,
  sampleBatchJobId,
  type AgentEvent,
  type LoadPointFinishedEvent,
  type LoadPointJob,
  type LoadPointTelemetry,
  type RequestSample,
  type StartSync,
  type TokenizerInfo,
} from '@inferbench/contracts';
import type {
  Clock,
  LlmClient,
  LoadTick,
  RunLoadPointDeps,
  RunLoadPointInput,
  RunLoadPointResult,
  ResolvedTokenizer,
  Tokenizer,
} from '@inferbench/loadgen';
import { isSucceeded, LiveWindow, LoadPointAccumulator } from '@inferbench/metrics';
import { z } from 'zod';
import type { Logger } from '../common/logger.js';
import type { PointObserver } from '../metrics/agent-metrics.js';
import type { PointTelemetrySession, StartPointTelemetry } from '../telemetry/point-telemetry.js';
import type { AbortCause, CancelRegistry } from './cancel-registry.js';
import { SampleBatcher } from './sample-batcher.js';
import type { StartSyncOutcome } from './start-sync.js';

/** The load engine entry point (loadgen's `runLoadPoint`; tests pass scripted engines). */
export type RunLoadPointFn = (
  input: RunLoadPointInput,
  deps: RunLoadPointDeps,
) => Promise<RunLoadPointResult>;

/** Sends one event to the ingest queue; resolves when Redis acknowledged it (IngestSink.send). */
export type SendEvent = (event: AgentEvent, jobId?: string) => Promise<void>;

export interface LoadPointProcessorDeps {
  agentId: string;
  send: SendEvent;
  cancels: CancelRegistry;
  /** true when `cancelKey(prefix, runId)` exists */
  isRunCancelled(runId: string): Promise<boolean>;
  runLoadPoint: RunLoadPointFn;
  /** a client sized for this job's load (the processor closes it) */
  createClient(job: LoadPointJob): LlmClient;
  getTokenizer(): Promise<Tokenizer>;
  /**
   * The tokenizer for this job's target (its own `tokenizer` setting, else the agent's default; resolved once per
   * target and cached). Undefined: the agent-wide {@link getTokenizer} is used.
   */
  resolveTokenizer?(job: LoadPointJob): Promise<ResolvedTokenizer | undefined>;
  clock: Clock;
  loadDataset?(source: string): Promise<string>;
  /** called with the job when it starts and with null when it ends (heartbeat busy/idle) */
  onJobState(job: Pick<LoadPointJob, 'runId' | 'loadPointId' | 'shard' | 'attempt'>, running: boolean): void;
  /**
   * Waits for the common start of a sharded point (`waitForCommonStart` over Redis). Absent: a job with
   * `startSync` starts at once with a warning.
   */
  waitForStart?(sync: StartSync, shardIndex: number, signal: AbortSignal): Promise<StartSyncOutcome>;
  logger: Logger;
  /** epoch ms (event timestamps) */
  nowEpochMs?: () => number;
  /** partial-batch flush and cancel-key poll period, ms (default 1000) */
  flushIntervalMs?: number;
  /**
   * Starts server/GPU telemetry when the load begins (createPointTelemetryStarter); its result goes
   * into `loadpoint.finished`. Absent: no telemetry.
   */
  startTelemetry?: StartPointTelemetry;
  /**
   * The target's API key for a job whose target has one (`target.apiKeyFromApi`): `GET
   * /agents/load-points/:id/secret` with the agent's credential. Null: the target has no key any more. Absent: such
   * a job fails with a reason naming the missing settings.
   */
  fetchApiKey?(job: LoadPointJob): Promise<string | null>;
  /** the agent's own metrics for one point (AgentMetrics.observePoint): samples and ticks as they come. Absent: none */
  observePoint?(): PointObserver;
  /**
   * The engine builds the shard's accumulator itself (worker threads: each worker accumulates its samples and the
   * parts are merged exactly) and returns it in `result.accumulator`; the processor then does not add every sample
   * again. Absent/false: the processor accumulates the samples it is given (one thread).
   */
  engineAccumulates?: boolean;
}

/** Outcome of processing one job, returned as the BullMQ job's return value. */
export interface LoadPointJobResult {
  status: LoadPointFinishedEvent['status'];
  reason?: string;
  batchCount: number;
  samples: number;
}

/** Thrown for a payload that fails the catalog's `loadpoint.execute` schema; the worker turns it into an UnrecoverableError. */
export class MalformedJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedJobError';
  }
}

const LooseIdsSchema = z.object({
  runId: z.string().min(1).max(64),
  loadPointId: z.string().min(1).max(64),
  shard: z.object({ index: z.number().int().min(0) }).optional(),
  attempt: z.number().int().min(0).optional(),
});

/**
 * Executes one `loadpoint.execute` job: parse → cancel check → started → engine (samples batched,
 * progress each second) → wait for every batch to be acknowledged → finished. Per-request failures are
 * samples; an engine throw becomes `finished` with status failed and the error as reason (never a retry:
 * re-running a half-done load point would double its load).
 */
export class LoadPointProcessor {
  private readonly now: () => number;

  constructor(private readonly deps: LoadPointProcessorDeps) {
    this.now = deps.nowEpochMs ?? Date.now;
  }

  async process(data: unknown): Promise<LoadPointJobResult> {
    const parsed = JOBS['loadpoint.execute'].schema.safeParse(data);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      const reason = `malformed load point job: ${issues}`.slice(0, 2000);
      const ids = LooseIdsSchema.safeParse(data);
      if (ids.success) {
        const attempt = ids.data.attempt ?? 0;
        await this.deps.send(
          this.finishedEvent(
            {
              runId: ids.data.runId,
              loadPointId: ids.data.loadPointId,
              shardIndex: ids.data.shard?.index ?? 0,
              attempt,
            },
            { status: 'failed', batchCount: 0, reason, warnings: [] },
          ),
          finishedJobId(ids.data.loadPointId, ids.data.shard?.index ?? 0, attempt),
        );
      }
      this.deps.logger.error('malformed job payload; not retried', { reason, reported: ids.success });
      throw new MalformedJobError(reason);
    }
    let job = parsed.data;
    if (job.target.apiKeyFromApi && job.target.apiKey === undefined) {
      // the key never travels in Redis: fetch it for this point (held in memory for the point only, never logged)
      let apiKey: string | null;
      try {
        if (!this.deps.fetchApiKey)
          throw new Error('this agent has no API connection (set INFERBENCH_API_URL and AGENT_TOKEN)');
        apiKey = await this.deps.fetchApiKey(job);
      } catch (err) {
        const reason = `cannot get the target's API key from the API: ${(err as Error).message}`.slice(
          0,
          2000,
        );
        const ids = {
          runId: job.runId,
          loadPointId: job.loadPointId,
          shardIndex: job.shard.index,
          attempt: job.attempt ?? 0,
        };
        this.deps.logger.error('target API key unavailable; load point failed', { ...ids, reason });
        await this.deps.send(
          this.finishedEvent(ids, { status: 'failed', batchCount: 0, reason, warnings: [] }),
          finishedJobId(job.loadPointId, job.shard.index, ids.attempt),
        );
        return { status: 'failed', reason, batchCount: 0, samples: 0 };
      }
      if (apiKey !== null) job = { ...job, target: { ...job.target, apiKey } };
    }
    return this.run(job);
  }

  private async run(job: LoadPointJob): Promise<LoadPointJobResult> {
    const { deps } = this;
    const ids = {
      runId: job.runId,
      loadPointId: job.loadPointId,
      shardIndex: job.shard.index,
      attempt: job.attempt ?? 0,
    };
    const log = deps.logger.child({ ...ids });
    const ctl = new AbortController();
    // register before checking the key so a cancel published in between is not missed
    const unregister = deps.cancels.register(job.runId, ctl);
    try {
      if (await deps.isRunCancelled(job.runId).catch(() => false)) {
        log.info('run already cancelled; load point skipped');
        const reason = 'run was cancelled before this load point started';
        await deps.send(
          this.finishedEvent(ids, { status: 'cancelled', batchCount: 0, reason, warnings: [] }),
          finishedJobId(job.loadPointId, job.shard.index, ids.attempt),
        );
        return { status: 'cancelled', reason, batchCount: 0, samples: 0 };
      }
      deps.onJobState(job, true);
      try {
        return await this.execute(job, ids, ctl, log);
      } finally {
        deps.onJobState(job, false);
      }
    } finally {
      unregister();
    }
  }

  private async execute(
    job: LoadPointJob,
    ids: EventIds,
    ctl: AbortController,
    log: Logger,
  ): Promise<LoadPointJobResult> {
    const { deps } = this;
    const acks: Promise<void>[] = [];
    acks.push(
      deps.send(
        { v: PROTOCOL_VERSION, ...ids, agentId: deps.agentId, ts: this.now(), type: 'loadpoint.started' },
        startedJobId(job.loadPointId, job.shard.index, ids.attempt),
      ),
    );

    const batcher = new SampleBatcher(job.batchSize, (samples, batchSeq) => {
      acks.push(
        deps.send(
          {
            v: PROTOCOL_VERSION,
            ...ids,
            agentId: deps.agentId,
            ts: this.now(),
            type: 'sample.batch',
            batchSeq,
            samples,
          },
          sampleBatchJobId(job.loadPointId, job.shard.index, batchSeq, ids.attempt),
        ),
      );
    });
    // seconds are emitted from 0 so the live chart starts at the point's start, empty seconds included
    const live = new LiveWindow({ startSec: 0 });
    // output tokens of measured successful requests: the denominator of GPU energy per output token
    let measuredOutputTokens = 0;
    // the shard's exact accumulator (same SLO as the API's summary) travels in `finished`, so the API merges
    // shards instead of rescanning their samples
    const accOptions = job.slo ? { slo: job.slo } : {};
    let acc = new LoadPointAccumulator(accOptions);
    const engineAccumulates = deps.engineAccumulates === true;
    const observer = deps.observePoint?.();
    const onSample = (s: RequestSample): void => {
      observer?.onSample(s);
      batcher.add(s);
      live.add(s);
      if (!engineAccumulates) acc.add(s);
      if (!s.warmup && isSucceeded(s)) measuredOutputTokens += s.outputTokens;
    };
    let lastTick: LoadTick | undefined;
    const onTick = (t: LoadTick): void => {
      lastTick = t;
      observer?.onTick(t);
      for (const window of live.advance(t.tSec * 1e6, t.inFlight)) {
        // progress is best effort for the live view; it is not awaited before `finished`
        void deps.send({
          v: PROTOCOL_VERSION,
          ...ids,
          agentId: deps.agentId,
          ts: this.now(),
          type: 'loadpoint.progress',
          window,
          totals: {
            done: t.done,
            errors: t.errors,
            ...(t.planned === undefined ? {} : { planned: t.planned }),
            elapsedSec: t.tSec,
          },
        });
      }
    };

    // The cancel channel is the fast path; polling the cancel key each second covers a message
    // missed while the subscriber was reconnecting.
    const timer = setInterval(() => {
      batcher.flush();
      if (!ctl.signal.aborted) {
        void deps
          .isRunCancelled(job.runId)
          .then((c) => {
            if (c && !ctl.signal.aborted)
              ctl.abort({ kind: 'cancelled', runId: job.runId } satisfies AbortCause);
          })
          .catch(() => undefined);
      }
    }, deps.flushIntervalMs ?? 1000);

    let status: LoadPointFinishedEvent['status'];
    let reason: string | undefined;
    let warnings: string[] = [];
    let tokenizerInfo: TokenizerInfo | undefined;
    let startedAtEpochMs: number | undefined;
    let client: LlmClient | undefined;
    let telemetry: PointTelemetrySession | undefined;
    let telemetryResult: Promise<LoadPointTelemetry | undefined> = Promise.resolve(undefined);
    try {
      client = deps.createClient(job);
      const resolved = await deps.resolveTokenizer?.(job);
      const tokenizer = resolved?.tokenizer ?? (await deps.getTokenizer());
      if (resolved) {
        tokenizerInfo = resolved.info;
        // words met in earlier points' output are learned now, before this point's load starts
        await resolved.server?.learnPending().catch(() => undefined);
        log.info('tokenizer', { ...resolved.info, resolveMs: Math.round(resolved.resolveMs) });
      }
      // started after the tokenizer is ready (building one can take seconds) so the telemetry window
      // matches the load; a starter that throws despite its contract costs the telemetry, not the point
      try {
        telemetry = deps.startTelemetry?.(job, log);
      } catch (err) {
        log.warn('telemetry did not start', { err });
      }
      const syncWarnings: string[] = [];
      if (job.startSync) {
        const sync = deps.waitForStart
          ? await deps.waitForStart(job.startSync, job.shard.index, ctl.signal)
          : {
              synced: false,
              waitedMs: 0,
              warning: 'started without a common start: this agent cannot synchronize shards',
            };
        if (sync.warning) syncWarnings.push(sync.warning);
        log.info('common start', {
          synced: sync.synced,
          waitedMs: sync.waitedMs,
          startAtEpochMs: sync.startAtEpochMs,
        });
      }
      log.info('load point started', {
        load: job.load,
        requests: job.requests,
        durationSec: job.durationSec,
      });
      const result = await deps.runLoadPoint(
        {
          target: job.target,
          params: job.params,
          workload: job.workload,
          load: job.load,
          ...(job.requests === undefined ? {} : { requests: job.requests }),
          ...(job.durationSec === undefined ? {} : { durationSec: job.durationSec }),
          ...(job.warmup === undefined ? {} : { warmup: job.warmup }),
          limits: job.limits,
          seed: job.seed,
          shard: { index: job.shard.index, count: job.shard.count },
        },
        {
          client,
          clock: deps.clock,
          tokenizer,
          signal: ctl.signal,
          onSample,
          onTick,
          ...(deps.loadDataset ? { loadDataset: deps.loadDataset } : {}),
          ...(engineAccumulates ? { accumulator: accOptions } : {}),
        },
      );
      if (engineAccumulates && result.accumulator !== undefined)
        acc = LoadPointAccumulator.decode(result.accumulator);
      if (result.workers) {
        log.info('worker threads', {
          workers: result.workers.count,
          deal: result.workers.deal,
          startSkewUs: Math.round(result.workers.startSkewUs),
          sent: result.workers.parts.map((p) => p.sent),
          loopLagP99Ms: result.workers.parts.map((p) => p.selfCheck.loopLagP99Ms),
        });
      }
      warnings = [
        ...(tokenizerInfo?.warning ? [tokenizerInfo.warning] : []),
        ...syncWarnings,
        ...result.warnings,
      ];
      startedAtEpochMs = result.startedAtEpochMs;
      ({ status, reason } = mapEngineStatus(result, ctl.signal));
      log.info('load point ended', {
        status,
        reason,
        sent: result.sent,
        completed: result.completed,
        cancelledTail: result.cancelledTail,
      });
    } catch (err) {
      status = 'failed';
      reason = `load engine error: ${(err as Error)?.message ?? String(err)}`;
      log.error('load engine failed', { err });
    } finally {
      clearInterval(timer);
      observer?.end();
      // stopped as soon as the load ends, so the final scrape/sample closes the window there
      if (telemetry) {
        const session = telemetry;
        telemetryResult = Promise.resolve()
          .then(() => session.stop({ outputTokens: measuredOutputTokens }))
          .catch((err: unknown) => {
            log.warn('telemetry stop failed', { err });
            return undefined;
          });
      }
      await client?.close().catch((err: unknown) => log.warn('closing the HTTP client failed', { err }));
    }

    batcher.flush();
    for (const window of live.flush()) {
      void deps.send({
        v: PROTOCOL_VERSION,
        ...ids,
        agentId: deps.agentId,
        ts: this.now(),
        type: 'loadpoint.progress',
        window,
        totals: {
          done: lastTick?.done ?? batcher.sampleCount,
          errors: lastTick?.errors ?? 0,
          ...(lastTick?.planned === undefined ? {} : { planned: lastTick.planned }),
          elapsedSec: window.tSec + 1,
        },
      });
    }
    // `finished` tells the API how many batches to expect; it must never overtake one of them
    const [pointTelemetry] = await Promise.all([telemetryResult, Promise.all(acks)]);
    const batchCount = batcher.batchCount;
    const scheduleDelayP99Ms = acc.percentile('scheduleDelayMs', 99);
    await deps.send(
      this.finishedEvent(ids, {
        status,
        batchCount,
        ...(reason === undefined ? {} : { reason }),
        warnings,
        ...(tokenizerInfo === undefined ? {} : { tokenizer: tokenizerInfo }),
        ...(pointTelemetry === undefined ? {} : { telemetry: pointTelemetry }),
        // an engine that never started has nothing to merge: the API then reads the stored samples
        ...(startedAtEpochMs === undefined
          ? {}
          : {
              accumulator: acc.encode(),
              shardHealth: {
                ...(scheduleDelayP99Ms === undefined ? {} : { scheduleDelayP99Ms }),
                errors: acc.summary().requests.failed,
                startedAtEpochMs,
              },
            }),
      }),
      finishedJobId(job.loadPointId, job.shard.index, ids.attempt),
    );
    return { status, ...(reason === undefined ? {} : { reason }), batchCount, samples: batcher.sampleCount };
  }

  private finishedEvent(
    ids: EventIds,
    f: Pick<
      LoadPointFinishedEvent,
      | 'status'
      | 'batchCount'
      | 'reason'
      | 'warnings'
      | 'tokenizer'
      | 'telemetry'
      | 'accumulator'
      | 'shardHealth'
    >,
  ): LoadPointFinishedEvent {
    return {
      v: PROTOCOL_VERSION,
      ...ids,
      agentId: this.deps.agentId,
      ts: this.now(),
      type: 'loadpoint.finished',
      status: f.status,
      batchCount: f.batchCount,
      ...(f.reason === undefined ? {} : { reason: f.reason.slice(0, 2000) }),
      warnings: f.warnings,
      ...(f.tokenizer === undefined ? {} : { tokenizer: f.tokenizer }),
      ...(f.telemetry === undefined ? {} : { telemetry: f.telemetry }),
      ...(f.accumulator === undefined ? {} : { accumulator: f.accumulator }),
      ...(f.shardHealth === undefined ? {} : { shardHealth: f.shardHealth }),
    };
  }
}

interface EventIds {
  runId: string;
  loadPointId: string;
  shardIndex: number;
  attempt: number;
}

/** Engine status → finished status. A limit abort (e.g. maxErrorRate) did not complete its plan: failed. */
export function mapEngineStatus(
  result: Pick<RunLoadPointResult, 'status' | 'reason'>,
  signal: AbortSignal,
): { status: LoadPointFinishedEvent['status']; reason?: string } {
  const cause = signal.aborted ? (signal.reason as AbortCause | undefined) : undefined;
  if (cause?.kind === 'shutdown') {
    return { status: 'failed', reason: 'the agent shut down during the load point' };
  }
  if (result.status === 'completed')
    return { status: 'completed', ...(result.reason ? { reason: result.reason } : {}) };
  if (result.status === 'cancelled') return { status: 'cancelled', reason: result.reason ?? 'run cancelled' };
  return { status: 'failed', reason: result.reason ?? 'load point aborted by a limit' };
}

const attemptPart = (attempt: number): string => (attempt ? `-a${attempt}` : '');
/** BullMQ job id of a shard's `loadpoint.started` event (a re-sent one is dropped while the first is stored). */
export const startedJobId = (loadPointId: string, shardIndex: number, attempt = 0): string =>
  `${loadPointId}-s${shardIndex}${attemptPart(attempt)}-started`;
/** BullMQ job id of a shard's `loadpoint.finished` event. */
export const finishedJobId = (loadPointId: string, shardIndex: number, attempt = 0): string =>
  `${loadPointId}-s${shardIndex}${attemptPart(attempt)}-finished`;
