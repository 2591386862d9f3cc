import { z } from 'zod';
import { ApiKindSchema, ConnectionModeSchema, IdSchema } from './common.js';
import { LimitsSchema, LoadLevelSchema, WarmupSchema } from './specs/load-plan.js';
import { SloSpecSchema } from './specs/slo.js';
import { RequestParamsSchema } from './specs/variant.js';
import { WorkloadSpecSchema } from './specs/workload.js';
import { TokenizerSettingSchema } from './tokenizer.js';

/** Current version of job payloads and agent events. */
export const PROTOCOL_VERSION = 1 as const;

/**
 * Names in Redis. Every process is configured with one `prefix` (QUEUE_PREFIX, default `ib`): BullMQ
 * queues use it as their BullMQ `prefix`, and every other key and channel starts with it, so several
 * installations (or test files) can share one Redis server without seeing each other.
 */
export const DEFAULT_REDIS_PREFIX = 'ib';
// Queue and job names: see the job catalog (job-catalog.ts).
/** Pub/sub channel on which the API announces cancellations; message is `{"runId": "..."}`. */
export const cancelChannel = (prefix: string): string => `${prefix}:cancel`;
/** Key set (with a TTL of a day) while a run is cancelled; agents check it before starting a job. */
export const cancelKey = (prefix: string, runId: string): string => `${prefix}:cancelled:${runId}`;
/** Key holding an agent's JSON AgentInfo, refreshed by its heartbeat with a TTL (AGENT_TTL_SEC). */
export const agentKey = (prefix: string, agentId: string): string => `${prefix}:agent:${agentId}`;
export const agentKeyPattern = (prefix: string): string => `${prefix}:agent:*`;
/** Pub/sub channel on which the API relays one run's live events to SSE subscribers. */
export const runEventsChannel = (prefix: string, runId: string): string => `${prefix}:run-events:${runId}`;
/** Seconds an agent key lives without a heartbeat; agents refresh it every AGENT_TTL_SEC / 5. */
export const AGENT_TTL_SEC = 10;
/** BullMQ job id of one shard of a load point (custom ids must not contain ':'). */
export const loadPointJobId = (loadPointId: string, shardIndex: number, attempt = 0): string =>
  `${loadPointId}-s${shardIndex}-a${attempt}`;
/**
 * BullMQ job id of one sample batch: the ingest queue drops a re-sent batch with the same id. Attempt 0 keeps
 * the original form so ids of older agents stay valid; a retried shard's batches carry `-a<attempt>`.
 */
export const sampleBatchJobId = (
  loadPointId: string,
  shardIndex: number,
  batchSeq: number,
  attempt = 0,
): string => `${loadPointId}-s${shardIndex}${attempt ? `-a${attempt}` : ''}-b${batchSeq}`;
/**
 * Redis keys of one shard attempt set's common start (see {@link StartSyncSchema}): a set of the shards that
 * have arrived, and the start epoch (ms) written once with SET NX by the last one to arrive.
 */
export const startSyncKeys = (prefix: string, key: string): { arrived: string; startAt: string } => ({
  arrived: `${prefix}:startsync:${key}:arrived`,
  startAt: `${prefix}:startsync:${key}:at`,
});
/** How far in the future (ms) the last shard to arrive sets the common start, so every shard sees it in time. */
export const START_SYNC_LEAD_MS = 250;

/**
 * Common start of a sharded load point. Before sending, each shard adds its index to a Redis set and waits
 * (at most `timeoutMs`) until `shards` indexes are there; the last to arrive writes `now + START_SYNC_LEAD_MS`
 * (epoch ms) with SET NX; every shard sleeps until that time, then starts and reports when it really did.
 * On timeout a shard starts alone and says so in its warnings.
 */
export const StartSyncSchema = z.object({
  /** unique per (load point, sync round); a retried shard gets no sync (its peers are already running) */
  key: z.string().min(1).max(200),
  shards: z.number().int().min(2),
  timeoutMs: z.number().int().positive().max(600_000),
});
export type StartSync = z.infer<typeof StartSyncSchema>;

/**
 * Connection details of a target as an agent needs them. The API key never travels in Redis: a job whose target
 * has one carries `apiKeyFromApi: true`, and the agent fetches the key for that load point from the API with its
 * credential (`GET /agents/load-points/:id/secret`), in memory only. `apiKey` is only set by the agent itself
 * after that fetch (and by tests that build jobs by hand).
 */
export const TargetConnSchema = z.object({
  baseUrl: z.url(),
  apiKind: ApiKindSchema,
  model: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  apiKey: z.string().optional(),
  /** the target has an API key: fetch it from the API for this load point */
  apiKeyFromApi: z.boolean().optional(),
  /** Prometheus endpoint of the server, scraped during the load point when set */
  metricsUrl: z.url().optional(),
  /** `keep-alive` (absent) reuses connections; `close` opens one connection per request */
  connection: ConnectionModeSchema.optional(),
  /** client-side tokenizer for this target (default `auto`: the server's own) */
  tokenizer: TokenizerSettingSchema.optional(),
});
export type TargetConn = z.infer<typeof TargetConnSchema>;

/**
 * Per-job telemetry settings (all optional; the agent's own config supplies the defaults). They
 * override the agent's `AGENT_GPU_*` / `AGENT_DCGM_URL` settings for this job only.
 */
export const JobTelemetrySchema = z.object({
  /** sample the agent host's GPUs during the point; default true (an agent with GPU telemetry off never samples) */
  gpu: z.boolean().optional(),
  /** GPU indices the target server uses (nvidia-smi `index`); default all GPUs of the host */
  gpuIndices: z.array(z.number().int().min(0)).optional(),
  /** read this DCGM exporter (`/metrics` URL) instead of running nvidia-smi */
  dcgmUrl: z.url().optional(),
});
export type JobTelemetry = z.infer<typeof JobTelemetrySchema>;

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
  /** telemetry settings for this job; absent = the agent's defaults */
  telemetry: JobTelemetrySchema.optional(),
  /**
   * 0 for a shard's first execution; a shard re-run after its agent died gets attempt + 1. Events carry it, and
   * the API counts only the samples of the attempt it last scheduled (`LoadPoint.shardAttempts`). Absent = 0.
   */
  attempt: z.number().int().min(0).optional(),
  /** common start with the point's other shards (absent for a single shard and for retried shards) */
  startSync: StartSyncSchema.optional(),
});
export type LoadPointJob = z.infer<typeof LoadPointJobSchema>;
