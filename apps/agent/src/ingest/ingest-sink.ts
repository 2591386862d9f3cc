import {
  ingestJobName,
  JOBS,
  toCompactSampleBatch,
  type AgentEvent,
  type AgentWireEvent,
  type SampleBatchEncoding,
} from '@inferbench/contracts';
import type { Logger } from '../common/logger.js';

/** BullMQ job options the sink sets on every ingest job (a subset of bullmq's JobsOptions). */
export interface IngestJobOptions {
  jobId?: string;
  removeOnComplete: boolean;
  removeOnFail: { count: number };
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
}

/** The part of a BullMQ Queue the sink needs: `Queue.add` satisfies it. */
export interface IngestQueue {
  add(name: string, data: AgentWireEvent, opts: IngestJobOptions): Promise<unknown>;
}

export interface IngestSinkOptions {
  logger: Logger;
  /** first retry delay after a failed add, ms (doubles up to maxBackoffMs) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** BullMQ attempts of the API's ingest consumer for each event job (default: the job catalog's) */
  jobAttempts?: number;
  /**
   * how sample batches travel (default `columnar-v2`, 2.4–5× smaller than JSON; `json-v1` for an API older than issue 14).
   * A batch the compact encoder refuses (a value the sample schema would refuse too) is sent as json-v1.
   */
  encoding?: SampleBatchEncoding;
}

interface Pending {
  event: AgentWireEvent;
  jobId: string | undefined;
  resolve: () => void;
}

/**
 * Ordered, lossless delivery of agent events to the `ingest` queue.
 *
 * Events are added one at a time in the order they were sent, so the API sees `started` before the
 * batches and the batches before `finished`. When an add fails (Redis down, failover, timeout) the same
 * event is retried with exponential backoff forever; later events wait behind it in memory. Retrying is
 * safe because sample batches carry a deterministic jobId (`sampleBatchJobId`), which BullMQ refuses to add
 * twice while the first is still stored, and the API stores each (loadPoint, shard, batchSeq) once anyway.
 * Sample batches are encoded (`columnar-v2` unless `encoding` says otherwise) when they are queued here, once, so the
 * buffer holds them compact. The buffer is unbounded by design: a load point's samples must survive a Redis outage of
 * any length (memory is ~0.3 KB per 100-token sample compact, ~1 KB as JSON); shutdown bounds the wait with
 * `drain(timeoutMs)`.
 */
export class IngestSink {
  private readonly queue: Pending[] = [];
  private pumping = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private failures = 0;

  constructor(
    private readonly target: IngestQueue,
    private readonly opts: IngestSinkOptions,
  ) {}

  /** Events waiting to be acknowledged by Redis. */
  get pendingCount(): number {
    return this.queue.length;
  }

  /**
   * Queue an event; the promise resolves once Redis acknowledged the add. It never rejects: failures are
   * retried until they succeed or the sink is closed (then it resolves with the event still unsent).
   */
  send(event: AgentEvent, jobId?: string): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.closed) {
        this.opts.logger.error('ingest sink closed; event dropped', {
          type: event.type,
          workItem: 'loadPointId' in event ? event.loadPointId : event.workItemId,
        });
        return resolve();
      }
      this.queue.push({ event: this.encode(event), jobId, resolve });
      void this.pump();
    });
  }

  private encode(event: AgentEvent): AgentWireEvent {
    if (event.type !== 'sample.batch' || (this.opts.encoding ?? 'columnar-v2') === 'json-v1') return event;
    try {
      return toCompactSampleBatch(event);
    } catch (err) {
      this.opts.logger.warn('sample batch cannot be encoded as columnar-v2; sending it as JSON', {
        err,
        loadPointId: event.loadPointId,
        batchSeq: event.batchSeq,
      });
      return event;
    }
  }

  /** Resolve when every event sent so far is acknowledged, or after `timeoutMs`; returns true when drained. */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const last = this.queue[this.queue.length - 1];
    if (!last) return true;
    const done = new Promise<boolean>((resolve) => {
      const prev = last.resolve;
      last.resolve = () => {
        prev();
        resolve(true);
      };
    });
    if (!Number.isFinite(timeoutMs)) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop retrying; pending sends resolve unsent (called after a bounded drain at shutdown). */
  close(): void {
    this.closed = true;
    this.wake?.();
    const left = this.queue.splice(0);
    if (left.length) this.opts.logger.error('ingest sink closed with unsent events', { unsent: left.length });
    for (const p of left) p.resolve();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const head = this.queue[0]!;
        try {
          const name = ingestJobName(head.event);
          await this.target.add(name, head.event, {
            ...(head.jobId === undefined ? {} : { jobId: head.jobId }),
            removeOnComplete: true,
            removeOnFail: { count: 10_000 },
            attempts: this.opts.jobAttempts ?? JOBS[name].attempts,
            backoff: { ...JOBS[name].backoff },
          });
          if (this.failures > 0)
            this.opts.logger.info('ingest adds succeed again', { afterFailures: this.failures });
          this.failures = 0;
          if (this.queue[0] === head) this.queue.shift();
          head.resolve();
        } catch (err) {
          this.failures++;
          const delayMs = Math.min(
            this.opts.maxBackoffMs ?? 5_000,
            (this.opts.initialBackoffMs ?? 100) * 2 ** Math.min(this.failures - 1, 16),
          );
          if (this.failures === 1 || this.failures % 20 === 0) {
            this.opts.logger.warn('ingest add failed; buffering and retrying', {
              err,
              failures: this.failures,
              pending: this.queue.length,
              retryInMs: delayMs,
            });
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, delayMs);
            this.wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.wake = undefined;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
