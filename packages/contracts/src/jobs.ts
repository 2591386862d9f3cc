import { z } from 'zod';
import { ApiKindSchema, IdSchema } from './common.js';
import { LimitsSchema, LoadLevelSchema, WarmupSchema } from './specs/load-plan.js';
import { SloSpecSchema } from './specs/slo.js';
import { RequestParamsSchema } from './specs/variant.js';
import { WorkloadSpecSchema } from './specs/workload.js';

/** Current version of job payloads and agent events. */
export const PROTOCOL_VERSION = 1 as const;

/** BullMQ queue that carries load-point jobs for one agent pool. */
export const loadQueueName = (pool: string): string => `load.${pool}`;
/** BullMQ queue on which agents send events (sample batches, progress, lifecycle) to the API. */
export const INGEST_QUEUE = 'ingest';
/** Redis pub/sub channel on which the API announces cancellations; payload is `{ runId }`. */
export const CANCEL_CHANNEL = 'inferbench:cancel';
/** Redis key set while a run is cancelled (agents check it before starting a job). */
export const cancelKey = (runId: string): string => `inferbench:cancelled:${runId}`;
/** Redis key (JSON AgentInfo, with a TTL) refreshed by an agent's heartbeat. */
export const agentKey = (agentId: string): string => `inferbench:agent:${agentId}`;
export const AGENT_KEY_PATTERN = 'inferbench:agent:*';

/** Connection details of a target as an agent needs them. The API key travels decrypted, only inside Redis. */
export const TargetConnSchema = z.object({
  baseUrl: z.url(),
  apiKind: ApiKindSchema,
  model: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  apiKey: z.string().optional(),
  /** Prometheus endpoint of the server, scraped during the load point when set */
  metricsUrl: z.url().optional(),
});
export type TargetConn = z.infer<typeof TargetConnSchema>;

/** Job `loadpoint.execute` on `load.<pool>`: run one shard of one load point. */
export const LoadPointJobSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  runId: IdSchema,
  loadPointId: IdSchema,
  shard: z.object({ index: z.number().int().min(0), count: z.number().int().min(1) }),
  target: TargetConnSchema,
  params: RequestParamsSchema,
  workload: WorkloadSpecSchema,
  load: LoadLevelSchema,
  /** per-point extent: measured requests and/or duration (whichever ends first) */
  requests: z.number().int().positive().optional(),
  durationSec: z.number().positive().optional(),
  warmup: WarmupSchema.optional(),
  limits: LimitsSchema,
  slo: SloSpecSchema.optional(),
  seed: z.number().int(),
  /** samples per batch sent back; a partial batch is flushed at least every second */
  batchSize: z.number().int().min(1).max(10_000).default(500),
});
export type LoadPointJob = z.infer<typeof LoadPointJobSchema>;

export const JOBS = {
  'loadpoint.execute': { schema: LoadPointJobSchema, attempts: 1 },
} as const;
export type JobName = keyof typeof JOBS;
