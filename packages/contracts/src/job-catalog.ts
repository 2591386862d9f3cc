import { z } from 'zod';
import {
  LoadPointFinishedEventSchema,
  LoadPointStartedEventSchema,
  ProgressEventSchema,
  SampleBatchWireSchema,
  type AgentEvent,
  type AgentWireEvent,
} from './events.js';
import { LoadPointJobSchema } from './jobs.js';
import { WebhookDeliverJobSchema } from './http/ci.js';
import {
  EvalFinishedEventSchema,
  EvalJobSchema,
  EvalProgressEventSchema,
  EvalRecordsEventSchema,
  EvalStartedEventSchema,
} from './eval-jobs.js';

/**
 * The job catalog: every BullMQ queue and every job name that travels on it, with its payload schema and
 * retry policy. Producers add jobs only under these names, consumers parse `job.data` with the entry's
 * schema (never trust Redis). Queue and job names are on the wire: renaming one strands the jobs of agents
 * and APIs that still run the old name.
 */

/** BullMQ queue that carries load-point jobs for one agent pool. */
export const loadQueueName = (pool: string): string => `load.${pool}`;
/** BullMQ queue on which agents send events (sample batches, progress, lifecycle) to the API. */
export const INGEST_QUEUE = 'ingest';
/** BullMQ queue that carries accuracy-eval jobs (`eval.execute`) for one agent pool. */
export const evalQueueName = (pool: string): string => `eval.${pool}`;

/** BullMQ queue of webhook deliveries, produced and consumed by the API. */
export const WEBHOOKS_QUEUE = 'webhooks';

/** Every queue by role, with its name: per agent pool (`load.<pool>`, `eval.<pool>`) or one shared queue. */
export const QUEUES = {
  /** API → agents of one pool: shards of load points */
  load: { perPool: true, name: loadQueueName },
  /** agents → API: every {@link AgentEvent}, one job per event, named by its `type` */
  ingest: { perPool: false, name: (): string => INGEST_QUEUE },
  /** API → agents of one pool: accuracy evals (one job per eval work item) */
  eval: { perPool: true, name: evalQueueName },
  /** API → API: experiment webhook deliveries (run ended), retried with backoff */
  webhooks: { perPool: false, name: (): string => WEBHOOKS_QUEUE },
} as const;
export type QueueKind = keyof typeof QUEUES;

/** BullMQ retry policy of one job kind. */
export interface JobRetry {
  /** BullMQ `attempts` (1: never retried) */
  attempts: number;
  backoff?: { type: 'exponential'; delay: number };
}

/** One catalog entry. */
export interface JobDefinition extends JobRetry {
  queue: QueueKind;
  schema: z.ZodType;
  /** true for a name kept for a job kind that is not produced yet */
  reserved?: boolean;
}

/**
 * Retry policy of an ingest job: the API's consumer retries a failed handler (database down) with backoff;
 * a re-delivered event is harmless because ingest is idempotent per batch.
 */
const INGEST_RETRY = { attempts: 10, backoff: { type: 'exponential', delay: 500 } } as const;

/** Every job name with its queue, payload schema and retry policy. */
export const JOBS = {
  /** run one shard of one load point; never retried (a half-run point would double its load) */
  'loadpoint.execute': { queue: 'load', schema: LoadPointJobSchema, attempts: 1 },
  'loadpoint.started': { queue: 'ingest', schema: LoadPointStartedEventSchema, ...INGEST_RETRY },
  'sample.batch': { queue: 'ingest', schema: SampleBatchWireSchema, ...INGEST_RETRY },
  'loadpoint.progress': { queue: 'ingest', schema: ProgressEventSchema, ...INGEST_RETRY },
  'loadpoint.finished': { queue: 'ingest', schema: LoadPointFinishedEventSchema, ...INGEST_RETRY },
  /** run one eval work item (a variant's eval tasks); never retried by BullMQ (the API re-dispatches) */
  'eval.execute': { queue: 'eval', schema: EvalJobSchema, attempts: 1 },
  'eval.started': { queue: 'ingest', schema: EvalStartedEventSchema, ...INGEST_RETRY },
  'eval.records': { queue: 'ingest', schema: EvalRecordsEventSchema, ...INGEST_RETRY },
  'eval.progress': { queue: 'ingest', schema: EvalProgressEventSchema, ...INGEST_RETRY },
  'eval.finished': { queue: 'ingest', schema: EvalFinishedEventSchema, ...INGEST_RETRY },
  /**
   * POST one webhook delivery (its body and secret are read from the database); a failed attempt (no answer, non-2xx)
   * is retried with exponential backoff: 1 s, 2 s, 4 s, 8 s, 16 s, 32 s, 64 s
   */
  'webhook.deliver': {
    queue: 'webhooks',
    schema: WebhookDeliverJobSchema,
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
  },
} as const satisfies Record<string, JobDefinition>;

export type JobName = keyof typeof JOBS;
/** The job names that travel on one queue. */
export type JobsOn<Q extends QueueKind> = {
  [K in JobName]: (typeof JOBS)[K]['queue'] extends Q ? K : never;
}[JobName];
/** A job's payload after parsing. */
export type JobPayload<K extends JobName> = z.output<(typeof JOBS)[K]['schema']>;
/** What a producer may pass for a job (schema defaults not yet applied). */
export type JobInput<K extends JobName> = z.input<(typeof JOBS)[K]['schema']>;
/**
 * A consumer's handlers for every job of a queue. A job added to the catalog without a handler is a compile
 * error. Handlers get the raw `job.data` and parse it with {@link parseJob} (or the entry's schema).
 */
export type JobHandlers<Q extends QueueKind, R> = { [K in JobsOn<Q>]: (data: unknown) => Promise<R> };

/** The queue a job name belongs to; undefined for a name outside the catalog. */
export function jobQueue(name: string): QueueKind | undefined {
  return Object.hasOwn(JOBS, name) ? JOBS[name as JobName].queue : undefined;
}

/** Whether `name` is a catalog job of `queue` (narrowing a BullMQ `job.name`). */
export function isJobOn<Q extends QueueKind>(queue: Q, name: string): name is JobsOn<Q> {
  return jobQueue(name) === queue;
}

/** Parses a job's data with its catalog schema (throws a ZodError when it does not match). */
export function parseJob<K extends JobName>(name: K, data: unknown): JobPayload<K> {
  return JOBS[name].schema.parse(data) as JobPayload<K>;
}

/** The ingest job name of an agent event: its `type`. */
export function ingestJobName(event: AgentEvent | AgentWireEvent): JobsOn<'ingest'> {
  return event.type;
}

// Every agent event type is an ingest job and every ingest job is an agent event type.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const ingestJobsAreAgentEvents: Equal<JobsOn<'ingest'>, AgentEvent['type']> = true;
void ingestJobsAreAgentEvents;
